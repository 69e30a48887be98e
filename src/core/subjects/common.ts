import { latLngToCell } from 'h3-js';
import { type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import { type Actor, assertCan, assertInScope } from '../access/actor.ts';
import { assertAreaExists, locate } from '../areas/areas.service.ts';
import type { DbOrTx } from '../db/database.ts';
import type { DB } from '../db/types.ts';
import { AppError } from '../errors.ts';

/** h3 resolution used for map aggregation of subjects: ~0.1 km², a block of houses. */
export const H3_RES = 9;

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface PageParams {
  page: number;
  pageSize: number;
}

export interface Point {
  lng: number;
  lat: number;
}

export function h3Of(p: Point | null | undefined): string | null {
  return p ? latLngToCell(p.lat, p.lng, H3_RES) : null;
}

/**
 * The area a new or moved record goes to: the one given (it must exist and be inside the actor's scope), or
 * else the grid/village found under its point. One rule for every kind of subject.
 */
export async function resolveWritableArea(
  tx: DbOrTx,
  actor: Actor,
  areaCode: string | undefined,
  point: Point | null | undefined,
): Promise<string> {
  assertCan(actor, 'subject:write');
  let code = areaCode;
  if (!code && point) code = (await locate(tx, point.lng, point.lat)).at(-1)?.code;
  if (!code) {
    throw new AppError(
      'UNKNOWN_AREA',
      '请提供区划代码，或提供位于温州市内的坐标 / Give an area code, or a point inside the city',
    );
  }
  await assertAreaExists(tx, code);
  assertInScope(actor, code);
  return code;
}

/** Optimistic concurrency: the caller sends the version it read; a stale one is a 409 with the current state. */
export function staleVersion(kind: string, current: unknown): AppError {
  return new AppError(
    'CONFLICT',
    `${kind}已被他人修改，请刷新后重试 / This ${kind} was changed by someone else; reload and try again`,
    [{ code: 'STALE_VERSION', message: JSON.stringify(current) }],
  );
}

/** LIKE pattern for "contains": user text never acts as a wildcard. */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of a filtered list plus the total, ordered by the chosen column with id as tie-break so that
 * pages never overlap.
 */
export async function paginate<T extends keyof DB & string, R>(
  q: SelectQueryBuilder<DB, T, object>,
  params: PageParams & { order: 'asc' | 'desc' },
  sortColumn: string,
  present: (row: Selectable<DB[T]>) => R,
): Promise<Page<R>> {
  const [rows, count] = await Promise.all([
    q
      .selectAll()
      .orderBy(sql.ref(sortColumn), params.order)
      .orderBy(sql.ref('id'), params.order)
      .limit(params.pageSize)
      .offset((params.page - 1) * params.pageSize)
      .execute(),
    q.select(sql<string>`count(*)`.as('n')).executeTakeFirst(),
  ]);
  return {
    items: rows.map((r) => present(r as unknown as Selectable<DB[T]>)),
    total: Number((count as { n?: string } | undefined)?.n ?? 0),
    page: params.page,
    pageSize: params.pageSize,
  };
}

import { latLngToCell } from 'h3-js';
import { type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import { type Actor, assertCan, assertInScope } from '../access/actor.ts';
import { inScopeSql } from '../access/scope.ts';
import { assertAreaExists, locate } from '../areas/areas.service.ts';
import { audit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import type { DB } from '../db/types.ts';
import { AppError, notFound } from '../errors.ts';

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

/** The location columns of a record with a point: WGS-84 and its h3 cell. */
export function pointColumns(p: Point | null | undefined) {
  return { lng: p?.lng ?? null, lat: p?.lat ?? null, h3: h3Of(p) };
}

export function pointOf(r: { lng: number | null; lat: number | null }): Point | null {
  return r.lng == null || r.lat == null ? null : { lng: r.lng, lat: r.lat };
}

/**
 * The columns a PATCH sets: only the fields it names (undefined = leave as is; null = clear), renamed by
 * `columns` (input field → column).
 */
export function patchColumns<P extends object>(
  patch: P,
  columns: { [K in keyof P]?: string },
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(columns) as [keyof P, string][]) {
    if (patch[field] !== undefined) out[column] = patch[field];
  }
  return out;
}

/** One row the actor may see, optionally locked for update; absent and out of scope look the same. */
export async function findVisible<R>(
  q: {
    where: (
      c: 'id',
      op: '=',
      v: string,
    ) => { forUpdate(): unknown; executeTakeFirst(): Promise<R | undefined> };
  },
  id: string,
  lock: boolean,
  what: string,
): Promise<R> {
  const base = q.where('id', '=', id);
  const row = await (lock ? (base.forUpdate() as typeof base) : base).executeTakeFirst();
  if (!row) throw notFound(`${what} ${id}`);
  return row;
}

/** What the trail keeps of a presented record: its fields less the timestamps (the entry has its own). */
function auditView(v: object): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, ...rest } = v as Record<string, unknown>;
  return rest;
}

/** The audit entry of a create (no `before`) or an update: presented values, never plain identifiers. */
export function auditWrite(
  tx: DbOrTx,
  actor: Actor,
  entityType: string,
  entityId: string,
  areaCode: string,
  before: object | null,
  after: object,
): Promise<void> {
  return audit(tx, actor, {
    action: `${entityType}.${before ? 'update' : 'create'}`,
    entityType,
    entityId,
    areaCode,
    oldValues: before ? auditView(before) : null,
    newValues: auditView(after),
  });
}

const REF_NAMES = { houses: '房屋 / house', persons: '人员 / person' } as const;

/**
 * A reference given in input (a person's house, a house's owner…) must be a record the actor can see:
 * otherwise it is reported as unknown, exactly as if it did not exist.
 */
export async function assertVisibleRef(
  tx: DbOrTx,
  actor: Actor,
  table: keyof typeof REF_NAMES,
  id: string | null | undefined,
  field: string,
): Promise<void> {
  if (!id) return;
  const found = await tx
    .selectFrom(table)
    .select('id')
    .where('id', '=', id)
    .where(inScopeSql(actor))
    .executeTakeFirst();
  if (!found) {
    throw new AppError('VALIDATION_FAILED', `${REF_NAMES[table]} ${id} 不存在 / unknown`, [
      { path: field, message: 'not found' },
    ]);
  }
}

/**
 * The start of every subject update: the actor may write, the record is visible and locked, the caller's
 * version is current (else 409 with the current state), and the record's area after the change is resolved.
 */
export async function beginUpdate<R extends { version: number; area_code: string }>(
  tx: DbOrTx,
  actor: Actor,
  opts: {
    find: () => Promise<R>;
    version: number;
    label: string;
    present: (row: R) => unknown;
    areaCode?: string | undefined;
    point?: Point | null | undefined;
  },
): Promise<{ before: R; areaCode: string }> {
  assertCan(actor, 'subject:write');
  const before = await opts.find();
  if (before.version !== opts.version) throw staleVersion(opts.label, opts.present(before));
  const moved = opts.areaCode || opts.point;
  const areaCode = moved ? await resolveWritableArea(tx, actor, opts.areaCode, opts.point) : before.area_code;
  return { before, areaCode };
}

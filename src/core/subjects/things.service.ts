import { sql } from 'kysely';
import { type Actor, assertCan } from '../access/actor.ts';
import { containsPattern, inScopeSql, underAreaSql } from '../access/scope.ts';
import type { DbOrTx } from '../db/database.ts';
import type { ThingRow } from '../db/types.ts';
import { AppError } from '../errors.ts';
import {
  auditWrite,
  beginUpdate,
  findVisible,
  type Page,
  type PageParams,
  type Point,
  paginate,
  patchColumns,
  pointColumns,
  pointOf,
  resolveWritableArea,
} from './common.ts';

/** Kinds the kernel knows; modules may use others that match ^[a-z_]{2,30}$. */
export const THING_KINDS: Record<string, { zh: string; en: string }> = {
  camera: { zh: '摄像头', en: 'Camera' },
  vessel: { zh: '船舶', en: 'Vessel' },
  vehicle: { zh: '车辆', en: 'Vehicle' },
  hydrant: { zh: '消火栓', en: 'Hydrant' },
  seized_item: { zh: '涉案财物', en: 'Seized item' },
  facility: { zh: '设施', en: 'Facility' },
};

export type ThingAttributes = Record<string, string | number | boolean | null>;

export interface Thing {
  id: string;
  areaCode: string;
  kind: string;
  name: string;
  identifier: string | null;
  attributes: ThingAttributes;
  point: Point | null;
  h3: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function presentThing(r: ThingRow): Thing {
  return {
    id: r.id,
    areaCode: r.area_code,
    kind: r.kind,
    name: r.name,
    identifier: r.identifier,
    attributes: (r.attributes ?? {}) as ThingAttributes,
    point: pointOf(r),
    h3: r.h3,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    version: r.version,
  };
}

function visible(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'subject:read');
  return db.selectFrom('things').where(inScopeSql(actor));
}

export interface ThingQuery extends PageParams {
  areaCode?: string | undefined;
  kind?: string | undefined;
  q?: string | undefined;
  sort: 'id' | 'name' | 'updatedAt';
  order: 'asc' | 'desc';
}

export async function listThings(db: DbOrTx, actor: Actor, query: ThingQuery): Promise<Page<Thing>> {
  let q = visible(db, actor);
  if (query.areaCode) q = q.where(underAreaSql(query.areaCode));
  if (query.kind) q = q.where('kind', '=', query.kind);
  if (query.q)
    q = q.where((eb) =>
      eb.or([eb('name', 'like', containsPattern(query.q!)), eb('identifier', '=', query.q!)]),
    );
  return paginate(q, query, { id: 'id', name: 'name', updatedAt: 'updated_at' }[query.sort], presentThing);
}

function findRow(db: DbOrTx, actor: Actor, id: string, lock = false): Promise<ThingRow> {
  return findVisible(visible(db, actor).selectAll(), id, lock, '物 / thing');
}

export async function getThing(db: DbOrTx, actor: Actor, id: string): Promise<Thing> {
  return presentThing(await findRow(db, actor, id));
}

export interface ThingInput {
  areaCode?: string | undefined;
  kind: string;
  name: string;
  identifier?: string | null | undefined;
  attributes?: ThingAttributes | undefined;
  point?: Point | null | undefined;
}

async function assertIdentifierFree(
  tx: DbOrTx,
  kind: string,
  identifier: string | null | undefined,
  selfId?: string,
) {
  if (!identifier) return;
  let q = tx.selectFrom('things').select('id').where('kind', '=', kind).where('identifier', '=', identifier);
  if (selfId) q = q.where('id', '!=', selfId);
  if (await q.executeTakeFirst()) {
    throw new AppError(
      'CONFLICT',
      `编号 ${identifier} 已登记 / Identifier already registered for this kind`,
      [{ path: 'identifier', code: 'DUPLICATE', message: 'already registered' }],
    );
  }
}

export async function createThing(tx: DbOrTx, actor: Actor, input: ThingInput): Promise<Thing> {
  const areaCode = await resolveWritableArea(tx, actor, input.areaCode, input.point);
  await assertIdentifierFree(tx, input.kind, input.identifier);
  const row = await tx
    .insertInto('things')
    .values({
      area_code: areaCode,
      kind: input.kind,
      name: input.name,
      identifier: input.identifier ?? null,
      attributes: JSON.stringify(input.attributes ?? {}),
      ...pointColumns(input.point),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const t = presentThing(row);
  await auditWrite(tx, actor, 'thing', row.id, areaCode, null, t);
  return t;
}

export async function updateThing(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  version: number,
  patch: Partial<ThingInput>,
): Promise<Thing> {
  const { before, areaCode } = await beginUpdate(tx, actor, {
    find: () => findRow(tx, actor, id, true),
    version,
    label: '物品信息',
    present: (r) => presentThing(r),
    areaCode: patch.areaCode,
    point: patch.point,
  });
  if (patch.identifier !== undefined || patch.kind !== undefined) {
    await assertIdentifierFree(
      tx,
      patch.kind ?? before.kind,
      patch.identifier === undefined ? before.identifier : patch.identifier,
      id,
    );
  }
  const row = await tx
    .updateTable('things')
    .set({
      area_code: areaCode,
      ...patchColumns(patch, { kind: 'kind', name: 'name', identifier: 'identifier' }),
      ...(patch.attributes !== undefined ? { attributes: JSON.stringify(patch.attributes) } : {}),
      ...(patch.point !== undefined ? pointColumns(patch.point) : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = presentThing(row);
  await auditWrite(tx, actor, 'thing', id, areaCode, presentThing(before), after);
  return after;
}

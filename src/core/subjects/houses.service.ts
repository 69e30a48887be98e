import { sql } from 'kysely';
import { type Actor, assertCan } from '../access/actor.ts';
import { containsPattern, inScopeSql, underAreaSql } from '../access/scope.ts';
import type { DbOrTx } from '../db/database.ts';
import type { HouseRow } from '../db/types.ts';
import {
  assertVisibleRef,
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
import { type Person, presentPerson } from './persons.service.ts';
import type { Vault } from './vault.ts';

export const HOUSE_KINDS = ['residence', 'rental', 'shop', 'factory', 'office', 'other'] as const;
export type HouseKind = (typeof HOUSE_KINDS)[number];

export interface House {
  id: string;
  areaCode: string;
  address: string;
  kind: HouseKind;
  floors: number | null;
  point: Point | null;
  h3: string | null;
  ownerPersonId: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function presentHouse(r: HouseRow): House {
  return {
    id: r.id,
    areaCode: r.area_code,
    address: r.address,
    kind: r.kind,
    floors: r.floors,
    point: pointOf(r),
    h3: r.h3,
    ownerPersonId: r.owner_person_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    version: r.version,
  };
}

function visible(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'subject:read');
  return db.selectFrom('houses').where(inScopeSql(actor));
}

export interface HouseQuery extends PageParams {
  areaCode?: string | undefined;
  q?: string | undefined;
  kind?: HouseKind | undefined;
  sort: 'id' | 'address' | 'updatedAt';
  order: 'asc' | 'desc';
}

const SORT = { id: 'id', address: 'address', updatedAt: 'updated_at' } as const;

export async function listHouses(db: DbOrTx, actor: Actor, query: HouseQuery): Promise<Page<House>> {
  let q = visible(db, actor);
  if (query.areaCode) q = q.where(underAreaSql(query.areaCode));
  if (query.q) q = q.where('address', 'like', containsPattern(query.q));
  if (query.kind) q = q.where('kind', '=', query.kind);
  return paginate(q, query, SORT[query.sort], presentHouse);
}

function findRow(db: DbOrTx, actor: Actor, id: string, lock = false): Promise<HouseRow> {
  return findVisible(visible(db, actor).selectAll(), id, lock, '房屋 / house');
}

export interface HouseDetail extends House {
  /** Residents in scope, identifiers masked. */
  residents: Person[];
  enterprises: { id: string; name: string }[];
}

/** A house with who lives there and which enterprises sit at it: the map's "click to know". */
export async function getHouse(db: DbOrTx, vault: Vault, actor: Actor, id: string): Promise<HouseDetail> {
  const row = await findRow(db, actor, id);
  const [residents, enterprises] = await Promise.all([
    db
      .selectFrom('persons')
      .selectAll()
      .where('house_id', '=', id)
      .where(inScopeSql(actor))
      .orderBy('id')
      .limit(200)
      .execute(),
    db
      .selectFrom('enterprises')
      .select(['id', 'name'])
      .where('house_id', '=', id)
      .where(inScopeSql(actor))
      .orderBy('id')
      .limit(200)
      .execute(),
  ]);
  return { ...presentHouse(row), residents: residents.map((r) => presentPerson(vault, r)), enterprises };
}

export interface HouseInput {
  areaCode?: string | undefined;
  address: string;
  kind: HouseKind;
  floors?: number | null | undefined;
  point?: Point | null | undefined;
  ownerPersonId?: string | null | undefined;
}

export async function createHouse(tx: DbOrTx, actor: Actor, input: HouseInput): Promise<House> {
  const areaCode = await resolveWritableArea(tx, actor, input.areaCode, input.point);
  await assertVisibleRef(tx, actor, 'persons', input.ownerPersonId, 'ownerPersonId');
  const row = await tx
    .insertInto('houses')
    .values({
      area_code: areaCode,
      address: input.address,
      kind: input.kind,
      floors: input.floors ?? null,
      ...pointColumns(input.point),
      owner_person_id: input.ownerPersonId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const house = presentHouse(row);
  await auditWrite(tx, actor, 'house', row.id, areaCode, null, house);
  return house;
}

export async function updateHouse(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  version: number,
  patch: Partial<HouseInput>,
): Promise<House> {
  const { before, areaCode } = await beginUpdate(tx, actor, {
    find: () => findRow(tx, actor, id, true),
    version,
    label: '房屋信息',
    present: (r) => presentHouse(r),
    areaCode: patch.areaCode,
    point: patch.point,
  });
  if (patch.ownerPersonId !== undefined)
    await assertVisibleRef(tx, actor, 'persons', patch.ownerPersonId, 'ownerPersonId');
  const row = await tx
    .updateTable('houses')
    .set({
      area_code: areaCode,
      ...patchColumns(patch, {
        address: 'address',
        kind: 'kind',
        floors: 'floors',
        ownerPersonId: 'owner_person_id',
      }),
      ...(patch.point !== undefined ? pointColumns(patch.point) : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = presentHouse(row);
  await auditWrite(tx, actor, 'house', id, areaCode, presentHouse(before), after);
  return after;
}

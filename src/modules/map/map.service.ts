import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { type Actor, assertCan, can } from '../../core/access/actor.ts';
import { inScopeSql } from '../../core/access/scope.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { matterTypes } from '../../core/matters/registry.ts';
import type { MapCache } from './map.cache.ts';
import {
  type Bbox,
  type CellPlan,
  type Crs,
  cellCentre,
  cellRing,
  grow,
  inKeep,
  intersect,
  parseBbox,
  planCells,
  resolutionForZoom,
  snapBbox,
  toCrs,
} from './map.geo.ts';
import {
  AGGREGATE_LAYERS,
  type AggregateLayer,
  type AggregateQuery,
  type AlertLevel,
  FEATURE_LAYERS,
  type FeatureLayer,
  type FeaturesQuery,
  LAYERS,
} from './map.schema.ts';

/**
 * The map's layers: matters and alerts as h3 hexagons with counts (or points when zoomed in), houses,
 * enterprises and things the same way. Every query is limited to the actor's area scope (inScopeSql): the
 * map shows what lies in one's area; matters assigned to one's unit from elsewhere are in the work queue.
 * The SQL is written out and explained in docs/MAP.md.
 */

export interface MapLimits {
  pointZoom: number;
  maxPoints: number;
  /** Whether views the roll-up can answer read it (default); false reads the matters (tests compare). */
  rollup?: boolean;
}

/** From this zoom on, a view over maxPoints answers with the first maxPoints points rather than cells. */
export const TRUNCATE_ZOOM = 18;
/** A scope's box is grown by this much before clipping views to it: records sit near, not on, its edge. */
const SCOPE_MARGIN_KM = 5;
/** Views spanning more res-5 cells than this scan the scope whole (no cell list in the query). */
const MAX_SCAN_CELLS = 2000;
const TEN_YEARS_MS = 10 * 366 * 86_400_000;

export interface MatterCellOut {
  cell: string;
  lng: number;
  lat: number;
  total: number;
  open: number;
  overdue: number;
  byStatus: Record<string, number>;
  byLevel?: Record<AlertLevel, number>;
  boundary?: [number, number][];
}

export interface MatterPointOut {
  id: string;
  number: string;
  type: string;
  title: string;
  status: string;
  closed: boolean;
  deadlineState: string;
  level?: AlertLevel;
  lng: number;
  lat: number;
  createdAt: string;
}

export type Answer<C, P> =
  | { mode: 'cells'; resolution: number; cells: C[]; total: number }
  | { mode: 'points'; points: P[]; total: number; truncated: boolean };

// ---------------------------------------------------------------------------------------------------------
// Input checks shared by the layers

function layerOf<T extends string>(layer: string, allowed: readonly T[], where: string): T {
  if ((allowed as readonly string[]).includes(layer)) return layer as T;
  const known = layer in LAYERS;
  throw new AppError(
    'UNKNOWN_LAYER',
    known
      ? `图层 ${layer} 不由 ${where} 提供，可选：${allowed.join('、')} / Layer ${layer} is not served by ${where}: use ${allowed.join(', ')}`
      : `未知图层 ${layer}，可选：${allowed.join('、')} / Unknown layer ${layer}: use ${allowed.join(', ')}`,
    [{ path: 'layer', code: 'UNKNOWN_LAYER', message: `expected one of ${allowed.join(', ')}` }],
  );
}

function timeRange(from: string | undefined, to: string | undefined): { from?: Date; to?: Date } {
  const f = from ? new Date(from) : undefined;
  const t = to ? new Date(to) : undefined;
  if (f && t && f > t) {
    throw new AppError('INVALID_TIME_RANGE', '开始时间晚于结束时间 / from is after to', [
      { path: 'from', code: 'INVALID_TIME_RANGE', message: 'from must not be after to' },
    ]);
  }
  if (f && (t ?? new Date()).getTime() - f.getTime() > TEN_YEARS_MS) {
    throw new AppError('INVALID_TIME_RANGE', '时间范围最长十年 / The time range is at most 10 years', [
      { path: 'from', code: 'INVALID_TIME_RANGE', message: 'at most 10 years' },
    ]);
  }
  return { ...(f ? { from: f } : {}), ...(t ? { to: t } : {}) };
}

function knownTypes(types: string[] | undefined): void {
  const known = new Set(matterTypes().map((t) => t.code));
  const unknown = types?.filter((t) => !known.has(t)) ?? [];
  if (unknown.length) {
    throw new AppError('VALIDATION_FAILED', `未知事项类型 ${unknown.join('、')} / Unknown matter types`, [
      { path: 'types', message: `unknown: ${unknown.join(', ')}` },
    ]);
  }
}

/** The actor's area box (grown by a margin), within which every record of their scope lies. */
export async function scopeBox(db: DbOrTx, actor: Actor): Promise<Bbox | null> {
  const a = await db
    .selectFrom('areas')
    .select(['min_lng', 'min_lat', 'max_lng', 'max_lat'])
    .where('code', '=', actor.areaCode)
    .executeTakeFirst();
  if (!a || a.min_lng == null || a.min_lat == null || a.max_lng == null || a.max_lat == null) return null;
  return grow([a.min_lng, a.min_lat, a.max_lng, a.max_lat], SCOPE_MARGIN_KM);
}

/**
 * The view to query: the asked box (WGS-84), snapped to a quarter-tile grid so that nearby views share one
 * cached answer, clipped to the actor's area. Null when the view misses the area (an empty answer).
 */
function viewOf(bboxText: string, zoom: number, crs: Crs, scope: Bbox | null): Bbox | null {
  const asked = snapBbox(parseBbox(bboxText, crs), zoom);
  return scope ? intersect(asked, scope) : asked;
}

/** The coarse cells to scan, as SQL: nothing when the view holds the whole scope. */
function inCellsSql(plan: CellPlan, alias: string): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [];
  if (plan.r5 && plan.r5.length <= MAX_SCAN_CELLS) {
    parts.push(sql<SqlBool>`${sql.ref(`${alias}.h3_r5`)} = any(${plan.r5}::text[])`);
  }
  if (plan.r7) parts.push(sql<SqlBool>`${sql.ref(`${alias}.h3_r7`)} = any(${plan.r7}::text[])`);
  // Unplaced records (no point, so no cells) are left out; as an index condition when nothing else is.
  return parts.length
    ? sql<SqlBool>`${sql.join(parts, sql` and `)}`
    : sql<SqlBool>`${sql.ref(`${alias}.h3_r5`)} is not null`;
}

/** The roll-up from the stored column to the asked resolution (nothing to do when they are the same). */
function rollUp(plan: CellPlan): RawBuilder<string> {
  return plan.res === plan.storedRes
    ? sql<string>`s.cell`
    : sql<string>`h3_parent(s.cell, ${sql.lit(plan.res)})`;
}

const inBboxSql = (alias: string, b: Bbox) =>
  sql<SqlBool>`${sql.ref(`${alias}.lng`)} between ${b[0]} and ${b[2]} and ${sql.ref(`${alias}.lat`)} between ${b[1]} and ${b[3]}`;

// ---------------------------------------------------------------------------------------------------------
// Matters and alerts

export interface MatterFilters {
  layer: AggregateLayer;
  types?: string[] | undefined;
  statuses?: string[] | undefined;
  levels?: AlertLevel[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  open?: boolean | undefined;
  deadline?: string[] | undefined;
}

/**
 * The filters as SQL. Literals where a partial index's predicate must be recognised (`type = 'alert'`,
 * `not closed`); values as parameters otherwise. Levels live in the alert's payload: alerts layer only.
 */
function matterWhere(actor: Actor, f: MatterFilters): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [
    inScopeSql(actor, 'm.area_code'),
    f.layer === 'alerts' ? sql<SqlBool>`m.type = 'alert'` : sql<SqlBool>`m.type <> 'alert'`,
  ];
  if (f.types?.length) parts.push(sql<SqlBool>`m.type = any(${f.types}::text[])`);
  if (f.statuses?.length) parts.push(sql<SqlBool>`m.status = any(${f.statuses}::text[])`);
  if (f.open === true) parts.push(sql<SqlBool>`not m.closed`);
  if (f.open === false) parts.push(sql<SqlBool>`m.closed`);
  if (f.deadline?.length) parts.push(sql<SqlBool>`m.deadline_state = any(${f.deadline}::text[])`);
  if (f.from) parts.push(sql<SqlBool>`m.created_at >= ${f.from}`);
  if (f.to) parts.push(sql<SqlBool>`m.created_at < ${f.to}`);
  if (f.layer === 'alerts' && f.levels?.length) {
    parts.push(sql<SqlBool>`m.payload->>'level' = any(${f.levels}::text[])`);
  }
  return sql<SqlBool>`${sql.join(parts, sql` and `)}`;
}

interface CellRow {
  cell: string;
  status: string;
  total: number;
  open: number;
  overdue: number;
  red: number;
  orange: number;
  yellow: number;
}

/**
 * Matters per hexagon and status. The inner query makes one pass over the view's coarse cells — through
 * matters_map_idx, or the smaller matters_map_open_idx / matters_map_alert_idx when the filters match
 * their predicates — grouping on the stored column; every column it reads is in those indexes, so
 * PostgreSQL answers from the index alone once the visibility map is current. The outer query rolls the
 * stored cells up to the asked resolution with h3_parent and sums: it sees at most a few thousand rows.
 */
async function matterCells(db: DbOrTx, actor: Actor, f: MatterFilters, plan: CellPlan): Promise<CellRow[]> {
  const levels =
    f.layer === 'alerts'
      ? sql`,
             count(*) filter (where m.payload->>'level' = 'red') as red,
             count(*) filter (where m.payload->>'level' = 'orange') as orange,
             count(*) filter (where m.payload->>'level' = 'yellow') as yellow`
      : sql`, 0 as red, 0 as orange, 0 as yellow`;
  const cell = rollUp(plan);
  const r = await sql<CellRow>`
    with per_stored as (
      -- One pass over the view's cells: counts per stored cell (${sql.raw(plan.column)}) and state.
      select ${sql.ref(`m.${plan.column}`)} as cell, m.status,
             count(*) as total,
             count(*) filter (where not m.closed) as open,
             count(*) filter (where not m.closed and m.deadline_state = 'overdue') as overdue
             ${levels}
      from matters m
      where ${inCellsSql(plan, 'm')} and ${matterWhere(actor, f)}
      group by 1, 2
    )
    -- Rolled up to resolution ${sql.raw(String(plan.res))}: a few thousand rows at most.
    select ${cell} as cell, s.status,
           sum(s.total)::int as total, sum(s.open)::int as open, sum(s.overdue)::int as overdue,
           sum(s.red)::int as red, sum(s.orange)::int as orange, sum(s.yellow)::int as yellow
    from per_stored s
    group by 1, 2`.execute(db);
  return r.rows;
}

/**
 * Whether the roll-up (matter_cell_counts + pending matter_cell_deltas, kept by triggers) can answer: no
 * time window (the roll-up has no time), a resolution of 7 or coarser (it is kept per res-7 cell), and a
 * scope of a town or wider (it is kept per town).
 */
export function rollupServes(actor: Actor, f: MatterFilters, plan: CellPlan, limits: MapLimits): boolean {
  return limits.rollup !== false && !f.from && !f.to && plan.res <= 7 && actor.scopePrefix.length <= 9;
}

/** The filters on the roll-up's key: the same meaning as matterWhere's, on its columns. */
function rollupWhere(actor: Actor, f: MatterFilters, alias: string): RawBuilder<SqlBool> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const parts: RawBuilder<SqlBool>[] = [
    inScopeSql(actor, `${alias}.town`),
    f.layer === 'alerts' ? sql<SqlBool>`${col('type')} = 'alert'` : sql<SqlBool>`${col('type')} <> 'alert'`,
  ];
  if (f.types?.length) parts.push(sql<SqlBool>`${col('type')} = any(${f.types}::text[])`);
  if (f.statuses?.length) parts.push(sql<SqlBool>`${col('status')} = any(${f.statuses}::text[])`);
  if (f.open === true) parts.push(sql<SqlBool>`not ${col('closed')}`);
  if (f.open === false) parts.push(sql<SqlBool>`${col('closed')}`);
  if (f.deadline?.length) parts.push(sql<SqlBool>`${col('deadline_state')} = any(${f.deadline}::text[])`);
  if (f.layer === 'alerts' && f.levels?.length) {
    parts.push(sql<SqlBool>`${col('level')} = any(${f.levels}::text[])`);
  }
  return sql<SqlBool>`${sql.join(parts, sql` and `)}`;
}

/**
 * Matters per hexagon and status from the roll-up: the folded counts plus the deltas not folded yet, each
 * grouped by the asked resolution's stored column (h3_r5, h3_r6 or h3_r7) in one statement (one snapshot: a
 * fold cannot make a delta count twice or not at all), then summed here. A city holds a few ten thousand
 * count rows where it holds a million matters; the answer is the same as matterCells' (tested on random
 * changes, before and after a fold).
 */
async function matterCellsFromRollup(
  db: DbOrTx,
  actor: Actor,
  f: MatterFilters,
  plan: CellPlan,
): Promise<CellRow[]> {
  const column = plan.res === 5 ? 'h3_r5' : plan.res === 6 ? 'h3_r6' : 'h3_r7';
  const grouped = (table: 'matter_cell_counts' | 'matter_cell_deltas') => sql`
    select ${sql.ref(`u.${column}`)} as cell, u.status,
           sum(u.n)::int as total,
           coalesce(sum(u.n) filter (where not u.closed), 0)::int as open,
           coalesce(sum(u.n) filter (where not u.closed and u.deadline_state = 'overdue'), 0)::int as overdue,
           coalesce(sum(u.n) filter (where u.level = 'red'), 0)::int as red,
           coalesce(sum(u.n) filter (where u.level = 'orange'), 0)::int as orange,
           coalesce(sum(u.n) filter (where u.level = 'yellow'), 0)::int as yellow
    from ${sql.table(table)} u
    where ${
      plan.r5 && plan.r5.length <= MAX_SCAN_CELLS ? sql`u.h3_r5 = any(${plan.r5}::text[]) and` : sql``
    } ${rollupWhere(actor, f, 'u')}
    group by 1, 2`;
  const r = await sql<CellRow>`
    with counts as (${grouped('matter_cell_counts')}), pending as (${grouped('matter_cell_deltas')})
    select * from counts
    union all
    select * from pending`.execute(db);
  const merged = new Map<string, CellRow>();
  for (const row of r.rows) {
    const key = `${row.cell} ${row.status}`;
    const m = merged.get(key);
    if (!m) merged.set(key, row);
    else for (const k of ['total', 'open', 'overdue', 'red', 'orange', 'yellow'] as const) m[k] += row[k];
  }
  return [...merged.values()].filter((x) => x.total !== 0);
}

/** Folds the roll-up's pending deltas into its counts (the leader's job); the number of delta rows folded. */
export async function foldMatterCells(db: DbOrTx): Promise<number> {
  const r = await sql<{ folded: string }>`select fold_matter_cells() as folded`.execute(db);
  return Number(r.rows[0]?.folded ?? 0);
}

function presentMatterCells(rows: CellRow[], plan: CellPlan, layer: AggregateLayer, crs: Crs) {
  const cells = new Map<string, MatterCellOut>();
  for (const r of rows) {
    let c = cells.get(r.cell);
    if (!c) {
      const [lng, lat] = cellCentre(r.cell);
      // Hexagons whose centre lies outside the view (grown by one hexagon) came with a scanned parent.
      if (!inKeep(plan.keep, lng, lat)) continue;
      const [x, y] = toCrs(lng, lat, crs);
      c = { cell: r.cell, lng: x, lat: y, total: 0, open: 0, overdue: 0, byStatus: {} };
      if (layer === 'alerts') c.byLevel = { red: 0, orange: 0, yellow: 0 };
      if (crs === 'gcj02') c.boundary = cellRing(r.cell, crs);
      cells.set(r.cell, c);
    }
    c.total += r.total;
    c.open += r.open;
    c.overdue += r.overdue;
    c.byStatus[r.status] = (c.byStatus[r.status] ?? 0) + r.total;
    if (c.byLevel) {
      c.byLevel.red += r.red;
      c.byLevel.orange += r.orange;
      c.byLevel.yellow += r.yellow;
    }
  }
  const list = [...cells.values()].sort((a, b) => (a.cell < b.cell ? -1 : 1));
  return { cells: list, total: list.reduce((t, c) => t + c.total, 0) };
}

interface PointRow {
  id: string;
  number: string;
  type: string;
  title: string;
  status: string;
  closed: boolean;
  deadline_state: string;
  level: AlertLevel | null;
  lng: number;
  lat: number;
  created_at: Date;
}

/** The matters in the view, newest first, at most `limit`: the view's res-7 cells, then the exact box. */
async function matterPoints(
  db: DbOrTx,
  actor: Actor,
  f: MatterFilters,
  plan: CellPlan,
  view: Bbox,
  limit: number,
): Promise<PointRow[]> {
  const r = await sql<PointRow>`
    select m.id::text as id, m.number, m.type, m.title, m.status, m.closed, m.deadline_state,
           m.payload->>'level' as level, m.lng, m.lat, m.created_at
    from matters m
    where ${inCellsSql(plan, 'm')} and ${inBboxSql('m', view)} and ${matterWhere(actor, f)}
    order by m.created_at desc, m.id desc
    limit ${limit}`.execute(db);
  return r.rows;
}

function presentMatterPoint(r: PointRow, crs: Crs): MatterPointOut {
  const [lng, lat] = toCrs(r.lng, r.lat, crs);
  return {
    id: r.id,
    number: r.number,
    type: r.type,
    title: r.title,
    status: r.status,
    closed: r.closed,
    deadlineState: r.deadline_state,
    ...(r.level ? { level: r.level } : {}),
    lng,
    lat,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * Points when zoomed in to pointZoom or more and the view holds at most maxPoints; otherwise hexagons (res
 * 9 when zoomed in that far). From TRUNCATE_ZOOM on, where a hexagon is larger than the screen, the newest
 * maxPoints points come with `truncated: true`.
 */
async function pointsOrCells<C, P, R>(
  zoom: number,
  limits: MapLimits,
  fetchPoints: (limit: number) => Promise<R[]>,
  presentPoint: (r: R) => P,
  cells: (res?: number) => Promise<{ mode: 'cells'; resolution: number; cells: C[]; total: number }>,
): Promise<Answer<C, P>> {
  if (zoom < limits.pointZoom) return cells();
  const rows = await fetchPoints(limits.maxPoints + 1);
  if (rows.length <= limits.maxPoints) {
    return { mode: 'points', points: rows.map(presentPoint), total: rows.length, truncated: false };
  }
  if (zoom >= TRUNCATE_ZOOM) {
    return {
      mode: 'points',
      points: rows.slice(0, limits.maxPoints).map(presentPoint),
      total: limits.maxPoints,
      truncated: true,
    };
  }
  return cells(9);
}

/** GET /api/map/aggregate: checks, then the cached answer or a fresh one. */
export async function aggregate(
  db: DbOrTx,
  cache: MapCache,
  actor: Actor,
  q: AggregateQuery,
  limits: MapLimits,
): Promise<Answer<MatterCellOut, MatterPointOut> & { cachedAt: string | null }> {
  const layer = layerOf(q.layer, AGGREGATE_LAYERS, '/api/map/aggregate');
  assertCan(actor, 'matter:read');
  knownTypes(q.types);
  const range = timeRange(q.from, q.to);
  const filters: MatterFilters = {
    layer,
    types: q.types?.sort(),
    statuses: q.statuses?.sort(),
    levels: layer === 'alerts' ? q.levels?.sort() : undefined,
    open: q.open,
    deadline: q.deadline?.sort(),
    ...range,
  };
  const scope = await scopeBox(db, actor);
  const view = viewOf(q.bbox, q.zoom, q.crs, scope);
  const zoom = Math.floor(q.zoom);
  const key = JSON.stringify(['agg', actor.scopePrefix, view, zoom, q.crs, limits, filters]);
  const { value, cachedAt } = await cache.get(key, 'matters', actor.scopePrefix, async () => {
    if (!view) return { mode: 'cells' as const, resolution: resolutionForZoom(zoom), cells: [], total: 0 };
    const cells = async (res?: number) => {
      const plan = planCells(view, scope, zoom, res);
      const rows = rollupServes(actor, filters, plan, limits)
        ? await matterCellsFromRollup(db, actor, filters, plan)
        : await matterCells(db, actor, filters, plan);
      const out = presentMatterCells(rows, plan, layer, q.crs);
      return { mode: 'cells' as const, resolution: plan.res, ...out };
    };
    return pointsOrCells<MatterCellOut, MatterPointOut, PointRow>(
      zoom,
      limits,
      (limit) => matterPoints(db, actor, filters, planCells(view, scope, zoom, 9), view, limit),
      (r) => presentMatterPoint(r, q.crs),
      cells,
    );
  });
  return { ...value, cachedAt };
}

// ---------------------------------------------------------------------------------------------------------
// Houses, enterprises, things

export interface FeatureCellOut {
  cell: string;
  lng: number;
  lat: number;
  total: number;
  boundary?: [number, number][];
}

export interface FeaturePointOut {
  id: string;
  lng: number;
  lat: number;
  address?: string;
  kind?: string;
  residents?: number;
  name?: string;
  industry?: string | null;
  attributes?: Record<string, unknown>;
}

/** Attribute names never sent to the map: credentials a device record may carry. */
const SECRET_ATTRIBUTE = /password|passwd|secret|token|credential/i;

/** A thing's attributes for the map: no credentials; a camera's stream only for those who act on matters. */
export function mapAttributes(attrs: Record<string, unknown>, mayAct: boolean): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(attrs).filter(([k]) => !SECRET_ATTRIBUTE.test(k) && (mayAct || k !== 'streamUrl')),
  );
}

const TABLE: Record<FeatureLayer, 'houses' | 'enterprises' | 'things'> = {
  houses: 'houses',
  enterprises: 'enterprises',
  things: 'things',
};

function featureWhere(actor: Actor, layer: FeatureLayer, kinds: string[] | undefined): RawBuilder<SqlBool> {
  const parts = [inScopeSql(actor, 'f.area_code')];
  if (layer === 'things' && kinds?.length) parts.push(sql<SqlBool>`f.kind = any(${kinds}::text[])`);
  return sql<SqlBool>`${sql.join(parts, sql` and `)}`;
}

/** Subjects per hexagon: the same plan as matters, on the subject table's stored cells (houses_map_idx…). */
async function featureCells(
  db: DbOrTx,
  actor: Actor,
  layer: FeatureLayer,
  kinds: string[] | undefined,
  plan: CellPlan,
): Promise<{ cell: string; total: number }[]> {
  const r = await sql<{ cell: string; total: number }>`
    with per_stored as (
      select ${sql.ref(`f.${plan.column}`)} as cell, count(*) as total
      from ${sql.table(TABLE[layer])} f
      where ${inCellsSql(plan, 'f')} and ${featureWhere(actor, layer, kinds)}
      group by 1
    )
    select ${rollUp(plan)} as cell, sum(s.total)::int as total
    from per_stored s
    group by 1`.execute(db);
  return r.rows;
}

interface FeatureRow {
  id: string;
  lng: number;
  lat: number;
  address: string | null;
  kind: string | null;
  residents: number | null;
  name: string | null;
  industry: string | null;
  attributes: Record<string, unknown> | null;
}

/** The subjects in the view; houses with their residents counted (in scope), never listed here. */
async function featurePoints(
  db: DbOrTx,
  actor: Actor,
  layer: FeatureLayer,
  kinds: string[] | undefined,
  plan: CellPlan,
  view: Bbox,
  limit: number,
): Promise<FeatureRow[]> {
  const columns = {
    houses: sql`f.address, f.kind, (select count(*)::int from persons p
                  where p.house_id = f.id and ${inScopeSql(actor, 'p.area_code')}) as residents,
                null as name, null as industry, null::jsonb as attributes`,
    enterprises: sql`null as address, null as kind, null::int as residents, f.name, f.industry, null::jsonb as attributes`,
    things: sql`null as address, f.kind, null::int as residents, f.name, null as industry, f.attributes`,
  }[layer];
  const r = await sql<FeatureRow>`
    select f.id::text as id, f.lng, f.lat, ${columns}
    from ${sql.table(TABLE[layer])} f
    where ${inCellsSql(plan, 'f')} and ${inBboxSql('f', view)} and ${featureWhere(actor, layer, kinds)}
    order by f.id
    limit ${limit}`.execute(db);
  return r.rows;
}

function presentFeaturePoint(layer: FeatureLayer, r: FeatureRow, crs: Crs, mayAct: boolean): FeaturePointOut {
  const [lng, lat] = toCrs(r.lng, r.lat, crs);
  if (layer === 'houses') {
    return {
      id: r.id,
      address: r.address ?? '',
      kind: r.kind ?? 'other',
      residents: r.residents ?? 0,
      lng,
      lat,
    };
  }
  if (layer === 'enterprises') return { id: r.id, name: r.name ?? '', industry: r.industry, lng, lat };
  return {
    id: r.id,
    kind: r.kind ?? '',
    name: r.name ?? '',
    lng,
    lat,
    attributes: mapAttributes(r.attributes ?? {}, mayAct),
  };
}

/** GET /api/map/features: houses, enterprises, things as hexagons or points. */
export async function features(
  db: DbOrTx,
  cache: MapCache,
  actor: Actor,
  q: FeaturesQuery,
  limits: MapLimits,
): Promise<Answer<FeatureCellOut, FeaturePointOut> & { cachedAt: string | null }> {
  const layer = layerOf(q.layer, FEATURE_LAYERS, '/api/map/features');
  assertCan(actor, 'subject:read');
  const kinds = layer === 'things' ? q.kinds?.sort() : undefined;
  const mayAct = can(actor, 'matter:act');
  const scope = await scopeBox(db, actor);
  const view = viewOf(q.bbox, q.zoom, q.crs, scope);
  const zoom = Math.floor(q.zoom);
  const key = JSON.stringify(['feat', layer, actor.scopePrefix, mayAct, view, zoom, q.crs, limits, kinds]);
  const { value, cachedAt } = await cache.get(key, 'subjects', actor.scopePrefix, async () => {
    if (!view) return { mode: 'cells' as const, resolution: resolutionForZoom(zoom), cells: [], total: 0 };
    const cells = async (res?: number) => {
      const plan = planCells(view, scope, zoom, res);
      const list: FeatureCellOut[] = [];
      for (const r of await featureCells(db, actor, layer, kinds, plan)) {
        const [lng, lat] = cellCentre(r.cell);
        if (!inKeep(plan.keep, lng, lat)) continue;
        const [x, y] = toCrs(lng, lat, q.crs);
        list.push({
          cell: r.cell,
          lng: x,
          lat: y,
          total: r.total,
          ...(q.crs === 'gcj02' ? { boundary: cellRing(r.cell, q.crs) } : {}),
        });
      }
      list.sort((a, b) => (a.cell < b.cell ? -1 : 1));
      return {
        mode: 'cells' as const,
        resolution: plan.res,
        cells: list,
        total: list.reduce((t, c) => t + c.total, 0),
      };
    };
    return pointsOrCells<FeatureCellOut, FeaturePointOut, FeatureRow>(
      zoom,
      limits,
      (limit) => featurePoints(db, actor, layer, kinds, planCells(view, scope, zoom, 9), view, limit),
      (r) => presentFeaturePoint(layer, r, q.crs, mayAct),
      cells,
    );
  });
  return { ...value, cachedAt };
}

import { createHash, randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { type RawBuilder, sql } from 'kysely';
import { type Actor, assertCan, assertInScope } from '../../core/access/actor.ts';
import { containsPattern, escapeLike } from '../../core/access/scope.ts';
import { assertAreaExists } from '../../core/areas/areas.service.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import { parsePolygon, type Ring } from './sea.geo.ts';
import { DEFAULT_PARAMS, RULE_NAMES, RULES, type Rule, SeaParams } from './sea.rules.ts';
import { loadParams } from './sea.store.ts';

/**
 * The sea module's records: the vessel registry, geometry, closure orders, port reports, parameters, push
 * tokens and the alert board. Every read is limited to the actor's area scope; every write is audited.
 */

const scoped = (actor: Actor, column: string): RawBuilder<boolean> =>
  sql<boolean>`${sql.ref(column)} like ${`${escapeLike(actor.scopePrefix)}%`}`;

export const STATUS_NAMES = {
  unknown: { zh: '未上报', en: 'No position yet' },
  in_port: { zh: '在港', en: 'In port' },
  at_sea: { zh: '在海上', en: 'At sea' },
  silent: { zh: '信号中断', en: 'Silent' },
} as const;
export type VesselStatus = keyof typeof STATUS_NAMES;

// ---------------------------------------------------------------------------------------------------
// Vessels

export interface VesselFilters {
  areaCode?: string | undefined;
  q?: string | undefined;
  status?: VesselStatus | undefined;
  homePort?: string | undefined;
}

export interface Vessel {
  id: string;
  number: string;
  name: string;
  areaCode: string;
  areaName: string | null;
  homePort: string;
  owner: { type: 'person' | 'enterprise'; id: string; name: string | null } | null;
  crewCount: number;
  crewPersonIds: string[];
  lengthM: number | null;
  status: VesselStatus;
  last: { ts: string; lng: number; lat: number; sog: number | null; cog: number | null } | null;
  openAlerts: number;
  version: number;
}

type VesselRow = {
  id: string;
  number: string;
  name: string;
  area_code: string;
  area_name: string | null;
  home_port: string;
  owner_type: 'person' | 'enterprise' | null;
  owner_id: string | null;
  owner_name: string | null;
  crew_count: number;
  crew_person_ids: string[];
  length_m: number | null;
  status: VesselStatus;
  last_ts: Date | null;
  last_lng: number | null;
  last_lat: number | null;
  last_sog: number | null;
  last_cog: number | null;
  open_alerts: number;
  version: number;
};

function present(r: VesselRow): Vessel {
  return {
    id: r.id,
    number: r.number,
    name: r.name,
    areaCode: r.area_code,
    areaName: r.area_name,
    homePort: r.home_port,
    owner: r.owner_type && r.owner_id ? { type: r.owner_type, id: r.owner_id, name: r.owner_name } : null,
    crewCount: r.crew_count,
    crewPersonIds: (r.crew_person_ids ?? []).map(String),
    lengthM: r.length_m,
    status: r.status,
    last:
      r.last_ts && r.last_lng !== null && r.last_lat !== null
        ? {
            ts: new Date(r.last_ts).toISOString(),
            lng: r.last_lng,
            lat: r.last_lat,
            sog: r.last_sog,
            cog: r.last_cog,
          }
        : null,
    openAlerts: Number(r.open_alerts),
    version: r.version,
  };
}

const vesselSelect = sql`
  select v.thing_id::text as id, v.number, v.name, v.area_code, a.name as area_name, v.home_port, v.owner_type,
    v.owner_id::text as owner_id,
    case v.owner_type when 'person' then (select p.name from persons p where p.id = v.owner_id)
      when 'enterprise' then (select e.name from enterprises e where e.id = v.owner_id) end as owner_name,
    v.crew_count, v.crew_person_ids::text[] as crew_person_ids, v.length_m, v.status, v.last_ts, v.last_lng,
    v.last_lat, v.last_sog, v.last_cog, v.version,
    (select count(*)::int from sea_alerts x join matters m on m.id = x.matter_id
      where x.vessel_id = v.thing_id and not m.closed) as open_alerts
  from sea_vessels v left join areas a on a.code = v.area_code`;

function vesselWhere(actor: Actor, f: VesselFilters) {
  const conds = [scoped(actor, 'v.area_code')];
  if (f.areaCode) conds.push(sql<boolean>`v.area_code like ${`${escapeLike(f.areaCode)}%`}`);
  if (f.q)
    conds.push(sql<boolean>`(v.number like ${containsPattern(f.q)} or v.name like ${containsPattern(f.q)})`);
  if (f.status) conds.push(sql<boolean>`v.status = ${f.status}`);
  if (f.homePort) conds.push(sql<boolean>`v.home_port = ${f.homePort}`);
  return sql.join(conds, sql` and `);
}

export async function listVessels(
  db: DbOrTx,
  actor: Actor,
  q: VesselFilters & { page: number; pageSize: number },
): Promise<{ items: Vessel[]; total: number; page: number; pageSize: number }> {
  assertCan(actor, 'sea:read');
  const where = vesselWhere(actor, q);
  const total = await sql<{ n: number }>`select count(*)::int as n from sea_vessels v where ${where}`.execute(
    db,
  );
  const rows = await sql<VesselRow>`${vesselSelect} where ${where} order by v.number
    limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`.execute(db);
  return { items: rows.rows.map(present), total: total.rows[0]?.n ?? 0, page: q.page, pageSize: q.pageSize };
}

export async function getVessel(db: DbOrTx, actor: Actor, id: string): Promise<Vessel> {
  assertCan(actor, 'sea:read');
  const r =
    await sql<VesselRow>`${vesselSelect} where v.thing_id = ${id} and ${scoped(actor, 'v.area_code')}`.execute(
      db,
    );
  if (!r.rows[0]) throw notFound('船舶 / vessel');
  return present(r.rows[0]);
}

export interface VesselInput {
  number: string;
  name: string;
  areaCode: string;
  homePort: string;
  owner?: { type: 'person' | 'enterprise'; id: string } | null | undefined;
  crewCount?: number | undefined;
  crewPersonIds?: string[] | undefined;
  lengthM?: number | null | undefined;
}

async function assertOwner(tx: DbOrTx, actor: Actor, owner: VesselInput['owner']) {
  if (!owner) return;
  const table = owner.type === 'person' ? 'persons' : 'enterprises';
  const r = await sql<{
    area_code: string;
  }>`select area_code from ${sql.table(table)} where id = ${owner.id}`.execute(tx);
  if (!r.rows[0]?.area_code.startsWith(actor.scopePrefix))
    throw new AppError('VALIDATION_FAILED', '船东不存在或不在管辖范围 / Owner not found in your scope', [
      { path: 'owner.id', code: 'NOT_FOUND', message: 'owner not found' },
    ]);
}

async function assertCrew(tx: DbOrTx, ids: string[] | undefined) {
  if (!ids?.length) return;
  const r = await sql<{
    n: number;
  }>`select count(*)::int as n from persons where id = any(${ids}::bigint[])`.execute(tx);
  if ((r.rows[0]?.n ?? 0) !== new Set(ids).size)
    throw new AppError('VALIDATION_FAILED', '船员中有未登记的人员 / A crew member is not registered', [
      { path: 'crewPersonIds', code: 'NOT_FOUND', message: 'unknown person' },
    ]);
}

export async function createVessel(tx: DbOrTx, actor: Actor, input: VesselInput): Promise<Vessel> {
  assertCan(actor, 'sea:manage');
  await assertAreaExists(tx, input.areaCode);
  assertInScope(actor, input.areaCode);
  await assertOwner(tx, actor, input.owner);
  await assertCrew(tx, input.crewPersonIds);
  const dup = await sql`select 1 from sea_vessels where number = ${input.number}`.execute(tx);
  if (dup.rows.length)
    throw new AppError('CONFLICT', `船号 ${input.number} 已登记 / Vessel number already registered`, [
      { path: 'number', code: 'DUPLICATE', message: 'already registered' },
    ]);
  const thing = await tx
    .insertInto('things')
    .values({
      area_code: input.areaCode,
      kind: 'vessel',
      name: input.name,
      identifier: input.number,
      attributes: JSON.stringify({ homePort: input.homePort, crewCount: input.crewCount ?? 0 }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`insert into sea_vessels (thing_id, number, name, area_code, home_port, owner_type, owner_id, crew_count,
      crew_person_ids, length_m)
    values (${thing.id}, ${input.number}, ${input.name}, ${input.areaCode}, ${input.homePort},
      ${input.owner?.type ?? null}, ${input.owner?.id ?? null},
      ${input.crewCount ?? input.crewPersonIds?.length ?? 0}, ${input.crewPersonIds ?? []}::bigint[],
      ${input.lengthM ?? null})`.execute(tx);
  const v = await getVessel(tx, actor, thing.id);
  await audit(tx, actor, {
    action: 'sea.vessel.create',
    entityType: 'thing',
    entityId: thing.id,
    areaCode: input.areaCode,
    newValues: auditVessel(v),
  });
  return v;
}

function auditVessel(v: Vessel) {
  return {
    number: v.number,
    name: v.name,
    areaCode: v.areaCode,
    homePort: v.homePort,
    owner: v.owner ? { type: v.owner.type, id: v.owner.id } : null,
    crewCount: v.crewCount,
    crew: v.crewPersonIds.length,
  };
}

export async function updateVessel(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  version: number,
  patch: Partial<VesselInput>,
): Promise<Vessel> {
  assertCan(actor, 'sea:manage');
  const before = await getVessel(tx, actor, id);
  if (before.version !== version)
    throw new AppError('CONFLICT', '船舶信息已被他人修改，请刷新 / Changed by someone else: reload', [
      { path: 'version', code: 'STALE', message: `current version ${before.version}` },
    ]);
  if (patch.areaCode) {
    await assertAreaExists(tx, patch.areaCode);
    assertInScope(actor, patch.areaCode);
  }
  if (patch.owner !== undefined) await assertOwner(tx, actor, patch.owner);
  await assertCrew(tx, patch.crewPersonIds);
  if (patch.number && patch.number !== before.number) {
    const dup = await sql`select 1 from sea_vessels where number = ${patch.number}`.execute(tx);
    if (dup.rows.length)
      throw new AppError('CONFLICT', `船号 ${patch.number} 已登记 / Vessel number already registered`, [
        { path: 'number', code: 'DUPLICATE', message: 'already registered' },
      ]);
  }
  const owner = patch.owner === undefined ? before.owner : patch.owner;
  await sql`update sea_vessels set number = ${patch.number ?? before.number}, name = ${patch.name ?? before.name},
      area_code = ${patch.areaCode ?? before.areaCode}, home_port = ${patch.homePort ?? before.homePort},
      owner_type = ${owner?.type ?? null}, owner_id = ${owner?.id ?? null},
      crew_count = ${patch.crewCount ?? before.crewCount},
      crew_person_ids = ${patch.crewPersonIds ?? before.crewPersonIds}::bigint[],
      length_m = ${patch.lengthM === undefined ? before.lengthM : patch.lengthM},
      version = version + 1, updated_at = now()
    where thing_id = ${id}`.execute(tx);
  await tx
    .updateTable('things')
    .set({
      name: patch.name ?? before.name,
      identifier: patch.number ?? before.number,
      area_code: patch.areaCode ?? before.areaCode,
      updated_at: new Date(),
      version: sql`version + 1`,
    })
    .where('id', '=', id)
    .execute();
  const after = await getVessel(tx, actor, id);
  await audit(tx, actor, {
    action: 'sea.vessel.update',
    entityType: 'thing',
    entityId: id,
    areaCode: after.areaCode,
    oldValues: auditVessel(before),
    newValues: auditVessel(after),
  });
  return after;
}

export const EXPORT_MAX = 20_000;

export async function exportVessels(
  db: DbOrTx,
  actor: Actor,
  filters: VesselFilters,
  out: Writable,
): Promise<number> {
  assertCan(actor, 'sea:read');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('渔船 Vessels', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: '船号 Number', key: 'number', width: 16 },
    { header: '船名 Name', key: 'name', width: 16 },
    { header: '区域 Area', key: 'area', width: 14 },
    { header: '船籍港 Home port', key: 'port', width: 12 },
    { header: '船东 Owner', key: 'owner', width: 24 },
    { header: '船员数 Crew', key: 'crew', width: 8 },
    { header: '状态 Status', key: 'status', width: 10 },
    { header: '最后位置时间 Last fix', key: 'ts', width: 22 },
    { header: '经度 Lng', key: 'lng', width: 12 },
    { header: '纬度 Lat', key: 'lat', width: 12 },
    { header: '在办预警 Open alerts', key: 'alerts', width: 10 },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  const rows = await sql<VesselRow>`${vesselSelect} where ${vesselWhere(actor, filters)} order by v.number
    limit ${EXPORT_MAX}`.execute(db);
  for (const r of rows.rows) {
    const v = present(r);
    ws.addRow(
      safeRow({
        number: v.number,
        name: v.name,
        area: v.areaName ?? v.areaCode,
        port: v.homePort,
        owner: v.owner?.name ?? '',
        crew: v.crewCount,
        status: STATUS_NAMES[v.status].zh,
        ts: v.last?.ts ?? '',
        lng: v.last?.lng ?? '',
        lat: v.last?.lat ?? '',
        alerts: v.openAlerts,
      }),
    ).commit();
  }
  ws.commit();
  await wb.commit();
  await db.transaction().execute((tx) =>
    audit(tx, actor, {
      action: 'sea.vessel.export',
      entityType: 'thing',
      newValues: { rows: rows.rows.length, filters: { ...filters } },
    }),
  );
  return rows.rows.length;
}

/** A vessel's track: its positions over the last `minutes` (at most 2,000, oldest first). */
export async function vesselTrack(db: DbOrTx, actor: Actor, id: string, minutes: number) {
  await getVessel(db, actor, id);
  const r = await sql<{ ts: Date; lng: number; lat: number; sog: number | null; cog: number | null }>`
    select ts, lng, lat, sog, cog from (
      select ts, lng, lat, sog, cog from sea_positions
      where vessel_id = ${id} and ts >= (select coalesce(max(ts), now()) from sea_positions where vessel_id = ${id})
        - make_interval(mins => ${minutes})
      order by ts desc limit 2000) t order by ts`.execute(db);
  return r.rows.map((p) => ({
    ts: new Date(p.ts).toISOString(),
    lng: p.lng,
    lat: p.lat,
    sog: p.sog,
    cog: p.cog,
  }));
}

/**
 * The map layer: every vessel in scope with a position, and the recent tracks of those at sea (last
 * `trackMinutes`, at most `maxTracks` vessels, each thinned to 60 points).
 */
export async function seaLayer(db: DbOrTx, actor: Actor, trackMinutes: number, maxTracks: number) {
  assertCan(actor, 'sea:read');
  const vessels = await sql<{
    id: string;
    number: string;
    name: string;
    status: VesselStatus;
    last_ts: Date;
    last_lng: number;
    last_lat: number;
    last_sog: number | null;
    last_cog: number | null;
    open_alerts: number;
  }>`select v.thing_id::text as id, v.number, v.name, v.status, v.last_ts, v.last_lng, v.last_lat, v.last_sog,
      v.last_cog,
      (select count(*)::int from sea_alerts x join matters m on m.id = x.matter_id
        where x.vessel_id = v.thing_id and not m.closed) as open_alerts
    from sea_vessels v where v.last_ts is not null and ${scoped(actor, 'v.area_code')}
    order by v.last_ts desc limit 20000`.execute(db);
  const atSea = vessels.rows.filter((v) => v.status !== 'in_port').slice(0, maxTracks);
  const tracks = atSea.length
    ? await sql<{ vessel_id: string; coords: [number, number][] }>`
        select vessel_id::text as vessel_id, json_agg(json_build_array(lng, lat) order by ts) as coords
        from (select vessel_id, ts, lng, lat,
                row_number() over (partition by vessel_id order by ts desc) as rn
              from sea_positions
              where vessel_id = any(${atSea.map((v) => v.id)}::bigint[])
                and ts >= now() - make_interval(mins => ${trackMinutes})) t
        where rn <= 60 group by vessel_id`.execute(db)
    : { rows: [] };
  return {
    vessels: vessels.rows.map((v) => ({
      id: v.id,
      number: v.number,
      name: v.name,
      status: v.status,
      ts: new Date(v.last_ts).toISOString(),
      lng: v.last_lng,
      lat: v.last_lat,
      sog: v.last_sog,
      cog: v.last_cog,
      openAlerts: Number(v.open_alerts),
    })),
    tracks: tracks.rows.map((t) => ({ vesselId: t.vessel_id, coordinates: t.coords })),
  };
}

// ---------------------------------------------------------------------------------------------------
// Geometry

export type GeometryKind = 'channel' | 'corridor' | 'zone' | 'port';
export const GEOMETRY_KIND_NAMES: Record<GeometryKind, { zh: string; en: string }> = {
  channel: { zh: '航道', en: 'Channel' },
  corridor: { zh: '斑马线', en: 'Corridor' },
  zone: { zh: '禁入区', en: 'Restricted zone' },
  port: { zh: '港区', en: 'Port' },
};

export interface SeaGeometry {
  id: string;
  kind: GeometryKind;
  name: string;
  areaCode: string;
  coordinates: Ring[];
  active: boolean;
  version: number;
  updatedAt: string;
}

type GeometryRow = {
  id: string;
  kind: GeometryKind;
  name: string;
  area_code: string;
  coordinates: Ring[];
  active: boolean;
  version: number;
  updated_at: Date;
};

const presentGeometry = (r: GeometryRow): SeaGeometry => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  areaCode: r.area_code,
  coordinates: r.coordinates,
  active: r.active,
  version: r.version,
  updatedAt: new Date(r.updated_at).toISOString(),
});

/**
 * Geometry is shared by the whole sea (a channel crosses counties): everyone with sea:read sees all of it;
 * writing needs sea:manage and the geometry's area in scope.
 */
export async function listGeometries(db: DbOrTx, actor: Actor, kind?: GeometryKind, includeInactive = false) {
  assertCan(actor, 'sea:read');
  const r = await sql<GeometryRow>`select id::text as id, kind, name, area_code, coordinates, active, version,
      updated_at from sea_geometries
    where (${kind ?? null}::text is null or kind = ${kind ?? null}) and (${includeInactive} or active)
    order by kind, id`.execute(db);
  return r.rows.map(presentGeometry);
}

export interface GeometryInput {
  kind: GeometryKind;
  name: string;
  areaCode: string;
  geometry: unknown;
}

export async function createGeometry(tx: DbOrTx, actor: Actor, input: GeometryInput): Promise<SeaGeometry> {
  assertCan(actor, 'sea:manage');
  const ring = parsePolygon(input.geometry);
  await assertAreaExists(tx, input.areaCode);
  assertInScope(actor, input.areaCode);
  const r = await sql<GeometryRow>`insert into sea_geometries (kind, name, area_code, coordinates, created_by)
    values (${input.kind}, ${input.name}, ${input.areaCode}, ${JSON.stringify([ring])}::jsonb, ${actor.id})
    returning id::text as id, kind, name, area_code, coordinates, active, version, updated_at`.execute(tx);
  const g = presentGeometry(r.rows[0]!);
  await audit(tx, actor, {
    action: 'sea.geometry.create',
    entityType: 'sea_geometry',
    entityId: g.id,
    areaCode: g.areaCode,
    newValues: { kind: g.kind, name: g.name, vertices: ring.length - 1 },
  });
  return g;
}

export async function updateGeometry(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  version: number,
  patch: { name?: string | undefined; active?: boolean | undefined; geometry?: unknown },
): Promise<SeaGeometry> {
  assertCan(actor, 'sea:manage');
  const cur =
    await sql<GeometryRow>`select id::text as id, kind, name, area_code, coordinates, active, version,
      updated_at from sea_geometries where id = ${id} for update`.execute(tx);
  const before = cur.rows[0];
  if (!before) throw notFound('几何 / geometry');
  assertInScope(actor, before.area_code);
  if (before.version !== version)
    throw new AppError('CONFLICT', '已被他人修改，请刷新 / Changed by someone else: reload', [
      { path: 'version', code: 'STALE', message: `current version ${before.version}` },
    ]);
  const ring = patch.geometry === undefined ? null : parsePolygon(patch.geometry);
  const r = await sql<GeometryRow>`update sea_geometries set name = ${patch.name ?? before.name},
      active = ${patch.active ?? before.active},
      coordinates = ${ring ? JSON.stringify([ring]) : JSON.stringify(before.coordinates)}::jsonb,
      version = version + 1, updated_at = now()
    where id = ${id}
    returning id::text as id, kind, name, area_code, coordinates, active, version, updated_at`.execute(tx);
  const g = presentGeometry(r.rows[0]!);
  await audit(tx, actor, {
    action: 'sea.geometry.update',
    entityType: 'sea_geometry',
    entityId: id,
    areaCode: g.areaCode,
    oldValues: { name: before.name, active: before.active, vertices: before.coordinates[0]!.length - 1 },
    newValues: { name: g.name, active: g.active, vertices: g.coordinates[0]!.length - 1 },
  });
  return g;
}

/**
 * Imports a GeoJSON FeatureCollection of polygons, each with properties {kind, name} (kind may be given for the
 * whole file). Row-level: every valid feature is stored, every invalid one reported with its index and error.
 */
export async function importGeometries(
  tx: DbOrTx,
  actor: Actor,
  input: { areaCode: string; kind?: GeometryKind | undefined; geojson: unknown },
) {
  assertCan(actor, 'sea:manage');
  const fc = input.geojson as { type?: string; features?: unknown[] };
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features))
    throw new AppError(
      'IMPORT_INVALID',
      '须为 GeoJSON FeatureCollection / A GeoJSON FeatureCollection expected',
    );
  if (fc.features.length > 500)
    throw new AppError('IMPORT_INVALID', '一次最多导入 500 个要素 / At most 500 features per file');
  const created: SeaGeometry[] = [];
  const errors: { index: number; code: string; message: string }[] = [];
  for (const [index, f] of fc.features.entries()) {
    const props = ((f as { properties?: Record<string, unknown> })?.properties ?? {}) as Record<
      string,
      unknown
    >;
    const kind = (props.kind as GeometryKind | undefined) ?? input.kind;
    const name = typeof props.name === 'string' ? props.name.slice(0, 100) : '';
    if (!kind || !(kind in GEOMETRY_KIND_NAMES)) {
      errors.push({
        index,
        code: 'KIND_INVALID',
        message: 'properties.kind: channel | corridor | zone | port',
      });
      continue;
    }
    if (!name) {
      errors.push({ index, code: 'NAME_REQUIRED', message: 'properties.name is required' });
      continue;
    }
    try {
      parsePolygon(f);
    } catch (e) {
      const err = e as AppError;
      errors.push({ index, code: err.details?.[0]?.code ?? err.code, message: err.message });
      continue;
    }
    created.push(await createGeometry(tx, actor, { kind, name, areaCode: input.areaCode, geometry: f }));
  }
  return { created: created.length, items: created, errors };
}

// ---------------------------------------------------------------------------------------------------
// Closure orders

export interface ClosureOrder {
  id: string;
  name: string;
  areaCode: string;
  coordinates: Ring[];
  startsAt: string;
  endsAt: string | null;
  liftedAt: string | null;
  reason: string | null;
  active: boolean;
}

export async function listClosures(db: DbOrTx, actor: Actor): Promise<ClosureOrder[]> {
  assertCan(actor, 'sea:read');
  const r = await sql<{
    id: string;
    name: string;
    area_code: string;
    coordinates: Ring[];
    starts_at: Date;
    ends_at: Date | null;
    lifted_at: Date | null;
    reason: string | null;
  }>`select id::text as id, name, area_code, coordinates, starts_at, ends_at, lifted_at, reason
    from sea_closures order by starts_at desc limit 200`.execute(db);
  const now = Date.now();
  return r.rows.map((c) => ({
    id: c.id,
    name: c.name,
    areaCode: c.area_code,
    coordinates: c.coordinates,
    startsAt: new Date(c.starts_at).toISOString(),
    endsAt: c.ends_at ? new Date(c.ends_at).toISOString() : null,
    liftedAt: c.lifted_at ? new Date(c.lifted_at).toISOString() : null,
    reason: c.reason,
    active:
      new Date(c.starts_at).getTime() <= now &&
      !c.lifted_at &&
      (!c.ends_at || new Date(c.ends_at).getTime() > now),
  }));
}

export async function issueClosure(
  tx: DbOrTx,
  actor: Actor,
  input: {
    name: string;
    areaCode: string;
    geometry: unknown;
    startsAt?: string | undefined;
    endsAt?: string | null | undefined;
    reason?: string | undefined;
  },
): Promise<string> {
  assertCan(actor, 'sea:manage');
  const ring = parsePolygon(input.geometry);
  await assertAreaExists(tx, input.areaCode);
  assertInScope(actor, input.areaCode);
  const starts = input.startsAt ? new Date(input.startsAt) : new Date();
  const ends = input.endsAt ? new Date(input.endsAt) : null;
  if (ends && ends <= starts)
    throw new AppError('INVALID_TIME_RANGE', '结束时间须晚于开始时间 / The end must be after the start');
  const r = await sql<{
    id: string;
  }>`insert into sea_closures (name, area_code, coordinates, starts_at, ends_at,
      reason, issued_by)
    values (${input.name}, ${input.areaCode}, ${JSON.stringify([ring])}::jsonb, ${starts}, ${ends},
      ${input.reason ?? null}, ${actor.id}) returning id::text as id`.execute(tx);
  const id = r.rows[0]!.id;
  await audit(tx, actor, {
    action: 'sea.closure.issue',
    entityType: 'sea_closure',
    entityId: id,
    areaCode: input.areaCode,
    newValues: { name: input.name, startsAt: starts.toISOString(), endsAt: ends?.toISOString() ?? null },
  });
  return id;
}

export async function liftClosure(tx: DbOrTx, actor: Actor, id: string, reason: string): Promise<void> {
  assertCan(actor, 'sea:manage');
  const r = await sql<{ area_code: string; lifted_at: Date | null }>`
    select area_code, lifted_at from sea_closures where id = ${id} for update`.execute(tx);
  const c = r.rows[0];
  if (!c) throw notFound('休渔令 / closure order');
  assertInScope(actor, c.area_code);
  if (c.lifted_at) throw new AppError('CONFLICT', '该命令已解除 / Already lifted');
  await sql`update sea_closures set lifted_at = now(), lifted_by = ${actor.id} where id = ${id}`.execute(tx);
  await audit(tx, actor, {
    action: 'sea.closure.lift',
    entityType: 'sea_closure',
    entityId: id,
    areaCode: c.area_code,
    reason,
  });
}

// ---------------------------------------------------------------------------------------------------
// Port reports (进出港报告)

export async function fileReport(
  tx: DbOrTx,
  actor: Actor,
  input: {
    vesselId: string;
    kind: 'exit' | 'entry';
    port: string;
    crewOnBoard?: number | undefined;
    destination?: string | undefined;
    reportedAt?: string | undefined;
  },
) {
  assertCan(actor, 'sea:report');
  const v = await getVessel(tx, actor, input.vesselId);
  const at = input.reportedAt ? new Date(input.reportedAt) : new Date();
  const r = await sql<{
    id: string;
  }>`insert into sea_port_reports (vessel_id, area_code, kind, port, reported_at,
      crew_on_board, destination, created_by, created_by_name)
    values (${v.id}, ${v.areaCode}, ${input.kind}, ${input.port}, ${at}, ${input.crewOnBoard ?? null},
      ${input.destination ?? null}, ${actor.id}, ${actor.displayName}) returning id::text as id`.execute(tx);
  await audit(tx, actor, {
    action: `sea.report.${input.kind}`,
    entityType: 'sea_port_report',
    entityId: r.rows[0]!.id,
    areaCode: v.areaCode,
    newValues: {
      vessel: v.number,
      port: input.port,
      at: at.toISOString(),
      crewOnBoard: input.crewOnBoard ?? null,
    },
  });
  return {
    id: r.rows[0]!.id,
    vesselId: v.id,
    kind: input.kind,
    port: input.port,
    reportedAt: at.toISOString(),
  };
}

export async function listReports(
  db: DbOrTx,
  actor: Actor,
  q: { vesselId?: string | undefined; page: number; pageSize: number },
) {
  assertCan(actor, 'sea:read');
  const where = sql.join(
    [scoped(actor, 'r.area_code'), ...(q.vesselId ? [sql<boolean>`r.vessel_id = ${q.vesselId}`] : [])],
    sql` and `,
  );
  const total = await sql<{
    n: number;
  }>`select count(*)::int as n from sea_port_reports r where ${where}`.execute(db);
  const rows = await sql<{
    id: string;
    vessel_id: string;
    number: string;
    kind: 'exit' | 'entry';
    port: string;
    reported_at: Date;
    crew_on_board: number | null;
    destination: string | null;
    created_by_name: string;
  }>`select r.id::text as id, r.vessel_id::text as vessel_id, v.number, r.kind, r.port, r.reported_at,
      r.crew_on_board, r.destination, r.created_by_name
    from sea_port_reports r join sea_vessels v on v.thing_id = r.vessel_id
    where ${where} order by r.reported_at desc, r.id desc
    limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`.execute(db);
  return {
    items: rows.rows.map((r) => ({
      id: r.id,
      vesselId: r.vessel_id,
      vesselNumber: r.number,
      kind: r.kind,
      port: r.port,
      reportedAt: new Date(r.reported_at).toISOString(),
      crewOnBoard: r.crew_on_board,
      destination: r.destination,
      by: r.created_by_name,
    })),
    total: total.rows[0]?.n ?? 0,
    page: q.page,
    pageSize: q.pageSize,
  };
}

// ---------------------------------------------------------------------------------------------------
// Parameters

export async function getParams(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'sea:read');
  const r = await sql<{
    version: number;
    updated_at: Date;
  }>`select version, updated_at from sea_params where id = 1`.execute(db);
  return {
    params: await loadParams(db),
    defaults: DEFAULT_PARAMS,
    version: r.rows[0]?.version ?? 1,
    updatedAt: r.rows[0] ? new Date(r.rows[0].updated_at).toISOString() : null,
  };
}

export async function setParams(tx: DbOrTx, actor: Actor, version: number, params: unknown, reason: string) {
  assertCan(actor, 'sea:manage');
  // Parameters are city-wide: only a city-level account changes them.
  if (actor.scopePrefix.length > 4) throw new AppError('FORBIDDEN', '仅市级可修改规则参数 / City level only');
  const parsed = SeaParams.safeParse(params);
  if (!parsed.success)
    throw new AppError(
      'VALIDATION_FAILED',
      '规则参数无效 / Invalid parameters',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  const cur = await sql<{ version: number }>`select version from sea_params where id = 1 for update`.execute(
    tx,
  );
  if (cur.rows[0]?.version !== version)
    throw new AppError('CONFLICT', '参数已被他人修改，请刷新 / Changed by someone else: reload', [
      { path: 'version', code: 'STALE', message: `current version ${cur.rows[0]?.version}` },
    ]);
  const before = await loadParams(tx);
  await sql`update sea_params set params = ${JSON.stringify(parsed.data)}::jsonb, version = version + 1,
    updated_at = now(), updated_by = ${actor.id} where id = 1`.execute(tx);
  await audit(tx, actor, {
    action: 'sea.params.update',
    entityType: 'sea_params',
    entityId: '1',
    reason,
    oldValues: before,
    newValues: parsed.data,
  });
  return getParams(tx, actor);
}

// ---------------------------------------------------------------------------------------------------
// Push tokens

const TOKEN_PREFIX = 'zsea_';
const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

export async function createPushToken(tx: DbOrTx, actor: Actor, name: string) {
  assertCan(actor, 'sea:manage');
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const r = await sql<{ id: string }>`insert into sea_push_tokens (name, token_hash, token_prefix, created_by)
    values (${name}, ${hashToken(token)}, ${token.slice(0, 10)}, ${actor.id}) returning id::text as id`.execute(
    tx,
  );
  await audit(tx, actor, {
    action: 'sea.token.create',
    entityType: 'sea_push_token',
    entityId: r.rows[0]!.id,
    newValues: { name, prefix: token.slice(0, 10) },
  });
  return { token, id: r.rows[0]!.id, name, prefix: token.slice(0, 10) };
}

export async function listPushTokens(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'sea:manage');
  const r = await sql<{
    id: string;
    name: string;
    token_prefix: string;
    created_at: Date;
    last_used_at: Date | null;
    revoked_at: Date | null;
  }>`select id::text as id, name, token_prefix, created_at, last_used_at, revoked_at from sea_push_tokens
    order by id desc`.execute(db);
  return r.rows.map((t) => ({
    id: t.id,
    name: t.name,
    prefix: t.token_prefix,
    createdAt: new Date(t.created_at).toISOString(),
    lastUsedAt: t.last_used_at ? new Date(t.last_used_at).toISOString() : null,
    revokedAt: t.revoked_at ? new Date(t.revoked_at).toISOString() : null,
  }));
}

export async function revokePushToken(tx: DbOrTx, actor: Actor, id: string) {
  assertCan(actor, 'sea:manage');
  const r = await sql`update sea_push_tokens set revoked_at = now() where id = ${id} and revoked_at is null
    returning id`.execute(tx);
  if (!r.rows.length) throw notFound('令牌 / token');
  await audit(tx, actor, { action: 'sea.token.revoke', entityType: 'sea_push_token', entityId: id });
}

export async function tokenName(db: DbOrTx, token: string): Promise<string> {
  const r = await sql<{ id: string; name: string }>`select id::text as id, name from sea_push_tokens
    where token_hash = ${hashToken(token)} and revoked_at is null`.execute(db);
  if (!r.rows[0])
    throw new AppError('UNAUTHENTICATED', '推送令牌无效或已吊销 / The push token is unknown or revoked');
  await sql`update sea_push_tokens set last_used_at = now() where id = ${r.rows[0].id}`.execute(db);
  return r.rows[0].name;
}

// ---------------------------------------------------------------------------------------------------
// The alert board

export async function listSeaAlerts(
  db: DbOrTx,
  actor: Actor,
  q: {
    open?: boolean | undefined;
    rule?: Rule | undefined;
    vesselId?: string | undefined;
    page: number;
    pageSize: number;
  },
) {
  assertCan(actor, 'sea:read');
  assertCan(actor, 'matter:read');
  const conds = [scoped(actor, 'm.area_code')];
  if (q.open !== undefined) conds.push(q.open ? sql<boolean>`not m.closed` : sql<boolean>`m.closed`);
  if (q.rule) conds.push(sql<boolean>`a.rule = ${q.rule}`);
  if (q.vesselId) conds.push(sql<boolean>`a.vessel_id = ${q.vesselId}`);
  const where = sql.join(conds, sql` and `);
  const total = await sql<{
    n: number;
  }>`select count(*)::int as n from sea_alerts a join matters m on m.id = a.matter_id
    where ${where}`.execute(db);
  const rows = await sql<{
    matter_id: string;
    number: string;
    title: string;
    status: string;
    closed: boolean;
    rule: Rule;
    vessel_id: string;
    vessel_number: string;
    vessel_name: string;
    breaches: number;
    first_at: Date;
    last_at: Date;
    lng: number | null;
    lat: number | null;
    version: number;
    area_code: string;
  }>`select a.matter_id::text as matter_id, m.number, m.title, m.status, m.closed, a.rule,
      a.vessel_id::text as vessel_id, v.number as vessel_number, v.name as vessel_name, a.breaches, a.first_at,
      a.last_at, m.lng, m.lat, m.version, m.area_code
    from sea_alerts a join matters m on m.id = a.matter_id join sea_vessels v on v.thing_id = a.vessel_id
    where ${where} order by m.closed, a.first_at desc
    limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`.execute(db);
  return {
    items: rows.rows.map((r) => ({
      matterId: r.matter_id,
      matterNumber: r.number,
      title: r.title,
      status: r.status,
      closed: r.closed,
      rule: r.rule,
      ruleName: RULE_NAMES[r.rule],
      vesselId: r.vessel_id,
      vesselNumber: r.vessel_number,
      vesselName: r.vessel_name,
      breaches: r.breaches,
      firstAt: new Date(r.first_at).toISOString(),
      lastAt: new Date(r.last_at).toISOString(),
      lng: r.lng,
      lat: r.lat,
      version: r.version,
      areaCode: r.area_code,
    })),
    total: total.rows[0]?.n ?? 0,
    page: q.page,
    pageSize: q.pageSize,
  };
}

export async function listRejects(db: DbOrTx, actor: Actor, limit: number) {
  assertCan(actor, 'sea:manage');
  const r = await sql<{ id: string; at: Date; reason: string; topic: string | null; sample: string | null }>`
    select id::text as id, at, reason, topic, sample from sea_rejects order by id desc limit ${limit}`.execute(
    db,
  );
  return r.rows.map((x) => ({ ...x, at: new Date(x.at).toISOString() }));
}

export { RULE_NAMES, RULES };

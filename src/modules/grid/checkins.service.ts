import type { MultiPolygon, Polygon } from 'geojson';
import { sql } from 'kysely';
import { type Actor, assertCan, assertInScope } from '../../core/access/actor.ts';
import { inScopeSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, forbidden, notFound } from '../../core/errors.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import { addAttachments, type StoredFile } from '../../core/matters/attachments.service.ts';
import { createMatter } from '../../core/matters/matters.service.ts';
import type { Vault } from '../../core/subjects/vault.ts';
import { type Crs, parseBbox, toCrs } from '../map/map.geo.ts';
import { cstDay, distanceToGridM, type Period, periodStart } from './grid.geo.ts';
import { type CheckinInput, type GridRole, ROLE_NAMES } from './grid.schema.ts';
import { gdb } from './grid.tables.ts';
import { memberQuery, presentMember, rulesMap } from './roster.service.ts';

/** China's extent, as the rest of the API bounds points (lng 73–136, lat 3–54). */
const CHINA = { minLng: 73, maxLng: 136, minLat: 3, maxLat: 54 };
/** A fix older than this, or from the future beyond a clock's skew, is not a fix taken now. */
const MAX_FIX_AGE_MS = 2 * 60_000;
const MAX_CLOCK_SKEW_MS = 60_000;

export async function getSettings(db: DbOrTx) {
  return gdb(db)
    .selectFrom('grid_settings')
    .select(['tolerance_m', 'max_accuracy_m'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
}

const invalid = (path: string, message: string, zh: string) =>
  new AppError('LOCATION_INVALID', `定位无效：${zh} / Invalid location: ${message}`, [
    { path: `location.${path}`, code: 'LOCATION_INVALID', message },
  ]);

/**
 * The rule for the browser's fix (docs/GRID.md): present (lng, lat, accuracy); finite; inside China's extent;
 * an accuracy above 0 (a real receiver never claims a perfect fix: exactly 0 is what location spoofers and
 * emulators send) and at most the configured maximum (1 km by default: a cell-tower guess cannot prove
 * presence in a grid); if the browser's timestamp is sent, taken within the last 2 minutes.
 */
export function checkLocation(
  loc: CheckinInput['location'],
  maxAccuracyM: number,
  now = new Date(),
): { lng: number; lat: number; accuracy: number } {
  if (!loc || loc.lng === undefined || loc.lat === undefined || loc.accuracy === undefined) {
    throw new AppError(
      'LOCATION_REQUIRED',
      '请允许浏览器获取定位后再入格 / Allow the browser to share your location to check in',
      [{ path: 'location', code: 'LOCATION_REQUIRED', message: 'lng, lat and accuracy are required' }],
    );
  }
  const { lng, lat, accuracy } = loc;
  if (![lng, lat, accuracy].every(Number.isFinite))
    throw invalid('lng', 'not a finite number', '坐标不是有效数字');
  if (lng < CHINA.minLng || lng > CHINA.maxLng)
    throw invalid('lng', 'longitude outside China', '经度超出范围');
  if (lat < CHINA.minLat || lat > CHINA.maxLat)
    throw invalid('lat', 'latitude outside China', '纬度超出范围');
  if (accuracy <= 0)
    throw invalid('accuracy', 'an accuracy of 0 m is not a real fix', '精度为 0 米，疑似虚拟定位');
  if (accuracy > maxAccuracyM) {
    throw invalid(
      'accuracy',
      `accuracy ${Math.round(accuracy)} m is worse than ${maxAccuracyM} m`,
      `精度 ${Math.round(accuracy)} 米，超过 ${maxAccuracyM} 米，请到室外或打开 GPS 后重试`,
    );
  }
  if (loc.capturedAt) {
    const age = now.getTime() - Date.parse(loc.capturedAt);
    if (age > MAX_FIX_AGE_MS || age < -MAX_CLOCK_SKEW_MS) {
      throw new AppError(
        'LOCATION_STALE',
        '定位已过时，请重新获取定位 / The location is not current: locate again',
        [{ path: 'location.capturedAt', code: 'LOCATION_STALE', message: `${Math.round(age / 1000)} s old` }],
      );
    }
  }
  return { lng, lat, accuracy };
}

/** The actor's memberships (with the grids' geometry), optionally of one grid. */
async function myMemberships(db: DbOrTx, actor: Actor, gridCode?: string) {
  if (!actor.id) return [];
  let q = gdb(db)
    .selectFrom('grid_members as m')
    .innerJoin('areas as a', 'a.code', 'm.area_code')
    .select(['m.id', 'm.area_code', 'm.role', 'm.name', 'a.name as area_name', 'a.geometry'])
    .where('m.user_id', '=', actor.id)
    .where('m.removed_at', 'is', null);
  if (gridCode) q = q.where('m.area_code', '=', gridCode);
  return q.orderBy('m.id').execute();
}

type CheckinRow = {
  id: string;
  member_id: string;
  area_code: string;
  role: string;
  period: 'day' | 'week';
  period_start: string;
  at: Date;
  lng: number;
  lat: number;
  accuracy_m: number;
  distance_m: number;
};

function presentCheckin(r: CheckinRow, memberName: string, areaName: string | null) {
  const role = r.role as GridRole;
  return {
    id: r.id,
    memberId: r.member_id,
    memberName,
    role,
    roleName: ROLE_NAMES[role],
    areaCode: r.area_code,
    areaName,
    period: r.period,
    periodStart: r.period_start,
    at: new Date(r.at).toISOString(),
    point: { lng: r.lng, lat: r.lat },
    accuracyM: r.accuracy_m,
    distanceM: r.distance_m,
  };
}

/**
 * 入格: accepted when the fix is inside the grid's polygon or within the tolerance of its edge; once per
 * member and rule period (the day for members whose role has no rule). Refusals save nothing.
 */
export async function checkIn(tx: DbOrTx, actor: Actor, input: CheckinInput, now = new Date()) {
  const settings = await getSettings(tx);
  const loc = checkLocation(input.location, settings.max_accuracy_m, now);
  const mine = await myMemberships(tx, actor, input.areaCode);
  if (mine.length === 0) {
    throw new AppError(
      'GRID_NOT_MEMBER',
      input.areaCode
        ? `您不在网格 ${input.areaCode} 的网格力量名单中 / You are not on this grid’s team`
        : '您不在任何网格的网格力量名单中 / You are not on any grid’s team',
    );
  }
  if (mine.length > 1) {
    throw new AppError('VALIDATION_FAILED', '您属于多个网格，请选择入格的网格 / Choose the grid', [
      { path: 'areaCode', message: `one of ${mine.map((m) => m.area_code).join(', ')}` },
    ]);
  }
  const m = mine[0]!;
  assertInScope(actor, m.area_code);
  if (!m.geometry) {
    throw new AppError('GRID_NO_GEOMETRY', '该网格没有边界，无法核验入格 / The grid has no boundary');
  }
  const d = distanceToGridM(loc, m.geometry as unknown as Polygon | MultiPolygon);
  if (d > settings.tolerance_m) {
    const dm = Math.round(d);
    throw new AppError(
      'CHECKIN_OUTSIDE_GRID',
      `您距离网格“${m.area_name}”边界 ${dm} 米，超出允许的 ${settings.tolerance_m} 米，不能入格 / You are ${dm} m outside the grid (tolerance ${settings.tolerance_m} m)`,
      [{ path: 'distanceM', code: 'CHECKIN_OUTSIDE_GRID', message: String(dm) }],
    );
  }
  const rule = (await rulesMap(tx)).get(m.role as GridRole) ?? 'none';
  const period: Period = rule === 'week' ? 'week' : 'day';
  const start = periodStart(period, cstDay(now));
  const row = await gdb(tx)
    .insertInto('grid_checkins')
    .values({
      member_id: m.id,
      area_code: m.area_code,
      role: m.role,
      period,
      period_start: start,
      at: now,
      lng: loc.lng,
      lat: loc.lat,
      accuracy_m: loc.accuracy,
      distance_m: Math.round(d),
      user_id: actor.id,
    })
    .onConflict((oc) => oc.columns(['member_id', 'period', 'period_start']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    const prev = await gdb(tx)
      .selectFrom('grid_checkins')
      .select('at')
      .where('member_id', '=', m.id)
      .where('period', '=', period)
      .where('period_start', '=', start)
      .executeTakeFirstOrThrow();
    const when = new Date(prev.at.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    throw new AppError(
      'CHECKIN_DUPLICATE',
      `${period === 'week' ? '本周' : '今天'}已于 ${when} 入格，无需重复 / Already checked in this ${period} (${when})`,
    );
  }
  // The audit says who, where (the grid) and how far; never the coordinates of a person.
  await audit(tx, actor, {
    action: 'grid.checkin',
    entityType: 'grid_checkin',
    entityId: row.id,
    areaCode: m.area_code,
    newValues: {
      memberId: m.id,
      period,
      periodStart: start,
      distanceM: row.distance_m,
      accuracyM: loc.accuracy,
    },
  });
  return presentCheckin(row, m.name, m.area_name);
}

/** The actor's grids: their membership, the polygon to draw, and this period's check-in if done. */
export async function myGrids(db: DbOrTx, vault: Vault, actor: Actor, now = new Date()) {
  const mine = await myMemberships(db, actor);
  const rules = await rulesMap(db);
  const settings = await getSettings(db);
  const items = [];
  for (const m of mine) {
    const rule = rules.get(m.role as GridRole) ?? 'none';
    const period: Period = rule === 'week' ? 'week' : 'day';
    const current = await gdb(db)
      .selectFrom('grid_checkins')
      .selectAll()
      .where('member_id', '=', m.id)
      .where('period', '=', period)
      .where('period_start', '=', periodStart(period, cstDay(now)))
      .executeTakeFirst();
    const member = await memberQuery(db).where('m.id', '=', m.id).executeTakeFirstOrThrow();
    items.push({
      member: presentMember(vault, member, rules),
      geometry: m.geometry ?? null,
      current: current ? presentCheckin(current, m.name, m.area_name) : null,
    });
  }
  return { items, toleranceM: settings.tolerance_m };
}

/** A check-in of the actor's own (visits are logged by the one who checked in). */
async function ownCheckin(db: DbOrTx, actor: Actor, id: string) {
  const c = await gdb(db)
    .selectFrom('grid_checkins')
    .selectAll()
    .where('id', '=', id)
    .where(inScopeSql(actor))
    .executeTakeFirst();
  if (!c) throw notFound(`入格记录 / check-in ${id}`);
  if (c.user_id !== actor.id)
    throw forbidden('只能在自己的入格记录下登记走访 / Log visits on your own check-in');
  return c;
}

async function presentVisits(db: DbOrTx, where: { checkinId?: string; visitId?: string }) {
  let q = gdb(db)
    .selectFrom('grid_visits as v')
    .leftJoin('matters as mt', 'mt.id', 'v.matter_id')
    .select([
      'v.id',
      'v.checkin_id',
      'v.area_code',
      'v.house_ids',
      'v.findings',
      'v.matter_id',
      'v.created_at',
      'mt.number as matter_number',
    ]);
  if (where.checkinId) q = q.where('v.checkin_id', '=', where.checkinId);
  if (where.visitId) q = q.where('v.id', '=', where.visitId);
  const rows = await q.orderBy('v.id').execute();
  const photos =
    rows.length === 0
      ? []
      : await gdb(db)
          .selectFrom('grid_visit_photos')
          .select(['id', 'visit_id', 'filename', 'mime', 'size'])
          .where(
            'visit_id',
            'in',
            rows.map((r) => r.id),
          )
          .orderBy('id')
          .execute();
  return rows.map((r) => ({
    id: r.id,
    checkinId: r.checkin_id,
    areaCode: r.area_code,
    houseIds: (r.house_ids ?? []).map(String),
    findings: r.findings,
    matterId: r.matter_id,
    matterNumber: r.matter_number,
    photos: photos
      .filter((p) => p.visit_id === r.id)
      .map((p) => ({ id: p.id, filename: p.filename, mime: p.mime, size: Number(p.size) })),
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

export async function listVisits(db: DbOrTx, actor: Actor, checkinId: string) {
  assertCan(actor, 'subject:read');
  const c = await gdb(db)
    .selectFrom('grid_checkins')
    .select('id')
    .where('id', '=', checkinId)
    .where(inScopeSql(actor))
    .executeTakeFirst();
  if (!c) throw notFound(`入格记录 / check-in ${checkinId}`);
  return presentVisits(db, { checkinId });
}

/** 走访记录: houses visited (in the actor's scope) and what was found, on the actor's own check-in. */
export async function addVisit(
  tx: DbOrTx,
  actor: Actor,
  checkinId: string,
  input: { houseIds: string[]; findings?: string | undefined },
) {
  const c = await ownCheckin(tx, actor, checkinId);
  const houseIds = [...new Set(input.houseIds)];
  if (houseIds.length > 0) {
    const found = await tx
      .selectFrom('houses')
      .select('id')
      .where('id', 'in', houseIds)
      .where(inScopeSql(actor))
      .execute();
    const known = new Set(found.map((h) => h.id));
    const unknown = houseIds.filter((h) => !known.has(h));
    if (unknown.length > 0) {
      throw new AppError('VALIDATION_FAILED', '走访的房屋不存在 / Unknown houses', [
        { path: 'houseIds', message: `not found: ${unknown.join(', ')}` },
      ]);
    }
  }
  const findings = input.findings?.trim() || null;
  if (houseIds.length === 0 && !findings) {
    throw new AppError(
      'VALIDATION_FAILED',
      '请填写走访房屋或发现情况 / Give the houses visited or a finding',
      [{ path: 'findings', message: 'houses or findings required' }],
    );
  }
  const v = await gdb(tx)
    .insertInto('grid_visits')
    .values({ checkin_id: c.id, area_code: c.area_code, house_ids: houseIds, findings, created_by: actor.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  await audit(tx, actor, {
    action: 'grid.visit.add',
    entityType: 'grid_visit',
    entityId: v.id,
    areaCode: c.area_code,
    newValues: { checkinId: c.id, houses: houseIds.length, findings: findings ? findings.length : 0 },
  });
  return (await presentVisits(tx, { visitId: v.id }))[0]!;
}

async function ownVisit(db: DbOrTx, actor: Actor, visitId: string, lock = false) {
  let q = gdb(db)
    .selectFrom('grid_visits as v')
    .innerJoin('grid_checkins as c', 'c.id', 'v.checkin_id')
    .select(['v.id', 'v.area_code', 'v.findings', 'v.matter_id', 'v.created_by', 'c.lng', 'c.lat'])
    .where('v.id', '=', visitId)
    .where(inScopeSql(actor, 'v.area_code'));
  if (lock) q = q.forUpdate();
  const v = await q.executeTakeFirst();
  if (!v) throw notFound(`走访记录 / visit ${visitId}`);
  if (v.created_by !== actor.id) throw forbidden('只能操作自己的走访记录 / Only your own visits');
  return v;
}

export const MAX_PHOTOS = 9;
export const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

/** Before any byte is read: may the actor add photos to this visit? */
export async function assertMayAddPhotos(db: DbOrTx, actor: Actor, visitId: string) {
  await ownVisit(db, actor, visitId);
}

/** Ties stored photos (already in the blob store, typed from their bytes) to a visit. */
export async function addVisitPhotos(tx: DbOrTx, actor: Actor, visitId: string, files: StoredFile[]) {
  const v = await ownVisit(tx, actor, visitId, true);
  if (files.length === 0) {
    throw new AppError('VALIDATION_FAILED', '请至少选择一张照片 / Send at least one photo', [
      { path: 'file', message: 'required' },
    ]);
  }
  const bad = files.find((f) => !PHOTO_TYPES.has(f.mime));
  if (bad) {
    throw new AppError(
      'FILE_TYPE_FORBIDDEN',
      `只能上传照片（JPEG、PNG、WebP、GIF）：${bad.filename} / Photos only`,
    );
  }
  const count = await gdb(tx)
    .selectFrom('grid_visit_photos')
    .select((e) => e.fn.countAll<string>().as('n'))
    .where('visit_id', '=', v.id)
    .executeTakeFirstOrThrow();
  if (Number(count.n) + files.length > MAX_PHOTOS) {
    throw new AppError(
      'VALIDATION_FAILED',
      `每条走访最多 ${MAX_PHOTOS} 张照片 / At most ${MAX_PHOTOS} photos`,
      [{ path: 'file', message: 'too many photos' }],
    );
  }
  await tx
    .insertInto('files')
    .values(files.map((f) => ({ sha256: f.sha256, size: f.size, mime: f.mime })))
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  await gdb(tx)
    .insertInto('grid_visit_photos')
    .values(
      files.map((f) => ({
        visit_id: v.id,
        sha256: f.sha256,
        filename: f.filename,
        mime: f.mime,
        size: f.size,
      })),
    )
    .execute();
  await audit(tx, actor, {
    action: 'grid.visit.photos',
    entityType: 'grid_visit',
    entityId: v.id,
    areaCode: v.area_code,
    newValues: { photos: files.map((f) => ({ filename: f.filename, size: f.size, sha256: f.sha256 })) },
  });
  return (await presentVisits(tx, { visitId: v.id }))[0]!;
}

/**
 * 发现转事项 in one tap: the visit's finding becomes an 事件 at the check-in's point in the grid (the photos
 * attached to it), and the visit links to it. Once per visit: a second tap is VISIT_ALREADY_REPORTED.
 */
export async function findingToMatter(
  tx: DbOrTx,
  actor: Actor,
  visitId: string,
  input: {
    title?: string | undefined;
    category?: string | undefined;
    urgency: 'extra_urgent' | 'urgent' | 'normal';
  },
): Promise<{
  visit: Awaited<ReturnType<typeof presentVisits>>[number];
  matterId: string;
  matterNumber: string;
  events: ZhiliEvent[];
}> {
  const v = await ownVisit(tx, actor, visitId, true);
  if (v.matter_id) {
    throw new AppError('VISIT_ALREADY_REPORTED', '该发现已转为事项 / This finding is already a matter', [
      { path: 'visitId', code: 'VISIT_ALREADY_REPORTED', message: `matter ${v.matter_id}` },
    ]);
  }
  if (!v.findings) {
    throw new AppError('VALIDATION_FAILED', '该走访没有填写发现情况 / The visit has no finding', [
      { path: 'findings', message: 'required' },
    ]);
  }
  const firstLine = v.findings.split('\n')[0]!.trim();
  const title = input.title ?? (firstLine.length > 60 ? `${firstLine.slice(0, 60)}…` : firstLine);
  const photos = await gdb(tx)
    .selectFrom('grid_visit_photos')
    .select(['sha256', 'filename', 'mime', 'size'])
    .where('visit_id', '=', v.id)
    .orderBy('id')
    .execute();
  const made = await createMatter(tx, actor, {
    type: 'event',
    category: input.category ?? 'other',
    title,
    description: v.findings,
    urgency: input.urgency,
    sourceChannel: 'grid_visit',
    areaCode: v.area_code,
    point: { lng: v.lng, lat: v.lat },
    payload: photos.length > 0 ? { photosTaken: true } : {},
  });
  const events = [...made.events];
  if (photos.length > 0) {
    const att = await addAttachments(
      tx,
      actor,
      made.matter.id,
      photos.map((p) => ({ sha256: p.sha256, filename: p.filename, mime: p.mime, size: Number(p.size) })),
      '网格走访照片 / photos from the grid visit',
    );
    events.push(...att.events);
  }
  await gdb(tx)
    .updateTable('grid_visits')
    .set({ matter_id: made.matter.id })
    .where('id', '=', v.id)
    .execute();
  await audit(tx, actor, {
    action: 'grid.visit.matter',
    entityType: 'grid_visit',
    entityId: v.id,
    areaCode: v.area_code,
    newValues: { matterId: made.matter.id, number: made.matter.number },
  });
  const visit = (await presentVisits(tx, { visitId: v.id }))[0]!;
  return { visit, matterId: made.matter.id, matterNumber: made.matter.number, events };
}

/** How far back the map's 网格员签到位置 layer looks for a member's last check-in. */
export const LAYER_DAYS = 7;

/**
 * The map's 网格员签到位置 layer: each member's last check-in of the past LAYER_DAYS days in the actor's
 * scope (and in the box), newest first, at most `limit`. The box is read and checked by the map's parser,
 * in `crs`, and the points answered in it (the map's one GCJ-02 conversion).
 */
export async function checkinLayer(
  db: DbOrTx,
  actor: Actor,
  q: { bbox?: string | undefined; crs: Crs; limit: number },
  now = new Date(),
) {
  assertCan(actor, 'area:read');
  const box = q.bbox ? parseBbox(q.bbox, q.crs) : null;
  const since = new Date(now.getTime() - LAYER_DAYS * 86_400_000);
  const rows = await sql<{
    member_id: string;
    name: string;
    role: GridRole;
    area_code: string;
    lng: number;
    lat: number;
    at: Date;
  }>`
    select * from (
      select distinct on (c.member_id) c.member_id::text as member_id, m.name, m.role, c.area_code,
             c.lng, c.lat, c.at
      from grid_checkins c join grid_members m on m.id = c.member_id and m.removed_at is null
      where ${inScopeSql(actor, 'c.area_code')} and c.at >= ${since}
        ${box ? sql`and c.lng between ${box[0]} and ${box[2]} and c.lat between ${box[1]} and ${box[3]}` : sql``}
      order by c.member_id, c.at desc
    ) last
    order by last.at desc
    limit ${q.limit + 1}`.execute(db);
  return {
    points: rows.rows.slice(0, q.limit).map((r) => {
      const [lng, lat] = toCrs(r.lng, r.lat, q.crs);
      return {
        id: r.member_id,
        lng,
        lat,
        name: r.name,
        kind: r.role,
        areaCode: r.area_code,
        at: r.at.toISOString(),
      };
    }),
    total: Math.min(rows.rows.length, q.limit),
    truncated: rows.rows.length > q.limit,
  };
}

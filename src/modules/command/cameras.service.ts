import { sql } from 'kysely';
import { type Actor, assertCan, can } from '../../core/access/actor.ts';
import { inScopeSql } from '../../core/access/scope.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { findMatterRow } from '../../core/matters/matters.service.ts';
import { MAX_RADIUS_M, MIN_RADIUS_M } from '../../shared/command-input.ts';
import {
  angleOff,
  bearingDeg,
  cellsWithin,
  distanceM,
  inFieldOfView,
  type LngLat,
  numberAttr,
} from './cameras.geo.ts';

export interface Camera {
  id: string;
  name: string;
  identifier: string | null;
  areaCode: string;
  point: LngLat;
  distanceM: number;
  bearingDeg: number;
  heading: number | null;
  fov: number | null;
  offAxisDeg: number | null;
  inView: boolean | null;
  hasStream: boolean;
  streamUrl: string | null;
}

export interface NearestCameras {
  matter: { id: string; number: string; point: LngLat };
  radiusM: number;
  total: number;
  streamsVisible: boolean;
  items: Camera[];
}

/**
 * A stream the console may hand to its player: an http(s) URL or a path on this server (the demo video).
 * Anything else (javascript:, data:, file:, rtsp:// that no browser plays) counts as no stream.
 */
export function playableStream(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > 2000) return null;
  if (/^\/(?!\/)[\w\-./%]*$/.test(v)) return v;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function matterNoLocation(number: string): AppError {
  return new AppError(
    'MATTER_NO_LOCATION',
    `事项 ${number} 没有定位坐标，无法查找周边监控 / Matter ${number} has no location: no cameras can be found around it`,
  );
}

/**
 * The cameras nearest to a matter, within `radiusM`: things of kind `camera` in the actor's scope, taken
 * from the res-9 h3 cells that cover the circle (the things_h3_idx index: no scan of all things), then
 * measured exactly (haversine), nearest first (ties by id). Each says where it looks and whether the matter is
 * in its field of view. Stream URLs only for those who act on matters; the matter must be visible (404
 * otherwise, as if absent).
 */
export async function nearestCameras(
  db: DbOrTx,
  actor: Actor,
  matterId: string,
  opts: { radiusM: number; limit: number },
): Promise<NearestCameras> {
  assertCan(actor, 'subject:read');
  const m = await findMatterRow(db, actor, matterId);
  if (m.lng === null || m.lat === null) throw matterNoLocation(m.number);
  if (!(opts.radiusM >= MIN_RADIUS_M && opts.radiusM <= MAX_RADIUS_M)) {
    throw new AppError(
      'RADIUS_OUT_OF_RANGE',
      `搜索半径应在 ${MIN_RADIUS_M}–${MAX_RADIUS_M} 米之间 / The radius must be ${MIN_RADIUS_M} to ${MAX_RADIUS_M} metres`,
      [{ path: 'radius', message: `${MIN_RADIUS_M}–${MAX_RADIUS_M}` }],
    );
  }
  const at: LngLat = { lng: m.lng, lat: m.lat };
  const cells = cellsWithin(at, opts.radiusM);
  const rows = await db
    .selectFrom('things')
    .select(['id', 'name', 'identifier', 'area_code', 'lng', 'lat', 'attributes'])
    .where('kind', '=', 'camera')
    .where(sql<boolean>`h3 = any(${sql.val(cells)}::text[])`)
    .where(inScopeSql(actor))
    .execute();
  const streamsVisible = can(actor, 'matter:act');
  const found: Camera[] = [];
  for (const r of rows) {
    if (r.lng === null || r.lat === null) continue;
    const p = { lng: r.lng, lat: r.lat };
    const d = distanceM(p, at);
    if (d > opts.radiusM) continue;
    const attrs = (r.attributes ?? {}) as Record<string, unknown>;
    const heading = numberAttr(attrs.heading);
    const fov = numberAttr(attrs.fov);
    const bearing = bearingDeg(p, at);
    const stream = playableStream(attrs.streamUrl);
    found.push({
      id: r.id,
      name: r.name,
      identifier: r.identifier,
      areaCode: r.area_code,
      point: p,
      distanceM: round(d, 1),
      bearingDeg: round(bearing, 1),
      heading,
      fov,
      offAxisDeg: heading === null ? null : round(angleOff(heading, bearing), 1),
      inView: inFieldOfView(heading, fov, bearing, d),
      hasStream: stream !== null,
      streamUrl: streamsVisible ? stream : null,
    });
  }
  found.sort((a, b) => a.distanceM - b.distanceM || Number(a.id) - Number(b.id));
  return {
    matter: { id: m.id, number: m.number, point: at },
    radiusM: opts.radiusM,
    total: found.length,
    streamsVisible,
    items: found.slice(0, opts.limit),
  };
}

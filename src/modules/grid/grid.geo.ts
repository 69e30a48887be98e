import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon, Position } from 'geojson';

/**
 * Where a check-in's point lies relative to its grid: inside (turf point-in-polygon, holes respected) or how
 * many metres from the polygon's nearest edge. Pure: no database. The distance projects the edges onto a local
 * equirectangular plane around the point (error well under 1 % within a few kilometres, which is all a
 * tolerance of up to 2 km needs); turf's own distance packages are not among the dependencies.
 */

export interface LngLat {
  lng: number;
  lat: number;
}

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;

/** 0 inside the polygon (or on its edge), else the distance in metres to the nearest edge. */
export function distanceToGridM(p: LngLat, geometry: Polygon | MultiPolygon): number {
  if (booleanPointInPolygon([p.lng, p.lat], geometry)) return 0;
  const kx = EARTH_RADIUS_M * rad(1) * Math.cos(rad(p.lat));
  const ky = EARTH_RADIUS_M * rad(1);
  const xy = (c: Position): [number, number] => [(c[0]! - p.lng) * kx, (c[1]! - p.lat) * ky];
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let best = Number.POSITIVE_INFINITY;
  for (const poly of polygons) {
    for (const ring of poly) {
      for (let i = 1; i < ring.length; i++) {
        best = Math.min(best, segmentDistance(xy(ring[i - 1]!), xy(ring[i]!)));
      }
    }
  }
  return best;
}

/** Distance from the origin to the segment a–b on the plane. */
function segmentDistance(a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(a[0] * dx + a[1] * dy) / len2));
  return Math.hypot(a[0] + t * dx, a[1] + t * dy);
}

/** A point `north` and `east` metres from `p` (flat offsets; for tests and the demo seed). */
export function offsetPoint(p: LngLat, north: number, east: number): LngLat {
  const m = EARTH_RADIUS_M * rad(1);
  return { lat: p.lat + north / m, lng: p.lng + east / (m * Math.cos(rad(p.lat))) };
}

// ---------------------------------------------------------------------------------------------------------
// Periods, on China time (UTC+8, no daylight saving).

const CST_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** The China-time calendar day of an instant, 'YYYY-MM-DD'. */
export function cstDay(at: Date): string {
  return new Date(at.getTime() + CST_MS).toISOString().slice(0, 10);
}

/** 'YYYY-MM-DD' + n days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The Monday of the (Monday-to-Sunday) week holding `day`. */
export function weekStart(day: string): string {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((dow + 6) % 7));
}

export type Period = 'day' | 'week';

/** The start of the period holding `day`. */
export function periodStart(period: Period, day: string): string {
  return period === 'week' ? weekStart(day) : day;
}

/** Every period start whose period overlaps [from, to] (days, inclusive). */
export function periodStarts(period: Period, from: string, to: string): string[] {
  if (from > to) return [];
  const out: string[] = [];
  const step = period === 'week' ? 7 : 1;
  for (let d = periodStart(period, from); d <= to; d = addDays(d, step)) out.push(d);
  return out;
}

/** Days from `from` to `to` inclusive. */
export function daysBetween(from: string, to: string): string[] {
  return periodStarts('day', from, to);
}

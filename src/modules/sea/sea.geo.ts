import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import kinks from '@turf/kinks';
import lineIntersect from '@turf/line-intersect';
import type { Feature, LineString, Polygon, Position } from 'geojson';
import { AppError } from '../../core/errors.ts';

/**
 * The sea module's geometry: validation of the polygons an administrator imports or draws, and the tests the
 * rules make per position (point in polygon, a segment across a channel). Pure functions: the feed calls them
 * ~1,000 times a second, so every polygon carries its bounding box and is skipped when it cannot be touched.
 */

export type Ring = [number, number][];

export interface Shape {
  id: string;
  name: string;
  kind: 'channel' | 'corridor' | 'zone' | 'port';
  feature: Feature<Polygon>;
  bbox: [number, number, number, number];
}

/** The waters the platform watches (off Zhejiang and beyond): coordinates outside are refused. */
export const SEA_BOUNDS = { minLng: 73, maxLng: 136, minLat: 3, maxLat: 54 } as const;

export function validLngLat(lng: unknown, lat: unknown): boolean {
  return (
    typeof lng === 'number' &&
    typeof lat === 'number' &&
    Number.isFinite(lng) &&
    Number.isFinite(lat) &&
    lng >= -180 &&
    lng <= 180 &&
    lat >= -90 &&
    lat <= 90
  );
}

function geometryError(code: string, zh: string, en: string, path = 'coordinates'): AppError {
  return new AppError('GEOMETRY_INVALID', `${zh} / ${en}`, [{ path, code, message: en }]);
}

/**
 * Checks a polygon (GeoJSON Polygon coordinates, or a GeoJSON Feature/Polygon object) and returns its outer
 * ring, closed. Typed errors: GEOMETRY_INVALID with detail code NOT_A_POLYGON, TOO_FEW_POINTS, OUT_OF_RANGE,
 * SELF_INTERSECTING.
 */
export function parsePolygon(input: unknown): Ring {
  let coords: unknown = input;
  if (coords && typeof coords === 'object' && !Array.isArray(coords)) {
    const o = coords as { type?: string; geometry?: unknown; coordinates?: unknown; features?: unknown[] };
    if (o.type === 'FeatureCollection' && Array.isArray(o.features) && o.features.length === 1)
      coords = o.features[0];
    const f = coords as { type?: string; geometry?: unknown; coordinates?: unknown };
    if (f.type === 'Feature') coords = f.geometry;
    const g = coords as { type?: string; coordinates?: unknown };
    if (g?.type !== 'Polygon')
      throw geometryError('NOT_A_POLYGON', '几何须为多边形（Polygon）', 'The geometry must be a Polygon');
    coords = g.coordinates;
  }
  if (!Array.isArray(coords) || !Array.isArray(coords[0]))
    throw geometryError('NOT_A_POLYGON', '几何须为多边形坐标', 'Polygon coordinates expected');
  const ring0 = coords[0] as unknown[];
  const ring: Ring = [];
  for (const [i, p] of ring0.entries()) {
    if (!Array.isArray(p) || !validLngLat(p[0], p[1]))
      throw geometryError(
        'OUT_OF_RANGE',
        `第 ${i + 1} 个坐标无效或超出范围`,
        `Vertex ${i + 1} is invalid or out of range`,
      );
    const [lng, lat] = p as [number, number];
    if (
      lng < SEA_BOUNDS.minLng ||
      lng > SEA_BOUNDS.maxLng ||
      lat < SEA_BOUNDS.minLat ||
      lat > SEA_BOUNDS.maxLat
    )
      throw geometryError(
        'OUT_OF_RANGE',
        `第 ${i + 1} 个坐标超出监管海域范围`,
        `Vertex ${i + 1} is outside the waters watched`,
      );
    ring.push([lng, lat]);
  }
  const first = ring[0];
  const last = ring.at(-1);
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) ring.push([first[0], first[1]]);
  if (ring.length < 4)
    throw geometryError('TOO_FEW_POINTS', '多边形至少需要 3 个顶点', 'A polygon needs at least 3 vertices');
  if (ring.length > 2001)
    throw geometryError('TOO_MANY_POINTS', '多边形顶点不得超过 2000 个', 'At most 2000 vertices');
  const k = kinks({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } });
  if (k.features.length > 0) {
    const at = k.features[0]!.geometry.coordinates;
    throw geometryError(
      'SELF_INTERSECTING',
      `多边形自相交（约在 ${at[0]!.toFixed(5)}, ${at[1]!.toFixed(5)}）`,
      `The polygon intersects itself (near ${at[0]!.toFixed(5)}, ${at[1]!.toFixed(5)})`,
    );
  }
  return ring;
}

export function bboxOf(ring: Ring): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of ring) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return [minX, minY, maxX, maxY];
}

export function toShape(id: string, name: string, kind: Shape['kind'], ring: Ring): Shape {
  return {
    id,
    name,
    kind,
    feature: { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } },
    bbox: bboxOf(ring),
  };
}

function inBox(b: Shape['bbox'], p: Position): boolean {
  return p[0]! >= b[0] && p[0]! <= b[2] && p[1]! >= b[1] && p[1]! <= b[3];
}

function segmentTouchesBox(b: Shape['bbox'], a: Position, c: Position): boolean {
  return !(
    Math.max(a[0]!, c[0]!) < b[0] ||
    Math.min(a[0]!, c[0]!) > b[2] ||
    Math.max(a[1]!, c[1]!) < b[1] ||
    Math.min(a[1]!, c[1]!) > b[3]
  );
}

export function pointIn(shape: Shape, p: Position): boolean {
  return inBox(shape.bbox, p) && booleanPointInPolygon(p, shape.feature);
}

/** The first shape that holds the point, if any. */
export function firstContaining(shapes: Shape[], p: Position): Shape | undefined {
  for (const s of shapes) if (pointIn(s, p)) return s;
  return undefined;
}

/**
 * 斑马线 rule: the stretch of the segment a → b that lies in a channel must lie in a corridor. The points
 * tested are the segment's ends inside a channel and where it crosses a channel's edge (@turf/line-intersect):
 * a corridor spans its channel with a margin, so a crossing inside the corridor has all of them inside it.
 * Returns the channel crossed outside a corridor and the point where, or null.
 */
export function channelBreach(
  channels: Shape[],
  corridors: Shape[],
  a: Position,
  b: Position,
): { channel: Shape; at: Position } | null {
  let segment: Feature<LineString> | null = null;
  for (const ch of channels) {
    if (!segmentTouchesBox(ch.bbox, a, b)) continue;
    const points: Position[] = [];
    if (pointIn(ch, a)) points.push(a);
    if (pointIn(ch, b)) points.push(b);
    segment ??= { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [a, b] } };
    for (const f of lineIntersect(segment, ch.feature).features) points.push(f.geometry.coordinates);
    for (const p of points) {
      if (!corridors.some((c) => pointIn(c, p))) return { channel: ch, at: p };
    }
  }
  return null;
}

const R_KM = 6371.0088;
/** Great-circle distance in kilometres. */
export function distanceKm(a: Position, b: Position): number {
  const toRad = Math.PI / 180;
  const dLat = (b[1]! - a[1]!) * toRad;
  const dLng = (b[0]! - a[0]!) * toRad;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a[1]! * toRad) * Math.cos(b[1]! * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * R_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

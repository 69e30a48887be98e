import {
  cellToBoundary,
  cellToLatLng,
  getHexagonAreaAvg,
  getHexagonEdgeLengthAvg,
  POLYGON_TO_CELLS_FLAGS,
  polygonToCellsExperimental,
  UNITS,
} from 'h3-js';
import { gcj02ToWgs84, wgs84ToGcj02 } from '../../core/areas/crs.ts';
import { AppError } from '../../core/errors.ts';

/**
 * The map's geometry, all pure: the view's bounding box (parsed, checked, converted from GCJ-02, snapped),
 * the zoom → h3 resolution table, and the plan of an aggregate — which stored cell column to group on and
 * which cells to scan. Everything stored is WGS-84; GCJ-02 is converted in src/core/areas/crs.ts only.
 */

export type Bbox = [minLng: number, minLat: number, maxLng: number, maxLat: number];
export type Crs = 'wgs84' | 'gcj02';

/** Roughly China's extent (with its seas): a view entirely outside it is refused, one across it clipped. */
export const CHINA: Bbox = [73, 3, 136, 54];
/** The largest view accepted, in degrees each way (about a province). */
export const MAX_SPAN_DEG = 20;

/**
 * Zoom → the h3 resolution of the hexagons (cell edge ≈ 9.9 km at 5, 3.7 km at 6, 1.4 km at 7, 530 m at 8,
 * 200 m at 9), so that a hexagon stays some 20–60 screen pixels across:
 *
 * | zoom | resolution | stored column grouped on | rolled up with h3_parent |
 * |---|---|---|---|
 * | ≤ 8 | 5 | h3_r5 | no |
 * | 9–10 | 6 | h3_r7 | 7 → 6 |
 * | 11–12 | 7 | h3_r7 | no |
 * | 13 | 8 | h3 (res 9) | 9 → 8 |
 * | ≥ pointZoom (14) | points, or 9 when over maxPoints | h3 | no |
 */
export function resolutionForZoom(zoom: number): number {
  const z = Math.floor(zoom);
  if (z <= 8) return 5;
  if (z <= 10) return 6;
  if (z <= 12) return 7;
  if (z === 13) return 8;
  return 9;
}

/** The stored column a resolution is grouped on: the nearest stored resolution at or below it (finer). */
export function storedFor(res: number): { column: 'h3_r5' | 'h3_r7' | 'h3'; res: 5 | 7 | 9 } {
  if (res <= 5) return { column: 'h3_r5', res: 5 };
  if (res <= 7) return { column: 'h3_r7', res: 7 };
  return { column: 'h3', res: 9 };
}

/** At most this many hexagons may cover a view: a finer resolution would be coarsened to stay under it. */
export const MAX_VIEW_CELLS = 4000;

const bad = (message: string, detail: string) =>
  new AppError('INVALID_BBOX', message, [{ path: 'bbox', code: 'INVALID_BBOX', message: detail }]);

/**
 * Parses `minLng,minLat,maxLng,maxLat` and refuses what no map view sends: not four numbers, out of range,
 * inverted or empty, larger than 20° either way, entirely outside China. A view across China's edge is
 * clipped to it. The box is in `crs`; the result is WGS-84.
 */
export function parseBbox(text: string, crs: Crs): Bbox {
  const parts = text.split(',');
  if (parts.length !== 4 || parts.some((p) => p.trim() === '' || !Number.isFinite(Number(p)))) {
    throw bad(
      '范围（bbox）应为四个数：最小经度,最小纬度,最大经度,最大纬度 / bbox must be four numbers: minLng,minLat,maxLng,maxLat',
      'expected four numbers',
    );
  }
  const [minLng, minLat, maxLng, maxLat] = parts.map(Number) as Bbox;
  if (minLng < -180 || maxLng > 180 || minLat < -90 || maxLat > 90) {
    throw bad(
      '经纬度超出范围 / Longitude or latitude out of range',
      'lng must be in -180…180, lat in -90…90',
    );
  }
  if (minLng >= maxLng || minLat >= maxLat) {
    throw bad('范围的最小值须小于最大值 / bbox is inverted or empty (min must be below max)', 'inverted');
  }
  if (maxLng - minLng > MAX_SPAN_DEG || maxLat - minLat > MAX_SPAN_DEG) {
    throw new AppError(
      'BBOX_TOO_LARGE',
      `范围过大（每边最多 ${MAX_SPAN_DEG}°），请放大地图 / The view is too large (at most ${MAX_SPAN_DEG}° each way): zoom in`,
      [{ path: 'bbox', code: 'BBOX_TOO_LARGE', message: `at most ${MAX_SPAN_DEG} degrees each way` }],
    );
  }
  if (maxLng < CHINA[0] || minLng > CHINA[2] || maxLat < CHINA[1] || minLat > CHINA[3]) {
    throw new AppError('BBOX_OUTSIDE_CHINA', '范围不在中国境内 / The view lies outside China', [
      { path: 'bbox', code: 'BBOX_OUTSIDE_CHINA', message: `expected within ${CHINA.join(',')}` },
    ]);
  }
  const clipped: Bbox = [
    Math.max(minLng, CHINA[0]),
    Math.max(minLat, CHINA[1]),
    Math.min(maxLng, CHINA[2]),
    Math.min(maxLat, CHINA[3]),
  ];
  return crs === 'gcj02' ? bboxToWgs84(clipped) : clipped;
}

/** A GCJ-02 box to WGS-84: the shift is a few hundred metres and nearly uniform over a view, so two corners do. */
function bboxToWgs84(b: Bbox): Bbox {
  const [x1, y1] = gcj02ToWgs84<[number, number]>([b[0], b[1]]);
  const [x2, y2] = gcj02ToWgs84<[number, number]>([b[2], b[3]]);
  return [x1, y1, x2, y2];
}

/** A WGS-84 position for the answer, in the caller's crs, rounded to 6 decimals (≈ 0.1 m). */
export function toCrs(lng: number, lat: number, crs: Crs): [number, number] {
  const [x, y] = crs === 'gcj02' ? wgs84ToGcj02<[number, number]>([lng, lat]) : [lng, lat];
  return [round6(x), round6(y)];
}

export const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * Snaps a box outward to a grid of a quarter map tile at the zoom, so that views a few pixels apart share
 * one cached answer. The answer then covers a little more than the view, which the client simply clips.
 */
export function snapBbox(b: Bbox, zoom: number): Bbox {
  const step = 360 / 2 ** (Math.floor(zoom) + 2);
  const down = (v: number) => Math.floor(v / step) * step;
  const up = (v: number) => Math.ceil(v / step) * step;
  return [down(b[0]), down(b[1]), up(b[2]), up(b[3])].map(round6) as Bbox;
}

export function intersect(a: Bbox, b: Bbox): Bbox | null {
  const r: Bbox = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return r[0] < r[2] && r[1] < r[3] ? r : null;
}

export function contains(outer: Bbox, inner: Bbox): boolean {
  return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
}

/** A box grown by `km` on every side (degrees of longitude shrink with the cosine of the latitude). */
export function grow(b: Bbox, km: number): Bbox {
  const dLat = km / 110.574;
  const dLng = km / (111.32 * Math.cos((((b[1] + b[3]) / 2) * Math.PI) / 180));
  return [b[0] - dLng, b[1] - dLat, b[2] + dLng, b[3] + dLat];
}

/** Area of a box in km² (small boxes: a flat approximation is plenty for choosing a resolution). */
export function areaKm2(b: Bbox): number {
  const midLat = ((b[1] + b[3]) / 2) * (Math.PI / 180);
  return (b[2] - b[0]) * 111.32 * Math.cos(midLat) * ((b[3] - b[1]) * 110.574);
}

/** Every cell of `res` that overlaps the box (not only those whose centre is inside). */
export function coveringCells(b: Bbox, res: number): string[] {
  const ring = [
    [b[0], b[1]],
    [b[2], b[1]],
    [b[2], b[3]],
    [b[0], b[3]],
    [b[0], b[1]],
  ];
  return polygonToCellsExperimental(ring, res, POLYGON_TO_CELLS_FLAGS.containmentOverlapping, true);
}

/** What an aggregate scans and groups on, worked out from the view; the SQL follows it (map.service.ts). */
export interface CellPlan {
  /** The resolution of the hexagons answered. */
  res: number;
  /** The stored column grouped on (`h3_r5`, `h3_r7` or `h3`) and its resolution. */
  column: 'h3_r5' | 'h3_r7' | 'h3';
  storedRes: 5 | 7 | 9;
  /** Res-5 cells to scan (`h3_r5 = any(…)`), or null when the view holds the whole scope: scan it all. */
  r5: string[] | null;
  /** Res-7 cells to scan as well, for the fine resolutions (8, 9, points), where res 5 would scan too much. */
  r7: string[] | null;
  /** The view (WGS-84) grown by one hexagon: cells whose centre lies outside it are dropped from the answer. */
  keep: Bbox;
}

/**
 * How far a point may lie outside the hexagon of its res-5 (res-7) ancestor: h3 parents are by index, not
 * by geometry, and a child sticks out of its parent a little. Measured over 200,000 random points around
 * Wenzhou (ancestor through res 9 vs the point's own cell): at most 1.33 km (0.17 km), so the coarse cells
 * to scan are taken over the view grown by these margins.
 */
const STICK_OUT_KM = { 5: 1.5, 7: 0.25 } as const;

/**
 * The plan for a view: the zoom's resolution, coarsened while more than MAX_VIEW_CELLS hexagons would cover
 * the view (a client sending a large box with a high zoom); the stored column at or below it; and the
 * coarse cells to scan. A hexagon's rows all share one res-5 (and one res-7) ancestor, so scanning whole
 * ancestors counts every answered hexagon completely: a hexagon never shows a partial count at the edge of
 * the view.
 */
export function planCells(view: Bbox, scope: Bbox | null, zoom: number, fixedRes?: number): CellPlan {
  let res = fixedRes ?? resolutionForZoom(zoom);
  while (res > 5 && areaKm2(view) / getHexagonAreaAvg(res, UNITS.km2) > MAX_VIEW_CELLS) res--;
  const stored = storedFor(res);
  const keep = grow(view, getHexagonEdgeLengthAvg(res, UNITS.km));
  const scan5 = grow(keep, STICK_OUT_KM[5]);
  const whole = scope !== null && contains(scan5, scope);
  return {
    res,
    column: stored.column,
    storedRes: stored.res,
    r5: whole ? null : coveringCells(scan5, 5),
    r7: res >= 8 ? coveringCells(grow(keep, STICK_OUT_KM[7]), 7) : null,
    keep,
  };
}

/** Whether a hexagon of the answer belongs to the view: its centre within the view grown by one hexagon. */
export function inKeep(keep: Bbox, lng: number, lat: number): boolean {
  return lng >= keep[0] && lng <= keep[2] && lat >= keep[1] && lat <= keep[3];
}

/** A hexagon's centre [lng, lat] (WGS-84). */
export function cellCentre(cell: string): [number, number] {
  const [lat, lng] = cellToLatLng(cell);
  return [lng, lat];
}

/** A hexagon's outline as a closed ring [lng, lat][], in the caller's crs (sent when crs=gcj02). */
export function cellRing(cell: string, crs: Crs): [number, number][] {
  const ring = cellToBoundary(cell, true) as [number, number][];
  return ring.map(([lng, lat]) => toCrs(lng, lat, crs));
}

/**
 * The zoom from which a box of `spanDeg` degrees fits a 1920-pixel-wide screen: what a refusal tells the
 * client to zoom in to.
 */
export function zoomForSpan(spanDeg: number): number {
  return Math.ceil(Math.log2((360 * 1920) / 256 / spanDeg));
}

/** A zoom that shows the box on a 1280 × 800 screen, for the map's first view. */
export function zoomToFit(b: Bbox): number {
  const w = Math.max(b[2] - b[0], 1e-6);
  const h = Math.max(b[3] - b[1], 1e-6);
  const midLat = ((b[1] + b[3]) / 2) * (Math.PI / 180);
  const zx = Math.log2((1280 * 360) / 256 / w);
  const zy = Math.log2((800 * 360 * Math.cos(midLat)) / 256 / h);
  return Math.max(3, Math.min(18, Math.floor(Math.min(zx, zy))));
}

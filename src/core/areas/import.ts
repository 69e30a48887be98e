import type { Feature, FeatureCollection, Position } from 'geojson';
import { type Actor, assertCan, inScope } from '../access/actor.ts';
import { audit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import { AppError, type ErrorDetail } from '../errors.ts';
import { type AreaGeometry, type AreaInput, type AreaLevel, bboxOf, upsertAreas } from './areas.service.ts';
import { gcj02ToWgs84 } from './crs.ts';

export interface ImportOptions {
  /** The coordinate system of the file; everything is stored as WGS-84. */
  crs: 'wgs84' | 'gcj02';
}

export interface ImportReport {
  total: number;
  imported: number;
  created: number;
  updated: number;
  errors: ErrorDetail[];
}

const MAX_FEATURES = 50_000;
const MAX_VERTICES = 200_000;

function validPosition(p: Position): boolean {
  return (
    p.length >= 2 &&
    Number.isFinite(p[0]) &&
    Number.isFinite(p[1]) &&
    p[0]! >= 73 &&
    p[0]! <= 136 &&
    p[1]! >= 3 &&
    p[1]! <= 54
  );
}

/** Checks a geometry's shape; returns why it is unusable, or null. */
function geometryProblem(g: unknown): string | null {
  if (!g || typeof g !== 'object') return 'geometry missing';
  const geom = g as { type?: unknown; coordinates?: unknown };
  if (geom.type !== 'Polygon' && geom.type !== 'MultiPolygon')
    return `geometry type must be Polygon or MultiPolygon, not ${String(geom.type)}`;
  const polys = (geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates) as Position[][][];
  if (!Array.isArray(polys) || polys.length === 0) return 'no coordinates';
  let vertices = 0;
  for (const poly of polys) {
    if (!Array.isArray(poly) || poly.length === 0) return 'empty polygon';
    for (const ring of poly) {
      if (!Array.isArray(ring) || ring.length < 4) return 'a ring needs at least 4 positions';
      const [a, b] = [ring[0]!, ring[ring.length - 1]!];
      if (a[0] !== b[0] || a[1] !== b[1]) return 'ring not closed';
      if (!ring.every(validPosition)) return 'coordinates outside China (expected lng 73–136, lat 3–54)';
      vertices += ring.length;
    }
  }
  if (vertices > MAX_VERTICES) return `too many vertices (${vertices} > ${MAX_VERTICES})`;
  return null;
}

function centerOf(bbox: [number, number, number, number]): [number, number] {
  return [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2];
}

type Known = Map<string, { code: string; level: number; name: string; parent_code: string | null }>;

/** One feature → the area it describes, or the reason it cannot be used. */
function parseFeature(f: Feature, existing: Known, actor: Actor, opts: ImportOptions): AreaInput | string {
  const p = (f?.properties ?? {}) as Record<string, unknown>;
  const code = typeof p.code === 'string' ? p.code.trim() : '';
  if (!/^\d{12}(\d{3})?$/.test(code))
    return 'properties.code must be a 12-digit area code or a 15-digit grid code';
  const problem = geometryProblem(f?.geometry);
  if (problem) return `${code}: ${problem}`;
  const known = existing.get(code);
  const parentCode = known?.parent_code ?? (typeof p.parentCode === 'string' ? p.parentCode : null);
  const parent = parentCode ? existing.get(parentCode) : undefined;
  const name = typeof p.name === 'string' && p.name.trim() ? p.name.trim().slice(0, 100) : known?.name;
  if (!known && (!parent || !name)) return `${code}: a new area needs name and an existing parentCode`;
  if (!inScope(actor, code)) return `${code}: outside your scope`;
  const level = (known?.level ?? parent!.level + 1) as AreaLevel;
  if (level > 5) return `${code}: below grid level`;
  const geometry =
    opts.crs === 'gcj02' ? gcj02ToWgs84(f.geometry as AreaGeometry) : (f.geometry as AreaGeometry);
  const bbox = bboxOf(geometry);
  return {
    code,
    parentCode,
    level,
    name: name!,
    geometry,
    geometrySource: 'import',
    bbox,
    center: centerOf(bbox),
  };
}

/**
 * Loads a deployment's own boundaries (e.g. the real grids drawn by the town) from GeoJSON. Each feature
 * needs `properties.code`; a new code also needs `name` and `parentCode` (an existing area). Valid features
 * land together in the caller's transaction; each bad one is reported with its index and reason.
 */
export async function importAreasGeojson(
  tx: DbOrTx,
  actor: Actor,
  input: unknown,
  opts: ImportOptions,
): Promise<ImportReport> {
  assertCan(actor, 'area:import');
  const fc = input as FeatureCollection;
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw new AppError(
      'IMPORT_INVALID',
      '文件不是 GeoJSON FeatureCollection / The file is not a GeoJSON FeatureCollection',
    );
  }
  if (fc.features.length > MAX_FEATURES) {
    throw new AppError(
      'IMPORT_INVALID',
      `要素过多（上限 ${MAX_FEATURES}）/ Too many features (max ${MAX_FEATURES})`,
    );
  }
  const existing = new Map(
    (await tx.selectFrom('areas').select(['code', 'level', 'name', 'parent_code']).execute()).map((r) => [
      r.code,
      r,
    ]),
  );
  const errors: ErrorDetail[] = [];
  const good: AreaInput[] = [];
  let created = 0;
  for (const [i, f] of fc.features.entries()) {
    const r = parseFeature(f, existing, actor, opts);
    if (typeof r === 'string') {
      errors.push({ row: i + 1, message: r });
      continue;
    }
    good.push(r);
    if (!existing.has(r.code)) {
      created++;
      existing.set(r.code, { code: r.code, level: r.level, name: r.name, parent_code: r.parentCode });
    }
  }
  // Parents before children, so that new grids under new villages in one file land.
  good.sort((a, b) => a.level - b.level || a.code.localeCompare(b.code));
  await upsertAreas(tx, good);
  await audit(tx, actor, {
    action: 'area.import',
    entityType: 'area',
    newValues: {
      total: fc.features.length,
      imported: good.length,
      created,
      rejected: errors.length,
      codes: good.slice(0, 200).map((a) => a.code),
      crs: opts.crs,
    },
  });
  return {
    total: fc.features.length,
    imported: good.length,
    created,
    updated: good.length - created,
    errors,
  };
}

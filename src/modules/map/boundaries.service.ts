import { sql } from 'kysely';
import { type Actor, assertCan } from '../../core/access/actor.ts';
import { ROLE_NAMES } from '../../core/access/roles.ts';
import { inScopeSql } from '../../core/access/scope.ts';
import { wgs84ToGcj02 } from '../../core/areas/crs.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { MapCache } from './map.cache.ts';
import { type Crs, parseBbox, zoomForSpan } from './map.geo.ts';

/**
 * The offline base of the map: our own boundaries as GeoJSON, for the view. Villages and grids are many
 * (3,685 and 6,548 polygons for Wenzhou, 0.8 and 1.2 MB), so they are served only for views small enough;
 * a larger one is refused with the zoom to use. Grids carry their team (grid workers, display names only).
 */

/** The largest view, in degrees each way, for which a level is served (levels 2 and 3: any view). */
export const MAX_BOUNDARY_SPAN: Record<number, number> = { 4: 1.5, 5: 0.75 };

export interface BoundaryFeature {
  type: 'Feature';
  geometry: unknown;
  properties: {
    code: string;
    name: string;
    level: number;
    source: string | null;
    team?: { name: string; role: string; roleName: { zh: string; en: string } }[];
  };
}

/**
 * The actor's own area and the areas above it: a town worker sees the outline of their county and city
 * around their town, not the other towns' villages or grids.
 */
function ancestorCodes(areaCode: string): string[] {
  const out: string[] = [];
  for (const len of [2, 4, 6, 9, 12]) {
    if (len >= areaCode.length) break;
    out.push(areaCode.slice(0, len).padEnd(12, '0'));
  }
  return out.filter((c) => c !== areaCode);
}

export async function boundaries(
  db: DbOrTx,
  cache: MapCache,
  actor: Actor,
  q: { level: number; bbox: string; crs: Crs },
): Promise<{ type: 'FeatureCollection'; features: BoundaryFeature[]; cachedAt: string | null }> {
  assertCan(actor, 'area:read');
  const b = parseBbox(q.bbox, q.crs);
  const max = MAX_BOUNDARY_SPAN[q.level];
  if (max && (b[2] - b[0] > max || b[3] - b[1] > max)) {
    const zoom = zoomForSpan(max);
    const what = q.level === 5 ? { zh: '网格', en: 'Grid' } : { zh: '村（社区）', en: 'Village' };
    throw new AppError(
      'BBOX_TOO_LARGE',
      `${what.zh}边界请放大到 ${zoom} 级以上查看（范围每边最多 ${max}°）/ ${what.en} boundaries need zoom ${zoom} or more (a view of at most ${max}° each way)`,
      [{ path: 'bbox', code: 'BBOX_TOO_LARGE', message: `zoom ${zoom} or more` }],
    );
  }
  // Views are few and boundaries change rarely: the key is the box as asked, rounded to ~100 m.
  const key = JSON.stringify(['bnd', actor.scopePrefix, q.level, q.crs, b.map((v) => Math.round(v * 1000))]);
  // Grids carry their teams, which change with the users: they expire as fast as the subject layers.
  const kind = q.level === 5 ? 'subjects' : 'boundaries';
  const { value, cachedAt } = await cache.get(key, kind, actor.scopePrefix, async () => {
    // Areas whose box meets the view (areas_bbox_idx), in the actor's scope or above it.
    const rows = await sql<{
      code: string;
      name: string;
      level: number;
      geometry_source: string | null;
      geometry: unknown;
    }>`
      select a.code, a.name, a.level, a.geometry_source, a.geometry
      from areas a
      where a.level = ${q.level} and a.geometry is not null
        and a.min_lng <= ${b[2]} and a.max_lng >= ${b[0]} and a.min_lat <= ${b[3]} and a.max_lat >= ${b[1]}
        and (${inScopeSql(actor, 'a.code')} or a.code = any(${ancestorCodes(actor.areaCode)}::text[]))
      order by a.code`.execute(db);
    const teams = new Map<string, BoundaryFeature['properties']['team'] & object>();
    if (q.level === 5 && rows.rows.length) {
      // The grid's team: enabled users whose area is the grid and who hold the grid worker role.
      const members = await sql<{ area_code: string; display_name: string }>`
        select u.area_code, u.display_name
        from users u
        where u.area_code = any(${rows.rows.map((r) => r.code)}::text[])
          and 'grid_worker' = any(u.roles) and not u.disabled
        order by u.area_code, u.display_name`.execute(db);
      for (const m of members.rows) {
        const list = teams.get(m.area_code) ?? [];
        list.push({ name: m.display_name, role: 'grid_worker', roleName: ROLE_NAMES.grid_worker });
        teams.set(m.area_code, list);
      }
    }
    return rows.rows.map(
      (r): BoundaryFeature => ({
        type: 'Feature',
        geometry: q.crs === 'gcj02' ? wgs84ToGcj02(r.geometry) : r.geometry,
        properties: {
          code: r.code,
          name: r.name,
          level: r.level,
          source: r.geometry_source,
          ...(q.level === 5 ? { team: teams.get(r.code) ?? [] } : {}),
        },
      }),
    );
  });
  return { type: 'FeatureCollection', features: value, cachedAt };
}

import { sql } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import { type Ring, type Shape, toShape } from './sea.geo.ts';
import { type Closure, DEFAULT_PARAMS, type Geometry, SeaParams } from './sea.rules.ts';

/** What the evaluator reads from the database: the active geometry, the closures not lifted, the parameters. */

export async function loadGeometry(db: DbOrTx): Promise<Geometry> {
  const rows = await sql<{ id: string; kind: Shape['kind']; name: string; coordinates: Ring[] }>`
    select id::text as id, kind, name, coordinates from sea_geometries where active order by id`.execute(db);
  const g: Geometry = { channels: [], corridors: [], zones: [], ports: [], closures: [] };
  for (const r of rows.rows) {
    const shape = toShape(r.id, r.name, r.kind, r.coordinates[0]!);
    ({ channel: g.channels, corridor: g.corridors, zone: g.zones, port: g.ports })[r.kind].push(shape);
  }
  const closures = await sql<{
    id: string;
    name: string;
    coordinates: Ring[];
    starts_at: Date;
    ends_at: Date | null;
    lifted_at: Date | null;
  }>`select id::text as id, name, coordinates, starts_at, ends_at, lifted_at from sea_closures
     where lifted_at is null or lifted_at > now() - interval '1 day'`.execute(db);
  for (const c of closures.rows) {
    const ends = [c.ends_at, c.lifted_at].filter((x): x is Date => !!x).map((x) => new Date(x).getTime());
    const closure: Closure = {
      id: c.id,
      name: c.name,
      shape: toShape(`closure-${c.id}`, c.name, 'zone', c.coordinates[0]!),
      startsAt: new Date(c.starts_at).getTime(),
      endsAt: ends.length ? Math.min(...ends) : null,
    };
    g.closures.push(closure);
  }
  return g;
}

export async function loadParams(db: DbOrTx): Promise<SeaParams> {
  const r = await sql<{ params: unknown }>`select params from sea_params where id = 1`.execute(db);
  const parsed = SeaParams.safeParse({ ...DEFAULT_PARAMS, ...((r.rows[0]?.params as object) ?? {}) });
  return parsed.success ? parsed.data : DEFAULT_PARAMS;
}

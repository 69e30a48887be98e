import { sql } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import type { Ring } from '../../modules/sea/sea.geo.ts';
import { mulberry32 } from '../../shared/random.ts';

/**
 * 海上斑马线 demo data: Wenzhou-realistic geometry (the 瓯江口 approach channel and the coastal north–south route
 * with their 斑马线 corridors, restricted zones around 南麂列岛 and the 洞头 anchorage, fishing ports of 洞头,
 * 瑞安, 平阳 and 苍南), the registry rows of the demo's vessels (the kernel seeds them as things of kind vessel;
 * this adds their registry row and more vessels of 瑞安/平阳/苍南), each at its home port, a few port reports, and
 * a lifted typhoon closure order of last summer. The shapes are drawn for the demo from public charts' general
 * layout, not surveyed: do not navigate by them.
 */

const box = (w: number, s: number, e: number, n: number): Ring => [
  [w, s],
  [e, s],
  [e, n],
  [w, n],
  [w, s],
];

export interface SeedShape {
  kind: 'channel' | 'corridor' | 'zone' | 'port';
  name: string;
  areaCode: string;
  ring: Ring;
}

export const DONGTOU = '330305000000';
export const RUIAN = '330381000000';
export const PINGYANG = '330326000000';
export const CANGNAN = '330327000000';

/** 瓯江口 approach: from the river mouth east past 洞头 (a slanted strip ~1 km wide). */
export const OUJIANG_CHANNEL: Ring = [
  [120.98, 27.955],
  [121.3, 27.925],
  [121.3, 27.936],
  [120.98, 27.966],
  [120.98, 27.955],
];
/** The coastal north–south route east of 洞头 and 北麂 (~2 km wide). */
export const COASTAL_CHANNEL: Ring = box(121.35, 27.4, 121.37, 28.1);

export const SEA_SHAPES: SeedShape[] = [
  { kind: 'channel', name: '瓯江口进港航道', areaCode: DONGTOU, ring: OUJIANG_CHANNEL },
  { kind: 'channel', name: '沿海南北航路（洞头—北麂段）', areaCode: DONGTOU, ring: COASTAL_CHANNEL },
  { kind: 'corridor', name: '灵昆斑马线', areaCode: DONGTOU, ring: box(121.08, 27.93, 121.1, 27.98) },
  { kind: 'corridor', name: '洞头北斑马线', areaCode: DONGTOU, ring: box(121.2, 27.915, 121.22, 27.965) },
  { kind: 'corridor', name: '洞头东斑马线', areaCode: DONGTOU, ring: box(121.33, 27.8, 121.39, 27.82) },
  { kind: 'corridor', name: '北麂斑马线', areaCode: RUIAN, ring: box(121.33, 27.55, 121.39, 27.57) },
  {
    kind: 'zone',
    name: '南麂列岛海洋自然保护区核心区',
    areaCode: PINGYANG,
    ring: box(121.03, 27.42, 121.12, 27.5),
  },
  { kind: 'zone', name: '洞头锚地禁入区', areaCode: DONGTOU, ring: box(121.24, 27.74, 121.29, 27.78) },
  { kind: 'port', name: '洞头中心渔港', areaCode: DONGTOU, ring: box(121.13, 27.82, 121.17, 27.85) },
  { kind: 'port', name: '瑞安渔港', areaCode: RUIAN, ring: box(120.68, 27.76, 120.72, 27.79) },
  { kind: 'port', name: '平阳鳌江渔港', areaCode: PINGYANG, ring: box(120.58, 27.58, 120.62, 27.61) },
  { kind: 'port', name: '苍南霞关渔港', areaCode: CANGNAN, ring: box(120.49, 27.15, 120.53, 27.18) },
];

export const HOME_PORTS: Record<string, { port: string; prefix: string }> = {
  [DONGTOU]: { port: '洞头中心渔港', prefix: '浙洞渔' },
  [RUIAN]: { port: '瑞安渔港', prefix: '浙瑞渔' },
  [PINGYANG]: { port: '平阳鳌江渔港', prefix: '浙平渔' },
  [CANGNAN]: { port: '苍南霞关渔港', prefix: '浙苍渔' },
};

export function portRing(port: string): Ring {
  return SEA_SHAPES.find((s) => s.kind === 'port' && s.name === port)!.ring;
}

/** Inserts the demo geometry (once: nothing when some exists). */
export async function seedSeaGeometry(tx: DbOrTx): Promise<number> {
  const have = await sql<{ n: number }>`select count(*)::int as n from sea_geometries`.execute(tx);
  if ((have.rows[0]?.n ?? 0) > 0) return 0;
  for (const s of SEA_SHAPES) {
    await sql`insert into sea_geometries (kind, name, area_code, coordinates)
      values (${s.kind}, ${s.name}, ${s.areaCode}, ${JSON.stringify([s.ring])}::jsonb)`.execute(tx);
  }
  return SEA_SHAPES.length;
}

export async function seedSeaDemo(
  tx: DbOrTx,
  opts: { seed?: number | undefined; vessels: number },
): Promise<{ vessels: number; shapes: number }> {
  const rnd = mulberry32((opts.seed ?? 20261129) ^ 0x5ea);
  const shapes = await seedSeaGeometry(tx);
  // The demo's signal-loss threshold is short, so that a newcomer sees the simulator's silent vessel alert.
  await sql`update sea_params set params = ${JSON.stringify({ signalLostMinutes: 5 })}::jsonb where id = 1`.execute(
    tx,
  );

  // The kernel's vessel things (洞头 grids) get their registry row; numbers made unique.
  const things = await sql<{
    id: string;
    name: string;
    area_code: string;
    attributes: Record<string, unknown>;
  }>`
    select t.id::text as id, t.name, t.area_code, t.attributes from things t
    where t.kind = 'vessel' and not exists (select 1 from sea_vessels v where v.thing_id = t.id) order by t.id`.execute(
    tx,
  );
  const used = new Set(
    (await sql<{ number: string }>`select number from sea_vessels`.execute(tx)).rows.map((r) => r.number),
  );
  const uniqueNumber = (prefix: string) => {
    let n = `${prefix}${String(10000 + Math.floor(rnd() * 89999))}`;
    while (used.has(n)) n = `${prefix}${String(10000 + Math.floor(rnd() * 89999))}`;
    used.add(n);
    return n;
  };
  const enterprises = await sql<{ id: string; county: string }>`
    select id::text as id, substr(area_code, 1, 6) as county from enterprises
    where area_code like '330305%' or area_code like '330381%' or area_code like '330326%' or area_code like '330327%'
    order by id limit 200`.execute(tx);
  const ownerFor = (county: string) => {
    const list = enterprises.rows.filter((e) => e.county === county);
    return list.length && rnd() < 0.6 ? list[Math.floor(rnd() * list.length)]! : null;
  };
  const rows: {
    thingId: string;
    number: string;
    area: string;
    port: string;
    crew: number;
    length: number;
  }[] = [];
  for (const t of things.rows) {
    const number =
      /^浙[\p{Script=Han}]渔\d{5}$/u.test(t.name) && !used.has(t.name) ? t.name : uniqueNumber('浙洞渔');
    used.add(number);
    rows.push({
      thingId: t.id,
      number,
      area: t.area_code,
      port: HOME_PORTS[DONGTOU]!.port,
      crew: Number(t.attributes?.crew ?? 6),
      length: Number(t.attributes?.lengthM ?? 20),
    });
  }
  // More vessels for 瑞安, 平阳, 苍南 (things of kind vessel, then their registry rows).
  const extra = Math.max(0, Math.floor(opts.vessels / 4));
  for (const county of [RUIAN, PINGYANG, CANGNAN]) {
    for (let i = 0; i < extra; i++) {
      const number = uniqueNumber(HOME_PORTS[county]!.prefix);
      const crew = 3 + Math.floor(rnd() * 10);
      const length = 12 + Math.floor(rnd() * 30);
      const r = await sql<{ id: string }>`insert into things (area_code, kind, name, identifier, attributes)
        values (${county}, 'vessel', ${number}, ${number},
          ${JSON.stringify({ homePort: HOME_PORTS[county]!.port, crew, lengthM: length })}::jsonb)
        returning id::text as id`.execute(tx);
      rows.push({
        thingId: r.rows[0]!.id,
        number,
        area: county,
        port: HOME_PORTS[county]!.port,
        crew,
        length,
      });
    }
  }
  const at = Date.now() - 2 * 3_600_000;
  for (const r of rows) {
    const ring = portRing(r.port);
    const lng = ring[0]![0] + 0.005 + rnd() * (ring[1]![0] - ring[0]![0] - 0.01);
    const lat = ring[0]![1] + 0.005 + rnd() * (ring[2]![1] - ring[0]![1] - 0.01);
    const owner = ownerFor(r.area.slice(0, 6));
    await sql`update things set identifier = ${r.number} where id = ${r.thingId}`.execute(tx);
    await sql`insert into sea_vessels (thing_id, number, name, area_code, home_port, owner_type, owner_id, crew_count,
        length_m, last_ts, last_lng, last_lat, last_sog, last_cog, status)
      values (${r.thingId}, ${r.number}, ${`${r.number}号`}, ${r.area}, ${r.port}, ${owner ? 'enterprise' : null},
        ${owner?.id ?? null}, ${r.crew}, ${r.length}, ${new Date(at)}, ${lng}, ${lat}, 0, 0, 'in_port')`.execute(
      tx,
    );
    await sql`insert into sea_positions (vessel_id, ts, lng, lat, sog, cog)
      values (${r.thingId}, ${new Date(at)}, ${lng}, ${lat}, 0, 0)`.execute(tx);
    if (rnd() < 0.3)
      await sql`insert into sea_port_reports (vessel_id, area_code, kind, port, reported_at, crew_on_board,
          destination, created_by_name)
        values (${r.thingId}, ${r.area}, 'entry', ${r.port}, ${new Date(at - 86_400_000)}, ${r.crew}, null,
          '渔港监督')`.execute(tx);
  }
  const closures = await sql<{ n: number }>`select count(*)::int as n from sea_closures`.execute(tx);
  if (!closures.rows[0]?.n) {
    const year = new Date().getUTCFullYear();
    await sql`insert into sea_closures (name, area_code, coordinates, starts_at, ends_at, lifted_at, reason)
      values ('台风“海葵”封港令', '330300000000', ${JSON.stringify([box(120.4, 27.0, 121.8, 28.2)])}::jsonb,
        ${new Date(Date.UTC(year, 8, 3, 0))}, null, ${new Date(Date.UTC(year, 8, 6, 4))},
        '第11号台风，全市渔船回港避风')`.execute(tx);
  }
  return { vessels: rows.length, shapes };
}

/**
 * Map benchmark (issue 7): GET /api/map/aggregate through real HTTP at BENCH_MAP_MATTERS matters, on PGlite
 * and on PostgreSQL, each in a database of its own that it creates and drops (PGlite on disk in a temporary
 * folder, as the platform runs it).
 *
 * Data (untimed): the dispute library of bench/gen-matters.ts — disputes over the last 12 months in the
 * real villages of Wenzhou, here at 25 points per village spread over ±0.01° (≈ 92,000 distinct points),
 * without parties or timeline — plus alerts for 1 % of them at the same places (levels red/orange/yellow,
 * 70 % open); then VACUUM ANALYZE, the state autovacuum leaves a PostgreSQL table in (PGlite has no
 * autovacuum: a deployment on PGlite runs VACUUM itself, see docs/MAP.md).
 *
 * How: the app from buildApp listening on 127.0.0.1 (random port); a 指挥中心 user (commander, city scope) and
 * the 综治中心 of the town with the most matters, signed in over HTTP; requests with node:http and
 * `Accept-Encoding: gzip`, timed from sending to the last byte, one at a time. Two views:
 *   city — the city's box, zoom 8 and 9 alternately, as the commander;
 *   town — the town's box, zoom 12 and 13 alternately, as the town's centre.
 * Each with BENCH_MAP_SAMPLES requests cycling through filters (none; open only; disputes; two states;
 * overdue and open; the last 30 days; the last 90 days and open; the alerts layer; red alerts). Cold: the
 * map's cache cleared before the request (the database's own buffers stay warm, as in a running server);
 * warm: the same request again, answered from the cache. Sizes: the body as sent (gzip) and unzipped.
 * The first request of each view's filters is also run under EXPLAIN (ANALYZE, BUFFERS) and the plans of
 * the city-wide "all matters" and "open" requests are printed.
 *
 * Targets (issue 7, at 1,000,000): p95 ≤ 100 ms on PostgreSQL and ≤ 300 ms on PGlite, answers ≤ 200 KB gzip.
 *
 * Settings: BENCH_ENGINES=pglite,postgres; BENCH_MAP_MATTERS (1,000,000); BENCH_MAP_SAMPLES (50);
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres). Alone: `npx tsx bench/map.ts`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CompiledQuery,
  createQueryId,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { systemActor } from '../src/core/access/actor.ts';
import { createUser } from '../src/core/access/users.service.ts';
import { loadConfig } from '../src/core/config.ts';
import { type Database, openDatabase, UTF8_DB } from '../src/core/db/database.ts';
import { createEventBus } from '../src/core/events/bus.ts';
import { createLocalStore } from '../src/core/files/store.ts';
import { type Kernel, prepareDatabase } from '../src/core/kernel.ts';
import { createVault } from '../src/core/subjects/vault.ts';
import { registerModules } from '../src/modules/index.ts';
import { mapCacheOf } from '../src/modules/map/map.routes.ts';
import { foldMatterCells } from '../src/modules/map/map.service.ts';
import { buildApp } from '../src/server/app.ts';
import { exec, generateLibrary } from './gen-matters.ts';

const engines = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',');
const MATTERS = Number(process.env.BENCH_MAP_MATTERS ?? 1_000_000);
const SAMPLES = Math.max(10, Number(process.env.BENCH_MAP_SAMPLES ?? 50));
const pgAdminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PASSWORD = 'bench-Passw0rd-2026';
const CITY = '330300000000';
const TARGET_P95_MS: Record<string, number> = { postgres: 100, pglite: 300 };
const TARGET_GZIP_KB = 200;

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
/** Nearest-rank percentile of sorted samples. */
const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;

// ---------------------------------------------------------------------------------------------------
// Engines and the kernel

interface Opened {
  database: Database;
  label: string;
  drop: () => Promise<void>;
}

async function openEngine(engine: string): Promise<Opened> {
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 3000 });
    await admin.connect();
    const name = `zhili_bench_map_${process.pid}`;
    try {
      await admin.query(`create database ${name} ${UTF8_DB}`);
      const v = await admin.query<{ v: string; sb: string; wm: string }>(
        `select current_setting('server_version') v, current_setting('shared_buffers') sb, current_setting('work_mem') wm`,
      );
      const u = new URL(pgAdminUrl);
      u.pathname = `/${name}`;
      const { v: version, sb, wm } = v.rows[0]!;
      return {
        database: await openDatabase({ url: u.toString(), poolSize: 10 }),
        label: `PostgreSQL ${version} (local, 127.0.0.1; shared_buffers ${sb}, work_mem ${wm})`,
        drop: async () => {
          await admin.query(`drop database if exists ${name} with (force)`);
          await admin.end();
        },
      };
    } catch (e) {
      await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
      throw e;
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-bench-map-'));
  try {
    return {
      database: await openDatabase({ dataDir: dir }),
      label: `PGlite 0.5.17 (WASM, on disk in ${dir})`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Captures the SQL of the queries the app runs, to EXPLAIN the aggregate's own query afterwards. */
class CaptureQueries implements KyselyPlugin {
  log: RootOperationNode[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.log.push(args.node);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

async function kernelOn(database: Database, capture: CaptureQueries): Promise<Kernel> {
  const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-bench-files-'));
  const config = {
    ...loadConfig({ NODE_ENV: 'test', ZHILI_DATA_DIR: '/nonexistent', ZHILI_FILES_DIR: filesDir }),
    loginMaxPerMinute: 1000,
  };
  const events = await createEventBus(database);
  return {
    database,
    db: database.db.withPlugin(capture),
    vault: createVault(randomBytes(32)),
    config,
    log: pino({ level: 'warn' }),
    events,
    files: createLocalStore(filesDir),
    close: async () => {
      await events.close();
      fs.rmSync(filesDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Data

/** Alerts for 1 % of the disputes, at their places, with a level and a state (70 % open). */
async function generateAlerts(kernel: Kernel): Promise<number> {
  const h = (expr: string, seed: number, mod: number) =>
    `((abs(hashint8extended(${expr}, ${seed}) % 2147483647)) % ${mod})`;
  await exec(
    kernel.db,
    `insert into matters (number, type, category, title, status, closed, area_code, lng, lat, h3, state_entered_at,
       deadline_state, payload, created_at, updated_at, closed_at)
     select 'YJ-B' || m.id, 'alert', 'neighbour_conflict', '预警：' || m.title,
       case when ${h('m.id', 61, 10)} < 7 then (array['raised', 'confirmed', 'handling'])[1 + ${h('m.id', 62, 3)}]
            else 'written_off' end,
       ${h('m.id', 61, 10)} >= 7, m.area_code, m.lng, m.lat, m.h3, m.created_at,
       (array['normal', 'normal', 'warning', 'overdue'])[1 + ${h('m.id', 63, 4)}],
       jsonb_build_object('level', (array['red', 'orange', 'orange', 'yellow', 'yellow', 'yellow'])[1 + ${h('m.id', 64, 6)}]),
       m.created_at, m.created_at, case when ${h('m.id', 61, 10)} >= 7 then m.created_at + interval '2 days' end
     from matters m where m.type = 'dispute' and m.id % 100 = 0`,
  );
  const r = await sql<{ n: string }>`select count(*)::text as n from matters where type = 'alert'`.execute(
    kernel.db,
  );
  return Number(r.rows[0]!.n);
}

// ---------------------------------------------------------------------------------------------------
// HTTP

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Got {
  ms: number;
  status: number;
  wire: number;
  raw: number;
  body: { mode: string; cells?: unknown[]; points?: unknown[]; total: number; cachedAt: string | null };
}

/** One GET with Accept-Encoding gzip, timed from sending to the last byte. */
function fetchGzip(base: URL, pathAndQuery: string, cookie: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(
      {
        host: base.hostname,
        port: base.port,
        path: pathAndQuery,
        agent,
        headers: { cookie, 'accept-encoding': 'gzip' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - t0;
          const wire = Buffer.concat(chunks);
          const text = res.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
          resolve({
            ms,
            status: res.statusCode ?? 0,
            wire: wire.length,
            raw: text.length,
            body: JSON.parse(text.toString()),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

async function signIn(base: URL, username: string): Promise<string> {
  const res = await fetch(new URL('/api/auth/login', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')?.match(/zhili_session=[^;]+/)?.[0];
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

// ---------------------------------------------------------------------------------------------------
// The run

const FILTERS: [string, string][] = [
  ['all matters', 'layer=matters'],
  ['open', 'layer=matters&open=true'],
  ['disputes', 'layer=matters&types=dispute'],
  ['two states', 'layer=matters&statuses=resolving,assessing'],
  ['overdue, open', 'layer=matters&open=true&deadline=overdue'],
  ['last 30 days', 'layer=matters&from=@30'],
  ['last 90 days, open', 'layer=matters&from=@90&open=true'],
  ['alerts', 'layer=alerts'],
  ['red alerts', 'layer=alerts&levels=red'],
];

interface ViewResult {
  view: string;
  cold: number[];
  warm: number[];
  wire: number[];
  raw: number[];
  modes: Set<string>;
  items: number[];
  bad: number;
  /** Cold times per filter. */
  byFilter: Map<string, number[]>;
}

async function phase(engine: string, opened: Opened) {
  const { database, label } = opened;
  const g0 = performance.now();
  await prepareDatabase(database);
  const capture = new CaptureQueries();
  const kernel = await kernelOn(database, capture);
  const app = await buildApp(kernel);
  try {
    const sizes = await generateLibrary(
      database.db,
      MATTERS,
      new Date(),
      (s) =>
        process.stderr.write(
          `\r  generating on ${engine}: ${s}, ${fmt((performance.now() - g0) / 1000)} s      `,
        ),
      { placesPerVillage: 25, spreadDeg: 0.02, history: false },
    );
    const alerts = await generateAlerts(kernel);
    // The roll-up's triggers wrote the generation's deltas; the leader folds them every minute.
    process.stderr.write(`\r  ${engine}: folding the roll-up…                                         `);
    const f0 = performance.now();
    const folded = await foldMatterCells(database.db);
    const foldS = (performance.now() - f0) / 1000;
    const rollupRows = Number(
      (await sql<{ n: string }>`select count(*)::text as n from matter_cell_counts`.execute(database.db))
        .rows[0]!.n,
    );
    process.stderr.write(`\r  ${engine}: vacuum analyze…                                              `);
    await exec(database.db, 'vacuum analyze');
    process.stderr.write('\n');
    const genS = (performance.now() - g0) / 1000;

    // The commander (city) and the centre of the town with the most matters.
    const top = await sql<{ town: string; n: string; name: string }>`
      select substr(m.area_code, 1, 9) || '000' as town, count(*)::text as n, a.name
      from matters m join areas a on a.code = substr(m.area_code, 1, 9) || '000'
      group by 1, a.name order by count(*) desc limit 1`.execute(database.db);
    const town = top.rows[0]!;
    const boxes = await sql<{ code: string; b: [number, number, number, number] }>`
      select code, array[min_lng, min_lat, max_lng, max_lat] as b from areas where code in (${CITY}, ${town.town})`.execute(
      database.db,
    );
    const boxOf = (code: string) =>
      boxes.rows
        .find((r) => r.code === code)!
        .b.map((v) => v.toFixed(4))
        .join(',');
    const admin = systemActor('bench');
    await database.db.transaction().execute(async (tx) => {
      await createUser(tx, admin, {
        username: 'bench_commander',
        displayName: '指挥中心',
        password: PASSWORD,
        roles: ['commander'],
        areaCode: CITY,
      });
      await createUser(tx, admin, {
        username: 'bench_town',
        displayName: '镇街综治中心',
        password: PASSWORD,
        roles: ['town_center'],
        areaCode: town.town,
        departmentCode: 'zongzhi',
      });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = new URL(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    const cookies = { city: await signIn(base, 'bench_commander'), town: await signIn(base, 'bench_town') };
    const cache = mapCacheOf(kernel)!;
    const day = 86_400_000;
    const at = (q: string) =>
      q
        .replace('@30', encodeURIComponent(new Date(Date.now() - 30 * day).toISOString()))
        .replace('@90', encodeURIComponent(new Date(Date.now() - 90 * day).toISOString()));

    console.log(
      `\n[map] ${label}\n` +
        `  data (generated with SQL, untimed, ${fmt(genS)} s incl. VACUUM ANALYZE): ${fmt(sizes.matters)} disputes + ` +
        `${fmt(alerts)} alerts over 12 months in ${fmt(sizes.villages)} villages (25 points each); ` +
        `town view: ${town.name} ${town.town} (${fmt(Number(town.n))} matters)\n` +
        `  roll-up: ${fmt(rollupRows)} count rows (fold of ${fmt(folded)} delta rows: ${fmt(foldS)} s); ` +
        'answers views with no time window at res ≤ 7 for a town scope or wider (docs/MAP.md)',
    );

    const views = [
      { view: 'city', who: 'city' as const, bbox: boxOf(CITY), zooms: [8, 9] },
      { view: 'town', who: 'town' as const, bbox: boxOf(town.town), zooms: [12, 13] },
    ];
    const results: ViewResult[] = [];
    for (const v of views) {
      const r: ViewResult = {
        view: v.view,
        cold: [],
        warm: [],
        wire: [],
        raw: [],
        modes: new Set(),
        items: [],
        bad: 0,
        byFilter: new Map(),
      };
      for (let i = 0; i < SAMPLES; i++) {
        const [name, filter] = FILTERS[i % FILTERS.length]!;
        const zoom = v.zooms[Math.floor(i / FILTERS.length) % v.zooms.length]!;
        const url = `/api/map/aggregate?${at(filter)}&bbox=${v.bbox}&zoom=${zoom}`;
        cache.clear();
        capture.log = [];
        const cold = await fetchGzip(base, url, cookies[v.who]);
        const warm = await fetchGzip(base, url, cookies[v.who]);
        if (cold.status !== 200 || warm.status !== 200 || warm.body.cachedAt === null) r.bad++;
        r.cold.push(cold.ms);
        r.byFilter.set(name, [...(r.byFilter.get(name) ?? []), cold.ms]);
        r.warm.push(warm.ms);
        r.wire.push(cold.wire);
        r.raw.push(cold.raw);
        r.modes.add(`${cold.body.mode}`);
        r.items.push((cold.body.cells ?? cold.body.points ?? []).length);
      }
      results.push(r);
    }

    // The plans of the city-wide "all matters" and "open" requests: the aggregate's query, EXPLAINed.
    const plans: string[] = [];
    for (const [name, filter] of [FILTERS[0]!, FILTERS[1]!, FILTERS[5]!]) {
      cache.clear();
      capture.log = [];
      await fetchGzip(base, `/api/map/aggregate?${at(filter)}&bbox=${views[0]!.bbox}&zoom=8`, cookies.city);
      const node = capture.log.find((n) => /per_stored|matter_cell_counts/.test(JSON.stringify(n)));
      if (!node) continue;
      const compiled = database.db.getExecutor().compileQuery(node, createQueryId());
      const plan = await database.db.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`explain (analyze, buffers) ${compiled.sql}`, [...compiled.parameters]),
      );
      plans.push(
        `  EXPLAIN (ANALYZE, BUFFERS), city view, ${name}:\n${plan.rows.map((x) => `    ${x['QUERY PLAN']}`).join('\n')}`,
      );
    }

    for (const r of results) {
      const cold = [...r.cold].sort((a, b) => a - b);
      const warm = [...r.warm].sort((a, b) => a - b);
      const wire = [...r.wire].sort((a, b) => a - b);
      const raw = [...r.raw].sort((a, b) => a - b);
      const target = TARGET_P95_MS[engine]!;
      const judged = MATTERS >= 1_000_000;
      const verdict = (ok: boolean) => (judged ? (ok ? 'MET' : 'NOT MET') : `not judged at ${fmt(MATTERS)}`);
      console.log(
        `  ${r.view} view (${r.modes.size === 1 ? [...r.modes][0] : [...r.modes].join('/')}; ${fmt(
          pct(
            [...r.items].sort((a, b) => a - b),
            50,
          ),
        )} ` +
          `items median, ${fmt(Math.max(...r.items))} max), ${r.cold.length} requests${r.bad ? `, ${r.bad} FAILED` : ''}:\n` +
          `    cold (cache cleared) p50 ${pct(cold, 50).toFixed(1)} ms, p95 ${pct(cold, 95).toFixed(1)} ms, max ${cold.at(-1)!.toFixed(1)} ms` +
          ` — target p95 ≤ ${target} ms: ${verdict(pct(cold, 95) <= target)}\n` +
          `    warm (cached)        p50 ${pct(warm, 50).toFixed(1)} ms, p95 ${pct(warm, 95).toFixed(1)} ms\n` +
          `    size gzip p50 ${kb(pct(wire, 50))}, max ${kb(wire.at(-1)!)}; unzipped p50 ${kb(pct(raw, 50))}, max ${kb(raw.at(-1)!)}` +
          ` — target ≤ ${TARGET_GZIP_KB} KB gzip: ${verdict(wire.at(-1)! <= TARGET_GZIP_KB * 1024)}\n` +
          `    cold median by filter: ${[...r.byFilter]
            .map(
              ([name, xs]) =>
                `${name} ${pct(
                  [...xs].sort((a, b) => a - b),
                  50,
                ).toFixed(0)} ms`,
            )
            .join(', ')}`,
      );
    }
    console.log(plans.join('\n'));
    await rollupWriteCost(database);
  } finally {
    await app.close();
    await kernel.close();
  }
}

const WRITE_ROUNDS = Number(process.env.BENCH_MAP_WRITE_ROUNDS ?? 10);
const WRITE_BATCH = 1000;
const ROLLUP_TRIGGERS = ['matters_cells_ins', 'matters_cells_upd', 'matters_cells_del'];

/**
 * What the roll-up's triggers cost the writers, side by side in one run on the same 1,000,000-row table:
 * batches of 1,000 matters (copies of existing rows, as an import batch writes them) inserted, then their
 * state changed in one statement, then deleted — with the triggers enabled and disabled, alternating which
 * goes first each round. Medians per statement and their ratio.
 */
async function rollupWriteCost(database: Database) {
  const db = database.db;
  const toggle = (on: boolean) =>
    exec(
      db,
      `alter table matters ${ROLLUP_TRIGGERS.map((t) => `${on ? 'enable' : 'disable'} trigger ${t}`).join(', ')}`,
    );
  const times = {
    on: { ins: [] as number[], upd: [] as number[], del: [] as number[] },
    off: { ins: [] as number[], upd: [] as number[], del: [] as number[] },
  };
  const timed = async (q: string) => {
    const t0 = performance.now();
    await exec(db, q);
    return performance.now() - t0;
  };
  try {
    for (let r = 0; r < WRITE_ROUNDS; r++) {
      for (const mode of r % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        await toggle(mode === 'on');
        const tag = `BW-${r}-${mode}-`;
        times[mode].ins.push(
          await timed(`insert into matters (number, type, title, status, closed, area_code, lng, lat, h3,
                         deadline_state, payload, created_at)
                       select '${tag}' || m.id, m.type, m.title, m.status, m.closed, m.area_code, m.lng, m.lat, m.h3,
                              m.deadline_state, m.payload, m.created_at
                       from matters m where m.id > ${r * 7919} order by m.id limit ${WRITE_BATCH}`),
        );
        times[mode].upd.push(
          await timed(`update matters set status = 'resolving', deadline_state = 'warning'
                       where number like '${tag}%'`),
        );
        times[mode].del.push(await timed(`delete from matters where number like '${tag}%'`));
      }
    }
  } finally {
    await toggle(true);
  }
  const med = (xs: number[]) =>
    pct(
      [...xs].sort((a, b) => a - b),
      50,
    );
  const line = (what: string, k: 'ins' | 'upd' | 'del') =>
    `    ${what}: ${med(times.on[k]).toFixed(1)} ms with the roll-up, ${med(times.off[k]).toFixed(1)} ms without — ×${(
      med(times.on[k]) / med(times.off[k])
    ).toFixed(2)}`;
  console.log(
    `  roll-up write cost (${WRITE_ROUNDS} rounds × ${fmt(WRITE_BATCH)} rows per statement, triggers on/off alternating, medians):\n` +
      `${line('insert', 'ins')}\n${line('update of state', 'upd')}\n${line('delete', 'del')}`,
  );
}

export async function benchMap(): Promise<void> {
  registerModules();
  console.log(
    `\n=== map: the aggregate endpoint through HTTP ===\nmachine: ${os.cpus()[0]?.model} ×${os.cpus().length}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}, load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(
          ' ',
        )}; engines ${engines.join(', ')}; ${fmt(MATTERS)} disputes (+1 % alerts); ${SAMPLES} requests ` +
      `per view, filters cycling: ${FILTERS.map(([n]) => n).join('; ')}`,
  );
  for (const engine of engines) {
    let opened: Opened;
    try {
      opened = await openEngine(engine);
    } catch (e) {
      console.log(`[map] ${engine}: skipped — ${(e as Error).message}`);
      continue;
    }
    try {
      await phase(engine, opened);
    } finally {
      await opened.database.close();
      await opened.drop();
    }
  }
  agent.destroy();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMap();

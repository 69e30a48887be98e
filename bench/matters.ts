/**
 * Work-queue benchmark: the first page of a town centre's queue and one 受理 (accept), each measured through
 * HTTP (`app.inject`: cookie session, zod, service, presenter, JSON) and bare (the service function, and the
 * same SQL hand-written in Kysely), side by side in one run, on PGlite and on PostgreSQL, at 100,000 and
 * 1,000,000 matters. It prints figures and PASS/FAIL against the issue's targets as information; it never
 * fails the build.
 *
 *   npm run bench                      (bench/run.ts, then this)
 *   tsx bench/matters.ts [size…]       sizes default to 100000 1000000 (or BENCH_SIZES=100000,1000000)
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): where to create and drop the
 * PostgreSQL database; BENCH_ENGINES=pglite,postgres; BENCH_SAMPLES (default 200); BENCH_PGLITE_1M=1 to run
 * PGlite at a million too (slow: a single-threaded WASM engine in this process).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CompiledQuery,
  createQueryId,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type SqlBool,
  sql,
  type UnknownRow,
} from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { type Actor, makeActor, systemActor } from '../src/core/access/actor.ts';
import { isRole } from '../src/core/access/roles.ts';
import { inScopeSql } from '../src/core/access/scope.ts';
import { createUser, userForSession } from '../src/core/access/users.service.ts';
import { loadConfig } from '../src/core/config.ts';
import { type Database, type Db, openDatabase, UTF8_DB } from '../src/core/db/database.ts';
import { createEventBus } from '../src/core/events/bus.ts';
import { createLocalStore } from '../src/core/files/store.ts';
import { type Kernel, prepareDatabase } from '../src/core/kernel.ts';
import { getMatterDetail } from '../src/core/matters/detail.ts';
import { listMatters, type MatterQuery } from '../src/core/matters/matters.service.ts';
import { indexTokens } from '../src/core/matters/search.ts';
import { transition } from '../src/core/matters/transition.ts';
import { createVault } from '../src/core/subjects/vault.ts';
import { registerModules } from '../src/modules/index.ts';
import { type App, buildApp } from '../src/server/app.ts';

const MILLION = 1_000_000;
const PASSWORD = 'bench-Passw0rd-2026';
const WUMA = '330302006000'; // 五马街道, the demo town
const TARGET_P95_MS = 30;
const TARGET_RATIO = 1.5;

const argSizes = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
const sizes = (argSizes.length ? argSizes : (process.env.BENCH_SIZES ?? '100000,1000000').split(','))
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const engines = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',');
const SAMPLES = Math.max(200, Number(process.env.BENCH_SAMPLES ?? 200));
const WARMUP = 20;
const pgAdminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// ---------------------------------------------------------------------------------------------------
// Measuring

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Nearest-rank percentile of sorted samples. */
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Stats {
  p50: number;
  p95: number;
  p99: number;
  n: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), n: s.length };
}

/**
 * Runs every variant once per round, rotating which goes first so that none always meets a cold cache or
 * a just-finished autovacuum; the first WARMUP rounds are thrown away.
 */
async function interleaved(
  rounds: number,
  variants: Record<string, (round: number) => Promise<unknown>>,
): Promise<Record<string, Stats>> {
  const names = Object.keys(variants);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < WARMUP + rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length]!;
      const t0 = process.hrtime.bigint();
      await variants[name]!(r);
      const t = ms(t0);
      if (r >= WARMUP) times[name]!.push(t);
    }
  }
  return Object.fromEntries(names.map((n) => [n, stats(times[n]!)]));
}

const f = (x: number) => x.toFixed(2).padStart(7);
const line = (label: string, s: Stats) =>
  `    ${label.padEnd(58)} p50 ${f(s.p50)}  p95 ${f(s.p95)}  p99 ${f(s.p99)} ms`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

// ---------------------------------------------------------------------------------------------------
// The SQL a service runs, captured without changing the service: a plugin sees the query tree, and the
// executor compiles it as it would have.

class CaptureQuery implements KyselyPlugin {
  node: PluginTransformQueryArgs['node'] | null = null;
  transformQuery(args: PluginTransformQueryArgs) {
    this.node ??= args.node;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

async function serviceSql(db: Db, run: (db: Db) => Promise<unknown>): Promise<CompiledQuery> {
  const capture = new CaptureQuery();
  await run(db.withPlugin(capture));
  if (!capture.node) throw new Error('the service ran no query');
  return db.getExecutor().compileQuery(capture.node, createQueryId());
}

// ---------------------------------------------------------------------------------------------------
// Data

/** Titles (and their jieba words) for the generated rows: text like the demo's, indexed like createMatter's. */
const TITLES: [string, string][] = [
  ['dispute', '楼上漏水影响楼下住户'],
  ['dispute', '工人反映被拖欠工资'],
  ['dispute', '业主与物业服务纠纷'],
  ['public_order', '夜间噪音扰民'],
  ['public_order', '流动摊贩占道经营'],
  ['safety', '电动车楼道违规充电'],
  ['safety', '消防通道被占用'],
  ['environment', '生活垃圾长时间未清运'],
  ['facility', '窨井盖缺失'],
  ['facility', '路灯损坏不亮'],
  ['livelihood', '独居老人需要帮扶'],
  ['other', '群众政策咨询'],
];

/**
 * Adds matters `from`..`to` (series numbers, unique per database) in one statement: spread over every
 * grid (or those under `under`), 3 years of created_at for closed ones and 30 days for open ones, statuses
 * in the proportions of a running city (88% closed, 4% rejected, 3% handling…), the clock columns filled as
 * enterState()/the deadline clock would. Pseudo-random by hashing the series number, so every engine builds
 * the same rows.
 */
export async function generate(
  db: Db,
  from: number,
  to: number,
  opts: { under?: string; status?: string } = {},
) {
  const titles = sql.join(
    TITLES.map(
      ([category, title], i) =>
        sql`(${i}::int, ${category}::text, ${title}::text, ${`网格员巡查发现：${title}，请尽快处理。`}, ${indexTokens(title, `网格员巡查发现：${title}，请尽快处理。`)}::text[])`,
    ),
  );
  const version = opts.status ? sql`1` : sql`1 + (s % 8)::int`;
  const status = opts.status
    ? sql`${opts.status}::text`
    : sql`case when r < 880 then 'closed' when r < 920 then 'rejected' when r < 928 then 'reported'
        when r < 936 then 'accepted' when r < 944 then 'dispatched' when r < 974 then 'handling'
        when r < 987 then 'feedback' else 'verified' end`;
  await sql`
    with grids as (
      select g.code, v.parent_code as town, (row_number() over (order by g.code) - 1)::int as i
      from areas g join areas v on v.code = g.parent_code
      where g.level = 5 and g.code like ${`${opts.under ?? ''}%`}
    ),
    titles (i, category, title, description, tokens) as (values ${titles}),
    s as (
      select s, abs(hashint8extended(s, 1) % (select count(*) from grids))::int as gi,
             abs(hashint8extended(s, 2) % 1000)::int as r,
             abs(hashint8extended(s, 3))::bigint as h
      from generate_series(${from}::bigint, ${to}::bigint) s
    ),
    m as (
      select s.s, s.h, g.code, g.town, t.category, t.title, t.description, t.tokens, x.status,
             x.status in ('closed', 'rejected') as closed,
             now() - make_interval(secs => (s.h % (case when x.status in ('closed', 'rejected')
               then 94608000 else 2592000 end))::float8) as created
      from s join grids g on g.i = s.gi join titles t on t.i = (s.s % ${TITLES.length}::int)::int
      cross join lateral (select ${status} as status) x
    ),
    c as (
      select m.*, least(m.created + make_interval(mins => (m.h % 4320)::int), now()) as entered from m
    )
    insert into matters (number, type, category, title, description, status, closed, urgency, source_channel,
      area_code, dispatcher_area_code, assignee_department, assignee_area_code, state_entered_at, due_at, warn_at,
      deadline_state, payload, search_tokens, created_at, updated_at, closed_at, version)
    select 'SJ-' || substr(code, 1, 6) || '-' || to_char(created at time zone 'Asia/Shanghai', 'YYYYMMDD') || '-B' || s,
      'event', category, title, description, status, closed,
      case when s % 40 = 0 then 'urgent' else 'normal' end, 'grid', code, town,
      case when status in ('reported', 'accepted', 'rejected') then null when s % 3 = 0 then 'housing' else 'zongzhi' end,
      case when status in ('reported', 'accepted', 'rejected') then null
        when s % 3 = 0 then substr(code, 1, 6) || '000000' else town end,
      entered,
      case when not closed then entered + interval '3 days' end,
      case when not closed then entered + interval '2.4 days' end,
      case when closed then 'normal' when entered + interval '3 days' <= now() then 'overdue'
        when entered + interval '2.4 days' <= now() then 'warning' else 'normal' end,
      '{}', tokens, created, entered, case when closed then entered end, ${version}
    from c
  `.execute(db);
}

async function openPostgres(): Promise<
  { database: Database; drop: () => Promise<void>; label: string } | string
> {
  const admin = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (e) {
    return `cannot connect to ${pgAdminUrl.replace(/\/\/[^@/]*@/, '//')}: ${(e as Error).message}`;
  }
  const name = `zhili_bench_matters_${process.pid}`;
  await admin.query(`create database ${name} ${UTF8_DB}`);
  const settings = await admin.query<{ v: string; sb: string; wm: string }>(
    `select current_setting('server_version') v, current_setting('shared_buffers') sb, current_setting('work_mem') wm`,
  );
  const { v, sb, wm } = settings.rows[0]!;
  const u = new URL(pgAdminUrl);
  u.pathname = `/${name}`;
  return {
    database: await openDatabase({ url: u.toString(), poolSize: 10 }),
    label: `PostgreSQL ${v} (shared_buffers ${sb}, work_mem ${wm})`,
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

interface Town {
  code: string;
  name: string;
  cookie: string;
  /** The session token itself, to time the lookup HTTP does on every request. */
  token: string;
  actor: Actor;
}

/** A town centre login, made through the users service and signed in through HTTP as a browser would. */
async function townCentre(db: Db, app: App, code: string, username: string): Promise<Town> {
  const name = (
    await db.selectFrom('areas').select('name').where('code', '=', code).executeTakeFirstOrThrow()
  ).name;
  await db.transaction().execute((tx) =>
    createUser(tx, systemActor('bench'), {
      username,
      displayName: `${name}综治中心`,
      password: PASSWORD,
      roles: ['town_center'],
      areaCode: code,
      departmentCode: 'zongzhi',
    }),
  );
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password: PASSWORD },
  });
  const c = res.cookies.find((x) => x.name === 'zhili_session');
  if (res.statusCode !== 200 || !c) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  const u = await db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
  const actor = makeActor({
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    roles: u.roles.filter(isRole),
    areaCode: u.area_code,
    departmentCode: u.department_code,
  });
  return { code, name, cookie: `zhili_session=${c.value}`, token: c.value, actor };
}

// ---------------------------------------------------------------------------------------------------
// Measurements

interface Bench {
  engine: 'pglite' | 'postgres';
  label: string;
  db: Db;
  app: App;
  kernel: Kernel;
}

interface Summary {
  engine: string;
  size: number;
  town: string;
  list: Record<string, Stats>;
}

const summaries: Summary[] = [];
const LIST_URL = '/api/matters?status=handling&limit=20';
const LIST_QUERY: MatterQuery = { status: ['handling'], sort: 'created_desc', limit: 20 };

/** The first page of a town centre's 处置中 queue: HTTP, the service, the same SQL by hand; and its plan. */
async function measureList(b: Bench, size: number, town: Town) {
  const { db, app } = b;
  const scope = await sql<{ n: string; handling: string }>`
    select count(*) n, count(*) filter (where status = 'handling') handling
    from matters where ${inScopeSql(town.actor)}`.execute(db);
  const svc = await serviceSql(db, (d) => listMatters(d, town.actor, LIST_QUERY));
  // visibleSql() + the status filter + the keyset order, written out: the bare query without the service.
  const handWritten = () =>
    db
      .selectFrom('matters')
      .where(
        sql<SqlBool>`(${sql.join(
          [
            inScopeSql(town.actor),
            sql<SqlBool>`(assignee_department = ${town.actor.departmentCode} and assignee_area_code = ${town.actor.areaCode})`,
            sql<SqlBool>`assignee_user_id = ${town.actor.id}`,
            sql<SqlBool>`reporter_id = ${town.actor.id}`,
          ],
          sql` or `,
        )})`,
      )
      .where('status', 'in', ['handling'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .selectAll()
      .limit(21);
  const same = handWritten().compile().sql === svc.sql;
  const get = () => app.inject({ method: 'GET', url: LIST_URL, headers: { cookie: town.cookie } });
  const first = await get();
  const httpIds = (first.json() as { items: { id: string }[] }).items.map((m) => m.id);
  const bareIds = (await handWritten().execute()).slice(0, 20).map((m) => m.id);
  if (first.statusCode !== 200 || httpIds.join() !== bareIds.join())
    throw new Error(
      `HTTP and bare disagree for ${town.name}: ${first.statusCode} ${first.body.slice(0, 200)}`,
    );

  const s = await interleaved(SAMPLES, {
    http: async () => {
      const r = await get();
      if (r.statusCode !== 200) throw new Error(`list: ${r.statusCode}`);
    },
    service: () => listMatters(db, town.actor, LIST_QUERY),
    kysely: () => handWritten().execute(),
    // The one query HTTP adds: the session cookie → user, on every request.
    session: () => userForSession(db, town.token),
  });
  console.log(
    `  list — GET ${LIST_URL} as the 综治中心 of ${town.name} (${town.code}): ` +
      `${Number(scope.rows[0]!.n).toLocaleString('en')} matters in scope, ${scope.rows[0]!.handling} handling`,
  );
  console.log(line('HTTP (app.inject: session → zod → listMatters → JSON)', s.http!));
  console.log(line('listMatters (service: SQL + presenter)', s.service!));
  console.log(
    line(`Kysely, hand-written (SQL identical to the service's: ${same ? 'yes' : 'NO'})`, s.kysely!),
  );
  console.log(line('(part of HTTP: the session lookup alone)', s.session!));
  const r50 = s.http!.p50 / s.kysely!.p50;
  console.log(
    `    ratio HTTP/bare: ${r50.toFixed(2)}× at p50, ${(s.http!.p95 / s.kysely!.p95).toFixed(2)}× at p95 ` +
      `(vs hand-written Kysely); ${(s.http!.p50 / s.service!.p50).toFixed(2)}× at p50 vs listMatters`,
  );
  const isTarget = b.engine === 'postgres' && size >= MILLION;
  console.log(
    `    targets${isTarget ? '' : ' (set for PostgreSQL at 1M; information here)'}: ` +
      `p95 ≤ ${TARGET_P95_MS} ms ${verdict(s.http!.p95 <= TARGET_P95_MS)} (${s.http!.p95.toFixed(2)} ms); ` +
      `HTTP/bare ≤ ${TARGET_RATIO} ${verdict(r50 <= TARGET_RATIO)} (${r50.toFixed(2)}× at p50)`,
  );
  const plan = await db.executeQuery<{ 'QUERY PLAN': string }>(
    CompiledQuery.raw(`explain (analyze, buffers) ${svc.sql}`, [...svc.parameters]),
  );
  console.log(`    EXPLAIN (ANALYZE, BUFFERS) of listMatters' SQL for ${town.name}:`);
  for (const r of plan.rows) console.log(`      ${r['QUERY PLAN']}`);
  summaries.push({ engine: b.engine, size, town: town.name, list: s });
}

/** One 受理 per sample, each on its own 待受理 matter: HTTP, transition() alone, and the route's work bare. */
async function measureAccept(b: Bench, town: Town, targets: string[]) {
  const { db, app, kernel } = b;
  const perMethod = WARMUP + SAMPLES;
  const target = (method: number, round: number) => targets[method * perMethod + round]!;
  const accept = (id: string) =>
    db.transaction().execute((tx) => transition(tx, town.actor, id, { action: 'accept', version: 1 }));
  const a = await interleaved(SAMPLES, {
    http: async (round) => {
      const r = await app.inject({
        method: 'POST',
        url: `/api/matters/${target(0, round)}/transitions`,
        headers: { cookie: town.cookie },
        payload: { action: 'accept', version: 1 },
      });
      if (r.statusCode !== 200) throw new Error(`accept: ${r.statusCode} ${r.body}`);
    },
    bare: (round) => accept(target(1, round)),
    route: async (round) => {
      const id = target(2, round);
      const r = await accept(id);
      for (const e of r.events) await kernel.events.publish(e);
      await getMatterDetail(db, town.actor, id);
    },
  });
  console.log(
    `  accept — POST /api/matters/:id/transitions {action: accept}, each on its own 待受理 matter, as the ` +
      `综治中心 of ${town.name}`,
  );
  console.log(line('HTTP (app.inject; the route also returns the detail)', a.http!));
  console.log(line('transition() in a transaction (bare)', a.bare!));
  console.log(line("the route's work without HTTP (+ publish + detail)", a.route!));
  const r50 = a.http!.p50 / a.bare!.p50;
  console.log(
    `    ratio HTTP/bare: ${r50.toFixed(2)}× at p50, ${(a.http!.p95 / a.bare!.p95).toFixed(2)}× at p95; ` +
      `HTTP/(route work without HTTP) ${(a.http!.p50 / a.route!.p50).toFixed(2)}× at p50; ` +
      `HTTP/bare ≤ ${TARGET_RATIO} ${verdict(r50 <= TARGET_RATIO)} (information)`,
  );
}

// ---------------------------------------------------------------------------------------------------
// One engine: build the database and the app, then for each size grow the data and measure.

async function openEngine(
  engine: 'pglite' | 'postgres',
): Promise<{ database: Database; drop: () => Promise<void>; label: string } | string> {
  if (engine === 'postgres') return openPostgres();
  const database = await openDatabase({ dataDir: 'memory://' });
  const v = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(database.db);
  return { database, drop: async () => {}, label: `PGlite (PostgreSQL ${v.rows[0]!.v}, WASM, in memory)` };
}

const countMatters = async (db: Db) =>
  Number((await db.selectFrom('matters').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

async function runEngine(engine: 'pglite' | 'postgres', engineSizes: number[]) {
  const opened = await openEngine(engine);
  if (typeof opened === 'string') {
    console.log(`\n[matters] PostgreSQL: skipped — ${opened}`);
    return;
  }
  const { database, label } = opened;
  const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-bench-'));
  let kernel: Kernel | null = null;
  let app: App | null = null;
  try {
    await prepareDatabase(database);
    registerModules();
    const db = database.db;
    // A kernel as the server's, with an in-memory vault and a silent logger: openTestKernel's recipe.
    const events = await createEventBus(database);
    kernel = {
      database,
      db,
      vault: createVault(randomBytes(32)),
      config: {
        ...loadConfig({ NODE_ENV: 'development', ZHILI_DATA_DIR: filesDir, ZHILI_FILES_DIR: filesDir }),
        loginMaxPerMinute: 1000,
      },
      log: pino({ level: 'silent' }),
      events,
      files: createLocalStore(filesDir),
      close: () => events.close(),
    };
    app = await buildApp(kernel);
    const b: Bench = { engine, label, db, app, kernel };
    // The demo town, and the town with the most grids (the queue with the most rows to look at).
    const busiest = await sql<{ code: string }>`
      select substr(code, 1, 9) || '000' as code from areas where level = 5
      group by 1 order by count(*) desc, 1 limit 1`.execute(db);
    const towns = [
      await townCentre(db, app, WUMA, 'bench.wuma'),
      await townCentre(db, app, busiest.rows[0]!.code, 'bench.busiest'),
    ];
    const svc = await serviceSql(db, (d) => listMatters(d, towns[0]!.actor, LIST_QUERY));
    console.log(
      `\n[matters] ${label}\n  the list's SQL (listMatters for ${towns[0]!.name}): ${svc.sql}\n` +
        `  parameters: ${JSON.stringify(svc.parameters)}`,
    );

    let next = 1;
    for (const size of engineSizes) {
      const t0 = process.hrtime.bigint();
      // Grow in steps of 100,000: one statement each keeps memory flat and shows progress.
      for (let n = await countMatters(db); n < size; n += 100_000) {
        const step = Math.min(100_000, size - n);
        await generate(db, next, next + step - 1);
        next += step;
        process.stderr.write(
          `\r  generating on ${engine}: ${(n + step).toLocaleString('en')} / ${size.toLocaleString('en')}`,
        );
      }
      process.stderr.write('\n');
      // The matters 受理 takes: fresh 待受理 ones in 五马街道, one per round and variant.
      const last = await db
        .selectFrom('matters')
        .select(sql<string>`coalesce(max(id), 0)`.as('id'))
        .executeTakeFirstOrThrow();
      const perMethod = WARMUP + SAMPLES;
      await generate(db, next, next + 3 * perMethod - 1, { under: '330302006', status: 'reported' });
      next += 3 * perMethod;
      await sql`analyze`.execute(db);
      const seconds = ms(t0) / 1000;
      const targets = (
        await db.selectFrom('matters').select('id').where('id', '>', last.id).orderBy('id').execute()
      ).map((r) => r.id);
      console.log(
        `\n[matters] ${label}: ${(await countMatters(db)).toLocaleString('en')} matters ` +
          `(${size.toLocaleString('en')} over every grid + ${targets.length} 待受理 in 五马街道 for the accepts), ` +
          `built by insert … select … generate_series and analyzed in ${seconds.toFixed(0)} s; ` +
          `${SAMPLES} samples per variant after ${WARMUP} warm-up rounds, variants interleaved`,
      );
      for (const town of towns) await measureList(b, size, town);
      await measureAccept(b, towns[0]!, targets);
    }
  } finally {
    await app?.close();
    await kernel?.close();
    await database.close();
    await opened.drop();
    fs.rmSync(filesDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------

export async function benchMatters(): Promise<void> {
  const mem = `${Math.round(os.totalmem() / 2 ** 30)} GB`;
  console.log(
    `\n=== matters: work queue and accept, HTTP vs bare ===\nmachine: ${os.cpus()[0]?.model} ×${os.cpus().length}, ${mem}, ` +
      `${os.platform()} ${os.release()}, node ${process.version}, load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}; ` +
      `samples ${SAMPLES} (+${WARMUP} warm-up) per variant`,
  );
  if (engines.includes('pglite')) {
    const lite = sizes.filter((n) => n < MILLION || process.env.BENCH_PGLITE_1M === '1');
    const skipped = sizes.filter((n) => !lite.includes(n));
    if (skipped.length) {
      console.log(
        `[matters] PGlite at ${skipped.map((n) => n.toLocaleString('en')).join(', ')}: skipped (set BENCH_PGLITE_1M=1 to run it)`,
      );
    }
    if (lite.length) await runEngine('pglite', lite);
  }
  if (engines.includes('postgres')) await runEngine('postgres', sizes);
  if (summaries.length === 0) return;
  console.log(
    `\n[matters] summary — list, first page of 处置中 (ms; ratio = HTTP p50 / hand-written Kysely p50)`,
  );
  for (const x of summaries) {
    const r = x.list.http!.p50 / x.list.kysely!.p50;
    console.log(
      `  ${x.engine.padEnd(8)} ${x.size.toLocaleString('en').padStart(9)}  HTTP p95 ${f(x.list.http!.p95)}` +
        `  bare p95 ${f(x.list.kysely!.p95)}  ratio ${r.toFixed(2)}×  ${x.town}`,
    );
  }
}

// Run directly (`tsx bench/matters.ts`), or from bench/run.ts after the kernel benchmarks.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchMatters();

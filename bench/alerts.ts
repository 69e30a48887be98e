/**
 * Early-warning benchmark (issue 6), on PGlite and on PostgreSQL, each phase in a database of its own that it
 * creates and drops (PGlite on disk in a temporary folder, as the platform runs it).
 *
 * 1. Streaming: from a record's commit to its alert on an SSE client. A fresh database; the app from
 *    buildApp listening on 127.0.0.1 (random port); a 指挥中心 user (commander, city scope) signed in over HTTP;
 *    an SSE client reading /api/events with fetch in a worker thread (its own event loop, so that the time it
 *    stamps on a message is when the bytes arrived, not when the busy main thread got round to it);
 *    the streaming passes running as in the server (on PostgreSQL on a thread of their own,
 *    startStreamingThread — BENCH_ALERT_THREAD=off: startStreaming on the main thread; on PGlite
 *    startStreaming). Records are pushed through the dispute intake
 *    (`intake()`, channel push) in batches due every 100 ms (BENCH_ALERT_RATE records/s, batches of a tenth
 *    of that), alternately as police_110 and women_federation records, one batch at a time: a batch that is
 *    late starts as soon as the previous one returned (after one turn of the event loop, as separate HTTP
 *    pushes would give), so the achieved rate is what intake sustains beside the models. 5 % of the records
 *    are planted: 4 % threats (同归于尽, 拿刀) between two people who had an ordinary 110 call about 2 s
 *    before, 1 % despair (不想活, 跳楼); the rest are ordinary disputes between people of a pool of 20,000
 *    (valid GB 11643 ID numbers), in real villages, with none of the models' words. A batch's commit time is
 *    when intake() returns.
 *    For every `alert.raised` message the client receives, the bench reads the alert's payload (one query on
 *    `matters`, right after the message came): the matter ids behind its factors. Latency = receive time −
 *    the commit time of the latest batch, at or before the message, that wrote a record of one of those
 *    matters (the record that tipped it). After the last batch the bench waits until the streaming cursor
 *    has passed every entry of the ingest (at most 180 s), so late alerts count in the latencies too. A
 *    planted record is missing when no alert of its model (民转刑/家暴 for threats, 极端情绪 for despair) naming
 *    its matter arrives within 10 s of its commit — raised, or updated when the unit's alert was open already
 *    (the bench reads `alert.updated` payloads too, for this only); those that never got one are evaluated again afterwards
 *    (read only) to tell whether the streaming passes skipped them.
 * 2. Periodic: the twelve models over BENCH_ALERT_MATTERS disputes generated with SQL (untimed, timed on its
 *    own): persons (0.4 per dispute), enterprises, disputes over the last 12 months in the real villages
 *    (level 4), 16 categories, parties, source records for 70 % (police_110, women_federation, petition…),
 *    a 'create' and a status entry per dispute on the timeline plus some 退回/重新研判/督办, a few 重点人员
 *    tags. Then each model once through evaluateModel (its read-only transaction, 600 s limit), defaults for
 *    parameters; the streaming models are given the disputes created in the last 24 hours as `matterIds`
 *    (what a day of streaming passes would hand them, in one pass). The slowest query of each model is
 *    timed by a Kysely plugin; a model over 30 s gets its EXPLAIN printed.
 *
 * Settings: BENCH_ENGINES=pglite,postgres; BENCH_ALERT_SECONDS (30); BENCH_ALERT_RATE (1000 records/s);
 * BENCH_ALERT_MATTERS (1,000,000); BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres);
 * BENCH_ALERT_PHASES=streaming,periodic; BENCH_ALERT_CONCURRENCY (1: batches in flight at once on
 * PostgreSQL). Alone: `npx tsx bench/alerts.ts`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
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
import { generateIdCard, generateMobile } from '../src/core/subjects/codes.ts';
import { createVault } from '../src/core/subjects/vault.ts';
import { loadVillages, type Village } from '../src/modules/alert/demo/plant.ts';
import { MODELS } from '../src/modules/alert/models/index.ts';
import { evaluateModel, type StreamPass, startStreaming } from '../src/modules/alert/runtime/runtime.ts';
import { startStreamingThread } from '../src/modules/alert/runtime/stream-thread.ts';
import type { PartyFields } from '../src/modules/dispute/dispute.schema.ts';
import { intake, sourceActor } from '../src/modules/dispute/disputes.service.ts';
import { describeTimes } from '../src/modules/dispute/imports.service.ts';
import { addTimes, type StageTimes } from '../src/modules/dispute/intake/pipeline.ts';
import type { Cell } from '../src/modules/dispute/intake/types.ts';
import { getSource } from '../src/modules/dispute/sources.service.ts';
import { registerModules } from '../src/modules/index.ts';
import { type App, buildApp } from '../src/server/app.ts';
import { mulberry32 } from '../src/shared/random.ts';
import { GIVEN, generateLibrary, SURNAMES } from './gen-matters.ts';

const engines = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',');
const phases = (process.env.BENCH_ALERT_PHASES ?? 'streaming,periodic').split(',');
const SECONDS = Number(process.env.BENCH_ALERT_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_ALERT_RATE ?? 1000);
const MATTERS = Number(process.env.BENCH_ALERT_MATTERS ?? 1_000_000);
/** Batches in flight at once on PostgreSQL (several departments pushing); PGlite has one connection. */
const CONCURRENCY = Math.max(1, Number(process.env.BENCH_ALERT_CONCURRENCY ?? 1));
const pgAdminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const BATCH_MS = 100;
const THREAT_SHARE = 0.04;
const DESPAIR_SHARE = 0.01;
/** The ordinary 110 call between a threat's two people comes this many batches (of 100 ms) before it. */
const PRECURSOR_LAG = 20;
const PERSON_POOL = 20_000;
/** A planted record with no alert this long after its commit is missing. */
const MISSING_AFTER_MS = 10_000;
/** After the last batch, the bench waits at most this long for the streaming passes to catch up. */
const DRAIN_MAX_MS = 180_000;
const TARGET_P95_MS = 1000;
const PERIODIC_TARGET_MS = 60_000;
const SLOW_MODEL_MS = 30_000;
const PASSWORD = 'bench-Passw0rd-2026';
const CITY = '330300000000';

/** A clock shared by the main thread and the SSE worker: ms since the epoch, sub-millisecond. */
const clock = () => performance.timeOrigin + performance.now();
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** Nearest-rank percentile of sorted samples. */
const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;

// ---------------------------------------------------------------------------------------------------
// Engines and kernels

interface Opened {
  database: Database;
  label: string;
  drop: () => Promise<void>;
}

async function openEngine(engine: string, phase: string): Promise<Opened> {
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 3000 });
    await admin.connect();
    const name = `zhili_bench_alerts_${phase}_${process.pid}`;
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zhili-bench-alerts-${phase}-`));
  try {
    const database = await openDatabase({ dataDir: dir });
    return {
      database,
      label: `PGlite 0.5.17 (WASM, on disk in ${dir})`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function kernelOn(database: Database): Promise<Kernel> {
  const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-bench-files-'));
  const config = {
    ...loadConfig({ NODE_ENV: 'test', ZHILI_DATA_DIR: '/nonexistent', ZHILI_FILES_DIR: filesDir }),
    loginMaxPerMinute: 1000,
  };
  const events = await createEventBus(database);
  return {
    database,
    db: database.db,
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

/** Runs `fn` on a fresh database of the engine, dropped afterwards whatever happens. */
async function withEngine<T>(
  engine: string,
  phase: string,
  fn: (kernel: Kernel, label: string) => Promise<T>,
): Promise<T | null> {
  let opened: Opened;
  try {
    opened = await openEngine(engine, phase);
  } catch (e) {
    console.log(`[alerts] ${engine}: skipped — ${(e as Error).message}`);
    return null;
  }
  const { database, label, drop } = opened;
  try {
    await prepareDatabase(database);
    const kernel = await kernelOn(database);
    try {
      return await fn(kernel, label);
    } finally {
      await kernel.close();
    }
  } finally {
    await database.close();
    await drop();
  }
}

// ---------------------------------------------------------------------------------------------------
// 1. Streaming

type RecordCells = Record<string, Cell | PartyFields[]>;
type StreamSource = 'police_110' | 'women_federation';

interface Person {
  name: string;
  idNumber: string;
  phone: string;
}

interface Planted {
  batch: number;
  row: number;
  kind: 'threat' | 'despair';
}

interface PlannedBatch {
  source: StreamSource;
  records: RecordCells[];
  planted: Planted[];
}

const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

function makePerson(rng: () => number, now: Date): Person {
  const gender = rng() < 0.5 ? 'M' : 'F';
  const year = 1950 + Math.floor(rng() * 55);
  const birth = `${year}-${String(1 + Math.floor(rng() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rng() * 28)).padStart(2, '0')}`;
  return {
    name: pick(rng, SURNAMES) + pick(rng, GIVEN) + (rng() < 0.7 ? pick(rng, GIVEN) : ''),
    idNumber: generateIdCard(
      rng,
      pick(rng, ['330302', '330303', '330304', '330381', '330382']),
      birth,
      gender,
      now,
    ),
    phone: generateMobile(rng),
  };
}

const party = (p: Person, role: PartyFields['role']): PartyFields => ({
  role,
  kind: 'person',
  name: p.name,
  idNumber: p.idNumber,
  phone: p.phone,
});

/**
 * Ordinary records by police_110 category code: texts that hold none of the models' words (no threat,
 * violence, despair, debt, gathering or petition words), so that only the planted records and chance
 * clusters raise anything.
 */
const ORDINARY: { code: string; texts: string[]; causes: string[] }[] = [
  {
    code: '0301',
    texts: ['{A}称与{B}因{c}发生争吵，请求调解。', '{A}反映家人{B}近来常为{c}与其争执，希望村里帮忙协调。'],
    causes: ['家务分工', '子女教育', '赡养老人', '家庭开支', '老房翻修'],
  },
  {
    code: '0302',
    texts: ['{A}反映邻居{B}因{c}与其发生纠纷，要求处理。', '{A}与邻居{B}为{c}多次协商未果。'],
    causes: ['楼道堆物', '空调外机噪音', '楼上漏水', '停车位', '宅前通道'],
  },
  {
    code: '0303',
    texts: ['{A}称与{B}之间的{c}发生争议，双方协商未果。'],
    causes: ['货款结算', '房屋租赁合同', '装修合同', '买卖合同'],
  },
  {
    code: '0304',
    texts: ['{A}反映与{B}因{c}发生劳动争议。'],
    causes: ['加班费计算', '社保缴纳', '合同解除'],
  },
  { code: '0305', texts: ['{A}与{B}发生交通事故后因{c}协商不成。'], causes: ['车辆维修费', '误工费'] },
  {
    code: '0306',
    texts: ['{A}对治疗效果不满意，与医生{B}就{c}发生争执。'],
    causes: ['医疗费用', '手术方案'],
  },
  {
    code: '0307',
    texts: ['{A}称在{B}处购买的{c}存在质量问题，要求退货。'],
    causes: ['电动车', '家具', '手机'],
  },
  {
    code: '0308',
    texts: ['{A}反映物业对{c}处理不及时，与物业人员{B}发生争执。'],
    causes: ['电梯维修', '绿化养护'],
  },
  { code: '0309', texts: ['{A}与{B}因{c}界址发生争议。'], causes: ['山林', '承包地'] },
  { code: '0310', texts: ['{A}与{B}因{c}发生争议，要求村里协调。'], causes: ['宅基地边界', '房屋滴水'] },
  {
    code: '0311',
    texts: ['{A}称{B}饲养的狗{c}，双方就赔偿发生争议。'],
    causes: ['咬伤其家人', '咬死其家禽'],
  },
];
const FAMILY = ORDINARY[0]!;
const RELATIONS = ['丈夫', '妻子', '儿子', '女婿', '前夫'];
const THREAT = '{A}称{rel}{B}因{c}多次与其争吵，近日{B}酒后扬言要与其同归于尽，还拿刀威胁。';
const PRECURSOR = '{A}报警称与{rel}{B}因{c}发生口角，民警到场后双方情绪稳定。';
const DESPAIR = '{A}来电称因{c}，觉得活着没意思，不想活了，扬言要跳楼。';
const TROUBLES = ['生意失败欠下一大笔钱', '离婚后见不到孩子', '长期失业家里揭不开锅', '网贷还不上'];

const fill = (t: string, v: Record<string, string>) => t.replace(/\{(\w+)\}/g, (_, k: string) => v[k] ?? k);

/** The whole run's records, planned before the clock starts (reportedAt is set when a batch is sent). */
function planStream(villages: Village[], batches: number, size: number): PlannedBatch[] {
  const rng = mulberry32(6);
  const now = new Date();
  const pool = Array.from({ length: PERSON_POOL }, () => makePerson(rng, now));
  // Planted records per batch: the shares over the whole run (small batches get one every few batches).
  const share = (i: number, x: number) => Math.round((i + 1) * size * x) - Math.round(i * size * x);
  let seq = 0;
  const base = (v: Village, source: StreamSource, title: string, description: string): RecordCells => {
    const jitter = () => (rng() - 0.5) * 0.004;
    const point: RecordCells =
      source === 'police_110' && v.lng !== null && v.lat !== null
        ? { lng: Math.round((v.lng + jitter()) * 1e6) / 1e6, lat: Math.round((v.lat + jitter()) * 1e6) / 1e6 }
        : {};
    return {
      recordKey: `${source === 'police_110' ? 'J' : 'FL'}BENCH${process.pid}-${++seq}`,
      reportedAt: null,
      title,
      description,
      areaCode: v.code,
      address: `${v.county}${v.town}${v.name}${1 + Math.floor(rng() * 199)}号`,
      ...point,
    };
  };
  const ordinary = (source: StreamSource): RecordCells => {
    const kind = source === 'women_federation' ? FAMILY : pick(rng, ORDINARY);
    const a = pick(rng, pool);
    const b = pick(rng, pool);
    const v = pick(rng, villages);
    const description = fill(pick(rng, kind.texts), { A: a.name, B: b.name, c: pick(rng, kind.causes) });
    return {
      ...base(v, source, `${a.name}${source === 'police_110' ? '报警' : '求助'}`, description),
      ...(source === 'police_110' ? { category: kind.code } : {}),
      parties: [party(a, 'applicant'), party(b, 'respondent')],
    };
  };
  const plan: PlannedBatch[] = Array.from({ length: batches }, (_, i) => {
    const source: StreamSource = i % 2 === 0 ? 'police_110' : 'women_federation';
    return { source, records: Array.from({ length: size }, () => ordinary(source)), planted: [] };
  });
  // Rows taken by a planted record or a precursor, per batch: nothing overwrites another.
  const taken = plan.map(() => new Set<number>());
  const free = (j: number, from: number) => {
    for (let k = 0; k < size; k++) {
      const row = (from + k) % size;
      if (!taken[j]!.has(row)) {
        taken[j]!.add(row);
        return row;
      }
    }
    return null;
  };
  for (const [i, batch] of plan.entries()) {
    const threats = share(i, THREAT_SHARE);
    const n = threats + share(i, DESPAIR_SHARE);
    for (let k = 0; k < n; k++) {
      const row = free(i, k * Math.floor(size / n));
      if (row === null) break;
      const v = pick(rng, villages);
      const a = makePerson(rng, now);
      if (k < threats) {
        const b = makePerson(rng, now);
        const values = { A: a.name, B: b.name, rel: pick(rng, RELATIONS), c: pick(rng, FAMILY.causes) };
        batch.records[row] = {
          ...base(v, batch.source, `${a.name}求助家庭纠纷`, fill(THREAT, values)),
          ...(batch.source === 'police_110' ? { category: '0301' } : {}),
          parties: [party(a, 'applicant'), party(b, 'respondent')],
        };
        batch.planted.push({ batch: i, row, kind: 'threat' });
        // The ordinary 110 call between the same two people about two seconds earlier (a police batch).
        let j = i - PRECURSOR_LAG;
        if (j % 2 !== 0) j--;
        const at = j >= 0 ? free(j, row + 1) : null;
        if (at !== null) {
          plan[j]!.records[at] = {
            ...base(v, 'police_110', `${a.name}报警家庭纠纷`, fill(PRECURSOR, values)),
            category: '0301',
            parties: [party(a, 'applicant'), party(b, 'respondent')],
          };
        }
      } else {
        const values = { A: a.name, c: pick(rng, TROUBLES) };
        batch.records[row] = {
          ...base(v, batch.source, `${a.name}求助`, fill(DESPAIR, values)),
          ...(batch.source === 'police_110' ? { category: '0301' } : {}),
          parties: [party(a, 'applicant')],
        };
        batch.planted.push({ batch: i, row, kind: 'despair' });
      }
    }
  }
  return plan;
}

/** The SSE client, in a worker thread: fetch + stream reader, `event:`/`data:` lines, receive times. */
const SSE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const clock = () => performance.timeOrigin + performance.now();
const ctl = new AbortController();
const counts = {};
parentPort.on('message', (m) => { if (m === 'stop') ctl.abort(); });
(async () => {
  const res = await fetch(workerData.url, {
    headers: { cookie: workerData.cookie, accept: 'text/event-stream' },
    signal: ctl.signal,
  });
  parentPort.postMessage({ kind: 'open', status: res.status });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const t = clock();
    buf += decoder.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\\n\\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (!data.length) continue;
      counts[event] = (counts[event] ?? 0) + 1;
      if (event === 'alert.raised' || event === 'alert.updated' || event === 'ready') {
        parentPort.postMessage({ kind: 'event', event, data: data.join('\\n'), t });
      }
    }
  }
})()
  .catch((e) => {
    if (e.name !== 'AbortError')
      parentPort.postMessage({ kind: 'error', message: String(e) + (e.cause ? ' / ' + String(e.cause) : '') });
  })
  .finally(() => parentPort.postMessage({ kind: 'end', counts }));
`;

interface SseMessage {
  kind: 'open' | 'event' | 'error' | 'end';
  status?: number;
  event?: string;
  data?: string;
  t?: number;
  message?: string;
  counts?: Record<string, number>;
}

async function signIn(base: string, username: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('zhili_session='));
  if (res.status !== 200 || !cookie) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return cookie.split(';')[0]!;
}

interface AlertSeen {
  t: number;
  alertId: string;
  model: string;
  records: string[];
}

interface StreamResult {
  label: string;
  records: number;
  batches: number;
  concurrency: number;
  /** From the last commit until the streaming cursor had passed every entry written during the ingest. */
  drainMs: number;
  drained: boolean;
  /** Planted records with no alert whose model, run again afterwards, raises one that was never stored. */
  neverEvaluated: number;
  elapsedMs: number;
  batchMs: number[];
  /** intake()'s time by pipeline step, summed over the batches. */
  stageTimes: StageTimes;
  counts: Record<string, number>;
  sse: Record<string, number>;
  alerts: AlertSeen[];
  latencies: number[];
  unmapped: number;
  byModel: Record<string, number>;
  /** Each planted record: how long after its commit its first alert came (null: none came). */
  planted: { kind: string; batch: number; latency: number | null }[];
  /** When the SSE stream ended by itself (ms after the ingest started), and the client's error if any. */
  sseLostAfterMs: number | null;
  sseError: string | null;
  /** Events the bus delivered in the server's process during the run, by type. */
  delivered: Record<string, number>;
  /** The main thread's event-loop delay during the run (perf_hooks, 20 ms resolution). */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Streaming models that failed (threw or ran past their time limit) during the run. */
  failed: { code: string; failures: number; last_error: string | null }[];
  /** Per streaming model: its runs (one per pass) and its mean duration per pass (sampled). */
  passes: { code: string; runs: number; meanMs: number }[];
}

async function streamingPhase(kernel: Kernel, label: string): Promise<StreamResult> {
  const db = kernel.db;
  const app: App = await buildApp(kernel);
  let worker: Worker | null = null;
  let stopStreaming: (() => Promise<void>) | null = null;
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await db.transaction().execute((tx) =>
      createUser(tx, systemActor('bench'), {
        username: 'bench.command',
        displayName: '市指挥中心',
        password: PASSWORD,
        roles: ['commander'],
        areaCode: CITY,
        departmentCode: 'zongzhi',
      }),
    );
    const cookie = await signIn(base, 'bench.command');

    const size = Math.max(1, Math.round((RATE * BATCH_MS) / 1000));
    const nBatches = Math.max(1, Math.round((SECONDS * 1000) / BATCH_MS));
    const villages = await loadVillages(db);
    const plan = planStream(villages, nBatches, size);
    const sources = {
      police_110: await getSource(db, 'police_110'),
      women_federation: await getSource(db, 'women_federation'),
    };

    // Alerts as the SSE client sees them; each one's payload read at once (the records behind its factors).
    const alerts: AlertSeen[] = [];
    // Alerts updated (a planted record can land in a unit whose alert is open already: it is updated, at the
    // same level, not raised again). Not in the latencies, which are of alert.raised; they do count as a
    // planted record's first alert.
    const updates: AlertSeen[] = [];
    const lookups: Promise<void>[] = [];
    let sseEnd: Record<string, number> = {};
    // The stream ending before the bench stops it (the server closed it, or the connection failed).
    let stopping = false;
    let sseLost: number | null = null;
    let sseError: string | null = null;
    let ready!: () => void;
    let failed!: (e: Error) => void;
    const readyP = new Promise<void>((res, rej) => {
      ready = res;
      failed = rej;
    });
    let ended!: () => void;
    const endedP = new Promise<void>((res) => {
      ended = res;
    });
    worker = new Worker(SSE_WORKER, { eval: true, workerData: { url: `${base}/api/events`, cookie } });
    worker.on('message', (m: SseMessage) => {
      if (m.kind === 'open' && m.status !== 200) failed(new Error(`SSE answered ${m.status}`));
      else if (m.kind === 'error') {
        sseError = m.message ?? 'error';
        failed(new Error(`SSE: ${m.message}`));
      } else if (m.kind === 'end') {
        sseEnd = m.counts ?? {};
        if (!stopping) sseLost = clock();
        ended();
      } else if (m.kind === 'event' && m.event === 'ready') ready();
      else if (m.kind === 'event' && (m.event === 'alert.raised' || m.event === 'alert.updated')) {
        const e = JSON.parse(m.data!) as { matterId: string; data?: { model?: string } };
        const list = m.event === 'alert.raised' ? alerts : updates;
        lookups.push(
          sql<{ payload: { factors?: { records?: string[] }[] } }>`
            select payload from matters where id = ${e.matterId}::bigint`
            .execute(db)
            .then((r) => {
              const factors = r.rows[0]?.payload.factors ?? [];
              list.push({
                t: m.t!,
                alertId: e.matterId,
                model: e.data?.model ?? '?',
                records: [...new Set(factors.flatMap((f) => f.records ?? []))],
              });
            }),
        );
      }
    });
    worker.on('error', (e) => failed(e));
    await readyP;
    // What the event bus delivered in this process (the SSE route hears the same), to compare with the client.
    const delivered: Record<string, number> = {};
    const unsubscribe = kernel.events.subscribe((e) => {
      delivered[e.type] = (delivered[e.type] ?? 0) + 1;
    });
    const passLog: StreamPass[] = [];
    // As `npm start` runs it: on PostgreSQL on a thread of its own (BENCH_ALERT_THREAD=off: on this thread).
    const onPass = (p: StreamPass) => passLog.push(p);
    stopStreaming =
      kernel.database.engine === 'postgres' && process.env.BENCH_ALERT_THREAD !== 'off'
        ? await startStreamingThread(kernel, { onPass })
        : startStreaming(kernel, MODELS, { onPass });
    // How long the event loop of the server's process (ingest, models, HTTP, SSE) is held up at a time.
    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    // Each streaming model's runs and the duration of its last run, sampled every 200 ms: the time per pass.
    const passStats = new Map<string, { runs: number; sampled: number; ms: number }>();
    const seenRuns = new Map<string, number>();
    const sample = async () => {
      const r = await sql<{ code: string; runs: number; last_duration_ms: number | null }>`
        select code, runs, last_duration_ms from alert_models`.execute(db);
      for (const m of r.rows) {
        const before = seenRuns.get(m.code) ?? 0;
        if (m.runs > before) {
          const x = passStats.get(m.code) ?? { runs: 0, sampled: 0, ms: 0 };
          x.runs += m.runs - before;
          x.sampled++;
          x.ms += m.last_duration_ms ?? 0;
          passStats.set(m.code, x);
        }
        seenRuns.set(m.code, m.runs);
      }
    };
    let sampling = Promise.resolve();
    const sampler = setInterval(() => {
      sampling = sampling.then(sample).catch(() => {});
    }, 200);

    // Ingest: batch i is due at t0 + i × 100 ms; one batch at a time, a late one starts at once.
    const commits = new Map<string, number[]>();
    const plantedAt: { kind: Planted['kind']; batch: number; matterId: string | null; commit: number }[] = [];
    const counts: Record<string, number> = { inserted: 0, merged: 0, skipped: 0, rejected: 0 };
    const batchMs: number[] = [];
    const stageTimes: StageTimes = {};
    const firstReject: string[] = [];
    const failures: string[] = [];
    const concurrency = kernel.database.engine === 'postgres' ? CONCURRENCY : 1;
    const send = async (batch: PlannedBatch) => {
      const at = new Date().toISOString();
      for (const r of batch.records) r.reportedAt = at;
      const source = sources[batch.source];
      const b0 = clock();
      let result: Awaited<ReturnType<typeof intake>>;
      try {
        result = await intake(kernel, sourceActor(source), source, 'push', batch.records);
      } catch (e) {
        failures.push((e as Error).message);
        return;
      }
      const commit = clock();
      batchMs.push(commit - b0);
      addTimes(stageTimes, result.times);
      for (const k of Object.keys(counts))
        counts[k] = counts[k]! + result.counts[k as keyof typeof result.counts];
      for (const o of result.outcomes) {
        if (o.status === 'rejected' && firstReject.length < 3)
          firstReject.push(`${o.recordKey}: ${(o.errors ?? []).map((e) => e.reason).join('; ')}`);
        if (!o.matterId || o.status === 'rejected' || o.status === 'skipped') continue;
        const list = commits.get(o.matterId) ?? [];
        list.push(commit);
        commits.set(o.matterId, list);
      }
      for (const p of batch.planted) {
        const o = result.outcomes.find((x) => x.rowNo === p.row + 1);
        plantedAt.push({ kind: p.kind, batch: p.batch, matterId: o?.matterId ?? null, commit });
      }
    };
    const inFlight = new Set<Promise<void>>();
    const t0 = clock();
    for (const [i, batch] of plan.entries()) {
      const wait = t0 + i * BATCH_MS - clock();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      // A late batch still waits one turn of the event loop, as a separate HTTP push would: PGlite answers
      // through promises alone, and back-to-back batches would otherwise starve every timer of the process
      // (the streaming pass's debounce among them) for the whole ingest.
      await new Promise((r) => setImmediate(r));
      const p: Promise<void> = send(batch).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    const elapsedMs = clock() - t0;
    if (firstReject.length) console.log(`  rejected records, e.g.: ${firstReject.join(' | ')}`);
    if (failures.length)
      console.log(`  ${failures.length} batches failed (not counted as sent), e.g.: ${failures[0]}`);

    // Wait for the alerts of the last records: until every entry written during the ingest has been
    // evaluated (the streaming cursor has passed them) and, unless every planted record already has its
    // alert, 10 s have passed since the last commit; at most DRAIN_MAX_MS. Alerts that come after 10 s
    // still count in the latencies; their planted records count as missing.
    const lastCommit = clock();
    const target = Number(
      (await sql<{ m: string }>`select coalesce(max(id), 0)::text as m from matter_timeline`.execute(db))
        .rows[0]!.m,
    );
    const expected = (p: (typeof plantedAt)[number]) =>
      p.kind === 'threat' ? ['civil_to_criminal', 'domestic_violence'] : ['extreme_emotion'];
    const firstAlert = (p: (typeof plantedAt)[number]) =>
      [...alerts, ...updates]
        .filter((a) => a.t >= p.commit && expected(p).includes(a.model) && a.records.includes(p.matterId!))
        .reduce<number | null>((m, a) => (m === null || a.t < m ? a.t : m), null);
    let drainedAt: number | null = null;
    while (clock() - lastCommit < DRAIN_MAX_MS) {
      await new Promise((r) => setTimeout(r, 250));
      await Promise.all(lookups);
      if (drainedAt === null) {
        const c = await sql<{ m: string }>`
          select coalesce(max(timeline_id), 0)::text as m from alert_cursors`.execute(db);
        if (Number(c.rows[0]!.m) >= target) drainedAt = clock();
      }
      // Every entry evaluated, a second for the last alerts to travel, and every planted record has its
      // alert or 10 s have passed.
      if (
        drainedAt !== null &&
        clock() - drainedAt > 1000 &&
        (clock() - lastCommit > MISSING_AFTER_MS ||
          plantedAt.every((p) => p.matterId && firstAlert(p) !== null))
      )
        break;
    }
    const drainMs = (drainedAt ?? clock()) - lastCommit;
    await stopStreaming();
    if (process.env.BENCH_PASS_LOG)
      for (const p of passLog)
        console.log(
          `PASS matters=${p.matters} entries=${p.entries} read=${p.readMs} eval=${p.evaluateMs} apply=${p.applyMs} raised=${p.raised} updated=${p.updated} unchanged=${p.unchanged} suppressed=${p.suppressed} models=${p.evaluated.map((e) => `${e.code}:${e.ms}/${e.signals.length}`).join(',')}`,
        );
    stopStreaming = null;
    clearInterval(sampler);
    await sampling;
    unsubscribe();
    loopDelay.disable();
    stopping = true;
    worker.postMessage('stop');
    await Promise.race([endedP, new Promise((r) => setTimeout(r, 2000))]);
    await Promise.all(lookups);

    const modelFailures = (
      await sql<{ code: string; failures: number; last_error: string | null }>`
        select code, failures, last_error from alert_models where failures > 0 order by code`.execute(db)
    ).rows;

    // Planted records that never got an alert: evaluated again now (read only), does their model find them,
    // with no alert of that key stored? Then the streaming passes never evaluated them.
    const never = plantedAt.filter((p) => p.matterId && firstAlert(p) === null);
    const skipped = new Set<string>();
    for (const code of ['civil_to_criminal', 'domestic_violence', 'extreme_emotion']) {
      const ids = never.filter((p) => expected(p).includes(code)).map((p) => p.matterId!);
      const model = MODELS.find((m) => m.code === code)!;
      if (!ids.length) continue;
      const r = await evaluateModel(
        kernel,
        model,
        { now: new Date(), matterIds: ids, params: model.defaults },
        600_000,
      );
      if (!r.ok) console.log(`  re-evaluating the planted records with no alert: ${code} failed: ${r.error}`);
      const found = r.signals.filter((x) => ids.some((id) => x.factors.some((f) => f.records.includes(id))));
      const stored = new Set(
        (
          await sql<{ key: string }>`
            select key from alert_keys where model = ${code} and key = any(${found.map((x) => x.key)}::text[])`.execute(
            db,
          )
        ).rows.map((x) => x.key),
      );
      for (const x of found.filter((y) => !stored.has(y.key)))
        for (const f of x.factors) for (const id of f.records) if (ids.includes(id)) skipped.add(id);
    }

    // Latency of each alert.raised: from the commit of the latest batch (at or before the message) that
    // wrote a record of one of the matters behind its factors.
    const latencies: number[] = [];
    let unmapped = 0;
    const byModel: Record<string, number> = {};
    for (const a of alerts) {
      byModel[a.model] = (byModel[a.model] ?? 0) + 1;
      let cause = -1;
      for (const id of a.records) for (const c of commits.get(id) ?? []) if (c <= a.t && c > cause) cause = c;
      if (cause < 0) unmapped++;
      else latencies.push(a.t - cause);
    }
    const planted = plantedAt.map((p) => {
      const t = p.matterId ? firstAlert(p) : null;
      const latency = t === null ? null : t - p.commit;
      return { kind: p.kind, batch: p.batch, latency };
    });
    return {
      label,
      records: batchMs.length * size,
      batches: batchMs.length,
      concurrency,
      drainMs,
      drained: drainedAt !== null,
      neverEvaluated: skipped.size,
      elapsedMs,
      batchMs,
      stageTimes,
      counts,
      sse: sseEnd,
      alerts,
      latencies,
      unmapped,
      byModel,
      planted,
      failed: modelFailures,
      sseLostAfterMs: sseLost === null ? null : sseLost - t0,
      sseError,
      delivered,
      loopDelayMs: {
        p50: loopDelay.percentile(50) / 1e6,
        p99: loopDelay.percentile(99) / 1e6,
        max: loopDelay.max / 1e6,
      },
      passes: [...passStats]
        .map(([code, x]) => ({ code, runs: x.runs, meanMs: x.ms / x.sampled }))
        .sort((a, b) => b.meanMs - a.meanMs),
    };
  } finally {
    if (stopStreaming) await stopStreaming().catch(() => {});
    if (worker) await worker.terminate();
    await app.close();
  }
}

function printStreaming(engine: string, r: StreamResult) {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const batch = [...r.batchMs].sort((a, b) => a - b);
  const planted = r.planted.filter((p) => p.latency !== null).map((p) => p.latency!);
  planted.sort((a, b) => a - b);
  const missing = r.planted.filter((p) => p.latency === null || p.latency > MISSING_AFTER_MS);
  const never = r.planted.filter((p) => p.latency === null);
  const p95 = pct(sorted, 95);
  const sse = Object.entries(r.sse)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  console.log(
    `\n[alerts] streaming — ${r.label}\n` +
      `  ingest: ${fmt(r.records)} records in ${r.batches} batches, ${r.concurrency} at a time at most (target ${fmt(RATE)} records/s) took ${secs(r.elapsedMs)} → ` +
      `${fmt(r.records / (r.elapsedMs / 1000))} records/s achieved; intake() per batch p50 ${fmt(pct(batch, 50))} ms, ` +
      `p95 ${fmt(pct(batch, 95))} ms, max ${fmt(batch.at(-1) ?? 0)} ms; ${fmt(r.counts.inserted!)} new disputes, ` +
      `${fmt(r.counts.merged!)} merged, ${fmt(r.counts.rejected!)} rejected\n` +
      `  intake() by step, summed over its batches: ${describeTimes(r.stageTimes)}\n` +
      `  SSE messages received: ${sse} (the bus delivered ${Object.entries(r.delivered)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(
          ', ',
        )} in the server's process); event-loop delay of that process p50 ${fmt(r.loopDelayMs.p50)} ms, ` +
      `p99 ${fmt(r.loopDelayMs.p99)} ms, max ${fmt(r.loopDelayMs.max)} ms\n` +
      (r.sseLostAfterMs !== null
        ? `  the SSE stream ENDED before the bench stopped it, ${secs(r.sseLostAfterMs)} after the ingest began` +
          `${r.sseError ? ` (${r.sseError})` : ' (closed by the server)'}: later alerts were not received\n`
        : '') +
      `  alert.raised: ${fmt(r.alerts.length)} (${Object.entries(r.byModel)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}); mapped to a batch ${fmt(sorted.length)}, unmapped ${r.unmapped}\n` +
      `  latency commit → SSE, every alert.raised: p50 ${fmt(pct(sorted, 50))} ms, p95 ${fmt(p95)} ms, ` +
      `max ${fmt(sorted.at(-1) ?? Number.NaN)} ms\n` +
      `  planted records: ${fmt(r.planted.length)} (${fmt(r.planted.filter((p) => p.kind === 'threat').length)} threats, ` +
      `${fmt(r.planted.filter((p) => p.kind === 'despair').length)} despair); their first alert, raised or updated (those that came): ` +
      `p50 ${fmt(pct(planted, 50))} ms, p95 ${fmt(pct(planted, 95))} ms, max ${fmt(planted.at(-1) ?? Number.NaN)} ms; ` +
      `missing (no alert within 10 s): ${missing.length}` +
      `${missing.length ? ` (${missing.filter((p) => p.latency !== null).length} came later, ${never.length} never${never.length ? `, from ${new Set(never.map((p) => p.batch)).size} batches; run again afterwards, their model raises a never-stored alert for ${r.neverEvaluated} of them: the streaming passes skipped them` : ''})` : ''}\n` +
      `  the streaming evaluation ${r.drained ? `had passed every entry of the ingest ${secs(r.drainMs)} after the last commit` : `had not caught up ${secs(r.drainMs)} after the last commit`}\n` +
      `  streaming passes: ${r.passes[0]?.runs ?? 0} (one every ${secs(r.elapsedMs / Math.max(1, r.passes[0]?.runs ?? 1))} ` +
      `of ingest); the models' time per pass, mean ${fmt(r.passes.reduce((t, p) => t + p.meanMs, 0))} ms: ${r.passes
        .map((p) => `${p.code} ${fmt(p.meanMs)}`)
        .join(', ')} (plus writing the alerts)\n` +
      (r.failed.length
        ? `  model evaluations that failed during the run: ${r.failed
            .map((f) => `${f.code} ${f.failures}× (${(f.last_error ?? '').slice(0, 80)})`)
            .join('; ')}\n`
        : '') +
      `  target p95 ≤ ${fmt(TARGET_P95_MS)} ms at ${fmt(RATE)} records/s on ${engine}: ` +
      `${p95 <= TARGET_P95_MS && r.records / (r.elapsedMs / 1000) >= RATE * 0.95 && !missing.length ? 'MET' : 'NOT MET'}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// 2. Periodic: the models over the library (generated with SQL in bench/gen-matters.ts)

/** Times every query a model runs (from compiling it to its result), to name the slowest. */
class QueryTimer implements KyselyPlugin {
  private readonly started = new Map<unknown, { t: number; node: RootOperationNode }>();
  log: { ms: number; node: RootOperationNode }[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.started.set(args.queryId, { t: performance.now(), node: args.node });
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const s = this.started.get(args.queryId);
    if (s) {
      this.log.push({ ms: performance.now() - s.t, node: s.node });
      this.started.delete(args.queryId);
    }
    return args.result;
  }
}

interface ModelRun {
  code: string;
  kind: string;
  ms: number;
  signals: number;
  ok: boolean;
  error?: string;
  queries: number;
  slowestMs: number;
  slowestSql: string;
}

async function periodicPhase(kernel: Kernel, label: string, engine: string) {
  const db = kernel.db;
  const genNow = new Date();
  const g0 = performance.now();
  const sizes = await generateLibrary(db, MATTERS, genNow, (s) =>
    process.stderr.write(`\r  generating on ${engine}: ${s}, ${secs(performance.now() - g0)}          `),
  );
  process.stderr.write('\n');
  const genMs = performance.now() - g0;
  console.log(
    `\n[alerts] periodic — ${label}\n` +
      `  library (generated with SQL, untimed: ${secs(genMs)}): ${fmt(sizes.matters)} disputes over 12 months in ` +
      `${fmt(sizes.villages)} villages, ${fmt(sizes.persons)} persons, ${fmt(sizes.enterprises)} enterprises, ` +
      `${fmt(sizes.parties)} parties, ${fmt(sizes.records)} source records, ${fmt(sizes.timeline)} timeline entries, ` +
      `${fmt(sizes.tags)} person tags`,
  );
  const now = new Date();
  const lastDay = (
    await sql<{ id: string }>`
      select id::text as id from matters
      where type = 'dispute' and created_at > ${new Date(now.getTime() - 86_400_000).toISOString()}::timestamptz
        and created_at <= ${now.toISOString()}::timestamptz
      order by id`.execute(db)
  ).rows.map((r) => r.id);
  console.log(
    `  each model once, defaults, now = ${now.toISOString()}; streaming models get the ${fmt(lastDay.length)} ` +
      'disputes created in the last 24 hours as matterIds (one pass over a day of changes)',
  );
  const timer = new QueryTimer();
  const timed = db.withPlugin(timer);
  const runs: ModelRun[] = [];
  for (const model of MODELS) {
    timer.log = [];
    const r = await evaluateModel(
      { db: timed },
      model,
      {
        now,
        params: model.defaults,
        ...(model.kind === 'streaming' ? { matterIds: lastDay } : {}),
      },
      600_000,
    );
    // The model's own queries: not the runtime's health update that follows its transaction.
    const queries = timer.log
      .map((q) => ({ ms: q.ms, compiled: db.getExecutor().compileQuery(q.node, createQueryId()) }))
      .filter((q) => !q.compiled.sql.startsWith('update "alert_models"'));
    const slowest = queries.reduce<(typeof queries)[number] | null>(
      (m, q) => (!m || q.ms > m.ms ? q : m),
      null,
    );
    const compiled = slowest?.compiled ?? null;
    const run: ModelRun = {
      code: model.code,
      kind: model.kind,
      ms: r.ms,
      signals: r.signals.length,
      ok: r.ok,
      ...(r.error ? { error: r.error } : {}),
      queries: queries.length,
      slowestMs: slowest?.ms ?? 0,
      slowestSql: compiled?.sql.replace(/\s+/g, ' ').trim() ?? '',
    };
    runs.push(run);
    console.log(
      `  ${String(model.no).padStart(2)} ${model.code.padEnd(18)} ${model.kind.padEnd(9)} ${fmt(r.ms).padStart(8)} ms ` +
        `${fmt(r.signals.length).padStart(6)} signals  ${r.ok ? '' : `FAILED: ${r.error} `}` +
        `(${run.queries} queries; slowest ${fmt(run.slowestMs)} ms: ${run.slowestSql.slice(0, 90)}…)`,
    );
    if (r.ms > SLOW_MODEL_MS && compiled) {
      const plan = await db.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]),
      );
      console.log(
        `     slower than ${secs(SLOW_MODEL_MS)}: EXPLAIN of its slowest query\n${plan.rows
          .slice(0, 25)
          .map((x) => `       ${x['QUERY PLAN']}`)
          .join('\n')}`,
      );
    }
  }
  const total = runs.reduce((t, r) => t + r.ms, 0);
  console.log(
    `  all twelve: ${fmt(total)} ms (${secs(total)}); ${runs.filter((r) => !r.ok).length} failed` +
      (engine === 'postgres'
        ? `; target ≤ ${secs(PERIODIC_TARGET_MS)} on PostgreSQL at 1,000,000: ${
            MATTERS >= 1_000_000
              ? total <= PERIODIC_TARGET_MS
                ? 'MET'
                : 'NOT MET'
              : `not judged at ${fmt(MATTERS)}`
          }`
        : ' (PGlite: reported, no target)'),
  );
  return { runs, total, genMs, sizes };
}

// ---------------------------------------------------------------------------------------------------

export async function benchAlerts(): Promise<void> {
  registerModules();
  console.log(
    `\n=== alerts: streaming latency and the twelve models over a library ===\nmachine: ${os.cpus()[0]?.model} ×${os.cpus().length}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}, load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}; engines ${engines.join(', ')}; streaming ${SECONDS} s at ${fmt(RATE)} records/s ` +
      `(batches of ${Math.round((RATE * BATCH_MS) / 1000)} every ${BATCH_MS} ms); periodic over ${fmt(MATTERS)} disputes`,
  );
  for (const engine of engines) {
    if (phases.includes('streaming')) {
      const r = await withEngine(engine, 'stream', (kernel, label) => streamingPhase(kernel, label));
      if (r) printStreaming(engine, r);
    }
    if (phases.includes('periodic')) {
      await withEngine(engine, 'periodic', (kernel, label) => periodicPhase(kernel, label, engine));
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAlerts();

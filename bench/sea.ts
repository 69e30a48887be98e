/**
 * 海上斑马线 feed benchmark (issue 9): BENCH_SEA_VESSELS vessels (10,000) each reporting every 10 s — 1,000
 * positions/s over MQTT — for BENCH_SEA_SECONDS (30 by default; BENCH_SEA_FULL=1 → the full 300 s), every
 * position evaluated against the seeded Wenzhou channels, corridors, zones, ports (src/cli/seed/sea.ts).
 *
 * Per broker (BENCH_SEA_BROKERS=embedded,mosquitto): a fresh PostgreSQL database (BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres; created and dropped) with the kernel's and every module's
 * migrations, the geometry, and the vessels bulk-inserted with SQL; the feed (SeaFeed, as the server runs it:
 * leader lock, QoS 1 subscription, batched track inserts every 500 ms, alerts through the kernel's matters)
 * on the in-process aedes broker or on Mosquitto (BENCH_SEA_MOSQUITTO, default mqtt://127.0.0.1:1883). The
 * publisher runs in a worker thread (its own event loop, one MQTT connection, QoS 1): every 100 ms a tenth of
 * a second's share of the vessels, each message `{lng, lat, sog, cog, ts}` with ts = the publish time.
 * BENCH_SEA_BREACH (0.01) of the vessels are placed just west of the coastal route, outside its corridors,
 * and cross it during the run, each raising one channel_crossing alert (spread over the run); the rest fish in
 * open water east of it (no breach: every position still goes through every rule).
 *
 * Reported: positions published (acknowledged by the broker) vs received vs evaluated vs rejected, achieved
 * rate, p50/p95/p99 publish → evaluated latency (every position) and publish → alert latency (the alert's
 * matter committed and its events published: what the SSE clients are told next), rows stored, CPU of this
 * process and the load average (the machine is shared).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { seedSeaGeometry } from '../src/cli/seed/sea.ts';
import { loadConfig } from '../src/core/config.ts';
import { type Database, openDatabase, UTF8_DB } from '../src/core/db/database.ts';
import { createEventBus } from '../src/core/events/bus.ts';
import { createLocalStore } from '../src/core/files/store.ts';
import { type Kernel, prepareDatabase } from '../src/core/kernel.ts';
import { createVault } from '../src/core/subjects/vault.ts';
import { registerModules } from '../src/modules/index.ts';
import { type AlertRaised, SeaFeed } from '../src/modules/sea/sea.feed.ts';

const env = process.env;
const VESSELS = Number(env.BENCH_SEA_VESSELS ?? 10_000);
const SECONDS = env.BENCH_SEA_FULL === '1' ? 300 : Number(env.BENCH_SEA_SECONDS ?? 30);
const INTERVAL_S = 10;
const BREACH = Number(env.BENCH_SEA_BREACH ?? 0.01);
const DB_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MOSQUITTO = env.BENCH_SEA_MOSQUITTO ?? 'mqtt://127.0.0.1:1883';
const BROKERS = (env.BENCH_SEA_BROKERS ?? 'embedded,mosquitto').split(',').map((s) => s.trim());

const maxOf = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);
const pct = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** The publisher, in a worker (plain JS, evaluated): steps every vessel and publishes on schedule. */
const PUBLISHER = `
const { parentPort, workerData } = require('node:worker_threads');
const mqtt = require(workerData.mqttPath);
const { url, vessels, seconds, intervalS } = workerData;
const client = mqtt.connect(url, { clientId: 'zhili-bench-pub-' + process.pid + '-' + Math.random().toString(36).slice(2, 6) });
let acked = 0, sent = 0, failed = 0;
client.on('connect', () => {
  const start = Date.now();
  const ticksPerInterval = intervalS * 10;
  let tick = 0;
  // Each timer callback publishes every 100-ms slot that is due (a late callback catches up), so that the
  // schedule's total goes out even when the event loop is starved.
  const timer = setInterval(() => {
    const due = start + tick * 100;
    if (tick >= seconds * 10) {
      clearInterval(timer);
      const wait = setInterval(() => {
        if (acked + failed >= sent) {
          clearInterval(wait);
          client.end(false, {}, () => parentPort.postMessage({ done: true, sent, acked, failed }));
        }
      }, 50);
      return;
    }
    while (tick < seconds * 10 && start + tick * 100 <= Date.now()) {
      const slot = tick % ticksPerInterval;
      for (let i = slot; i < vessels.length; i += ticksPerInterval) {
        const v = vessels[i];
        // ~10 knots along the vessel's heading, 10 s per step.
        v.lng += v.dlng; v.lat += v.dlat;
        const payload = JSON.stringify({ lng: +v.lng.toFixed(6), lat: +v.lat.toFixed(6), sog: 10, cog: v.cog, ts: Date.now() });
        sent++;
        client.publish('zhili/vessels/' + v.number + '/position', payload, { qos: 1 }, (err) => { if (err) failed++; else acked++; });
      }
      tick++;
      if (tick % 50 === 0) parentPort.postMessage({ progress: true, sent, acked, lagMs: Date.now() - (start + tick * 100) });
    }
  }, 100);
});
client.on('error', (e) => parentPort.postMessage({ error: e.message }));
`;

interface PubVessel {
  number: string;
  lng: number;
  lat: number;
  dlng: number;
  dlat: number;
  cog: number;
}

function planFleet(n: number, breachShare: number): { vessels: PubVessel[]; breaching: number } {
  const breaching = Math.round(n * breachShare);
  const steps = SECONDS / INTERVAL_S;
  // 10 kn for 10 s = 51 m; in degrees at 27.8°N.
  const stepLng = 0.051 / (111.32 * Math.cos((27.8 * Math.PI) / 180));
  const vessels: PubVessel[] = [];
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1664525 + 1013904223) % 4294967296;
    return seed / 4294967296;
  };
  for (let i = 0; i < n; i++) {
    const number = `浙测渔${String(i).padStart(5, '0')}`;
    if (i < breaching) {
      // West of the coastal route (121.35), outside its corridors (27.80–27.82, 27.55–27.57), heading east; the
      // k-th reaches the route after about k/breaching of the run.
      const lat = 27.6 + (i % 2 ? 0.1 : 0.3) + rnd() * 0.1;
      const stepsBefore = Math.max(1, Math.floor(((i + 0.5) / breaching) * steps * 0.9));
      vessels.push({
        number,
        lng: 121.35 - stepsBefore * stepLng + stepLng / 2,
        lat,
        dlng: stepLng,
        dlat: 0,
        cog: 90,
      });
    } else {
      const heading = rnd() * 2 * Math.PI;
      vessels.push({
        number,
        lng: 121.5 + rnd() * 0.9,
        lat: 27.3 + rnd() * 0.9,
        dlng: stepLng * Math.sin(heading),
        dlat: (0.051 / 110.57) * Math.cos(heading),
        cog: Math.round((heading * 180) / Math.PI),
      });
    }
  }
  return { vessels, breaching };
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

async function runOnce(broker: string): Promise<void> {
  const name = `zhili_bench_sea_${process.pid}_${broker}`;
  const admin = new pg.Client({ connectionString: DB_URL });
  await admin.connect();
  await admin.query(`create database ${name} ${UTF8_DB}`);
  const u = new URL(DB_URL);
  u.pathname = `/${name}`;
  const database = await openDatabase({ url: u.toString() });
  try {
    await prepareDatabase(database);
    const kernel = await kernelOn(database);
    try {
      await seedSeaGeometry(kernel.db);
      const { vessels, breaching } = planFleet(VESSELS, BREACH);
      const t0 = Date.now();
      await sql`insert into things (area_code, kind, name, identifier)
        select '330305000000', 'vessel', n, n from unnest(${vessels.map((v) => v.number)}::text[]) as n`.execute(
        kernel.db,
      );
      await sql`insert into sea_vessels (thing_id, number, name, area_code, home_port)
        select id, identifier, name, area_code, '洞头中心渔港' from things where kind = 'vessel'`.execute(
        kernel.db,
      );
      console.log(`  seeded ${VESSELS} vessels in ${Date.now() - t0} ms`);

      const feed = new SeaFeed(kernel, {
        ...(broker === 'mosquitto' ? { url: MOSQUITTO } : { port: 0 }),
        silenceCheckMs: 3_600_000,
      });
      await feed.start();
      const evalLat: number[] = [];
      const alertLat: number[] = [];
      feed.on('evaluated', (ts: number) => evalLat.push(Date.now() - ts));
      feed.on('alert', (a: AlertRaised) => alertLat.push(a.raisedAt - a.ts));
      const cpu0 = process.cpuUsage();
      const load0 = os.loadavg();
      const started = Date.now();
      const result = await new Promise<{ sent: number; acked: number; failed: number }>((resolve, reject) => {
        const w = new Worker(PUBLISHER, {
          eval: true,
          workerData: {
            url: feed.brokerUrl,
            vessels,
            seconds: SECONDS,
            intervalS: INTERVAL_S,
            mqttPath: path.resolve('node_modules/mqtt'),
          },
        });
        w.on('message', (m) => {
          if (m.error) reject(new Error(m.error));
          else if (m.done) resolve(m);
          else if (m.progress) {
            const s = feed.stats();
            process.stdout.write(
              `\r  t=${Math.round((Date.now() - started) / 1000)}s sent ${m.sent} acked ${m.acked} received ${s.received} evaluated ${s.evaluated} alerts ${s.raised} (publisher lag ${m.lagMs} ms)   `,
            );
          }
        });
        w.on('error', reject);
      });
      const pubSeconds = (Date.now() - started) / 1000;
      // Drain: everything acknowledged must arrive and be evaluated.
      for (let i = 0; i < 600 && feed.stats().received < result.acked; i++)
        await new Promise((r) => setTimeout(r, 100));
      await feed.settle();
      await feed.flush();
      const cpu = process.cpuUsage(cpu0);
      const load1 = os.loadavg();
      const s = feed.stats();
      const stored = await sql<{ n: number }>`select count(*)::int as n from sea_positions`.execute(
        kernel.db,
      );
      const alerts = await sql<{ n: number }>`select count(*)::int as n from sea_alerts`.execute(kernel.db);
      await feed.stop();
      console.log(
        `\n[sea] broker ${broker === 'mosquitto' ? `Mosquitto (${MOSQUITTO})` : `embedded aedes (${feed.brokerUrl})`}, PostgreSQL, ${VESSELS} vessels every ${INTERVAL_S} s for ${SECONDS} s` +
          `\n  published (acked) ${result.acked} of ${result.sent} sent (${result.failed} failed) in ${pubSeconds.toFixed(1)} s → ${(result.acked / SECONDS).toFixed(0)} positions/s` +
          `\n  received ${s.received} = evaluated ${s.evaluated} + rejected ${s.rejected} ${s.received === s.evaluated + s.rejected ? '✓' : '✗'}; published = evaluated: ${result.acked === s.evaluated ? 'yes ✓' : `NO ✗ (${result.acked - s.evaluated} missing)`}` +
          `\n  publish → evaluated: p50 ${pct(evalLat, 50).toFixed(0)} ms, p95 ${pct(evalLat, 95).toFixed(0)} ms, p99 ${pct(evalLat, 99).toFixed(0)} ms, max ${maxOf(evalLat)} ms` +
          `\n  publish → alert (${alertLat.length} alerts, ${breaching} vessels planted to breach): p50 ${pct(alertLat, 50).toFixed(0)} ms, p95 ${pct(alertLat, 95).toFixed(0)} ms, max ${maxOf(alertLat)} ms (target p95 ≤ 200 ms)` +
          `\n  breaches ${s.breaches} (deduplicated ${s.deduplicated}), alerts stored ${alerts.rows[0]!.n}, positions stored ${stored.rows[0]!.n}` +
          `\n  this process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s over ${pubSeconds.toFixed(0)} s (${(((cpu.user + cpu.system) / 1e6 / pubSeconds) * 100).toFixed(0)} % of one core); load average ${load0[0]!.toFixed(2)} → ${load1[0]!.toFixed(2)} on ${os.cpus().length} cores (shared machine)`,
      );
    } finally {
      await kernel.close();
    }
  } finally {
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

export async function benchSea(): Promise<void> {
  registerModules();
  console.log(
    `\n[sea] ${os.cpus()[0]?.model} ×${os.cpus().length}, node ${process.version}; ${VESSELS} vessels, ${SECONDS} s (BENCH_SEA_FULL=1 for 300 s)`,
  );
  for (const b of BROKERS) {
    try {
      await runOnce(b);
    } catch (e) {
      console.log(`\n[sea] ${b}: failed — ${(e as Error).message}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSea();

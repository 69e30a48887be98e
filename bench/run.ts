/**
 * Kernel benchmarks: each prints what it measured, on what, and how, as a ratio of two ways measured side
 * by side in one run (never as a pass/fail timing). `npm run bench`; set DATABASE_URL to run on PostgreSQL
 * (it uses a database it creates and drops), otherwise an in-memory PGlite. Then bench/matters.ts: the
 * work queue and a transition, HTTP vs bare, on both engines (see its header for its settings).
 */
import os from 'node:os';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import pg from 'pg';
import { systemActor } from '../src/core/access/actor.ts';
import { type AreaGeometry, locate } from '../src/core/areas/areas.service.ts';
import { audit } from '../src/core/audit/audit.ts';
import { type Database, openDatabase, UTF8_DB } from '../src/core/db/database.ts';
import { prepareDatabase } from '../src/core/kernel.ts';
import { seeded } from '../src/testing/harness.ts';
import { benchAlerts } from './alerts.ts';
import { benchDisputes } from './disputes.ts';
import { benchMap } from './map.ts';
import { benchMatters } from './matters.ts';
import { benchSea } from './sea.ts';

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function open(): Promise<{ database: Database; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) return { database: await openDatabase({ dataDir: 'memory://' }), drop: async () => {} };
  const name = `zhili_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name} ${UTF8_DB}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    database: await openDatabase({ url: u.toString() }),
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** The baseline: the same descent asking the database for bounding-box candidates at each level. */
async function locateBySql(db: Database['db'], lng: number, lat: number): Promise<string | undefined> {
  let parent: string | null = null;
  let found: string | undefined;
  for (let level = 2; level <= 5; level++) {
    let q = db
      .selectFrom('areas')
      .select(['code', 'geometry'])
      .where('level', '=', level)
      .where('min_lng', '<=', lng)
      .where('max_lng', '>=', lng)
      .where('min_lat', '<=', lat)
      .where('max_lat', '>=', lat);
    if (parent) q = q.where('parent_code', '=', parent);
    const hit = (await q.execute()).find((c) =>
      booleanPointInPolygon([lng, lat], c.geometry as AreaGeometry),
    );
    if (!hit) break;
    parent = hit.code;
    if (level === 5) found = hit.code;
  }
  return found;
}

// BENCH=sea runs only the 海上斑马线 feed benchmark (bench/sea.ts; BENCH_SEA_FULL=1 for the full 5 minutes).
if (process.env.BENCH === 'sea') {
  await benchSea();
  process.exit(0);
}

const { database, drop } = await open();
try {
  console.log(
    `machine: ${os.cpus()[0]?.model} ×${os.cpus().length}, node ${process.version}, engine ${database.engine}`,
  );
  await prepareDatabase(database);
  const db = database.db;

  // 1. point → area, three ways: the kernel's in-memory descent; the same descent done with one SQL query
  //    per level (bounding boxes in SQL, point-in-polygon on the candidates); testing every grid polygon.
  const rnd = seeded(42);
  const points = Array.from({ length: 200 }, () => ({ lng: 119.6 + rnd() * 1.6, lat: 27.1 + rnd() * 1.2 }));
  const grids = (
    await db.selectFrom('areas').select(['code', 'geometry']).where('level', '=', 5).execute()
  ).map((g) => ({
    code: g.code,
    geometry: g.geometry as AreaGeometry,
  }));
  await locate(db, 120.65, 28.01); // builds the in-memory index once (timed separately below)
  const memory: number[] = [];
  const sqlDescent: number[] = [];
  const brute: number[] = [];
  let agree = 0;
  let inside = 0;
  for (const p of points) {
    let a: string | undefined;
    let b: string | undefined;
    let c: string | undefined;
    memory.push(
      await time(async () => (a = (await locate(db, p.lng, p.lat)).find((x) => x.level === 5)?.code)),
    );
    sqlDescent.push(await time(async () => (b = await locateBySql(db, p.lng, p.lat))));
    brute.push(
      await time(
        async () => (c = grids.find((g) => booleanPointInPolygon([p.lng, p.lat], g.geometry))?.code),
      ),
    );
    if (a === b && b === c) agree++;
    if (a) inside++;
  }
  const m = median(memory);
  console.log(
    `\n[locate] ${points.length} seeded points in a box over 温州 (${inside} inside the city), ${grids.length} grids` +
      `\n  kernel (in-memory descent + version check): median ${m.toFixed(3)} ms` +
      `\n  SQL descent (one bbox query per level):      median ${median(sqlDescent).toFixed(3)} ms  → ${(median(sqlDescent) / m).toFixed(1)}× the kernel` +
      `\n  brute force (every grid polygon, in memory):  median ${median(brute).toFixed(3)} ms  → ${(median(brute) / m).toFixed(1)}× the kernel` +
      `\n  answers agree on ${agree}/${points.length}`,
  );

  // 2. the cost of the audit chain: N single-row writes with and without their chained audit entry.
  const N = 300;
  const actor = systemActor('bench');
  const plain = await time(async () => {
    for (let i = 0; i < N; i++) {
      await db.transaction().execute((tx) =>
        tx
          .insertInto('things')
          .values({ area_code: '330302006044001', kind: 'facility', name: `p${i}`, attributes: '{}' })
          .execute(),
      );
    }
  });
  const audited = await time(async () => {
    for (let i = 0; i < N; i++) {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('things')
          .values({ area_code: '330302006044001', kind: 'facility', name: `a${i}`, attributes: '{}' })
          .execute();
        await audit(tx, actor, {
          action: 'thing.create',
          entityType: 'thing',
          entityId: String(i),
          newValues: { name: `a${i}` },
        });
      });
    }
  });
  console.log(
    `\n[audit] ${N} one-row write transactions, sequential` +
      `\n  without audit: ${(plain / N).toFixed(2)} ms/write; with hash-chained audit: ${(audited / N).toFixed(2)} ms/write` +
      `\n  ratio audited/plain: ${(audited / plain).toFixed(2)}×`,
  );
} finally {
  await database.close();
  await drop();
}

// 3. the work queue and a transition at 100,000 and 1,000,000 matters, HTTP vs bare, on both engines
//    (bench/matters.ts builds its own databases; PostgreSQL from BENCH_DATABASE_URL).
await benchMatters();

// 4. dispute intake end to end against COPY, on both engines (bench/disputes.ts; BENCH_DISPUTE_ROWS).
await benchDisputes();

// 5. early warning: commit → SSE alert latency while ingesting, and the twelve models over a library (bench/alerts.ts).
await benchAlerts();

// 6. the map's aggregate through HTTP, city-wide and town views, cold and warm (bench/map.ts; BENCH_MAP_MATTERS).
await benchMap();

// 7. 海上斑马线: 1,000 positions/s over MQTT, each evaluated, publish → alert latency (bench/sea.ts).
await benchSea();

/**
 * Dispute intake benchmark: department files from all 21 sources (CSV UTF-8 and GBK, XLSX with title rows,
 * JSON Lines; bad rows, disputes reported by several departments) imported end to end as import jobs —
 * parse, map, validate, area, link subjects, find duplicates, classify, write, audit — on PGlite and on
 * PostgreSQL, side by side in one run with a plain COPY of the same dispute rows into the same table.
 *
 * How: the files are generated once (untimed). Per engine, a fresh database; every file is imported with
 * runJob (timed from the first job to the last: rows/s counts every input row, rejected and merged ones
 * too); the resulting dispute rows are dumped with COPY TO (untimed), deleted, and loaded back with COPY FROM
 * into the same `matters` table with its indexes (timed), and once more into a table with the same columns and
 * nothing to maintain (timed: the machine's ceiling for these rows); on PGlite, whose COPY goes through an
 * in-memory blob, in slices of 100,000 ids. Peak RSS is sampled every 200 ms during the ingest.
 *
 * Settings: BENCH_DISPUTE_ROWS (default 1,000,000), BENCH_ENGINES=pglite,postgres, BENCH_DISPUTE_PARALLEL
 * (files imported at once on PostgreSQL, default 1), BENCH_KEEP_DB=1 (PostgreSQL:
 * keep the imported database for EXPLAIN and skip the COPY baseline, which would delete its disputes),
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), BENCH_PGLITE_DIR (PGlite on disk
 * in a temporary folder by default, as the platform runs it).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { pino } from 'pino';
import { systemActor } from '../src/core/access/actor.ts';
import { loadConfig } from '../src/core/config.ts';
import { type Database, openDatabase, UTF8_DB } from '../src/core/db/database.ts';
import { createEventBus } from '../src/core/events/bus.ts';
import { createLocalStore } from '../src/core/files/store.ts';
import { type Kernel, prepareDatabase } from '../src/core/kernel.ts';
import { createVault } from '../src/core/subjects/vault.ts';
import { type GenerateResult, generateDepartmentFiles } from '../src/modules/dispute/demo/generate.ts';
import { createJob, describeTimes, runJob } from '../src/modules/dispute/imports.service.ts';
import type { StageTimes } from '../src/modules/dispute/intake/pipeline.ts';
import { registerModules } from '../src/modules/index.ts';

const ROWS = Number(process.env.BENCH_DISPUTE_ROWS ?? 1_000_000);
const engines = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',');
const pgAdminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const KEEP = process.env.BENCH_KEEP_DB === '1';
/** Files imported at once on PostgreSQL (PGlite runs one transaction at a time). */
const PARALLEL = Math.max(1, Number(process.env.BENCH_DISPUTE_PARALLEL ?? 1));

const COLUMNS = [
  'number',
  'type',
  'category',
  'title',
  'description',
  'status',
  'closed',
  'urgency',
  'source_department',
  'source_channel',
  'area_code',
  'lng',
  'lat',
  'h3',
  'reporter_id',
  'reporter_name',
  'dispatcher_area_code',
  'state_entered_at',
  'warn_at',
  'due_at',
  'deadline_state',
  'payload',
  'search_tokens',
  'created_at',
].join(', ');

interface Result {
  engine: string;
  label: string;
  rows: number;
  ingestMs: number;
  inserted: number;
  merged: number;
  rejected: number;
  copyRows: number;
  copyMs: number;
  /** The same COPY into a table with matters' columns and no index, constraint or foreign key. */
  bareMs: number;
  peakRssMb: number;
  /** Summed over every batch; prepare runs beside the previous batch's transaction, so they overlap. */
  times: StageTimes;
}

async function openEngine(
  engine: string,
): Promise<{ database: Database; label: string; drop: () => Promise<void> }> {
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 3000 });
    await admin.connect();
    const name = `zhili_bench_disputes_${process.pid}`;
    await admin.query(`create database ${name} ${UTF8_DB}`);
    const v = await admin.query<{ v: string }>(`select current_setting('server_version') v`);
    const u = new URL(pgAdminUrl);
    u.pathname = `/${name}`;
    return {
      database: await openDatabase({ url: u.toString(), poolSize: 5 }),
      label: `PostgreSQL ${v.rows[0]!.v} (local, 127.0.0.1)`,
      drop: async () => {
        if (KEEP) console.log(`[disputes] kept: ${u.toString()}`);
        else await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const dir = process.env.BENCH_PGLITE_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-bench-pglite-'));
  const database = await openDatabase({ dataDir: dir });
  return {
    database,
    label: `PGlite 0.5.17 (WASM, on disk in ${dir})`,
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function kernelOn(database: Database): Promise<Kernel> {
  const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-bench-files-'));
  const config = loadConfig({ NODE_ENV: 'test', ZHILI_DATA_DIR: '/nonexistent', ZHILI_FILES_DIR: filesDir });
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

/** Dispute ids per COPY slice on PGlite. */
const PGLITE_COPY_SLICE = 100_000;

/** COPY the dispute rows out, delete them, COPY them back in: the time of the last step. */
async function copyBaseline(
  database: Database,
  dumpFile: string,
): Promise<{ rows: number; ms: number; bareMs: number }> {
  const select = `copy (select ${COLUMNS} from matters where type = 'dispute') to stdout`;
  const load = `copy matters (${COLUMNS}) from stdin`;
  // The machine's ceiling: the same rows into a table with the same columns and nothing to maintain.
  const bare = `create table bench_bare as select ${COLUMNS} from matters limit 0`;
  const loadBare = `copy bench_bare (${COLUMNS}) from stdin`;
  if (database.engine === 'postgres') {
    const client = new pg.Client({ connectionString: database.url! });
    await client.connect();
    try {
      await pipeline(client.query(copyTo(select)), fs.createWriteStream(dumpFile));
      await client.query(`delete from matters where type = 'dispute'`);
      const t0 = performance.now();
      const stream = client.query(copyFrom(load));
      await pipeline(fs.createReadStream(dumpFile), stream);
      const ms = performance.now() - t0;
      await client.query(bare);
      const b0 = performance.now();
      await pipeline(fs.createReadStream(dumpFile), client.query(copyFrom(loadBare)));
      const bareMs = performance.now() - b0;
      return { rows: Number(stream.rowCount), ms, bareMs };
    } finally {
      await client.end();
    }
  }
  // PGlite copies through an in-memory blob: the rows go out and back in slices of ids, so that a million
  // rows never sit in memory at once (a single dump held 5.6 GB). Only the loads are timed.
  const lite = database.pglite!;
  const range = await lite.query<{ lo: string | null; hi: string | null }>(
    `select min(id)::text as lo, max(id)::text as hi from matters where type = 'dispute'`,
  );
  const lo = Number(range.rows[0]?.lo ?? 0);
  const hi = Number(range.rows[0]?.hi ?? -1);
  const files: string[] = [];
  for (let from = lo; from <= hi; from += PGLITE_COPY_SLICE) {
    const out = await lite.query(
      select.replace(
        "where type = 'dispute') to stdout",
        `where type = 'dispute' and id >= ${from} and id < ${from + PGLITE_COPY_SLICE}) to '/dev/blob'`,
      ),
    );
    const file = `${dumpFile}.${files.length}`;
    fs.writeFileSync(file, Buffer.from(await out.blob!.arrayBuffer()));
    files.push(file);
  }
  await lite.exec(`delete from matters where type = 'dispute'`);
  await lite.exec(bare);
  const loadAll = async (sql: string) => {
    let ms = 0;
    let rows = 0;
    for (const file of files) {
      const blob = new Blob([fs.readFileSync(file)]);
      const t0 = performance.now();
      const r = await lite.query(sql.replace('from stdin', "from '/dev/blob'"), [], { blob });
      ms += performance.now() - t0;
      rows += r.affectedRows ?? 0;
    }
    return { ms, rows };
  };
  const loaded = await loadAll(load);
  const bareLoaded = await loadAll(loadBare);
  for (const file of files) fs.rmSync(file, { force: true });
  return { rows: loaded.rows, ms: loaded.ms, bareMs: bareLoaded.ms };
}

async function runEngine(engine: string, gen: GenerateResult, work: string): Promise<Result | null> {
  let opened: Awaited<ReturnType<typeof openEngine>>;
  try {
    opened = await openEngine(engine);
  } catch (e) {
    console.log(`[disputes] ${engine}: skipped — ${(e as Error).message}`);
    return null;
  }
  const { database, label, drop } = opened;
  const kernel = await kernelOn(database);
  try {
    await prepareDatabase(database);
    const actor = systemActor('bench-import');
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 200);
    let inserted = 0;
    let merged = 0;
    let rejected = 0;
    const times: StageTimes = {};
    const t0 = performance.now();
    // BENCH_DISPUTE_PARALLEL files at once on PostgreSQL (as several uploads run in the server); PGlite: one.
    const queue = [...gen.files];
    const importNext = async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const { job } = await database.db.transaction().execute((tx) =>
          createJob(tx, actor, {
            source: f.source,
            filename: path.basename(f.path),
            sha256: randomBytes(32).toString('hex'),
            size: fs.statSync(f.path).size,
            filePath: f.path,
          }),
        );
        const done = await runJob(kernel, job.id, { actor, times });
        if (done?.status !== 'done') throw new Error(`${f.source}: ${done?.status} ${done?.error}`);
        inserted += done.inserted;
        merged += done.merged;
        rejected += done.rejected;
        process.stdout.write(
          `  ${engine} ${f.source}: ${done.rowsRead} rows (${Math.round(performance.now() - t0)} ms)\n`,
        );
      }
    };
    await Promise.all(Array.from({ length: engine === 'postgres' ? PARALLEL : 1 }, importNext));
    const ingestMs = performance.now() - t0;
    clearInterval(sampler);
    const copy =
      KEEP && engine === 'postgres'
        ? { rows: inserted, ms: Number.NaN, bareMs: Number.NaN }
        : await copyBaseline(database, path.join(work, `${engine}.copy`));
    const n = await sql<{ n: string }>`select count(*) n from matters where type = 'dispute'`.execute(
      database.db,
    );
    if (!KEEP && Number(n.rows[0]!.n) !== copy.rows) throw new Error('COPY did not load every row back');
    return {
      engine,
      label,
      rows: gen.records,
      ingestMs,
      inserted,
      merged,
      rejected,
      copyRows: copy.rows,
      copyMs: copy.ms,
      bareMs: copy.bareMs,
      peakRssMb: Math.round(peak / 1_048_576),
      times,
    };
  } finally {
    await kernel.close();
    await database.close();
    await drop();
  }
}

export async function benchDisputes(): Promise<void> {
  registerModules();
  console.log(
    `\n=== disputes: end-to-end intake vs COPY ===\nmachine: ${os.cpus()[0]?.model} ×${os.cpus().length}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}, load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}; ${ROWS.toLocaleString('en')} rows across 21 department files`,
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-bench-disputes-'));
  try {
    const g0 = performance.now();
    const gen = await generateDepartmentFiles({
      dir: work,
      rows: ROWS,
      seed: 7,
      from: new Date('2025-11-01T00:00:00Z'),
      to: new Date('2026-11-01T00:00:00Z'),
    });
    const bytes = gen.files.reduce((a, f) => a + fs.statSync(f.path).size, 0);
    console.log(
      `files: ${gen.files.length} (${gen.files.map((f) => `${f.format}${f.encoding === 'gbk' ? '/GBK' : ''}`).join(' ')}), ` +
        `${(bytes / 1_048_576).toFixed(0)} MB, ${gen.records.toLocaleString('en')} records of ${gen.disputes.toLocaleString('en')} disputes, ` +
        `generated in ${((performance.now() - g0) / 1000).toFixed(1)} s (untimed)`,
    );
    const results: Result[] = [];
    for (const e of engines) {
      const r = await runEngine(e, gen, work);
      if (r) results.push(r);
    }
    console.log(
      `\n[disputes] summary (ingest = every stage, duplicates and classification on, ${PARALLEL} file${PARALLEL > 1 ? 's' : ''} at once on PostgreSQL, one on PGlite; COPY = the resulting rows)`,
    );
    for (const r of results) {
      const ingest = r.rows / (r.ingestMs / 1000);
      const copy = r.copyRows / (r.copyMs / 1000);
      console.log(
        `  ${r.engine.padEnd(8)} ingest ${Math.round(ingest).toLocaleString('en').padStart(7)} rows/s ` +
          `(${(r.ingestMs / 1000).toFixed(1)} s; ${r.inserted} disputes, ${r.merged} merged, ${r.rejected} rejected)  ` +
          `COPY ${Math.round(copy).toLocaleString('en').padStart(8)} rows/s (${(r.copyMs / 1000).toFixed(1)} s, ${r.copyRows} rows)  ` +
          `ingest/COPY time ratio ${(r.ingestMs / r.rows / (r.copyMs / r.copyRows)).toFixed(1)}×  peak RSS ${r.peakRssMb} MB  — ${r.label}\n` +
          `           COPY into a bare table (same columns, no index, constraint or foreign key): ` +
          `${Math.round(r.copyRows / (r.bareMs / 1000)).toLocaleString('en')} rows/s (${(r.bareMs / 1000).toFixed(1)} s)\n` +
          `           time by step (summed over batches; a batch is prepared while the one before is written): ${describeTimes(r.times)}`,
      );
    }
    console.log(
      '  targets: PostgreSQL ≥ 50,000 rows/s and within 10× of COPY; PGlite ≥ 15,000 rows/s; peak RSS < 1,024 MB',
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDisputes();

import fs from 'node:fs';
import os from 'node:os';
import { sql } from 'kysely';
import { type Actor, assertCan, makeActor } from '../../core/access/actor.ts';
import { isRole } from '../../core/access/roles.ts';
import { inScopeSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { statsKeeper } from '../../core/db/stats.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { announce } from '../../core/events/bus.ts';
import type { Kernel } from '../../core/kernel.ts';
import { defaultClassifier } from './classifier/classifier.ts';
import { type DisputeDb, ddb } from './dispute.tables.ts';
import { areaIndexFor } from './intake/areas.ts';
import { columnResolver, expectedHeaders, mapRow, missingColumns } from './intake/map.ts';
import { openParser, ParseError } from './intake/parse.ts';
import {
  addTimes,
  type IntakeOutcome,
  type PreparedBatch,
  prepareRecords,
  STAGE_NAMES,
  STAGES,
  type StageTimes,
  writeRecords,
} from './intake/pipeline.ts';
import type { MappedRecord, RawRow } from './intake/types.ts';
import { getSource } from './sources.service.ts';

/**
 * An import is a job: a file for a source, read in batches of BATCH_SIZE rows, each batch one transaction
 * that also moves the job's counts and checkpoint. A process killed mid-file loses at most the batch in
 * flight; started again, the job resumes after its checkpoint, so the counts come out exactly right and
 * nothing is inserted twice. The same file for the same source is the same job (source, sha256): importing
 * it again adds nothing.
 */
export const BATCH_SIZE = 1000;
/** What an import grows; the first is what a batch's count measures (src/core/db/stats.ts). */
const GROWN_TABLES = ['matters', 'matter_parties', 'dispute_records', 'persons', 'enterprises'] as const;
/** A running job whose heartbeat is older than this is taken to be orphaned (its process died). */
export const STALE_AFTER_MS = 120_000;
export const REJECT_AAD = 'import_reject.raw';

export interface ImportJob {
  id: string;
  source: string;
  filename: string;
  sha256: string;
  size: number;
  format: string | null;
  encoding: string | null;
  status: 'queued' | 'running' | 'done' | 'failed';
  bytesRead: number;
  rowsRead: number;
  inserted: number;
  merged: number;
  skipped: number;
  rejected: number;
  error: string | null;
  log: { at: string; message: string }[];
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

type JobRow = Awaited<ReturnType<typeof jobQuery>>[number];
const jobQuery = (db: DisputeDb) => db.selectFrom('import_jobs').selectAll().execute();

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function presentJob(r: JobRow): ImportJob {
  return {
    id: r.id,
    source: r.source_code,
    filename: r.filename,
    sha256: r.sha256,
    size: Number(r.size),
    format: r.format,
    encoding: r.encoding,
    status: r.status,
    bytesRead: Number(r.bytes_read),
    rowsRead: r.rows_read,
    inserted: r.inserted,
    merged: r.merged,
    skipped: r.skipped,
    rejected: r.rejected,
    error: r.error,
    log: (r.log ?? []) as ImportJob['log'],
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

/** Jobs an actor may see: those they started, and any started by someone inside their area. */
function visibleJobs(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'dispute:import');
  return ddb(db)
    .selectFrom('import_jobs')
    .where((eb) =>
      eb.or([
        eb('created_by', '=', actor.id ?? '0'),
        eb.and([eb('actor_area_code', 'is not', null), inScopeSql(actor, 'actor_area_code')]),
      ]),
    );
}

export async function getJob(db: DbOrTx, actor: Actor, id: string): Promise<ImportJob> {
  const r = await visibleJobs(db, actor).selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`导入任务 / import job ${id}`);
  return presentJob(r);
}

export async function listJobs(
  db: DbOrTx,
  actor: Actor,
  q: { source?: string | undefined; status?: string | undefined; limit: number; offset: number },
): Promise<{ items: ImportJob[]; total: number }> {
  let base = visibleJobs(db, actor);
  if (q.source) base = base.where('source_code', '=', q.source);
  if (q.status) base = base.where('status', '=', q.status as ImportJob['status']);
  const [rows, total] = await Promise.all([
    base
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
    base.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(presentJob), total: Number(total.n) };
}

/**
 * Registers an import (or finds the one already made for this file and source). A department clerk may
 * import only their own department's sources; a centre any source, within its area.
 */
export async function createJob(
  tx: DbOrTx,
  actor: Actor,
  input: { source: string; filename: string; sha256: string; size: number; filePath: string },
): Promise<{ job: ImportJob; existing: boolean }> {
  assertCan(actor, 'dispute:import');
  const source = await getSource(tx, input.source);
  if (
    actor.departmentCode &&
    !actor.roles.some((r) => r !== 'dept_clerk') &&
    source.department !== actor.departmentCode
  ) {
    throw new AppError(
      'FORBIDDEN',
      `只能导入本部门（${actor.departmentCode}）的数据 / You may import only your own department's files`,
    );
  }
  const found = await ddb(tx)
    .selectFrom('import_jobs')
    .selectAll()
    .where('source_code', '=', input.source)
    .where('sha256', '=', input.sha256)
    .executeTakeFirst();
  if (found) return { job: presentJob(found), existing: true };
  const row = await ddb(tx)
    .insertInto('import_jobs')
    .values({
      source_code: input.source,
      filename: input.filename.slice(0, 255),
      sha256: input.sha256,
      size: input.size,
      file_path: input.filePath,
      log: JSON.stringify([]),
      created_by: actor.id,
      actor_area_code: actor.areaCode,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(tx, actor, {
    action: 'dispute.import.create',
    entityType: 'import_job',
    entityId: row.id,
    areaCode: actor.areaCode,
    newValues: { source: input.source, filename: row.filename, sha256: input.sha256, size: input.size },
  });
  return { job: presentJob(row), existing: false };
}

const HOLDER = `${os.hostname()}:${process.pid}`;

/** A holder on this host whose process is gone: its job can be taken over at once. */
function holderDead(holder: string | null): boolean {
  if (!holder) return true;
  const [host, pid] = holder.split(':');
  if (host !== os.hostname() || !pid) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes a job to run: queued, failed (a retry), or running but orphaned — its heartbeat is stale, or its
 * holder was a process on this host that no longer exists (killed mid-import). The update is conditional on
 * what was read, so two processes cannot both take it.
 */
async function claim(db: DbOrTx, id: string): Promise<JobRow | undefined> {
  const cur = await ddb(db).selectFrom('import_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!cur || cur.status === 'done') return undefined;
  if (cur.status === 'running') {
    const stale = !cur.heartbeat_at || new Date(cur.heartbeat_at).getTime() < Date.now() - STALE_AFTER_MS;
    if (!stale && !holderDead(cur.holder)) return undefined;
  }
  return ddb(db)
    .updateTable('import_jobs')
    .set({
      status: 'running',
      heartbeat_at: new Date(),
      holder: HOLDER,
      started_at: sql`coalesce(started_at, now())`,
      error: null,
      finished_at: null,
    })
    .where('id', '=', id)
    .where('status', '=', cur.status)
    .where(sql<boolean>`heartbeat_at is not distinct from ${cur.heartbeat_at}`)
    .returningAll()
    .executeTakeFirst();
}

async function jobActor(db: DbOrTx, r: JobRow): Promise<Actor> {
  if (r.created_by) {
    const u = await db.selectFrom('users').selectAll().where('id', '=', r.created_by).executeTakeFirst();
    if (u) {
      return makeActor({
        id: u.id,
        username: u.username,
        displayName: u.display_name,
        roles: u.roles.filter(isRole),
        areaCode: u.area_code,
        departmentCode: u.department_code,
      });
    }
  }
  return makeActor(
    {
      id: null,
      username: 'zhili-import',
      displayName: '数据导入',
      roles: ['city_admin'],
      areaCode: r.actor_area_code ?? '330300000000',
    },
    { kind: 'system' },
  );
}

function appendLog(message: string) {
  return sql<string>`log || ${JSON.stringify([{ at: new Date().toISOString(), message }])}::jsonb`;
}

export interface RunOptions {
  batchSize?: number;
  onProgress?: (job: ImportJob) => void;
  /** Overrides the actor recorded on the job (the CLI runs as the operator who typed the command). */
  actor?: Actor;
  /** Stops after the batch in flight and leaves the job queued, to be resumed (a server shutting down). */
  signal?: AbortSignal;
  /** Filled with the milliseconds each pipeline step took, summed over this run's batches. */
  times?: StageTimes;
}

/** "写入纠纷 matters 6.6 s · 关联人房企 link 4.6 s · …": longest first, steps under 0.05 s left out. */
export function describeTimes(times: StageTimes): string {
  return STAGES.filter((s) => (times[s] ?? 0) >= 50)
    .sort((a, b) => times[b]! - times[a]!)
    .map((s) => `${STAGE_NAMES[s]} ${s} ${(times[s]! / 1000).toFixed(1)} s`)
    .join(' · ');
}

/**
 * Runs (or resumes) a job to its end. Returns the job as it finished; null when another process holds it.
 * Parse problems with the whole file (encoding, truncation, unmappable header) fail the job with a message;
 * rows already committed stay, and running the job again resumes after them.
 */
export async function runJob(kernel: Kernel, id: string, opts: RunOptions = {}): Promise<ImportJob | null> {
  const db = kernel.db;
  const claimed = await claim(db, id);
  if (!claimed) return null;
  const job = claimed;
  const actor = opts.actor ?? (await jobActor(db, job));
  const source = await getSource(db, job.source_code);
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const ctxBase = {
    vault: kernel.vault,
    actor,
    source,
    channel: 'file' as const,
    areaIndex: await areaIndexFor(db),
    classifier: defaultClassifier(),
    jobId: job.id,
  };
  let bytesRead = Number(job.bytes_read);
  const times: StageTimes = opts.times ?? {};
  const report = async () => {
    if (!opts.onProgress) return;
    const r = await ddb(db)
      .selectFrom('import_jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    opts.onProgress(presentJob(r));
  };
  try {
    if (!fs.existsSync(job.file_path)) {
      throw new ParseError('FILE_UNREADABLE', `找不到文件 ${job.filename} / The file is no longer there`);
    }
    const parsed = await openParser(job.file_path, {
      expectedHeaders: expectedHeaders(source.profile),
      onProgress: (b) => {
        bytesRead = b;
      },
    });
    const missing = missingColumns(source.profile, parsed.headers);
    if (missing.length) {
      throw new ParseError(
        'HEADER_NOT_FOUND',
        `表头缺少必需的列：${missing.join('、')}（${source.code} 的映射方案）/ The header lacks required columns: ${missing.join(', ')}`,
      );
    }
    await ddb(db)
      .updateTable('import_jobs')
      .set({
        format: parsed.format,
        encoding: parsed.encoding,
        headers: JSON.stringify(parsed.headers),
        log: appendLog(
          job.checkpoint_row > 0
            ? `从第 ${job.checkpoint_row + 1} 行继续 / Resuming after row ${job.checkpoint_row}`
            : `开始读取：${parsed.format}${parsed.encoding ? ` ${parsed.encoding}` : ''}，${parsed.headers.length} 列 / Started`,
        ),
      })
      .where('id', '=', id)
      .execute();
    const cols = columnResolver(source.profile, parsed.headers);
    // The tables this job grows, for the planner (src/core/db/stats.ts); `matters` is what the count measures.
    const stats = statsKeeper(db, GROWN_TABLES, {
      onError: (e) => kernel.log.warn({ err: e.message }, 'analyze during import failed'),
    });
    let batch: RawRow[] = [];
    // One batch in the database while the next is prepared: the import is bound by whichever is slower.
    let inflight: Promise<void> = Promise.resolve();
    const commit = async (rows: RawRow[], parseFailed: IntakeOutcome[], prepared: PreparedBatch) => {
      const rawByRow = new Map(rows.map((r) => [r.rowNo, r.cells]));
      const result = await db.transaction().execute(async (tx) => {
        const res = await writeRecords(tx, { ...ctxBase, now: new Date() }, prepared);
        const rejected = [...parseFailed, ...res.outcomes.filter((o) => o.status === 'rejected')];
        if (rejected.length) {
          await ddb(tx)
            .insertInto('import_rejects')
            .values(
              rejected.map((o) => ({
                job_id: id,
                row_no: o.rowNo,
                errors: JSON.stringify(o.errors ?? []),
                raw_enc: kernel.vault.encrypt(JSON.stringify(rawByRow.get(o.rowNo) ?? {}), REJECT_AAD),
              })),
            )
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        await ddb(tx)
          .updateTable('import_jobs')
          .set((eb) => ({
            rows_read: eb('rows_read', '+', rows.length),
            inserted: eb('inserted', '+', res.counts.inserted),
            merged: eb('merged', '+', res.counts.merged),
            skipped: eb('skipped', '+', res.counts.skipped),
            rejected: eb('rejected', '+', res.counts.rejected + parseFailed.length),
            checkpoint_row: rows.at(-1)!.rowNo,
            bytes_read: bytesRead,
            heartbeat_at: new Date(),
          }))
          .where('id', '=', id)
          .execute();
        return res;
      });
      addTimes(times, result.times);
      const analyzing = await stats.wrote(result.counts.inserted + result.counts.merged);
      if (analyzing) addTimes(times, { analyze: analyzing });
      await announce(kernel, result.events);
      await report();
    };
    const flush = async () => {
      if (!batch.length) return;
      const rows = batch;
      batch = [];
      const parseFailed: IntakeOutcome[] = [];
      const mapped: MappedRecord[] = [];
      for (const r of rows) {
        if (r.error) {
          parseFailed.push({
            rowNo: r.rowNo,
            recordKey: null,
            status: 'rejected',
            errors: [{ rowNo: r.rowNo, field: '', code: r.error.code, reason: r.error.reason }],
          });
        } else mapped.push(mapRow(cols, r));
      }
      const prepared = await prepareRecords(db, { ...ctxBase }, mapped);
      await inflight;
      inflight = commit(rows, parseFailed, prepared);
      // A failed commit surfaces at the next flush or at the end, not as an unhandled rejection.
      inflight.catch(() => {});
    };
    for await (const row of parsed.rows) {
      if (row.rowNo <= job.checkpoint_row) continue;
      batch.push(row);
      if (batch.length < batchSize) continue;
      await flush();
      if (opts.signal?.aborted) {
        await inflight;
        const paused = await ddb(db)
          .updateTable('import_jobs')
          .set({ status: 'queued', log: appendLog('暂停，待重启后继续 / Paused; resumes at the next start') })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return presentJob(paused);
      }
    }
    await flush();
    await inflight;
    const done = await ddb(db)
      .updateTable('import_jobs')
      .set({
        status: 'done',
        finished_at: new Date(),
        bytes_read: sql`size`,
        log: appendLog(`完成；各步骤用时 / Finished; time by step: ${describeTimes(times) || '—'}`),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await kernel.events
      .publish({
        type: 'import.finished',
        at: new Date().toISOString(),
        actorId: actor.id,
        areaCode: job.actor_area_code,
        data: { jobId: id, source: job.source_code, status: 'done' },
      })
      .catch(() => {});
    return presentJob(done);
  } catch (e) {
    const message =
      e instanceof ParseError || e instanceof AppError
        ? e.message
        : `导入中断，可重新运行以继续 / The import stopped; run it again to resume (${(e as Error).message})`;
    if (!(e instanceof ParseError || e instanceof AppError))
      kernel.log.error({ err: e, jobId: id }, 'import failed');
    const failed = await ddb(db)
      .updateTable('import_jobs')
      .set({
        status: 'failed',
        error: message.slice(0, 2000),
        finished_at: new Date(),
        log: appendLog(message.slice(0, 500)),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return presentJob(failed);
  }
}

/** Jobs a previous process left unfinished: queued, or running with a stale heartbeat or a dead holder. */
export async function interruptedJobs(db: DbOrTx): Promise<string[]> {
  const rows = await ddb(db)
    .selectFrom('import_jobs')
    .select(['id', 'status', 'heartbeat_at', 'holder'])
    .where('status', 'in', ['queued', 'running'])
    .orderBy('id')
    .execute();
  const staleBefore = Date.now() - STALE_AFTER_MS;
  return rows
    .filter(
      (r) =>
        r.status === 'queued' ||
        !r.heartbeat_at ||
        new Date(r.heartbeat_at).getTime() < staleBefore ||
        holderDead(r.holder),
    )
    .map((r) => r.id);
}

export interface RejectedRow {
  rowNo: number;
  errors: { field: string; code: string; reason: string }[];
  cells: Record<string, unknown>;
}

/** The rejected rows with their reasons (the rows name people: reading them is audited). */
export async function rejectedRows(
  tx: DbOrTx,
  kernel: Pick<Kernel, 'vault'>,
  actor: Actor,
  jobId: string,
  limit = 100_000,
): Promise<{ job: ImportJob; headers: string[]; rows: RejectedRow[] }> {
  const job = await getJob(tx, actor, jobId);
  const headersRow = await ddb(tx)
    .selectFrom('import_jobs')
    .select('headers')
    .where('id', '=', jobId)
    .executeTakeFirstOrThrow();
  const rows = await ddb(tx)
    .selectFrom('import_rejects')
    .selectAll()
    .where('job_id', '=', jobId)
    .orderBy('row_no')
    .limit(limit)
    .execute();
  await audit(tx, actor, {
    action: 'dispute.import.rejects_read',
    entityType: 'import_job',
    entityId: jobId,
    newValues: { rows: rows.length },
  });
  return {
    job,
    headers: (headersRow.headers ?? []) as string[],
    rows: rows.map((r) => ({
      rowNo: r.row_no,
      errors: r.errors as RejectedRow['errors'],
      cells: JSON.parse(kernel.vault.decrypt(r.raw_enc, REJECT_AAD)) as Record<string, unknown>,
    })),
  };
}

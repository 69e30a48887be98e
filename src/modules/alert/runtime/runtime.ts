import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { type Actor, systemActor } from '../../../core/access/actor.ts';
import { audit, withDeferredAudit } from '../../../core/audit/audit.ts';
import type { DbOrTx } from '../../../core/db/database.ts';
import type { ZhiliEvent } from '../../../core/events/bus.ts';
import type { Kernel } from '../../../core/kernel.ts';
import { enterState } from '../../../core/matters/clock.ts';
import { createMatter, matterEvent } from '../../../core/matters/matters.service.ts';
import { indexTokens } from '../../../core/matters/search.ts';
import type { Deadline } from '../../../core/workflow/deadlines.ts';
import type { AlertPayload } from '../alert.schema.ts';
import { adb } from '../alert.tables.ts';
import {
  type AlertLevel,
  type AnyModel,
  LEVEL_NAMES,
  levelOf,
  type ModelDef,
  type PassMemo,
  type Signal,
} from './model.ts';

/**
 * The model runtime: keeps each model's parameters (versioned), evaluates models in isolation (a model that
 * throws or runs too long is marked unhealthy and the others go on), and turns signals into alert matters —
 * one per (model, key, window), updated when a later evaluation finds something different, never raised
 * twice. Streaming models read the matters' timeline from a cursor (so an evaluation missed while the
 * process was down is made at the next start); periodic models run as the leader's scheduled jobs.
 */

/** How long the centre has to 研判 an alert, by level (the other states keep the workflow's deadlines). */
export const LEVEL_DEADLINES: Record<AlertLevel, Deadline> = {
  red: { amount: 1, unit: 'hours' },
  orange: { amount: 4, unit: 'hours' },
  yellow: { amount: 1, unit: 'workdays' },
};

const LEVEL_URGENCY = { red: 'extra_urgent', orange: 'urgent', yellow: 'normal' } as const;
const LEVEL_RANK: Record<AlertLevel, number> = { yellow: 1, orange: 2, red: 3 };

/** A closed alert stops the same (model, key, window) from alerting again for this long, unless it grows. */
export const REOPEN_AFTER_DAYS = 30;

/** A model may take this long per evaluation before it is cut off and marked unhealthy. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export class ModelTimeout extends Error {
  constructor(code: string, ms: number) {
    super(`模型 ${code} 超过 ${ms} ms 未完成 / model ${code} ran past ${ms} ms`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Parameters

/** Inserts each model's row with its defaults (version 1) if missing; keeps what administrators set. */
export async function ensureModels(db: DbOrTx, models: AnyModel[]): Promise<void> {
  for (const m of models) {
    const inserted = await adb(db)
      .insertInto('alert_models')
      .values({ code: m.code, params: JSON.stringify(m.defaults) })
      .onConflict((oc) => oc.column('code').doNothing())
      .returning('code')
      .executeTakeFirst();
    if (inserted) {
      await adb(db)
        .insertInto('alert_model_versions')
        .values({
          code: m.code,
          version: 1,
          params: JSON.stringify(m.defaults),
          changed_by: null,
          changed_by_name: 'system',
          reason: '默认参数 / defaults',
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }
}

export interface ModelState<P> {
  params: P;
  version: number;
  enabled: boolean;
}

/**
 * The parameters in force: what is stored, over the defaults (a parameter added in a later release takes
 * its default). Stored parameters that no longer fit the schema fall back to the defaults, logged.
 */
export async function modelState<P extends Record<string, unknown>>(
  db: DbOrTx,
  model: ModelDef<P>,
): Promise<ModelState<P>> {
  const row = await adb(db)
    .selectFrom('alert_models')
    .select(['params', 'version', 'enabled'])
    .where('code', '=', model.code)
    .executeTakeFirst();
  if (!row) return { params: model.defaults, version: 1, enabled: true };
  const parsed = model.params.safeParse({ ...model.defaults, ...(row.params as object) });
  return {
    params: parsed.success ? parsed.data : model.defaults,
    version: row.version,
    enabled: row.enabled,
  };
}

// ---------------------------------------------------------------------------------------------------
// Evaluation in isolation

export interface EvaluationResult {
  code: string;
  ok: boolean;
  ms: number;
  signals: Signal[];
  error?: string;
}

async function withTimeout<T>(p: Promise<T>, ms: number, code: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ModelTimeout(code, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one model and records its health. Never throws: a failure is returned (and logged by the caller)
 * so that the next model runs. The model reads through its own read-only transaction.
 */
export async function evaluateModel<P extends Record<string, unknown>>(
  kernel: Pick<Kernel, 'db'>,
  model: ModelDef<P>,
  input: { now: Date; matterIds?: string[]; params: P; memo?: PassMemo },
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<EvaluationResult> {
  const t0 = performance.now();
  let result: EvaluationResult;
  try {
    const signals = await withTimeout(
      kernel.db
        .transaction()
        .setAccessMode('read only')
        .execute(async (tx) => {
          // A slow query is cancelled by the database itself, so that it does not hold the connection on.
          await sql`select set_config('statement_timeout', ${String(timeoutMs)}, true)`.execute(tx);
          return model.evaluate({
            db: tx,
            params: input.params,
            now: input.now,
            ...(input.matterIds ? { matterIds: input.matterIds } : {}),
            ...(input.memo ? { memo: input.memo } : {}),
          });
        }),
      timeoutMs,
      model.code,
    );
    result = { code: model.code, ok: true, ms: Math.round(performance.now() - t0), signals };
  } catch (e) {
    result = {
      code: model.code,
      ok: false,
      ms: Math.round(performance.now() - t0),
      signals: [],
      error: (e as Error).message.slice(0, 2000),
    };
  }
  await adb(kernel.db)
    .updateTable('alert_models')
    .set((eb) => ({
      healthy: result.ok,
      last_run_at: new Date(),
      last_duration_ms: result.ms,
      last_signals: result.signals.length,
      last_error: result.ok ? null : result.error!,
      runs: eb('runs', '+', 1),
      failures: result.ok ? eb('failures', '+', 0) : eb('failures', '+', 1),
    }))
    .where('code', '=', model.code)
    .execute();
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Signals → alerts

export interface ApplyResult {
  raised: number;
  updated: number;
  unchanged: number;
  /** The (model, key, window) alert was already closed (dismissed or written off): not raised again. */
  suppressed: number;
  belowThreshold: number;
  events: ZhiliEvent[];
}

function digestOf(s: Signal): string {
  return createHash('sha256')
    .update(JSON.stringify({ score: s.score, factors: s.factors, title: s.title }))
    .digest('hex')
    .slice(0, 32);
}

export function modelActor(code: string): Actor {
  return systemActor(`model:${code}`);
}

/**
 * A factor as the alert keeps it. Which watch list a person is on (a `tag_…` factor) is not kept: anyone who
 * may read the alert would read it; those with subject:tags see the tags on the person's page (audited).
 */
function storedFactor(f: Signal['factors'][number]): Signal['factors'][number] {
  const records = f.records.slice(0, 50);
  if (!f.code.startsWith('tag_')) return { ...f, records };
  return {
    code: 'watchlist_tag',
    name: { zh: '重点人员', en: 'On a watch list' },
    weight: f.weight,
    detail: '当事人属于重点人员，类别见人员标签（需相应权限）/ A party is on a watch list',
    records,
  };
}

function describe(s: Signal): string {
  return (
    s.factors
      // The description is read with matter:read alone: which watch list (a `tag_` factor) stays in the payload,
      // shown by the alert page to those with subject:tags.
      .map((f) =>
        f.code.startsWith('tag_') ? `重点人员（+${f.weight}）` : `${f.name.zh}（+${f.weight}）：${f.detail}`,
      )
      .join('\n')
      .slice(0, 5000)
  );
}

/** Subjects that still exist (a person merged away since the evaluation is skipped, not an error). */
async function existingSubjects(tx: DbOrTx, s: Signal) {
  const out: { role: string; subjectType: 'person' | 'enterprise' | 'house' | 'thing'; subjectId: string }[] =
    [];
  for (const type of ['person', 'enterprise', 'house', 'thing'] as const) {
    const ids = s.subjects.filter((x) => x.type === type).map((x) => x.id);
    if (!ids.length) continue;
    const table = { person: 'persons', enterprise: 'enterprises', house: 'houses', thing: 'things' }[type];
    const found = await sql<{ id: string }>`
      select id::text as id from ${sql.table(table)} where id = any(${sql.val(ids)}::bigint[])`.execute(tx);
    const have = new Set(found.rows.map((f) => f.id));
    for (const x of s.subjects) {
      if (x.type === type && have.has(x.id))
        out.push({ role: (x.role ?? 'concerned').slice(0, 40), subjectType: type, subjectId: x.id });
    }
  }
  return out;
}

/**
 * Turns one model's signals into alerts in one transaction. Idempotent: the same signals again change
 * nothing. A higher level or a different explanation updates the open alert (its timeline says so); a
 * closed alert for the same (key, window) suppresses the signal.
 */
export async function applySignals(
  tx: DbOrTx,
  model: AnyModel,
  version: number,
  signals: Signal[],
  now: Date,
): Promise<ApplyResult> {
  const out: ApplyResult = {
    raised: 0,
    updated: 0,
    unchanged: 0,
    suppressed: 0,
    belowThreshold: 0,
    events: [],
  };
  const actor = modelActor(model.code);
  for (const raw of signals) {
    const s = { ...raw, score: Math.max(0, Math.min(100, Math.round(raw.score))) };
    const level = levelOf(s.score, model.levels);
    if (!level) {
      out.belowThreshold++;
      continue;
    }
    const digest = digestOf(s);
    const found = await adb(tx)
      .selectFrom('alert_keys as k')
      .innerJoin('matters as m', 'm.id', 'k.matter_id')
      .select([
        'k.matter_id',
        'k.digest',
        'k.level',
        'k.evaluations',
        'k.first_at',
        'm.closed',
        'm.closed_at',
      ])
      .where('k.model', '=', model.code)
      .where('k.key', '=', s.key)
      .where('k.window', '=', s.window)
      .forUpdate()
      .executeTakeFirst();
    let existing = found;
    if (found?.closed) {
      const closedDays = found.closed_at
        ? (now.getTime() - new Date(found.closed_at).getTime()) / 86_400_000
        : 0;
      // A closed alert holds its (key, window) until the signal grows past the level it was closed at, or
      // until REOPEN_AFTER_DAYS have passed: then the old one keeps its history under another window name
      // and a new alert is raised.
      if (LEVEL_RANK[level] <= LEVEL_RANK[found.level] && closedDays < REOPEN_AFTER_DAYS) {
        out.suppressed++;
        continue;
      }
      await adb(tx)
        .updateTable('alert_keys')
        .set({ window: `${s.window}~${found.matter_id}`.slice(0, 40) })
        .where('model', '=', model.code)
        .where('key', '=', s.key)
        .where('window', '=', s.window)
        .execute();
      existing = undefined;
    }
    if (existing && existing.digest === digest) {
      out.unchanged++;
      continue;
    }
    const payload: AlertPayload = {
      model: model.code,
      modelVersion: version,
      key: s.key,
      window: s.window,
      level,
      score: s.score,
      factors: s.factors.slice(0, 20).map(storedFactor),
      subjects: s.subjects.slice(0, 50),
      evaluations: existing ? existing.evaluations + 1 : 1,
      firstAt: existing ? new Date(existing.first_at).toISOString() : now.toISOString(),
      lastAt: now.toISOString(),
    };
    if (!existing) {
      const { matter, events } = await createMatter(tx, actor, {
        type: 'alert',
        title: s.title.slice(0, 200),
        description: describe(s),
        urgency: LEVEL_URGENCY[level],
        sourceChannel: 'model',
        areaCode: s.areaCode,
        point: s.point ?? null,
        payload,
        parties: await existingSubjects(tx, s),
      });
      const row = await tx
        .updateTable('matters')
        // The category is the model (set here: a deployment's own models need not be declared categories).
        .set({ ...enterState(now, LEVEL_DEADLINES[level]), category: model.code })
        .where('id', '=', matter.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await adb(tx)
        .insertInto('alert_keys')
        .values({
          model: model.code,
          key: s.key,
          window: s.window,
          matter_id: matter.id,
          score: s.score,
          level,
          digest,
          first_at: now,
          last_at: now,
        })
        .execute();
      out.raised++;
      out.events.push(...events, alertEvent('alert.raised', row, actor, model, level, s.score));
      continue;
    }
    const before = await tx
      .selectFrom('matters')
      .select(['payload', 'status'])
      .where('id', '=', existing.matter_id)
      .executeTakeFirstOrThrow();
    const oldLevel = existing.level;
    const row = await tx
      .updateTable('matters')
      .set({
        title: s.title.slice(0, 200),
        description: describe(s),
        search_tokens: indexTokens(s.title.slice(0, 200), describe(s)),
        // Only the level may raise the urgency; a centre's own change to it is kept otherwise.
        ...(LEVEL_RANK[level] > LEVEL_RANK[oldLevel] ? { urgency: LEVEL_URGENCY[level] } : {}),
        payload: JSON.stringify(payload),
        updated_at: now,
        version: sql`version + 1`,
      })
      .where('id', '=', existing.matter_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await adb(tx)
      .updateTable('alert_keys')
      .set({ score: s.score, level, digest, evaluations: payload.evaluations, last_at: now })
      .where('model', '=', model.code)
      .where('key', '=', s.key)
      .where('window', '=', s.window)
      .execute();
    const note =
      level !== oldLevel
        ? `预警等级 ${LEVEL_NAMES[oldLevel].zh} → ${LEVEL_NAMES[level].zh}，评分 ${s.score} / level ${oldLevel} → ${level}`
        : `研判依据更新，评分 ${s.score} / explanation updated, score ${s.score}`;
    await tx
      .insertInto('matter_timeline')
      .values({
        matter_id: existing.matter_id,
        at: now,
        actor_id: null,
        actor_name: actor.displayName,
        action: 'reevaluate',
        to_status: null,
        note,
        data: JSON.stringify({ model: model.code, level, score: s.score }),
      })
      .execute();
    await audit(tx, actor, {
      action: 'alert.reevaluate',
      entityType: 'matter',
      entityId: existing.matter_id,
      areaCode: row.area_code,
      oldValues: { level: oldLevel, score: (before.payload as AlertPayload).score },
      newValues: { level, score: s.score, evaluations: payload.evaluations },
    });
    out.updated++;
    out.events.push(
      LEVEL_RANK[level] > LEVEL_RANK[oldLevel]
        ? alertEvent('alert.raised', row, actor, model, level, s.score)
        : alertEvent('alert.updated', row, actor, model, level, s.score),
    );
  }
  return out;
}

function alertEvent(
  type: 'alert.raised' | 'alert.updated',
  row: Parameters<typeof matterEvent>[1],
  actor: Actor,
  model: AnyModel,
  level: AlertLevel,
  score: number,
): ZhiliEvent {
  return matterEvent(type, row, actor, {
    model: model.code,
    modelName: model.name.zh,
    level,
    score,
    title: row.title,
  });
}

// ---------------------------------------------------------------------------------------------------
// Runs

export interface RunSummary {
  evaluated: EvaluationResult[];
  raised: number;
  updated: number;
  unchanged: number;
  suppressed: number;
}

async function publishAll(kernel: Kernel, events: ZhiliEvent[]) {
  for (const e of events) {
    await kernel.events
      .publish(e)
      .catch((err: Error) => kernel.log.warn({ err: err.message }, 'event not published'));
  }
}

/** Models evaluated at once on PostgreSQL (PGlite has one connection: there, one after another). */
export const EVAL_CONCURRENCY = 2;

/** `work` over the items, at most `limit` at a time; results in the items' order. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Evaluates the given models once and applies their signals (each model's in its own transaction). The
 * models of one run share their reads of matters and parties (one memo per run, for its one `now`).
 */
export async function runModels(
  kernel: Kernel,
  models: AnyModel[],
  input: { now: Date; matterIds?: string[] },
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<RunSummary> {
  const summary: RunSummary = { evaluated: [], raised: 0, updated: 0, unchanged: 0, suppressed: 0 };
  const memo: PassMemo = new Map();
  const enabled: { model: AnyModel; state: ModelState<Record<string, unknown>> }[] = [];
  for (const model of models) {
    const state = await modelState(kernel.db, model);
    if (state.enabled) enabled.push({ model, state });
  }
  // Evaluations only read, each in its own transaction: on PostgreSQL a few run at once (the database
  // works on one while Node works on another's rows). Their signals are applied one model after another,
  // in order, so that two models' alerts never wait on each other's locks.
  const parallel = kernel.database.engine === 'postgres' ? EVAL_CONCURRENCY : 1;
  const results = await inParallel(enabled, parallel, ({ model, state }) =>
    evaluateModel(kernel, model, { ...input, params: state.params, memo }, timeoutMs),
  );
  for (const [i, { model, state }] of enabled.entries()) {
    const r = results[i]!;
    summary.evaluated.push(r);
    if (!r.ok) {
      kernel.log.warn({ model: model.code, err: r.error }, 'model evaluation failed');
      continue;
    }
    if (!r.signals.length) continue;
    try {
      const applied = await kernel.db
        .transaction()
        .execute((tx) =>
          withDeferredAudit(tx, () => applySignals(tx, model, state.version, r.signals, input.now)),
        );
      summary.raised += applied.raised;
      summary.updated += applied.updated;
      summary.unchanged += applied.unchanged;
      summary.suppressed += applied.suppressed;
      await publishAll(kernel, applied.events);
    } catch (e) {
      // A signal the runtime cannot store (an unknown area, say) fails this model's batch, not the others.
      kernel.log.warn({ model: model.code, err: (e as Error).message }, 'alert signals not applied');
      await adb(kernel.db)
        .updateTable('alert_models')
        .set({
          healthy: false,
          last_error: `无法保存预警 / signals not stored: ${(e as Error).message}`.slice(0, 2000),
        })
        .where('code', '=', model.code)
        .execute();
    }
  }
  return summary;
}

export const STREAM_CURSOR = 'stream';
/** Timeline entries read per streaming pass. */
export const STREAM_BATCH = 5000;
/**
 * A hole in the timeline's ids — an id handed out to a transaction that has not committed yet, or one that
 * rolled back — holds the cursor for at most this long; then it is taken for rolled back and passed.
 */
export const STREAM_GAP_GRACE_MS = 60_000;
/** Holes looked up again per pass, at most (the oldest first); the rest wait for the next pass. */
const STREAM_GAP_LOOKUPS = 200;

interface Gap {
  from: bigint;
  to: bigint;
  /** When this process first saw the ids missing. */
  since: number;
}

/**
 * What this process has read beyond the stored cursor: every id up to `readUpTo` was read and evaluated,
 * except the holes in `gaps`. Kept per kernel in memory: a restarted process (or another instance) simply
 * reads the entries beyond the cursor again, and applySignals makes that harmless.
 */
interface StreamState {
  readUpTo: bigint;
  gaps: Gap[];
}
const streamStates = new WeakMap<Kernel, StreamState>();

type TimelineRow = { id: string; matter_id: string; type: string; latest: Date };

/**
 * One streaming pass: the matters whose timeline moved since the cursor (alerts themselves excluded),
 * evaluated by every enabled streaming model, then the cursor moves. Returns null when another instance
 * holds the pass (PostgreSQL advisory lock), so two instances never evaluate the same entries at once.
 * A crash after the alerts and before the cursor means the entries are evaluated again: applySignals is
 * idempotent, so nothing is raised twice.
 *
 * Ids are handed out when a row is inserted, but rows become visible when their transaction commits: a
 * long import batch can commit entries with lower ids after a short transaction committed higher ones. So
 * the cursor never passes a hole in the ids: the entries after it are evaluated at once (and remembered),
 * the hole is looked up again on each pass, and the cursor moves past it when its entries arrive — or after
 * STREAM_GAP_GRACE_MS, when the hole is taken for a rollback.
 */
export async function streamOnce(
  kernel: Kernel,
  models: AnyModel[],
  fixedNow?: Date,
  opts: { gapGraceMs?: number; clock?: () => number } = {},
): Promise<(RunSummary & { entries: number; matters: number }) | null> {
  const streaming = models.filter((m) => m.kind === 'streaming');
  const grace = opts.gapGraceMs ?? STREAM_GAP_GRACE_MS;
  const clock = opts.clock ?? Date.now;
  return withStreamLock(kernel, async () => {
    const cursor = await adb(kernel.db)
      .selectFrom('alert_cursors')
      .select('timeline_id')
      .where('name', '=', STREAM_CURSOR)
      .executeTakeFirst();
    const from = BigInt(cursor?.timeline_id ?? 0);
    let state = streamStates.get(kernel);
    if (!state || state.readUpTo < from) {
      // A new process, or another instance moved the cursor beyond what this one read.
      state = { readUpTo: from, gaps: [] };
      streamStates.set(kernel, state);
    }
    state.gaps = state.gaps
      .filter((g) => g.to > from)
      .map((g) => (g.from <= from ? { ...g, from: from + 1n } : g));

    // The holes first: entries that have committed since.
    const lookups = state.gaps.slice(0, STREAM_GAP_LOOKUPS);
    const filled = lookups.length
      ? (
          await sql<TimelineRow>`
            select t.id::text as id, t.matter_id::text as matter_id, m.type,
                   greatest(t.at, m.created_at) as latest
            from matter_timeline t
            join matters m on m.id = t.matter_id
            where ${sql.join(
              lookups.map((g) => sql`t.id between ${String(g.from)} and ${String(g.to)}`),
              sql` or `,
            )}
            order by t.id`.execute(kernel.db)
        ).rows
      : [];
    const filledIds = new Set(filled.map((r) => BigInt(r.id)));
    if (filledIds.size) state.gaps = state.gaps.flatMap((g) => splitGap(g, filledIds));

    // Then what is new beyond everything read.
    const fresh = (
      await sql<TimelineRow>`
        select t.id::text as id, t.matter_id::text as matter_id, m.type, greatest(t.at, m.created_at) as latest
        from matter_timeline t
        join matters m on m.id = t.matter_id
        where t.id > ${String(state.readUpTo)}
        order by t.id
        limit ${STREAM_BATCH}`.execute(kernel.db)
    ).rows;
    const seenAt = clock();
    let expect = state.readUpTo + 1n;
    for (const r of fresh) {
      const id = BigInt(r.id);
      if (id > expect) state.gaps.push({ from: expect, to: id - 1n, since: seenAt });
      expect = id + 1n;
    }
    if (fresh.length) state.readUpTo = BigInt(fresh.at(-1)!.id);
    // Holes older than the grace: rolled back (or a transaction far longer than any the platform runs).
    const expired = state.gaps.filter((g) => seenAt - g.since >= grace);
    if (expired.length) {
      state.gaps = state.gaps.filter((g) => seenAt - g.since < grace);
      kernel.log.debug({ holes: expired.length }, 'streaming: timeline ids never committed, passed');
    }

    const rows = [...filled, ...fresh];
    // Alerts' own entries move the cursor but are not evaluated: models watch the matters, not themselves.
    const matterIds = [...new Set(rows.filter((r) => r.type !== 'alert').map((r) => r.matter_id))];
    // The pass's "now" is taken after the read, and never before what it read: models look at matters
    // created up to now, and a pass that waited (for the lock, for a busy single connection) or a database
    // clock ahead of this server's would otherwise leave out the very matters it read, and the cursor would
    // move past them for good.
    const now = fixedNow ?? new Date(Math.max(Date.now(), ...rows.map((r) => new Date(r.latest).getTime())));
    const summary = matterIds.length
      ? await runModels(kernel, streaming, { now, matterIds })
      : { evaluated: [], raised: 0, updated: 0, unchanged: 0, suppressed: 0 };
    // The cursor: up to the first hole still open, or everything read.
    const firstHole = state.gaps.reduce<bigint | null>(
      (m, g) => (m === null || g.from < m ? g.from : m),
      null,
    );
    const upto = firstHole === null ? state.readUpTo : firstHole - 1n;
    if (upto > from) {
      await adb(kernel.db)
        .insertInto('alert_cursors')
        .values({ name: STREAM_CURSOR, timeline_id: String(upto) })
        .onConflict((oc) =>
          oc.column('name').doUpdateSet({ timeline_id: String(upto), updated_at: new Date() }),
        )
        .execute();
    }
    return { ...summary, entries: fresh.length, matters: matterIds.length, filled: filled.length };
  });
}

/** A hole without the ids that have arrived: zero, one or several smaller holes, each keeping its age. */
function splitGap(g: Gap, arrived: Set<bigint>): Gap[] {
  const out: Gap[] = [];
  let start: bigint | null = null;
  for (let id = g.from; id <= g.to; id++) {
    if (arrived.has(id)) {
      if (start !== null) out.push({ from: start, to: id - 1n, since: g.since });
      start = null;
    } else if (start === null) start = id;
  }
  if (start !== null) out.push({ from: start, to: g.to, since: g.since });
  return out;
}

/**
 * One streaming pass at a time across instances: a session advisory lock on PostgreSQL, held on its own
 * connection while the pass uses the pool. PGlite serves one process, whose passes are already in sequence.
 */
async function withStreamLock<T>(kernel: Kernel, fn: () => Promise<T>): Promise<T | null> {
  if (kernel.database.engine !== 'postgres') return fn();
  return kernel.db.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(7341004) as ok`.execute(conn);
    if (!got.rows[0]?.ok) return null;
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(7341004)`.execute(conn);
    }
  });
}

/** Periodic models whose interval has passed since their last run (or all of them with `force`). */
export async function runPeriodic(
  kernel: Kernel,
  models: AnyModel[],
  now = new Date(),
  force = false,
): Promise<RunSummary> {
  const periodic = models.filter((m) => m.kind === 'periodic');
  const last = await adb(kernel.db)
    .selectFrom('alert_models')
    .select(['code', 'last_run_at'])
    .where('code', 'in', periodic.length ? periodic.map((m) => m.code) : [''])
    .execute();
  const lastRun = new Map(last.map((r) => [r.code, r.last_run_at ? new Date(r.last_run_at).getTime() : 0]));
  const due = periodic.filter(
    (m) => force || now.getTime() - (lastRun.get(m.code) ?? 0) >= (m.intervalMs ?? 3_600_000),
  );
  return runModels(kernel, due, { now }, 120_000);
}

/**
 * The streaming evaluator in a server: a pass soon after any matter event (debounced), and every few
 * seconds in case an event was missed. Returns the stop function.
 */
export function startStreaming(
  kernel: Kernel,
  models: AnyModel[],
  opts: { debounceMs?: number; pollMs?: number } = {},
): () => Promise<void> {
  const debounceMs = opts.debounceMs ?? 100;
  const pollMs = opts.pollMs ?? 5000;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let pending = false;
  let timer: NodeJS.Timeout | null = null;
  const pass = () => {
    timer = null;
    if (stopped) return;
    if (pending) return;
    pending = true;
    running = running
      .then(async () => {
        pending = false;
        // Drain: a big import leaves more than one batch behind.
        for (let i = 0; i < 100 && !stopped; i++) {
          const r = await streamOnce(kernel, models);
          if (!r || r.entries < STREAM_BATCH) break;
        }
      })
      .catch((e: Error) => kernel.log.warn({ err: e.message }, 'streaming evaluation failed'));
  };
  const soon = () => {
    if (!timer && !stopped) timer = setTimeout(pass, debounceMs);
  };
  const unsubscribe = kernel.events.subscribe((e) => {
    if (e.type.startsWith('matter') && !(e.data && (e.data as { model?: string }).model)) soon();
  });
  const poll = setInterval(soon, pollMs);
  poll.unref();
  soon();
  return async () => {
    stopped = true;
    unsubscribe();
    clearInterval(poll);
    if (timer) clearTimeout(timer);
    await running;
  };
}

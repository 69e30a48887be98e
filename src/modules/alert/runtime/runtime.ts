import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { type Actor, systemActor } from '../../../core/access/actor.ts';
import { audit, withDeferredAudit } from '../../../core/audit/audit.ts';
import type { DbOrTx } from '../../../core/db/database.ts';
import type { MatterRow } from '../../../core/db/types.ts';
import { announce, type ZhiliEvent } from '../../../core/events/bus.ts';
import type { Kernel } from '../../../core/kernel.ts';
import { createMatters, matterEvent } from '../../../core/matters/matters.service.ts';
import { getMatterType } from '../../../core/matters/registry.ts';
import { indexTokens } from '../../../core/matters/search.ts';
import type { Deadline } from '../../../core/workflow/deadlines.ts';
import type { AlertPayload } from '../alert.schema.ts';
import { adb } from '../alert.tables.ts';
import {
  type AlertLevel,
  type AnyModel,
  Carry,
  LEVEL_NAMES,
  levelOf,
  levelsOf,
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
  return (await modelStates(db, [model as AnyModel])).get(model.code) as ModelState<P>;
}

/** The parameters in force of several models, in one query. */
export async function modelStates(
  db: DbOrTx,
  models: AnyModel[],
): Promise<Map<string, ModelState<Record<string, unknown>>>> {
  const rows = models.length
    ? await adb(db)
        .selectFrom('alert_models')
        .select(['code', 'params', 'version', 'enabled'])
        .where(
          'code',
          'in',
          models.map((m) => m.code),
        )
        .execute()
    : [];
  const byCode = new Map(rows.map((r) => [r.code, r]));
  return new Map(
    models.map((model) => {
      const row = byCode.get(model.code);
      if (!row) return [model.code, { params: model.defaults, version: 1, enabled: true }];
      const parsed = model.params.safeParse({ ...model.defaults, ...(row.params as object) });
      return [
        model.code,
        { params: parsed.success ? parsed.data : model.defaults, version: row.version, enabled: row.enabled },
      ];
    }),
  );
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
  opts: {
    /** Store the outcome at once (false: the caller stores several with recordHealth). */
    record?: boolean;
    /**
     * Given the evaluation's transaction: a model cut off by its time limit returns at once, but its
     * transaction may hold a connection a while longer (until the database cancels its query).
     */
    holds?: (transaction: Promise<unknown>) => void;
  } = {},
): Promise<EvaluationResult> {
  const t0 = performance.now();
  let result: EvaluationResult;
  try {
    const transaction = kernel.db
      .transaction()
      .setAccessMode('read only')
      .execute(async (tx) => {
        // A slow query is cancelled by the database itself, so that it does not hold the connection on.
        // A streaming pass reads a few hundred matters and must answer within a second: compiling a query
        // (PostgreSQL's JIT, chosen from cost estimates that a fast-growing table throws off) took longer
        // than running it. Periodic models over a whole library keep the server's setting.
        await sql`select set_config('statement_timeout', ${String(timeoutMs)}, true)
                    ${input.matterIds ? sql`, set_config('jit', 'off', true)` : sql``}`.execute(tx);
        return model.evaluate({
          db: tx,
          params: input.params,
          now: input.now,
          ...(input.matterIds ? { matterIds: input.matterIds } : {}),
          ...(input.memo ? { memo: input.memo } : {}),
        });
      });
    opts.holds?.(transaction.catch(() => {}));
    const signals = await withTimeout(transaction, timeoutMs, model.code);
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
  if (opts.record ?? true) await recordHealth(kernel.db, [result]);
  return result;
}

/** Stores how evaluations went (healthy, duration, signals, error; runs and failures counted), in one statement. */
export async function recordHealth(db: DbOrTx, results: EvaluationResult[]): Promise<void> {
  if (!results.length) return;
  await sql`
    update alert_models a
    set healthy = v.ok, last_run_at = ${new Date()}, last_duration_ms = v.ms, last_signals = v.signals,
        last_error = v.error, runs = a.runs + 1, failures = a.failures + case when v.ok then 0 else 1 end
    from jsonb_to_recordset(${JSON.stringify(
      results.map((r) => ({
        code: r.code,
        ok: r.ok,
        ms: r.ms,
        signals: r.signals.length,
        error: r.ok ? null : (r.error ?? null),
      })),
    )}::jsonb) as v(code text, ok boolean, ms int, signals int, error text)
    where a.code = v.code`.execute(db);
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

/**
 * Each signal's subjects that still exist (a person merged away since the evaluation is skipped, not an
 * error): one query per kind of subject for all the signals.
 */
async function existingSubjects(tx: DbOrTx, signals: Signal[]) {
  const have = new Set<string>();
  for (const type of ['person', 'enterprise', 'house', 'thing'] as const) {
    const ids = [
      ...new Set(signals.flatMap((s) => s.subjects.filter((x) => x.type === type).map((x) => x.id))),
    ];
    if (!ids.length) continue;
    const table = { person: 'persons', enterprise: 'enterprises', house: 'houses', thing: 'things' }[type];
    const found = await sql<{ id: string }>`
      select id::text as id from ${sql.table(table)} where id = any(${sql.val(ids)}::bigint[])`.execute(tx);
    for (const f of found.rows) have.add(`${type}:${f.id}`);
  }
  return signals.map((s) => {
    const out: {
      role: string;
      subjectType: 'person' | 'enterprise' | 'house' | 'thing';
      subjectId: string;
    }[] = [];
    for (const type of ['person', 'enterprise', 'house', 'thing'] as const) {
      for (const x of s.subjects) {
        if (x.type === type && have.has(`${type}:${x.id}`))
          out.push({ role: (x.role ?? 'concerned').slice(0, 40), subjectType: type, subjectId: x.id });
      }
    }
    return out;
  });
}

interface StoredKey {
  key: string;
  window: string;
  matter_id: string;
  digest: string;
  level: AlertLevel;
  evaluations: number;
  first_at: Date;
  closed: boolean;
  closed_at: Date | null;
}

type Judged = { s: Signal; level: AlertLevel; digest: string };

/** An alert's place among a model's: its (key, window). */
const slotOf = (x: { key: string; window: string }) => `${x.key}\u0000${x.window}`;

/**
 * Turns one model's signals into alerts, in the caller's transaction. Idempotent: the same signals again
 * change nothing. A higher level or a different explanation updates the open alert (its timeline says so); a
 * closed alert for the same (key, window) suppresses the signal. Written in bulk — one read of the stored
 * keys, the new alerts filed together (createMatters) —, so that a pass raising hundreds of alerts costs a
 * few statements, not a dozen per alert. Two signals of one pass with the same (key, window) count as one:
 * the later.
 */
export async function applySignals(
  tx: DbOrTx,
  model: AnyModel,
  version: number,
  signals: Signal[],
  now: Date,
  /** The thresholds in force (the model's `levels` parameter); the model's own by default. */
  levels = levelsOf(model),
): Promise<ApplyResult> {
  const out: ApplyResult = {
    raised: 0,
    updated: 0,
    unchanged: 0,
    suppressed: 0,
    belowThreshold: 0,
    events: [],
  };
  const judged = new Map<string, Judged>();
  for (const raw of signals) {
    const s = { ...raw, score: Math.max(0, Math.min(100, Math.round(raw.score))) };
    const level = levelOf(s.score, levels);
    if (!level) {
      out.belowThreshold++;
      continue;
    }
    const id = slotOf(s);
    judged.delete(id);
    judged.set(id, { s, level, digest: digestOf(s) });
  }
  if (!judged.size) return out;
  const items = [...judged.values()];
  // The stored keys, locked in one order (two runs of a model wait for each other instead of crossing).
  const found = await sql<StoredKey>`
    select k.key, k.${sql.ref('window')}, k.matter_id::text as matter_id, k.digest, k.level, k.evaluations,
           k.first_at, m.closed, m.closed_at
    from alert_keys k
    join matters m on m.id = k.matter_id
    join unnest(${sql.val(items.map((i) => i.s.key))}::text[], ${sql.val(items.map((i) => i.s.window))}::text[])
      as s(key, win) on s.key = k.key and s.win = k.${sql.ref('window')}
    where k.model = ${model.code}
    order by k.key, k.${sql.ref('window')}
    for update of k`.execute(tx);
  const stored = new Map(found.rows.map((r) => [slotOf(r), r]));

  const fresh: Judged[] = [];
  const changed: (Judged & { existing: StoredKey })[] = [];
  for (const item of items) {
    const { s, level, digest } = item;
    const found = stored.get(slotOf(s));
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
    if (!existing) fresh.push(item);
    else if (existing.digest === digest) out.unchanged++;
    else changed.push({ ...item, existing });
  }
  if (fresh.length) await raise(tx, model, version, fresh, now, out);
  if (changed.length) await reevaluate(tx, model, version, changed, now, out);
  return out;
}

function payloadOf(
  model: AnyModel,
  version: number,
  { s, level }: Judged,
  existing: StoredKey | undefined,
  now: Date,
): AlertPayload {
  return {
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
}

/** New alerts: filed together, their clocks set by level, their keys stored. */
async function raise(
  tx: DbOrTx,
  model: AnyModel,
  version: number,
  items: Judged[],
  now: Date,
  out: ApplyResult,
) {
  const actor = modelActor(model.code);
  const parties = await existingSubjects(
    tx,
    items.map((i) => i.s),
  );
  // The category is the model, the clock runs by level: both set as the alerts are filed. A model that is not
  // a declared category (a deployment's own, not in MODELS) gets it set afterwards.
  const declared = getMatterType('alert').categories.some((c) => c.code === model.code);
  const {
    matters,
    rows: filed,
    events,
  } = await createMatters(
    tx,
    actor,
    items.map(({ s, level }, n) => ({
      type: 'alert',
      ...(declared ? { category: model.code } : {}),
      title: s.title.slice(0, 200),
      description: describe(s),
      urgency: LEVEL_URGENCY[level],
      sourceChannel: 'model',
      areaCode: s.areaCode,
      point: s.point ?? null,
      payload: payloadOf(model, version, items[n]!, undefined, now),
      parties: parties[n]!,
      clock: { from: now, deadline: LEVEL_DEADLINES[level] },
    })),
  );
  const rows = new Map<string, MatterRow>();
  if (declared) for (const r of filed) rows.set(String(r.id), r);
  else {
    const updated = await tx
      .updateTable('matters')
      .set({ category: model.code })
      .where(
        'id',
        'in',
        matters.map((m) => m.id),
      )
      .returningAll()
      .execute();
    for (const r of updated) rows.set(String(r.id), r);
  }
  await adb(tx)
    .insertInto('alert_keys')
    .values(
      items.map(({ s, level, digest }, n) => ({
        model: model.code,
        key: s.key,
        window: s.window,
        matter_id: matters[n]!.id,
        score: s.score,
        level,
        digest,
        first_at: now,
        last_at: now,
      })),
    )
    .execute();
  out.raised += items.length;
  out.events.push(...events);
  for (const [n, { s, level }] of items.entries())
    out.events.push(alertEvent('alert.raised', rows.get(matters[n]!.id)!, actor, model, level, s.score));
}

/**
 * Open alerts whose explanation or level changed: updated together (one statement for the matters, one for
 * their keys, one for their timelines), the audit told why for each.
 */
async function reevaluate(
  tx: DbOrTx,
  model: AnyModel,
  version: number,
  items: (Judged & { existing: StoredKey })[],
  now: Date,
  out: ApplyResult,
) {
  const actor = modelActor(model.code);
  const changes = items.map((item) => {
    const { s, level, existing } = item;
    const title = s.title.slice(0, 200);
    const description = describe(s);
    return {
      item,
      payload: payloadOf(model, version, item, existing, now),
      title,
      description,
      tokens: indexTokens(title, description),
      // Only the level may raise the urgency; a centre's own change to it is kept otherwise.
      urgency: LEVEL_RANK[level] > LEVEL_RANK[existing.level] ? LEVEL_URGENCY[level] : null,
    };
  });
  const rows = await sql<MatterRow & { old_score: number | null }>`
    update matters m
    set title = v.title, description = v.description, search_tokens = v.tokens,
        urgency = coalesce(v.urgency, m.urgency), payload = v.payload, updated_at = ${now},
        version = m.version + 1
    from jsonb_to_recordset(${JSON.stringify(
      changes.map((c) => ({
        id: c.item.existing.matter_id,
        title: c.title,
        description: c.description,
        tokens: c.tokens,
        urgency: c.urgency,
        payload: c.payload,
      })),
    )}::jsonb) as v(id bigint, title text, description text, tokens text[], urgency text, payload jsonb),
    matters o
    where m.id = v.id and o.id = v.id
    returning m.*, (o.payload->>'score')::int as old_score`.execute(tx);
  const byId = new Map(rows.rows.map((r) => [String(r.id), r]));
  await sql`
    update alert_keys k
    set score = v.score, level = v.level, digest = v.digest, evaluations = v.evaluations, last_at = ${now}
    from jsonb_to_recordset(${JSON.stringify(
      changes.map((c) => ({
        key: c.item.s.key,
        window: c.item.s.window,
        score: c.item.s.score,
        level: c.item.level,
        digest: c.item.digest,
        evaluations: c.payload.evaluations,
      })),
    )}::jsonb) as v(key text, "window" text, score int, level text, digest text, evaluations int)
    where k.model = ${model.code} and k.key = v.key and k."window" = v."window"`.execute(tx);
  await tx
    .insertInto('matter_timeline')
    .values(
      changes.map(({ item: { s, level, existing } }) => ({
        matter_id: existing.matter_id,
        at: now,
        actor_id: null,
        actor_name: actor.displayName,
        action: 'reevaluate',
        to_status: null,
        note:
          level !== existing.level
            ? `预警等级 ${LEVEL_NAMES[existing.level].zh} → ${LEVEL_NAMES[level].zh}，评分 ${s.score} / level ${existing.level} → ${level}`
            : `研判依据更新，评分 ${s.score} / explanation updated, score ${s.score}`,
        data: JSON.stringify({ model: model.code, level, score: s.score }),
      })),
    )
    .execute();
  for (const { item, payload } of changes) {
    const { s, level, existing } = item;
    const row = byId.get(existing.matter_id)!;
    await audit(tx, actor, {
      action: 'alert.reevaluate',
      entityType: 'matter',
      entityId: existing.matter_id,
      areaCode: row.area_code,
      oldValues: { level: existing.level, score: row.old_score ?? undefined },
      newValues: { level, score: s.score, evaluations: payload.evaluations },
    });
    out.updated++;
    out.events.push(
      alertEvent(
        LEVEL_RANK[level] > LEVEL_RANK[existing.level] ? 'alert.raised' : 'alert.updated',
        row,
        actor,
        model,
        level,
        s.score,
      ),
    );
  }
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
  /**
   * Wall time until every model was evaluated (several at once on PostgreSQL), and after it until every
   * signal was applied (applying starts with the first model evaluated, so part of it overlaps).
   */
  evaluateMs: number;
  applyMs: number;
}

/** Models evaluated at once on PostgreSQL (PGlite has one connection: there, one after another). */
export const EVAL_CONCURRENCY = 2;

/**
 * Runs the functions given to it at most `limit` at a time, in the order they were given. A function may hold
 * its slot after it has returned its value (`hold`: a connection still in use).
 */
function limiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = () => {
    if (active < limit) {
      active++;
      return Promise.resolve();
    }
    return new Promise<void>((go) => waiting.push(go));
  };
  // The slot goes straight to the next in line, so that no newcomer slips in between.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return async <R>(fn: () => Promise<{ value: R; hold?: Promise<unknown> }>): Promise<R> => {
    await acquire();
    let hold: Promise<unknown> | undefined;
    try {
      const out = await fn();
      hold = out.hold;
      return out.value;
    } finally {
      if (hold) void hold.finally(release);
      else release();
    }
  };
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
  carry?: Carry,
): Promise<RunSummary> {
  const summary: RunSummary = emptySummary();
  const memo: PassMemo = new Map();
  if (carry) {
    carry.begin(input.now, input.matterIds ?? []);
    memo.carry = carry;
  }
  const states = await modelStates(kernel.db, models);
  const enabled = models.flatMap((model) => {
    const state = states.get(model.code)!;
    return state.enabled ? [{ model, state }] : [];
  });
  // Evaluations only read, each in its own transaction: on PostgreSQL a few run at once (the database
  // works on one while Node works on another's rows). Their signals are applied one model after another,
  // in order, so that two models' alerts never wait on each other's locks.
  // A model's signals are applied as soon as it and the models before it are done, while the next ones are
  // still evaluated: the first alerts of a pass do not wait for its slowest model.
  const parallel = kernel.database.engine === 'postgres' ? EVAL_CONCURRENCY : 1;
  const t0 = performance.now();
  const limit = limiter(parallel);
  let t1 = t0;
  const results = enabled.map(({ model, state }) =>
    limit(async () => {
      let hold: Promise<unknown> | undefined;
      const value = await evaluateModel(kernel, model, { ...input, params: state.params, memo }, timeoutMs, {
        record: false,
        holds: (t) => {
          hold = t;
        },
      });
      t1 = Math.max(t1, performance.now());
      return { value, ...(hold ? { hold } : {}) };
    }),
  );
  // Models whose signals could not be stored: unhealthy, whatever their evaluation.
  const notStored = new Map<string, string>();
  for (const [i, { model, state }] of enabled.entries()) {
    const r = await results[i]!;
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
          withDeferredAudit(tx, () =>
            applySignals(tx, model, state.version, r.signals, input.now, levelsOf(model, state.params)),
          ),
        );
      summary.raised += applied.raised;
      summary.updated += applied.updated;
      summary.unchanged += applied.unchanged;
      summary.suppressed += applied.suppressed;
      await announce(kernel, applied.events);
    } catch (e) {
      // A signal the runtime cannot store (an unknown area, say) fails this model's batch, not the others.
      kernel.log.warn({ model: model.code, err: (e as Error).message }, 'alert signals not applied');
      notStored.set(model.code, `无法保存预警 / signals not stored: ${(e as Error).message}`.slice(0, 2000));
    }
  }
  // Evaluation: until the last model was evaluated; applying: what came after (the applies before overlap).
  await recordHealth(
    kernel.db,
    summary.evaluated.map((r) =>
      notStored.has(r.code) ? { ...r, ok: false, error: notStored.get(r.code)! } : r,
    ),
  );
  summary.evaluateMs = Math.round(t1 - t0);
  summary.applyMs = Math.round(performance.now() - t1);
  return summary;
}

function emptySummary(): RunSummary {
  return { evaluated: [], raised: 0, updated: 0, unchanged: 0, suppressed: 0, evaluateMs: 0, applyMs: 0 };
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
/** What this process's streaming passes carry from one to the next (model.ts, Carry). */
const carries = new WeakMap<Kernel, Carry>();

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
export type StreamPass = RunSummary & { entries: number; matters: number; filled: number; readMs: number };

export async function streamOnce(
  kernel: Kernel,
  models: AnyModel[],
  fixedNow?: Date,
  opts: { gapGraceMs?: number; clock?: () => number } = {},
): Promise<StreamPass | null> {
  const streaming = models.filter((m) => m.kind === 'streaming');
  const grace = opts.gapGraceMs ?? STREAM_GAP_GRACE_MS;
  const clock = opts.clock ?? Date.now;
  return withStreamLock(kernel, async () => {
    const r0 = performance.now();
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
        from (select id, matter_id, at from matter_timeline where id > ${String(state.readUpTo)}
              order by id limit ${STREAM_BATCH}) t
        -- Each entry's matter by its key (a few thousand at most), never a join over all matters.
        cross join lateral (select m.type, m.created_at from matters m where m.id = t.matter_id offset 0) m
        order by t.id`.execute(kernel.db)
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
    const readMs = Math.round(performance.now() - r0);
    // Alerts' own entries move the cursor but are not evaluated: models watch the matters, not themselves.
    const matterIds = [...new Set(rows.filter((r) => r.type !== 'alert').map((r) => r.matter_id))];
    // The pass's "now" is taken after the read, and never before what it read: models look at matters
    // created up to now, and a pass that waited (for the lock, for a busy single connection) or a database
    // clock ahead of this server's would otherwise leave out the very matters it read, and the cursor would
    // move past them for good.
    const now = fixedNow ?? new Date(Math.max(Date.now(), ...rows.map((r) => new Date(r.latest).getTime())));
    const summary = matterIds.length
      ? await runModels(kernel, streaming, { now, matterIds }, DEFAULT_TIMEOUT_MS, carryOf(kernel))
      : emptySummary();
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
    return { ...summary, entries: fresh.length, matters: matterIds.length, filled: filled.length, readMs };
  });
}

function carryOf(kernel: Kernel): Carry {
  let carry = carries.get(kernel);
  if (!carry) {
    carry = new Carry();
    carries.set(kernel, carry);
  }
  return carry;
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
  opts: { debounceMs?: number; pollMs?: number; onPass?: (pass: StreamPass) => void } = {},
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
          if (r) opts.onPass?.(r);
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

import { getResolution, isValidCell, latLngToCell } from 'h3-js';
import { sql } from 'kysely';
import { scopePrefix } from '../../core/access/actor.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import {
  type AlertLevel,
  levelOf,
  levelsOf,
  type ModelDef,
  type ModelKind,
  type Signal,
  type SignalSubject,
} from './runtime/model.ts';

/**
 * 回测: replays history day by day, as if each model had been running then, and scores the alerts it would
 * have raised against what really happened later (`alert_outcomes`, which no model reads).
 *
 * Replay. The period is cut into steps of `stepDays` China Standard Time days, starting at the CST midnight
 * on or before `from` and ending at `to` (exclusive). At the end of each step ("now" = the step's last
 * millisecond, always in the past):
 *   - a streaming model is evaluated with the matters created during the step (`matterIds`, any type;
 *     models filter). A step with no new matters is not evaluated, as the runtime would not call it;
 *   - a periodic model is evaluated once per `max(stepDays, ⌈intervalMs⌉ days)` — daily for the usual
 *     hourly or daily models, weekly for a weekly one — and at the last step, looking at the whole window.
 * A model's "now" is honoured by the model itself (it reads only matters created at or before it). Each
 * evaluation runs read-only and is rolled back (in a transaction of its own, or under a savepoint when `db`
 * is already a transaction), so a model can neither write nor leave a failed transaction behind.
 *
 * Alerts. As the runtime does, one alert per (key, window): its first time is the first "now" at which the
 * model signalled it at or above its yellow threshold (`levelOf` with the model's `levels`); its level is the
 * highest it reached during the period.
 *
 * Scoring. An outcome is relevant to a model when its kind is in the model's list (MODEL_OUTCOME_KINDS).
 * An alert and a relevant outcome match when the outcome concerns one of the alert's subjects
 * (subject_type/subject_id) or — for area-keyed signals (`area:…`, `h3:…`) and signals naming no subject —
 * when the outcome's area lies under the alert's area (area code prefix: a town's alert covers its
 * villages), or, for `h3:` keys, when the outcome area's centre lies in the cell. By default
 * (`matchAfter: 'any'`) a match counts when the outcome happened within `horizonDays` after any evaluation
 * that signalled the alert at or above yellow; with `matchAfter: 'first'`, only within `horizonDays` after
 * the alert's first time (first ≤ at ≤ first + horizon). 'any' is the default because most models keep one alert open (window `open`) and update it, so a pair first flagged yellow at
 * an early 110 call and flagged red again at the threat two months later was live when the violence came.
 *   precision = alerts with a matching outcome / alerts raised;
 *   recall    = relevant outcomes with a matching alert / relevant outcomes that some alert of the period
 *               could have warned about, i.e. with `at` in [from, to + horizon];
 *   lead time = for each warned outcome, days from the earliest matching alert to the outcome (median and
 *               90th percentile, nearest rank).
 * A model that throws is recorded with its error (its other evaluations still count) and the others go on.
 * Results are stored one row per model in `alert_backtests`; the model's `alert_models` row is created
 * with its defaults if it does not exist yet.
 */

export const OUTCOME_KINDS = [
  'violent_incident',
  'domestic_violence',
  'medical_violence',
  'mass_incident',
  'petition_escalation',
  'self_harm',
  'economic_collapse',
  'hazard_accident',
  'other',
] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/**
 * What each model is meant to foresee. A model not listed here is scored against every kind.
 *   civil_to_criminal  民转刑: a civil dispute turning into violence — violent incidents, domestic violence,
 *                      violence at a hospital after a medical dispute.
 *   repeat_dispute     重复纠纷: repeats are scored as a precursor of any escalation between people —
 *                      violence, domestic violence, a mass incident, an escalated petition.
 *   mass_risk          群体性: mass incidents.
 *   medical_guard      智慧护医: violence at hospitals.
 *   watchlist          重点人员: what the watch-list tags are kept for — violence (also at home and in
 *                      hospitals) and self-harm.
 *   hotspot            热点区域: an area whose disputes surge — any violent or mass incident there.
 *   protracted         久拖未决: a dispute left unresolved — petitions that escalate, violence, mass incidents.
 *   petition_risk      信访: petitions that escalate (越级, 进京).
 *   economic_risk      涉众经济: an enterprise collapsing, or its creditors and workers taking to the street.
 *   domestic_violence  家庭暴力: domestic violence.
 *   extreme_emotion    极端情绪: self-harm.
 *   hazard_overdue     隐患超期: accidents from hazards.
 */
export const MODEL_OUTCOME_KINDS: Record<string, readonly OutcomeKind[]> = {
  civil_to_criminal: ['violent_incident', 'domestic_violence', 'medical_violence'],
  repeat_dispute: ['violent_incident', 'domestic_violence', 'mass_incident', 'petition_escalation'],
  mass_risk: ['mass_incident'],
  medical_guard: ['medical_violence'],
  watchlist: ['violent_incident', 'domestic_violence', 'medical_violence', 'self_harm'],
  hotspot: ['violent_incident', 'domestic_violence', 'medical_violence', 'mass_incident'],
  protracted: ['petition_escalation', 'violent_incident', 'mass_incident'],
  petition_risk: ['petition_escalation'],
  economic_risk: ['economic_collapse', 'mass_incident'],
  domestic_violence: ['domestic_violence'],
  extreme_emotion: ['self_harm'],
  hazard_overdue: ['hazard_accident'],
};

export const BACKTEST_LIMITS = {
  maxStepDays: 31,
  maxHorizonDays: 365,
  /** Steps per backtest (about ten years of days). */
  maxSteps: 3660,
} as const;

const DAY = 86_400_000;
const CST = 8 * 3_600_000;
const MAX_ERROR_MESSAGES = 5;
const MAX_EXAMPLES = 10;

// ---------------------------------------------------------------------------------------------------
// Types

/** Any model, whatever its parameters (the list `MODELS` holds twelve different ones). */
export type AnyModelDef = ModelDef<Record<string, unknown>>;

export interface BacktestOptions {
  from: Date;
  /** Exclusive. */
  to: Date;
  /** Days per replay step (1–31); default 1. */
  stepDays?: number;
  /** How long after an alert an outcome still counts as foreseen (1–365 days); default 30. */
  horizonDays?: number;
  /** Parameters per model code (validated against the model's schema); a model's defaults otherwise. */
  params?: Record<string, Record<string, unknown>>;
  /** Overrides MODEL_OUTCOME_KINDS per model code. */
  outcomeKinds?: Record<string, readonly OutcomeKind[]>;
  /**
   * When an outcome counts as foreseen: within the horizon after the alert's first time (`first`, the
   * default), or after any evaluation that signalled it at or above yellow (`any`). Lead time is always
   * counted from the first time.
   */
  matchAfter?: 'first' | 'any';
  /** Write one `alert_backtests` row per model; default true. */
  store?: boolean;
  /** Called after each replay step. */
  onProgress?: (done: number, total: number) => void;
}

/** One alert the replay raised, as shown among a model's examples. */
export interface BacktestAlert {
  key: string;
  window: string;
  level: AlertLevel;
  score: number;
  /** The first "now" at which it was signalled at or above yellow. */
  firstAt: string;
  title: string;
  areaCode: string;
  /** The earliest matching outcome within the horizon, if any. */
  outcome: { id: string; kind: OutcomeKind; at: string; leadDays: number } | null;
}

export interface BacktestModelResult {
  code: string;
  no: number;
  name: { zh: string; en: string };
  kind: ModelKind;
  params: Record<string, unknown>;
  outcomeKinds: OutcomeKind[];
  /** Times `evaluate` was called (and how many of those threw). */
  evaluations: number;
  /** Signals returned, at any score. */
  signals: number;
  /** Distinct (key, window) alerts at or above yellow, by the highest level each reached. */
  alerts: { total: number; red: number; orange: number; yellow: number };
  truePositives: number;
  /** truePositives / alerts; null when no alert was raised. */
  precision: number | null;
  /** The same per highest level reached: is a red alert worth more than a yellow one? null where none. */
  precisionByLevel: Record<AlertLevel, number | null>;
  /** Relevant outcomes in [from, to + horizon]. */
  outcomes: number;
  /** Of those, outcomes some alert warned about within the horizon. */
  warned: number;
  /** warned / outcomes; null when there was no relevant outcome. */
  recall: number | null;
  /** Days from the earliest matching alert to each warned outcome. */
  leadDays: { median: number | null; p90: number | null; n: number };
  /** Time spent in `evaluate`, all evaluations. */
  ms: number;
  errors: { count: number; messages: { at: string; message: string }[] };
  /** 'ok'; 'errors' when some evaluations threw; 'failed' when every one did (or the params were refused). */
  status: 'ok' | 'errors' | 'failed';
  examples: { warned: BacktestAlert[]; unmatched: BacktestAlert[] };
  /** The `alert_backtests` row, when stored. */
  backtestId: string | null;
}

export interface BacktestResult {
  from: string;
  to: string;
  stepDays: number;
  horizonDays: number;
  matchAfter: 'first' | 'any';
  steps: number;
  ranAt: string;
  ms: number;
  models: BacktestModelResult[];
}

interface Raised {
  key: string;
  window: string;
  firstAt: Date;
  /** When it was signalled at or above yellow, as spans of times at most a horizon apart. */
  spans: { start: number; end: number }[];
  level: AlertLevel;
  score: number;
  title: string;
  areaCode: string;
  subjects: SignalSubject[];
}

interface OutcomeRow {
  id: string;
  kind: OutcomeKind;
  subjectKey: string | null;
  areaCode: string | null;
  center: { lng: number; lat: number } | null;
  at: Date;
}

// ---------------------------------------------------------------------------------------------------
// Time

/** The CST midnight on or before `d`. */
export function cstDayStart(d: Date): Date {
  return new Date(Math.floor((d.getTime() + CST) / DAY) * DAY - CST);
}

interface Step {
  /** First instant of the step (inclusive). */
  start: Date;
  /** The evaluation's "now": the step's last millisecond. */
  now: Date;
}

function stepsOf(from: Date, to: Date, stepDays: number): Step[] {
  const steps: Step[] = [];
  for (let t = cstDayStart(from).getTime(); t < to.getTime(); t += stepDays * DAY) {
    const end = Math.min(t + stepDays * DAY, to.getTime());
    steps.push({ start: new Date(t), now: new Date(end - 1) });
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

const ROLLBACK = Symbol('rollback');

/** Runs `fn` where nothing it writes survives, and a failed statement leaves no broken transaction. */
async function readOnly<T>(db: DbOrTx, fn: (db: DbOrTx) => Promise<T>): Promise<T> {
  if (db.isTransaction) {
    await sql`savepoint alert_backtest_eval`.execute(db);
    try {
      // Going read-only is allowed at any point; rolling back to the savepoint restores read-write.
      await sql`set transaction read only`.execute(db);
      return await fn(db);
    } finally {
      await sql`rollback to savepoint alert_backtest_eval`.execute(db);
      await sql`release savepoint alert_backtest_eval`.execute(db);
    }
  }
  let out: { v: T } | null = null;
  try {
    await db.transaction().execute(async (tx) => {
      await sql`set transaction read only`.execute(tx);
      out = { v: await fn(tx) };
      throw ROLLBACK;
    });
  } catch (e) {
    if (e !== ROLLBACK) throw e;
  }
  return (out as { v: T } | null)!.v;
}

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

const LEVEL_RANK: Record<AlertLevel, number> = { yellow: 1, orange: 2, red: 3 };

class ModelRun {
  readonly raised = new Map<string, Raised>();
  evaluations = 0;
  signals = 0;
  ms = 0;
  errorCount = 0;
  readonly errorMessages: { at: string; message: string }[] = [];
  refused = false;

  constructor(
    readonly model: AnyModelDef,
    readonly params: Record<string, unknown>,
    readonly horizonMs: number,
  ) {}

  fail(at: Date, e: unknown) {
    this.errorCount++;
    const message = errorMessage(e);
    if (
      this.errorMessages.length < MAX_ERROR_MESSAGES &&
      !this.errorMessages.some((m) => m.message === message)
    ) {
      this.errorMessages.push({ at: at.toISOString(), message });
    }
  }

  async evaluate(db: DbOrTx, now: Date, matterIds: string[] | undefined) {
    this.evaluations++;
    const t0 = performance.now();
    let signals: Signal[];
    try {
      signals = await readOnly(db, (tx) =>
        this.model.evaluate({
          db: tx,
          params: this.params,
          now,
          ...(matterIds ? { matterIds } : {}),
        }),
      );
      if (!Array.isArray(signals)) throw new Error('evaluate did not return an array of signals');
    } catch (e) {
      this.fail(now, e);
      return;
    } finally {
      this.ms += performance.now() - t0;
    }
    this.signals += signals.length;
    for (const s of signals) {
      if (!s || typeof s.key !== 'string' || typeof s.window !== 'string' || !Number.isFinite(s.score))
        continue;
      const level = levelOf(s.score, levelsOf(this.model, this.params));
      if (!level) continue;
      const id = `${s.key}\u0000${s.window}`;
      const known = this.raised.get(id);
      if (!known) {
        this.raised.set(id, {
          key: s.key,
          window: s.window,
          firstAt: now,
          spans: [{ start: now.getTime(), end: now.getTime() }],
          level,
          score: s.score,
          title: s.title,
          areaCode: s.areaCode,
          subjects: Array.isArray(s.subjects) ? s.subjects : [],
        });
        continue;
      }
      const span = known.spans.at(-1)!;
      if (now.getTime() - span.end <= this.horizonMs) span.end = now.getTime();
      else known.spans.push({ start: now.getTime(), end: now.getTime() });
      if (LEVEL_RANK[level] > LEVEL_RANK[known.level]) known.level = level;
      known.score = Math.max(known.score, s.score);
      // Later evaluations may name more subjects (a third party joins); matching uses all of them.
      for (const sub of s.subjects ?? []) {
        if (!known.subjects.some((k) => k.type === sub.type && k.id === sub.id)) known.subjects.push(sub);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Scoring

const subjectKey = (type: string, id: string) => `${type}:${id}`;
const AREA_PREFIX_LENGTHS = [2, 4, 6, 9, 12, 15];

class OutcomeIndex {
  private readonly bySubject = new Map<string, OutcomeRow[]>();
  private readonly byAreaPrefix = new Map<string, OutcomeRow[]>();
  private readonly byCell = new Map<string, OutcomeRow[]>();
  private readonly cellResolutions = new Set<number>();

  constructor(readonly rows: OutcomeRow[]) {
    for (const o of rows) {
      if (o.subjectKey) push(this.bySubject, o.subjectKey, o);
      if (o.areaCode) {
        for (const n of AREA_PREFIX_LENGTHS) {
          if (o.areaCode.length >= n) push(this.byAreaPrefix, o.areaCode.slice(0, n), o);
        }
      }
    }
  }

  private cell(cell: string): OutcomeRow[] {
    if (!isValidCell(cell)) return [];
    const res = getResolution(cell);
    if (!this.cellResolutions.has(res)) {
      this.cellResolutions.add(res);
      for (const o of this.rows) {
        if (o.center) push(this.byCell, latLngToCell(o.center.lat, o.center.lng, res), o);
      }
    }
    return this.byCell.get(cell) ?? [];
  }

  /** Every outcome that concerns the alert, by subject or, for area-keyed alerts, by place. */
  candidates(a: Raised): OutcomeRow[] {
    const out = new Set<OutcomeRow>();
    for (const s of a.subjects) {
      for (const o of this.bySubject.get(subjectKey(s.type, String(s.id))) ?? []) out.add(o);
    }
    const areaKeyed = a.key.startsWith('area:') || a.key.startsWith('h3:') || a.subjects.length === 0;
    if (areaKeyed && typeof a.areaCode === 'string' && /^\d{12}(\d{3})?$/.test(a.areaCode)) {
      for (const o of this.byAreaPrefix.get(scopePrefix(a.areaCode)) ?? []) out.add(o);
    }
    if (a.key.startsWith('h3:')) for (const o of this.cell(a.key.slice(3))) out.add(o);
    return [...out];
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Median (mean of the middle two) and 90th percentile (nearest rank) of days. */
export function leadStats(days: number[]): { median: number | null; p90: number | null; n: number } {
  if (!days.length) return { median: null, p90: null, n: 0 };
  const xs = [...days].sort((a, b) => a - b);
  const mid = xs.length / 2;
  const median = xs.length % 2 ? xs[Math.floor(mid)]! : (xs[mid - 1]! + xs[mid]!) / 2;
  const p90 = xs[Math.max(0, Math.ceil(0.9 * xs.length) - 1)]!;
  return { median: round1(median), p90: round1(p90), n: xs.length };
}

/** part / whole to three places; null when there is no whole. */
const ratio = (part: number, whole: number) => (whole ? round3(part / whole) : null);

function score(
  run: ModelRun,
  outcomes: OutcomeRow[],
  kinds: readonly OutcomeKind[],
  from: Date,
  horizonEnd: Date,
  horizonMs: number,
  matchAfter: 'first' | 'any',
) {
  const relevant = outcomes.filter((o) => kinds.includes(o.kind));
  const index = new OutcomeIndex(relevant);
  const alerts = [...run.raised.values()].sort(
    (a, b) => a.firstAt.getTime() - b.firstAt.getTime() || (a.key < b.key ? -1 : 1),
  );
  /** Per warned outcome: the earliest matching alert's first time. */
  const earliest = new Map<OutcomeRow, number>();
  const warned: BacktestAlert[] = [];
  const unmatched: BacktestAlert[] = [];
  let tp = 0;
  const tpByLevel = { red: 0, orange: 0, yellow: 0 };
  for (const a of alerts) {
    const t = a.firstAt.getTime();
    const hits = index
      .candidates(a)
      .filter((o) => {
        const at = o.at.getTime();
        return matchAfter === 'first'
          ? at >= t && at <= t + horizonMs
          : a.spans.some((sp) => at >= sp.start && at <= sp.end + horizonMs);
      })
      .sort((x, y) => x.at.getTime() - y.at.getTime());
    for (const o of hits) {
      const e = earliest.get(o);
      if (e === undefined || t < e) earliest.set(o, t);
    }
    const first = hits[0];
    const shown: BacktestAlert = {
      key: a.key,
      window: a.window,
      level: a.level,
      score: a.score,
      firstAt: a.firstAt.toISOString(),
      title: a.title,
      areaCode: a.areaCode,
      outcome: first
        ? {
            id: first.id,
            kind: first.kind,
            at: first.at.toISOString(),
            leadDays: round1((first.at.getTime() - t) / DAY),
          }
        : null,
    };
    if (first) {
      tp++;
      tpByLevel[a.level]++;
      if (warned.length < MAX_EXAMPLES) warned.push(shown);
    } else if (unmatched.length < MAX_EXAMPLES) unmatched.push(shown);
  }
  const counted = relevant.filter((o) => o.at >= from && o.at <= horizonEnd);
  const leads = counted.flatMap((o) => {
    const e = earliest.get(o);
    return e === undefined ? [] : [(o.at.getTime() - e) / DAY];
  });
  const byLevel = { red: 0, orange: 0, yellow: 0 };
  for (const a of alerts) byLevel[a.level]++;
  return {
    alerts: { total: alerts.length, ...byLevel },
    truePositives: tp,
    precision: ratio(tp, alerts.length),
    precisionByLevel: {
      red: ratio(tpByLevel.red, byLevel.red),
      orange: ratio(tpByLevel.orange, byLevel.orange),
      yellow: ratio(tpByLevel.yellow, byLevel.yellow),
    },
    outcomes: counted.length,
    warned: leads.length,
    recall: ratio(leads.length, counted.length),
    leadDays: leadStats(leads),
    examples: { warned, unmatched },
  };
}

// ---------------------------------------------------------------------------------------------------
// Storage

async function loadOutcomes(db: DbOrTx, from: Date, until: Date): Promise<OutcomeRow[]> {
  const r = await sql<{
    id: string | number;
    kind: OutcomeKind;
    subject_type: string | null;
    subject_id: string | number | null;
    area_code: string | null;
    at: Date | string;
    center_lng: number | null;
    center_lat: number | null;
  }>`
    select o.id, o.kind, o.subject_type, o.subject_id, o.area_code, o.at, a.center_lng, a.center_lat
    from alert_outcomes o
    left join areas a on a.code = o.area_code
    where o.at >= ${from} and o.at <= ${until}
    order by o.at, o.id`.execute(db);
  return r.rows.map((o) => ({
    id: String(o.id),
    kind: o.kind,
    subjectKey:
      o.subject_type && o.subject_id !== null ? subjectKey(o.subject_type, String(o.subject_id)) : null,
    areaCode: o.area_code,
    center: o.center_lng !== null && o.center_lat !== null ? { lng: o.center_lng, lat: o.center_lat } : null,
    at: new Date(o.at),
  }));
}

async function matterIdsCreated(db: DbOrTx, step: Step): Promise<string[]> {
  const r = await sql<{ id: string | number }>`
    select id from matters where created_at >= ${step.start} and created_at <= ${step.now} order by id`.execute(
    db,
  );
  return r.rows.map((x) => String(x.id));
}

async function store(
  db: DbOrTx,
  model: AnyModelDef,
  from: Date,
  to: Date,
  result: Omit<BacktestModelResult, 'backtestId'> & { period: Record<string, unknown> },
): Promise<string> {
  const created = await sql<{ code: string }>`
    insert into alert_models (code, params) values (${model.code}, ${JSON.stringify(model.defaults)}::jsonb)
    on conflict (code) do nothing
    returning code`.execute(db);
  if (created.rows.length) {
    // A model first seen by a backtest: its version 1 is on record like any other.
    await sql`
      insert into alert_model_versions (code, version, params, changed_by_name, reason)
      values (${model.code}, 1, ${JSON.stringify(model.defaults)}::jsonb, 'backtest',
              '回测时按默认参数登记 / registered with its defaults by a backtest')
      on conflict do nothing`.execute(db);
  }
  const row = await sql<{ id: string | number }>`
    insert into alert_backtests (code, period_from, period_to, result)
    values (${model.code}, ${from}, ${to}, ${JSON.stringify(result)}::jsonb)
    returning id`.execute(db);
  return String(row.rows[0]!.id);
}

// ---------------------------------------------------------------------------------------------------
// The backtest

function checkOptions(models: readonly AnyModelDef[], opts: BacktestOptions) {
  const bad = (path: string, message: string) =>
    new AppError('VALIDATION_FAILED', message, [{ path, message }]);
  if (!(opts.from instanceof Date) || Number.isNaN(opts.from.getTime()))
    throw bad('from', '回测起始日期无效 / Invalid start date');
  if (!(opts.to instanceof Date) || Number.isNaN(opts.to.getTime()))
    throw bad('to', '回测截止日期无效 / Invalid end date');
  if (opts.to.getTime() <= opts.from.getTime())
    throw bad('to', '截止日期须晚于起始日期 / The end must be after the start');
  const step = opts.stepDays ?? 1;
  if (!Number.isInteger(step) || step < 1 || step > BACKTEST_LIMITS.maxStepDays)
    throw bad('stepDays', `步长应为 1–${BACKTEST_LIMITS.maxStepDays} 天 / Step must be 1–31 days`);
  const horizon = opts.horizonDays ?? 30;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > BACKTEST_LIMITS.maxHorizonDays)
    throw bad(
      'horizonDays',
      `观察期应为 1–${BACKTEST_LIMITS.maxHorizonDays} 天 / Horizon must be 1–365 days`,
    );
  const steps = Math.ceil((opts.to.getTime() - cstDayStart(opts.from).getTime()) / (step * DAY));
  if (steps > BACKTEST_LIMITS.maxSteps)
    throw bad('to', `回测期过长（${steps} 步）/ Period too long (${steps} steps, at most 3660)`);
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.code)) throw bad('models', `模型 ${m.code} 重复 / Model ${m.code} listed twice`);
    seen.add(m.code);
  }
  for (const [code, kinds] of Object.entries(opts.outcomeKinds ?? {})) {
    for (const k of kinds) {
      if (!OUTCOME_KINDS.includes(k))
        throw bad('outcomeKinds', `${code}: 未知结果类型 ${k} / unknown kind ${k}`);
    }
  }
  const matchAfter = opts.matchAfter ?? 'any';
  if (matchAfter !== 'first' && matchAfter !== 'any')
    throw bad('matchAfter', "matchAfter 应为 first 或 any / matchAfter must be 'first' or 'any'");
  return { step, horizon, matchAfter };
}

/**
 * Replays [from, to) for every model and scores it; see the module comment for the rules. Only invalid
 * options throw: a model that throws is recorded and the others go on.
 */
export async function runBacktest(
  db: DbOrTx,
  models: readonly AnyModelDef[],
  opts: BacktestOptions,
): Promise<BacktestResult> {
  const { step, horizon, matchAfter } = checkOptions(models, opts);
  const t0 = performance.now();
  const ranAt = new Date();
  const steps = stepsOf(opts.from, opts.to, step);
  const runs: ModelRun[] = [];
  for (const m of models) {
    const given = opts.params?.[m.code];
    const parsed = m.params.safeParse(given ?? m.defaults);
    const run = new ModelRun(m, parsed.success ? parsed.data : (given ?? m.defaults), horizon * DAY);
    if (!parsed.success) {
      run.refused = true;
      run.fail(ranAt, new Error(`参数无效 / invalid parameters: ${parsed.error.message}`));
    }
    runs.push(run);
  }

  for (const [i, s] of steps.entries()) {
    let ids: string[] | null = null;
    for (const run of runs) {
      if (run.refused) continue;
      if (run.model.kind === 'streaming') {
        ids ??= await matterIdsCreated(db, s);
        if (ids.length) await run.evaluate(db, s.now, ids);
      } else {
        const every = Math.max(1, Math.ceil((run.model.intervalMs ?? DAY) / (step * DAY)));
        if ((i + 1) % every === 0 || i === steps.length - 1) await run.evaluate(db, s.now, undefined);
      }
    }
    opts.onProgress?.(i + 1, steps.length);
  }

  const horizonMs = horizon * DAY;
  const horizonEnd = new Date(opts.to.getTime() + horizonMs);
  const outcomes = await loadOutcomes(db, opts.from, horizonEnd);
  const period = {
    from: opts.from.toISOString(),
    to: opts.to.toISOString(),
    stepDays: step,
    horizonDays: horizon,
    matchAfter,
    steps: steps.length,
    ranAt: ranAt.toISOString(),
  };
  const results: BacktestModelResult[] = [];
  for (const run of runs) {
    const m = run.model;
    const kinds = [...(opts.outcomeKinds?.[m.code] ?? MODEL_OUTCOME_KINDS[m.code] ?? OUTCOME_KINDS)];
    const failedAll = run.refused || (run.evaluations > 0 && run.errorCount === run.evaluations);
    const r: Omit<BacktestModelResult, 'backtestId'> = {
      code: m.code,
      no: m.no,
      name: m.name,
      kind: m.kind,
      params: run.params,
      outcomeKinds: kinds,
      evaluations: run.evaluations,
      signals: run.signals,
      ...score(run, outcomes, kinds, opts.from, horizonEnd, horizonMs, matchAfter),
      ms: Math.round(run.ms),
      errors: { count: run.errorCount, messages: run.errorMessages },
      status: failedAll ? 'failed' : run.errorCount ? 'errors' : 'ok',
    };
    results.push({ ...r, backtestId: null });
  }

  if (opts.store ?? true) {
    const save = async (tx: DbOrTx) => {
      for (const r of results) {
        const { backtestId: _, ...rest } = r;
        r.backtestId = await store(tx, runs.find((x) => x.model.code === r.code)!.model, opts.from, opts.to, {
          ...rest,
          period,
        });
      }
    };
    if (db.isTransaction) await save(db);
    else await db.transaction().execute(save);
  }

  return {
    from: period.from,
    to: period.to,
    stepDays: step,
    horizonDays: horizon,
    matchAfter,
    steps: steps.length,
    ranAt: period.ranAt,
    ms: Math.round(performance.now() - t0),
    models: results,
  };
}

/** A model's stored backtest: when it ran, the period it replayed, its result as `BacktestModelResult` wrote it. */
export interface StoredBacktest {
  id: string;
  runAt: string;
  from: string;
  to: string;
  result: Record<string, unknown>;
}

/**
 * Each model's latest stored backtest, in one query (`alert_backtests_code_idx` gives it): the models list
 * shows a summary of it, a model's page the whole.
 */
export async function latestBacktests(db: DbOrTx, codes: string[]): Promise<Map<string, StoredBacktest>> {
  if (!codes.length) return new Map();
  const r = await sql<{
    id: string | number;
    code: string;
    run_at: Date | string;
    period_from: Date | string;
    period_to: Date | string;
    result: unknown;
  }>`
    select distinct on (code) id, code, run_at, period_from, period_to, result from alert_backtests
    where code = any(${sql.val(codes)}::text[]) order by code, run_at desc, id desc`.execute(db);
  return new Map(
    r.rows.map((row) => [
      row.code,
      {
        id: String(row.id),
        runAt: new Date(row.run_at).toISOString(),
        from: new Date(row.period_from).toISOString(),
        to: new Date(row.period_to).toISOString(),
        result: (typeof row.result === 'string' ? JSON.parse(row.result) : row.result) as Record<
          string,
          unknown
        >,
      },
    ]),
  );
}

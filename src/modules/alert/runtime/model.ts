import { z } from 'zod';
import type { DbOrTx } from '../../../core/db/database.ts';

/**
 * An early-warning model (预警模型): what it is called, when it runs, what an administrator may tune, and an
 * `evaluate` that turns the platform's records into signals. Models only read; the runtime
 * (runtime/runtime.ts) turns signals into alert matters, one open alert per (model, key, window).
 */
export type ModelKind = 'streaming' | 'periodic';
export type AlertLevel = 'red' | 'orange' | 'yellow';

export const LEVEL_NAMES: Record<AlertLevel, { zh: string; en: string }> = {
  red: { zh: '红色', en: 'Red' },
  orange: { zh: '橙色', en: 'Orange' },
  yellow: { zh: '黄色', en: 'Yellow' },
};

/** One reason a signal fired: its weight in the score and the records behind it. */
export interface Factor {
  /** Stable, snake_case: `threat_words`, `earlier_110`. */
  code: string;
  name: { zh: string; en: string };
  /** Points this factor added to the score (the factors' weights sum to the score, capped at 100). */
  weight: number;
  /** What was found, in Chinese, with no personal identifiers: "文本含“同归于尽”“汽油”". */
  detail: string;
  /** Matter ids (bigint as string) behind this factor, at most 50. */
  records: string[];
}

export interface SignalSubject {
  type: 'person' | 'enterprise' | 'house' | 'thing';
  id: string;
  /** The party's role in the records (申请人, 被申请人…), if known. */
  role?: string;
}

export interface Signal {
  /**
   * What the alert is about, unique within the model: `pair:person:12|person:40`, `person:12`,
   * `enterprise:7`, `area:330302001001`, `h3:8831aa…`, `matter:123`. With `window` it keys the one open
   * alert that later evaluations update instead of raising another.
   */
  key: string;
  /** The window the signal belongs to, e.g. `2026-W48`, `2026-11`, `2026-11-29`, or `open` for as long as it lasts. */
  window: string;
  /** 0–100: the sum of the factors' weights, capped at 100. */
  score: number;
  /** Short Chinese headline shown on the board: "张*与李*纠纷存在民转刑风险". No personal identifiers. */
  title: string;
  /** Where: a 12-digit area code (village or grid preferred; the alert goes to that area's centre). */
  areaCode: string;
  point?: { lng: number; lat: number } | null;
  subjects: SignalSubject[];
  factors: Factor[];
}

export interface EvalContext<P> {
  /** A read-only view of the database (the runtime gives a transaction; models never write). */
  db: DbOrTx;
  params: P;
  /**
   * The evaluation's "now". Backtests replay history with `now` in the past: a model considers only
   * matters created at or before `now` and timeline entries at or before `now`.
   */
  now: Date;
  /**
   * Streaming models: the matters (any type; models filter) that were created or changed since the last
   * evaluation. Periodic models: undefined (look at the whole window).
   */
  matterIds?: string[];
  /**
   * Reads shared by the models of one run (one `now`): models/shared.ts keeps the matters and parties it
   * read here by id, so that nine streaming models touching the same disputes read each one once.
   */
  memo?: PassMemo;
}

/**
 * One run's shared reads, keyed by what was read (`m:ID` a matter as of `now`, `p:ID` its parties). A
 * streaming pass's memo also carries what earlier passes read (`carry`).
 */
export type PassMemo = Map<string, unknown> & { carry?: Carry };

/**
 * What streaming passes keep from one to the next, so that a pass reads again only what changed: a matter as
 * read (`m:ID`) and its parties (`p:ID`), each with the version of the matter's row at the read (PostgreSQL's
 * `xmin`, which every update of the row changes), checked against the row before use. Intake adds a record or
 * a party to a dispute in the same transaction as it updates the dispute's row, and the matters with new
 * timeline entries (a pass's changed matters) are dropped before the pass. Only what was complete at its
 * pass's `now` is kept (nothing of it dated after `now`), so that it holds for a later `now` too; a pass with
 * an earlier `now` than the last starts afresh. At most `limit` entries, the least recently stored first out.
 */
export class Carry {
  private readonly entries = new Map<string, { version: string; value: unknown }>();
  private latest = Number.NEGATIVE_INFINITY;
  constructor(readonly limit = CARRY_LIMIT) {}

  /** Before a pass: forget everything if time went back, then the matters that changed. */
  begin(now: Date, changed: Iterable<string>): void {
    if (now.getTime() < this.latest) this.entries.clear();
    this.latest = now.getTime();
    for (const id of changed) {
      this.entries.delete(`m:${id}`);
      this.entries.delete(`p:${id}`);
    }
  }

  /** The value kept under `key` if it was read at this row version. */
  get(key: string, version: string | undefined): unknown {
    const e = this.entries.get(key);
    return e && version !== undefined && e.version === version ? e.value : undefined;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: unknown, version: string): void {
    this.entries.delete(key);
    this.entries.set(key, { version, value });
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Entries a streaming carry keeps (a matter and its parties are two): a few tens of MB at most. */
export const CARRY_LIMIT = 100_000;

export interface ModelDef<P extends Record<string, unknown> = Record<string, unknown>> {
  /** snake_case, stable: `civil_to_criminal`. */
  code: string;
  /** Order on pages (1–12 for the twelve). */
  no: number;
  name: { zh: string; en: string };
  /** One paragraph each: the logic, in words a centre's staff understand. */
  description: { zh: string; en: string };
  kind: ModelKind;
  /** Periodic models: how often the leader evaluates it (ms, ≥ 60,000). */
  intervalMs?: number;
  /**
   * The parameters, bounded (numbers with min/max, word lists with a maximum count and length): an
   * administrator's change is validated against this schema and refused with the schema's messages.
   */
  params: z.ZodType<P>;
  defaults: P;
  /** Score thresholds for the levels; the runtime drops signals below `yellow`. */
  levels?: { red: number; orange: number; yellow: number };
  evaluate(ctx: EvalContext<P>): Promise<Signal[]>;
}

export const DEFAULT_LEVELS = { red: 80, orange: 60, yellow: 40 } as const;

/** Score thresholds of the three levels. */
export type Levels = { red: number; orange: number; yellow: number };

/**
 * The lowest yellow threshold an administrator may set: the models already leave out signals under the
 * default yellow (`worthRaising`), so a lower one would raise nothing more.
 */
export const MIN_YELLOW = DEFAULT_LEVELS.yellow;

const threshold = z.number().int().min(MIN_YELLOW).max(100);

/** The `levels` parameter every model has: its thresholds, red above orange above yellow. */
export function levelsParam(defaults: Levels) {
  return z
    .object({ red: threshold, orange: threshold, yellow: threshold })
    .superRefine((l, ctx) => {
      // Said on the field that breaks the order, so that the form shows it there.
      if (l.orange >= l.red)
        ctx.addIssue({ code: 'custom', path: ['orange'], message: '须低于红色阈值 / must be below red' });
      if (l.yellow >= l.orange)
        ctx.addIssue({ code: 'custom', path: ['yellow'], message: '须低于橙色阈值 / must be below orange' });
    })
    .default({ ...defaults });
}

/**
 * A model as the runtime holds it. Every model's parameters gain `levels`, its score thresholds (the model's
 * own `levels` or 80/60/40 by default): an administrator tunes them like any parameter — versioned, audited,
 * replayed by a backtest with given parameters — to make a noisy level stricter.
 */
export function defineModel<P extends Record<string, unknown>>(m: ModelDef<P>): ModelDef<P> {
  if (!(m.params instanceof z.ZodObject)) throw new Error(`model ${m.code}: its params must be a z.object`);
  const levels: Levels = { ...(m.levels ?? DEFAULT_LEVELS) };
  return {
    ...m,
    levels,
    params: m.params.extend({ levels: levelsParam(levels) }) as unknown as z.ZodType<P>,
    defaults: { ...m.defaults, levels } as P,
  };
}

/** The thresholds in force: the parameters' `levels`, else the model's own, else 80/60/40. */
export function levelsOf(model: { levels?: Levels | undefined }, params?: Record<string, unknown>): Levels {
  const l = params?.levels as Levels | undefined;
  return l && typeof l.red === 'number' ? l : (model.levels ?? DEFAULT_LEVELS);
}

/** The level of a score, or null under the yellow threshold. */
export function levelOf(score: number, levels: Levels = DEFAULT_LEVELS): AlertLevel | null {
  if (score >= levels.red) return 'red';
  if (score >= levels.orange) return 'orange';
  if (score >= levels.yellow) return 'yellow';
  return null;
}

/** ISO week of a date in China Standard Time: `2026-W48`. */
export function isoWeek(d: Date): string {
  const cst = new Date(d.getTime() + 8 * 3_600_000);
  const t = new Date(Date.UTC(cst.getUTCFullYear(), cst.getUTCMonth(), cst.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const y = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(y, 0, 1)) / 86_400_000 + 1) / 7);
  return `${y}-W${String(week).padStart(2, '0')}`;
}

/** A model of any parameter type, as the runtime, the routes and the registry hold them. */
// biome-ignore lint/suspicious/noExplicitAny: each model has its own parameter type; the runtime treats them alike.
export type AnyModel = ModelDef<any>;

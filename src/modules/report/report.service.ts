import { type Actor, assertCan } from '../../core/access/actor.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
// The area rule of 纠纷分析 (the chosen area, the actor's own by default; outside the scope: 404), reused so
// that every statistics page answers a town user's city-wide request the same way.
import { type AreaRef, resolveArea } from '../dispute/analysis.service.ts';
import {
  type Ctx,
  type DrillPage,
  type Figure,
  INDICATORS,
  type Indicator,
  indicatorOf,
  ratio,
} from './indicators.ts';
import {
  defaultFiveKey,
  defaultPeriodKey,
  parsePeriod,
  previousPeriod,
  type ReportPeriod,
  yearsOf,
} from './report.periods.ts';

/**
 * 平安报表: every indicator (indicators.ts) for one area and one period, with the same period a year earlier
 * and the change; the records behind any figure; the five-year series of 数说五年. Reading needs report:read
 * and the area in the actor's scope.
 */

export interface PeriodRef {
  key: string;
  kind: ReportPeriod['kind'];
  label: { zh: string; en: string };
  from: string;
  to: string;
}

export interface IndicatorMeta {
  code: string;
  name: { zh: string; en: string };
  unit: { zh: string; en: string };
  definition: { zh: string; en: string };
  drill: { zh: string; en: string };
  direction: 'up' | 'down';
  source: 'platform' | 'imported';
  kind: Indicator['kind'];
}

export interface ReportRow extends IndicatorMeta, Figure {
  lastYear: Figure;
  /**
   * The change against the comparison period: for a rate, the difference in percentage points; otherwise the
   * relative change in percent. null when either side has no data or last year's count was 0.
   */
  change: number | null;
  changeUnit: 'pp' | '%';
}

export interface Report {
  area: AreaRef;
  period: PeriodRef;
  lastYear: PeriodRef;
  items: ReportRow[];
}

const refOf = (p: ReportPeriod): PeriodRef => ({
  key: p.key,
  kind: p.kind,
  label: p.label,
  from: p.from,
  to: p.to,
});

export const metaOf = (i: Indicator): IndicatorMeta => ({
  code: i.code,
  name: i.name,
  unit: i.unit,
  definition: i.definition,
  drill: i.drill,
  direction: i.direction,
  source: i.source,
  kind: i.kind,
});

/** Change between two values: percentage points for rates, percent otherwise; null when not comparable. */
export function changeOf(kind: Indicator['kind'], now: number | null, before: number | null): number | null {
  if (now === null || before === null) return null;
  if (kind === 'rate') return Math.round((now - before) * 100) / 100;
  if (before === 0) return null;
  return Math.round(((now - before) / before) * 1000) / 10;
}

async function context(db: DbOrTx, actor: Actor, areaCode: string | undefined, now: Date) {
  assertCan(actor, 'report:read');
  const area = await resolveArea(db, actor, areaCode);
  const ctx: Ctx = { db, actor, now };
  return { area, ctx };
}

export async function getReport(
  db: DbOrTx,
  actor: Actor,
  q: { areaCode?: string | undefined; period?: string | undefined },
  now = new Date(),
): Promise<Report> {
  const period = parsePeriod(q.period ?? defaultPeriodKey(now));
  const { area, ctx } = await context(db, actor, q.areaCode, now);
  const before = previousPeriod(period);
  const items: ReportRow[] = [];
  for (const i of INDICATORS) {
    const current = await i.compute(ctx, area, period);
    const last = await i.compute(ctx, area, before);
    items.push({
      ...metaOf(i),
      ...current,
      lastYear: last,
      change: changeOf(i.kind, current.value, last.value),
      changeUnit: i.kind === 'rate' ? 'pp' : '%',
    });
  }
  return { area, period: refOf(period), lastYear: refOf(before), items };
}

export interface Drill extends DrillPage {
  indicator: IndicatorMeta;
  area: AreaRef;
  period: PeriodRef;
  figure: Figure;
}

export async function getRecords(
  db: DbOrTx,
  actor: Actor,
  code: string,
  q: {
    areaCode?: string | undefined;
    period?: string | undefined;
    lastYear?: boolean | undefined;
    limit: number;
    offset: number;
  },
  now = new Date(),
): Promise<Drill> {
  const indicator = indicatorOf(code);
  if (!indicator) throw notFound(`指标 ${code} / indicator ${code}`);
  const asked = parsePeriod(q.period ?? defaultPeriodKey(now));
  const period = q.lastYear ? previousPeriod(asked) : asked;
  const { area, ctx } = await context(db, actor, q.areaCode, now);
  const figure = await indicator.compute(ctx, area, period);
  const page = await indicator.records(ctx, area, period, { limit: q.limit, offset: q.offset });
  return { indicator: metaOf(indicator), area, period: refOf(period), figure, ...page };
}

export interface FiveYearSeries extends IndicatorMeta {
  years: (Figure & { year: number })[];
  /** Over the whole five years (counts summed, rates over the pooled records; registries: at the end). */
  total: Figure;
  /** From the first year to the last: percentage points for a rate, percent otherwise. */
  change: number | null;
  changeUnit: 'pp' | '%';
}

export interface FiveYears {
  area: AreaRef;
  period: PeriodRef;
  years: number[];
  items: FiveYearSeries[];
}

/**
 * The five-year figure from the yearly ones where they add up (no second pass over the records): rates pool their
 * numerators and denominators, flows add up (无数据 only when every year is), a stock is its last year's; a median
 * is computed over the five years.
 */
async function fiveYearTotal(
  ctx: Ctx,
  area: AreaRef,
  period: ReportPeriod,
  i: Indicator,
  years: Figure[],
): Promise<Figure> {
  if (i.kind === 'duration') return i.compute(ctx, area, period);
  if (i.stock) return years.at(-1) ?? { value: null, numerator: null, denominator: null };
  const sum = (f: (x: Figure) => number | null) => years.reduce((a, y) => a + (f(y) ?? 0), 0);
  if (i.kind === 'rate')
    return ratio(
      sum((y) => y.numerator),
      sum((y) => y.denominator),
    );
  if (years.every((y) => y.value === null)) return { value: null, numerator: null, denominator: null };
  return {
    value: Math.round(sum((y) => y.value) * 100) / 100,
    numerator: null,
    denominator: sum((y) => y.denominator),
  };
}

export async function getFiveYears(
  db: DbOrTx,
  actor: Actor,
  q: { areaCode?: string | undefined; period?: string | undefined },
  now = new Date(),
): Promise<FiveYears> {
  const period = parsePeriod(q.period ?? defaultFiveKey(now));
  if (period.kind !== 'five') {
    throw new AppError(
      'INVALID_TIME_RANGE',
      `数说五年需要连续五年的期间，如 2021-2025 / Five years in figures needs five years, e.g. 2021-2025`,
      [{ path: 'querystring.period', code: 'INVALID_TIME_RANGE', message: 'YYYY-YYYY' }],
    );
  }
  const { area, ctx } = await context(db, actor, q.areaCode, now);
  const years = yearsOf(period);
  const items: FiveYearSeries[] = [];
  for (const i of INDICATORS) {
    const series: (Figure & { year: number })[] = [];
    for (const y of years) series.push({ year: Number(y.key), ...(await i.compute(ctx, area, y)) });
    const total = await fiveYearTotal(ctx, area, period, i, series);
    const first = series.find((s) => s.value !== null) ?? null;
    const last = [...series].reverse().find((s) => s.value !== null) ?? null;
    items.push({
      ...metaOf(i),
      years: series,
      total,
      change: first && last && first.year !== last.year ? changeOf(i.kind, last.value, first.value) : null,
      changeUnit: i.kind === 'rate' ? 'pp' : '%',
    });
  }
  return { area, period: refOf(period), years: period.years, items };
}

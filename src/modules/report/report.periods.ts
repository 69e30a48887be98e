import { AppError } from '../../core/errors.ts';

/**
 * The periods of 平安报表: a month ('2026-03'), a quarter ('2026-Q1'), a year ('2026') or five calendar years
 * ('2021-2025', the 五年 of a 五年规划). Days and instants are China Standard Time (a fixed +08:00).
 * The comparison period is the same period one year earlier — for five years, the five years before.
 */

export type PeriodKind = 'month' | 'quarter' | 'year' | 'five';

export interface ReportPeriod {
  key: string;
  kind: PeriodKind;
  label: { zh: string; en: string };
  /** Inclusive days 'YYYY-MM-DD'. */
  from: string;
  to: string;
  /** [start, end): the instants the first day begins and the day after the last begins, in China. */
  start: Date;
  end: Date;
  /** First days of the first and last months ('YYYY-MM-01'): the imported statistics' keys. */
  firstMonth: string;
  lastMonth: string;
  /** The calendar years the period touches. */
  years: number[];
}

const CST_MS = 8 * 3_600_000;
const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate(); // m 1-based
export const cstStartOf = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - CST_MS);
export const cstToday = (now = new Date()) => new Date(now.getTime() + CST_MS).toISOString().slice(0, 10);
const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const MIN_YEAR = 2000;
const MAX_YEAR = 2099;

function invalid(key: string): AppError {
  return new AppError(
    'INVALID_TIME_RANGE',
    `统计期间 ${key} 无效：应为 2026-03、2026-Q1、2026 或 2021-2025（连续五年）/ Invalid period ${key}: use 2026-03, 2026-Q1, 2026 or 2021-2025 (five years)`,
    [
      {
        path: 'querystring.period',
        code: 'INVALID_TIME_RANGE',
        message: 'YYYY-MM | YYYY-Qn | YYYY | YYYY-YYYY',
      },
    ],
  );
}

function make(key: string, kind: PeriodKind, y0: number, m0: number, y1: number, m1: number): ReportPeriod {
  const from = `${y0}-${pad(m0)}-01`;
  const to = `${y1}-${pad(m1)}-${pad(lastDay(y1, m1))}`;
  const years: number[] = [];
  for (let y = y0; y <= y1; y++) years.push(y);
  const label = {
    month: { zh: `${y0}年${m0}月`, en: `${y0}-${pad(m0)}` },
    quarter: { zh: `${y0}年第${Math.ceil(m0 / 3)}季度`, en: `${y0} Q${Math.ceil(m0 / 3)}` },
    year: { zh: `${y0}年`, en: `${y0}` },
    five: { zh: `${y0}—${y1}年（五年）`, en: `${y0}–${y1} (five years)` },
  }[kind];
  return {
    key,
    kind,
    label,
    from,
    to,
    start: cstStartOf(from),
    end: cstStartOf(nextDay(to)),
    firstMonth: from,
    lastMonth: `${y1}-${pad(m1)}-01`,
    years,
  };
}

/** Parses a period key; INVALID_TIME_RANGE (400) for anything else. */
export function parsePeriod(key: string): ReportPeriod {
  let m = /^(\d{4})-(\d{2})$/.exec(key);
  const yearOk = (y: number) => y >= MIN_YEAR && y <= MAX_YEAR;
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    if (!yearOk(y) || mo < 1 || mo > 12) throw invalid(key);
    return make(key, 'month', y, mo, y, mo);
  }
  m = /^(\d{4})-Q([1-4])$/.exec(key);
  if (m) {
    const y = Number(m[1]);
    const q = Number(m[2]);
    if (!yearOk(y)) throw invalid(key);
    return make(key, 'quarter', y, q * 3 - 2, y, q * 3);
  }
  m = /^(\d{4})$/.exec(key);
  if (m) {
    const y = Number(m[1]);
    if (!yearOk(y)) throw invalid(key);
    return make(key, 'year', y, 1, y, 12);
  }
  m = /^(\d{4})-(\d{4})$/.exec(key);
  if (m) {
    const y0 = Number(m[1]);
    const y1 = Number(m[2]);
    if (!yearOk(y0) || !yearOk(y1) || y1 - y0 !== 4) throw invalid(key);
    return make(key, 'five', y0, 1, y1, 12);
  }
  throw invalid(key);
}

/** The same period one year earlier; for five years, the five years before. */
export function previousPeriod(p: ReportPeriod): ReportPeriod {
  const y = Number(p.from.slice(0, 4));
  switch (p.kind) {
    case 'month':
      return parsePeriod(`${y - 1}-${p.key.slice(5)}`);
    case 'quarter':
      return parsePeriod(`${y - 1}-${p.key.slice(5)}`);
    case 'year':
      return parsePeriod(String(y - 1));
    case 'five':
      return parsePeriod(`${y - 5}-${y - 1}`);
  }
}

/** The calendar years of a period, each as a period (a five-year period → five years). */
export const yearsOf = (p: ReportPeriod): ReportPeriod[] => p.years.map((y) => parsePeriod(String(y)));

/** The default: the current year so far. */
export const defaultPeriodKey = (now = new Date()) => cstToday(now).slice(0, 4);

/** The last five complete calendar years before `now` (2026 → 2021-2025). */
export const defaultFiveKey = (now = new Date()) => {
  const y = Number(cstToday(now).slice(0, 4)) - 1;
  return `${y - 4}-${y}`;
};

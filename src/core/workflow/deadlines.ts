import chineseDays from 'chinese-days';

/**
 * Deadlines on the Chinese calendar. Working days follow the State Council's holiday schedule as published
 * in `chinese-days` (holidays and make-up working days); clock arithmetic is done in China Standard Time
 * (UTC+8, no daylight saving) so that "3 working days" means what a clerk in Wenzhou means.
 */
export type DeadlineUnit = 'minutes' | 'hours' | 'days' | 'workdays';

export interface Deadline {
  amount: number;
  unit: DeadlineUnit;
  /** Share of the allowed time after which the matter is 临期 (yellow); 超期 (red) at the deadline. */
  warnRatio?: number;
}

export const UNIT_NAMES: Record<DeadlineUnit, { zh: string; en: string }> = {
  minutes: { zh: '分钟', en: 'minutes' },
  hours: { zh: '小时', en: 'hours' },
  days: { zh: '自然日', en: 'calendar days' },
  workdays: { zh: '工作日', en: 'working days' },
};

const CST_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' of an instant in China Standard Time. */
export function cstDate(d: Date): string {
  return new Date(d.getTime() + CST_MS).toISOString().slice(0, 10);
}

/** The n-th working day after the given day ('YYYY-MM-DD'); n = 0 is the day itself if it is one. */
export function addWorkdays(day: string, n: number): string {
  return chineseDays.findWorkday(n, day);
}

/** When a deadline of `d` started at `start` falls due. Working days keep the time of day of the start. */
export function dueAt(start: Date, d: Deadline): Date {
  switch (d.unit) {
    case 'minutes':
      return new Date(start.getTime() + d.amount * 60_000);
    case 'hours':
      return new Date(start.getTime() + d.amount * 3_600_000);
    case 'days':
      return new Date(start.getTime() + d.amount * DAY_MS);
    case 'workdays': {
      const from = cstDate(start);
      const to = addWorkdays(from, d.amount);
      const shift = Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`);
      return new Date(start.getTime() + shift);
    }
  }
}

/** The yellow threshold: `warnRatio` of the allowed time (0.8 by default). */
export function warnAt(start: Date, due: Date, warnRatio = 0.8): Date {
  return new Date(start.getTime() + Math.round((due.getTime() - start.getTime()) * warnRatio));
}

export function describeDeadline(d: Deadline): string {
  return `${d.amount} ${UNIT_NAMES[d.unit].zh} / ${d.amount} ${UNIT_NAMES[d.unit].en}`;
}

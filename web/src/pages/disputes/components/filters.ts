import type { paths } from '../../../api/schema';

export type ListQuery = NonNullable<paths['/api/disputes']['get']['parameters']['query']>;
export type Filters = Omit<ListQuery, 'cursor' | 'limit' | 'withTotal'>;

/** The API's limit on the search text (DisputeFilters.q). */
export const MAX_Q = 100;
const AREA_CODE = /^\d{12}(\d{3})?$/;
const SOURCE_CODE = /^[a-z][a-z0-9_]{1,39}$/;
const SUBJECT = /^(person|enterprise):\d{1,18}$/;
const STATUS_LIST = /^[a-z_]+(,[a-z_]+)*$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const RISKS = ['high', 'medium', 'low'] as const;
const OUTCOME_VALUES = ['resolved', 'settled', 'open'] as const;

/** The filters as they appear in the address: what the analysis page links to, shareable, back-button safe. */
export const FILTER_KEYS = [
  'q',
  'category',
  'areaCode',
  'status',
  'outcome',
  'source',
  'subject',
  'risk',
  'mass',
  'multiSource',
  'from',
  'to',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

const oneOf = <T extends string>(v: string | null, list: readonly T[]): T | undefined =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : undefined;

/** A real calendar day (2026-02-30 is not). */
function day(v: string | null): string | undefined {
  if (!v || !DAY.test(v)) return undefined;
  const [y, m, d] = v.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d ? v : undefined;
}

/** The day after `v` (YYYY-MM-DD), for an inclusive "to" day sent as an exclusive bound. */
function nextDay(v: string): string {
  const [y, m, d] = v.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export interface UrlFilters {
  /** What the page shows in its controls (days as written in the address, `to` inclusive). */
  shown: Partial<Record<FilterKey, string>>;
  /** What the API is asked (days as instants in China time, `to` exclusive). */
  api: Filters;
}

/**
 * Reads the filters from the address. A hand-edited value the API would refuse is ignored rather than
 * turned into a 400; category codes are checked against the known list when it has loaded.
 */
export function readFilters(params: URLSearchParams, categories: readonly string[]): UrlFilters {
  const raw = (k: FilterKey, re?: RegExp) => {
    const v = params.get(k)?.trim() || undefined;
    return v && (!re || re.test(v)) ? v : undefined;
  };
  const category = raw('category');
  const shown: UrlFilters['shown'] = {
    q: raw('q')?.slice(0, MAX_Q),
    category: category && (categories.length === 0 || categories.includes(category)) ? category : undefined,
    areaCode: raw('areaCode', AREA_CODE),
    status: raw('status', STATUS_LIST),
    outcome: oneOf(params.get('outcome'), OUTCOME_VALUES),
    source: raw('source', SOURCE_CODE),
    subject: raw('subject', SUBJECT),
    risk: oneOf(params.get('risk'), RISKS),
    mass: oneOf(params.get('mass'), ['true', 'false'] as const),
    multiSource: oneOf(params.get('multiSource'), ['true'] as const),
    from: day(params.get('from')),
    to: day(params.get('to')),
  };
  const api = Object.fromEntries(
    Object.entries({
      ...shown,
      // Days are China's days, as the analysis page counts them; `to` is inclusive on screen.
      from: shown.from ? `${shown.from}T00:00:00+08:00` : undefined,
      to: shown.to ? `${nextDay(shown.to)}T00:00:00+08:00` : undefined,
    }).filter(([, v]) => v !== undefined),
  ) as Filters;
  return { shown, api };
}

export function toSearch(o: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined) p.set(k, String(v));
  return p.toString();
}

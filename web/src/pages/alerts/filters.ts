import dayjs from 'dayjs';
import type { paths } from '../../api/schema';
import type { AlertLevel } from './shared';

/**
 * The board's filters live in the address (a summary card, a model page's 未结预警 and a shared link set
 * them): `q` keywords, `level` and `model` comma-separated, `status` open | closed | all | a state code (open
 * when absent: a command centre looks at what is still to be done), `areaCode`, and `from`/`to` as days.
 */
export const FILTER_KEYS = ['q', 'level', 'model', 'status', 'areaCode', 'from', 'to'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type Shown = Partial<Record<FilterKey, string>>;

export type ApiQuery = NonNullable<paths['/api/alerts']['get']['parameters']['query']>;
/** What the list and the export are both asked: the filters without the page. */
export type ApiFilters = Omit<ApiQuery, 'cursor' | 'limit'>;

/** The API's limit on the keywords (AlertFilters.q). */
export const MAX_Q = 100;

const LEVEL_SET = new Set<string>(['red', 'orange', 'yellow']);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function readFilters(params: URLSearchParams): { shown: Shown; api: ApiFilters } {
  const shown: Shown = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k)?.trim();
    if (v) shown[k] = k === 'q' ? v.slice(0, MAX_Q).trim() : v;
  }
  const api: ApiFilters = {};
  if (shown.q) api.q = shown.q;
  const levels = (shown.level ?? '').split(',').filter((l): l is AlertLevel => LEVEL_SET.has(l));
  if (levels.length) api.level = levels.join(',');
  const models = (shown.model ?? '')
    .split(',')
    .filter((m) => /^[a-z][a-z0-9_]{1,39}$/.test(m))
    .slice(0, 20);
  if (models.length) api.model = models.join(',');
  const status = shown.status ?? 'open';
  if (status !== 'all' && /^[a-z_]{2,40}$/.test(status)) api.status = status;
  if (shown.areaCode && /^\d{12}$/.test(shown.areaCode)) api.areaCode = shown.areaCode;
  // Days in the user's time zone: from the start of `from` to the end of `to`.
  if (shown.from && DAY.test(shown.from)) api.from = dayjs(shown.from).startOf('day').format();
  if (shown.to && DAY.test(shown.to)) api.to = dayjs(shown.to).add(1, 'day').startOf('day').format();
  return { shown, api };
}

/** The export of what the board shows: the same filters, as a download link. */
export function exportHref(filters: ApiFilters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `/api/alerts/export?${s}` : '/api/alerts/export';
}

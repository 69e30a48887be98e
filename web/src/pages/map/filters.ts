import dayjs from 'dayjs';
import type { AlertLevel, DeadlineState, MatterFilters } from './api';

/**
 * The map's state in the address, so that a view can be shared: which layers are on, the base map, the
 * matters' filters and where the map looks.
 *
 * - `layers` comma-separated layer codes; absent → the defaults, empty → none
 * - `base` a configured base source id; absent → our own boundaries only (works offline)
 * - `types`, `statuses`, `deadline`, `levels`, `kinds` comma-separated codes
 * - `open` `true` | `false` (absent: both)
 * - `from`, `to` days (YYYY-MM-DD) of the matters' creation, both inclusive
 * - `at` `lng,lat,zoom` of the view
 */
export const DEFAULT_LAYERS = ['matters', 'grids'];

export const DEADLINES: DeadlineState[] = ['normal', 'warning', 'overdue'];
export const LEVELS: AlertLevel[] = ['red', 'orange', 'yellow'];
/** The time slider's reach, in days back from today. At its ends the range is open (no bound sent). */
export const SLIDER_DAYS = 365;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CODE = /^[a-z][a-z0-9_]{0,39}$/;

export interface MapState {
  layers: string[];
  base: string | undefined;
  types: string[];
  statuses: string[];
  deadline: DeadlineState[];
  levels: AlertLevel[];
  kinds: string[];
  open: 'true' | 'false' | undefined;
  from: string | undefined;
  to: string | undefined;
  at: { lng: number; lat: number; zoom: number } | undefined;
}

const list = (v: string | null, ok: (s: string) => boolean = (s) => CODE.test(s)) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && ok(s))
    .slice(0, 40);

export function readState(params: URLSearchParams): MapState {
  const layersRaw = params.get('layers');
  const at = (params.get('at') ?? '').split(',').map(Number);
  const [lng, lat, zoom] = at;
  const openRaw = params.get('open');
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    layers: layersRaw === null ? DEFAULT_LAYERS : list(layersRaw),
    base: params.get('base') || undefined,
    types: list(params.get('types')),
    statuses: list(params.get('statuses')),
    deadline: list(params.get('deadline'), (s) => (DEADLINES as string[]).includes(s)) as DeadlineState[],
    levels: list(params.get('levels'), (s) => (LEVELS as string[]).includes(s)) as AlertLevel[],
    kinds: list(params.get('kinds')),
    open: openRaw === 'true' || openRaw === 'false' ? openRaw : undefined,
    from: DAY.test(from) ? from : undefined,
    to: DAY.test(to) ? to : undefined,
    at:
      at.length === 3 &&
      [lng, lat, zoom].every((x) => Number.isFinite(x)) &&
      Math.abs(lng!) <= 180 &&
      Math.abs(lat!) <= 85 &&
      zoom! >= 0 &&
      zoom! <= 22
        ? { lng: lng!, lat: lat!, zoom: zoom! }
        : undefined,
  };
}

/** The changes to apply to the address: `undefined` removes a key; an empty list of layers is kept as empty. */
export type StatePatch = Partial<Record<keyof MapState, string | undefined>>;

export function applyPatch(params: URLSearchParams, patch: StatePatch): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || (v === '' && k !== 'layers')) next.delete(k);
    else next.set(k, v);
  }
  return next;
}

export const formatAt = (lng: number, lat: number, zoom: number) =>
  `${lng.toFixed(5)},${lat.toFixed(5)},${zoom.toFixed(2)}`;

/** The days as the time slider shows them: offsets from today, the open ends at the slider's ends. */
export function sliderValue(s: Pick<MapState, 'from' | 'to'>, today = dayjs()): [number, number] {
  const off = (d: string | undefined, dflt: number) =>
    d ? Math.max(-SLIDER_DAYS, Math.min(0, dayjs(d).startOf('day').diff(today.startOf('day'), 'day'))) : dflt;
  return [off(s.from, -SLIDER_DAYS), off(s.to, 0)];
}

export function sliderDays(v: [number, number], today = dayjs()): { from?: string; to?: string } {
  const day = (n: number) => today.add(n, 'day').format('YYYY-MM-DD');
  return {
    ...(v[0] > -SLIDER_DAYS ? { from: day(v[0]) } : {}),
    ...(v[1] < 0 ? { to: day(v[1]) } : {}),
  };
}

/**
 * What the aggregate is asked for a layer. `types` and `statuses` narrow the matters layer, `levels` the
 * alerts layer; open/closed, the deadline and the time apply to both. Days are the user's: from the start of
 * `from` to the end of `to`.
 */
export function apiFilters(s: MapState, layer: 'matters' | 'alerts'): MatterFilters {
  const f: MatterFilters = {};
  if (layer === 'matters') {
    if (s.types.length) f.types = s.types.join(',');
    if (s.statuses.length) f.statuses = s.statuses.join(',');
  } else if (s.levels.length) f.levels = s.levels.join(',');
  if (s.open) f.open = s.open;
  if (s.deadline.length) f.deadline = s.deadline.join(',');
  if (s.from) f.from = dayjs(s.from).startOf('day').format();
  if (s.to) f.to = dayjs(s.to).add(1, 'day').startOf('day').format();
  return f;
}

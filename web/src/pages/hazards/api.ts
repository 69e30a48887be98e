import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

/** 问题隐患's types, from the server's OpenAPI document (npm run gen:api). */
export type HazardPage = paths['/api/hazards']['get']['responses'][200]['content']['application/json'];
export type Hazard = HazardPage['items'][number];
export type HazardQuery = NonNullable<paths['/api/hazards']['get']['parameters']['query']>;
export type HazardDetail = paths['/api/hazards/{id}']['get']['responses'][200]['content']['application/json'];
export type HazardCreate = paths['/api/hazards']['post']['requestBody']['content']['application/json'];
export type Kpi = paths['/api/hazards/kpi']['get']['responses'][200]['content']['application/json'];
export type KpiCell = Kpi['total']['bySeverity']['major'];
export type Meta = paths['/api/hazards/meta']['get']['responses'][200]['content']['application/json'];

export const SEVERITY_COLORS: Record<string, string> = { general: 'blue', larger: 'orange', major: 'red' };

/** Categories, severities, states and the "3030" deadlines: fixed for a session. */
export function useHazardMeta() {
  return useQuery({
    queryKey: ['hazards', 'meta'],
    queryFn: () => unwrap(api.GET('/api/hazards/meta')),
    staleTime: 10 * 60_000,
  });
}

/** The filters as a query string (export link). */
export function queryString(q: Record<string, string | number | boolean | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p.toString();
}

/** A rate as a percentage; `noData` (无数据) when nothing was reported — never 0%. */
export const pct = (v: number | null | undefined, noData = '无数据') =>
  v === null || v === undefined ? noData : `${(v * 100).toFixed(1)}%`;

/**
 * Which of the two "3030" clocks runs now: 响应 (上报 → 交办, 30 minutes) while the hazard waits to be
 * assigned, 整改 (交办 → 验收通过, 30 days) from the assignment until it passes inspection.
 */
export function runningClock(h: Pick<Hazard, 'status' | 'closed' | 'clock'>): {
  kind: 'respond' | 'rectify';
  due: string;
} | null {
  if (h.closed) return null;
  if (h.status === 'reported' && h.clock.respondDueAt) return { kind: 'respond', due: h.clock.respondDueAt };
  if (['assigned', 'rectifying', 'checking'].includes(h.status) && h.clock.rectifyDueAt)
    return { kind: 'rectify', due: h.clock.rectifyDueAt };
  return null;
}

/** The timeline's actions, named. */
export const ACTION_NAMES: Record<string, { zh: string; en: string }> = {
  create: { zh: '发现', en: 'Found' },
  report: { zh: '上报', en: 'Reported' },
  assign: { zh: '交办', en: 'Assigned' },
  sign: { zh: '签收整改', en: 'Signed for' },
  submit: { zh: '申请验收', en: 'Asked for inspection' },
  pass: { zh: '验收通过', en: 'Passed' },
  fail: { zh: '验收不通过', en: 'Failed' },
  close: { zh: '销号', en: 'Written off' },
  supervise: { zh: '督办', en: 'Supervised' },
  attach: { zh: '添加照片', en: 'Photos added' },
};

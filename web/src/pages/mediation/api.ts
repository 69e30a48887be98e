import type { Schemas } from '../../api/client';
import type { paths } from '../../api/schema';

/** 一站式调解's types, from the server's OpenAPI document (npm run gen:api). */
export type MediationCase = Schemas['MediationCase'];
export type CaseDetail = Schemas['MediationCaseDetail'];
export type CaseQuery = NonNullable<paths['/api/mediation/cases']['get']['parameters']['query']>;
export type AgreementBody =
  paths['/api/mediation/cases/{id}/agreement']['post']['requestBody']['content']['application/json'];
export type Kpis = paths['/api/mediation/kpis']['get']['responses'][200]['content']['application/json'];

export const LEVEL_COLORS: Record<string, string> = { village: 'green', town: 'blue', county: 'purple' };

/** The filters as a query string (export link). */
export function caseQueryString(q: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  return p.toString();
}

/** The timeline's actions, named (the workflow's steps plus 受理 and the session record). */
export const ACTION_NAMES: Record<string, { zh: string; en: string }> = {
  create: { zh: '受理', en: 'Opened' },
  assign: { zh: '指派调解员', en: 'Assigned' },
  session: { zh: '调解记录', en: 'Session' },
  agree: { zh: '达成协议', en: 'Agreement reached' },
  fail: { zh: '调解不成', en: 'Not settled' },
  escalate: { zh: '上交上级调解', en: 'Passed up' },
  close_failed: { zh: '结案（调解不成）', en: 'Closed, not settled' },
  apply_confirmation: { zh: '申请司法确认', en: 'Judicial confirmation applied for' },
  follow_up: { zh: '履行回访', en: 'Followed up' },
  close: { zh: '结案', en: 'Closed' },
};

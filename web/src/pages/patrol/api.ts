import { api, type Schemas } from '../../api/client';
import type { paths } from '../../api/schema';

/** 平安乐巡's types, all from the server's OpenAPI document. */
export type PatrolTeam = Schemas['PatrolTeam'];
export type PatrolMember = Schemas['PatrolMember'];
export type PatrolTask = Schemas['PatrolTask'];
export type PatrolSession = Schemas['PatrolSession'];
export type TeamKind = PatrolTeam['kind'];
export type TeamBody = paths['/api/patrol/teams']['post']['requestBody']['content']['application/json'];
export type TaskBody = paths['/api/patrol/tasks']['post']['requestBody']['content']['application/json'];
export type Leaderboard =
  paths['/api/patrol/leaderboard']['get']['responses'][200]['content']['application/json'];

export const KINDS: { kind: TeamKind; zh: string; en: string }[] = [
  { kind: 'red_armband', zh: '红袖标', en: 'Red armbands' },
  { kind: 'volunteer', zh: '平安志愿者', en: 'Safety volunteers' },
  { kind: 'veteran', zh: '退役军人', en: 'Veterans' },
  { kind: 'party_member', zh: '党员先锋', en: 'Party members' },
  { kind: 'women', zh: '巾帼护卫', en: 'Women’s patrol' },
  { kind: 'other', zh: '其他', en: 'Other' },
];

export const CATEGORIES = [
  { code: 'public_order', zh: '治安问题', en: 'Public order' },
  { code: 'safety', zh: '安全隐患', en: 'Safety hazard' },
  { code: 'dispute', zh: '矛盾纠纷', en: 'Dispute' },
  { code: 'environment', zh: '环境卫生', en: 'Environment' },
  { code: 'facility', zh: '市政设施', en: 'Public facilities' },
  { code: 'livelihood', zh: '民生服务', en: 'Livelihood' },
  { code: 'other', zh: '其他', en: 'Other' },
];

export function queryString(p: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}

export { api };

import { Tag } from 'antd';
import { useI18n } from '../../i18n';
import type { GridRole } from './api';

/** The roles in roster order, with the part of "1+3+N" each belongs to (the server sends names too). */
export const ROLES: { role: GridRole; zh: string; en: string; group: '1' | '3' | 'N' }[] = [
  { role: 'leader', zh: '网格长', en: 'Grid leader', group: '1' },
  { role: 'fulltime', zh: '专职网格员', en: 'Full-time grid worker', group: '3' },
  { role: 'parttime', zh: '兼职网格员', en: 'Part-time grid worker', group: '3' },
  { role: 'instructor', zh: '网格指导员', en: 'Grid instructor', group: '3' },
  { role: 'police', zh: '民警', en: 'Police officer', group: 'N' },
  { role: 'doctor', zh: '医生', en: 'Doctor', group: 'N' },
  { role: 'lawyer', zh: '律师', en: 'Lawyer', group: 'N' },
  { role: 'volunteer', zh: '志愿者', en: 'Volunteer', group: 'N' },
  { role: 'other', zh: '其他力量', en: 'Other', group: 'N' },
];

export const PERIODS = {
  none: { zh: '不要求', en: 'None' },
  day: { zh: '每日', en: 'Daily' },
  week: { zh: '每周', en: 'Weekly' },
} as const;

const GROUP_COLOURS = { '1': 'red', '3': 'blue', N: 'green' } as const;

export function RoleTag({ role }: { role: GridRole }) {
  const { t } = useI18n();
  const r = ROLES.find((x) => x.role === role)!;
  return <Tag color={GROUP_COLOURS[r.group]}>{t(r.zh, r.en)}</Tag>;
}

/** 0.9567 → 95.7 %; null (nothing required) → —. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
}

export function shareColour(x: number | null | undefined): string | undefined {
  if (x === null || x === undefined) return undefined;
  if (x >= 1) return '#15803d';
  if (x >= 0.9) return '#1d4ed8';
  if (x >= 0.7) return '#b45309';
  return '#b91c1c';
}

/** China time, as the rest of the console shows times. */
export function cstTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

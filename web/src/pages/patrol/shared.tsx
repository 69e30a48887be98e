import { Segmented } from 'antd';
import { useNavigate } from 'react-router';
import { useI18n } from '../../i18n';

/** The four pages of 平安乐巡, one tab bar. */
export function PatrolNav({ current }: { current: 'teams' | 'tasks' | 'session' | 'leaderboard' }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <Segmented
      style={{ marginBottom: 16 }}
      value={current}
      onChange={(v) => navigate(`/patrol/${v}`)}
      options={[
        { value: 'teams', label: t('队伍', 'Teams') },
        { value: 'tasks', label: t('任务', 'Tasks') },
        { value: 'session', label: t('巡逻', 'Patrol') },
        { value: 'leaderboard', label: t('排行', 'Ranking') },
      ]}
    />
  );
}

/** China time, as the rest of the console shows times. */
export function cstTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

export function distanceText(m: number, lang: 'zh' | 'en'): string {
  if (m >= 1000) return lang === 'zh' ? `${(m / 1000).toFixed(1)} 公里` : `${(m / 1000).toFixed(1)} km`;
  return lang === 'zh' ? `${m} 米` : `${m} m`;
}

import { Tag, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { formatDuration, useNow } from '../matters/components/tags';
import { type Hazard, runningClock } from './api';

/** The running "3030" clock: time left to respond or to rectify, red once past. */
export function HazardClock({
  hazard,
  withSeconds,
}: {
  hazard: Pick<Hazard, 'status' | 'closed' | 'clock'>;
  withSeconds?: boolean;
}) {
  const { t, lang } = useI18n();
  const now = useNow(withSeconds ? 1000 : 30_000);
  const c = runningClock(hazard);
  if (!c) {
    if (hazard.closed) return <Tag color="green">{t('已销号', 'Written off')}</Tag>;
    if (hazard.clock.passedAt) return <Tag color="cyan">{t('已验收', 'Inspected')}</Tag>;
    return <Typography.Text type="secondary">—</Typography.Text>;
  }
  const left = new Date(c.due).getTime() - now;
  const label = c.kind === 'respond' ? t('响应', 'Respond') : t('整改', 'Rectify');
  const text = formatDuration(left, lang, !!withSeconds);
  return left < 0 ? (
    <Tag color="red" data-testid="hazard-clock" data-state="overdue">
      {t(`${label}已超期 ${text}`, `${label}: overdue by ${text}`)}
    </Tag>
  ) : (
    <Tag color={c.kind === 'respond' ? 'gold' : 'blue'} data-testid="hazard-clock" data-state="running">
      {t(`${label}剩余 ${text}`, `${label}: ${text} left`)}
    </Tag>
  );
}

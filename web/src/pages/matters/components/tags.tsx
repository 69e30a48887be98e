import { ClockCircleOutlined, PauseCircleOutlined, WarningOutlined } from '@ant-design/icons';
import { Badge, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import type { Schemas } from '../../../api/client';
import type { LiveState } from '../../../api/useLiveEvents';
import { type Lang, useI18n } from '../../../i18n';
import { useMatterTypes } from './lookups';
import { URGENCY_NAMES } from './names';

type Matter = Schemas['Matter'];

/** A state's colour: closed states settle (green when done, grey when refused), open ones are in progress. */
export function StatusTag({ matter }: { matter: Pick<Matter, 'status' | 'statusName' | 'type' | 'closed'> }) {
  const { name } = useI18n();
  const { stateName } = useMatterTypes();
  const n = stateName(matter.status, matter.type);
  const color = matter.closed ? (matter.status === 'closed' ? 'success' : 'default') : 'processing';
  return (
    <Tag color={color} data-testid="matter-status">
      {n ? name(n) : matter.statusName}
    </Tag>
  );
}

export function UrgencyTag({ urgency }: { urgency: Matter['urgency'] }) {
  const { name } = useI18n();
  const color = urgency === 'extra_urgent' ? 'red' : urgency === 'urgent' ? 'orange' : 'default';
  return <Tag color={color}>{name(URGENCY_NAMES[urgency])}</Tag>;
}

/** The time now, ticking every `ms`: one timer per component that shows a countdown. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

export function formatDuration(ms: number, lang: Lang, withSeconds: boolean): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (lang === 'zh') {
    if (d > 0) return `${d}天${h}小时`;
    if (h > 0) return `${h}小时${m}分`;
    return withSeconds ? `${m}分${sec}秒` : `${Math.max(m, s > 0 ? 1 : 0)}分`;
  }
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return withSeconds ? `${m}m ${sec}s` : `${Math.max(m, s > 0 ? 1 : 0)}m`;
}

export type DeadlineKind = 'normal' | 'warning' | 'overdue' | 'paused' | 'none' | 'closed';

/**
 * Where a matter stands against its deadline now. The server's clock marks 临期/超期 once a minute; the
 * page also compares with its own clock so that a deadline passing while the page is open turns red at
 * once. The worse of the two is shown (an approved extension resets the server's mark, and moves dueAt).
 */
export function deadlineOf(
  m: Pick<Matter, 'closed' | 'dueAt' | 'warnAt' | 'pausedAt' | 'deadlineState'>,
  now: number,
): { kind: DeadlineKind; remaining: number } {
  if (m.closed) return { kind: 'closed', remaining: 0 };
  if (!m.dueAt) return { kind: 'none', remaining: 0 };
  const due = Date.parse(m.dueAt);
  // 补正 stops the clock: what was left when it stopped is what will be left when it resumes.
  if (m.pausedAt) return { kind: 'paused', remaining: due - Date.parse(m.pausedAt) };
  const remaining = due - now;
  if (remaining <= 0 || m.deadlineState === 'overdue') return { kind: 'overdue', remaining };
  if ((m.warnAt && Date.parse(m.warnAt) <= now) || m.deadlineState === 'warning') {
    return { kind: 'warning', remaining };
  }
  return { kind: 'normal', remaining };
}

const DEADLINE_COLOR: Record<DeadlineKind, string> = {
  normal: 'success',
  warning: 'warning',
  overdue: 'error',
  paused: 'default',
  none: 'default',
  closed: 'default',
};

/** The deadline as a coloured countdown: green 正常, yellow 临期, red 超期, grey 已暂停. */
export function DeadlineCountdown({
  matter,
  now,
  withSeconds = false,
}: {
  matter: Pick<Matter, 'closed' | 'dueAt' | 'warnAt' | 'pausedAt' | 'deadlineState'>;
  now: number;
  withSeconds?: boolean;
}) {
  const { t, lang } = useI18n();
  const { kind, remaining } = deadlineOf(matter, now);
  // A finished matter has no deadline left to watch: a quiet dash, not one more tag in the row.
  if (kind === 'closed') return <Typography.Text type="secondary">—</Typography.Text>;
  const left = formatDuration(remaining, lang, withSeconds);
  const text: Record<DeadlineKind, string> = {
    normal: t(`剩余 ${left}`, `${left} left`),
    warning: t(`临期 · 剩余 ${left}`, `Due soon · ${left} left`),
    overdue: t(`超期 ${left}`, `Overdue by ${left}`),
    paused:
      remaining < 0
        ? t(`已暂停 · 已超期 ${left}`, `Paused · overdue by ${left}`)
        : t(`已暂停 · 剩余 ${left}`, `Paused · ${left} left`),
    none: t('无时限', 'No deadline'),
    closed: t('已结束', 'Finished'),
  };
  const icon =
    kind === 'overdue' || kind === 'warning' ? (
      <WarningOutlined />
    ) : kind === 'paused' ? (
      <PauseCircleOutlined />
    ) : (
      <ClockCircleOutlined />
    );
  const tag = (
    <Tag color={DEADLINE_COLOR[kind]} icon={icon} data-testid="deadline" data-kind={kind}>
      {text[kind]}
    </Tag>
  );
  if (!matter.dueAt) return tag;
  return (
    <Tooltip title={`${t('办理期限', 'Due')}：${dayjs(matter.dueAt).format('YYYY-MM-DD HH:mm')}`}>
      {tag}
    </Tooltip>
  );
}

/** Whether the page hears live changes (SSE), so that a user knows the list is current. */
export function LiveBadge({ state }: { state: LiveState }) {
  const { t } = useI18n();
  const map = {
    live: { status: 'success', text: t('实时更新', 'Live') },
    connecting: { status: 'processing', text: t('连接中', 'Connecting') },
    offline: { status: 'default', text: t('未连接实时更新', 'Not live') },
  } as const;
  return <Badge status={map[state].status} text={map[state].text} data-testid="live" data-state={state} />;
}

import { Alert, Button, Tag } from 'antd';
import { ApiError, errorText } from '../../api/client';
import { useI18n } from '../../i18n';
import type { Task } from './api';

/** An error inside a panel: the server's message in the user's language, its request id, and a retry. */
export function PanelError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t, lang } = useI18n();
  const id = error instanceof ApiError && error.requestId ? ` (${error.requestId})` : '';
  return (
    <Alert
      type="error"
      showIcon
      title={errorText(error, lang) + id}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('重试', 'Retry')}
          </Button>
        ) : undefined
      }
      data-testid="panel-error"
    />
  );
}

const DIRECTIONS = [
  { zh: '北', en: 'N' },
  { zh: '东北', en: 'NE' },
  { zh: '东', en: 'E' },
  { zh: '东南', en: 'SE' },
  { zh: '南', en: 'S' },
  { zh: '西南', en: 'SW' },
  { zh: '西', en: 'W' },
  { zh: '西北', en: 'NW' },
];

/** A bearing as a compass point and degrees: 东北 45°. */
export function compass(deg: number, lang: 'zh' | 'en'): string {
  const d = DIRECTIONS[Math.round((((deg % 360) + 360) % 360) / 45) % 8]!;
  return `${lang === 'zh' ? d.zh : d.en} ${Math.round(deg)}°`;
}

export function metres(m: number, lang: 'zh' | 'en'): string {
  if (m >= 1000) return `${Number((m / 1000).toFixed(2))} ${lang === 'zh' ? '公里' : 'km'}`;
  return `${Math.round(m)} ${lang === 'zh' ? '米' : 'm'}`;
}

const STATE_COLOURS: Record<string, string> = {
  issued: 'gold',
  signed: 'blue',
  on_site: 'processing',
  feedback: 'purple',
  verified: 'cyan',
  returned: 'orange',
  closed: 'success',
  cancelled: 'default',
};

export function TaskStatusTag({ task }: { task: Pick<Task, 'status' | 'statusName'> }) {
  const { name } = useI18n();
  return (
    <Tag color={STATE_COLOURS[task.status] ?? 'default'} data-testid="task-status" data-status={task.status}>
      {name(task.statusName)}
    </Tag>
  );
}

/** The unit or person a task went to, as one line. */
export function assigneeText(task: Pick<Task, 'assignee'>, lang: 'zh' | 'en', none: string): string {
  const a = task.assignee;
  if (!a) return none;
  const dept = a.departmentName ? (lang === 'zh' ? a.departmentName.zh : a.departmentName.en) : null;
  return [dept, a.areaName ?? a.areaCode, a.userName].filter(Boolean).join(' · ');
}

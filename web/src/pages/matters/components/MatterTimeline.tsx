import { Card, Tag, Timeline, Typography } from 'antd';
import dayjs from 'dayjs';
import type { Schemas } from '../../../api/client';
import { useIsMobile } from '../../../components/useIsMobile';
import { localized } from '../../../components/zodRule';
import { useI18n } from '../../../i18n';
import { type useDepartments, useMatterTypes, type Workflow } from './lookups';
import { TIMELINE_ACTION_NAMES } from './names';

type Entry = Schemas['MatterDetail']['timeline'][number];

/** A field of an entry's free-form `data` (the server writes assignee, extension, automatic…). */
function field(data: unknown, key: string): unknown {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
}

/**
 * What happened to the matter, oldest first: when, the action (named as the workflow names it), who, the
 * status change, the note, and the unit a dispatch or transfer went to.
 */
export function MatterTimeline({
  matter,
  workflow,
  departments,
  areaName,
}: {
  matter: Schemas['MatterDetail'];
  workflow: Workflow | undefined;
  departments: ReturnType<typeof useDepartments>;
  areaName: (code: string) => string;
}) {
  const { t, name, lang } = useI18n();
  const mobile = useIsMobile();
  const { stateName } = useMatterTypes();
  const actionName = (e: Entry): string => {
    if (e.action === 'supervise' && field(e.data, 'automatic') === true)
      return t('自动督办（超期）', 'Automatic supervision (overdue)');
    const tr = workflow?.transitions.find((x) => x.action === e.action);
    if (tr) return name(tr.name);
    return name(TIMELINE_ACTION_NAMES[e.action]) || e.action;
  };
  const status = (s: string | null) => (s ? name(stateName(s, matter.type)) || s : '');

  const items = matter.timeline.map((e) => {
    const assignee = field(e.data, 'assignee');
    const dept =
      typeof assignee === 'object' && assignee !== null ? String(field(assignee, 'department') ?? '') : '';
    const area =
      typeof assignee === 'object' && assignee !== null ? String(field(assignee, 'areaCode') ?? '') : '';
    const d = departments.byCode.get(dept);
    const extension = field(e.data, 'extension');
    const days = field(extension, 'days');
    const moved = e.fromStatus !== e.toStatus && e.toStatus;
    const color =
      e.action === 'supervise'
        ? 'red'
        : e.toStatus === 'closed'
          ? 'green'
          : e.action === 'attach'
            ? 'gray'
            : 'blue';
    const when = (
      <Typography.Text key="when" type="secondary" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
        {dayjs(e.at).format('YYYY-MM-DD HH:mm')}
      </Typography.Text>
    );
    return {
      key: e.id,
      color,
      // On a phone the time goes above the entry: a column of dates would leave the text no room.
      ...(mobile ? {} : { title: when }),
      content: (
        <div data-testid="timeline-entry" data-action={e.action}>
          {mobile && <div>{when}</div>}
          <Typography.Text strong>{actionName(e)}</Typography.Text>
          <Typography.Text type="secondary"> · {e.actorName}</Typography.Text>
          {moved && (
            <Tag style={{ marginLeft: 8 }}>
              {e.fromStatus ? `${status(e.fromStatus)} → ` : ''}
              {status(e.toStatus)}
            </Tag>
          )}
          {dept && (
            <div>
              {t('承办单位', 'Unit')}：{d ? (lang === 'zh' ? d.name : d.nameEn) : dept} · {areaName(area)}
            </div>
          )}
          {typeof days === 'number' && (
            <div>{t(`延期 ${days} 个工作日`, `Extension of ${days} working days`)}</div>
          )}
          {e.note && (
            <Typography.Paragraph
              style={{ margin: '4px 0 0', whiteSpace: 'pre-wrap' }}
              data-testid="timeline-note"
            >
              {/* The clock writes its notes in both languages; people write in theirs. */}
              {field(e.data, 'automatic') === true ? localized(e.note, lang) : e.note}
            </Typography.Paragraph>
          )}
        </div>
      ),
    };
  });

  return (
    <Card title={t('办理记录', 'Timeline')} size="small" data-testid="timeline">
      <Timeline items={items} />
    </Card>
  );
}

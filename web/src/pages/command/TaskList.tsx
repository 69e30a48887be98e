import { PushpinFilled } from '@ant-design/icons';
import { Empty, Flex, Skeleton, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { Link } from 'react-router';
import { useI18n } from '../../i18n';
import { useNow } from '../matters/components/tags';
import { type Task, useTasksOf } from './api';
import { assigneeText, PanelError, TaskStatusTag } from './shared';

/** The tasks dispatched from a matter, newest first, each with its state, unit and deadline; live. */
export function TaskList({ matterId }: { matterId: string }) {
  const { t } = useI18n();
  const q = useTasksOf(matterId);
  if (q.isLoading) return <Skeleton active paragraph={{ rows: 2 }} />;
  if (q.error) return <PanelError error={q.error} onRetry={() => void q.refetch()} />;
  const items = q.data?.items ?? [];
  if (items.length === 0)
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('尚未下达指令', 'No task yet')} />;
  return (
    <Flex vertical gap={8} data-testid="task-list">
      {items.map((task) => (
        <TaskRow key={task.id} task={task} />
      ))}
    </Flex>
  );
}

export function DeadlineText({ task }: { task: Pick<Task, 'deadline' | 'overdue' | 'closed'> }) {
  const { t } = useI18n();
  const now = useNow(30_000);
  const due = dayjs(task.deadline);
  const late = task.overdue || (!task.closed && due.valueOf() < now);
  return (
    <Typography.Text type={late ? 'danger' : 'secondary'} data-testid="task-deadline" data-overdue={late}>
      {late ? t('已超时 · ', 'Overdue · ') : ''}
      {t('时限', 'Due')} {due.format('MM-DD HH:mm')}
    </Typography.Text>
  );
}

function TaskRow({ task }: { task: Task }) {
  const { t, lang } = useI18n();
  return (
    <Flex
      vertical
      gap={2}
      style={{ border: '1px solid #e5e7eb', borderRadius: 6, padding: '6px 10px' }}
      data-testid="task-item"
      data-task-number={task.number}
    >
      <Flex justify="space-between" align="center" wrap gap={6}>
        <Link to={`/matters/${task.id}`} style={{ fontFamily: 'ui-monospace, monospace' }}>
          {task.number}
        </Link>
        <span>
          {task.pinned && (
            <Tag color="red" icon={<PushpinFilled />}>
              {t('置顶', 'Pinned')}
            </Tag>
          )}
          <TaskStatusTag task={task} />
        </span>
      </Flex>
      <Typography.Paragraph ellipsis={{ rows: 2 }} style={{ margin: 0 }}>
        {task.instructions}
      </Typography.Paragraph>
      <Flex justify="space-between" wrap gap={6} style={{ fontSize: 12 }}>
        <Typography.Text type="secondary">
          {assigneeText(task, lang, t('未分派', 'Unassigned'))}
        </Typography.Text>
        <DeadlineText task={task} />
      </Flex>
    </Flex>
  );
}

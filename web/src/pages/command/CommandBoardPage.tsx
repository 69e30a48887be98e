import { FileExcelOutlined, PushpinFilled } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  Button,
  Card,
  Checkbox,
  Col,
  Flex,
  Row,
  Statistic,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useLiveEvents } from '../../api/useLiveEvents';
import { FilterSearch, FilterSelect, useUrlFilters } from '../../components/FilterBar';
import { KeysetPager, useKeysetPaging } from '../../components/ListFrame';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { useMatterTypes } from '../matters/components/lookups';
import { DeadlineCountdown, LiveBadge, useNow } from '../matters/components/tags';
import { type Task, type TaskQuery, taskQueryString } from './api';
import { assigneeText, TaskStatusTag } from './shared';
import { sourcePath } from './TaskInfo';
import { DeadlineText } from './TaskList';

const PAGE_SIZE = 30;
const MAX_Q = 100;

/**
 * 指令看板: the command tasks the user may see — open ones by default, the soonest deadline first — with their
 * state, unit, deadline (red once passed before 反馈) and the matter each came from; the counts on top; the
 * filters in the address; Excel export of the same filter. Live through the tab's one event stream: a task
 * dispatched, signed for or closed anywhere in the user's scope updates the board without a reload.
 */
export default function CommandBoardPage() {
  const { t, lang, name } = useI18n();
  const mobile = useIsMobile();
  const types = useMatterTypes();
  const states = types.type('task')?.states ?? [];
  const { params, update } = useUrlFilters();
  const bar = { params, update };
  const live = useLiveEvents();
  const now = useNow(30_000);

  const status = params.get('status') ?? 'open';
  const filters: TaskQuery = {
    status,
    ...(params.get('overdue') === 'true' ? { overdue: 'true' as const } : {}),
    ...(params.get('pinned') === 'true' ? { pinned: 'true' as const } : {}),
    ...(params.get('q') ? { q: params.get('q')!.slice(0, MAX_Q) } : {}),
    sort: params.get('sort') === 'created_desc' ? 'created_desc' : 'deadline_asc',
  };
  const paging = useKeysetPaging(JSON.stringify(filters));
  const query: TaskQuery = {
    ...filters,
    limit: PAGE_SIZE,
    ...(paging.cursor ? { cursor: paging.cursor } : {}),
  };
  const list = useQuery({
    // Under 'matters': every matter event refreshes the board (web/src/api/useLiveEvents.ts).
    queryKey: ['matters', 'command', 'tasks', query],
    queryFn: () => unwrap(api.GET('/api/command/tasks', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const summary = useQuery({
    queryKey: ['matters', 'command', 'summary'],
    queryFn: () => unwrap(api.GET('/api/command/summary')),
  });

  const columns: TableColumnsType<Task> = [
    {
      key: 'number',
      title: t('编号', 'Number'),
      width: 210,
      render: (_, task) => (
        <Flex vertical gap={2}>
          <Link
            to={`/matters/${task.id}`}
            style={{ fontFamily: 'ui-monospace, monospace' }}
            data-testid="board-task-link"
          >
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
      ),
    },
    {
      key: 'instructions',
      title: t('指令', 'Instructions'),
      render: (_, task) => (
        <Typography.Paragraph
          ellipsis={{ rows: 2, tooltip: task.instructions }}
          style={{ margin: 0, minWidth: 180 }}
        >
          {task.instructions}
        </Typography.Paragraph>
      ),
    },
    {
      key: 'assignee',
      title: t('承办', 'Assignee'),
      width: 200,
      render: (_, task) => assigneeText(task, lang, t('待重新下达', 'To be reassigned')),
    },
    {
      key: 'deadline',
      title: t('完成时限', 'Deadline'),
      width: 190,
      render: (_, task) => (
        <Flex vertical gap={2}>
          <DeadlineText task={task} />
          {!task.closed && (
            <span>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('本环节', 'Step')}{' '}
              </Typography.Text>
              <DeadlineCountdown
                matter={{
                  closed: task.closed,
                  dueAt: task.dueAt,
                  warnAt: null,
                  pausedAt: null,
                  deadlineState: task.deadlineState,
                }}
                now={now}
              />
            </span>
          )}
        </Flex>
      ),
    },
    {
      key: 'source',
      title: t('来源', 'Source'),
      width: 200,
      render: (_, task) => (
        <Flex vertical gap={2}>
          <Link to={sourcePath(task.source)} style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
            {task.source.number}
          </Link>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {task.areaName ?? task.areaCode}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'issued',
      title: t('下达', 'Issued'),
      width: 150,
      render: (_, task) => (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {task.issuedBy}
          <br />
          {dayjs(task.createdAt).format('MM-DD HH:mm')}
        </Typography.Text>
      ),
    },
  ];

  const s = summary.data;
  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('指令看板', 'Command board')}
        </Typography.Title>
        <LiveBadge state={live} />
      </Flex>
      <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
        {[
          {
            key: 'open',
            label: t('未办结', 'Open'),
            value: s?.open,
            onClick: () => update({ overdue: undefined, pinned: undefined, status: undefined }),
          },
          {
            key: 'overdue',
            label: t('已超时', 'Overdue'),
            value: s?.overdue,
            danger: true,
            onClick: () => update({ overdue: 'true', status: undefined }),
          },
          {
            key: 'pinned',
            label: t('地图置顶', 'Pinned'),
            value: s?.pinned,
            onClick: () => update({ pinned: 'true', status: undefined }),
          },
          {
            key: 'issued',
            label: t('待签收', 'Awaiting sign-for'),
            value: s?.byStatus.issued ?? 0,
            onClick: () => update({ status: 'issued' }),
          },
        ].map((c) => (
          <Col key={c.key} xs={12} md={6}>
            <Card size="small" hoverable onClick={c.onClick} data-testid={`board-count-${c.key}`}>
              <Statistic
                title={c.label}
                value={c.value ?? '—'}
                styles={{ content: { color: c.danger && (c.value ?? 0) > 0 ? '#dc2626' : undefined } }}
              />
            </Card>
          </Col>
        ))}
      </Row>
      <Card size="small" style={{ marginBottom: 12 }}>
        <Flex wrap gap={12} align="flex-end">
          <FilterSearch
            id="cb-q"
            max={MAX_Q}
            placeholder={t('指令内容或标题', 'Instructions or title')}
            width={mobile ? '100%' : 240}
            testId="board-q"
            {...bar}
          />
          <FilterSelect
            id="cb-status"
            label={t('状态', 'Status')}
            param="status"
            defaultValue="open"
            width={160}
            options={[
              { value: 'open', label: t('未办结', 'Open') },
              { value: 'closed', label: t('已结束', 'Finished') },
              { value: 'all', label: t('全部', 'All') },
              ...states.map((st) => ({ value: st.code, label: name(st.name) })),
            ]}
            testId="board-status"
            {...bar}
          />
          <FilterSelect
            id="cb-sort"
            label={t('排序', 'Order')}
            param="sort"
            defaultValue="deadline_asc"
            width={160}
            options={[
              { value: 'deadline_asc', label: t('时限最近优先', 'Soonest deadline') },
              { value: 'created_desc', label: t('最新下达优先', 'Newest first') },
            ]}
            {...bar}
          />
          <Checkbox
            checked={params.get('overdue') === 'true'}
            onChange={(e) => update({ overdue: e.target.checked ? 'true' : undefined })}
            data-testid="board-overdue"
          >
            {t('仅超时', 'Overdue only')}
          </Checkbox>
          <Checkbox
            checked={params.get('pinned') === 'true'}
            onChange={(e) => update({ pinned: e.target.checked ? 'true' : undefined })}
          >
            {t('仅置顶', 'Pinned only')}
          </Checkbox>
          <Button
            icon={<FileExcelOutlined />}
            href={`/api/command/tasks/export?${taskQueryString({ ...filters })}`}
            data-testid="board-export"
          >
            {t('导出 Excel', 'Export to Excel')}
          </Button>
        </Flex>
      </Card>
      <PageState
        loading={list.isLoading}
        error={list.data ? undefined : list.error}
        onRetry={() => void list.refetch()}
      >
        <Table<Task>
          rowKey="id"
          size="small"
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={false}
          scroll={{ x: 1000 }}
          locale={{ emptyText: t('没有符合条件的指令', 'No task matches') }}
          rowClassName={(task) => (task.overdue ? 'task-overdue' : '')}
          onRow={(task) =>
            ({
              'data-testid': 'board-row',
              'data-task-number': task.number,
              'data-status': task.status,
            }) as object
          }
        />
        <KeysetPager paging={paging} nextCursor={list.data?.nextCursor} />
      </PageState>
    </div>
  );
}

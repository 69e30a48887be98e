import { FileExcelOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  Button,
  Card,
  DatePicker,
  Empty,
  Flex,
  Input,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tabs,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { api, type Schemas, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { useLiveEvents } from '../../api/useLiveEvents';
import { useUrlFilters } from '../../components/FilterBar';
import { FilterBar, FilterDrawer, KeysetPager, useKeysetPaging } from '../../components/ListFrame';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from './components/AreaTreeSelect';
import { useAreaNames, useMatterTypes } from './components/lookups';
import { DEADLINE_STATE_NAMES, URGENCY_NAMES } from './components/names';
import { DeadlineCountdown, LiveBadge, StatusTag, UrgencyTag, useNow } from './components/tags';

type Matter = Schemas['Matter'];
type ListQuery = NonNullable<paths['/api/matters']['get']['parameters']['query']>;
type Filters = Omit<ListQuery, 'sort' | 'cursor' | 'limit' | 'status'>;
type Sort = NonNullable<ListQuery['sort']>;

const PAGE_SIZE = 20;
/** The API's limit on the search text (MatterFilters.q). */
const MAX_Q = 100;
// As in src/shared/matter-input.ts; not imported from there, which would bring zod into the queue's chunk.
const TYPE_CODE = /^[a-z][a-z0-9_]{1,39}$/;
const AREA_CODE = /^\d{12}(\d{3})?$/;
const SORTS: Sort[] = ['created_desc', 'created_asc', 'due_asc'];
const DEADLINE_STATES = ['normal', 'warning', 'overdue'] as const;
const URGENCIES = ['extra_urgent', 'urgent', 'normal'] as const;
/** The filters a user sets, as they appear in the address (dates as days, so that links read well). */
const FILTER_KEYS = [
  'type',
  'areaCode',
  'category',
  'deadlineState',
  'urgency',
  'closed',
  'from',
  'to',
  'q',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

type View = 'todo' | 'mine' | 'command';
interface Preset {
  filters: Filters;
  sort?: Sort;
  title: { zh: string; en: string };
  hint: { zh: string; en: string };
}

/** The menu's queues: fixed conditions the user can narrow further but not lift (they pick another view). */
function presetOf(view: string | null): Preset | null {
  switch (view) {
    case 'todo':
      // Everything waiting for me: assigned to me or my unit, or — for a centre — waiting for the centre to
      // accept, dispatch, verify or close (the server reads that from each type's workflow).
      return {
        filters: { assignee: 'todo' },
        title: { zh: '待办', en: 'To do' },
        hint: { zh: '等待我或本单位办理的事项', en: 'Matters waiting for me or my unit' },
      };
    case 'mine':
      return {
        filters: { reporter: 'me' },
        title: { zh: '我的上报', en: 'My reports' },
        hint: { zh: '我上报的全部事项', en: 'Every matter I reported' },
      };
    case 'command':
      return {
        filters: { deadlineState: 'overdue' },
        sort: 'due_asc',
        title: { zh: '指挥 · 超期事项', en: 'Command · overdue' },
        hint: {
          zh: '管辖范围内已超期的事项，最早到期的在前',
          en: 'Overdue matters in my area, the longest overdue first',
        },
      };
    default:
      return null;
  }
}

function toSearch(o: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined) p.set(k, v);
  return p.toString();
}

const oneOf = <T extends string>(v: string | null, list: readonly T[]): T | undefined =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : undefined;

/**
 * The work queue: tabs per status with counts, filters in the address (shareable, the back button
 * works), keyset pages with a stack of cursors for 上一页, Excel export of the same filters, a table on
 * a desktop and cards on a phone, kept current by live events.
 */
export default function QueuePage() {
  const { t, name } = useI18n();
  const mobile = useIsMobile();
  const { params, update, reset } = useUrlFilters({ keep: ['view'] });
  const types = useMatterTypes();
  const live = useLiveEvents();
  const now = useNow(30_000);
  const [drawer, setDrawer] = useState(false);

  const view = oneOf<View>(params.get('view'), ['todo', 'mine', 'command']);
  const preset = presetOf(view ?? null);
  const locked = new Set(Object.keys(preset?.filters ?? {}));

  // A hand-edited address must not turn into a 400 from the API: what does not fit is ignored.
  const raw = (k: FilterKey, re?: RegExp) => {
    const v = params.get(k) || undefined;
    return v && (!re || re.test(v)) ? v : undefined;
  };
  const day = (v: string | undefined) => (v && dayjs(v).isValid() ? v : undefined);
  const explicit: Filters = {
    type: raw('type', TYPE_CODE),
    areaCode: raw('areaCode', AREA_CODE),
    category: raw('category'),
    deadlineState: oneOf(params.get('deadlineState'), DEADLINE_STATES),
    urgency: oneOf(params.get('urgency'), URGENCIES),
    closed: oneOf(params.get('closed'), ['true', 'false'] as const),
    q: raw('q')?.trim().slice(0, MAX_Q) || undefined,
  };
  const fromDay = day(raw('from', /^\d{4}-\d{2}-\d{2}$/));
  const toDay = day(raw('to', /^\d{4}-\d{2}-\d{2}$/));
  const filters: Filters = Object.fromEntries(
    Object.entries({
      ...explicit,
      // Days in the user's time zone; `to` is inclusive on screen and exclusive for the API.
      from: fromDay ? dayjs(fromDay).startOf('day').format() : undefined,
      to: toDay ? dayjs(toDay).add(1, 'day').startOf('day').format() : undefined,
      ...preset?.filters,
    }).filter(([, v]) => v !== undefined),
  );
  const status = params.get('status') || undefined;
  const sort = oneOf(params.get('sort'), SORTS) ?? preset?.sort ?? 'created_desc';

  // Pages: a stack of the cursors that opened each page after the first, reset when the filters change.
  const pagingKey = JSON.stringify([filters, status, sort]);
  const paging = useKeysetPaging(pagingKey);
  const { stack, cursor } = paging;

  const counts = useQuery({
    queryKey: ['matters', 'counts', filters],
    queryFn: () => unwrap(api.GET('/api/matters/counts', { params: { query: filters } })),
  });
  const listQuery: ListQuery = {
    ...filters,
    sort,
    limit: PAGE_SIZE,
    ...(status ? { status } : {}),
    ...(cursor ? { cursor } : {}),
  };
  const list = useQuery({
    queryKey: ['matters', 'list', listQuery],
    queryFn: () => unwrap(api.GET('/api/matters', { params: { query: listQuery } })),
    placeholderData: keepPreviousData,
  });
  const items = list.data?.items ?? [];
  const areaName = useAreaNames(items.map((m) => m.areaCode));

  const typeCode = filters.type;
  // One tab per state name: types that name a state alike (the generic loop's 待签收 'dispatched', the command
  // task's 待签收 'issued') share it, asking for both codes.
  const states = (() => {
    const pool = typeCode ? types.types.filter((x) => x.code === typeCode) : types.types;
    const byName = new Map<string, { codes: string[]; name: { zh: string; en: string } }>();
    for (const x of pool)
      for (const s of x.states) {
        const tab = byName.get(s.name.zh) ?? { codes: [], name: s.name };
        if (!tab.codes.includes(s.code)) tab.codes.push(s.code);
        byName.set(s.name.zh, tab);
      }
    return [...byName.values()].map((x) => ({ code: x.codes.join(','), codes: x.codes, name: x.name }));
  })();
  const countOf = (key: string) => key.split(',').reduce((n, c) => n + (counts.data?.byStatus[c] ?? 0), 0);
  const categories = (() => {
    const pool = typeCode ? types.types.filter((x) => x.code === typeCode) : types.types;
    const seen = new Map<string, { code: string; name: { zh: string; en: string } }>();
    for (const x of pool) for (const c of x.categories) if (!seen.has(c.code)) seen.set(c.code, c);
    return [...seen.values()];
  })();

  // The export is a plain link: the browser downloads the workbook with the session cookie.
  const exportHref = `/api/matters/export?${toSearch({ ...filters, status, sort })}`;
  const activeFilters = FILTER_KEYS.filter((k) => k !== 'q' && params.get(k)).length;

  // Each control has the id `f-<key>` and a visible label pointing at it.
  const control = (key: FilterKey | 'sort', node: ReactNode, label: string) => (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 4, minWidth: mobile ? '100%' : undefined }}>
      <label htmlFor={`f-${key}`} style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)' }}>
        {label}
        {key !== 'sort' && locked.has(key) ? t('（本视图固定）', ' (fixed in this view)') : ''}
      </label>
      {node}
    </div>
  );
  const w = (px: number) => (mobile ? { width: '100%' } : { width: px });
  const size = mobile ? 'large' : 'middle';

  const filterControls = (
    <>
      {types.types.length > 1 &&
        control(
          'type',
          <Select
            id="f-type"
            allowClear
            size={size}
            style={w(140)}
            value={filters.type}
            onChange={(v: string | undefined) => update({ type: v, category: undefined, status: undefined })}
            options={types.types.map((x) => ({ value: x.code, label: name(x.name) }))}
            placeholder={t('全部类型', 'All types')}
          />,
          t('类型', 'Type'),
        )}
      {control(
        'areaCode',
        <AreaTreeSelect
          id="f-areaCode"
          size={size}
          style={w(220)}
          value={filters.areaCode}
          onChange={(v) => update({ areaCode: v })}
          placeholder={t('全部区域', 'All areas')}
          testId="filter-area"
        />,
        t('区域', 'Area'),
      )}
      {control(
        'category',
        <Select
          id="f-category"
          allowClear
          size={size}
          style={w(150)}
          value={filters.category}
          onChange={(v: string | undefined) => update({ category: v })}
          options={categories.map((c) => ({ value: c.code, label: name(c.name) }))}
          placeholder={t('全部类别', 'All categories')}
        />,
        t('类别', 'Category'),
      )}
      {control(
        'deadlineState',
        <Select
          id="f-deadlineState"
          allowClear
          size={size}
          style={w(120)}
          disabled={locked.has('deadlineState')}
          value={filters.deadlineState}
          onChange={(v: string | undefined) => update({ deadlineState: v })}
          options={DEADLINE_STATES.map((s) => ({ value: s, label: name(DEADLINE_STATE_NAMES[s]) }))}
          placeholder={t('全部', 'All')}
          data-testid="filter-deadline"
        />,
        t('期限', 'Deadline'),
      )}
      {control(
        'urgency',
        <Select
          id="f-urgency"
          allowClear
          size={size}
          style={w(120)}
          value={filters.urgency}
          onChange={(v: string | undefined) => update({ urgency: v })}
          options={URGENCIES.map((u) => ({ value: u, label: name(URGENCY_NAMES[u]) }))}
          placeholder={t('全部', 'All')}
        />,
        t('紧急程度', 'Urgency'),
      )}
      {control(
        'closed',
        <Select
          id="f-closed"
          allowClear
          size={size}
          style={w(120)}
          disabled={locked.has('closed')}
          value={filters.closed}
          onChange={(v: string | undefined) => update({ closed: v })}
          options={[
            { value: 'false', label: t('办理中', 'Open') },
            { value: 'true', label: t('已结束', 'Finished') },
          ]}
          placeholder={t('全部', 'All')}
        />,
        t('进度', 'Progress'),
      )}
      {control(
        'from',
        <DatePicker.RangePicker
          id="f-from"
          size={size}
          style={w(250)}
          value={[fromDay ? dayjs(fromDay) : null, toDay ? dayjs(toDay) : null]}
          allowEmpty={[true, true]}
          onChange={(v) =>
            update({
              from: v?.[0]?.format('YYYY-MM-DD') ?? undefined,
              to: v?.[1]?.format('YYYY-MM-DD') ?? undefined,
            })
          }
          placeholder={[t('上报起', 'From'), t('上报止', 'To')]}
        />,
        t('上报日期', 'Reported between'),
      )}
      {control(
        'sort',
        <Select
          id="f-sort"
          size={size}
          style={w(150)}
          value={sort}
          onChange={(v: Sort) => update({ sort: v })}
          options={[
            { value: 'created_desc', label: t('最新上报', 'Newest first') },
            { value: 'created_asc', label: t('最早上报', 'Oldest first') },
            { value: 'due_asc', label: t('最先到期', 'Due first') },
          ]}
          data-testid="sort"
        />,
        t('排序', 'Sort'),
      )}
    </>
  );

  const search = (
    <Input.Search
      key={explicit.q ?? ''}
      defaultValue={explicit.q}
      id="f-q"
      maxLength={MAX_Q}
      allowClear
      size={size}
      enterButton
      placeholder={t('搜索标题或描述（支持中文分词）', 'Search titles and descriptions')}
      aria-label={t('搜索', 'Search')}
      onSearch={(v) => update({ q: v.trim() || undefined })}
      style={{ width: mobile ? '100%' : 320 }}
      data-testid="queue-search"
    />
  );

  const columns: TableColumnsType<Matter> = [
    {
      title: t('编号', 'Number'),
      dataIndex: 'number',
      width: 210,
      render: (v: string) => (
        <Typography.Text style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>{v}</Typography.Text>
      ),
    },
    {
      title: t('标题', 'Title'),
      dataIndex: 'title',
      render: (v: string, m) => (
        <Link to={`/matters/${m.id}`} data-testid="matter-link">
          {v}
        </Link>
      ),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      width: 110,
      render: (_: string, m) => <StatusTag matter={m} />,
    },
    {
      title: t('紧急', 'Urgency'),
      dataIndex: 'urgency',
      width: 90,
      render: (_: string, m) => <UrgencyTag urgency={m.urgency} />,
    },
    {
      title: t('期限', 'Deadline'),
      dataIndex: 'dueAt',
      width: 170,
      render: (_: string, m) => <DeadlineCountdown matter={m} now={now} />,
    },
    {
      title: t('区域', 'Area'),
      dataIndex: 'areaCode',
      width: 160,
      ellipsis: true,
      render: (v: string) => <span title={v}>{areaName(v)}</span>,
    },
    {
      title: t('上报时间', 'Reported'),
      dataIndex: 'createdAt',
      width: 150,
      render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'),
    },
  ];

  const cards = (
    <ul data-testid="matter-cards" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {items.map((m) => (
        <li key={m.id} style={{ marginBottom: 10 }}>
          <Link to={`/matters/${m.id}`} style={{ display: 'block' }} data-testid="matter-card">
            <Card size="small" hoverable styles={{ body: { padding: 14, minHeight: 72 } }}>
              <Typography.Text strong style={{ fontSize: 16, display: 'block', marginBottom: 6 }} ellipsis>
                {m.title}
              </Typography.Text>
              <Space size={[4, 6]} wrap>
                <StatusTag matter={m} />
                <UrgencyTag urgency={m.urgency} />
                <DeadlineCountdown matter={m} now={now} />
              </Space>
              <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12, marginTop: 6 }}>
                {m.number} · {areaName(m.areaCode)} · {dayjs(m.createdAt).format('MM-DD HH:mm')}
              </Typography.Text>
            </Card>
          </Link>
        </li>
      ))}
    </ul>
  );

  const total = counts.data?.total;
  const tabItems = [
    { key: '', label: `${t('全部', 'All')}${total !== undefined ? ` ${total}` : ''}` },
    ...states.map((s) => {
      return { key: s.code, label: `${name(s.name)}${counts.data ? ` ${countOf(s.code)}` : ''}` };
    }),
  ];

  const pager = <KeysetPager paging={paging} nextCursor={list.data?.nextCursor} size={size} />;

  const emptyText =
    view === 'mine'
      ? t('您还没有上报过事项。', 'You have not reported anything yet.')
      : filters.q
        ? t(`没有与“${filters.q}”匹配的事项。`, `No matter matches “${filters.q}”.`)
        : t('没有符合条件的事项。', 'No matter fits these filters.');

  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 8 }}>
        <Space orientation="vertical" size={0}>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="queue-title">
            {preset ? name(preset.title) : t('事项队列', 'Matters')}
          </Typography.Title>
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            {preset
              ? name(preset.hint)
              : t('管辖范围内及分派给本单位的事项', 'Matters in my area and those assigned to my unit')}
          </Typography.Text>
        </Space>
        <Space wrap>
          <LiveBadge state={live} />
          {!mobile && (
            <Button icon={<FileExcelOutlined />} href={exportHref} data-testid="export">
              {t('导出 Excel', 'Export to Excel')}
            </Button>
          )}
          {view === 'mine' && (
            <Link to="/matters/new">
              <Button type="primary" icon={<PlusOutlined />} size={size}>
                {t('上报', 'Report')}
              </Button>
            </Link>
          )}
        </Space>
      </Flex>

      <FilterBar
        mobile={mobile}
        search={search}
        controls={filterControls}
        activeFilters={activeFilters}
        onOpenDrawer={() => setDrawer(true)}
        onReset={reset}
      />

      <Tabs
        activeKey={status ?? ''}
        onChange={(k) => update({ status: k || undefined })}
        items={tabItems}
        size={mobile ? 'small' : 'middle'}
        data-testid="status-tabs"
        style={{ marginBottom: 4 }}
      />

      <PageState
        loading={list.isLoading}
        error={list.error}
        onRetry={() => void list.refetch()}
        empty={items.length === 0 && stack.length === 0}
        emptyText={emptyText}
      >
        {mobile ? (
          cards
        ) : (
          <Table<Matter>
            rowKey="id"
            columns={columns}
            dataSource={items}
            pagination={false}
            size="middle"
            scroll={{ x: 1060 }}
            loading={list.isFetching && !list.isLoading}
            locale={{ emptyText: <Empty description={emptyText} /> }}
            data-testid="matter-table"
          />
        )}
        {pager}
      </PageState>

      <FilterDrawer
        open={drawer}
        onClose={() => setDrawer(false)}
        title={t('筛选与排序', 'Filters and sorting')}
        exportHref={exportHref}
        onReset={reset}
        resultCount={counts.data ? (status ? countOf(status) : counts.data.total) : undefined}
      >
        {filterControls}
      </FilterDrawer>
    </div>
  );
}

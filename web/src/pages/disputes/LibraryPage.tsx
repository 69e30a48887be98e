import { CloudUploadOutlined, FileExcelOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Button,
  Card,
  Checkbox,
  DatePicker,
  Flex,
  Input,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { type ReactNode, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, type Schemas, unwrap } from '../../api/client';
import { useLiveEvents } from '../../api/useLiveEvents';
import { useAuth } from '../../auth';
import { useUrlFilters } from '../../components/FilterBar';
import { FilterBar, FilterDrawer, KeysetPager, useKeysetPaging } from '../../components/ListFrame';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from '../matters/components/AreaTreeSelect';
import { useMatterTypes } from '../matters/components/lookups';
import { LiveBadge } from '../matters/components/tags';
import {
  FILTER_KEYS,
  type FilterKey,
  type ListQuery,
  MAX_Q,
  RISKS,
  readFilters,
  toSearch,
} from './components/filters';
import { useDisputeMeta, useDisputeSources } from './components/lookups';
import { OUTCOME_NAMES, OUTCOMES } from './components/names';
import { SubjectFilterTag } from './components/SubjectFilterTag';
import { DisputeStatusTag, MassTag, RiskTag, SourcesTag } from './components/tags';

type Item = Schemas['DisputeItem'];
type ListAnswer = { items: Item[]; nextCursor: string | null; total: number | null };

const PAGE_SIZE = 20;

/**
 * 全量矛盾纠纷库: every dispute from every department and channel the user may see, newest first. Filters
 * live in the address (the analysis page links here with category/area/period, source, subject or outcome),
 * pages are keyset pages with a stack of cursors for 上一页, the total comes with the first page, and 导出
 * Excel downloads the same filter. A table on a desktop, cards on a phone.
 */
export default function LibraryPage() {
  const { t, name } = useI18n();
  const { can } = useAuth();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { params, update, reset } = useUrlFilters();
  const meta = useDisputeMeta();
  const sources = useDisputeSources();
  const types = useMatterTypes();
  const live = useLiveEvents();
  const [drawer, setDrawer] = useState(false);

  const { shown, api: filters } = readFilters(
    params,
    meta.categories.map((c) => c.code),
  );

  // Pages: the cursors that opened each page after the first, reset when the filters change.
  const pagingKey = JSON.stringify(filters);
  const paging = useKeysetPaging(pagingKey);
  const { stack, cursor } = paging;

  // The first page also asks for the total; later pages read it from the first page's answer.
  const firstQuery: ListQuery = { ...filters, limit: PAGE_SIZE, withTotal: 'true' };
  const listQuery: ListQuery = cursor ? { ...filters, limit: PAGE_SIZE, cursor } : firstQuery;
  const list = useQuery({
    // Under 'matters': live events and actions on a dispute refresh the library too.
    queryKey: ['matters', 'disputes', listQuery],
    queryFn: () => unwrap(api.GET('/api/disputes', { params: { query: listQuery } })),
    placeholderData: keepPreviousData,
  });
  const items = list.data?.items ?? [];
  const total = cursor
    ? qc.getQueryData<ListAnswer>(['matters', 'disputes', firstQuery])?.total
    : list.data?.total;

  const states = types.type('dispute')?.states ?? [];
  const statusValue = shown.status ? shown.status.split(',') : [];
  const activeFilters = FILTER_KEYS.filter((k) => k !== 'q' && shown[k]).length;
  const exportHref = `/api/disputes/export?${toSearch(filters)}`;
  const size = mobile ? 'large' : 'middle';
  const w = (px: number) => (mobile ? { width: '100%' } : { width: px });

  // Each control has the id `f-<key>` and a visible label pointing at it.
  const control = (key: FilterKey, node: ReactNode, label: string) => (
    <div
      key={key}
      style={{ display: 'flex', flexDirection: 'column', gap: 4, minWidth: mobile ? '100%' : undefined }}
    >
      <label htmlFor={`f-${key}`} style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)' }}>
        {label}
      </label>
      {node}
    </div>
  );

  const filterControls = (
    <>
      {control(
        'category',
        <Select
          id="f-category"
          allowClear
          size={size}
          style={w(150)}
          value={shown.category}
          onChange={(v: string | undefined) => update({ category: v })}
          options={meta.categories.map((c) => ({ value: c.code, label: name(c.name) }))}
          placeholder={t('全部类别', 'All categories')}
          data-testid="filter-category"
        />,
        t('类别', 'Category'),
      )}
      {control(
        'areaCode',
        <AreaTreeSelect
          id="f-areaCode"
          size={size}
          style={w(200)}
          value={shown.areaCode}
          onChange={(v) => update({ areaCode: v })}
          placeholder={t('全部区域', 'All areas')}
          testId="filter-area"
        />,
        t('区域', 'Area'),
      )}
      {control(
        'status',
        <Select
          id="f-status"
          mode="multiple"
          allowClear
          size={size}
          style={w(200)}
          maxTagCount="responsive"
          value={statusValue}
          onChange={(v: string[]) => update({ status: v.length ? v.join(',') : undefined })}
          options={states.map((s) => ({ value: s.code, label: name(s.name) }))}
          placeholder={t('全部状态', 'All states')}
          data-testid="filter-status"
        />,
        t('状态', 'Status'),
      )}
      {control(
        'outcome',
        <Select
          id="f-outcome"
          allowClear
          size={size}
          style={w(170)}
          value={shown.outcome}
          onChange={(v: string | undefined) => update({ outcome: v })}
          options={OUTCOMES.map((o) => ({ value: o, label: name(OUTCOME_NAMES[o]) }))}
          placeholder={t('全部', 'All')}
          data-testid="filter-outcome"
        />,
        t('化解结果', 'Outcome'),
      )}
      {control(
        'source',
        <Select
          id="f-source"
          allowClear
          size={size}
          style={w(190)}
          showSearch={{ optionFilterProp: 'label' }}
          loading={sources.isLoading}
          value={shown.source}
          onChange={(v: string | undefined) => update({ source: v })}
          options={sources.items.map((s) => ({ value: s.code, label: name(s.name) }))}
          placeholder={t('全部来源', 'All sources')}
          data-testid="filter-source"
        />,
        t('来源部门', 'Source'),
      )}
      {control(
        'risk',
        <Select
          id="f-risk"
          allowClear
          size={size}
          style={w(100)}
          value={shown.risk}
          onChange={(v: string | undefined) => update({ risk: v })}
          options={RISKS.map((r) => ({ value: r, label: name(meta.riskName(r)) || r }))}
          placeholder={t('全部', 'All')}
          data-testid="filter-risk"
        />,
        t('风险', 'Risk'),
      )}
      {control(
        'mass',
        <Select
          id="f-mass"
          allowClear
          size={size}
          style={w(110)}
          value={shown.mass}
          onChange={(v: string | undefined) => update({ mass: v })}
          options={[
            { value: 'true', label: t('群体性', 'Mass') },
            { value: 'false', label: t('非群体性', 'Not mass') },
          ]}
          placeholder={t('全部', 'All')}
        />,
        t('群体性', 'Mass (5+ people)'),
      )}
      {control(
        'from',
        <DatePicker.RangePicker
          id="f-from"
          size={size}
          style={w(250)}
          value={[shown.from ? dayjs(shown.from) : null, shown.to ? dayjs(shown.to) : null]}
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
        'multiSource',
        <Checkbox
          id="f-multiSource"
          checked={shown.multiSource === 'true'}
          onChange={(e) => update({ multiSource: e.target.checked ? 'true' : undefined })}
          style={{ height: mobile ? 40 : 32, alignItems: 'center' }}
          data-testid="filter-multi-source"
        >
          {t('仅多部门上报', 'Only those reported by several')}
        </Checkbox>,
        t('多部门上报', 'Several sources'),
      )}
    </>
  );

  const search = (
    <Input.Search
      key={shown.q ?? ''}
      defaultValue={shown.q}
      id="f-q"
      maxLength={MAX_Q}
      allowClear
      size={size}
      enterButton
      placeholder={t('搜索标题、内容（支持中文分词）', 'Search titles and descriptions')}
      aria-label={t('搜索', 'Search')}
      onSearch={(v) => update({ q: v.trim() || undefined })}
      style={{ width: mobile ? '100%' : 320 }}
      data-testid="dispute-search"
    />
  );

  const number = (v: string) => (
    <Typography.Text style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>{v}</Typography.Text>
  );
  const columns: TableColumnsType<Item> = [
    { title: t('编号', 'Number'), dataIndex: 'number', width: 210, render: number },
    {
      title: t('标题', 'Title'),
      dataIndex: 'title',
      render: (v: string, d) => (
        <Space size={4} wrap>
          <Link to={`/disputes/${d.id}`} data-testid="dispute-link" onClick={(e) => e.stopPropagation()}>
            {v}
          </Link>
          {d.mass && <MassTag />}
        </Space>
      ),
    },
    {
      title: t('类别', 'Category'),
      dataIndex: 'category',
      width: 120,
      render: (_: string, d) => (d.categoryName ? name(d.categoryName) : '—'),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      width: 130,
      render: (_: string, d) => <DisputeStatusTag item={d} />,
    },
    {
      title: t('风险', 'Risk'),
      dataIndex: 'riskLevel',
      width: 90,
      render: (_: string, d) => <RiskTag risk={d.riskLevel} />,
    },
    {
      title: t('来源', 'Sources'),
      dataIndex: 'sources',
      width: 100,
      render: (_: string[], d) => <SourcesTag sources={d.sources} />,
    },
    {
      title: t('区域', 'Area'),
      dataIndex: 'areaName',
      width: 140,
      ellipsis: true,
      render: (_: string, d) => <span title={d.areaCode}>{d.areaName ?? d.areaCode}</span>,
    },
    {
      title: t('上报时间', 'Reported'),
      dataIndex: 'reportedAt',
      width: 150,
      render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'),
    },
  ];

  const cards = (
    <ul data-testid="dispute-cards" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {items.map((d) => (
        <li key={d.id} style={{ marginBottom: 10 }}>
          <Link to={`/disputes/${d.id}`} style={{ display: 'block' }} data-testid="dispute-card">
            <Card size="small" hoverable styles={{ body: { padding: 14, minHeight: 72 } }}>
              <Typography.Text strong style={{ fontSize: 16, display: 'block', marginBottom: 6 }} ellipsis>
                {d.title}
              </Typography.Text>
              <Space size={[4, 6]} wrap>
                <DisputeStatusTag item={d} />
                <RiskTag risk={d.riskLevel} />
                <SourcesTag sources={d.sources} />
                {d.mass && <MassTag />}
              </Space>
              <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12, marginTop: 6 }}>
                {d.categoryName ? `${name(d.categoryName)} · ` : ''}
                {d.areaName ?? d.areaCode} · {dayjs(d.reportedAt).format('YYYY-MM-DD HH:mm')}
              </Typography.Text>
            </Card>
          </Link>
        </li>
      ))}
    </ul>
  );

  const pager = (
    <KeysetPager
      paging={paging}
      nextCursor={list.data?.nextCursor}
      size={size}
      pages={typeof total === 'number' ? Math.ceil(total / PAGE_SIZE) : undefined}
    />
  );

  const emptyText = shown.q
    ? t(`没有与“${shown.q}”匹配的纠纷。`, `No dispute matches “${shown.q}”.`)
    : activeFilters
      ? t('没有符合条件的纠纷。', 'No dispute fits these filters.')
      : t('纠纷库中还没有纠纷。', 'The library holds no dispute yet.');

  const exportButton = (
    <Button icon={<FileExcelOutlined />} href={exportHref} size={size} data-testid="export">
      {t('导出 Excel', 'Export to Excel')}
    </Button>
  );

  return (
    <div style={{ minWidth: 0 }}>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 8 }}>
        <Space orientation="vertical" size={0}>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="library-title">
            {t('全量矛盾纠纷库', 'Dispute library')}
          </Typography.Title>
          <Typography.Text type="secondary" style={{ fontSize: 13 }} data-testid="library-total">
            {typeof total === 'number'
              ? t(
                  `共 ${total.toLocaleString()} 件 · 各部门、各渠道上报，按上报时间从新到旧`,
                  `${total.toLocaleString()} in all · from every department and channel, newest first`,
                )
              : t(
                  '各部门、各渠道上报，按上报时间从新到旧',
                  'From every department and channel, newest first',
                )}
          </Typography.Text>
        </Space>
        <Space wrap>
          <LiveBadge state={live} />
          {!mobile && exportButton}
          {!mobile && can('dispute:import') && (
            <Link to="/disputes/imports">
              <Button icon={<CloudUploadOutlined />}>{t('导入', 'Import')}</Button>
            </Link>
          )}
          {can('matter:report') && (
            <Link to="/disputes/new">
              <Button type="primary" icon={<PlusOutlined />} size={size} data-testid="library-register">
                {t('登记', 'Register')}
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

      {shown.subject && (
        <div style={{ marginBottom: 8 }}>
          <SubjectFilterTag subject={shown.subject} onClose={() => update({ subject: undefined })} />
        </div>
      )}

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
          <Table<Item>
            rowKey="id"
            columns={columns}
            dataSource={items}
            pagination={false}
            size="middle"
            scroll={{ x: 1100 }}
            loading={list.isFetching && !list.isLoading}
            onRow={(d) => ({
              onClick: () => navigate(`/disputes/${d.id}`),
              style: { cursor: 'pointer' },
            })}
            data-testid="dispute-table"
          />
        )}
        {pager}
      </PageState>

      <FilterDrawer
        open={drawer}
        onClose={() => setDrawer(false)}
        title={t('筛选', 'Filters')}
        exportHref={exportHref}
        onReset={reset}
        resultCount={typeof total === 'number' ? total : undefined}
      >
        {filterControls}
      </FilterDrawer>
    </div>
  );
}

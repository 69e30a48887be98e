import { AlertOutlined, ExperimentOutlined, FileExcelOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  Button,
  Card,
  Col,
  DatePicker,
  Flex,
  Input,
  Row,
  Select,
  Space,
  Statistic,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { type ReactNode, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useLiveEvents } from '../../api/useLiveEvents';
import { useUrlFilters } from '../../components/FilterBar';
import { FilterBar, FilterDrawer, KeysetPager, useKeysetPaging } from '../../components/ListFrame';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from '../matters/components/AreaTreeSelect';
import { useMatterTypes } from '../matters/components/lookups';
import { DeadlineCountdown, LiveBadge, useNow } from '../matters/components/tags';
import { type ApiQuery, exportHref, FILTER_KEYS, type FilterKey, MAX_Q, readFilters } from './filters';
import {
  type AlertItem,
  type AlertLevel,
  LEVEL_COLORS,
  LEVEL_NAMES,
  LEVELS,
  LevelTag,
  useAlertModels,
} from './shared';

const PAGE_SIZE = 20;

/**
 * 预警中心: the command centre's board. Open alerts by level and those raised today at the top (a card
 * filters the list by its level), a keyword search and the filters in the address (the shared filter bar,
 * and its drawer on a phone), the alerts newest first in keyset pages; 导出 Excel downloads the same filter.
 * Live: a new or changed alert refreshes the board, and a red one pops up a notification that opens it.
 */
export default function AlertBoardPage() {
  const { t, name } = useI18n();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const { params, update, reset } = useUrlFilters();
  const [drawer, setDrawer] = useState(false);
  const now = useNow(30_000);
  const models = useAlertModels();
  const types = useMatterTypes();

  // Red alerts pop up anywhere in the console (RedAlertNotifier in the layout); here the list refreshes.
  const live = useLiveEvents();

  const { shown, api: filters } = readFilters(params);
  const paging = useKeysetPaging(JSON.stringify(filters));
  const query: ApiQuery = {
    ...filters,
    limit: PAGE_SIZE,
    ...(paging.cursor ? { cursor: paging.cursor } : {}),
  };
  const list = useQuery({
    // Under 'matters': a transition of an alert (研判, 分派 …) refreshes the board like any list.
    queryKey: ['matters', 'alerts', query],
    queryFn: () => unwrap(api.GET('/api/alerts', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const summary = useQuery({
    queryKey: ['matters', 'alerts', 'summary'],
    queryFn: () => unwrap(api.GET('/api/alerts/summary')),
  });
  const items = list.data?.items ?? [];

  const levelValue = shown.level
    ? shown.level.split(',').filter((l) => LEVELS.includes(l as AlertLevel))
    : [];
  const modelValue = shown.model ? shown.model.split(',') : [];
  const statusValue = shown.status ?? 'open';
  // The search box is always in sight: the badge on the phone's filter button counts the others.
  const activeFilters = FILTER_KEYS.filter((k) =>
    k === 'q' ? false : k === 'status' ? statusValue !== 'open' : shown[k],
  ).length;
  const exportLink = exportHref(filters);
  const states = types.type('alert')?.states ?? [];
  const size = mobile ? 'large' : 'middle';
  const w = (px: number) => (mobile ? { width: '100%' } : { width: px });

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
        'level',
        <Select
          id="f-level"
          mode="multiple"
          allowClear
          size={size}
          style={w(200)}
          value={levelValue}
          onChange={(v: string[]) => update({ level: v.length ? v.join(',') : undefined })}
          options={LEVELS.map((l) => ({ value: l, label: name(LEVEL_NAMES[l]) }))}
          optionRender={(o) => <LevelTag level={o.value as AlertLevel} />}
          placeholder={t('全部等级', 'All levels')}
          data-testid="filter-level"
        />,
        t('预警等级', 'Level'),
      )}
      {control(
        'model',
        <Select
          id="f-model"
          mode="multiple"
          allowClear
          size={size}
          style={w(240)}
          maxTagCount="responsive"
          showSearch={{ optionFilterProp: 'label' }}
          loading={models.isLoading}
          value={modelValue}
          onChange={(v: string[]) => update({ model: v.length ? v.join(',') : undefined })}
          options={models.items.map((m) => ({ value: m.code, label: name(m.name) }))}
          placeholder={t('全部模型', 'All models')}
          data-testid="filter-model"
        />,
        t('预警模型', 'Model'),
      )}
      {control(
        'status',
        <Select
          id="f-status"
          size={size}
          style={w(150)}
          value={statusValue}
          onChange={(v: string) => update({ status: v === 'open' ? undefined : v })}
          options={[
            { value: 'open', label: t('未结', 'Open') },
            { value: 'closed', label: t('已结', 'Closed') },
            { value: 'all', label: t('全部', 'All') },
            ...states.map((s) => ({ value: s.code, label: name(s.name) })),
          ]}
          data-testid="filter-status"
        />,
        t('状态', 'Status'),
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
          placeholder={[t('生成起', 'From'), t('生成止', 'To')]}
        />,
        t('生成日期', 'Raised between'),
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
      placeholder={t('搜索预警标题、研判依据（支持中文分词）', 'Search titles and explanations')}
      aria-label={t('搜索', 'Search')}
      onSearch={(v) => update({ q: v.trim() || undefined })}
      style={{ width: mobile ? '100%' : 300 }}
      data-testid="alert-search"
    />
  );

  const levelCard = (level: AlertLevel) => {
    const c = LEVEL_COLORS[level];
    const active = statusValue === 'open' && shown.level === level;
    return (
      <Card
        size="small"
        hoverable
        onClick={() => update({ level: active ? undefined : level, status: undefined })}
        style={{ borderColor: active ? c.text : c.border, background: c.bg }}
        data-testid={`summary-${level}`}
        data-value={summary.data?.openByLevel[level]}
      >
        <Statistic
          title={t(`${LEVEL_NAMES[level].zh}预警（未结）`, `${LEVEL_NAMES[level].en} (open)`)}
          value={summary.data?.openByLevel[level] ?? 0}
          loading={summary.isLoading}
          prefix={<AlertOutlined />}
          styles={{ content: { color: c.text, fontWeight: 600 } }}
        />
      </Card>
    );
  };

  const modelName = (code: string) => {
    const n = models.modelName(code);
    return n ? name(n) : code;
  };
  const stateName = (a: AlertItem) => {
    const n = types.stateName(a.status, 'alert');
    return n ? name(n) : name(a.statusName);
  };
  const due = (a: AlertItem) => (
    <DeadlineCountdown
      matter={{
        closed: a.closed,
        dueAt: a.dueAt,
        warnAt: null,
        pausedAt: null,
        deadlineState: (['normal', 'warning', 'overdue'].includes(a.deadlineState)
          ? a.deadlineState
          : 'normal') as 'normal' | 'warning' | 'overdue',
      }}
      now={now}
    />
  );

  const columns: TableColumnsType<AlertItem> = [
    {
      title: t('等级', 'Level'),
      dataIndex: 'level',
      width: 100,
      render: (_: string, a) => <LevelTag level={a.level} />,
    },
    {
      title: t('评分', 'Score'),
      dataIndex: 'score',
      width: 70,
      render: (v: number, a) => (
        <Typography.Text strong style={{ color: LEVEL_COLORS[a.level].text }}>
          {v}
        </Typography.Text>
      ),
    },
    {
      title: t('预警', 'Alert'),
      dataIndex: 'title',
      render: (v: string, a) => (
        <Space orientation="vertical" size={0}>
          <Link to={`/alerts/${a.id}`} data-testid="alert-link" onClick={(e) => e.stopPropagation()}>
            {v}
          </Link>
          <Typography.Text type="secondary" style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
            {a.number}
            {a.evaluations > 1 ? t(` · 评估 ${a.evaluations} 次`, ` · evaluated ${a.evaluations}×`) : ''}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: t('模型', 'Model'),
      dataIndex: 'model',
      width: 130,
      render: (v: string) => modelName(v),
    },
    {
      title: t('区域', 'Area'),
      dataIndex: 'areaName',
      width: 140,
      ellipsis: true,
      render: (_: string, a) => <span title={a.areaCode}>{a.areaName ?? a.areaCode}</span>,
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      width: 100,
      render: (_: string, a) => (
        <Tag
          color={a.closed ? 'default' : a.status === 'raised' ? 'processing' : 'blue'}
          data-testid="alert-status"
        >
          {stateName(a)}
        </Tag>
      ),
    },
    {
      title: t('生成时间', 'Raised'),
      dataIndex: 'createdAt',
      width: 140,
      render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'),
    },
    {
      title: t('本环节期限', 'Due'),
      dataIndex: 'dueAt',
      width: 170,
      render: (_: string, a) => due(a),
    },
  ];

  const cards = (
    <ul data-testid="alert-cards" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {items.map((a) => (
        <li key={a.id} style={{ marginBottom: 10 }}>
          <Link to={`/alerts/${a.id}`} style={{ display: 'block' }} data-testid="alert-card">
            <Card
              size="small"
              hoverable
              styles={{ body: { padding: 14, minHeight: 72 } }}
              style={{ borderLeft: `4px solid ${LEVEL_COLORS[a.level].text}` }}
            >
              <Typography.Text strong style={{ fontSize: 16, display: 'block', marginBottom: 6 }} ellipsis>
                {a.title}
              </Typography.Text>
              <Space size={[4, 6]} wrap>
                <LevelTag level={a.level} score={a.score} />
                <Tag>{stateName(a)}</Tag>
                {due(a)}
              </Space>
              <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12, marginTop: 6 }}>
                {modelName(a.model)} · {a.areaName ?? a.areaCode} · {dayjs(a.createdAt).format('MM-DD HH:mm')}
              </Typography.Text>
            </Card>
          </Link>
        </li>
      ))}
    </ul>
  );

  const emptyText = shown.q
    ? t(`没有与“${shown.q}”匹配的预警。`, `No alert matches “${shown.q}”.`)
    : activeFilters > 0
      ? t('没有符合条件的预警。', 'No alert fits these filters.')
      : t('当前没有未结预警。', 'No open alert at the moment.');

  return (
    <div style={{ minWidth: 0 }}>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Space orientation="vertical" size={0}>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="alerts-title">
            {t('预警中心', 'Alert board')}
          </Typography.Title>
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            {t(
              '预警模型发现的风险，按生成时间从新到旧；红色预警实时提醒',
              'Risks the models found, newest first; red alerts pop up as they come',
            )}
          </Typography.Text>
        </Space>
        <Space wrap>
          <LiveBadge state={live} />
          {!mobile && (
            <Button icon={<FileExcelOutlined />} href={exportLink} size={size} data-testid="export">
              {t('导出 Excel', 'Export to Excel')}
            </Button>
          )}
          <Link to="/alerts/models">
            <Button icon={<ExperimentOutlined />} size={size}>
              {t('预警模型', 'Models')}
            </Button>
          </Link>
        </Space>
      </Flex>

      <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
        {LEVELS.map((l) => (
          <Col key={l} xs={12} sm={12} md={6}>
            {levelCard(l)}
          </Col>
        ))}
        <Col xs={12} sm={12} md={6}>
          <Card size="small" data-testid="summary-today" data-value={summary.data?.raisedToday}>
            <Statistic
              title={t('今日新增', 'Raised today')}
              value={summary.data?.raisedToday ?? 0}
              loading={summary.isLoading}
            />
          </Card>
        </Col>
      </Row>

      <FilterBar
        mobile={mobile}
        search={search}
        controls={filterControls}
        activeFilters={activeFilters}
        onOpenDrawer={() => setDrawer(true)}
        onReset={reset}
      />

      <PageState
        loading={list.isLoading}
        error={list.error}
        onRetry={() => void list.refetch()}
        empty={items.length === 0 && paging.stack.length === 0}
        emptyText={emptyText}
      >
        {mobile ? (
          cards
        ) : (
          <Table<AlertItem>
            rowKey="id"
            columns={columns}
            dataSource={items}
            pagination={false}
            size="middle"
            scroll={{ x: 1050 }}
            loading={list.isFetching && !list.isLoading}
            onRow={(a) => ({
              onClick: () => navigate(`/alerts/${a.id}`),
              style: { cursor: 'pointer' },
            })}
            data-testid="alert-table"
          />
        )}
        <KeysetPager paging={paging} nextCursor={list.data?.nextCursor} size={size} />
      </PageState>

      <FilterDrawer
        open={drawer}
        onClose={() => setDrawer(false)}
        title={t('筛选', 'Filters')}
        exportHref={exportLink}
        onReset={reset}
      >
        {filterControls}
      </FilterDrawer>
    </div>
  );
}

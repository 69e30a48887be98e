import { BarChartOutlined, FileExcelOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Card, Flex, Switch, Table, type TableColumnsType, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { FilterField, FilterSearch, FilterSelect, useUrlFilters } from '../../components/FilterBar';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from '../matters/components/AreaTreeSelect';
import { type Hazard, type HazardQuery, queryString, SEVERITY_COLORS, useHazardMeta } from './api';
import { HazardClock } from './Clock';

/**
 * 问题隐患: the hazards in the user's scope with their "3030" clocks (time left to respond or to rectify; red
 * once overdue), filters in the address (category, severity, status, area, overdue, words), sorting, pages
 * and an Excel export of the same filter.
 */
export default function HazardsPage() {
  const { t, name } = useI18n();
  const { can } = useAuth();
  const meta = useHazardMeta();
  const { params, update } = useUrlFilters({ pageKey: 'page' });
  const bar = { params, update };
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '20') || 20;
  const filters = {
    ...(params.get('category') ? { category: params.get('category') as HazardQuery['category'] } : {}),
    ...(params.get('severity') ? { severity: params.get('severity') as HazardQuery['severity'] } : {}),
    ...(params.get('status') ? { status: params.get('status')! } : {}),
    ...(params.get('areaCode') ? { areaCode: params.get('areaCode')! } : {}),
    ...(params.get('overdue') === 'true' ? { overdue: 'true' as const } : {}),
    ...(params.get('q') ? { q: params.get('q')!.slice(0, 50) } : {}),
  };
  const sort = (params.get('sort') ?? 'created_desc') as NonNullable<HazardQuery['sort']>;
  const query: HazardQuery = { ...filters, sort, page, pageSize };
  const list = useQuery({
    queryKey: ['matters', 'hazards', query],
    queryFn: () => unwrap(api.GET('/api/hazards', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const columns: TableColumnsType<Hazard> = [
    {
      key: 'number',
      title: t('编号 / 隐患', 'Number / hazard'),
      render: (_, h) => (
        <Flex vertical gap={2}>
          <Link to={`/hazards/${h.id}`} data-testid="hazard-link">
            {h.title}
          </Link>
          <Typography.Text type="secondary" style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
            {h.number}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'kind',
      title: t('类别 / 等级', 'Category / severity'),
      width: 150,
      render: (_, h) => (
        <span>
          {h.categoryName && <Tag>{name(h.categoryName)}</Tag>}
          <Tag color={SEVERITY_COLORS[h.severity]}>{name(h.severityName)}</Tag>
        </span>
      ),
    },
    { key: 'status', title: t('状态', 'Status'), width: 130, render: (_, h) => <Tag>{h.statusName}</Tag> },
    {
      key: 'clock',
      title: t('3030 时钟', '3030 clock'),
      width: 190,
      render: (_, h) => <HazardClock hazard={h} />,
    },
    {
      key: 'where',
      title: t('区域 / 责任单位', 'Area / responsible'),
      width: 200,
      render: (_, h) => (
        <Flex vertical gap={2}>
          <span>{h.areaName ?? h.areaCode}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {h.enterprise?.name ?? h.responsibleName ?? ''}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'created',
      title: t('发现时间', 'Found'),
      width: 140,
      render: (_, h) => dayjs(h.createdAt).format('YYYY-MM-DD HH:mm'),
    },
  ];
  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={4}>{t('问题隐患', 'Safety hazards')}</Typography.Title>
        <Flex gap={8} wrap>
          {can('matter:report') && (
            <Link to="/hazards/new">
              <Button type="primary" icon={<PlusOutlined />} data-testid="hazard-new">
                {t('上报隐患', 'Report a hazard')}
              </Button>
            </Link>
          )}
          <Link to="/hazards/kpi">
            <Button icon={<BarChartOutlined />}>{t('整改完成率', 'Rectification rate')}</Button>
          </Link>
        </Flex>
      </Flex>
      <Card size="small" style={{ marginBottom: 12 }}>
        <Flex wrap gap={12} align="flex-end">
          <FilterSearch id="hz-q" max={50} placeholder={t('隐患标题', 'Title')} width={200} {...bar} />
          <FilterSelect
            id="hz-category"
            label={t('类别', 'Category')}
            param="category"
            all
            width={130}
            options={(meta.data?.categories ?? []).map((c) => ({ value: c.code, label: name(c.name) }))}
            {...bar}
          />
          <FilterSelect
            id="hz-severity"
            label={t('等级', 'Severity')}
            param="severity"
            all
            width={110}
            options={(meta.data?.severities ?? []).map((s) => ({ value: s.code, label: name(s.name) }))}
            {...bar}
          />
          <FilterSelect
            id="hz-status"
            label={t('状态', 'Status')}
            param="status"
            all
            width={160}
            options={(meta.data?.states ?? []).map((s) => ({ value: s.code, label: name(s.name) }))}
            {...bar}
          />
          <FilterField id="hz-area" label={t('区域', 'Area')}>
            <AreaTreeSelect
              id="hz-area"
              value={params.get('areaCode') ?? undefined}
              onChange={(v) => update({ areaCode: v })}
              style={{ width: 200 }}
            />
          </FilterField>
          <FilterSelect
            id="hz-sort"
            label={t('排序', 'Sort')}
            param="sort"
            defaultValue="created_desc"
            options={[
              { value: 'created_desc', label: t('最新发现', 'Newest') },
              { value: 'created_asc', label: t('最早发现', 'Oldest') },
              { value: 'due_asc', label: t('时限最近', 'Due soonest') },
            ]}
            {...bar}
          />
          <Flex gap={6} align="center" style={{ paddingBottom: 4 }}>
            <Switch
              size="small"
              checked={params.get('overdue') === 'true'}
              onChange={(v) => update({ overdue: v ? 'true' : undefined })}
              data-testid="hz-overdue"
            />
            <span style={{ color: '#cf1322' }}>{t('只看超期', 'Overdue only')}</span>
          </Flex>
          <Button icon={<FileExcelOutlined />} href={`/api/hazards/export?${queryString(filters)}`}>
            {t('导出 Excel', 'Export to Excel')}
          </Button>
        </Flex>
      </Card>
      <PageState
        loading={list.isLoading}
        error={list.data ? undefined : list.error}
        onRetry={() => void list.refetch()}
      >
        <Table<Hazard>
          rowKey="id"
          size="small"
          columns={columns}
          dataSource={list.data?.items ?? []}
          scroll={{ x: 900 }}
          locale={{ emptyText: t('没有符合条件的隐患', 'No hazard matches') }}
          pagination={{
            current: page,
            pageSize,
            total: list.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: [20, 50, 100, 200],
            showTotal: (n) => t(`共 ${n} 条`, `${n} in all`),
            onChange: (p, s) =>
              update({ page: p > 1 ? String(p) : undefined, pageSize: s !== 20 ? String(s) : undefined }),
          }}
          onRow={(h) =>
            ({
              'data-testid': 'hazard-row',
              'data-number': h.number,
              'data-status': h.status,
              'data-deadline': h.deadlineState,
              style: h.deadlineState === 'overdue' && !h.closed ? { background: '#fff1f0' } : undefined,
            }) as object
          }
        />
      </PageState>
    </div>
  );
}

import { FileExcelOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Card, Flex, Table, type TableColumnsType, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { FilterSearch, FilterSelect, useUrlFilters } from '../../components/FilterBar';
import { KeysetPager, useKeysetPaging } from '../../components/ListFrame';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { type CaseQuery, caseQueryString, LEVEL_COLORS, type MediationCase } from './api';

const PAGE_SIZE = 30;

/**
 * 调解案件: the cases the user may see (open by default, newest first) with their level, mediator and team,
 * filters in the address, keyset pages and an Excel export of the same filter.
 */
export default function MediationQueuePage() {
  const { t, name } = useI18n();
  const { params, update } = useUrlFilters();
  const bar = { params, update };
  const filters = {
    status: params.get('status') ?? 'open',
    ...(params.get('level') ? { level: params.get('level') as CaseQuery['level'] } : {}),
    ...(params.get('mine') === 'true' ? { mine: 'true' as const } : {}),
    ...(params.get('q') ? { q: params.get('q')!.slice(0, 100) } : {}),
  };
  const paging = useKeysetPaging(JSON.stringify(filters));
  const query: CaseQuery = {
    ...filters,
    limit: PAGE_SIZE,
    ...(paging.cursor ? { cursor: paging.cursor } : {}),
  };
  const list = useQuery({
    queryKey: ['matters', 'mediation', 'cases', query],
    queryFn: () => unwrap(api.GET('/api/mediation/cases', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const columns: TableColumnsType<MediationCase> = [
    {
      key: 'number',
      title: t('编号', 'Number'),
      width: 220,
      render: (_, c) => (
        <Flex vertical gap={2}>
          <Link
            to={`/mediation/${c.id}`}
            style={{ fontFamily: 'ui-monospace, monospace' }}
            data-testid="case-link"
          >
            {c.number}
          </Link>
          <span>
            <Tag>{name(c.statusName)}</Tag>
            <Tag color={LEVEL_COLORS[c.level]}>{name(c.levelName)}</Tag>
          </span>
        </Flex>
      ),
    },
    { key: 'title', title: t('案由', 'Title'), dataIndex: 'title' },
    {
      key: 'team',
      title: t('调解员 / 联动', 'Mediator / team'),
      width: 220,
      render: (_, c) =>
        c.mediator ? (
          <Typography.Text>
            {c.mediator.name}
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {' '}
              · {[c.gridWorker?.name, c.cadre?.name].filter(Boolean).join('、')}
            </Typography.Text>
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t('待指派', 'To be assigned')}</Typography.Text>
        ),
    },
    { key: 'area', title: t('区域', 'Area'), width: 140, render: (_, c) => c.areaName ?? c.areaCode },
    {
      key: 'due',
      title: t('本环节时限', 'Step deadline'),
      width: 150,
      render: (_, c) =>
        c.closed || !c.dueAt ? (
          '—'
        ) : (
          <Typography.Text type={c.deadlineState === 'overdue' ? 'danger' : undefined}>
            {dayjs(c.dueAt).format('YYYY-MM-DD HH:mm')}
          </Typography.Text>
        ),
    },
  ];
  return (
    <div>
      <Typography.Title level={4}>{t('调解案件', 'Mediation cases')}</Typography.Title>
      <Card size="small" style={{ marginBottom: 12 }}>
        <Flex wrap gap={12} align="flex-end">
          <FilterSearch id="mq-q" max={100} placeholder={t('案由或编号', 'Title or number')} {...bar} />
          <FilterSelect
            id="mq-status"
            label={t('状态', 'Status')}
            param="status"
            defaultValue="open"
            width={180}
            options={[
              { value: 'open', label: t('未结案', 'Open') },
              { value: 'closed', label: t('已结案', 'Closed') },
              { value: 'all', label: t('全部', 'All') },
              { value: 'accepted', label: t('待指派', 'Accepted') },
              { value: 'mediating', label: t('调解中', 'Mediating') },
              { value: 'agreed', label: t('已达成协议', 'Agreed') },
              { value: 'failed', label: t('调解不成', 'Not settled') },
            ]}
            {...bar}
          />
          <FilterSelect
            id="mq-level"
            label={t('层级', 'Level')}
            param="level"
            all
            options={[
              { value: 'village', label: t('村（社区）', 'Village') },
              { value: 'town', label: t('镇（街道）', 'Town') },
              { value: 'county', label: t('县（市、区）', 'County') },
            ]}
            {...bar}
          />
          <Button
            type={params.get('mine') === 'true' ? 'primary' : 'default'}
            onClick={() => update({ mine: params.get('mine') === 'true' ? undefined : 'true' })}
            data-testid="mq-mine"
          >
            {t('我调解的', 'Mine')}
          </Button>
          <Button
            icon={<FileExcelOutlined />}
            href={`/api/mediation/cases/export?${caseQueryString(filters)}`}
          >
            {t('导出 Excel', 'Export to Excel')}
          </Button>
          <Link to="/mediation/kpis">{t('调解指标', 'KPIs')}</Link>
        </Flex>
      </Card>
      <PageState
        loading={list.isLoading}
        error={list.data ? undefined : list.error}
        onRetry={() => void list.refetch()}
      >
        <Table<MediationCase>
          rowKey="id"
          size="small"
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          locale={{ emptyText: t('没有符合条件的调解案件', 'No case matches') }}
          onRow={(c) =>
            ({ 'data-testid': 'case-row', 'data-number': c.number, 'data-status': c.status }) as object
          }
        />
        <KeysetPager paging={paging} nextCursor={list.data?.nextCursor} />
      </PageState>
    </div>
  );
}

import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Table, type TableColumnsType, Typography } from 'antd';
import type { ECElementEvent } from 'echarts/core';
import { useCallback, useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../../api/client';
import { PageState } from '../../../components/PageState';
import { useI18n } from '../../../i18n';
import type { ChartOption } from './chart';
import {
  ExportButton,
  LazyChart,
  type PeriodFilters,
  querystring,
  type Resolution,
  rateText,
} from './shared';

type Row = Resolution['items'][number] & { isTotal?: boolean };

const OVERDUE = '#dc2626';

/**
 * (d) 化解率 by child area — resolved ÷ settled among the disputes reported in the period — as bars (an
 * area where nothing is settled says 无数据, never 0 %), with open and overdue counts beside.
 */
export function ResolutionTab({ filters }: { filters: PeriodFilters }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const q = useQuery({
    queryKey: ['disputes', 'analysis', 'resolution', filters],
    queryFn: () => unwrap(api.GET('/api/disputes/analysis/resolution', { params: { query: filters } })),
  });
  const r = q.data;
  // Areas without a single dispute in the period would only be empty bars.
  const charted = useMemo(() => r?.items.filter((x) => x.total > 0) ?? [], [r]);
  const onChartClick = useCallback(
    (e: ECElementEvent) => {
      const a = charted[e.dataIndex ?? -1];
      if (a) navigate(a.settled ? a.links.resolved : a.links.total);
    },
    [charted, navigate],
  );

  if (!r || q.isLoading || q.error) {
    return <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()} />;
  }
  const label = (x: Row) => (x.own ? `${x.name}${t('（本级）', ' (own level)')}` : x.name);
  const count = (v: number, link: string, color?: string) =>
    v > 0 ? (
      <Link to={link} style={{ color }}>
        {v}
      </Link>
    ) : (
      0
    );

  const option: ChartOption = {
    tooltip: { trigger: 'item' },
    grid: { left: 48, right: 16, top: 24, bottom: 64 },
    xAxis: {
      type: 'category',
      data: charted.map(label),
      axisLabel: { interval: 0, rotate: charted.length > 8 ? 30 : 0 },
    },
    yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    series: [
      {
        type: 'bar',
        name: t('化解率', 'Resolution rate'),
        barMaxWidth: 36,
        data: charted.map((x) =>
          x.rate === null
            ? {
                value: 0,
                itemStyle: { color: 'transparent' },
                label: {
                  show: true,
                  position: 'top' as const,
                  formatter: t('无数据', 'No data'),
                  color: '#94a3b8',
                },
              }
            : {
                value: Math.round(x.rate * 1000) / 10,
                label: { show: true, position: 'top' as const, formatter: '{c}%' },
              },
        ),
      },
    ],
  };

  const rows: Row[] = [...r.items, { ...r.total, ...r.area, own: false, isTotal: true }];
  const columns: TableColumnsType<Row> = [
    {
      title: t('区域', 'Area'),
      key: 'area',
      fixed: 'left',
      width: 150,
      render: (_: unknown, x) => (x.isTotal ? <b>{t('合计', 'Total')}</b> : label(x)),
    },
    {
      title: t('纠纷总数', 'Disputes'),
      dataIndex: 'total',
      width: 90,
      align: 'right',
      render: (v: number, x) => count(v, x.links.total),
    },
    {
      title: t('已有结果', 'Settled'),
      dataIndex: 'settled',
      width: 90,
      align: 'right',
      render: (v: number, x) => count(v, x.links.settled),
    },
    {
      title: t('已化解', 'Resolved'),
      dataIndex: 'resolved',
      width: 90,
      align: 'right',
      render: (v: number, x) => count(v, x.links.resolved),
    },
    {
      title: t('化解率', 'Rate'),
      dataIndex: 'rate',
      width: 90,
      align: 'right',
      render: (v: number | null) => (
        <span style={{ color: v === null ? '#94a3b8' : undefined }}>{rateText(v, t)}</span>
      ),
    },
    {
      title: t('在办', 'Open'),
      dataIndex: 'open',
      width: 80,
      align: 'right',
      render: (v: number, x) => count(v, x.links.open),
    },
    {
      title: t('超期', 'Overdue'),
      dataIndex: 'overdue',
      width: 80,
      align: 'right',
      render: (v: number, x) => count(v, x.links.overdue, OVERDUE),
    },
  ];

  return (
    <Card
      size="small"
      title={t('化解率（按区域）', 'Resolution rate by area')}
      extra={
        <ExportButton
          href={`/api/disputes/analysis/resolution.xlsx?${querystring({ ...filters })}`}
          testId="export-resolution"
        />
      }
    >
      <Flex vertical gap={8}>
        <Typography.Text type="secondary">
          {t(
            `${r.from} 至 ${r.to} 报告的纠纷：化解率 = 已化解 ÷ 已有结果（化解成功或不成）；无结果的区域显示“无数据”。`,
            `Disputes reported ${r.from} to ${r.to}: rate = resolved ÷ settled (resolved or not); areas with nothing settled show “No data”.`,
          )}
        </Typography.Text>
        <PageState empty={r.total.total === 0} emptyText={t('该期间没有纠纷', 'No disputes in this period')}>
          <LazyChart option={option} onClick={onChartClick} height={320} testId="resolution-chart" />
          <Table<Row>
            rowKey={(x) => (x.isTotal ? 'total' : x.code)}
            size="small"
            pagination={false}
            columns={columns}
            dataSource={rows}
            scroll={{ x: 700 }}
            data-testid="resolution-table"
          />
        </PageState>
      </Flex>
    </Card>
  );
}

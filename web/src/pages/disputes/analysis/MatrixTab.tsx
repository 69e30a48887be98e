import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Table, type TableColumnsType, Tooltip, Typography } from 'antd';
import type { ECElementEvent } from 'echarts/core';
import { useCallback, useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../../api/client';
import { PageState } from '../../../components/PageState';
import { useI18n } from '../../../i18n';
import type { ChartOption } from './chart';
import {
  ExportButton,
  heat,
  LazyChart,
  type Matrix,
  type PeriodFilters,
  querystring,
  withPeriod,
  yearBefore,
  yoyColor,
  yoyText,
} from './shared';

type AreaRow = Matrix['areas'][number] & { isTotal?: boolean };

/**
 * (a) Disputes by category × child area as a heat-map table (each number opens the list behind it), and
 * the monthly trend stacked by category with the same months a year earlier.
 */
export function MatrixTab({ filters }: { filters: PeriodFilters }) {
  const { t, name } = useI18n();
  const navigate = useNavigate();
  const q = useQuery({
    queryKey: ['disputes', 'analysis', 'matrix', filters],
    queryFn: () => unwrap(api.GET('/api/disputes/analysis/matrix', { params: { query: filters } })),
  });
  const m = q.data;
  const exportHref = `/api/disputes/analysis/matrix.xlsx?${querystring({ ...filters })}`;

  // Categories without a dispute in either period would be empty columns: left out.
  const shown = useMemo(
    () =>
      m
        ? m.categories.filter((c) =>
            m.byCategory.some((x) => x.category === c.code && x.count + x.lastYear > 0),
          )
        : [],
    [m],
  );
  const cells = useMemo(() => new Map(m?.cells.map((c) => [`${c.category}|${c.areaCode}`, c]) ?? []), [m]);
  const max = Math.max(0, ...(m?.cells.map((c) => c.count) ?? []));

  const onChartClick = useCallback(
    (e: ECElementEvent) => {
      if (!m || e.dataIndex === undefined) return;
      const month = m.months[e.dataIndex];
      if (!month) return;
      if (e.seriesType === 'line') {
        navigate(withPeriod(m.total.lastYearLink, yearBefore(month.from), yearBefore(month.to)));
        return;
      }
      const cat = shown[e.seriesIndex ?? -1];
      const figure = m.byCategory.find((x) => x.category === cat?.code);
      if (figure) navigate(withPeriod(figure.link, month.from, month.to));
    },
    [m, shown, navigate],
  );

  if (!m || q.isLoading || q.error) {
    return <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()} />;
  }
  const empty = m.total.count === 0 && m.total.lastYear === 0;

  const countLink = (count: number, link: string, background?: string) =>
    count > 0 ? (
      <Link to={link} style={{ display: 'block', background, color: 'inherit', padding: '2px 4px' }}>
        {count}
      </Link>
    ) : (
      <span style={{ color: '#cbd5e1' }}>·</span>
    );

  const rows: AreaRow[] = [
    ...m.areas,
    { code: m.area.code, name: t('合计', 'Total'), level: m.area.level, own: false, isTotal: true },
  ];
  const byArea = new Map(m.byArea.map((x) => [x.areaCode, x]));
  const columns: TableColumnsType<AreaRow> = [
    {
      title: t('区域', 'Area'),
      key: 'area',
      fixed: 'left',
      width: 140,
      render: (_: unknown, r) =>
        r.isTotal ? <b>{r.name}</b> : r.own ? `${r.name}${t('（本级）', ' (own level)')}` : r.name,
    },
    ...shown.map((c) => ({
      title: name(c.name),
      key: c.code,
      width: 76,
      align: 'center' as const,
      onCell: () => ({ style: { padding: 0 } }),
      render: (_: unknown, r: AreaRow) => {
        if (r.isTotal) {
          const f = m.byCategory.find((x) => x.category === c.code);
          return f ? <b>{countLink(f.count, f.link)}</b> : null;
        }
        const cell = cells.get(`${c.code}|${r.code}`);
        if (!cell) return countLink(0, '');
        return (
          <Tooltip
            title={`${t('去年同期', 'Last year')} ${cell.lastYear} · ${t('同比', 'YoY')} ${yoyText(cell.yoy)}`}
          >
            {countLink(cell.count, cell.link, heat(cell.count, max))}
          </Tooltip>
        );
      },
    })),
    {
      title: t('合计', 'Total'),
      key: 'total',
      width: 72,
      align: 'right',
      render: (_: unknown, r) => {
        const f = r.isTotal ? m.total : byArea.get(r.code);
        return f ? <b>{countLink(f.count, f.link)}</b> : null;
      },
    },
    {
      title: t('去年同期', 'Last year'),
      key: 'lastYear',
      width: 84,
      align: 'right',
      render: (_: unknown, r) => {
        const f = r.isTotal ? m.total : byArea.get(r.code);
        return f ? countLink(f.lastYear, f.lastYearLink) : null;
      },
    },
    {
      title: t('同比', 'YoY'),
      key: 'yoy',
      width: 76,
      align: 'right',
      render: (_: unknown, r) => {
        const f = r.isTotal ? m.total : byArea.get(r.code);
        return f ? <span style={{ color: yoyColor(f.yoy) }}>{yoyText(f.yoy)}</span> : null;
      },
    },
  ];

  const option: ChartOption = {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 48 },
    xAxis: {
      type: 'category',
      axisLabel: { interval: m.months.length <= 12 ? 0 : 'auto' },
      data: m.months.map((x, i) => {
        const now = m.total.months[i] ?? 0;
        const before = m.total.lastYearMonths[i] ?? 0;
        const change = before ? yoyText(Math.round(((now - before) / before) * 1000) / 10) : '—';
        return `${x.month}\n${t('同比', 'YoY')} ${change}`;
      }),
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      ...shown.map((c) => ({
        type: 'bar' as const,
        name: name(c.name),
        stack: 'disputes',
        emphasis: { focus: 'series' as const },
        data: m.byCategory.find((x) => x.category === c.code)?.months ?? [],
      })),
      {
        type: 'line' as const,
        name: t('去年同期（合计）', 'Last year (total)'),
        data: m.total.lastYearMonths,
        symbolSize: 7,
        lineStyle: { type: 'dashed' as const },
        itemStyle: { color: '#64748b' },
      },
    ],
  };

  return (
    <Flex vertical gap={12}>
      <Card
        size="small"
        title={t('分类 × 区域', 'Category × area')}
        extra={<ExportButton href={exportHref} testId="export-matrix" />}
      >
        <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
          {t(
            `${m.from} 至 ${m.to}，同比对照 ${m.lastYear.from} 至 ${m.lastYear.to}。点击数字查看纠纷清单。`,
            `${m.from} to ${m.to}, compared with ${m.lastYear.from} to ${m.lastYear.to}. Click a number to list the disputes.`,
          )}
        </Typography.Paragraph>
        <PageState empty={empty} emptyText={t('该期间没有纠纷', 'No disputes in this period')}>
          <Table<AreaRow>
            rowKey={(r) => (r.isTotal ? 'total' : r.code)}
            size="small"
            bordered
            pagination={false}
            columns={columns}
            dataSource={rows}
            scroll={{ x: 140 + shown.length * 76 + 232 }}
            data-testid="matrix-table"
          />
        </PageState>
      </Card>
      {!empty && (
        <Card size="small" title={t('月度趋势（按类别堆叠）', 'Monthly trend, stacked by category')}>
          <LazyChart option={option} onClick={onChartClick} testId="matrix-trend" />
        </Card>
      )}
    </Flex>
  );
}

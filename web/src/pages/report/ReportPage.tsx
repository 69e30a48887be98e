import { CloudUploadOutlined, FileExcelOutlined, FundOutlined, InfoCircleOutlined } from '@ant-design/icons';
import {
  Button,
  Descriptions,
  Drawer,
  Flex,
  Segmented,
  Select,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaPicker } from '../areas/areaShared';
import { type Drill, queryString, type ReportItem, useDrill, useReport } from './api';
import { ChangeText, defaultKey, FigureText, type PeriodKind, periodKindOf, periodOptions } from './shared';

const KINDS: { value: PeriodKind; zh: string; en: string }[] = [
  { value: 'month', zh: '月', en: 'Month' },
  { value: 'quarter', zh: '季', en: 'Quarter' },
  { value: 'year', zh: '年', en: 'Year' },
  { value: 'five', zh: '五年', en: 'Five years' },
];
const IMPORTERS = ['city_admin', 'county_center', 'dept_clerk'];

/**
 * 平安报表: every indicator for an area (the user's own by default) and a period (this year by default): the
 * figure, the same period last year and the change, its arrow coloured by whether it went the good way; 无数据
 * where there is nothing to compute from. The definition is under the ⓘ; a click on a figure opens the records
 * behind it. Excel export of the table; 数说五年 and the statistics import are a click away.
 */
export default function ReportPage() {
  const { t, name, lang } = useI18n();
  const { me } = useAuth();
  const mobile = useIsMobile();
  const [params, setParams] = useSearchParams();
  const area = params.get('area') ?? undefined;
  const period = params.get('period') ?? undefined;
  const report = useReport({ areaCode: area, period });
  const r = report.data;
  const kind = periodKindOf(period ?? r?.period.key ?? String(dayjs().year()));
  const [drill, setDrill] = useState<{ item: ReportItem; lastYear: boolean } | null>(null);
  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };
  const mayImport = (me?.user.roles ?? []).some((x) => IMPORTERS.includes(x));

  const columns: TableColumnsType<ReportItem> = [
    {
      title: t('指标', 'Indicator'),
      dataIndex: 'code',
      render: (_, i) => (
        <Flex gap={6} align="center">
          <span>{name(i.name)}</span>
          <Tooltip title={name(i.definition)}>
            <InfoCircleOutlined style={{ color: '#64748b' }} data-testid={`def-${i.code}`} />
          </Tooltip>
        </Flex>
      ),
    },
    {
      title: t('本期', 'This period'),
      dataIndex: 'value',
      align: 'right',
      render: (_, i) => (
        <Typography.Link
          onClick={() => setDrill({ item: i, lastYear: false })}
          data-testid={`value-${i.code}`}
        >
          <FigureText value={i.value} kind={i.kind} />
        </Typography.Link>
      ),
    },
    {
      title: t('单位', 'Unit'),
      key: 'unit',
      render: (_, i) => name(i.unit),
      responsive: ['md'],
    },
    {
      title: r ? `${t('同期', 'Last year')}（${name(r.lastYear.label)}）` : t('同期', 'Last year'),
      key: 'lastYear',
      align: 'right',
      render: (_, i) => (
        <Typography.Link onClick={() => setDrill({ item: i, lastYear: true })}>
          <FigureText value={i.lastYear.value} kind={i.kind} />
        </Typography.Link>
      ),
    },
    {
      title: t('同比', 'YoY'),
      key: 'change',
      align: 'right',
      render: (_, i) => <ChangeText change={i.change} unit={i.changeUnit} direction={i.direction} />,
    },
    {
      title: t('来源', 'Source'),
      dataIndex: 'source',
      responsive: ['lg'],
      render: (s: string) =>
        s === 'platform' ? (
          <Tag color="blue">{t('平台数据', 'Platform')}</Tag>
        ) : (
          <Tag>{t('导入统计', 'Imported')}</Tag>
        ),
    },
  ];

  return (
    <div style={{ minWidth: 0 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('平安报表', 'Safety report')}
      </Typography.Title>
      <Flex gap={8} wrap style={{ marginBottom: 12 }}>
        <AreaPicker
          value={area ?? r?.area.code ?? null}
          onChange={(code) => set({ area: code })}
          allowClear={false}
          style={{ width: mobile ? '100%' : 300 }}
          testId="report-area"
        />
        <Segmented
          value={kind}
          options={KINDS.map((k) => ({ value: k.value, label: lang === 'zh' ? k.zh : k.en }))}
          onChange={(v) => set({ period: defaultKey(v as PeriodKind) })}
          data-testid="period-kind"
        />
        <Select
          value={period ?? r?.period.key}
          options={periodOptions(kind)}
          onChange={(v) => set({ period: v })}
          style={{ width: 150 }}
          data-testid="period-select"
          aria-label={t('统计期间', 'Period')}
        />
        <Button
          icon={<FileExcelOutlined />}
          href={`/api/report/export?${queryString({ areaCode: r?.area.code, period: r?.period.key })}`}
          disabled={!r}
        >
          {t('导出 Excel', 'Export Excel')}
        </Button>
        <Link to={`/report/five-years?${queryString({ area: r?.area.code })}`}>
          <Button icon={<FundOutlined />}>{t('数说五年', 'Five years in figures')}</Button>
        </Link>
        {mayImport && (
          <Link to="/report/imports">
            <Button icon={<CloudUploadOutlined />}>{t('导入统计数据', 'Import statistics')}</Button>
          </Link>
        )}
      </Flex>
      <PageState loading={report.isLoading} error={report.error} onRetry={() => void report.refetch()}>
        {r && (
          <>
            <Typography.Paragraph type="secondary" data-testid="report-heading">
              {r.area.name} · {name(r.period.label)}（{r.period.from} — {r.period.to}）·{' '}
              {t(
                '点击数值查看其背后的记录；无数据表示该期间没有可计算的记录，不是 0。',
                'Click a figure for the records behind it; “No data” means nothing to compute from, not 0.',
              )}
            </Typography.Paragraph>
            <Table
              rowKey="code"
              size="middle"
              columns={columns}
              dataSource={r.items}
              pagination={false}
              loading={report.isFetching}
              expandable={{
                expandedRowRender: (i) => (
                  <Typography.Text type="secondary">
                    {t('口径：', 'Definition: ')}
                    {name(i.definition)}
                  </Typography.Text>
                ),
              }}
              scroll={{ x: 'max-content' }}
              data-testid="report-table"
            />
          </>
        )}
      </PageState>
      {drill && r && (
        <DrillDrawer
          item={drill.item}
          lastYear={drill.lastYear}
          areaCode={r.area.code}
          period={r.period.key}
          onLastYear={(v) => setDrill({ ...drill, lastYear: v })}
          onClose={() => setDrill(null)}
        />
      )}
    </div>
  );
}

type DrillItem = Drill['items'][number];

/** The records behind one figure, paged; matters link to their own pages, imported rows name their file and row. */
function DrillDrawer({
  item,
  lastYear,
  areaCode,
  period,
  onLastYear,
  onClose,
}: {
  item: ReportItem;
  lastYear: boolean;
  areaCode: string;
  period: string;
  onLastYear: (v: boolean) => void;
  onClose: () => void;
}) {
  const { t, name } = useI18n();
  const mobile = useIsMobile();
  const [page, setPage] = useState(1);
  const pageSize = 20;
  const q = useDrill(item.code, {
    areaCode,
    period,
    lastYear,
    limit: pageSize,
    offset: (page - 1) * pageSize,
  });
  const d = q.data;
  const imported = item.source === 'imported';
  const columns: TableColumnsType<DrillItem> = [
    {
      title: t('记录', 'Record'),
      dataIndex: 'label',
      render: (label: string, x) =>
        x.link ? (
          <Link to={x.link} data-testid="drill-link">
            {label}
          </Link>
        ) : (
          label
        ),
    },
    ...(imported
      ? ([
          {
            title: t('来源部门', 'Department'),
            dataIndex: 'department',
            render: (v: string | null) => v ?? '—',
          },
          {
            title: t('文件 / 行', 'File / row'),
            key: 'file',
            render: (_: unknown, x: DrillItem) =>
              `${x.file ?? ''} · ${t('第', 'row ')}${x.row}${t(' 行', '')}`,
          },
          { title: t('导入人', 'Imported by'), dataIndex: 'importedBy' },
        ] as TableColumnsType<DrillItem>)
      : ([
          { title: t('状态', 'Status'), dataIndex: 'status', render: (v: string | null) => v ?? '—' },
          {
            title: t('时间', 'When'),
            dataIndex: 'at',
            render: (v: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—'),
            responsive: ['md'],
          },
        ] as TableColumnsType<DrillItem>)),
    {
      title: item.code === 'grid_checkin' ? t('应入格 / 已入格', 'Owed / done') : t('值', 'Value'),
      key: 'value',
      align: 'right',
      render: (_, x) =>
        item.code === 'grid_checkin'
          ? `${x.value} / ${x.done}`
          : x.value === null
            ? '—'
            : x.value.toLocaleString('zh-CN'),
    },
  ];
  return (
    <Drawer
      open
      onClose={onClose}
      title={`${name(item.name)} · ${t('背后的记录', 'records behind it')}`}
      size={mobile ? 'default' : 'large'}
      data-testid="drill-drawer"
    >
      <Flex gap={8} align="center" style={{ marginBottom: 8 }}>
        <Switch checked={lastYear} onChange={onLastYear} size="small" />
        <span>{t('去年同期', 'Last year')}</span>
        <Button
          size="small"
          icon={<FileExcelOutlined />}
          href={`/api/report/indicators/${item.code}/records.xlsx?${queryString({
            areaCode,
            period,
            lastYear: lastYear ? 'true' : undefined,
          })}`}
          style={{ marginLeft: 'auto' }}
        >
          {t('导出 Excel', 'Export Excel')}
        </Button>
      </Flex>
      <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
        {d && (
          <>
            <Descriptions size="small" column={1} style={{ marginBottom: 12 }}>
              <Descriptions.Item label={t('期间', 'Period')}>{name(d.period.label)}</Descriptions.Item>
              <Descriptions.Item label={t('指标值', 'Figure')}>
                <FigureText value={d.figure.value} kind={item.kind} testId="drill-figure" />
                {d.figure.numerator !== null && d.figure.denominator !== null
                  ? `（${d.figure.numerator} / ${d.figure.denominator}）`
                  : ''}
              </Descriptions.Item>
              <Descriptions.Item label={t('列出的是', 'Listed')}>{name(item.drill)}</Descriptions.Item>
              <Descriptions.Item label={t('记录数', 'Records')}>
                <span data-testid="drill-total">{d.total}</span>
              </Descriptions.Item>
            </Descriptions>
            <Table
              rowKey="id"
              size="small"
              columns={columns}
              dataSource={d.items}
              loading={q.isFetching}
              pagination={{
                current: page,
                pageSize,
                total: d.total,
                onChange: setPage,
                showSizeChanger: false,
              }}
              locale={{ emptyText: t('没有记录', 'No records') }}
              scroll={{ x: 'max-content' }}
            />
          </>
        )}
      </PageState>
    </Drawer>
  );
}

import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Flex, Table, type TableColumnsType, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { Link } from 'react-router';
import { api, unwrap } from '../../../api/client';
import { PageState } from '../../../components/PageState';
import { useI18n } from '../../../i18n';
import {
  ExportButton,
  type PeriodFilters,
  querystring,
  SILENT_COLOR,
  type Sources,
  Sparkline,
} from './shared';

type Source = Sources['items'][number];

const when = (iso: string | null) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '—');

/** The first few names, then how many more: the table below lists them all. */
const names = (xs: string[], sep: string) =>
  xs.length > 6 ? `${xs.slice(0, 6).join(sep)}… (+${xs.length - 6})` : xs.join(sep);

/**
 * (b) Coverage of the sources: what each department and channel fed in the period, how much of it was
 * merged with other reports, and when it last sent anything — a source silent for more than a week is
 * flagged, those that never sent anything included (the gaps are the point).
 */
export function SourcesTab({ filters }: { filters: PeriodFilters }) {
  const { t, name } = useI18n();
  const q = useQuery({
    queryKey: ['disputes', 'analysis', 'sources', filters],
    queryFn: () => unwrap(api.GET('/api/disputes/analysis/sources', { params: { query: filters } })),
  });
  const s = q.data;
  if (!s || q.isLoading || q.error) {
    return <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()} />;
  }
  const silent = s.items.filter((x) => x.silent && x.enabled);
  const days = (iso: string) => dayjs().diff(dayjs(iso), 'day');

  const columns: TableColumnsType<Source> = [
    {
      title: t('来源', 'Source'),
      key: 'name',
      fixed: 'left',
      width: 200,
      render: (_: unknown, x) => (
        <Flex vertical>
          <span>
            {name(x.name)} {!x.enabled && <Tag>{t('已停用', 'Disabled')}</Tag>}
          </span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {x.code}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('接收记录', 'Records'),
      dataIndex: 'records',
      width: 96,
      align: 'right',
      sorter: (a, b) => a.records - b.records,
      render: (v: number, x) => (v > 0 ? <Link to={x.link}>{v}</Link> : 0),
    },
    {
      title: t('涉及纠纷', 'Disputes'),
      dataIndex: 'disputes',
      width: 96,
      align: 'right',
      sorter: (a, b) => a.disputes - b.disputes,
      render: (v: number, x) => (v > 0 ? <Link to={x.link}>{v}</Link> : 0),
    },
    {
      title: t('合并占比', 'Merged'),
      key: 'merged',
      width: 96,
      align: 'right',
      sorter: (a, b) => (a.mergedShare ?? -1) - (b.mergedShare ?? -1),
      render: (_: unknown, x) =>
        x.mergedShare === null ? '—' : `${Math.round(x.mergedShare * 1000) / 10}%（${x.merged}）`,
    },
    {
      title: t('最近接收', 'Last received'),
      key: 'lastReceivedAt',
      width: 200,
      sorter: (a, b) => (a.lastReceivedAt ?? '').localeCompare(b.lastReceivedAt ?? ''),
      render: (_: unknown, x) => (
        <Flex gap={4} wrap align="center">
          <span>{when(x.lastReceivedAt)}</span>
          {x.silent &&
            (x.lastReceivedAt ? (
              <Tag color="red" data-testid="silent-tag">
                {t(`静默 ${days(x.lastReceivedAt)} 天`, `silent ${days(x.lastReceivedAt)} days`)}
              </Tag>
            ) : (
              <Tag color="red" data-testid="silent-tag">
                {t('从未接收', 'never received')}
              </Tag>
            ))}
        </Flex>
      ),
    },
    {
      title: t('最近上报', 'Last reported'),
      key: 'lastReportedAt',
      width: 150,
      render: (_: unknown, x) => when(x.lastReportedAt),
    },
    {
      title: t('月度', 'By month'),
      key: 'months',
      width: 120,
      render: (_: unknown, x) => <Sparkline values={x.months} color={x.silent ? SILENT_COLOR : undefined} />,
    },
  ];

  return (
    <Card
      size="small"
      title={t('数据来源覆盖', 'Sources coverage')}
      extra={
        <ExportButton
          href={`/api/disputes/analysis/sources.xlsx?${querystring({ ...filters })}`}
          testId="export-sources"
        />
      }
    >
      <Flex vertical gap={8}>
        <Typography.Text type="secondary">
          {t(
            `${s.from} 至 ${s.to} 报告的纠纷所含各来源记录；“最近接收”至少回看一年。`,
            `Records of each source on the disputes reported ${s.from} to ${s.to}; “last received” looks back a year at least.`,
          )}
        </Typography.Text>
        {silent.length > 0 && (
          <Alert
            type="warning"
            showIcon
            data-testid="silent-alert"
            title={t(
              `${silent.length} 个来源超过 ${s.silentDays} 天未接收到数据：${names(
                silent.map((x) => x.name.zh),
                '、',
              )}`,
              `${silent.length} sources sent nothing for more than ${s.silentDays} days: ${names(
                silent.map((x) => x.name.en),
                ', ',
              )}`,
            )}
          />
        )}
        <Table<Source>
          rowKey="code"
          size="small"
          pagination={false}
          columns={columns}
          dataSource={s.items}
          scroll={{ x: 960 }}
          data-testid="sources-table"
        />
      </Flex>
    </Card>
  );
}

import { AlertOutlined } from '@ant-design/icons';
import { Button, Flex, Space, Table, type TableColumnsType, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { Link, useNavigate } from 'react-router';
import { useLiveEvents as useAlertEvents } from '../../api/useLiveEvents';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { LiveBadge } from '../matters/components/tags';
import {
  ConfirmRatio,
  formatMs,
  HealthTag,
  KIND_NAMES,
  type ModelSummary,
  percentOrDash,
  useAlertModels,
} from './shared';

/** For a column's sorter: a model without the figure (never run, never judged, never backtested) sorts below every figure. */
const byNumber = (a: number | null | undefined, b: number | null | undefined) => (a ?? -1) - (b ?? -1);

/**
 * 预警模型: the twelve models with their health (a model that threw or ran too long is 异常, its error on
 * hover), their last run, the alerts they have open and how often 研判 confirmed them. Each opens its page
 * with the logic, the parameters and their history, and the backtest.
 */
export default function ModelsPage() {
  const { t, name } = useI18n();
  const navigate = useNavigate();
  const models = useAlertModels();
  const live = useAlertEvents();

  const columns: TableColumnsType<ModelSummary> = [
    { title: t('序号', 'No.'), dataIndex: 'no', width: 64 },
    {
      title: t('模型', 'Model'),
      dataIndex: 'name',
      render: (_: unknown, m) => (
        <Space orientation="vertical" size={0}>
          <Link to={`/alerts/models/${m.code}`} data-testid="model-link" onClick={(e) => e.stopPropagation()}>
            {name(m.name)}
          </Link>
          <Typography.Text type="secondary" style={{ fontSize: 12, fontFamily: 'ui-monospace, monospace' }}>
            {m.code} · v{m.version}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: t('类型', 'Kind'),
      dataIndex: 'kind',
      width: 80,
      render: (v: ModelSummary['kind']) => (
        <Tag color={v === 'streaming' ? 'geekblue' : 'purple'}>{name(KIND_NAMES[v])}</Tag>
      ),
    },
    {
      title: t('启用', 'On'),
      dataIndex: 'enabled',
      width: 80,
      render: (v: boolean) =>
        v ? (
          <Tag color="success" data-testid="model-enabled">
            {t('启用', 'On')}
          </Tag>
        ) : (
          <Tag data-testid="model-enabled">{t('停用', 'Off')}</Tag>
        ),
    },
    {
      title: t('运行状况', 'Health'),
      dataIndex: 'healthy',
      width: 90,
      render: (_: boolean, m) => <HealthTag model={m} />,
    },
    {
      title: t('最近运行', 'Last run'),
      dataIndex: 'lastRunAt',
      width: 130,
      render: (v: string | null, m) =>
        v ? (
          <Tooltip
            title={t(
              `共运行 ${m.runs} 次，失败 ${m.failures} 次；上次发现 ${m.lastSignals ?? 0} 条信号`,
              `${m.runs} runs, ${m.failures} failed; ${m.lastSignals ?? 0} signals last time`,
            )}
          >
            {dayjs(v).format('MM-DD HH:mm:ss')}
          </Tooltip>
        ) : (
          <Typography.Text type="secondary">{t('尚未运行', 'Not yet')}</Typography.Text>
        ),
    },
    {
      title: t('耗时', 'Took'),
      dataIndex: 'lastDurationMs',
      sorter: (a, b) => byNumber(a.lastDurationMs, b.lastDurationMs),
      width: 80,
      align: 'right',
      render: (v: number | null) => formatMs(v, t),
    },
    {
      title: t('未结预警', 'Open alerts'),
      dataIndex: 'openAlerts',
      sorter: (a, b) => a.openAlerts - b.openAlerts,
      width: 90,
      align: 'right',
      render: (v: number, m) =>
        v > 0 ? (
          <Link to={`/alerts?model=${m.code}`} onClick={(e) => e.stopPropagation()}>
            {v}
          </Link>
        ) : (
          0
        ),
    },
    {
      title: (
        <Tooltip title={t('确认 ÷（确认 + 排除）', 'confirmed ÷ (confirmed + dismissed)')}>
          {t('研判确认率', 'Confirmed')}
        </Tooltip>
      ),
      dataIndex: 'confirmRatio',
      sorter: (a, b) => byNumber(a.confirmRatio, b.confirmRatio),
      width: 100,
      align: 'right',
      render: (_: number | null, m) => <ConfirmRatio model={m} />,
    },
    {
      title: (
        <Tooltip
          title={t(
            '最近一次回测：预警中随后确有结果发生的比例（精确率）、结果中事先被预警的比例（召回率）',
            'Latest backtest: the share of alerts followed by an outcome (precision), of outcomes warned of (recall)',
          )}
        >
          {t('精确率 / 召回率', 'Precision / recall')}
        </Tooltip>
      ),
      dataIndex: 'backtest',
      sorter: (a, b) => byNumber(a.backtest?.precision, b.backtest?.precision),
      width: 140,
      align: 'right',
      render: (_: unknown, m) =>
        m.backtest ? (
          <Tooltip
            title={t(
              `${dayjs(m.backtest.runAt).format('YYYY-MM-DD HH:mm')} 回测，预警 ${m.backtest.alerts} 件`,
              `backtest of ${dayjs(m.backtest.runAt).format('YYYY-MM-DD HH:mm')}, ${m.backtest.alerts} alerts`,
            )}
          >
            <span data-testid="backtest-precision" data-value={m.backtest.precision ?? ''}>
              {percentOrDash(m.backtest.precision)}
            </span>
            {' / '}
            <span data-testid="backtest-recall" data-value={m.backtest.recall ?? ''}>
              {percentOrDash(m.backtest.recall)}
            </span>
          </Tooltip>
        ) : (
          <Tooltip title={t('尚未回测：zhili models backtest', 'Not backtested yet: zhili models backtest')}>
            <Typography.Text type="secondary" data-testid="backtest-none">
              {t('未回测', 'None')}
            </Typography.Text>
          </Tooltip>
        ),
    },
    {
      title: (
        <Tooltip
          title={t(
            '预警早于结果发生的天数（中位数），n 为被预警的结果数',
            'Days from the alert to the outcome (median); n outcomes warned of',
          )}
        >
          {t('提前期', 'Lead time')}
        </Tooltip>
      ),
      dataIndex: 'lead',
      sorter: (a, b) => byNumber(a.backtest?.leadDaysMedian, b.backtest?.leadDaysMedian),
      width: 100,
      align: 'right',
      render: (_: unknown, m) =>
        m.backtest ? (
          <span data-testid="backtest-lead" data-value={m.backtest.leadDaysMedian ?? ''}>
            {m.backtest.leadDaysMedian === null
              ? '—'
              : t(`${m.backtest.leadDaysMedian} 天`, `${m.backtest.leadDaysMedian} d`)}
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {' '}
              n={m.backtest.leadN}
            </Typography.Text>
          </span>
        ) : (
          '—'
        ),
    },
  ];

  return (
    <div style={{ minWidth: 0 }}>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Space orientation="vertical" size={0}>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="models-title">
            {t('预警模型', 'Alert models')}
          </Typography.Title>
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            {t(
              '实时模型在每条记录变化时评估，定时模型按周期评估；研判确认率来自预警的研判结果，精确率、召回率和提前期来自最近一次回测',
              'Streaming models look at each change, periodic ones run on a schedule; the confirm ratio comes from 研判, precision, recall and lead time from the latest backtest',
            )}
          </Typography.Text>
        </Space>
        <Space wrap>
          <LiveBadge state={live} />
          <Link to="/alerts">
            <Button icon={<AlertOutlined />}>{t('预警中心', 'Alert board')}</Button>
          </Link>
        </Space>
      </Flex>
      <PageState
        loading={models.isLoading}
        error={models.error}
        onRetry={() => void models.refetch()}
        empty={models.items.length === 0}
        emptyText={t('没有预警模型。', 'No model is installed.')}
      >
        <Table<ModelSummary>
          rowKey="code"
          columns={columns}
          dataSource={models.items}
          pagination={false}
          size="middle"
          scroll={{ x: 1150 }}
          onRow={(m) => ({
            onClick: () => navigate(`/alerts/models/${m.code}`),
            style: { cursor: 'pointer' },
          })}
          data-testid="models-table"
        />
      </PageState>
    </div>
  );
}

import { useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Flex, Input, Modal, Row, Select, Statistic, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from '../matters/components/AreaTreeSelect';
import { type Kpi, type KpiCell, pct } from './api';

type Severity = 'general' | 'larger' | 'major';
type KpiRow = Kpi['children'][number];

/** Periods as users name them: this month, quarter, year, the last five years, or chosen days. */
function periodOf(kind: string): { from: string; to: string } {
  const now = dayjs();
  const today = now.format('YYYY-MM-DD');
  switch (kind) {
    case 'month':
      return { from: now.startOf('month').format('YYYY-MM-DD'), to: today };
    case 'quarter': {
      const q = Math.floor(now.month() / 3) * 3;
      return { from: now.month(q).startOf('month').format('YYYY-MM-DD'), to: today };
    }
    case 'five':
      return { from: now.subtract(4, 'year').startOf('year').format('YYYY-MM-DD'), to: today };
    default:
      return { from: now.startOf('year').format('YYYY-MM-DD'), to: today };
  }
}

/**
 * 重大隐患整改完成率 by area and period: per child area of the chosen area and per severity, hazards reported
 * in the period, answered within the response time, 销号, overdue now, and the rate (销号 ÷ reported; 无数据
 * when none was reported). Each count opens the records behind it.
 */
export default function HazardKpiPage() {
  const { t } = useI18n();
  const { me } = useAuth();
  const [areaCode, setAreaCode] = useState<string | undefined>(undefined);
  const [kind, setKind] = useState('year');
  const [custom, setCustom] = useState(periodOf('year'));
  const [severity, setSeverity] = useState<Severity>('major');
  const [drill, setDrill] = useState<{ areaCode: string; areaName: string } | null>(null);
  const period = kind === 'custom' ? custom : periodOf(kind);
  const query = { ...(areaCode ? { areaCode } : {}), ...period };
  const q = useQuery({
    queryKey: ['matters', 'hazards', 'kpi', query],
    queryFn: () => unwrap(api.GET('/api/hazards/kpi', { params: { query } })),
  });
  const k = q.data;
  const cell = (r: KpiRow): KpiCell => r.bySeverity[severity];
  const total = k ? k.total.bySeverity[severity] : null;
  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={4}>{t('隐患整改完成率', 'Hazard rectification rate')}</Typography.Title>
        <Link to="/hazards">{t('隐患列表', 'Hazards')}</Link>
      </Flex>
      <Card size="small" style={{ marginBottom: 12 }}>
        <Flex gap={12} wrap align="flex-end">
          <Flex vertical gap={4}>
            <label htmlFor="kpi-area" style={{ fontSize: 12 }}>
              {t('区域', 'Area')}
            </label>
            <AreaTreeSelect
              id="kpi-area"
              value={areaCode ?? me?.user.areaCode}
              onChange={setAreaCode}
              style={{ width: 220 }}
            />
          </Flex>
          <Flex vertical gap={4}>
            <label htmlFor="kpi-period" style={{ fontSize: 12 }}>
              {t('统计周期（按发现时间）', 'Period (by date found)')}
            </label>
            <Select
              id="kpi-period"
              value={kind}
              onChange={setKind}
              style={{ width: 140 }}
              data-testid="kpi-period"
              options={[
                { value: 'month', label: t('本月', 'This month') },
                { value: 'quarter', label: t('本季度', 'This quarter') },
                { value: 'year', label: t('本年', 'This year') },
                { value: 'five', label: t('近五年', 'Five years') },
                { value: 'custom', label: t('自定义', 'Custom') },
              ]}
            />
          </Flex>
          {kind === 'custom' && (
            <>
              <Input
                type="date"
                value={custom.from}
                onChange={(e) => setCustom({ ...custom, from: e.target.value })}
                style={{ width: 150 }}
                aria-label={t('起', 'From')}
              />
              <Input
                type="date"
                value={custom.to}
                onChange={(e) => setCustom({ ...custom, to: e.target.value })}
                style={{ width: 150 }}
                aria-label={t('止（含）', 'To (included)')}
              />
            </>
          )}
          <Flex vertical gap={4}>
            <label htmlFor="kpi-severity" style={{ fontSize: 12 }}>
              {t('隐患等级', 'Severity')}
            </label>
            <Select
              id="kpi-severity"
              value={severity}
              onChange={setSeverity}
              style={{ width: 110 }}
              options={[
                { value: 'major', label: t('重大', 'Major') },
                { value: 'larger', label: t('较大', 'Larger') },
                { value: 'general', label: t('一般', 'General') },
              ]}
            />
          </Flex>
        </Flex>
      </Card>
      <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
        {k && total && (
          <>
            <Row gutter={[12, 12]}>
              {[
                {
                  key: 'rate',
                  label: t('整改完成率', 'Rectification rate'),
                  value: pct(total.rate, t('无数据', 'No data')),
                },
                { key: 'reported', label: t('发现（上报）', 'Reported'), value: String(total.reported) },
                { key: 'rectified', label: t('已销号', 'Written off'), value: String(total.rectified) },
                {
                  key: 'responded',
                  label: t('按时响应', 'Answered in time'),
                  value: String(total.respondedInTime),
                },
                { key: 'overdue', label: t('当前超期', 'Overdue now'), value: String(total.overdue) },
              ].map((c) => (
                <Col key={c.key} xs={12} md={8} lg={4}>
                  <Card size="small" data-testid={`kpi-${c.key}`}>
                    <Statistic
                      title={c.label}
                      value={c.value}
                      valueStyle={c.key === 'overdue' && total.overdue > 0 ? { color: '#cf1322' } : undefined}
                    />
                  </Card>
                </Col>
              ))}
            </Row>
            <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
              {t(
                `${k.area.name} ${k.from} 至 ${k.to}：整改完成率 = 期内发现的该等级隐患中已销号的数量 ÷ 期内发现的该等级隐患数；无隐患时为“无数据”。`,
                `${k.area.name}, ${k.from} to ${k.to}: rate = hazards of that severity found in the period and now written off ÷ those found; “no data” when none.`,
              )}
            </Typography.Paragraph>
            <Table<KpiRow>
              rowKey="areaCode"
              size="small"
              pagination={false}
              dataSource={k.children}
              data-testid="kpi-table"
              scroll={{ x: 700 }}
              onRow={(r) => ({ 'data-testid': 'kpi-row', 'data-area': r.areaCode }) as object}
              columns={[
                { key: 'area', title: t('区域', 'Area'), dataIndex: 'areaName' },
                {
                  key: 'reported',
                  title: t('发现', 'Reported'),
                  render: (_, r) =>
                    cell(r).reported > 0 ? (
                      <Button type="link" size="small" style={{ padding: 0 }} onClick={() => setDrill(r)}>
                        {cell(r).reported}
                      </Button>
                    ) : (
                      0
                    ),
                },
                {
                  key: 'responded',
                  title: t('按时响应', 'In time'),
                  render: (_, r) => cell(r).respondedInTime,
                },
                { key: 'rectified', title: t('已销号', 'Written off'), render: (_, r) => cell(r).rectified },
                {
                  key: 'overdue',
                  title: t('超期', 'Overdue'),
                  render: (_, r) => (cell(r).overdue > 0 ? <Tag color="red">{cell(r).overdue}</Tag> : 0),
                },
                {
                  key: 'rate',
                  title: t('完成率', 'Rate'),
                  render: (_, r) => (
                    <span data-testid="kpi-rate">{pct(cell(r).rate, t('无数据', 'No data'))}</span>
                  ),
                },
              ]}
            />
          </>
        )}
      </PageState>
      {drill && <Records area={drill} severity={severity} period={period} onClose={() => setDrill(null)} />}
    </div>
  );
}

function Records({
  area,
  severity,
  period,
  onClose,
}: {
  area: { areaCode: string; areaName: string };
  severity: Severity;
  period: { from: string; to: string };
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const query = { areaCode: area.areaCode, severity, ...period, page, pageSize: 20 };
  const q = useQuery({
    queryKey: ['matters', 'hazards', 'kpi', 'records', query],
    queryFn: () => unwrap(api.GET('/api/hazards/kpi/records', { params: { query } })),
  });
  return (
    <Modal
      open
      title={t(`${area.areaName}：指标背后的隐患`, `${area.areaName}: the hazards behind it`)}
      onCancel={onClose}
      footer={null}
      width={760}
    >
      <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
        <Table
          rowKey="id"
          size="small"
          dataSource={q.data?.items ?? []}
          pagination={{ current: page, pageSize: 20, total: q.data?.total ?? 0, onChange: setPage }}
          columns={[
            {
              key: 'title',
              title: t('隐患', 'Hazard'),
              render: (_, r) => <Link to={`/hazards/${r.id}`}>{r.title}</Link>,
            },
            { key: 'number', title: t('编号', 'Number'), dataIndex: 'number' },
            {
              key: 'closed',
              title: t('销号', 'Written off'),
              render: (_, r) =>
                r.status === 'closed' ? (
                  <Tag color="green">{t('是', 'Yes')}</Tag>
                ) : (
                  <Tag>{t('否', 'No')}</Tag>
                ),
            },
            {
              key: 'created',
              title: t('发现时间', 'Found'),
              render: (_, r) => dayjs(r.createdAt).format('YYYY-MM-DD'),
            },
          ]}
        />
      </PageState>
    </Modal>
  );
}

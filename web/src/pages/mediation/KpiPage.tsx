import { useQuery } from '@tanstack/react-query';
import { Card, Col, Flex, Input, Row, Statistic, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import type { Kpis } from './api';

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`;

/**
 * 调解指标: 化解率 (settled ÷ settled + not settled), the shares settled at village and at town level, for the
 * user's area (or a chosen one) and a period of outcomes, with the same per area one level down.
 */
export default function MediationKpiPage() {
  const { t } = useI18n();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const query = { ...(from ? { from } : {}), ...(to ? { to } : {}) };
  const q = useQuery({
    queryKey: ['matters', 'mediation', 'kpis', query],
    queryFn: () => unwrap(api.GET('/api/mediation/kpis', { params: { query } })),
  });
  const k = q.data;
  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={4}>{t('调解指标', 'Mediation KPIs')}</Typography.Title>
        <Link to="/mediation">{t('调解案件', 'Cases')}</Link>
      </Flex>
      <Flex gap={12} wrap style={{ marginBottom: 12 }} align="flex-end">
        <Flex vertical gap={4}>
          <label htmlFor="kpi-from" style={{ fontSize: 12 }}>
            {t('结果日期自', 'Outcome from')}
          </label>
          <Input id="kpi-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Flex>
        <Flex vertical gap={4}>
          <label htmlFor="kpi-to" style={{ fontSize: 12 }}>
            {t('至（不含）', 'to (exclusive)')}
          </label>
          <Input id="kpi-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </Flex>
      </Flex>
      <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
        {k && (
          <>
            <Row gutter={[12, 12]}>
              {[
                { key: 'rate', label: t('化解率', 'Resolution rate'), value: pct(k.resolutionRate) },
                {
                  key: 'village',
                  label: t('村级化解占比', 'Settled at village level'),
                  value: pct(k.villageShare),
                },
                { key: 'town', label: t('镇级化解占比', 'Settled at town level'), value: pct(k.townShare) },
                {
                  key: 'settled',
                  label: t('达成协议 / 调解不成', 'Settled / not settled'),
                  value: `${k.settled} / ${k.failed}`,
                },
                { key: 'open', label: t('调解中（未出结果）', 'Without outcome yet'), value: String(k.open) },
              ].map((c) => (
                <Col key={c.key} xs={12} md={8} lg={4}>
                  <Card size="small" data-testid={`kpi-${c.key}`}>
                    <Statistic title={c.label} value={c.value} />
                  </Card>
                </Col>
              ))}
            </Row>
            <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
              {t(
                '化解率 = 达成协议数 ÷（达成协议数 + 调解不成数）；村级、镇级化解占比 = 该级达成协议数 ÷ 达成协议数。',
                'Resolution rate = settled ÷ (settled + not settled); level shares = settled at that level ÷ settled.',
              )}
            </Typography.Paragraph>
            <Table<Kpis['byArea'][number]>
              rowKey="areaCode"
              size="small"
              pagination={false}
              dataSource={k.byArea}
              columns={[
                { key: 'area', title: t('区域', 'Area'), dataIndex: 'areaName' },
                { key: 'settled', title: t('达成协议', 'Settled'), dataIndex: 'settled' },
                { key: 'failed', title: t('调解不成', 'Not settled'), dataIndex: 'failed' },
                { key: 'rate', title: t('化解率', 'Rate'), render: (_, a) => pct(a.resolutionRate) },
                { key: 'v', title: t('村级占比', 'Village share'), render: (_, a) => pct(a.villageShare) },
                { key: 'tw', title: t('镇级占比', 'Town share'), render: (_, a) => pct(a.townShare) },
              ]}
            />
          </>
        )}
      </PageState>
    </div>
  );
}

import { FileExcelOutlined, FilePdfOutlined } from '@ant-design/icons';
import { Breadcrumb, Button, Card, Col, Flex, Row, Select, Statistic, Typography } from 'antd';
import { lazy, Suspense } from 'react';
import { Link, useSearchParams } from 'react-router';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaPicker } from '../areas/areaShared';
import { type FiveYears, queryString, useFiveYears } from './api';
import { ChangeText, periodOptions } from './shared';

const FiveYearsCharts = lazy(() => import('./FiveYearsCharts'));

/** The headline cards: the interview's figures, in its order. */
const CARDS = [
  'homicide_cases',
  'fraud_cases',
  'fraud_recovered',
  'safety_accidents',
  'traffic_accidents',
  'sea_fishing_deaths',
  'hazard_major_rectification',
  'dispute_resolution',
  'grid_checkin',
  'courts',
  'psych_stations',
];

/**
 * 数说五年: five calendar years in figures for an area — headline cards (the five-year total or end figure and
 * the change from the first year to the last), the sentences of the summary, the trend charts, and the same
 * as PDF or Excel with the charts (drawn on the server).
 */
export default function FiveYearsPage() {
  const { t } = useI18n();
  const mobile = useIsMobile();
  const [params, setParams] = useSearchParams();
  const area = params.get('area') ?? undefined;
  const period = params.get('period') ?? undefined;
  const q = useFiveYears({ areaCode: area, period });
  const d = q.data;
  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };
  const qs = queryString({ areaCode: d?.area.code, period: d?.period.key });

  return (
    <div style={{ minWidth: 0 }}>
      <Breadcrumb
        items={[
          { title: <Link to="/report">{t('平安报表', 'Safety report')}</Link> },
          { title: t('数说五年', 'Five years') },
        ]}
        style={{ marginBottom: 8 }}
      />
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('数说五年', 'Five years in figures')}
      </Typography.Title>
      <Flex gap={8} wrap style={{ marginBottom: 12 }}>
        <AreaPicker
          value={area ?? d?.area.code ?? null}
          onChange={(code) => set({ area: code })}
          allowClear={false}
          style={{ width: mobile ? '100%' : 300 }}
          testId="five-area"
        />
        <Select
          value={period ?? d?.period.key}
          options={periodOptions('five')}
          onChange={(v) => set({ period: v })}
          style={{ width: 150 }}
          data-testid="five-period"
        />
        <Button
          icon={<FilePdfOutlined />}
          href={`/api/report/five-years.pdf?${qs}`}
          disabled={!d}
          data-testid="five-pdf"
        >
          {t('导出 PDF', 'PDF')}
        </Button>
        <Button
          icon={<FileExcelOutlined />}
          href={`/api/report/five-years.xlsx?${qs}`}
          disabled={!d}
          data-testid="five-xlsx"
        >
          {t('导出 Excel', 'Excel')}
        </Button>
      </Flex>
      <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
        {d && <Content d={d} />}
      </PageState>
    </div>
  );
}

function Content({ d }: { d: FiveYears }) {
  const { t, name } = useI18n();
  const byCode = new Map(d.items.map((i) => [i.code, i]));
  return (
    <>
      <Typography.Paragraph type="secondary">
        {d.area.name} · {name(d.period.label)} ·{' '}
        {t(
          '五年合计（登记数为期末数），变化为末年较首年；比率的变化以百分点计。',
          'Five-year totals (registries: at the end); change from the first year to the last; rates change in points.',
        )}
      </Typography.Paragraph>
      <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
        {CARDS.map((code) => byCode.get(code))
          .filter((i) => i !== undefined)
          .map((i) => (
            <Col xs={12} md={8} xl={6} key={i.code}>
              <Card size="small" data-testid={`card-${i.code}`}>
                <Statistic
                  title={name(i.name)}
                  value={i.total.value ?? t('无数据', 'No data')}
                  suffix={i.total.value === null ? undefined : i.kind === 'rate' ? '%' : name(i.unit)}
                />
                <ChangeText change={i.change} unit={i.changeUnit} direction={i.direction} />
              </Card>
            </Col>
          ))}
      </Row>
      <Card size="small" title={t('要点', 'Highlights')} style={{ marginBottom: 16 }}>
        <ul style={{ margin: 0, paddingLeft: 20 }} data-testid="five-headlines">
          {d.headlines.map((h) => (
            <li key={h}>{h}</li>
          ))}
        </ul>
      </Card>
      <Suspense fallback={<Card loading />}>
        <FiveYearsCharts data={d} />
      </Suspense>
    </>
  );
}

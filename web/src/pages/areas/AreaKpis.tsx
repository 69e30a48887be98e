import { useQuery } from '@tanstack/react-query';
import { Card, Col, Row, Statistic, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { useI18n } from '../../i18n';

const pct = (v: number | null | undefined) => (v == null ? null : Math.round(v * 1000) / 10);

/**
 * An area's 平安 figures on its page: the "两个100%" check-in rates of this month (grid report), the disputes'
 * 化解率 and the mediation 化解率 with the shares settled at village and town level of this year. Each figure
 * is read from the module that owns it (the same answers as the grid report, 纠纷分析 and the mediation KPI
 * pages, which each links to); a figure the user may not see says so instead of showing a number.
 */
export function AreaKpis({ code }: { code: string }) {
  const { t, lang } = useI18n();
  const today = dayjs().format('YYYY-MM-DD');
  const monthStart = dayjs().startOf('month').format('YYYY-MM-DD');
  const yearStart = dayjs().startOf('year').format('YYYY-MM-DD');
  const tomorrow = dayjs().add(1, 'day').format('YYYY-MM-DD');
  const opts = { retry: (n: number, e: Error) => !(e instanceof ApiError && e.status < 500) && n < 2 };
  const grid = useQuery({
    queryKey: ['area-kpis', 'grid', code, monthStart, today],
    queryFn: () =>
      unwrap(
        api.GET('/api/grid/report', { params: { query: { areaCode: code, from: monthStart, to: today } } }),
      ),
    ...opts,
  });
  const disputes = useQuery({
    queryKey: ['area-kpis', 'disputes', code, yearStart, today],
    queryFn: () =>
      unwrap(
        api.GET('/api/disputes/analysis/resolution', {
          params: { query: { areaCode: code, from: yearStart, to: today } },
        }),
      ),
    ...opts,
  });
  const mediation = useQuery({
    queryKey: ['area-kpis', 'mediation', code, yearStart, tomorrow],
    queryFn: () =>
      unwrap(
        api.GET('/api/mediation/kpis', {
          params: { query: { areaCode: code, from: yearStart, to: tomorrow } },
        }),
      ),
    ...opts,
  });

  const stat = (
    key: string,
    title: string,
    q: { isLoading: boolean; error: Error | null },
    value: number | null | undefined,
    hint: string,
    to: string,
  ): ReactNode => (
    <Col xs={12} md={8} key={key}>
      <Card size="small" data-testid={`area-kpi-${key}`}>
        <Statistic
          title={
            <Tooltip title={hint}>
              <span>{title}</span>
            </Tooltip>
          }
          loading={q.isLoading}
          value={q.error ? '—' : value == null ? t('无数据', 'No data') : value}
          suffix={!q.error && value != null ? '%' : undefined}
          valueStyle={{ fontSize: 22 }}
        />
        {q.error ? (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {q.error instanceof ApiError && q.error.status === 403
              ? t('无权查看', 'Not permitted')
              : errorText(q.error, lang)}
          </Typography.Text>
        ) : (
          <Link to={to} style={{ fontSize: 12 }}>
            {t('查看明细', 'Details')}
          </Link>
        )}
      </Card>
    </Col>
  );

  const g = grid.data?.totals;
  const d = disputes.data?.total;
  const m = mediation.data;
  return (
    <Card
      size="small"
      title={t('平安指标', 'Safety figures')}
      style={{ marginTop: 12 }}
      data-testid="area-kpis"
    >
      <Row gutter={[8, 8]}>
        {stat(
          'leader',
          t('网格长每日入格率', 'Grid heads: daily check-ins'),
          grid,
          pct(g?.leaderShare),
          t(`本月 ${monthStart} 至 ${today}`, `This month, ${monthStart} to ${today}`),
          `/grid/report?area=${code}&from=${monthStart}&to=${today}`,
        )}
        {stat(
          'instructor',
          t('指导员每周入格率', 'Instructors: weekly check-ins'),
          grid,
          pct(g?.instructorShare),
          t(`本月 ${monthStart} 至 ${today}`, `This month, ${monthStart} to ${today}`),
          `/grid/report?area=${code}&from=${monthStart}&to=${today}`,
        )}
        {stat(
          'dispute',
          t('矛盾纠纷化解率', 'Disputes resolved'),
          disputes,
          pct(d?.rate),
          t(
            `本年 ${yearStart} 至 ${today}：已化解 ÷ 有结果的纠纷`,
            `This year: resolved ÷ disputes with an outcome`,
          ),
          `/disputes/analysis?tab=resolution&areaCode=${code}&from=${yearStart}&to=${today}`,
        )}
        {stat(
          'mediation',
          t('调解化解率', 'Mediation settled'),
          mediation,
          pct(m?.resolutionRate),
          t('本年：调解成功 ÷ 有结果的调解案件', 'This year: settled ÷ cases with an outcome'),
          '/mediation/kpis',
        )}
        {stat(
          'village',
          t('村级化解占比', 'Settled in the village'),
          mediation,
          pct(m?.villageShare),
          t('本年：村级调解成功 ÷ 调解成功（小事不出村）', 'This year: settled at village level ÷ settled'),
          '/mediation/kpis',
        )}
        {stat(
          'town',
          t('镇级化解占比', 'Settled in the town'),
          mediation,
          pct(m?.townShare),
          t('本年：镇级调解成功 ÷ 调解成功（大事不出镇）', 'This year: settled at town level ÷ settled'),
          '/mediation/kpis',
        )}
      </Row>
    </Card>
  );
}

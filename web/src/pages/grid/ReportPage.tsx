import { BellOutlined, FileExcelOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Breadcrumb,
  Button,
  Card,
  Col,
  DatePicker,
  Flex,
  InputNumber,
  Popconfirm,
  Row,
  Select,
  Statistic,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { lazy, Suspense, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaPicker } from '../areas/areaShared';
import { type GridReport, type GridRules, reportQueryString, useReport, useRules } from './api';
import { cstTime, PERIODS, pct, RoleTag, shareColour } from './shared';

const TrendChart = lazy(() => import('./TrendChart'));
const MANAGERS = ['town_center', 'county_center', 'city_admin'];
type ReportRow = GridReport['rows'][number];

/**
 * “两个100%”: for an area (the user's own by default) and a period (this month by default), the share of
 * required check-ins done — overall, 网格长 (daily) and 网格指导员 (weekly) — per child area down to the grid's
 * members (click a row to drill down), who is missing, the daily trend, reminders and Excel export. The rules
 * are shown below; those who configure matters change them there.
 */
export default function ReportPage() {
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const mobile = useIsMobile();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const area = params.get('area') ?? undefined;
  const from = params.get('from') ?? undefined;
  const to = params.get('to') ?? undefined;
  const q = { areaCode: area, from, to };
  const report = useReport(q);
  const r = report.data;
  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };
  const mayRemind = (me?.user.roles ?? []).some((x) => MANAGERS.includes(x));
  const remind = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/grid/reminders', { body: { areaCode: r?.area.code, from: r?.from, to: r?.to } })),
    onSuccess: (x) => {
      message.success(
        t(
          `已提醒 ${x.reminded} 人（其中 ${x.notified} 人收到站内通知）`,
          `Reminded ${x.reminded} (${x.notified} notified)`,
        ),
      );
      qc.invalidateQueries({ queryKey: ['notifications'] });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });

  const columns: TableColumnsType<ReportRow> = [
    {
      title: r?.area.level === 5 ? t('成员', 'Member') : t('区域', 'Area'),
      dataIndex: 'name',
      render: (name: string, row) =>
        row.level <= 5 ? (
          <Typography.Link onClick={() => set({ area: row.code })} data-testid="report-drill">
            {name}
          </Typography.Link>
        ) : (
          name
        ),
    },
    { title: t('人数', 'Members'), dataIndex: 'members', align: 'right', responsive: ['md'] },
    { title: t('应入格', 'Required'), dataIndex: 'required', align: 'right' },
    { title: t('已入格', 'Done'), dataIndex: 'done', align: 'right' },
    {
      title: t('入格率', 'Share'),
      dataIndex: 'share',
      align: 'right',
      render: (x: number | null) => <span style={{ color: shareColour(x), fontWeight: 600 }}>{pct(x)}</span>,
      sorter: (a, b) => (a.share ?? 2) - (b.share ?? 2),
    },
    {
      title: t('网格长', 'Leaders'),
      dataIndex: 'leaderShare',
      align: 'right',
      render: pct,
      responsive: ['md'],
    },
    {
      title: t('网格指导员', 'Instructors'),
      dataIndex: 'instructorShare',
      align: 'right',
      render: pct,
      responsive: ['md'],
    },
  ];
  const missingColumns: TableColumnsType<GridReport['missing'][number]> = [
    { title: t('姓名', 'Name'), dataIndex: 'name' },
    { title: t('角色', 'Role'), key: 'role', render: (_, m) => <RoleTag role={m.role} /> },
    { title: t('网格', 'Grid'), dataIndex: 'areaName', responsive: ['md'] },
    { title: t('应/已', 'Owed/done'), key: 'n', render: (_, m) => `${m.required} / ${m.done}` },
    { title: t('缺', 'Missing'), dataIndex: 'missing', render: (x: number) => <Tag color="red">{x}</Tag> },
    { title: t('最近入格', 'Last'), dataIndex: 'lastCheckinAt', render: cstTime, responsive: ['lg'] },
  ];

  return (
    <div style={{ minWidth: 0 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('“两个100%” · 入格率', 'Two-100% · check-in report')}
      </Typography.Title>
      <Flex gap={8} wrap style={{ marginBottom: 12 }}>
        <AreaPicker
          value={area ?? r?.area.code ?? null}
          onChange={(code) => set({ area: code })}
          allowClear={false}
          style={{ width: mobile ? '100%' : 320 }}
          testId="report-area"
        />
        <DatePicker.RangePicker
          allowClear={false}
          value={r ? [dayjs(r.from), dayjs(r.to)] : null}
          disabledDate={(d) => d.isAfter(dayjs(), 'day')}
          onChange={(v) =>
            v?.[0] && v[1] && set({ from: v[0].format('YYYY-MM-DD'), to: v[1].format('YYYY-MM-DD') })
          }
        />
        <Button
          icon={<FileExcelOutlined />}
          href={`/api/grid/report/export?${reportQueryString({ areaCode: r?.area.code, from: r?.from, to: r?.to })}`}
          disabled={!r}
          data-testid="report-export"
        >
          {t('导出 Excel', 'Export')}
        </Button>
        {mayRemind && (
          <Popconfirm
            title={t(
              `提醒 ${r?.missingTotal ?? 0} 名未完成入格的成员？`,
              `Remind ${r?.missingTotal ?? 0} members?`,
            )}
            onConfirm={() => remind.mutate()}
            disabled={!r || r.missingTotal === 0}
          >
            <Button
              icon={<BellOutlined />}
              loading={remind.isPending}
              disabled={!r || r.missingTotal === 0}
              data-testid="report-remind"
            >
              {t('一键提醒', 'Remind the missing')}
            </Button>
          </Popconfirm>
        )}
      </Flex>
      <PageState loading={report.isLoading} error={report.error} onRetry={() => report.refetch()}>
        {r && (
          <>
            <Breadcrumb
              style={{ marginBottom: 12 }}
              items={[{ title: `${r.area.name}（${r.area.code}）` }, { title: `${r.from} ~ ${r.to}` }]}
            />
            <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic
                    title={t('入格率', 'Share done')}
                    value={pct(r.totals.share)}
                    valueStyle={{ color: shareColour(r.totals.share) }}
                    data-testid="report-share"
                  />
                </Card>
              </Col>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic
                    title={t('网格长（每日）', 'Leaders (daily)')}
                    value={pct(r.totals.leaderShare)}
                  />
                </Card>
              </Col>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic
                    title={t('网格指导员（每周）', 'Instructors (weekly)')}
                    value={pct(r.totals.instructorShare)}
                  />
                </Card>
              </Col>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic
                    title={t('应入格 / 已入格', 'Required / done')}
                    value={`${r.totals.required} / ${r.totals.done}`}
                  />
                </Card>
              </Col>
            </Row>
            <Card
              size="small"
              title={t('每日趋势（每日入格规则）', 'Daily trend (daily rule)')}
              style={{ marginBottom: 12 }}
            >
              <Suspense fallback={<div style={{ height: 300 }} />}>
                <TrendChart trend={r.trend} />
              </Suspense>
            </Card>
            <Card size="small" title={t('分区域', 'By area')} style={{ marginBottom: 12 }}>
              <Table
                rowKey="code"
                size="small"
                columns={columns}
                dataSource={r.rows}
                pagination={r.rows.length > 50 ? { pageSize: 50 } : false}
                scroll={{ x: true }}
                data-testid="report-rows"
              />
            </Card>
            <Card
              size="small"
              title={t(`未完成入格（${r.missingTotal} 人）`, `Missing check-ins (${r.missingTotal})`)}
              style={{ marginBottom: 12 }}
            >
              <Table
                rowKey="memberId"
                size="small"
                columns={missingColumns}
                dataSource={r.missing}
                pagination={{ pageSize: 20 }}
                scroll={{ x: true }}
                data-testid="report-missing"
              />
            </Card>
          </>
        )}
      </PageState>
      <RulesCard />
    </div>
  );
}

function RulesCard() {
  const { t, name, lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const rules = useRules();
  const configure = can('matter:configure');
  const [draft, setDraft] = useState<GridRules | null>(null);
  useEffect(() => {
    if (rules.data) setDraft(rules.data);
  }, [rules.data]);
  const save = useMutation({
    mutationFn: (d: GridRules) =>
      unwrap(
        api.PUT('/api/grid/rules', {
          body: {
            rules: d.rules.map((r) => ({ role: r.role, period: r.period })),
            toleranceM: d.toleranceM,
            maxAccuracyM: d.maxAccuracyM,
          },
        }),
      ),
    onSuccess: () => {
      message.success(t('入格规则已保存', 'Rules saved'));
      qc.invalidateQueries({ queryKey: ['grid'] });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });
  if (!draft) return null;
  return (
    <Card
      size="small"
      title={t('入格规则', 'Check-in rules')}
      extra={
        configure && (
          <Button type="primary" size="small" loading={save.isPending} onClick={() => save.mutate(draft)}>
            {t('保存', 'Save')}
          </Button>
        )
      }
    >
      <Flex gap={16} wrap>
        {draft.rules.map((r) => (
          <Flex key={r.role} vertical gap={4}>
            <Typography.Text type="secondary">{name(r.roleName)}</Typography.Text>
            {configure ? (
              <Select
                size="small"
                style={{ width: 100 }}
                value={r.period}
                onChange={(period) =>
                  setDraft({
                    ...draft,
                    rules: draft.rules.map((x) => (x.role === r.role ? { ...x, period } : x)),
                  })
                }
                options={(['none', 'day', 'week'] as const).map((p) => ({
                  value: p,
                  label: name(PERIODS[p]),
                }))}
              />
            ) : (
              <span>{name(PERIODS[r.period])}</span>
            )}
          </Flex>
        ))}
        <Flex vertical gap={4}>
          <Typography.Text type="secondary">{t('边界容差（米）', 'Tolerance (m)')}</Typography.Text>
          <InputNumber
            size="small"
            min={0}
            max={2000}
            disabled={!configure}
            value={draft.toleranceM}
            onChange={(v) => v !== null && setDraft({ ...draft, toleranceM: v })}
          />
        </Flex>
        <Flex vertical gap={4}>
          <Typography.Text type="secondary">{t('定位精度上限（米）', 'Max accuracy (m)')}</Typography.Text>
          <InputNumber
            size="small"
            min={10}
            max={5000}
            disabled={!configure}
            value={draft.maxAccuracyM}
            onChange={(v) => v !== null && setDraft({ ...draft, maxAccuracyM: v })}
          />
        </Flex>
      </Flex>
    </Card>
  );
}

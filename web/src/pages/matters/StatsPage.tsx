import { useQueries, useQuery } from '@tanstack/react-query';
import {
  Card,
  Col,
  DatePicker,
  Flex,
  Row,
  Select,
  Statistic,
  Table,
  type TableColumnsType,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { type Area, useMatterTypes } from './components/lookups';
import { DEADLINE_STATE_NAMES } from './components/names';

type Counts = paths['/api/matters/counts']['get']['responses'][200]['content']['application/json'];
type CountsQuery = NonNullable<paths['/api/matters/counts']['get']['parameters']['query']>;

/** One counts request per child area: a town has a few dozen villages at most; beyond this, say so. */
const MAX_CHILDREN = 20;

const DEADLINE_COLORS = { normal: '#16a34a', warning: '#d97706', overdue: '#dc2626' } as const;

/** A plain CSS bar: enough for counts side by side, without a chart library in the bundle. */
function Bar({ value, max, color = '#1d4ed8' }: { value: number; max: number; color?: string }) {
  const pct = max > 0 ? Math.max(value > 0 ? 2 : 0, Math.round((value / max) * 100)) : 0;
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8, minWidth: 120 }}>
      <div style={{ flex: 1, height: 10, background: '#f1f5f9', borderRadius: 5, overflow: 'hidden' }}>
        <div style={{ width: `${pct}%`, height: '100%', background: color, borderRadius: 5 }} />
      </div>
      <span style={{ minWidth: 36, textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>{value}</span>
    </div>
  );
}

const openOf = (c: Counts | undefined) => Object.values(c?.byDeadlineState ?? {}).reduce((a, b) => a + b, 0);

/**
 * Statistics of the user's area: matters by status and by deadline state, and the same per child area
 * (the towns of a county, the villages of a town) from /api/matters/counts, as a table with bars.
 */
export default function StatsPage() {
  const { me } = useAuth();
  const { t, name } = useI18n();
  const mobile = useIsMobile();
  const types = useMatterTypes();
  const [params, setParams] = useSearchParams();
  const scope = me?.scope.areaCode ?? '';
  const scopeName = me?.scope.path.at(-1)?.name ?? scope;
  const type = params.get('type') || undefined;
  const fromDay = params.get('from') || undefined;
  const toDay = params.get('to') || undefined;
  const base: CountsQuery = {
    ...(type ? { type } : {}),
    ...(fromDay ? { from: dayjs(fromDay).startOf('day').format() } : {}),
    ...(toDay ? { to: dayjs(toDay).add(1, 'day').startOf('day').format() } : {}),
  };

  const total = useQuery({
    queryKey: ['matters', 'counts', 'stats', scope, base],
    queryFn: () =>
      unwrap(api.GET('/api/matters/counts', { params: { query: { ...base, areaCode: scope } } })),
    enabled: !!scope,
  });
  const children = useQuery({
    queryKey: ['areas', 'children', scope],
    queryFn: () => unwrap(api.GET('/api/areas/{code}/children', { params: { path: { code: scope } } })),
    enabled: !!scope && scope.length === 12,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const shown = (children.data?.items ?? []).slice(0, MAX_CHILDREN);
  const perChild = useQueries({
    queries: shown.map((a) => ({
      queryKey: ['matters', 'counts', 'stats', a.code, base],
      queryFn: () =>
        unwrap(api.GET('/api/matters/counts', { params: { query: { ...base, areaCode: a.code } } })),
    })),
  });

  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };

  const states = (() => {
    const pool = type ? types.types.filter((x) => x.code === type) : types.types;
    const seen = new Map<string, { code: string; name: { zh: string; en: string } }>();
    for (const x of pool) for (const s of x.states) if (!seen.has(s.code)) seen.set(s.code, s);
    return [...seen.values()];
  })();

  const c = total.data;
  const open = openOf(c);
  const maxStatus = Math.max(0, ...Object.values(c?.byStatus ?? {}));
  const maxDeadline = Math.max(0, ...Object.values(c?.byDeadlineState ?? {}));
  const overdue = c?.byDeadlineState.overdue ?? 0;

  type Row = { area: Area; counts: Counts | undefined; loading: boolean; failed: boolean };
  const rows: Row[] = shown.map((a, i) => ({
    area: a,
    counts: perChild[i]?.data,
    loading: perChild[i]?.isLoading ?? true,
    failed: perChild[i]?.isError ?? false,
  }));
  const maxTotal = Math.max(0, ...rows.map((r) => r.counts?.total ?? 0));
  const maxOverdue = Math.max(0, ...rows.map((r) => r.counts?.byDeadlineState.overdue ?? 0));
  const cell = (r: Row, v: (c: Counts) => ReactNode) =>
    r.counts ? v(r.counts) : r.failed ? t('失败', 'failed') : r.loading ? '…' : '—';

  const columns: TableColumnsType<Row> = [
    {
      title: t('区域', 'Area'),
      dataIndex: ['area', 'name'],
      fixed: mobile ? undefined : 'left',
      render: (_: string, r) => <Link to={`/matters?areaCode=${r.area.code}`}>{r.area.name}</Link>,
    },
    {
      title: t('总数', 'Total'),
      width: 200,
      render: (_: unknown, r) => cell(r, (x) => <Bar value={x.total} max={maxTotal} />),
    },
    {
      title: t('办理中', 'Open'),
      width: 90,
      align: 'right',
      render: (_: unknown, r) => cell(r, (x) => openOf(x)),
    },
    {
      title: t('已结束', 'Finished'),
      width: 90,
      align: 'right',
      render: (_: unknown, r) => cell(r, (x) => x.total - openOf(x)),
    },
    {
      title: t('临期', 'Due soon'),
      width: 80,
      align: 'right',
      render: (_: unknown, r) =>
        cell(r, (x) => (
          <span style={{ color: DEADLINE_COLORS.warning }}>{x.byDeadlineState.warning ?? 0}</span>
        )),
    },
    {
      title: t('超期', 'Overdue'),
      width: 180,
      render: (_: unknown, r) =>
        cell(r, (x) => (
          <Bar value={x.byDeadlineState.overdue ?? 0} max={maxOverdue} color={DEADLINE_COLORS.overdue} />
        )),
    },
    {
      title: t('超期率', 'Overdue rate'),
      width: 100,
      align: 'right',
      render: (_: unknown, r) =>
        cell(r, (x) => {
          const o = openOf(x);
          return o ? `${Math.round(((x.byDeadlineState.overdue ?? 0) / o) * 100)}%` : '—';
        }),
    },
  ];

  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('统计', 'Statistics')} · {scopeName}
        </Typography.Title>
        <Flex wrap gap={8}>
          {types.types.length > 1 && (
            <Select
              allowClear
              value={type}
              style={{ width: 140 }}
              placeholder={t('全部类型', 'All types')}
              aria-label={t('类型', 'Type')}
              options={types.types.map((x) => ({ value: x.code, label: name(x.name) }))}
              onChange={(v: string | undefined) => set({ type: v })}
            />
          )}
          <DatePicker.RangePicker
            style={{ width: mobile ? '100%' : 260 }}
            allowEmpty={[true, true]}
            value={[fromDay ? dayjs(fromDay) : null, toDay ? dayjs(toDay) : null]}
            placeholder={[t('上报起', 'From'), t('上报止', 'To')]}
            onChange={(v) => set({ from: v?.[0]?.format('YYYY-MM-DD'), to: v?.[1]?.format('YYYY-MM-DD') })}
            aria-label={t('上报日期', 'Reported between')}
          />
        </Flex>
      </Flex>
      <PageState loading={total.isLoading} error={total.error} onRetry={() => void total.refetch()}>
        <Row gutter={[12, 12]}>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t('事项总数', 'All matters')} value={c?.total ?? 0} />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t('办理中', 'Open')} value={open} />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic
                title={t('超期', 'Overdue')}
                value={overdue}
                styles={{ content: { color: DEADLINE_COLORS.overdue } }}
              />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic
                title={t('超期率（办理中）', 'Overdue share of open')}
                value={open ? Math.round((overdue / open) * 100) : 0}
                suffix="%"
              />
            </Card>
          </Col>
          <Col xs={24} md={14}>
            <Card size="small" title={t('按状态', 'By status')} data-testid="stats-by-status">
              <Flex vertical gap={8}>
                {states.map((s) => (
                  <Flex key={s.code} align="center" gap={8}>
                    <Link
                      to={`/matters?status=${s.code}&areaCode=${scope}`}
                      style={{ width: mobile ? 84 : 110, flexShrink: 0 }}
                    >
                      {name(s.name)}
                    </Link>
                    <div style={{ flex: 1 }}>
                      <Bar value={c?.byStatus[s.code] ?? 0} max={maxStatus} />
                    </div>
                  </Flex>
                ))}
              </Flex>
            </Card>
          </Col>
          <Col xs={24} md={10}>
            <Card
              size="small"
              title={t('按期限（办理中）', 'By deadline (open)')}
              data-testid="stats-by-deadline"
            >
              <Flex vertical gap={8}>
                {(['normal', 'warning', 'overdue'] as const).map((d) => (
                  <Flex key={d} align="center" gap={8}>
                    <Link
                      to={`/matters?deadlineState=${d}&areaCode=${scope}`}
                      style={{ width: 64, flexShrink: 0, color: DEADLINE_COLORS[d] }}
                    >
                      {name(DEADLINE_STATE_NAMES[d])}
                    </Link>
                    <div style={{ flex: 1 }}>
                      <Bar value={c?.byDeadlineState[d] ?? 0} max={maxDeadline} color={DEADLINE_COLORS[d]} />
                    </div>
                  </Flex>
                ))}
              </Flex>
            </Card>
          </Col>
          {scope.length === 12 && (
            <Col span={24}>
              <Card
                size="small"
                title={t('下级区域', 'Areas below')}
                extra={
                  (children.data?.items.length ?? 0) > MAX_CHILDREN
                    ? t(
                        `仅显示前 ${MAX_CHILDREN} 个（共 ${children.data?.items.length}）`,
                        `First ${MAX_CHILDREN} of ${children.data?.items.length}`,
                      )
                    : null
                }
              >
                <PageState
                  loading={children.isLoading}
                  error={children.error}
                  empty={shown.length === 0}
                  emptyText={t('没有下级区域', 'No areas below')}
                  onRetry={() => void children.refetch()}
                >
                  <Table<Row>
                    rowKey={(r) => r.area.code}
                    size="small"
                    pagination={false}
                    columns={columns}
                    dataSource={rows}
                    scroll={{ x: 820 }}
                    data-testid="stats-children"
                  />
                </PageState>
              </Card>
            </Col>
          )}
        </Row>
      </PageState>
    </div>
  );
}

import { FileExcelOutlined } from '@ant-design/icons';
import { Button, Skeleton } from 'antd';
import { type ComponentProps, lazy, Suspense } from 'react';
import type { paths } from '../../../api/schema';
import { useI18n } from '../../../i18n';

type Json<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer T } } } };
}
  ? T
  : never;

export type Matrix = Json<'/api/disputes/analysis/matrix'>;
export type Sources = Json<'/api/disputes/analysis/sources'>;
export type RepeatParties = Json<'/api/disputes/analysis/repeat-parties'>;
export type Resolution = Json<'/api/disputes/analysis/resolution'>;
export type Month = Matrix['months'][number];

/** What every tab shares: the area (undefined = the user's own) and the period, as days (inclusive). */
export interface PeriodFilters {
  areaCode: string | undefined;
  from: string;
  to: string;
}

export const SILENT_COLOR = '#dc2626';

const ChartImpl = lazy(() => import('./chart'));

/** ECharts in its own chunk, fetched when the first chart is shown. */
export function LazyChart(props: ComponentProps<typeof ChartImpl>) {
  return (
    <Suspense fallback={<Skeleton.Node active style={{ width: '100%', height: props.height ?? 360 }} />}>
      <ChartImpl {...props} />
    </Suspense>
  );
}

/** The same link (from the API) for other days: a month's bar, a year-earlier point. */
export function withPeriod(link: string, from: string, to: string): string {
  const [path, query = ''] = link.split('?');
  const q = new URLSearchParams(query);
  q.set('from', from);
  q.set('to', to);
  return `${path}?${q.toString()}`;
}

/** A day one year earlier ('2024-02-29' → '2023-02-28'). */
export function yearBefore(day: string): string {
  const y = Number(day.slice(0, 4)) - 1;
  const md = day.slice(5);
  return md === '02-29' ? `${y}-02-28` : `${y}-${md}`;
}

export function querystring(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}

/** 同比: "+12.5%", "−3%", or "—" when last year had none. */
export function yoyText(v: number | null): string {
  if (v === null) return '—';
  if (v > 0) return `+${v}%`;
  return `${v}%`;
}

export const yoyColor = (v: number | null) =>
  v === null || v === 0 ? undefined : v > 0 ? '#dc2626' : '#16a34a';

/** 化解率 as a percentage, or 无数据 when nothing is settled (never 0 %). */
export function rateText(rate: number | null, t: (zh: string, en: string) => string): string {
  return rate === null ? t('无数据', 'No data') : `${Math.round(rate * 1000) / 10}%`;
}

/** The workbook is a plain link: the browser downloads it with the session cookie. */
export function ExportButton({ href, testId }: { href: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <Button size="small" icon={<FileExcelOutlined />} href={href} data-testid={testId}>
      {t('导出 Excel', 'Export to Excel')}
    </Button>
  );
}

/** A small line of monthly counts (an SVG, not a chart instance per table row). */
export function Sparkline({
  values,
  width = 96,
  height = 22,
  color = '#1d4ed8',
}: {
  values: number[];
  width?: number;
  height?: number;
  color?: string;
}) {
  if (values.length === 0) return null;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const y = (v: number) => height - 2 - (v / max) * (height - 4);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <svg width={width} height={height} role="img" aria-label={values.join(', ')}>
      <title>{values.join(', ')}</title>
      <polyline points={points} fill="none" stroke={color} strokeWidth={1.5} />
      {values.map((v, i) =>
        v === 0 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: a month's position is its identity here
          <circle key={i} cx={i * step} cy={y(0)} r={1.5} fill={SILENT_COLOR} />
        ) : null,
      )}
    </svg>
  );
}

/** A heat-map cell's background: light to dark blue by the share of the table's largest count. */
export function heat(count: number, max: number): string | undefined {
  if (count <= 0 || max <= 0) return undefined;
  const a = 0.08 + 0.6 * (count / max);
  return `rgba(29, 78, 216, ${a.toFixed(2)})`;
}

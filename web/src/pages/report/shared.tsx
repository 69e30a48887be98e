import { ArrowDownOutlined, ArrowUpOutlined, MinusOutlined } from '@ant-design/icons';
import { Typography } from 'antd';
import dayjs from 'dayjs';
import { useI18n } from '../../i18n';

export type Kind = 'rate' | 'count' | 'amount' | 'duration';

/** A figure as the report shows it: 无数据 when there is nothing to compute it from, never 0 %. */
export function FigureText({ value, kind, testId }: { value: number | null; kind: Kind; testId?: string }) {
  const { t } = useI18n();
  if (value === null) {
    return (
      <Typography.Text type="secondary" data-testid={testId}>
        {t('无数据', 'No data')}
      </Typography.Text>
    );
  }
  return <span data-testid={testId}>{kind === 'rate' ? `${value}%` : value.toLocaleString('zh-CN')}</span>;
}

/** The change with an arrow, green when it goes the good way for the indicator, red when not. */
export function ChangeText({
  change,
  unit,
  direction,
}: {
  change: number | null;
  unit: 'pp' | '%';
  direction: 'up' | 'down';
}) {
  const { t } = useI18n();
  if (change === null) return <Typography.Text type="secondary">—</Typography.Text>;
  const good = change === 0 ? null : change > 0 === (direction === 'up');
  const colour = good === null ? undefined : good ? '#16a34a' : '#dc2626';
  const icon = change > 0 ? <ArrowUpOutlined /> : change < 0 ? <ArrowDownOutlined /> : <MinusOutlined />;
  return (
    <span style={{ color: colour, whiteSpace: 'nowrap' }} data-good={good === null ? 'flat' : String(good)}>
      {icon} {Math.abs(change)}
      {unit === 'pp' ? t(' 个百分点', ' pp') : '%'}
    </span>
  );
}

export type PeriodKind = 'month' | 'quarter' | 'year' | 'five';

export function periodKindOf(key: string): PeriodKind {
  if (/^\d{4}-\d{2}$/.test(key)) return 'month';
  if (/^\d{4}-Q[1-4]$/.test(key)) return 'quarter';
  if (/^\d{4}-\d{4}$/.test(key)) return 'five';
  return 'year';
}

/** The default key of a kind, near today (the last complete month/quarter, this year, the last five years). */
export function defaultKey(kind: PeriodKind): string {
  const now = dayjs();
  const y = now.year();
  switch (kind) {
    case 'month':
      return now.subtract(1, 'month').format('YYYY-MM');
    case 'quarter': {
      const q = Math.floor(now.month() / 3); // the last complete quarter
      return q === 0 ? `${y - 1}-Q4` : `${y}-Q${q}`;
    }
    case 'year':
      return String(y);
    case 'five':
      return `${y - 5}-${y - 1}`;
  }
}

/** The choices of a kind: the last 36 months, 12 quarters, 10 years, or five-year terms. */
export function periodOptions(kind: PeriodKind): { value: string; label: string }[] {
  const now = dayjs();
  const y = now.year();
  const out: { value: string; label: string }[] = [];
  if (kind === 'month') {
    for (let i = 0; i < 36; i++) {
      const m = now.subtract(i, 'month');
      out.push({ value: m.format('YYYY-MM'), label: m.format('YYYY-MM') });
    }
  } else if (kind === 'quarter') {
    for (let i = 0; i < 12; i++) {
      const idx = y * 4 + Math.floor(now.month() / 3) - i;
      const key = `${Math.floor(idx / 4)}-Q${(idx % 4) + 1}`;
      out.push({ value: key, label: key });
    }
  } else if (kind === 'year') {
    for (let i = 0; i < 10; i++) out.push({ value: String(y - i), label: String(y - i) });
  } else {
    for (let i = 1; i <= 6; i++) out.push({ value: `${y - i - 4}-${y - i}`, label: `${y - i - 4}—${y - i}` });
  }
  return out;
}

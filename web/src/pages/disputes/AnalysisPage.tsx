import { DatePicker, Flex, Tabs, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useSearchParams } from 'react-router';
import { useAuth } from '../../auth';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from '../matters/components/AreaTreeSelect';
import { MatrixTab } from './analysis/MatrixTab';
import { PartiesTab } from './analysis/PartiesTab';
import { ResolutionTab } from './analysis/ResolutionTab';
import { SourcesTab } from './analysis/SourcesTab';
import type { PeriodFilters } from './analysis/shared';

const TABS = ['matrix', 'sources', 'parties', 'resolution'] as const;
type Tab = (typeof TABS)[number];

/** The API's bound: a period spans at most 36 calendar months. */
const MAX_MONTHS = 36;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const AREA = /^\d{12}(\d{3})?$/;

const day = (d: Dayjs) => d.format('YYYY-MM-DD');
const valid = (v: string | null) => (v && DAY.test(v) && dayjs(v).isValid() ? v : undefined);

/**
 * 纠纷分析: the dispute library by category × area × month (with year-on-year), the sources' coverage, the
 * parties that come back, and 化解率 by area — for an area of the user's choice (their own by default) and a
 * period of months. Every number and bar opens the dispute list behind it; every table downloads as Excel.
 * Area, period and tab live in the address, so a view can be shared.
 */
export default function AnalysisPage() {
  const { t } = useI18n();
  const { me } = useAuth();
  const mobile = useIsMobile();
  const [params, setParams] = useSearchParams();

  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '')
    ? (params.get('tab') as Tab)
    : 'matrix';
  const areaParam = params.get('areaCode');
  const areaCode = areaParam && AREA.test(areaParam) ? areaParam : undefined;
  const today = dayjs();
  const to = valid(params.get('to')) ?? day(today);
  const from = valid(params.get('from')) ?? day(dayjs(to).subtract(11, 'month').startOf('month'));
  const filters: PeriodFilters = { areaCode, from, to };

  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };

  const presets: { label: string; value: [Dayjs, Dayjs] }[] = [
    {
      label: t('近 12 个月', 'Last 12 months'),
      value: [today.subtract(11, 'month').startOf('month'), today],
    },
    { label: t('今年', 'This year'), value: [today.startOf('year'), today] },
    {
      label: t('去年', 'Last year'),
      value: [today.subtract(1, 'year').startOf('year'), today.subtract(1, 'year').endOf('year')],
    },
    {
      label: t('近 36 个月', 'Last 36 months'),
      value: [today.subtract(35, 'month').startOf('month'), today],
    },
  ];

  const scopeName = me?.scope.path.at(-1)?.name ?? '';

  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('纠纷分析', 'Dispute analysis')}
        </Typography.Title>
        <Flex wrap gap={8} style={{ width: mobile ? '100%' : undefined }}>
          <AreaTreeSelect
            value={areaCode}
            onChange={(code) => set({ areaCode: code })}
            placeholder={
              scopeName ? t(`本辖区：${scopeName}`, `My area: ${scopeName}`) : t('选择区域', 'Choose an area')
            }
            style={{ width: mobile ? '100%' : 240 }}
            testId="analysis-area"
          />
          <DatePicker.RangePicker
            picker="month"
            allowClear={false}
            style={{ width: mobile ? '100%' : 240 }}
            value={[dayjs(from), dayjs(to)]}
            presets={presets}
            disabledDate={(current, info) =>
              current.isAfter(today, 'month') ||
              (!!info.from &&
                Math.abs(current.startOf('month').diff(info.from.startOf('month'), 'month')) >= MAX_MONTHS)
            }
            onChange={(v) => {
              const [a, b] = v ?? [];
              if (!a || !b) return;
              const end = b.endOf('month');
              set({ from: day(a.startOf('month')), to: day(end.isAfter(today) ? today : end) });
            }}
            aria-label={t('统计期间', 'Period')}
            data-testid="analysis-period"
          />
        </Flex>
      </Flex>
      <Tabs
        activeKey={tab}
        onChange={(k) => set({ tab: k === 'matrix' ? undefined : k })}
        items={[
          {
            key: 'matrix',
            label: t('分类×区域', 'Category × area'),
            children: <MatrixTab filters={filters} />,
          },
          { key: 'sources', label: t('数据来源', 'Sources'), children: <SourcesTab filters={filters} /> },
          {
            key: 'parties',
            label: t('重复当事人', 'Repeat parties'),
            children: <PartiesTab areaCode={areaCode} />,
          },
          {
            key: 'resolution',
            label: t('化解率', 'Resolution rate'),
            children: <ResolutionTab filters={filters} />,
          },
        ]}
      />
    </div>
  );
}

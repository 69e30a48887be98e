import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import { BarChart, LineChart } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useI18n } from '../../i18n';
import type { GridReport } from './api';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type Option = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

/** The daily trend of the daily rule: owed (line), done (bars) and the share (right axis). Its own chunk. */
export default function TrendChart({ trend }: { trend: GridReport['trend'] }) {
  const { t } = useI18n();
  const option: Option = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 32 },
    xAxis: { type: 'category', data: trend.map((d) => d.day.slice(5)) },
    yAxis: [
      { type: 'value', name: t('次', 'count'), minInterval: 1 },
      { type: 'value', name: '%', min: 0, max: 100 },
    ],
    series: [
      {
        type: 'bar',
        name: t('已入格', 'Done'),
        data: trend.map((d) => d.done),
        itemStyle: { color: '#1d4ed8' },
      },
      {
        type: 'line',
        name: t('应入格', 'Required'),
        data: trend.map((d) => d.required),
        itemStyle: { color: '#64748b' },
        symbol: 'none',
      },
      {
        type: 'line',
        name: t('入格率', 'Share'),
        yAxisIndex: 1,
        data: trend.map((d) => (d.required ? Math.round((d.done / d.required) * 1000) / 10 : null)),
        itemStyle: { color: '#15803d' },
      },
    ],
  };
  return (
    <div data-testid="grid-trend">
      <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height: 300, width: '100%' }} />
    </div>
  );
}

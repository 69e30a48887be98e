import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import { BarChart, LineChart } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useI18n } from '../../i18n';
import type { ScreenSummary } from './api';
import { COLORS } from './theme';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type Option = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

/** The last days: new and closed matters as lines, new alerts as bars (their own scale on the right). */
export function TrendChart({ trend }: { trend: ScreenSummary['trend'] }) {
  const { t } = useI18n();
  const option = useMemo(
    (): Option => ({
      backgroundColor: 'transparent',
      textStyle: { color: COLORS.text },
      grid: { left: 44, right: 40, top: 36, bottom: 28 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, textStyle: { color: COLORS.text, fontSize: 14 } },
      xAxis: {
        type: 'category',
        data: trend.map((d) => d.day.slice(5)),
        axisLine: { lineStyle: { color: COLORS.grid } },
        axisLabel: { color: COLORS.muted },
      },
      yAxis: [
        {
          type: 'value',
          minInterval: 1,
          splitLine: { lineStyle: { color: COLORS.grid } },
          axisLabel: { color: COLORS.muted },
        },
        { type: 'value', minInterval: 1, splitLine: { show: false }, axisLabel: { color: COLORS.muted } },
      ],
      series: [
        {
          name: t('新增事项', 'New matters'),
          type: 'line',
          smooth: false,
          showSymbol: false,
          data: trend.map((d) => d.created),
          lineStyle: { width: 3, color: COLORS.accent },
          itemStyle: { color: COLORS.accent },
          areaStyle: { color: 'rgba(56, 189, 248, 0.15)' },
        },
        {
          name: t('办结事项', 'Closed'),
          type: 'line',
          smooth: false,
          showSymbol: false,
          data: trend.map((d) => d.closed),
          lineStyle: { width: 3, color: COLORS.good },
          itemStyle: { color: COLORS.good },
        },
        {
          name: t('新增预警', 'New alerts'),
          type: 'bar',
          yAxisIndex: 1,
          barMaxWidth: 10,
          data: trend.map((d) => d.alerts),
          itemStyle: { color: 'rgba(249, 115, 22, 0.7)' },
        },
      ],
    }),
    [trend, t],
  );
  return (
    <ReactEChartsCore
      echarts={echarts}
      option={option}
      notMerge
      style={{ position: 'absolute', inset: 0, height: '100%', width: '100%' }}
    />
  );
}

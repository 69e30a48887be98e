import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import { BarChart, LineChart } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type { ComposeOption, ECElementEvent } from 'echarts/core';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';

// Only the pieces these charts use are registered: bars, lines, axes, tooltip, legend, canvas.
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

/**
 * A chart whose bars and points can be clicked (to open the disputes behind them). Loaded on its own (see
 * LazyChart in shared.tsx): the tables show while ECharts arrives.
 */
export default function Chart({
  option,
  onClick,
  height = 360,
  testId,
}: {
  option: ChartOption;
  onClick?: (e: ECElementEvent) => void;
  height?: number;
  testId?: string;
}) {
  const events = useMemo(
    (): Record<string, (e: ECElementEvent) => void> => (onClick ? { click: onClick } : {}),
    [onClick],
  );
  return (
    <div data-testid={testId}>
      <ReactEChartsCore
        echarts={echarts}
        option={option}
        notMerge
        onEvents={events}
        style={{ height, width: '100%', cursor: onClick ? 'pointer' : undefined }}
      />
    </div>
  );
}

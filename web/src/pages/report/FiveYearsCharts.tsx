import { Card, Col, Row } from 'antd';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import { BarChart, LineChart } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  TitleComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useI18n } from '../../i18n';
import type { FiveYears } from './api';

echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
]);

type Option = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TitleComponentOption
  | TooltipComponentOption
>;
const COLOURS = ['#1d4ed8', '#dc2626', '#059669', '#d97706', '#7c3aed'];

/** The trend charts of 数说五年, as the server declares them (the same groups as the PDF and Excel). Its own chunk. */
export default function FiveYearsCharts({ data }: { data: FiveYears }) {
  const { name } = useI18n();
  const byCode = new Map(data.items.map((i) => [i.code, i]));
  return (
    <Row gutter={[12, 12]}>
      {data.charts.map((g) => {
        const two = g.series.some((s) => s.axis === 1);
        const option: Option = {
          color: COLOURS,
          tooltip: { trigger: 'axis' },
          legend: { bottom: 0 },
          grid: { left: 56, right: two ? 64 : 24, top: 24, bottom: 48 },
          xAxis: { type: 'category', data: data.years.map(String) },
          yAxis: two ? [{ type: 'value' }, { type: 'value' }] : [{ type: 'value' }],
          series: g.series.map((s) => {
            const item = byCode.get(s.code);
            const values = (item?.years ?? []).map((y) => y.value);
            return s.type === 'bar'
              ? { type: 'bar', name: item ? name(item.name) : s.code, yAxisIndex: s.axis, data: values }
              : { type: 'line', name: item ? name(item.name) : s.code, yAxisIndex: s.axis, data: values };
          }),
        };
        return (
          <Col xs={24} lg={12} key={g.key}>
            <Card size="small" title={name(g.title)} data-testid={`chart-${g.key}`}>
              <ReactEChartsCore echarts={echarts} option={option} style={{ height: 280 }} notMerge />
            </Card>
          </Col>
        );
      })}
    </Row>
  );
}

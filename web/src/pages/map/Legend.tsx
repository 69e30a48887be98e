import { Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';
import type { Aggregate, FeatureLayer } from './api';
import { breaks, ranges } from './geo';
import {
  ALERT_CELL_COLORS,
  CELL_COLORS,
  FEATURE_COLORS,
  LEVEL_COLORS,
  POINT_COLORS,
  stepColors,
  TASK_COLORS,
} from './style';

const FEATURE_NAMES: Record<FeatureLayer, { zh: string; en: string }> = {
  houses: { zh: '房屋', en: 'Houses' },
  enterprises: { zh: '企业', en: 'Enterprises' },
  things: { zh: '物', en: 'Things' },
  courts: { zh: '共享法庭', en: 'Shared courts' },
  stations: { zh: '心理服务站', en: 'Psychological stations' },
  workers: { zh: '网格员签到位置（7 天内）', en: 'Grid members’ check-ins (7 days)' },
};

function Swatch({ color, round, outline }: { color: string; round?: boolean; outline?: boolean }) {
  return (
    <span
      aria-hidden
      style={{
        display: 'inline-block',
        width: 14,
        height: 14,
        flex: 'none',
        borderRadius: round ? 7 : 2,
        background: outline ? 'transparent' : color,
        border: outline ? `3px solid ${color}` : '1px solid rgba(0,0,0,0.15)',
      }}
    />
  );
}

const Row = ({ children, testId }: { children: ReactNode; testId?: string }) => (
  <Flex align="center" gap={6} style={{ fontSize: 12, lineHeight: '18px' }} data-testid={testId}>
    {children}
  </Flex>
);

function CellsLegend({ data, colors, outline }: { data: Aggregate; colors: string[]; outline?: boolean }) {
  if (data.mode !== 'cells') return null;
  const totals = data.cells.map((c) => c.total);
  const bks = breaks(totals);
  const cols = stepColors(bks, colors);
  const max = Math.max(0, ...totals);
  return (
    <>
      {ranges(bks, max).map(([from, to], i) => (
        <Row key={from}>
          <Swatch color={cols[i]!} outline={outline} />
          <span data-testid="legend-range">
            {to === null ? `≥ ${from}` : from === to ? `${from}` : `${from}–${to}`}
          </span>
        </Row>
      ))}
    </>
  );
}

/** What the colours mean, for the layers shown: cells by their totals, points by their state. */
export function Legend({
  matters,
  alerts,
  features,
  tasks,
}: {
  matters: Aggregate | undefined;
  alerts: Aggregate | undefined;
  features: FeatureLayer[];
  tasks?: boolean;
}) {
  const { t, name } = useI18n();
  if (!matters && !alerts && !features.length && !tasks) return null;
  return (
    <div
      data-testid="map-legend"
      style={{
        background: 'rgba(255,255,255,0.94)',
        borderRadius: 6,
        padding: '6px 10px',
        boxShadow: '0 1px 4px rgba(0,0,0,0.15)',
        maxHeight: '45%',
        overflow: 'auto',
      }}
    >
      {matters && (
        <div data-testid="legend-matters" data-mode={matters.mode}>
          <Typography.Text strong style={{ fontSize: 12 }}>
            {matters.mode === 'cells' ? t('事项数（每格）', 'Matters per cell') : t('事项', 'Matters')}
          </Typography.Text>
          {matters.mode === 'cells' ? (
            <CellsLegend data={matters} colors={CELL_COLORS} />
          ) : (
            <>
              <Row>
                <Swatch color={POINT_COLORS.normal} round /> {t('在办', 'Open')}
              </Row>
              <Row>
                <Swatch color={POINT_COLORS.warning} round /> {t('临期', 'Due soon')}
              </Row>
              <Row>
                <Swatch color={POINT_COLORS.overdue} round /> {t('超期', 'Overdue')}
              </Row>
              <Row>
                <Swatch color={POINT_COLORS.closed} round /> {t('已办结', 'Closed')}
              </Row>
            </>
          )}
        </div>
      )}
      {alerts && (
        <div data-testid="legend-alerts" data-mode={alerts.mode} style={{ marginTop: matters ? 6 : 0 }}>
          <Typography.Text strong style={{ fontSize: 12 }}>
            {alerts.mode === 'cells'
              ? t('预警数（每格，描边）', 'Alerts per cell (outline)')
              : t('预警', 'Alerts')}
          </Typography.Text>
          {alerts.mode === 'cells' ? (
            <CellsLegend data={alerts} colors={ALERT_CELL_COLORS} outline />
          ) : (
            (['red', 'orange', 'yellow'] as const).map((l) => (
              <Row key={l}>
                <Swatch color={LEVEL_COLORS[l]} round />
                {name(
                  {
                    red: { zh: '红色', en: 'Red' },
                    orange: { zh: '橙色', en: 'Orange' },
                    yellow: { zh: '黄色', en: 'Yellow' },
                  }[l],
                )}
              </Row>
            ))
          )}
        </div>
      )}
      {tasks && (
        <div data-testid="legend-tasks" style={{ marginTop: matters || alerts ? 6 : 0 }}>
          <Typography.Text strong style={{ fontSize: 12 }}>
            {t('置顶指令', 'Pinned tasks')}
          </Typography.Text>
          {(
            [
              ['issued', t('待签收', 'Issued')],
              ['signed', t('待到场', 'Signed for')],
              ['on_site', t('处置中', 'On site')],
              ['returned', t('已退回', 'Returned')],
              ['later', t('待核查', 'Reported back')],
              ['overdue', t('超时', 'Overdue')],
              ['closed', t('已办结（24 小时内）', 'Closed (last 24 h)')],
            ] as const
          ).map(([k, label]) => (
            <Row key={k}>
              <Swatch color={TASK_COLORS[k]} round /> {label}
            </Row>
          ))}
        </div>
      )}
      {features.length > 0 && (
        <div style={{ marginTop: matters || alerts || tasks ? 6 : 0 }}>
          {features.map((f) => (
            <Row key={f} testId={`legend-${f}`}>
              <Swatch color={FEATURE_COLORS[f]} round /> {name(FEATURE_NAMES[f])}
            </Row>
          ))}
        </div>
      )}
    </div>
  );
}

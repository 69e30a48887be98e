import { LoadingOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  Badge,
  Button,
  Checkbox,
  Divider,
  Flex,
  List,
  Radio,
  Segmented,
  Select,
  Slider,
  Tooltip,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { useMatterTypes } from '../matters/components/lookups';
import { DEADLINE_STATE_NAMES } from '../matters/components/names';
import { THING_KINDS } from '../subjects/labels';
import type { MapConfig, MatterPoint } from './api';
import {
  DEADLINES,
  LEVELS,
  type MapState,
  SLIDER_DAYS,
  type StatePatch,
  sliderDays,
  sliderValue,
} from './filters';

/** The layers this page knows how to draw; others the server lists are shown, disabled. */
export const DRAWN = new Set([
  'matters',
  'alerts',
  'tasks',
  'houses',
  'enterprises',
  'things',
  'grids',
  'courts',
  'stations',
  'workers',
  'sea',
]);

export interface LayerStatus {
  total?: number;
  loading: boolean;
  mode?: 'cells' | 'points';
  truncated?: boolean;
}

const LEVEL_NAMES = {
  red: { zh: '红色', en: 'Red' },
  orange: { zh: '橙色', en: 'Orange' },
  yellow: { zh: '黄色', en: 'Yellow' },
};

/** How long the time slider waits after the last move before it asks again. */
const SLIDER_DEBOUNCE_MS = 400;

function Field({ label, htmlFor, children }: { label: string; htmlFor?: string; children: ReactNode }) {
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 4 }}>
      <label htmlFor={htmlFor} style={{ fontSize: 12, color: 'rgba(0,0,0,0.6)' }}>
        {label}
      </label>
      {children}
    </div>
  );
}

/**
 * The layer panel: layers with their counts in view, the base map, the matters' filters and time slider,
 * and — once zoomed in to points — the matters in view as a list (what a keyboard user opens instead of
 * clicking a dot). Everything it changes goes to the address (`onPatch`).
 */
export function LayerPanel({
  config,
  state,
  status,
  baseErrors,
  onPatch,
  visible,
  onPick,
  onReset,
}: {
  config: MapConfig;
  state: MapState;
  status: Record<string, LayerStatus>;
  baseErrors: Record<string, string>;
  onPatch: (p: StatePatch) => void;
  visible: MatterPoint[];
  onPick: (p: MatterPoint) => void;
  onReset: () => void;
}) {
  const { t, name } = useI18n();
  const types = useMatterTypes();
  const on = new Set(state.layers);
  const size = 'middle';

  // The slider moves freely; the address (and the request) follow once it rests.
  const [range, setRange] = useState<[number, number]>(() => sliderValue(state));
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const fromTo = `${state.from ?? ''}|${state.to ?? ''}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows the address when it changes from outside
  useEffect(() => setRange(sliderValue(state)), [fromTo]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const slide = (v: number[]) => {
    const r: [number, number] = [v[0] ?? -SLIDER_DAYS, v[1] ?? 0];
    setRange(r);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const d = sliderDays(r);
      onPatch({ from: d.from, to: d.to });
    }, SLIDER_DEBOUNCE_MS);
  };
  const rangeText = (() => {
    const d = sliderDays(range);
    if (!d.from && !d.to) return t('全部时间', 'All time');
    const f = d.from ?? t('最早', 'the start');
    const to = d.to ?? t('今天', 'today');
    return `${f} ~ ${to}`;
  })();

  const matterTypes = types.types.filter((x) => x.code !== 'alert');
  const statePool = state.types.length
    ? matterTypes.filter((x) => state.types.includes(x.code))
    : matterTypes;
  const statuses = new Map<string, { zh: string; en: string }>();
  for (const ty of statePool)
    for (const s of ty.states) if (!statuses.has(s.code)) statuses.set(s.code, s.name);

  const toggle = (code: string, checked: boolean) => {
    const next = checked
      ? [...state.layers.filter((l) => l !== code), code]
      : state.layers.filter((l) => l !== code);
    onPatch({ layers: next.join(',') });
  };

  return (
    <Flex vertical gap={12} data-testid="layer-panel">
      <Typography.Title level={5} style={{ margin: 0 }} data-testid="map-title">
        {t('社会治理一张图', 'One map of the city')}
      </Typography.Title>
      <section aria-labelledby="map-layers-title">
        <Typography.Text strong id="map-layers-title">
          {t('图层', 'Layers')}
        </Typography.Text>
        <Flex vertical gap={6} style={{ marginTop: 6 }}>
          {config.layers.map((l) => {
            const drawable = l.available && DRAWN.has(l.code);
            const s = status[l.code];
            const reason = !l.available
              ? l.reason
                ? name(l.reason)
                : t('暂不可用', 'Not available')
              : !DRAWN.has(l.code)
                ? t('此页面尚不能显示该图层', 'This page cannot draw this layer yet')
                : null;
            const box = (
              <Checkbox
                checked={drawable && on.has(l.code)}
                disabled={!drawable}
                onChange={(e) => toggle(l.code, e.target.checked)}
                data-testid={`layer-${l.code}`}
              >
                {name(l.name)}
              </Checkbox>
            );
            return (
              <Flex key={l.code} justify="space-between" align="center" gap={8}>
                {reason ? (
                  <Tooltip title={reason}>
                    <span>{box}</span>
                  </Tooltip>
                ) : (
                  box
                )}
                {drawable && on.has(l.code) && (
                  <span
                    data-testid={`layer-count-${l.code}`}
                    data-count={s?.total ?? ''}
                    data-mode={s?.mode ?? ''}
                  >
                    {s?.loading ? (
                      <LoadingOutlined aria-label={t('加载中', 'Loading')} />
                    ) : s?.total !== undefined ? (
                      <Tooltip
                        title={
                          s.truncated
                            ? t(
                                '点数超过上限，只显示一部分；请放大或筛选',
                                'Too many points: only some are shown',
                              )
                            : s.mode === 'cells'
                              ? t('视野内合计（按六边形网格汇总）', 'Total in view (summed per hexagon)')
                              : t('视野内合计', 'Total in view')
                        }
                      >
                        <Badge
                          count={s.truncated ? `${s.total}+` : s.total}
                          showZero
                          overflowCount={999_999}
                          color={s.truncated ? '#f59e0b' : '#64748b'}
                        />
                      </Tooltip>
                    ) : null}
                  </span>
                )}
              </Flex>
            );
          })}
        </Flex>
      </section>

      {config.baseSources.length > 0 && (
        <section aria-labelledby="map-base-title">
          <Typography.Text strong id="map-base-title">
            {t('底图', 'Base map')}
          </Typography.Text>
          <Radio.Group
            style={{ display: 'flex', flexDirection: 'column', gap: 4, marginTop: 6 }}
            value={state.base ?? ''}
            onChange={(e) => onPatch({ base: e.target.value || undefined })}
            aria-labelledby="map-base-title"
          >
            <Radio value="" data-testid="base-none">
              {t('仅行政区划（离线）', 'Boundaries only (offline)')}
            </Radio>
            {config.baseSources.map((b) => (
              <Tooltip key={b.id} title={baseErrors[b.id]}>
                <Radio value={b.id} data-testid={`base-${b.id}`}>
                  {b.name}
                  {b.crs === 'gcj02' ? ' (GCJ-02)' : ''}
                  {baseErrors[b.id] && (
                    <Typography.Text type="danger" style={{ fontSize: 12 }}>
                      {' '}
                      {t('不可用', 'unavailable')}
                    </Typography.Text>
                  )}
                </Radio>
              </Tooltip>
            ))}
          </Radio.Group>
        </section>
      )}

      <Divider style={{ margin: '4px 0' }} />
      <section aria-labelledby="map-filters-title">
        <Flex justify="space-between" align="center">
          <Typography.Text strong id="map-filters-title">
            {t('事项筛选', 'Matter filters')}
          </Typography.Text>
          <Button size="small" icon={<ReloadOutlined />} onClick={onReset} data-testid="filters-reset">
            {t('重置', 'Reset')}
          </Button>
        </Flex>
        <Flex vertical gap={10} style={{ marginTop: 8 }}>
          <Field label={t('事项类型', 'Matter type')} htmlFor="map-f-types">
            <Select
              id="map-f-types"
              mode="multiple"
              allowClear
              size={size}
              loading={types.isLoading}
              value={state.types}
              onChange={(v: string[]) => onPatch({ types: v.join(',') || undefined, statuses: undefined })}
              options={matterTypes.map((x) => ({ value: x.code, label: name(x.name) }))}
              placeholder={t('全部类型', 'All types')}
              data-testid="filter-types"
            />
          </Field>
          <Field label={t('状态', 'Status')} htmlFor="map-f-statuses">
            <Select
              id="map-f-statuses"
              mode="multiple"
              allowClear
              size={size}
              maxTagCount="responsive"
              value={state.statuses}
              onChange={(v: string[]) => onPatch({ statuses: v.join(',') || undefined })}
              options={[...statuses].map(([code, n]) => ({ value: code, label: name(n) }))}
              placeholder={t('全部状态', 'All statuses')}
              data-testid="filter-statuses"
            />
          </Field>
          <Field label={t('办结情况', 'Open or closed')}>
            <Segmented
              block
              value={state.open ?? 'all'}
              onChange={(v) => onPatch({ open: v === 'all' ? undefined : String(v) })}
              options={[
                { value: 'all', label: t('全部', 'All') },
                { value: 'true', label: t('未结', 'Open') },
                { value: 'false', label: t('已结', 'Closed') },
              ]}
              data-testid="filter-open"
            />
          </Field>
          <Field label={t('时限', 'Deadline')}>
            <Checkbox.Group
              value={state.deadline}
              onChange={(v) => onPatch({ deadline: (v as string[]).join(',') || undefined })}
              options={DEADLINES.map((d) => ({
                value: d,
                label: <span data-testid={`filter-deadline-${d}`}>{name(DEADLINE_STATE_NAMES[d])}</span>,
              }))}
            />
          </Field>
          <Field label={t('预警等级（预警图层）', 'Alert level (alerts layer)')}>
            <Checkbox.Group
              value={state.levels}
              onChange={(v) => onPatch({ levels: (v as string[]).join(',') || undefined })}
              options={LEVELS.map((l) => ({
                value: l,
                label: <span data-testid={`filter-level-${l}`}>{name(LEVEL_NAMES[l])}</span>,
              }))}
            />
          </Field>
          <Field label={`${t('上报时间', 'Reported')}：${rangeText}`}>
            <div style={{ paddingInline: 8 }} data-testid="filter-time">
              <Slider
                range
                min={-SLIDER_DAYS}
                max={0}
                step={1}
                value={range}
                onChange={slide}
                tooltip={{
                  formatter: (v) => (v === undefined ? '' : dayjs().add(v, 'day').format('YYYY-MM-DD')),
                }}
                marks={{
                  [-SLIDER_DAYS]: t('一年前', '1 y'),
                  [-180]: t('半年前', '6 m'),
                  0: t('今天', 'today'),
                }}
                ariaLabelForHandle={[t('开始日期', 'From'), t('结束日期', 'To')]}
              />
            </div>
          </Field>
          {on.has('things') && (
            <Field label={t('物的种类', 'Kinds of things')} htmlFor="map-f-kinds">
              <Select
                id="map-f-kinds"
                mode="multiple"
                allowClear
                size={size}
                value={state.kinds}
                onChange={(v: string[]) => onPatch({ kinds: v.join(',') || undefined })}
                options={Object.entries(THING_KINDS).map(([code, n]) => ({ value: code, label: name(n) }))}
                placeholder={t('全部种类', 'All kinds')}
                data-testid="filter-kinds"
              />
            </Field>
          )}
        </Flex>
      </section>

      {visible.length > 0 && (
        <section aria-labelledby="map-visible-title">
          <Divider style={{ margin: '4px 0 8px' }} />
          <Typography.Text strong id="map-visible-title">
            {t('视野内事项', 'Matters in view')} ({visible.length})
          </Typography.Text>
          <List
            size="small"
            data-testid="visible-matters"
            dataSource={visible.slice(0, 50)}
            renderItem={(p) => (
              <List.Item style={{ paddingInline: 0 }}>
                <Button
                  type="link"
                  style={{ padding: 0, height: 'auto', textAlign: 'left', whiteSpace: 'normal' }}
                  onClick={() => onPick(p)}
                >
                  {p.number} {p.title}
                </Button>
              </List.Item>
            )}
          />
        </section>
      )}
    </Flex>
  );
}

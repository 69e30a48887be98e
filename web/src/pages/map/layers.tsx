import { Layer, Source } from '@vis.gl/react-maplibre';
import type { ExpressionSpecification } from 'maplibre-gl';
import { useMemo } from 'react';
import type { Aggregate, Boundaries, FeatureLayer, Features, PinnedTask } from './api';
import { breaks, hexagons, pointsOf } from './geo';
import {
  ALERT_CELL_COLORS,
  alertPointColor,
  BOUNDARY_STYLE,
  CELL_COLORS,
  FEATURE_COLORS,
  matterPointColor,
  stepColor,
  taskPointColor,
  Z,
} from './style';

/**
 * The map's data layers as MapLibre sources and layers. Layer ids are stable names that the click and
 * hover handlers (MapView) and the browser test read: `<layer>-cells`, `<layer>-points`,
 * `<layer>-clusters`, `area-fill-<level>`.
 */

const TEXT_FONT = ['Noto Sans Regular'];

/** The layers a click or a hover answers to, topmost first (the order they are stacked in). */
export function interactiveIds(): string[] {
  return [
    'tasks-points',
    'alerts-points',
    'matters-points',
    ...(['workers', 'stations', 'courts', 'things', 'enterprises', 'houses'] as const).flatMap((l) => [
      `${l}-points`,
      `${l}-clusters`,
      `${l}-cells`,
    ]),
    'alerts-cells',
    'matters-cells',
    'area-fill-5',
    'area-fill-4',
    'area-fill-3',
    'area-fill-2',
  ];
}

export function BoundaryLayer({
  level,
  data,
  selected,
  labels,
}: {
  level: number;
  data: Boundaries;
  selected: string | null;
  labels: boolean;
}) {
  const s = BOUNDARY_STYLE[level] ?? BOUNDARY_STYLE[4]!;
  return (
    <Source id={`area-${level}`} type="geojson" data={data} promoteId="code">
      <Layer
        id={`area-fill-${level}`}
        type="fill"
        beforeId={Z.areaFill}
        paint={{
          'fill-color': ['case', ['==', ['get', 'code'], selected ?? ''], '#f59e0b', s.color],
          'fill-opacity': ['case', ['==', ['get', 'code'], selected ?? ''], 0.18, s.fill],
        }}
      />
      <Layer
        id={`area-line-${level}`}
        type="line"
        beforeId={Z.areaLine}
        paint={{
          'line-color': ['case', ['==', ['get', 'code'], selected ?? ''], '#d97706', s.color],
          'line-width': ['case', ['==', ['get', 'code'], selected ?? ''], s.width + 2, s.width],
          ...(level === 5 ? { 'line-dasharray': [3, 2] } : {}),
        }}
      />
      {labels && (
        <Layer
          id={`area-label-${level}`}
          type="symbol"
          beforeId={Z.labels}
          layout={{ 'text-field': ['get', 'name'], 'text-font': TEXT_FONT, 'text-size': 14 - level }}
          paint={{ 'text-color': s.color, 'text-halo-color': '#fff', 'text-halo-width': 1 }}
        />
      )}
    </Source>
  );
}

/** Matters or alerts: h3 hexagons coloured by their totals, or points coloured by state. */
export function AggregateLayer({
  layer,
  data,
  shifted,
  labels,
}: {
  layer: 'matters' | 'alerts';
  data: Aggregate;
  shifted: boolean;
  labels: boolean;
}) {
  const cells = data.mode === 'cells' ? data.cells : null;
  const hexes = useMemo(() => (cells ? hexagons(cells, shifted) : null), [cells, shifted]);
  const points = data.mode === 'points' ? data.points : null;
  const pts = useMemo(() => (points ? pointsOf(points) : null), [points]);
  const bks = useMemo(() => breaks((cells ?? []).map((c) => c.total)), [cells]);
  if (hexes) {
    const alerts = layer === 'alerts';
    const color = stepColor('total', bks, alerts ? ALERT_CELL_COLORS : CELL_COLORS);
    return (
      <Source id={`${layer}-cells-src`} type="geojson" data={hexes}>
        <Layer
          id={`${layer}-cells`}
          type="fill"
          beforeId={Z.cells}
          paint={{ 'fill-color': color, 'fill-opacity': alerts ? 0 : 0.72 }}
        />
        <Layer
          id={`${layer}-cells-line`}
          type="line"
          beforeId={Z.cells}
          paint={
            alerts
              ? { 'line-color': color, 'line-width': 2.5 }
              : { 'line-color': '#ffffff', 'line-width': 0.6 }
          }
        />
        {labels && !alerts && (
          <Layer
            id={`${layer}-cells-label`}
            type="symbol"
            beforeId={Z.labels}
            layout={{
              'text-field': ['to-string', ['get', 'total']],
              'text-font': TEXT_FONT,
              'text-size': 11,
            }}
            paint={{ 'text-color': '#0f172a', 'text-halo-color': '#fff', 'text-halo-width': 1 }}
          />
        )}
      </Source>
    );
  }
  if (!pts) return null;
  const alerts = layer === 'alerts';
  return (
    <Source id={`${layer}-points-src`} type="geojson" data={pts}>
      <Layer
        id={`${layer}-points`}
        type="circle"
        beforeId={Z.points}
        paint={{
          'circle-color': alerts ? alertPointColor : matterPointColor,
          'circle-radius': alerts ? 8 : 6,
          'circle-stroke-color': alerts ? '#111827' : '#ffffff',
          'circle-stroke-width': 1.5,
        }}
      />
    </Source>
  );
}

const radiusByCount = (prop: string): ExpressionSpecification => [
  'interpolate',
  ['linear'],
  ['sqrt', ['get', prop]],
  1,
  7,
  10,
  16,
  40,
  26,
];

/** Houses, enterprises or things: per-cell bubbles when zoomed out; clustered points when zoomed in. */
export function FeaturesLayer({
  layer,
  data,
  labels,
}: {
  layer: FeatureLayer;
  data: Features;
  labels: boolean;
}) {
  const color = FEATURE_COLORS[layer];
  const cells = data.mode === 'cells' ? data.cells : null;
  const points = data.mode === 'points' ? data.points : null;
  const geo = useMemo(() => (cells ? pointsOf(cells) : pointsOf(points ?? [])), [cells, points]);
  if (cells) {
    return (
      <Source id={`${layer}-cells-src`} type="geojson" data={geo}>
        <Layer
          id={`${layer}-cells`}
          type="circle"
          beforeId={Z.features}
          paint={{
            'circle-color': color,
            'circle-opacity': 0.55,
            'circle-radius': radiusByCount('total'),
            'circle-stroke-color': color,
            'circle-stroke-width': 1,
          }}
        />
        {labels && (
          <Layer
            id={`${layer}-cells-label`}
            type="symbol"
            beforeId={Z.labels}
            layout={{
              'text-field': ['to-string', ['get', 'total']],
              'text-font': TEXT_FONT,
              'text-size': 11,
            }}
            paint={{ 'text-color': '#fff' }}
          />
        )}
      </Source>
    );
  }
  return (
    <Source
      id={`${layer}-points-src`}
      type="geojson"
      data={geo}
      cluster
      clusterRadius={40}
      clusterMaxZoom={17}
    >
      <Layer
        id={`${layer}-clusters`}
        type="circle"
        beforeId={Z.features}
        filter={['has', 'point_count']}
        paint={{
          'circle-color': color,
          'circle-opacity': 0.7,
          'circle-radius': radiusByCount('point_count'),
          'circle-stroke-color': '#fff',
          'circle-stroke-width': 1.5,
        }}
      />
      <Layer
        id={`${layer}-points`}
        type="circle"
        beforeId={Z.features}
        filter={['!', ['has', 'point_count']]}
        paint={{
          'circle-color': color,
          'circle-radius': 5,
          'circle-stroke-color': '#fff',
          'circle-stroke-width': 1.5,
        }}
      />
      {labels && (
        <Layer
          id={`${layer}-clusters-label`}
          type="symbol"
          beforeId={Z.labels}
          filter={['has', 'point_count']}
          layout={{
            'text-field': ['to-string', ['get', 'point_count']],
            'text-font': TEXT_FONT,
            'text-size': 11,
          }}
          paint={{ 'text-color': '#fff' }}
        />
      )}
    </Source>
  );
}

/**
 * Pinned 指令 tasks: a large ring on top of everything, filled by the task's state (overdue red), with a dark
 * outline so that it stands out from matter points. Tasks without a point are not drawn.
 */
export function TasksLayer({ tasks }: { tasks: PinnedTask[] }) {
  const geo = useMemo(
    () =>
      pointsOf(
        tasks.flatMap((x) =>
          x.point
            ? [
                {
                  id: x.id,
                  number: x.number,
                  title: x.title,
                  status: x.status,
                  closed: x.closed,
                  overdue: x.overdue,
                  lng: x.point.lng,
                  lat: x.point.lat,
                },
              ]
            : [],
        ),
      ),
    [tasks],
  );
  return (
    <Source id="tasks-points-src" type="geojson" data={geo}>
      <Layer
        id="tasks-points"
        type="circle"
        beforeId={Z.labels}
        paint={{
          'circle-color': taskPointColor,
          'circle-radius': 10,
          'circle-stroke-color': '#111827',
          'circle-stroke-width': 3,
        }}
      />
    </Source>
  );
}

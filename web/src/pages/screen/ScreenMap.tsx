import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { type ErrorEvent, Layer, Map as MapGL, type MapRef, Source } from '@vis.gl/react-maplibre';
import type { Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorText } from '../../api/client';
import { useI18n } from '../../i18n';
// The map page's pieces: its API, the hexagon layer, the point helper, the task colours and the stacking.
import { type Bbox, getAggregate, getBoundaries, type MapConfig, type View } from '../map/api';
import { MAX_SPAN, pointsOf, requestZoom } from '../map/geo';
import { AggregateLayer } from '../map/layers';
import { baseStyle, TASK_COLORS, taskPointColor, Z } from '../map/style';
import type { ScreenTask } from './api';
import { u } from './panels';
import { COLORS } from './theme';

/** Layers the page reports as drawn (data-rendered), for people and the browser test. */
const PROBED = ['screen-area-fill-2', 'screen-area-fill-3', 'matters-cells', 'alerts-cells', 'screen-tasks'];
/** Districts bright, towns faint: the city's shape on a dark ground. */
const AREA_STYLE: Record<number, { line: string; width: number; fill: string; opacity: number }> = {
  2: { line: '#38bdf8', width: 2, fill: '#0ea5e9', opacity: 0.06 },
  3: { line: 'rgba(125, 211, 252, 0.45)', width: 0.8, fill: '#0ea5e9', opacity: 0.02 },
  4: { line: 'rgba(125, 211, 252, 0.35)', width: 0.6, fill: '#0ea5e9', opacity: 0.02 },
  5: { line: 'rgba(45, 212, 191, 0.5)', width: 0.8, fill: '#14b8a6', opacity: 0.03 },
};

/** Districts and towns always; villages and grids too when the focus is small enough for the server. */
function levelsFor(b: Bbox): number[] {
  const span = Math.max(b[2] - b[0], b[3] - b[1]);
  return [2, 3, ...([4, 5] as const).filter((l) => span <= MAX_SPAN[l])];
}

/** The map page's own style, on a dark ground (no URL anywhere: it draws offline). */
function darkStyle(glyphs: string | null | undefined): StyleSpecification {
  const s = baseStyle(glyphs);
  return {
    ...s,
    layers: s.layers.map((l) =>
      l.id === 'background' ? { ...l, paint: { 'background-color': '#06142b' } } : l,
    ) as StyleSpecification['layers'],
  };
}

function viewOf(map: MapLibreMap): View {
  const b = map.getBounds();
  return {
    bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
    zoom: requestZoom(map.getZoom()),
    crs: 'wgs84',
  };
}

/**
 * The centre of the screen: the area's districts and towns, its open matters as h3 hexagons and its open
 * alerts outlined (the map's aggregate), and the open 指令 tasks coloured by their state (overdue red). The
 * layers are asked again whenever the page's live refresh invalidates ['screen', …].
 */
export function ScreenMap({
  config,
  focus,
  tasks,
}: {
  config: MapConfig;
  /** The box to show: the chosen area's, or the user's. */
  focus: Bbox;
  tasks: ScreenTask[];
}) {
  const { t, lang } = useI18n();
  const mapRef = useRef<MapRef>(null);
  const [view, setView] = useState<View | null>(null);
  const [rendered, setRendered] = useState<Record<string, number> | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const style = useMemo(() => darkStyle(config.glyphs), [config.glyphs]);

  const levels = useMemo(() => levelsFor(focus), [focus]);
  const boundaries = useQueries({
    queries: levels.map((level) => ({
      queryKey: ['screen', 'boundaries', level, focus],
      queryFn: ({ signal }: { signal: AbortSignal }) => getBoundaries(level, focus, 'wgs84', signal),
      staleTime: 10 * 60_000,
    })),
  });
  const aggregate = (layer: 'matters' | 'alerts') => ({
    queryKey: ['screen', 'aggregate', layer, view],
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      getAggregate(layer, view!, { open: 'true' as const }, signal),
    enabled: !!view,
    placeholderData: keepPreviousData,
  });
  const matters = useQuery(aggregate('matters'));
  const alerts = useQuery(aggregate('alerts'));

  // A new focus (another area chosen): fit it.
  useEffect(() => {
    mapRef.current?.getMap().fitBounds(
      [
        [focus[0], focus[1]],
        [focus[2], focus[3]],
      ],
      { padding: 24, duration: 0 },
    );
  }, [focus]);

  const taskPoints = useMemo(
    () =>
      pointsOf(
        tasks.flatMap((x) =>
          x.point
            ? [
                {
                  id: x.id,
                  number: x.number,
                  status: x.status,
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

  const onLoad = useCallback(() => {
    const map = mapRef.current?.getMap();
    if (map) setView(viewOf(map));
  }, []);
  const onMoveEnd = useCallback(() => {
    const map = mapRef.current?.getMap();
    if (map) setView(viewOf(map));
  }, []);
  const onIdle = useCallback(() => {
    const map = mapRef.current?.getMap();
    if (!map) return;
    const ids = PROBED.filter((id) => map.getLayer(id));
    const counts: Record<string, number> = {};
    if (ids.length)
      for (const f of map.queryRenderedFeatures({ layers: ids }))
        counts[f.layer.id] = (counts[f.layer.id] ?? 0) + 1;
    setRendered(counts);
  }, []);
  const onError = useCallback((e: ErrorEvent) => {
    if (!e.target) setFatal(e.error?.message ?? String(e.error));
    else console.warn('screen map:', e.error);
  }, []);

  const failed = [...boundaries.map((b) => b.error), matters.error, alerts.error].find(Boolean);
  const loading = boundaries.some((b) => b.isLoading) || matters.isFetching || alerts.isFetching;

  return (
    <div
      data-testid="screen-map"
      data-ready={view ? 'true' : 'false'}
      data-loading={loading ? 'true' : 'false'}
      data-rendered={rendered ? JSON.stringify(rendered) : ''}
      style={{ position: 'relative', flex: 1, minHeight: 0, width: '100%' }}
    >
      {fatal ? (
        <div style={{ padding: 24, color: COLORS.bad }} data-testid="screen-map-error">
          {t('地图无法显示（需要 WebGL）：', 'The map cannot be shown (WebGL is needed): ')}
          {fatal}
        </div>
      ) : (
        <MapGL
          ref={mapRef}
          initialViewState={{
            bounds: [
              [focus[0], focus[1]],
              [focus[2], focus[3]],
            ],
            fitBoundsOptions: { padding: 24 },
          }}
          mapStyle={style}
          workerUrl={workerUrl}
          style={{ position: 'absolute', inset: 0 }}
          onLoad={onLoad}
          onMoveEnd={onMoveEnd}
          onIdle={onIdle}
          onError={onError}
          attributionControl={false}
          dragRotate={false}
          touchPitch={false}
          maxZoom={16}
        >
          {levels.map((level, i) => {
            const data = boundaries[i]?.data;
            const s = AREA_STYLE[level]!;
            if (!data) return null;
            return (
              <Source key={level} id={`screen-area-${level}`} type="geojson" data={data}>
                <Layer
                  id={`screen-area-fill-${level}`}
                  type="fill"
                  beforeId={Z.areaFill}
                  paint={{ 'fill-color': s.fill, 'fill-opacity': s.opacity }}
                />
                <Layer
                  id={`screen-area-line-${level}`}
                  type="line"
                  beforeId={Z.areaLine}
                  paint={{ 'line-color': s.line, 'line-width': s.width }}
                />
              </Source>
            );
          })}
          {matters.data && (
            <AggregateLayer layer="matters" data={matters.data} shifted={false} labels={false} />
          )}
          {alerts.data && <AggregateLayer layer="alerts" data={alerts.data} shifted={false} labels={false} />}
          <Source id="screen-tasks-src" type="geojson" data={taskPoints}>
            <Layer
              id="screen-tasks"
              type="circle"
              beforeId={Z.labels}
              paint={{
                'circle-color': taskPointColor,
                'circle-radius': 9,
                'circle-stroke-color': '#f8fafc',
                'circle-stroke-width': 2.5,
              }}
            />
          </Source>
        </MapGL>
      )}
      {failed ? (
        <div
          data-testid="screen-map-layer-error"
          style={{
            position: 'absolute',
            left: 12,
            top: 12,
            color: COLORS.bad,
            background: COLORS.panel,
            padding: 8,
          }}
        >
          {t('地图图层加载失败：', 'A map layer could not be loaded: ')}
          {errorText(failed, lang)}
        </div>
      ) : null}
      <div
        style={{
          position: 'absolute',
          right: 12,
          bottom: 12,
          display: 'flex',
          gap: u(12),
          fontSize: u(14),
          background: COLORS.panel,
          padding: `${u(6)} ${u(10)}`,
          borderRadius: u(6),
          color: COLORS.text,
        }}
      >
        {(
          [
            ['issued', t('待签收', 'Issued')],
            ['signed', t('待到场', 'Signed')],
            ['on_site', t('处置中', 'On site')],
            ['later', t('待核查/办结', 'Reported back')],
            ['overdue', t('超期', 'Overdue')],
          ] as const
        ).map(([k, label]) => (
          <span key={k} style={{ display: 'inline-flex', alignItems: 'center', gap: u(4) }}>
            <span
              style={{
                width: u(10),
                height: u(10),
                borderRadius: '50%',
                background: TASK_COLORS[k],
                display: 'inline-block',
              }}
            />
            {label}
          </span>
        ))}
      </div>
    </div>
  );
}

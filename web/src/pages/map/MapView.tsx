import { AimOutlined, AppstoreOutlined } from '@ant-design/icons';
import { keepPreviousData, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  type ErrorEvent,
  Layer,
  Map as MapGL,
  type MapLayerMouseEvent,
  type MapRef,
  NavigationControl,
  ScaleControl,
  Source,
} from '@vis.gl/react-maplibre';
import { Alert, Button, Drawer, Flex, Spin } from 'antd';
import type { Point } from 'geojson';
import type { GeoJSONSource, MapGeoJSONFeature, Map as MapLibreMap } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { cellToBoundary, isValidCell } from 'h3-js';
import { type CSSProperties, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, errorText } from '../../api/client';
import { useLiveEvents } from '../../api/useLiveEvents';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { useMatterTypes } from '../matters/components/lookups';
import { AREA_LEVEL_NAMES } from '../matters/components/names';
import { SeaLayers } from '../sea/SeaLayers';
import {
  type Aggregate,
  type Bbox,
  type Boundaries,
  type BoundaryProps,
  type Crs,
  type FeatureLayer,
  type Features,
  getAggregate,
  getBoundaries,
  getFeatures,
  getPinnedTasks,
  type MapConfig,
  type MatterPoint,
} from './api';
import { BASE_SOURCE_ID, resolveBase } from './basemap';
import { apiFilters, formatAt, type MapState, type StatePatch } from './filters';
import { boundaryLevels, intersect, requestZoom, snap } from './geo';
import { InfoCard, type Selection } from './InfoCard';
import { LayerPanel, type LayerStatus } from './LayerPanel';
import { Legend } from './Legend';
import { AggregateLayer, BoundaryLayer, FeaturesLayer, interactiveIds, TasksLayer } from './layers';
import { baseStyle, Z } from './style';

/** After the map stops moving, wait this long before asking for what is in view (a pan is often several). */
const MOVE_DEBOUNCE_MS = 300;
/** Matter events arrive in bursts; the visible layers are asked again once the burst is over. */
const LIVE_DEBOUNCE_MS = 1000;
const FEATURE_LAYERS: FeatureLayer[] = ['houses', 'enterprises', 'things', 'courts', 'stations', 'workers'];

interface View {
  bbox: Bbox;
  zoom: number;
}

/** What the page shows of MapLibre's own state on its container, for people and tests alike. */
interface Probe {
  zoom: number;
  center: [number, number];
  rendered: Record<string, number>;
}

/** A box snapped to a grid that shrinks as the map zooms in: small pans ask the same question again. */
const snapStep = (zoom: number) => Math.max(0.0005, 22.5 / 2 ** zoom);

function viewOf(map: MapLibreMap): View {
  const b = map.getBounds();
  return {
    bbox: [
      Math.max(-180, b.getWest()),
      Math.max(-85, b.getSouth()),
      Math.min(180, b.getEast()),
      Math.min(85, b.getNorth()),
    ],
    zoom: map.getZoom(),
  };
}

function errorLine(e: unknown, lang: 'zh' | 'en') {
  return `${errorText(e, lang)}${e instanceof ApiError && e.requestId ? ` (${e.requestId})` : ''}`;
}

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));

/**
 * The map itself: our boundaries as the base (offline), an optional configured base map under them, the
 * chosen layers asked for by the view's box and zoom whenever the map rests, and the panels around it.
 */
export function MapView({
  config,
  state,
  onPatch,
  onReset,
}: {
  config: MapConfig;
  state: MapState;
  onPatch: (p: StatePatch, replace?: boolean) => void;
  onReset: () => void;
}) {
  const { t, name, lang } = useI18n();
  const mobile = useIsMobile();
  const qc = useQueryClient();
  const types = useMatterTypes();
  const mapRef = useRef<MapRef>(null);
  const [view, setView] = useState<View | null>(null);
  const [probe, setProbe] = useState<Probe | null>(null);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [hover, setHover] = useState<{ lines: string[]; pointer: boolean } | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [baseTileError, setBaseTileError] = useState<string | null>(null);
  const [panelOpen, setPanelOpen] = useState(false);
  const moveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const liveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(
    () => () => {
      clearTimeout(moveTimer.current);
      clearTimeout(liveTimer.current);
    },
    [],
  );

  const available = new Map(config.layers.map((l) => [l.code, l.available]));
  const isOn = (code: string) => state.layers.includes(code) && available.get(code) === true;

  // The base map: a configured source, resolved (PMTiles and TileJSON are read first), or none.
  const baseSource = config.baseSources.find((b) => b.id === state.base);
  const base = useQuery({
    queryKey: ['map', 'base', baseSource?.id, baseSource?.url],
    queryFn: () => resolveBase(baseSource!),
    enabled: !!baseSource,
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  const baseOk = base.data?.ok ? base.data : null;
  const crs: Crs = baseOk && baseSource ? baseSource.crs : 'wgs84';
  const baseErrors: Record<string, string> = {};
  if (baseSource && base.data && !base.data.ok) baseErrors[baseSource.id] = name(base.data.reason);
  if (baseSource && base.error) baseErrors[baseSource.id] = errorText(base.error, lang);
  if (baseSource && baseTileError) baseErrors[baseSource.id] = baseTileError;

  // What is asked: the view's box (snapped outward) within the area the user may see, at a whole zoom.
  const req = useMemo(() => {
    if (!view) return null;
    const box = intersect(snap(view.bbox, snapStep(view.zoom)), config.bbox);
    return box ? { bbox: box, zoom: requestZoom(view.zoom), crs } : null;
  }, [view, config.bbox, crs]);

  const aggregate = (layer: 'matters' | 'alerts') => {
    const filters = apiFilters(state, layer);
    return {
      queryKey: ['map', 'aggregate', layer, req, filters],
      queryFn: ({ signal }: { signal: AbortSignal }) => getAggregate(layer, req!, filters, signal),
      enabled: !!req && isOn(layer),
      placeholderData: keepPreviousData,
      staleTime: 30_000,
    };
  };
  const matters = useQuery(aggregate('matters'));
  const alerts = useQuery(aggregate('alerts'));
  const kinds = state.kinds.length ? state.kinds.join(',') : undefined;
  const features = useQueries({
    queries: FEATURE_LAYERS.map((layer) => {
      const k = layer === 'things' ? kinds : undefined;
      return {
        queryKey: ['map', 'features', layer, req, k ?? null],
        queryFn: ({ signal }: { signal: AbortSignal }) => getFeatures(layer, req!, k, signal),
        enabled: !!req && isOn(layer),
        placeholderData: keepPreviousData,
        staleTime: 60_000,
      };
    }),
  });

  // 指令: the open pinned tasks the user may see, whatever the view (a few hundred at most).
  const tasks = useQuery({
    queryKey: ['map', 'tasks', crs],
    queryFn: ({ signal }) => getPinnedTasks(crs, signal),
    enabled: isOn('tasks'),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });

  // Boundaries: districts and towns once for the whole area, villages and grids for the view when zoomed in.
  const levels = view ? boundaryLevels(view.zoom, isOn('grids'), req?.bbox ?? null) : [2, 3];
  const boundaries = useQueries({
    queries: levels.map((level) => {
      const box = level <= 3 ? config.bbox : req?.bbox;
      return {
        queryKey: ['map', 'boundaries', level, box, crs],
        queryFn: ({ signal }: { signal: AbortSignal }) => getBoundaries(level, box!, crs, signal),
        enabled: !!box,
        placeholderData: level <= 3 ? undefined : keepPreviousData,
        staleTime: 10 * 60_000,
        retry: false,
      };
    }),
  });
  const boundaryData = new Map<number, Boundaries>();
  levels.forEach((l, i) => {
    const d = boundaries[i]?.data;
    if (d) boundaryData.set(l, d);
  });

  // Live: a matter or an alert changed somewhere; ask again for what is in view once the burst is over.
  const live = useLiveEvents((e) => {
    if (!e.type.startsWith('matter.') && !e.type.startsWith('alert.')) return;
    clearTimeout(liveTimer.current);
    liveTimer.current = setTimeout(() => {
      void qc.invalidateQueries({ queryKey: ['map', 'aggregate'] });
      void qc.invalidateQueries({ queryKey: ['map', 'tasks'] });
      void qc.invalidateQueries({ queryKey: ['map', 'house'] });
      void qc.invalidateQueries({ queryKey: ['map', 'enterprise'] });
      void qc.invalidateQueries({ queryKey: ['map', 'area'] });
    }, LIVE_DEBOUNCE_MS);
  });

  const featureData = new Map<FeatureLayer, Features>();
  FEATURE_LAYERS.forEach((l, i) => {
    const d = features[i]?.data;
    if (d && isOn(l)) featureData.set(l, d);
  });
  const mattersData = isOn('matters') ? matters.data : undefined;
  const alertsData = isOn('alerts') ? alerts.data : undefined;
  const tasksData = isOn('tasks') ? tasks.data : undefined;

  const status: Record<string, LayerStatus> = {};
  const statusOf = (d: Aggregate | Features | undefined, fetching: boolean): LayerStatus => ({
    loading: fetching && !d,
    ...(d ? { total: d.total, mode: d.mode, truncated: 'truncated' in d && !!d.truncated } : {}),
  });
  status.matters = statusOf(mattersData, matters.isFetching);
  status.alerts = statusOf(alertsData, alerts.isFetching);
  FEATURE_LAYERS.forEach((l, i) => {
    status[l] = statusOf(featureData.get(l), !!features[i]?.isFetching);
  });
  status.tasks = {
    loading: tasks.isFetching && !tasksData,
    ...(tasksData ? { total: tasksData.filter((x) => x.point).length, mode: 'points' as const } : {}),
  };
  const grids = boundaryData.get(5);
  status.grids = { loading: false, ...(grids ? { total: grids.features.length } : {}) };

  // The errors to show, each with the server's message: never a blank map without a word.
  const errors: { key: string; label: string; error: unknown }[] = [];
  if (isOn('matters') && matters.error)
    errors.push({ key: 'matters', label: t('事项', 'Matters'), error: matters.error });
  if (isOn('alerts') && alerts.error)
    errors.push({ key: 'alerts', label: t('预警', 'Alerts'), error: alerts.error });
  if (isOn('tasks') && tasks.error)
    errors.push({ key: 'tasks', label: t('指令', 'Tasks'), error: tasks.error });
  FEATURE_LAYERS.forEach((l, i) => {
    const e = features[i]?.error;
    if (isOn(l) && e)
      errors.push({ key: l, label: name(config.layers.find((x) => x.code === l)?.name), error: e });
  });
  const notices: { key: string; text: string }[] = [];
  levels.forEach((l, i) => {
    const e = boundaries[i]?.error;
    if (!e) return;
    const label = name(AREA_LEVEL_NAMES[l]);
    // Villages and grids are refused for a box too large: a hint to zoom in, not a failure of the page.
    if (l >= 4 && e instanceof ApiError && e.status === 400)
      notices.push({ key: `b${l}`, text: `${label}${t('边界', ' boundaries')}：${errorText(e, lang)}` });
    else errors.push({ key: `b${l}`, label: `${label}${t('边界', ' boundaries')}`, error: e });
  });
  const retryAll = () => {
    void matters.refetch();
    void alerts.refetch();
    void tasks.refetch();
    for (const f of features) void f.refetch();
    for (const b of boundaries) void b.refetch();
  };

  const anyLoading =
    (isOn('matters') && matters.isFetching) ||
    (isOn('alerts') && alerts.isFetching) ||
    (isOn('tasks') && tasks.isFetching) ||
    features.some((f, i) => isOn(FEATURE_LAYERS[i]!) && f.isFetching) ||
    boundaries.some((b) => b.isLoading);
  const dataLayers = ['matters', 'alerts', 'tasks', ...FEATURE_LAYERS].filter(isOn);
  const answered = dataLayers.map((l) => status[l]?.total);
  const empty =
    !!req && dataLayers.length > 0 && !anyLoading && errors.length === 0 && answered.every((n) => n === 0);

  const shifted = crs !== 'wgs84';
  const labels = !!config.glyphs;
  const style = useMemo(() => baseStyle(config.glyphs), [config.glyphs]);

  const visible: MatterPoint[] = [
    ...(alertsData?.mode === 'points' ? alertsData.points : []),
    ...(mattersData?.mode === 'points' ? mattersData.points : []),
  ];
  // The card shows the latest of a matter: its point in the refreshed answer when there is one.
  const shown: Selection | null =
    selection?.kind === 'matter'
      ? { kind: 'matter', point: visible.find((p) => p.id === selection.point.id) ?? selection.point }
      : selection?.kind === 'task'
        ? { kind: 'task', task: tasksData?.find((x) => x.id === selection.task.id) ?? selection.task }
        : selection;

  const onMoveEnd = useCallback(() => {
    clearTimeout(moveTimer.current);
    moveTimer.current = setTimeout(() => {
      const map = mapRef.current?.getMap();
      if (!map) return;
      setView(viewOf(map));
      const c = map.getCenter();
      onPatch({ at: formatAt(c.lng, c.lat, map.getZoom()) }, true);
    }, MOVE_DEBOUNCE_MS);
  }, [onPatch]);

  const onLoad = useCallback(() => {
    const map = mapRef.current?.getMap();
    if (map) setView(viewOf(map));
  }, []);

  const onIdle = useCallback(() => {
    const map = mapRef.current?.getMap();
    if (!map) return;
    const ids = interactiveIds().filter((id) => map.getLayer(id));
    const rendered: Record<string, number> = {};
    if (ids.length)
      for (const f of map.queryRenderedFeatures({ layers: ids }))
        rendered[f.layer.id] = (rendered[f.layer.id] ?? 0) + 1;
    const c = map.getCenter();
    const next: Probe = { zoom: map.getZoom(), center: [c.lng, c.lat], rendered };
    setProbe((p) => (JSON.stringify(p) === JSON.stringify(next) ? p : next));
  }, []);

  const onError = useCallback((e: ErrorEvent) => {
    if (!e.target) {
      setFatal(e.error?.message ?? String(e.error));
      return;
    }
    const sourceId = (e as unknown as { sourceId?: string }).sourceId;
    if (sourceId === BASE_SOURCE_ID) setBaseTileError(e.error?.message ?? 'tile error');
    else console.warn('map:', e.error);
  }, []);

  const areaOf = (f: MapGeoJSONFeature): BoundaryProps | null => {
    const level = Number(f.layer.id.slice('area-fill-'.length));
    const code = String(f.properties.code);
    const found = boundaryData.get(level)?.features.find((x) => x.properties.code === code);
    return found?.properties ?? { code, name: String(f.properties.name ?? code), level, source: null };
  };

  const zoomToCell = (cell: string) => {
    const map = mapRef.current?.getMap();
    if (!map) return;
    if (!isValidCell(cell)) return;
    const ring = cellToBoundary(cell, true);
    const xs = ring.map((p) => p[0]!);
    const ys = ring.map((p) => p[1]!);
    map.fitBounds(
      [
        [Math.min(...xs), Math.min(...ys)],
        [Math.max(...xs), Math.max(...ys)],
      ],
      {
        padding: 40,
        minZoom: map.getZoom() + 1,
        maxZoom: Math.max(config.pointZoom, map.getZoom() + 1),
        duration: 600,
      },
    );
  };

  const onClick = (e: MapLayerMouseEvent) => {
    const f = e.features?.[0];
    if (!f) {
      setSelection(null);
      return;
    }
    const id = f.layer.id;
    const p = f.properties;
    if (id.endsWith('-cells')) {
      zoomToCell(String(p.cell));
      return;
    }
    if (id.endsWith('-clusters')) {
      const map = mapRef.current?.getMap();
      const src = map?.getSource(f.source) as GeoJSONSource | undefined;
      const center = (f.geometry as Point).coordinates as [number, number];
      void src
        ?.getClusterExpansionZoom(num(p.cluster_id))
        .then((z) => map?.easeTo({ center, zoom: z + 0.1 }));
      return;
    }
    if (id === 'matters-points' || id === 'alerts-points') {
      const point = visible.find((x) => x.id === String(p.id));
      if (point) setSelection({ kind: 'matter', point });
      return;
    }
    if (id === 'tasks-points') {
      const task = tasksData?.find((x) => x.id === String(p.id));
      if (task) setSelection({ kind: 'task', task });
      return;
    }
    if (id === 'courts-points' || id === 'stations-points' || id === 'workers-points') {
      setSelection({
        kind: 'place',
        layer: id.slice(0, -'-points'.length) as 'courts' | 'stations' | 'workers',
        id: String(p.id),
        name: String(p.name ?? ''),
        placeKind: String(p.kind ?? ''),
        areaCode: String(p.areaCode ?? ''),
        ...(p.at ? { at: String(p.at) } : {}),
      });
      return;
    }
    if (id === 'houses-points')
      setSelection({ kind: 'house', id: String(p.id), address: String(p.address ?? '') });
    else if (id === 'enterprises-points')
      setSelection({ kind: 'enterprise', id: String(p.id), name: String(p.name ?? '') });
    else if (id === 'things-points') {
      let attributes: Record<string, unknown> = {};
      try {
        attributes =
          typeof p.attributes === 'string' ? (JSON.parse(p.attributes) as Record<string, unknown>) : {};
      } catch {
        attributes = {};
      }
      setSelection({
        kind: 'thing',
        name: String(p.name ?? ''),
        thingKind: String(p.kind ?? ''),
        attributes,
      });
    } else if (id.startsWith('area-fill-')) {
      const area = areaOf(f);
      if (area) setSelection({ kind: 'area', area });
    }
  };

  const describe = (f: MapGeoJSONFeature): string => {
    const id = f.layer.id;
    const p = f.properties;
    if (id.startsWith('area-fill-')) {
      const a = areaOf(f);
      return a ? `${name(AREA_LEVEL_NAMES[a.level])} · ${a.name}` : '';
    }
    if (id === 'matters-cells' || id === 'alerts-cells') {
      let top = '';
      try {
        const by = JSON.parse(String(p.byStatus ?? '{}')) as Record<string, number>;
        top = Object.entries(by)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([s, n]) => `${name(types.stateName(s)) || s} ${n}`)
          .join('，');
      } catch {
        top = '';
      }
      const what = id === 'alerts-cells' ? t('预警', 'Alerts') : t('事项', 'Matters');
      return `${what} ${p.total}（${t('未结', 'open')} ${p.open}，${t('超期', 'overdue')} ${p.overdue}）${top ? ` · ${top}` : ''} — ${t('点击放大', 'click to zoom in')}`;
    }
    const featureName = (l: string) => name(config.layers.find((x) => x.code === l)?.name);
    if (id.endsWith('-cells'))
      return `${featureName(id.slice(0, -6))} ${p.total} — ${t('点击放大', 'click to zoom in')}`;
    if (id.endsWith('-clusters'))
      return `${featureName(id.slice(0, -9))} ${p.point_count} — ${t('点击展开', 'click to expand')}`;
    if (id === 'matters-points' || id === 'alerts-points') return `${p.number} ${p.title}`;
    if (id === 'tasks-points') return `${p.number} ${p.title}`;
    if (id === 'houses-points') return `${p.address}（${t('住户', 'residents')} ${p.residents}）`;
    return String(p.name ?? '');
  };

  const onMouseMove = (e: MapLayerMouseEvent) => {
    const fs = e.features ?? [];
    if (!fs.length) {
      setHover(null);
      return;
    }
    const top = fs[0]!;
    const area = fs.find((f) => f.layer.id.startsWith('area-fill-'));
    const lines = [describe(top)];
    if (area && area !== top) lines.push(describe(area));
    setHover({ lines, pointer: !top.layer.id.startsWith('area-fill-') });
  };

  const fitScope = () =>
    mapRef.current?.getMap().fitBounds(
      [
        [config.bbox[0], config.bbox[1]],
        [config.bbox[2], config.bbox[3]],
      ],
      { padding: 20 },
    );

  const panel = (
    <LayerPanel
      config={config}
      state={state}
      status={status}
      baseErrors={baseErrors}
      onPatch={onPatch}
      visible={visible}
      onPick={(point) => {
        setSelection({ kind: 'matter', point });
        setPanelOpen(false);
        mapRef.current?.getMap().easeTo({ center: [point.lng, point.lat] });
      }}
      onReset={onReset}
    />
  );

  const selectedArea = shown?.kind === 'area' ? shown.area.code : null;
  const overlay: CSSProperties = { position: 'absolute', zIndex: 2 };
  const initialViewState = state.at
    ? { longitude: state.at.lng, latitude: state.at.lat, zoom: state.at.zoom }
    : {
        bounds: [
          [config.bbox[0], config.bbox[1]],
          [config.bbox[2], config.bbox[3]],
        ] as [[number, number], [number, number]],
        fitBoundsOptions: { padding: 20 },
      };

  return (
    <Flex style={{ height: '100%', minHeight: 0, width: '100%', overflow: 'hidden' }}>
      {!mobile && (
        <aside
          aria-label={t('图层与筛选', 'Layers and filters')}
          style={{
            width: 300,
            flex: 'none',
            overflowY: 'auto',
            padding: 12,
            background: '#fff',
            borderRight: '1px solid #f0f0f0',
          }}
        >
          {panel}
        </aside>
      )}
      <div
        data-testid="map-canvas"
        data-ready={view ? 'true' : 'false'}
        data-loading={anyLoading ? 'true' : 'false'}
        data-zoom={probe?.zoom ?? ''}
        data-center={probe ? probe.center.join(',') : ''}
        data-rendered={probe ? JSON.stringify(probe.rendered) : ''}
        data-crs={crs}
        data-live={live}
        style={{ position: 'relative', flex: 1, minWidth: 0, height: '100%' }}
      >
        {fatal ? (
          <Alert
            type="error"
            showIcon
            data-testid="map-error"
            title={t('地图无法显示', 'The map cannot be shown')}
            description={`${t('浏览器未能创建地图（需要 WebGL）：', 'The browser could not create the map (WebGL is needed): ')}${fatal}`}
            style={{ margin: 16 }}
          />
        ) : (
          <MapGL
            ref={mapRef}
            initialViewState={initialViewState}
            mapStyle={style}
            workerUrl={workerUrl}
            style={{ width: '100%', height: '100%' }}
            interactiveLayerIds={interactiveIds()}
            cursor={hover?.pointer ? 'pointer' : 'grab'}
            onLoad={onLoad}
            onMoveEnd={onMoveEnd}
            onIdle={onIdle}
            onClick={onClick}
            onMouseMove={onMouseMove}
            onMouseLeave={() => setHover(null)}
            onError={onError}
            attributionControl={{ compact: true }}
            dragRotate={false}
            touchPitch={false}
            maxZoom={19}
          >
            <NavigationControl position="bottom-right" showCompass={false} />
            <ScaleControl position="bottom-right" />
            {baseOk && (
              <Source id={BASE_SOURCE_ID} {...baseOk.source}>
                {baseOk.layers.map((l) => (
                  <Layer key={l.id} {...l} beforeId={Z.base} />
                ))}
              </Source>
            )}
            {[...boundaryData].map(([level, data]) => (
              <BoundaryLayer key={level} level={level} data={data} selected={selectedArea} labels={labels} />
            ))}
            {mattersData && (
              <AggregateLayer layer="matters" data={mattersData} shifted={shifted} labels={labels} />
            )}
            {alertsData && (
              <AggregateLayer layer="alerts" data={alertsData} shifted={shifted} labels={labels} />
            )}
            {[...featureData].map(([layer, data]) => (
              <FeaturesLayer key={layer} layer={layer} data={data} labels={labels} />
            ))}
            {tasksData && <TasksLayer tasks={tasksData} />}
            {isOn('sea') && <SeaLayers labels={labels} live />}
          </MapGL>
        )}

        {mobile && (
          <Button
            icon={<AppstoreOutlined />}
            onClick={() => setPanelOpen(true)}
            data-testid="open-layers"
            style={{ ...overlay, top: 10, left: 10 }}
          >
            {t('图层', 'Layers')}
          </Button>
        )}

        <Flex
          vertical
          gap={6}
          style={{
            ...overlay,
            top: 10,
            left: mobile ? 10 : 10,
            right: mobile ? 10 : shown ? 370 : 10,
            marginTop: mobile ? 44 : 0,
            pointerEvents: 'none',
          }}
        >
          {errors.length > 0 && (
            <Alert
              type="error"
              showIcon
              data-testid="map-error"
              style={{ pointerEvents: 'auto' }}
              title={t('部分图层加载失败', 'Some layers could not be loaded')}
              description={
                <Flex vertical>
                  {errors.map((e) => (
                    <span key={e.key}>
                      {e.label}：{errorLine(e.error, lang)}
                    </span>
                  ))}
                </Flex>
              }
              action={
                <Button size="small" onClick={retryAll}>
                  {t('重试', 'Retry')}
                </Button>
              }
            />
          )}
          {notices.map((n) => (
            <Alert
              key={n.key}
              type="info"
              showIcon
              data-testid="map-notice"
              title={n.text}
              style={{ pointerEvents: 'auto' }}
            />
          ))}
          {view && !req && (
            <Alert
              type="warning"
              showIcon
              data-testid="map-outside"
              style={{ pointerEvents: 'auto' }}
              title={t('当前视野不在您的管辖范围内', 'The view is outside your area')}
              action={
                <Button size="small" icon={<AimOutlined />} onClick={fitScope}>
                  {t('回到辖区', 'Back to my area')}
                </Button>
              }
            />
          )}
          {empty && (
            <Alert
              type="info"
              showIcon
              data-testid="map-empty"
              style={{ pointerEvents: 'auto' }}
              title={t('当前视野内没有符合条件的数据', 'Nothing in view matches the filters')}
            />
          )}
          {[alertsData, mattersData].some((d) => d?.mode === 'points' && d.truncated) && (
            <Alert
              type="warning"
              showIcon
              data-testid="map-truncated"
              style={{ pointerEvents: 'auto' }}
              title={t(
                `点数超过上限（${config.maxPoints}），只显示一部分；请放大或缩小筛选范围`,
                `More than ${config.maxPoints} points: only some are shown. Zoom in or filter.`,
              )}
            />
          )}
          {!mobile && hover && (
            <div
              data-testid="map-hover"
              style={{
                alignSelf: 'flex-start',
                maxWidth: 420,
                background: 'rgba(15,23,42,0.85)',
                color: '#fff',
                borderRadius: 6,
                padding: '4px 10px',
                fontSize: 12,
              }}
            >
              {hover.lines.map((l) => (
                <div key={l}>{l}</div>
              ))}
            </div>
          )}
        </Flex>

        {anyLoading && (
          <div style={{ ...overlay, top: 10, right: shown && !mobile ? 370 : 10 }} data-testid="map-loading">
            <Spin size="small" />
          </div>
        )}

        <div style={{ ...overlay, left: 10, bottom: 28, maxWidth: mobile ? '60%' : 260 }}>
          <Legend
            matters={mattersData}
            alerts={alertsData}
            features={FEATURE_LAYERS.filter((l) => featureData.has(l))}
            tasks={!!tasksData}
          />
        </div>

        {shown && !mobile && (
          <div
            style={{
              ...overlay,
              top: 10,
              right: 10,
              width: 350,
              maxHeight: 'calc(100% - 20px)',
              display: 'flex',
            }}
          >
            <InfoCard
              selection={shown}
              onClose={() => setSelection(null)}
              onOpen={setSelection}
              style={{ width: '100%', maxHeight: '100%' }}
            />
          </div>
        )}
      </div>

      {mobile && (
        <Drawer
          open={panelOpen}
          onClose={() => setPanelOpen(false)}
          placement="left"
          size="85%"
          title={t('图层与筛选', 'Layers and filters')}
          data-testid="layer-drawer"
        >
          {panel}
        </Drawer>
      )}
      {mobile && (
        <Drawer
          open={!!shown}
          onClose={() => setSelection(null)}
          placement="bottom"
          size="60%"
          closable={false}
          styles={{ body: { padding: 0 } }}
        >
          {shown && (
            <InfoCard
              selection={shown}
              onClose={() => setSelection(null)}
              onOpen={setSelection}
              style={{ border: 'none' }}
            />
          )}
        </Drawer>
      )}
    </Flex>
  );
}

import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { api, type Schemas, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

/**
 * The 一张图 API (src/modules/map/map.routes.ts) through the generated client: shapes and parameters come from
 * the server's OpenAPI document (`npm run gen:api`). Errors are the app's `ApiError {code, message, requestId}`
 * (`unwrap`), and a 401 sends the user to sign in. Where the document is loose (a boundary's geometry is
 * `unknown`) the page's types say what it relies on; openapi-fetch's answer types widen tuples (`[lng, lat]`
 * to `number[]`), hence the casts back to the document's own shapes.
 */

export type MapConfig = Schemas['MapConfig'];
export type BaseSource = MapConfig['baseSources'][number];
export type LayerInfo = MapConfig['layers'][number];
export type Crs = BaseSource['crs'];
/** [minLng, minLat, maxLng, maxLat] */
export type Bbox = MapConfig['bbox'];

export type Aggregate = Schemas['MapAggregate'];
export type MatterCell = Extract<Aggregate, { mode: 'cells' }>['cells'][number];
export type MatterPoint = Extract<Aggregate, { mode: 'points' }>['points'][number];
export type AlertLevel = NonNullable<MatterPoint['level']>;
export type DeadlineState = 'normal' | 'warning' | 'overdue';

export type Features = Schemas['MapFeatures'];
export type FeatureCell = Extract<Features, { mode: 'cells' }>['cells'][number];
export type FeaturePoint = Extract<Features, { mode: 'points' }>['points'][number];
export type FeatureLayer = 'houses' | 'enterprises' | 'things' | 'courts' | 'stations' | 'workers';
/** Layers whose points come from their own line of work's registry rather than from /api/map/features. */
export const PLACE_LAYERS = ['courts', 'stations', 'workers'] as const;
export type PlaceLayer = (typeof PLACE_LAYERS)[number];
const isPlaceLayer = (l: FeatureLayer): l is PlaceLayer => (PLACE_LAYERS as readonly string[]).includes(l);

export type BoundaryProps = Schemas['MapBoundaries']['features'][number]['properties'];
/** The boundaries as MapLibre draws them: the server sends Polygons and MultiPolygons (typed `unknown` there). */
export type Boundaries = FeatureCollection<Polygon | MultiPolygon, BoundaryProps>;

export type HousePanel = Schemas['MapHouse'];
export type EnterprisePanel = Schemas['MapEnterprise'];
export type AreaSummary = Schemas['MapAreaSummary'];

/** A matter listed in a panel: a house's matters and alerts, an enterprise's disputes (each fits this). */
export type MatterRef = EnterprisePanel['disputes'][number] & {
  level?: AlertLevel | null;
  link?: HousePanel['matters'][number]['link'];
};

export type MatterFilters = Omit<
  NonNullable<paths['/api/map/aggregate']['get']['parameters']['query']>,
  'layer' | 'bbox' | 'zoom' | 'crs'
>;

export interface View {
  bbox: Bbox;
  zoom: number;
  crs: Crs;
}

export const bboxParam = (b: Bbox) => b.map((x) => x.toFixed(5)).join(',');

/** A pinned 指令 task as /api/command/tasks lists it (its point is the source matter's, WGS-84). */
export type PinnedTask = Schemas['CommandTask'];

/** How long a closed pinned task stays on the 指令 layer (greyed), so that one sees it close. */
export const CLOSED_TASK_HOURS = 24;

/**
 * The 指令 layer: pinned tasks the user may see — open ones, and those closed in the last day (at most 200,
 * nearest deadline first).
 */
export const getPinnedTasks = async (crs: Crs, signal?: AbortSignal) =>
  (
    await unwrap(
      api.GET('/api/command/tasks', {
        params: {
          query: {
            pinned: 'true',
            status: 'open',
            closedSince: new Date(Date.now() - CLOSED_TASK_HOURS * 3_600_000).toISOString(),
            limit: 200,
            crs,
          },
        },
        signal,
      }),
    )
  ).items as PinnedTask[];

export const getConfig = async (signal?: AbortSignal) =>
  (await unwrap(api.GET('/api/map/config', { signal }))) as MapConfig;

export const getAggregate = async (
  layer: 'matters' | 'alerts',
  view: View,
  filters: MatterFilters,
  signal?: AbortSignal,
) =>
  (await unwrap(
    api.GET('/api/map/aggregate', {
      params: { query: { layer, bbox: bboxParam(view.bbox), zoom: view.zoom, crs: view.crs, ...filters } },
      signal,
    }),
  )) as Aggregate;

export const getFeatures = async (
  layer: FeatureLayer,
  view: View,
  kinds: string | undefined,
  signal?: AbortSignal,
): Promise<Features> =>
  isPlaceLayer(layer)
    ? getPlaces(layer, view, signal)
    : ((await unwrap(
        api.GET('/api/map/features', {
          params: {
            query: {
              layer,
              bbox: bboxParam(view.bbox),
              zoom: view.zoom,
              crs: view.crs,
              ...(kinds ? { kinds } : {}),
            },
          },
          signal,
        }),
      )) as Features);

export const getBoundaries = async (level: number, bbox: Bbox, crs: Crs, signal?: AbortSignal) =>
  (await unwrap(
    api.GET('/api/map/boundaries', { params: { query: { level, bbox: bboxParam(bbox), crs } }, signal }),
  )) as unknown as Boundaries;

export const getHouse = (id: string, signal?: AbortSignal) =>
  unwrap(api.GET('/api/map/houses/{id}', { params: { path: { id } }, signal }));

export const getEnterprise = (id: string, signal?: AbortSignal) =>
  unwrap(api.GET('/api/map/enterprises/{id}', { params: { path: { id } }, signal }));

export const getAreaSummary = async (code: string, signal?: AbortSignal) =>
  (await unwrap(
    api.GET('/api/map/areas/{code}/summary', { params: { path: { code } }, signal }),
  )) as AreaSummary;

/**
 * 共享法庭 and 心理服务站 (their registry's points) and 网格员签到位置 (each grid member's last check-in of the
 * week) in the view — a few thousand in a whole city, drawn as clusters — asked in the base map's datum
 * like every layer.
 */
async function getPlaces(layer: PlaceLayer, view: View, signal?: AbortSignal): Promise<Features> {
  const query = { bbox: bboxParam(view.bbox), crs: view.crs, limit: 5000 };
  const r =
    layer === 'workers'
      ? await unwrap(api.GET('/api/grid/layer', { params: { query }, signal }))
      : await unwrap(api.GET('/api/courts/layer', { params: { query: { ...query, layer } }, signal }));
  return { mode: 'points', points: r.points, total: r.total, truncated: r.truncated, cachedAt: null };
}

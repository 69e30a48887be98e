import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Actor, assertCan, can } from '../../core/access/actor.ts';
import type { Permission } from '../../core/access/roles.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { AreaCode, IdParam } from '../../server/schemas.ts';
import { boundaries } from './boundaries.service.ts';
import { areaSummary, enterpriseClick, houseClick } from './click.service.ts';
import { MapCache } from './map.cache.ts';
import { type Bbox, resolutionForZoom, zoomToFit } from './map.geo.ts';
import {
  AggregateQuery,
  AggregateResponse,
  AreaSummaryResponse,
  BoundariesQuery,
  BoundariesResponse,
  ConfigResponse,
  CrsQuery,
  EnterpriseClickResponse,
  FeaturesQuery,
  FeaturesResponse,
  HouseClickResponse,
  LAYERS,
  type LayerCode,
} from './map.schema.ts';
import { aggregate, features } from './map.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const tags = ['map 社会治理一张图'];
const gzipAsync = promisify(gzip);
/** Answers smaller than this are sent as they are: compressing them saves less than it costs. */
const GZIP_MIN_BYTES = 1024;

/** Each server's cache, reachable by the benchmark (to clear it between cold requests) and the tests. */
const caches = new WeakMap<Kernel, MapCache>();
export function mapCacheOf(kernel: Kernel): MapCache | undefined {
  return caches.get(kernel);
}

/** Layers listed before any line of work feeds them, and why. */
const UNAVAILABLE: Partial<Record<LayerCode, { zh: string; en: string }>> = {};
const NEEDS: Partial<Record<LayerCode, Permission>> = {
  matters: 'matter:read',
  alerts: 'matter:read',
  tasks: 'matter:read',
  houses: 'subject:read',
  enterprises: 'subject:read',
  things: 'subject:read',
  grids: 'area:read',
  courts: 'court:read',
  workers: 'area:read',
  stations: 'court:read',
  sea: 'sea:read',
};
const RESOLUTIONS = [
  { minZoom: 0, maxZoom: 8 },
  { minZoom: 9, maxZoom: 10 },
  { minZoom: 11, maxZoom: 12 },
  { minZoom: 13, maxZoom: 13 },
  { minZoom: 14, maxZoom: 20 },
].map((r) => ({ ...r, resolution: resolutionForZoom(r.minZoom) }));

async function mapConfig(kernel: Kernel, actor: Actor) {
  assertCan(actor, 'area:read');
  const a = await kernel.db
    .selectFrom('areas')
    .select(['center_lng', 'center_lat', 'min_lng', 'min_lat', 'max_lng', 'max_lat'])
    .where('code', '=', actor.areaCode)
    .executeTakeFirst();
  // The city's box when the user's own area has no geometry (a grid imported without one).
  const bbox: Bbox =
    a?.min_lng != null && a.min_lat != null && a.max_lng != null && a.max_lat != null
      ? [a.min_lng, a.min_lat, a.max_lng, a.max_lat]
      : [119.6, 27.0, 121.3, 28.6];
  const center: [number, number] =
    a?.center_lng != null && a.center_lat != null
      ? [a.center_lng, a.center_lat]
      : [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2];
  const { map } = kernel.config;
  return {
    center,
    bbox,
    zoom: zoomToFit(bbox),
    baseSources: map.baseSources,
    pointZoom: map.pointZoom,
    maxPoints: map.maxPoints,
    glyphs: map.glyphs,
    resolutions: RESOLUTIONS,
    layers: (Object.keys(LAYERS) as LayerCode[]).map((code) => {
      const later = UNAVAILABLE[code];
      const need = NEEDS[code];
      if (later) return { code, name: LAYERS[code], available: false, reason: later };
      if (need && !can(actor, need)) {
        return {
          code,
          name: LAYERS[code],
          available: false,
          reason: { zh: '无权查看', en: 'Not permitted' },
        };
      }
      return { code, name: LAYERS[code], available: true };
    }),
  };
}

/** 社会治理一张图: the map's configuration, its layers, boundaries and click-to-know panels. */
export const mapRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;
    const cache = new MapCache();
    caches.set(kernel, cache);
    const off = kernel.events.subscribe(cache.onEvent);
    app.addHook('onClose', async () => {
      off();
      cache.close();
    });
    // Map answers run to a few hundred KB of JSON: gzip them for clients that accept it (hooks added here
    // apply to this plugin's routes only).
    app.addHook('onSend', async (req, reply, payload) => {
      if (typeof payload !== 'string' || payload.length < GZIP_MIN_BYTES) return payload;
      if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return payload;
      reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding');
      reply.removeHeader('content-length');
      return gzipAsync(payload);
    });
    const limits = () => ({ pointZoom: kernel.config.map.pointZoom, maxPoints: kernel.config.map.maxPoints });

    app.get(
      '/map/config',
      {
        schema: {
          tags,
          summary: '地图配置：初始视图、底图、图层 / Map configuration: first view, base maps, layers',
          response: { 200: ConfigResponse, ...errors },
        },
      },
      async (req) => mapConfig(kernel, requireActor(req)),
    );

    app.get(
      '/map/aggregate',
      {
        schema: {
          tags,
          summary:
            '事项、预警：h3 六边形计数或点位（按缩放级别）/ Matters and alerts as h3 hexagons with counts, or points',
          querystring: AggregateQuery,
          response: { 200: AggregateResponse, ...errors },
        },
      },
      async (req) => aggregate(db, cache, requireActor(req), req.query, limits()),
    );

    app.get(
      '/map/features',
      {
        schema: {
          tags,
          summary: '房屋、企业、物：六边形计数或点位 / Houses, enterprises, things as hexagons or points',
          querystring: FeaturesQuery,
          response: { 200: FeaturesResponse, ...errors },
        },
      },
      async (req) => features(db, cache, requireActor(req), req.query, limits()),
    );

    app.get(
      '/map/boundaries',
      {
        schema: {
          tags,
          summary: '区划与网格边界（GeoJSON），网格附团队 / Boundaries as GeoJSON; grids with their team',
          querystring: BoundariesQuery,
          response: { 200: BoundariesResponse, ...errors },
        },
      },
      async (req) => boundaries(db, cache, requireActor(req), req.query),
    );

    app.get(
      '/map/houses/:id',
      {
        schema: {
          tags,
          summary:
            '房屋：住户（脱敏、计数）、企业、事项、预警 / A house: residents (masked), enterprises, matters',
          params: IdParam,
          querystring: CrsQuery,
          response: { 200: HouseClickResponse, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db.transaction().execute((tx) => houseClick(tx, actor, req.params.id, req.query.crs));
      },
    );

    app.get(
      '/map/enterprises/:id',
      {
        schema: {
          tags,
          summary: '企业：纠纷、隐患、预警 / An enterprise: its disputes, hazards and alerts',
          params: IdParam,
          querystring: CrsQuery,
          response: { 200: EnterpriseClickResponse, ...errors },
        },
      },
      async (req) => enterpriseClick(db, kernel.vault, requireActor(req), req.params.id, req.query.crs),
    );

    app.get(
      '/map/areas/:code/summary',
      {
        schema: {
          tags,
          summary: '区域概况：指标、待办队列、未结预警 / An area’s KPIs, queues and open alerts',
          params: z.object({ code: AreaCode }),
          response: { 200: AreaSummaryResponse, ...errors },
        },
      },
      async (req) => areaSummary(db, requireActor(req), req.params.code),
    );
  };

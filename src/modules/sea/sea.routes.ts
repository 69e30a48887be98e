import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import { AppError } from '../../core/errors.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { IdParam } from '../../server/schemas.ts';
import { datedXlsx, sendXlsx, XLSX } from '../../server/xlsx-reply.ts';
import { feedOf } from './sea.feed.ts';
import { TOPIC_FILTER } from './sea.parse.ts';
import * as S from './sea.schema.ts';
import {
  createGeometry,
  createPushToken,
  createVessel,
  exportVessels,
  fileReport,
  getParams,
  getVessel,
  importGeometries,
  issueClosure,
  liftClosure,
  listClosures,
  listGeometries,
  listPushTokens,
  listRejects,
  listReports,
  listSeaAlerts,
  listVessels,
  revokePushToken,
  seaLayer,
  setParams,
  tokenName,
  updateGeometry,
  updateVessel,
  vesselTrack,
} from './sea.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['sea 海上斑马线'];

/**
 * 海上斑马线: the vessel registry, the map layer and tracks, geometry (channels, corridors, zones, ports),
 * closure orders, port reports, the rules' parameters, push tokens and the push API, the alert board and the
 * feed's counters. Thin: validate → authenticate → service (authorises, scopes, audits).
 * Changes the evaluator reads (geometry, closures, parameters, vessels) are handed to this process's feed at
 * once; other instances pick them up within a minute (the feed reloads).
 */
export const seaRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;
    const tx = <T>(fn: (t: typeof db) => Promise<T>) => db.transaction().execute(fn);
    const reloadFeed = () =>
      feedOf(kernel)
        ?.reload()
        .catch((e: Error) => kernel.log.warn({ err: e.message }, 'sea feed reload failed'));

    // ---------------------------------------------------------------------------------------------------
    // Vessels

    app.get(
      '/sea/vessels',
      {
        schema: {
          tags,
          summary: '渔船名录（分页、筛选）/ The fishing-vessel registry',
          querystring: S.VesselListQuery,
          response: { 200: S.VesselPage, ...errors },
        },
      },
      async (req) => listVessels(db, requireActor(req), req.query),
    );

    app.get(
      '/sea/vessels/export',
      {
        schema: {
          tags,
          summary: '导出渔船名录为 Excel（记审计）/ Export the registry (audited)',
          querystring: S.VesselFilters,
          response: { 200: z.any().describe(XLSX), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'sea:read');
        return sendXlsx(req, reply, datedXlsx('vessels'), (out) => exportVessels(db, actor, req.query, out));
      },
    );

    app.get(
      '/sea/vessels/:id',
      {
        schema: {
          tags,
          summary: '一艘渔船 / One vessel',
          params: IdParam,
          response: { 200: S.VesselSchema, ...errors },
        },
      },
      async (req) => getVessel(db, requireActor(req), req.params.id),
    );

    app.get(
      '/sea/vessels/:id/track',
      {
        schema: {
          tags,
          summary: '渔船轨迹（最近 N 分钟）/ A vessel’s track over the last N minutes',
          params: IdParam,
          querystring: S.TrackQuery,
          response: { 200: z.object({ points: z.array(S.TrackPoint) }), ...errors },
        },
      },
      async (req) => ({ points: await vesselTrack(db, requireActor(req), req.params.id, req.query.minutes) }),
    );

    app.post(
      '/sea/vessels',
      {
        schema: {
          tags,
          summary: '登记渔船（sea:manage，记审计）/ Register a vessel (audited)',
          body: S.VesselCreate,
          response: { 201: S.VesselSchema, ...errors },
        },
      },
      async (req, reply) => {
        const v = await tx((t) => createVessel(t, requireActor(req), req.body));
        await feedOf(kernel)?.vesselsChanged();
        return reply.code(201).send(v);
      },
    );

    app.patch(
      '/sea/vessels/:id',
      {
        schema: {
          tags,
          summary: '修改渔船信息（带版本号，记审计）/ Update a vessel (versioned, audited)',
          params: IdParam,
          body: S.VesselPatch,
          response: { 200: S.VesselSchema, ...errors },
        },
      },
      async (req) => {
        const { version, ...patch } = req.body;
        const v = await tx((t) => updateVessel(t, requireActor(req), req.params.id, version, patch));
        await feedOf(kernel)?.vesselsChanged();
        return v;
      },
    );

    app.get(
      '/sea/layer',
      {
        schema: {
          tags,
          summary: '地图图层：渔船最新位置与近期轨迹 / Map layer: latest positions and recent tracks',
          description:
            '管辖区域内有位置的渔船（WGS-84）及在海上渔船最近 trackMinutes 分钟的轨迹（每船最多 60 点）。' +
            '位置更新时服务器推送 SSE 事件 `sea.positions`，新预警推送 `sea.alert`。\n\n' +
            'Vessels in your scope with a position, and the recent tracks of those at sea. The server pushes ' +
            '`sea.positions` (SSE) when positions were stored and `sea.alert` when an alert is raised.',
          querystring: S.LayerQuery,
          response: { 200: S.LayerResponse, ...errors },
        },
      },
      async (req) => seaLayer(db, requireActor(req), req.query.trackMinutes, req.query.maxTracks),
    );

    // ---------------------------------------------------------------------------------------------------
    // Geometry

    app.get(
      '/sea/geometries',
      {
        schema: {
          tags,
          summary: '航道、斑马线、禁入区、港区 / Channels, corridors, restricted zones, ports',
          querystring: z.object({
            kind: S.GeometryKind.optional(),
            all: z
              .enum(['true', 'false'])
              .transform((v) => v === 'true')
              .optional(),
          }),
          response: { 200: z.object({ items: z.array(S.GeometrySchema) }), ...errors },
        },
      },
      async (req) => ({ items: await listGeometries(db, requireActor(req), req.query.kind, req.query.all) }),
    );

    app.post(
      '/sea/geometries',
      {
        schema: {
          tags,
          summary: '新增几何（绘制或粘贴 GeoJSON；自相交/越界为 GEOMETRY_INVALID）/ Add a polygon',
          body: S.GeometryCreate,
          response: { 201: S.GeometrySchema, ...errors },
        },
      },
      async (req, reply) => {
        const g = await tx((t) => createGeometry(t, requireActor(req), req.body));
        await reloadFeed();
        return reply.code(201).send(g);
      },
    );

    app.post(
      '/sea/geometries/import',
      {
        schema: {
          tags,
          summary: '导入 GeoJSON（逐要素校验，有效的入库，无效的逐条报告）/ Import a FeatureCollection',
          body: S.GeometryImport,
          response: { 200: S.GeometryImportResult, ...errors },
        },
      },
      async (req) => {
        const r = await tx((t) => importGeometries(t, requireActor(req), req.body));
        await reloadFeed();
        return r;
      },
    );

    app.patch(
      '/sea/geometries/:id',
      {
        schema: {
          tags,
          summary: '修改几何（名称、启用、形状；带版本号）/ Update a polygon (versioned)',
          params: IdParam,
          body: S.GeometryPatch,
          response: { 200: S.GeometrySchema, ...errors },
        },
      },
      async (req) => {
        const { version, ...patch } = req.body;
        const g = await tx((t) => updateGeometry(t, requireActor(req), req.params.id, version, patch));
        await reloadFeed();
        return g;
      },
    );

    // ---------------------------------------------------------------------------------------------------
    // Closures, port reports, parameters

    app.get(
      '/sea/closures',
      {
        schema: {
          tags,
          summary: '休渔令/台风封港令 / Closure orders',
          response: { 200: z.object({ items: z.array(S.ClosureSchema) }), ...errors },
        },
      },
      async (req) => ({ items: await listClosures(db, requireActor(req)) }),
    );

    app.post(
      '/sea/closures',
      {
        schema: {
          tags,
          summary: '发布封港令（区域+时间，记审计）/ Issue a closure order (audited)',
          body: S.ClosureCreate,
          response: { 201: z.object({ id: z.string() }), ...errors },
        },
      },
      async (req, reply) => {
        const id = await tx((t) => issueClosure(t, requireActor(req), req.body));
        await reloadFeed();
        return reply.code(201).send({ id });
      },
    );

    app.post(
      '/sea/closures/:id/lift',
      {
        schema: {
          tags,
          summary: '解除封港令（须说明理由）/ Lift a closure order',
          params: IdParam,
          body: S.ReasonBody,
          response: { 200: z.object({ ok: z.literal(true) }), ...errors },
        },
      },
      async (req) => {
        await tx((t) => liftClosure(t, requireActor(req), req.params.id, req.body.reason));
        await reloadFeed();
        return { ok: true as const };
      },
    );

    app.get(
      '/sea/reports',
      {
        schema: {
          tags,
          summary: '进出港报告 / Port exit and entry reports',
          querystring: S.ReportQuery,
          response: {
            200: z.object({
              items: z.array(S.ReportSchema),
              total: z.number(),
              page: z.number(),
              pageSize: z.number(),
            }),
            ...errors,
          },
        },
      },
      async (req) => listReports(db, requireActor(req), req.query),
    );

    app.post(
      '/sea/reports',
      {
        schema: {
          tags,
          summary: '填报进出港报告 / File a port exit or entry report',
          body: S.ReportCreate,
          response: {
            201: z.object({
              id: z.string(),
              vesselId: z.string(),
              kind: z.enum(['exit', 'entry']),
              port: z.string(),
              reportedAt: z.string(),
            }),
            ...errors,
          },
        },
      },
      async (req, reply) => reply.code(201).send(await tx((t) => fileReport(t, requireActor(req), req.body))),
    );

    app.get(
      '/sea/params',
      {
        schema: {
          tags,
          summary: '规则参数 / The rules’ parameters',
          response: { 200: S.ParamsSchema, ...errors },
        },
      },
      async (req) => getParams(db, requireActor(req)),
    );

    app.put(
      '/sea/params',
      {
        schema: {
          tags,
          summary: '修改规则参数（市级，带版本号与理由，记审计）/ Change the parameters (audited)',
          body: S.ParamsUpdate,
          response: { 200: S.ParamsSchema, ...errors },
        },
      },
      async (req) => {
        const r = await tx((t) =>
          setParams(t, requireActor(req), req.body.version, req.body.params, req.body.reason),
        );
        await reloadFeed();
        return r;
      },
    );

    // ---------------------------------------------------------------------------------------------------
    // Alerts and the feed

    app.get(
      '/sea/alerts',
      {
        schema: {
          tags,
          summary: '海上预警看板（闭环操作走 /api/matters/:id/transitions）/ The sea alert board',
          querystring: S.AlertQuery,
          response: {
            200: z.object({
              items: z.array(S.SeaAlertSchema),
              total: z.number(),
              page: z.number(),
              pageSize: z.number(),
            }),
            ...errors,
          },
        },
      },
      async (req) => listSeaAlerts(db, requireActor(req), req.query),
    );

    app.get(
      '/sea/feed',
      {
        schema: {
          tags,
          summary: '位置接入计数（收到 = 已评估 + 已拒收）/ Feed counters (received = evaluated + rejected)',
          response: { 200: S.FeedStatsSchema, ...errors },
        },
      },
      async (req) => {
        assertCan(requireActor(req), 'sea:read');
        const feed = feedOf(kernel);
        const empty = {
          received: 0,
          evaluated: 0,
          rejected: 0,
          rejectedBy: {},
          breaches: 0,
          raised: 0,
          deduplicated: 0,
          stored: 0,
          alertFailures: 0,
          forwarded: 0,
          leading: false,
          broker: null,
          vessels: 0,
          atSea: 0,
        };
        return { running: !!feed, ...(feed ? feed.stats() : empty), topic: TOPIC_FILTER };
      },
    );

    app.get(
      '/sea/feed/rejects',
      {
        schema: {
          tags,
          summary: '最近被拒收的位置消息（样本）/ Recent rejected messages (samples)',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.string(),
                  at: z.string(),
                  reason: z.string(),
                  topic: z.string().nullable(),
                  sample: z.string().nullable(),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (req) => ({ items: await listRejects(db, requireActor(req), req.query.limit) }),
    );

    app.get(
      '/sea/tokens',
      {
        schema: {
          tags,
          summary: '位置推送令牌 / Push tokens',
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.string(),
                  name: z.string(),
                  prefix: z.string(),
                  createdAt: z.string(),
                  lastUsedAt: z.string().nullable(),
                  revokedAt: z.string().nullable(),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (req) => ({ items: await listPushTokens(db, requireActor(req)) }),
    );

    app.post(
      '/sea/tokens',
      {
        schema: {
          tags,
          summary: '签发推送令牌（只显示一次，记审计）/ Issue a push token (shown once)',
          body: z.object({ name: z.string().trim().min(1).max(100) }),
          response: {
            201: z.object({ token: z.string(), id: z.string(), name: z.string(), prefix: z.string() }),
            ...errors,
          },
        },
      },
      async (req, reply) =>
        reply.code(201).send(await tx((t) => createPushToken(t, requireActor(req), req.body.name))),
    );

    app.delete(
      '/sea/tokens/:id',
      {
        schema: {
          tags,
          summary: '吊销推送令牌 / Revoke a push token',
          params: IdParam,
          response: { 200: z.object({ ok: z.literal(true) }), ...errors },
        },
      },
      async (req) => {
        await tx((t) => revokePushToken(t, requireActor(req), req.params.id));
        return { ok: true as const };
      },
    );

    app.post(
      '/sea/positions',
      {
        schema: {
          tags,
          summary: '推送船位（部门系统，Bearer 推送令牌）/ Push positions (department systems, bearer token)',
          description:
            '`Authorization: Bearer <token>`。每条 `{number, lng, lat, sog?, cog?, ts}`（ts 为毫秒时间戳或 ISO 8601）；' +
            '与 MQTT 消息同样评估；格式错误、越界、跳变的逐条返回并计数，不影响其他记录。\n\n' +
            'Bearer push token. Each record `{number, lng, lat, sog?, cog?, ts}` is evaluated like an MQTT ' +
            'message; malformed, out-of-range and jumping records are returned one by one and counted.',
          body: S.PushBody,
          response: { 200: S.PushResult, ...errors },
        },
        config: { rateLimit: { max: 600, timeWindow: '1 minute' } },
      },
      async (req) => {
        const auth = req.headers.authorization ?? '';
        const token = /^Bearer\s+(\S{10,200})$/i.exec(auth)?.[1];
        if (!token) throw new AppError('UNAUTHENTICATED', '缺少推送令牌 / Missing bearer token');
        await tokenName(db, token);
        const feed = feedOf(kernel);
        if (!feed)
          throw new AppError(
            'CONFLICT',
            '位置接入服务未运行 / The position feed is not running in this process',
          );
        return feed.push(req.body.positions);
      },
    );
  };

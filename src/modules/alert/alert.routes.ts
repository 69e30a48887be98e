import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { IdParam } from '../../server/schemas.ts';
import { datedXlsx, sendXlsx, XLSX } from '../../server/xlsx-reply.ts';
import { ALERT_EXPORT_MAX, exportAlertsXlsx } from './alert.export.ts';
import { ALERT_LEVELS } from './alert.schema.ts';
import {
  alertDetail,
  alertSummary,
  findModel,
  listAlerts,
  listModels,
  modelDetail,
  updateModel,
} from './alerts.service.ts';
import type { AnyModel } from './runtime/model.ts';
import { runModels } from './runtime/runtime.ts';
import { addTag, PERSON_TAGS, personTags, removeTag } from './tags.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['alerts 智能预警'];
const Name = z.object({ zh: z.string(), en: z.string() });
const Level = z.enum(ALERT_LEVELS);
const ModelCode = z.object({ code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/) });

const AlertItem = z
  .object({
    id: z.string(),
    number: z.string(),
    title: z.string(),
    status: z.string(),
    statusName: Name,
    closed: z.boolean(),
    model: z.string(),
    level: Level,
    score: z.number(),
    evaluations: z.number(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    dueAt: z.string().nullable(),
    deadlineState: z.string(),
  })
  .meta({ id: 'AlertItem' });

const ModelSummary = z
  .object({
    code: z.string(),
    no: z.number(),
    name: Name,
    description: Name,
    kind: z.enum(['streaming', 'periodic']),
    enabled: z.boolean(),
    version: z.number(),
    healthy: z.boolean(),
    lastRunAt: z.string().nullable(),
    lastDurationMs: z.number().nullable(),
    lastSignals: z.number().nullable(),
    lastError: z.string().nullable(),
    runs: z.number(),
    failures: z.number(),
    openAlerts: z.number(),
    confirmed: z.number(),
    dismissed: z.number(),
    confirmRatio: z.number().nullable(),
    backtest: z
      .object({
        runAt: z.string(),
        alerts: z.number(),
        precision: z.number().nullable(),
        recall: z.number().nullable(),
        leadDaysMedian: z.number().nullable(),
        leadN: z.number(),
      })
      .nullable()
      .describe('the latest backtest: alerts, precision, recall, median lead time in days'),
  })
  .meta({ id: 'AlertModelSummary' });

const csv = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((s) => (s ? s.split(',').filter(Boolean) : undefined));

/** The board's filters: the list and its export take the same. */
const AlertFilters = z.object({
  level: csv(40).pipe(z.array(Level).max(3).optional()),
  model: csv(500).pipe(z.array(z.string().max(40)).max(20).optional()),
  status: z.string().max(40).optional().describe('open | closed | a state code'),
  areaCode: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('keywords: Chinese words of the title and explanation (jieba), or text in the title'),
});

/** 智能预警: the board, an alert's explanation, the models with their parameters, health and backtests. */
export const alertRoutes =
  (kernel: Kernel, models: AnyModel[]): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;

    app.get(
      '/alerts',
      {
        schema: {
          tags,
          summary: '预警列表 / The alert board',
          querystring: AlertFilters.extend({
            cursor: z.string().max(200).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(20),
          }),
          response: {
            200: z.object({ items: z.array(AlertItem), nextCursor: z.string().nullable() }),
            ...errors,
          },
        },
      },
      async (req) => listAlerts(db, requireActor(req), req.query),
    );

    app.get(
      '/alerts/export',
      {
        schema: {
          tags,
          summary: `导出预警为 Excel（最多 ${ALERT_EXPORT_MAX} 行）/ Export the board to XLSX`,
          querystring: AlertFilters,
          response: {
            200: z.any().describe(XLSX),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'matter:read');
        return sendXlsx(req, reply, datedXlsx('alerts'), (out) =>
          exportAlertsXlsx(db, actor, models, req.query, out),
        );
      },
    );

    app.get(
      '/alerts/summary',
      {
        schema: {
          tags,
          summary: '预警概况（按等级、模型的未结数，今日新增）/ Open alerts by level and model, raised today',
          response: {
            200: z.object({
              openByLevel: z.object({ red: z.number(), orange: z.number(), yellow: z.number() }),
              openByModel: z.record(z.string(), z.number()),
              raisedToday: z.number(),
            }),
            ...errors,
          },
        },
      },
      async (req) => alertSummary(db, requireActor(req)),
    );

    app.get(
      '/alerts/:id',
      {
        schema: {
          tags,
          summary: '预警详情与研判依据 / An alert with its explanation and the records behind each factor',
          params: IdParam,
          response: {
            200: z.object({
              id: z.string(),
              number: z.string(),
              title: z.string(),
              status: z.string(),
              statusName: Name,
              closed: z.boolean(),
              areaCode: z.string(),
              model: z.string(),
              modelVersion: z.number(),
              level: Level,
              levelName: Name,
              score: z.number(),
              key: z.string(),
              window: z.string(),
              evaluations: z.number(),
              firstAt: z.string(),
              lastAt: z.string(),
              factors: z.array(
                z.object({
                  code: z.string(),
                  name: Name,
                  weight: z.number(),
                  detail: z.string(),
                  records: z.array(
                    z.object({
                      id: z.string(),
                      number: z.string(),
                      type: z.string(),
                      title: z.string(),
                      status: z.string(),
                      createdAt: z.string(),
                    }),
                  ),
                  hiddenRecords: z.number().describe('records behind the factor outside your scope'),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (req) => alertDetail(db, requireActor(req), req.params.id),
    );

    app.get(
      '/alert-models',
      {
        schema: {
          tags,
          summary: '预警模型：健康、研判确认率 / The models: health and confirm ratio',
          response: { 200: z.object({ items: z.array(ModelSummary) }), ...errors },
        },
      },
      async (req) => ({ items: await listModels(db, requireActor(req), models) }),
    );

    app.get(
      '/alert-models/:code',
      {
        schema: {
          tags,
          summary: '模型详情：参数、修改记录、回测 / A model: parameters, their history, the latest backtest',
          params: ModelCode,
          response: {
            200: ModelSummary.extend({
              params: z.record(z.string(), z.unknown()),
              defaults: z.record(z.string(), z.unknown()),
              paramsSchema: z.record(z.string(), z.unknown()),
              levels: z.object({ red: z.number(), orange: z.number(), yellow: z.number() }),
              intervalMs: z.number().nullable(),
              versions: z.array(
                z.object({
                  version: z.number(),
                  params: z.record(z.string(), z.unknown()),
                  changedBy: z.string().nullable(),
                  reason: z.string().nullable(),
                  at: z.string(),
                }),
              ),
              backtest: z
                .object({
                  runAt: z.string(),
                  from: z.string(),
                  to: z.string(),
                  result: z.record(z.string(), z.unknown()),
                })
                .nullable(),
            }),
            ...errors,
          },
        },
      },
      async (req) => modelDetail(db, requireActor(req), models, req.params.code),
    );

    app.put(
      '/alert-models/:code',
      {
        schema: {
          tags,
          summary:
            '修改模型参数或启停（留版本、审计）/ Change a model’s parameters or switch it (versioned, audited)',
          params: ModelCode,
          body: z.object({
            version: z.number().int().min(1).describe('the version you read'),
            params: z.record(z.string(), z.unknown()).optional(),
            enabled: z.boolean().optional(),
            reason: z.string().trim().min(2).max(500),
          }),
          response: {
            200: z.object({
              version: z.number(),
              enabled: z.boolean(),
              params: z.record(z.string(), z.unknown()),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db.transaction().execute((tx) => updateModel(tx, actor, models, req.params.code, req.body));
      },
    );

    app.post(
      '/alert-models/:code/run',
      {
        schema: {
          tags,
          summary: '立即运行一次模型 / Run a model now',
          params: ModelCode,
          response: {
            200: z.object({
              ok: z.boolean(),
              ms: z.number(),
              signals: z.number(),
              raised: z.number(),
              updated: z.number(),
              unchanged: z.number(),
              suppressed: z.number(),
              error: z.string().nullable(),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        assertCan(actor, 'alert:configure');
        const model = findModel(models, req.params.code);
        const r = await runModels(kernel, [model], { now: new Date() });
        const e = r.evaluated[0];
        return {
          ok: e?.ok ?? false,
          ms: e?.ms ?? 0,
          signals: e?.signals.length ?? 0,
          raised: r.raised,
          updated: r.updated,
          unchanged: r.unchanged,
          suppressed: r.suppressed,
          error: e ? (e.error ?? null) : '模型已停用 / The model is switched off',
        };
      },
    );

    // 重点人员 tags: their own permission; every read and change is audited.
    app.get(
      '/persons/:id/tags',
      {
        schema: {
          tags,
          summary: '重点人员标签 / A person’s watch-list tags',
          params: IdParam,
          response: {
            200: z.object({
              items: z.array(
                z.object({ tag: z.string(), name: Name, note: z.string().nullable(), createdAt: z.string() }),
              ),
              tags: z.array(z.object({ code: z.string(), name: Name })),
            }),
            ...errors,
          },
        },
      },
      async (req) => ({
        items: await personTags(db, requireActor(req), req.params.id),
        tags: Object.entries(PERSON_TAGS).map(([code, name]) => ({ code, name })),
      }),
    );

    app.post(
      '/persons/:id/tags',
      {
        schema: {
          tags,
          summary: '添加重点人员标签 / Tag a person',
          params: IdParam,
          body: z.object({
            tag: z.enum(Object.keys(PERSON_TAGS) as [string, ...string[]]),
            note: z.string().trim().max(500).optional(),
          }),
          response: { 204: z.null(), ...errors },
        },
      },
      async (req, reply) => {
        await addTag(db, requireActor(req), req.params.id, req.body.tag, req.body.note);
        return reply.status(204).send(null);
      },
    );

    app.delete(
      '/persons/:id/tags/:tag',
      {
        schema: {
          tags,
          summary: '移除重点人员标签 / Remove a tag',
          params: IdParam.extend({ tag: z.string().max(40) }),
          response: { 204: z.null(), ...errors },
        },
      },
      async (req, reply) => {
        await removeTag(db, requireActor(req), req.params.id, req.params.tag);
        return reply.status(204).send(null);
      },
    );
  };

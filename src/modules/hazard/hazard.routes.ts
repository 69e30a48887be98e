import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { command } from '../../server/routes/matters.routes.ts';
import { IdParam } from '../../server/schemas.ts';
import { datedXlsx, sendXlsx, XLSX } from '../../server/xlsx-reply.ts';
import { hazardKpi, hazardKpiRecords } from './area-kpi.service.ts';
import { exportHazardsXlsx, HAZARD_EXPORT_MAX } from './hazard.export.ts';
import * as S from './hazard.schema.ts';
import {
  createHazard,
  getHazard,
  hazardDeadlines,
  hazardStates,
  listHazards,
  setHazardDeadline,
} from './hazard.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['hazard 问题隐患'];

/**
 * 问题隐患 (docs/HAZARDS.md). Thin: validate → authenticate → service (authorises, scopes, audits) → present.
 * Writes run in one transaction each; their events are published after commit. Photos are the kernel's
 * matter attachments (POST /api/matters/:id/attachments): before or after the rectification by when they
 * were added.
 */
export const hazardRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;

    app.get(
      '/hazards/meta',
      {
        schema: {
          tags,
          summary: '隐患类别、等级、状态与“3030”时限 / Categories, severities, states and the 3030 deadlines',
          response: {
            200: z.object({
              categories: z.array(
                z.object({ code: z.string(), name: z.object({ zh: z.string(), en: z.string() }) }),
              ),
              severities: z.array(
                z.object({ code: S.SeverityEnum, name: z.object({ zh: z.string(), en: z.string() }) }),
              ),
              states: z.array(
                z.object({
                  code: z.string(),
                  name: z.object({ zh: z.string(), en: z.string() }),
                  kind: z.string(),
                }),
              ),
              deadlines: z.array(S.DeadlineSchema),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        requireActor(req);
        return {
          categories: S.HAZARD_CATEGORIES.map((c) => ({ code: c.code, name: c.name })),
          severities: S.SEVERITIES.map((s) => ({ code: s, name: S.SEVERITY_NAMES[s] })),
          states: hazardStates(),
          deadlines: (await hazardDeadlines(db)).map((d) => ({
            ...d,
            severityName: S.SEVERITY_NAMES[d.severity],
          })),
        };
      },
    );

    app.put(
      '/hazards/deadlines/:severity',
      {
        schema: {
          tags,
          summary: '设置某等级的“3030”时限（全市配置）/ Set a severity’s 3030 deadlines (city-wide)',
          params: z.object({ severity: S.SeverityEnum }),
          body: S.DeadlineBody,
          response: { 200: S.DeadlineSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const d = await db
          .transaction()
          .execute((tx) => setHazardDeadline(tx, actor, req.params.severity, req.body));
        return { ...d, severityName: S.SEVERITY_NAMES[d.severity] };
      },
    );

    app.get(
      '/hazards',
      {
        schema: {
          tags,
          summary: '隐患列表（筛选、排序、分页，含“3030”时钟）/ Hazards with their 3030 clocks',
          querystring: S.HazardListQuery,
          response: { 200: S.HazardPage, ...errors },
        },
      },
      async (req) => listHazards(db, requireActor(req), req.query),
    );

    app.get(
      '/hazards/export',
      {
        schema: {
          tags,
          summary: `导出隐患为 Excel（最多 ${HAZARD_EXPORT_MAX} 行，记审计）/ Export hazards (audited)`,
          querystring: S.HazardFilters,
          response: { 200: z.any().describe(XLSX), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'matter:read');
        return sendXlsx(req, reply, datedXlsx('hazards'), (out) =>
          exportHazardsXlsx(db, actor, req.query, out),
        );
      },
    );

    app.post(
      '/hazards',
      {
        schema: {
          tags,
          summary: '发现并上报隐患 / Report a hazard (photos: POST /api/matters/:id/attachments)',
          body: S.HazardCreate,
          response: { 201: S.HazardDetailSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await command(kernel, (tx) => createHazard(tx, actor, req.body));
        return reply.status(201).send(await getHazard(db, actor, r.id));
      },
    );

    app.get(
      '/hazards/kpi',
      {
        schema: {
          tags,
          summary: '重大隐患整改完成率等指标（按下级区划、等级）/ Hazard KPIs by child area and severity',
          querystring: S.KpiQuery,
          response: { 200: S.KpiResponse, ...errors },
        },
      },
      async (req) => hazardKpi(db, requireActor(req), req.query),
    );

    app.get(
      '/hazards/kpi/records',
      {
        schema: {
          tags,
          summary: '指标背后的隐患记录 / The hazards behind a KPI figure',
          querystring: S.KpiRecordsQuery,
          response: { 200: S.KpiRecords, ...errors },
        },
      },
      async (req) => hazardKpiRecords(db, requireActor(req), req.query),
    );

    app.get(
      '/hazards/:id',
      {
        schema: {
          tags,
          summary: '隐患详情（整改前后照片、时间线、可执行操作）/ A hazard with photos, timeline and actions',
          params: IdParam,
          response: { 200: S.HazardDetailSchema, ...errors },
        },
      },
      async (req) => getHazard(db, requireActor(req), req.params.id),
    );
  };

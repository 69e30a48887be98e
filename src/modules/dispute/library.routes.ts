import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { IdParam } from '../../server/schemas.ts';
import { datedXlsx, sendXlsx, XLSX } from '../../server/xlsx-reply.ts';
import { DISPUTE_EXPORT_MAX, exportDisputesXlsx } from './dispute.export.ts';
import * as S from './dispute.routes.schemas.ts';
import { DISPUTE_CATEGORIES, PARTY_ROLE_NAMES, RISK_NAMES } from './dispute.schema.ts';
import {
  countDisputes,
  type DisputeQuery,
  disputeRecords,
  listDisputes,
  registerDispute,
} from './disputes.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['disputes 矛盾纠纷'];

type Filters = z.infer<typeof S.DisputeFilters>;
const toQuery = (f: Filters): Omit<DisputeQuery, 'cursor' | 'limit'> => ({
  ...f,
  status: f.status?.split(','),
  mass: f.mass === undefined ? undefined : f.mass === 'true',
  multiSource: f.multiSource === 'true' ? true : undefined,
});

/** The library: search and filter across all sources, a dispute's source records, the web form, export. */
export const libraryRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;

    app.get(
      '/disputes/meta',
      {
        schema: {
          tags,
          summary: '类别、风险等级、当事人角色 / Categories, risk levels, party roles',
          response: {
            200: z.object({
              categories: z.array(z.object({ code: z.string(), name: S.Name })),
              risks: z.array(z.object({ code: z.string(), name: S.Name })),
              partyRoles: z.array(z.object({ code: z.string(), name: S.Name })),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        requireActor(req);
        return {
          categories: DISPUTE_CATEGORIES.map((c) => ({ code: c.code, name: c.name })),
          risks: Object.entries(RISK_NAMES).map(([code, name]) => ({ code, name })),
          partyRoles: Object.entries(PARTY_ROLE_NAMES).map(([code, name]) => ({ code, name })),
        };
      },
    );

    app.get(
      '/disputes',
      {
        schema: {
          tags,
          summary: '纠纷库检索 / Search the dispute library',
          querystring: S.DisputeFilters.extend({
            cursor: z.string().max(200).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(20),
            withTotal: z.enum(['true', 'false']).optional(),
          }),
          response: {
            200: z.object({
              items: z.array(S.DisputeItemSchema),
              nextCursor: z.string().nullable(),
              total: z.number().int().nullable(),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const { cursor, limit, withTotal, ...f } = req.query;
        const query = toQuery(f);
        const [page, total] = await Promise.all([
          listDisputes(db, actor, { ...query, cursor, limit }),
          withTotal === 'true' ? countDisputes(db, actor, query) : Promise.resolve(null),
        ]);
        return { ...page, total };
      },
    );

    app.get(
      '/disputes/export',
      {
        schema: {
          tags,
          summary: `导出为 Excel（最多 ${DISPUTE_EXPORT_MAX} 行）/ Export to XLSX`,
          querystring: S.DisputeFilters,
          response: {
            200: z.any().describe(XLSX),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'matter:read');
        return sendXlsx(req, reply, datedXlsx('disputes'), (out) =>
          exportDisputesXlsx(db, actor, toQuery(req.query), out),
        );
      },
    );

    app.get(
      '/disputes/:id/records',
      {
        schema: {
          tags,
          summary: '该纠纷的全部来源记录 / Every source record that fed this dispute',
          params: IdParam,
          response: { 200: z.object({ items: z.array(S.SourceRecordSchema) }), ...errors },
        },
      },
      async (req) => ({ items: await disputeRecords(db, requireActor(req), req.params.id) }),
    );

    app.post(
      '/disputes',
      {
        schema: {
          tags,
          summary: '登记矛盾纠纷（网格员、窗口）/ Register a dispute (grid workers, service windows)',
          description:
            '与文件导入走同一流程：校验、定位、关联人房企物、查重（与其他部门上报的同一纠纷合并）、分类。' +
            ' / The same pipeline as imports: validate, locate, link subjects, merge with the same dispute reported elsewhere, classify.',
          body: S.DisputeForm,
          response: { 201: S.OutcomeSchema, 200: S.OutcomeSchema, ...errors },
        },
      },
      async (req, reply) => {
        const outcome = await registerDispute(kernel, requireActor(req), req.body);
        return reply.code(outcome.status === 'inserted' ? 201 : 200).send(outcome);
      },
    );
  };

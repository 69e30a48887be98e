import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { announce, type ZhiliEvent } from '../../core/events/bus.ts';
import type { Kernel } from '../../core/kernel.ts';
import { getMatterDetail } from '../../core/matters/detail.ts';
import { exportMattersXlsx } from '../../core/matters/export.ts';
import { countMatters, createMatter, listMatters } from '../../core/matters/matters.service.ts';
import { getMatterType, matterTypes } from '../../core/matters/registry.ts';
import { transition } from '../../core/matters/transition.ts';
import { describeDeadline } from '../../core/workflow/deadlines.ts';
import { toMermaid } from '../../core/workflow/workflow.ts';
import { requireActor } from '../auth.ts';
import { ErrorBody } from '../errors.ts';
import { IdParam } from '../schemas.ts';
import { datedXlsx, sendXlsx, XLSX } from '../xlsx-reply.ts';
import * as S from './matters.schemas.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Name = z.object({ zh: z.string(), en: z.string() });
const DeadlineSchema = z.object({
  amount: z.number().int(),
  unit: z.enum(['minutes', 'hours', 'days', 'workdays']),
  warnRatio: z.number().optional(),
});

/**
 * Runs a command in one transaction and publishes its events only after the commit, so that no one is
 * told about a change that was rolled back.
 */
export async function command<T extends { events: ZhiliEvent[] }>(
  kernel: Kernel,
  fn: (tx: DbOrTx) => Promise<T>,
): Promise<T> {
  const r = await kernel.db.transaction().execute(fn);
  await announce(kernel, r.events);
  return r;
}

export const mattersRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;
    const tags = ['matters 事项'];

    app.get(
      '/matter-types',
      {
        schema: {
          tags,
          summary: '事项类型（类别、状态、操作）/ Matter types with categories, states and actions',
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  code: z.string(),
                  prefix: z.string(),
                  name: Name,
                  categories: z.array(z.object({ code: z.string(), name: Name })),
                  states: z.array(
                    z.object({ code: z.string(), name: Name, kind: z.enum(['open', 'closed']) }),
                  ),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        requireActor(req);
        return {
          items: matterTypes().map((t) => ({
            code: t.code,
            prefix: t.prefix,
            name: t.name,
            categories: t.categories,
            states: Object.entries(t.workflow.states).map(([code, s]) => ({
              code,
              name: s.name,
              kind: s.kind,
            })),
          })),
        };
      },
    );

    app.get(
      '/matter-types/:code/workflow',
      {
        schema: {
          tags,
          summary: '流程定义与流程图（Mermaid）/ The declared workflow and its diagram',
          params: z.object({ code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/) }),
          querystring: z.object({
            current: z
              .string()
              .regex(/^[a-z_]{2,40}$/)
              .optional()
              .describe('state to highlight'),
          }),
          response: {
            200: z.object({
              code: z.string(),
              name: Name,
              initial: z.string(),
              states: z.array(
                z.object({
                  code: z.string(),
                  name: Name,
                  kind: z.enum(['open', 'closed']),
                  deadline: DeadlineSchema.nullable(),
                  deadlineText: z.string().nullable(),
                }),
              ),
              transitions: z.array(
                z.object({
                  action: z.string(),
                  name: Name,
                  from: z.array(z.string()),
                  to: z.string().nullable(),
                  roles: z.array(z.string()),
                  party: z.array(z.string()),
                  requires: z.array(z.string()),
                  effect: z.string().nullable(),
                }),
              ),
              mermaid: z.string(),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        requireActor(req);
        const t = getMatterType(req.params.code);
        const w = t.workflow;
        const configured = await db
          .selectFrom('matter_deadlines')
          .selectAll()
          .where('type', '=', t.code)
          .execute();
        return {
          code: t.code,
          name: w.name,
          initial: w.initial,
          states: Object.entries(w.states).map(([code, s]) => {
            const c = configured.find((x) => x.state === code);
            const deadline = c
              ? { amount: c.amount, unit: c.unit, warnRatio: c.warn_ratio }
              : (s.deadline ?? null);
            return {
              code,
              name: s.name,
              kind: s.kind,
              deadline,
              deadlineText: deadline ? describeDeadline(deadline) : null,
            };
          }),
          transitions: w.transitions.map((x) => ({
            action: x.action,
            name: x.name,
            from: x.from,
            to: x.to ?? null,
            roles: x.roles,
            party: x.party,
            requires: x.requires ?? [],
            effect: x.effect ?? null,
          })),
          mermaid: toMermaid(w, req.query.current),
        };
      },
    );

    app.put(
      '/matter-types/:code/deadlines/:state',
      {
        schema: {
          tags,
          summary: '设置某状态的办理时限（中心配置）/ Set a state’s deadline (centre configuration)',
          params: z.object({
            code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/),
            state: z.string().regex(/^[a-z_]{2,40}$/),
          }),
          body: z.object({
            amount: z.number().int().min(1).max(100_000),
            unit: z.enum(['minutes', 'hours', 'days', 'workdays']),
            warnRatio: z.number().gt(0).lt(1).default(0.8),
          }),
          response: { 200: DeadlineSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        assertCan(actor, 'matter:configure');
        // Deadlines are one table for the whole platform (per type and state, not yet per area): only a
        // city-wide administrator may change what every district works to.
        if (actor.scopePrefix.length > 4) {
          throw new AppError(
            'FORBIDDEN',
            '办理时限为全市统一配置，须由市级管理员修改 / Deadlines are city-wide; a city administrator sets them',
          );
        }
        const t = getMatterType(req.params.code);
        const s = t.workflow.states[req.params.state];
        if (s?.kind !== 'open') {
          throw new AppError(
            'VALIDATION_FAILED',
            '只有办理中的状态可设置时限 / Only open states have deadlines',
            [{ path: 'state', message: 'not an open state' }],
          );
        }
        const { amount, unit, warnRatio } = req.body;
        await db.transaction().execute(async (tx) => {
          const before = await tx
            .selectFrom('matter_deadlines')
            .selectAll()
            .where('type', '=', t.code)
            .where('state', '=', req.params.state)
            .executeTakeFirst();
          await tx
            .insertInto('matter_deadlines')
            .values({ type: t.code, state: req.params.state, amount, unit, warn_ratio: warnRatio })
            .onConflict((oc) =>
              oc
                .columns(['type', 'state'])
                .doUpdateSet({ amount, unit, warn_ratio: warnRatio, updated_at: new Date() }),
            )
            .execute();
          await audit(tx, actor, {
            action: 'matter_type.deadline',
            entityType: 'matter_type',
            entityId: `${t.code}/${req.params.state}`,
            oldValues: before
              ? { amount: before.amount, unit: before.unit, warnRatio: before.warn_ratio }
              : s.deadline
                ? { ...s.deadline }
                : null,
            newValues: { amount, unit, warnRatio },
          });
        });
        return { amount, unit, warnRatio };
      },
    );

    app.get(
      '/matters',
      {
        schema: {
          tags,
          summary: '工作队列（筛选、排序、游标分页）/ Work queue: filters, sorting, keyset pagination',
          querystring: S.MatterListQuery,
          response: {
            200: z.object({ items: z.array(S.MatterSchema), nextCursor: z.string().nullable() }),
            ...errors,
          },
        },
      },
      async (req) => listMatters(db, requireActor(req), req.query),
    );

    app.get(
      '/matters/counts',
      {
        schema: {
          tags,
          summary: '队列各状态数量（标签页）/ Counts per status and deadline state for the queue tabs',
          querystring: S.MatterFilters,
          response: {
            200: z.object({
              total: z.number().int(),
              byStatus: z.record(z.string(), z.number().int()),
              byDeadlineState: z.record(z.string(), z.number().int()),
            }),
            ...errors,
          },
        },
      },
      async (req) => countMatters(db, requireActor(req), req.query),
    );

    app.get(
      '/matters/export',
      {
        schema: {
          tags,
          summary: '导出队列为 Excel（最多 50,000 行）/ Export the queue to XLSX (up to 50,000 rows)',
          querystring: S.MatterFilters.extend({
            sort: z.enum(['created_desc', 'created_asc', 'due_asc']).default('created_desc'),
          }),
          response: {
            200: z.any().describe(XLSX),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'matter:read');
        return sendXlsx(req, reply, datedXlsx('matters'), (out) =>
          exportMattersXlsx(db, actor, req.query, out),
        );
      },
    );

    app.post(
      '/matters',
      {
        schema: {
          tags,
          summary: '上报事项 / Report a matter',
          body: S.MatterInput,
          response: { 201: S.MatterSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await command(kernel, (tx) => createMatter(tx, actor, req.body));
        return reply.status(201).send(r.matter);
      },
    );

    app.get(
      '/matters/:id',
      {
        schema: {
          tags,
          summary:
            '事项详情（当事人、附件、时间线、可执行操作）/ A matter with parties, attachments, timeline and actions',
          params: IdParam,
          response: { 200: S.MatterDetailSchema, ...errors },
        },
      },
      async (req) => getMatterDetail(db, requireActor(req), req.params.id),
    );

    app.post(
      '/matters/:id/transitions',
      {
        schema: {
          tags,
          summary:
            '执行流程操作（受理、分派、签收、处置、反馈、核查、办结、退回、转办、延期、督办、补正）/ Take an action',
          params: IdParam,
          body: S.TransitionBody,
          response: { 200: S.MatterDetailSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        await command(kernel, (tx) => transition(tx, actor, req.params.id, req.body));
        return getMatterDetail(db, actor, req.params.id);
      },
    );

    app.get(
      '/notifications',
      {
        schema: {
          tags,
          summary: '我的通知 / My notices',
          querystring: z.object({
            unread: z
              .enum(['true', 'false'])
              .transform((v) => v === 'true')
              .optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.string(),
                  matterId: z.string().nullable(),
                  kind: z.string(),
                  message: z.string(),
                  createdAt: z.string(),
                  readAt: z.string().nullable(),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        let q = db
          .selectFrom('notifications')
          .selectAll()
          .where('user_id', '=', actor.id ?? '0');
        if (req.query.unread) q = q.where('read_at', 'is', null);
        const rows = await q.orderBy('id', 'desc').limit(req.query.limit).execute();
        return {
          items: rows.map((n) => ({
            id: n.id,
            matterId: n.matter_id,
            kind: n.kind,
            message: n.message,
            createdAt: n.created_at.toISOString(),
            readAt: n.read_at?.toISOString() ?? null,
          })),
        };
      },
    );

    app.post(
      '/notifications/:id/read',
      {
        schema: {
          tags,
          summary: '标为已读 / Mark read',
          params: IdParam,
          response: { 204: z.null(), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        await db
          .updateTable('notifications')
          .set({ read_at: new Date() })
          .where('id', '=', req.params.id)
          .where('user_id', '=', actor.id ?? '0')
          .execute();
        return reply.status(204).send(null);
      },
    );
  };

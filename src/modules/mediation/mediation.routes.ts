import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { command } from '../../server/routes/matters.routes.ts';
import { IdParam } from '../../server/schemas.ts';
import { datedXlsx, sendXlsx, XLSX } from '../../server/xlsx-reply.ts';
import { CASE_EXPORT_MAX, exportCasesXlsx } from './mediation.export.ts';
import { agreementPdf } from './mediation.pdf.ts';
import * as S from './mediation.schema.ts';
import {
  addSession,
  agreementForPdf,
  applyConfirmation,
  assignCase,
  closeCase,
  disputesAwaitingCases,
  escalateCase,
  failCase,
  followUp,
  getCase,
  kpis,
  listCases,
  openCasesForDispute,
  recordAgreement,
} from './mediation.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['mediation 一站式调解'];

/**
 * Opens the mediation case of a dispute sent to mediation (分流至调解): on the event of that step, and — for
 * events lost while an instance restarted — by the periodic sweep (mediation/index.ts). Idempotent.
 */
export async function openCases(kernel: Kernel, disputeId: string): Promise<number> {
  const r = await command(kernel, (tx) => openCasesForDispute(tx, disputeId));
  return r.opened.length;
}

export async function sweepPendingCases(kernel: Kernel): Promise<number> {
  let n = 0;
  for (const id of await disputesAwaitingCases(kernel.db)) n += await openCases(kernel, id);
  return n;
}

/** Thin: validate → authenticate → service (authorises, scopes, checks the step) → present. */
export const mediationRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db, vault } = kernel;

    const off = kernel.events.subscribe((e: ZhiliEvent) => {
      if (e.type !== 'matter.transitioned' || e.data?.action !== 'to_mediation' || !e.matterId) return;
      openCases(kernel, e.matterId).catch((err: Error) =>
        kernel.log.warn(
          { err: err.message, matter: e.matterId },
          'mediation case not opened; the sweep retries',
        ),
      );
    });
    app.addHook('onClose', async () => off());

    const step = <B extends { version: number }>(
      path: string,
      summary: string,
      body: z.ZodType<B>,
      fn: (
        tx: Parameters<Parameters<typeof command>[1]>[0],
        actor: ReturnType<typeof requireActor>,
        id: string,
        b: B,
      ) => Promise<{ case: z.infer<typeof S.CaseDetailSchema>; events: ZhiliEvent[] }>,
      description?: string,
    ) =>
      app.post(
        `/mediation/cases/:id/${path}`,
        {
          schema: {
            tags,
            summary,
            ...(description ? { description } : {}),
            params: IdParam,
            body,
            response: { 200: S.CaseDetailSchema, ...errors },
          },
        },
        async (req) => {
          const actor = requireActor(req);
          const r = await command(kernel, (tx) => fn(tx, actor, req.params.id, req.body as B));
          return r.case;
        },
      );

    app.get(
      '/mediation/cases',
      {
        schema: {
          tags,
          summary: '调解案件队列（默认未结案，最新在前）/ The mediation queue, open cases by default',
          querystring: S.CaseListQuery,
          response: { 200: S.CaseListSchema, ...errors },
        },
      },
      async (req) => listCases(db, requireActor(req), req.query),
    );

    app.get(
      '/mediation/cases/export',
      {
        schema: {
          tags,
          summary: `导出调解案件为 Excel（最多 ${CASE_EXPORT_MAX} 行，记审计）/ Export the queue to XLSX (audited)`,
          querystring: S.CaseFilters,
          response: {
            200: z.any().describe(XLSX),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'matter:read');
        return sendXlsx(req, reply, datedXlsx('mediation'), (out) =>
          exportCasesXlsx(db, actor, req.query, out),
        );
      },
    );

    app.get(
      '/mediation/kpis',
      {
        schema: {
          tags,
          summary:
            '调解指标：化解率、村级与镇级化解占比 / KPIs: resolution rate, shares settled at village and town level',
          description:
            '化解率 = 达成协议数 ÷（达成协议数 + 调解不成数），按结果时间落在期间内的案件计；村级、镇级化解占比 = 该级达成协议数 ÷ 达成协议数。' +
            '上交上级的案件在上级有结果前不计入。\n\nresolutionRate = settled ÷ (settled + failed) over cases whose outcome fell in ' +
            'the period; villageShare/townShare = settled at that level ÷ settled. A case passed up counts once its new level has an outcome.',
          querystring: S.KpiQuery,
          response: { 200: S.KpiSchema, ...errors },
        },
      },
      async (req) => kpis(db, requireActor(req), req.query),
    );

    app.get(
      '/mediation/cases/:id',
      {
        schema: {
          tags,
          summary:
            '调解案件详情（调解记录、协议、司法确认、时间线、可执行操作）/ A case with sessions, agreement and actions',
          params: IdParam,
          response: { 200: S.CaseDetailSchema, ...errors },
        },
      },
      async (req) => getCase(db, requireActor(req), req.params.id),
    );

    step(
      'assign',
      '指派调解员及联动网格员、村干部 / Assign the mediator with the grid worker and the village cadre',
      S.AssignBody,
      assignCase,
      '由案件所在层级的综治中心指派；调解员须为该层级区域内的调解员 → 否则 400 NOT_A_MEDIATOR。' +
        '\n\nBy the centre owning the case at its level; the mediator must hold the mediator role within the level area (else 400 NOT_A_MEDIATOR).',
    );

    app.post(
      '/mediation/cases/:id/sessions',
      {
        schema: {
          tags,
          summary: '记录一次调解（时间、地点、参加人、记录）/ Record a session',
          params: IdParam,
          body: S.SessionBody,
          response: { 201: S.CaseDetailSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await command(kernel, (tx) => addSession(tx, actor, req.params.id, req.body));
        return reply.status(201).send(r.case);
      },
    );

    step(
      'agreement',
      '达成协议（人民调解法第二十九条必备事项）/ Record the agreement (Mediation Law art. 29)',
      S.AgreementBody,
      (tx, actor, id, b) => recordAgreement(tx, vault, actor, id, b),
      '缺少任一必备事项 → 400 AGREEMENT_INCOMPLETE，details 列出全部缺项路径，不保存任何内容。' +
        '\n\nA missing required field → 400 AGREEMENT_INCOMPLETE with every missing path in details; nothing is saved.',
    );
    step('fail', '调解不成 / Not settled', S.FailBody, failCase);
    step(
      'escalate',
      '上交上级（村 → 镇 → 县）/ Pass up a level (village → town → county)',
      S.EscalateBody,
      escalateCase,
      '县级案件 → 409 ESCALATION_NOT_POSSIBLE. / A county case → 409 ESCALATION_NOT_POSSIBLE.',
    );
    step(
      'confirmation',
      '申请司法确认（协议生效后 30 日内，经共享法庭）/ Apply for judicial confirmation within 30 days',
      S.ConfirmationBody,
      applyConfirmation,
      '超过 30 日 → 409 CONFIRMATION_TOO_LATE. / Past 30 days → 409 CONFIRMATION_TOO_LATE.',
    );
    step('follow-up', '履行回访 / Performance follow-up', S.FollowUpBody, followUp);
    step('close', '结案 / Close', S.NoteBody, closeCase);

    app.get(
      '/mediation/cases/:id/agreement.pdf',
      {
        schema: {
          tags,
          summary:
            '调解协议书 PDF（含完整身份证号，须填写事由，记审计）/ The agreement as a PDF (reason, audited)',
          params: IdParam,
          querystring: S.PdfQuery,
          response: { 200: z.any().describe('application/pdf'), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const doc = await db
          .transaction()
          .execute((tx) => agreementForPdf(tx, vault, actor, req.params.id, req.query.reason));
        const pdf = await agreementPdf(doc);
        return reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', `attachment; filename="agreement-${doc.number}.pdf"`)
          .header('cache-control', 'no-store')
          .send(Buffer.from(pdf));
      },
    );
  };

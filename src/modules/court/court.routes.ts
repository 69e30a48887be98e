import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { command } from '../../server/routes/matters.routes.ts';
import { IdParam, PageQuery } from '../../server/schemas.ts';
import { datedXlsx, sendXlsx, XLSX } from '../../server/xlsx-reply.ts';
import { exportRegistryXlsx, REGISTRY_EXPORT_MAX } from './court.export.ts';
import * as S from './court.schema.ts';
import {
  bookSlot,
  cancelBooking,
  courtSlots,
  createCourt,
  deleteCourt,
  getCourt,
  layerPoints,
  listBookings,
  listCourts,
  listUses,
  recordUse,
  revealLiaison,
  updateCourt,
} from './courts.service.ts';
import {
  completeFollowup,
  createFollowup,
  createReferral,
  createStation,
  deleteStation,
  getStation,
  getVisit,
  handleReferral,
  listFollowups,
  listReferrals,
  listStations,
  listVisits,
  recordVisit,
  updateStation,
} from './stations.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const courtTags = ['court 共享法庭'];
const psychTags = ['psych 心理服务站'];

/**
 * 共享法庭 and 心理服务站. Thin: validate → authenticate → service (authorises, scopes, audits) → present.
 * Writes run in one transaction each; events about linked matters are published after commit.
 */
export const courtRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db, vault } = kernel;
    const tx = <T>(fn: (t: typeof db) => Promise<T>) => db.transaction().execute(fn);

    // -------------------------------------------------------------------------------------------------------
    // Courts

    app.get(
      '/courts',
      {
        schema: {
          tags: courtTags,
          summary: '共享法庭名录（分页、筛选）/ The shared courts registry',
          querystring: S.CourtListQuery,
          response: { 200: S.CourtPage, ...errors },
        },
      },
      async (req) => listCourts(db, vault, requireActor(req), req.query),
    );

    app.get(
      '/courts/export',
      {
        schema: {
          tags: courtTags,
          summary: `导出共享法庭名录为 Excel（最多 ${REGISTRY_EXPORT_MAX} 行，记审计）/ Export the registry (audited)`,
          querystring: S.CourtFilters,
          response: { 200: z.any().describe(XLSX), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'court:read');
        return sendXlsx(req, reply, datedXlsx('courts'), (out) =>
          exportRegistryXlsx(db, vault, actor, 'courts', req.query, out),
        );
      },
    );

    app.get(
      '/courts/layer',
      {
        schema: {
          tags: courtTags,
          summary: '地图图层：共享法庭或心理服务站的点位 / Map layer: the courts’ or stations’ points',
          description:
            '与 /api/map/features 的点位同形：{id, lng, lat, name, kind, areaCode}（WGS-84），限于您的管辖区域；' +
            'bbox 省略时为整个管辖区域；超过 limit 时 truncated = true。\n\n' +
            'Points like /api/map/features: {id, lng, lat, name, kind, areaCode} (WGS-84) in your scope; no bbox = ' +
            'your whole area; over `limit` → truncated.',
          querystring: S.LayerQuery.extend({ layer: z.enum(['courts', 'stations']).default('courts') }),
          response: { 200: S.LayerResponse, ...errors },
        },
      },
      async (req) =>
        layerPoints(db, requireActor(req), req.query.layer, req.query.bbox, req.query.limit, req.query.crs),
    );

    app.get(
      '/courts/:id',
      {
        schema: {
          tags: courtTags,
          summary: '一个共享法庭 / One court',
          params: IdParam,
          response: { 200: S.CourtSchema, ...errors },
        },
      },
      async (req) => getCourt(db, vault, requireActor(req), req.params.id),
    );

    app.post(
      '/courts',
      {
        schema: {
          tags: courtTags,
          summary: '登记共享法庭（court:manage，记审计）/ Register a court (audited)',
          body: S.CourtInput,
          response: { 201: S.CourtSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => createCourt(t, vault, actor, req.body)));
      },
    );

    app.put(
      '/courts/:id',
      {
        schema: {
          tags: courtTags,
          summary: '修改共享法庭（带版本号，过期 → 409）/ Update a court (versioned)',
          params: IdParam,
          body: S.CourtUpdate,
          response: { 200: S.CourtSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return tx((t) => updateCourt(t, vault, actor, req.params.id, req.body));
      },
    );

    app.delete(
      '/courts/:id',
      {
        schema: {
          tags: courtTags,
          summary: '删除未使用过的共享法庭（有预约或使用记录 → 409）/ Delete an unused court',
          params: IdParam,
          response: { 204: z.null(), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        await tx((t) => deleteCourt(t, actor, req.params.id));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/courts/:id/liaison/reveal',
      {
        schema: {
          tags: courtTags,
          summary: '查看庭务主任完整电话（须填写事由，记审计）/ Reveal the liaison’s phone (reason, audited)',
          params: IdParam,
          body: S.RevealBody,
          response: { 200: z.object({ phone: z.string().nullable() }), ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return tx((t) => revealLiaison(t, vault, actor, req.params.id, req.body.reason));
      },
    );

    app.get(
      '/courts/:id/slots',
      {
        schema: {
          tags: courtTags,
          summary: '某日的预约时段（北京时间）/ A day’s slots with their bookings',
          params: IdParam,
          querystring: S.SlotsQuery,
          response: { 200: S.SlotsResponse, ...errors },
        },
      },
      async (req) => courtSlots(db, requireActor(req), req.params.id, req.query.date),
    );

    app.get(
      '/courts/:id/bookings',
      {
        schema: {
          tags: courtTags,
          summary: '预约列表（默认今天起 30 天）/ Bookings of a court (from today, 30 days by default)',
          params: IdParam,
          querystring: S.BookingsQuery,
          response: { 200: z.object({ items: z.array(S.BookingSchema) }), ...errors },
        },
      },
      async (req) => listBookings(db, requireActor(req), req.params.id, req.query),
    );

    app.post(
      '/courts/:id/bookings',
      {
        schema: {
          tags: courtTags,
          summary: '预约在线庭审或司法确认时段 / Book a slot for an online hearing or judicial confirmation',
          description:
            '时段须在开放日和开放时间内、从开放时间起按时段长度对齐、且不早于现在，否则 400 SLOT_INVALID；' +
            '该时段已被预约 → 409 SLOT_TAKEN（数据库唯一索引保证并发时只有一个预约成功）。可关联一个事项（纠纷），' +
            '其办理记录增加“已预约共享法庭”。\n\n' +
            'The slot must be on an open day, within the hours, on the slot grid from the opening time and not in the ' +
            'past (else 400 SLOT_INVALID); a taken slot → 409 SLOT_TAKEN (a unique index: of two concurrent bookings ' +
            'one wins). A linked matter (a dispute you can see) gets a timeline entry.',
          params: IdParam,
          body: S.BookingInput,
          response: { 201: S.BookingSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await command(kernel, (t) => bookSlot(t, actor, req.params.id, req.body));
        return reply.status(201).send(r.booking);
      },
    );

    app.post(
      '/court-bookings/:id/cancel',
      {
        schema: {
          tags: courtTags,
          summary: '取消预约（须填写原因）/ Cancel a booking (with a reason)',
          params: IdParam,
          body: S.CancelBody,
          response: { 200: S.BookingSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const r = await command(kernel, (t) => cancelBooking(t, actor, req.params.id, req.body.reason));
        return r.booking;
      },
    );

    app.get(
      '/courts/:id/uses',
      {
        schema: {
          tags: courtTags,
          summary: '使用记录 / The court’s use log',
          params: IdParam,
          querystring: PageQuery,
          response: { 200: S.UsePage, ...errors },
        },
      },
      async (req) => listUses(db, requireActor(req), req.params.id, req.query.page, req.query.pageSize),
    );

    app.post(
      '/courts/:id/uses',
      {
        schema: {
          tags: courtTags,
          summary: '登记一次使用（可对应一个预约）/ Record a use (optionally of a booking)',
          params: IdParam,
          body: S.UseInput,
          response: { 201: S.UseSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => recordUse(t, actor, req.params.id, req.body)));
      },
    );

    // -------------------------------------------------------------------------------------------------------
    // Stations

    app.get(
      '/psych/stations',
      {
        schema: {
          tags: psychTags,
          summary: '心理服务站名录 / The psychological stations registry',
          querystring: S.StationListQuery,
          response: { 200: S.StationPage, ...errors },
        },
      },
      async (req) => listStations(db, vault, requireActor(req), req.query),
    );

    app.get(
      '/psych/stations/export',
      {
        schema: {
          tags: psychTags,
          summary: `导出心理服务站名录为 Excel（最多 ${REGISTRY_EXPORT_MAX} 行，记审计）/ Export the registry (audited)`,
          querystring: S.StationFilters,
          response: { 200: z.any().describe(XLSX), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'court:read');
        return sendXlsx(req, reply, datedXlsx('stations'), (out) =>
          exportRegistryXlsx(db, vault, actor, 'stations', req.query, out),
        );
      },
    );

    app.get(
      '/psych/stations/:id',
      {
        schema: {
          tags: psychTags,
          summary: '一个心理服务站 / One station',
          params: IdParam,
          response: { 200: S.StationSchema, ...errors },
        },
      },
      async (req) => getStation(db, vault, requireActor(req), req.params.id),
    );

    app.post(
      '/psych/stations',
      {
        schema: {
          tags: psychTags,
          summary: '登记心理服务站（court:manage，记审计）/ Register a station (audited)',
          body: S.StationInput,
          response: { 201: S.StationSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => createStation(t, vault, actor, req.body)));
      },
    );

    app.put(
      '/psych/stations/:id',
      {
        schema: {
          tags: psychTags,
          summary: '修改心理服务站（带版本号）/ Update a station (versioned)',
          params: IdParam,
          body: S.StationUpdate,
          response: { 200: S.StationSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return tx((t) => updateStation(t, vault, actor, req.params.id, req.body));
      },
    );

    app.delete(
      '/psych/stations/:id',
      {
        schema: {
          tags: psychTags,
          summary: '删除未使用过的心理服务站 / Delete an unused station',
          params: IdParam,
          response: { 204: z.null(), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        await tx((t) => deleteStation(t, actor, req.params.id));
        return reply.status(204).send(null);
      },
    );

    // -------------------------------------------------------------------------------------------------------
    // Referrals

    app.get(
      '/psych/referrals',
      {
        schema: {
          tags: psychTags,
          summary: '转介队列（服务站人员：本区域；其他人：本人转介的）/ The referral queue',
          querystring: S.ReferralListQuery,
          response: { 200: S.ReferralPage, ...errors },
        },
      },
      async (req) => listReferrals(db, requireActor(req), req.query),
    );

    app.post(
      '/psych/referrals',
      {
        schema: {
          tags: psychTags,
          summary:
            '从纠纷或极端情绪预警转介到心理服务站 / Refer a dispute or an extreme-emotion alert to a station',
          description:
            '须有办理权限（matter:act）且能看到来源事项，否则 404 REFERRAL_SOURCE_NOT_FOUND（不存在与无权查看同一答复）；' +
            '来源不是纠纷或极端情绪预警 → 400 REFERRAL_SOURCE_INVALID；同一事项在该站尚有未办结转介 → 409 CONFLICT。\n\n' +
            'Needs matter:act and a source you can see (else 404 REFERRAL_SOURCE_NOT_FOUND — the same answer for ' +
            'absent and out of sight); a source that is not a dispute or an extreme-emotion alert → 400 ' +
            'REFERRAL_SOURCE_INVALID; an open referral of it to the station → 409 CONFLICT.',
          body: S.ReferralInput,
          response: { 201: S.ReferralSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await command(kernel, (t) => createReferral(t, actor, req.body));
        return reply.status(201).send(r.referral);
      },
    );

    app.post(
      '/psych/referrals/:id/handle',
      {
        schema: {
          tags: psychTags,
          summary: '接收、退回或办结转介（psych:write）/ Accept, decline or close a referral',
          params: IdParam,
          body: S.HandleBody,
          response: { 200: S.ReferralSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return tx((t) => handleReferral(t, actor, req.params.id, req.body.action, req.body.note));
      },
    );

    // -------------------------------------------------------------------------------------------------------
    // Visits and follow-ups (psych:read / psych:write)

    app.get(
      '/psych/visits',
      {
        schema: {
          tags: psychTags,
          summary: '走访记录（psych:read，每次查看记审计）/ Visit records (psych:read; every read audited)',
          querystring: S.VisitListQuery,
          response: { 200: S.VisitPage, ...errors },
        },
      },
      async (req) => listVisits(db, vault, requireActor(req), req.query),
    );

    app.get(
      '/psych/visits/:id',
      {
        schema: {
          tags: psychTags,
          summary: '一条走访记录（psych:read，记审计）/ One visit record (audited)',
          params: IdParam,
          response: { 200: S.VisitSchema, ...errors },
        },
      },
      async (req) => getVisit(db, vault, requireActor(req), req.params.id),
    );

    app.post(
      '/psych/visits',
      {
        schema: {
          tags: psychTags,
          summary: '登记走访记录，可附回访计划（psych:write）/ Record a visit, with an optional follow-up',
          body: S.VisitInput,
          response: { 201: S.VisitSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => recordVisit(t, vault, actor, req.body)));
      },
    );

    app.get(
      '/psych/followups',
      {
        schema: {
          tags: psychTags,
          summary: '回访（按期限，超期标出）/ Follow-ups by due day, overdue marked',
          querystring: S.FollowupListQuery,
          response: { 200: S.FollowupPage, ...errors },
        },
      },
      async (req) => listFollowups(db, requireActor(req), req.query),
    );

    app.post(
      '/psych/followups',
      {
        schema: {
          tags: psychTags,
          summary: '为走访记录安排回访 / Schedule a follow-up of a visit',
          body: S.FollowupInput,
          response: { 201: S.FollowupSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => createFollowup(t, actor, req.body)));
      },
    );

    app.post(
      '/psych/followups/:id/done',
      {
        schema: {
          tags: psychTags,
          summary: '完成回访 / Mark a follow-up done',
          params: IdParam,
          body: S.DoneBody,
          response: { 200: S.FollowupSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return tx((t) => completeFollowup(t, actor, req.params.id, req.body.note));
      },
    );
  };

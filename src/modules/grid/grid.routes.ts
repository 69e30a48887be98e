import type { FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { sniff } from '../../core/files/sniff.ts';
import { tooLarge } from '../../core/files/store.ts';
import type { Kernel } from '../../core/kernel.ts';
import { cleanFilename, type StoredFile } from '../../core/matters/attachments.service.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { command } from '../../server/routes/matters.routes.ts';
import { IdParam } from '../../server/schemas.ts';
import { XLSX } from '../../server/xlsx-reply.ts';
import {
  addVisit,
  addVisitPhotos,
  assertMayAddPhotos,
  checkIn,
  checkinLayer,
  findingToMatter,
  listVisits,
  MAX_PHOTOS,
  myGrids,
} from './checkins.service.ts';
import * as S from './grid.schema.ts';
import { exportReportXlsx, gridReport, myReminders, remindMissing } from './report.service.ts';
import {
  addMember,
  getMember,
  removeMember,
  revealMemberPhone,
  roster,
  updateMember,
} from './roster.service.ts';
import { getRules, setRules } from './rules.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['grid 网格'];

type SchemaDef<T> = Parameters<FastifySchemaCompiler<T>>[0];
/** Multipart bodies are read part by part by the handler (see attachments.routes.ts). */
const skipBody = <T>(def: SchemaDef<T>) =>
  def.httpPart === 'body'
    ? (data: unknown) => ({ value: data })
    : validatorCompiler(def as unknown as SchemaDef<z.ZodType>);

/**
 * 网格: the "1+3+N" rosters, check-ins (入格) with their visit logs, the rules, the "两个100%" report and
 * reminders. Thin: validate → authenticate → service (authorises, scopes) → present.
 */
export const gridRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db, vault, files } = kernel;
    const maxBytes = kernel.config.maxUploadMb * 1_048_576;

    app.get(
      '/grid/layer',
      {
        schema: {
          tags,
          summary:
            '地图图层：网格员近 7 天最后一次入格位置 / Map layer: members’ last check-in of the past 7 days',
          description:
            '范围内每名网格成员近 7 天最后一次入格的位置（bbox 与结果按 crs），最新在前。bbox 无效 → 400 INVALID_BBOX / BBOX_TOO_LARGE / BBOX_OUTSIDE_CHINA。',
          querystring: S.LayerQuery,
          response: { 200: S.LayerResponse, ...errors },
        },
      },
      async (req) => checkinLayer(db, requireActor(req), req.query),
    );

    app.get(
      '/grid/roster',
      {
        schema: {
          tags,
          summary: '网格力量“1+3+N”花名册（电话脱敏）/ A grid’s 1+3+N roster, phones masked',
          querystring: S.RosterQuery,
          response: { 200: S.RosterResponse, ...errors },
        },
      },
      async (req) => roster(db, vault, requireActor(req), req.query.areaCode),
    );

    app.post(
      '/grid/members',
      {
        schema: {
          tags,
          summary: '添加网格成员（镇街及以上，记审计）/ Add a member (town centres and above; audited)',
          description:
            '一个网格只设 1 名网格长：第二名 → 409 GRID_LEADER_EXISTS；区域不是网格 → 400 NOT_A_GRID；手机号无效 → 400 INVALID_MOBILE。\n\n' +
            'One leader per grid: a second → 409 GRID_LEADER_EXISTS; not a grid → 400 NOT_A_GRID; a bad phone → 400 INVALID_MOBILE.',
          body: S.MemberBody,
          response: { 201: S.MemberSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const m = await db.transaction().execute((tx) => addMember(tx, vault, actor, req.body));
        return reply.status(201).send(m);
      },
    );

    app.get(
      '/grid/members/:id',
      {
        schema: {
          tags,
          summary: '一名网格成员 / One member',
          params: IdParam,
          response: { 200: S.MemberSchema, ...errors },
        },
      },
      async (req) => getMember(db, vault, requireActor(req), req.params.id),
    );

    app.patch(
      '/grid/members/:id',
      {
        schema: {
          tags,
          summary: '修改网格成员（乐观锁 version，记审计）/ Change a member (optimistic lock; audited)',
          params: IdParam,
          body: S.MemberPatch,
          response: { 200: S.MemberSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db.transaction().execute((tx) => updateMember(tx, vault, actor, req.params.id, req.body));
      },
    );

    app.delete(
      '/grid/members/:id',
      {
        schema: {
          tags,
          summary: '移出网格力量（入格记录保留，记审计）/ Remove a member (history kept; audited)',
          params: IdParam,
          querystring: z.object({ version: z.coerce.number().int().min(1) }),
          response: { 204: z.null(), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        await db.transaction().execute((tx) => removeMember(tx, actor, req.params.id, req.query.version));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/grid/members/:id/reveal',
      {
        schema: {
          tags,
          summary: '查看成员完整电话（须填写事由，记审计）/ Reveal a member’s phone (reason; audited)',
          params: IdParam,
          body: S.RevealBody,
          response: { 200: z.object({ id: z.string(), phone: z.string().nullable() }), ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db
          .transaction()
          .execute((tx) => revealMemberPhone(tx, vault, actor, req.params.id, req.body.reason));
      },
    );

    app.get(
      '/grid/rules',
      {
        schema: {
          tags,
          summary: '入格规则与容差 / Check-in rules and tolerance',
          response: { 200: S.RulesSchema, ...errors },
        },
      },
      async (req) => getRules(db, requireActor(req)),
    );

    app.put(
      '/grid/rules',
      {
        schema: {
          tags,
          summary: '修改入格规则（matter:configure，记审计）/ Change the rules (matter:configure; audited)',
          body: S.RulesBody,
          response: { 200: S.RulesSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db.transaction().execute((tx) => setRules(tx, actor, req.body));
      },
    );

    app.get(
      '/grid/mine',
      {
        schema: {
          tags,
          summary: '我所在的网格、边界与本期入格 / My grids, their boundaries and this period’s check-in',
          response: { 200: S.MyGridsResponse.extend({ reminders: z.array(S.ReminderSchema) }), ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return { ...(await myGrids(db, vault, actor)), reminders: await myReminders(db, actor) };
      },
    );

    app.post(
      '/grid/checkins',
      {
        schema: {
          tags,
          summary: '入格（浏览器定位）/ Check in with the browser’s location',
          description:
            '定位在网格边界内或距边界不超过容差（默认 100 米）→ 201；超出 → 400 CHECKIN_OUTSIDE_GRID（details[0].message 为距离米数）；' +
            '无定位 → 400 LOCATION_REQUIRED；坐标越界、精度为 0 或大于上限（默认 1000 米）→ 400 LOCATION_INVALID；定位时间超过 2 分钟 → 400 LOCATION_STALE；' +
            '同一规则周期内重复入格 → 409 CHECKIN_DUPLICATE；不在名单中 → 403 GRID_NOT_MEMBER。\n\n' +
            'Inside the grid or within the tolerance (100 m by default) of its edge → 201; farther → 400 CHECKIN_OUTSIDE_GRID ' +
            '(details[0].message holds the metres); no location → 400 LOCATION_REQUIRED; out of range, an accuracy of 0 or above ' +
            'the maximum (1000 m) → 400 LOCATION_INVALID; a fix older than 2 minutes → 400 LOCATION_STALE; a second check-in ' +
            'in the same rule period → 409 CHECKIN_DUPLICATE; not on a roster → 403 GRID_NOT_MEMBER.',
          body: S.CheckinBody,
          response: { 201: S.CheckinSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const c = await db.transaction().execute((tx) => checkIn(tx, actor, req.body));
        return reply.status(201).send(c);
      },
    );

    app.get(
      '/grid/checkins/:id/visits',
      {
        schema: {
          tags,
          summary: '入格下的走访记录 / The visits of a check-in',
          params: IdParam,
          response: { 200: z.object({ items: z.array(S.VisitSchema) }), ...errors },
        },
      },
      async (req) => ({ items: await listVisits(db, requireActor(req), req.params.id) }),
    );

    app.post(
      '/grid/checkins/:id/visits',
      {
        schema: {
          tags,
          summary: '登记走访（房屋、发现情况）/ Log a visit (houses, findings)',
          params: IdParam,
          body: S.VisitBody,
          response: { 201: S.VisitSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const v = await db.transaction().execute((tx) => addVisit(tx, actor, req.params.id, req.body));
        return reply.status(201).send(v);
      },
    );

    app.post(
      '/grid/visits/:id/photos',
      {
        validatorCompiler: skipBody,
        schema: {
          tags,
          summary: `走访照片（multipart，file 部分，每条最多 ${MAX_PHOTOS} 张）/ Photos of a visit`,
          consumes: ['multipart/form-data'],
          params: IdParam,
          response: { 201: S.VisitSchema, ...errors, 413: ErrorBody, 415: ErrorBody },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        if (!req.isMultipart()) {
          throw new AppError(
            'BAD_REQUEST',
            '请以 multipart/form-data 上传照片 / Send the photos as multipart/form-data',
          );
        }
        await assertMayAddPhotos(db, actor, req.params.id);
        const stored: StoredFile[] = [];
        for await (const part of req.parts()) {
          if (part.type === 'field') continue;
          const filename = cleanFilename(part.filename);
          const blob = await files.put(part.file, { maxBytes });
          if (part.file.truncated) throw tooLarge(maxBytes);
          if (blob.size === 0) {
            throw new AppError('VALIDATION_FAILED', `文件 ${filename} 为空 / The file is empty`, [
              { path: 'file', message: `${filename}: empty` },
            ]);
          }
          stored.push({
            filename,
            sha256: blob.sha256,
            size: blob.size,
            mime: sniff(blob.head, filename, blob.size),
          });
        }
        const v = await db.transaction().execute((tx) => addVisitPhotos(tx, actor, req.params.id, stored));
        return reply.status(201).send(v);
      },
    );

    app.post(
      '/grid/visits/:id/matter',
      {
        schema: {
          tags,
          summary: '发现转事项（一键上报为事件，照片随附）/ Turn a finding into a matter in one tap',
          description:
            '以走访的发现情况创建“事件”，坐标为入格点，照片作为附件；走访记录关联该事项。已转过 → 409 VISIT_ALREADY_REPORTED。\n\n' +
            'Creates an 事件 from the finding at the check-in’s point with the photos attached, and links the visit to it. ' +
            'Done already → 409 VISIT_ALREADY_REPORTED.',
          params: IdParam,
          body: S.FindingToMatterBody,
          response: {
            201: z.object({ visit: S.VisitSchema, matterId: z.string(), matterNumber: z.string() }),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await command(kernel, (tx) => findingToMatter(tx, actor, req.params.id, req.body));
        return reply.status(201).send({ visit: r.visit, matterId: r.matterId, matterNumber: r.matterNumber });
      },
    );

    app.get(
      '/grid/report',
      {
        schema: {
          tags,
          summary: '“两个100%”入格率：按区域、期间，缺勤名单与趋势 / The two-100% report',
          querystring: S.ReportQuery,
          response: { 200: S.ReportResponse, ...errors },
        },
      },
      async (req) => gridReport(db, requireActor(req), req.query),
    );

    app.get(
      '/grid/report/export',
      {
        schema: {
          tags,
          summary: '导出“两个100%”报表为 Excel（记审计）/ Export the report to XLSX (audited)',
          querystring: S.ReportQuery,
          response: {
            200: z.any().describe(XLSX),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const { buffer, report } = await db
          .transaction()
          .execute((tx) => exportReportXlsx(tx, actor, req.query));
        return reply
          .header('content-type', XLSX)
          .header(
            'content-disposition',
            `attachment; filename="grid-report-${report.area.code}-${report.from}-${report.to}.xlsx"`,
          )
          .send(buffer);
      },
    );

    app.post(
      '/grid/reminders',
      {
        schema: {
          tags,
          summary: '提醒未入格人员（站内通知 + 提醒记录，记审计）/ Remind the members missing check-ins',
          body: S.RemindBody,
          response: { 200: S.RemindResponse, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db.transaction().execute((tx) => remindMissing(tx, actor, req.body));
      },
    );
  };

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import { AppError } from '../../core/errors.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { command } from '../../server/routes/matters.routes.ts';
import { IdParam } from '../../server/schemas.ts';
import { datedXlsx, sendXlsx, XLSX } from '../../server/xlsx-reply.ts';
import { nearestCameras } from './cameras.service.ts';
import { exportTasksXlsx, TASK_EXPORT_MAX } from './command.export.ts';
import * as S from './command.schema.ts';
import {
  dispatchTask,
  getTask,
  listTasks,
  recordArrival,
  setPinned,
  taskSummary,
  tasksOf,
} from './tasks.service.ts';
import { gridTeam, revealTeamPhones, setDutyPhone } from './team.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['command 一键直达'];

/**
 * 一键直达: around a matter — the nearest cameras, its grid team, the tasks dispatched from it — and the
 * command board of open tasks. Thin: validate → authenticate → service (authorises, scopes) → present.
 */
export const commandRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db, vault } = kernel;

    app.get(
      '/matters/:id/cameras',
      {
        schema: {
          tags,
          summary: '事发点周边监控（按距离，含视场判断）/ The cameras nearest a matter, with field of view',
          description:
            '返回事项坐标周边半径内的监控点（物，kind = camera），由近到远；方位角为从摄像头指向事发点，' +
            '视场为朝向 ± 视场角/2。视频流地址仅对有办理权限（matter:act）者返回。事项无坐标 → 400 MATTER_NO_LOCATION；' +
            '半径超出 10–5000 米 → 400 RADIUS_OUT_OF_RANGE。\n\n' +
            'Cameras (things of kind camera) within the radius of the matter’s point, nearest first; the bearing is ' +
            'from the camera to the matter, the field of view is heading ± fov/2. Stream URLs only for matter:act. ' +
            'A matter without a point → 400 MATTER_NO_LOCATION; a radius outside 10–5000 m → 400 RADIUS_OUT_OF_RANGE.',
          params: IdParam,
          querystring: S.CamerasQuery,
          response: { 200: S.CamerasResponse, ...errors },
        },
      },
      async (req) =>
        nearestCameras(db, requireActor(req), req.params.id, {
          radiusM: req.query.radius,
          limit: req.query.limit,
        }),
    );

    app.get(
      '/matters/:id/team',
      {
        schema: {
          tags,
          summary: '一键调度：事项所在网格、村社的网格员与镇街综治中心 / The matter’s grid team',
          params: IdParam,
          response: { 200: S.TeamResponse, ...errors },
        },
      },
      async (req) => gridTeam(db, vault, requireActor(req), req.params.id),
    );

    app.post(
      '/matters/:id/team/reveal',
      {
        schema: {
          tags,
          summary: '查看网格力量的完整电话（须填写事由，记审计）/ Reveal the team’s phones (reason, audited)',
          params: IdParam,
          body: S.RevealBody,
          response: { 200: S.RevealResponse, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db.transaction().execute((tx) => revealTeamPhones(tx, vault, actor, req.params.id, req.body));
      },
    );

    app.get(
      '/matters/:id/tasks',
      {
        schema: {
          tags,
          summary: '由该事项下达的指令 / The tasks dispatched from a matter',
          params: IdParam,
          response: { 200: z.object({ items: z.array(S.TaskSchema) }), ...errors },
        },
      },
      async (req) => ({ items: await tasksOf(db, requireActor(req), req.params.id) }),
    );

    app.post(
      '/matters/:id/tasks',
      {
        schema: {
          tags,
          summary: '下达指令（一键直达）/ Dispatch a command task from a matter or an alert',
          description:
            '由管辖该事项的指挥中心、综治中心下达：承办单位（部门 + 区域）或承办人、指令内容、完成时限（1 分钟至 30 天）。' +
            '指令为类型“指令”（ZL-…）的事项，进入“待签收”；来源事项的办理记录增加“已下达指令 ZL-…”。已结束的事项 → 409 MATTER_CLOSED。\n\n' +
            'For a centre whose scope covers the matter: a unit (department + area) or a person, instructions and a ' +
            'deadline (1 minute to 30 days). The task is a matter of type task (ZL-…) in state issued; the source’s ' +
            'timeline gets “已下达指令 ZL-…”. A closed source → 409 MATTER_CLOSED.',
          params: IdParam,
          body: S.DispatchBody,
          response: { 201: S.TaskSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await command(kernel, (tx) => dispatchTask(tx, actor, req.params.id, req.body));
        return reply.status(201).send(r.task);
      },
    );

    app.get(
      '/command/tasks',
      {
        schema: {
          tags,
          summary:
            '指挥调度看板：指令列表（默认未办结，按完成时限）/ The command board: tasks, open by default',
          querystring: S.TaskListQuery,
          response: {
            200: z.object({ items: z.array(S.TaskSchema), nextCursor: z.string().nullable() }),
            ...errors,
          },
        },
      },
      async (req) => listTasks(db, requireActor(req), req.query),
    );

    app.get(
      '/command/summary',
      {
        schema: {
          tags,
          summary: '看板概况：未办结、超时、置顶、各状态数 / Open, overdue, pinned and per-state counts',
          response: { 200: S.TaskSummary, ...errors },
        },
      },
      async (req) => taskSummary(db, requireActor(req)),
    );

    app.get(
      '/command/tasks/export',
      {
        schema: {
          tags,
          summary: `导出指令为 Excel（最多 ${TASK_EXPORT_MAX} 行，记审计）/ Export the board to XLSX (audited)`,
          querystring: S.TaskFilters,
          response: {
            200: z.any().describe(XLSX),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'matter:read');
        return sendXlsx(req, reply, datedXlsx('tasks'), (out) => exportTasksXlsx(db, actor, req.query, out));
      },
    );

    app.get(
      '/command/tasks/:id',
      {
        schema: {
          tags,
          summary: '一条指令 / One task',
          params: IdParam,
          response: { 200: S.TaskSchema, ...errors },
        },
      },
      async (req) => getTask(db, requireActor(req), req.params.id),
    );

    app.post(
      '/command/tasks/:id/arrive',
      {
        schema: {
          tags,
          summary: '到场（可附浏览器定位）/ Report arrival, with the browser’s location if shared',
          params: IdParam,
          body: S.ArriveBody,
          response: { 200: S.TaskSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const r = await command(kernel, (tx) => recordArrival(tx, actor, req.params.id, req.body));
        return r.task;
      },
    );

    app.put(
      '/command/tasks/:id/pin',
      {
        schema: {
          tags,
          summary: '在地图上置顶或取消置顶指令 / Pin or unpin a task’s instruction on the map',
          params: IdParam,
          body: S.PinBody,
          response: { 200: S.TaskSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const r = await command(kernel, (tx) => setPinned(tx, actor, req.params.id, req.body.pinned));
        return r.task;
      },
    );

    app.put(
      '/command/duty-phones/:id',
      {
        schema: {
          tags,
          summary: '设置用户的值班电话（加密保存，记审计）/ Set a user’s duty phone (encrypted, audited)',
          params: IdParam,
          body: S.DutyPhoneBody,
          response: {
            200: z.object({ userId: z.string(), phone: z.string().nullable().describe('masked') }),
            ...errors,
          },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db
          .transaction()
          .execute((tx) => setDutyPhone(tx, vault, actor, req.params.id, req.body.phone));
      },
    );
  };

/** data/demo-video: the offline HLS sample the demo seed's cameras play (scripts/demo-video.ts made it). */
export const DEMO_VIDEO_DIR = fileURLToPath(new URL('../../../data/demo-video/', import.meta.url));

const VIDEO_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
};

/**
 * GET /demo-video/<file>: the sample stream, public like the console's own files (a test pattern, nothing
 * private). Only names of the form `name.m3u8` / `name.ts` directly in the folder: no path reaches further.
 */
export const demoVideoRoutes =
  (_kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/demo-video/:file',
      {
        schema: {
          hide: true,
          params: z.object({ file: z.string().regex(/^[a-z0-9_-]{1,40}\.(m3u8|ts)$/) }),
        },
      },
      async (req, reply) => {
        const file = path.join(DEMO_VIDEO_DIR, req.params.file);
        const stat = await fs.promises.stat(file).catch(() => null);
        if (!stat?.isFile()) {
          throw new AppError('NOT_FOUND', '未找到演示视频 / Demo video not found');
        }
        return reply
          .header('content-type', VIDEO_TYPES[path.extname(file)]!)
          .header('content-length', stat.size)
          .header('cache-control', 'public, max-age=3600')
          .send(fs.createReadStream(file));
      },
    );
  };

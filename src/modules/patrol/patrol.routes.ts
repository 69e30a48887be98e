import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { command } from '../../server/routes/matters.routes.ts';
import { IdParam } from '../../server/schemas.ts';
import { datedXlsx, sendXlsx, XLSX } from '../../server/xlsx-reply.ts';
import { exportTeamsXlsx, TEAM_EXPORT_MAX } from './patrol.export.ts';
import * as S from './patrol.schema.ts';
import { getRules, leaderboard, setRules } from './points.service.ts';
import { checkIn, endSession, getSession, mine, reportFinding, startSession } from './sessions.service.ts';
import { createTask, getTask, listTasks } from './tasks.service.ts';
import { addMember, createTeam, getTeam, listMembers, listTeams } from './teams.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['patrol 平安乐巡'];

/**
 * 平安乐巡: teams and members, tasks, sessions with check-ins and findings, points and the leaderboard.
 * Thin: validate → authenticate → service (authorises, scopes) → present.
 */
export const patrolRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db, vault } = kernel;
    const tx = <T>(fn: (t: typeof db) => Promise<T>) => db.transaction().execute(fn);

    app.get(
      '/patrol/teams',
      {
        schema: {
          tags,
          summary: '巡防队伍（分页，区域范围内）/ Patrol teams in scope, a page at a time',
          querystring: S.TeamListQuery,
          response: { 200: S.TeamList, ...errors },
        },
      },
      async (req) => listTeams(db, vault, requireActor(req), req.query),
    );

    app.post(
      '/patrol/teams',
      {
        schema: {
          tags,
          summary: '登记巡防队伍（可同时登记队长，记审计）/ Register a team, with its leader (audited)',
          description:
            '镇街、村社或网格下的队伍；同一区域同名 → 409 CONFLICT；手机号无效 → 400 INVALID_MOBILE。\n\n' +
            'A team of a town, village or grid; the same name twice in one area → 409 CONFLICT; a bad phone → 400 INVALID_MOBILE.',
          body: S.TeamBody,
          response: { 201: S.TeamSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => createTeam(t, vault, actor, req.body)));
      },
    );

    app.get(
      '/patrol/teams/export',
      {
        schema: {
          tags,
          summary: `导出巡防队伍为 Excel（最多 ${TEAM_EXPORT_MAX} 行，记审计）/ Export the teams to XLSX (audited)`,
          querystring: S.TeamFilters,
          response: {
            200: z.any().describe(XLSX),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'subject:read');
        return sendXlsx(req, reply, datedXlsx('patrol-teams'), (out) =>
          exportTeamsXlsx(db, vault, actor, req.query, out),
        );
      },
    );

    app.get(
      '/patrol/teams/:id',
      {
        schema: {
          tags,
          summary: '一支巡防队伍 / One team',
          params: IdParam,
          response: { 200: S.TeamSchema, ...errors },
        },
      },
      async (req) => getTeam(db, vault, requireActor(req), req.params.id),
    );

    app.get(
      '/patrol/teams/:id/members',
      {
        schema: {
          tags,
          summary: '队员（电话脱敏）/ The team’s members, phones masked',
          params: IdParam,
          response: { 200: z.object({ items: z.array(S.MemberSchema) }), ...errors },
        },
      },
      async (req) => listMembers(db, vault, requireActor(req), req.params.id),
    );

    app.post(
      '/patrol/teams/:id/members',
      {
        schema: {
          tags,
          summary: '登记队员（电话加密保存，记审计）/ Register a member (phone encrypted, audited)',
          description:
            '同一手机号在同一队伍重复登记 → 409 PATROL_MEMBER_DUPLICATE；第二名队长 → 409 CONFLICT。\n\n' +
            'The same phone twice in one team → 409 PATROL_MEMBER_DUPLICATE; a second leader → 409 CONFLICT.',
          params: IdParam,
          body: S.MemberBody,
          response: { 201: S.MemberSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => addMember(t, vault, actor, req.params.id, req.body)));
      },
    );

    app.get(
      '/patrol/tasks',
      {
        schema: {
          tags,
          summary: '巡逻任务（路线、打卡点、时段）/ Patrol tasks: route, check points, window',
          querystring: S.TaskListQuery,
          response: { 200: z.object({ items: z.array(S.TaskSchema), total: z.number().int() }), ...errors },
        },
      },
      async (req) => listTasks(db, requireActor(req), req.query),
    );

    app.post(
      '/patrol/tasks',
      {
        schema: {
          tags,
          summary: '发布巡逻任务 / Create a patrol task',
          description:
            '路线为 2–200 个点的 LineString（中国境内，≤ 50 公里）；打卡点 1–50 个，半径 10–1000 米，距路线 ≤ 500 米；' +
            '不符合 → 400 GEOMETRY_INVALID（details 列出每一处）；时段超过一年或结束早于开始 → 400 INVALID_TIME_RANGE。\n\n' +
            'A LineString of 2–200 points inside China, at most 50 km; 1–50 check points with a 10–1000 m radius within ' +
            '500 m of the route; otherwise 400 GEOMETRY_INVALID listing each problem. A window over a year, or ending before it starts → 400 INVALID_TIME_RANGE.',
          body: S.TaskBody,
          response: { 201: S.TaskSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => createTask(t, actor, req.body)));
      },
    );

    app.get(
      '/patrol/tasks/:id',
      {
        schema: {
          tags,
          summary: '一个巡逻任务 / One task',
          params: IdParam,
          response: { 200: S.TaskSchema, ...errors },
        },
      },
      async (req) => getTask(db, requireActor(req), req.params.id),
    );

    app.get(
      '/patrol/mine',
      {
        schema: {
          tags,
          summary: '我的队伍、进行中的巡逻、可执行的任务 / My teams, my active patrol, open tasks',
          response: { 200: S.MineResponse, ...errors },
        },
      },
      async (req) => mine(db, requireActor(req)),
    );

    app.post(
      '/patrol/sessions',
      {
        schema: {
          tags,
          summary: '开始巡逻 / Start a patrol session',
          description:
            '不在任务时段 → 409 PATROL_TASK_NOT_OPEN；队员已有进行中的巡逻 → 409 PATROL_SESSION_ACTIVE。\n\n' +
            'Outside the task’s window → 409 PATROL_TASK_NOT_OPEN; a member already on a patrol → 409 PATROL_SESSION_ACTIVE.',
          body: S.StartBody,
          response: { 201: S.SessionSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => startSession(t, actor, req.body)));
      },
    );

    app.get(
      '/patrol/sessions/:id',
      {
        schema: {
          tags,
          summary: '一次巡逻 / One session',
          params: IdParam,
          response: { 200: S.SessionSchema, ...errors },
        },
      },
      async (req) => getSession(db, requireActor(req), req.params.id),
    );

    app.post(
      '/patrol/sessions/:id/checkins',
      {
        schema: {
          tags,
          summary: '打卡（浏览器定位）/ Check in at a check point with the browser’s location',
          description:
            '无定位 → 400 LOCATION_REQUIRED；非数字、超出范围、精度为 0 或过差 → 400 LOCATION_INVALID；过时 → 400 LOCATION_STALE；' +
            '超出打卡半径 → 400 CHECKPOINT_TOO_FAR（距离见 message 与 details[0].message）；已打卡 → 409 CHECKPOINT_DUPLICATE；' +
            '巡逻已结束 → 409 PATROL_SESSION_ENDED。\n\n' +
            'No location → LOCATION_REQUIRED; not numbers, out of range, accuracy 0 or too coarse → LOCATION_INVALID; old → ' +
            'LOCATION_STALE; beyond the radius → CHECKPOINT_TOO_FAR (distance in details[0].message); twice → CHECKPOINT_DUPLICATE.',
          params: IdParam,
          body: S.CheckinBody,
          response: { 200: S.SessionSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return tx((t) => checkIn(t, actor, req.params.id, req.body));
      },
    );

    app.post(
      '/patrol/sessions/:id/findings',
      {
        schema: {
          tags,
          summary: '巡逻发现转事项（一步完成）/ Report a finding as a matter, in one call',
          description:
            '生成“事件”事项（来源渠道 patrol），位置取浏览器定位，并与本次巡逻关联；需 matter:report。\n\n' +
            'Creates an event matter (channel patrol) at the browser’s location, linked to the session; needs matter:report.',
          params: IdParam,
          body: S.FindingBody,
          response: { 201: S.FindingResponse, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await command(kernel, (t) => reportFinding(t, actor, req.params.id, req.body));
        return reply
          .status(201)
          .send({ session: r.session, matterId: r.matterId, matterNumber: r.matterNumber });
      },
    );

    app.post(
      '/patrol/sessions/:id/end',
      {
        schema: {
          tags,
          summary: '结束巡逻（每名队员计 1 人次）/ End the session (one person-time per member)',
          params: IdParam,
          body: S.EndBody,
          response: { 200: S.SessionSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return tx((t) => endSession(t, actor, req.params.id, req.body));
      },
    );

    app.get(
      '/patrol/leaderboard',
      {
        schema: {
          tags,
          summary: '积分排行：队伍或队内队员，按时段 / The leaderboard of teams, or of one team’s members',
          querystring: S.LeaderboardQuery,
          response: { 200: S.LeaderboardResponse, ...errors },
        },
      },
      async (req) => leaderboard(db, requireActor(req), req.query),
    );

    app.get(
      '/patrol/rules',
      {
        schema: {
          tags,
          summary: '积分规则 / The point rules',
          response: { 200: z.object({ items: z.array(S.RuleSchema) }), ...errors },
        },
      },
      async (req) => {
        assertCan(requireActor(req), 'subject:read');
        return { items: await getRules(db) };
      },
    );

    app.put(
      '/patrol/rules',
      {
        schema: {
          tags,
          summary: '修改积分规则（matter:configure，记审计）/ Change the point rules (audited)',
          body: S.RulesBody,
          response: { 200: z.object({ items: z.array(S.RuleSchema) }), ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return { items: await tx((t) => setRules(t, actor, req.body.rules)) };
      },
    );
  };

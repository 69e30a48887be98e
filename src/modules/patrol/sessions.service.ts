import { sql } from 'kysely';
import { type Actor, assertCan, can, inScope } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, forbidden, notFound } from '../../core/errors.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import { createMatter } from '../../core/matters/matters.service.ts';
import { CHINA, distanceM, MAX_ACCURACY_M, MAX_CLOCK_SKEW_MS, MAX_FIX_AGE_MS } from './patrol.geo.ts';
import type { FindingInput, LocationInput, StartInput } from './patrol.schema.ts';
import { pdb } from './patrol.tables.ts';
import { findTaskRow, listTasks, type Route } from './tasks.service.ts';
import { teamVisibleSql } from './teams.service.ts';

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === '23505';

const invalid = (path: string, message: string, zh: string) =>
  new AppError('LOCATION_INVALID', `定位无效：${zh} / Invalid location: ${message}`, [
    { path: `location.${path}`, code: 'LOCATION_INVALID', message },
  ]);

/**
 * The browser's fix, checked like 入格's (docs/PATROL.md): present; numbers (a string, NaN or Infinity is
 * forged); inside China; an accuracy above 0 (exactly 0 is what spoofers and emulators send) and at most
 * 500 m; when the browser's timestamp is sent, taken within the last 2 minutes.
 */
export function checkLocation(
  loc: LocationInput | undefined,
  now = new Date(),
): { lng: number; lat: number; accuracy: number } {
  const absent = (v: unknown) => v === undefined || v === null;
  if (!loc || absent(loc.lng) || absent(loc.lat) || absent(loc.accuracy)) {
    throw new AppError(
      'LOCATION_REQUIRED',
      '请允许浏览器获取定位后再打卡 / Allow the browser to share your location first',
      [{ path: 'location', code: 'LOCATION_REQUIRED', message: 'lng, lat and accuracy are required' }],
    );
  }
  const [lng, lat, accuracy] = [loc.lng, loc.lat, loc.accuracy];
  if (
    typeof lng !== 'number' ||
    typeof lat !== 'number' ||
    typeof accuracy !== 'number' ||
    ![lng, lat, accuracy].every(Number.isFinite)
  ) {
    throw invalid('lng', 'not a finite number', '坐标不是有效数字');
  }
  if (lng < CHINA.minLng || lng > CHINA.maxLng)
    throw invalid('lng', 'longitude outside China', '经度超出范围');
  if (lat < CHINA.minLat || lat > CHINA.maxLat)
    throw invalid('lat', 'latitude outside China', '纬度超出范围');
  if (accuracy <= 0) {
    throw invalid('accuracy', 'an accuracy of 0 m is not a real fix', '精度为 0 米，疑似虚拟定位');
  }
  if (accuracy > MAX_ACCURACY_M) {
    throw invalid(
      'accuracy',
      `accuracy ${Math.round(accuracy)} m is worse than ${MAX_ACCURACY_M} m`,
      `精度 ${Math.round(accuracy)} 米，超过 ${MAX_ACCURACY_M} 米，请到室外或打开 GPS 后重试`,
    );
  }
  if (loc.capturedAt) {
    const age = now.getTime() - Date.parse(loc.capturedAt);
    if (age > MAX_FIX_AGE_MS || age < -MAX_CLOCK_SKEW_MS) {
      throw new AppError(
        'LOCATION_STALE',
        '定位已过时，请重新获取定位 / The location is not current: locate again',
        [{ path: 'location.capturedAt', code: 'LOCATION_STALE', message: `${Math.round(age / 1000)} s old` }],
      );
    }
  }
  return { lng, lat, accuracy };
}

async function findSessionRow(db: DbOrTx, actor: Actor, id: string, lock = false) {
  assertCan(actor, 'subject:read');
  let q = pdb(db).selectFrom('patrol_sessions').selectAll().where('id', '=', id).where(teamVisibleSql(actor));
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(`巡逻 / patrol session ${id}`);
  return row;
}

/** Who may act on a session: whoever started it, a member walking it, or a manager of its area. */
async function assertMayAct(
  db: DbOrTx,
  actor: Actor,
  s: { id: string; area_code: string; started_by: string | null },
) {
  if (actor.id && s.started_by === actor.id) return;
  if (can(actor, 'subject:write') && inScope(actor, s.area_code)) return;
  if (actor.id) {
    const walking = await pdb(db)
      .selectFrom('patrol_session_members as sm')
      .innerJoin('patrol_members as m', 'm.id', 'sm.member_id')
      .select('m.id')
      .where('sm.session_id', '=', s.id)
      .where('m.user_id', '=', actor.id)
      .executeTakeFirst();
    if (walking) return;
  }
  throw forbidden(
    '只有本次巡逻的队员或管辖区域的管理者可以操作 / Only the patrol’s members or the area’s managers',
  );
}

function assertOpen(s: { ended_at: Date | null; id: string }) {
  if (s.ended_at) {
    throw new AppError('PATROL_SESSION_ENDED', '本次巡逻已结束 / This patrol has ended', [
      { path: 'sessionId', code: 'PATROL_SESSION_ENDED', message: `ended ${s.ended_at.toISOString()}` },
    ]);
  }
}

export async function presentSession(db: DbOrTx, id: string) {
  const p = pdb(db);
  const s = await p
    .selectFrom('patrol_sessions as s')
    .innerJoin('patrol_tasks as k', 'k.id', 's.task_id')
    .innerJoin('patrol_teams as t', 't.id', 's.team_id')
    .select([
      's.id',
      's.task_id',
      'k.name as task_name',
      'k.route',
      's.team_id',
      't.name as team_name',
      's.area_code',
      's.started_at',
      's.ended_at',
    ])
    .where('s.id', '=', id)
    .executeTakeFirstOrThrow();
  const [members, cps, findings] = await Promise.all([
    p
      .selectFrom('patrol_session_members as sm')
      .innerJoin('patrol_members as m', 'm.id', 'sm.member_id')
      .select(['m.id', 'm.name'])
      .where('sm.session_id', '=', id)
      .orderBy('m.id')
      .execute(),
    p
      .selectFrom('patrol_checkpoints as c')
      .leftJoin('patrol_checkins as ci', (j) =>
        j.onRef('ci.checkpoint_id', '=', 'c.id').on('ci.session_id', '=', id),
      )
      .select(['c.id', 'c.seq', 'c.name', 'c.lng', 'c.lat', 'c.radius_m', 'ci.at', 'ci.distance_m'])
      .where('c.task_id', '=', s.task_id)
      .orderBy('c.seq')
      .execute(),
    p
      .selectFrom('patrol_findings as f')
      .innerJoin('matters as mt', 'mt.id', 'f.matter_id')
      .select(['f.id', 'f.matter_id', 'mt.number', 'mt.title'])
      .where('f.session_id', '=', id)
      .orderBy('f.id')
      .execute(),
  ]);
  const checkpoints = cps.map((c) => ({
    id: c.id,
    seq: c.seq,
    name: c.name,
    lng: c.lng,
    lat: c.lat,
    radiusM: c.radius_m,
    checkedAt: c.at ? c.at.toISOString() : null,
    distanceM: c.distance_m ?? null,
  }));
  const route = (typeof s.route === 'string' ? JSON.parse(s.route) : s.route) as Route;
  return {
    id: s.id,
    taskId: s.task_id,
    taskName: s.task_name,
    teamId: s.team_id,
    teamName: s.team_name,
    areaCode: s.area_code,
    startedAt: s.started_at.toISOString(),
    endedAt: s.ended_at ? s.ended_at.toISOString() : null,
    members,
    checkpoints,
    nextCheckpointId: checkpoints.find((c) => !c.checkedAt)?.id ?? null,
    findings: findings.map((f) => ({ id: f.id, matterId: f.matter_id, number: f.number, title: f.title })),
    route,
  };
}
export type Session = Awaited<ReturnType<typeof presentSession>>;

export async function getSession(db: DbOrTx, actor: Actor, id: string): Promise<Session> {
  const s = await findSessionRow(db, actor, id);
  return presentSession(db, s.id);
}

/**
 * 开始巡逻: a member of the task's team (by default the caller's own membership; a manager of the area may
 * start one for a volunteer without a login), with companions of the same team, inside the task's window
 * (else PATROL_TASK_NOT_OPEN). A member walks one session at a time: PATROL_SESSION_ACTIVE otherwise.
 */
export async function startSession(
  tx: DbOrTx,
  actor: Actor,
  input: StartInput,
  now = new Date(),
): Promise<Session> {
  const task = await findTaskRow(tx, actor, input.taskId);
  const manager = can(actor, 'subject:write') && inScope(actor, task.area_code);
  const p = pdb(tx);
  let memberId = input.memberId;
  if (!memberId) {
    const own = actor.id
      ? await p
          .selectFrom('patrol_members')
          .select('id')
          .where('team_id', '=', task.team_id)
          .where('user_id', '=', actor.id)
          .executeTakeFirst()
      : undefined;
    if (!own) throw forbidden('您不是该任务所属队伍的队员 / You are not a member of the task’s team');
    memberId = own.id;
  }
  const ids = [...new Set([memberId, ...input.companionIds])];
  const members = await p
    .selectFrom('patrol_members')
    .select(['id', 'user_id', 'name'])
    .where('id', 'in', ids)
    .where('team_id', '=', task.team_id)
    .execute();
  if (members.length !== ids.length) {
    throw new AppError(
      'VALIDATION_FAILED',
      '所选队员不属于该任务的队伍 / Not all of them are in the task’s team',
      [{ path: 'companionIds', message: 'not members of the team' }],
    );
  }
  const starter = members.find((m) => m.id === memberId)!;
  if (!manager && starter.user_id !== actor.id) {
    throw forbidden('只能以本人身份开始巡逻 / You can start a patrol only as yourself');
  }
  if (!(task.starts_at <= now && now < task.ends_at)) {
    throw new AppError('PATROL_TASK_NOT_OPEN', '不在任务时段内 / The task is not open now', [
      {
        path: 'taskId',
        code: 'PATROL_TASK_NOT_OPEN',
        message: `${task.starts_at.toISOString()} – ${task.ends_at.toISOString()}`,
      },
    ]);
  }
  const busy = await p
    .selectFrom('patrol_session_members as sm')
    .innerJoin('patrol_members as m', 'm.id', 'sm.member_id')
    .select(['m.name', 'sm.session_id'])
    .where('sm.member_id', 'in', ids)
    .where('sm.active', '=', true)
    .execute();
  const sessionActive = (names: string[], sessionId?: string) =>
    new AppError(
      'PATROL_SESSION_ACTIVE',
      `${names.join('、')} 正在巡逻中，请先结束 / Already on a patrol: end it first`,
      [{ path: 'memberId', code: 'PATROL_SESSION_ACTIVE', message: sessionId ?? 'active' }],
    );
  if (busy.length > 0)
    throw sessionActive(
      busy.map((b) => b.name),
      busy[0]!.session_id,
    );
  const s = await p
    .insertInto('patrol_sessions')
    .values({
      task_id: task.id,
      team_id: task.team_id,
      area_code: task.area_code,
      started_at: now,
      started_by: actor.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  try {
    await p
      .insertInto('patrol_session_members')
      .values(ids.map((m) => ({ session_id: s.id, member_id: m })))
      .execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw sessionActive(members.map((m) => m.name));
    throw e;
  }
  await audit(tx, actor, {
    action: 'patrol.session.start',
    entityType: 'patrol_session',
    entityId: s.id,
    areaCode: task.area_code,
    newValues: { taskId: task.id, members: ids },
  });
  return presentSession(tx, s.id);
}

/**
 * 打卡: at a check point of the session's task, with the browser's fix. Refused when the fix is absent
 * (LOCATION_REQUIRED), forged or out of range (LOCATION_INVALID, LOCATION_STALE), when the point is farther than
 * its radius (CHECKPOINT_TOO_FAR, the distance in the message and in details[0].message), or already reached in
 * this session (CHECKPOINT_DUPLICATE). A refusal saves nothing.
 */
export async function checkIn(
  tx: DbOrTx,
  actor: Actor,
  sessionId: string,
  input: { checkpointId: string; location?: LocationInput | undefined },
  now = new Date(),
): Promise<Session> {
  const s = await findSessionRow(tx, actor, sessionId, true);
  await assertMayAct(tx, actor, s);
  assertOpen(s);
  const p = pdb(tx);
  const cp = await p
    .selectFrom('patrol_checkpoints')
    .selectAll()
    .where('id', '=', input.checkpointId)
    .where('task_id', '=', s.task_id)
    .executeTakeFirst();
  if (!cp) throw notFound(`打卡点 / check point ${input.checkpointId}`);
  const done = await p
    .selectFrom('patrol_checkins')
    .select('at')
    .where('session_id', '=', s.id)
    .where('checkpoint_id', '=', cp.id)
    .executeTakeFirst();
  if (done) {
    throw new AppError('CHECKPOINT_DUPLICATE', `已在“${cp.name}”打过卡 / Already checked in at this point`, [
      { path: 'checkpointId', code: 'CHECKPOINT_DUPLICATE', message: done.at.toISOString() },
    ]);
  }
  const loc = checkLocation(input.location, now);
  const distance = Math.round(distanceM(loc, { lng: cp.lng, lat: cp.lat }));
  if (distance > cp.radius_m) {
    throw new AppError(
      'CHECKPOINT_TOO_FAR',
      `距打卡点“${cp.name}” ${distance} 米，超出 ${cp.radius_m} 米范围 / ${distance} m from the check point, beyond its ${cp.radius_m} m radius`,
      [{ path: 'location', code: 'CHECKPOINT_TOO_FAR', message: String(distance) }],
    );
  }
  await p
    .insertInto('patrol_checkins')
    .values({
      session_id: s.id,
      checkpoint_id: cp.id,
      at: now,
      lng: loc.lng,
      lat: loc.lat,
      accuracy_m: loc.accuracy,
      distance_m: distance,
    })
    .execute();
  await audit(tx, actor, {
    action: 'patrol.checkin',
    entityType: 'patrol_session',
    entityId: s.id,
    areaCode: s.area_code,
    newValues: { checkpointId: cp.id, distanceM: distance, accuracyM: Math.round(loc.accuracy) },
  });
  return presentSession(tx, s.id);
}

/**
 * 发现转事项: what a patrol found becomes an 事件 (source channel `patrol`) at the browser's fix in the
 * session's area, in the same transaction as its link back to the session. Needs matter:report.
 */
export async function reportFinding(
  tx: DbOrTx,
  actor: Actor,
  sessionId: string,
  input: FindingInput,
  now = new Date(),
): Promise<{ session: Session; matterId: string; matterNumber: string; events: ZhiliEvent[] }> {
  const s = await findSessionRow(tx, actor, sessionId, true);
  await assertMayAct(tx, actor, s);
  assertOpen(s);
  const loc = checkLocation(input.location, now);
  const made = await createMatter(tx, actor, {
    type: 'event',
    category: input.category,
    title: input.title,
    description: input.description,
    urgency: input.urgency,
    sourceChannel: 'patrol',
    areaCode: s.area_code,
    point: { lng: loc.lng, lat: loc.lat },
    payload: {},
  });
  await pdb(tx)
    .insertInto('patrol_findings')
    .values({ session_id: s.id, matter_id: made.matter.id, at: now })
    .execute();
  await audit(tx, actor, {
    action: 'patrol.finding',
    entityType: 'patrol_session',
    entityId: s.id,
    areaCode: s.area_code,
    newValues: { matterId: made.matter.id, number: made.matter.number },
  });
  return {
    session: await presentSession(tx, s.id),
    matterId: made.matter.id,
    matterNumber: made.matter.number,
    events: made.events,
  };
}

/** 结束巡逻: the session ends; each of its members now counts one 人次. Ending twice is PATROL_SESSION_ENDED. */
export async function endSession(
  tx: DbOrTx,
  actor: Actor,
  sessionId: string,
  input: { note?: string | undefined },
  now = new Date(),
): Promise<Session> {
  const s = await findSessionRow(tx, actor, sessionId, true);
  await assertMayAct(tx, actor, s);
  assertOpen(s);
  const p = pdb(tx);
  await p
    .updateTable('patrol_sessions')
    .set({ ended_at: now, note: input.note?.trim() || null })
    .where('id', '=', s.id)
    .execute();
  await p
    .updateTable('patrol_session_members')
    .set({ active: false })
    .where('session_id', '=', s.id)
    .execute();
  const checked = await p
    .selectFrom('patrol_checkins')
    .select(sql<string>`count(*)`.as('n'))
    .where('session_id', '=', s.id)
    .executeTakeFirstOrThrow();
  await audit(tx, actor, {
    action: 'patrol.session.end',
    entityType: 'patrol_session',
    entityId: s.id,
    areaCode: s.area_code,
    newValues: {
      checkins: Number(checked.n),
      minutes: Math.round((now.getTime() - s.started_at.getTime()) / 60_000),
    },
  });
  return presentSession(tx, s.id);
}

/** The phone page's start: the caller's memberships, their active session if any, and their teams' open tasks. */
export async function mine(db: DbOrTx, actor: Actor, now = new Date()) {
  assertCan(actor, 'subject:read');
  if (!actor.id) return { memberships: [], active: null, tasks: [] };
  const p = pdb(db);
  const ms = await p
    .selectFrom('patrol_members as m')
    .innerJoin('patrol_teams as t', 't.id', 'm.team_id')
    .select(['m.id', 'm.team_id', 't.name', 'm.role'])
    .where('m.user_id', '=', actor.id)
    .orderBy('m.id')
    .execute();
  const active =
    ms.length === 0
      ? undefined
      : await p
          .selectFrom('patrol_session_members')
          .select('session_id')
          .where(
            'member_id',
            'in',
            ms.map((m) => m.id),
          )
          .where('active', '=', true)
          .executeTakeFirst();
  const tasks = [];
  for (const teamId of new Set(ms.map((m) => m.team_id))) {
    tasks.push(...(await listTasks(db, actor, { teamId, open: true, limit: 50, offset: 0 }, now)).items);
  }
  return {
    memberships: ms.map((m) => ({ memberId: m.id, teamId: m.team_id, teamName: m.name, role: m.role })),
    active: active ? await presentSession(db, active.session_id) : null,
    tasks,
  };
}

import { sql } from 'kysely';
import { type Actor, assertCan, assertInScope } from '../../core/access/actor.ts';
import { underAreaSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { routeLengthM, routeProblems } from './patrol.geo.ts';
import type { TaskInput, TaskListQuery } from './patrol.schema.ts';
import { pdb } from './patrol.tables.ts';
import { findTeamRow, teamVisibleSql } from './teams.service.ts';

export type Route = { type: 'LineString'; coordinates: [number, number][] };

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function parseRoute(v: unknown): Route {
  return (typeof v === 'string' ? JSON.parse(v) : v) as Route;
}

/** Tasks with their team, area, check points and number of ended sessions; one statement for the rows. */
async function presentTasks(db: DbOrTx, ids: string[], now = new Date()) {
  if (ids.length === 0) return [];
  const p = pdb(db);
  const rows = await p
    .selectFrom('patrol_tasks as k')
    .innerJoin('patrol_teams as t', 't.id', 'k.team_id')
    .leftJoin('areas as a', 'a.code', 'k.area_code')
    .select((eb) => [
      'k.id',
      'k.team_id',
      't.name as team_name',
      'k.area_code',
      'a.name as area_name',
      'k.name',
      'k.route',
      'k.starts_at',
      'k.ends_at',
      'k.created_at',
      eb
        .selectFrom('patrol_sessions as s')
        .select(sql<string>`count(*)`.as('n'))
        .whereRef('s.task_id', '=', 'k.id')
        .where('s.ended_at', 'is not', null)
        .as('sessions'),
    ])
    .where('k.id', 'in', ids)
    .execute();
  const cps = await p
    .selectFrom('patrol_checkpoints')
    .selectAll()
    .where('task_id', 'in', ids)
    .orderBy('task_id')
    .orderBy('seq')
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const route = parseRoute(r.route);
    return [
      {
        id: r.id,
        teamId: r.team_id,
        teamName: r.team_name,
        areaCode: r.area_code,
        areaName: r.area_name ?? null,
        name: r.name,
        route,
        lengthM: Math.round(routeLengthM(route.coordinates)),
        checkpoints: cps
          .filter((c) => c.task_id === id)
          .map((c) => ({ id: c.id, seq: c.seq, name: c.name, lng: c.lng, lat: c.lat, radiusM: c.radius_m })),
        startsAt: r.starts_at.toISOString(),
        endsAt: r.ends_at.toISOString(),
        open: r.starts_at <= now && now < r.ends_at,
        sessions: Number(r.sessions ?? 0),
        createdAt: r.created_at.toISOString(),
      },
    ];
  });
}
export type Task = Awaited<ReturnType<typeof presentTasks>>[number];

export async function findTaskRow(db: DbOrTx, actor: Actor, id: string) {
  assertCan(actor, 'subject:read');
  const row = await pdb(db)
    .selectFrom('patrol_tasks')
    .selectAll()
    .where('id', '=', id)
    .where(teamVisibleSql(actor, 'area_code', 'team_id'))
    .executeTakeFirst();
  if (!row) throw notFound(`巡逻任务 / patrol task ${id}`);
  return row;
}

export async function getTask(db: DbOrTx, actor: Actor, id: string): Promise<Task> {
  const row = await findTaskRow(db, actor, id);
  return (await presentTasks(db, [row.id]))[0]!;
}

/** The tasks in scope (of a team, under an area, open now), latest window first. */
export async function listTasks(db: DbOrTx, actor: Actor, query: TaskListQuery, now = new Date()) {
  assertCan(actor, 'subject:read');
  let q = pdb(db).selectFrom('patrol_tasks').where(teamVisibleSql(actor));
  if (query.teamId) q = q.where('team_id', '=', query.teamId);
  if (query.areaCode) q = q.where(underAreaSql(query.areaCode));
  if (query.open === true) q = q.where('starts_at', '<=', now).where('ends_at', '>', now);
  if (query.open === false) q = q.where((eb) => eb.or([eb('starts_at', '>', now), eb('ends_at', '<=', now)]));
  const [ids, total] = await Promise.all([
    q
      .select('id')
      .orderBy('starts_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
    q.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: await presentTasks(
      db,
      ids.map((r) => r.id),
      now,
    ),
    total: Number(total.n),
  };
}

/**
 * 巡逻任务: a route (a LineString of 2–200 points in China, at most 50 km) with 1–50 named check points
 * (radius 10–1000 m, each within 500 m of the route) and a time window of at most a year (standing routes), for a team in
 * scope (subject:write). A bad geometry is GEOMETRY_INVALID listing every problem; nothing is saved.
 */
export async function createTask(tx: DbOrTx, actor: Actor, input: TaskInput): Promise<Task> {
  assertCan(actor, 'subject:write');
  const team = await findTeamRow(tx, actor, input.teamId);
  assertInScope(actor, team.area_code);
  const problems = routeProblems(input.route.coordinates, input.checkpoints);
  if (problems.length > 0) {
    throw new AppError(
      'GEOMETRY_INVALID',
      `路线或打卡点无效：${problems[0]!.zh} / Invalid route or check points: ${problems[0]!.message}`,
      problems.map((p) => ({ path: p.path, code: 'GEOMETRY_INVALID', message: p.message })),
    );
  }
  const starts = new Date(input.startsAt);
  const ends = new Date(input.endsAt);
  if (!(ends > starts) || ends.getTime() - starts.getTime() > 366 * 86_400_000) {
    throw new AppError(
      'INVALID_TIME_RANGE',
      '任务时段须在一年以内且结束晚于开始 / The window must end after it starts, within a year',
      [{ path: 'endsAt', code: 'INVALID_TIME_RANGE', message: 'after startsAt, at most 366 days' }],
    );
  }
  const route: Route = {
    type: 'LineString',
    coordinates: input.route.coordinates.map((c) => [round6(c[0]!), round6(c[1]!)] as [number, number]),
  };
  const db = pdb(tx);
  const task = await db
    .insertInto('patrol_tasks')
    .values({
      team_id: team.id,
      area_code: team.area_code,
      name: input.name,
      route: JSON.stringify(route),
      starts_at: starts,
      ends_at: ends,
      created_by: actor.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('patrol_checkpoints')
    .values(
      input.checkpoints.map((c, i) => ({
        task_id: task.id,
        seq: i + 1,
        name: c.name,
        lng: round6(c.lng),
        lat: round6(c.lat),
        radius_m: c.radiusM,
      })),
    )
    .execute();
  await audit(tx, actor, {
    action: 'patrol.task.create',
    entityType: 'patrol_task',
    entityId: task.id,
    areaCode: team.area_code,
    newValues: {
      teamId: team.id,
      name: input.name,
      points: route.coordinates.length,
      checkpoints: input.checkpoints.map((c) => ({ name: c.name, radiusM: c.radiusM })),
      startsAt: starts.toISOString(),
      endsAt: ends.toISOString(),
    },
  });
  return (await presentTasks(tx, [task.id]))[0]!;
}

import { type SqlBool, sql } from 'kysely';
import { type Actor, assertCan, inScope } from '../../core/access/actor.ts';
import { containsPattern, underAreaSql } from '../../core/access/scope.ts';
import { ancestors, assertAreaExists } from '../../core/areas/areas.service.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import type { MatterRow } from '../../core/db/types.ts';
import { AppError, forbidden, notFound } from '../../core/errors.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import { notify, unitUsers } from '../../core/matters/clock.ts';
import {
  type Cursor,
  createMatter,
  decodeCursor,
  encodeCursor,
  findMatterRow,
  matterEvent,
  visibleSql,
} from '../../core/matters/matters.service.ts';
import { transition } from '../../core/matters/transition.ts';
import { warnAt } from '../../core/workflow/deadlines.ts';
import { CENTRE_ROLES } from '../../core/workflow/generic-loop.ts';
import { deadlineInRange } from '../../shared/command-input.ts';
import { type Crs, toCrs } from '../map/map.geo.ts';
import { distanceM } from './cameras.geo.ts';
import type { DispatchInput, TaskFilters, TaskListQuery, TaskPayload } from './command.schema.ts';
import { cdb } from './command.tables.ts';
import { taskWorkflow } from './command.workflow.ts';

export const TASK_TYPE = 'task';

/** States in which the handler has not yet reported back: the task's deadline still runs. */
const BEFORE_FEEDBACK = ['issued', 'signed', 'on_site', 'returned'];

type Name = { zh: string; en: string };

export interface Task {
  id: string;
  number: string;
  title: string;
  status: string;
  statusName: Name;
  closed: boolean;
  urgency: MatterRow['urgency'];
  areaCode: string;
  areaName: string | null;
  point: { lng: number; lat: number } | null;
  instructions: string;
  deadline: string;
  overdue: boolean;
  pinned: boolean;
  source: { id: string; number: string; type: string };
  assignee: {
    department: string | null;
    departmentName: Name | null;
    areaCode: string | null;
    areaName: string | null;
    userId: string | null;
    userName: string | null;
  } | null;
  issuedBy: string | null;
  dispatcherAreaCode: string | null;
  dueAt: string | null;
  deadlineState: MatterRow['deadline_state'];
  arrival: {
    at: string;
    point: { lng: number; lat: number } | null;
    accuracyM: number | null;
    distanceM: number | null;
  } | null;
  cameraIds: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  version: number;
}

// ---------------------------------------------------------------------------------------------------------
// Reading: one query shape for the board, a matter's tasks and a single task

/**
 * Tasks visible to the actor (the matters' one visibility rule, applied inside the subquery so that the
 * joins below cannot make its unqualified columns ambiguous), with the names the board shows.
 */
function tasksQuery(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'matter:read');
  const visible = db.selectFrom('matters').selectAll().where('type', '=', TASK_TYPE).where(visibleSql(actor));
  return cdb(db)
    .selectFrom(visible.as('m'))
    .innerJoin('command_tasks as t', 't.matter_id', 'm.id')
    .leftJoin('departments as d', 'd.code', 'm.assignee_department')
    .leftJoin('areas as aa', 'aa.code', 'm.assignee_area_code')
    .leftJoin('areas as ma', 'ma.code', 'm.area_code')
    .leftJoin('users as u', 'u.id', 'm.assignee_user_id')
    .selectAll('m')
    .select([
      't.deadline',
      't.pinned',
      't.source_matter_id',
      't.camera_ids',
      't.arrived_at',
      't.arrival_lng',
      't.arrival_lat',
      't.arrival_accuracy_m',
      't.arrival_distance_m',
      'd.name as department_name',
      'd.name_en as department_name_en',
      'aa.name as assignee_area_name',
      'ma.name as area_name',
      'u.display_name as assignee_user_name',
    ]);
}

type TaskRow = MatterRow & {
  deadline: Date;
  pinned: boolean;
  source_matter_id: string;
  camera_ids: string[];
  arrived_at: Date | null;
  arrival_lng: number | null;
  arrival_lat: number | null;
  arrival_accuracy_m: number | null;
  arrival_distance_m: number | null;
  department_name: string | null;
  department_name_en: string | null;
  assignee_area_name: string | null;
  area_name: string | null;
  assignee_user_name: string | null;
};

/** Past the task's deadline and not yet reported back (a task reported back or closed is no longer late). */
function isOverdue(r: Pick<TaskRow, 'deadline' | 'status'>, now: Date): boolean {
  return BEFORE_FEEDBACK.includes(r.status) && r.deadline < now;
}

export function presentTask(r: TaskRow, now = new Date()): Task {
  const p = (r.payload ?? {}) as Partial<TaskPayload>;
  const state = taskWorkflow.states[r.status];
  const hasAssignee = r.assignee_department || r.assignee_area_code || r.assignee_user_id;
  return {
    id: r.id,
    number: r.number,
    title: r.title,
    status: r.status,
    statusName: state?.name ?? { zh: r.status, en: r.status },
    closed: r.closed,
    urgency: r.urgency,
    areaCode: r.area_code,
    areaName: r.area_name,
    point: r.lng !== null && r.lat !== null ? { lng: r.lng, lat: r.lat } : null,
    instructions: r.description ?? '',
    deadline: r.deadline.toISOString(),
    overdue: isOverdue(r, now),
    pinned: r.pinned,
    source: { id: r.source_matter_id, number: p.sourceNumber ?? '', type: p.sourceType ?? '' },
    assignee: hasAssignee
      ? {
          department: r.assignee_department,
          departmentName: r.department_name
            ? { zh: r.department_name, en: r.department_name_en ?? r.department_name }
            : null,
          areaCode: r.assignee_area_code,
          areaName: r.assignee_area_name,
          userId: r.assignee_user_id,
          userName: r.assignee_user_name,
        }
      : null,
    issuedBy: r.reporter_name,
    dispatcherAreaCode: r.dispatcher_area_code,
    dueAt: r.due_at?.toISOString() ?? null,
    deadlineState: r.deadline_state,
    arrival: r.arrived_at
      ? {
          at: r.arrived_at.toISOString(),
          point:
            r.arrival_lng !== null && r.arrival_lat !== null
              ? { lng: r.arrival_lng, lat: r.arrival_lat }
              : null,
          accuracyM: r.arrival_accuracy_m,
          distanceM: r.arrival_distance_m,
        }
      : null,
    cameraIds: (r.camera_ids ?? []).map(String),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    closedAt: r.closed_at?.toISOString() ?? null,
    version: r.version,
  };
}

export async function getTask(db: DbOrTx, actor: Actor, id: string): Promise<Task> {
  const r = await tasksQuery(db, actor).where('m.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`指令 / task ${id}`);
  return presentTask(r as TaskRow);
}

/** The tasks dispatched from one matter, newest first; the matter itself must be visible. */
export async function tasksOf(db: DbOrTx, actor: Actor, sourceId: string): Promise<Task[]> {
  await findMatterRow(db, actor, sourceId);
  const rows = await tasksQuery(db, actor)
    .where('t.source_matter_id', '=', sourceId)
    .orderBy('m.id', 'desc')
    .limit(200)
    .execute();
  const now = new Date();
  return rows.map((r) => presentTask(r as TaskRow, now));
}

function filtered(db: DbOrTx, actor: Actor, f: Omit<TaskFilters, 'sort'>, now: Date) {
  let q = tasksQuery(db, actor);
  const status = f.status?.length ? f.status : ['open'];
  if (status.includes('open') && f.closedSince) {
    const since = new Date(f.closedSince);
    q = q.where((eb) => eb.or([eb('m.closed', '=', false), eb('m.closed_at', '>=', since)]));
  } else if (status.includes('open')) q = q.where('m.closed', '=', false);
  else if (status.includes('closed')) q = q.where('m.closed', '=', true);
  else if (!status.includes('all')) q = q.where('m.status', 'in', status);
  if (f.overdue !== undefined) {
    const late = sql<SqlBool>`(m.status in (${sql.join(BEFORE_FEEDBACK)}) and t.deadline < ${now})`;
    q = q.where(f.overdue ? late : sql<SqlBool>`not ${late}`);
  }
  if (f.pinned !== undefined) q = q.where('t.pinned', '=', f.pinned);
  if (f.areaCode) q = q.where(underAreaSql(f.areaCode, 'm.area_code'));
  if (f.department) q = q.where('m.assignee_department', '=', f.department);
  if (f.assignee === 'me') q = q.where('m.assignee_user_id', '=', actor.id ?? '0');
  if (f.assignee === 'my_unit') {
    q = q
      .where('m.assignee_department', '=', actor.departmentCode ?? '')
      .where('m.assignee_area_code', '=', actor.areaCode);
  }
  if (f.source) q = q.where('t.source_matter_id', '=', f.source);
  if (f.q) {
    const like = containsPattern(f.q);
    q = q.where(sql<SqlBool>`(m.title like ${like} or m.description like ${like})`);
  }
  return q;
}

/**
 * One page of the command board, keyset-paginated: by the task deadline (soonest first, the default) or
 * newest first. Open tasks unless a status is asked for.
 */
export async function listTasks(
  db: DbOrTx,
  actor: Actor,
  query: TaskListQuery,
): Promise<{ items: Task[]; nextCursor: string | null }> {
  const now = new Date();
  let q = filtered(db, actor, query, now);
  const c: Cursor | null = query.cursor ? decodeCursor(query.cursor) : null;
  if (query.sort === 'deadline_asc') {
    if (c) q = q.where(sql<SqlBool>`(t.deadline, m.id) > (${c.v}::timestamptz, ${c.id}::bigint)`);
    q = q.orderBy('t.deadline', 'asc').orderBy('m.id', 'asc');
  } else {
    if (c) q = q.where(sql<SqlBool>`(m.created_at, m.id) < (${c.v}::timestamptz, ${c.id}::bigint)`);
    q = q.orderBy('m.created_at', 'desc').orderBy('m.id', 'desc');
  }
  const rows = (await q.limit(query.limit + 1).execute()) as TaskRow[];
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const v = (r: TaskRow) => (query.sort === 'deadline_asc' ? r.deadline : r.created_at).toISOString();
  return {
    items: page.map((r) => inCrs(presentTask(r, now), query.crs)),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ v: v(last), id: last.id }) : null,
  };
}

/** A task's points in the asked datum (stored WGS-84; the map's one conversion, toCrs). */
function inCrs(task: Task, crs: Crs): Task {
  if (crs === 'wgs84') return task;
  const move = (p: { lng: number; lat: number }) => {
    const [lng, lat] = toCrs(p.lng, p.lat, crs);
    return { lng, lat };
  };
  return {
    ...task,
    point: task.point && move(task.point),
    arrival: task.arrival && { ...task.arrival, point: task.arrival.point && move(task.arrival.point) },
  };
}

/** The board's header: open tasks, how many are past their deadline, pinned, and per state. */
export async function taskSummary(db: DbOrTx, actor: Actor) {
  const now = new Date();
  const rows = await filtered(db, actor, { status: ['open'] }, now)
    .clearSelect()
    .select([
      'm.status',
      sql<string>`count(*)`.as('n'),
      sql<string>`count(*) filter (where t.deadline < ${now} and m.status in (${sql.join(BEFORE_FEEDBACK)}))`.as(
        'late',
      ),
      sql<string>`count(*) filter (where t.pinned)`.as('pinned'),
    ])
    .groupBy('m.status')
    .execute();
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  return {
    open: rows.reduce((a, r) => a + Number(r.n), 0),
    overdue: rows.reduce((a, r) => a + Number(r.late), 0),
    pinned: rows.reduce((a, r) => a + Number(r.pinned), 0),
    byStatus,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Writing

interface ResolvedAssignee {
  department: string | null;
  areaCode: string;
  userId: string | null;
  /** For the timeline and the notice: the unit's or the person's name. */
  label: string;
}

/**
 * The unit or person a task goes to. A unit (department + area) must exist, at an area above the matter or
 * inside the dispatcher's scope (the kernel's rule for 分派); a person must be an enabled user of that unit,
 * or — alone — a handler whose area is in the dispatcher's scope or above the matter.
 */
async function resolveAssignee(
  tx: DbOrTx,
  actor: Actor,
  source: MatterRow,
  a: DispatchInput['assignee'],
): Promise<ResolvedAssignee> {
  const above = async (code: string) => (await ancestors(tx, source.area_code)).some((x) => x.code === code);
  let label = '';
  if (a.department && a.areaCode) {
    const dept = await tx
      .selectFrom('departments')
      .select(['code', 'name'])
      .where('code', '=', a.department)
      .executeTakeFirst();
    if (!dept)
      throw new AppError('VALIDATION_FAILED', `未知部门 ${a.department} / Unknown department`, [
        { path: 'assignee.department', message: 'unknown' },
      ]);
    await assertAreaExists(tx, a.areaCode);
    if (!inScope(actor, a.areaCode) && !(await above(a.areaCode))) {
      throw new AppError('AREA_OUT_OF_SCOPE', `不能下达到 ${a.areaCode} / Cannot dispatch to that area`, [
        { path: 'assignee.areaCode', message: 'out of scope' },
      ]);
    }
    const area = await tx
      .selectFrom('areas')
      .select('name')
      .where('code', '=', a.areaCode)
      .executeTakeFirst();
    label = `${dept.name}（${area?.name ?? a.areaCode}）`;
  }
  let userId: string | null = null;
  let userArea: string | null = null;
  if (a.userId) {
    let q = tx
      .selectFrom('users')
      .select(['id', 'display_name', 'area_code', 'roles'])
      .where('id', '=', a.userId)
      .where('disabled', '=', false);
    if (a.department && a.areaCode)
      q = q.where('department_code', '=', a.department).where('area_code', '=', a.areaCode);
    const u = await q.executeTakeFirst();
    const handles = u?.roles.some((r) =>
      [...CENTRE_ROLES, 'grid_worker', 'mediator', 'dept_clerk'].includes(r),
    );
    if (!u || !handles)
      throw new AppError('VALIDATION_FAILED', '该人员不能承办此指令 / That person cannot take this task', [
        { path: 'assignee.userId', message: 'not a handler of the unit' },
      ]);
    if (!a.department && !inScope(actor, u.area_code) && !(await above(u.area_code))) {
      throw new AppError(
        'AREA_OUT_OF_SCOPE',
        '该人员不在您的管辖范围内 / That person is outside your scope',
        [{ path: 'assignee.userId', message: 'out of scope' }],
      );
    }
    userId = u.id;
    userArea = u.area_code;
    label = label ? `${label}${u.display_name}` : u.display_name;
  }
  return {
    department: a.department ?? null,
    areaCode: a.areaCode ?? userArea!,
    userId,
    label,
  };
}

/**
 * 下达指令: a command task from a matter or an alert, as one transaction — the task (a matter of type
 * `task`, numbered ZL-…, at the source's place, assigned at once and dispatched by the actor's centre), its
 * link and deadline, a 下达 entry in its timeline, an entry "已下达指令 ZL-…" in the source's timeline, an
 * audit entry and notices to the unit. Only a centre whose scope covers the source may dispatch, and not
 * from a closed matter. The events come back to be published after commit.
 */
export async function dispatchTask(
  tx: DbOrTx,
  actor: Actor,
  sourceId: string,
  input: DispatchInput,
  now = new Date(),
): Promise<{ task: Task; events: ZhiliEvent[] }> {
  assertCan(actor, 'matter:act');
  const source = await findMatterRow(tx, actor, sourceId, true);
  if (!actor.roles.some((r) => CENTRE_ROLES.includes(r)) || !inScope(actor, source.area_code)) {
    throw forbidden(
      '只有管辖该区域的指挥中心、综治中心可下达指令 / Only a centre whose area covers the matter may dispatch tasks',
    );
  }
  if (source.type === TASK_TYPE) {
    throw new AppError('VALIDATION_FAILED', '不能从指令再下达指令 / A task cannot dispatch tasks', [
      { path: 'id', message: 'a task' },
    ]);
  }
  if (source.closed) {
    throw new AppError(
      'MATTER_CLOSED',
      `事项 ${source.number} 已结束，不能再下达指令 / Matter ${source.number} is closed: no task can be dispatched`,
    );
  }
  const deadline = new Date(input.deadline);
  if (!deadlineInRange(deadline.getTime(), now.getTime())) {
    throw new AppError(
      'VALIDATION_FAILED',
      '完成时限应在 1 分钟后至 30 天内 / The deadline must be 1 minute to 30 days from now',
      [{ path: 'deadline', message: 'out of range' }],
    );
  }
  const assignee = await resolveAssignee(tx, actor, source, input.assignee);
  const payload: TaskPayload = {
    sourceMatterId: source.id,
    sourceNumber: source.number,
    sourceType: source.type,
  };
  const created = await createMatter(tx, actor, {
    type: TASK_TYPE,
    title: `指令：${source.title}`.slice(0, 200),
    description: input.instructions,
    urgency: input.urgency,
    sourceChannel: 'command',
    areaCode: source.area_code,
    point: source.lng !== null && source.lat !== null ? { lng: source.lng, lat: source.lat } : null,
    payload,
    createdAt: now,
  });
  // Issued means assigned: the step's clock runs to its own limit or to the task's deadline, whichever is first.
  const stepDue = created.matter.dueAt ? new Date(created.matter.dueAt) : null;
  const due = stepDue && stepDue < deadline ? stepDue : deadline;
  const row = await tx
    .updateTable('matters')
    .set({
      assignee_department: assignee.department,
      assignee_area_code: assignee.areaCode,
      assignee_user_id: assignee.userId,
      dispatcher_area_code: actor.areaCode,
      due_at: due,
      warn_at: warnAt(now, due),
    })
    .where('id', '=', created.matter.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await cdb(tx)
    .insertInto('command_tasks')
    .values({
      matter_id: row.id,
      source_matter_id: source.id,
      deadline,
      pinned: input.pinned,
      camera_ids: [...new Set(input.cameraIds ?? [])],
    })
    .execute();
  const assigneeData = {
    department: assignee.department,
    areaCode: assignee.areaCode,
    userId: assignee.userId,
  };
  await tx
    .insertInto('matter_timeline')
    .values([
      {
        matter_id: row.id,
        at: now,
        actor_id: actor.id,
        actor_name: actor.displayName,
        action: 'issue',
        from_status: null,
        to_status: row.status,
        note: input.instructions,
        data: JSON.stringify({
          assignee: assigneeData,
          deadline: deadline.toISOString(),
          source: { id: source.id, number: source.number },
          pinned: input.pinned,
        }),
      },
      {
        matter_id: source.id,
        at: now,
        actor_id: actor.id,
        actor_name: actor.displayName,
        action: 'command_task',
        from_status: source.status,
        to_status: source.status,
        note: `已下达指令 ${row.number}，承办：${assignee.label}`,
        data: JSON.stringify({ task: { id: row.id, number: row.number }, deadline: deadline.toISOString() }),
      },
    ])
    .execute();
  await audit(tx, actor, {
    action: 'command.dispatch',
    entityType: 'matter',
    entityId: row.id,
    areaCode: row.area_code,
    newValues: {
      task: row.number,
      source: { id: source.id, number: source.number },
      assignee: assigneeData,
      deadline: deadline.toISOString(),
      pinned: input.pinned,
      urgency: input.urgency,
      cameras: input.cameraIds ?? [],
    },
  });
  const recipients = (
    await unitUsers(tx, assignee.department, assignee.department ? assignee.areaCode : null, assignee.userId)
  ).filter((u) => u !== actor.id);
  await notify(
    tx,
    recipients,
    row.id,
    'issue',
    `新指令 ${row.number}：${source.title} / New task ${row.number}`,
  );
  const task = await getTask(tx, actor, row.id);
  return {
    task,
    events: [
      matterEvent('matter.created', row, actor, { sourceMatterId: source.id }),
      matterEvent('matter.transitioned', source, actor, {
        action: 'command_task',
        from: source.status,
        taskId: row.id,
        taskNumber: row.number,
      }),
    ],
  };
}

async function findTaskRow(tx: DbOrTx, actor: Actor, id: string, lock = false): Promise<MatterRow> {
  const m = await findMatterRow(tx, actor, id, lock);
  if (m.type !== TASK_TYPE) throw notFound(`指令 / task ${id}`);
  return m;
}

/**
 * 到场: the workflow's `arrive` step, with the handler's location when the browser shared it — kept with the
 * task (command_tasks.arrival_*, with its distance from the matter) and written into the step's note, so that
 * the timeline says where they were. One transaction: the step and the place are kept together or not at all.
 */
export async function recordArrival(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  input: {
    version: number;
    note?: string | undefined;
    location?: { lng: number; lat: number; accuracyM?: number | undefined } | undefined;
  },
  now = new Date(),
): Promise<{ task: Task; events: ZhiliEvent[] }> {
  const m = await findTaskRow(tx, actor, id, true);
  const loc = input.location;
  const distance =
    loc && m.lng !== null && m.lat !== null ? Math.round(distanceM(loc, { lng: m.lng, lat: m.lat })) : null;
  const where = loc
    ? `到场位置 ${loc.lat.toFixed(6)}, ${loc.lng.toFixed(6)}` +
      (loc.accuracyM !== undefined ? `（±${Math.round(loc.accuracyM)} 米）` : '') +
      (distance !== null ? `，距事发点 ${distance} 米` : '') +
      ` / Location ${loc.lat.toFixed(6)}, ${loc.lng.toFixed(6)}` +
      (distance !== null ? `, ${distance} m from the matter` : '')
    : null;
  const note = [input.note?.trim(), where].filter(Boolean).join('\n') || undefined;
  const r = await transition(tx, actor, id, { action: 'arrive', version: input.version, note });
  await cdb(tx)
    .updateTable('command_tasks')
    .set({
      arrived_at: now,
      arrival_lng: loc?.lng ?? null,
      arrival_lat: loc?.lat ?? null,
      arrival_accuracy_m: loc?.accuracyM ?? null,
      arrival_distance_m: distance,
    })
    .where('matter_id', '=', id)
    .execute();
  return { task: await getTask(tx, actor, id), events: r.events };
}

/**
 * Pins or unpins a task's instruction on the map; for the centres whose scope covers it. Audited; the
 * event (matter.transitioned, action `pin`) lets open boards and maps refresh.
 */
export async function setPinned(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  pinned: boolean,
): Promise<{ task: Task; events: ZhiliEvent[] }> {
  assertCan(actor, 'matter:act');
  const m = await findTaskRow(tx, actor, id, true);
  if (!actor.roles.some((r) => CENTRE_ROLES.includes(r)) || !inScope(actor, m.area_code)) {
    throw forbidden('只有管辖该区域的中心可置顶指令 / Only a centre covering the task may pin it');
  }
  const before = await cdb(tx)
    .selectFrom('command_tasks')
    .select('pinned')
    .where('matter_id', '=', id)
    .executeTakeFirstOrThrow();
  if (before.pinned !== pinned) {
    await cdb(tx).updateTable('command_tasks').set({ pinned }).where('matter_id', '=', id).execute();
    await audit(tx, actor, {
      action: 'command.pin',
      entityType: 'matter',
      entityId: id,
      areaCode: m.area_code,
      oldValues: { pinned: before.pinned },
      newValues: { pinned },
    });
  }
  return {
    task: await getTask(tx, actor, id),
    events:
      before.pinned === pinned
        ? []
        : [matterEvent('matter.transitioned', m, actor, { action: 'pin', from: m.status, pinned })],
  };
}

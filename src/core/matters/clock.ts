import { sql } from 'kysely';
import type { Actor } from '../access/actor.ts';
import { systemActor } from '../access/actor.ts';
import { audit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import type { MatterRow } from '../db/types.ts';
import type { ZhiliEvent } from '../events/bus.ts';
import { type Deadline, dueAt, warnAt } from '../workflow/deadlines.ts';
import { getMatterType } from './registry.ts';

/** A state's deadline: the city-wide configuration if an administrator set one, else the type's declaration. */
export async function deadlineFor(db: DbOrTx, type: string, state: string): Promise<Deadline | null> {
  const row = await db
    .selectFrom('matter_deadlines')
    .select(['amount', 'unit', 'warn_ratio'])
    .where('type', '=', type)
    .where('state', '=', state)
    .executeTakeFirst();
  if (row) return { amount: row.amount, unit: row.unit, warnRatio: row.warn_ratio };
  return getMatterType(type).workflow.states[state]?.deadline ?? null;
}

/** The clock columns of a matter entering a state at `at`. */
export function enterState(at: Date, d: Deadline | null) {
  const due = d ? dueAt(at, d) : null;
  return {
    state_entered_at: at,
    due_at: due,
    warn_at: due ? warnAt(at, due, d?.warnRatio) : null,
    paused_at: null,
    deadline_state: 'normal' as const,
    escalated_to: null,
  };
}

/** Members of a unit (a department's office at an area) and, if given, the person: who gets the notice. */
export async function unitUsers(
  db: DbOrTx,
  department: string | null,
  areaCode: string | null,
  userId?: string | null,
) {
  const ids = new Set<string>();
  if (userId) ids.add(userId);
  if (department && areaCode) {
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where('department_code', '=', department)
      .where('area_code', '=', areaCode)
      .where('disabled', '=', false)
      .execute();
    for (const r of rows) ids.add(r.id);
  }
  return [...ids];
}

/** The centre staff of an area (county/town centres, commanders, the city admin at the city). */
export async function centreUsers(db: DbOrTx, areaCode: string) {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('area_code', '=', areaCode)
    .where('disabled', '=', false)
    .where(sql<boolean>`roles && array['county_center','town_center','commander','city_admin']::text[]`)
    .execute();
  return rows.map((r) => r.id);
}

export async function notify(db: DbOrTx, userIds: string[], matterId: string, kind: string, message: string) {
  if (userIds.length === 0) return;
  await db
    .insertInto('notifications')
    .values(userIds.map((user_id) => ({ user_id, matter_id: matterId, kind, message })))
    .execute();
}

/**
 * The deadline clock, one pass: open matters whose yellow line has passed become 临期; those past their
 * deadline become 超期 and are escalated once to the next level up the area tree as a 督办 entry, with
 * notices to the unit in charge and to the centre above. Paused matters (补正) are left alone. Idempotent:
 * a second pass at the same instant changes nothing.
 */
export async function runDeadlineClock(
  db: DbOrTx,
  now: Date = new Date(),
): Promise<{ warned: number; overdue: number; events: ZhiliEvent[] }> {
  const actor: Actor = systemActor('deadline-clock');
  const events: ZhiliEvent[] = [];
  const warned = await db
    .updateTable('matters')
    .set({ deadline_state: 'warning', updated_at: sql`now()` })
    .where('closed', '=', false)
    .where('paused_at', 'is', null)
    .where('deadline_state', '=', 'normal')
    .where('warn_at', '<=', now)
    .where('due_at', '>', now)
    .returning([
      'id',
      'number',
      'assignee_department',
      'assignee_area_code',
      'assignee_user_id',
      'dispatcher_area_code',
      'area_code',
      'status',
    ])
    .execute();
  for (const m of warned) {
    await notify(
      db,
      await unitUsers(db, m.assignee_department, m.assignee_area_code, m.assignee_user_id),
      m.id,
      'warning',
      `事项 ${m.number} 临期 / due soon`,
    );
    events.push({
      type: 'matter.warning',
      at: now.toISOString(),
      matterId: m.id,
      matterNumber: m.number,
      status: m.status,
      areaCode: m.area_code,
      assigneeDepartment: m.assignee_department,
      assigneeAreaCode: m.assignee_area_code,
      assigneeUserId: m.assignee_user_id,
    });
  }

  const overdue = await db
    .selectFrom('matters')
    .selectAll()
    .where('closed', '=', false)
    .where('paused_at', 'is', null)
    .where('deadline_state', '!=', 'overdue')
    .where('due_at', '<=', now)
    .orderBy('id')
    .limit(5000)
    .forUpdate()
    .skipLocked()
    .execute();
  for (const m of overdue) await escalate(db, actor, m, now, events);
  return { warned: warned.length, overdue: overdue.length, events };
}

async function escalate(db: DbOrTx, actor: Actor, m: MatterRow, now: Date, events: ZhiliEvent[]) {
  // One level above whoever is handling it: village → town → county → city.
  const handling = m.assignee_area_code ?? m.dispatcher_area_code ?? m.area_code;
  const parent = await db
    .selectFrom('areas')
    .select(['parent_code'])
    .where('code', '=', handling)
    .executeTakeFirst();
  const to = parent?.parent_code ?? handling;
  const type = getMatterType(m.type);
  const stateName = type.workflow.states[m.status]?.name.zh ?? m.status;
  await db
    .updateTable('matters')
    .set({ deadline_state: 'overdue', escalated_to: to, updated_at: sql`now()`, version: sql`version + 1` })
    .where('id', '=', m.id)
    .execute();
  const note = `“${stateName}”已超期，自动提级至上级督办 / overdue in ${m.status}, escalated`;
  await db
    .insertInto('matter_timeline')
    .values({
      matter_id: m.id,
      at: now,
      actor_id: null,
      actor_name: actor.displayName,
      action: 'supervise',
      from_status: m.status,
      to_status: m.status,
      note,
      data: JSON.stringify({ automatic: true, escalatedTo: to, dueAt: m.due_at?.toISOString() ?? null }),
    })
    .execute();
  await audit(db, actor, {
    action: 'matter.escalate',
    entityType: 'matter',
    entityId: m.id,
    areaCode: m.area_code,
    newValues: { escalatedTo: to, status: m.status },
  });
  const recipients = [
    ...(await unitUsers(db, m.assignee_department, m.assignee_area_code, m.assignee_user_id)),
    ...(await centreUsers(db, to)),
  ];
  await notify(
    db,
    [...new Set(recipients)],
    m.id,
    'overdue',
    `事项 ${m.number} 已超期，已提级督办 / overdue, escalated`,
  );
  events.push({
    type: 'matter.overdue',
    at: now.toISOString(),
    matterId: m.id,
    matterNumber: m.number,
    status: m.status,
    areaCode: m.area_code,
    assigneeDepartment: m.assignee_department,
    assigneeAreaCode: m.assignee_area_code,
    assigneeUserId: m.assignee_user_id,
    data: { escalatedTo: to },
  });
}

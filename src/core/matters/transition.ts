import { sql } from 'kysely';
import { type Actor, assertCan, inScope } from '../access/actor.ts';
import { ancestors, assertAreaExists } from '../areas/areas.service.ts';
import { audit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import type { MatterRow } from '../db/types.ts';
import { AppError, forbidden } from '../errors.ts';
import type { ZhiliEvent } from '../events/bus.ts';
import { addWorkdays, cstDate, warnAt } from '../workflow/deadlines.ts';
import type { TransitionDef, TransitionField, WorkflowDef } from '../workflow/workflow.ts';
import { centreUsers, deadlineFor, enterState, notify, unitUsers } from './clock.ts';
import {
  type Assignee,
  findMatterRow,
  isAssignee,
  isSuperior,
  type Matter,
  matterEvent,
  presentMatter,
} from './matters.service.ts';
import { getMatterType } from './registry.ts';

export interface TransitionInput {
  action: string;
  version: number;
  note?: string | undefined;
  reason?: string | undefined;
  result?: string | undefined;
  assignee?: Assignee | undefined;
  extensionDays?: number | undefined;
}

/** May this actor take this transition on this matter, by role and by their relation to it? */
export function mayTake(actor: Actor, t: TransitionDef, m: MatterRow): boolean {
  if (!actor.roles.some((r) => t.roles.includes(r))) return false;
  return t.party.some((p) =>
    p === 'scope'
      ? inScope(actor, m.area_code)
      : p === 'assignee'
        ? isAssignee(actor, m)
        : isSuperior(actor, m),
  );
}

export interface AvailableAction {
  action: string;
  name: { zh: string; en: string };
  to: string | null;
  requires: TransitionField[];
}

/** The actions this actor may take now: what the UI shows as buttons, each with the fields it needs. */
export function availableActions(actor: Actor, m: MatterRow): AvailableAction[] {
  if (!actor.permissions.has('matter:act')) return [];
  const w = getMatterType(m.type).workflow;
  return w.transitions
    .filter((t) => t.from.includes(m.status) && mayTake(actor, t, m) && effectApplies(t, m))
    .map((t) => ({ action: t.action, name: t.name, to: t.to ?? null, requires: t.requires ?? [] }));
}

/** Effects with a precondition on the matter (an extension to approve, a clock to resume). */
function effectApplies(t: TransitionDef, m: MatterRow): boolean {
  switch (t.effect) {
    case 'approve_extension':
    case 'reject_extension':
      return m.extension_requested != null;
    case 'request_extension':
      return m.extension_requested == null && m.due_at != null;
    case 'pause':
      return m.paused_at == null;
    case 'resume':
      return m.paused_at != null;
    default:
      return true;
  }
}

function findTransition(w: WorkflowDef, m: MatterRow, action: string): TransitionDef {
  const named = w.transitions.filter((t) => t.action === action);
  if (named.length === 0) {
    throw new AppError('UNKNOWN_ACTION', `未知操作 ${action} / Unknown action ${action}`, [
      { path: 'action', message: 'unknown' },
    ]);
  }
  const t = named.find((x) => x.from.includes(m.status));
  if (!t || !effectApplies(t, m)) {
    const state = w.states[m.status]?.name.zh ?? m.status;
    throw new AppError(
      'INVALID_TRANSITION',
      `当前状态“${state}”下不能执行“${named[0]!.name.zh}” / ${action} is not possible in state ${m.status}`,
    );
  }
  return t;
}

function checkRequired(t: TransitionDef, input: TransitionInput) {
  const missing = (t.requires ?? []).filter((f) => {
    const v = input[f];
    return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
  });
  if (missing.length) {
    throw new AppError(
      'VALIDATION_FAILED',
      `“${t.name.zh}”需要填写：${missing.join('、')} / ${t.action} requires: ${missing.join(', ')}`,
      missing.map((f) => ({ path: f, message: 'required' })),
    );
  }
}

/** A target unit must exist; it is in the dispatcher's scope or above the matter (a county bureau). */
async function checkAssignee(tx: DbOrTx, actor: Actor, m: MatterRow, a: Assignee) {
  const dept = await tx
    .selectFrom('departments')
    .select('code')
    .where('code', '=', a.department)
    .executeTakeFirst();
  if (!dept)
    throw new AppError('VALIDATION_FAILED', `未知部门 ${a.department} / Unknown department`, [
      { path: 'assignee.department', message: 'unknown' },
    ]);
  await assertAreaExists(tx, a.areaCode);
  const above = (await ancestors(tx, m.area_code)).some((x) => x.code === a.areaCode);
  if (!above && !inScope(actor, a.areaCode)) {
    throw new AppError('AREA_OUT_OF_SCOPE', `不能分派到 ${a.areaCode} / Cannot assign to that area`, [
      { path: 'assignee.areaCode', message: 'out of scope' },
    ]);
  }
  if (a.userId) {
    const u = await tx
      .selectFrom('users')
      .select('id')
      .where('id', '=', a.userId)
      .where('department_code', '=', a.department)
      .where('area_code', '=', a.areaCode)
      .where('disabled', '=', false)
      .executeTakeFirst();
    if (!u)
      throw new AppError('VALIDATION_FAILED', '该人员不属于所选单位 / That person is not in the unit', [
        { path: 'assignee.userId', message: 'not a member' },
      ]);
  }
}

/**
 * Takes one transition as one transaction (the caller's): role and relation, version, required fields,
 * the effect, the new state and its clock, a timeline entry, an audit entry and notices. The event comes
 * back to be published after commit. Anything that fails leaves the matter as it was.
 */
export async function transition(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  input: TransitionInput,
): Promise<{ matter: Matter; events: ZhiliEvent[] }> {
  assertCan(actor, 'matter:act');
  const m = await findMatterRow(tx, actor, id, true);
  const type = getMatterType(m.type);
  const t = findTransition(type.workflow, m, input.action);
  if (!mayTake(actor, t, m))
    throw forbidden(`您不能对此事项执行“${t.name.zh}” / You may not ${t.action} this matter`);
  if (m.version !== input.version) {
    throw new AppError('CONFLICT', '事项已被他人处理，请刷新 / The matter changed meanwhile; reload', [
      { code: 'STALE_VERSION', message: JSON.stringify(presentMatter(m)) },
    ]);
  }
  checkRequired(t, input);
  await type.hooks?.before?.(tx, actor, m, input);
  const now = new Date();
  const set: Record<string, unknown> = {};
  const data: Record<string, unknown> = {};
  const recipients: string[] = [];

  switch (t.effect) {
    case 'assign': {
      const a = input.assignee!;
      await checkAssignee(tx, actor, m, a);
      Object.assign(set, {
        assignee_department: a.department,
        assignee_area_code: a.areaCode,
        assignee_user_id: a.userId ?? null,
      });
      data.assignee = a;
      recipients.push(...(await unitUsers(tx, a.department, a.areaCode, a.userId)));
      break;
    }
    case 'unassign':
      Object.assign(set, { assignee_department: null, assignee_area_code: null, assignee_user_id: null });
      if (m.dispatcher_area_code) recipients.push(...(await centreUsers(tx, m.dispatcher_area_code)));
      break;
    case 'request_extension': {
      const request = {
        days: input.extensionDays,
        reason: input.reason,
        by: actor.username,
        at: now.toISOString(),
      };
      set.extension_requested = JSON.stringify(request);
      data.extension = request;
      if (m.dispatcher_area_code) recipients.push(...(await centreUsers(tx, m.dispatcher_area_code)));
      break;
    }
    case 'approve_extension': {
      const req = m.extension_requested as { days: number };
      // The new deadline: the same time of day, `days` working days after the old one.
      const due = m.due_at!;
      const shifted = addWorkdays(cstDate(due), req.days);
      const newDue = new Date(
        due.getTime() + (Date.parse(`${shifted}T00:00:00Z`) - Date.parse(`${cstDate(due)}T00:00:00Z`)),
      );
      const d = await deadlineFor(tx, m.type, m.status);
      Object.assign(set, {
        due_at: newDue,
        warn_at: warnAt(m.state_entered_at, newDue, d?.warnRatio),
        extension_requested: null,
        deadline_state: newDue > now ? 'normal' : m.deadline_state,
      });
      data.extension = { ...req, approved: true, dueAt: newDue.toISOString() };
      recipients.push(
        ...(await unitUsers(tx, m.assignee_department, m.assignee_area_code, m.assignee_user_id)),
      );
      break;
    }
    case 'reject_extension':
      set.extension_requested = null;
      data.extension = { ...(m.extension_requested as object), approved: false };
      recipients.push(
        ...(await unitUsers(tx, m.assignee_department, m.assignee_area_code, m.assignee_user_id)),
      );
      break;
    case 'supervise':
      data.supervisor = { username: actor.username, areaCode: actor.areaCode };
      recipients.push(
        ...(await unitUsers(tx, m.assignee_department, m.assignee_area_code, m.assignee_user_id)),
      );
      break;
    case 'pause':
      set.paused_at = now;
      break;
    case 'resume': {
      // Time spent waiting for the applicant does not count: the deadlines move by the pause.
      const paused = now.getTime() - m.paused_at!.getTime();
      Object.assign(set, {
        paused_at: null,
        due_at: m.due_at ? new Date(m.due_at.getTime() + paused) : null,
        warn_at: m.warn_at ? new Date(m.warn_at.getTime() + paused) : null,
      });
      data.pausedMs = paused;
      break;
    }
    case undefined:
      break;
  }

  if (t.to) {
    const to = type.workflow.states[t.to]!;
    Object.assign(set, enterState(now, await deadlineFor(tx, m.type, t.to)), {
      status: t.to,
      closed: to.kind === 'closed',
      closed_at: to.kind === 'closed' ? now : null,
      // A pending extension request belongs to the state it was asked in.
      extension_requested: set.extension_requested ?? null,
    });
  }

  let row = await tx
    .updateTable('matters')
    .set({ ...set, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', m.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const note = input.note ?? input.result ?? input.reason ?? null;
  for (const f of ['reason', 'result'] as const) if (input[f]) data[f] = input[f];
  await tx
    .insertInto('matter_timeline')
    .values({
      matter_id: m.id,
      at: now,
      actor_id: actor.id,
      actor_name: actor.displayName,
      action: t.action,
      from_status: m.status,
      to_status: row.status,
      note,
      data: JSON.stringify(data),
    })
    .execute();
  await audit(tx, actor, {
    action: `matter.${t.action}`,
    entityType: 'matter',
    entityId: m.id,
    areaCode: m.area_code,
    oldValues: { status: m.status, version: m.version, assignee: presentMatter(m).assignee },
    newValues: { status: row.status, version: row.version, assignee: presentMatter(row).assignee, ...data },
  });
  if (await type.hooks?.after?.(tx, actor, m, row, input))
    row = await tx.selectFrom('matters').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
  const mine = new Set(actor.id ? [actor.id] : []);
  await notify(
    tx,
    [...new Set(recipients)].filter((u) => !mine.has(u)),
    m.id,
    t.action,
    `事项 ${m.number}：${t.name.zh} / ${t.name.en}`,
  );
  return {
    matter: presentMatter(row),
    events: [matterEvent('matter.transitioned', row, actor, { action: t.action, from: m.status })],
  };
}

import { type SqlBool, sql } from 'kysely';
import { type Actor, assertCan, inScope, scopePrefix, systemActor } from '../../core/access/actor.ts';
import { containsPattern, underAreaSql } from '../../core/access/scope.ts';
import { ancestors } from '../../core/areas/areas.service.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import type { MatterRow } from '../../core/db/types.ts';
import { AppError, forbidden, notFound } from '../../core/errors.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import { deadlineFor, enterState, notify } from '../../core/matters/clock.ts';
import {
  createMatter,
  decodeCursor,
  encodeCursor,
  findMatterRow,
  matterEvent,
  visibleSql,
} from '../../core/matters/matters.service.ts';
import { isValidIdCard } from '../../core/subjects/codes.ts';
import { maskIdCard, type Vault } from '../../core/subjects/vault.ts';
import { cstDate } from '../../core/workflow/deadlines.ts';
import { CENTRE_ROLES } from '../../core/workflow/generic-loop.ts';
import { bookSlot } from '../court/courts.service.ts';
import type {
  AgreementBody,
  AssignBody,
  CaseFilters,
  CaseListQuery,
  KpiQuery,
  SessionBody,
} from './mediation.schema.ts';
import { type Level, type Member, mdb, type StoredParty } from './mediation.tables.ts';
import {
  CONFIRMATION_WINDOW_DAYS,
  LEVEL_AREA,
  LEVEL_NAMES,
  LEVELS,
  MEDIATION_TYPE,
  mediationWorkflow,
} from './mediation.workflow.ts';

type Name = { zh: string; en: string };
const ID_AAD = 'mediation.id_number';
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------------------
// Reading

function casesQuery(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'matter:read');
  const visible = db
    .selectFrom('matters')
    .selectAll()
    .where('type', '=', MEDIATION_TYPE)
    .where(visibleSql(actor));
  return mdb(db)
    .selectFrom(visible.as('m'))
    .innerJoin('mediation_cases as c', 'c.matter_id', 'm.id')
    .leftJoin('areas as ma', 'ma.code', 'm.area_code')
    .leftJoin('users as mu', 'mu.id', 'c.mediator_id')
    .selectAll('m')
    .select([
      'c.dispute_id',
      'c.level',
      'c.level_area_code',
      'c.mediator_id',
      'c.grid_worker',
      'c.cadre',
      'c.outcome',
      'c.outcome_at',
      'c.outcome_level',
      'c.opened_at',
      'ma.name as area_name',
      'mu.display_name as mediator_name',
    ]);
}

export type CaseRow = MatterRow & {
  dispute_id: string;
  level: Level;
  level_area_code: string;
  mediator_id: string | null;
  grid_worker: Member | null;
  cadre: Member | null;
  outcome: 'settled' | 'failed' | null;
  outcome_at: Date | null;
  outcome_level: Level | null;
  opened_at: Date;
  area_name: string | null;
  mediator_name: string | null;
};

export function presentCase(r: CaseRow) {
  const p = (r.payload ?? {}) as { disputeNumber?: string };
  return {
    id: r.id,
    number: r.number,
    title: r.title,
    status: r.status,
    statusName: mediationWorkflow.states[r.status]?.name ?? { zh: r.status, en: r.status },
    closed: r.closed,
    areaCode: r.area_code,
    areaName: r.area_name,
    level: r.level,
    levelName: LEVEL_NAMES[r.level],
    levelAreaCode: r.level_area_code,
    dispute: { id: r.dispute_id, number: p.disputeNumber ?? '' },
    mediator: r.mediator_id ? { userId: r.mediator_id, name: r.mediator_name ?? '' } : null,
    gridWorker: r.grid_worker,
    cadre: r.cadre,
    outcome: r.outcome,
    outcomeAt: r.outcome_at?.toISOString() ?? null,
    outcomeLevel: r.outcome_level,
    dueAt: r.due_at?.toISOString() ?? null,
    deadlineState: r.deadline_state,
    openedAt: r.opened_at.toISOString(),
    closedAt: r.closed_at?.toISOString() ?? null,
    version: r.version,
  };
}
export type MediationCase = ReturnType<typeof presentCase>;

async function findCase(db: DbOrTx, actor: Actor, id: string, lock = false): Promise<CaseRow> {
  if (lock) await findMatterRow(db, actor, id, true);
  const r = await casesQuery(db, actor).where('m.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`调解案件 / mediation case ${id}`);
  return r as CaseRow;
}

/** May act as the centre that owns the case at its level (指派, 上交, 结案). */
function isOwningCentre(actor: Actor, c: CaseRow): boolean {
  return actor.roles.some((r) => CENTRE_ROLES.includes(r)) && inScope(actor, c.level_area_code);
}

/** May act as the case's mediator: the assigned mediator, or the owning centre on their behalf. */
function isMediatorOf(actor: Actor, c: CaseRow): boolean {
  return (!!actor.id && actor.id === c.mediator_id) || isOwningCentre(actor, c);
}

const WHO: Record<string, (a: Actor, c: CaseRow) => boolean> = {
  assign: isOwningCentre,
  session: isMediatorOf,
  agree: isMediatorOf,
  fail: isMediatorOf,
  escalate: (a, c) => isOwningCentre(a, c) && c.level !== 'county',
  close_failed: isOwningCentre,
  apply_confirmation: isMediatorOf,
  follow_up: isMediatorOf,
  close: isOwningCentre,
};

function actionsFor(actor: Actor, c: CaseRow): { action: string; name: Name }[] {
  if (!actor.permissions.has('matter:act')) return [];
  return mediationWorkflow.transitions
    .filter((t) => t.from.includes(c.status) && actor.roles.some((r) => t.roles.includes(r)))
    .filter((t) => WHO[t.action]?.(actor, c))
    .map((t) => ({ action: t.action, name: t.name }));
}

export async function getCase(db: DbOrTx, actor: Actor, id: string) {
  const c = await findCase(db, actor, id);
  const [sessions, agreement, confirmation, timeline] = await Promise.all([
    mdb(db)
      .selectFrom('mediation_sessions')
      .selectAll()
      .where('matter_id', '=', id)
      .orderBy('held_at')
      .orderBy('id')
      .execute(),
    mdb(db).selectFrom('mediation_agreements').selectAll().where('matter_id', '=', id).executeTakeFirst(),
    mdb(db).selectFrom('mediation_confirmations').selectAll().where('matter_id', '=', id).executeTakeFirst(),
    db.selectFrom('matter_timeline').selectAll().where('matter_id', '=', id).orderBy('id').execute(),
  ]);
  return {
    ...presentCase(c),
    sessions: sessions.map((s) => ({
      id: s.id,
      heldAt: s.held_at.toISOString(),
      place: s.place,
      attendees: s.attendees,
      record: s.record,
      createdBy: s.created_by_name,
      createdAt: s.created_at.toISOString(),
    })),
    agreement: agreement
      ? {
          // ID numbers are never decrypted for a page: the PDF (audited) is where they appear in full.
          parties: (agreement.parties as unknown as StoredParty[]).map((p) => ({
            role: p.role,
            name: p.name,
            gender: p.gender,
            age: p.age,
            idNumber: p.idNumberMasked ?? '',
            address: p.address,
          })),
          facts: agreement.facts,
          issues: agreement.issues,
          responsibility: agreement.responsibility,
          terms: agreement.terms,
          performanceMethod: agreement.performance_method,
          performanceDeadline: agreement.performance_deadline,
          signedByParties: agreement.signed_by_parties,
          mediatorSigned: agreement.mediator_signed,
          committeeSealed: agreement.committee_sealed,
          committeeName: agreement.committee_name,
          mediatorName: agreement.mediator_name,
          agreedAt: agreement.agreed_at.toISOString(),
          confirmationDeadline: cstDate(
            new Date(agreement.agreed_at.getTime() + CONFIRMATION_WINDOW_DAYS * DAY),
          ),
        }
      : null,
    confirmation: confirmation
      ? {
          courtId: confirmation.court_id,
          courtName: confirmation.court_name,
          appliedOn: confirmation.applied_on,
          note: confirmation.note,
          booking:
            confirmation.booking_id && confirmation.booking_starts_at
              ? { id: confirmation.booking_id, startsAt: confirmation.booking_starts_at.toISOString() }
              : null,
        }
      : null,
    timeline: timeline.map((t) => ({
      id: t.id,
      at: t.at.toISOString(),
      actorName: t.actor_name,
      action: t.action,
      fromStatus: t.from_status,
      toStatus: t.to_status,
      note: t.note,
      data: t.data,
    })),
    actions: actionsFor(actor, c),
  };
}

function filtered(db: DbOrTx, actor: Actor, f: CaseFilters) {
  let q = casesQuery(db, actor);
  const status = f.status?.length ? f.status : ['open'];
  if (status.includes('open')) q = q.where('m.closed', '=', false);
  else if (status.includes('closed')) q = q.where('m.closed', '=', true);
  else if (!status.includes('all')) q = q.where('m.status', 'in', status);
  if (f.level) q = q.where('c.level', '=', f.level);
  if (f.areaCode) q = q.where(underAreaSql(f.areaCode, 'm.area_code'));
  if (f.mine) q = q.where('c.mediator_id', '=', actor.id ?? '0');
  if (f.q) {
    const like = containsPattern(f.q);
    q = q.where(sql<SqlBool>`(m.title like ${like} or m.number like ${like})`);
  }
  return q;
}

/** One page of the queue, newest first, keyset-paginated on (created_at, id). Open cases by default. */
export async function listCases(db: DbOrTx, actor: Actor, query: CaseListQuery) {
  let q = filtered(db, actor, query);
  const c = query.cursor ? decodeCursor(query.cursor) : null;
  if (c) q = q.where(sql<SqlBool>`(m.created_at, m.id) < (${c.v}::timestamptz, ${c.id}::bigint)`);
  const rows = (await q
    .orderBy('m.created_at', 'desc')
    .orderBy('m.id', 'desc')
    .limit(query.limit + 1)
    .execute()) as CaseRow[];
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(presentCase),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor({ v: last.created_at.toISOString(), id: last.id })
        : null,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Opening a case from a dispute

/** The mediation level and its area for a unit at `areaCode` (a grid or a village → village). */
async function levelOf(db: DbOrTx, areaCode: string): Promise<{ level: Level; areaCode: string }> {
  const path = await ancestors(db, areaCode);
  const here = path.at(-1);
  const at = (n: number) => path.find((a) => a.level === n)?.code;
  if (here && here.level >= 4 && at(4)) return { level: 'village', areaCode: at(4)! };
  if (here && here.level === 3) return { level: 'town', areaCode: here.code };
  return { level: 'county', areaCode: at(2) ?? here?.code ?? areaCode };
}

/**
 * Opens the case for each 分流至调解 of a dispute that has none yet, as one transaction per dispute: the case
 * (TJ-…, at the dispute's place, 已受理), its link, its level (from the unit the dispute was sent to), an entry
 * in the dispute's timeline and an audit entry. The dispute row is locked first, so that several instances
 * reacting to the same event open one case; the unique source entry makes it impossible anyway.
 */
export async function openCasesForDispute(
  tx: DbOrTx,
  disputeId: string,
): Promise<{ opened: string[]; events: ZhiliEvent[] }> {
  const system = systemActor('调解受理 mediation intake');
  const dispute = await tx
    .selectFrom('matters')
    .selectAll()
    .where('id', '=', disputeId)
    .where('type', '=', 'dispute')
    .forUpdate()
    .executeTakeFirst();
  if (!dispute) return { opened: [], events: [] };
  const pending = await mdb(tx)
    .selectFrom('matter_timeline as t')
    .leftJoin('mediation_cases as c', 'c.source_timeline_id', 't.id')
    .select(['t.id', 't.at', 't.data', 't.actor_name'])
    .where('t.matter_id', '=', disputeId)
    .where('t.action', '=', 'to_mediation')
    .where('c.matter_id', 'is', null)
    .orderBy('t.id')
    .execute();
  const opened: string[] = [];
  const events: ZhiliEvent[] = [];
  for (const entry of pending) {
    const data = (entry.data ?? {}) as { assignee?: { areaCode?: string } };
    const { level, areaCode: levelArea } = await levelOf(tx, data.assignee?.areaCode ?? dispute.area_code);
    const { matter, events: ev } = await createMatter(tx, system, {
      type: MEDIATION_TYPE,
      title: `调解：${dispute.title}`.slice(0, 200),
      description: dispute.description ?? undefined,
      urgency: dispute.urgency,
      sourceChannel: 'mediation',
      areaCode: dispute.area_code,
      point: dispute.lng !== null && dispute.lat !== null ? { lng: dispute.lng, lat: dispute.lat } : null,
      payload: { disputeId: dispute.id, disputeNumber: dispute.number },
      createdAt: entry.at,
    });
    await tx
      .updateTable('matters')
      .set({ dispatcher_area_code: levelArea, reporter_name: entry.actor_name })
      .where('id', '=', matter.id)
      .execute();
    await mdb(tx)
      .insertInto('mediation_cases')
      .values({
        matter_id: matter.id,
        dispute_id: dispute.id,
        source_timeline_id: entry.id,
        level,
        level_area_code: levelArea,
        opened_at: entry.at,
      })
      .execute();
    await tx
      .insertInto('matter_timeline')
      .values({
        matter_id: dispute.id,
        at: new Date(),
        actor_id: null,
        actor_name: system.displayName,
        action: 'mediation_opened',
        from_status: dispute.status,
        to_status: dispute.status,
        note: `已受理调解案件 ${matter.number}（${LEVEL_NAMES[level].zh}） / Mediation case ${matter.number} opened`,
        data: JSON.stringify({ case: { id: matter.id, number: matter.number }, level }),
      })
      .execute();
    opened.push(matter.id);
    events.push(...ev);
  }
  return { opened, events };
}

/** Disputes sent to mediation recently whose case is not open yet (an event lost while an instance restarted). */
export async function disputesAwaitingCases(db: DbOrTx, now = new Date()): Promise<string[]> {
  const rows = await mdb(db)
    .selectFrom('matter_timeline as t')
    .innerJoin('matters as d', 'd.id', 't.matter_id')
    .leftJoin('mediation_cases as c', 'c.source_timeline_id', 't.id')
    .select('t.matter_id')
    .distinct()
    .where('t.action', '=', 'to_mediation')
    .where('d.type', '=', 'dispute')
    .where('d.status', '=', 'resolving')
    .where('t.at', '>=', new Date(now.getTime() - 3 * DAY))
    .where('c.matter_id', 'is', null)
    .limit(200)
    .execute();
  return rows.map((r) => r.matter_id);
}

// ---------------------------------------------------------------------------------------------------------
// Steps

/**
 * Moves a case to a state as the workflow declares it: the step's clock, a timeline entry, an audit entry;
 * the event comes back for after the commit. The caller has checked who may and saved the step's data.
 */
async function move(
  tx: DbOrTx,
  actor: Actor,
  c: CaseRow,
  action: string,
  version: number,
  opts: { note?: string | null; data?: Record<string, unknown>; set?: Record<string, unknown> } = {},
): Promise<ZhiliEvent[]> {
  const t = mediationWorkflow.transitions.find((x) => x.action === action)!;
  if (!t.from.includes(c.status)) {
    const state = mediationWorkflow.states[c.status]?.name.zh ?? c.status;
    throw new AppError(
      'INVALID_TRANSITION',
      `当前状态“${state}”下不能执行“${t.name.zh}” / ${action} is not possible in state ${c.status}`,
    );
  }
  if (
    !actor.permissions.has('matter:act') ||
    !actor.roles.some((r) => t.roles.includes(r)) ||
    !WHO[action]?.(actor, c)
  )
    throw forbidden(`您不能对此案件执行“${t.name.zh}” / You may not ${action} this case`);
  if (c.version !== version)
    throw new AppError('CONFLICT', '案件已被他人处理，请刷新 / The case changed meanwhile; reload', [
      { code: 'STALE_VERSION', message: String(c.version) },
    ]);
  const now = new Date();
  const set: Record<string, unknown> = { ...opts.set };
  if (t.to) {
    const closed = mediationWorkflow.states[t.to]!.kind === 'closed';
    Object.assign(set, enterState(now, await deadlineFor(tx, MEDIATION_TYPE, t.to)), {
      status: t.to,
      closed,
      closed_at: closed ? now : null,
      extension_requested: null,
    });
  }
  const row = await tx
    .updateTable('matters')
    .set({ ...set, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', c.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const data = { level: c.level, ...opts.data };
  await tx
    .insertInto('matter_timeline')
    .values({
      matter_id: c.id,
      at: now,
      actor_id: actor.id,
      actor_name: actor.displayName,
      action,
      from_status: c.status,
      to_status: row.status,
      note: opts.note ?? null,
      data: JSON.stringify(data),
    })
    .execute();
  await audit(tx, actor, {
    action: `mediation.${action}`,
    entityType: 'matter',
    entityId: c.id,
    areaCode: c.area_code,
    oldValues: { status: c.status, version: c.version },
    newValues: { status: row.status, version: row.version, ...data },
  });
  return [matterEvent('matter.transitioned', row, actor, { action, from: c.status })];
}

/** A line in the source dispute's timeline: the case's outcome (协议、不成、上交、结案). */
async function tellDispute(tx: DbOrTx, actor: Actor, c: CaseRow, action: string, note: string) {
  const d = await tx.selectFrom('matters').select('status').where('id', '=', c.dispute_id).executeTakeFirst();
  if (!d) return;
  await tx
    .insertInto('matter_timeline')
    .values({
      matter_id: c.dispute_id,
      at: new Date(),
      actor_id: actor.id,
      actor_name: actor.displayName,
      action,
      from_status: d.status,
      to_status: d.status,
      note,
      data: JSON.stringify({ case: { id: c.id, number: c.number }, level: c.level }),
    })
    .execute();
}

async function resolveMember(
  tx: DbOrTx,
  m: { userId?: string | undefined; name?: string | undefined },
  path: string,
  role: 'grid_worker' | null,
): Promise<Member> {
  if (m.userId) {
    const u = await tx
      .selectFrom('users')
      .select(['id', 'display_name', 'roles'])
      .where('id', '=', m.userId)
      .where('disabled', '=', false)
      .executeTakeFirst();
    if (!u || (role && !u.roles.includes(role)))
      throw new AppError('VALIDATION_FAILED', `${path}：未知人员 / Unknown person`, [
        { path: `${path}.userId`, message: 'unknown' },
      ]);
    return { userId: u.id, name: u.display_name };
  }
  const name = m.name?.trim();
  if (!name)
    throw new AppError('VALIDATION_FAILED', `${path}：请填写人员或姓名 / A user or a name is required`, [
      { path: `${path}.name`, message: 'required' },
    ]);
  return { userId: null, name };
}

/** 指派: the mediator (a mediator of the case's level area) with the grid worker and the village cadre. */
export async function assignCase(tx: DbOrTx, actor: Actor, id: string, input: AssignBody) {
  const c = await findCase(tx, actor, id, true);
  const mediator = await tx
    .selectFrom('users')
    .select(['id', 'display_name', 'roles', 'area_code', 'department_code'])
    .where('id', '=', input.mediatorId)
    .where('disabled', '=', false)
    .executeTakeFirst();
  // A village case is mediated in the village (a mediator of the village or of one of its grids); a town or
  // county case by the town's or the county's own mediators.
  const atLevel = (area: string) =>
    c.level === 'village' ? area.startsWith(scopePrefix(c.level_area_code)) : area === c.level_area_code;
  if (!mediator?.roles.includes('mediator') || !atLevel(mediator.area_code))
    throw new AppError(
      'NOT_A_MEDIATOR',
      '所选人员不是本级调解员 / That person is not a mediator at the case’s level',
      [{ path: 'mediatorId', message: 'not a mediator of the level area' }],
    );
  const gridWorker = await resolveMember(tx, input.gridWorker, 'gridWorker', 'grid_worker');
  const cadre = await resolveMember(tx, input.cadre, 'cadre', null);
  const events = await move(tx, actor, c, 'assign', input.version, {
    note: input.note ?? `调解员：${mediator.display_name}`,
    data: { mediator: { userId: mediator.id, name: mediator.display_name }, gridWorker, cadre },
    set: {
      assignee_user_id: mediator.id,
      assignee_area_code: mediator.area_code,
      assignee_department: mediator.department_code,
    },
  });
  await mdb(tx)
    .updateTable('mediation_cases')
    .set({ mediator_id: mediator.id, grid_worker: JSON.stringify(gridWorker), cadre: JSON.stringify(cadre) })
    .where('matter_id', '=', id)
    .execute();
  const ids = [mediator.id, gridWorker.userId].filter((x): x is string => !!x && x !== actor.id);
  await notify(
    tx,
    ids,
    id,
    'assign',
    `调解案件 ${c.number} 已指派 / Mediation case ${c.number} assigned to you`,
  );
  return { case: await getCase(tx, actor, id), events };
}

/** 调解记录: a session (time, place, attendees, record), in 调解中 only; audited. */
export async function addSession(tx: DbOrTx, actor: Actor, id: string, input: SessionBody) {
  const c = await findCase(tx, actor, id, true);
  if (c.status !== 'mediating')
    throw new AppError(
      'INVALID_TRANSITION',
      '只有调解中的案件可记录调解 / Sessions are recorded while mediating',
    );
  if (!actor.permissions.has('matter:act') || !isMediatorOf(actor, c))
    throw forbidden('只有本案调解员可记录调解 / Only the case’s mediator records sessions');
  const s = await mdb(tx)
    .insertInto('mediation_sessions')
    .values({
      matter_id: id,
      held_at: new Date(input.heldAt),
      place: input.place,
      attendees: input.attendees,
      record: input.record,
      created_by: actor.id,
      created_by_name: actor.displayName,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await tx
    .insertInto('matter_timeline')
    .values({
      matter_id: id,
      at: new Date(),
      actor_id: actor.id,
      actor_name: actor.displayName,
      action: 'session',
      from_status: c.status,
      to_status: c.status,
      note: `${input.place}：${input.record}`.slice(0, 500),
      data: JSON.stringify({ session: s.id, heldAt: input.heldAt, attendees: input.attendees.length }),
    })
    .execute();
  await audit(tx, actor, {
    action: 'mediation.session',
    entityType: 'matter',
    entityId: id,
    areaCode: c.area_code,
    newValues: { session: s.id, heldAt: input.heldAt, place: input.place, attendees: input.attendees.length },
  });
  return { case: await getCase(tx, actor, id), events: [] as ZhiliEvent[] };
}

/**
 * Every field 人民调解法 art. 29 asks of a written agreement, checked at once: the missing ones are listed by
 * path in one AGREEMENT_INCOMPLETE error (and an ID number that is not a valid resident ID as invalid).
 */
export function checkAgreement(input: AgreementBody) {
  const missing: { path: string; message: string }[] = [];
  const need = (ok: boolean, path: string, message = 'required') => {
    if (!ok) missing.push({ path, message });
  };
  const text = (v: string | undefined) => !!v && v.trim().length > 0;
  const parties = input.parties ?? [];
  need(parties.length >= 2, 'parties', 'at least two parties');
  parties.forEach((p, i) => {
    need(text(p.role), `parties.${i}.role`);
    need(text(p.name), `parties.${i}.name`);
    need(!!p.gender, `parties.${i}.gender`);
    need(p.age !== undefined, `parties.${i}.age`);
    need(text(p.idNumber), `parties.${i}.idNumber`);
    if (text(p.idNumber) && !isValidIdCard(p.idNumber!.trim().toUpperCase()))
      missing.push({ path: `parties.${i}.idNumber`, message: 'invalid' });
    need(text(p.address), `parties.${i}.address`);
  });
  need(text(input.facts), 'facts');
  need(text(input.issues), 'issues');
  need(text(input.responsibility), 'responsibility');
  need(text(input.terms), 'terms');
  need(text(input.performanceMethod), 'performanceMethod');
  need(!!input.performanceDeadline, 'performanceDeadline');
  need(input.signedByParties === true, 'signedByParties', 'the parties must sign');
  need(input.mediatorSigned === true, 'mediatorSigned', 'the mediator must sign');
  need(input.committeeSealed === true, 'committeeSealed', 'the committee’s seal is required');
  need(text(input.committeeName), 'committeeName');
  if (missing.length)
    throw new AppError(
      'AGREEMENT_INCOMPLETE',
      `调解协议缺少必备事项：${missing.map((m) => m.path).join('、')} / The agreement lacks: ${missing
        .map((m) => m.path)
        .join(', ')}`,
      missing,
    );
}

/** 达成协议: the agreement and the step in one transaction; the outcome (settled at this level) for the KPIs. */
export async function recordAgreement(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  id: string,
  input: AgreementBody,
) {
  const c = await findCase(tx, actor, id, true);
  checkAgreement(input);
  const now = new Date();
  const events = await move(tx, actor, c, 'agree', input.version, {
    note: input.terms!.slice(0, 500),
    data: { parties: input.parties!.length, performanceDeadline: input.performanceDeadline },
  });
  const parties = input.parties!.map((p) => {
    const idNumber = p.idNumber!.trim().toUpperCase();
    return {
      role: p.role!.trim(),
      name: p.name!.trim(),
      gender: p.gender!,
      age: p.age!,
      idNumberEnc: vault.encrypt(idNumber, ID_AAD),
      idNumberMasked: maskIdCard(idNumber),
      address: p.address!.trim(),
    };
  });
  await mdb(tx)
    .insertInto('mediation_agreements')
    .values({
      matter_id: id,
      parties: JSON.stringify(parties),
      facts: input.facts!.trim(),
      issues: input.issues!.trim(),
      responsibility: input.responsibility!.trim(),
      terms: input.terms!.trim(),
      performance_method: input.performanceMethod!.trim(),
      performance_deadline: input.performanceDeadline!,
      signed_by_parties: true,
      mediator_signed: true,
      committee_sealed: true,
      committee_name: input.committeeName!.trim(),
      mediator_name: c.mediator_name ?? actor.displayName,
      agreed_at: now,
      created_by: actor.id,
    })
    .execute();
  await mdb(tx)
    .updateTable('mediation_cases')
    .set({ outcome: 'settled', outcome_at: now, outcome_level: c.level })
    .where('matter_id', '=', id)
    .execute();
  await tellDispute(
    tx,
    actor,
    c,
    'mediation_agreed',
    `调解案件 ${c.number} 达成协议（${LEVEL_NAMES[c.level].zh}） / Agreement reached`,
  );
  return { case: await getCase(tx, actor, id), events };
}

/** 调解不成: with the reason; the outcome counts as failed at this level until the case is passed up. */
export async function failCase(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  input: { version: number; reason: string },
) {
  const c = await findCase(tx, actor, id, true);
  const now = new Date();
  const events = await move(tx, actor, c, 'fail', input.version, {
    note: input.reason,
    data: { reason: input.reason },
  });
  await mdb(tx)
    .updateTable('mediation_cases')
    .set({ outcome: 'failed', outcome_at: now, outcome_level: c.level })
    .where('matter_id', '=', id)
    .execute();
  await tellDispute(
    tx,
    actor,
    c,
    'mediation_failed',
    `调解案件 ${c.number} 调解不成（${LEVEL_NAMES[c.level].zh}）：${input.reason}`,
  );
  return { case: await getCase(tx, actor, id), events };
}

/**
 * 上交: a village case that could not be settled goes to its town's centre, a town case to the county's; the
 * case is accepted again there (new mediator, new clock), its outcome cleared, and the step recorded with both
 * levels in the case's and the dispute's timelines.
 */
export async function escalateCase(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  input: { version: number; note?: string | undefined },
) {
  const c = await findCase(tx, actor, id, true);
  const next = LEVELS[LEVELS.indexOf(c.level) + 1];
  if (!next)
    throw new AppError(
      'ESCALATION_NOT_POSSIBLE',
      '县级调解不成，不能再上交 / A county case cannot be passed further up',
    );
  const path = await ancestors(tx, c.level_area_code);
  const target = path.find((a) => a.level === LEVEL_AREA[next]);
  if (!target)
    throw new AppError('ESCALATION_NOT_POSSIBLE', '找不到上级区域 / No area above the case’s level');
  const events = await move(tx, actor, c, 'escalate', input.version, {
    note: input.note ?? `上交${LEVEL_NAMES[next].zh}：${target.name}`,
    data: { fromLevel: c.level, toLevel: next, toArea: target.code },
    set: {
      assignee_user_id: null,
      assignee_area_code: null,
      assignee_department: null,
      dispatcher_area_code: target.code,
    },
  });
  await mdb(tx)
    .updateTable('mediation_cases')
    .set({
      level: next,
      level_area_code: target.code,
      mediator_id: null,
      grid_worker: null,
      cadre: null,
      outcome: null,
      outcome_at: null,
      outcome_level: null,
    })
    .where('matter_id', '=', id)
    .execute();
  await tellDispute(
    tx,
    actor,
    c,
    'mediation_escalated',
    `调解案件 ${c.number} 由${LEVEL_NAMES[c.level].zh}上交${LEVEL_NAMES[next].zh}（${target.name}）`,
  );
  return { case: await getCase(tx, actor, id), events };
}

/**
 * 司法确认申请: within 30 days of the agreement (人民调解法 art. 33), through a shared court. The usual way books
 * a 司法确认 slot at a court of the registry in the same transaction (court/courts.service.ts bookSlot: a
 * taken or invalid slot fails the whole step, nothing half-saved); an application made on paper at a court
 * outside the registry names the court instead.
 */
export async function applyConfirmation(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  input: {
    version: number;
    booking?: { courtId: string; startsAt: string } | undefined;
    courtId?: string | undefined;
    courtName?: string | undefined;
    appliedOn?: string | undefined;
    note?: string | undefined;
  },
  now = new Date(),
) {
  const c = await findCase(tx, actor, id, true);
  const appliedOn = input.appliedOn ?? cstDate(now);
  const a = await mdb(tx)
    .selectFrom('mediation_agreements')
    .select(['agreed_at', 'parties'])
    .where('matter_id', '=', id)
    .executeTakeFirst();
  if (a) {
    const last = cstDate(new Date(a.agreed_at.getTime() + CONFIRMATION_WINDOW_DAYS * DAY));
    if (cstDate(now) > last || appliedOn > last || appliedOn < cstDate(a.agreed_at)) {
      throw new AppError(
        'CONFIRMATION_TOO_LATE',
        `司法确认应自协议生效之日起 ${CONFIRMATION_WINDOW_DAYS} 日内申请（截至 ${last}） / Judicial confirmation must be applied for within ${CONFIRMATION_WINDOW_DAYS} days of the agreement (by ${last})`,
        [{ path: 'appliedOn', message: `by ${last}` }],
      );
    }
  }
  if (!input.booking && !input.courtName) {
    throw new AppError(
      'VALIDATION_FAILED',
      '预约共享法庭时段或填写法院名称 / Book a shared court slot, or name the court',
      [{ path: 'booking', message: 'required' }],
    );
  }
  // The transition first: it checks the version and who may act, so that a stale form books nothing.
  const events = await move(tx, actor, c, 'apply_confirmation', input.version, {
    note: input.booking
      ? '申请司法确认（预约共享法庭）'
      : `向 ${input.courtName} 申请司法确认（${appliedOn}）`,
    data: input.booking
      ? { court: { id: input.booking.courtId }, startsAt: input.booking.startsAt, appliedOn }
      : { court: { id: input.courtId ?? null, name: input.courtName }, appliedOn },
  });
  let court = { id: input.courtId ?? null, name: input.courtName ?? '' };
  let booking: { id: string; startsAt: string } | null = null;
  if (input.booking) {
    const parties = Array.isArray(a?.parties) ? a.parties.length : 2;
    const r = await bookSlot(
      tx,
      actor,
      input.booking.courtId,
      {
        startsAt: input.booking.startsAt,
        kind: 'judicial_confirmation',
        title: `司法确认 ${c.number}`,
        partiesCount: Math.min(99, Math.max(1, parties)),
        matterId: id,
      },
      now,
    );
    events.push(...r.events);
    court = { id: r.booking.courtId, name: r.booking.courtName };
    booking = { id: r.booking.id, startsAt: r.booking.startsAt };
  }
  await mdb(tx)
    .insertInto('mediation_confirmations')
    .values({
      matter_id: id,
      court_id: court.id,
      court_name: court.name,
      applied_on: appliedOn,
      note: input.note ?? null,
      booking_id: booking?.id ?? null,
      booking_starts_at: booking ? new Date(booking.startsAt) : null,
      created_by: actor.id,
    })
    .execute();
  return { case: await getCase(tx, actor, id), events };
}

const PERFORMANCE: Record<string, string> = {
  performed: '已履行',
  partly: '部分履行',
  not_performed: '未履行',
};

/** 回访: how the agreement is being performed. */
export async function followUp(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  input: { version: number; performance: 'performed' | 'partly' | 'not_performed'; note: string },
) {
  const c = await findCase(tx, actor, id, true);
  const events = await move(tx, actor, c, 'follow_up', input.version, {
    note: `${PERFORMANCE[input.performance]}：${input.note}`,
    data: { performance: input.performance },
  });
  return { case: await getCase(tx, actor, id), events };
}

/** 结案 (after 回访) or 结案（调解不成） (a case not passed further up). */
export async function closeCase(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  input: { version: number; note?: string | undefined },
) {
  const c = await findCase(tx, actor, id, true);
  const action = c.status === 'failed' ? 'close_failed' : 'close';
  const events = await move(tx, actor, c, action, input.version, { note: input.note ?? null });
  await tellDispute(
    tx,
    actor,
    c,
    'mediation_closed',
    `调解案件 ${c.number} 已结案（${action === 'close' ? '调解成功' : '调解不成'}）`,
  );
  return { case: await getCase(tx, actor, id), events };
}

// ---------------------------------------------------------------------------------------------------------
// The agreement, in full, for the PDF

export async function agreementForPdf(tx: DbOrTx, vault: Vault, actor: Actor, id: string, reason: string) {
  assertCan(actor, 'subject:reveal');
  const c = await findCase(tx, actor, id);
  const a = await mdb(tx)
    .selectFrom('mediation_agreements')
    .selectAll()
    .where('matter_id', '=', id)
    .executeTakeFirst();
  if (!a) throw notFound(`调解协议 / agreement of case ${c.number}`);
  await audit(tx, actor, {
    action: 'mediation.agreement_pdf',
    entityType: 'matter',
    entityId: id,
    areaCode: c.area_code,
    reason,
    newValues: { case: c.number, parties: (a.parties as unknown as StoredParty[]).length },
  });
  return {
    number: c.number,
    committeeName: a.committee_name,
    mediatorName: a.mediator_name,
    agreedAt: a.agreed_at,
    parties: (a.parties as unknown as StoredParty[]).map((p) => ({
      role: p.role,
      name: p.name,
      gender: p.gender,
      age: p.age,
      idNumber: vault.decrypt(p.idNumberEnc, ID_AAD),
      address: p.address,
    })),
    facts: a.facts,
    issues: a.issues,
    responsibility: a.responsibility,
    terms: a.terms,
    performanceMethod: a.performance_method,
    performanceDeadline: a.performance_deadline,
    signedByParties: a.signed_by_parties,
    mediatorSigned: a.mediator_signed,
    committeeSealed: a.committee_sealed,
  };
}
export type AgreementDoc = Awaited<ReturnType<typeof agreementForPdf>>;

// ---------------------------------------------------------------------------------------------------------
// KPIs

const rate = (a: number, b: number) => (b > 0 ? a / b : null);

/**
 * 化解率 = settled ÷ (settled + failed) over the cases whose outcome fell in the period; the shares settled at
 * village and at town level are of the settled cases. Per child area of the chosen area, in the actor's scope.
 */
export async function kpis(db: DbOrTx, actor: Actor, query: KpiQuery) {
  assertCan(actor, 'matter:read');
  const areaCode = query.areaCode ?? actor.areaCode;
  if (!inScope(actor, areaCode))
    throw new AppError('AREA_OUT_OF_SCOPE', `区域 ${areaCode} 不在您的管辖范围内 / Area outside your scope`);
  let q = filtered(db, actor, { status: ['all'], areaCode })
    .clearSelect()
    .where('c.outcome', 'is not', null);
  if (query.from) q = q.where('c.outcome_at', '>=', new Date(`${query.from}T00:00:00+08:00`));
  if (query.to) q = q.where('c.outcome_at', '<', new Date(`${query.to}T00:00:00+08:00`));
  const rows = await q
    .select(['m.area_code', 'c.outcome', 'c.outcome_level', sql<string>`count(*)`.as('n')])
    .groupBy(['m.area_code', 'c.outcome', 'c.outcome_level'])
    .execute();
  const open = await filtered(db, actor, { status: ['all'], areaCode })
    .clearSelect()
    .where('c.outcome', 'is', null)
    .where('m.closed', '=', false)
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  const children = await db
    .selectFrom('areas')
    .select(['code', 'name'])
    .where('parent_code', '=', areaCode)
    .orderBy('code')
    .execute();
  type Acc = { settled: number; failed: number; village: number; town: number; county: number };
  const zero = (): Acc => ({ settled: 0, failed: 0, village: 0, town: 0, county: 0 });
  const total = zero();
  const per = new Map(children.map((ch) => [ch.code, zero()]));
  const prefixes = children.map((ch) => ({ code: ch.code, prefix: scopePrefix(ch.code) }));
  for (const r of rows) {
    const n = Number(r.n);
    const add = (a: Acc) => {
      if (r.outcome === 'settled') {
        a.settled += n;
        if (r.outcome_level) a[r.outcome_level] += n;
      } else a.failed += n;
    };
    add(total);
    const child = prefixes.find((p) => r.area_code.startsWith(p.prefix));
    if (child) add(per.get(child.code)!);
  }
  return {
    areaCode,
    from: query.from ?? null,
    to: query.to ?? null,
    settled: total.settled,
    failed: total.failed,
    finished: total.settled + total.failed,
    resolutionRate: rate(total.settled, total.settled + total.failed),
    settledByLevel: { village: total.village, town: total.town, county: total.county },
    villageShare: rate(total.village, total.settled),
    townShare: rate(total.town, total.settled),
    byArea: children
      .map((ch) => {
        const a = per.get(ch.code)!;
        return {
          areaCode: ch.code,
          areaName: ch.name,
          settled: a.settled,
          failed: a.failed,
          resolutionRate: rate(a.settled, a.settled + a.failed),
          villageShare: rate(a.village, a.settled),
          townShare: rate(a.town, a.settled),
        };
      })
      .filter((a) => a.settled + a.failed > 0),
    open: Number(open.n),
  };
}

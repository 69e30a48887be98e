import { type Selectable, type SqlBool, sql } from 'kysely';
import { type Actor, assertCan } from '../../core/access/actor.ts';
import { containsPattern, inScopeSql, underAreaSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import type { MatterRow } from '../../core/db/types.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import { matterEvent, visibleSql } from '../../core/matters/matters.service.ts';
import { h3Of } from '../../core/subjects/common.ts';
import type { Vault } from '../../core/subjects/vault.ts';
import type {
  FollowupListQuery,
  Referral,
  ReferralInput,
  ReferralListQuery,
  Station,
  StationFilters,
  StationInput,
  StationListQuery,
  VisitInput,
  VisitListQuery,
} from './court.schema.ts';
import {
  assertDay,
  assertPsych,
  chinaDay,
  encryptPhone,
  iso,
  maskedPhone,
  placeEntry,
} from './court.shared.ts';
import { type CourtStationsTable, kdb } from './court.tables.ts';
import { registryWrites } from './registry.ts';

/** The vault binds each ciphertext to its column. */
export const CONTACT_AAD = 'court_stations.contact_phone';
export const VISIT_AAD = 'court_visits.content';

// ---------------------------------------------------------------------------------------------------------
// The registry

function stationsQuery(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'court:read');
  return kdb(db)
    .selectFrom('court_stations as s')
    .leftJoin('areas as a', 'a.code', 's.area_code')
    .where(inScopeSql(actor, 's.area_code'))
    .selectAll('s')
    .select([
      'a.name as area_name',
      sql<string>`(select count(*) from court_referrals r where r.station_id = s.id and r.status in ('pending', 'accepted'))`.as(
        'referrals_open',
      ),
    ]);
}
type StationRow = Awaited<ReturnType<ReturnType<typeof stationsQuery>['executeTakeFirstOrThrow']>>;

function presentStation(vault: Vault, r: StationRow): Station {
  return {
    id: r.id,
    name: r.name,
    areaCode: r.area_code,
    areaName: r.area_name,
    address: r.address,
    point: r.lng !== null && r.lat !== null ? { lng: r.lng, lat: r.lat } : null,
    staff: r.staff,
    contact: { name: r.contact_name, phone: maskedPhone(vault, r.contact_phone_enc, CONTACT_AAD) },
    hours: r.hours,
    referralsOpen: Number(r.referrals_open),
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: iso(r.updated_at)!,
  };
}

function filteredStations(db: DbOrTx, actor: Actor, f: StationFilters) {
  let q = stationsQuery(db, actor);
  if (f.areaCode) q = q.where(underAreaSql(f.areaCode, 's.area_code'));
  if (f.q) {
    const like = containsPattern(f.q);
    q = q.where(sql<SqlBool>`(s.name like ${like} or s.address like ${like} or s.contact_name like ${like})`);
  }
  return q;
}

export async function listStations(db: DbOrTx, vault: Vault, actor: Actor, query: StationListQuery) {
  const base = filteredStations(db, actor, query);
  const [rows, count] = await Promise.all([
    base
      .orderBy('s.area_code')
      .orderBy('s.id')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    base.clearSelect().select(sql<string>`count(*)`.as('n')).executeTakeFirst(),
  ]);
  return {
    items: rows.map((r) => presentStation(vault, r)),
    total: Number(count?.n ?? 0),
    page: query.page,
    pageSize: query.pageSize,
  };
}

export async function stationsForExport(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  f: StationFilters,
  max: number,
) {
  const rows = await filteredStations(db, actor, f)
    .orderBy('s.area_code')
    .orderBy('s.id')
    .limit(max)
    .execute();
  return rows.map((r) => presentStation(vault, r));
}

export async function getStation(db: DbOrTx, vault: Vault, actor: Actor, id: string): Promise<Station> {
  const r = await stationsQuery(db, actor).where('s.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`心理服务站 / station ${id}`);
  return presentStation(vault, r);
}

async function stationColumns(tx: DbOrTx, vault: Vault, actor: Actor, input: StationInput) {
  const areaCode = await placeEntry(tx, actor, input.areaCode, input.point, 4);
  return {
    name: input.name,
    area_code: areaCode,
    address: input.address ?? null,
    lng: input.point?.lng ?? null,
    lat: input.point?.lat ?? null,
    h3: h3Of(input.point ?? null),
    staff: JSON.stringify(input.staff),
    contact_name: input.contact.name || null,
    contact_phone_enc: encryptPhone(vault, input.contact.phone, CONTACT_AAD, 'contact.phone'),
    hours: input.hours ?? null,
  };
}

type StationColumns = Awaited<ReturnType<typeof stationColumns>>;
const auditable = (c: StationColumns) => ({
  ...c,
  staff: JSON.parse(c.staff),
  contact_phone_enc: undefined,
  contactPhone: c.contact_phone_enc ? 'set' : 'none',
});

const stations = registryWrites<Selectable<CourtStationsTable>, StationInput, StationColumns, Station>({
  table: 'court_stations',
  what: '心理服务站 / station',
  entityType: 'psych_station',
  action: 'psych.station',
  stale: 'station',
  secret: 'contact_phone_enc',
  columns: stationColumns,
  auditable,
  get: getStation,
  usedBy: [
    { table: 'court_referrals', column: 'station_id' },
    { table: 'court_visits', column: 'station_id' },
  ],
  inUse:
    '该服务站已有转介或走访记录，不能删除 / This station has referrals or visits and is kept for the record',
  kept: (s) => ({ name: s.name }),
});

const stationRow = stations.row;
export const createStation = stations.create;
export const updateStation = stations.update;
/** Removes a station that was never used; one with referrals or visits is kept for the record (409). */
export const deleteStation = stations.remove;

// ---------------------------------------------------------------------------------------------------------
// Referrals

/** What may be referred: a dispute (the library's, or an event filed as a dispute) or a 极端情绪 alert. */
export function referable(m: Pick<MatterRow, 'type' | 'category'>): boolean {
  return (
    m.type === 'dispute' ||
    (m.type === 'event' && m.category === 'dispute') ||
    (m.type === 'alert' && m.category === 'extreme_emotion')
  );
}

function referralsQuery(db: DbOrTx, actor: Actor) {
  const q = kdb(db)
    .selectFrom('court_referrals as r')
    .innerJoin('court_stations as s', 's.id', 'r.station_id')
    .selectAll('r')
    .select('s.name as station_name');
  // The stations' staff see the referrals of their area; anyone else only the referrals they made.
  if (actor.permissions.has('psych:read')) return q.where(inScopeSql(actor, 'r.area_code'));
  assertCan(actor, 'matter:read');
  return q.where('r.referred_by', '=', actor.id ?? '0');
}
type ReferralRow = Awaited<ReturnType<ReturnType<typeof referralsQuery>['executeTakeFirstOrThrow']>>;

function presentReferral(r: ReferralRow): Referral {
  return {
    id: r.id,
    station: { id: r.station_id, name: r.station_name },
    areaCode: r.area_code,
    source: { id: r.source_matter_id, number: r.source_number, type: r.source_type },
    reason: r.reason,
    urgency: r.urgency,
    status: r.status,
    referredBy: r.referred_by_name,
    handledAt: iso(r.handled_at),
    handleNote: r.handle_note,
    createdAt: iso(r.created_at)!,
  };
}

export async function listReferrals(db: DbOrTx, actor: Actor, query: ReferralListQuery) {
  let q = referralsQuery(db, actor);
  if (query.status === 'open') q = q.where('r.status', 'in', ['pending', 'accepted']);
  else if (query.status) q = q.where('r.status', '=', query.status);
  if (query.stationId) q = q.where('r.station_id', '=', query.stationId);
  if (query.sourceMatterId) q = q.where('r.source_matter_id', '=', query.sourceMatterId);
  const [rows, count] = await Promise.all([
    q
      // Urgent and waiting first, then the newest.
      .orderBy(sql`case when r.status = 'pending' then 0 when r.status = 'accepted' then 1 else 2 end`)
      .orderBy(sql`case when r.urgency = 'urgent' then 0 else 1 end`)
      .orderBy('r.created_at', 'desc')
      .orderBy('r.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    q.clearSelect().select(sql<string>`count(*)`.as('n')).executeTakeFirst(),
  ]);
  return {
    items: rows.map(presentReferral),
    total: Number(count?.n ?? 0),
    page: query.page,
    pageSize: query.pageSize,
  };
}

/**
 * 转介: a dispute or a 极端情绪 alert sent to a station. The actor must act on matters and be able to see
 * the source (otherwise REFERRAL_SOURCE_NOT_FOUND — the same answer whether it is absent or out of sight);
 * the station must be in their scope. The source's timeline records that it was referred (not why).
 */
export async function createReferral(
  tx: DbOrTx,
  actor: Actor,
  input: ReferralInput,
  now = new Date(),
): Promise<{ referral: Referral; events: ZhiliEvent[] }> {
  assertCan(actor, 'matter:act');
  const m = await tx
    .selectFrom('matters')
    .selectAll()
    .where('id', '=', input.sourceMatterId)
    .where(visibleSql(actor))
    .forUpdate()
    .executeTakeFirst();
  if (!m) {
    throw new AppError(
      'REFERRAL_SOURCE_NOT_FOUND',
      '来源事项不存在或不在您的可见范围内，不能转介 / The source matter does not exist or you cannot see it',
      [{ path: 'sourceMatterId', code: 'REFERRAL_SOURCE_NOT_FOUND', message: 'not visible' }],
    );
  }
  if (!referable(m)) {
    throw new AppError(
      'REFERRAL_SOURCE_INVALID',
      '只能转介矛盾纠纷或极端情绪预警 / Only a dispute or an extreme-emotion alert can be referred',
      [{ path: 'sourceMatterId', message: `${m.type}/${m.category ?? ''}` }],
    );
  }
  const s = await stationRow(tx, actor, input.stationId);
  const row = await kdb(tx)
    .insertInto('court_referrals')
    .values({
      station_id: s.id,
      area_code: s.area_code,
      source_matter_id: m.id,
      source_number: m.number,
      source_type: m.type,
      reason: input.reason,
      urgency: input.urgency,
      referred_by: actor.id,
      referred_by_name: actor.displayName,
    })
    .onConflict((oc) =>
      oc
        .columns(['station_id', 'source_matter_id'])
        .where('status', 'in', ['pending', 'accepted'])
        .doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  if (!row) {
    throw new AppError(
      'CONFLICT',
      `事项 ${m.number} 已转介到该服务站，尚未办结 / ${m.number} is already referred to this station`,
    );
  }
  await tx
    .insertInto('matter_timeline')
    .values({
      matter_id: m.id,
      at: now,
      actor_id: actor.id,
      actor_name: actor.displayName,
      action: 'psych_referral',
      from_status: m.status,
      to_status: m.status,
      note: `已转介心理服务站：${s.name}`,
      data: JSON.stringify({ station: { id: s.id, name: s.name }, referral: row.id }),
    })
    .execute();
  await audit(tx, actor, {
    action: 'psych.referral.create',
    entityType: 'psych_referral',
    entityId: row.id,
    areaCode: s.area_code,
    newValues: { station: s.id, source: m.number, urgency: input.urgency },
  });
  const referral = presentReferral(
    await kdb(tx)
      .selectFrom('court_referrals as r')
      .innerJoin('court_stations as s', 's.id', 'r.station_id')
      .selectAll('r')
      .select('s.name as station_name')
      .where('r.id', '=', row.id)
      .executeTakeFirstOrThrow(),
  );
  return {
    referral,
    events: [matterEvent('matter.transitioned', m, actor, { action: 'psych_referral', referralId: row.id })],
  };
}

const NEXT: Record<
  'accept' | 'decline' | 'close',
  { from: string[]; to: 'accepted' | 'declined' | 'closed' }
> = {
  accept: { from: ['pending'], to: 'accepted' },
  decline: { from: ['pending'], to: 'declined' },
  close: { from: ['pending', 'accepted'], to: 'closed' },
};

/** 接收 / 退回 / 办结 a referral: the station's staff (psych:write) in its area. */
export async function handleReferral(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  action: 'accept' | 'decline' | 'close',
  note: string | undefined,
  now = new Date(),
): Promise<Referral> {
  assertPsych(actor, 'psych:write');
  const r = await kdb(tx)
    .selectFrom('court_referrals')
    .selectAll()
    .where('id', '=', id)
    .where(inScopeSql(actor))
    .forUpdate()
    .executeTakeFirst();
  if (!r) throw notFound(`转介 / referral ${id}`);
  const step = NEXT[action];
  if (!step.from.includes(r.status)) {
    throw new AppError(
      'INVALID_TRANSITION',
      `转介状态为 ${r.status}，不能${action} / Cannot ${action} a ${r.status} referral`,
    );
  }
  if (action === 'decline' && !note) {
    throw new AppError('REASON_REQUIRED', '退回须说明理由 / A reason is required', [
      { path: 'note', message: 'required' },
    ]);
  }
  await kdb(tx)
    .updateTable('court_referrals')
    .set({ status: step.to, handled_by: actor.id, handled_at: now, handle_note: note ?? null })
    .where('id', '=', id)
    .execute();
  await audit(tx, actor, {
    action: `psych.referral.${action}`,
    entityType: 'psych_referral',
    entityId: id,
    areaCode: r.area_code,
    oldValues: { status: r.status },
    newValues: { status: step.to },
  });
  return presentReferral(await referralsQuery(tx, actor).where('r.id', '=', id).executeTakeFirstOrThrow());
}

// ---------------------------------------------------------------------------------------------------------
// Visit records (psych:read / psych:write; content encrypted; every read audited)

function visitsQuery(db: DbOrTx, actor: Actor) {
  assertPsych(actor, 'psych:read');
  return kdb(db)
    .selectFrom('court_visits as v')
    .innerJoin('court_stations as s', 's.id', 'v.station_id')
    .where(inScopeSql(actor, 'v.area_code'))
    .selectAll('v')
    .select('s.name as station_name');
}
type VisitRow = Awaited<ReturnType<ReturnType<typeof visitsQuery>['executeTakeFirstOrThrow']>>;

function presentVisit(vault: Vault, r: VisitRow) {
  return {
    id: r.id,
    station: { id: r.station_id, name: r.station_name },
    areaCode: r.area_code,
    referralId: r.referral_id,
    visitedAt: iso(r.visited_at)!,
    personLabel: r.person_label,
    content: vault.decrypt(r.content_enc, VISIT_AAD),
    riskLevel: r.risk_level,
    recordedBy: r.recorded_by_name,
    createdAt: iso(r.created_at)!,
  };
}

/** Reading visit records is itself recorded: who read which records (ids, never the text). */
async function auditRead(db: DbOrTx, actor: Actor, ids: string[], areaCode: string | null) {
  const write = (tx: DbOrTx) =>
    audit(tx, actor, {
      action: 'psych.visit.read',
      entityType: 'psych_visit',
      entityId: ids.length === 1 ? ids[0]! : null,
      areaCode,
      newValues: { ids },
    });
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}

export async function listVisits(db: DbOrTx, vault: Vault, actor: Actor, query: VisitListQuery) {
  let q = visitsQuery(db, actor);
  if (query.stationId) q = q.where('v.station_id', '=', query.stationId);
  if (query.referralId) q = q.where('v.referral_id', '=', query.referralId);
  const [rows, count] = await Promise.all([
    q
      .orderBy('v.visited_at', 'desc')
      .orderBy('v.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    q.clearSelect().select(sql<string>`count(*)`.as('n')).executeTakeFirst(),
  ]);
  if (rows.length)
    await auditRead(
      db,
      actor,
      rows.map((r) => r.id),
      actor.areaCode,
    );
  return {
    items: rows.map((r) => presentVisit(vault, r)),
    total: Number(count?.n ?? 0),
    page: query.page,
    pageSize: query.pageSize,
  };
}

export async function getVisit(db: DbOrTx, vault: Vault, actor: Actor, id: string) {
  const r = await visitsQuery(db, actor).where('v.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`走访记录 / visit ${id}`);
  await auditRead(db, actor, [r.id], r.area_code);
  return presentVisit(vault, r);
}

/**
 * A visit record, with an optional follow-up: at a station in the actor's scope; a referral named must be
 * the station's and still open (a pending one is accepted by the visit). The audit keeps who, where and
 * when — never the text.
 */
export async function recordVisit(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  input: VisitInput,
  now = new Date(),
) {
  assertPsych(actor, 'psych:write');
  const s = await stationRow(tx, actor, input.stationId);
  const visitedAt = new Date(input.visitedAt);
  if (visitedAt.getTime() > now.getTime() + 5 * 60_000) {
    throw new AppError('VALIDATION_FAILED', '走访时间不能晚于现在 / The visit cannot be in the future', [
      { path: 'visitedAt', message: 'in the future' },
    ]);
  }
  if (input.referralId) {
    const r = await kdb(tx)
      .selectFrom('court_referrals')
      .select(['id', 'status', 'station_id'])
      .where('id', '=', input.referralId)
      .forUpdate()
      .executeTakeFirst();
    if (!r || r.station_id !== s.id || !['pending', 'accepted'].includes(r.status)) {
      throw new AppError(
        'VALIDATION_FAILED',
        '转介不属于该服务站或已办结 / Not an open referral of this station',
        [{ path: 'referralId', message: r ? r.status : 'unknown' }],
      );
    }
    if (r.status === 'pending') {
      await kdb(tx)
        .updateTable('court_referrals')
        .set({ status: 'accepted', handled_by: actor.id, handled_at: now })
        .where('id', '=', r.id)
        .execute();
    }
  }
  if (input.followUp) {
    assertDay(input.followUp.dueOn, 'followUp.dueOn');
    if (input.followUp.dueOn < chinaDay(now)) {
      throw new AppError(
        'VALIDATION_FAILED',
        '回访期限不能早于今天 / The follow-up cannot be due in the past',
        [{ path: 'followUp.dueOn', message: 'in the past' }],
      );
    }
  }
  const row = await kdb(tx)
    .insertInto('court_visits')
    .values({
      station_id: s.id,
      area_code: s.area_code,
      referral_id: input.referralId ?? null,
      visited_at: visitedAt,
      person_label: input.personLabel,
      content_enc: vault.encrypt(input.content, VISIT_AAD),
      risk_level: input.riskLevel,
      recorded_by: actor.id,
      recorded_by_name: actor.displayName,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.followUp) {
    await kdb(tx)
      .insertInto('court_followups')
      .values({
        visit_id: row.id,
        station_id: s.id,
        area_code: s.area_code,
        due_on: input.followUp.dueOn,
        plan: input.followUp.plan,
      })
      .execute();
  }
  await audit(tx, actor, {
    action: 'psych.visit.create',
    entityType: 'psych_visit',
    entityId: row.id,
    areaCode: s.area_code,
    newValues: {
      station: s.id,
      referral: input.referralId ?? null,
      visitedAt: visitedAt.toISOString(),
      riskLevel: input.riskLevel,
      followUp: input.followUp?.dueOn ?? null,
    },
  });
  return presentVisit(
    vault,
    await visitsQuery(tx, actor).where('v.id', '=', row.id).executeTakeFirstOrThrow(),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Follow-ups

function followupsQuery(db: DbOrTx, actor: Actor) {
  assertPsych(actor, 'psych:read');
  return kdb(db)
    .selectFrom('court_followups as f')
    .innerJoin('court_stations as s', 's.id', 'f.station_id')
    .innerJoin('court_visits as v', 'v.id', 'f.visit_id')
    .where(inScopeSql(actor, 'f.area_code'))
    .selectAll('f')
    .select(['s.name as station_name', 'v.person_label']);
}
type FollowupRow = Awaited<ReturnType<ReturnType<typeof followupsQuery>['executeTakeFirstOrThrow']>>;

function presentFollowup(r: FollowupRow, today: string) {
  const due = typeof r.due_on === 'string' ? r.due_on : (r.due_on as Date).toISOString().slice(0, 10);
  return {
    id: r.id,
    visitId: r.visit_id,
    station: { id: r.station_id, name: r.station_name },
    areaCode: r.area_code,
    personLabel: r.person_label,
    dueOn: due,
    plan: r.plan,
    overdue: r.done_at === null && due < today,
    doneAt: iso(r.done_at),
    doneNote: r.done_note,
  };
}

export async function listFollowups(db: DbOrTx, actor: Actor, query: FollowupListQuery, now = new Date()) {
  const today = chinaDay(now);
  let q = followupsQuery(db, actor);
  if (query.state === 'open') q = q.where('f.done_at', 'is', null);
  if (query.state === 'overdue') q = q.where('f.done_at', 'is', null).where('f.due_on', '<', today);
  if (query.state === 'done') q = q.where('f.done_at', 'is not', null);
  if (query.stationId) q = q.where('f.station_id', '=', query.stationId);
  const [rows, count, overdue] = await Promise.all([
    q
      .orderBy('f.due_on')
      .orderBy('f.id')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    q.clearSelect().select(sql<string>`count(*)`.as('n')).executeTakeFirst(),
    followupsQuery(db, actor)
      .clearSelect()
      .select(sql<string>`count(*)`.as('n'))
      .where('f.done_at', 'is', null)
      .where('f.due_on', '<', today)
      .executeTakeFirst(),
  ]);
  return {
    items: rows.map((r) => presentFollowup(r, today)),
    total: Number(count?.n ?? 0),
    overdue: Number(overdue?.n ?? 0),
    page: query.page,
    pageSize: query.pageSize,
  };
}

export async function createFollowup(
  tx: DbOrTx,
  actor: Actor,
  input: { visitId: string; dueOn: string; plan: string },
  now = new Date(),
) {
  assertPsych(actor, 'psych:write');
  assertDay(input.dueOn, 'dueOn');
  if (input.dueOn < chinaDay(now)) {
    throw new AppError(
      'VALIDATION_FAILED',
      '回访期限不能早于今天 / The follow-up cannot be due in the past',
      [{ path: 'dueOn', message: 'in the past' }],
    );
  }
  const v = await kdb(tx)
    .selectFrom('court_visits')
    .select(['id', 'station_id', 'area_code'])
    .where('id', '=', input.visitId)
    .where(inScopeSql(actor))
    .executeTakeFirst();
  if (!v) throw notFound(`走访记录 / visit ${input.visitId}`);
  const row = await kdb(tx)
    .insertInto('court_followups')
    .values({
      visit_id: v.id,
      station_id: v.station_id,
      area_code: v.area_code,
      due_on: input.dueOn,
      plan: input.plan,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await audit(tx, actor, {
    action: 'psych.followup.create',
    entityType: 'psych_followup',
    entityId: row.id,
    areaCode: v.area_code,
    newValues: { visit: v.id, dueOn: input.dueOn },
  });
  return presentFollowup(
    await followupsQuery(tx, actor).where('f.id', '=', row.id).executeTakeFirstOrThrow(),
    chinaDay(now),
  );
}

export async function completeFollowup(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  note: string | undefined,
  now = new Date(),
) {
  assertPsych(actor, 'psych:write');
  const f = await kdb(tx)
    .selectFrom('court_followups')
    .selectAll()
    .where('id', '=', id)
    .where(inScopeSql(actor))
    .forUpdate()
    .executeTakeFirst();
  if (!f) throw notFound(`回访 / follow-up ${id}`);
  if (f.done_at) throw new AppError('CONFLICT', '该回访已完成 / This follow-up is already done');
  await kdb(tx)
    .updateTable('court_followups')
    .set({ done_at: now, done_note: note ?? null, done_by: actor.id })
    .where('id', '=', id)
    .execute();
  await audit(tx, actor, {
    action: 'psych.followup.done',
    entityType: 'psych_followup',
    entityId: id,
    areaCode: f.area_code,
  });
  return presentFollowup(
    await followupsQuery(tx, actor).where('f.id', '=', id).executeTakeFirstOrThrow(),
    chinaDay(now),
  );
}

import { type Selectable, type SqlBool, sql } from 'kysely';
import { type Actor, assertCan } from '../../core/access/actor.ts';
import { containsPattern, inScopeSql, underAreaSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import { findMatterRow, matterEvent } from '../../core/matters/matters.service.ts';
import { h3Of } from '../../core/subjects/common.ts';
import type { Vault } from '../../core/subjects/vault.ts';
import { type Crs, parseBbox, toCrs } from '../map/map.geo.ts';
import {
  BOOKING_KIND_NAMES,
  type Booking,
  type BookingInput,
  COURT_KIND_NAMES,
  type Court,
  type CourtFilters,
  type CourtInput,
  type CourtListQuery,
  type UseInput,
} from './court.schema.ts';
import {
  addDays,
  assertDay,
  chinaDay,
  chinaInstant,
  chinaMinutes,
  encryptPhone,
  hhmm,
  hhmmToMinutes,
  iso,
  isoWeekday,
  maskedPhone,
  placeEntry,
} from './court.shared.ts';
import { type CourtCourtsTable, kdb } from './court.tables.ts';
import { registryWrites } from './registry.ts';

/** The vault binds each liaison phone's ciphertext to this column. */
export const LIAISON_AAD = 'court_courts.liaison_phone';

// ---------------------------------------------------------------------------------------------------------
// The registry

function courtsQuery(db: DbOrTx, actor: Actor, now = new Date()) {
  assertCan(actor, 'court:read');
  return kdb(db)
    .selectFrom('court_courts as c')
    .leftJoin('areas as a', 'a.code', 'c.area_code')
    .where(inScopeSql(actor, 'c.area_code'))
    .selectAll('c')
    .select([
      'a.name as area_name',
      sql<string>`(select count(*) from court_bookings b where b.court_id = c.id and b.status = 'booked' and b.starts_at >= ${now})`.as(
        'bookings_upcoming',
      ),
      sql<string>`(select count(*) from court_uses u where u.court_id = c.id)`.as('uses_total'),
    ]);
}

type CourtRow = Awaited<ReturnType<ReturnType<typeof courtsQuery>['executeTakeFirstOrThrow']>>;

function presentCourt(vault: Vault, r: CourtRow): Court {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    kindName: COURT_KIND_NAMES[r.kind],
    areaCode: r.area_code,
    areaName: r.area_name,
    address: r.address,
    point: r.lng !== null && r.lat !== null ? { lng: r.lng, lat: r.lat } : null,
    liaison: { name: r.liaison_name, phone: maskedPhone(vault, r.liaison_phone_enc, LIAISON_AAD) },
    judge: { name: r.judge_name, court: r.judge_court },
    services: r.services,
    openDays: r.open_days.map(Number),
    openFrom: r.open_from,
    openTo: r.open_to,
    slotMinutes: r.slot_minutes,
    bookingsUpcoming: Number(r.bookings_upcoming),
    usesTotal: Number(r.uses_total),
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: iso(r.updated_at)!,
  };
}

function filteredCourts(db: DbOrTx, actor: Actor, f: CourtFilters) {
  let q = courtsQuery(db, actor);
  if (f.kind) q = q.where('c.kind', '=', f.kind);
  if (f.areaCode) q = q.where(underAreaSql(f.areaCode, 'c.area_code'));
  if (f.q) {
    const like = containsPattern(f.q);
    q = q.where(
      sql<SqlBool>`(c.name like ${like} or c.address like ${like} or c.liaison_name like ${like} or c.judge_name like ${like})`,
    );
  }
  return q;
}

export async function listCourts(db: DbOrTx, vault: Vault, actor: Actor, query: CourtListQuery) {
  const base = filteredCourts(db, actor, query);
  const [rows, count] = await Promise.all([
    base
      .orderBy('c.area_code')
      .orderBy('c.id')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    base.clearSelect().select(sql<string>`count(*)`.as('n')).executeTakeFirst(),
  ]);
  return {
    items: rows.map((r) => presentCourt(vault, r)),
    total: Number(count?.n ?? 0),
    page: query.page,
    pageSize: query.pageSize,
  };
}

/** Every court of a filter in the registry's order, for the export (at most `max`). */
export async function courtsForExport(db: DbOrTx, vault: Vault, actor: Actor, f: CourtFilters, max: number) {
  const rows = await filteredCourts(db, actor, f).orderBy('c.area_code').orderBy('c.id').limit(max).execute();
  return rows.map((r) => presentCourt(vault, r));
}

export async function getCourt(db: DbOrTx, vault: Vault, actor: Actor, id: string): Promise<Court> {
  const r = await courtsQuery(db, actor).where('c.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(`共享法庭 / court ${id}`);
  return presentCourt(vault, r);
}

function hoursValid(input: CourtInput) {
  const from = hhmmToMinutes(input.openFrom);
  const to = hhmmToMinutes(input.openTo);
  if (to - from < input.slotMinutes) {
    throw new AppError(
      'VALIDATION_FAILED',
      '开放时间应晚于开始时间且至少容纳一个时段 / Open hours must hold at least one slot',
      [{ path: 'openTo', message: 'before openFrom + slotMinutes' }],
    );
  }
}

async function courtColumns(tx: DbOrTx, vault: Vault, actor: Actor, input: CourtInput) {
  hoursValid(input);
  const areaCode = await placeEntry(tx, actor, input.areaCode, input.point, input.kind === 'town' ? 3 : 4);
  const services = [...new Set(input.services)];
  return {
    name: input.name,
    kind: input.kind,
    area_code: areaCode,
    address: input.address ?? null,
    lng: input.point?.lng ?? null,
    lat: input.point?.lat ?? null,
    h3: h3Of(input.point ?? null),
    liaison_name: input.liaison.name,
    liaison_phone_enc: encryptPhone(vault, input.liaison.phone, LIAISON_AAD, 'liaison.phone'),
    judge_name: input.judge.name || null,
    judge_court: input.judge.court || null,
    services,
    open_days: [...new Set(input.openDays)].sort(),
    open_from: input.openFrom,
    open_to: input.openTo,
    slot_minutes: input.slotMinutes,
  };
}

/** What the audit keeps of a court: everything but the liaison's phone, which is only said to be set. */
type CourtColumns = Awaited<ReturnType<typeof courtColumns>>;
const auditable = (c: CourtColumns) => ({
  ...c,
  liaison_phone_enc: undefined,
  liaisonPhone: c.liaison_phone_enc ? 'set' : 'none',
});

const courts = registryWrites<Selectable<CourtCourtsTable>, CourtInput, CourtColumns, Court>({
  table: 'court_courts',
  what: '共享法庭 / court',
  entityType: 'court',
  action: 'court',
  stale: 'court',
  secret: 'liaison_phone_enc',
  columns: courtColumns,
  auditable,
  get: getCourt,
  usedBy: [
    { table: 'court_bookings', column: 'court_id' },
    { table: 'court_uses', column: 'court_id' },
  ],
  inUse: '该法庭已有预约或使用记录，不能删除 / This court has bookings or uses and is kept for the record',
  kept: (c) => ({ name: c.name, kind: c.kind }),
});

const courtRow = courts.row;
export const createCourt = courts.create;
export const updateCourt = courts.update;
/** Removes a court that was never used; one with bookings or uses is kept for the record (409). */
export const deleteCourt = courts.remove;

/** The liaison's phone in full, for a stated reason: `subject:reveal`, audited (reason, never the number). */
export async function revealLiaison(tx: DbOrTx, vault: Vault, actor: Actor, id: string, reason: string) {
  assertCan(actor, 'subject:reveal');
  const c = await courtRow(tx, actor, id);
  await audit(tx, actor, {
    action: 'court.liaison.reveal',
    entityType: 'court',
    entityId: id,
    areaCode: c.area_code,
    reason,
    newValues: { fields: ['liaison.phone'] },
  });
  return { phone: c.liaison_phone_enc ? vault.decrypt(c.liaison_phone_enc, LIAISON_AAD) : null };
}

// ---------------------------------------------------------------------------------------------------------
// The map layer

/**
 * Points of a registry table in scope (and in the box), for the map. The box is read and checked by the
 * map's own parser (INVALID_BBOX, BBOX_TOO_LARGE, BBOX_OUTSIDE_CHINA), in `crs`, and the points answered in
 * it: the map's one GCJ-02 conversion.
 */
export async function layerPoints(
  db: DbOrTx,
  actor: Actor,
  layer: 'courts' | 'stations',
  bbox: string | undefined,
  limit: number,
  crs: Crs = 'wgs84',
) {
  assertCan(actor, 'court:read');
  const box = bbox ? parseBbox(bbox, crs) : null;
  const table = layer === 'courts' ? 'court_courts' : 'court_stations';
  let q = kdb(db)
    .selectFrom(table)
    .where(inScopeSql(actor))
    .where('lng', 'is not', null)
    .where('lat', 'is not', null);
  if (box) {
    q = q
      .where('lng', '>=', box[0])
      .where('lat', '>=', box[1])
      .where('lng', '<=', box[2])
      .where('lat', '<=', box[3]);
  }
  const kind = layer === 'courts' ? sql<string>`kind` : sql<string>`'station'`;
  const rows = await q
    .select(['id', 'name', 'lng', 'lat', 'area_code', kind.as('kind')])
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const total =
    rows.length > limit
      ? Number((await q.select(sql<string>`count(*)`.as('n')).executeTakeFirst())?.n ?? 0)
      : rows.length;
  return {
    layer,
    points: rows.slice(0, limit).map((r) => {
      const [lng, lat] = toCrs(r.lng!, r.lat!, crs);
      return { id: r.id, lng, lat, name: r.name, kind: r.kind, areaCode: r.area_code };
    }),
    total,
    truncated: rows.length > limit,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Bookings

function bookingsQuery(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'court:read');
  return kdb(db)
    .selectFrom('court_bookings as b')
    .innerJoin('court_courts as c', 'c.id', 'b.court_id')
    .leftJoin('matters as m', 'm.id', 'b.matter_id')
    .where(inScopeSql(actor, 'b.area_code'))
    .selectAll('b')
    .select(['c.name as court_name', 'm.number as matter_number']);
}
type BookingRow = Awaited<ReturnType<ReturnType<typeof bookingsQuery>['executeTakeFirstOrThrow']>>;

function presentBooking(r: BookingRow): Booking {
  return {
    id: r.id,
    courtId: r.court_id,
    courtName: r.court_name,
    areaCode: r.area_code,
    startsAt: iso(r.starts_at)!,
    endsAt: iso(r.ends_at)!,
    kind: r.kind,
    kindName: BOOKING_KIND_NAMES[r.kind],
    title: r.title,
    partiesCount: r.parties_count,
    matter: r.matter_id && r.matter_number ? { id: r.matter_id, number: r.matter_number } : null,
    status: r.status,
    bookedBy: r.booked_by_name,
    cancelledAt: iso(r.cancelled_at),
    cancelReason: r.cancel_reason,
    createdAt: iso(r.created_at)!,
  };
}

export async function listBookings(
  db: DbOrTx,
  actor: Actor,
  courtId: string,
  q: { from?: string | undefined; to?: string | undefined; includeCancelled: 'true' | 'false' },
) {
  await courtRow(db, actor, courtId);
  const from = q.from ?? chinaDay(new Date());
  const to = q.to ?? addDays(from, 30);
  assertDay(from, 'from');
  assertDay(to, 'to');
  if (to < from || Date.parse(to) - Date.parse(from) > 93 * 86_400_000) {
    throw new AppError('INVALID_TIME_RANGE', '时间范围无效（最多 93 天）/ Invalid range (at most 93 days)');
  }
  let query = bookingsQuery(db, actor)
    .where('b.court_id', '=', courtId)
    .where('b.starts_at', '>=', chinaInstant(from, 0))
    .where('b.starts_at', '<', chinaInstant(addDays(to, 1), 0));
  if (q.includeCancelled === 'false') query = query.where('b.status', '<>', 'cancelled');
  const rows = await query.orderBy('b.starts_at').orderBy('b.id').limit(2000).execute();
  return { items: rows.map(presentBooking) };
}

/** The day's slots of a court (China time) with what is booked in each. */
export async function courtSlots(db: DbOrTx, actor: Actor, courtId: string, day: string, now = new Date()) {
  assertDay(day, 'date');
  const c = await courtRow(db, actor, courtId);
  const open = c.open_days.map(Number).includes(isoWeekday(day));
  const from = hhmmToMinutes(c.open_from);
  const to = hhmmToMinutes(c.open_to);
  const rows = await bookingsQuery(db, actor)
    .where('b.court_id', '=', courtId)
    .where('b.status', '<>', 'cancelled')
    .where('b.starts_at', '>=', chinaInstant(day, 0))
    .where('b.starts_at', '<', chinaInstant(addDays(day, 1), 0))
    .execute();
  const bookings = rows.map(presentBooking);
  const slots = [];
  for (let m = from; open && m + c.slot_minutes <= to; m += c.slot_minutes) {
    const s = chinaInstant(day, m);
    const e = chinaInstant(day, m + c.slot_minutes);
    slots.push({
      startsAt: s.toISOString(),
      endsAt: e.toISOString(),
      past: s <= now,
      booking:
        bookings.find((b) => Date.parse(b.startsAt) < e.getTime() && Date.parse(b.endsAt) > s.getTime()) ??
        null,
    });
  }
  return { date: day, open, slotMinutes: c.slot_minutes, slots };
}

const slotTaken = (start: Date) =>
  new AppError(
    'SLOT_TAKEN',
    `该时段（${chinaDay(start)} ${hhmm(chinaMinutes(start))}）已被预约，请选择其他时段 / This slot is already booked: choose another`,
    [{ path: 'startsAt', code: 'SLOT_TAKEN', message: 'booked' }],
  );

/**
 * Books one slot: within the court's open days and hours, on the slot grid from its opening time, not in the
 * past. Two bookings of one slot cannot both win: the insert skips on the unique index of live bookings
 * (court, start) — a concurrent winner's row makes this one wait and then insert nothing — and SLOT_TAKEN
 * follows. A linked matter (visible to the actor) gets a timeline entry; the event comes back for after commit.
 */
export async function bookSlot(
  tx: DbOrTx,
  actor: Actor,
  courtId: string,
  input: BookingInput,
  now = new Date(),
): Promise<{ booking: Booking; events: ZhiliEvent[] }> {
  assertCan(actor, 'court:book');
  const c = await courtRow(tx, actor, courtId);
  const start = new Date(input.startsAt);
  const day = chinaDay(start);
  const min = chinaMinutes(start);
  const from = hhmmToMinutes(c.open_from);
  const to = hhmmToMinutes(c.open_to);
  const problems: string[] = [];
  if (start.getUTCSeconds() !== 0 || start.getUTCMilliseconds() !== 0) problems.push('not on a whole minute');
  if (!c.open_days.map(Number).includes(isoWeekday(day))) problems.push('the court is closed that day');
  if (min < from || min + c.slot_minutes > to) problems.push('outside the open hours');
  else if ((min - from) % c.slot_minutes !== 0)
    problems.push(`not a slot start (every ${c.slot_minutes} min)`);
  if (start <= now) problems.push('in the past');
  if (problems.length) {
    throw new AppError(
      'SLOT_INVALID',
      `不是可预约的时段（${c.open_from}–${c.open_to}，每 ${c.slot_minutes} 分钟）/ Not a bookable slot: ${problems.join('; ')}`,
      problems.map((p) => ({ path: 'startsAt', message: p })),
    );
  }
  const end = new Date(start.getTime() + c.slot_minutes * 60_000);
  const matter = input.matterId ? await findMatterRow(tx, actor, input.matterId, true) : null;
  const db = kdb(tx);
  // A booking made under an earlier slot length may overlap this slot without sharing its start.
  const overlap = await db
    .selectFrom('court_bookings')
    .select('id')
    .where('court_id', '=', courtId)
    .where('status', '<>', 'cancelled')
    .where('starts_at', '<', end)
    .where('ends_at', '>', start)
    .executeTakeFirst();
  if (overlap) throw slotTaken(start);
  const row = await db
    .insertInto('court_bookings')
    .values({
      court_id: courtId,
      area_code: c.area_code,
      starts_at: start,
      ends_at: end,
      kind: input.kind,
      title: input.title,
      parties_count: input.partiesCount,
      matter_id: matter?.id ?? null,
      booked_by: actor.id,
      booked_by_name: actor.displayName,
    })
    .onConflict((oc) => oc.columns(['court_id', 'starts_at']).where('status', '<>', 'cancelled').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) throw slotTaken(start);
  const events: ZhiliEvent[] = [];
  if (matter) {
    await tx
      .insertInto('matter_timeline')
      .values({
        matter_id: matter.id,
        at: now,
        actor_id: actor.id,
        actor_name: actor.displayName,
        action: 'court_booking',
        from_status: matter.status,
        to_status: matter.status,
        note: `已预约共享法庭 ${c.name} ${day} ${hhmm(min)}（${BOOKING_KIND_NAMES[input.kind].zh}）`,
        data: JSON.stringify({
          court: { id: c.id, name: c.name },
          booking: row.id,
          startsAt: start.toISOString(),
        }),
      })
      .execute();
    events.push(
      matterEvent('matter.transitioned', matter, actor, { action: 'court_booking', bookingId: row.id }),
    );
  }
  await audit(tx, actor, {
    action: 'court.booking.create',
    entityType: 'court_booking',
    entityId: row.id,
    areaCode: c.area_code,
    newValues: {
      court: c.id,
      startsAt: start.toISOString(),
      kind: input.kind,
      partiesCount: input.partiesCount,
      matter: matter?.number ?? null,
    },
  });
  const booking = presentBooking(
    await bookingsQuery(tx, actor).where('b.id', '=', row.id).executeTakeFirstOrThrow(),
  );
  return { booking, events };
}

/** Cancels a live booking (with a reason); the slot is free again. Its matter's timeline says so. */
export async function cancelBooking(
  tx: DbOrTx,
  actor: Actor,
  id: string,
  reason: string,
  now = new Date(),
): Promise<{ booking: Booking; events: ZhiliEvent[] }> {
  assertCan(actor, 'court:book');
  const b = await kdb(tx)
    .selectFrom('court_bookings')
    .selectAll()
    .where('id', '=', id)
    .where(inScopeSql(actor))
    .forUpdate()
    .executeTakeFirst();
  if (!b) throw notFound(`预约 / booking ${id}`);
  if (b.status !== 'booked') {
    throw new AppError(
      'CONFLICT',
      `该预约已${b.status === 'used' ? '使用' : '取消'} / This booking is ${b.status}`,
    );
  }
  await kdb(tx)
    .updateTable('court_bookings')
    .set({ status: 'cancelled', cancelled_at: now, cancel_reason: reason })
    .where('id', '=', id)
    .execute();
  const events: ZhiliEvent[] = [];
  if (b.matter_id) {
    const m = await tx.selectFrom('matters').selectAll().where('id', '=', b.matter_id).executeTakeFirst();
    if (m) {
      await tx
        .insertInto('matter_timeline')
        .values({
          matter_id: m.id,
          at: now,
          actor_id: actor.id,
          actor_name: actor.displayName,
          action: 'court_booking_cancel',
          from_status: m.status,
          to_status: m.status,
          note: `已取消共享法庭预约：${reason}`,
          data: JSON.stringify({ booking: id }),
        })
        .execute();
      events.push(
        matterEvent('matter.transitioned', m, actor, { action: 'court_booking_cancel', bookingId: id }),
      );
    }
  }
  await audit(tx, actor, {
    action: 'court.booking.cancel',
    entityType: 'court_booking',
    entityId: id,
    areaCode: b.area_code,
    reason,
    oldValues: { status: b.status },
    newValues: { status: 'cancelled' },
  });
  const booking = presentBooking(
    await bookingsQuery(tx, actor).where('b.id', '=', id).executeTakeFirstOrThrow(),
  );
  return { booking, events };
}

// ---------------------------------------------------------------------------------------------------------
// The use log

function presentUse(r: {
  id: string;
  court_id: string;
  used_on: string | Date;
  kind: string;
  parties_count: number;
  outcome: string;
  note: string | null;
  booking_id: string | null;
  recorded_by_name: string;
  created_at: Date | string;
}) {
  return {
    id: r.id,
    courtId: r.court_id,
    usedOn: typeof r.used_on === 'string' ? r.used_on : r.used_on.toISOString().slice(0, 10),
    kind: r.kind as UseInput['kind'],
    partiesCount: r.parties_count,
    outcome: r.outcome as UseInput['outcome'],
    note: r.note,
    bookingId: r.booking_id,
    recordedBy: r.recorded_by_name,
    createdAt: iso(r.created_at)!,
  };
}

export async function listUses(db: DbOrTx, actor: Actor, courtId: string, page: number, pageSize: number) {
  await courtRow(db, actor, courtId);
  const base = kdb(db).selectFrom('court_uses').where('court_id', '=', courtId).where(inScopeSql(actor));
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy('used_on', 'desc')
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
    base.select(sql<string>`count(*)`.as('n')).executeTakeFirst(),
  ]);
  return { items: rows.map(presentUse), total: Number(count?.n ?? 0), page, pageSize };
}

/** Records one use of a court; naming a booking of the court marks it used (once). */
export async function recordUse(
  tx: DbOrTx,
  actor: Actor,
  courtId: string,
  input: UseInput,
  now = new Date(),
) {
  assertCan(actor, 'court:book');
  assertDay(input.usedOn, 'usedOn');
  if (input.usedOn > chinaDay(now)) {
    throw new AppError('VALIDATION_FAILED', '使用日期不能晚于今天 / The day of use cannot be in the future', [
      { path: 'usedOn', message: 'in the future' },
    ]);
  }
  const c = await courtRow(tx, actor, courtId);
  if (input.bookingId) {
    const b = await kdb(tx)
      .selectFrom('court_bookings')
      .select(['id', 'status'])
      .where('id', '=', input.bookingId)
      .where('court_id', '=', courtId)
      .forUpdate()
      .executeTakeFirst();
    if (b?.status !== 'booked') {
      throw new AppError(
        'VALIDATION_FAILED',
        '预约不存在或已取消、已使用 / No such live booking of this court',
        [{ path: 'bookingId', message: b ? b.status : 'unknown' }],
      );
    }
    await kdb(tx).updateTable('court_bookings').set({ status: 'used' }).where('id', '=', b.id).execute();
  }
  const row = await kdb(tx)
    .insertInto('court_uses')
    .values({
      court_id: courtId,
      area_code: c.area_code,
      used_on: input.usedOn,
      kind: input.kind,
      parties_count: input.partiesCount,
      outcome: input.outcome,
      note: input.note ?? null,
      booking_id: input.bookingId ?? null,
      recorded_by: actor.id,
      recorded_by_name: actor.displayName,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(tx, actor, {
    action: 'court.use.create',
    entityType: 'court_use',
    entityId: row.id,
    areaCode: c.area_code,
    newValues: { court: courtId, ...input },
  });
  return presentUse(row);
}

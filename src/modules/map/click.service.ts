import { gridDisk } from 'h3-js';
import { sql } from 'kysely';
import { type Actor, assertCan, can } from '../../core/access/actor.ts';
import { inScopeSql, underAreaSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { notFound } from '../../core/errors.ts';
import { visibleSql } from '../../core/matters/matters.service.ts';
import { matterTypes } from '../../core/matters/registry.ts';
import { getEnterprise } from '../../core/subjects/enterprises.service.ts';
import { maskName, type Vault } from '../../core/subjects/vault.ts';
import { cstDate } from '../../core/workflow/deadlines.ts';
import { type Crs, toCrs } from './map.geo.ts';
import type { AlertLevel } from './map.schema.ts';

/**
 * Click to know: a house (its residents masked and counted, enterprises, matters and alerts at it), an
 * enterprise (its disputes and alerts), an area (its KPIs and queues). Records are those the actor may see:
 * subjects in their scope, matters visible to them (visibleSql, as in the matter card).
 */

/** Matters within this distance of a house are "at" it, besides those naming it as a party. */
export const NEARBY_M = 30;
const LIST_MAX = 50;

interface MatterRefRow {
  id: string;
  number: string;
  type: string;
  title: string;
  status: string;
  closed: boolean;
  created_at: Date;
  level: AlertLevel | null;
  link: 'party' | 'nearby';
}

const ref = (r: MatterRefRow) => ({
  id: r.id,
  number: r.number,
  type: r.type,
  title: r.title,
  status: r.status,
  closed: r.closed,
  createdAt: r.created_at.toISOString(),
});
const alertRef = (r: MatterRefRow) => ({ ...ref(r), level: r.level });

/** Whole years between a birth date ('YYYY-MM-DD') and today (China time). */
function ageOf(birth: string | null, today: string): number | null {
  if (!birth) return null;
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/**
 * A house on the map, in the caller's transaction (the click is audited in it). Residents are only ever
 * counted and listed masked (surname, gender, age); the audit entry (`map.house.view`) holds the count,
 * never names. Matters are those naming the house as a party (matter_parties) and those placed within 30 m
 * of it (its h3 cell and the six around it, then the distance on a local flat approximation), newest first.
 */
export async function houseClick(tx: DbOrTx, actor: Actor, id: string, crs: Crs) {
  assertCan(actor, 'subject:read');
  const house = await tx
    .selectFrom('houses')
    .select(['id', 'area_code', 'address', 'kind', 'floors', 'lng', 'lat', 'h3'])
    .where('id', '=', id)
    .where(inScopeSql(actor))
    .executeTakeFirst();
  if (!house) throw notFound(`房屋 / house ${id}`);
  const [count, residents, enterprises] = await Promise.all([
    tx
      .selectFrom('persons')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('house_id', '=', id)
      .where(inScopeSql(actor))
      .executeTakeFirstOrThrow(),
    tx
      .selectFrom('persons')
      .select(['name', 'gender', 'birth_date'])
      .where('house_id', '=', id)
      .where(inScopeSql(actor))
      .orderBy('id')
      .limit(LIST_MAX)
      .execute(),
    tx
      .selectFrom('enterprises')
      .select(['id', 'name', 'industry'])
      .where('house_id', '=', id)
      .where(inScopeSql(actor))
      .orderBy('id')
      .limit(LIST_MAX)
      .execute(),
  ]);
  const linked = can(actor, 'matter:read') ? await mattersAtHouse(tx, actor, house) : [];
  const today = cstDate(new Date());
  const residentCount = Number(count.n);
  if (residentCount > 0) {
    await audit(tx, actor, {
      action: 'map.house.view',
      entityType: 'house',
      entityId: house.id,
      areaCode: house.area_code,
      newValues: { residents: residentCount, listed: residents.length, masked: true },
    });
  }
  const [lng, lat] = house.lng != null && house.lat != null ? toCrs(house.lng, house.lat, crs) : [null, null];
  return {
    house: {
      id: house.id,
      areaCode: house.area_code,
      address: house.address,
      kind: house.kind,
      floors: house.floors,
      lng,
      lat,
    },
    residents: {
      count: residentCount,
      list: residents.map((p) => ({
        name: maskName(p.name),
        gender: p.gender,
        age: ageOf(p.birth_date, today),
      })),
    },
    enterprises: enterprises.map((e) => ({ id: e.id, name: e.name, industry: e.industry })),
    matters: linked.filter((m) => m.type !== 'alert').map((m) => ({ ...ref(m), link: m.link })),
    alerts: linked.filter((m) => m.type === 'alert').map((m) => ({ ...alertRef(m), link: m.link })),
  };
}

async function mattersAtHouse(
  db: DbOrTx,
  actor: Actor,
  h: { id: string; lng: number | null; lat: number | null; h3: string | null },
): Promise<MatterRefRow[]> {
  // The house's cell and its neighbours (res 9, ~170 m edge) hold every point within 30 m of it.
  const near =
    h.h3 && h.lng != null && h.lat != null
      ? sql`
        union
        select m.id, 'nearby' as link
        from matters m
        where m.h3 = any(${gridDisk(h.h3, 1)}::text[])
          and sqrt(power((m.lng - ${h.lng}) * 111320 * cos(radians(${h.lat})), 2)
                   + power((m.lat - ${h.lat}) * 110540, 2)) <= ${NEARBY_M}`
      : sql``;
  const r = await sql<MatterRefRow>`
    with linked as (
      select p.matter_id as id, 'party' as link
      from matter_parties p
      where p.subject_type = 'house' and p.subject_id = ${h.id}
      ${near}
    ),
    one as (
      -- A matter both naming the house and near it is listed once, as a party.
      select id, max(link) as link from linked group by id
    )
    select m.id::text as id, m.number, m.type, m.title, m.status, m.closed, m.created_at,
           m.payload->>'level' as level, one.link
    from one join matters m on m.id = one.id
    where ${visibleSql(actor)}
    order by m.created_at desc, m.id desc
    limit ${LIST_MAX * 2}`.execute(db);
  return r.rows;
}

/** An enterprise on the map: its record (phone masked), the disputes, hazards and alerts naming it as a party. */
export async function enterpriseClick(db: DbOrTx, vault: Vault, actor: Actor, id: string, crs: Crs) {
  assertCan(actor, 'subject:read');
  const e = await getEnterprise(db, vault, actor, id);
  let disputes: MatterRefRow[] = [];
  let alerts: MatterRefRow[] = [];
  let hazards: MatterRefRow[] = [];
  if (can(actor, 'matter:read')) {
    const r = await sql<MatterRefRow>`
      select m.id::text as id, m.number, m.type, m.title, m.status, m.closed, m.created_at,
             m.payload->>'level' as level, 'party' as link
      from matter_parties p join matters m on m.id = p.matter_id
      where p.subject_type = 'enterprise' and p.subject_id = ${id} and ${visibleSql(actor)}
      order by m.created_at desc, m.id desc
      limit 500`.execute(db);
    // A matter names an enterprise once per role (申请人, 被申请人…): listed once.
    const seen = new Set<string>();
    const rows = r.rows.filter((x) => !seen.has(x.id) && seen.add(x.id));
    disputes = rows.filter((x) => x.type === 'dispute').slice(0, LIST_MAX);
    alerts = rows.filter((x) => x.type === 'alert').slice(0, LIST_MAX);
    hazards = rows.filter((x) => x.type === 'hazard').slice(0, LIST_MAX);
  }
  const [lng, lat] = e.point ? toCrs(e.point.lng, e.point.lat, crs) : [null, null];
  return {
    enterprise: {
      id: e.id,
      areaCode: e.areaCode,
      name: e.name,
      uscc: e.uscc,
      legalPersonName: e.legalPersonName,
      phone: e.phone,
      industry: e.industry,
      address: e.address,
      lng,
      lat,
    },
    disputes: disputes.map(ref),
    hazards: hazards.map(ref),
    alerts: alerts.map(alertRef),
  };
}

/** A state's name: the first declared type that has it (state codes are shared where they mean the same). */
function stateName(status: string): { zh: string; en: string } {
  for (const t of matterTypes()) {
    const s = t.workflow.states[status];
    if (s) return s.name;
  }
  return { zh: status, en: status };
}

/**
 * An area's KPIs (matters other than alerts, in the area and the actor's scope), its open queues by state,
 * and its open alerts by level. Days and months are China time. 办结率 (30 days): of the matters created in
 * the last 30 days, the share closed now.
 */
export async function areaSummary(db: DbOrTx, actor: Actor, code: string) {
  assertCan(actor, 'matter:read');
  const area = await db
    .selectFrom('areas')
    .select(['code', 'name', 'level', 'center_lng', 'center_lat', 'min_lng', 'min_lat', 'max_lng', 'max_lat'])
    .where('code', '=', code)
    .where(inScopeSql(actor, 'code'))
    .executeTakeFirst();
  if (!area) throw notFound(`区域 ${code} / area ${code}`);
  const now = new Date();
  const today = cstDate(now);
  const dayStart = new Date(`${today}T00:00:00+08:00`);
  const monthStart = new Date(`${today.slice(0, 8)}01T00:00:00+08:00`);
  const since30 = new Date(now.getTime() - 30 * 86_400_000);
  const where = sql`${underAreaSql(code, 'm.area_code')} and ${inScopeSql(actor, 'm.area_code')}`;
  const [k, queues, alerts] = await Promise.all([
    sql<Record<string, number>>`
      select count(*) filter (where not m.closed)::int as open,
             count(*) filter (where not m.closed and m.deadline_state = 'overdue')::int as overdue,
             count(*) filter (where not m.closed and m.deadline_state = 'warning')::int as warning,
             count(*) filter (where m.created_at >= ${dayStart})::int as created_today,
             count(*) filter (where m.created_at >= ${monthStart})::int as created_month,
             count(*) filter (where m.closed and m.closed_at >= ${monthStart})::int as closed_month,
             count(*) filter (where m.created_at >= ${since30})::int as created30,
             count(*) filter (where m.created_at >= ${since30} and m.closed)::int as closed30
      from matters m
      where ${where} and m.type <> 'alert'`.execute(db),
    sql<{ status: string; n: number }>`
      select m.status, count(*)::int as n
      from matters m
      where ${where} and m.type <> 'alert' and not m.closed
      group by m.status
      order by n desc, m.status`.execute(db),
    sql<{ level: string; n: number }>`
      select m.payload->>'level' as level, count(*)::int as n
      from matters m
      where ${where} and m.type = 'alert' and not m.closed
      group by 1`.execute(db),
  ]);
  const x = k.rows[0] ?? {};
  const n = (key: string) => Number(x[key] ?? 0);
  const alertsOpen = { red: 0, orange: 0, yellow: 0 };
  for (const a of alerts.rows) if (a.level in alertsOpen) alertsOpen[a.level as AlertLevel] = a.n;
  return {
    area: {
      code: area.code,
      name: area.name,
      level: area.level,
      center:
        area.center_lng != null && area.center_lat != null
          ? ([area.center_lng, area.center_lat] as [number, number])
          : null,
      bbox:
        area.min_lng != null && area.min_lat != null && area.max_lng != null && area.max_lat != null
          ? ([area.min_lng, area.min_lat, area.max_lng, area.max_lat] as [number, number, number, number])
          : null,
    },
    kpis: {
      open: n('open'),
      overdue: n('overdue'),
      warning: n('warning'),
      createdToday: n('created_today'),
      createdThisMonth: n('created_month'),
      closedThisMonth: n('closed_month'),
      resolvedRate30d: n('created30') ? Math.round((n('closed30') / n('created30')) * 10_000) / 10_000 : null,
    },
    queues: queues.rows.map((q) => ({ status: q.status, statusName: stateName(q.status), count: q.n })),
    alertsOpen,
  };
}

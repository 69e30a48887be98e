import { sql } from 'kysely';
import { type Actor, assertCan, assertInScope, scopePrefix } from '../../core/access/actor.ts';
import { escapeLike } from '../../core/access/scope.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { notFound } from '../../core/errors.ts';
import { SEVERITIES, type Severity } from './hazard.schema.ts';
import { HAZARD_TYPE } from './hazard.workflow.ts';
import { hazardRectificationRecords } from './kpi.service.ts';

/**
 * The hazard KPI page: for an area and a period, per child area and per severity, how many hazards were
 * reported, how many were answered (交办) within the respond time, how many are 销号, how many are open past
 * a "3030" deadline now, and the rectification rate — the same definition as hazardRectification
 * (kpi.service.ts), so that this page and the report cannot disagree.
 */
export interface KpiCell {
  reported: number;
  respondedInTime: number;
  rectified: number;
  overdue: number;
  rate: number | null;
}
type BySeverity = Record<Severity, KpiCell>;

const DAY_MS = 86_400_000;

/** A period of China days [from, to] as instants [from 00:00 CST, the day after `to` 00:00 CST). */
export function periodOf(from: string, to: string): { from: Date; to: Date } {
  const f = new Date(`${from}T00:00:00+08:00`);
  const t = new Date(new Date(`${to}T00:00:00+08:00`).getTime() + DAY_MS);
  return { from: f, to: t };
}

const empty = (): BySeverity => ({
  general: { reported: 0, respondedInTime: 0, rectified: 0, overdue: 0, rate: null },
  larger: { reported: 0, respondedInTime: 0, rectified: 0, overdue: 0, rate: null },
  major: { reported: 0, respondedInTime: 0, rectified: 0, overdue: 0, rate: null },
});

function finish(b: BySeverity): BySeverity {
  for (const s of SEVERITIES) b[s].rate = b[s].reported === 0 ? null : b[s].rectified / b[s].reported;
  return b;
}

async function resolveArea(db: DbOrTx, actor: Actor, code: string | undefined) {
  assertCan(actor, 'matter:read');
  const areaCode = code ?? actor.areaCode;
  const area = await db
    .selectFrom('areas')
    .select(['code', 'name'])
    .where('code', '=', areaCode)
    .executeTakeFirst();
  if (!area) throw notFound(`区划 / area ${areaCode}`);
  assertInScope(actor, area.code);
  return area;
}

export async function hazardKpi(
  db: DbOrTx,
  actor: Actor,
  q: { areaCode?: string | undefined; from: string; to: string },
) {
  const area = await resolveArea(db, actor, q.areaCode);
  const period = periodOf(q.from, q.to);
  const prefix = scopePrefix(area.code);
  const rows = await sql<{
    area_code: string;
    severity: string;
    reported: number;
    responded: number;
    rectified: number;
    overdue: number;
  }>`
    select m.area_code, m.payload->>'severity' as severity,
           count(*)::int as reported,
           count(*) filter (where c.responded_at is not null and c.responded_at <= c.respond_due_at)::int as responded,
           count(*) filter (where m.status = 'closed')::int as rectified,
           count(*) filter (where not m.closed and m.deadline_state = 'overdue')::int as overdue
    from matters m left join hazard_clocks c on c.matter_id = m.id
    where m.type = ${HAZARD_TYPE} and m.area_code like ${`${escapeLike(prefix)}%`}
      and m.created_at >= ${period.from} and m.created_at < ${period.to}
    group by m.area_code, m.payload->>'severity'`.execute(db);
  const children = await db
    .selectFrom('areas')
    .select(['code', 'name'])
    .where('parent_code', '=', area.code)
    .orderBy('code')
    .execute();
  const total = empty();
  const per = new Map(children.map((c) => [c.code, { prefix: scopePrefix(c.code), b: empty() }]));
  for (const r of rows.rows) {
    if (!(SEVERITIES as readonly string[]).includes(r.severity)) continue;
    const s = r.severity as Severity;
    const add = (b: BySeverity) => {
      b[s].reported += r.reported;
      b[s].respondedInTime += r.responded;
      b[s].rectified += r.rectified;
      b[s].overdue += r.overdue;
    };
    add(total);
    for (const c of per.values()) if (r.area_code.startsWith(c.prefix)) add(c.b);
  }
  return {
    area: { code: area.code, name: area.name },
    from: q.from,
    to: q.to,
    total: { areaCode: area.code, areaName: area.name, bySeverity: finish(total) },
    children: children.map((c) => ({
      areaCode: c.code,
      areaName: c.name,
      bySeverity: finish(per.get(c.code)!.b),
    })),
  };
}

/** The records behind a figure of the KPI page, after the same scope check. */
export async function hazardKpiRecords(
  db: DbOrTx,
  actor: Actor,
  q: {
    areaCode?: string | undefined;
    from: string;
    to: string;
    severity: Severity;
    page: number;
    pageSize: number;
  },
) {
  const area = await resolveArea(db, actor, q.areaCode);
  const period = periodOf(q.from, q.to);
  return hazardRectificationRecords(
    db,
    { areaPrefix: scopePrefix(area.code), ...period, severity: q.severity },
    { limit: q.pageSize, offset: (q.page - 1) * q.pageSize },
  );
}

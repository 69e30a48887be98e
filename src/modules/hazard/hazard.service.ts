import { type SqlBool, sql } from 'kysely';
import { type Actor, assertCan, assertInScope } from '../../core/access/actor.ts';
import { containsPattern, underAreaSql } from '../../core/access/scope.ts';
import { assertAreaExists } from '../../core/areas/areas.service.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import type { MatterRow } from '../../core/db/types.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import { getMatterDetail } from '../../core/matters/detail.ts';
import {
  createMatter,
  findMatterRow,
  type PartyInput,
  presentMatter,
  visibleSql,
} from '../../core/matters/matters.service.ts';
import { type TransitionInput, transition } from '../../core/matters/transition.ts';
import { dueAt, warnAt } from '../../core/workflow/deadlines.ts';
import {
  HAZARD_CATEGORIES,
  type Hazard,
  type HazardCreate,
  type HazardDetail,
  type HazardFilters,
  type HazardListQuery,
  SEVERITIES,
  SEVERITY_NAMES,
  type Severity,
} from './hazard.schema.ts';
import { hdb } from './hazard.tables.ts';

interface ClockValues {
  matter_id: string;
  severity: Severity;
  reported_at: Date | null;
  respond_due_at: Date | null;
  responded_at: Date | null;
  rectify_due_at: Date | null;
  passed_at: Date | null;
}

import { HAZARD_TYPE, hazardWorkflow } from './hazard.workflow.ts';

// ---------------------------------------------------------------------------------------------------------
// The "3030" configuration

export interface HazardDeadline {
  severity: Severity;
  respondMinutes: number;
  rectifyDays: number;
  warnRatio: number;
}

/** Our reading of "3030": respond within 30 minutes of the report, rectify within 30 days, for every severity. */
export const DEFAULT_DEADLINES: Record<Severity, Omit<HazardDeadline, 'severity'>> = {
  general: { respondMinutes: 30, rectifyDays: 30, warnRatio: 0.8 },
  larger: { respondMinutes: 30, rectifyDays: 30, warnRatio: 0.8 },
  major: { respondMinutes: 30, rectifyDays: 30, warnRatio: 0.8 },
};

/** Loads the defaults once; a centre's changes (PUT /api/hazards/deadlines/:severity) are kept. */
export async function prepareHazards(tx: DbOrTx): Promise<void> {
  await hdb(tx)
    .insertInto('hazard_deadlines')
    .values(
      SEVERITIES.map((s) => ({
        severity: s,
        respond_minutes: DEFAULT_DEADLINES[s].respondMinutes,
        rectify_days: DEFAULT_DEADLINES[s].rectifyDays,
        warn_ratio: DEFAULT_DEADLINES[s].warnRatio,
      })),
    )
    .onConflict((oc) => oc.column('severity').doNothing())
    .execute();
}

export async function hazardDeadlines(db: DbOrTx): Promise<HazardDeadline[]> {
  const rows = await hdb(db).selectFrom('hazard_deadlines').selectAll().execute();
  return SEVERITIES.map((s) => {
    const r = rows.find((x) => x.severity === s);
    return r
      ? {
          severity: s,
          respondMinutes: r.respond_minutes,
          rectifyDays: r.rectify_days,
          warnRatio: r.warn_ratio,
        }
      : { severity: s, ...DEFAULT_DEADLINES[s] };
  });
}

async function deadlineOf(db: DbOrTx, s: Severity): Promise<HazardDeadline> {
  return (await hazardDeadlines(db)).find((d) => d.severity === s)!;
}

/** City-wide, like the kernel's matter_deadlines: only a city-level administrator changes what everyone works to. */
export async function setHazardDeadline(
  tx: DbOrTx,
  actor: Actor,
  severity: Severity,
  input: { respondMinutes: number; rectifyDays: number; warnRatio: number },
): Promise<HazardDeadline> {
  assertCan(actor, 'matter:configure');
  if (actor.scopePrefix.length > 4) {
    throw new AppError(
      'FORBIDDEN',
      '“3030”时限为全市统一配置，须由市级管理员修改 / The 3030 deadlines are city-wide; a city administrator sets them',
    );
  }
  const before = await deadlineOf(tx, severity);
  await hdb(tx)
    .insertInto('hazard_deadlines')
    .values({
      severity,
      respond_minutes: input.respondMinutes,
      rectify_days: input.rectifyDays,
      warn_ratio: input.warnRatio,
    })
    .onConflict((oc) =>
      oc.column('severity').doUpdateSet({
        respond_minutes: input.respondMinutes,
        rectify_days: input.rectifyDays,
        warn_ratio: input.warnRatio,
        updated_at: new Date(),
      }),
    )
    .execute();
  await audit(tx, actor, {
    action: 'hazard.deadline',
    entityType: 'hazard_deadline',
    entityId: severity,
    oldValues: { ...before },
    newValues: { severity, ...input },
  });
  return { severity, ...input };
}

// ---------------------------------------------------------------------------------------------------------
// Commands

async function hazardRow(db: DbOrTx, actor: Actor, id: string): Promise<MatterRow> {
  const m = await findMatterRow(db, actor, id);
  if (m.type !== HAZARD_TYPE) throw notFound(`隐患 / hazard ${id}`);
  return m;
}

const severityOf = (m: MatterRow): Severity => {
  const s = (m.payload as { severity?: string } | null)?.severity;
  return (SEVERITIES as readonly string[]).includes(s ?? '') ? (s as Severity) : 'general';
};

/** 发现: a hazard is filed (with its responsible enterprise or person as parties) and, by default, 上报 at once. */
export async function createHazard(
  tx: DbOrTx,
  actor: Actor,
  input: HazardCreate,
): Promise<{ id: string; events: ZhiliEvent[] }> {
  const parties: PartyInput[] = [];
  if (input.enterpriseId)
    parties.push({ role: '责任单位', subjectType: 'enterprise', subjectId: input.enterpriseId });
  if (input.personId) parties.push({ role: '责任人', subjectType: 'person', subjectId: input.personId });
  const created = await createMatter(tx, actor, {
    type: HAZARD_TYPE,
    category: input.category,
    title: input.title,
    description: input.description,
    urgency: input.urgency ?? (input.severity === 'major' ? 'urgent' : 'normal'),
    sourceChannel: actor.kind === 'user' ? 'web' : 'system',
    areaCode: input.areaCode,
    point: input.point ?? null,
    payload: {
      severity: input.severity,
      ...(input.address ? { address: input.address } : {}),
      ...(input.responsibleName ? { responsibleName: input.responsibleName } : {}),
    },
    parties,
  });
  await hdb(tx)
    .insertInto('hazard_clocks')
    .values({ matter_id: created.matter.id, severity: input.severity })
    .execute();
  const events = [...created.events];
  if (input.report) {
    const r = await transition(tx, actor, created.matter.id, {
      action: 'report',
      version: created.matter.version,
    });
    events.push(...r.events);
  }
  return { id: created.matter.id, events };
}

/** Image attachments added while the hazard was being rectified, after its last failed inspection. */
async function afterPhotoCount(db: DbOrTx, matterId: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n
    from matter_attachments a join matter_timeline t on t.id = a.timeline_id
    where a.matter_id = ${matterId} and a.mime like 'image/%'
      and t.from_status in ('rectifying', 'checking')
      and t.id > coalesce((select max(f.id) from matter_timeline f
                           where f.matter_id = ${matterId} and f.action = 'fail'), 0)`.execute(db);
  return r.rows[0]?.n ?? 0;
}

/** Before a step (the type's hook): 验收通过 needs a photo taken after the rectification. */
export async function hazardBeforeStep(tx: DbOrTx, _actor: Actor, before: MatterRow, input: TransitionInput) {
  if (
    input.action === 'pass' &&
    before.status === 'checking' &&
    (await afterPhotoCount(tx, before.id)) === 0
  ) {
    throw new AppError(
      'VALIDATION_FAILED',
      '验收前须上传至少一张整改后照片 / Upload at least one photo taken after the rectification before passing it',
      [{ path: 'photos.after', code: 'HAZARD_AFTER_PHOTO_REQUIRED', message: 'required' }],
    );
  }
}

/**
 * After a step (the type's hook): the "3030" clocks per severity — 30 minutes from 上报 to 交办, and one
 * rectification clock from 交办 to 验收通过 that does not restart when 验收 sends it back.
 */
export async function hazardAfterStep(
  tx: DbOrTx,
  _actor: Actor,
  before: MatterRow,
  after: MatterRow,
  input: TransitionInput,
): Promise<boolean> {
  const id = before.id;
  if (after.status === before.status) return false;
  const now = new Date(after.state_entered_at);
  const d = await deadlineOf(tx, severityOf(before));
  const h = hdb(tx);
  const clock = await h
    .selectFrom('hazard_clocks')
    .selectAll()
    .where('matter_id', '=', id)
    .executeTakeFirst();
  const c: ClockValues = {
    matter_id: id,
    severity: severityOf(before),
    reported_at: clock?.reported_at ?? null,
    respond_due_at: clock?.respond_due_at ?? null,
    responded_at: clock?.responded_at ?? null,
    rectify_due_at: clock?.rectify_due_at ?? null,
    passed_at: clock?.passed_at ?? null,
  };
  const set: Record<string, unknown> = {};
  switch (after.status) {
    case 'reported': {
      const due = dueAt(now, { amount: d.respondMinutes, unit: 'minutes' });
      Object.assign(c, { reported_at: now, respond_due_at: due });
      Object.assign(set, { due_at: due, warn_at: warnAt(now, due, d.warnRatio) });
      break;
    }
    case 'assigned': {
      const due = dueAt(now, { amount: d.rectifyDays, unit: 'days' });
      Object.assign(c, { responded_at: c.responded_at ?? now, rectify_due_at: due });
      Object.assign(set, { due_at: due, warn_at: warnAt(now, due, d.warnRatio) });
      break;
    }
    case 'rectifying':
    case 'checking': {
      const start = c.responded_at ?? now;
      const due = c.rectify_due_at ?? dueAt(start, { amount: d.rectifyDays, unit: 'days' });
      c.rectify_due_at = due;
      // The same deadline as before the step: a hazard already 超期 stays so, escalated once, not twice.
      const stillOverdue = before.deadline_state === 'overdue' && due <= now;
      Object.assign(set, {
        due_at: due,
        warn_at: warnAt(start, due, d.warnRatio),
        deadline_state: stillOverdue ? 'overdue' : 'normal',
        escalated_to: stillOverdue ? before.escalated_to : null,
      });
      break;
    }
    case 'verified':
      c.passed_at = now;
      break;
  }
  if (input.action === 'submit' && input.result) {
    set.payload = JSON.stringify({ ...(before.payload as object), measures: input.result });
  }
  await h
    .insertInto('hazard_clocks')
    .values({ ...c, failed_count: (clock?.failed_count ?? 0) + (input.action === 'fail' ? 1 : 0) })
    .onConflict((oc) =>
      oc.column('matter_id').doUpdateSet((eb) => ({
        reported_at: eb.ref('excluded.reported_at'),
        respond_due_at: eb.ref('excluded.respond_due_at'),
        responded_at: eb.ref('excluded.responded_at'),
        rectify_due_at: eb.ref('excluded.rectify_due_at'),
        passed_at: eb.ref('excluded.passed_at'),
        failed_count: eb.ref('excluded.failed_count'),
      })),
    )
    .execute();
  if (!Object.keys(set).length) return false;
  await tx.updateTable('matters').set(set).where('id', '=', id).execute();
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Reads

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
const categoryName = (code: string | null) => HAZARD_CATEGORIES.find((c) => c.code === code)?.name ?? null;

function filtered(db: DbOrTx, actor: Actor, f: HazardFilters) {
  assertCan(actor, 'matter:read');
  let q = db.selectFrom('matters').where('type', '=', HAZARD_TYPE).where(visibleSql(actor));
  if (f.areaCode) q = q.where(underAreaSql(f.areaCode));
  if (f.category) q = q.where('category', '=', f.category);
  if (f.severity) q = q.where(sql<SqlBool>`payload->>'severity' = ${f.severity}`);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.overdue === true) q = q.where('deadline_state', '=', 'overdue').where('closed', '=', false);
  if (f.overdue === false) q = q.where('deadline_state', '!=', 'overdue');
  if (f.open !== undefined) q = q.where('closed', '=', !f.open);
  if (f.q) q = q.where('title', 'like', containsPattern(f.q));
  if (f.enterpriseId) {
    q = q.where(
      sql<SqlBool>`exists (select 1 from matter_parties p where p.matter_id = matters.id
        and p.subject_type = 'enterprise' and p.subject_id = ${f.enterpriseId}::bigint)`,
    );
  }
  return q;
}

async function present(db: DbOrTx, rows: MatterRow[]): Promise<Hazard[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [clocks, enterprises, areas] = await Promise.all([
    hdb(db).selectFrom('hazard_clocks').selectAll().where('matter_id', 'in', ids).execute(),
    db
      .selectFrom('matter_parties as p')
      .innerJoin('enterprises as e', 'e.id', 'p.subject_id')
      .select(['p.matter_id', 'e.id', 'e.name'])
      .where('p.matter_id', 'in', ids)
      .where('p.subject_type', '=', 'enterprise')
      .orderBy('p.id')
      .execute(),
    db
      .selectFrom('areas')
      .select(['code', 'name'])
      .where('code', 'in', [...new Set(rows.map((r) => r.area_code))])
      .execute(),
  ]);
  return rows.map((r) => {
    const m = presentMatter(r);
    const c = clocks.find((x) => x.matter_id === r.id);
    const e = enterprises.find((x) => x.matter_id === r.id);
    const p = (r.payload ?? {}) as { address?: string; responsibleName?: string };
    const sev = severityOf(r);
    return {
      id: m.id,
      number: m.number,
      title: m.title,
      category: m.category,
      categoryName: categoryName(m.category),
      severity: sev,
      severityName: SEVERITY_NAMES[sev],
      status: m.status,
      statusName: m.statusName,
      closed: m.closed,
      urgency: m.urgency,
      areaCode: m.areaCode,
      areaName: areas.find((a) => a.code === r.area_code)?.name ?? null,
      address: p.address ?? null,
      point: m.point,
      enterprise: e ? { id: e.id, name: e.name } : null,
      responsibleName: p.responsibleName ?? null,
      assignee: m.assignee,
      dueAt: m.closed ? null : m.dueAt,
      deadlineState: m.deadlineState,
      clock: {
        reportedAt: iso(c?.reported_at),
        respondDueAt: iso(c?.respond_due_at),
        respondedAt: iso(c?.responded_at),
        rectifyDueAt: iso(c?.rectify_due_at),
        passedAt: iso(c?.passed_at),
        respondedInTime:
          c?.responded_at && c.respond_due_at ? c.responded_at.getTime() <= c.respond_due_at.getTime() : null,
        rectifiedInTime:
          c?.passed_at && c.rectify_due_at ? c.passed_at.getTime() <= c.rectify_due_at.getTime() : null,
        failedCount: c?.failed_count ?? 0,
      },
      createdAt: m.createdAt,
      version: m.version,
    };
  });
}

export async function listHazards(db: DbOrTx, actor: Actor, q: HazardListQuery) {
  if (q.areaCode) {
    await assertAreaExists(db, q.areaCode);
    assertInScope(actor, q.areaCode);
  }
  const total = await filtered(db, actor, q).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  let list = filtered(db, actor, q).selectAll();
  list =
    q.sort === 'due_asc'
      ? list.orderBy(sql`due_at asc nulls last`).orderBy('id')
      : q.sort === 'created_asc'
        ? list.orderBy('created_at', 'asc').orderBy('id', 'asc')
        : list.orderBy('created_at', 'desc').orderBy('id', 'desc');
  const rows = await list
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize)
    .execute();
  return { items: await present(db, rows), total: Number(total.n), page: q.page, pageSize: q.pageSize };
}

/** Every hazard matching the filters, for the Excel export (at most `max`). */
export async function hazardsForExport(db: DbOrTx, actor: Actor, f: HazardFilters, max: number) {
  if (f.areaCode) assertInScope(actor, f.areaCode);
  const out: Hazard[] = [];
  for (let offset = 0; offset < max; offset += 500) {
    const rows = await filtered(db, actor, f)
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(500, max - offset))
      .offset(offset)
      .execute();
    out.push(...(await present(db, rows)));
    if (rows.length < 500) break;
  }
  return out;
}

const BEFORE_STATES = new Set(['found', 'reported', 'assigned']);

export async function getHazard(db: DbOrTx, actor: Actor, id: string): Promise<HazardDetail> {
  const row = await hazardRow(db, actor, id);
  const [h] = await present(db, [row]);
  const matter = await getMatterDetail(db, actor, id);
  const phaseOf = new Map(
    matter.timeline.map(
      (t) => [t.id, BEFORE_STATES.has(t.fromStatus ?? 'found') ? 'before' : 'after'] as const,
    ),
  );
  const photos = matter.attachments
    .filter((a) => a.mime.startsWith('image/'))
    .map((a) => ({
      id: a.id,
      filename: a.filename,
      mime: a.mime,
      size: a.size,
      createdAt: a.createdAt,
      phase: (a.timelineId ? (phaseOf.get(a.timelineId) ?? 'before') : 'before') as 'before' | 'after',
    }));
  const p = (row.payload ?? {}) as { measures?: string };
  return {
    hazard: { ...h!, description: row.description, measures: p.measures ?? null },
    photos: {
      before: photos.filter((x) => x.phase === 'before'),
      after: photos.filter((x) => x.phase === 'after'),
    },
    matter,
  };
}

export const hazardStates = () =>
  Object.entries(hazardWorkflow.states).map(([code, s]) => ({ code, name: s.name, kind: s.kind }));

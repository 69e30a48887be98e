import { type SqlBool, sql } from 'kysely';
import { type Actor, assertCan, assertInScope, can, inScope, scopePrefix } from '../access/actor.ts';
import { containsPattern, inScopeSql, underAreaSql } from '../access/scope.ts';
import { audit, withDeferredAudit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import type { DeadlineState, MatterRow, Urgency } from '../db/types.ts';
import { AppError, notFound } from '../errors.ts';
import type { ZhiliEvent } from '../events/bus.ts';
import { h3Of, type Point, pointOf } from '../subjects/common.ts';
import { cstDate, type Deadline } from '../workflow/deadlines.ts';
import { deadlineFor, enterState } from './clock.ts';
import { getMatterType, matterTypes } from './registry.ts';
import { indexTokens, queryTokens } from './search.ts';

export const URGENCIES: Urgency[] = ['extra_urgent', 'urgent', 'normal'];
export const URGENCY_NAMES: Record<Urgency, string> = {
  extra_urgent: '特急',
  urgent: '紧急',
  normal: '一般',
};

export interface Assignee {
  department: string;
  areaCode: string;
  userId?: string | null | undefined;
}

export interface Matter {
  id: string;
  number: string;
  type: string;
  typeName: string;
  category: string | null;
  title: string;
  description: string | null;
  status: string;
  statusName: string;
  closed: boolean;
  urgency: Urgency;
  sourceDepartment: string | null;
  sourceChannel: string | null;
  areaCode: string;
  point: Point | null;
  h3: string | null;
  reporterId: string | null;
  reporterName: string | null;
  assignee: { department: string | null; areaCode: string | null; userId: string | null } | null;
  dispatcherAreaCode: string | null;
  stateEnteredAt: string;
  warnAt: string | null;
  dueAt: string | null;
  pausedAt: string | null;
  deadlineState: DeadlineState;
  escalatedTo: string | null;
  extensionRequested: unknown;
  payload: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  version: number;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function presentMatter(r: MatterRow): Matter {
  const type = getMatterType(r.type);
  return {
    id: r.id,
    number: r.number,
    type: r.type,
    typeName: type.name.zh,
    category: r.category,
    title: r.title,
    description: r.description,
    status: r.status,
    statusName: type.workflow.states[r.status]?.name.zh ?? r.status,
    closed: r.closed,
    urgency: r.urgency,
    sourceDepartment: r.source_department,
    sourceChannel: r.source_channel,
    areaCode: r.area_code,
    point: pointOf(r),
    h3: r.h3,
    reporterId: r.reporter_id,
    reporterName: r.reporter_name,
    assignee:
      r.assignee_department || r.assignee_area_code || r.assignee_user_id
        ? { department: r.assignee_department, areaCode: r.assignee_area_code, userId: r.assignee_user_id }
        : null,
    dispatcherAreaCode: r.dispatcher_area_code,
    stateEnteredAt: r.state_entered_at.toISOString(),
    warnAt: iso(r.warn_at),
    dueAt: iso(r.due_at),
    pausedAt: iso(r.paused_at),
    deadlineState: r.deadline_state,
    escalatedTo: r.escalated_to,
    extensionRequested: r.extension_requested ?? null,
    payload: (r.payload ?? {}) as Record<string, unknown>,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    closedAt: iso(r.closed_at),
    version: r.version,
  };
}

/**
 * The matters an actor may see: those in their area, those assigned to their unit or to them, and those
 * they reported. One condition, applied in the data layer to every read and list.
 */
export function visibleSql(actor: Actor) {
  const conds = [inScopeSql(actor)];
  if (actor.departmentCode) {
    conds.push(
      sql<SqlBool>`(assignee_department = ${actor.departmentCode} and assignee_area_code = ${actor.areaCode})`,
    );
  }
  if (actor.id) {
    conds.push(sql<SqlBool>`assignee_user_id = ${actor.id}`, sql<SqlBool>`reporter_id = ${actor.id}`);
  }
  return sql<SqlBool>`(${sql.join(conds, sql` or `)})`;
}

function visible(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'matter:read');
  return db.selectFrom('matters').where(visibleSql(actor));
}

export async function findMatterRow(db: DbOrTx, actor: Actor, id: string, lock = false): Promise<MatterRow> {
  let q = visible(db, actor).selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(`事项 / matter ${id}`);
  return row;
}

export function matterEvent(
  type: string,
  m: MatterRow,
  actor: Actor,
  data?: Record<string, unknown>,
): ZhiliEvent {
  return {
    type,
    at: new Date().toISOString(),
    matterId: m.id,
    matterNumber: m.number,
    status: m.status,
    areaCode: m.area_code,
    assigneeDepartment: m.assignee_department,
    assigneeAreaCode: m.assignee_area_code,
    assigneeUserId: m.assignee_user_id,
    actorId: actor.id,
    ...(data ? { data } : {}),
  };
}

export interface PartyInput {
  role: string;
  subjectType: 'person' | 'house' | 'enterprise' | 'thing';
  subjectId: string;
}

export interface MatterInput {
  type: string;
  category?: string | undefined;
  title: string;
  description?: string | undefined;
  urgency?: Urgency | undefined;
  sourceDepartment?: string | undefined;
  sourceChannel?: string | undefined;
  areaCode?: string | undefined;
  point?: Point | null | undefined;
  payload?: Record<string, unknown> | undefined;
  parties?: PartyInput[] | undefined;
  /** For imports and the demo seed: when it was reported. */
  createdAt?: Date | undefined;
  /**
   * For the platform's own filings (an alert's clock runs by its level, from its evaluation's time): the
   * initial state's clock, from when and with which deadline (null: none), instead of the type's configured
   * deadline from `createdAt`. Not taken from requests.
   */
  clock?: { from: Date; deadline: Deadline | null } | undefined;
}

const SUBJECT_TABLES = {
  person: 'persons',
  house: 'houses',
  enterprise: 'enterprises',
  thing: 'things',
} as const;

/**
 * 一案一码 for several matters at once: PREFIX-county-date-sequence, one counter update per (prefix, county,
 * day) — row-locked in matter_counters until the transaction ends —, numbers handed out in the rows' order.
 */
export async function allocateNumbers(
  tx: DbOrTx,
  rows: { prefix: string; areaCode: string; at: Date }[],
): Promise<string[]> {
  const keys = rows.map((r) => `${r.prefix}-${r.areaCode.slice(0, 6)}-${cstDate(r.at).replaceAll('-', '')}`);
  const need = new Map<string, number>();
  for (const k of keys) need.set(k, (need.get(k) ?? 0) + 1);
  if (!need.size) return [];
  const got = await tx
    .insertInto('matter_counters')
    // Sorted: two transactions numbering the same days lock their counters in one order.
    .values([...need].sort(([a], [b]) => (a < b ? -1 : 1)).map(([prefix, n]) => ({ prefix, n })))
    .onConflict((oc) => oc.column('prefix').doUpdateSet({ n: sql`matter_counters.n + excluded.n` }))
    .returning(['prefix', 'n'])
    .execute();
  const next = new Map(got.map((g) => [g.prefix, g.n - need.get(g.prefix)! + 1]));
  return keys.map((k) => {
    const n = next.get(k)!;
    next.set(k, n + 1);
    return `${k}-${String(n).padStart(4, '0')}`;
  });
}

function validatePayload(typeCode: string, payload: unknown): Record<string, unknown> {
  const type = getMatterType(typeCode);
  const r = type.payload.safeParse(payload ?? {});
  if (!r.success) {
    throw new AppError(
      'PAYLOAD_INVALID',
      `事项内容不符合“${type.name.zh}”的要求 / The payload does not fit type ${typeCode}`,
      r.error.issues.map((i) => ({ path: ['payload', ...i.path.map(String)].join('.'), message: i.message })),
    );
  }
  return r.data;
}

/**
 * The town (or higher) centre that accepts and dispatches a matter filed at each area: its level-3 ancestor,
 * or the area itself above that. One query for all the codes; an unknown code is refused (UNKNOWN_AREA).
 */
async function dispatchersFor(tx: DbOrTx, codes: string[]): Promise<Map<string, string>> {
  const rows = await sql<{ start: string; code: string; level: number }>`
    with recursive up as (
      select code as start, code, parent_code, level from areas where code = any(${sql.val(codes)}::text[])
      union all
      select up.start, a.code, a.parent_code, a.level from areas a join up on a.code = up.parent_code
    )
    select start, code, level from up`.execute(tx);
  const out = new Map<string, string>();
  for (const r of rows.rows)
    if (!out.has(r.start) || r.level === 3) out.set(r.start, r.level === 3 ? r.code : r.start);
  for (const c of codes) {
    if (!out.has(c)) throw new AppError('UNKNOWN_AREA', `区划代码 ${c} 不存在 / Unknown area code ${c}`);
  }
  return out;
}

export async function createMatter(
  tx: DbOrTx,
  actor: Actor,
  input: MatterInput,
): Promise<{ matter: Matter; events: ZhiliEvent[] }> {
  const { matters, events } = await createMatters(tx, actor, [input]);
  return { matter: matters[0]!, events };
}

/**
 * Files several matters in one go (an alert pass raising hundreds): the same checks and rows as one
 * createMatter each — type, category, payload, area, scope, source department, parties in scope —, with a
 * query per kind of check and one insert per table instead of a round of queries per matter. All or nothing:
 * the first input that fails a check throws, as createMatter does.
 */
export async function createMatters(
  tx: DbOrTx,
  actor: Actor,
  inputs: MatterInput[],
): Promise<{ matters: Matter[]; rows: MatterRow[]; events: ZhiliEvent[] }> {
  assertCan(actor, 'matter:report');
  if (!inputs.length) return { matters: [], rows: [], events: [] };
  const now = new Date();
  const prepared: {
    input: MatterInput;
    type: ReturnType<typeof getMatterType>;
    payload: Record<string, unknown>;
    areaCode: string;
    at: Date;
  }[] = [];
  for (const input of inputs) {
    const type = getMatterType(input.type);
    if (input.category && !type.categories.some((c) => c.code === input.category)) {
      throw new AppError('VALIDATION_FAILED', `未知类别 ${input.category} / Unknown category`, [
        { path: 'category', message: 'unknown' },
      ]);
    }
    const payload = validatePayload(input.type, input.payload);
    let areaCode = input.areaCode;
    if (!areaCode && input.point) {
      const { locate } = await import('../areas/areas.service.ts');
      areaCode = (await locate(tx, input.point.lng, input.point.lat)).at(-1)?.code;
    }
    if (!areaCode) {
      throw new AppError(
        'UNKNOWN_AREA',
        '请提供区划代码或市内坐标 / Give an area code or a point inside the city',
      );
    }
    prepared.push({ input, type, payload, areaCode, at: input.createdAt ?? now });
  }
  const dispatchers = await dispatchersFor(tx, [...new Set(prepared.map((p) => p.areaCode))]);
  for (const p of prepared) assertInScope(actor, p.areaCode);
  const departments = [...new Set(inputs.flatMap((i) => (i.sourceDepartment ? [i.sourceDepartment] : [])))];
  if (departments.length) {
    const known = await tx
      .selectFrom('departments')
      .select('code')
      .where('code', 'in', departments)
      .execute();
    if (known.length < departments.length)
      throw new AppError('VALIDATION_FAILED', '未知来源部门 / Unknown source department', [
        { path: 'sourceDepartment', message: 'unknown' },
      ]);
  }
  // Every party must exist within the actor's scope: one query per kind of subject.
  for (const subjectType of Object.keys(SUBJECT_TABLES) as (keyof typeof SUBJECT_TABLES)[]) {
    const ids = [
      ...new Set(
        inputs.flatMap((i) =>
          (i.parties ?? []).filter((p) => p.subjectType === subjectType).map((p) => p.subjectId),
        ),
      ),
    ];
    if (!ids.length) continue;
    const found = await tx
      .selectFrom(SUBJECT_TABLES[subjectType])
      .select('id')
      .where('id', 'in', ids)
      .where(inScopeSql(actor))
      .execute();
    const have = new Set(found.map((f) => String(f.id)));
    const missing = ids.find((id) => !have.has(String(id)));
    if (missing !== undefined) {
      throw new AppError('VALIDATION_FAILED', `当事对象 ${subjectType} ${missing} 不存在 / Unknown party`, [
        { path: 'parties', message: `${subjectType} ${missing} not found` },
      ]);
    }
  }
  // Each matter's clock starts when it was reported, with its type's deadline for the initial state.
  const deadlines = new Map<string, Deadline | null>();
  for (const p of prepared) {
    if (!p.input.clock && !deadlines.has(p.type.code))
      deadlines.set(p.type.code, await deadlineFor(tx, p.type.code, p.type.workflow.initial));
  }
  const numbers = await allocateNumbers(
    tx,
    prepared.map((p) => ({ prefix: p.type.prefix, areaCode: p.areaCode, at: p.at })),
  );
  const rows = await tx
    .insertInto('matters')
    .values(
      prepared.map(({ input, type, payload, areaCode, at }, n) => {
        const initial = type.workflow.initial;
        return {
          number: numbers[n]!,
          type: type.code,
          category: input.category ?? null,
          title: input.title,
          description: input.description ?? null,
          status: initial,
          closed: type.workflow.states[initial]!.kind === 'closed',
          urgency: input.urgency ?? 'normal',
          source_department: input.sourceDepartment ?? null,
          source_channel: input.sourceChannel ?? (actor.kind === 'user' ? 'web' : 'system'),
          area_code: areaCode,
          lng: input.point?.lng ?? null,
          lat: input.point?.lat ?? null,
          h3: h3Of(input.point),
          reporter_id: actor.id,
          reporter_name: actor.displayName,
          dispatcher_area_code: dispatchers.get(areaCode)!,
          ...(input.clock
            ? enterState(input.clock.from, input.clock.deadline)
            : enterState(at, deadlines.get(type.code)!)),
          payload: JSON.stringify(payload),
          search_tokens: indexTokens(input.title, input.description),
          created_at: at,
        };
      }),
    )
    // A VALUES list is inserted, and returned, in its order.
    .returningAll()
    .execute();
  const parties = inputs.flatMap((input, n) =>
    (input.parties ?? []).map((p) => ({
      matter_id: rows[n]!.id,
      role: p.role,
      subject_type: p.subjectType,
      subject_id: p.subjectId,
    })),
  );
  if (parties.length)
    await tx
      .insertInto('matter_parties')
      .values(parties)
      .onConflict((oc) => oc.doNothing())
      .execute();
  await tx
    .insertInto('matter_timeline')
    .values(
      rows.map((row, n) => ({
        matter_id: row.id,
        at: prepared[n]!.at,
        actor_id: actor.id,
        actor_name: actor.displayName,
        action: 'create',
        to_status: row.status,
        note: null,
        data: JSON.stringify({ channel: row.source_channel }),
      })),
    )
    .execute();
  const matters = rows.map(presentMatter);
  await withDeferredAudit(tx, async () => {
    for (const [n, matter] of matters.entries()) {
      await audit(tx, actor, {
        action: 'matter.create',
        entityType: 'matter',
        entityId: matter.id,
        areaCode: prepared[n]!.areaCode,
        newValues: {
          number: matter.number,
          type: matter.type,
          title: matter.title,
          status: matter.status,
          urgency: matter.urgency,
        },
      });
    }
  });
  return { matters, rows, events: rows.map((row) => matterEvent('matter.created', row, actor)) };
}

// ---------------------------------------------------------------------------------------------------
// Work queues

export type MatterSort = 'created_desc' | 'created_asc' | 'due_asc';

export interface MatterQuery {
  type?: string | undefined;
  status?: string[] | undefined;
  closed?: boolean | undefined;
  areaCode?: string | undefined;
  category?: string | undefined;
  urgency?: Urgency | undefined;
  deadlineState?: DeadlineState | undefined;
  assignee?: 'me' | 'my_unit' | 'todo' | undefined;
  reporter?: 'me' | undefined;
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
  sort: MatterSort;
  cursor?: string | undefined;
  limit: number;
}

type Filterable = ReturnType<typeof visible>;

function applyFilters(
  q: Filterable,
  actor: Actor,
  f: Omit<MatterQuery, 'sort' | 'cursor' | 'limit'>,
  withStatus = true,
): Filterable {
  if (f.type) q = q.where('type', '=', f.type);
  if (withStatus && f.status?.length) q = q.where('status', 'in', f.status);
  if (f.closed !== undefined) q = q.where('closed', '=', f.closed);
  if (f.areaCode) q = q.where(underAreaSql(f.areaCode));
  if (f.category) q = q.where('category', '=', f.category);
  if (f.urgency) q = q.where('urgency', '=', f.urgency);
  if (f.deadlineState) q = q.where('deadline_state', '=', f.deadlineState).where('closed', '=', false);
  if (f.assignee === 'todo') q = q.where(todoSql(actor));
  if (f.assignee === 'me') q = q.where('assignee_user_id', '=', actor.id ?? '0');
  if (f.assignee === 'my_unit') {
    q = q
      .where('assignee_department', '=', actor.departmentCode ?? '')
      .where('assignee_area_code', '=', actor.areaCode);
  }
  if (f.reporter === 'me') q = q.where('reporter_id', '=', actor.id ?? '0');
  if (f.from) q = q.where('created_at', '>=', new Date(f.from));
  if (f.to) q = q.where('created_at', '<', new Date(f.to));
  if (f.q) {
    const tokens = queryTokens(f.q);
    const title = sql<SqlBool>`title like ${containsPattern(f.q)}`;
    q = q.where(
      tokens.length ? sql<SqlBool>`(search_tokens @> ${sql.val(tokens)}::text[] or ${title})` : title,
    );
  }
  return q;
}

/** A keyset position: the sort value (an ISO time, or null) and the id. */
export interface Cursor {
  v: string | null;
  id: string;
}

export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

export function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.id !== 'string' || !/^\d{1,18}$/.test(c.id)) throw new Error('id');
    if (c.v !== null && (typeof c.v !== 'string' || Number.isNaN(Date.parse(c.v)))) throw new Error('v');
    return c;
  } catch {
    throw new AppError('VALIDATION_FAILED', '翻页游标无效 / Invalid cursor', [
      { path: 'cursor', message: 'invalid' },
    ]);
  }
}

/**
 * One page of a work queue, keyset-paginated on (sort column, id): page 1000 costs what page 1 costs, and
 * rows inserted meanwhile do not shift the pages.
 */
export async function listMatters(
  db: DbOrTx,
  actor: Actor,
  query: MatterQuery,
): Promise<{ items: Matter[]; nextCursor: string | null }> {
  let q = applyFilters(visible(db, actor), actor, query);
  const c = query.cursor ? decodeCursor(query.cursor) : null;
  switch (query.sort) {
    case 'created_desc':
      if (c) q = q.where(sql<SqlBool>`(created_at, id) < (${c.v}::timestamptz, ${c.id}::bigint)`);
      q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
      break;
    case 'created_asc':
      if (c) q = q.where(sql<SqlBool>`(created_at, id) > (${c.v}::timestamptz, ${c.id}::bigint)`);
      q = q.orderBy('created_at', 'asc').orderBy('id', 'asc');
      break;
    case 'due_asc':
      // Matters without a deadline come last: coalesce to infinity keeps the keyset comparison total.
      if (c)
        q = q.where(
          sql<SqlBool>`(coalesce(due_at, 'infinity'), id) > (coalesce(${c.v}::timestamptz, 'infinity'), ${c.id}::bigint)`,
        );
      q = q.orderBy(sql`coalesce(due_at, 'infinity')`, 'asc').orderBy('id', 'asc');
      break;
  }
  const rows = await q
    .selectAll()
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const more = rows.length > query.limit && last;
  const v = (r: MatterRow) => (query.sort === 'due_asc' ? iso(r.due_at) : r.created_at.toISOString());
  return {
    items: page.map(presentMatter),
    nextCursor: more ? encodeCursor({ v: v(last), id: last.id }) : null,
  };
}

/** Counts for the tabs of a queue: per status (the status filter itself ignored), and open per deadline state. */
export async function countMatters(
  db: DbOrTx,
  actor: Actor,
  query: Omit<MatterQuery, 'sort' | 'cursor' | 'limit'>,
) {
  const base = applyFilters(visible(db, actor), actor, query, false);
  const [byStatus, byDeadline] = await Promise.all([
    base
      .select(['status', sql<string>`count(*)`.as('n')])
      .groupBy('status')
      .execute(),
    base
      .where('closed', '=', false)
      .select(['deadline_state', sql<string>`count(*)`.as('n')])
      .groupBy('deadline_state')
      .execute(),
  ]);
  const status = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
  return {
    total: Object.values(status).reduce((a, b) => a + b, 0),
    byStatus: status,
    byDeadlineState: Object.fromEntries(byDeadline.map((r) => [r.deadline_state, Number(r.n)])),
  };
}

/**
 * What waits for this actor: matters assigned to them or their unit, and — for a centre — the matters it
 * dispatches that sit in a state where a centre acts (accept, dispatch, verify, close…), read from each
 * type's declared workflow rather than listed by hand.
 */
export function todoSql(actor: Actor) {
  const conds = [sql<SqlBool>`assignee_user_id = ${actor.id ?? '0'}`];
  if (actor.departmentCode) {
    conds.push(
      sql<SqlBool>`(assignee_department = ${actor.departmentCode} and assignee_area_code = ${actor.areaCode})`,
    );
  }
  for (const type of matterTypes()) {
    const states = Object.keys(type.workflow.states).filter((s) =>
      type.workflow.transitions.some(
        (t) =>
          t.to &&
          t.from.includes(s) &&
          t.party.includes('scope') &&
          t.roles.some((r) => actor.roles.includes(r)),
      ),
    );
    if (states.length) {
      conds.push(
        sql<SqlBool>`(type = ${type.code} and dispatcher_area_code = ${actor.areaCode} and status in (${sql.join(states)}))`,
      );
    }
  }
  return sql<SqlBool>`(${sql.join(conds, sql` or `)}) and not closed`;
}

export function isAssignee(
  actor: Actor,
  m: Pick<MatterRow, 'assignee_department' | 'assignee_area_code' | 'assignee_user_id'>,
): boolean {
  if (m.assignee_user_id && actor.id === m.assignee_user_id) return true;
  return (
    !!m.assignee_department &&
    actor.departmentCode === m.assignee_department &&
    actor.areaCode === m.assignee_area_code
  );
}

/** A superior watches from above the level that is handling the matter. */
export function isSuperior(actor: Actor, m: MatterRow): boolean {
  if (!inScope(actor, m.area_code)) return false;
  const handling = m.assignee_area_code ?? m.dispatcher_area_code ?? m.area_code;
  return actor.scopePrefix.length < scopePrefix(handling).length;
}

export function canSeeAll(actor: Actor): boolean {
  return can(actor, 'matter:read');
}

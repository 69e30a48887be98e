import { randomUUID } from 'node:crypto';
import { type SqlBool, sql } from 'kysely';
import { type Actor, assertCan, makeActor } from '../../core/access/actor.ts';
import { containsPattern, underAreaSql } from '../../core/access/scope.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { announce } from '../../core/events/bus.ts';
import type { Kernel } from '../../core/kernel.ts';
import { decodeCursor, encodeCursor, findMatterRow, visibleSql } from '../../core/matters/matters.service.ts';
import { queryTokens } from '../../core/matters/search.ts';
import { defaultClassifier } from './classifier/classifier.ts';
import {
  DISPUTE_CATEGORIES,
  type DisputePayload,
  type PartyFields,
  RISK_LEVELS,
  type RiskLevel,
} from './dispute.schema.ts';
import { ddb } from './dispute.tables.ts';
import { disputeWorkflow, RESOLVED_STATES, SETTLED_STATES } from './dispute.workflow.ts';
import { areaIndexFor } from './intake/areas.ts';
import { columnResolver, mapRow } from './intake/map.ts';
import { type BatchResult, type Channel, type IntakeOutcome, processRecords } from './intake/pipeline.ts';
import type { Cell } from './intake/types.ts';
import { getSource, type Source } from './sources.service.ts';

/** Push batches: at most this many records per request. */
export const PUSH_MAX = 1000;

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === '23505';

/** The actor a department system acts as when it pushes: the source itself, city-wide. */
export function sourceActor(source: Source): Actor {
  return makeActor(
    {
      id: null,
      username: `source:${source.code}`,
      displayName: source.name.zh,
      roles: ['city_admin'],
      areaCode: '330300000000',
      departmentCode: source.department,
    },
    { kind: 'system' },
  );
}

/**
 * Records from the push API, the web form or Open311 through the same pipeline as files, in one
 * transaction. Two identical batches racing each other: the loser's insert of a record key hits the unique
 * index, and the batch is run again, when it finds those records taken.
 */
export async function intake(
  kernel: Kernel,
  actor: Actor,
  source: Source,
  channel: Channel,
  records: Record<string, Cell | PartyFields[]>[],
): Promise<BatchResult> {
  const cols = columnResolver(source.profile, [...new Set(records.flatMap((r) => Object.keys(r)))]);
  const mapped = records.map((cells, i) => {
    const { parties, ...rest } = cells as Record<string, Cell> & { parties?: PartyFields[] };
    const m = mapRow(cols, { rowNo: i + 1, cells: rest as Record<string, Cell> });
    if (Array.isArray(parties)) {
      m.parties = parties.map((p) => ({
        role: p.role,
        kind: p.kind,
        name: p.name ?? null,
        idNumber: p.idNumber ?? null,
        phone: p.phone ?? null,
        uscc: p.uscc ?? null,
      }));
    }
    return m;
  });
  const ctx = {
    vault: kernel.vault,
    actor,
    source,
    channel,
    areaIndex: await areaIndexFor(kernel.db),
    classifier: defaultClassifier(),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await kernel.db.transaction().execute((tx) => processRecords(tx, ctx, mapped));
      await announce(kernel, result.events);
      return result;
    } catch (e) {
      if (!isUniqueViolation(e) || attempt >= 2) throw e;
    }
  }
}

export interface DisputeFormInput {
  title: string;
  description: string;
  category?: string | undefined;
  reportedAt?: string | undefined;
  areaCode?: string | undefined;
  address?: string | undefined;
  point?: { lng: number; lat: number } | undefined;
  amount?: number | undefined;
  peopleInvolved?: number | undefined;
  parties: PartyFields[];
  /** A client-made key: the same form sent twice (a double click, a retry) registers one dispute. */
  idempotencyKey?: string | undefined;
}

/** The web form of grid workers and service windows: one record, source `web`. */
export async function registerDispute(
  kernel: Kernel,
  actor: Actor,
  input: DisputeFormInput,
): Promise<IntakeOutcome> {
  assertCan(actor, 'matter:report');
  const source = await getSource(kernel.db, 'web');
  const result = await intake(kernel, actor, source, 'web', [
    {
      recordKey: input.idempotencyKey ?? randomUUID(),
      reportedAt: input.reportedAt ?? new Date().toISOString(),
      title: input.title,
      description: input.description,
      category: input.category ?? null,
      areaCode: input.areaCode ?? null,
      address: input.address ?? null,
      lng: input.point?.lng ?? null,
      lat: input.point?.lat ?? null,
      amount: input.amount ?? null,
      peopleInvolved: input.peopleInvolved ?? null,
      parties: input.parties,
    },
  ]);
  const outcome = result.outcomes[0]!;
  if (outcome.status === 'rejected') {
    throw new AppError(
      'VALIDATION_FAILED',
      `登记未通过校验 / The dispute could not be registered: ${outcome.errors?.map((e) => e.reason).join('; ')}`,
      (outcome.errors ?? []).map((e) => ({ path: e.field, code: e.code, message: e.reason })),
    );
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------------
// The library: search and filter across every source

export const OUTCOMES = ['resolved', 'settled', 'open'] as const;

export interface DisputeQuery {
  q?: string | undefined;
  category?: string | undefined;
  areaCode?: string | undefined;
  status?: string[] | undefined;
  outcome?: (typeof OUTCOMES)[number] | undefined;
  source?: string | undefined;
  subject?: string | undefined;
  risk?: RiskLevel | undefined;
  mass?: boolean | undefined;
  multiSource?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface DisputeListItem {
  id: string;
  number: string;
  title: string;
  description: string | null;
  category: string | null;
  categoryName: { zh: string; en: string } | null;
  status: string;
  statusName: { zh: string; en: string };
  closed: boolean;
  areaCode: string;
  areaName: string | null;
  reportedAt: string;
  riskLevel: RiskLevel;
  mass: boolean;
  peopleInvolved: number;
  amount: number | null;
  sources: string[];
  deadlineState: string;
  dueAt: string | null;
}

const CATEGORY_NAMES = new Map(DISPUTE_CATEGORIES.map((c) => [c.code as string, c.name]));

/** The library's filters as one SQL condition on `matters m` (scope is added by the caller). */
function disputeFilters(f: Omit<DisputeQuery, 'cursor' | 'limit'>) {
  const conds: ReturnType<typeof sql<SqlBool>>[] = [sql<SqlBool>`m.type = 'dispute'`];
  if (f.category) conds.push(sql<SqlBool>`m.category = ${f.category}`);
  if (f.areaCode) conds.push(underAreaSql(f.areaCode, 'm.area_code'));
  if (f.status?.length) conds.push(sql<SqlBool>`m.status in (${sql.join(f.status)})`);
  if (f.outcome === 'resolved') conds.push(sql<SqlBool>`m.status in (${sql.join(RESOLVED_STATES)})`);
  if (f.outcome === 'settled') conds.push(sql<SqlBool>`m.status in (${sql.join(SETTLED_STATES)})`);
  if (f.outcome === 'open')
    conds.push(sql<SqlBool>`m.status not in (${sql.join(SETTLED_STATES)}) and not m.closed`);
  if (f.source)
    conds.push(
      sql<SqlBool>`exists (select 1 from dispute_records r where r.matter_id = m.id and r.source_code = ${f.source})`,
    );
  if (f.subject) {
    const [kind, id] = f.subject.split(':');
    conds.push(
      sql<SqlBool>`exists (select 1 from matter_parties p where p.matter_id = m.id and p.subject_type = ${kind} and p.subject_id = ${id}::bigint)`,
    );
  }
  if (f.risk) conds.push(sql<SqlBool>`m.payload->>'riskLevel' = ${f.risk}`);
  if (f.mass !== undefined)
    conds.push(sql<SqlBool>`coalesce((m.payload->>'mass')::boolean, false) = ${f.mass}`);
  if (f.multiSource) conds.push(sql<SqlBool>`jsonb_array_length(m.payload->'sources') > 1`);
  if (f.from) conds.push(sql<SqlBool>`m.created_at >= ${new Date(f.from)}`);
  if (f.to) conds.push(sql<SqlBool>`m.created_at < ${new Date(f.to)}`);
  if (f.q) {
    const tokens = queryTokens(f.q);
    const title = sql<SqlBool>`m.title like ${containsPattern(f.q)}`;
    conds.push(
      tokens.length ? sql<SqlBool>`(m.search_tokens @> ${sql.val(tokens)}::text[] or ${title})` : title,
    );
  }
  return sql.join(conds, sql` and `);
}

interface ListRow {
  id: string;
  number: string;
  title: string;
  description: string | null;
  category: string | null;
  status: string;
  closed: boolean;
  area_code: string;
  area_name: string | null;
  created_at: Date;
  payload: Partial<DisputePayload>;
  deadline_state: string;
  due_at: Date | null;
}

function presentItem(r: ListRow): DisputeListItem {
  const p = r.payload ?? {};
  return {
    id: r.id,
    number: r.number,
    title: r.title,
    description: r.description,
    category: r.category,
    categoryName: r.category ? (CATEGORY_NAMES.get(r.category) ?? null) : null,
    status: r.status,
    statusName: disputeWorkflow.states[r.status]?.name ?? { zh: r.status, en: r.status },
    closed: r.closed,
    areaCode: r.area_code,
    areaName: r.area_name,
    reportedAt: r.created_at.toISOString(),
    riskLevel: RISK_LEVELS.includes(p.riskLevel as RiskLevel) ? (p.riskLevel as RiskLevel) : 'low',
    mass: p.mass ?? false,
    peopleInvolved: p.peopleInvolved ?? 1,
    amount: p.amount ?? null,
    sources: p.sources ?? [],
    deadlineState: r.deadline_state,
    dueAt: r.due_at?.toISOString() ?? null,
  };
}

/** One page of the library, newest first, keyset-paginated on (reported time, id). */
export async function listDisputes(
  db: DbOrTx,
  actor: Actor,
  query: DisputeQuery,
): Promise<{ items: DisputeListItem[]; nextCursor: string | null }> {
  assertCan(actor, 'matter:read');
  const where = disputeFilters(query);
  const c = query.cursor ? decodeCursor(query.cursor) : null;
  const after = c?.v ? sql`and (m.created_at, m.id) < (${new Date(c.v)}, ${c.id}::bigint)` : sql``;
  const rows = await sql<ListRow>`
    select m.id, m.number, m.title, m.description, m.category, m.status, m.closed, m.area_code, a.name as area_name,
           m.created_at, m.payload, m.deadline_state, m.due_at
    from matters m
    left join areas a on a.code = m.area_code
    where ${where} and ${visibleSql(actor)} ${after}
    order by m.created_at desc, m.id desc
    limit ${query.limit + 1}`.execute(db);
  const page = rows.rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(presentItem),
    nextCursor:
      rows.rows.length > query.limit && last
        ? encodeCursor({ v: last.created_at.toISOString(), id: last.id })
        : null,
  };
}

export async function countDisputes(db: DbOrTx, actor: Actor, query: Omit<DisputeQuery, 'cursor' | 'limit'>) {
  assertCan(actor, 'matter:read');
  const r = await sql<{ n: string }>`
    select count(*) as n from matters m where ${disputeFilters(query)} and ${visibleSql(actor)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export interface SourceRecord {
  id: string;
  source: string;
  sourceName: { zh: string; en: string };
  department: string | null;
  recordKey: string;
  channel: Channel;
  jobId: string | null;
  rowNo: number | null;
  reportedAt: string;
  receivedAt: string;
  sourceCategory: string | null;
  category: string;
  title: string;
  description: string | null;
  address: string | null;
  parties: { role: string; kind: string; name: string; subjectId?: string }[];
  data: Record<string, unknown>;
}

/** Every record that fed a dispute, oldest first: what each department said, side by side. */
export async function disputeRecords(db: DbOrTx, actor: Actor, matterId: string): Promise<SourceRecord[]> {
  const m = await findMatterRow(db, actor, matterId);
  if (m.type !== 'dispute') throw new AppError('NOT_FOUND', `${m.number} 不是矛盾纠纷 / not a dispute`);
  const rows = await ddb(db)
    .selectFrom('dispute_records as r')
    .innerJoin('dispute_sources as s', 's.code', 'r.source_code')
    .select([
      'r.id',
      'r.source_code',
      's.name',
      's.name_en',
      's.department_code',
      'r.record_key',
      'r.channel',
      'r.job_id',
      'r.row_no',
      'r.reported_at',
      'r.created_at',
      'r.source_category',
      'r.category',
      'r.title',
      'r.description',
      'r.address',
      'r.parties',
      'r.data',
    ])
    .where('r.matter_id', '=', matterId)
    .orderBy('r.reported_at')
    .orderBy('r.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    source: r.source_code,
    sourceName: { zh: r.name, en: r.name_en },
    department: r.department_code,
    recordKey: r.record_key,
    channel: r.channel,
    jobId: r.job_id,
    rowNo: r.row_no,
    reportedAt: new Date(r.reported_at).toISOString(),
    receivedAt: r.created_at.toISOString(),
    sourceCategory: r.source_category,
    category: r.category,
    title: r.title,
    description: r.description,
    address: r.address,
    parties: r.parties as SourceRecord['parties'],
    data: r.data as Record<string, unknown>,
  }));
}

import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { z } from 'zod';
import { type Actor, assertCan, inScope } from '../../core/access/actor.ts';
import { underAreaSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import { visibleSql } from '../../core/matters/matters.service.ts';
import { getMatterType } from '../../core/matters/registry.ts';
import { maskName } from '../../core/subjects/vault.ts';
import { cstDate } from '../../core/workflow/deadlines.ts';
import { ddb } from './dispute.tables.ts';
import { disputeWorkflow, RESOLVED_STATES, SETTLED_STATES } from './dispute.workflow.ts';

/**
 * The library's analysis: counts by category × area × month with year-on-year, the sources' coverage, the
 * parties that come back, and 化解率 by area. Every query counts only disputes the actor may see
 * (`visibleSql`) under the chosen area, by the day they were reported (matters.created_at, China Standard
 * Time); every figure carries the link that lists the disputes behind it.
 */

export const MAX_MONTHS = 36;
/** A source that sent nothing for longer than this is flagged on the coverage table. */
export const SILENT_DAYS = 7;
/** How far back "last received" looks besides the period (disputes reported since then). */
const LIVENESS_DAYS = 366;
export const PARTIES_MAX_LIMIT = 200;
export const EXPORT_MAX_ROWS = 50_000;

type Name = { zh: string; en: string };

// ---------------------------------------------------------------------------------------------------------
// Days and months in China Standard Time (no daylight saving since 1991: a fixed +08:00).

const DAY_MS = 86_400_000;
const CST_MS = 8 * 3_600_000;

function ymd(day: string): [number, number, number] {
  return [Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))];
}

const fmtDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const daysIn = (y: number, m0: number) => new Date(Date.UTC(y, m0 + 1, 0)).getUTCDate();

export function addDays(day: string, n: number): string {
  const [y, m, d] = ymd(day);
  return fmtDay(Date.UTC(y, m, d) + n * DAY_MS);
}

/** The same day n months later, clamped to the month's end (2024-02-29 − 12 months → 2023-02-28). */
export function addMonths(day: string, n: number): string {
  const [y, m, d] = ymd(day);
  const total = y * 12 + m + n;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12;
  return fmtDay(Date.UTC(ny, nm, Math.min(d, daysIn(ny, nm))));
}

/** The instant a day begins in China. */
export const cstStart = (day: string): Date => {
  const [y, m, d] = ymd(day);
  return new Date(Date.UTC(y, m, d) - CST_MS);
};

const monthIndex = (day: string) => Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;
const monthOf = (i: number) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;

export interface Month {
  /** 'YYYY-MM' */
  month: string;
  /** The month's days inside the period (the first and last months may be partial), inclusive. */
  from: string;
  to: string;
}

export interface Period {
  /** Inclusive days, 'YYYY-MM-DD' in China Standard Time. */
  from: string;
  to: string;
  /** The same instants as [from, to + 1 day). */
  start: Date;
  end: Date;
  months: Month[];
}

function periodOf(from: string, to: string): Period {
  const months: Month[] = [];
  for (let i = monthIndex(from); i <= monthIndex(to); i++) {
    const first = `${monthOf(i)}-01`;
    const last = `${monthOf(i)}-${String(daysIn(Math.floor(i / 12), i % 12)).padStart(2, '0')}`;
    months.push({ month: monthOf(i), from: first < from ? from : first, to: last > to ? to : last });
  }
  return { from, to, start: cstStart(from), end: cstStart(addDays(to, 1)), months };
}

const invalid = (path: string, zh: string, en: string) =>
  new AppError('VALIDATION_FAILED', `${zh} / ${en}`, [{ path: `querystring.${path}`, message: en }]);

/**
 * The period asked for: both days inclusive; by default the last 12 calendar months up to today. At most
 * MAX_MONTHS calendar months, so that a query's size is bounded.
 */
export function resolvePeriod(q: { from?: string | undefined; to?: string | undefined }, now = new Date()) {
  const today = cstDate(now);
  const to = q.to ?? today;
  const from = q.from ?? `${addMonths(to, -11).slice(0, 7)}-01`;
  for (const [k, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (v < '2000-01-01' || v > '2099-12-31') {
      throw invalid(k, '日期须在 2000 至 2099 年之间', 'Dates must fall between 2000 and 2099');
    }
  }
  if (from > to) throw invalid('from', '开始日期晚于结束日期', 'The start date is after the end date');
  if (monthIndex(to) - monthIndex(from) + 1 > MAX_MONTHS) {
    throw invalid(
      'to',
      `统计期间最长 ${MAX_MONTHS} 个月`,
      `The period may span at most ${MAX_MONTHS} calendar months`,
    );
  }
  return periodOf(from, to);
}

/** The same days one year earlier (29 February becomes the 28th). */
export const yearEarlier = (p: Period): Period => periodOf(addMonths(p.from, -12), addMonths(p.to, -12));

// ---------------------------------------------------------------------------------------------------------
// Areas: the chosen one (in scope) and its children, one level down.

export interface AreaRef {
  code: string;
  name: string;
  level: number;
}

/** Length of the significant prefix of an area one level below each level (city 3303 → county 330302…). */
const CHILD_PREFIX: Record<number, number> = { 1: 6, 2: 9, 3: 12, 4: 15, 5: 15 };

/** The area asked for, defaulting to the actor's own; outside the actor's scope it does not exist (404). */
export async function resolveArea(db: DbOrTx, actor: Actor, code: string | undefined): Promise<AreaRef> {
  const wanted = code ?? actor.areaCode;
  const missing = notFound(`区域 ${wanted} / area ${wanted}`);
  if (!inScope(actor, wanted)) throw missing;
  const row = await db
    .selectFrom('areas')
    .select(['code', 'name', 'level'])
    .where('code', '=', wanted)
    .executeTakeFirst();
  if (!row) throw missing;
  return row;
}

async function childrenOf(db: DbOrTx, area: AreaRef): Promise<AreaRef[]> {
  return db
    .selectFrom('areas')
    .select(['code', 'name', 'level'])
    .where('parent_code', '=', area.code)
    .orderBy('code')
    .execute();
}

/**
 * The child area a dispute falls in, from its area code alone: looking at a county, 330302006044001 (a grid
 * of a village of 五马街道) → left(…, 9) = 330302006 → the town 330302006000. A dispute filed at the area
 * itself maps to the area itself (shown as 本级). Below a village the child is the grid, its own code.
 */
function childPrefixSql(area: AreaRef): RawBuilder<string> {
  return sql<string>`left(area_code, ${sql.lit(CHILD_PREFIX[area.level] ?? 15)})`;
}

const childCode = (prefix: string) => (prefix.length >= 12 ? prefix : prefix.padEnd(12, '0'));

/**
 * The month of the period a dispute falls in, 1-based: width_bucket against the instants each month
 * begins in China — a binary search per row, no time-zone arithmetic.
 */
function monthSql(p: Period): RawBuilder<number> {
  const starts = p.months.map((m) => cstStart(m.from).toISOString());
  return sql<number>`width_bucket(created_at, ${starts}::timestamptz[])`;
}

export interface AreaColumn extends AreaRef {
  /** The chosen area itself: disputes filed at its own level, not in any child. */
  own: boolean;
}

/** The children, plus the area itself (and any code not among them) when some dispute falls there. */
async function columnsFor(
  db: DbOrTx,
  area: AreaRef,
  children: AreaRef[],
  buckets: Iterable<string>,
): Promise<AreaColumn[]> {
  const known = new Set(children.map((c) => c.code));
  const extra = [...new Set(buckets)].filter((c) => !known.has(c));
  const names = extra.length
    ? await db.selectFrom('areas').select(['code', 'name', 'level']).where('code', 'in', extra).execute()
    : [];
  const byCode = new Map(names.map((n) => [n.code, n]));
  const others = extra.sort().map((code) => {
    const found = byCode.get(code);
    return { code, name: found?.name ?? code, level: found?.level ?? area.level, own: code === area.code };
  });
  return [
    ...others.filter((o) => o.own),
    ...children.map((c) => ({ ...c, own: false })),
    ...others.filter((o) => !o.own),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// The disputes counted: the one condition every query below starts from.

const categoryCodes = () => getMatterType('dispute').categories.map((c) => c.code);

interface Range {
  start: Date;
  end: Date;
}

/**
 * Disputes the actor may see, filed under `area`, reported within one of the ranges [start, end). The
 * category list lets matters_dispute_category_idx (category, created_at) where type = 'dispute' serve the
 * period; for a small area the planner takes the area_code text_pattern_ops index instead. Columns are
 * unqualified (as in visibleSql): use it on `matters` alone, in a subquery when joining.
 */
function disputesWhere(actor: Actor, area: AreaRef, ...ranges: Range[]): RawBuilder<SqlBool> {
  const when = ranges.map((r) => sql`(created_at >= ${r.start} and created_at < ${r.end})`);
  return sql<SqlBool>`type = 'dispute'
    and category = any(${categoryCodes()}::text[])
    and (${sql.join(when, sql` or `)})
    and ${underAreaSql(area.code)}
    and ${visibleSql(actor)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Links to the dispute list (and, for overdue, which the list does not filter, to the generic work queue).

type LinkParams = Record<string, string | undefined>;

function link(path: string, params: LinkParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `${path}?${q.toString()}`;
}

/** `/disputes?category=…&areaCode=…&from=…&to=…` (days inclusive), `&source=…`, `&subject=person:1`, `&outcome=…`. */
export const disputesLink = (p: LinkParams) => link('/disputes', p);
const queueLink = (p: LinkParams) => link('/matters', { type: 'dispute', ...p });

/** Year-on-year change in percent (one decimal); null when last year had none. */
export function yoy(count: number, lastYear: number): number | null {
  if (lastYear === 0) return null;
  return Math.round(((count - lastYear) / lastYear) * 1000) / 10;
}

// ---------------------------------------------------------------------------------------------------------
// 1. Category × area × month, with the same period a year earlier.

export interface Figure {
  count: number;
  lastYear: number;
  /** Percent; null when last year had none. */
  yoy: number | null;
  /** Counts per month of the period, in the order of `months`. */
  months: number[];
  /** The disputes behind `count`, and those behind `lastYear`. */
  link: string;
  lastYearLink: string;
}

export interface Matrix {
  area: AreaRef;
  from: string;
  to: string;
  months: Month[];
  lastYear: { from: string; to: string };
  categories: { code: string; name: Name }[];
  areas: AreaColumn[];
  /** Only the (category, area) pairs with a dispute in either period. */
  cells: (Figure & { category: string; areaCode: string })[];
  byCategory: (Figure & { category: string })[];
  byArea: (Figure & { areaCode: string })[];
  total: Figure & { lastYearMonths: number[] };
}

interface CountRow {
  category: string;
  child: string;
  /** 1-based month of the period. */
  month: number;
  n: number;
}

async function countsByCategoryAreaMonth(
  db: DbOrTx,
  actor: Actor,
  area: AreaRef,
  p: Period,
): Promise<CountRow[]> {
  const r = await sql<CountRow>`
    select category,
           ${childPrefixSql(area)} as child,
           ${monthSql(p)} as month,
           count(*)::int as n
    from matters
    where ${disputesWhere(actor, area, p)}
    group by 1, 2, 3`.execute(db);
  return r.rows.map((x) => ({ ...x, child: childCode(x.child) }));
}

export async function getMatrix(
  db: DbOrTx,
  actor: Actor,
  q: { areaCode?: string | undefined; from?: string | undefined; to?: string | undefined },
): Promise<Matrix> {
  assertCan(actor, 'matter:read');
  const period = resolvePeriod(q);
  const area = await resolveArea(db, actor, q.areaCode);
  const before = yearEarlier(period);
  const children = await childrenOf(db, area);
  const now = await countsByCategoryAreaMonth(db, actor, area, period);
  const then = await countsByCategoryAreaMonth(db, actor, area, before);
  const type = getMatterType('dispute');
  const categories = type.categories.map((c) => ({ code: c.code, name: c.name }));
  const areas = await columnsFor(
    db,
    area,
    children,
    [...now, ...then].map((r) => r.child),
  );

  const blank = () => ({
    count: 0,
    lastYear: 0,
    months: period.months.map(() => 0),
    lastYearMonths: period.months.map(() => 0),
  });
  type Acc = ReturnType<typeof blank>;
  const cells = new Map<string, Acc>();
  const byCategory = new Map<string, Acc>();
  const byArea = new Map<string, Acc>();
  const total = blank();
  const accs = (r: CountRow) => {
    const key = `${r.category}|${r.child}`;
    if (!cells.has(key)) cells.set(key, blank());
    if (!byCategory.has(r.category)) byCategory.set(r.category, blank());
    if (!byArea.has(r.child)) byArea.set(r.child, blank());
    return [cells.get(key)!, byCategory.get(r.category)!, byArea.get(r.child)!, total];
  };
  // Last year's months line up with this year's by position: 2025-03 sits under 2026-03.
  for (const r of now) {
    for (const a of accs(r)) {
      a.count += r.n;
      a.months[r.month - 1]! += r.n;
    }
  }
  for (const r of then) {
    for (const a of accs(r)) {
      a.lastYear += r.n;
      a.lastYearMonths[r.month - 1]! += r.n;
    }
  }

  const periodOfLinks = { from: period.from, to: period.to };
  const beforeOfLinks = { from: before.from, to: before.to };
  const figure = (a: Acc, filters: LinkParams): Figure => ({
    count: a.count,
    lastYear: a.lastYear,
    yoy: yoy(a.count, a.lastYear),
    months: a.months,
    link: disputesLink({ ...filters, ...periodOfLinks }),
    lastYearLink: disputesLink({ ...filters, ...beforeOfLinks }),
  });
  const catOrder = new Map(categories.map((c, i) => [c.code, i]));
  const areaOrder = new Map(areas.map((a, i) => [a.code, i]));
  return {
    area,
    from: period.from,
    to: period.to,
    months: period.months,
    lastYear: beforeOfLinks,
    categories,
    areas,
    cells: [...cells.entries()]
      .map(([key, a]) => {
        const [category, areaCode] = key.split('|') as [string, string];
        return { category, areaCode, ...figure(a, { category, areaCode }) };
      })
      .sort(
        (x, y) =>
          (catOrder.get(x.category) ?? 99) - (catOrder.get(y.category) ?? 99) ||
          (areaOrder.get(x.areaCode) ?? 0) - (areaOrder.get(y.areaCode) ?? 0),
      ),
    byCategory: categories.map((c) => ({
      category: c.code,
      ...figure(byCategory.get(c.code) ?? blank(), { category: c.code, areaCode: area.code }),
    })),
    byArea: areas.map((a) => ({
      areaCode: a.code,
      ...figure(byArea.get(a.code) ?? blank(), { areaCode: a.code }),
    })),
    total: { ...figure(total, { areaCode: area.code }), lastYearMonths: total.lastYearMonths },
  };
}

// ---------------------------------------------------------------------------------------------------------
// 2. Sources: what each department and channel fed, and when it last did.

export interface SourceCoverage {
  code: string;
  name: Name;
  departmentCode: string | null;
  enabled: boolean;
  /** Records of this source that fed the disputes reported in the period. */
  records: number;
  /** Distinct disputes among them (what the link lists). */
  disputes: number;
  /** Records whose dispute holds more than one record: merged with another report of the same dispute. */
  merged: number;
  /** merged ÷ records; null when no records. */
  mergedShare: number | null;
  /** The newest record received (and the newest event date it reported), looking back at least a year. */
  lastReceivedAt: string | null;
  lastReportedAt: string | null;
  /** Nothing received for more than SILENT_DAYS days (or nothing at all). */
  silent: boolean;
  /** Records per month of the period (by the dispute's month). */
  months: number[];
  link: string;
}

export interface SourcesReport {
  area: AreaRef;
  from: string;
  to: string;
  months: Month[];
  silentDays: number;
  items: SourceCoverage[];
}

export async function getSources(
  db: DbOrTx,
  actor: Actor,
  q: { areaCode?: string | undefined; from?: string | undefined; to?: string | undefined },
  now = new Date(),
): Promise<SourcesReport> {
  assertCan(actor, 'matter:read');
  const period = resolvePeriod(q, now);
  const area = await resolveArea(db, actor, q.areaCode);
  const sources = await ddb(db)
    .selectFrom('dispute_sources')
    .select(['code', 'name', 'name_en', 'department_code', 'enabled'])
    .orderBy('code')
    .execute();

  // One pass over the disputes of the period and of the last year (for "last received"): each record of
  // theirs with its source, the dispute's month, how many records the dispute holds (more than one: it was
  // merged with another report) and whether it is the first of its source on that dispute (to count
  // disputes, not records). A record always feeds a dispute reported no later than it was received.
  const recent = {
    start: new Date(now.getTime() - LIVENESS_DAYS * DAY_MS),
    end: new Date(now.getTime() + DAY_MS),
  };
  const fed = await sql<{
    source_code: string;
    month: number;
    records: number;
    disputes: number;
    merged: number;
    received: Date;
    reported: Date;
  }>`
    with d as (
      select id,
             ${monthSql(period)} as month,
             (created_at >= ${period.start} and created_at < ${period.end}) as in_period
      from matters
      where ${disputesWhere(actor, area, period, recent)}
    ),
    fed as (
      select r.source_code, r.created_at, r.reported_at, d.month, d.in_period,
             count(*) over (partition by r.matter_id) as of_dispute,
             row_number() over (partition by r.matter_id, r.source_code) as nth_of_source
      from d join dispute_records r on r.matter_id = d.id
    )
    select source_code, month,
           (count(*) filter (where in_period))::int as records,
           (count(*) filter (where in_period and nth_of_source = 1))::int as disputes,
           (count(*) filter (where in_period and of_dispute > 1))::int as merged,
           max(created_at) as received,
           max(reported_at) as reported
    from fed
    group by 1, 2`.execute(db);

  const items = sources.map((s): SourceCoverage => {
    const rows = fed.rows.filter((x) => x.source_code === s.code);
    const months = period.months.map(() => 0);
    for (const x of rows) if (x.records) months[x.month - 1]! += x.records;
    const sum = (k: 'records' | 'disputes' | 'merged') => rows.reduce((a, x) => a + x[k], 0);
    const latest = (k: 'received' | 'reported') =>
      rows.reduce<Date | null>((a, x) => (a && a >= x[k] ? a : new Date(x[k])), null);
    const records = sum('records');
    const merged = sum('merged');
    const received = latest('received');
    return {
      code: s.code,
      name: { zh: s.name, en: s.name_en },
      departmentCode: s.department_code,
      enabled: s.enabled,
      records,
      disputes: sum('disputes'),
      merged,
      mergedShare: records ? Math.round((merged / records) * 10_000) / 10_000 : null,
      lastReceivedAt: received?.toISOString() ?? null,
      lastReportedAt: latest('reported')?.toISOString() ?? null,
      silent: !received || now.getTime() - received.getTime() > SILENT_DAYS * DAY_MS,
      months,
      link: disputesLink({ source: s.code, areaCode: area.code, from: period.from, to: period.to }),
    };
  });
  items.sort((a, b) => b.records - a.records || a.code.localeCompare(b.code));
  return {
    area,
    from: period.from,
    to: period.to,
    months: period.months,
    silentDays: SILENT_DAYS,
    items,
  };
}

// ---------------------------------------------------------------------------------------------------------
// 3. Parties in several disputes.

export interface RepeatParty {
  subjectType: 'person' | 'enterprise';
  subjectId: string;
  /** A person's name masked (张**), an enterprise's in full. */
  name: string;
  disputes: number;
  categories: string[];
  lastDisputeAt: string;
  link: string;
}

export interface RepeatPartiesPage {
  area: AreaRef;
  from: string;
  to: string;
  minDisputes: number;
  months: number;
  total: number;
  items: RepeatParty[];
  nextCursor: string | null;
}

export interface RepeatPartiesQuery {
  areaCode?: string | undefined;
  minDisputes: number;
  months: number;
  subjectType?: 'person' | 'enterprise' | undefined;
  limit: number;
  cursor?: string | undefined;
}

const Cursor = z.tuple([
  z.number().int().min(1),
  z.enum(['person', 'enterprise']),
  z.string().regex(/^\d{1,18}$/),
]);
type Cursor = z.infer<typeof Cursor>;

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(s: string): Cursor {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(s, 'base64url').toString('utf8')));
  } catch {
    throw invalid('cursor', '翻页标记无效', 'The cursor is not valid');
  }
}

/** A person's name masked (张**), an enterprise's in full; '—' when the subject is gone. */
function partyName(x: { subject_type: string; person_name: string | null; enterprise_name: string | null }) {
  if (x.subject_type === 'enterprise') return x.enterprise_name ?? '—';
  return x.person_name ? maskName(x.person_name) : '—';
}

/** The window of a repeat-parties query: the last `months` months up to today, both days inclusive. */
export function partiesWindow(months: number, now = new Date()): Period {
  const to = cstDate(now);
  return periodOf(addDays(addMonths(to, -months), 1), to);
}

export async function getRepeatParties(
  db: DbOrTx,
  actor: Actor,
  q: RepeatPartiesQuery,
  now = new Date(),
): Promise<RepeatPartiesPage> {
  assertCan(actor, 'matter:read');
  const area = await resolveArea(db, actor, q.areaCode);
  const w = partiesWindow(q.months, now);
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const types = q.subjectType ? [q.subjectType] : ['person', 'enterprise'];
  const keyset = after
    ? sql<SqlBool>`(n < ${after[0]} or (n = ${after[0]} and (subject_type, subject_id) > (${after[1]}, ${after[2]}::bigint)))`
    : sql<SqlBool>`true`;
  const where = disputesWhere(actor, area, w);
  // p: each person or enterprise named in at least minDisputes of the disputes d (a party named twice in
  // one dispute, as applicant and respondent, counts once).
  const withParties = sql`
    with d as (
      select id, created_at
      from matters
      where ${where}
    ),
    p as (
      select subject_type, subject_id, count(*)::int as n, max(created_at) as last_at
      from (
        select distinct mp.subject_type, mp.subject_id, d.id, d.created_at
        from d join matter_parties mp on mp.matter_id = d.id
        where mp.subject_type = any(${types}::text[])
      ) named
      group by 1, 2
      having count(*) >= ${q.minDisputes}
    )`;
  // The page first; names and categories only for its rows.
  const r = await sql<{
    subject_type: 'person' | 'enterprise';
    subject_id: string;
    n: number;
    last_at: Date;
    categories: string[] | null;
    person_name: string | null;
    enterprise_name: string | null;
    total: number;
  }>`
    ${withParties},
    page as (
      select * from p
      where ${keyset}
      order by n desc, subject_type, subject_id
      limit ${q.limit + 1}
    )
    select page.subject_type, page.subject_id::text as subject_id, page.n, page.last_at,
           (select array_agg(distinct m.category)
              from matter_parties mp
              join (select id, category from matters where ${where}) m on m.id = mp.matter_id
             where mp.subject_type = page.subject_type and mp.subject_id = page.subject_id) as categories,
           pe.name as person_name, e.name as enterprise_name,
           (select count(*) from p)::int as total
    from page
    left join persons pe on page.subject_type = 'person' and pe.id = page.subject_id
    left join enterprises e on page.subject_type = 'enterprise' and e.id = page.subject_id
    order by page.n desc, page.subject_type, page.subject_id`.execute(db);
  // Past the last page there is no row to carry the total: count it on its own (rare).
  const total =
    r.rows[0]?.total ??
    (after
      ? ((await sql<{ total: number }>`${withParties} select count(*)::int as total from p`.execute(db))
          .rows[0]?.total ?? 0)
      : 0);

  const rows = r.rows.slice(0, q.limit);
  const order = new Map(categoryCodes().map((c, i) => [c, i]));
  const lastRow = rows.at(-1);
  return {
    area,
    from: w.from,
    to: w.to,
    minDisputes: q.minDisputes,
    months: q.months,
    total,
    items: rows.map((x) => {
      const subject = `${x.subject_type}:${x.subject_id}`;
      return {
        subjectType: x.subject_type,
        subjectId: x.subject_id,
        name: partyName(x),
        disputes: x.n,
        categories: [...(x.categories ?? [])].sort((a, b) => (order.get(a) ?? 99) - (order.get(b) ?? 99)),
        lastDisputeAt: new Date(x.last_at).toISOString(),
        link: disputesLink({ subject, areaCode: area.code, from: w.from, to: w.to }),
      };
    }),
    nextCursor:
      r.rows.length > q.limit && lastRow
        ? encodeCursor([lastRow.n, lastRow.subject_type, lastRow.subject_id])
        : null,
  };
}

// ---------------------------------------------------------------------------------------------------------
// 4. 化解率 by area.

/** States of a dispute still being handled: open, and no outcome yet (登记, 研判, 化解中). */
export const PENDING_STATES = Object.entries(disputeWorkflow.states)
  .filter(([code, s]) => s.kind === 'open' && !SETTLED_STATES.includes(code))
  .map(([code]) => code);

export interface ResolutionFigures {
  total: number;
  /** Disputes whose outcome is known (化解 or not). */
  settled: number;
  resolved: number;
  /** resolved ÷ settled, 0–1; null when nothing is settled (无数据, not 0 %). */
  rate: number | null;
  /** Still being handled (PENDING_STATES). */
  open: number;
  /** Open (not closed) and past their deadline. */
  overdue: number;
  links: { total: string; settled: string; resolved: string; open: string; overdue: string };
}

export interface ResolutionReport {
  area: AreaRef;
  from: string;
  to: string;
  items: (ResolutionFigures & AreaColumn)[];
  total: ResolutionFigures;
}

type ResolutionCounts = Pick<ResolutionFigures, 'total' | 'settled' | 'resolved' | 'open' | 'overdue'>;

export async function getResolution(
  db: DbOrTx,
  actor: Actor,
  q: { areaCode?: string | undefined; from?: string | undefined; to?: string | undefined },
): Promise<ResolutionReport> {
  assertCan(actor, 'matter:read');
  const period = resolvePeriod(q);
  const area = await resolveArea(db, actor, q.areaCode);
  const children = await childrenOf(db, area);
  const r = await sql<ResolutionCounts & { child: string }>`
    select ${childPrefixSql(area)} as child,
           count(*)::int as total,
           (count(*) filter (where status = any(${SETTLED_STATES}::text[])))::int as settled,
           (count(*) filter (where status = any(${RESOLVED_STATES}::text[])))::int as resolved,
           (count(*) filter (where not closed and status = any(${PENDING_STATES}::text[])))::int as open,
           (count(*) filter (where not closed and deadline_state = 'overdue'))::int as overdue
    from matters
    where ${disputesWhere(actor, area, period)}
    group by 1`.execute(db);
  const byChild = new Map(r.rows.map((x) => [childCode(x.child), x]));
  const areas = await columnsFor(db, area, children, byChild.keys());
  const present = (c: ResolutionCounts | undefined, areaCode: string): ResolutionFigures => {
    const x = c ?? { total: 0, settled: 0, resolved: 0, open: 0, overdue: 0 };
    const base = { areaCode, from: period.from, to: period.to };
    return {
      total: x.total,
      settled: x.settled,
      resolved: x.resolved,
      rate: x.settled ? Math.round((x.resolved / x.settled) * 10_000) / 10_000 : null,
      open: x.open,
      overdue: x.overdue,
      links: {
        total: disputesLink(base),
        settled: disputesLink({ ...base, outcome: 'settled' }),
        resolved: disputesLink({ ...base, outcome: 'resolved' }),
        open: disputesLink({ ...base, outcome: 'open' }),
        overdue: queueLink({ ...base, deadlineState: 'overdue', closed: 'false' }),
      },
    };
  };
  const sum = r.rows.reduce(
    (a, x) => ({
      total: a.total + x.total,
      settled: a.settled + x.settled,
      resolved: a.resolved + x.resolved,
      open: a.open + x.open,
      overdue: a.overdue + x.overdue,
    }),
    { total: 0, settled: 0, resolved: 0, open: 0, overdue: 0 },
  );
  return {
    area,
    from: period.from,
    to: period.to,
    items: areas.map((a) => ({ ...a, ...present(byChild.get(a.code), a.code) })),
    total: present(sum, area.code),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 5. The same four as Excel workbooks, streamed, with Chinese (and English) headers.

export type AnalysisReport = 'matrix' | 'sources' | 'repeat-parties' | 'resolution';

/** 同比 in percent; '—' when last year had none (no comparison, not 0 %). */
const pct = (v: number | null) => (v === null ? '—' : `${v}%`);
/** 化解率 and shares; 无数据 when there is nothing to divide by. */
const share = (v: number | null) => (v === null ? '无数据' : `${Math.round(v * 1000) / 10}%`);

function workbook(out: Writable) {
  return new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
}

function sheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, name: string, columns: Partial<ExcelJS.Column>[]) {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns;
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  return ws;
}

async function audited(
  db: DbOrTx,
  actor: Actor,
  report: AnalysisReport,
  newValues: Record<string, unknown>,
): Promise<void> {
  await db.transaction().execute((tx) =>
    audit(tx, actor, {
      action: 'dispute.analysis.export',
      entityType: 'dispute_analysis',
      entityId: report,
      newValues,
    }),
  );
}

const areaLabel = (a: AreaColumn) => (a.own ? `${a.name}（本级）` : a.name);

/** Sheet 1: the heat map (an area per row, a category per column); sheet 2: each pair with months and YoY. */
export async function writeMatrixXlsx(db: DbOrTx, actor: Actor, m: Matrix, out: Writable): Promise<void> {
  const wb = workbook(out);
  const heat = sheet(wb, '分类×区域 Heat map', [
    { header: '区域 Area', key: 'area', width: 20 },
    { header: '区划代码 Code', key: 'code', width: 16 },
    ...m.categories.map((c) => ({ header: c.name.zh, key: c.code, width: 10 })),
    { header: '合计 Total', key: 'total', width: 10 },
    { header: '去年同期 Last year', key: 'lastYear', width: 12 },
    { header: '同比 YoY', key: 'yoy', width: 10 },
  ]);
  const cellOf = new Map(m.cells.map((c) => [`${c.category}|${c.areaCode}`, c.count]));
  for (const a of m.areas) {
    const t = m.byArea.find((x) => x.areaCode === a.code);
    heat
      .addRow(
        safeRow({
          area: areaLabel(a),
          code: a.code,
          ...Object.fromEntries(m.categories.map((c) => [c.code, cellOf.get(`${c.code}|${a.code}`) ?? 0])),
          total: t?.count ?? 0,
          lastYear: t?.lastYear ?? 0,
          yoy: pct(t?.yoy ?? null),
        }),
      )
      .commit();
  }
  heat
    .addRow(
      safeRow({
        area: '合计 Total',
        code: m.area.code,
        ...Object.fromEntries(m.byCategory.map((c) => [c.category, c.count])),
        total: m.total.count,
        lastYear: m.total.lastYear,
        yoy: pct(m.total.yoy),
      }),
    )
    .commit();
  heat.commit();

  const detail = sheet(wb, '明细 Detail', [
    { header: '类别 Category', key: 'category', width: 14 },
    { header: '区域 Area', key: 'area', width: 20 },
    { header: '区划代码 Code', key: 'code', width: 16 },
    { header: '本期 Count', key: 'count', width: 10 },
    { header: '去年同期 Last year', key: 'lastYear', width: 12 },
    { header: '同比 YoY', key: 'yoy', width: 10 },
    ...m.months.map((x) => ({ header: x.month, key: `m${x.month}`, width: 9 })),
  ]);
  const catName = new Map(m.categories.map((c) => [c.code, c.name.zh]));
  const areaOf = new Map(m.areas.map((a) => [a.code, a]));
  for (const c of m.cells) {
    const a = areaOf.get(c.areaCode);
    detail
      .addRow(
        safeRow({
          category: catName.get(c.category) ?? c.category,
          area: a ? areaLabel(a) : c.areaCode,
          code: c.areaCode,
          count: c.count,
          lastYear: c.lastYear,
          yoy: pct(c.yoy),
          ...Object.fromEntries(m.months.map((x, i) => [`m${x.month}`, c.months[i] ?? 0])),
        }),
      )
      .commit();
  }
  detail.commit();
  await audited(db, actor, 'matrix', { areaCode: m.area.code, from: m.from, to: m.to, rows: m.cells.length });
  await wb.commit();
}

export async function writeSourcesXlsx(
  db: DbOrTx,
  actor: Actor,
  s: SourcesReport,
  out: Writable,
): Promise<void> {
  const wb = workbook(out);
  const ws = sheet(wb, '数据来源 Sources', [
    { header: '来源 Source', key: 'name', width: 28 },
    { header: '来源代码 Code', key: 'code', width: 14 },
    { header: '接收记录 Records', key: 'records', width: 12 },
    { header: '涉及纠纷 Disputes', key: 'disputes', width: 12 },
    { header: '合并记录 Merged', key: 'merged', width: 12 },
    { header: '合并占比 Merged share', key: 'share', width: 14 },
    { header: '最近接收 Last received', key: 'received', width: 20 },
    { header: '最近上报 Last reported', key: 'reported', width: 20 },
    { header: `静默超${s.silentDays}天 Silent`, key: 'silent', width: 12 },
    ...s.months.map((x) => ({ header: x.month, key: `m${x.month}`, width: 9 })),
  ]);
  for (const x of s.items) {
    ws.addRow(
      safeRow({
        name: x.name.zh,
        code: x.code,
        records: x.records,
        disputes: x.disputes,
        merged: x.merged,
        share: share(x.mergedShare),
        received: x.lastReceivedAt ? new Date(x.lastReceivedAt) : '无',
        reported: x.lastReportedAt ? new Date(x.lastReportedAt) : '无',
        silent: x.silent ? '是' : '否',
        ...Object.fromEntries(s.months.map((m, i) => [`m${m.month}`, x.months[i] ?? 0])),
      }),
    ).commit();
  }
  ws.commit();
  await audited(db, actor, 'sources', {
    areaCode: s.area.code,
    from: s.from,
    to: s.to,
    rows: s.items.length,
  });
  await wb.commit();
}

/** Every page of the query (up to EXPORT_MAX_ROWS), written as it is read. */
export async function writeRepeatPartiesXlsx(
  db: DbOrTx,
  actor: Actor,
  q: Omit<RepeatPartiesQuery, 'limit' | 'cursor'>,
  out: Writable,
): Promise<void> {
  const wb = workbook(out);
  const ws = sheet(wb, '重复当事人 Repeat parties', [
    { header: '类型 Type', key: 'type', width: 8 },
    { header: '编号 ID', key: 'id', width: 10 },
    { header: '名称 Name', key: 'name', width: 30 },
    { header: '纠纷数 Disputes', key: 'disputes', width: 10 },
    { header: '类别 Categories', key: 'categories', width: 40 },
    { header: '最近纠纷 Last dispute', key: 'last', width: 20 },
  ]);
  const catName = new Map(getMatterType('dispute').categories.map((c) => [c.code, c.name.zh]));
  let cursor: string | undefined;
  let n = 0;
  let span = { from: '', to: '' };
  do {
    const page = await getRepeatParties(db, actor, { ...q, limit: PARTIES_MAX_LIMIT, cursor });
    span = { from: page.from, to: page.to };
    for (const x of page.items) {
      if (n >= EXPORT_MAX_ROWS) break;
      ws.addRow(
        safeRow({
          type: x.subjectType === 'person' ? '个人' : '企业',
          id: x.subjectId,
          name: x.name,
          disputes: x.disputes,
          categories: x.categories.map((c) => catName.get(c) ?? c).join('、'),
          last: new Date(x.lastDisputeAt),
        }),
      ).commit();
      n++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && n < EXPORT_MAX_ROWS);
  ws.commit();
  await audited(db, actor, 'repeat-parties', { ...q, ...span, rows: n });
  await wb.commit();
}

export async function writeResolutionXlsx(
  db: DbOrTx,
  actor: Actor,
  r: ResolutionReport,
  out: Writable,
): Promise<void> {
  const wb = workbook(out);
  const ws = sheet(wb, '化解率 Resolution', [
    { header: '区域 Area', key: 'area', width: 20 },
    { header: '区划代码 Code', key: 'code', width: 16 },
    { header: '纠纷总数 Disputes', key: 'total', width: 12 },
    { header: '已有结果 Settled', key: 'settled', width: 12 },
    { header: '已化解 Resolved', key: 'resolved', width: 12 },
    { header: '化解率 Rate', key: 'rate', width: 10 },
    { header: '在办 Open', key: 'open', width: 10 },
    { header: '超期 Overdue', key: 'overdue', width: 10 },
  ]);
  const row = (area: string, code: string, x: ResolutionFigures) =>
    ws
      .addRow(
        safeRow({
          area,
          code,
          total: x.total,
          settled: x.settled,
          resolved: x.resolved,
          rate: share(x.rate),
          open: x.open,
          overdue: x.overdue,
        }),
      )
      .commit();
  for (const x of r.items) row(areaLabel(x), x.code, x);
  row('合计 Total', r.area.code, r.total);
  ws.commit();
  await audited(db, actor, 'resolution', {
    areaCode: r.area.code,
    from: r.from,
    to: r.to,
    rows: r.items.length,
  });
  await wb.commit();
}

import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { type Actor, scopePrefix } from '../../core/access/actor.ts';
import { inScopeSql, underAreaSql } from '../../core/access/scope.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { visibleSql } from '../../core/matters/matters.service.ts';
import { getMatterType } from '../../core/matters/registry.ts';
// The documented exceptions (docs/ARCHITECTURE.md): each platform figure is computed by the code of the module
// that owns it, read-only, so that the report and the module's own page cannot disagree.
import { kdb } from '../court/court.tables.ts';
import { type AreaRef, getResolution } from '../dispute/analysis.service.ts';
import { SETTLED_STATES } from '../dispute/dispute.workflow.ts';
import { gridReport } from '../grid/report.service.ts';
import { hazardRectification, hazardRectificationRecords } from '../hazard/kpi.service.ts';
import { cstToday, type ReportPeriod, yearsOf } from './report.periods.ts';

type Name = { zh: string; en: string };

export type Direction = 'up' | 'down';
export type IndicatorKind = 'rate' | 'count' | 'amount' | 'duration';

/** A figure for one area and one period. value is null when there is nothing to compute it from (无数据). */
export interface Figure {
  value: number | null;
  /** For a rate: the records that meet it (化解 disputes, rectified hazards, check-ins done). */
  numerator: number | null;
  /** For a rate: what it divides by; for a median: how many records it is the median of; for a count: the count. */
  denominator: number | null;
}

/** One record behind a figure, in the drill-down. */
export interface DrillItem {
  id: string;
  label: string;
  areaCode: string;
  at: string | null;
  status: string | null;
  /** What this record adds: minutes, hours, the imported value, the check-ins owed… null for a plain record. */
  value: number | null;
  /** Check-ins done for a grid row; null elsewhere. */
  done: number | null;
  /** The record's own page in the console. */
  link: string | null;
  /** Imported rows: where the figure came from. */
  file: string | null;
  row: number | null;
  importedBy: string | null;
  department: string | null;
}

export interface DrillPage {
  total: number;
  items: DrillItem[];
}

export interface Ctx {
  db: DbOrTx;
  actor: Actor;
  now: Date;
}

export interface Indicator {
  code: string;
  name: Name;
  unit: Name;
  /** What is counted and how, in words: shown on the page and in docs/REPORTS.md. */
  definition: Name;
  direction: Direction;
  source: 'platform' | 'imported';
  kind: IndicatorKind;
  /** A stock (a registry's size at the period's end) rather than a flow counted over the period. */
  stock?: boolean;
  /** How the drill-down's records relate to the figure. */
  drill: Name;
  compute(ctx: Ctx, area: AreaRef, p: ReportPeriod): Promise<Figure>;
  records(
    ctx: Ctx,
    area: AreaRef,
    p: ReportPeriod,
    page: { limit: number; offset: number },
  ): Promise<DrillPage>;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

const empty: Figure = { value: null, numerator: null, denominator: null };
/** A share as a percent with two decimals; null when there is nothing to divide by (无数据, never 0 %). */
export const ratio = (n: number, d: number): Figure => ({
  value: d === 0 ? null : Math.round((n / d) * 10_000) / 100,
  numerator: n,
  denominator: d,
});
const count = (n: number): Figure => ({ value: n, numerator: null, denominator: n });
const round1 = (x: number | string | null) => (x === null ? null : Math.round(Number(x) * 10) / 10);
/** A period that has not begun has no data yet. */
const notYet = (ctx: Ctx, p: ReportPeriod) => p.start.getTime() > ctx.now.getTime();
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

const item = (over: Partial<DrillItem> & Pick<DrillItem, 'id' | 'label' | 'areaCode'>): DrillItem => ({
  at: null,
  status: null,
  value: null,
  done: null,
  link: null,
  file: null,
  row: null,
  importedBy: null,
  department: null,
  ...over,
});

/** In the actor's scope and under the chosen area: the condition every platform count starts from. */
function whereArea(actor: Actor, area: AreaRef, column = 'area_code'): RawBuilder<SqlBool> {
  return sql<SqlBool>`${inScopeSql(actor, column)} and ${underAreaSql(area.code, column)}`;
}

// ---------------------------------------------------------------------------------------------------------
// 矛盾纠纷化解率: dispute/analysis.service.ts getResolution, the figure 纠纷分析 and the big screen show.

async function disputeFigure(ctx: Ctx, area: AreaRef, p: ReportPeriod): Promise<Figure> {
  let settled = 0;
  let resolved = 0;
  // getResolution spans at most 36 months: five years are asked year by year and summed (counts add up).
  for (const y of p.kind === 'five' ? yearsOf(p) : [p]) {
    const r = await getResolution(ctx.db, ctx.actor, { areaCode: area.code, from: y.from, to: y.to });
    settled += r.total.settled;
    resolved += r.total.resolved;
  }
  return ratio(resolved, settled);
}

/** The disputes whose outcome is known (the denominator), as getResolution counts them. */
function settledDisputes(ctx: Ctx, area: AreaRef, p: ReportPeriod): RawBuilder<SqlBool> {
  const categories = getMatterType('dispute').categories.map((c) => c.code);
  return sql<SqlBool>`type = 'dispute'
    and category = any(${categories}::text[])
    and created_at >= ${p.start} and created_at < ${p.end}
    and status = any(${SETTLED_STATES}::text[])
    and ${underAreaSql(area.code)}
    and ${visibleSql(ctx.actor)}`;
}

async function disputeRecords(
  ctx: Ctx,
  area: AreaRef,
  p: ReportPeriod,
  page: { limit: number; offset: number },
): Promise<DrillPage> {
  const where = settledDisputes(ctx, area, p);
  const total = await sql<{ n: number }>`select count(*)::int as n from matters where ${where}`.execute(
    ctx.db,
  );
  const rows = await sql<{
    id: string;
    number: string;
    title: string;
    status: string;
    area_code: string;
    created_at: Date;
  }>`select id, number, title, status, area_code, created_at from matters where ${where}
     order by created_at desc, id desc limit ${page.limit} offset ${page.offset}`.execute(ctx.db);
  const resolved = new Set(['resolved', 'revisited', 'closed']);
  return {
    total: total.rows[0]?.n ?? 0,
    items: rows.rows.map((r) =>
      item({
        id: String(r.id),
        label: `${r.number} ${r.title}`,
        areaCode: r.area_code,
        at: iso(r.created_at),
        status: r.status,
        value: resolved.has(r.status) ? 1 : 0,
        link: `/disputes/${r.id}`,
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 重大隐患整改完成率: hazard/kpi.service.ts.

async function hazardFigure(ctx: Ctx, area: AreaRef, p: ReportPeriod): Promise<Figure> {
  const r = await hazardRectification(ctx.db, {
    areaPrefix: scopePrefix(area.code),
    from: p.start,
    to: p.end,
    severity: 'major',
  });
  return ratio(r.rectified, r.reported);
}

async function hazardRecords(
  ctx: Ctx,
  area: AreaRef,
  p: ReportPeriod,
  page: { limit: number; offset: number },
): Promise<DrillPage> {
  const r = await hazardRectificationRecords(
    ctx.db,
    { areaPrefix: scopePrefix(area.code), from: p.start, to: p.end, severity: 'major' },
    page,
  );
  return {
    total: r.total,
    items: r.items.map((h) =>
      item({
        id: h.id,
        label: `${h.number} ${h.title}`,
        areaCode: h.areaCode,
        at: h.createdAt,
        status: h.status,
        value: h.closed ? 1 : 0,
        link: `/matters/${h.id}`,
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 两个100% 入格率: grid/report.service.ts gridReport (at most 366 days a call: five years go year by year).

async function gridTallies(ctx: Ctx, area: AreaRef, p: ReportPeriod) {
  const today = cstToday(ctx.now);
  const rows = new Map<string, { code: string; name: string; required: number; done: number }>();
  let required = 0;
  let done = 0;
  for (const y of p.kind === 'five' ? yearsOf(p) : [p]) {
    if (y.from > today) continue;
    const r = await gridReport(ctx.db, ctx.actor, { areaCode: area.code, from: y.from, to: y.to }, ctx.now);
    required += r.totals.required;
    done += r.totals.done;
    for (const row of r.rows) {
      const t = rows.get(row.code) ?? { code: row.code, name: row.name, required: 0, done: 0 };
      t.required += row.required;
      t.done += row.done;
      rows.set(row.code, t);
    }
  }
  return { required, done, rows: [...rows.values()].filter((r) => r.required > 0) };
}

async function gridFigure(ctx: Ctx, area: AreaRef, p: ReportPeriod): Promise<Figure> {
  const t = await gridTallies(ctx, area, p);
  return ratio(t.done, t.required);
}

async function gridRecords(
  ctx: Ctx,
  area: AreaRef,
  p: ReportPeriod,
  page: { limit: number; offset: number },
): Promise<DrillPage> {
  const t = await gridTallies(ctx, area, p);
  const to = [p.to, cstToday(ctx.now)].sort()[0]!;
  return {
    total: t.rows.length,
    items: t.rows.slice(page.offset, page.offset + page.limit).map((r) =>
      item({
        id: r.code,
        label: r.name,
        areaCode: r.code.length === 15 ? area.code : r.code,
        value: r.required,
        done: r.done,
        link: `/grid/report?area=${r.code.length === 15 ? area.code : r.code}&from=${p.from}&to=${to}`,
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 共享法庭数, 心理服务站数: the court module's registries, as they stood at the end of the period.

async function registryFigure(
  ctx: Ctx,
  area: AreaRef,
  p: ReportPeriod,
  table: 'court_courts' | 'court_stations',
): Promise<Figure> {
  if (notYet(ctx, p)) return empty;
  const until = new Date(Math.min(p.end.getTime(), ctx.now.getTime()));
  const r = await kdb(ctx.db)
    .selectFrom(table)
    .select((e) => e.fn.countAll<string>().as('n'))
    .where('created_at', '<', until)
    .where(whereArea(ctx.actor, area))
    .executeTakeFirst();
  return count(Number(r?.n ?? 0));
}

async function registryRecords(
  ctx: Ctx,
  area: AreaRef,
  p: ReportPeriod,
  page: { limit: number; offset: number },
  table: 'court_courts' | 'court_stations',
): Promise<DrillPage> {
  if (notYet(ctx, p)) return { total: 0, items: [] };
  const until = new Date(Math.min(p.end.getTime(), ctx.now.getTime()));
  const base = () =>
    kdb(ctx.db).selectFrom(table).where('created_at', '<', until).where(whereArea(ctx.actor, area));
  const total = await base()
    .select((e) => e.fn.countAll<string>().as('n'))
    .executeTakeFirst();
  const rows = await base()
    .select(['id', 'name', 'area_code', 'created_at'])
    .orderBy('area_code')
    .orderBy('id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return {
    total: Number(total?.n ?? 0),
    items: rows.map((r) =>
      item({
        id: String(r.id),
        label: r.name,
        areaCode: r.area_code,
        at: iso(r.created_at),
        link: table === 'court_courts' ? `/courts/${r.id}` : `/psych?station=${r.id}`,
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 指令 response: 下达 (the task's creation) → the first 签收 in its timeline; → 办结 (closed as 'closed').

const SIGN_MINUTES = sql<number>`(select extract(epoch from min(tl.at) - m.created_at) / 60
  from matter_timeline tl where tl.matter_id = m.id and tl.action = 'sign')`;
const CLOSE_HOURS = sql<number>`(case when m.status = 'closed'
  then extract(epoch from m.closed_at - m.created_at) / 3600 end)`;

function tasksIn(ctx: Ctx, area: AreaRef, p: ReportPeriod): RawBuilder<SqlBool> {
  return sql<SqlBool>`m.type = 'task' and m.created_at >= ${p.start} and m.created_at < ${p.end}
    and ${whereArea(ctx.actor, area, 'm.area_code')}`;
}

async function taskFigure(ctx: Ctx, area: AreaRef, p: ReportPeriod, measure: RawBuilder<number>) {
  const r = await sql<{ n: number; median: number | string | null }>`
    select count(s.x)::int as n, percentile_cont(0.5) within group (order by s.x) as median
    from (select ${measure} as x from matters m where ${tasksIn(ctx, area, p)}) s`.execute(ctx.db);
  const row = r.rows[0];
  const n = row?.n ?? 0;
  return { value: n === 0 ? null : round1(row?.median ?? null), numerator: null, denominator: n };
}

async function taskRecords(
  ctx: Ctx,
  area: AreaRef,
  p: ReportPeriod,
  page: { limit: number; offset: number },
  measure: RawBuilder<number>,
): Promise<DrillPage> {
  const r = await sql<{
    id: string;
    number: string;
    title: string;
    status: string;
    area_code: string;
    created_at: Date;
    x: number | string;
    total: number;
  }>`select s.*, count(*) over ()::int as total from (
       select m.id, m.number, m.title, m.status, m.area_code, m.created_at, ${measure} as x
       from matters m where ${tasksIn(ctx, area, p)}) s
     where s.x is not null
     order by s.created_at desc, s.id desc limit ${page.limit} offset ${page.offset}`.execute(ctx.db);
  let total = r.rows[0]?.total;
  if (total === undefined) {
    const c = await sql<{ n: number }>`select count(*)::int as n from (
      select ${measure} as x from matters m where ${tasksIn(ctx, area, p)}) s where s.x is not null`.execute(
      ctx.db,
    );
    total = c.rows[0]?.n ?? 0;
  }
  return {
    total,
    items: r.rows.map((t) =>
      item({
        id: String(t.id),
        label: `${t.number} ${t.title}`,
        areaCode: t.area_code,
        at: iso(t.created_at),
        status: t.status,
        value: round1(t.x),
        link: `/matters/${t.id}`,
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 预警数 by level: alert matters (the level is in the payload), by the day they were raised.

function alertsIn(ctx: Ctx, area: AreaRef, p: ReportPeriod, level: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`type = 'alert' and payload->>'level' = ${level}
    and created_at >= ${p.start} and created_at < ${p.end} and ${whereArea(ctx.actor, area)}`;
}

async function alertFigure(ctx: Ctx, area: AreaRef, p: ReportPeriod, level: string): Promise<Figure> {
  if (notYet(ctx, p)) return empty;
  const r = await sql<{ n: number }>`select count(*)::int as n from matters
    where ${alertsIn(ctx, area, p, level)}`.execute(ctx.db);
  return count(r.rows[0]?.n ?? 0);
}

async function alertRecords(
  ctx: Ctx,
  area: AreaRef,
  p: ReportPeriod,
  page: { limit: number; offset: number },
  level: string,
): Promise<DrillPage> {
  const where = alertsIn(ctx, area, p, level);
  const total = await sql<{ n: number }>`select count(*)::int as n from matters where ${where}`.execute(
    ctx.db,
  );
  const rows = await sql<{
    id: string;
    number: string;
    title: string;
    status: string;
    area_code: string;
    created_at: Date;
  }>`select id, number, title, status, area_code, created_at from matters where ${where}
     order by created_at desc, id desc limit ${page.limit} offset ${page.offset}`.execute(ctx.db);
  return {
    total: total.rows[0]?.n ?? 0,
    items: rows.rows.map((r) =>
      item({
        id: String(r.id),
        label: `${r.number} ${r.title}`,
        areaCode: r.area_code,
        at: iso(r.created_at),
        status: r.status,
        link: `/alerts/${r.id}`,
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Imported statistics: the sum of the monthly values filed under the area for the period's months.

function statsIn(ctx: Ctx, area: AreaRef, p: ReportPeriod, code: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`s.indicator = ${code} and s.month >= ${p.firstMonth}::date and s.month <= ${p.lastMonth}::date
    and ${whereArea(ctx.actor, area, 's.area_code')}`;
}

async function importedFigure(ctx: Ctx, area: AreaRef, p: ReportPeriod, code: string): Promise<Figure> {
  const r = await sql<{ n: number; total: number | null }>`
    select count(*)::int as n, sum(s.value)::float8 as total from report_stats s
    where ${statsIn(ctx, area, p, code)}`.execute(ctx.db);
  const n = r.rows[0]?.n ?? 0;
  // No row at all for the period: 无数据, not 0 (a department that reported 0 filed a row with 0).
  if (n === 0) return empty;
  return { value: Math.round(Number(r.rows[0]?.total ?? 0) * 100) / 100, numerator: null, denominator: n };
}

async function importedRecords(
  ctx: Ctx,
  area: AreaRef,
  p: ReportPeriod,
  page: { limit: number; offset: number },
  code: string,
): Promise<DrillPage> {
  const where = statsIn(ctx, area, p, code);
  const total = await sql<{
    n: number;
  }>`select count(*)::int as n from report_stats s where ${where}`.execute(ctx.db);
  const rows = await sql<{
    id: string;
    area_code: string;
    area_name: string | null;
    month: string;
    value: number;
    source_department: string | null;
    row_no: number;
    filename: string;
    imported_by_name: string;
    batch_at: Date;
  }>`select s.id, s.area_code, a.name as area_name, s.month, s.value::float8 as value, s.source_department,
            s.row_no, b.filename, b.imported_by_name, b.created_at as batch_at
     from report_stats s
     join report_batches b on b.id = s.batch_id
     left join areas a on a.code = s.area_code
     where ${where}
     order by s.month, s.area_code limit ${page.limit} offset ${page.offset}`.execute(ctx.db);
  return {
    total: total.rows[0]?.n ?? 0,
    items: rows.rows.map((r) =>
      item({
        id: String(r.id),
        label: `${r.month.slice(0, 7)} ${r.area_name ?? r.area_code}`,
        areaCode: r.area_code,
        at: iso(r.batch_at),
        value: Number(r.value),
        file: r.filename,
        row: r.row_no,
        importedBy: r.imported_by_name,
        department: r.source_department,
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The declarations

const N = (zh: string, en: string): Name => ({ zh, en });
const IMPORTED_DRILL = N(
  '导入的月度数据行（文件、行号、导入人）；数值之和即该指标值',
  'The imported monthly rows (file, row, who imported); their values sum to the figure',
);

function imported(
  code: string,
  name: Name,
  unit: Name,
  definition: Name,
  direction: Direction = 'down',
  kind: IndicatorKind = 'count',
): Indicator {
  return {
    code,
    name,
    unit,
    definition,
    direction,
    source: 'imported',
    kind,
    drill: IMPORTED_DRILL,
    compute: (ctx, area, p) => importedFigure(ctx, area, p, code),
    records: (ctx, area, p, page) => importedRecords(ctx, area, p, page, code),
  };
}

const ALERT_LEVEL_NAMES: Record<string, Name> = {
  red: N('红色', 'red'),
  orange: N('橙色', 'orange'),
  yellow: N('黄色', 'yellow'),
};

function alertIndicator(level: 'red' | 'orange' | 'yellow'): Indicator {
  const l = ALERT_LEVEL_NAMES[level]!;
  return {
    code: `alerts_${level}`,
    name: N(`${l.zh}预警数`, `${l.en[0]!.toUpperCase()}${l.en.slice(1)} alerts`),
    unit: N('条', 'alerts'),
    definition: N(
      `统计期内所选区域新产生的${l.zh}等级预警（智能预警模型生成的预警事项，按产生时间计）条数。`,
      `Alerts of level ${l.en} raised in the area during the period (alert matters from the early-warning models, by when they were raised).`,
    ),
    direction: 'down',
    source: 'platform',
    kind: 'count',
    drill: N('该等级的预警事项', 'The alerts of this level'),
    compute: (ctx, area, p) => alertFigure(ctx, area, p, level),
    records: (ctx, area, p, page) => alertRecords(ctx, area, p, page, level),
  };
}

export const INDICATORS: Indicator[] = [
  {
    code: 'dispute_resolution',
    name: N('矛盾纠纷化解率', 'Dispute resolution rate'),
    unit: N('%', '%'),
    definition: N(
      '统计期内登记的矛盾纠纷中，已化解的件数 ÷ 已有结果（化解或未化解）的件数。与“纠纷分析”同一算法；分母为 0 时为无数据。',
      'Of the disputes reported in the period, those resolved ÷ those with a known outcome (resolved or not). The same computation as Dispute analysis; no data when nothing has an outcome.',
    ),
    direction: 'up',
    source: 'platform',
    kind: 'rate',
    drill: N(
      '已有结果的纠纷（分母），已化解的标 1',
      'Disputes with an outcome (the denominator); resolved ones marked 1',
    ),
    compute: disputeFigure,
    records: disputeRecords,
  },
  {
    code: 'hazard_major_rectification',
    name: N('重大隐患整改完成率', 'Major hazards rectified'),
    unit: N('%', '%'),
    definition: N(
      '统计期内上报的重大隐患中，已整改销号（状态为已销号）的件数 ÷ 上报件数。分母为 0 时为无数据。',
      'Of the major hazards reported in the period, those rectified and closed ÷ those reported. No data when none was reported.',
    ),
    direction: 'up',
    source: 'platform',
    kind: 'rate',
    drill: N(
      '统计期内上报的重大隐患（分母），已销号的标 1',
      'Major hazards reported (the denominator); closed ones marked 1',
    ),
    compute: hazardFigure,
    records: hazardRecords,
  },
  {
    code: 'grid_checkin',
    name: N('“两个100%”入格率', 'Grid check-in rate (two 100%)'),
    unit: N('%', '%'),
    definition: N(
      '网格长每日入格、网格指导员每周入格：统计期内已完成的入格次数 ÷ 按规则应入格的次数（与“两个100%”报表同一算法）。无应入格时为无数据。',
      'Grid leaders daily and instructors weekly: check-ins done ÷ check-ins owed under the rules in the period (the same computation as the two-100% report). No data when none was owed.',
    ),
    direction: 'up',
    source: 'platform',
    kind: 'rate',
    drill: N('各下级区域的应入格（值）与已入格', 'Each child area: owed (value) and done'),
    compute: gridFigure,
    records: gridRecords,
  },
  {
    code: 'courts',
    stock: true,
    name: N('共享法庭数', 'Shared courts'),
    unit: N('个', 'courts'),
    definition: N(
      '统计期末（或当前）所选区域已建成登记的共享法庭个数。',
      'Shared courts registered in the area at the end of the period (or now).',
    ),
    direction: 'up',
    source: 'platform',
    kind: 'count',
    drill: N('登记的共享法庭', 'The registered shared courts'),
    compute: (ctx, area, p) => registryFigure(ctx, area, p, 'court_courts'),
    records: (ctx, area, p, page) => registryRecords(ctx, area, p, page, 'court_courts'),
  },
  {
    code: 'psych_stations',
    stock: true,
    name: N('心理服务站数', 'Psychological stations'),
    unit: N('个', 'stations'),
    definition: N(
      '统计期末（或当前）所选区域已建成登记的村级心理服务站个数。',
      'Village psychological stations registered in the area at the end of the period (or now).',
    ),
    direction: 'up',
    source: 'platform',
    kind: 'count',
    drill: N('登记的心理服务站', 'The registered stations'),
    compute: (ctx, area, p) => registryFigure(ctx, area, p, 'court_stations'),
    records: (ctx, area, p, page) => registryRecords(ctx, area, p, page, 'court_stations'),
  },
  {
    code: 'task_sign_minutes',
    name: N('指令签收用时（中位数）', 'Task sign-for time (median)'),
    unit: N('分钟', 'minutes'),
    definition: N(
      '统计期内下达的指令任务，从下达到首次签收的用时中位数；无已签收任务时为无数据。',
      'Median time from dispatch to the first 签收 of the tasks dispatched in the period; no data when none was signed for.',
    ),
    direction: 'down',
    source: 'platform',
    kind: 'duration',
    drill: N('已签收的指令（值为签收用时，分钟）', 'Tasks signed for (value: minutes to sign)'),
    compute: (ctx, area, p) => taskFigure(ctx, area, p, SIGN_MINUTES),
    records: (ctx, area, p, page) => taskRecords(ctx, area, p, page, SIGN_MINUTES),
  },
  {
    code: 'task_close_hours',
    name: N('指令办结用时（中位数）', 'Task closure time (median)'),
    unit: N('小时', 'hours'),
    definition: N(
      '统计期内下达并已办结的指令任务，从下达到办结的用时中位数；无已办结任务时为无数据。',
      'Median time from dispatch to 办结 of the tasks dispatched in the period and closed; no data when none was closed.',
    ),
    direction: 'down',
    source: 'platform',
    kind: 'duration',
    drill: N('已办结的指令（值为办结用时，小时）', 'Tasks closed (value: hours to close)'),
    compute: (ctx, area, p) => taskFigure(ctx, area, p, CLOSE_HOURS),
    records: (ctx, area, p, page) => taskRecords(ctx, area, p, page, CLOSE_HOURS),
  },
  alertIndicator('red'),
  alertIndicator('orange'),
  alertIndicator('yellow'),
  imported(
    'homicide_cases',
    N('命案数', 'Homicide cases'),
    N('起', 'cases'),
    N('公安机关统计的命案发案起数（导入数据）。', 'Homicide cases as counted by the police (imported).'),
  ),
  imported(
    'homicide_deaths',
    N('命案亡人数', 'Homicide deaths'),
    N('人', 'people'),
    N(
      '命案造成的死亡人数（公安机关统计，导入数据）。',
      'Deaths in homicide cases (police figures, imported).',
    ),
  ),
  imported(
    'fraud_cases',
    N('电信网络诈骗发案数', 'Telecom and online fraud cases'),
    N('起', 'cases'),
    N(
      '电信网络诈骗案件发案起数（公安机关统计，导入数据）。',
      'Telecom and online fraud cases reported (police figures, imported).',
    ),
  ),
  imported(
    'fraud_recovered',
    N('追赃挽损金额', 'Fraud losses recovered'),
    N('万元', '10k CNY'),
    N(
      '电信网络诈骗案件追赃挽损金额，单位万元（公安机关统计，导入数据）。',
      'Money recovered for fraud victims, in 10,000 CNY (police figures, imported).',
    ),
    'up',
    'amount',
  ),
  imported(
    'safety_accidents',
    N('安全生产事故数', 'Work safety accidents'),
    N('起', 'accidents'),
    N(
      '生产安全事故起数（应急管理部门统计，导入数据）。',
      'Work safety accidents (emergency management figures, imported).',
    ),
  ),
  imported(
    'safety_deaths',
    N('安全生产事故亡人数', 'Work safety deaths'),
    N('人', 'people'),
    N(
      '生产安全事故死亡人数（应急管理部门统计，导入数据）。',
      'Deaths in work safety accidents (emergency management figures, imported).',
    ),
  ),
  imported(
    'traffic_accidents',
    N('道路交通事故数', 'Road traffic accidents'),
    N('起', 'accidents'),
    N(
      '普通道路交通事故起数（公安交管部门统计，导入数据）。',
      'Ordinary road traffic accidents (traffic police figures, imported).',
    ),
  ),
  imported(
    'traffic_deaths',
    N('道路交通事故死亡人数', 'Road traffic deaths'),
    N('人', 'people'),
    N(
      '普通道路交通事故死亡人数（公安交管部门统计，导入数据）。',
      'Deaths in ordinary road traffic accidents (traffic police figures, imported).',
    ),
  ),
  imported(
    'sea_fishing_deaths',
    N('涉海涉渔亡人事故数', 'Fatal sea and fishing accidents'),
    N('起', 'accidents'),
    N(
      '涉海涉渔生产经营中发生死亡的事故起数（海洋渔业部门统计，导入数据）；报送 0 表示“零发生”，未报送为无数据。',
      'Accidents at sea or in fishing with a death (ocean and fishery figures, imported); a filed 0 means none happened, nothing filed means no data.',
    ),
  ),
];

const BY_CODE = new Map(INDICATORS.map((i) => [i.code, i]));
export const indicatorOf = (code: string): Indicator | undefined => BY_CODE.get(code);
export const IMPORTED_CODES = INDICATORS.filter((i) => i.source === 'imported').map((i) => i.code);
/** An imported indicator named by its code or its Chinese name (as department files write it). */
export function importedIndicator(text: string): Indicator | undefined {
  const t = text.trim();
  return INDICATORS.find(
    (i) => i.source === 'imported' && (i.code === t || i.name.zh === t || i.name.en === t),
  );
}

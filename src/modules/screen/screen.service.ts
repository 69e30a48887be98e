import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { type Actor, assertCan } from '../../core/access/actor.ts';
import { inScopeSql, underAreaSql } from '../../core/access/scope.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { getMatterType } from '../../core/matters/registry.ts';
import { cstDate } from '../../core/workflow/deadlines.ts';
// The dispute library's 化解率 and its area rule (404 outside scope), reused so that the big screen and
// 纠纷分析 can never disagree (docs/SCREEN.md; the one other module this one reads).
import { addDays, addMonths, cstStart, getResolution, resolveArea } from '../dispute/analysis.service.ts';
import { MAX_SCREEN_TASKS, type SummaryQuery, type SummaryResponse, TICKER_SIZE } from './screen.schema.ts';

/**
 * The command big screen's figures for one area (the actor's own or a sub-area in scope): what came in and
 * what was closed today and this month, what is open and late, the KPIs, the daily trend, the newest alerts
 * and the open 指令 tasks with their points. Every query is under the actor's scope (inScopeSql) and the
 * chosen area (underAreaSql); days and months are China Standard Time (Asia/Shanghai, a fixed +08:00).
 */

const DAY_MS = 86_400_000;
/** Task states before 反馈: a task still in one of them after its deadline is overdue (docs/COMMAND.md). */
const BEFORE_FEEDBACK = ['issued', 'signed', 'on_site', 'returned'];
/** Types counted on their own: alerts (预警) and command tasks (指令) are not "matters" in the counts. */
const OWN_COUNT_TYPES = ['alert', 'task'];

export interface Windows {
  /** Today, 'YYYY-MM-DD' in China, and the instant it began. */
  today: string;
  todayStart: Date;
  /** This month, 'YYYY-MM', and the instant its first day began. */
  month: string;
  monthStart: Date;
  /** The trend's first day (days − 1 days before today) and the instant it began. */
  trendFrom: string;
  trendStart: Date;
  /** The earliest of monthStart and trendStart: the one window the counting queries read. */
  scanFrom: string;
  scanStart: Date;
  /** The instant tomorrow begins in China: the end of every window. */
  end: Date;
}

/** Today, this month and the trend's days in China Standard Time, for the instant `now`. */
export function windows(now: Date, days: number): Windows {
  const today = cstDate(now);
  const monthFirst = `${today.slice(0, 7)}-01`;
  const trendFrom = addDays(today, -(days - 1));
  const scanFrom = trendFrom < monthFirst ? trendFrom : monthFirst;
  return {
    today,
    todayStart: cstStart(today),
    month: today.slice(0, 7),
    monthStart: cstStart(monthFirst),
    trendFrom,
    trendStart: cstStart(trendFrom),
    scanFrom,
    scanStart: cstStart(scanFrom),
    end: cstStart(addDays(today, 1)),
  };
}

/** The records counted: under the actor's scope and the chosen area (both use the text_pattern_ops indexes). */
function whereArea(actor: Actor, areaCode: string, column = 'area_code'): RawBuilder<SqlBool> {
  return sql<SqlBool>`${inScopeSql(actor, column)} and ${underAreaSql(areaCode, column)}`;
}

/** Day number of an instant from `start` (a China midnight): arithmetic on epochs, no time-zone database. */
const dayIndexSql = (column: string, start: Date) =>
  sql<number>`floor((extract(epoch from ${sql.ref(column)}) - ${start.getTime() / 1000}) / 86400)::int`;

interface DayTypeRow {
  day: number;
  type: string;
  n: number;
}

interface ClosedRow extends DayTypeRow {
  /** Tasks closed by 办结 (status closed), not cancelled. */
  done: number;
}

const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 10_000) / 10_000 : null);
const minutes = (v: number | string | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);

/**
 * New records per China day and type since scanStart: one index-only range scan of matters_map_time_idx
 * (created_at, include area_code, type) — the rows of a month or so, grouped into a few hundred at most.
 */
async function createdByDay(db: DbOrTx, actor: Actor, area: string, w: Windows): Promise<DayTypeRow[]> {
  const r = await sql<DayTypeRow>`
    select ${dayIndexSql('created_at', w.scanStart)} as day, type, count(*)::int as n
    from matters
    where created_at >= ${w.scanStart} and created_at < ${w.end}
      and ${whereArea(actor, area)}
    group by 1, 2`.execute(db);
  return r.rows;
}

/** Records closed per China day and type since scanStart (matters_closed_at_idx, this module's migration). */
async function closedByDay(db: DbOrTx, actor: Actor, area: string, w: Windows): Promise<ClosedRow[]> {
  const r = await sql<ClosedRow>`
    select ${dayIndexSql('closed_at', w.scanStart)} as day, type,
           count(*)::int as n,
           (count(*) filter (where status = 'closed'))::int as done
    from matters
    where closed_at >= ${w.scanStart} and closed_at < ${w.end}
      and ${whereArea(actor, area)}
    group by 1, 2`.execute(db);
  return r.rows;
}

interface LevelRow {
  level: string | null;
  today: number;
  month: number;
}

/** New alerts today and this month by level (matters_alert_created_idx; the level is in the payload). */
async function alertsByLevel(db: DbOrTx, actor: Actor, area: string, w: Windows): Promise<LevelRow[]> {
  const r = await sql<LevelRow>`
    select payload->>'level' as level,
           (count(*) filter (where created_at >= ${w.todayStart}))::int as today,
           count(*)::int as month
    from matters
    where type = 'alert' and created_at >= ${w.monthStart} and created_at < ${w.end}
      and ${whereArea(actor, area)}
    group by 1`.execute(db);
  return r.rows;
}

interface OpenRow {
  matters: number;
  overdue: number;
  alerts: number;
  tasks: number;
  tasks_overdue: number;
}

/**
 * What is open now: one pass over the open rows (matters_map_open_idx, partial on not closed); a task's own
 * deadline is read from command_tasks by its primary key, for the open tasks only.
 */
async function openNow(db: DbOrTx, actor: Actor, area: string, now: Date): Promise<OpenRow> {
  const r = await sql<OpenRow>`
    select (count(*) filter (where type <> all(${OWN_COUNT_TYPES}::text[])))::int as matters,
           (count(*) filter (where type <> all(${OWN_COUNT_TYPES}::text[])
                              and deadline_state = 'overdue'))::int as overdue,
           (count(*) filter (where type = 'alert'))::int as alerts,
           (count(*) filter (where type = 'task'))::int as tasks,
           (count(*) filter (where type = 'task' and status = any(${BEFORE_FEEDBACK}::text[])
                              and (select t.deadline from command_tasks t where t.matter_id = matters.id) < ${now}
                            ))::int as tasks_overdue
    from matters
    where not closed and ${whereArea(actor, area)}`.execute(db);
  return r.rows[0] ?? { matters: 0, overdue: 0, alerts: 0, tasks: 0, tasks_overdue: 0 };
}

interface TaskKpiRow {
  dispatched: number;
  signed: number;
  closed: number;
  median: number | string | null;
  p90: number | string | null;
}

/**
 * This month's tasks (dispatched since monthStart): how many, how many signed for and how fast (下达 → the
 * first 签收 in the task's timeline, matter_timeline_matter_idx), and how many reached 办结.
 */
async function taskKpis(db: DbOrTx, actor: Actor, area: string, w: Windows): Promise<TaskKpiRow> {
  const r = await sql<TaskKpiRow>`
    select count(*)::int as dispatched,
           count(s.minutes)::int as signed,
           (count(*) filter (where s.status = 'closed'))::int as closed,
           percentile_cont(0.5) within group (order by s.minutes) as median,
           percentile_cont(0.9) within group (order by s.minutes) as p90
    from (
      select m.status,
             (select extract(epoch from min(tl.at) - m.created_at) / 60
                from matter_timeline tl
               where tl.matter_id = m.id and tl.action = 'sign') as minutes
      from matters m
      where m.type = 'task' and m.created_at >= ${w.monthStart} and m.created_at < ${w.end}
        and ${whereArea(actor, area, 'm.area_code')}
    ) s`.execute(db);
  return r.rows[0] ?? { dispatched: 0, signed: 0, closed: 0, median: null, p90: null };
}

interface TickerRow {
  id: string;
  number: string;
  title: string;
  level: string | null;
  status: string;
  closed: boolean;
  area_code: string;
  area_name: string | null;
  created_at: Date;
}

/** The newest alerts (matters_alert_created_idx read backwards, stopping at TICKER_SIZE). */
async function ticker(db: DbOrTx, actor: Actor, area: string): Promise<TickerRow[]> {
  const r = await sql<TickerRow>`
    select m.id::text as id, m.number, m.title, m.payload->>'level' as level, m.status, m.closed,
           m.area_code, a.name as area_name, m.created_at
    from matters m
    left join areas a on a.code = m.area_code
    where m.type = 'alert' and ${whereArea(actor, area, 'm.area_code')}
    order by m.created_at desc, m.id desc
    limit ${TICKER_SIZE}`.execute(db);
  return r.rows;
}

interface TaskRow {
  id: string;
  number: string;
  title: string;
  status: string;
  deadline: Date;
  area_code: string;
  area_name: string | null;
  department_name: string | null;
  assignee_area_name: string | null;
  user_name: string | null;
  lng: number | null;
  lat: number | null;
}

/** Open tasks, soonest deadline first (matters_type_status_idx, then command_tasks by its primary key). */
async function openTasks(db: DbOrTx, actor: Actor, area: string): Promise<TaskRow[]> {
  const r = await sql<TaskRow>`
    select m.id::text as id, m.number, m.title, m.status, t.deadline, m.area_code, a.name as area_name,
           d.name as department_name, aa.name as assignee_area_name, u.display_name as user_name,
           m.lng, m.lat
    from matters m
    join command_tasks t on t.matter_id = m.id
    left join areas a on a.code = m.area_code
    left join departments d on d.code = m.assignee_department
    left join areas aa on aa.code = m.assignee_area_code
    left join users u on u.id = m.assignee_user_id
    where m.type = 'task' and not m.closed and ${whereArea(actor, area, 'm.area_code')}
    order by t.deadline, m.id
    limit ${MAX_SCREEN_TASKS}`.execute(db);
  return r.rows;
}

const emptyCounts = () => ({
  matters: 0,
  disputes: 0,
  alerts: { total: 0, red: 0, orange: 0, yellow: 0 },
  tasksDispatched: 0,
  tasksClosed: 0,
  closed: 0,
});

/** The figures of the big screen (docs/SCREEN.md). `now` fixes the clock (tests; a replay). */
export async function screenSummary(
  db: DbOrTx,
  actor: Actor,
  q: SummaryQuery,
  now = new Date(),
): Promise<Omit<SummaryResponse, 'cachedAt'>> {
  assertCan(actor, 'matter:read');
  const area = await resolveArea(db, actor, q.area);
  const w = windows(now, q.days);
  const [created, closed, levels, open, tk, tick, tasks] = await Promise.all([
    createdByDay(db, actor, area.code, w),
    closedByDay(db, actor, area.code, w),
    alertsByLevel(db, actor, area.code, w),
    openNow(db, actor, area.code, now),
    taskKpis(db, actor, area.code, w),
    ticker(db, actor, area.code),
    openTasks(db, actor, area.code),
  ]);

  // Day numbers of today, the month's first day and the trend's first day in the scanned window.
  const dayOf = (day: string) => Math.round((cstStart(day).getTime() - w.scanStart.getTime()) / DAY_MS);
  const todayIdx = dayOf(w.today);
  const monthIdx = dayOf(`${w.month}-01`);
  const trendIdx = dayOf(w.trendFrom);

  const today = emptyCounts();
  const month = emptyCounts();
  const trend = Array.from({ length: q.days }, (_, i) => ({
    day: addDays(w.trendFrom, i),
    created: 0,
    closed: 0,
    alerts: 0,
  }));
  const into = (day: number, add: (c: ReturnType<typeof emptyCounts>) => void) => {
    if (day >= monthIdx) add(month);
    if (day === todayIdx) add(today);
  };
  for (const r of created) {
    const t = trend[r.day - trendIdx];
    if (r.type === 'alert') {
      if (t) t.alerts += r.n;
      continue; // alerts are counted by level below
    }
    if (r.type === 'task') {
      into(r.day, (c) => {
        c.tasksDispatched += r.n;
      });
      continue;
    }
    if (t) t.created += r.n;
    into(r.day, (c) => {
      c.matters += r.n;
      if (r.type === 'dispute') c.disputes += r.n;
    });
  }
  for (const r of closed) {
    if (r.type === 'alert') continue;
    if (r.type === 'task') {
      into(r.day, (c) => {
        c.tasksClosed += r.done;
      });
      continue;
    }
    const t = trend[r.day - trendIdx];
    if (t) t.closed += r.n;
    into(r.day, (c) => {
      c.closed += r.n;
    });
  }
  for (const r of levels) {
    for (const [c, n] of [
      [today, r.today],
      [month, r.month],
    ] as const) {
      c.alerts.total += n;
      if (r.level === 'red' || r.level === 'orange' || r.level === 'yellow') c.alerts[r.level] += n;
    }
  }

  // 化解率: the dispute analysis's own figure over its default period (the last 12 calendar months).
  const resolution = await getResolution(db, actor, {
    areaCode: area.code,
    from: `${addMonths(w.today, -11).slice(0, 7)}-01`,
    to: w.today,
  });

  const taskStates = getMatterType('task').workflow.states;
  const presentedTasks = tasks.map((r) => ({
    id: r.id,
    number: r.number,
    title: r.title,
    status: r.status,
    statusName: taskStates[r.status]?.name ?? { zh: r.status, en: r.status },
    overdue: BEFORE_FEEDBACK.includes(r.status) && r.deadline < now,
    deadline: r.deadline.toISOString(),
    areaCode: r.area_code,
    areaName: r.area_name,
    unitName:
      r.user_name ??
      (r.department_name
        ? `${r.department_name}${r.assignee_area_name ? `（${r.assignee_area_name}）` : ''}`
        : null),
    point: r.lng !== null && r.lat !== null ? { lng: r.lng, lat: r.lat } : null,
  }));

  return {
    area,
    generatedAt: now.toISOString(),
    today: { day: w.today, from: w.todayStart.toISOString() },
    month: { month: w.month, from: w.monthStart.toISOString() },
    counts: { today, month },
    open: {
      matters: open.matters,
      overdue: open.overdue,
      alerts: open.alerts,
      tasks: open.tasks,
      tasksOverdue: open.tasks_overdue,
    },
    kpis: {
      resolution: {
        rate: resolution.total.rate,
        resolved: resolution.total.resolved,
        settled: resolution.total.settled,
        total: resolution.total.total,
        from: resolution.from,
        to: resolution.to,
      },
      overdue: { count: open.overdue, open: open.matters, share: ratio(open.overdue, open.matters) },
      dispatchResponse: {
        dispatched: tk.dispatched,
        signed: tk.signed,
        medianMinutes: minutes(tk.median),
        p90Minutes: minutes(tk.p90),
      },
      taskClosure: { dispatched: tk.dispatched, closed: tk.closed, rate: ratio(tk.closed, tk.dispatched) },
    },
    trend,
    ticker: tick.map((r) => ({
      id: r.id,
      number: r.number,
      title: r.title,
      level: r.level === 'red' || r.level === 'orange' || r.level === 'yellow' ? r.level : null,
      status: r.status,
      closed: r.closed,
      areaCode: r.area_code,
      areaName: r.area_name,
      createdAt: r.created_at.toISOString(),
    })),
    tasks: presentedTasks,
  };
}

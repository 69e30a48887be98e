import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeActor } from '../../core/access/actor.ts';
import type { DeadlineState } from '../../core/db/types.ts';
import { createTestContext, seeded, type TestContext } from '../../testing/harness.ts';
import { screenCacheOf } from './screen.routes.ts';
import type { SummaryResponse } from './screen.schema.ts';
import { screenSummary, windows } from './screen.service.ts';

/**
 * The big screen's figures through HTTP on a real database: every count equals the count made here from the
 * rows planted (with the calendar of Intl's Asia/Shanghai, not the service's arithmetic), scope and sub-area,
 * the China day and month boundaries, the 指令 response time and closure, 化解率 equal to 纠纷分析's, the
 * ticker and the tasks, the typed errors, and the cache dropped by an event.
 */
const CITY = '330300000000';
const LUCHENG = '330302000000';
const WUMA = '330302006000'; // 五马街道
const QIDU = '330302023000'; // 七都街道
const DAY = 86_400_000;
const MIN = 60_000;

let t: TestContext;
const c: Record<string, string> = {};
let villages: { code: string; town: string; lng: number; lat: number }[] = [];

/** The China calendar day of an instant, by Intl's time-zone database (independent of the service). */
const shanghaiDay = (d: Date) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);

interface Planted {
  id: string;
  type: string;
  category: string | null;
  status: string;
  closed: boolean;
  level: string | null;
  area: string;
  town: string;
  createdAt: Date;
  closedAt: Date | null;
  deadlineState: DeadlineState;
}
const planted: Planted[] = [];
let seq = 0;

async function plant(
  rows: (Partial<Omit<Planted, 'id'>> & { type: string; createdAt: Date; village?: number })[],
) {
  for (const r of rows) {
    const v = villages[r.village ?? 0]!;
    const status = r.status ?? (r.closedAt ? 'closed' : 'reported');
    const closed = r.closed ?? !!r.closedAt;
    const row = await t.kernel.db
      .insertInto('matters')
      .values({
        number: `T-SCR-${seq++}`,
        type: r.type,
        category: r.category ?? null,
        title: r.type === 'alert' ? `测试预警${seq}` : `测试事项${seq}`,
        status,
        closed,
        area_code: v.code,
        lng: v.lng,
        lat: v.lat,
        deadline_state: r.deadlineState ?? 'normal',
        payload: JSON.stringify(r.level ? { level: r.level } : {}),
        created_at: r.createdAt,
        closed_at: r.closedAt ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    planted.push({
      id: String(row.id),
      type: r.type,
      category: r.category ?? null,
      status,
      closed,
      level: r.level ?? null,
      area: v.code,
      town: v.town,
      createdAt: r.createdAt,
      closedAt: r.closedAt ?? null,
      deadlineState: r.deadlineState ?? 'normal',
    });
  }
}

function get(who: string, url: string) {
  return t.app.inject({ method: 'GET', url, headers: c[who] ? { cookie: c[who] } : {} });
}

async function summary(who: string, query = ''): Promise<SummaryResponse> {
  const res = await get(who, `/api/screen/summary${query}`);
  if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`);
  return res.json() as SummaryResponse;
}

/** The counts for rows under `town` (or all), computed from the planted rows and Intl's calendar. */
function expected(town: string | null, now = new Date()) {
  const rows = planted.filter((p) => !town || p.town === town);
  const today = shanghaiDay(now);
  const month = today.slice(0, 7);
  const inDay = (d: Date | null, day: string) => !!d && shanghaiDay(d) === day;
  const inMonth = (d: Date | null) => !!d && shanghaiDay(d).slice(0, 7) === month && d <= now;
  const counts = (inWindow: (d: Date | null) => boolean) => {
    const m = rows.filter((p) => p.type !== 'alert' && p.type !== 'task');
    const a = rows.filter((p) => p.type === 'alert' && inWindow(p.createdAt));
    const tasks = rows.filter((p) => p.type === 'task');
    return {
      matters: m.filter((p) => inWindow(p.createdAt)).length,
      disputes: m.filter((p) => p.type === 'dispute' && inWindow(p.createdAt)).length,
      alerts: {
        total: a.length,
        red: a.filter((p) => p.level === 'red').length,
        orange: a.filter((p) => p.level === 'orange').length,
        yellow: a.filter((p) => p.level === 'yellow').length,
      },
      tasksDispatched: tasks.filter((p) => inWindow(p.createdAt)).length,
      tasksClosed: tasks.filter((p) => p.status === 'closed' && inWindow(p.closedAt)).length,
      closed: m.filter((p) => inWindow(p.closedAt)).length,
    };
  };
  const open = rows.filter((p) => !p.closed);
  const openMatters = open.filter((p) => p.type !== 'alert' && p.type !== 'task');
  return {
    today: counts((d) => inDay(d, today)),
    month: counts(inMonth),
    open: {
      matters: openMatters.length,
      overdue: openMatters.filter((p) => p.deadlineState === 'overdue').length,
      alerts: open.filter((p) => p.type === 'alert').length,
    },
    trend: (days: string[]) =>
      days.map((day) => ({
        day,
        created: rows.filter((p) => p.type !== 'alert' && p.type !== 'task' && inDay(p.createdAt, day))
          .length,
        closed: rows.filter((p) => p.type !== 'alert' && p.type !== 'task' && inDay(p.closedAt, day)).length,
        alerts: rows.filter((p) => p.type === 'alert' && inDay(p.createdAt, day)).length,
      })),
  };
}

/** Linear-interpolated percentile, as PostgreSQL's percentile_cont. */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}

const taskMinutes: number[] = [];
const TASK_SIGN_MINUTES = [12, 25, 31, 47, 140];

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['city', { username: 's_city', role: 'commander', areaCode: CITY }],
    ['county', { username: 's_county', role: 'county_center', areaCode: LUCHENG, departmentCode: 'zongzhi' }],
    ['wuma', { username: 's_wuma', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['qidu', { username: 's_qidu', role: 'town_center', areaCode: QIDU, departmentCode: 'zongzhi' }],
    ['auditor', { username: 's_auditor', role: 'auditor', areaCode: CITY }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
  const v = await sql<{ code: string; town: string; lng: number; lat: number }>`
    select code, parent_code as town, center_lng as lng, center_lat as lat from areas
    where level = 4 and parent_code in (${WUMA}, ${QIDU}) and center_lng is not null
    order by code`.execute(t.kernel.db);
  // Villages 0–1 in 五马, 2–3 in 七都.
  villages = [
    ...v.rows.filter((r) => r.town === WUMA).slice(0, 2),
    ...v.rows.filter((r) => r.town === QIDU).slice(0, 2),
  ];
  c.grid = await t.userSession({ username: 's_grid', role: 'grid_worker', areaCode: villages[0]!.code });

  // Around today's and this month's first instants in China, and spread over the last 45 days.
  const now = Date.now();
  const w = windows(new Date(now), 30);
  const todayStart = w.todayStart.getTime();
  const monthStart = w.monthStart.getTime();
  const sinceToday = Math.max(2, Math.floor((now - todayStart) / 2));
  const edges = [
    todayStart + Math.min(1000, sinceToday),
    todayStart - 1000,
    monthStart + 1000,
    monthStart - 1000,
  ];
  const rnd = seeded(11);
  const types = ['event', 'dispute', 'alert'];
  const levels = ['red', 'orange', 'yellow'];
  const rows: Parameters<typeof plant>[0] = [];
  for (let i = 0; i < 160; i++) {
    const createdAt = new Date(i < 16 ? edges[i % 4]! : now - Math.floor(rnd() * 45 * DAY) - MIN);
    const type = types[i % 3]!;
    const isClosed = rnd() < 0.4;
    // Closed between creation and now (some exactly at the edges of today and the month).
    const closedAt = isClosed
      ? new Date(
          i % 7 === 0
            ? Math.max(createdAt.getTime(), edges[i % 4]!)
            : createdAt.getTime() + Math.floor(rnd() * (now - createdAt.getTime())),
        )
      : null;
    rows.push({
      type,
      category: type === 'dispute' ? 'neighbour' : null,
      level: type === 'alert' ? levels[i % 3]! : null,
      createdAt,
      closedAt: closedAt && closedAt.getTime() <= now ? closedAt : null,
      status:
        type === 'dispute'
          ? (['registered', 'resolving', 'resolved', 'unresolved', 'closed'] as const)[i % 5]
          : undefined,
      deadlineState: rnd() < 0.3 ? ('overdue' as const) : ('normal' as const),
      village: Math.floor(rnd() * 4),
    });
  }
  // A dispute's closed flag follows its state; the others follow closedAt.
  for (const r of rows) {
    if (r.type !== 'dispute') continue;
    r.closed = r.status === 'closed';
    if (!r.closed) r.closedAt = null;
    else r.closedAt ??= new Date(r.createdAt.getTime() + MIN);
  }
  await plant(rows);

  // 指令 tasks of this month in 五马 from a planted source: signed for after known minutes, one not signed,
  // two closed (办结) and one cancelled; each with its command_tasks row.
  const source = planted.find((p) => p.town === WUMA && p.type === 'event')!;
  const created = Math.min(now - 5 * MIN, monthStart + 60 * MIN);
  const taskRows = [...TASK_SIGN_MINUTES, null].map((m, i) => ({
    minutes: m,
    status: i < 2 ? 'closed' : i === 2 ? 'cancelled' : i === 5 ? 'issued' : 'on_site',
  }));
  for (const [i, x] of taskRows.entries()) {
    const createdAt = new Date(created + i * 1000);
    const closedAt = x.status === 'closed' || x.status === 'cancelled' ? new Date(now - MIN) : null;
    await plant([{ type: 'task', createdAt, closedAt, status: x.status, village: 0 }]);
    const task = planted.at(-1)!;
    await sql`insert into command_tasks (matter_id, source_matter_id, deadline)
              values (${task.id}, ${source.id}, ${new Date(i === 5 ? now - MIN : now + DAY)})`.execute(
      t.kernel.db,
    );
    await sql`insert into matter_timeline (matter_id, at, actor_name, action, to_status)
              values (${task.id}, ${createdAt}, 'test', 'issue', 'issued')`.execute(t.kernel.db);
    if (x.minutes !== null) {
      taskMinutes.push(x.minutes);
      // Two sign entries for one task (returned, reissued, signed again): the first one counts.
      for (const extra of i === 1 ? [0, 300] : [0]) {
        await sql`insert into matter_timeline (matter_id, at, actor_name, action, to_status)
                  values (${task.id}, ${new Date(createdAt.getTime() + (x.minutes + extra) * MIN)}, 'test', 'sign', 'signed')`.execute(
          t.kernel.db,
        );
      }
    }
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('windows: today and this month in China Standard Time', () => {
  it('starts a day at 16:00 UTC the day before, and a month at its first day’s', () => {
    const before = windows(new Date('2026-11-30T15:59:59.999Z'), 30);
    expect(before.today).toBe('2026-11-30');
    expect(before.month).toBe('2026-11');
    expect(before.todayStart.toISOString()).toBe('2026-11-29T16:00:00.000Z');
    expect(before.monthStart.toISOString()).toBe('2026-10-31T16:00:00.000Z');
    const after = windows(new Date('2026-11-30T16:00:00.000Z'), 30);
    expect(after.today).toBe('2026-12-01');
    expect(after.month).toBe('2026-12');
    expect(after.todayStart.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(after.monthStart.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(after.trendFrom).toBe('2026-11-02');
    expect(after.end.toISOString()).toBe('2026-12-01T16:00:00.000Z');
  });

  it('counts a record at 23:59:59 China time on the month’s last day in that month, not the next', async () => {
    // Far in the past, so that these rows fall in none of the other tests' windows.
    const lastInstant = new Date('2025-03-31T15:59:59.000Z'); // 2025-03-31 23:59:59 in China
    const firstInstant = new Date('2025-03-31T16:00:00.000Z'); // 2025-04-01 00:00:00 in China
    const v = villages[2]!;
    for (const [i, at] of [lastInstant, firstInstant, firstInstant].entries()) {
      await t.kernel.db
        .insertInto('matters')
        .values({
          number: `T-SCR-EDGE-${i}`,
          type: 'event',
          title: '边界测试',
          status: 'reported',
          area_code: v.code,
          created_at: at,
        })
        .execute();
    }
    const actor = makeActor(
      { id: null, username: 'edge', displayName: 'edge', roles: ['town_center'], areaCode: QIDU },
      { kind: 'system' },
    );
    const s = await screenSummary(t.kernel.db, actor, { days: 7 }, new Date('2025-04-01T05:00:00.000Z'));
    expect(s.today.day).toBe('2025-04-01');
    expect(s.counts.today.matters).toBe(2);
    expect(s.counts.month.matters).toBe(2);
    expect(s.trend.map((d) => d.day)).toEqual([
      '2025-03-26',
      '2025-03-27',
      '2025-03-28',
      '2025-03-29',
      '2025-03-30',
      '2025-03-31',
      '2025-04-01',
    ]);
    expect(s.trend.at(-2)!.created).toBe(1);
    expect(s.trend.at(-1)!.created).toBe(2);
    // A minute before midnight the one of 23:59:59 is today's.
    const eve = await screenSummary(t.kernel.db, actor, { days: 7 }, new Date('2025-03-31T15:59:59.500Z'));
    expect(eve.today.day).toBe('2025-03-31');
    expect(eve.counts.today.matters).toBe(1);
    expect(eve.counts.month.matters).toBe(1);
    await sql`delete from matters where number like 'T-SCR-EDGE-%'`.execute(t.kernel.db);
  });
});

describe('GET /api/screen/summary', () => {
  it('counts what a direct count of the planted rows gives, for the city and for each town', async () => {
    for (const [who, town] of [
      ['city', null],
      ['wuma', WUMA],
      ['qidu', QIDU],
    ] as const) {
      const s = await summary(who);
      const e = expected(town);
      expect(s.counts.today, who).toEqual(e.today);
      expect(s.counts.month, who).toEqual(e.month);
      expect(s.open.matters, who).toBe(e.open.matters);
      expect(s.open.overdue, who).toBe(e.open.overdue);
      expect(s.open.alerts, who).toBe(e.open.alerts);
      expect(s.kpis.overdue.share, who).toBeCloseTo(e.open.overdue / e.open.matters, 4);
      expect(s.trend, who).toEqual(e.trend(s.trend.map((d) => d.day)));
      expect(s.trend).toHaveLength(30);
      expect(s.trend.at(-1)!.day).toBe(shanghaiDay(new Date()));
    }
    // The planted edges make every window non-trivial.
    const all = expected(null);
    expect(all.today.matters).toBeGreaterThan(0);
    // On a month's first day (China time) the month so far is today: then the two windows are equal.
    if (shanghaiDay(new Date()).endsWith('-01')) expect(all.month.matters).toBe(all.today.matters);
    else expect(all.month.matters).toBeGreaterThan(all.today.matters);
  });

  it('keeps a town to its own town, and narrows the city to a sub-area on request', async () => {
    const wuma = await summary('wuma');
    const narrowed = await summary('city', `?area=${WUMA}`);
    expect(narrowed.area).toEqual({ code: WUMA, name: '五马街道', level: 3 });
    expect(narrowed.counts).toEqual(wuma.counts);
    expect(narrowed.open).toEqual(wuma.open);
    expect(wuma.ticker.length).toBeGreaterThan(0);
    expect(wuma.ticker.every((a) => a.areaCode.startsWith('330302006'))).toBe(true);
    expect(wuma.tasks.every((x) => x.areaCode.startsWith('330302006'))).toBe(true);
    const qidu = await summary('qidu');
    expect(qidu.ticker.every((a) => a.areaCode.startsWith('330302023'))).toBe(true);
    expect(qidu.tasks).toEqual([]);
    expect(qidu.kpis.dispatchResponse.dispatched).toBe(0);
    // A village of 五马 from the county: only that village's rows.
    const village = villages[0]!.code;
    const v = await summary('county', `?area=${village}`);
    expect(v.counts.month.matters).toBe(
      planted.filter(
        (p) =>
          p.area === village &&
          p.type !== 'alert' &&
          p.type !== 'task' &&
          shanghaiDay(p.createdAt).slice(0, 7) === shanghaiDay(new Date()).slice(0, 7),
      ).length,
    );
  });

  it('lists the newest 20 alerts with their level and area name, newest first', async () => {
    const s = await summary('city');
    const alerts = planted
      .filter((p) => p.type === 'alert')
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || Number(b.id) - Number(a.id))
      .slice(0, 20);
    expect(s.ticker.map((a) => a.id)).toEqual(alerts.map((a) => a.id));
    expect(s.ticker.map((a) => a.level)).toEqual(alerts.map((a) => a.level));
    expect(s.ticker.every((a) => typeof a.areaName === 'string' && a.areaName.length > 0)).toBe(true);
  });

  it('measures 下达 → 签收 from the timeline (median, p90) and the month’s task closure', async () => {
    const s = await summary('wuma');
    const d = s.kpis.dispatchResponse;
    expect(d.dispatched).toBe(6);
    expect(d.signed).toBe(TASK_SIGN_MINUTES.length);
    expect(d.medianMinutes).toBeCloseTo(percentile(taskMinutes, 0.5), 1);
    expect(d.p90Minutes).toBeCloseTo(percentile(taskMinutes, 0.9), 1);
    expect(s.kpis.taskClosure).toEqual({
      dispatched: 6,
      closed: 2,
      rate: Math.round((2 / 6) * 10_000) / 10_000,
    });
    // Open tasks: the three not closed or cancelled; the unsigned one is past its deadline.
    expect(s.open.tasks).toBe(3);
    expect(s.open.tasksOverdue).toBe(1);
    expect(s.tasks).toHaveLength(3);
    expect(s.tasks[0]!.overdue).toBe(true);
    expect(s.tasks[0]!.statusName.zh).toBe('待签收');
    expect(s.tasks.every((x) => x.point !== null)).toBe(true);
  });

  it('gives the dispute library’s own 化解率 (resolved ÷ settled), equal to 纠纷分析’s', async () => {
    const s = await summary('city');
    const r = s.kpis.resolution;
    const yearAgo = shanghaiDay(new Date()).slice(0, 7);
    expect(r.to).toBe(shanghaiDay(new Date()));
    expect(r.from.slice(8)).toBe('01');
    expect(r.from < yearAgo).toBe(true);
    const disputes = planted.filter((p) => p.type === 'dispute' && shanghaiDay(p.createdAt) >= r.from);
    const resolved = disputes.filter((p) => ['resolved', 'closed'].includes(p.status)).length;
    const settled = disputes.filter((p) => ['resolved', 'closed', 'unresolved'].includes(p.status)).length;
    expect(r.resolved).toBe(resolved);
    expect(r.settled).toBe(settled);
    expect(r.rate).toBeCloseTo(resolved / settled, 4);
    const a = await get('city', `/api/disputes/analysis/resolution?from=${r.from}&to=${r.to}`);
    expect(a.statusCode).toBe(200);
    expect(a.json().total.rate).toBe(r.rate);
  });

  it('answers bad input, other areas and missing rights with typed errors', async () => {
    const bad = async (who: string, q: string, status: number, code: string) => {
      const res = await get(who, `/api/screen/summary${q}`);
      expect(res.statusCode, q).toBe(status);
      expect(res.json().code, q).toBe(code);
    };
    await bad('city', '?area=abc', 400, 'VALIDATION_FAILED');
    await bad('city', '?days=3', 400, 'VALIDATION_FAILED');
    await bad('city', '?days=91', 400, 'VALIDATION_FAILED');
    await bad('city', '?days=x', 400, 'VALIDATION_FAILED');
    await bad('wuma', `?area=${QIDU}`, 404, 'NOT_FOUND'); // another town: as if absent
    await bad('wuma', `?area=${LUCHENG}`, 404, 'NOT_FOUND'); // above one's scope
    await bad('city', '?area=330399999000', 404, 'NOT_FOUND'); // no such area
    await bad('auditor', '', 403, 'FORBIDDEN');
    await bad('nobody', '', 401, 'UNAUTHENTICATED');
  });

  it('serves from its cache until a matter event in the area drops it', async () => {
    const first = await summary('wuma');
    const again = await summary('wuma');
    expect(again.cachedAt).not.toBeNull();
    expect(again.counts).toEqual(first.counts);
    // A matter reported in 七都 leaves 五马's answer cached.
    const qiduGrid = await t.userSession({
      username: 's_grid2',
      role: 'grid_worker',
      areaCode: villages[2]!.code,
    });
    c.grid2 = qiduGrid;
    const q = await t.app.inject({
      method: 'POST',
      url: '/api/matters',
      headers: { cookie: c.grid2 },
      payload: { title: '七都测试上报', areaCode: villages[2]!.code, category: 'dispute' },
    });
    expect(q.statusCode, q.body).toBe(201);
    await new Promise((r) => setTimeout(r, 50));
    expect((await summary('wuma')).cachedAt).not.toBeNull();
    // One reported in 五马 drops it: the next answer is computed again and counts it.
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/matters',
      headers: { cookie: c.grid },
      payload: { title: '五马测试上报', areaCode: villages[0]!.code, category: 'dispute' },
    });
    expect(res.statusCode, res.body).toBe(201);
    await expect
      .poll(async () => (await summary('wuma')).counts.today.matters, { timeout: 5000 })
      .toBe(first.counts.today.matters + 1);
    expect((await summary('wuma')).cachedAt).not.toBeNull();
    expect(screenCacheOf(t.kernel)!.size).toBeGreaterThan(0);
  });
});

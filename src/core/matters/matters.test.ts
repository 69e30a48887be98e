import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemActor } from '../access/actor.ts';
import { dueAt } from '../workflow/deadlines.ts';
import { runDeadlineClock } from './clock.ts';
import { createMatter, createMatters } from './matters.service.ts';

const GULOU = '330302006044';
const GULOU_GRID = '330302006044001';
const WUMA = '330302006000';
const LUCHENG = '330302000000';

let t: TestContext;
const c: Record<string, string> = {};

async function call(who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: c[who]! },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function report(title = '楼上漏水影响楼下住户', extra: Record<string, unknown> = {}) {
  const r = await call('grid', 'POST', '/api/matters', {
    type: 'event',
    category: 'dispute',
    title,
    areaCode: GULOU_GRID,
    ...extra,
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json() as { id: string; number: string; version: number; status: string; dueAt: string | null };
}

async function act(who: string, id: string, body: Record<string, unknown>) {
  const cur = (await call(who === 'any' ? 'town' : who, 'GET', `/api/matters/${id}`)).json();
  return call(who, 'POST', `/api/matters/${id}/transitions`, { version: cur.version, ...body });
}

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['grid', { username: 'm_grid', role: 'grid_worker', areaCode: GULOU }],
    ['town', { username: 'm_town', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['county', { username: 'm_county', role: 'county_center', areaCode: LUCHENG, departmentCode: 'zongzhi' }],
    ['housing', { username: 'm_housing', role: 'dept_clerk', areaCode: LUCHENG, departmentCode: 'housing' }],
    ['police', { username: 'm_police', role: 'dept_clerk', areaCode: LUCHENG, departmentCode: 'police' }],
    ['city', { username: 'm_city', role: 'commander', areaCode: '330300000000' }],
    ['admin', { username: 'm_admin', role: 'city_admin', areaCode: '330300000000' }],
    [
      'otherTown',
      { username: 'm_other', role: 'town_center', areaCode: '330302023000', departmentCode: 'zongzhi' },
    ],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
});
afterAll(() => t.close());

describe('the generic loop through HTTP', () => {
  it('受理 → 分派 → 签收 → 处置 → 反馈 → 核查 → 办结, with the timeline growing at each step', async () => {
    const m = await report();
    expect(m.number).toMatch(/^SJ-330302-\d{8}-\d{4}$/);
    expect(m.status).toBe('reported');
    expect(m.dueAt).not.toBeNull();

    // It waits for the town centre: in its to-do list, not in the grid worker's.
    const todo = (await call('town', 'GET', '/api/matters?assignee=todo&limit=200')).json();
    expect(todo.items.map((x: { id: string }) => x.id)).toContain(m.id);
    expect(
      (await call('grid', 'GET', '/api/matters?assignee=todo&limit=200'))
        .json()
        .items.map((x: { id: string }) => x.id),
    ).not.toContain(m.id);
    // The town centre sees it in its queue, with a count in the tab.
    const queue = (await call('town', 'GET', '/api/matters?status=reported')).json();
    expect(queue.items.map((x: { id: string }) => x.id)).toContain(m.id);
    expect(
      (await call('town', 'GET', '/api/matters/counts')).json().byStatus.reported,
    ).toBeGreaterThanOrEqual(1);

    const detail0 = (await call('town', 'GET', `/api/matters/${m.id}`)).json();
    expect(detail0.actions.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['accept', 'reject']),
    );

    const steps: [string, Record<string, unknown>, string][] = [
      ['town', { action: 'accept' }, 'accepted'],
      ['town', { action: 'dispatch', assignee: { department: 'housing', areaCode: LUCHENG } }, 'dispatched'],
      ['housing', { action: 'sign' }, 'handling'],
      ['housing', { action: 'handle', note: '已到场查看，联系物业' }, 'handling'],
      ['housing', { action: 'feedback', result: '已修复管道，双方签字确认' }, 'feedback'],
      ['town', { action: 'verify', note: '电话回访，居民满意' }, 'verified'],
      ['town', { action: 'close' }, 'closed'],
    ];
    let timeline = 1;
    for (const [who, body, status] of steps) {
      const r = await act(who, m.id, body);
      expect(r.statusCode, `${body.action}: ${r.body}`).toBe(200);
      const d = r.json();
      expect(d.status).toBe(status);
      timeline++;
      expect(d.timeline).toHaveLength(timeline);
      expect(d.timeline.at(-1).action).toBe(body.action);
    }
    // Once dispatched and signed it waits for the bureau, then for the centre again, and closed for no one.
    const housingTodo = (await call('housing', 'GET', '/api/matters?assignee=todo&limit=200')).json();
    expect(housingTodo.items.map((x: { id: string }) => x.id)).not.toContain(m.id);
    const done = (await call('town', 'GET', `/api/matters/${m.id}`)).json();
    expect(done).toMatchObject({ closed: true, status: 'closed', dueAt: null });
    expect(done.closedAt).not.toBeNull();
    expect(done.actions).toEqual([]);
    // The dispatched unit was told.
    const notes = (await call('housing', 'GET', '/api/notifications')).json();
    expect(
      notes.items.some(
        (n: { matterId: string; kind: string }) => n.matterId === m.id && n.kind === 'dispatch',
      ),
    ).toBe(true);
    // Every step is in the audit log.
    const audited = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'matter')
      .where('entity_id', '=', m.id)
      .orderBy('id')
      .execute();
    expect(audited.map((a) => a.action)).toEqual([
      'matter.create',
      ...steps.map(([, b]) => `matter.${b.action}`),
    ]);
  });

  it('退回, 转办, 延期申请/批准, 督办 and 补正', async () => {
    const m = await report('路灯损坏');
    await act('town', m.id, { action: 'accept' });
    await act('town', m.id, { action: 'dispatch', assignee: { department: 'police', areaCode: LUCHENG } });
    // 退回 needs a reason and goes back to the dispatcher.
    expect((await act('police', m.id, { action: 'return' })).json().code).toBe('VALIDATION_FAILED');
    const back = (await act('police', m.id, { action: 'return', reason: '不属于公安职责' })).json();
    expect(back).toMatchObject({ status: 'accepted', assignee: null });
    await act('town', m.id, { action: 'dispatch', assignee: { department: 'police', areaCode: LUCHENG } });
    // 转办 to the housing bureau.
    const moved = (
      await act('police', m.id, {
        action: 'transfer',
        reason: '属住建职责',
        assignee: { department: 'housing', areaCode: LUCHENG },
      })
    ).json();
    expect(moved).toMatchObject({
      status: 'dispatched',
      assignee: { department: 'housing', areaCode: LUCHENG },
    });
    await act('housing', m.id, { action: 'sign' });
    const before = (await call('housing', 'GET', `/api/matters/${m.id}`)).json();
    // 延期 by 2 working days.
    const asked = (
      await act('housing', m.id, { action: 'request_extension', extensionDays: 2, reason: '需采购配件' })
    ).json();
    expect(asked.extensionRequested).toMatchObject({ days: 2 });
    expect(asked.actions.map((a: { action: string }) => a.action)).not.toContain('request_extension');
    const approved = (await act('town', m.id, { action: 'approve_extension' })).json();
    expect(new Date(approved.dueAt).getTime()).toBeGreaterThan(new Date(before.dueAt).getTime());
    expect(approved.extensionRequested).toBeNull();
    // 督办 comes from above the level handling it: the county bureau is watched by the city, not by the
    // town that dispatched it nor by the county centre beside it.
    expect((await act('town', m.id, { action: 'supervise', note: '请加快' })).statusCode).toBe(403);
    expect((await act('county', m.id, { action: 'supervise', note: '请加快' })).statusCode).toBe(403);
    const sup = await act('city', m.id, { action: 'supervise', note: '请于本周内办结' });
    expect(sup.statusCode, sup.body).toBe(200);
    expect(sup.json().timeline.at(-1)).toMatchObject({ action: 'supervise', note: '请于本周内办结' });
    // 补正: the clock stops, and resuming moves the deadline by the pause.
    const paused = (
      await act('housing', m.id, { action: 'request_supplement', note: '请提供房产证明' })
    ).json();
    expect(paused.pausedAt).not.toBeNull();
    await sql`update matters set paused_at = now() - interval '2 hours' where id = ${m.id}`.execute(
      t.kernel.db,
    );
    const resumed = (await act('housing', m.id, { action: 'supplement_received' })).json();
    expect(resumed.pausedAt).toBeNull();
    const shift = new Date(resumed.dueAt).getTime() - new Date(paused.dueAt).getTime();
    expect(shift).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(shift).toBeLessThan(2 * 3_600_000 + 60_000);
  });
});

describe('the remaining transitions of the loop', () => {
  it('不予受理, 核查不通过 and 驳回延期 — so that every declared action has been taken through HTTP', async () => {
    const junk = await report('重复上报测试');
    const rejected = (await act('town', junk.id, { action: 'reject', reason: '重复上报' })).json();
    expect(rejected).toMatchObject({ status: 'rejected', closed: true, actions: [] });

    const m = await report('垃圾清运不及时');
    await act('town', m.id, { action: 'accept' });
    await act('town', m.id, { action: 'dispatch', assignee: { department: 'housing', areaCode: LUCHENG } });
    await act('housing', m.id, { action: 'sign' });
    await act('housing', m.id, { action: 'request_extension', extensionDays: 5, reason: '等待审批' });
    const refused = (await act('town', m.id, { action: 'reject_extension', reason: '不予延期' })).json();
    expect(refused.extensionRequested).toBeNull();
    await act('housing', m.id, { action: 'feedback', result: '已清运' });
    const failed = (await act('town', m.id, { action: 'verify_fail', reason: '现场仍有垃圾' })).json();
    expect(failed.status).toBe('handling');

    const taken = await t.kernel.db
      .selectFrom('matter_timeline')
      .select('action')
      .distinct()
      .where('actor_id', 'is not', null)
      .execute();
    const { getMatterType } = await import('./registry.ts');
    const declared = getMatterType('event').workflow.transitions.map((x) => x.action);
    // This file's tests together take every action the loop declares.
    expect(declared.filter((a) => !taken.some((x) => x.action === a))).toEqual([]);
  });
});

describe('refusals leave the matter unchanged', () => {
  it('wrong role, another area, unknown action, wrong state, missing field, stale version', async () => {
    const m = await report('噪音扰民');
    const expectUnchanged = async () => {
      const d = (await call('town', 'GET', `/api/matters/${m.id}`)).json();
      expect([d.status, d.version]).toEqual(['reported', 1]);
    };
    const grid = await call('grid', 'POST', `/api/matters/${m.id}/transitions`, {
      action: 'accept',
      version: 1,
    });
    expect([grid.statusCode, grid.json().code]).toEqual([403, 'FORBIDDEN']);
    const other = await call('otherTown', 'POST', `/api/matters/${m.id}/transitions`, {
      action: 'accept',
      version: 1,
    });
    expect([other.statusCode, other.json().code]).toEqual([404, 'NOT_FOUND']);
    expect((await call('otherTown', 'GET', `/api/matters/${m.id}`)).statusCode).toBe(404);
    const unknown = await call('town', 'POST', `/api/matters/${m.id}/transitions`, {
      action: 'teleport',
      version: 1,
    });
    expect([unknown.statusCode, unknown.json().code]).toEqual([400, 'UNKNOWN_ACTION']);
    const wrongState = await call('town', 'POST', `/api/matters/${m.id}/transitions`, {
      action: 'close',
      version: 1,
    });
    expect([wrongState.statusCode, wrongState.json().code]).toEqual([409, 'INVALID_TRANSITION']);
    const missing = await call('town', 'POST', `/api/matters/${m.id}/transitions`, {
      action: 'reject',
      version: 1,
    });
    expect([missing.statusCode, missing.json().code, missing.json().details[0].path]).toEqual([
      400,
      'VALIDATION_FAILED',
      'reason',
    ]);
    const stale = await call('town', 'POST', `/api/matters/${m.id}/transitions`, {
      action: 'accept',
      version: 7,
    });
    expect([stale.statusCode, stale.json().code]).toEqual([409, 'CONFLICT']);
    expect(JSON.parse(stale.json().details[0].message)).toMatchObject({
      id: m.id,
      status: 'reported',
      version: 1,
    });
    await expectUnchanged();
  });

  it('a payload that fails its schema creates nothing', async () => {
    const count = async () =>
      Number((await sql<{ n: string }>`select count(*) n from matters`.execute(t.kernel.db)).rows[0]!.n);
    const n = await count();
    const r = await call('grid', 'POST', '/api/matters', {
      title: 'x',
      areaCode: GULOU_GRID,
      payload: { peopleInvolved: -3, hacker: true },
    });
    expect([r.statusCode, r.json().code]).toEqual([400, 'PAYLOAD_INVALID']);
    expect(r.json().details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['payload.peopleInvolved']),
    );
    const cat = await call('grid', 'POST', '/api/matters', {
      title: 'x',
      areaCode: GULOU_GRID,
      category: 'nonsense',
    });
    expect(cat.statusCode).toBe(400);
    expect(await count()).toBe(n);
  });

  it('a crash in the middle of a transition leaves the previous state', async () => {
    const m = await report('共享单车乱停');
    // Make the timeline write (after the state update, inside the same transaction) fail.
    await sql`create function zhili_test_boom() returns trigger language plpgsql as $$ begin raise exception 'boom'; end $$`.execute(
      t.kernel.db,
    );
    await sql`create trigger zhili_test_boom before insert on matter_timeline for each row execute function zhili_test_boom()`.execute(
      t.kernel.db,
    );
    try {
      const r = await call('town', 'POST', `/api/matters/${m.id}/transitions`, {
        action: 'accept',
        version: 1,
      });
      expect([r.statusCode, r.json().code]).toEqual([500, 'INTERNAL']);
      expect(r.body).not.toContain('boom');
    } finally {
      await sql`drop trigger zhili_test_boom on matter_timeline`.execute(t.kernel.db);
      await sql`drop function zhili_test_boom()`.execute(t.kernel.db);
    }
    const d = (await call('town', 'GET', `/api/matters/${m.id}`)).json();
    expect([d.status, d.version, d.timeline.length]).toEqual(['reported', 1, 1]);
    const audits = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'matter')
      .where('entity_id', '=', m.id)
      .execute();
    expect(audits.map((a) => a.action)).toEqual(['matter.create']);
  });

  it('two concurrent transitions on one matter: exactly one wins', async () => {
    const m = await report('井盖缺失');
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        call('town', 'POST', `/api/matters/${m.id}/transitions`, { action: 'accept', version: 1 }),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409, 409, 409]);
    const d = (await call('town', 'GET', `/api/matters/${m.id}`)).json();
    expect([d.status, d.version, d.timeline.length]).toEqual(['accepted', 2, 2]);
  });
});

describe('deadlines and the clock', () => {
  it('3 working days from the Wednesday before the National Day holiday land after the holiday', () => {
    const wed = new Date('2026-09-30T09:00:00+08:00');
    const due = dueAt(wed, { amount: 3, unit: 'workdays' });
    // 10-01…10-07 are holidays; 10-08 and 10-09 are working days, and so is Saturday 10-10 (make-up day).
    expect(due.toISOString()).toBe(new Date('2026-10-10T09:00:00+08:00').toISOString());
    expect(dueAt(wed, { amount: 2, unit: 'hours' }).toISOString()).toBe('2026-09-30T03:00:00.000Z');
  });

  it('marks 临期 and 超期 and escalates an overdue matter once, however often it ticks', async () => {
    const m = await report('违章搭建');
    await act('town', m.id, { action: 'accept' });
    await act('town', m.id, { action: 'dispatch', assignee: { department: 'housing', areaCode: LUCHENG } });
    await sql`update matters set warn_at = now() - interval '2 hours', due_at = now() + interval '1 hour' where id = ${m.id}`.execute(
      t.kernel.db,
    );
    const tick = () => t.kernel.db.transaction().execute((tx) => runDeadlineClock(tx, new Date()));
    await tick();
    expect((await call('town', 'GET', `/api/matters/${m.id}`)).json().deadlineState).toBe('warning');
    await sql`update matters set due_at = now() - interval '1 minute' where id = ${m.id}`.execute(
      t.kernel.db,
    );
    const first = await tick();
    expect(first.events.some((e) => e.type === 'matter.overdue' && e.matterId === m.id)).toBe(true);
    await tick();
    await tick();
    const d = (await call('town', 'GET', `/api/matters/${m.id}`)).json();
    expect(d.deadlineState).toBe('overdue');
    // Handled by the county bureau (鹿城区) → escalated one level up: 温州市.
    expect(d.escalatedTo).toBe('330300000000');
    const supervise = d.timeline.filter((e: { action: string }) => e.action === 'supervise');
    expect(supervise).toHaveLength(1);
    expect(supervise[0].data).toMatchObject({ automatic: true, escalatedTo: '330300000000' });
    const overdueQueue = (await call('town', 'GET', '/api/matters?deadlineState=overdue')).json();
    expect(overdueQueue.items.map((x: { id: string }) => x.id)).toContain(m.id);
    const notes = (await call('housing', 'GET', '/api/notifications')).json();
    expect(
      notes.items.filter(
        (n: { matterId: string; kind: string }) => n.matterId === m.id && n.kind === 'overdue',
      ),
    ).toHaveLength(1);
    void systemActor;
  });

  it('a city administrator changes a state’s deadline; new matters follow it; no one else may', async () => {
    const r = await call('admin', 'PUT', '/api/matter-types/event/deadlines/reported', {
      amount: 30,
      unit: 'minutes',
    });
    expect(r.statusCode, r.body).toBe(200);
    const m = await report('临时占道');
    const d = (await call('town', 'GET', `/api/matters/${m.id}`)).json();
    const span = new Date(d.dueAt).getTime() - new Date(d.stateEnteredAt).getTime();
    expect(span).toBe(30 * 60_000);
    expect(
      (
        await call('county', 'PUT', '/api/matter-types/event/deadlines/reported', {
          amount: 1,
          unit: 'hours',
        })
      ).statusCode,
    ).toBe(403);
    await call('admin', 'PUT', '/api/matter-types/event/deadlines/reported', {
      amount: 1,
      unit: 'workdays',
    });
  });
});

describe('queues, search, export and the workflow picture', () => {
  it('Chinese search finds a two-character term', async () => {
    await report('小区东门附近有人长期乱扔垃圾');
    const leak = await report('三楼卫生间漏水渗到二楼天花板');
    const found = (
      await call('town', 'GET', `/api/matters?q=${encodeURIComponent('漏水')}&limit=200`)
    ).json();
    expect(found.items.map((x: { id: string }) => x.id)).toContain(leak.id);
    expect(found.items.every((x: { title: string }) => x.title.includes('漏水'))).toBe(true);
    const none = (await call('town', 'GET', `/api/matters?q=${encodeURIComponent('火灾')}`)).json();
    expect(none.items).toEqual([]);
    // 我的上报: what the grid worker reported, and nothing else.
    const mine = (await call('grid', 'GET', '/api/matters?reporter=me&limit=200')).json();
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((x: { reporterName: string }) => x.reporterName === 'm_grid')).toBe(true);
    expect((await call('town', 'GET', '/api/matters?reporter=me')).json().items).toEqual([]);
  });

  it('keyset pages do not overlap and end', async () => {
    for (let i = 0; i < 5; i++) await report(`分页测试${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/matters?q=${encodeURIComponent('分页测试')}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await call('town', 'GET', url)).json();
      seen.push(...page.items.map((x: { id: string }) => x.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    expect((await call('town', 'GET', '/api/matters?cursor=garbage')).statusCode).toBe(400);
  });

  it('exports the queue to an Excel workbook', async () => {
    const r = await call('town', 'GET', '/api/matters/export?status=reported');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const count = (await call('town', 'GET', '/api/matters/counts?status=reported')).json().byStatus.reported;
    expect(ws.rowCount - 1).toBe(count);
    expect(String(ws.getRow(1).getCell(1).value)).toContain('编号');
    expect(String(ws.getRow(2).getCell(1).value)).toMatch(/^SJ-/);
  });

  it('draws the workflow from its declaration', async () => {
    const w = (await call('grid', 'GET', '/api/matter-types/event/workflow?current=handling')).json();
    expect(w.mermaid).toContain('stateDiagram-v2');
    expect(w.mermaid).toContain('accepted --> dispatched : 分派');
    expect(w.mermaid).toContain('class handling current');
    expect(w.states.find((s: { code: string }) => s.code === 'handling').deadlineText).toContain('工作日');
    expect((await call('grid', 'GET', '/api/matter-types/nope/workflow')).statusCode).toBe(400);
  });
});

describe('createMatters: many matters in one go', () => {
  it('files each as createMatter would — numbers in order, the town as dispatcher, timeline, audit', async () => {
    const actor = systemActor('bulk-test');
    const at = new Date('2026-03-02T02:00:00Z');
    const one = await t.kernel.db.transaction().execute((tx) =>
      createMatter(tx, actor, {
        type: 'event',
        category: 'dispute',
        title: '单条',
        areaCode: GULOU,
        createdAt: at,
      }),
    );
    const { matters, events } = await t.kernel.db.transaction().execute((tx) =>
      createMatters(
        tx,
        actor,
        [GULOU, LUCHENG, GULOU_GRID].map((areaCode, n) => ({
          type: 'event',
          category: 'dispute',
          title: `批量 ${n}`,
          areaCode,
          createdAt: at,
        })),
      ),
    );
    expect(matters.map((m) => m.title)).toEqual(['批量 0', '批量 1', '批量 2']);
    const seq = (n: string) => Number(n.split('-').at(-1));
    // One sequence per county and day, continued from the single one, in the inputs' order.
    expect(matters.map((m) => seq(m.number))).toEqual([1, 2, 3].map((k) => seq(one.matter.number) + k));
    expect(events.map((e) => e.type)).toEqual(['matter.created', 'matter.created', 'matter.created']);
    const rows = await t.kernel.db
      .selectFrom('matters')
      .select(['id', 'dispatcher_area_code', 'due_at'])
      .where(
        'id',
        'in',
        matters.map((m) => m.id),
      )
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.dispatcher_area_code)).toEqual([WUMA, LUCHENG, WUMA]);
    expect(rows[0]!.due_at).toEqual(
      (await t.kernel.db
        .selectFrom('matters')
        .select('due_at')
        .where('id', '=', one.matter.id)
        .executeTakeFirst())!.due_at,
    );
    const created = await t.kernel.db
      .selectFrom('matter_timeline')
      .select('matter_id')
      .where(
        'matter_id',
        'in',
        matters.map((m) => m.id),
      )
      .where('action', '=', 'create')
      .execute();
    expect(created).toHaveLength(3);
    const audited = await t.kernel.db
      .selectFrom('audit_log')
      .select('entity_id')
      .where('action', '=', 'matter.create')
      .where(
        'entity_id',
        'in',
        matters.map((m) => m.id),
      )
      .execute();
    expect(audited).toHaveLength(3);
  });

  it('all or nothing: one unknown area or party refuses the whole batch with its code', async () => {
    const actor = systemActor('bulk-test');
    const before = await t.kernel.db
      .selectFrom('matters')
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    const good = { type: 'event', category: 'dispute', title: '好的', areaCode: GULOU };
    await expect(
      t.kernel.db
        .transaction()
        .execute((tx) => createMatters(tx, actor, [good, { ...good, areaCode: '330302999999' }])),
    ).rejects.toMatchObject({ code: 'UNKNOWN_AREA' });
    await expect(
      t.kernel.db
        .transaction()
        .execute((tx) =>
          createMatters(tx, actor, [
            good,
            { ...good, parties: [{ role: 'applicant', subjectType: 'person', subjectId: '987654321' }] },
          ]),
        ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const after = await t.kernel.db
      .selectFrom('matters')
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});

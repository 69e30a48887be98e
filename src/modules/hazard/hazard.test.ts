import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeadlineClock } from '../../core/matters/clock.ts';
import { generateUscc } from '../../core/subjects/codes.ts';
import { createTestContext, seeded, type TestContext } from '../../testing/harness.ts';
import { form } from '../../testing/multipart.ts';
import { hazardOverdue } from '../alert/models/hazard-overdue.ts';
import { runModels } from '../alert/runtime/runtime.ts';
import { hazardRectification, hazardRectificationRecords } from './kpi.service.ts';

/**
 * 问题隐患 through HTTP on a real database: every step of 发现 → 上报 → 交办 → 整改 → 验收 → 销号, the two
 * "3030" clocks driven by ticking the kernel's deadline clock at chosen instants, 验收 refused without an
 * after-photo and failed back to 整改, scope, the KPI against a hand count, the 隐患超期 model, the
 * per-severity configuration and the enterprise panel of the map.
 */
const CITY = '330300000000';
const LUCHENG = '330302000000';
const WUMA = '330302006000'; // 五马街道
const GULOU = '330302006044'; // 鹿城区五马街道鼓楼社区
const QIDU = '330302023000'; // 七都街道

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const MIN = 60_000;
const DAY = 86_400_000;

let t: TestContext;
const c: Record<string, string> = {};
let ENTERPRISE = '';

function call(who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: c[who]! },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

interface Detail {
  hazard: {
    id: string;
    status: string;
    closed: boolean;
    version: number;
    dueAt: string | null;
    deadlineState: string;
    severity: string;
    enterprise: { id: string; name: string } | null;
    measures: string | null;
    clock: {
      reportedAt: string | null;
      respondDueAt: string | null;
      respondedAt: string | null;
      rectifyDueAt: string | null;
      passedAt: string | null;
      respondedInTime: boolean | null;
      rectifiedInTime: boolean | null;
      failedCount: number;
    };
  };
  photos: { before: { id: string }[]; after: { id: string }[] };
  matter: {
    stateEnteredAt: string;
    closed: boolean;
    timeline: { action: string; data: unknown }[];
    actions: { action: string }[];
  };
}

async function detail(who: string, id: string): Promise<Detail> {
  const r = await call(who, 'GET', `/api/hazards/${id}`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

async function step(who: string, id: string, body: Record<string, unknown>, status = 200) {
  const d = await detail('admin', id);
  const r = await call(who, 'POST', `/api/matters/${id}/transitions`, { version: d.hazard.version, ...body });
  expect(r.statusCode, r.body).toBe(status);
  return r;
}

async function photo(who: string, id: string, name: string) {
  const up = form([{ name: 'file', filename: name, data: PNG, type: 'image/png' }]);
  const r = await t.app.inject({
    method: 'POST',
    url: `/api/matters/${id}/attachments`,
    headers: { cookie: c[who]!, ...up.headers },
    payload: up.payload,
  });
  expect(r.statusCode, r.body).toBe(201);
}

async function report(who: string, body: Record<string, unknown> = {}): Promise<Detail> {
  const r = await call(who, 'POST', '/api/hazards', {
    title: '楼道堆放电瓶车充电',
    category: 'fire',
    severity: 'major',
    areaCode: GULOU,
    ...body,
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json();
}

const tick = (at: Date) => t.kernel.db.transaction().execute((tx) => runDeadlineClock(tx, at));

/** Takes a reported hazard all the way to 销号 (with an after-photo). */
async function toClosed(id: string, town = 'town', worker = 'worker') {
  await step(town, id, { action: 'assign', assignee: { department: 'emergency', areaCode: LUCHENG } });
  await step('clerk', id, { action: 'sign' });
  await photo(worker, id, '整改后.png');
  await step('clerk', id, { action: 'submit', result: '已清理并安装集中充电桩' });
  await step(town, id, { action: 'pass' });
  await step(town, id, { action: 'close' });
}

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['admin', { username: 'h_admin', role: 'city_admin', areaCode: CITY }],
    ['town', { username: 'h_town', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['qiduTown', { username: 'h_qidu', role: 'town_center', areaCode: QIDU, departmentCode: 'zongzhi' }],
    ['worker', { username: 'h_worker', role: 'grid_worker', areaCode: GULOU }],
    ['qiduWorker', { username: 'h_qworker', role: 'grid_worker', areaCode: QIDU }],
    ['clerk', { username: 'h_clerk', role: 'dept_clerk', areaCode: LUCHENG, departmentCode: 'emergency' }],
    ['auditor', { username: 'h_auditor', role: 'auditor', areaCode: CITY }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
  const e = await t.kernel.db
    .insertInto('enterprises')
    .values({ area_code: GULOU, name: '鼓楼电动车行', uscc: generateUscc(seeded(9), '330302') })
    .returning('id')
    .executeTakeFirstOrThrow();
  ENTERPRISE = e.id;
});
afterAll(() => t?.close());

describe('the hazard loop', () => {
  let id = '';

  it('发现 → 上报: the 30-minute response clock starts at the report', async () => {
    const d = await report('worker', { report: false, enterpriseId: ENTERPRISE, address: '鼓楼社区3幢' });
    id = d.hazard.id;
    expect(d.hazard.status).toBe('found');
    expect(d.hazard.dueAt).toBeNull();
    expect(d.hazard.enterprise).toEqual({ id: ENTERPRISE, name: '鼓楼电动车行' });
    await photo('worker', id, '现场.png');
    await step('worker', id, { action: 'report' });
    const r = await detail('worker', id);
    expect(r.hazard.status).toBe('reported');
    expect(r.photos.before).toHaveLength(1);
    expect(r.photos.after).toHaveLength(0);
    const reported = new Date(r.hazard.clock.reportedAt!).getTime();
    expect(new Date(r.hazard.clock.respondDueAt!).getTime() - reported).toBe(30 * MIN);
    expect(new Date(r.hazard.dueAt!).getTime() - reported).toBe(30 * MIN);
  });

  it('the response clock: 临期 at 24 minutes, 超期 and escalated at 30', async () => {
    const d = await detail('town', id);
    const reported = new Date(d.hazard.clock.reportedAt!).getTime();
    await tick(new Date(reported + 20 * MIN));
    expect((await detail('town', id)).hazard.deadlineState).toBe('normal');
    await tick(new Date(reported + 25 * MIN));
    expect((await detail('town', id)).hazard.deadlineState).toBe('warning');
    const r = await tick(new Date(reported + 31 * MIN));
    expect(r.events.some((e) => e.type === 'matter.overdue' && e.matterId === id)).toBe(true);
    const o = await detail('town', id);
    expect(o.hazard.deadlineState).toBe('overdue');
    expect(o.matter.timeline.filter((x) => x.action === 'supervise')).toHaveLength(1);
    const list = (await call('town', 'GET', '/api/hazards?overdue=true')).json();
    expect(list.items.map((x: { id: string }) => x.id)).toContain(id);
  });

  it('交办 answers the report and starts the 30-day rectification clock', async () => {
    await step(
      'worker',
      id,
      { action: 'assign', assignee: { department: 'emergency', areaCode: LUCHENG } },
      403,
    );
    await step('town', id, { action: 'assign' }, 400);
    await step('town', id, { action: 'assign', assignee: { department: 'emergency', areaCode: LUCHENG } });
    const d = await detail('town', id);
    expect(d.hazard.status).toBe('assigned');
    expect(d.hazard.deadlineState).toBe('normal');
    const responded = new Date(d.hazard.clock.respondedAt!).getTime();
    expect(d.hazard.clock.respondedInTime).toBe(true);
    expect(new Date(d.hazard.clock.rectifyDueAt!).getTime() - responded).toBe(30 * DAY);
    expect(d.hazard.dueAt).toBe(d.hazard.clock.rectifyDueAt);
  });

  it('签收 → 整改 keeps the same rectification deadline; 临期 after 24 days', async () => {
    const before = await detail('town', id);
    await step('town', id, { action: 'sign' }, 403); // only the assigned unit signs
    await step('clerk', id, { action: 'sign' });
    const d = await detail('clerk', id);
    expect(d.hazard.status).toBe('rectifying');
    expect(d.hazard.dueAt).toBe(before.hazard.clock.rectifyDueAt);
    const responded = new Date(d.hazard.clock.respondedAt!).getTime();
    await tick(new Date(responded + 25 * DAY));
    expect((await detail('clerk', id)).hazard.deadlineState).toBe('warning');
  });

  it('申请验收 needs the measures; 验收 without an after-photo is refused; failing sends it back to 整改', async () => {
    await step('clerk', id, { action: 'submit' }, 400);
    await step('clerk', id, { action: 'submit', result: '已清理电瓶车，安装集中充电桩' });
    const checking = await detail('town', id);
    expect(checking.hazard.status).toBe('checking');
    expect(checking.hazard.measures).toBe('已清理电瓶车，安装集中充电桩');
    expect(checking.hazard.dueAt).toBe(checking.hazard.clock.rectifyDueAt);
    const refused = await step('town', id, { action: 'pass' }, 400);
    expect(refused.json().code).toBe('VALIDATION_FAILED');
    expect(refused.json().details[0]).toMatchObject({
      path: 'photos.after',
      code: 'HAZARD_AFTER_PHOTO_REQUIRED',
    });
    await step('town', id, { action: 'fail' }, 400); // a reason is required
    await step('town', id, { action: 'fail', reason: '充电线仍私拉乱接' });
    const back = await detail('clerk', id);
    expect(back.hazard.status).toBe('rectifying');
    expect(back.hazard.clock.failedCount).toBe(1);
    expect(back.hazard.dueAt).toBe(checking.hazard.clock.rectifyDueAt); // the clock did not restart
  });

  it('an after-photo from before the failed inspection does not count; a new one does', async () => {
    await photo('clerk', id, '整改后1.png');
    await step('clerk', id, { action: 'submit', result: '线路已规整' });
    await step('town', id, { action: 'fail', reason: '仍有隐患' });
    await step('clerk', id, { action: 'submit', result: '已全部整改' });
    const refused = await step('town', id, { action: 'pass' }, 400);
    expect(refused.json().details[0].code).toBe('HAZARD_AFTER_PHOTO_REQUIRED');
    await step('town', id, { action: 'fail', reason: '请补充整改后照片' });
    await photo('clerk', id, '整改后2.png');
    await step('clerk', id, { action: 'submit', result: '已全部整改，附照片' });
    const d = await detail('town', id);
    expect(d.photos.after.length).toBe(2);
    expect(d.photos.before.length).toBe(1);
  });

  it('the rectification clock: 超期 after 30 days; the 隐患超期 model raises an alert on it', async () => {
    const d = await detail('town', id);
    const due = new Date(d.hazard.clock.rectifyDueAt!).getTime();
    const at = new Date(due + 2 * DAY);
    const r = await tick(at);
    expect(r.events.some((e) => e.type === 'matter.overdue' && e.matterId === id)).toBe(true);
    expect((await detail('town', id)).hazard.deadlineState).toBe('overdue');
    const run = await runModels(t.kernel, [hazardOverdue], { now: at });
    expect(run.evaluated[0]?.ok, run.evaluated[0]?.error ?? '').toBe(true);
    const alerts = await t.kernel.db
      .selectFrom('matters')
      .select(['id', 'area_code', 'payload'])
      .where('type', '=', 'alert')
      .where(sql<boolean>`payload->>'key' = ${`matter:${id}`}`)
      .execute();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.area_code).toBe(GULOU);
    expect((alerts[0]!.payload as { model: string }).model).toBe('hazard_overdue');
    // The responsible enterprise is named on the alert.
    expect((alerts[0]!.payload as { subjects: { type: string; id: string }[] }).subjects).toContainEqual(
      expect.objectContaining({ type: 'enterprise', id: ENTERPRISE }),
    );
  });

  it('验收通过 → 销号: status closed, matters.closed, the clocks recorded', async () => {
    await step('town', id, { action: 'pass' });
    const v = await detail('town', id);
    expect(v.hazard.status).toBe('verified');
    expect(v.hazard.clock.passedAt).not.toBeNull();
    expect(v.hazard.clock.rectifiedInTime).toBe(true); // real time: well within 30 days
    await step('worker', id, { action: 'close' }, 403);
    await step('town', id, { action: 'close' });
    const d = await detail('town', id);
    expect(d.hazard.status).toBe('closed');
    expect(d.hazard.closed).toBe(true);
    expect(d.matter.closed).toBe(true);
    expect(d.hazard.dueAt).toBeNull();
    const row = await t.kernel.db
      .selectFrom('matters')
      .select(['closed', 'status'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ closed: true, status: 'closed' });
    // Every step is in the audit log.
    const audits = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', id)
      .execute();
    for (const a of [
      'matter.create',
      'matter.report',
      'matter.assign',
      'matter.sign',
      'matter.submit',
      'matter.fail',
      'matter.pass',
      'matter.close',
      'matter.attach',
    ])
      expect(audits.map((x) => x.action)).toContain(a);
  });

  it('a report answered late is counted as late', async () => {
    const d = await report('worker', { severity: 'larger', title: '燃气软管老化' });
    const hid = d.hazard.id;
    await sql`update hazard_clocks set reported_at = reported_at - interval '40 minutes',
              respond_due_at = respond_due_at - interval '40 minutes' where matter_id = ${hid}`.execute(
      t.kernel.db,
    );
    await step('town', hid, { action: 'assign', assignee: { department: 'emergency', areaCode: LUCHENG } });
    expect((await detail('town', hid)).hazard.clock.respondedInTime).toBe(false);
  });
});

describe('input and scope', () => {
  it('refuses bad input with typed errors', async () => {
    const bad = await call('worker', 'POST', '/api/hazards', {
      title: 'x',
      category: 'fire',
      severity: 'huge',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
    const noArea = await call('worker', 'POST', '/api/hazards', {
      title: '井盖缺失',
      category: 'road',
      severity: 'general',
    });
    expect(noArea.statusCode).toBe(400);
    expect(noArea.json().code).toBe('UNKNOWN_AREA');
    const outside = await call('worker', 'POST', '/api/hazards', {
      title: '井盖缺失',
      category: 'road',
      severity: 'general',
      areaCode: QIDU,
    });
    expect(outside.statusCode).toBe(403);
    const ghost = await call('worker', 'POST', '/api/hazards', {
      title: '井盖缺失',
      category: 'road',
      severity: 'general',
      areaCode: GULOU,
      enterpriseId: '999999999',
    });
    expect(ghost.statusCode).toBe(400);
    expect((await call('auditor', 'GET', '/api/hazards')).statusCode).toBe(403);
  });

  it('a town user sees only the town’s hazards', async () => {
    const q = await report('qiduWorker', { areaCode: QIDU, title: '七都渔船灭火器过期', category: 'vessel' });
    const mine = (await call('town', 'GET', '/api/hazards?pageSize=200')).json();
    expect(mine.items.every((x: { areaCode: string }) => x.areaCode.startsWith('330302006'))).toBe(true);
    expect(mine.items.map((x: { id: string }) => x.id)).not.toContain(q.hazard.id);
    expect((await call('town', 'GET', `/api/hazards/${q.hazard.id}`)).statusCode).toBe(404);
    const step2 = await call('town', 'POST', `/api/matters/${q.hazard.id}/transitions`, {
      action: 'assign',
      version: q.hazard.version,
      assignee: { department: 'emergency', areaCode: LUCHENG },
    });
    expect(step2.statusCode).toBe(404);
    const theirs = (await call('qiduTown', 'GET', '/api/hazards?category=vessel')).json();
    expect(theirs.items.map((x: { id: string }) => x.id)).toEqual([q.hazard.id]);
    expect(
      (await call('town', 'GET', `/api/hazards/kpi?areaCode=${QIDU}&from=2026-01-01&to=2026-12-31`))
        .statusCode,
    ).toBe(403);
    // A non-hazard matter is not a hazard.
    const ev = await call('worker', 'POST', '/api/matters', {
      type: 'event',
      title: '路灯不亮',
      areaCode: GULOU,
    });
    expect(ev.statusCode, ev.body).toBe(201);
    expect((await call('worker', 'GET', `/api/hazards/${ev.json().id}`)).statusCode).toBe(404);
  });

  it('lists with filters, sorting and the Excel export', async () => {
    const r = (
      await call('admin', 'GET', `/api/hazards?severity=larger&areaCode=${LUCHENG}&sort=due_asc`)
    ).json();
    expect(r.items.length).toBeGreaterThan(0);
    expect(r.items.every((x: { severity: string }) => x.severity === 'larger')).toBe(true);
    const x = await call('admin', 'GET', '/api/hazards/export?severity=major');
    expect(x.statusCode).toBe(200);
    expect(x.headers['content-type']).toContain('spreadsheetml');
    expect(x.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });
});

describe('KPI: 重大隐患整改完成率', () => {
  it('equals a hand count, per child area and in total; no data is null, not 0', async () => {
    // In 七都: three majors (one taken to 销号) and one general, besides the vessel hazard above (major).
    const a = await report('qiduWorker', { areaCode: QIDU, title: '危化品仓库无防爆灯' });
    await report('qiduWorker', { areaCode: QIDU, title: '自建房违规加层', category: 'selfbuilt' });
    await report('qiduWorker', {
      areaCode: QIDU,
      title: '工地无安全网',
      category: 'construction',
      severity: 'general',
    });
    await toClosed(a.hazard.id, 'qiduTown', 'qiduWorker');
    const today = new Date();
    const from = new Date(today.getTime() - DAY);
    const to = new Date(today.getTime() + DAY);
    const k = await hazardRectification(t.kernel.db, { areaPrefix: '330302023', from, to });
    expect(k).toEqual({ reported: 3, rectified: 1, rate: 1 / 3 });
    const g = await hazardRectification(t.kernel.db, {
      areaPrefix: '330302023',
      from,
      to,
      severity: 'general',
    });
    expect(g).toEqual({ reported: 1, rectified: 0, rate: 0 });
    const none = await hazardRectification(t.kernel.db, {
      areaPrefix: '330302023',
      from: new Date('2020-01-01'),
      to: new Date('2020-02-01'),
    });
    expect(none).toEqual({ reported: 0, rectified: 0, rate: null });
    const recs = await hazardRectificationRecords(
      t.kernel.db,
      { areaPrefix: '330302023', from, to },
      { limit: 2, offset: 0 },
    );
    expect(recs.total).toBe(3);
    expect(recs.items).toHaveLength(2);
    expect(recs.items[0]!.createdAt >= recs.items[1]!.createdAt).toBe(true);

    // The page's endpoint: 鹿城区 by town.
    const day = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const r = await call(
      'admin',
      'GET',
      `/api/hazards/kpi?areaCode=${LUCHENG}&from=${day(from)}&to=${day(today)}`,
    );
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    const qidu = body.children.find((x: { areaCode: string }) => x.areaCode === QIDU);
    expect(qidu.bySeverity.major).toMatchObject({ reported: 3, rectified: 1, rate: 1 / 3 });
    expect(qidu.bySeverity.general).toMatchObject({ reported: 1, rectified: 0, rate: 0 });
    const wuma = body.children.find((x: { areaCode: string }) => x.areaCode === WUMA);
    // 五马: one major (closed) and one larger answered late.
    expect(wuma.bySeverity.major).toMatchObject({ reported: 1, rectified: 1, respondedInTime: 1, rate: 1 });
    expect(wuma.bySeverity.larger).toMatchObject({ reported: 1, rectified: 0, respondedInTime: 0 });
    expect(body.total.bySeverity.major.reported).toBe(4);
    expect(body.total.bySeverity.major.rectified).toBe(2);
    const other = body.children.find((x: { areaCode: string }) => x.areaCode !== QIDU && x.areaCode !== WUMA);
    expect(other.bySeverity.major.rate).toBeNull();
    const drill = (
      await call(
        'admin',
        'GET',
        `/api/hazards/kpi/records?areaCode=${QIDU}&from=${day(from)}&to=${day(today)}&severity=major`,
      )
    ).json();
    expect(drill.total).toBe(3);
  });
});

describe('the generic matter route', () => {
  it('the generic matter route keeps the hazard rules: no 验收 without an after-photo, the same clocks', async () => {
    const h = await report('worker', { title: '通过通用接口办理的隐患' });
    const generic = async (who: string, body: Record<string, unknown>, status = 200) => {
      const d = await detail('admin', h.hazard.id);
      const r = await call(who, 'POST', `/api/matters/${h.hazard.id}/transitions`, {
        version: d.hazard.version,
        ...body,
      });
      expect(r.statusCode, r.body).toBe(status);
      return r;
    };
    const assigned = await generic('town', {
      action: 'assign',
      assignee: { department: 'emergency', areaCode: LUCHENG },
    });
    const afterAssign = await detail('town', h.hazard.id);
    // The answer of the generic route is read after the hazard's clock was set.
    expect(assigned.json().dueAt).toBe(afterAssign.hazard.clock.rectifyDueAt);
    expect(afterAssign.hazard.clock.respondedAt).not.toBeNull();
    await generic('clerk', { action: 'sign' });
    await generic('clerk', { action: 'submit', result: '已整改' });
    const refused = await generic('town', { action: 'pass' }, 400);
    expect(refused.json().details[0].code).toBe('HAZARD_AFTER_PHOTO_REQUIRED');
    const still = await detail('town', h.hazard.id);
    expect(still.hazard.status).toBe('checking');
    expect(still.hazard.dueAt).toBe(afterAssign.hazard.clock.rectifyDueAt); // one clock across the steps
  });
});

describe('configuration and the map', () => {
  it('a city administrator sets the 3030 clocks per severity; new hazards follow them; no one else may', async () => {
    const r = await call('admin', 'PUT', '/api/hazards/deadlines/major', {
      respondMinutes: 15,
      rectifyDays: 10,
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(
      (await call('town', 'PUT', '/api/hazards/deadlines/major', { respondMinutes: 60, rectifyDays: 60 }))
        .statusCode,
    ).toBe(403);
    const bad = await call('admin', 'PUT', '/api/hazards/deadlines/major', {
      respondMinutes: 0,
      rectifyDays: 10,
    });
    expect(bad.statusCode).toBe(400);
    const d = await report('worker', { title: '加油站静电释放器损坏', category: 'hazchem' });
    expect(new Date(d.hazard.dueAt!).getTime() - new Date(d.hazard.clock.reportedAt!).getTime()).toBe(
      15 * MIN,
    );
    await step('town', d.hazard.id, {
      action: 'assign',
      assignee: { department: 'emergency', areaCode: LUCHENG },
    });
    const a = await detail('town', d.hazard.id);
    expect(new Date(a.hazard.dueAt!).getTime() - new Date(a.hazard.clock.respondedAt!).getTime()).toBe(
      10 * DAY,
    );
    const g = await report('worker', { title: '消防通道堵塞', severity: 'general' });
    expect(new Date(g.hazard.dueAt!).getTime() - new Date(g.hazard.clock.reportedAt!).getTime()).toBe(
      30 * MIN,
    );
    const meta = (await call('worker', 'GET', '/api/hazards/meta')).json();
    expect(meta.deadlines.find((x: { severity: string }) => x.severity === 'major')).toMatchObject({
      respondMinutes: 15,
      rectifyDays: 10,
    });
  });

  it('the enterprise panel of the map lists its hazards', async () => {
    const r = await call('town', 'GET', `/api/map/enterprises/${ENTERPRISE}`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().hazards.length).toBeGreaterThan(0);
    expect(r.json().hazards[0].type).toBe('hazard');
  });
});

describe('demo seed', () => {
  it('seeds hazards in every state across towns; the KPI equals a hand count of them', async () => {
    const { seedHazardDemo } = await import('../../cli/seed/hazard.ts');
    const areas = (
      await t.kernel.db
        .selectFrom('areas')
        .select(['code', 'parent_code', 'level', 'name'])
        .where('level', 'in', [3, 4])
        .execute()
    ).map((a) => ({
      code: a.code,
      parentCode: a.parent_code,
      level: a.level,
      name: a.name,
      geometry: null,
      bbox: null,
    }));
    const ref = new Date('2026-11-29T20:00:00+08:00');
    const before = await t.kernel.db
      .selectFrom('matters')
      .select('id')
      .where('type', '=', 'hazard')
      .execute();
    const made = await t.kernel.db
      .transaction()
      .execute((tx) =>
        seedHazardDemo(tx, areas, { seed: 7, count: 60, referenceDate: ref, files: t.kernel.files }),
      );
    expect(made).toBe(60);
    const seeded = await t.kernel.db
      .selectFrom('matters')
      .select([
        'id',
        'status',
        'closed',
        'deadline_state',
        'area_code',
        'created_at',
        sql<string>`payload->>'severity'`.as('severity'),
      ])
      .where('type', '=', 'hazard')
      .where('id', 'not in', before.length ? before.map((b) => b.id) : ['0'])
      .execute();
    expect(seeded).toHaveLength(60);
    expect(new Set(seeded.map((s) => s.status))).toEqual(
      new Set(['found', 'reported', 'assigned', 'rectifying', 'checking', 'verified', 'closed']),
    );
    expect(seeded.filter((s) => s.status === 'closed').every((s) => s.closed)).toBe(true);
    expect(seeded.some((s) => s.deadline_state === 'overdue' && !s.closed)).toBe(true);
    expect(seeded.some((s) => s.severity === 'major')).toBe(true);
    expect(new Set(seeded.map((s) => s.area_code.slice(0, 9))).size).toBeGreaterThan(30);
    expect(seeded.every((s) => s.created_at.getTime() < ref.getTime())).toBe(true);
    // Every 已验收 or 销号 hazard has an after-photo, as the command path requires.
    const withAfter = await t.kernel.db
      .selectFrom('matter_attachments as a')
      .innerJoin('matter_timeline as tl', 'tl.id', 'a.timeline_id')
      .select('a.matter_id')
      .where('tl.from_status', 'in', ['rectifying', 'checking'])
      .execute();
    for (const s of seeded.filter((x) => x.status === 'closed' || x.status === 'verified'))
      expect(withAfter.map((w) => w.matter_id)).toContain(s.id);
    // The KPI over the city for the seeded year, against a count by hand of the seeded rows.
    const from = new Date(ref.getTime() - 400 * DAY);
    const majors = seeded.filter((s) => s.severity === 'major');
    // Up to the reference date: the hazards the other tests file today are after it.
    const k = await hazardRectification(t.kernel.db, { areaPrefix: '3303', from, to: ref });
    expect(k.reported).toBe(majors.length);
    expect(k.rectified).toBe(majors.filter((s) => s.status === 'closed').length);
    expect(k.rate).toBe(majors.filter((s) => s.status === 'closed').length / majors.length);
  });
});

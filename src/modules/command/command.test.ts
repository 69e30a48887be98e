import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeActor, systemActor } from '../../core/access/actor.ts';
import { locate } from '../../core/areas/areas.service.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import { createMatter } from '../../core/matters/matters.service.ts';
import { h3Of } from '../../core/subjects/common.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { form } from '../../testing/multipart.ts';
import { toCrs } from '../map/map.geo.ts';
import { EARTH_RADIUS_M } from './cameras.geo.ts';
import { nearestCameras } from './cameras.service.ts';
import { cdb } from './command.tables.ts';

/**
 * 一键直达 through HTTP on a real database: the nearest cameras against hand-placed ones (order, distance,
 * bearing, field of view), scope and permission, the typed errors; a task's whole loop from an alert with
 * the source's timeline entry, events and audit; the board, its filters and export; the grid team with masked
 * phones revealed for a reason.
 */
const CITY = '330300000000';
const LUCHENG = '330302000000';
const WUMA = '330302006000'; // 五马街道
const GULOU = '330302006044'; // 鼓楼社区
const MOCHI = '330302006045'; // 墨池社区
const QIDU = '330302023000'; // 七都街道, another town of 鹿城区

let t: TestContext;
const c: Record<string, string> = {};
const ids: Record<string, string> = {};
const events: ZhiliEvent[] = [];
/** The matter's point: the centre of 鼓楼社区. */
let AT = { lng: 0, lat: 0 };

function call(who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: c[who]! },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** A point `north` and `east` metres from AT (flat offsets: exact to millimetres at these distances). */
function offset(north: number, east: number) {
  const m = (EARTH_RADIUS_M * Math.PI) / 180;
  return { lat: AT.lat + north / m, lng: AT.lng + east / (m * Math.cos((AT.lat * Math.PI) / 180)) };
}

async function camera(
  name: string,
  p: { lng: number; lat: number },
  attrs: Record<string, unknown>,
  area = GULOU,
) {
  const r = await t.kernel.db
    .insertInto('things')
    .values({
      area_code: area,
      kind: 'camera',
      name,
      identifier: `T-${name}`,
      attributes: JSON.stringify(attrs),
      lng: p.lng,
      lat: p.lat,
      h3: h3Of(p),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids[name] = r.id;
}

const soon = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

beforeAll(async () => {
  t = await createTestContext();
  t.kernel.events.subscribe((e) => events.push(e));
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['commander', { username: 'c_commander', role: 'commander', areaCode: CITY }],
    ['admin', { username: 'c_admin', role: 'city_admin', areaCode: CITY }],
    ['town', { username: 'c_town', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['otherTown', { username: 'c_other', role: 'town_center', areaCode: QIDU, departmentCode: 'zongzhi' }],
    ['grid', { username: 'c_grid', role: 'grid_worker', areaCode: GULOU }],
    ['gridMochi', { username: 'c_grid_mochi', role: 'grid_worker', areaCode: MOCHI }],
    ['clerk', { username: 'c_clerk', role: 'dept_clerk', areaCode: LUCHENG, departmentCode: 'police' }],
    ['auditor', { username: 'c_auditor', role: 'auditor', areaCode: CITY }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
  for (const r of await t.kernel.db.selectFrom('users').select(['id', 'username']).execute()) {
    ids[r.username] = r.id;
  }
  const area = await t.kernel.db
    .selectFrom('areas')
    .select(['center_lng', 'center_lat'])
    .where('code', '=', GULOU)
    .executeTakeFirstOrThrow();
  AT = { lng: area.center_lng!, lat: area.center_lat! };

  const sys = systemActor('test');
  const now = new Date().toISOString();
  const made = await t.kernel.db.transaction().execute(async (tx) => ({
    alert: await createMatter(tx, sys, {
      type: 'alert',
      title: '鼓楼社区聚集风险预警（测试）',
      areaCode: GULOU,
      point: AT,
      urgency: 'extra_urgent',
      payload: {
        model: 't_model',
        modelVersion: 1,
        key: 'k1',
        window: 'open',
        level: 'red',
        score: 88,
        factors: [],
        firstAt: now,
        lastAt: now,
      },
    }),
    event: await createMatter(tx, sys, { type: 'event', title: '路灯损坏', areaCode: GULOU, point: AT }),
    nowhere: await createMatter(tx, sys, { type: 'event', title: '无坐标的事件', areaCode: GULOU }),
  }));
  ids.alert = made.alert.matter.id;
  ids.event = made.event.matter.id;
  ids.nowhere = made.nowhere.matter.id;

  // Hand-placed cameras around AT. Expected, nearest first: east (50 m, looking west at it), north
  // (100 m, looking north: away), south (300 m, looking north-north-east: 10° off, inside its 30°), and
  // none of the far one (1,200 m), the hydrant, or the camera in 七都 (outside a town user's scope).
  await camera('north', offset(100, 0), { heading: 0, fov: 90, streamUrl: '/demo-video/camera.m3u8' });
  await camera('east', offset(0, 50), {
    heading: 270,
    fov: 60,
    streamUrl: 'https://video.example.invalid/e.m3u8',
  });
  await camera('south', offset(-300, 0), { heading: 10, fov: 30, streamUrl: 'javascript:alert(1)' });
  await camera('far', offset(1200, 0), { heading: 180, fov: 90 });
  const qiduVillage = await t.kernel.db
    .selectFrom('areas')
    .select('code')
    .where('parent_code', '=', QIDU)
    .orderBy('code')
    .executeTakeFirstOrThrow();
  await camera('qidu', offset(-120, -120), { heading: 45, fov: 90 }, qiduVillage.code);
  await t.kernel.db
    .insertInto('things')
    .values({ area_code: GULOU, kind: 'hydrant', name: '消火栓', lng: AT.lng, lat: AT.lat, h3: h3Of(AT) })
    .execute();
});
afterAll(() => t.close());

describe('nearest cameras', () => {
  it('lists them by distance with bearing and field of view, as computed by hand', async () => {
    const res = await call('commander', 'GET', `/api/matters/${ids.alert}/cameras?radius=1000&limit=10`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.matter).toMatchObject({ id: ids.alert, point: AT });
    expect(body.streamsVisible).toBe(true);
    expect(body.items.map((x: { name: string }) => x.name)).toEqual(['east', 'north', 'qidu', 'south']);
    expect(body.total).toBe(4);
    const by = Object.fromEntries(body.items.map((x: { name: string }) => [x.name, x]));
    // East, 50 m: the matter is due west of it (270°), where it looks.
    expect(by.east.distanceM).toBeCloseTo(50, 0);
    expect(by.east.bearingDeg).toBeCloseTo(270, 0);
    expect(by.east).toMatchObject({ heading: 270, fov: 60, inView: true, hasStream: true });
    expect(by.east.offAxisDeg).toBeCloseTo(0, 0);
    // North, 100 m: the matter is due south (180°); the camera looks north — 180° off.
    expect(by.north.distanceM).toBeCloseTo(100, 0);
    expect(by.north.bearingDeg).toBeCloseTo(180, 0);
    expect(by.north).toMatchObject({ inView: false, streamUrl: '/demo-video/camera.m3u8' });
    // South, 300 m: the matter is due north (0°); heading 10° ± 15° holds it.
    expect(by.south.distanceM).toBeCloseTo(300, 0);
    expect(by.south.offAxisDeg).toBeCloseTo(-10, 0);
    expect(by.south.inView).toBe(true);
    // A script URL is no stream.
    expect(by.south).toMatchObject({ hasStream: false, streamUrl: null });
    // 七都's camera, 170 m south-west: the matter lies north-east (45°), where it looks.
    expect(by.qidu.distanceM).toBeCloseTo(Math.hypot(120, 120), 0);
    expect(by.qidu.bearingDeg).toBeCloseTo(45, 0);
    expect(by.qidu.inView).toBe(true);
  });

  it('keeps to the radius and the limit', async () => {
    const near = (await call('commander', 'GET', `/api/matters/${ids.alert}/cameras?radius=120`)).json();
    expect(near.items.map((x: { name: string }) => x.name)).toEqual(['east', 'north']);
    const two = (
      await call('commander', 'GET', `/api/matters/${ids.alert}/cameras?radius=5000&limit=2`)
    ).json();
    expect(two.items.map((x: { name: string }) => x.name)).toEqual(['east', 'north']);
    expect(two.total).toBe(5);
  });

  it('shows only cameras in the user’s scope, and a matter outside it not at all', async () => {
    const town = (await call('town', 'GET', `/api/matters/${ids.alert}/cameras`)).json();
    expect(town.items.map((x: { name: string }) => x.name)).toEqual(['east', 'north', 'south']);
    for (const who of ['otherTown', 'gridMochi']) {
      const r = await call(who, 'GET', `/api/matters/${ids.alert}/cameras`);
      expect(r.statusCode, who).toBe(404);
      expect(r.json().code).toBe('NOT_FOUND');
    }
    expect((await call('auditor', 'GET', `/api/matters/${ids.alert}/cameras`)).statusCode).toBe(403);
  });

  it('gives stream URLs only to those who act on matters', async () => {
    const reader = makeActor({
      id: null,
      username: 'reader',
      displayName: 'reader',
      roles: ['commander'],
      areaCode: CITY,
    });
    const readOnly = { ...reader, permissions: new Set(['matter:read', 'subject:read'] as const) };
    const r = await nearestCameras(t.kernel.db, readOnly, ids.alert!, { radiusM: 1000, limit: 10 });
    expect(r.streamsVisible).toBe(false);
    expect(r.items.every((x) => x.streamUrl === null)).toBe(true);
    expect(r.items.find((x) => x.name === 'north')?.hasStream).toBe(true);
  });

  it('refuses with typed errors: no location, radius out of range, limit over 50', async () => {
    const none = await call('commander', 'GET', `/api/matters/${ids.nowhere}/cameras`);
    expect(none.statusCode).toBe(400);
    expect(none.json().code).toBe('MATTER_NO_LOCATION');
    expect(none.json().message).toMatch(/没有定位坐标.* \/ .*no location/);
    for (const radius of ['5001', '0', '-5', 'abc']) {
      const r = await call('commander', 'GET', `/api/matters/${ids.alert}/cameras?radius=${radius}`);
      expect(r.statusCode, radius).toBe(400);
      expect(r.json().code, radius).toBe(radius === 'abc' ? 'VALIDATION_FAILED' : 'RADIUS_OUT_OF_RANGE');
    }
    const many = await call('commander', 'GET', `/api/matters/${ids.alert}/cameras?limit=51`);
    expect(many.statusCode).toBe(400);
    expect(many.json().code).toBe('VALIDATION_FAILED');
  });
});

describe('the grid team', () => {
  it('lists the grid’s and village’s workers and the town centre, phones masked until revealed', async () => {
    const set = await call('admin', 'PUT', `/api/command/duty-phones/${ids.c_grid}`, {
      phone: '138 0057 1234',
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().phone).toBe('138****1234');
    const bad = await call('admin', 'PUT', `/api/command/duty-phones/${ids.c_town}`, { phone: '12345' });
    expect(bad.json().code).toBe('INVALID_MOBILE');
    expect(
      (await call('commander', 'PUT', `/api/command/duty-phones/${ids.c_town}`, { phone: null })).statusCode,
    ).toBe(403);

    const res = await call('commander', 'GET', `/api/matters/${ids.alert}/team`);
    expect(res.statusCode, res.body).toBe(200);
    const team = res.json();
    expect(team.areas.map((a: { level: number }) => a.level)).toEqual([4, 3]);
    expect(team.items.map((x: { displayName: string }) => x.displayName)).toEqual(['c_grid', 'c_town']);
    expect(team.items[0]).toMatchObject({ roles: ['grid_worker'], phone: '138****1234', areaCode: GULOU });
    expect(team.items[1]).toMatchObject({ roles: ['town_center'], phone: null });
    expect(team.roster).toMatchObject({ available: true, note: null, members: [] });
    // The grid the alert's point lies in: its 1+3+N roster, phones masked.
    const [grid] = await locate(t.kernel.db, AT.lng, AT.lat).then((p) => p.filter((a) => a.level === 5));
    expect(team.roster.grid.code).toBe(grid!.code);
    for (const [role, name, phone] of [
      ['instructor', '网格指导员甲', '13900001111'],
      ['leader', '网格长乙', '13900002222'],
      ['police', '社区民警丙', null],
    ] as const) {
      const r = await call('admin', 'POST', '/api/grid/members', { areaCode: grid!.code, role, name, phone });
      expect(r.statusCode, r.body).toBe(201);
    }
    const withRoster = (await call('commander', 'GET', `/api/matters/${ids.alert}/team`)).json().roster;
    expect(
      withRoster.members.map((m: { name: string; group: string; phone: string | null }) => [
        m.name,
        m.group,
        m.phone,
      ]),
    ).toEqual([
      ['网格长乙', '1', '139****2222'],
      ['网格指导员甲', '3', '139****1111'],
      ['社区民警丙', 'N', null],
    ]);
    // A matter with no point, filed at the village: no grid, and the panel says why.
    const nowhere = (await call('commander', 'GET', `/api/matters/${ids.nowhere}/team`)).json().roster;
    expect(nowhere).toMatchObject({ available: false, grid: null, members: [] });
    expect(nowhere.note.zh).toMatch(/未定位到网格/);

    expect(
      (await call('commander', 'POST', `/api/matters/${ids.alert}/team/reveal`, { reason: '' })).statusCode,
    ).toBe(400);
    const shown = await call('commander', 'POST', `/api/matters/${ids.alert}/team/reveal`, {
      reason: '预警处置联系网格员',
      userIds: [ids.c_grid],
    });
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json().items).toEqual([{ userId: ids.c_grid, phone: '13800571234' }]);
    // The roster's phones (the members with one), in the same audited reveal.
    expect(
      shown
        .json()
        .roster.map((x: { phone: string }) => x.phone)
        .sort(),
    ).toEqual(['13900001111', '13900002222']);
    const outsider = await call('commander', 'POST', `/api/matters/${ids.alert}/team/reveal`, {
      reason: '预警处置',
      userIds: [ids.c_grid_mochi],
    });
    expect(outsider.statusCode).toBe(400);
    // A department clerk may act on matters but not reveal identifiers.
    expect(
      (await call('clerk', 'POST', `/api/matters/${ids.alert}/team/reveal`, { reason: '联系网格员' }))
        .statusCode,
    ).toBe(403);
    const entry = await t.kernel.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'command.team.reveal')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ reason: '预警处置联系网格员', entity_id: ids.alert });
    expect(JSON.stringify(entry.new_values)).not.toContain('13800571234');
    expect(JSON.stringify(entry.new_values)).not.toContain('13900002222');
    expect((entry.new_values as { rosterMembers: string[] }).rosterMembers).toHaveLength(2);
  });
});

describe('a command task from an alert, through its loop', () => {
  let task: { id: string; number: string; version: number };

  const step = async (who: string, action: string, extra: Record<string, unknown> = {}) => {
    const detail = (await call(who, 'GET', `/api/matters/${task.id}`)).json();
    const r = await call(who, 'POST', `/api/matters/${task.id}/transitions`, {
      action,
      version: detail.version,
      ...extra,
    });
    expect(r.statusCode, `${who} ${action}: ${r.body}`).toBe(200);
    return r.json();
  };

  it('is dispatched by the commander: a ZL matter assigned at once, with an entry on the alert', async () => {
    const deadline = soon(120);
    const r = await call('commander', 'POST', `/api/matters/${ids.alert}/tasks`, {
      assignee: { department: 'zongzhi', areaCode: WUMA },
      instructions: '立即赶赴鼓楼社区现场核实聚集情况，疏导人员并反馈。',
      deadline,
      pinned: true,
      cameraIds: [ids.east],
    });
    expect(r.statusCode, r.body).toBe(201);
    task = r.json();
    expect(task.number).toMatch(/^ZL-330302-\d{8}-\d{4}$/);
    expect(r.json()).toMatchObject({
      status: 'issued',
      statusName: { zh: '待签收' },
      pinned: true,
      overdue: false,
      deadline: new Date(deadline).toISOString(),
      source: { id: ids.alert, type: 'alert' },
      assignee: { department: 'zongzhi', areaCode: WUMA, departmentName: { zh: expect.any(String) } },
      point: AT,
      areaCode: GULOU,
      dispatcherAreaCode: CITY,
      urgency: 'urgent',
      cameraIds: [ids.east],
      arrival: null,
    });
    // The first step's clock: 30 minutes, before the task's own deadline.
    const due = Date.parse(r.json().dueAt) - Date.parse(r.json().createdAt);
    expect(due).toBeGreaterThan(29 * 60_000);
    expect(due).toBeLessThanOrEqual(30 * 60_000);

    const alert = (await call('commander', 'GET', `/api/matters/${ids.alert}`)).json();
    const entry = alert.timeline.find((e: { action: string }) => e.action === 'command_task');
    expect(entry.note).toBe(`已下达指令 ${task.number}，承办：综治中心（五马街道）`);
    expect(entry.data).toMatchObject({ task: { id: task.id, number: task.number } });
    expect(alert.status).toBe('raised');

    const list = (await call('commander', 'GET', `/api/matters/${ids.alert}/tasks`)).json();
    expect(list.items.map((x: { id: string }) => x.id)).toEqual([task.id]);

    await expect
      .poll(() => events.map((e) => `${e.type}:${e.matterId}:${(e.data?.action as string) ?? ''}`))
      .toEqual(
        expect.arrayContaining([
          `matter.created:${task.id}:`,
          `matter.transitioned:${ids.alert}:command_task`,
        ]),
      );
    const created = events.find((e) => e.type === 'matter.created' && e.matterId === task.id)!;
    expect(created).toMatchObject({ assigneeDepartment: 'zongzhi', assigneeAreaCode: WUMA });
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'command.dispatch')
      .where('entity_id', '=', task.id)
      .executeTakeFirst();
    expect(audit?.new_values).toMatchObject({ task: task.number, pinned: true });
    // The unit hears of it.
    const note = await t.kernel.db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', ids.c_town!)
      .where('matter_id', '=', task.id)
      .executeTakeFirst();
    expect(note?.message).toContain(task.number);
  });

  it('goes 签收 → 到场 (with location) → 处置 → 反馈 with a photo → 核查 → 办结, every step in its timeline', async () => {
    // Only the unit may sign for it.
    const early = await call('grid', 'POST', `/api/matters/${task.id}/transitions`, {
      action: 'sign',
      version: 1,
    });
    expect(early.statusCode).toBe(403);
    await step('town', 'sign');
    const detail = (await call('town', 'GET', `/api/matters/${task.id}`)).json();
    const here = offset(30, 40);
    const arrive = await call('town', 'POST', `/api/command/tasks/${task.id}/arrive`, {
      version: detail.version,
      note: '已到鼓楼社区',
      location: { ...here, accuracyM: 12 },
    });
    expect(arrive.statusCode, arrive.body).toBe(200);
    expect(arrive.json()).toMatchObject({
      status: 'on_site',
      arrival: { point: here, accuracyM: 12, distanceM: 50 },
    });
    // A stale version is refused, as for any step.
    const stale = await call('town', 'POST', `/api/command/tasks/${task.id}/arrive`, {
      version: detail.version,
    });
    expect(stale.statusCode).toBe(409);

    await step('town', 'handle', { note: '现场人员已疏导' });
    const photo = form([
      {
        name: 'file',
        filename: '现场.png',
        type: 'image/png',
        data: Buffer.from(
          'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
          'base64',
        ),
      },
      { name: 'note', value: '反馈照片' },
    ]);
    const up = await t.app.inject({
      method: 'POST',
      url: `/api/matters/${task.id}/attachments`,
      headers: { cookie: c.town!, ...photo.headers },
      payload: photo.payload,
    });
    expect(up.statusCode, up.body).toBe(201);
    await step('town', 'feedback', { result: '聚集已疏散，无人员受伤。' });
    // The town's scope covers the task, so it could verify too; here the commander who issued it does.
    const own = await call('town', 'GET', `/api/matters/${task.id}`);
    expect(own.json().actions.map((a: { action: string }) => a.action)).toContain('verify');
    await step('commander', 'verify', { note: '经视频核实，已疏散' });
    const closed = await step('commander', 'close');
    expect(closed).toMatchObject({ status: 'closed', closed: true });

    const timeline = closed.timeline.map((e: { action: string }) => e.action);
    expect(timeline).toEqual([
      'create',
      'issue',
      'sign',
      'arrive',
      'handle',
      'attach',
      'feedback',
      'verify',
      'close',
    ]);
    const arrived = closed.timeline.find((e: { action: string }) => e.action === 'arrive');
    expect(arrived.note).toMatch(/已到鼓楼社区\n到场位置 .*（±12 米），距事发点 50 米/);
    expect(closed.attachments).toHaveLength(1);
    const board = (await call('commander', 'GET', '/api/command/tasks')).json();
    expect(board.items.map((x: { id: string }) => x.id)).not.toContain(task.id);
    const done = (await call('commander', 'GET', '/api/command/tasks?status=closed')).json();
    expect(done.items.map((x: { id: string }) => x.id)).toContain(task.id);
    // The map's 指令 layer: open pinned tasks and those closed since a time (greyed there), not older ones.
    const since = (ms: number) => encodeURIComponent(new Date(Date.now() - ms).toISOString());
    const recent = (
      await call(
        'commander',
        'GET',
        `/api/command/tasks?pinned=true&status=open&closedSince=${since(60_000)}`,
      )
    ).json();
    expect(recent.items.find((x: { id: string }) => x.id === task.id)).toMatchObject({ closed: true });
    const later = (
      await call(
        'commander',
        'GET',
        `/api/command/tasks?pinned=true&status=open&closedSince=${since(-60_000)}`,
      )
    ).json();
    expect(later.items.map((x: { id: string }) => x.id)).not.toContain(task.id);
    expect((await call('commander', 'GET', '/api/command/tasks?closedSince=yesterday')).statusCode).toBe(400);
  });
});

describe('dispatch rules', () => {
  it('refuses a grid worker, a town outside the matter, a closed or task source, a bad deadline or unit', async () => {
    const body = {
      assignee: { department: 'zongzhi', areaCode: WUMA },
      instructions: '核实',
      deadline: soon(60),
    };
    expect((await call('grid', 'POST', `/api/matters/${ids.event}/tasks`, body)).statusCode).toBe(403);
    expect((await call('otherTown', 'POST', `/api/matters/${ids.event}/tasks`, body)).statusCode).toBe(404);
    for (const deadline of [soon(-5), soon(0.5), soon(31 * 24 * 60), 'tomorrow']) {
      const r = await call('commander', 'POST', `/api/matters/${ids.event}/tasks`, { ...body, deadline });
      expect(r.statusCode, deadline).toBe(400);
      expect(r.json().code).toBe('VALIDATION_FAILED');
    }
    const noOne = await call('commander', 'POST', `/api/matters/${ids.event}/tasks`, {
      ...body,
      assignee: {},
    });
    expect(noOne.statusCode).toBe(400);
    const unknown = await call('commander', 'POST', `/api/matters/${ids.event}/tasks`, {
      ...body,
      assignee: { department: 'nosuch', areaCode: WUMA },
    });
    expect(unknown.json().details).toEqual([expect.objectContaining({ path: 'assignee.department' })]);
    const tooLong = await call('commander', 'POST', `/api/matters/${ids.event}/tasks`, {
      ...body,
      instructions: '长'.repeat(2001),
    });
    expect(tooLong.statusCode).toBe(400);
    // A town centre cannot send a task to a unit in another town.
    const elsewhere = await call('town', 'POST', `/api/matters/${ids.event}/tasks`, {
      ...body,
      assignee: { department: 'zongzhi', areaCode: QIDU },
    });
    expect(elsewhere.json().code).toBe('AREA_OUT_OF_SCOPE');

    const closed = await t.kernel.db
      .transaction()
      .execute((tx) =>
        createMatter(tx, systemActor('t'), { type: 'event', title: '已结束', areaCode: GULOU, point: AT }),
      );
    await t.kernel.db
      .updateTable('matters')
      .set({ closed: true, status: 'closed' })
      .where('id', '=', closed.matter.id)
      .execute();
    const r = await call('commander', 'POST', `/api/matters/${closed.matter.id}/tasks`, body);
    expect(r.statusCode).toBe(409);
    expect(r.json().code).toBe('MATTER_CLOSED');

    const task = (await call('commander', 'POST', `/api/matters/${ids.event}/tasks`, body)).json();
    const again = await call('commander', 'POST', `/api/matters/${task.id}/tasks`, body);
    expect(again.statusCode).toBe(400);
  });

  it('sends a task to one person, who finds it on the board as theirs and may return it', async () => {
    const r = await call('town', 'POST', `/api/matters/${ids.event}/tasks`, {
      assignee: { userId: ids.c_grid },
      instructions: '请网格员到现场拍照核实路灯损坏情况',
      deadline: soon(240),
    });
    expect(r.statusCode, r.body).toBe(201);
    const task = r.json();
    expect(task.assignee).toMatchObject({
      department: null,
      areaCode: GULOU,
      userId: ids.c_grid,
      userName: 'c_grid',
    });
    expect(task.dispatcherAreaCode).toBe(WUMA);
    const mine = (await call('grid', 'GET', '/api/command/tasks?assignee=me')).json();
    expect(mine.items.map((x: { id: string }) => x.id)).toEqual([task.id]);
    // The next village's grid worker does not see it.
    const mochi = (await call('gridMochi', 'GET', '/api/command/tasks')).json();
    expect(mochi.items).toEqual([]);
    const ret = await call('grid', 'POST', `/api/matters/${task.id}/transitions`, {
      action: 'return',
      version: task.version,
      reason: '本人不在岗',
    });
    expect(ret.statusCode, ret.body).toBe(200);
    expect(ret.json()).toMatchObject({ status: 'returned', assignee: null });
    const again = await call('town', 'POST', `/api/matters/${task.id}/transitions`, {
      action: 'reissue',
      version: ret.json().version,
      assignee: { department: 'zongzhi', areaCode: WUMA },
    });
    expect(again.json().status).toBe('issued');
  });

  it('a person outside the dispatcher’s scope cannot be chosen', async () => {
    const r = await call('town', 'POST', `/api/matters/${ids.event}/tasks`, {
      assignee: { userId: ids.c_other },
      instructions: '核实',
      deadline: soon(60),
    });
    expect(r.json().code).toBe('AREA_OUT_OF_SCOPE');
  });
});

describe('the command board', () => {
  it('lists open tasks by deadline, filters, paginates, counts overdue and pins', async () => {
    // Three more tasks with deadlines in 3 h, 2 h and (after the fact) 10 minutes ago.
    const made: string[] = [];
    for (const minutes of [180, 120, 60]) {
      const r = await call('commander', 'POST', `/api/matters/${ids.alert}/tasks`, {
        assignee: { department: 'zongzhi', areaCode: WUMA },
        instructions: `指令 ${minutes}`,
        deadline: soon(minutes),
      });
      made.push(r.json().id);
    }
    await cdb(t.kernel.db)
      .updateTable('command_tasks')
      .set({ deadline: new Date(Date.now() - 10 * 60_000) })
      .where('matter_id', '=', made[2]!)
      .execute();
    const all = (await call('commander', 'GET', '/api/command/tasks')).json();
    const deadlines = all.items.map((x: { deadline: string }) => Date.parse(x.deadline));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    expect(all.items[0]).toMatchObject({ id: made[2], overdue: true });

    const late = (await call('commander', 'GET', '/api/command/tasks?overdue=true')).json();
    expect(late.items.map((x: { id: string }) => x.id)).toEqual([made[2]]);
    const summary = (await call('commander', 'GET', '/api/command/summary')).json();
    expect(summary).toMatchObject({ overdue: 1, open: all.items.length });
    expect(summary.byStatus.issued).toBeGreaterThanOrEqual(4);

    // Pages of two cover the same rows, in the same order, once each.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/command/tasks?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await call('commander', 'GET', q)).json();
      seen.push(...page.items.map((x: { id: string }) => x.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((x: { id: string }) => x.id));

    const found = (
      await call('commander', 'GET', `/api/command/tasks?q=${encodeURIComponent('指令 120')}`)
    ).json();
    expect(found.items.map((x: { id: string }) => x.id)).toEqual([made[1]]);
    // A town outside sees none of them.
    expect((await call('otherTown', 'GET', '/api/command/tasks')).json().items).toEqual([]);

    const pin = await call('commander', 'PUT', `/api/command/tasks/${made[0]}/pin`, { pinned: true });
    expect(pin.json().pinned).toBe(true);
    const pinned = (await call('commander', 'GET', '/api/command/tasks?pinned=true')).json();
    expect(pinned.items.map((x: { id: string }) => x.id)).toEqual([made[0]]);
    // Under a GCJ-02 base map the points come converted, by the map's one conversion (a few hundred metres).
    const gcj = (await call('commander', 'GET', '/api/command/tasks?pinned=true&crs=gcj02')).json();
    const w = pinned.items[0].point as { lng: number; lat: number };
    expect(gcj.items[0].point).toEqual(
      Object.fromEntries(['lng', 'lat'].map((k, i) => [k, toCrs(w.lng, w.lat, 'gcj02')[i]])),
    );
    const movedM = Math.hypot(
      (gcj.items[0].point.lng - w.lng) * 98_000,
      (gcj.items[0].point.lat - w.lat) * 111_000,
    );
    expect(movedM).toBeGreaterThan(100);
    expect(movedM).toBeLessThan(1000);
    expect((await call('commander', 'GET', '/api/command/tasks?crs=bd09')).statusCode).toBe(400);
    expect(
      (await call('grid', 'PUT', `/api/command/tasks/${made[0]}/pin`, { pinned: false })).statusCode,
    ).toBe(403);
  });

  it('exports the board to Excel, audited', async () => {
    const r = await call('commander', 'GET', '/api/command/tasks/export?status=all');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    expect(r.rawPayload.subarray(0, 2).toString()).toBe('PK');
    await expect
      .poll(
        async () =>
          (
            await t.kernel.db
              .selectFrom('audit_log')
              .select('id')
              .where('action', '=', 'command.export')
              .execute()
          ).length,
      )
      .toBe(1);
  });
});

describe('the demo video', () => {
  it('is served with HLS types, and nothing outside its folder', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/demo-video/camera.m3u8' });
    expect(list.statusCode).toBe(200);
    expect(list.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(list.body).toContain('#EXTM3U');
    const seg = await t.app.inject({ method: 'GET', url: '/demo-video/camera-0.ts' });
    expect(seg.headers['content-type']).toBe('video/mp2t');
    expect(seg.rawPayload[0]).toBe(0x47); // MPEG-TS sync byte
    for (const url of [
      '/demo-video/README.md',
      '/demo-video/..%2f..%2fpackage.json',
      '/demo-video/nope.ts',
    ]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBeGreaterThanOrEqual(400);
    }
  });
});

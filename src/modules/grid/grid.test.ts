import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import ExcelJS from 'exceljs';
import type { MultiPolygon, Polygon } from 'geojson';
import type { Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeActor } from '../../core/access/actor.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { form } from '../../testing/multipart.ts';
import { toCrs } from '../map/map.geo.ts';
import { checkIn } from './checkins.service.ts';
import { addDays, cstDay, distanceToGridM, type LngLat, offsetPoint, periodStarts } from './grid.geo.ts';
import { type GridCheckinsTable, gdb } from './grid.tables.ts';
import { gridReport } from './report.service.ts';

/**
 * 网格 through HTTP on a real database: the 1+3+N roster's rules and audit, masked phones revealed for a
 * reason, check-ins against a real grid polygon (inside, within the tolerance, outside with the distance,
 * twice, forged), rule periods, visits and finding → matter, the two-100% report against direct counts,
 * reminders, export and scope.
 */
const CITY = '330300000000';
const WUMA = '330302006000'; // 五马街道
const GULOU = '330302006044'; // 鼓楼社区
const MOCHI = '330302006045'; // 墨池社区
const QIDU = '330302023000'; // 七都街道

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let t: TestContext;
const c: Record<string, string> = {};
const uid: Record<string, string> = {};
let GRID = '';
let GRID2 = '';
let MOCHI_GRID = '';
let geometry: Polygon | MultiPolygon;
let INSIDE: LngLat = { lng: 0, lat: 0 };

function call(
  who: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: c[who]! },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** A point `d` metres (±2) outside the grid, east of INSIDE along a ray. */
function outsideBy(d: number): LngLat {
  let east = 0;
  while (distanceToGridM(offsetPoint(INSIDE, 0, east), geometry) === 0) east += 5;
  for (let step = 0; step < 100_000; step++) {
    const p = offsetPoint(INSIDE, 0, east);
    if (distanceToGridM(p, geometry) >= d) return p;
    east += 1;
  }
  throw new Error('no such point');
}

const fix = (p: LngLat, accuracy = 15) => ({ location: { lng: p.lng, lat: p.lat, accuracy } });

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['admin', { username: 'g_admin', role: 'city_admin', areaCode: CITY }],
    ['town', { username: 'g_town', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['otherTown', { username: 'g_other', role: 'town_center', areaCode: QIDU, departmentCode: 'zongzhi' }],
    ['leader', { username: 'g_leader', role: 'grid_worker', areaCode: GULOU }],
    ['instructor', { username: 'g_instructor', role: 'grid_worker', areaCode: GULOU }],
    ['mochi', { username: 'g_mochi', role: 'grid_worker', areaCode: MOCHI }],
    ['auditor', { username: 'g_auditor', role: 'auditor', areaCode: CITY }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
  for (const r of await t.kernel.db.selectFrom('users').select(['id', 'username']).execute()) {
    uid[r.username] = r.id;
  }
  const grids = await t.kernel.db
    .selectFrom('areas')
    .select(['code', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat', 'parent_code'])
    .where('level', '=', 5)
    .where((e) => e.or([e('parent_code', '=', GULOU), e('parent_code', '=', MOCHI)]))
    .orderBy('code')
    .execute();
  const gulou = grids.filter((g) => g.parent_code === GULOU);
  GRID = gulou[0]!.code;
  GRID2 = gulou[1]!.code;
  MOCHI_GRID = grids.find((g) => g.parent_code === MOCHI)!.code;
  const g = gulou[0]!;
  geometry = g.geometry as unknown as Polygon;
  // A point well inside: the sample farthest from the edge on a 20×20 lattice of the bbox.
  let best = -1;
  for (let i = 1; i < 20; i++) {
    for (let j = 1; j < 20; j++) {
      const p = {
        lng: g.min_lng! + ((g.max_lng! - g.min_lng!) * i) / 20,
        lat: g.min_lat! + ((g.max_lat! - g.min_lat!) * j) / 20,
      };
      if (!booleanPointInPolygon([p.lng, p.lat], geometry)) continue;
      // Distance to the edge from inside: the distance of the nearest outside lattice neighbour is a proxy;
      // simpler: prefer the point nearest the bbox centre.
      const score = -Math.hypot(i - 10, j - 10);
      if (best === -1 || score > best) {
        best = score;
        INSIDE = p;
      }
    }
  }
});

afterAll(async () => {
  await t?.close();
});

const ids: Record<string, string> = {};

describe('the 1+3+N roster', () => {
  it('a town centre adds a leader with a phone; the roster shows it masked', async () => {
    const r = await call('town', 'POST', '/api/grid/members', {
      areaCode: GRID,
      role: 'leader',
      name: '张伟',
      phone: '13812345678',
      userId: uid.g_leader,
      unit: '鼓楼社区居委会',
      since: '2026-11-01',
    });
    expect(r.statusCode, r.body).toBe(201);
    const m = r.json();
    ids.leader = m.id;
    expect(m).toMatchObject({ role: 'leader', group: '1', phone: '138****5678', period: 'day', version: 1 });
    const roster = (await call('leader', 'GET', `/api/grid/roster?areaCode=${GRID}`)).json();
    expect(roster.items.map((x: { name: string }) => x.name)).toEqual(['张伟']);
    expect(roster.items[0].phone).toBe('138****5678');
    expect(JSON.stringify(roster)).not.toContain('13812345678');
    expect(roster).toMatchObject({ counts: { one: 1, three: 0, n: 0 }, mayEdit: false, mayReveal: true });
  });

  it('refuses a second 网格长, a village, a bad phone, a grid worker editing and another town', async () => {
    const second = await call('town', 'POST', '/api/grid/members', {
      areaCode: GRID,
      role: 'leader',
      name: '李强',
    });
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('GRID_LEADER_EXISTS');
    const village = await call('town', 'POST', '/api/grid/members', {
      areaCode: GULOU,
      role: 'fulltime',
      name: '李强',
    });
    expect(village.statusCode).toBe(400);
    // A 12-digit code is not a grid code: the schema refuses it already.
    expect(village.json().code).toBe('VALIDATION_FAILED');
    const bad = await call('town', 'POST', '/api/grid/members', {
      areaCode: GRID,
      role: 'fulltime',
      name: '李强',
      phone: '12345',
    });
    expect(bad.json().code).toBe('INVALID_MOBILE');
    const worker = await call('leader', 'POST', '/api/grid/members', {
      areaCode: GRID,
      role: 'volunteer',
      name: '王芳',
    });
    expect(worker.statusCode).toBe(403);
    const other = await call('otherTown', 'POST', '/api/grid/members', {
      areaCode: GRID,
      role: 'volunteer',
      name: '王芳',
    });
    expect(other.statusCode).toBe(404);
    expect((await call('otherTown', 'GET', `/api/grid/roster?areaCode=${GRID}`)).statusCode).toBe(404);
    const leaders = await gdb(t.kernel.db)
      .selectFrom('grid_members')
      .select('id')
      .where('area_code', '=', GRID)
      .where('role', '=', 'leader')
      .execute();
    expect(leaders).toHaveLength(1);
  });

  it('adds the 3 and the N; every change is audited without the phone', async () => {
    const add = async (role: string, name: string, extra: object = {}) => {
      const r = await call('town', 'POST', '/api/grid/members', {
        areaCode: GRID,
        role,
        name,
        since: '2026-11-01',
        ...extra,
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().id as string;
    };
    ids.instructor = await add('instructor', '陈静', { userId: uid.g_instructor, phone: '13900001111' });
    ids.fulltime = await add('fulltime', '刘洋');
    ids.parttime = await add('parttime', '赵敏');
    ids.police = await add('police', '孙警官', { unit: '五马派出所' });
    const roster = (await call('town', 'GET', `/api/grid/roster?areaCode=${GRID}`)).json();
    expect(roster.counts).toEqual({ one: 1, three: 3, n: 1 });
    expect(roster.items.map((x: { role: string }) => x.role)).toEqual([
      'leader',
      'fulltime',
      'parttime',
      'instructor',
      'police',
    ]);
    const audits = await t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'new_values'])
      .where('action', 'like', 'grid.member.%')
      .execute();
    expect(audits.filter((a) => a.action === 'grid.member.add')).toHaveLength(5);
    expect(JSON.stringify(audits)).not.toMatch(/13812345678|13900001111/);
  });

  it('updates with the version read (409 on a stale one), and removes', async () => {
    const stale = await call('town', 'PATCH', `/api/grid/members/${ids.fulltime}`, {
      name: '刘洋洋',
      version: 9,
    });
    expect(stale.statusCode).toBe(409);
    const ok = await call('town', 'PATCH', `/api/grid/members/${ids.fulltime}`, {
      name: '刘洋洋',
      phone: '13700002222',
      version: 1,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ name: '刘洋洋', phone: '137****2222', version: 2 });
    const toLeader = await call('town', 'PATCH', `/api/grid/members/${ids.fulltime}`, {
      role: 'leader',
      version: 2,
    });
    expect(toLeader.json().code).toBe('GRID_LEADER_EXISTS');
    const parttime = (await call('town', 'GET', `/api/grid/members/${ids.parttime}`)).json();
    const del = await call('town', 'DELETE', `/api/grid/members/${ids.parttime}?version=${parttime.version}`);
    expect(del.statusCode).toBe(204);
    expect((await call('town', 'GET', `/api/grid/members/${ids.parttime}`)).statusCode).toBe(404);
    const actions = (
      await t.kernel.db
        .selectFrom('audit_log')
        .select('action')
        .where('entity_type', '=', 'grid_member')
        .execute()
    ).map((a) => a.action);
    expect(actions).toContain('grid.member.update');
    expect(actions).toContain('grid.member.remove');
  });

  it('reveals a phone only with subject:reveal and a reason, audited with the reason', async () => {
    const none = await call('town', 'POST', `/api/grid/members/${ids.leader}/reveal`, { reason: '' });
    expect(none.statusCode).toBe(400);
    const auditor = await call('auditor', 'POST', `/api/grid/members/${ids.leader}/reveal`, {
      reason: '核实身份',
    });
    expect(auditor.statusCode).toBe(403);
    const r = await call('town', 'POST', `/api/grid/members/${ids.leader}/reveal`, {
      reason: '联系网格长核实情况',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().phone).toBe('13812345678');
    const a = await t.kernel.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'grid.member.reveal')
      .executeTakeFirstOrThrow();
    expect(a.reason).toBe('联系网格长核实情况');
    expect(a.entity_id).toBe(ids.leader);
    expect(JSON.stringify(a.new_values)).not.toContain('13812345678');
  });
});

describe('check-ins', () => {
  it('refuses an absent or forged location with typed errors, saving nothing', async () => {
    const cases: [unknown, string][] = [
      [{}, 'LOCATION_REQUIRED'],
      [{ location: { lng: INSIDE.lng, lat: INSIDE.lat } }, 'LOCATION_REQUIRED'],
      [{ location: { ...INSIDE, accuracy: 0 } }, 'LOCATION_INVALID'],
      [{ location: { ...INSIDE, accuracy: 5000 } }, 'LOCATION_INVALID'],
      [{ location: { ...INSIDE, accuracy: -3 } }, 'LOCATION_INVALID'],
      [{ location: { lng: 200, lat: INSIDE.lat, accuracy: 10 } }, 'LOCATION_INVALID'],
      [{ location: { lng: 0, lat: 0, accuracy: 10 } }, 'LOCATION_INVALID'],
      [{ location: { lng: 'NaN', lat: INSIDE.lat, accuracy: 10 } }, 'VALIDATION_FAILED'],
      [
        {
          location: { ...INSIDE, accuracy: 10, capturedAt: new Date(Date.now() - 10 * 60_000).toISOString() },
        },
        'LOCATION_STALE',
      ],
    ];
    for (const [body, code] of cases) {
      const r = await call('leader', 'POST', '/api/grid/checkins', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().code, JSON.stringify(body)).toBe(code);
    }
    const n = await gdb(t.kernel.db).selectFrom('grid_checkins').select('id').execute();
    expect(n).toHaveLength(0);
  });

  it('refuses a point far outside the grid with the distance in metres', async () => {
    const p = outsideBy(850);
    const expected = Math.round(distanceToGridM(p, geometry));
    const r = await call('leader', 'POST', '/api/grid/checkins', fix(p));
    expect(r.statusCode).toBe(400);
    const body = r.json();
    expect(body.code).toBe('CHECKIN_OUTSIDE_GRID');
    expect(Number(body.details[0].message)).toBe(expected);
    expect(expected).toBeGreaterThanOrEqual(850);
    expect(body.message).toContain(`${expected} 米`);
  });

  it('accepts a point inside, once a day; a second is CHECKIN_DUPLICATE', async () => {
    const r = await call('leader', 'POST', '/api/grid/checkins', fix(INSIDE));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ memberId: ids.leader, role: 'leader', period: 'day', distanceM: 0 });
    expect(r.json().periodStart).toBe(cstDay(new Date()));
    ids.checkin = r.json().id;
    const again = await call('leader', 'POST', '/api/grid/checkins', fix(INSIDE));
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CHECKIN_DUPLICATE');
    const mine = (await call('leader', 'GET', '/api/grid/mine')).json();
    expect(mine.items[0].current.id).toBe(ids.checkin);
    expect(mine.items[0].geometry.type).toMatch(/Polygon/);

    // The map's 网格员签到位置 layer: the member's last check-in, in scope only, in the asked datum.
    const layer = (await call('town', 'GET', '/api/grid/layer')).json();
    const here = layer.points.find((p: { id: string }) => p.id === ids.leader);
    expect(here).toMatchObject({
      kind: 'leader',
      areaCode: expect.stringMatching(new RegExp(`^${GULOU}\\d{3}$`)),
    });
    expect(here.lng).toBeCloseTo(INSIDE.lng, 6);
    expect(here.lat).toBeCloseTo(INSIDE.lat, 6);
    const gcj = (await call('town', 'GET', '/api/grid/layer?crs=gcj02')).json();
    const [lng, lat] = toCrs(INSIDE.lng, INSIDE.lat, 'gcj02');
    expect(gcj.points.find((p: { id: string }) => p.id === ids.leader)).toMatchObject({ lng, lat });
    const other = (await call('otherTown', 'GET', '/api/grid/layer')).json();
    expect(other.points.map((p: { id: string }) => p.id)).not.toContain(ids.leader);
    const bad = await call('town', 'GET', '/api/grid/layer?bbox=121,28,120,29');
    expect(bad.json().code).toBe('INVALID_BBOX');
  });

  it('accepts a point within the tolerance and records the distance; a user not on the roster is refused', async () => {
    const p = outsideBy(60);
    const r = await call('instructor', 'POST', '/api/grid/checkins', fix(p, 30));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().distanceM).toBeGreaterThanOrEqual(60);
    expect(r.json().distanceM).toBeLessThanOrEqual(100);
    expect(r.json().period).toBe('week');
    const stranger = await call('mochi', 'POST', '/api/grid/checkins', fix(INSIDE));
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json().code).toBe('GRID_NOT_MEMBER');
  });

  it('a weekly rule refuses a second check-in the same week and accepts one the next week', async () => {
    const actor = makeActor({
      id: uid.g_instructor!,
      username: 'g_instructor',
      displayName: 'g_instructor',
      roles: ['grid_worker'],
      areaCode: GULOU,
    });
    const monday = new Date('2026-11-23T09:00:00+08:00');
    const sunday = new Date('2026-11-29T20:00:00+08:00');
    const nextMonday = new Date('2026-11-30T08:00:00+08:00');
    const at = (now: Date) => t.kernel.db.transaction().execute((tx) => checkIn(tx, actor, fix(INSIDE), now));
    const first = await at(monday);
    expect(first.periodStart).toBe('2026-11-23');
    await expect(at(sunday)).rejects.toMatchObject({ code: 'CHECKIN_DUPLICATE' });
    // This week's check-in was made by the test above (today) unless today is in another week: either way
    // 30 Nov starts a new week and is accepted or already done this week.
    const next = await at(nextMonday).catch((e: { code: string }) => e.code);
    expect(
      next === 'CHECKIN_DUPLICATE' || (next as { periodStart: string }).periodStart === '2026-11-30',
    ).toBe(true);
  });

  it('rules and the tolerance are configurable by those who configure matters', async () => {
    expect((await call('town', 'PUT', '/api/grid/rules', { toleranceM: 200 })).statusCode).toBe(403);
    const r = await call('admin', 'PUT', '/api/grid/rules', {
      toleranceM: 0,
      rules: [{ role: 'police', period: 'week' }],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().toleranceM).toBe(0);
    expect(r.json().rules.find((x: { role: string }) => x.role === 'police').period).toBe('week');
    // With no tolerance, 60 m outside is refused.
    const actor = makeActor({
      id: uid.g_leader!,
      username: 'g_leader',
      displayName: 'g_leader',
      roles: ['grid_worker'],
      areaCode: GULOU,
    });
    await expect(
      t.kernel.db
        .transaction()
        .execute((tx) => checkIn(tx, actor, fix(outsideBy(60)), new Date('2026-11-20T09:00:00+08:00'))),
    ).rejects.toMatchObject({ code: 'CHECKIN_OUTSIDE_GRID' });
    await call('admin', 'PUT', '/api/grid/rules', {
      toleranceM: 100,
      rules: [{ role: 'police', period: 'none' }],
    });
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'grid.rules')
      .execute();
    expect(audit).toHaveLength(2);
  });
});

describe('visits and finding → matter', () => {
  it('logs a visit with houses and a finding, adds a photo, and turns the finding into a matter once', async () => {
    const house = await t.kernel.db
      .insertInto('houses')
      .values({ area_code: GRID, address: '鼓楼社区解放街 1 号', kind: 'residence' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const bad = await call('leader', 'POST', `/api/grid/checkins/${ids.checkin}/visits`, {
      houseIds: ['999999'],
    });
    expect(bad.json().code).toBe('VALIDATION_FAILED');
    const notMine = await call('instructor', 'POST', `/api/grid/checkins/${ids.checkin}/visits`, {
      findings: 'x',
    });
    expect(notMine.statusCode).toBe(403);
    const v = await call('leader', 'POST', `/api/grid/checkins/${ids.checkin}/visits`, {
      houseIds: [house.id],
      findings: '解放街 1 号楼道堆放杂物，存在消防隐患\n已口头提醒住户',
    });
    expect(v.statusCode, v.body).toBe(201);
    const visit = v.json();
    expect(visit.houseIds).toEqual([house.id]);
    const up = form([{ name: 'file', filename: '楼道.png', data: PNG, type: 'image/png' }]);
    const photo = await t.app.inject({
      method: 'POST',
      url: `/api/grid/visits/${visit.id}/photos`,
      headers: { cookie: c.leader!, ...up.headers },
      payload: up.payload,
    });
    expect(photo.statusCode, photo.body).toBe(201);
    expect(photo.json().photos).toMatchObject([{ filename: '楼道.png', mime: 'image/png' }]);

    const m = await call('leader', 'POST', `/api/grid/visits/${visit.id}/matter`, { category: 'safety' });
    expect(m.statusCode, m.body).toBe(201);
    const made = m.json();
    expect(made.visit.matterId).toBe(made.matterId);
    expect(made.matterNumber).toMatch(/^SJ-/);
    const row = await t.kernel.db
      .selectFrom('matters')
      .selectAll()
      .where('id', '=', made.matterId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      type: 'event',
      category: 'safety',
      area_code: GRID,
      title: '解放街 1 号楼道堆放杂物，存在消防隐患',
      source_channel: 'grid_visit',
    });
    expect(row.lng).toBeCloseTo(INSIDE.lng, 6);
    const att = await t.kernel.db
      .selectFrom('matter_attachments')
      .select('filename')
      .where('matter_id', '=', made.matterId)
      .execute();
    expect(att.map((a) => a.filename)).toEqual(['楼道.png']);
    const again = await call('leader', 'POST', `/api/grid/visits/${visit.id}/matter`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('VISIT_ALREADY_REPORTED');
    const list = (await call('leader', 'GET', `/api/grid/checkins/${ids.checkin}/visits`)).json();
    expect(list.items[0].matterNumber).toBe(made.matterNumber);
  });
});

describe('the two-100% report', () => {
  /** A month of history planted directly: leaders daily with gaps, instructors weekly with gaps. */
  beforeAll(async () => {
    const g = gdb(t.kernel.db);
    const members = await g
      .insertInto('grid_members')
      .values([
        { area_code: GRID2, role: 'leader', name: '周杰', since: '2026-10-01' },
        { area_code: GRID2, role: 'instructor', name: '吴磊', since: '2026-11-10' },
        { area_code: MOCHI_GRID, role: 'leader', name: '郑爽', since: '2026-10-01' },
        { area_code: MOCHI_GRID, role: 'volunteer', name: '冯刚', since: '2026-10-01' },
      ])
      .returning(['id', 'role', 'area_code'])
      .execute();
    const rows: Insertable<GridCheckinsTable>[] = [];
    for (const [i, m] of members.entries()) {
      for (let d = 0; d < 40; d++) {
        const day = addDays('2026-10-25', d);
        if ((d + i) % 4 === 0) continue; // gaps
        const period = m.role === 'instructor' ? 'week' : 'day';
        const start = period === 'week' ? periodStarts('week', day, day)[0]! : day;
        if (rows.some((r) => r.member_id === m.id && r.period_start === start)) continue;
        rows.push({
          member_id: m.id,
          area_code: m.area_code,
          role: m.role,
          period: period as 'day' | 'week',
          period_start: start,
          at: new Date(`${day}T09:30:00+08:00`),
          lng: INSIDE.lng,
          lat: INSIDE.lat,
          accuracy_m: 10,
        });
      }
    }
    await g.insertInto('grid_checkins').values(rows).execute();
  });

  it('the numbers equal direct counts, per village and for the town', async () => {
    const from = '2026-11-01';
    const to = '2026-11-28';
    const r = await call('town', 'GET', `/api/grid/report?areaCode=${WUMA}&from=${from}&to=${to}`);
    expect(r.statusCode, r.body).toBe(200);
    const report = r.json();
    // By hand: every active member with a rule, the periods they owe, and the distinct periods done.
    const g = gdb(t.kernel.db);
    const members = await g
      .selectFrom('grid_members')
      .selectAll()
      .where('removed_at', 'is', null)
      .where('area_code', 'like', '330302006%')
      .execute();
    const rules = { leader: 'day', instructor: 'week' } as Record<string, 'day' | 'week' | undefined>;
    let required = 0;
    let done = 0;
    const byVillage = new Map<string, [number, number]>();
    for (const m of members) {
      const p = rules[m.role];
      if (!p) continue;
      const owed = periodStarts(p, m.since > from ? m.since : from, to);
      const got = await g
        .selectFrom('grid_checkins')
        .select('period_start')
        .where('member_id', '=', m.id)
        .where('period', '=', p)
        .execute();
      const n = owed.filter((s) => got.some((x) => x.period_start === s)).length;
      required += owed.length;
      done += n;
      const v = m.area_code.slice(0, 12);
      const cur = byVillage.get(v) ?? [0, 0];
      byVillage.set(v, [cur[0] + owed.length, cur[1] + n]);
    }
    expect(report.totals.required).toBe(required);
    expect(report.totals.done).toBe(done);
    expect(report.totals.share).toBeCloseTo(done / required, 4);
    for (const [v, [req, dn]] of byVillage) {
      const row = report.rows.find((x: { code: string }) => x.code === v);
      expect(row, v).toMatchObject({ required: req, done: dn });
    }
    expect(report.missingTotal).toBeGreaterThan(0);
    expect(report.missing.every((m: { done: number; required: number }) => m.done < m.required)).toBe(true);
    expect(report.trend).toHaveLength(28);
    const day = report.trend.find((x: { day: string }) => x.day === '2026-11-10');
    const direct = await g
      .selectFrom('grid_checkins as c')
      .innerJoin('grid_members as m', 'm.id', 'c.member_id')
      .select('c.id')
      .where('c.period', '=', 'day')
      .where('c.period_start', '=', '2026-11-10')
      .where('m.role', '=', 'leader')
      .where('m.area_code', 'like', '330302006%')
      .execute();
    expect(day.done).toBe(direct.length);
    expect(day.required).toBe(3); // three leaders since before 10 Nov
    // A grid's rows are its members.
    const grid = (
      await call('town', 'GET', `/api/grid/report?areaCode=${GRID2}&from=${from}&to=${to}`)
    ).json();
    expect(grid.rows.map((x: { name: string }) => x.name)).toEqual(['周杰（网格长）', '吴磊（网格指导员）']);
  });

  it('is scoped: another town and a village user cannot read the town; bad periods are typed errors', async () => {
    expect((await call('otherTown', 'GET', `/api/grid/report?areaCode=${WUMA}`)).statusCode).toBe(404);
    expect((await call('mochi', 'GET', `/api/grid/report?areaCode=${WUMA}`)).statusCode).toBe(404);
    const village = (await call('mochi', 'GET', '/api/grid/report?from=2026-11-01&to=2026-11-28')).json();
    expect(village.area.code).toBe(MOCHI);
    expect(village.rows.map((x: { code: string }) => x.code)).toContain(MOCHI_GRID);
    expect(village.totals.members).toBe(1);
    const bad = await call('town', 'GET', '/api/grid/report?from=2026-11-20&to=2026-11-01');
    expect(bad.json().code).toBe('INVALID_TIME_RANGE');
    // The direct call ignores days after today.
    const sys = makeActor({
      id: null,
      username: 's',
      displayName: 's',
      roles: ['city_admin'],
      areaCode: CITY,
    });
    const future = await gridReport(
      t.kernel.db,
      sys,
      { areaCode: WUMA, from: '2026-11-01', to: '2030-01-01' },
      new Date('2026-11-28T12:00:00+08:00'),
    );
    expect(future.to).toBe('2026-11-28');
  });

  it('reminds the missing: a reminder each, a notification for those with accounts, audited', async () => {
    expect(
      (
        await call('leader', 'POST', '/api/grid/reminders', {
          areaCode: GULOU,
          from: '2026-11-01',
          to: '2026-11-28',
        })
      ).statusCode,
    ).toBe(403);
    const r = await call('town', 'POST', '/api/grid/reminders', {
      areaCode: GULOU,
      from: '2026-11-01',
      to: '2026-11-28',
    });
    expect(r.statusCode, r.body).toBe(200);
    const report = (
      await call('town', 'GET', `/api/grid/report?areaCode=${GULOU}&from=2026-11-01&to=2026-11-28`)
    ).json();
    expect(r.json().reminded).toBe(report.missingTotal);
    const withAccounts = report.missing.filter((m: { hasAccount: boolean }) => m.hasAccount).length;
    expect(r.json().notified).toBe(withAccounts);
    const notes = await t.kernel.db
      .selectFrom('notifications')
      .select(['user_id', 'message'])
      .where('kind', '=', 'grid_checkin_reminder')
      .execute();
    expect(notes).toHaveLength(withAccounts);
    const mine = (await call('leader', 'GET', '/api/grid/mine')).json();
    expect(mine.reminders[0].message).toContain('入格提醒');
    const a = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'grid.remind')
      .execute();
    expect(a).toHaveLength(1);
  });

  it('exports the report to Excel, audited', async () => {
    const r = await call(
      'town',
      'GET',
      `/api/grid/report/export?areaCode=${WUMA}&from=2026-11-01&to=2026-11-28`,
    );
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['两个100% Report', '未入格 Missing', '趋势 Trend']);
    const report = (
      await call('town', 'GET', `/api/grid/report?areaCode=${WUMA}&from=2026-11-01&to=2026-11-28`)
    ).json();
    const sheet = wb.getWorksheet('两个100% Report')!;
    const last = sheet.getRow(sheet.rowCount);
    expect(last.getCell(4).value).toBe(report.totals.required);
    expect(last.getCell(5).value).toBe(report.totals.done);
    const a = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'grid.export')
      .execute();
    expect(a).toHaveLength(1);
  });
});

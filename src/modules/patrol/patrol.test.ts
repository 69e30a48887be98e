import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { EARTH_RADIUS_M } from './patrol.geo.ts';
import { pdb } from './patrol.tables.ts';
import { PHONE_AAD } from './teams.service.ts';

/**
 * 平安乐巡 through HTTP on a real database: registration (double phones, bad phones, scope), route and check
 * point geometry, sessions with check-ins near, far and forged, findings that become matters, 人次 and the
 * leaderboard against direct counts, scope and audit.
 */
const CITY = '330300000000';
const WUMA = '330302006000'; // 五马街道
const GULOU = '330302006044'; // 鼓楼社区
const QIDU = '330302023000'; // 七都街道

let t: TestContext;
const c: Record<string, string> = {};
const ids: Record<string, string> = {};
let AT = { lng: 0, lat: 0 };

function call(who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: c[who]! },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** A point `north` and `east` metres from AT. */
function offset(north: number, east: number) {
  const m = (EARTH_RADIUS_M * Math.PI) / 180;
  return { lat: AT.lat + north / m, lng: AT.lng + east / (m * Math.cos((AT.lat * Math.PI) / 180)) };
}
const fix = (p: { lng: number; lat: number }, accuracy = 15) => ({ ...p, accuracy });
const hour = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

/** A task along a 1 km line east of AT with check points at 0, 500 and 1000 m (radius 50 m). */
function taskBody(teamId: string, over: Record<string, unknown> = {}) {
  const line = [offset(0, 0), offset(0, 500), offset(0, 1000)];
  return {
    teamId,
    name: '鼓楼夜巡',
    route: { type: 'LineString', coordinates: line.map((p) => [p.lng, p.lat]) },
    checkpoints: line.map((p, i) => ({ name: `打卡点${i + 1}`, lng: p.lng, lat: p.lat, radiusM: 50 })),
    startsAt: hour(-1),
    endsAt: hour(24),
    ...over,
  };
}

async function auditCount(action: string) {
  const r = await t.kernel.db
    .selectFrom('audit_log')
    .select(sql<string>`count(*)`.as('n'))
    .where('action', '=', action)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function count(
  table: 'patrol_members' | 'patrol_tasks' | 'patrol_checkins' | 'patrol_sessions' | 'patrol_findings',
) {
  const r = await pdb(t.kernel.db)
    .selectFrom(table)
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['admin', { username: 'p_admin', role: 'city_admin', areaCode: CITY }],
    ['town', { username: 'p_town', role: 'town_center', areaCode: WUMA }],
    ['otherTown', { username: 'p_other', role: 'town_center', areaCode: QIDU }],
    ['grid', { username: 'p_grid', role: 'grid_worker', areaCode: GULOU }],
    ['grid2', { username: 'p_grid2', role: 'grid_worker', areaCode: GULOU }],
    ['auditor', { username: 'p_auditor', role: 'auditor', areaCode: CITY }],
    // Reads 鼓楼's patrol records (subject:read) but manages none (no subject:write).
    ['mediator', { username: 'p_mediator', role: 'mediator', areaCode: GULOU }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
  for (const r of await t.kernel.db.selectFrom('users').select(['id', 'username']).execute())
    ids[r.username] = r.id;
  const area = await t.kernel.db
    .selectFrom('areas')
    .select(['center_lng', 'center_lat'])
    .where('code', '=', GULOU)
    .executeTakeFirstOrThrow();
  AT = { lng: area.center_lng!, lat: area.center_lat! };
});
afterAll(() => t.close());

describe('registration', () => {
  it('registers a team with its leader, the phone encrypted and shown masked, audited without it', async () => {
    const r = await call('town', 'POST', '/api/patrol/teams', {
      name: '鼓楼红袖标队',
      areaCode: GULOU,
      kind: 'red_armband',
      leader: { name: '王建国', phone: '13800000001', userId: ids.p_grid },
    });
    expect(r.statusCode, r.body).toBe(201);
    const team = r.json();
    ids.team = team.id;
    expect(team).toMatchObject({ name: '鼓楼红袖标队', areaCode: GULOU, kind: 'red_armband', members: 1 });
    expect(team.kindName.zh).toBe('红袖标');
    expect(team.leader.phone).toBe('138****0001');
    const row = await pdb(t.kernel.db).selectFrom('patrol_members').selectAll().executeTakeFirstOrThrow();
    expect(row.phone_enc).not.toContain('13800000001');
    expect(t.kernel.vault.decrypt(row.phone_enc, PHONE_AAD)).toBe('13800000001');
    ids.leader = row.id;
    const a = await t.kernel.db
      .selectFrom('audit_log')
      .select(['new_values', 'area_code'])
      .where('action', '=', 'patrol.team.create')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(a.new_values)).not.toContain('13800000001');
    expect(a.area_code).toBe(GULOU);
  });

  it('adds members; the same phone twice in a team is PATROL_MEMBER_DUPLICATE and saves nothing', async () => {
    const m = await call('town', 'POST', `/api/patrol/teams/${ids.team}/members`, {
      name: '李秀英',
      phone: '13900000002',
      userId: ids.p_grid2,
    });
    expect(m.statusCode, m.body).toBe(201);
    expect(m.json()).toMatchObject({ name: '李秀英', role: 'member', phone: '139****0002' });
    ids.member2 = m.json().id;
    const m3 = await call('grid', 'POST', `/api/patrol/teams/${ids.team}/members`, {
      name: '赵强',
      phone: '13700000003',
    });
    expect(m3.statusCode, m3.body).toBe(201);
    ids.member3 = m3.json().id;

    const before = await count('patrol_members');
    const audits = await auditCount('patrol.member.add');
    // The same number written differently is the same phone.
    const dup = await call('town', 'POST', `/api/patrol/teams/${ids.team}/members`, {
      name: '李秀英',
      phone: '+86 139-0000-0002',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('PATROL_MEMBER_DUPLICATE');
    const bad = await call('town', 'POST', `/api/patrol/teams/${ids.team}/members`, {
      name: '某',
      phone: '12345',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('INVALID_MOBILE');
    const leader2 = await call('town', 'POST', `/api/patrol/teams/${ids.team}/members`, {
      name: '钱',
      phone: '13600000009',
      role: 'leader',
    });
    expect(leader2.statusCode).toBe(409);
    expect(leader2.json().code).toBe('CONFLICT');
    expect(await count('patrol_members')).toBe(before);
    expect(await auditCount('patrol.member.add')).toBe(audits);

    const list = (await call('town', 'GET', `/api/patrol/teams/${ids.team}/members`)).json();
    expect(list.items.map((x: { name: string }) => x.name)).toEqual(['王建国', '李秀英', '赵强']);
    expect(list.items.every((x: { phone: string }) => /^\d{3}\*{4}\d{4}$/.test(x.phone))).toBe(true);
  });

  it('refuses a team twice in one area, an area outside scope, a city-level area', async () => {
    const same = await call('town', 'POST', '/api/patrol/teams', {
      name: '鼓楼红袖标队',
      areaCode: GULOU,
      kind: 'volunteer',
    });
    expect(same.statusCode).toBe(409);
    expect(same.json().code).toBe('CONFLICT');
    const out = await call('otherTown', 'POST', '/api/patrol/teams', {
      name: '外队',
      areaCode: GULOU,
      kind: 'volunteer',
    });
    expect(out.statusCode).toBe(403);
    expect(out.json().code).toBe('AREA_OUT_OF_SCOPE');
    const city = await call('admin', 'POST', '/api/patrol/teams', {
      name: '全市队',
      areaCode: CITY,
      kind: 'volunteer',
    });
    expect(city.statusCode).toBe(400);
    expect((await call('auditor', 'GET', '/api/patrol/teams')).statusCode).toBe(403);
    expect(
      (await call('auditor', 'POST', '/api/patrol/teams', { name: 'x', areaCode: GULOU, kind: 'other' }))
        .statusCode,
    ).toBe(403);
  });

  it('lists teams a page at a time within scope, and exports them', async () => {
    const r = await call('town', 'POST', '/api/patrol/teams', {
      name: '五马退役军人队',
      areaCode: WUMA,
      kind: 'veteran',
    });
    expect(r.statusCode, r.body).toBe(201);
    ids.team2 = r.json().id;
    const page = (await call('town', 'GET', '/api/patrol/teams?limit=1&offset=0')).json();
    expect(page.total).toBe(2);
    expect(page.items).toHaveLength(1);
    const filtered = (await call('town', 'GET', '/api/patrol/teams?kind=veteran')).json();
    expect(filtered.items.map((x: { name: string }) => x.name)).toEqual(['五马退役军人队']);
    // 七都 sees none; the team itself is not found there.
    expect((await call('otherTown', 'GET', '/api/patrol/teams')).json().total).toBe(0);
    expect((await call('otherTown', 'GET', `/api/patrol/teams/${ids.team}`)).statusCode).toBe(404);
    // The grid worker of 鼓楼 sees 鼓楼's team, not the town's.
    expect(
      (await call('grid', 'GET', '/api/patrol/teams')).json().items.map((x: { id: string }) => x.id),
    ).toEqual([ids.team]);

    const x = await call('town', 'GET', '/api/patrol/teams/export');
    expect(x.statusCode).toBe(200);
    expect(x.rawPayload.subarray(0, 2).toString()).toBe('PK');
    // The audit entry is written once the sheet is complete, just after the last byte is sent.
    await expect.poll(() => auditCount('patrol.export')).toBe(1);
  });
});

describe('tasks', () => {
  it('creates a task with its route and check points', async () => {
    const r = await call('town', 'POST', '/api/patrol/tasks', taskBody(ids.team!));
    expect(r.statusCode, r.body).toBe(201);
    const task = r.json();
    ids.task = task.id;
    expect(task.checkpoints).toHaveLength(3);
    expect(task.lengthM).toBeGreaterThan(990);
    expect(task.lengthM).toBeLessThan(1010);
    expect(task.open).toBe(true);
    expect(task.route.coordinates).toHaveLength(3);
    ids.cp1 = task.checkpoints[0].id;
    ids.cp2 = task.checkpoints[1].id;
    ids.cp3 = task.checkpoints[2].id;
  });

  it('refuses bad geometry with GEOMETRY_INVALID, saving nothing', async () => {
    const before = await count('patrol_tasks');
    const base = taskBody(ids.team!);
    const cases: [string, Record<string, unknown>][] = [
      ['one point', { route: { type: 'LineString', coordinates: [[AT.lng, AT.lat]] } }],
      [
        'outside China',
        {
          route: {
            type: 'LineString',
            coordinates: [
              [AT.lng, AT.lat],
              [-0.12, 51.5],
            ],
          },
        },
      ],
      [
        'latitude out of range',
        {
          route: {
            type: 'LineString',
            coordinates: [
              [AT.lng, AT.lat],
              [AT.lng, 91],
            ],
          },
        },
      ],
      [
        'too many points',
        {
          route: {
            type: 'LineString',
            coordinates: Array.from({ length: 201 }, (_, i) => [AT.lng + i * 1e-5, AT.lat]),
          },
        },
      ],
      ['no check points', { checkpoints: [] }],
      ['radius too small', { checkpoints: [{ name: 'a', ...offset(0, 0), radiusM: 5 }] }],
      ['check point far from the route', { checkpoints: [{ name: 'a', ...offset(2000, 0), radiusM: 50 }] }],
      [
        'too long',
        {
          route: {
            type: 'LineString',
            coordinates: [
              [120.0, 28.0],
              [121.0, 28.0],
            ],
          },
        },
      ],
    ];
    for (const [what, over] of cases) {
      const r = await call('town', 'POST', '/api/patrol/tasks', { ...base, ...over });
      expect(r.statusCode, what).toBe(400);
      expect(r.json().code, what).toBe('GEOMETRY_INVALID');
      expect(r.json().details.length, what).toBeGreaterThan(0);
    }
    const window = await call('town', 'POST', '/api/patrol/tasks', { ...base, endsAt: hour(-2) });
    expect(window.json().code).toBe('INVALID_TIME_RANGE');
    const outOfScope = await call('otherTown', 'POST', '/api/patrol/tasks', base);
    expect(outOfScope.statusCode).toBe(404);
    expect(await count('patrol_tasks')).toBe(before);
  });
});

describe('sessions', () => {
  it('starts a session as the caller’s own membership; a second is PATROL_SESSION_ACTIVE', async () => {
    const r = await call('grid', 'POST', '/api/patrol/sessions', { taskId: ids.task });
    expect(r.statusCode, r.body).toBe(201);
    const s = r.json();
    ids.session = s.id;
    expect(s.members).toEqual([{ id: ids.leader, name: '王建国' }]);
    expect(s.nextCheckpointId).toBe(ids.cp1);
    const again = await call('grid', 'POST', '/api/patrol/sessions', { taskId: ids.task });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('PATROL_SESSION_ACTIVE');
    // Someone who manages nothing cannot start one in someone else's name.
    const other = await call('mediator', 'POST', '/api/patrol/sessions', {
      taskId: ids.task,
      memberId: ids.member3,
    });
    expect(other.statusCode).toBe(403);
  });

  it('checks in near a check point, with the distance', async () => {
    const r = await call('grid', 'POST', `/api/patrol/sessions/${ids.session}/checkins`, {
      checkpointId: ids.cp1,
      location: { ...fix(offset(20, 0)), capturedAt: new Date().toISOString() },
    });
    expect(r.statusCode, r.body).toBe(200);
    const s = r.json();
    expect(s.checkpoints[0].distanceM).toBe(20);
    expect(s.checkpoints[0].checkedAt).not.toBeNull();
    expect(s.nextCheckpointId).toBe(ids.cp2);
  });

  it('refuses a check point reached from far away, with the distance; and forged or absent locations', async () => {
    const before = await count('patrol_checkins');
    const far = await call('grid', 'POST', `/api/patrol/sessions/${ids.session}/checkins`, {
      checkpointId: ids.cp2,
      location: fix(offset(300, 500)),
    });
    expect(far.statusCode).toBe(400);
    const body = far.json();
    expect(body.code).toBe('CHECKPOINT_TOO_FAR');
    expect(Number(body.details[0].message)).toBeCloseTo(300, -1);
    expect(body.message).toContain('300 米');

    const url = `/api/patrol/sessions/${ids.session}/checkins`;
    const cases: [string, unknown, string][] = [
      ['absent', undefined, 'LOCATION_REQUIRED'],
      ['null', { lng: null, lat: null, accuracy: null }, 'LOCATION_REQUIRED'],
      ['no accuracy', { ...offset(0, 500) }, 'LOCATION_REQUIRED'],
      ['NaN', { lng: 'NaN', lat: 'NaN', accuracy: 10 }, 'LOCATION_INVALID'],
      ['a string', { lng: '120.6', lat: '28.0', accuracy: 10 }, 'LOCATION_INVALID'],
      ['latitude 91', { lng: AT.lng, lat: 91, accuracy: 10 }, 'LOCATION_INVALID'],
      ['outside China', { lng: -0.12, lat: 51.5, accuracy: 10 }, 'LOCATION_INVALID'],
      ['accuracy 0 (a spoofer)', fix(offset(0, 500), 0), 'LOCATION_INVALID'],
      ['accuracy 2 km', fix(offset(0, 500), 2000), 'LOCATION_INVALID'],
      [
        'ten minutes old',
        { ...fix(offset(0, 500)), capturedAt: new Date(Date.now() - 600_000).toISOString() },
        'LOCATION_STALE',
      ],
    ];
    for (const [what, location, code] of cases) {
      const r = await call('grid', 'POST', url, {
        checkpointId: ids.cp2,
        ...(location === undefined ? {} : { location }),
      });
      expect(r.statusCode, what).toBe(400);
      expect(r.json().code, what).toBe(code);
    }
    const dup = await call('grid', 'POST', url, { checkpointId: ids.cp1, location: fix(offset(0, 0)) });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('CHECKPOINT_DUPLICATE');
    expect(await count('patrol_checkins')).toBe(before);
    // Someone else's session is not theirs to check in.
    const other = await call('mediator', 'POST', url, {
      checkpointId: ids.cp2,
      location: fix(offset(0, 500)),
    });
    expect(other.statusCode).toBe(403);
  });

  it('turns a finding into a matter in one call, linked to the session', async () => {
    const matters = await t.kernel.db
      .selectFrom('matters')
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    const none = await call('grid', 'POST', `/api/patrol/sessions/${ids.session}/findings`, {
      title: '路灯不亮',
    });
    expect(none.json().code).toBe('LOCATION_REQUIRED');
    const after = await t.kernel.db
      .selectFrom('matters')
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(matters.n);

    const r = await call('grid', 'POST', `/api/patrol/sessions/${ids.session}/findings`, {
      title: '巷口路灯不亮',
      description: '鼓楼巷口两盏路灯不亮，夜间照明不足',
      category: 'facility',
      location: fix(offset(0, 250)),
    });
    expect(r.statusCode, r.body).toBe(201);
    const { matterId, matterNumber, session } = r.json();
    ids.finding = matterId;
    expect(matterNumber).toMatch(/^SJ-/);
    expect(session.findings).toEqual([
      { id: expect.any(String), matterId, number: matterNumber, title: '巷口路灯不亮' },
    ]);
    const m = await t.kernel.db
      .selectFrom('matters')
      .selectAll()
      .where('id', '=', matterId)
      .executeTakeFirstOrThrow();
    expect(m).toMatchObject({
      type: 'event',
      category: 'facility',
      source_channel: 'patrol',
      area_code: GULOU,
      status: 'reported',
    });
    expect(m.lng).toBeCloseTo(offset(0, 250).lng, 6);
    const link = await pdb(t.kernel.db).selectFrom('patrol_findings').selectAll().executeTakeFirstOrThrow();
    expect(link).toMatchObject({ session_id: ids.session, matter_id: matterId });
  });

  it('ends the session; ending twice or checking in after is PATROL_SESSION_ENDED', async () => {
    await call('grid', 'POST', `/api/patrol/sessions/${ids.session}/checkins`, {
      checkpointId: ids.cp2,
      location: fix(offset(-10, 495)),
    });
    const r = await call('grid', 'POST', `/api/patrol/sessions/${ids.session}/end`, { note: '一切正常' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().endedAt).not.toBeNull();
    const again = await call('grid', 'POST', `/api/patrol/sessions/${ids.session}/end`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('PATROL_SESSION_ENDED');
    const late = await call('grid', 'POST', `/api/patrol/sessions/${ids.session}/checkins`, {
      checkpointId: ids.cp3,
      location: fix(offset(0, 1000)),
    });
    expect(late.json().code).toBe('PATROL_SESSION_ENDED');
    // Free again: a new session may start.
    const mine = (await call('grid', 'GET', '/api/patrol/mine')).json();
    expect(mine.active).toBeNull();
    expect(mine.memberships).toHaveLength(1);
    expect(mine.tasks.map((x: { id: string }) => x.id)).toContain(ids.task);
  });

  it('refuses a start outside the task’s window', async () => {
    const r = await call(
      'town',
      'POST',
      '/api/patrol/tasks',
      taskBody(ids.team!, { name: '明日巡逻', startsAt: hour(20), endsAt: hour(30) }),
    );
    expect(r.statusCode, r.body).toBe(201);
    const s = await call('grid', 'POST', '/api/patrol/sessions', { taskId: r.json().id });
    expect(s.statusCode).toBe(409);
    expect(s.json().code).toBe('PATROL_TASK_NOT_OPEN');
  });

  it('audits every write', async () => {
    for (const a of [
      'patrol.session.start',
      'patrol.checkin',
      'patrol.finding',
      'patrol.session.end',
      'patrol.task.create',
    ]) {
      expect(await auditCount(a), a).toBeGreaterThan(0);
    }
    expect(await auditCount('patrol.checkin')).toBe(2);
  });
});

describe('人次, points and the leaderboard', () => {
  it('counts one 人次 per member of each ended session, equal to a direct count', async () => {
    // The town walks two more sessions for its volunteers: member2 with member3, then member3 alone.
    const s1 = await call('town', 'POST', '/api/patrol/sessions', {
      taskId: ids.task,
      memberId: ids.member2,
      companionIds: [ids.member3],
    });
    expect(s1.statusCode, s1.body).toBe(201);
    const busy = await call('town', 'POST', '/api/patrol/sessions', {
      taskId: ids.task,
      memberId: ids.member3,
    });
    expect(busy.json().code).toBe('PATROL_SESSION_ACTIVE');
    for (const cp of [ids.cp1, ids.cp2, ids.cp3]) {
      const i = ['cp1', 'cp2', 'cp3'].find((k) => ids[k] === cp)!;
      const at = offset(0, { cp1: 0, cp2: 500, cp3: 1000 }[i]!);
      const r = await call('town', 'POST', `/api/patrol/sessions/${s1.json().id}/checkins`, {
        checkpointId: cp,
        location: fix(at),
      });
      expect(r.statusCode, r.body).toBe(200);
    }
    await call('town', 'POST', `/api/patrol/sessions/${s1.json().id}/end`, {});
    const s2 = await call('town', 'POST', '/api/patrol/sessions', {
      taskId: ids.task,
      memberId: ids.member3,
    });
    await call('town', 'POST', `/api/patrol/sessions/${s2.json().id}/end`, {});
    // An open session counts nothing yet.
    await call('grid2', 'POST', '/api/patrol/sessions', { taskId: ids.task });

    const board = (await call('town', 'GET', '/api/patrol/leaderboard')).json();
    const direct = await sql<{ n: string }>`
      select count(*) as n from patrol_session_members sm join patrol_sessions s on s.id = sm.session_id
      where s.ended_at is not null`.execute(t.kernel.db);
    expect(board.totals.personTimes).toBe(Number(direct.rows[0]!.n));
    expect(board.totals.personTimes).toBe(4); // leader 1, member2 1, member3 2
    expect(board.totals.sessions).toBe(3);
    const team = board.items.find((x: { id: string }) => x.id === ids.team);
    // Points (10 per 人次, 2 per check point per member, 5 per confirmed finding): leader 10 + 2·2;
    // member2 10 + 3·2; member3 (10 + 3·2) + 10. The finding is not accepted yet.
    expect(team).toMatchObject({
      sessions: 4,
      checkins: 2 + 3 + 3,
      findings: 1,
      confirmedFindings: 0,
      points: 14 + 16 + 26,
    });
    expect(board.totals.points).toBe(56);

    const members = (
      await call('town', 'GET', `/api/patrol/leaderboard?by=member&teamId=${ids.team}`)
    ).json();
    expect(members.items.map((x: { name: string; points: number }) => [x.name, x.points])).toEqual([
      ['赵强', 26],
      ['李秀英', 16],
      ['王建国', 14],
    ]);
  });

  it('adds the finding’s points once its matter is accepted; rules change the points', async () => {
    const accept = await call('town', 'POST', `/api/matters/${ids.finding}/transitions`, {
      action: 'accept',
      version: 1,
    });
    expect(accept.statusCode, accept.body).toBe(200);
    const m = (await call('town', 'GET', `/api/patrol/leaderboard?by=member&teamId=${ids.team}`)).json();
    expect(m.items.find((x: { name: string }) => x.name === '王建国')).toMatchObject({
      confirmedFindings: 1,
      points: 19,
    });

    expect(
      (await call('grid', 'PUT', '/api/patrol/rules', { rules: [{ code: 'session', points: 1 }] }))
        .statusCode,
    ).toBe(403);
    const r = await call('admin', 'PUT', '/api/patrol/rules', {
      rules: [
        { code: 'session', points: 1 },
        { code: 'checkpoint', points: 0 },
      ],
    });
    expect(r.statusCode, r.body).toBe(200);
    const after = (await call('town', 'GET', `/api/patrol/leaderboard?by=member&teamId=${ids.team}`)).json();
    expect(after.items.find((x: { name: string }) => x.name === '王建国').points).toBe(1 + 5);
    expect(await auditCount('patrol.rules')).toBe(1);
    await call('admin', 'PUT', '/api/patrol/rules', {
      rules: [
        { code: 'session', points: 10 },
        { code: 'checkpoint', points: 2 },
      ],
    });
  });

  it('keeps to the period and the scope', async () => {
    const past = (await call('town', 'GET', '/api/patrol/leaderboard?from=2020-01-01&to=2020-01-31')).json();
    expect(past.totals.personTimes).toBe(0);
    expect(past.items).toEqual([]);
    const other = (await call('otherTown', 'GET', '/api/patrol/leaderboard')).json();
    expect(other.totals.personTimes).toBe(0);
    expect(
      (await call('otherTown', 'GET', `/api/patrol/leaderboard?by=member&teamId=${ids.team}`)).statusCode,
    ).toBe(404);
    const bad = await call('town', 'GET', '/api/patrol/leaderboard?from=2026-12-01&to=2026-11-01');
    expect(bad.json().code).toBe('INVALID_TIME_RANGE');
    expect((await call('otherTown', 'GET', `/api/patrol/sessions/${ids.session}`)).statusCode).toBe(404);
    expect((await call('otherTown', 'GET', `/api/patrol/tasks/${ids.task}`)).statusCode).toBe(404);
  });
});

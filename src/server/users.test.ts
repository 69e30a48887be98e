import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../testing/harness.ts';

const CITY = '330300000000';
const LUCHENG = '330302000000';
const TOWN = '330302006000';
const GULOU = '330302006044';
const LONGWAN = '330303000000';
const PASSWORD = 'Wenzhou2026ok';

let t: TestContext;
const cookies: Record<string, string> = {};
type Who = 'admin' | 'county' | 'grid' | 'auditor' | 'town';

function call(who: Who | string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: cookies[who] ?? who },
    ...(payload === undefined ? {} : { payload }),
  });
}

function expectCode(r: LightMyRequestResponse, status: number, code: string) {
  expect({ status: r.statusCode, code: r.json().code }).toEqual({ status, code });
  return r.json() as { code: string; details?: { path?: string }[] };
}

interface User {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  roleNames: string[];
  areaCode: string;
  departmentCode: string | null;
  enterpriseId: string | null;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

const newUser = (over: Record<string, unknown> = {}) => ({
  username: 'new.user',
  displayName: '新用户',
  password: PASSWORD,
  roles: ['grid_worker'],
  areaCode: GULOU,
  ...over,
});

async function create(who: Who, over: Record<string, unknown>): Promise<User> {
  const r = await call(who, 'POST', '/api/users', newUser(over));
  expect({ status: r.statusCode, body: r.json() }).toMatchObject({ status: 201 });
  return r.json() as User;
}

/** A village of 龙湾区, found at run time so the test does not depend on one code of the reference data. */
let longwanVillage: string;

beforeAll(async () => {
  t = await createTestContext();
  cookies.admin = await t.userSession({ username: 'city.admin', role: 'city_admin', areaCode: CITY });
  cookies.county = await t.userSession({ username: 'lw.admin', role: 'city_admin', areaCode: LONGWAN });
  cookies.grid = await t.userSession({ username: 'gl.grid', role: 'grid_worker', areaCode: GULOU });
  cookies.auditor = await t.userSession({ username: 'city.auditor', role: 'auditor', areaCode: CITY });
  cookies.town = await t.userSession({ username: 'wm.town', role: 'town_center', areaCode: TOWN });
  const towns = (await call('county', 'GET', `/api/areas/${LONGWAN}/children`)).json().items as {
    code: string;
  }[];
  const villages = (await call('county', 'GET', `/api/areas/${towns[0]!.code}/children`)).json().items as {
    code: string;
  }[];
  longwanVillage = villages[0]!.code;
});

afterAll(() => t.close());

describe('creating users', () => {
  it('a city admin creates a user, who can then sign in; no password material comes back', async () => {
    const r = await call(
      'admin',
      'POST',
      '/api/users',
      newUser({ username: 'zhang.grid', departmentCode: 'zongzhi' }),
    );
    expect(r.statusCode).toBe(201);
    const u = r.json() as User;
    expect(u).toMatchObject({
      username: 'zhang.grid',
      displayName: '新用户',
      roles: ['grid_worker'],
      roleNames: ['网格员'],
      areaCode: GULOU,
      departmentCode: 'zongzhi',
      enterpriseId: null,
      disabled: false,
      lastLoginAt: null,
    });
    expect(r.body).not.toContain(PASSWORD);
    expect(r.body).not.toMatch(/argon|hash|password/i);
    const cookie = await login(t.app, 'zhang.grid', PASSWORD);
    const me = (await call(cookie, 'GET', '/api/auth/me')).json();
    expect(me.user).toMatchObject({ id: u.id, username: 'zhang.grid' });
    expect(me.user.lastLoginAt).not.toBeNull();
  });

  it('a duplicate username → 409', async () => {
    await create('admin', { username: 'dup.user' });
    expectCode(await call('admin', 'POST', '/api/users', newUser({ username: 'dup.user' })), 409, 'CONFLICT');
  });

  it('the same username sent concurrently is created once; the others get 409, not 500', async () => {
    // Opens pooled connections first (PostgreSQL), so that the requests below really overlap.
    await Promise.all(Array.from({ length: 5 }, () => t.app.inject({ method: 'GET', url: '/healthz' })));
    const rs = await Promise.all(
      Array.from({ length: 5 }, () =>
        call('admin', 'POST', '/api/users', newUser({ username: 'race.user' })),
      ),
    );
    expect(rs.map((r) => `${r.statusCode} ${r.json().code ?? ''}`).sort()).toEqual([
      '201 ',
      '409 CONFLICT',
      '409 CONFLICT',
      '409 CONFLICT',
      '409 CONFLICT',
    ]);
  });

  it('weak passwords → 400 naming the password', async () => {
    for (const password of ['abcdefghijkl', '123456789012', 'abc12345', '']) {
      const body = expectCode(
        await call('admin', 'POST', '/api/users', newUser({ username: 'weak.pw', password })),
        400,
        'VALIDATION_FAILED',
      );
      expect(body.details?.map((d) => d.path)).toContain('body.password');
    }
    // Ten characters with a letter and a digit is enough.
    await create('admin', { username: 'weak.pw', password: 'abcdefghi1' });
  });

  it('roles outside the list, no roles, or a malformed username → 400', async () => {
    const bad = expectCode(
      await call('admin', 'POST', '/api/users', newUser({ username: 'root.user', roles: ['superuser'] })),
      400,
      'VALIDATION_FAILED',
    );
    expect(bad.details?.map((d) => d.path)).toEqual(['body.roles.0']);
    expectCode(
      await call('admin', 'POST', '/api/users', newUser({ username: 'no.roles', roles: [] })),
      400,
      'VALIDATION_FAILED',
    );
    for (const username of ['Upper.Case', 'ab', 'with space', '张三']) {
      expectCode(await call('admin', 'POST', '/api/users', newUser({ username })), 400, 'VALIDATION_FAILED');
    }
  });

  it('an admin with a county scope cannot hand out an area outside it', async () => {
    const r = await call(
      'county',
      'POST',
      '/api/users',
      newUser({ username: 'lw.outside', areaCode: GULOU }),
    );
    expectCode(r, 403, 'AREA_OUT_OF_SCOPE');
    expect((await call('admin', 'GET', '/api/users?q=lw.outside')).json().total).toBe(0);
    const inside = await create('county', { username: 'lw.inside', areaCode: longwanVillage });
    expect(inside.areaCode).toBe(longwanVillage);
  });

  it('an unknown department, an unknown area or an unknown enterprise → 400', async () => {
    const dept = expectCode(
      await call(
        'admin',
        'POST',
        '/api/users',
        newUser({ username: 'dept.x', departmentCode: 'no_such_dept' }),
      ),
      400,
      'VALIDATION_FAILED',
    );
    expect(JSON.stringify(dept)).not.toMatch(/select |insert |violat/i);
    expectCode(
      await call('admin', 'POST', '/api/users', newUser({ username: 'area.x', areaCode: '330302999999' })),
      400,
      'UNKNOWN_AREA',
    );
    expectCode(
      await call(
        'admin',
        'POST',
        '/api/users',
        newUser({ username: 'ent.x', roles: ['enterprise_user'], enterpriseId: '987654321' }),
      ),
      400,
      'VALIDATION_FAILED',
    );
    expect((await call('admin', 'GET', '/api/users?q=.x')).json().total).toBe(0);
  });

  it('non-admins cannot create or change users', async () => {
    const target = await create('admin', { username: 'target.user' });
    for (const who of ['grid', 'auditor', 'town'] as const) {
      expectCode(await call(who, 'POST', '/api/users', newUser({ username: `by.${who}` })), 403, 'FORBIDDEN');
      expectCode(
        await call(who, 'PATCH', `/api/users/${target.id}`, { roles: ['city_admin'] }),
        403,
        'FORBIDDEN',
      );
    }
    const after = (await call('admin', 'GET', '/api/users?q=target.user')).json().items[0] as User;
    expect(after.roles).toEqual(['grid_worker']);
    expect((await call('admin', 'GET', '/api/users?q=by.')).json().total).toBe(0);
  });
});

describe('listing users', () => {
  beforeAll(async () => {
    await create('admin', {
      username: 'list_a.b',
      displayName: '列表一',
      roles: ['mediator'],
      areaCode: GULOU,
    });
    await create('admin', {
      username: 'listxa.b',
      displayName: '列表二',
      roles: ['mediator'],
      areaCode: TOWN,
    });
    await create('admin', {
      username: 'list.lw',
      displayName: '列表三',
      roles: ['mediator'],
      areaCode: LONGWAN,
    });
  });

  const list = async (who: Who, query: string) => {
    const r = await call(who, 'GET', `/api/users?pageSize=200&${query}`);
    expect(r.statusCode).toBe(200);
    return r.json() as { items: User[]; total: number };
  };
  const names = (p: { items: User[] }) => p.items.map((u) => u.username).sort();

  it('filters by role and by text in the username or display name', async () => {
    expect(names(await list('admin', 'role=mediator'))).toEqual(['list.lw', 'list_a.b', 'listxa.b']);
    expect(names(await list('admin', `q=${encodeURIComponent('列表二')}`))).toEqual(['listxa.b']);
    const grids = await list('admin', 'role=grid_worker');
    expect(grids.items.length).toBeGreaterThan(0);
    expect(grids.items.every((u) => u.roles.includes('grid_worker'))).toBe(true);
    expectCode(await call('admin', 'GET', '/api/users?role=superuser'), 400, 'VALIDATION_FAILED');
  });

  it('an underscore in the search text matches an underscore only', async () => {
    expect(names(await list('admin', 'q=list_a'))).toEqual(['list_a.b']);
  });

  it('is limited to the scope of whoever asks', async () => {
    const county = await list('county', 'role=mediator');
    expect(names(county)).toEqual(['list.lw']);
    expect((await list('county', '')).items.every((u) => u.areaCode.startsWith('330303'))).toBe(true);
    const town = await list('town', 'role=mediator');
    expect(names(town)).toEqual(['list_a.b', 'listxa.b']);
    // Auditors see who the users are, city-wide; grid workers may not list users at all.
    expect(names(await list('auditor', 'role=mediator'))).toEqual(['list.lw', 'list_a.b', 'listxa.b']);
    expectCode(await call('grid', 'GET', '/api/users'), 403, 'FORBIDDEN');
  });

  it('areaCode narrows to that area and below', async () => {
    expect(names(await list('admin', `role=mediator&areaCode=${GULOU}`))).toEqual(['list_a.b']);
    expect(names(await list('admin', `role=mediator&areaCode=${LUCHENG}`))).toEqual(['list_a.b', 'listxa.b']);
  });
});

describe('changing users', () => {
  it('disabling a user ends their open sessions and refuses sign-in; enabling lets them back', async () => {
    const u = await create('admin', { username: 'to.disable' });
    const session = await login(t.app, 'to.disable', PASSWORD);
    expect((await call(session, 'GET', '/api/auth/me')).statusCode).toBe(200);
    const r = await call('admin', 'PATCH', `/api/users/${u.id}`, { disabled: true });
    expect(r.statusCode).toBe(200);
    expect(r.json().disabled).toBe(true);
    expect((await call(session, 'GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await call(session, 'GET', '/api/persons')).statusCode).toBe(401);
    const sessions = await t.kernel.db
      .selectFrom('sessions')
      .select('token_hash')
      .where('user_id', '=', u.id)
      .execute();
    expect(sessions).toEqual([]);
    expectCode(
      await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'to.disable', password: PASSWORD },
      }),
      403,
      'ACCOUNT_DISABLED',
    );
    expect((await call('admin', 'PATCH', `/api/users/${u.id}`, { disabled: false })).statusCode).toBe(200);
    const again = await login(t.app, 'to.disable', PASSWORD);
    expect((await call(again, 'GET', '/api/auth/me')).statusCode).toBe(200);
  });

  it('a password reset ends open sessions; the old password stops working', async () => {
    const u = await create('admin', { username: 'to.reset' });
    const session = await login(t.app, 'to.reset', PASSWORD);
    expectCode(
      await call('admin', 'PATCH', `/api/users/${u.id}`, { password: 'short1' }),
      400,
      'VALIDATION_FAILED',
    );
    // A rejected reset changes nothing.
    expect((await call(session, 'GET', '/api/auth/me')).statusCode).toBe(200);
    expect(
      (await call('admin', 'PATCH', `/api/users/${u.id}`, { password: 'NewSecret2026' })).statusCode,
    ).toBe(200);
    expect((await call(session, 'GET', '/api/auth/me')).statusCode).toBe(401);
    expectCode(
      await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'to.reset', password: PASSWORD },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    await login(t.app, 'to.reset', 'NewSecret2026');
  });

  it('a change of roles or area ends sessions too; a new display name does not', async () => {
    const u = await create('admin', { username: 'to.change' });
    const s1 = await login(t.app, 'to.change', PASSWORD);
    expect(
      (await call('admin', 'PATCH', `/api/users/${u.id}`, { displayName: '改名' })).json().displayName,
    ).toBe('改名');
    expect((await call(s1, 'GET', '/api/auth/me')).statusCode).toBe(200);
    expect((await call('admin', 'PATCH', `/api/users/${u.id}`, { roles: ['mediator'] })).statusCode).toBe(
      200,
    );
    expect((await call(s1, 'GET', '/api/auth/me')).statusCode).toBe(401);
    const s2 = await login(t.app, 'to.change', PASSWORD);
    expect((await call(s2, 'GET', '/api/auth/me')).json().user.roles).toEqual(['mediator']);
    expect((await call('admin', 'PATCH', `/api/users/${u.id}`, { areaCode: TOWN })).statusCode).toBe(200);
    expect((await call(s2, 'GET', '/api/auth/me')).statusCode).toBe(401);
  });

  it('a county admin can neither see nor change a user outside the county, nor move one out of it', async () => {
    const outside = await create('admin', { username: 'gl.someone' });
    expectCode(
      await call('county', 'PATCH', `/api/users/${outside.id}`, { disabled: true }),
      404,
      'NOT_FOUND',
    );
    const inside = await create('county', { username: 'lw.someone', areaCode: longwanVillage });
    expectCode(
      await call('county', 'PATCH', `/api/users/${inside.id}`, { areaCode: GULOU }),
      403,
      'AREA_OUT_OF_SCOPE',
    );
    const still = (await call('admin', 'GET', '/api/users?q=lw.someone')).json().items[0] as User;
    expect(still.areaCode).toBe(longwanVillage);
    expect((await call('admin', 'GET', '/api/users?q=gl.someone')).json().items[0].disabled).toBe(false);
    expectCode(await call('admin', 'PATCH', '/api/users/987654321', { disabled: true }), 404, 'NOT_FOUND');
  });
});

describe('who am I', () => {
  it('returns the user, their permissions and the scope path from 温州市 down to their area', async () => {
    const r = await call('grid', 'GET', '/api/auth/me');
    expect(r.statusCode).toBe(200);
    const me = r.json() as {
      user: User;
      permissions: string[];
      scope: { areaCode: string; path: { code: string; name: string; level: number }[] };
    };
    expect(me.user).toMatchObject({ username: 'gl.grid', roles: ['grid_worker'], areaCode: GULOU });
    expect([...me.permissions].sort()).toEqual([
      'area:read',
      'court:read',
      'matter:act',
      'matter:read',
      'matter:report',
      'sea:read',
      'sea:report',
      'subject:read',
      'subject:reveal',
      'subject:write',
    ]);
    expect(me.scope.areaCode).toBe(GULOU);
    expect(me.scope.path.map((a) => [a.code, a.level])).toEqual([
      [CITY, 1],
      [LUCHENG, 2],
      [TOWN, 3],
      [GULOU, 4],
    ]);
    expect(me.scope.path[0]!.name).toBe('温州市');
    expect(me.scope.path[3]!.name).toContain('鼓楼');

    const auditor = (await call('auditor', 'GET', '/api/auth/me')).json();
    expect([...auditor.permissions].sort()).toEqual(['area:read', 'audit:read', 'user:read']);
    expect(auditor.scope.path.map((a: { code: string }) => a.code)).toEqual([CITY]);
    expect((await call('admin', 'GET', '/api/auth/me')).json().permissions).toContain('user:manage');
  });
});

describe('the audit trail of user administration', () => {
  it('user.create and user.update are logged with old and new values, and never the password', async () => {
    const u = await create('admin', { username: 'audited.user', password: 'AuditedPw2026' });
    await call('admin', 'PATCH', `/api/users/${u.id}`, { roles: ['mediator'], disabled: true });
    await call('admin', 'PATCH', `/api/users/${u.id}`, { disabled: false, password: 'ResetPw20261' });
    const r = await call('auditor', 'GET', `/api/audit?entityType=user&entityId=${u.id}`);
    expect(r.statusCode).toBe(200);
    const items = (
      r.json().items as { action: string; actorName: string; oldValues: unknown; newValues: unknown }[]
    ).reverse();
    expect(items.map((e) => e.action)).toEqual(['user.create', 'user.update', 'user.update']);
    expect(items[0]).toMatchObject({
      actorName: 'city.admin',
      oldValues: null,
      newValues: { username: 'audited.user', roles: ['grid_worker'], areaCode: GULOU },
    });
    expect(items[1]).toMatchObject({
      oldValues: { roles: ['grid_worker'], disabled: false },
      newValues: { roles: ['mediator'], disabled: true, passwordChanged: false },
    });
    expect(items[2]).toMatchObject({
      oldValues: { disabled: true },
      newValues: { disabled: false, passwordChanged: true },
    });
    const everything = JSON.stringify((await call('auditor', 'GET', '/api/audit?pageSize=200')).json());
    for (const pw of ['AuditedPw2026', 'ResetPw20261', PASSWORD]) expect(everything).not.toContain(pw);
    expect(everything).not.toContain('$argon2');
  });
});

import type { LightMyRequestResponse as Res } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../core/access/actor.ts';
import { createUser } from '../core/access/users.service.ts';
import { generateIdCard, generateMobile, generateUscc } from '../core/subjects/codes.ts';
import {
  createTestContext,
  login,
  seeded,
  TEST_PASSWORD,
  type TestContext,
  testEngine,
} from '../testing/harness.ts';

const GULOU = '330302006044';
const GULOU_GRID = '330302006044001';
const rnd = seeded(20261129);
const idCard = (birth: string, g: 'M' | 'F') => generateIdCard(rnd, '330302', birth, g);

let t: TestContext;
let grid: string;
let admin: string;

// Anything here in an error body means SQL, a stack trace or the server's file layout reached the client.
const LEAKS = [
  /select /i,
  /insert /i,
  /relation/i,
  /stack/i,
  /\/work\//,
  /\/src\//,
  /node_modules/,
  /\.ts:\d+/,
];

/** Asserts the one error shape and returns the body; every error checked here is also checked for leaks. */
function expectError(res: Res, status: number, code: string) {
  expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status, body: { code } });
  const body = res.json() as {
    code: string;
    message: string;
    requestId: string;
    details?: { path?: string; code?: string; message: string }[];
  };
  expect(body.message).toEqual(expect.any(String));
  expect(body.message.length).toBeGreaterThan(0);
  expect(body.requestId).toEqual(expect.any(String));
  expect(res.headers['x-request-id']).toBe(body.requestId);
  for (const leak of LEAKS) expect(res.body).not.toMatch(leak);
  return body;
}

const paths = (body: { details?: { path?: string }[] }) => (body.details ?? []).map((d) => d.path);

function as(cookie: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return t.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload }) });
}

async function count(table: 'persons' | 'houses' | 'enterprises' | 'audit_log' | 'users'): Promise<number> {
  const r = await t.kernel.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * On PostgreSQL the pool opens connections lazily: without this, concurrent requests queue behind the one
 * open connection and never overlap, and a race under test would pass by accident.
 */
async function warmPool() {
  await Promise.all(Array.from({ length: 5 }, () => t.app.inject({ method: 'GET', url: '/healthz' })));
}

beforeAll(async () => {
  t = await createTestContext();
  grid = await t.userSession({ username: 'grid_bad', role: 'grid_worker', areaCode: GULOU });
  admin = await t.userSession({ username: 'admin_bad', role: 'city_admin', areaCode: '330300000000' });
});

afterAll(() => t.close());

describe('malformed and invalid input gets a typed 400', () => {
  it('a body that is not JSON → BAD_REQUEST', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/persons',
      headers: { cookie: grid, 'content-type': 'application/json' },
      payload: '{"name": "张三", ',
    });
    expectError(r, 400, 'BAD_REQUEST');
  });

  it('over-long strings → VALIDATION_FAILED naming each field', async () => {
    const person = expectError(
      await as(grid, 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '张'.repeat(51) }),
      400,
      'VALIDATION_FAILED',
    );
    expect(paths(person)).toEqual(['body.name']);
    const house = expectError(
      await as(grid, 'POST', '/api/houses', { areaCode: GULOU_GRID, address: 'x'.repeat(201), kind: 'shop' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(paths(house)).toEqual(['body.address']);
    // Exactly at the limits is accepted, so the check is the limit and not something stricter.
    const ok = await as(grid, 'POST', '/api/houses', {
      areaCode: GULOU_GRID,
      address: 'x'.repeat(200),
      kind: 'shop',
    });
    expect(ok.statusCode).toBe(201);
  });

  it('a missing required field and a value outside an enum are named too', async () => {
    const r = expectError(
      await as(grid, 'POST', '/api/houses', { areaCode: GULOU_GRID, kind: 'castle' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(paths(r).sort()).toEqual(['body.address', 'body.kind']);
  });

  it('an ID number with a wrong check digit → INVALID_ID_CARD', async () => {
    const good = idCard('1990-01-01', 'M');
    const wrongDigit = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const body = expectError(
      await as(grid, 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '王五', idNumber: wrongDigit }),
      400,
      'INVALID_ID_CARD',
    );
    expect(paths(body)).toEqual(['idNumber']);
    // The number itself is not echoed back.
    expect(JSON.stringify(body)).not.toContain(wrongDigit);
    // The lookup endpoint applies the same check.
    expectError(
      await as(grid, 'POST', '/api/persons/lookup', { idNumber: wrongDigit }),
      400,
      'INVALID_ID_CARD',
    );
  });

  it('an invalid credit code → INVALID_USCC', async () => {
    const good = generateUscc(rnd, '330302');
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const body = expectError(
      await as(admin, 'POST', '/api/enterprises', {
        areaCode: GULOU_GRID,
        name: '温州某某有限公司',
        uscc: bad,
      }),
      400,
      'INVALID_USCC',
    );
    expect(paths(body)).toEqual(['uscc']);
  });

  it('an invalid mobile number → INVALID_MOBILE, for persons and enterprises alike', async () => {
    for (const phone of ['12345678901', '1381234567', '138123456789']) {
      const body = expectError(
        await as(grid, 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '赵六', phone }),
        400,
        'INVALID_MOBILE',
      );
      expect(paths(body)).toEqual(['phone']);
    }
    expectError(
      await as(admin, 'POST', '/api/enterprises', {
        areaCode: GULOU_GRID,
        name: '温州某某有限公司',
        uscc: generateUscc(rnd, '330302'),
        phone: '10086',
      }),
      400,
      'INVALID_MOBILE',
    );
  });

  it('a well-formed area code that does not exist → UNKNOWN_AREA; a malformed one → VALIDATION_FAILED', async () => {
    expectError(
      await as(admin, 'POST', '/api/persons', { areaCode: '330302999999', name: '钱七' }),
      400,
      'UNKNOWN_AREA',
    );
    const malformed = expectError(
      await as(admin, 'POST', '/api/persons', { areaCode: '33030200604', name: '钱七' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(paths(malformed)).toEqual(['body.areaCode']);
    const inQuery = expectError(
      await as(admin, 'GET', '/api/persons?areaCode=3303020060'),
      400,
      'VALIDATION_FAILED',
    );
    expect(paths(inQuery)).toEqual(['querystring.areaCode']);
  });

  it('paging outside its bounds, an unknown sort and a non-numeric id → VALIDATION_FAILED', async () => {
    const big = expectError(await as(grid, 'GET', '/api/persons?pageSize=1000'), 400, 'VALIDATION_FAILED');
    expect(paths(big)).toEqual(['querystring.pageSize']);
    expectError(await as(grid, 'GET', '/api/persons?page=0'), 400, 'VALIDATION_FAILED');
    expectError(await as(grid, 'GET', '/api/houses?sort=password_hash'), 400, 'VALIDATION_FAILED');
    const id = expectError(await as(grid, 'GET', '/api/persons/abc'), 400, 'VALIDATION_FAILED');
    expect(paths(id)).toEqual(['params.id']);
  });

  it('a body over the size limit → 413 in the same shape', async () => {
    const r = await as(grid, 'POST', '/api/persons', { areaCode: GULOU_GRID, name: 'x'.repeat(1_100_000) });
    expectError(r, 413, 'BAD_REQUEST');
  });

  it('an unknown route → 404 NOT_FOUND in the same shape, signed in or not', async () => {
    expectError(await t.app.inject({ method: 'GET', url: '/api/no-such-thing' }), 404, 'NOT_FOUND');
    expectError(await as(grid, 'POST', '/api/persons/1/delete', {}), 404, 'NOT_FOUND');
  });

  it('a reference to a house that does not exist → 400, not a database error', async () => {
    const before = await count('enterprises');
    const r = await as(admin, 'POST', '/api/enterprises', {
      areaCode: GULOU_GRID,
      name: '温州某某鞋业有限公司',
      uscc: generateUscc(rnd, '330302'),
      houseId: '987654321',
    });
    expectError(r, 400, 'VALIDATION_FAILED');
    expect(await count('enterprises')).toBe(before);
  });
});

describe('a failed request leaves nothing half-written', () => {
  it('a bad phone after a valid ID number writes neither the person nor an audit entry', async () => {
    const id = idCard('1985-03-04', 'F');
    const [persons, audits] = [await count('persons'), await count('audit_log')];
    expectError(
      await as(grid, 'POST', '/api/persons', {
        areaCode: GULOU_GRID,
        name: '孙八',
        idNumber: id,
        phone: '99999',
      }),
      400,
      'INVALID_MOBILE',
    );
    expect([await count('persons'), await count('audit_log')]).toEqual([persons, audits]);
    // Nor was the ID number half-registered: the same person goes in cleanly afterwards.
    const ok = await as(grid, 'POST', '/api/persons', {
      areaCode: GULOU_GRID,
      name: '孙八',
      idNumber: id,
      phone: generateMobile(rnd),
    });
    expect(ok.statusCode).toBe(201);
    expect([await count('persons'), await count('audit_log')]).toEqual([persons + 1, audits + 1]);
  });

  it('a duplicate ID number → 409 CONFLICT, and nothing written', async () => {
    const id = idCard('1970-12-31', 'M');
    expect(
      (await as(grid, 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '周九', idNumber: id }))
        .statusCode,
    ).toBe(201);
    const [persons, audits] = [await count('persons'), await count('audit_log')];
    const body = expectError(
      await as(grid, 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '吴十', idNumber: id }),
      409,
      'CONFLICT',
    );
    expect(JSON.stringify(body)).not.toContain(id);
    expect([await count('persons'), await count('audit_log')]).toEqual([persons, audits]);
  });

  it('a rejected update leaves the record and its version as they were', async () => {
    const p = (await as(grid, 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '郑一' })).json();
    const audits = await count('audit_log');
    expectError(
      await as(grid, 'PATCH', `/api/persons/${p.id}`, { version: p.version, name: '郑二', phone: 'abc' }),
      400,
      'INVALID_MOBILE',
    );
    const now = (await as(grid, 'GET', `/api/persons/${p.id}`)).json();
    expect({ name: now.name, version: now.version, phone: now.phone }).toEqual({
      name: '郑一',
      version: p.version,
      phone: null,
    });
    expect(await count('audit_log')).toBe(audits);
  });

  it('a house whose owner does not exist is refused whole', async () => {
    const houses = await count('houses');
    expectError(
      await as(grid, 'POST', '/api/houses', {
        areaCode: GULOU_GRID,
        address: '鼓楼社区9号',
        kind: 'residence',
        ownerPersonId: '987654321',
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(await count('houses')).toBe(houses);
  });

  it('the same ID number sent concurrently is registered once; the others get 409, not 500', async () => {
    await warmPool();
    const persons = await count('persons');
    for (const birth of ['1966-06-06', '1967-07-07', '1968-08-08']) {
      const id = idCard(birth, 'F');
      const rs = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          as(grid, 'POST', '/api/persons', { areaCode: GULOU_GRID, name: `并发${i}`, idNumber: id }),
        ),
      );
      expect(rs.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
      for (const r of rs.filter((x) => x.statusCode !== 201)) expectError(r, 409, 'CONFLICT');
    }
    expect(await count('persons')).toBe(persons + 3);
  });
});

describe('signing in', () => {
  it('a wrong password and an unknown user get the same answer', async () => {
    await t.userSession({ username: 'known_user', role: 'grid_worker', areaCode: GULOU });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'known_user', password: 'not-the-Passw0rd' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'nobody_here', password: 'not-the-Passw0rd' },
    });
    const a = expectError(wrong, 401, 'INVALID_CREDENTIALS');
    const b = expectError(unknown, 401, 'INVALID_CREDENTIALS');
    expect(a.message).toBe(b.message);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(a.details).toBeUndefined();
    expect(wrong.cookies).toHaveLength(0);
    expect(unknown.cookies).toHaveLength(0);
  });

  it('a disabled user → ACCOUNT_DISABLED with the right password, and no session', async () => {
    await t.userSession({ username: 'gone_user', role: 'grid_worker', areaCode: GULOU });
    await t.kernel.db
      .updateTable('users')
      .set({ disabled: true })
      .where('username', '=', 'gone_user')
      .execute();
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'gone_user', password: TEST_PASSWORD },
    });
    expectError(r, 403, 'ACCOUNT_DISABLED');
    expect(r.cookies).toHaveLength(0);
    // A wrong password does not reveal that the account exists and is disabled.
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'gone_user', password: 'not-the-Passw0rd' },
    });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
  });

  it('a sign-in body without a password → VALIDATION_FAILED', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'known_user' },
    });
    expect(paths(expectError(r, 400, 'VALIDATION_FAILED'))).toEqual(['body.password']);
  });
});

describe('sign-in rate limit', () => {
  const LIMIT = 3;
  let limited: TestContext;

  beforeAll(async () => {
    limited = await createTestContext({ loginMaxPerMinute: LIMIT });
    // Users are made directly so that seeding spends none of the sign-in budget under test.
    await limited.kernel.db.transaction().execute(async (tx) => {
      for (const username of ['rl_a', 'rl_b', 'rl_c']) {
        await createUser(tx, systemActor('test-setup'), {
          username,
          displayName: username,
          password: TEST_PASSWORD,
          roles: ['grid_worker'],
          areaCode: GULOU,
        });
      }
    });
  });

  afterAll(() => limited.close());

  const attempt = (username: string, password: string, remoteAddress: string) =>
    limited.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress,
      payload: { username, password },
    });

  it(`the attempt after ${LIMIT} in a minute → 429 RATE_LIMITED, even with the right password`, async () => {
    for (let i = 0; i < LIMIT; i++) {
      expect((await attempt('rl_a', 'not-the-Passw0rd', '10.0.0.1')).statusCode).toBe(401);
    }
    const r = await attempt('rl_a', TEST_PASSWORD, '10.0.0.1');
    expectError(r, 429, 'RATE_LIMITED');
    expect(r.cookies).toHaveLength(0);
    // Another address is not held back by this one's failures.
    expect((await attempt('rl_a', TEST_PASSWORD, '10.0.0.2')).statusCode).toBe(200);
  });

  it('the limit is per address and user: one user mistyping does not lock out a colleague on the same address', async () => {
    for (let i = 0; i < LIMIT; i++) {
      expect((await attempt('rl_b', 'not-the-Passw0rd', '10.0.0.3')).statusCode).toBe(401);
    }
    expectError(await attempt('rl_b', TEST_PASSWORD, '10.0.0.3'), 429, 'RATE_LIMITED');
    const colleague = await attempt('rl_c', TEST_PASSWORD, '10.0.0.3');
    expect(colleague.statusCode).toBe(200);
  });
});

describe('sessions', () => {
  it('no cookie and an unknown cookie → UNAUTHENTICATED', async () => {
    expectError(await t.app.inject({ method: 'GET', url: '/api/auth/me' }), 401, 'UNAUTHENTICATED');
    expectError(await as('zhili_session=not-a-real-token', 'GET', '/api/auth/me'), 401, 'UNAUTHENTICATED');
  });

  it('an expired session → SESSION_EXPIRED, distinct from not signed in', async () => {
    const cookie = await t.userSession({ username: 'expiring', role: 'grid_worker', areaCode: GULOU });
    expect((await as(cookie, 'GET', '/api/auth/me')).statusCode).toBe(200);
    const user = await t.kernel.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'expiring')
      .executeTakeFirstOrThrow();
    await t.kernel.db
      .updateTable('sessions')
      .set({ expires_at: sql<Date>`now() - interval '1 minute'` })
      .where('user_id', '=', user.id)
      .execute();
    const expired = expectError(await as(cookie, 'GET', '/api/persons'), 401, 'SESSION_EXPIRED');
    const none = expectError(
      await t.app.inject({ method: 'GET', url: '/api/persons' }),
      401,
      'UNAUTHENTICATED',
    );
    expect(expired.message).not.toBe(none.message);
  });

  it('after logout the cookie no longer works; other sessions of the same user still do', async () => {
    await t.userSession({ username: 'leaver', role: 'grid_worker', areaCode: GULOU });
    const other = await login(t.app, 'leaver', TEST_PASSWORD);
    const cookie = await login(t.app, 'leaver', TEST_PASSWORD);
    const out = await as(cookie, 'POST', '/api/auth/logout');
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'zhili_session')?.value).toBe('');
    expectError(await as(cookie, 'GET', '/api/auth/me'), 401, 'UNAUTHENTICATED');
    expectError(await as(cookie, 'POST', '/api/auth/logout'), 401, 'UNAUTHENTICATED');
    expect((await as(other, 'GET', '/api/auth/me')).statusCode).toBe(200);
  });
});

describe('a 500 leaks nothing', () => {
  it('a database error (a missing table) → INTERNAL with the request id and no SQL', async () => {
    await sql`alter table things rename to things_hidden`.execute(t.kernel.db);
    try {
      const r = await as(grid, 'GET', '/api/things');
      const body = expectError(r, 500, 'INTERNAL');
      expect(r.body).not.toContain('things_hidden');
      expect(r.body).not.toContain('things');
      expect(body.details).toBeUndefined();
    } finally {
      await sql`alter table things_hidden rename to things`.execute(t.kernel.db);
    }
    expect((await as(grid, 'GET', '/api/things')).statusCode).toBe(200);
  });

  it('a ciphertext that does not decrypt → INTERNAL, and no crypto error text', async () => {
    const p = (
      await as(grid, 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '冯三', phone: '13700001111' })
    ).json() as { id: string };
    const row = await t.kernel.db
      .selectFrom('persons')
      .select('phone_enc')
      .where('id', '=', p.id)
      .executeTakeFirstOrThrow();
    // Moving the phone ciphertext into the ID-number column: the associated data no longer matches.
    await t.kernel.db
      .updateTable('persons')
      .set({ id_number_enc: row.phone_enc })
      .where('id', '=', p.id)
      .execute();
    try {
      const r = await as(grid, 'GET', `/api/persons/${p.id}`);
      expectError(r, 500, 'INTERNAL');
      expect(r.body).not.toMatch(/decrypt|authenticate|cipher|gcm/i);
      expect(r.body).not.toContain('13700001111');
    } finally {
      await t.kernel.db.updateTable('persons').set({ id_number_enc: null }).where('id', '=', p.id).execute();
    }
  });
});

describe('docs, health, metrics and request ids', () => {
  it('/api/openapi.json lists the kernel paths and named components', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json() as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: object };
    };
    expect(doc.openapi).toMatch(/^3\./);
    const p = Object.keys(doc.paths);
    for (const path of [
      '/api/auth/login',
      '/api/auth/logout',
      '/api/auth/me',
      '/api/areas/{code}',
      '/api/areas/tree',
      '/api/persons',
      '/api/persons/{id}',
      '/api/persons/lookup',
      '/api/persons/{id}/reveal',
      '/api/houses',
      '/api/houses/{id}',
      '/api/enterprises',
      '/api/enterprises/{id}/reveal',
      '/api/things',
      '/api/things/{id}',
      '/api/users',
      '/api/users/{id}',
      '/api/audit',
    ]) {
      expect(p).toContain(path);
    }
    // Operational endpoints are not part of the API contract.
    expect(p).not.toContain('/healthz');
    expect(p).not.toContain('/metrics');
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Person', 'House', 'Enterprise', 'Thing', 'Area', 'User', 'Error']),
    );
  });

  it('/api/docs/ serves the HTML documentation', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toMatch(/<html/i);
  });

  it('/healthz answers ok with the engine, without a session', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok', engine: testEngine() });
  });

  it('/metrics exposes request durations labelled by route template, not by raw URL', async () => {
    await as(grid, 'GET', '/api/persons/424242');
    const r = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toContain('zhili_http_request_duration_seconds');
    expect(r.body).toMatch(
      /zhili_http_request_duration_seconds_count\{method="GET",route="\/api\/persons\/:id",status="404"\} [1-9]/,
    );
    expect(r.body).not.toContain('424242');
  });

  it('every response carries x-request-id; a well-formed one from the client is kept, a bad one replaced', async () => {
    for (const url of ['/healthz', '/api/openapi.json', '/api/auth/me']) {
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.headers['x-request-id']).toMatch(/^[\w-]{8,64}$/);
    }
    const kept = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { 'x-request-id': 'trace-abc-12345' },
    });
    expect(kept.headers['x-request-id']).toBe('trace-abc-12345');
    expect(expectError(kept, 401, 'UNAUTHENTICATED').requestId).toBe('trace-abc-12345');
    const replaced = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { 'x-request-id': 'has spaces <script>' },
    });
    expect(replaced.headers['x-request-id']).not.toBe('has spaces <script>');
    expect(expectError(replaced, 401, 'UNAUTHENTICATED').requestId).toBe(replaced.headers['x-request-id']);
    // Two requests never share an id.
    const [a, b] = await Promise.all([
      t.app.inject({ method: 'GET', url: '/healthz' }),
      t.app.inject({ method: 'GET', url: '/healthz' }),
    ]);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

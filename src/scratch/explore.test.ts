import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateIdCard } from '../core/subjects/codes.ts';
import { createTestContext, seeded, type TestContext } from '../testing/harness.ts';

let t: TestContext;
let c: string;
beforeAll(async () => {
  t = await createTestContext();
  c = await t.userSession({ username: 'admin1', role: 'city_admin', areaCode: '330300000000' });
});
afterAll(() => t.close());

it('explore', async () => {
  const show = async (label: string, p: Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>) => {
    const r = await p;
    console.log(label, r.statusCode, r.headers['content-type'], r.body.slice(0, 400));
  };
  await show('docs/', t.app.inject({ method: 'GET', url: '/api/docs/' }));
  await show('docs', t.app.inject({ method: 'GET', url: '/api/docs' }));
  await show('badjson', t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: c, 'content-type': 'application/json' }, payload: '{"name":' }));
  await show('long', t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: c }, payload: { name: 'x'.repeat(51), areaCode: '33030200604' } }));
  await show('ps', t.app.inject({ method: 'GET', url: '/api/persons?pageSize=1000', headers: { cookie: c } }));
  await show('ent house', t.app.inject({ method: 'POST', url: '/api/enterprises', headers: { cookie: c }, payload: { name: 'x', uscc: '91350100M000100Y43', areaCode: '330302006044001', houseId: '99999999' } }));
  await show('user ent', t.app.inject({ method: 'POST', url: '/api/users', headers: { cookie: c }, payload: { username: 'eu1', displayName: 'x', password: 'abcdef12345', roles: ['enterprise_user'], areaCode: '330302006044', enterpriseId: '99999999' } }));
  await show('big', t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: c }, payload: { name: 'x'.repeat(2_000_000) } }));
  await show('text', t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: c, 'content-type': 'text/plain' }, payload: 'hello' }));
  await show('area', t.app.inject({ method: 'GET', url: '/api/areas/330302006044001', headers: { cookie: c } }));
  await show('me', t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: c } }));
  const rs = await Promise.all(
    Array.from({ length: 6 }, () =>
      t.app.inject({ method: 'POST', url: '/api/users', headers: { cookie: c }, payload: { username: 'race1', displayName: 'x', password: 'abcdef12345', roles: ['grid_worker'], areaCode: '330302006044' } }),
    ),
  );
  console.log('race users', rs.map((r) => `${r.statusCode} ${r.json().code ?? ''}`));
  const id = generateIdCard(seeded(1), '330302', '1980-05-05', 'F');
  const ps = await Promise.all(
    Array.from({ length: 8 }, () =>
      t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: c }, payload: { name: 'r', idNumber: id, areaCode: '330302006044001' } }),
    ),
  );
  console.log('race persons', ps.map((r) => `${r.statusCode} ${r.json().code ?? ''}`));
  const oa = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  console.log(Object.keys(oa.paths), Object.keys(oa.components.schemas));
  expect(1).toBe(1);
});

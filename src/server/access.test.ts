import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateUscc } from '../core/subjects/codes.ts';
import { createTestContext, seeded, type TestContext } from '../testing/harness.ts';

// Two villages of 五马街道 and one of another district; grid workers, a town centre, an auditor, a clerk.
const GULOU = '330302006044';
const MOCHI = '330302006045';
const GULOU_GRID = '330302006044001';
const MOCHI_GRID = '330302006045001';
const ID_A = '330302199001011235';

let t: TestContext;
const cookies: Record<string, string> = {};

async function call(who: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
  return t.app.inject({ method, url, headers: { cookie: cookies[who]! }, ...(payload ? { payload } : {}) });
}

let personA: { id: string };
let personB: { id: string };
let houseB: { id: string };

beforeAll(async () => {
  t = await createTestContext();
  cookies.admin = await t.userSession({ username: 'admin1', role: 'city_admin', areaCode: '330300000000' });
  cookies.gridA = await t.userSession({ username: 'grid_a', role: 'grid_worker', areaCode: GULOU });
  cookies.gridB = await t.userSession({ username: 'grid_b', role: 'grid_worker', areaCode: MOCHI });
  cookies.town = await t.userSession({ username: 'town1', role: 'town_center', areaCode: '330302006000' });
  cookies.auditor = await t.userSession({ username: 'auditor1', role: 'auditor', areaCode: '330300000000' });
  cookies.clerk = await t.userSession({ username: 'clerk1', role: 'dept_clerk', areaCode: '330302000000' });
  cookies.longwan = await t.userSession({ username: 'lw1', role: 'county_center', areaCode: '330303000000' });

  personA = (
    await call('gridA', 'POST', '/api/persons', {
      areaCode: GULOU_GRID,
      name: '张三',
      idNumber: ID_A,
      phone: '13812345678',
    })
  ).json();
  personB = (
    await call('gridB', 'POST', '/api/persons', { areaCode: MOCHI_GRID, name: '李四', phone: '13900001111' })
  ).json();
  houseB = (
    await call('gridB', 'POST', '/api/houses', {
      areaCode: MOCHI_GRID,
      address: '墨池社区1号',
      kind: 'residence',
    })
  ).json();
});

afterAll(() => t.close());

describe('access matrix through HTTP', () => {
  it('needs a session', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/persons' });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('UNAUTHENTICATED');
  });

  it('a grid worker of one village cannot read a person or house of another, nor learn it exists', async () => {
    const own = await call('gridA', 'GET', `/api/persons/${personA.id}`);
    expect(own.statusCode).toBe(200);
    const other = await call('gridA', 'GET', `/api/persons/${personB.id}`);
    const missing = await call('gridA', 'GET', '/api/persons/999999999');
    expect(other.statusCode).toBe(404);
    // The same answer as for an id that does not exist at all.
    expect(other.json().code).toBe(missing.json().code);
    expect(other.json().message).not.toContain('李四');
    expect((await call('gridA', 'GET', `/api/houses/${houseB.id}`)).statusCode).toBe(404);
    const list = (await call('gridA', 'GET', '/api/persons?pageSize=200')).json();
    expect(list.items.map((p: { id: string }) => p.id)).toEqual([personA.id]);
    expect((await call('gridA', 'GET', '/api/houses')).json().total).toBe(0);
    // Nor by lookup, nor by patching it.
    const lookup = await call('gridB', 'POST', '/api/persons/lookup', { idNumber: ID_A });
    expect(lookup.json().person).toBeNull();
    const patch = await call('gridA', 'PATCH', `/api/persons/${personB.id}`, { version: 1, name: 'x' });
    expect(patch.statusCode).toBe(404);
  });

  it('a grid worker cannot write into another village', async () => {
    const r = await call('gridA', 'POST', '/api/persons', { areaCode: MOCHI_GRID, name: '王五' });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('AREA_OUT_OF_SCOPE');
  });

  it('the town centre sees both villages; another county sees neither', async () => {
    const town = (await call('town', 'GET', '/api/persons?pageSize=200')).json();
    expect(town.items.map((p: { id: string }) => p.id).sort()).toEqual([personA.id, personB.id].sort());
    expect((await call('longwan', 'GET', '/api/persons')).json().total).toBe(0);
    expect((await call('longwan', 'GET', `/api/persons/${personA.id}`)).statusCode).toBe(404);
  });

  it('area listings follow the scope', async () => {
    const tree = (await call('gridA', 'GET', '/api/areas/tree?depth=2')).json();
    expect(tree.code).toBe(GULOU);
    expect(tree.children.every((c: { code: string }) => c.code.startsWith(GULOU))).toBe(true);
    const town = (await call('gridA', 'GET', '/api/areas/330302006000/children')).json();
    expect(town.items.map((a: { code: string }) => a.code)).toEqual([GULOU]);
    expect((await call('gridA', 'GET', `/api/areas/${MOCHI}`)).statusCode).toBe(404);
    const search = (await call('gridA', 'GET', `/api/areas/search?q=${encodeURIComponent('社区')}`)).json();
    expect(search.items.every((a: { code: string }) => a.code.startsWith(GULOU))).toBe(true);
  });

  it('an auditor reads the audit log but writes nothing and sees no personal data', async () => {
    const log = await call('auditor', 'GET', '/api/audit?pageSize=50');
    expect(log.statusCode).toBe(200);
    expect(log.json().items.some((e: { action: string }) => e.action === 'person.create')).toBe(true);
    expect((await call('auditor', 'GET', '/api/audit/verify')).json().ok).toBe(true);
    const writes = [
      await call('auditor', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '赵六' }),
      await call('auditor', 'PATCH', `/api/persons/${personA.id}`, { version: 1, name: 'x' }),
      await call('auditor', 'POST', '/api/houses', { areaCode: GULOU_GRID, address: 'x', kind: 'residence' }),
      await call('auditor', 'POST', '/api/users', {
        username: 'newbie',
        displayName: 'n',
        password: 'abcdef12345',
        roles: ['grid_worker'],
        areaCode: GULOU,
      }),
      await call('auditor', 'POST', `/api/persons/${personA.id}/reveal`, {
        fields: ['idNumber'],
        reason: '核查',
      }),
    ];
    for (const w of writes) expect([w.statusCode, w.json().code]).toEqual([403, 'FORBIDDEN']);
    expect((await call('auditor', 'GET', '/api/persons')).statusCode).toBe(403);
    // And others cannot read the audit log.
    expect((await call('gridA', 'GET', '/api/audit')).statusCode).toBe(403);
    expect((await call('admin', 'GET', '/api/audit')).statusCode).toBe(403);
  });

  it('identifiers come back masked unless revealed, and each reveal is audited with its reason', async () => {
    const p = (await call('gridA', 'GET', `/api/persons/${personA.id}`)).json();
    expect(p.idNumber).toBe('330302********1235');
    expect(p.phone).toBe('138****5678');
    expect(JSON.stringify(p)).not.toContain(ID_A);

    const noReason = await call('gridA', 'POST', `/api/persons/${personA.id}/reveal`, {
      fields: ['idNumber'],
    });
    expect(noReason.statusCode).toBe(400);
    const clerk = await call('clerk', 'POST', `/api/persons/${personA.id}/reveal`, {
      fields: ['idNumber'],
      reason: '办案',
    });
    expect(clerk.statusCode).toBe(403);

    const r = await call('gridA', 'POST', `/api/persons/${personA.id}/reveal`, {
      fields: ['idNumber', 'phone'],
      reason: '入户走访核对身份',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ idNumber: ID_A, phone: '13812345678' });

    const log = (
      await call('auditor', 'GET', `/api/audit?action=person.reveal&entityId=${personA.id}`)
    ).json();
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({
      actorName: 'grid_a',
      reason: '入户走访核对身份',
      entityType: 'person',
    });
    expect(log.items[0].newValues).toEqual({ fields: ['idNumber', 'phone'] });
    // No plain identifier anywhere in the trail.
    const all = JSON.stringify((await call('auditor', 'GET', '/api/audit?pageSize=200')).json());
    expect(all).not.toContain(ID_A);
    expect(all).not.toContain('13812345678');
  });

  it('a department clerk reads within scope but cannot write', async () => {
    expect((await call('clerk', 'GET', `/api/persons/${personA.id}`)).statusCode).toBe(200);
    const w = await call('clerk', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '钱七' });
    expect(w.statusCode).toBe(403);
  });

  it('an enterprise user sees only their own enterprise', async () => {
    const e1 = await call('admin', 'POST', '/api/enterprises', {
      name: '温州鼓楼鞋业有限公司',
      uscc: '91350100M000100Y43',
      areaCode: GULOU_GRID,
    });
    expect(e1.statusCode).toBe(201);
    const other = await call('admin', 'POST', '/api/enterprises', {
      name: '温州墨池眼镜有限公司',
      uscc: generateUscc(seeded(7), '330302'),
      areaCode: MOCHI_GRID,
    });
    expect(other.statusCode).toBe(201);
    const ent = e1.json();
    const cookie = await t.userSession({
      username: 'ent1',
      role: 'enterprise_user',
      areaCode: GULOU,
      enterpriseId: ent.id,
    });
    cookies.ent = cookie;
    const list = (await call('ent', 'GET', '/api/enterprises')).json();
    expect(list.items.map((e: { id: string }) => e.id)).toEqual([ent.id]);
    expect((await call('ent', 'GET', '/api/persons')).statusCode).toBe(403);
  });
});

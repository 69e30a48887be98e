import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, seeded, type TestContext } from '../../testing/harness.ts';
import { generateIdCard, generateMobile, generateUscc } from './codes.ts';

// 鼓楼社区 and 墨池社区 are villages of 五马街道 (330302006000).
const TOWN = '330302006000';
const GULOU = '330302006044';
const GULOU_GRID = '330302006044001';
const MOCHI = '330302006045';
const MOCHI_GRID = '330302006045001';
const SEA = { lng: 122.8, lat: 27.2 };

const rnd = seeded(44001);
const idCard = (birth: string, g: 'M' | 'F') => generateIdCard(rnd, '330302', birth, g);

let t: TestContext;
const cookies: Record<string, string> = {};
/** Every plain identifier this file sends: none may ever appear in the audit trail. */
const secrets: string[] = [];

type Who = 'town' | 'grid' | 'mochi' | 'auditor';

function call(who: Who, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: cookies[who]! },
    ...(payload === undefined ? {} : { payload }),
  });
}

/** The JSON body of a response that must have the given status (the body is shown when it does not). */
function ok<T = Record<string, unknown>>(r: LightMyRequestResponse, status = 200): T {
  expect({ status: r.statusCode, body: r.json() }).toMatchObject({ status });
  return r.json() as T;
}

function expectCode(r: LightMyRequestResponse, status: number, code: string) {
  expect({ status: r.statusCode, code: r.json().code }).toEqual({ status, code });
  return r.json() as { code: string; message: string; details?: { code?: string; message: string }[] };
}

interface AuditItem {
  action: string;
  actorName: string;
  entityType: string;
  entityId: string | null;
  areaCode: string | null;
  reason: string | null;
  oldValues: Record<string, unknown> | null;
  newValues: Record<string, unknown> | null;
}

async function auditOf(entityType: string, entityId: string): Promise<AuditItem[]> {
  const r = await call(
    'auditor',
    'GET',
    `/api/audit?entityType=${entityType}&entityId=${entityId}&pageSize=200`,
  );
  // Newest first from the API; oldest first reads more naturally in assertions.
  return (ok<{ items: AuditItem[] }>(r).items ?? []).reverse();
}

let gridCenter: { lng: number; lat: number };
let mochiCenter: { lng: number; lat: number };

beforeAll(async () => {
  t = await createTestContext();
  cookies.town = await t.userSession({ username: 'town_wm', role: 'town_center', areaCode: TOWN });
  cookies.grid = await t.userSession({ username: 'grid_gl', role: 'grid_worker', areaCode: GULOU });
  cookies.mochi = await t.userSession({ username: 'grid_mc', role: 'grid_worker', areaCode: MOCHI });
  cookies.auditor = await t.userSession({ username: 'auditor_c', role: 'auditor', areaCode: '330300000000' });
  const g = ok<{ center: [number, number] }>(await call('grid', 'GET', `/api/areas/${GULOU_GRID}`));
  gridCenter = { lng: g.center[0], lat: g.center[1] };
  const m = ok<{ center: [number, number] }>(await call('town', 'GET', `/api/areas/${MOCHI_GRID}`));
  mochiCenter = { lng: m.center[0], lat: m.center[1] };
});

afterAll(() => t.close());

interface Person {
  id: string;
  areaCode: string;
  name: string;
  gender: 'M' | 'F' | null;
  birthDate: string | null;
  idNumber: string | null;
  phone: string | null;
  houseId: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

describe('人 persons', () => {
  it('a grid worker registers a person; gender and birth date come from the ID number; identifiers are masked', async () => {
    const idNumber = idCard('1988-02-29', 'F');
    const phone = generateMobile(rnd);
    secrets.push(idNumber, phone);
    const r = await call('grid', 'POST', '/api/persons', {
      areaCode: GULOU_GRID,
      name: '陈小红',
      idNumber,
      phone,
      tags: ['独居老人'],
    });
    const p = ok<Person>(r, 201);
    expect(p).toMatchObject({
      areaCode: GULOU_GRID,
      name: '陈小红',
      gender: 'F',
      birthDate: '1988-02-29',
      idNumber: `${idNumber.slice(0, 6)}********${idNumber.slice(14)}`,
      phone: `${phone.slice(0, 3)}****${phone.slice(7)}`,
      houseId: null,
      tags: ['独居老人'],
      version: 1,
    });
    expect(r.body).not.toContain(idNumber);
    expect(r.body).not.toContain(phone);
    expect(ok<Person>(await call('grid', 'GET', `/api/persons/${p.id}`))).toEqual(p);
    // The town centre above sees the same record.
    expect(ok<Person>(await call('town', 'GET', `/api/persons/${p.id}`))).toEqual(p);

    const male = ok<Person>(
      await call('town', 'POST', '/api/persons', {
        areaCode: GULOU_GRID,
        name: '陈大明',
        idNumber: idCard('1951-10-01', 'M'),
      }),
      201,
    );
    expect([male.gender, male.birthDate]).toEqual(['M', '1951-10-01']);
    const none = ok<Person>(
      await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '无证人' }),
      201,
    );
    expect([none.gender, none.birthDate, none.idNumber, none.phone]).toEqual([null, null, null, null]);
  });

  it('an ID number typed with spaces, full-width digits or a lower-case x is stored in canonical form', async () => {
    let idNumber = idCard('1990-07-15', 'M');
    for (let i = 0; !idNumber.endsWith('X') && i < 200; i++) idNumber = idCard('1990-07-15', 'M');
    expect(idNumber.endsWith('X')).toBe(true);
    secrets.push(idNumber);
    const typed = `${idNumber.slice(0, 6)} ${idNumber
      .slice(6, 14)
      .replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))} ${idNumber.slice(14).toLowerCase()}`;
    const p = ok<Person>(
      await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '林一', idNumber: typed }),
      201,
    );
    expect(p.birthDate).toBe('1990-07-15');
    const found = ok<{ person: Person | null }>(
      await call('grid', 'POST', '/api/persons/lookup', { idNumber }),
    );
    expect(found.person?.id).toBe(p.id);
    // The same number in canonical form is a duplicate of it.
    expectCode(
      await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '林二', idNumber }),
      409,
      'CONFLICT',
    );
  });

  it('updates with optimistic concurrency: a stale version → 409 with the current state; the right one → version+1', async () => {
    const idNumber = idCard('1979-03-08', 'F');
    secrets.push(idNumber);
    const p = ok<Person>(
      await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '黄三', idNumber }),
      201,
    );
    const v2 = ok<Person>(
      await call('grid', 'PATCH', `/api/persons/${p.id}`, { version: 1, name: '黄三妹' }),
    );
    expect(v2).toMatchObject({
      id: p.id,
      name: '黄三妹',
      version: 2,
      createdAt: p.createdAt,
      idNumber: p.idNumber,
    });
    expect(Date.parse(v2.updatedAt)).toBeGreaterThanOrEqual(Date.parse(p.updatedAt));

    // Someone else still holding version 1.
    const stale = expectCode(
      await call('town', 'PATCH', `/api/persons/${p.id}`, { version: 1, name: '黄某' }),
      409,
      'CONFLICT',
    );
    const detail = stale.details?.find((d) => d.code === 'STALE_VERSION');
    expect(detail).toBeDefined();
    const current = JSON.parse(detail!.message) as Person;
    expect(current).toMatchObject({ id: p.id, name: '黄三妹', version: 2 });
    // The current state is masked like every other answer.
    expect(detail!.message).not.toContain(idNumber);
    expect(ok<Person>(await call('town', 'GET', `/api/persons/${p.id}`)).name).toBe('黄三妹');

    const phone = generateMobile(rnd);
    secrets.push(phone);
    const v3 = ok<Person>(
      await call('town', 'PATCH', `/api/persons/${p.id}`, { version: 2, phone, tags: ['重点关注'] }),
    );
    expect(v3).toMatchObject({
      name: '黄三妹',
      version: 3,
      tags: ['重点关注'],
      phone: `${phone.slice(0, 3)}****${phone.slice(7)}`,
    });
    // Re-sending one's own ID number is not a duplicate of oneself.
    expect(
      ok<Person>(await call('town', 'PATCH', `/api/persons/${p.id}`, { version: 3, idNumber })).version,
    ).toBe(4);
  });

  it('two concurrent updates from the same version: exactly one wins', async () => {
    const p = ok<Person>(
      await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '并发甲' }),
      201,
    );
    const rs = await Promise.all([
      call('grid', 'PATCH', `/api/persons/${p.id}`, { version: 1, name: '并发乙' }),
      call('town', 'PATCH', `/api/persons/${p.id}`, { version: 1, name: '并发丙' }),
    ]);
    expect(rs.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const winner = rs.find((r) => r.statusCode === 200)!.json() as Person;
    const now = ok<Person>(await call('grid', 'GET', `/api/persons/${p.id}`));
    expect([now.name, now.version]).toEqual([winner.name, 2]);
  });

  it('a corrected ID number re-derives gender and birth date unless they are given', async () => {
    const wrong = idCard('1992-05-05', 'F');
    const right = idCard('1962-11-20', 'M');
    secrets.push(wrong, right);
    const p = ok<Person>(
      await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '何四', idNumber: wrong }),
      201,
    );
    const fixed = ok<Person>(
      await call('grid', 'PATCH', `/api/persons/${p.id}`, { version: 1, idNumber: right }),
    );
    expect([fixed.gender, fixed.birthDate]).toEqual(['M', '1962-11-20']);
  });

  it('a duplicate ID number → 409, on create and on update, and the conflict does not echo the number', async () => {
    const idNumber = idCard('1983-09-09', 'M');
    secrets.push(idNumber);
    ok(await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '许五', idNumber }), 201);
    const dup = await call('town', 'POST', '/api/persons', { areaCode: MOCHI_GRID, name: '许六', idNumber });
    expectCode(dup, 409, 'CONFLICT');
    expect(dup.body).not.toContain(idNumber);
    const other = ok<Person>(
      await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '许七' }),
      201,
    );
    expectCode(
      await call('grid', 'PATCH', `/api/persons/${other.id}`, { version: 1, idNumber }),
      409,
      'CONFLICT',
    );
    expect(ok<Person>(await call('grid', 'GET', `/api/persons/${other.id}`))).toMatchObject({
      idNumber: null,
      version: 1,
    });
  });

  it('lookup by ID number answers within scope only', async () => {
    const idNumber = idCard('1975-01-31', 'F');
    secrets.push(idNumber);
    const p = ok<Person>(
      await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '吕八', idNumber }),
      201,
    );
    const lookup = (who: Who) => call(who, 'POST', '/api/persons/lookup', { idNumber });
    expect(ok<{ person: Person | null }>(await lookup('grid')).person).toMatchObject({
      id: p.id,
      name: '吕八',
    });
    expect(ok<{ person: Person | null }>(await lookup('town')).person?.id).toBe(p.id);
    expect(ok<{ person: Person | null }>(await lookup('mochi')).person).toBeNull();
    const r = await lookup('grid');
    expect(r.body).not.toContain(idNumber);
    const unknown = idCard('1975-02-01', 'F');
    expect(
      ok<{ person: Person | null }>(await call('grid', 'POST', '/api/persons/lookup', { idNumber: unknown }))
        .person,
    ).toBeNull();
  });
});

describe('person lists: filters, sorting, pagination', () => {
  const names = ['Alpha Li', 'Bravo Li', 'Charlie Li', 'Delta Li', 'Echo Li'];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const [i, name] of names.entries()) {
      // Alternating villages, entered out of alphabetical order.
      const areaCode = i % 2 === 0 ? GULOU_GRID : MOCHI_GRID;
      const p = ok<Person>(
        await call('town', 'POST', '/api/persons', { areaCode, name, tags: ['list-test'] }),
        201,
      );
      ids[name] = p.id;
    }
  });

  type Page = { items: Person[]; total: number; page: number; pageSize: number };
  const list = async (who: Who, query: string) =>
    ok<Page>(await call(who, 'GET', `/api/persons?tag=list-test&${query}`));

  it('q matches by name and takes % and _ literally', async () => {
    const page = await list('town', `q=${encodeURIComponent('ha')}`);
    expect(page.items.map((p) => p.name).sort()).toEqual(['Alpha Li', 'Charlie Li']);
    expect(page.total).toBe(2);
    expect((await list('town', `q=${encodeURIComponent('%')}`)).total).toBe(0);
    expect((await list('town', `q=${encodeURIComponent('_')}`)).total).toBe(0);
  });

  it('areaCode narrows to that area and below, for a village and for the town', async () => {
    const gulou = await list('town', `areaCode=${GULOU}&pageSize=50`);
    expect(gulou.items.map((p) => p.name).sort()).toEqual(['Alpha Li', 'Charlie Li', 'Echo Li']);
    const grid = await list('town', `areaCode=${MOCHI_GRID}&pageSize=50`);
    expect(grid.items.map((p) => p.name).sort()).toEqual(['Bravo Li', 'Delta Li']);
    // The town's own code covers both of its villages.
    const town = await list('town', `areaCode=${TOWN}&pageSize=50`);
    expect(town.total).toBe(5);
    // A grid worker filtering by another village sees nothing of it.
    expect((await list('grid', `areaCode=${MOCHI}`)).total).toBe(0);
    expect((await list('grid', '')).items.map((p) => p.name).sort()).toEqual([
      'Alpha Li',
      'Charlie Li',
      'Echo Li',
    ]);
  });

  it('sorts by name both ways and by id', async () => {
    const asc = await list('town', 'sort=name&order=asc&pageSize=50');
    expect(asc.items.map((p) => p.name)).toEqual(names);
    const desc = await list('town', 'sort=name&order=desc&pageSize=50');
    expect(desc.items.map((p) => p.name)).toEqual([...names].reverse());
    const byId = await list('town', 'sort=id&order=desc&pageSize=50');
    const idsDesc = byId.items.map((p) => BigInt(p.id));
    expect(idsDesc).toEqual([...idsDesc].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
  });

  it('the most recently updated comes first with sort=updatedAt&order=desc', async () => {
    const charlie = ok<Person>(await call('town', 'GET', `/api/persons/${ids['Charlie Li']}`));
    ok(
      await call('town', 'PATCH', `/api/persons/${charlie.id}`, {
        version: charlie.version,
        tags: ['list-test', 'moved'],
      }),
    );
    const page = await list('town', 'sort=updatedAt&order=desc&pageSize=1');
    expect(page.items.map((p) => p.name)).toEqual(['Charlie Li']);
  });

  it('pages do not overlap, cover everything, and report the total', async () => {
    const pages = await Promise.all([1, 2, 3].map((n) => list('town', `sort=name&pageSize=2&page=${n}`)));
    expect(pages.map((p) => p.total)).toEqual([5, 5, 5]);
    expect(pages.map((p) => [p.page, p.pageSize])).toEqual([
      [1, 2],
      [2, 2],
      [3, 2],
    ]);
    expect(pages.map((p) => p.items.map((x) => x.name))).toEqual([
      ['Alpha Li', 'Bravo Li'],
      ['Charlie Li', 'Delta Li'],
      ['Echo Li'],
    ]);
    expect((await list('town', 'sort=name&pageSize=2&page=4')).items).toEqual([]);
  });
});

interface House {
  id: string;
  areaCode: string;
  address: string;
  kind: string;
  floors: number | null;
  point: { lng: number; lat: number } | null;
  h3: string | null;
  ownerPersonId: string | null;
  version: number;
  residents?: Person[];
  enterprises?: { id: string; name: string }[];
}

describe('房 houses', () => {
  it('a house given only a point inside 鼓楼社区第1网格 lands in that grid', async () => {
    const h = ok<House>(
      await call('grid', 'POST', '/api/houses', {
        address: '鼓楼社区解放街1号',
        kind: 'residence',
        point: gridCenter,
      }),
      201,
    );
    expect(h).toMatchObject({ areaCode: GULOU_GRID, point: gridCenter, version: 1 });
    expect(h.h3).toMatch(/^[0-9a-f]{15}$/);
  });

  it('a point in the open sea → 400 UNKNOWN_AREA; a point in another village → 403 for a grid worker', async () => {
    expectCode(
      await call('grid', 'POST', '/api/houses', { address: '海上', kind: 'other', point: SEA }),
      400,
      'UNKNOWN_AREA',
    );
    expectCode(
      await call('grid', 'POST', '/api/houses', { address: '墨池社区1号', kind: 'shop', point: mochiCenter }),
      403,
      'AREA_OUT_OF_SCOPE',
    );
    // The town centre may place it there.
    const h = ok<House>(
      await call('town', 'POST', '/api/houses', { address: '墨池社区1号', kind: 'shop', point: mochiCenter }),
      201,
    );
    expect(h.areaCode).toBe(MOCHI_GRID);
  });

  it('house detail lists its residents masked and the enterprises at it', async () => {
    const h = ok<House>(
      await call('grid', 'POST', '/api/houses', {
        areaCode: GULOU_GRID,
        address: '鼓楼社区百里坊8号',
        kind: 'rental',
        floors: 6,
      }),
      201,
    );
    const idNumber = idCard('1995-12-12', 'M');
    const phone = generateMobile(rnd);
    secrets.push(idNumber, phone);
    const resident = ok<Person>(
      await call('grid', 'POST', '/api/persons', {
        areaCode: GULOU_GRID,
        name: '租户甲',
        idNumber,
        phone,
        houseId: h.id,
      }),
      201,
    );
    const uscc = generateUscc(rnd, '330302');
    const ent = ok<{ id: string; name: string }>(
      await call('town', 'POST', '/api/enterprises', {
        areaCode: GULOU_GRID,
        name: '温州百里坊眼镜店',
        uscc,
        houseId: h.id,
      }),
      201,
    );
    const r = await call('grid', 'GET', `/api/houses/${h.id}`);
    const detail = ok<House>(r);
    expect(detail).toMatchObject({ id: h.id, address: '鼓楼社区百里坊8号', floors: 6, kind: 'rental' });
    expect(detail.residents!.map((p) => p.id)).toEqual([resident.id]);
    expect(detail.residents![0]).toMatchObject({
      idNumber: `${idNumber.slice(0, 6)}********${idNumber.slice(14)}`,
      phone: `${phone.slice(0, 3)}****${phone.slice(7)}`,
    });
    expect(detail.enterprises).toEqual([{ id: ent.id, name: '温州百里坊眼镜店' }]);
    expect(r.body).not.toContain(idNumber);
    expect(r.body).not.toContain(phone);
    // The list of persons filters by house too.
    const byHouse = ok<{ items: Person[] }>(await call('grid', 'GET', `/api/persons?houseId=${h.id}`));
    expect(byHouse.items.map((p) => p.id)).toEqual([resident.id]);
  });

  it('updates with optimistic concurrency and moves with a new point', async () => {
    const h = ok<House>(
      await call('town', 'POST', '/api/houses', {
        areaCode: GULOU_GRID,
        address: '鼓楼社区2号',
        kind: 'shop',
      }),
      201,
    );
    const v2 = ok<House>(await call('town', 'PATCH', `/api/houses/${h.id}`, { version: 1, floors: 3 }));
    expect([v2.version, v2.floors]).toEqual([2, 3]);
    const stale = expectCode(
      await call('grid', 'PATCH', `/api/houses/${h.id}`, { version: 1, address: '旧址' }),
      409,
      'CONFLICT',
    );
    expect(JSON.parse(stale.details!.find((d) => d.code === 'STALE_VERSION')!.message)).toMatchObject({
      id: h.id,
      floors: 3,
      version: 2,
    });
    const moved = ok<House>(
      await call('town', 'PATCH', `/api/houses/${h.id}`, { version: 2, point: mochiCenter }),
    );
    expect([moved.areaCode, moved.version]).toEqual([MOCHI_GRID, 3]);
  });

  it('lists filter by kind, address and area, with the total', async () => {
    await call('town', 'POST', '/api/houses', {
      areaCode: MOCHI_GRID,
      address: '筛选路1号',
      kind: 'factory',
    });
    await call('town', 'POST', '/api/houses', {
      areaCode: GULOU_GRID,
      address: '筛选路2号',
      kind: 'factory',
    });
    await call('town', 'POST', '/api/houses', { areaCode: GULOU_GRID, address: '筛选路3号', kind: 'office' });
    const q = encodeURIComponent('筛选路');
    const all = ok<{ items: House[]; total: number }>(
      await call('town', 'GET', `/api/houses?q=${q}&pageSize=50`),
    );
    expect(all.total).toBe(3);
    const factories = ok<{ items: House[]; total: number }>(
      await call('town', 'GET', `/api/houses?q=${q}&kind=factory&sort=address`),
    );
    expect(factories.items.map((h) => h.address)).toEqual(['筛选路1号', '筛选路2号']);
    expect(factories.total).toBe(2);
    const gulouFactories = ok<{ items: House[]; total: number }>(
      await call('grid', 'GET', `/api/houses?q=${q}&kind=factory`),
    );
    expect(gulouFactories.items.map((h) => h.address)).toEqual(['筛选路2号']);
    const inTown = ok<{ total: number }>(await call('town', 'GET', `/api/houses?q=${q}&areaCode=${TOWN}`));
    expect(inTown.total).toBe(3);
  });
});

interface Enterprise {
  id: string;
  areaCode: string;
  name: string;
  uscc: string;
  phone: string | null;
  houseId: string | null;
  version: number;
}

describe('企 enterprises', () => {
  let ent: Enterprise;
  let phone: string;

  it('registers an enterprise with its credit code normalised and its phone masked', async () => {
    const uscc = generateUscc(rnd, '330302');
    phone = generateMobile(rnd);
    secrets.push(phone);
    ent = ok<Enterprise>(
      await call('town', 'POST', '/api/enterprises', {
        areaCode: GULOU_GRID,
        name: '温州鼓楼五金有限公司',
        uscc: ` ${uscc.toLowerCase()} `,
        legalPersonName: '周某',
        phone,
        industry: '制造业',
      }),
      201,
    );
    expect(ent).toMatchObject({
      uscc,
      areaCode: GULOU_GRID,
      phone: `${phone.slice(0, 3)}****${phone.slice(7)}`,
      version: 1,
    });
    expect(ok<Enterprise>(await call('grid', 'GET', `/api/enterprises/${ent.id}`))).toEqual(ent);
    const byUscc = ok<{ items: Enterprise[] }>(
      await call('grid', 'GET', `/api/enterprises?q=${uscc.toLowerCase()}`),
    );
    expect(byUscc.items.map((e) => e.id)).toEqual([ent.id]);
  });

  it('a duplicate credit code → 409, however it is typed', async () => {
    const r = await call('grid', 'POST', '/api/enterprises', {
      areaCode: GULOU_GRID,
      name: '另一家公司',
      uscc: ent.uscc.toLowerCase(),
    });
    expectCode(r, 409, 'CONFLICT');
    const other = ok<Enterprise>(
      await call('town', 'POST', '/api/enterprises', {
        areaCode: MOCHI_GRID,
        name: '墨池公司',
        uscc: generateUscc(rnd, '330302'),
      }),
      201,
    );
    expectCode(
      await call('town', 'PATCH', `/api/enterprises/${other.id}`, { version: 1, uscc: ent.uscc }),
      409,
      'CONFLICT',
    );
  });

  it('the same credit code sent concurrently is registered once; the others get 409, not 500', async () => {
    // Opens pooled connections first (PostgreSQL), so that the requests below really overlap.
    await Promise.all(Array.from({ length: 5 }, () => t.app.inject({ method: 'GET', url: '/healthz' })));
    for (let round = 0; round < 3; round++) {
      const uscc = generateUscc(rnd, '330302');
      const rs = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          call('town', 'POST', '/api/enterprises', { areaCode: GULOU_GRID, name: `并发公司${i}`, uscc }),
        ),
      );
      expect(rs.map((r) => `${r.statusCode} ${r.json().code ?? ''}`).sort()).toEqual([
        '201 ',
        '409 CONFLICT',
        '409 CONFLICT',
        '409 CONFLICT',
        '409 CONFLICT',
      ]);
    }
  });

  it('updates with optimistic concurrency', async () => {
    const v2 = ok<Enterprise>(
      await call('grid', 'PATCH', `/api/enterprises/${ent.id}`, { version: 1, industry: '批发和零售业' }),
    );
    expect(v2.version).toBe(2);
    const stale = expectCode(
      await call('town', 'PATCH', `/api/enterprises/${ent.id}`, { version: 1, name: '改名' }),
      409,
      'CONFLICT',
    );
    expect(JSON.parse(stale.details!.find((d) => d.code === 'STALE_VERSION')!.message)).toMatchObject({
      version: 2,
      name: '温州鼓楼五金有限公司',
    });
    ent = ok<Enterprise>(
      await call('town', 'PATCH', `/api/enterprises/${ent.id}`, {
        version: 2,
        name: '温州鼓楼五金股份有限公司',
      }),
    );
    expect(ent.version).toBe(3);
  });

  it('revealing the phone needs a reason and is audited with it', async () => {
    expect((await call('grid', 'POST', `/api/enterprises/${ent.id}/reveal`, {})).statusCode).toBe(400);
    const r = ok<{ phone: string }>(
      await call('grid', 'POST', `/api/enterprises/${ent.id}/reveal`, { reason: '安全生产检查联系负责人' }),
    );
    expect(r.phone).toBe(phone);
    // Another village's grid worker cannot reveal it: for them it does not exist.
    expectCode(
      await call('mochi', 'POST', `/api/enterprises/${ent.id}/reveal`, { reason: '安全生产检查' }),
      404,
      'NOT_FOUND',
    );
    const reveals = (await auditOf('enterprise', ent.id)).filter((e) => e.action === 'enterprise.reveal');
    expect(reveals).toHaveLength(1);
    expect(reveals[0]).toMatchObject({
      actorName: 'grid_gl',
      reason: '安全生产检查联系负责人',
      areaCode: GULOU_GRID,
      newValues: { fields: ['phone'] },
    });
  });
});

interface Thing {
  id: string;
  areaCode: string;
  kind: string;
  name: string;
  identifier: string | null;
  attributes: Record<string, unknown>;
  point: { lng: number; lat: number } | null;
  version: number;
}

describe('物 things', () => {
  it('create, read, update; a point places it; attributes round-trip', async () => {
    const cam = ok<Thing>(
      await call('grid', 'POST', '/api/things', {
        kind: 'camera',
        name: '鼓楼社区东门摄像头',
        identifier: 'CAM-GL-001',
        attributes: { resolution: '4K', ptz: true, heightM: 6.5, vendor: null },
        point: gridCenter,
      }),
      201,
    );
    expect(cam).toMatchObject({
      areaCode: GULOU_GRID,
      kind: 'camera',
      identifier: 'CAM-GL-001',
      attributes: { resolution: '4K', ptz: true, heightM: 6.5, vendor: null },
      version: 1,
    });
    expect(ok<Thing>(await call('town', 'GET', `/api/things/${cam.id}`))).toEqual(cam);
    const v2 = ok<Thing>(
      await call('town', 'PATCH', `/api/things/${cam.id}`, {
        version: 1,
        attributes: { resolution: '1080p' },
      }),
    );
    expect([v2.version, v2.attributes]).toEqual([2, { resolution: '1080p' }]);
    expectCode(
      await call('grid', 'PATCH', `/api/things/${cam.id}`, { version: 1, name: 'x' }),
      409,
      'CONFLICT',
    );
  });

  it('an identifier is unique within its kind only', async () => {
    expectCode(
      await call('grid', 'POST', '/api/things', {
        areaCode: GULOU_GRID,
        kind: 'camera',
        name: '重复',
        identifier: 'CAM-GL-001',
      }),
      409,
      'CONFLICT',
    );
    ok(
      await call('grid', 'POST', '/api/things', {
        areaCode: GULOU_GRID,
        kind: 'hydrant',
        name: '消火栓',
        identifier: 'CAM-GL-001',
      }),
      201,
    );
  });

  it('lists filter by kind and by name or exact identifier', async () => {
    await call('town', 'POST', '/api/things', {
      areaCode: MOCHI_GRID,
      kind: 'vessel',
      name: '浙瓯渔1号',
      identifier: 'ZOY-1',
    });
    await call('town', 'POST', '/api/things', {
      areaCode: MOCHI_GRID,
      kind: 'vessel',
      name: '浙瓯渔2号',
      identifier: 'ZOY-2',
    });
    const vessels = ok<{ items: Thing[]; total: number }>(
      await call('town', 'GET', '/api/things?kind=vessel&sort=name'),
    );
    expect(vessels.items.map((x) => x.name)).toEqual(['浙瓯渔1号', '浙瓯渔2号']);
    expect(vessels.total).toBe(2);
    expect(
      ok<{ items: Thing[] }>(await call('town', 'GET', '/api/things?q=ZOY-2')).items.map((x) => x.name),
    ).toEqual(['浙瓯渔2号']);
    // Outside the grid worker's village.
    expect(ok<{ total: number }>(await call('grid', 'GET', '/api/things?kind=vessel')).total).toBe(0);
  });
});

describe('the audit trail of subject writes', () => {
  it('every create and update is logged with old and new values', async () => {
    const p = ok<Person>(
      await call('grid', 'POST', '/api/persons', { areaCode: GULOU_GRID, name: '审计甲' }),
      201,
    );
    ok(await call('grid', 'PATCH', `/api/persons/${p.id}`, { version: 1, name: '审计乙' }));
    const log = await auditOf('person', p.id);
    expect(log.map((e) => e.action)).toEqual(['person.create', 'person.update']);
    expect(log[0]).toMatchObject({ actorName: 'grid_gl', areaCode: GULOU_GRID, oldValues: null });
    expect(log[0]!.newValues).toMatchObject({ name: '审计甲', version: 1 });
    expect(log[1]!.oldValues).toMatchObject({ name: '审计甲', version: 1 });
    expect(log[1]!.newValues).toMatchObject({ name: '审计乙', version: 2 });

    const h = ok<House>(
      await call('town', 'POST', '/api/houses', {
        areaCode: GULOU_GRID,
        address: '审计路1号',
        kind: 'office',
      }),
      201,
    );
    ok(await call('town', 'PATCH', `/api/houses/${h.id}`, { version: 1, address: '审计路2号' }));
    const hl = await auditOf('house', h.id);
    expect(hl.map((e) => e.action)).toEqual(['house.create', 'house.update']);
    expect([hl[1]!.oldValues?.address, hl[1]!.newValues?.address]).toEqual(['审计路1号', '审计路2号']);

    const th = ok<Thing>(
      await call('town', 'POST', '/api/things', { areaCode: GULOU_GRID, kind: 'facility', name: '审计设施' }),
      201,
    );
    ok(await call('town', 'PATCH', `/api/things/${th.id}`, { version: 1, name: '审计设施二' }));
    const tl = await auditOf('thing', th.id);
    expect(tl.map((e) => e.action)).toEqual(['thing.create', 'thing.update']);
    expect([tl[1]!.oldValues?.name, tl[1]!.newValues?.name]).toEqual(['审计设施', '审计设施二']);

    const e = ok<Enterprise>(
      await call('town', 'POST', '/api/enterprises', {
        areaCode: GULOU_GRID,
        name: '审计公司',
        uscc: generateUscc(rnd, '330302'),
      }),
      201,
    );
    ok(await call('town', 'PATCH', `/api/enterprises/${e.id}`, { version: 1, name: '审计公司二' }));
    const el = await auditOf('enterprise', e.id);
    expect(el.map((x) => x.action)).toEqual(['enterprise.create', 'enterprise.update']);
    expect([el[1]!.oldValues?.name, el[1]!.newValues?.name]).toEqual(['审计公司', '审计公司二']);
  });

  it('an update that changes identifiers logs them masked', async () => {
    const oldId = idCard('1960-01-01', 'M');
    const newId = idCard('1961-01-01', 'M');
    const oldPhone = generateMobile(rnd);
    const newPhone = generateMobile(rnd);
    secrets.push(oldId, newId, oldPhone, newPhone);
    const p = ok<Person>(
      await call('grid', 'POST', '/api/persons', {
        areaCode: GULOU_GRID,
        name: '改号',
        idNumber: oldId,
        phone: oldPhone,
      }),
      201,
    );
    ok(await call('grid', 'PATCH', `/api/persons/${p.id}`, { version: 1, idNumber: newId, phone: newPhone }));
    const [, update] = await auditOf('person', p.id);
    expect(update!.oldValues).toMatchObject({
      idNumber: `${oldId.slice(0, 6)}********${oldId.slice(14)}`,
      phone: `${oldPhone.slice(0, 3)}****${oldPhone.slice(7)}`,
    });
    expect(update!.newValues).toMatchObject({
      idNumber: `${newId.slice(0, 6)}********${newId.slice(14)}`,
      phone: `${newPhone.slice(0, 3)}****${newPhone.slice(7)}`,
    });
  });

  it('no plain ID number or phone appears anywhere in the trail, nor in the stored audit rows', async () => {
    expect(secrets.length).toBeGreaterThan(10);
    const pages: unknown[] = [];
    for (let page = 1; ; page++) {
      const r = ok<{ items: unknown[]; total: number }>(
        await call('auditor', 'GET', `/api/audit?pageSize=200&page=${page}`),
      );
      pages.push(...r.items);
      if (page * 200 >= r.total) break;
    }
    expect(pages.length).toBeGreaterThan(30);
    const viaApi = JSON.stringify(pages);
    const rows = JSON.stringify(await t.kernel.db.selectFrom('audit_log').selectAll().execute());
    for (const s of secrets) {
      expect(viaApi).not.toContain(s);
      expect(rows).not.toContain(s);
    }
    expect(ok<{ ok: boolean }>(await call('auditor', 'GET', '/api/audit/verify')).ok).toBe(true);
  });
});

import { gunzipSync } from 'node:zlib';
import { cellToLatLng, cellToParent, latLngToCell } from 'h3-js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../core/access/actor.ts';
import { generateUscc } from '../../core/subjects/codes.ts';
import { createEnterprise } from '../../core/subjects/enterprises.service.ts';
import { createHouse } from '../../core/subjects/houses.service.ts';
import { createPerson } from '../../core/subjects/persons.service.ts';
import { createThing } from '../../core/subjects/things.service.ts';
import { createTestContext, seeded, type TestContext, testEngine } from '../../testing/harness.ts';
import mapModule from './index.ts';
import { mapCacheOf } from './map.routes.ts';
import { foldMatterCells } from './map.service.ts';

/**
 * The map API through HTTP on a real database: hexagon counts equal direct counts (and h3-js's own parent
 * grouping), points under the cap and cells above it, scope, bad input, the cache and its invalidation,
 * GCJ-02, boundaries, and the click panels (residents masked, the click audited).
 */
const CITY = '330300000000';
const LUCHENG = '330302000000';
const WUMA = '330302006000'; // 五马街道
const QIDU = '330302023000'; // 七都街道
const STATES = ['reported', 'accepted', 'dispatched', 'handling', 'feedback', 'closed', 'rejected'];
const CLOSED = new Set(['closed', 'rejected']);
const DEADLINES = ['normal', 'warning', 'overdue'] as const;
const LEVELS = ['red', 'orange', 'yellow'] as const;

let t: TestContext;
const c: Record<string, string> = {};
let villages: { code: string; town: string; lng: number; lat: number }[] = [];
/** A view holding every planted matter (the two towns' villages, with a margin). */
let VIEW = '';
let houseId: string;
let enterpriseId: string;
let gridCode: string;

interface Placed {
  id: string;
  type: string;
  status: string;
  closed: boolean;
  deadline: string;
  level: string | null;
  area: string;
  lng: number;
  lat: number;
  h3: string;
  createdAt: Date;
}
let placed: Placed[] = [];

function get(who: string, url: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url, headers: { cookie: c[who]!, ...headers } });
}

async function json<T = Record<string, unknown>>(who: string, url: string): Promise<T> {
  const res = await get(who, url);
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

interface Cell {
  cell: string;
  lng: number;
  lat: number;
  total: number;
  open: number;
  overdue: number;
  byStatus: Record<string, number>;
  byLevel?: Record<string, number>;
}
interface CellsAnswer {
  mode: 'cells';
  resolution: number;
  cells: Cell[];
  total: number;
  cachedAt: string | null;
}
interface PointsAnswer {
  mode: 'points';
  points: { id: string; lng: number; lat: number; level?: string; closed: boolean }[];
  total: number;
  truncated: boolean;
  cachedAt: string | null;
}

/** Generated matters around real villages of two towns, inserted in bulk (the map reads what is stored). */
async function plantMatters(n: number) {
  const rnd = seeded(7);
  const now = Date.now();
  const rows = Array.from({ length: n }, (_, i) => {
    const v = villages[Math.floor(rnd() * villages.length)]!;
    const lng = v.lng + (rnd() - 0.5) * 0.02;
    const lat = v.lat + (rnd() - 0.5) * 0.02;
    const alert = rnd() < 0.1;
    const status = alert ? (rnd() < 0.7 ? 'raised' : 'closed') : STATES[Math.floor(rnd() * STATES.length)]!;
    const closed = alert ? status === 'closed' : CLOSED.has(status);
    const level = alert ? LEVELS[Math.floor(rnd() * 3)]! : null;
    return {
      number: `T-MAP-${i}`,
      type: alert ? 'alert' : 'event',
      title: alert ? '测试预警' : '测试事件',
      status,
      closed,
      area_code: v.code,
      lng,
      lat,
      h3: latLngToCell(lat, lng, 9),
      deadline_state: DEADLINES[Math.floor(rnd() * 3)]!,
      payload: JSON.stringify(level ? { level } : {}),
      created_at: new Date(now - Math.floor(rnd() * 200) * 86_400_000 - 3_600_000),
    };
  });
  for (let i = 0; i < rows.length; i += 500) {
    await t.kernel.db
      .insertInto('matters')
      .values(rows.slice(i, i + 500))
      .execute();
  }
  await loadPlaced();
}

/** The placed matters as stored now (the map reads what is stored). */
async function loadPlaced() {
  const r = await sql<{
    id: string;
    type: string;
    status: string;
    closed: boolean;
    deadline_state: string;
    level: string | null;
    area_code: string;
    lng: number;
    lat: number;
    h3: string;
    created_at: Date;
  }>`select id::text as id, type, status, closed, deadline_state, payload->>'level' as level, area_code, lng, lat, h3, created_at
     from matters where h3 is not null`.execute(t.kernel.db);
  placed = r.rows.map((x) => ({
    id: x.id,
    type: x.type,
    status: x.status,
    closed: x.closed,
    deadline: x.deadline_state,
    level: x.level,
    area: x.area_code,
    lng: x.lng,
    lat: x.lat,
    h3: x.h3,
    createdAt: x.created_at,
  }));
}

/** The direct count: placed matters grouped by h3-js's own cellToParent. */
function directCells(rows: Placed[], res: number) {
  const m = new Map<
    string,
    { total: number; open: number; overdue: number; byStatus: Record<string, number> }
  >();
  for (const r of rows) {
    const cell = cellToParent(r.h3, res);
    const x = m.get(cell) ?? { total: 0, open: 0, overdue: 0, byStatus: {} };
    x.total++;
    if (!r.closed) x.open++;
    if (!r.closed && r.deadline === 'overdue') x.overdue++;
    x.byStatus[r.status] = (x.byStatus[r.status] ?? 0) + 1;
    m.set(cell, x);
  }
  return m;
}

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['city', { username: 'm_city', role: 'commander', areaCode: CITY }],
    ['county', { username: 'm_county', role: 'county_center', areaCode: LUCHENG, departmentCode: 'zongzhi' }],
    ['wuma', { username: 'm_wuma', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['qidu', { username: 'm_qidu', role: 'town_center', areaCode: QIDU, departmentCode: 'zongzhi' }],
    ['auditor', { username: 'm_auditor', role: 'auditor', areaCode: CITY }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
  const v = await sql<{ code: string; town: string; lng: number; lat: number }>`
    select code, parent_code as town, center_lng as lng, center_lat as lat from areas
    where level = 4 and parent_code in (${WUMA}, ${QIDU}) and center_lng is not null
    order by code`.execute(t.kernel.db);
  // Three villages of each town.
  villages = [
    ...v.rows.filter((r) => r.town === WUMA).slice(0, 3),
    ...v.rows.filter((r) => r.town === QIDU).slice(0, 3),
  ];
  const lngs = villages.map((x) => x.lng);
  const lats = villages.map((x) => x.lat);
  VIEW = [
    Math.min(...lngs) - 0.05,
    Math.min(...lats) - 0.05,
    Math.max(...lngs) + 0.05,
    Math.max(...lats) + 0.05,
  ]
    .map((x) => x.toFixed(4))
    .join(',');
  await plantMatters(1500);

  // A grid with its worker, a house with residents, an enterprise at it, a camera.
  const wumaVillage = villages[0]!;
  const grid = await t.kernel.db
    .selectFrom('areas')
    .select(['code'])
    .where('parent_code', '=', wumaVillage.code)
    .orderBy('code')
    .executeTakeFirstOrThrow();
  gridCode = grid.code;
  c.worker = await t.userSession({ username: 'm_worker', role: 'grid_worker', areaCode: gridCode });
  const sys = systemActor('test');
  await t.kernel.db.transaction().execute(async (tx) => {
    const house = await createHouse(tx, sys, {
      areaCode: wumaVillage.code,
      address: '五马街道测试路1号',
      kind: 'residence',
      floors: 6,
      point: { lng: wumaVillage.lng, lat: wumaVillage.lat },
    });
    houseId = house.id;
    for (const [name, gender, birthDate] of [
      ['张伟明', 'M', '1980-05-01'],
      ['李芳', 'F', '1992-11-30'],
    ] as const) {
      await createPerson(tx, t.kernel.vault, sys, {
        areaCode: wumaVillage.code,
        name,
        gender,
        birthDate,
        houseId,
      });
    }
    const e = await createEnterprise(tx, t.kernel.vault, sys, {
      areaCode: wumaVillage.code,
      name: '温州测试鞋业有限公司',
      uscc: generateUscc(seeded(3), '330302'),
      phone: '13812345678',
      industry: '制造业',
      houseId,
      point: { lng: wumaVillage.lng, lat: wumaVillage.lat },
    });
    enterpriseId = e.id;
    await createThing(tx, sys, {
      areaCode: wumaVillage.code,
      kind: 'camera',
      name: '测试路口摄像头',
      identifier: 'CAM-T-1',
      attributes: { heading: 90, fov: 60, streamUrl: 'https://video.example.invalid/t.m3u8', password: 'x' },
      point: { lng: wumaVillage.lng + 0.0002, lat: wumaVillage.lat },
    });
  });
});
afterAll(() => t.close());

describe(`hexagons (${testEngine()})`, () => {
  it('count what a direct count counts, at every resolution, rolled up as h3-js groups them', async () => {
    const mine = placed.filter((p) => p.type !== 'alert');
    for (const [zoom, res] of [
      [8, 5],
      [10, 6],
      [12, 7],
      [13, 8],
    ] as const) {
      const a = await json<CellsAnswer>('city', `/api/map/aggregate?layer=matters&bbox=${VIEW}&zoom=${zoom}`);
      expect(a.mode).toBe('cells');
      expect(a.resolution).toBe(res);
      const direct = directCells(mine, res);
      expect(a.cells.length).toBeGreaterThan(0);
      for (const cell of a.cells) {
        const d = direct.get(cell.cell);
        expect(d, `${cell.cell} at res ${res}`).toBeDefined();
        expect({
          total: cell.total,
          open: cell.open,
          overdue: cell.overdue,
          byStatus: cell.byStatus,
        }).toEqual(d);
        const [lat, lng] = cellToLatLng(cell.cell);
        expect(cell.lng).toBeCloseTo(lng, 5);
        expect(cell.lat).toBeCloseTo(lat, 5);
      }
      // Every matter lies in the view: the hexagons hold them all.
      expect(a.total).toBe(mine.length);
      expect(a.cells.reduce((s, x) => s + x.total, 0)).toBe(a.total);
    }
  });

  it('apply the filters: types, states, open, deadline, time; alerts by level', async () => {
    const from = new Date(Date.now() - 60 * 86_400_000).toISOString();
    const q = `layer=matters&bbox=${VIEW}&zoom=10&statuses=handling,reported&open=true&deadline=overdue,warning&from=${encodeURIComponent(from)}&types=event`;
    const a = await json<CellsAnswer>('city', `/api/map/aggregate?${q}`);
    const expected = placed.filter(
      (p) =>
        p.type === 'event' &&
        ['handling', 'reported'].includes(p.status) &&
        !p.closed &&
        ['overdue', 'warning'].includes(p.deadline) &&
        p.createdAt >= new Date(from),
    );
    expect(a.total).toBe(expected.length);
    expect(a.total).toBeGreaterThan(0);

    const alerts = await json<CellsAnswer>(
      'city',
      `/api/map/aggregate?layer=alerts&bbox=${VIEW}&zoom=9&levels=red,orange`,
    );
    const redOrange = placed.filter((p) => p.type === 'alert' && (p.level === 'red' || p.level === 'orange'));
    expect(alerts.total).toBe(redOrange.length);
    const byLevel = alerts.cells.reduce(
      (s, x) => ({
        red: s.red + x.byLevel!.red!,
        orange: s.orange + x.byLevel!.orange!,
        yellow: s.yellow + x.byLevel!.yellow!,
      }),
      { red: 0, orange: 0, yellow: 0 },
    );
    expect(byLevel).toEqual({
      red: redOrange.filter((p) => p.level === 'red').length,
      orange: redOrange.filter((p) => p.level === 'orange').length,
      yellow: 0,
    });
  });

  it('keep to the scope: a town user’s city-wide view holds only the town’s matters', async () => {
    const cityBox = '119.6,27.0,121.3,28.6';
    for (const [who, town] of [
      ['wuma', WUMA],
      ['qidu', QIDU],
    ] as const) {
      const a = await json<CellsAnswer>(who, `/api/map/aggregate?layer=matters&bbox=${cityBox}&zoom=8`);
      const mine = placed.filter((p) => p.type !== 'alert' && p.area.startsWith(town.slice(0, 9)));
      expect(a.total).toBe(mine.length);
      const direct = directCells(mine, 5);
      for (const cell of a.cells) expect(cell.total).toBe(direct.get(cell.cell)?.total);
    }
    const all = await json<CellsAnswer>('city', `/api/map/aggregate?layer=matters&bbox=${cityBox}&zoom=8`);
    const wuma = await json<CellsAnswer>('wuma', `/api/map/aggregate?layer=matters&bbox=${cityBox}&zoom=8`);
    expect(wuma.total).toBeLessThan(all.total);
    // Features keep to the scope too: 七都 sees no house of 五马.
    const houses = await json<PointsAnswer>('qidu', `/api/map/features?layer=houses&bbox=${VIEW}&zoom=16`);
    expect(houses.total).toBe(0);
  });
});

describe('points', () => {
  const v = () => villages[0]!;
  const box = () => `${v().lng - 0.012},${v().lat - 0.012},${v().lng + 0.012},${v().lat + 0.012}`;

  it('come when zoomed in and under the cap, exactly the matters in the view', async () => {
    const a = await json<PointsAnswer>('city', `/api/map/aggregate?layer=matters&bbox=${box()}&zoom=15`);
    expect(a.mode).toBe('points');
    const [minLng, minLat, maxLng, maxLat] = box().split(',').map(Number) as [number, number, number, number];
    // The view is snapped outward to a quarter tile: every matter of the asked box is in, and only a few more.
    const inBox = placed.filter(
      (p) => p.type !== 'alert' && p.lng >= minLng && p.lng <= maxLng && p.lat >= minLat && p.lat <= maxLat,
    );
    const ids = new Set(a.points.map((p) => p.id));
    for (const p of inBox) expect(ids.has(p.id)).toBe(true);
    expect(a.total).toBe(a.points.length);
    expect(a.truncated).toBe(false);
    const alerts = await json<PointsAnswer>('city', `/api/map/aggregate?layer=alerts&bbox=${box()}&zoom=15`);
    expect(alerts.points.every((p) => LEVELS.includes(p.level as (typeof LEVELS)[number]))).toBe(true);
  });

  it('turn into res-9 hexagons above the cap, and are cut at the cap from zoom 18', async () => {
    const before = t.kernel.config.map.maxPoints;
    t.kernel.config.map.maxPoints = 10;
    try {
      const a = await json<CellsAnswer>('city', `/api/map/aggregate?layer=matters&bbox=${box()}&zoom=15`);
      expect(a.mode).toBe('cells');
      expect(a.resolution).toBe(9);
      const z18 = await json<PointsAnswer>('city', `/api/map/aggregate?layer=matters&bbox=${box()}&zoom=18`);
      expect(z18).toMatchObject({ mode: 'points', truncated: true });
      expect(z18.points).toHaveLength(10);
    } finally {
      t.kernel.config.map.maxPoints = before;
    }
  });
});

describe('bad input', () => {
  const cases: [string, string, string][] = [
    ['inverted bbox', `layer=matters&bbox=120.7,27.9,120.5,28.1&zoom=10`, 'INVALID_BBOX'],
    ['non-numeric bbox', `layer=matters&bbox=a,b,c,d&zoom=10`, 'INVALID_BBOX'],
    ['three numbers', `layer=matters&bbox=120,27,121&zoom=10`, 'INVALID_BBOX'],
    ['enormous bbox', `layer=matters&bbox=90,10,125,40&zoom=5`, 'BBOX_TOO_LARGE'],
    ['outside China', `layer=matters&bbox=-10,40,0,50&zoom=5`, 'BBOX_OUTSIDE_CHINA'],
    ['unknown layer', `layer=people&bbox=@VIEW&zoom=10`, 'UNKNOWN_LAYER'],
    ['a feature layer on the aggregate', `layer=houses&bbox=@VIEW&zoom=10`, 'UNKNOWN_LAYER'],
    ['zoom out of range', `layer=matters&bbox=@VIEW&zoom=21`, 'VALIDATION_FAILED'],
    ['negative zoom', `layer=matters&bbox=@VIEW&zoom=-1`, 'VALIDATION_FAILED'],
    [
      'too many types',
      `layer=matters&bbox=@VIEW&zoom=10&types=${Array.from({ length: 21 }, (_, i) => `t${i}x`).join(',')}`,
      'VALIDATION_FAILED',
    ],
    ['an unknown type', `layer=matters&bbox=@VIEW&zoom=10&types=nonsense`, 'VALIDATION_FAILED'],
    ['an unknown level', `layer=alerts&bbox=@VIEW&zoom=10&levels=purple`, 'VALIDATION_FAILED'],
    [
      'from after to',
      `layer=matters&bbox=@VIEW&zoom=10&from=2026-06-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
      'INVALID_TIME_RANGE',
    ],
    [
      'over ten years',
      `layer=matters&bbox=@VIEW&zoom=10&from=2010-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
      'INVALID_TIME_RANGE',
    ],
  ];
  for (const [what, q, code] of cases) {
    it(`${what} → ${code}`, async () => {
      const res = await get('city', `/api/map/aggregate?${q.replace('@VIEW', VIEW)}`);
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.code, JSON.stringify(body)).toBe(code);
      expect(body.message).toMatch(/[\u4e00-\u9fff].* \/ [A-Za-z]/);
    });
  }

  it('refuses the map to those who may not read matters, and unauthenticated callers', async () => {
    expect((await get('auditor', `/api/map/aggregate?layer=matters&bbox=${VIEW}&zoom=10`)).statusCode).toBe(
      403,
    );
    const anon = await t.app.inject({
      method: 'GET',
      url: `/api/map/aggregate?layer=matters&bbox=${VIEW}&zoom=10`,
    });
    expect(anon.statusCode).toBe(401);
  });
});

describe('cache', () => {
  it('answers again from the cache, and counts a new matter once it is reported', async () => {
    const v = villages[1]!;
    const url = `/api/map/aggregate?layer=matters&bbox=${VIEW}&zoom=11`;
    const first = await json<CellsAnswer>('wuma', url);
    const second = await json<CellsAnswer>('wuma', url);
    expect(second.cachedAt).not.toBeNull();
    expect(second.total).toBe(first.total);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/matters',
      headers: { cookie: c.wuma! },
      payload: { type: 'event', title: '地图缓存测试', areaCode: v.code, point: { lng: v.lng, lat: v.lat } },
    });
    expect(res.statusCode).toBe(201);
    let after = second;
    const deadline = Date.now() + 5000;
    while (after.total === first.total && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await json<CellsAnswer>('wuma', url);
    }
    expect(after.total).toBe(first.total + 1);
    expect(after.cachedAt).toBeNull();
  });

  it('is bounded and cleared on demand (the benchmark clears it between cold requests)', () => {
    const cache = mapCacheOf(t.kernel)!;
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThanOrEqual(500);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});

describe('GCJ-02', () => {
  it('moves every returned coordinate by the expected few hundred metres, and reads a GCJ-02 box', async () => {
    const w = await json<CellsAnswer>('city', `/api/map/aggregate?layer=matters&bbox=${VIEW}&zoom=10`);
    const g = await json<CellsAnswer>(
      'city',
      `/api/map/aggregate?layer=matters&bbox=${VIEW}&zoom=10&crs=gcj02`,
    );
    const byCell = new Map(g.cells.map((x) => [x.cell, x]));
    let compared = 0;
    for (const a of w.cells) {
      const b = byCell.get(a.cell);
      if (!b) continue;
      const dx = (b.lng - a.lng) * 111_320 * Math.cos((a.lat * Math.PI) / 180);
      const dy = (b.lat - a.lat) * 110_574;
      const d = Math.hypot(dx, dy);
      expect(d).toBeGreaterThan(300);
      expect(d).toBeLessThan(800);
      expect(dx).toBeGreaterThan(0); // GCJ-02 lies east and south of WGS-84 around Wenzhou
      expect((b as Cell & { boundary?: unknown[] }).boundary).toHaveLength(7);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
    expect(g.total).toBe(w.total);
  });
});

describe('gzip', () => {
  it('compresses large answers for clients that accept it', async () => {
    const res = await get('city', `/api/map/aggregate?layer=matters&bbox=${VIEW}&zoom=13`, {
      'accept-encoding': 'gzip',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    const body = JSON.parse(gunzipSync(res.rawPayload).toString('utf8'));
    expect(body.mode).toBe('cells');
  });
});

describe('features', () => {
  it('houses count their residents (never list them); things hide credentials', async () => {
    const v = villages[0]!;
    const box = `${v.lng - 0.005},${v.lat - 0.005},${v.lng + 0.005},${v.lat + 0.005}`;
    const houses = await json<{ points: Record<string, unknown>[] }>(
      'wuma',
      `/api/map/features?layer=houses&bbox=${box}&zoom=16`,
    );
    expect(houses.points).toEqual([
      expect.objectContaining({ id: houseId, address: '五马街道测试路1号', kind: 'residence', residents: 2 }),
    ]);
    expect(JSON.stringify(houses)).not.toContain('张');
    const things = await json<{ points: { attributes: Record<string, unknown> }[] }>(
      'wuma',
      `/api/map/features?layer=things&bbox=${box}&zoom=16&kinds=camera`,
    );
    expect(things.points[0]!.attributes).toEqual({
      heading: 90,
      fov: 60,
      streamUrl: 'https://video.example.invalid/t.m3u8',
    });
    const cells = await json<CellsAnswer>('city', `/api/map/features?layer=enterprises&bbox=${VIEW}&zoom=9`);
    expect(cells).toMatchObject({ mode: 'cells', resolution: 6, total: 1 });
  });
});

describe('boundaries', () => {
  it('refuses grids for a large view, naming the zoom to use', async () => {
    const res = await get('city', `/api/map/boundaries?level=5&bbox=${'119.6,27.0,121.3,28.6'}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BBOX_TOO_LARGE' });
    expect(res.json().message).toMatch(/12/);
  });

  it('gives grids with their team, and a town user only their town and what is above it', async () => {
    const v = villages[0]!;
    const box = `${v.lng - 0.05},${v.lat - 0.05},${v.lng + 0.05},${v.lat + 0.05}`;
    const g = await json<{ features: { properties: { code: string; team?: { name: string }[] } }[] }>(
      'wuma',
      `/api/map/boundaries?level=5&bbox=${box}`,
    );
    const mine = g.features.find((f) => f.properties.code === gridCode);
    expect(mine?.properties.team).toEqual([
      { name: 'm_worker', role: 'grid_worker', roleName: { zh: '网格员', en: 'Grid worker' } },
    ]);
    expect(g.features.every((f) => f.properties.code.startsWith('330302006'))).toBe(true);
    const towns = await json<{ features: { properties: { code: string } }[] }>(
      'wuma',
      `/api/map/boundaries?level=3&bbox=${VIEW}`,
    );
    expect(towns.features.map((f) => f.properties.code)).toEqual([WUMA]);
    const counties = await json<{ features: { properties: { code: string } }[] }>(
      'wuma',
      `/api/map/boundaries?level=2&bbox=${VIEW}`,
    );
    expect(counties.features.map((f) => f.properties.code)).toEqual([LUCHENG]);
  });
});

describe('click to know', () => {
  it('a house: residents masked and counted, the click audited; matters at it', async () => {
    const v = villages[0]!;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/matters',
      headers: { cookie: c.wuma! },
      payload: {
        type: 'event',
        title: '房屋漏水',
        areaCode: v.code,
        point: { lng: v.lng + 0.0001, lat: v.lat },
        parties: [{ role: '当事人', subjectType: 'house', subjectId: houseId }],
      },
    });
    expect(res.statusCode).toBe(201);
    const h = await json<{
      residents: { count: number; list: { name: string; gender: string; age: number }[] };
      enterprises: { id: string }[];
      matters: { title: string; link: string }[];
    }>('wuma', `/api/map/houses/${houseId}`);
    expect(h.residents.count).toBe(2);
    expect(h.residents.list.map((p) => p.name)).toEqual(['张**', '李*']);
    expect(h.residents.list[0]!.age).toBeGreaterThan(40);
    expect(h.enterprises.map((e) => e.id)).toEqual([enterpriseId]);
    expect(h.matters.find((m) => m.title === '房屋漏水')?.link).toBe('party');
    const entry = await t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'new_values'])
      .where('action', '=', 'map.house.view')
      .where('entity_id', '=', houseId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(entry.new_values)).not.toContain('张');
    expect((await get('qidu', `/api/map/houses/${houseId}`)).statusCode).toBe(404);
  });

  it('an enterprise: its phone masked', async () => {
    const e = await json<{ enterprise: { phone: string } }>('wuma', `/api/map/enterprises/${enterpriseId}`);
    expect(e.enterprise.phone).toBe('138****5678');
  });

  it('an area: its KPIs equal direct counts; another town’s area is not found', async () => {
    const s = await json<{
      kpis: { open: number; overdue: number };
      queues: { status: string; count: number }[];
      alertsOpen: Record<string, number>;
    }>('wuma', `/api/map/areas/${WUMA}/summary`);
    const r = await sql<{ open: number; overdue: number }>`
      select count(*) filter (where not closed)::int as open,
             count(*) filter (where not closed and deadline_state = 'overdue')::int as overdue
      from matters where area_code like '330302006%' and type <> 'alert'`.execute(t.kernel.db);
    expect(s.kpis).toMatchObject(r.rows[0]!);
    expect(s.queues.reduce((n, q) => n + q.count, 0)).toBe(r.rows[0]!.open);
    const alerts = placed.filter((p) => p.type === 'alert' && !p.closed && p.area.startsWith('330302006'));
    expect(s.alertsOpen.red! + s.alertsOpen.orange! + s.alertsOpen.yellow!).toBe(alerts.length);
    expect((await get('wuma', `/api/map/areas/${QIDU}/summary`)).statusCode).toBe(404);
  });
});

describe('config', () => {
  it('centres on the user’s area and says which layers they may see', async () => {
    const w = await json<{
      center: number[];
      bbox: number[];
      layers: { code: string; available: boolean }[];
    }>('wuma', '/api/map/config');
    const a = await t.kernel.db
      .selectFrom('areas')
      .select(['center_lng', 'center_lat', 'min_lng'])
      .where('code', '=', WUMA)
      .executeTakeFirstOrThrow();
    expect(w.center).toEqual([a.center_lng, a.center_lat]);
    expect(w.bbox[0]).toBe(a.min_lng);
    const avail = Object.fromEntries(w.layers.map((l) => [l.code, l.available]));
    expect(avail).toEqual({
      matters: true,
      alerts: true,
      tasks: true,
      houses: true,
      enterprises: true,
      things: true,
      grids: true,
      workers: true,
      courts: true,
      stations: true,
      sea: true,
    });
    const au = await json<{ layers: { code: string; available: boolean }[] }>('auditor', '/api/map/config');
    expect(au.layers.find((l) => l.code === 'matters')?.available).toBe(false);
    expect(au.layers.find((l) => l.code === 'tasks')?.available).toBe(false);
    // 指令: pinned tasks come from /api/command/tasks?pinned=true; the layer is listed with its name.
    expect(w.layers.find((l) => l.code === 'tasks')).toMatchObject({
      name: { zh: '指令', en: 'Tasks' },
      available: true,
    });
  });
});

describe(`roll-up (${testEngine()})`, () => {
  const cityBox = '119.6,27.0,121.3,28.6';
  /** Views the roll-up answers (no time window, res ≤ 7, a town's scope or wider), with their filter. */
  const views: [string, string, (p: Placed) => boolean][] = [
    ['city', `layer=matters&bbox=VIEW&zoom=8`, (p) => p.type !== 'alert'],
    ['city', `layer=matters&bbox=VIEW&zoom=10&open=true`, (p) => p.type !== 'alert' && !p.closed],
    [
      'city',
      `layer=matters&bbox=VIEW&zoom=12&statuses=handling,closed&deadline=overdue`,
      (p) => p.type !== 'alert' && ['handling', 'closed'].includes(p.status) && p.deadline === 'overdue',
    ],
    ['city', `layer=alerts&bbox=VIEW&zoom=9&levels=red`, (p) => p.type === 'alert' && p.level === 'red'],
    [
      'wuma',
      `layer=matters&bbox=${cityBox}&zoom=8`,
      (p) => p.type !== 'alert' && p.area.startsWith('330302006'),
    ],
    [
      'qidu',
      `layer=alerts&bbox=${cityBox}&zoom=11`,
      (p) => p.type === 'alert' && p.area.startsWith('330302023'),
    ],
  ];

  async function compareAll(label: string) {
    await loadPlaced();
    mapCacheOf(t.kernel)!.clear();
    for (const [who, q, keep] of views) {
      const url = `/api/map/aggregate?${q.replace('VIEW', VIEW)}`;
      const a = await json<CellsAnswer>(who, url);
      const res = a.resolution;
      const direct = directCells(placed.filter(keep), res);
      const got = new Map(
        a.cells.map((x) => [
          x.cell,
          { total: x.total, open: x.open, overdue: x.overdue, byStatus: x.byStatus },
        ]),
      );
      // The cells near the view's edge may be cut (a view's keep box); every returned cell is exact.
      for (const [cell, v] of got) expect(v, `${label}: ${who} ${q} ${cell}`).toEqual(direct.get(cell));
      if (q.includes('layer=alerts')) {
        for (const x of a.cells) {
          const here = placed.filter((p) => keep(p) && cellToParent(p.h3, res) === x.cell);
          const count = (l: string) => here.filter((p) => p.level === l).length;
          expect(x.byLevel, `${label}: ${who} ${q} ${x.cell}`).toEqual({
            red: count('red'),
            orange: count('orange'),
            yellow: count('yellow'),
          });
        }
      }
      expect(got.size, `${label}: ${who} ${q}`).toBeGreaterThan(0);
    }
  }

  const deltas = async () =>
    Number(
      (await sql<{ n: string }>`select count(*)::text as n from matter_cell_deltas`.execute(t.kernel.db))
        .rows[0]!.n,
    );

  it('answers what the matters answer after inserts, moves, state changes and deletes, before and after a fold', async () => {
    await foldMatterCells(t.kernel.db);
    expect(await deltas()).toBe(0);
    const db = t.kernel.db;
    const rnd = seeded(11);
    const ids = placed.map((p) => p.id);
    const pick = (n: number) => Array.from({ length: n }, () => ids[Math.floor(rnd() * ids.length)]!);

    // An update that changes nothing counted writes no delta.
    await sql`update matters set title = title || '·' where id = any(${pick(100)}::bigint[])`.execute(db);
    expect(await deltas()).toBe(0);

    // State changes, deadlines, alert levels, moves within and across towns, unplacing, deletes, inserts.
    await sql`update matters set status = 'closed', closed = true
              where type <> 'alert' and id = any(${pick(150)}::bigint[])`.execute(db);
    await sql`update matters set deadline_state = 'overdue' where id = any(${pick(150)}::bigint[])`.execute(
      db,
    );
    await sql`update matters set payload = jsonb_set(payload, '{level}', '"red"')
              where type = 'alert' and id = any(${pick(300)}::bigint[])`.execute(db);
    const target = villages[5]!; // a 七都 village: moves 五马's matters to another town
    for (const id of pick(40)) {
      const lng = target.lng + (rnd() - 0.5) * 0.01;
      const lat = target.lat + (rnd() - 0.5) * 0.01;
      await sql`update matters set lng = ${lng}, lat = ${lat}, h3 = ${latLngToCell(lat, lng, 9)},
                area_code = ${target.code} where id = ${id}::bigint`.execute(db);
    }
    await sql`update matters set h3 = null, lng = null, lat = null where id = any(${pick(30)}::bigint[])`.execute(
      db,
    );
    expect(await deltas()).toBeGreaterThan(0);
    await compareAll('pending deltas');

    const moreBefore = placed.length;
    await plantMore(db, 200, rnd);
    await compareAll('after inserts');
    await loadPlaced();
    expect(placed.length).toBe(moreBefore + 200);

    const folded = await foldMatterCells(db);
    expect(folded).toBeGreaterThan(0);
    expect(await deltas()).toBe(0);
    await compareAll('after the fold');

    // The folded counts are the matters' own grouping, row for row.
    const diff = await sql<{ n: string }>`
      with truth as (
        select left(area_code, 9) as town, h3_r7, type, status, closed, deadline_state,
               case when type = 'alert' then coalesce(payload->>'level', '') else '' end as level, count(*) as n
        from matters where h3_r7 is not null group by 1, 2, 3, 4, 5, 6, 7
      )
      select count(*)::text as n from (
        (select town, h3_r7, type, status, closed, deadline_state, level, n from truth
         except select town, h3_r7, type, status, closed, deadline_state, level, n from matter_cell_counts)
        union all
        (select town, h3_r7, type, status, closed, deadline_state, level, n from matter_cell_counts
         except select town, h3_r7, type, status, closed, deadline_state, level, n from truth)
      ) x`.execute(db);
    expect(diff.rows[0]!.n).toBe('0');
  });

  it('the leader’s fold job folds the pending deltas (and vacuums them on PGlite)', async () => {
    const db = t.kernel.db;
    await sql`update matters set deadline_state = 'warning'
              where id in (select id from matters where h3 is not null order by id limit 20)`.execute(db);
    const pending = await deltas();
    expect(pending).toBeGreaterThan(0);
    const job = mapModule.jobs!(t.kernel).find((j) => j.name === 'map-rollup-fold')!;
    expect(await job.run(new Date())).toEqual({ folded: pending });
    expect(await deltas()).toBe(0);
    await compareAll('after the job');
  });

  it('deleted matters leave the counts', async () => {
    const db = t.kernel.db;
    const gone = await sql`delete from matters where id in (
        select id from matters where number like 'T-MAP-%' and area_code like '330302006%' and h3 is not null
        order by id limit 25)`.execute(db);
    expect(Number(gone.numAffectedRows)).toBe(25);
    await compareAll('after deletes');
  });
});

/** More matters in one statement, some alerts, around the test's villages. */
async function plantMore(db: TestContext['kernel']['db'], n: number, rnd: () => number) {
  const rows = Array.from({ length: n }, (_, i) => {
    const v = villages[Math.floor(rnd() * villages.length)]!;
    const lng = v.lng + (rnd() - 0.5) * 0.02;
    const lat = v.lat + (rnd() - 0.5) * 0.02;
    const alert = rnd() < 0.3;
    const status = alert ? 'raised' : STATES[Math.floor(rnd() * STATES.length)]!;
    return {
      number: `T-MAP-MORE-${i}`,
      type: alert ? 'alert' : 'event',
      title: '追加',
      status,
      closed: !alert && CLOSED.has(status),
      area_code: v.code,
      lng,
      lat,
      h3: latLngToCell(lat, lng, 9),
      deadline_state: DEADLINES[Math.floor(rnd() * 3)]!,
      payload: JSON.stringify(alert ? { level: LEVELS[Math.floor(rnd() * 3)] } : {}),
      created_at: new Date(),
    };
  });
  await db.insertInto('matters').values(rows).execute();
}

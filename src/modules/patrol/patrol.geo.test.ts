import { describe, expect, it } from 'vitest';
import { distanceM, distanceToRouteM, EARTH_RADIUS_M, routeLengthM, routeProblems } from './patrol.geo.ts';

/** 平安乐巡's geometry against hand-computed values around 鹿城 (28.0° N). */
const O = { lng: 120.65, lat: 28.0 };
const m = (EARTH_RADIUS_M * Math.PI) / 180;
const at = (north: number, east: number) => ({
  lat: O.lat + north / m,
  lng: O.lng + east / (m * Math.cos((O.lat * Math.PI) / 180)),
});
const xy = (p: { lng: number; lat: number }) => [p.lng, p.lat] as [number, number];

describe('patrol geometry', () => {
  it('measures distances and a route’s length', () => {
    expect(distanceM(O, at(300, 0))).toBeCloseTo(300, 1);
    expect(distanceM(O, at(0, 400))).toBeCloseTo(400, 0);
    expect(routeLengthM([xy(O), xy(at(0, 500)), xy(at(500, 500))])).toBeCloseTo(1000, 0);
  });

  it('measures the distance to a route: to a segment’s side, or to its nearest end', () => {
    const line = [xy(O), xy(at(0, 1000))];
    expect(distanceToRouteM(at(200, 500), line)).toBeCloseTo(200, 0);
    expect(distanceToRouteM(at(0, -300), line)).toBeCloseTo(300, 0);
    expect(distanceToRouteM(at(400, 1300), line)).toBeCloseTo(500, 0);
    expect(distanceToRouteM(O, [xy(O), xy(O)])).toBe(0);
  });

  it('lists every problem of a route and its check points', () => {
    const line = [xy(O), xy(at(0, 1000))];
    const ok = [{ ...at(10, 500), radiusM: 50 }];
    expect(routeProblems(line, ok)).toEqual([]);
    expect(routeProblems([xy(O)], ok)[0]!.path).toBe('route.coordinates');
    expect(routeProblems([xy(O), [Number.NaN, 28]], ok)[0]!.path).toBe('route.coordinates.1');
    expect(routeProblems([xy(O), [200, 28]], ok)[0]!.path).toBe('route.coordinates.1');
    const bad = routeProblems(line, [
      { ...at(0, 0), radiusM: 5 },
      { ...at(800, 500), radiusM: 50 },
      { lng: 0, lat: 0, radiusM: 50 },
    ]);
    expect(bad.map((p) => p.path)).toEqual(['checkpoints.0.radiusM', 'checkpoints.1', 'checkpoints.2']);
    expect(routeProblems(line, []).map((p) => p.path)).toEqual(['checkpoints']);
  });
});

import type { Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { distanceToGridM, offsetPoint, periodStart, periodStarts, weekStart } from './grid.geo.ts';

/** A 1 km square around (120.65, 28.0) with a 200 m hole in the middle. */
const C = { lng: 120.65, lat: 28.0 };
const corner = (n: number, e: number) => {
  const p = offsetPoint(C, n, e);
  return [p.lng, p.lat];
};
const SQUARE: Polygon = {
  type: 'Polygon',
  coordinates: [
    [corner(-500, -500), corner(-500, 500), corner(500, 500), corner(500, -500), corner(-500, -500)],
    [corner(-100, -100), corner(100, -100), corner(100, 100), corner(-100, 100), corner(-100, -100)],
  ],
};

describe('distance to a grid', () => {
  it('is 0 inside, and the metres to the nearest edge outside (also inside a hole)', () => {
    expect(distanceToGridM(offsetPoint(C, 300, 0), SQUARE)).toBe(0);
    expect(distanceToGridM(offsetPoint(C, 0, 600), SQUARE)).toBeCloseTo(100, 0);
    expect(distanceToGridM(offsetPoint(C, 0, 1500), SQUARE)).toBeCloseTo(1000, -1);
    // Beyond a corner: the distance to the corner (300, 400 → 500).
    expect(distanceToGridM(offsetPoint(C, 800, 900), SQUARE)).toBeCloseTo(500, -1);
    // In the hole: outside the polygon, 50 m from the hole's edge.
    expect(distanceToGridM(offsetPoint(C, 0, 50), SQUARE)).toBeCloseTo(50, 0);
  });
});

describe('rule periods (China time)', () => {
  it('weeks run Monday to Sunday', () => {
    expect(weekStart('2026-11-30')).toBe('2026-11-30'); // a Monday
    expect(weekStart('2026-12-06')).toBe('2026-11-30'); // Sunday
    expect(weekStart('2026-12-07')).toBe('2026-12-07');
    expect(periodStart('day', '2026-12-03')).toBe('2026-12-03');
  });
  it('counts every period overlapping the range, partial weeks included', () => {
    expect(periodStarts('day', '2026-11-01', '2026-11-30')).toHaveLength(30);
    // 1 Nov 2026 is a Sunday: the week of 26 Oct, then four full weeks, then the week of 30 Nov.
    expect(periodStarts('week', '2026-11-01', '2026-11-30')).toEqual([
      '2026-10-26',
      '2026-11-02',
      '2026-11-09',
      '2026-11-16',
      '2026-11-23',
      '2026-11-30',
    ]);
    expect(periodStarts('week', '2026-12-01', '2026-11-30')).toEqual([]);
  });
});

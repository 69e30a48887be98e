import { cellToLatLng, gridDistance, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import {
  angleOff,
  bearingDeg,
  cellsWithin,
  distanceM,
  EARTH_RADIUS_M,
  inFieldOfView,
  numberAttr,
} from './cameras.geo.ts';

/** The camera math against values worked out by hand (docs/COMMAND.md shows the formulas). */
const AT = { lng: 120.65, lat: 28.0 }; // 鹿城区, Wenzhou
/** One thousandth of a degree of latitude: R·π/180/1000 = 111.195 m on the mean sphere. */
const MILLI_DEG_M = (EARTH_RADIUS_M * Math.PI) / 180 / 1000;

describe('distance (haversine)', () => {
  it('is 0 at the same point and R·Δφ along a meridian', () => {
    expect(distanceM(AT, AT)).toBe(0);
    expect(MILLI_DEG_M).toBeCloseTo(111.195, 3);
    expect(distanceM(AT, { lng: AT.lng, lat: AT.lat + 0.001 })).toBeCloseTo(111.195, 2);
    expect(distanceM(AT, { lng: AT.lng, lat: AT.lat - 0.01 })).toBeCloseTo(1111.95, 1);
  });

  it('shrinks with cos φ along a parallel: 0.001° of longitude at 28° N is 111.195 × cos 28° = 98.18 m', () => {
    expect(distanceM(AT, { lng: AT.lng + 0.001, lat: AT.lat })).toBeCloseTo(98.18, 1);
  });

  it('is symmetric, and 3-4-5 holds for short distances', () => {
    const east = 300 / (MILLI_DEG_M * 1000 * Math.cos((AT.lat * Math.PI) / 180));
    const north = 400 / (MILLI_DEG_M * 1000);
    const p = { lng: AT.lng + east, lat: AT.lat + north };
    expect(distanceM(AT, p)).toBeCloseTo(500, 0);
    expect(distanceM(p, AT)).toBeCloseTo(distanceM(AT, p), 9);
  });
});

describe('bearing from the camera to the matter', () => {
  it('points north, east, south and west', () => {
    expect(bearingDeg(AT, { lng: AT.lng, lat: AT.lat + 0.01 })).toBeCloseTo(0, 6);
    expect(bearingDeg(AT, { lng: AT.lng + 0.01, lat: AT.lat })).toBeCloseTo(90, 2);
    expect(bearingDeg(AT, { lng: AT.lng, lat: AT.lat - 0.01 })).toBeCloseTo(180, 6);
    expect(bearingDeg(AT, { lng: AT.lng - 0.01, lat: AT.lat })).toBeCloseTo(270, 2);
  });

  it('is 45° to a point as far north as east (in metres), 225° back', () => {
    const d = 0.001;
    const p = { lng: AT.lng + d / Math.cos((AT.lat * Math.PI) / 180), lat: AT.lat + d };
    expect(bearingDeg(AT, p)).toBeCloseTo(45, 1);
    expect(bearingDeg(p, AT)).toBeCloseTo(225, 1);
  });
});

describe('field of view: heading ± fov/2', () => {
  it('signed angle off the heading, across north', () => {
    expect(angleOff(90, 45)).toBe(-45);
    expect(angleOff(350, 10)).toBe(20);
    expect(angleOff(10, 350)).toBe(-20);
    expect(angleOff(0, 180)).toBe(180);
    expect(angleOff(-10, 5)).toBe(15);
    expect(angleOff(370, 5)).toBe(-5);
  });

  it('includes the edges and nothing beyond', () => {
    // A camera looking east with 90°: from 45° to 135°.
    expect(inFieldOfView(90, 90, 45, 100)).toBe(true);
    expect(inFieldOfView(90, 90, 135, 100)).toBe(true);
    expect(inFieldOfView(90, 90, 44.9, 100)).toBe(false);
    expect(inFieldOfView(90, 90, 135.1, 100)).toBe(false);
    expect(inFieldOfView(90, 90, 270, 100)).toBe(false);
    // Looking north-north-west with 30°: 335° to 5°, across north.
    expect(inFieldOfView(350, 30, 4, 100)).toBe(true);
    expect(inFieldOfView(350, 30, 6, 100)).toBe(false);
    expect(inFieldOfView(350, 30, 334, 100)).toBe(false);
  });

  it('is unknown without a heading or a fov, always true all round or at the camera itself', () => {
    expect(inFieldOfView(null, 90, 10, 100)).toBeNull();
    expect(inFieldOfView(90, null, 10, 100)).toBeNull();
    expect(inFieldOfView(90, 360, 270, 100)).toBe(true);
    expect(inFieldOfView(null, null, 0, 0.2)).toBe(true);
  });

  it('reads attributes stored as numbers or numeric strings only', () => {
    expect(numberAttr(90)).toBe(90);
    expect(numberAttr('45.5')).toBe(45.5);
    expect(numberAttr('')).toBeNull();
    expect(numberAttr('east')).toBeNull();
    expect(numberAttr(null)).toBeNull();
    expect(numberAttr(Number.NaN)).toBeNull();
  });
});

describe('the h3 cells that cover a circle', () => {
  it('hold every point within the radius, in every direction', () => {
    for (const radius of [50, 1000, 5000]) {
      const cells = new Set(cellsWithin(AT, radius));
      for (let b = 0; b < 360; b += 7.5) {
        // A point just inside the radius at bearing b (flat-earth offsets are exact enough at 5 km).
        const r = radius * 0.999;
        const dy = (r * Math.cos((b * Math.PI) / 180)) / (MILLI_DEG_M * 1000);
        const dx =
          (r * Math.sin((b * Math.PI) / 180)) / (MILLI_DEG_M * 1000 * Math.cos((AT.lat * Math.PI) / 180));
        const p = { lng: AT.lng + dx, lat: AT.lat + dy };
        expect(distanceM(AT, p)).toBeLessThanOrEqual(radius);
        expect(cells.has(latLngToCell(p.lat, p.lng, 9)), `${radius} m at ${b}°`).toBe(true);
      }
    }
  });

  it('stay a bounded disk: about 1,700 cells for 5 km, not the city', () => {
    const cells = cellsWithin(AT, 5000);
    expect(cells.length).toBeLessThan(2500);
    const centre = latLngToCell(AT.lat, AT.lng, 9);
    const far = Math.max(...cells.map((c) => gridDistance(centre, c)));
    const [lat, lng] = cellToLatLng(cells.at(-1)!);
    expect(far).toBeGreaterThan(10);
    expect(distanceM(AT, { lat, lng })).toBeLessThan(10_000);
  });
});

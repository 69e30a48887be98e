import dayjs from 'dayjs';
import { cellToBoundary, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import type { MatterCell } from './api';
import { apiFilters, applyPatch, readState, SLIDER_DAYS, sliderDays, sliderValue } from './filters';
import { boundaryLevels, breaks, hexagons, intersect, ranges, requestZoom, snap } from './geo';
import { baseStyle, stepColor, stepColors, Z } from './style';

const cell = (lat: number, lng: number, total: number): MatterCell => ({
  cell: latLngToCell(lat, lng, 7),
  lng,
  lat,
  total,
  open: total,
  overdue: 0,
  byStatus: { reported: total },
});

describe('the map’s address', () => {
  it('reads what it can and drops what it cannot', () => {
    const s = readState(
      new URLSearchParams(
        'layers=matters,alerts&types=dispute,Bad!&deadline=overdue,late&levels=red&open=true&from=2026-01-02&to=nope&at=120.65,28.01,11.5',
      ),
    );
    expect(s.layers).toEqual(['matters', 'alerts']);
    expect(s.types).toEqual(['dispute']);
    expect(s.deadline).toEqual(['overdue']);
    expect(s.levels).toEqual(['red']);
    expect(s.open).toBe('true');
    expect(s.from).toBe('2026-01-02');
    expect(s.to).toBeUndefined();
    expect(s.at).toEqual({ lng: 120.65, lat: 28.01, zoom: 11.5 });
  });

  it('tells the default layers from none', () => {
    expect(readState(new URLSearchParams('')).layers).toEqual(['matters', 'grids']);
    expect(readState(new URLSearchParams('layers=')).layers).toEqual([]);
    expect(applyPatch(new URLSearchParams('a=1'), { layers: '' }).toString()).toBe('a=1&layers=');
    expect(
      applyPatch(new URLSearchParams('types=x&open=true'), { types: undefined, open: '' }).toString(),
    ).toBe('');
  });

  it('sends each layer its own filters, days as the user’s whole days', () => {
    const s = readState(
      new URLSearchParams(
        'types=dispute&statuses=reported&levels=red&open=false&from=2026-03-01&to=2026-03-31',
      ),
    );
    const m = apiFilters(s, 'matters');
    expect(m.types).toBe('dispute');
    expect(m.statuses).toBe('reported');
    expect(m.levels).toBeUndefined();
    expect(m.open).toBe('false');
    expect(dayjs(m.from).format('YYYY-MM-DD HH:mm')).toBe('2026-03-01 00:00');
    expect(dayjs(m.to).format('YYYY-MM-DD HH:mm')).toBe('2026-04-01 00:00');
    const a = apiFilters(s, 'alerts');
    expect(a.types).toBeUndefined();
    expect(a.levels).toBe('red');
  });

  it('the time slider: open at its ends, days in between', () => {
    const today = dayjs('2026-06-30');
    expect(sliderValue({ from: undefined, to: undefined }, today)).toEqual([-SLIDER_DAYS, 0]);
    expect(sliderDays([-SLIDER_DAYS, 0], today)).toEqual({});
    expect(sliderDays([-30, -1], today)).toEqual({ from: '2026-05-31', to: '2026-06-29' });
    expect(sliderValue({ from: '2026-05-31', to: '2026-06-29' }, today)).toEqual([-30, -1]);
    expect(sliderValue({ from: '2000-01-01', to: undefined }, today)).toEqual([-SLIDER_DAYS, 0]);
  });
});

describe('hexagons and colours', () => {
  it('draws each cell as its h3 outline, closed, with flat properties', () => {
    const fc = hexagons([cell(28.0, 120.65, 3)], false);
    expect(fc.features).toHaveLength(1);
    const ring = fc.features[0]!.geometry.coordinates[0]!;
    expect(ring.length).toBe(cellToBoundary(fc.features[0]!.properties.cell, true).length);
    expect(ring[0]).toEqual(ring.at(-1));
    expect(typeof fc.features[0]!.properties.byStatus).toBe('string');
  });

  it('moves an outline by its centre’s offset under GCJ-02, or uses the server’s outline', () => {
    const c = cell(28.0, 120.65, 3);
    const plain = hexagons([c], false).features[0]!.geometry.coordinates[0]![0]!;
    const moved = hexagons([{ ...c, lng: c.lng + 0.005, lat: c.lat - 0.002 }], true).features[0]!.geometry
      .coordinates[0]![0]!;
    // The centre given is not h3's exact centre, so compare the offsets between the two drawings.
    const base = hexagons([{ ...c }], true).features[0]!.geometry.coordinates[0]![0]!;
    expect(moved[0]! - base[0]!).toBeCloseTo(0.005, 6);
    expect(moved[1]! - base[1]!).toBeCloseTo(-0.002, 6);
    expect(plain).toHaveLength(2);
    const given: [number, number][] = [
      [1, 1],
      [2, 1],
      [2, 2],
      [1, 1],
    ];
    expect(hexagons([{ ...c, boundary: given }], true).features[0]!.geometry.coordinates[0]).toEqual(given);
  });

  it('skips what is not a cell', () => {
    expect(hexagons([{ ...cell(28, 120.6, 1), cell: 'nonsense' }], false).features).toHaveLength(0);
  });

  it('breaks at quintiles, legend ranges cover 1…max', () => {
    expect(breaks([])).toEqual([]);
    expect(breaks([5, 5, 5])).toEqual([]);
    const b = breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(b).toEqual([3, 5, 7, 9]);
    expect(ranges(b, 10)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
      [9, 10],
    ]);
    expect(ranges([], 1)).toEqual([[1, null]]);
    const expr = stepColor('total', b, ['a', 'b', 'c', 'd', 'e']);
    expect(expr).toEqual(['step', ['get', 'total'], 'a', 3, 'b', 5, 'c', 7, 'd', 9, 'e']);
    expect(stepColors([4], ['a', 'b', 'c', 'd', 'e'])).toEqual(['a', 'e']);
  });
});

describe('views and boxes', () => {
  it('intersects, snaps outward, picks boundary levels the server will draw', () => {
    expect(intersect([0, 0, 2, 2], [1, 1, 3, 3])).toEqual([1, 1, 2, 2]);
    expect(intersect([0, 0, 1, 1], [2, 2, 3, 3])).toBeNull();
    expect(snap([120.123, 27.987, 120.456, 28.011], 0.05)).toEqual([120.1, 27.95, 120.5, 28.05]);
    expect(boundaryLevels(8, true, [119, 27, 121, 29])).toEqual([2, 3]);
    expect(boundaryLevels(9, true, [119, 27, 121, 29])).toEqual([2, 3]);
    expect(boundaryLevels(10, true, [120, 27.5, 121, 28.5])).toEqual([2, 3, 4]);
    expect(boundaryLevels(12, true, [120.5, 27.9, 120.8, 28.1])).toEqual([2, 3, 4, 5]);
    expect(boundaryLevels(12, false, [120.5, 27.9, 120.8, 28.1])).toEqual([2, 3, 4]);
    expect(requestZoom(11.7)).toBe(11);
    expect(requestZoom(25)).toBe(20);
  });

  it('the base style names no URL and stacks its markers in order', () => {
    const s = baseStyle(null);
    expect(JSON.stringify(s)).not.toMatch(/https?:/);
    expect(s.glyphs).toBeUndefined();
    expect(s.layers.map((l) => l.id)).toEqual(['background', ...Object.values(Z)]);
    expect(baseStyle('/fonts/{fontstack}/{range}.pbf').glyphs).toBe('/fonts/{fontstack}/{range}.pbf');
  });
});

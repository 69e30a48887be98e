import type { Feature, FeatureCollection, Point, Polygon } from 'geojson';
import { cellToBoundary, cellToLatLng, isValidCell } from 'h3-js';
import type { Bbox, FeatureCell, MatterCell } from './api';

/**
 * The h3 cells of an answer as hexagons, drawn in the browser by h3 (WGS-84). Under a GCJ-02 base map the
 * server sends each outline converted (`boundary`); without it the outline is moved by the offset of the cell's
 * centre (`lng`, `lat` come in the requested datum), constant to well under a metre across a hexagon.
 */
export function hexagons<C extends MatterCell | FeatureCell>(
  cells: C[],
  shifted: boolean,
): FeatureCollection<Polygon, C & { byStatus?: string }> {
  const features: Feature<Polygon, C & { byStatus?: string }>[] = [];
  for (const c of cells) {
    if (!c.boundary && !isValidCell(c.cell)) continue; // not a cell: nothing to draw
    let ring = c.boundary ?? (cellToBoundary(c.cell, true) as [number, number][]);
    if (shifted && !c.boundary) {
      const [lat, lng] = cellToLatLng(c.cell);
      const dx = c.lng - lng;
      const dy = c.lat - lat;
      ring = ring.map(([x, y]) => [x + dx, y + dy]);
    }
    // GeoJSON properties are flat for MapLibre: the statuses travel as JSON text (read by the hover panel).
    const { boundary: _outline, ...rest } = c;
    const props = {
      ...rest,
      ...('byStatus' in c ? { byStatus: JSON.stringify(c.byStatus) } : {}),
      ...('byLevel' in c && c.byLevel ? { byLevel: JSON.stringify(c.byLevel) } : {}),
    } as unknown as C & { byStatus?: string };
    features.push({
      type: 'Feature',
      id: features.length,
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties: props,
    });
  }
  return { type: 'FeatureCollection', features };
}

export function pointsOf<P extends { lng: number; lat: number }>(
  items: P[],
): FeatureCollection<Point, Record<string, unknown>> {
  return {
    type: 'FeatureCollection',
    features: items.map((p, i) => {
      // Nested values (a thing's attributes) travel as JSON text: MapLibre keeps only flat properties.
      const props: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(p))
        props[k] = v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
      return {
        type: 'Feature',
        id: i,
        geometry: { type: 'Point', coordinates: [p.lng, p.lat] },
        properties: props,
      };
    }),
  };
}

/**
 * Class breaks for the colour of the cells: up to five classes at the quintiles of the totals, so that a
 * few very busy cells do not wash the others out. Returns the lower bounds of classes 2…n.
 */
export function breaks(totals: number[], classes = 5): number[] {
  const sorted = totals.filter((x) => x > 0).sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const min = sorted[0]!;
  const out: number[] = [];
  for (let i = 1; i < classes; i++) {
    const q = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / classes))]!;
    if (q > min && q > (out.at(-1) ?? 0)) out.push(q);
  }
  return out;
}

/** The legend's ranges for the breaks: `[from, to]`, `to` null for the open top class. */
export function ranges(bks: number[], max: number): [number, number | null][] {
  const starts = [1, ...bks];
  return starts.map((s, i) => {
    const next = starts[i + 1];
    return [s, next !== undefined ? next - 1 : max > s ? max : null];
  });
}

/** The part of the view inside the box the map covers (the user's area); null when they do not meet. */
export function intersect(a: Bbox, b: Bbox): Bbox | null {
  const r: Bbox = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return r[0] < r[2] && r[1] < r[3] ? r : null;
}

/**
 * A box widened outward to a grid of `step` degrees, so that small pans ask the same question (and hit the
 * server's cache and the browser's) instead of a new one each time.
 */
export function snap(b: Bbox, step: number): Bbox {
  const down = (x: number) => Math.floor(x / step) * step;
  const up = (x: number) => Math.ceil(x / step) * step;
  return [down(b[0]), down(b[1]), up(b[2]), up(b[3])].map((x) => Number(x.toFixed(5))) as Bbox;
}

/** The widest box (degrees, each way) the server draws villages and grids for (src/modules/map/map.schema.ts). */
export const MAX_SPAN = { 4: 1.5, 5: 0.75 } as const;

/**
 * Which boundary levels to draw: districts (2) and towns (3) always — the offline base map — villages (4) from
 * zoom 9, grids (5) from zoom 12 when the grid layer is on, each only while the box asked for is within what the
 * server draws for that level (a big window at zoom 9 still sees too much for villages).
 */
export function boundaryLevels(zoom: number, grids: boolean, box: Bbox | null): number[] {
  const levels = [2, 3];
  const span = box ? Math.max(box[2] - box[0], box[3] - box[1]) : Number.POSITIVE_INFINITY;
  if (zoom >= 9 && span <= MAX_SPAN[4]) levels.push(4);
  if (grids && zoom >= 12 && span <= MAX_SPAN[5]) levels.push(5);
  return levels;
}

/** The zoom sent to the server (0–20): whole levels, so that a view and one a little zoomed share their answer. */
export const requestZoom = (z: number) => Math.max(0, Math.min(20, Math.floor(z)));

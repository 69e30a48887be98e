import type { ExpressionSpecification, StyleSpecification } from 'maplibre-gl';

/**
 * The map's own style: no URL anywhere, so it draws with no internet. A background, then empty marker
 * layers that fix the order in which the page's layers are stacked whenever they are added (each layer is
 * inserted before its marker): a configured base map, area fills, h3 cells, area outlines, subjects, matters.
 */
export const Z = {
  base: 'z-base',
  areaFill: 'z-area-fill',
  cells: 'z-cells',
  areaLine: 'z-area-line',
  features: 'z-features',
  points: 'z-points',
  labels: 'z-labels',
} as const;

export function baseStyle(glyphs: string | null | undefined): StyleSpecification {
  const marker = (id: string) =>
    ({ id, type: 'background', layout: { visibility: 'none' }, paint: { 'background-opacity': 0 } }) as const;
  return {
    version: 8,
    ...(glyphs ? { glyphs } : {}),
    sources: {},
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#eef2f6' } },
      ...Object.values(Z).map(marker),
    ],
  };
}

/** Cells' totals: light to dark blue. Overdue is red everywhere else on the page, so not used here. */
export const CELL_COLORS = ['#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];
/** Alerts' cells are outlined (over the matters' fills), yellow to red by their count. */
export const ALERT_CELL_COLORS = ['#fed976', '#feb24c', '#fd8d3c', '#f03b20', '#bd0026'];

export const POINT_COLORS = {
  normal: '#2563eb',
  warning: '#f59e0b',
  overdue: '#dc2626',
  closed: '#94a3b8',
};

export const LEVEL_COLORS = { red: '#dc2626', orange: '#f97316', yellow: '#eab308' };

export const FEATURE_COLORS = {
  houses: '#16a34a',
  enterprises: '#7c3aed',
  things: '#0891b2',
  courts: '#b45309',
  stations: '#db2777',
  workers: '#0d9488',
} as const;

/** Boundaries by level: districts strong, grids fine. */
export const BOUNDARY_STYLE: Record<number, { color: string; width: number; fill: number }> = {
  2: { color: '#334155', width: 2, fill: 0.02 },
  3: { color: '#64748b', width: 1.2, fill: 0.02 },
  4: { color: '#94a3b8', width: 0.8, fill: 0.02 },
  5: { color: '#0d9488', width: 1, fill: 0.04 },
};

/** A step expression over a numeric property for the class breaks (lower bounds of classes 2…n). */
export function stepColor(prop: string, bks: number[], colors: string[]): ExpressionSpecification | string {
  if (!bks.length) return colors[Math.min(2, colors.length - 1)]!;
  // Spread the classes over the ramp when there are fewer than colours.
  const pick = (i: number) => colors[Math.round((i * (colors.length - 1)) / bks.length)]!;
  const expr: unknown[] = ['step', ['get', prop], pick(0)];
  for (const [i, b] of bks.entries()) expr.push(b, pick(i + 1));
  return expr as ExpressionSpecification;
}

/** The colour of each class of `stepColor`, for the legend. */
export function stepColors(bks: number[], colors: string[]): string[] {
  if (!bks.length) return [colors[Math.min(2, colors.length - 1)]!];
  return Array.from(
    { length: bks.length + 1 },
    (_, i) => colors[Math.round((i * (colors.length - 1)) / bks.length)]!,
  );
}

/** A matter point: closed grey, overdue red, due soon amber, else blue. */
export const matterPointColor: ExpressionSpecification = [
  'case',
  ['==', ['get', 'closed'], true],
  POINT_COLORS.closed,
  ['==', ['get', 'deadlineState'], 'overdue'],
  POINT_COLORS.overdue,
  ['==', ['get', 'deadlineState'], 'warning'],
  POINT_COLORS.warning,
  POINT_COLORS.normal,
];

/** An alert point by its level (closed grey). */
export const alertPointColor: ExpressionSpecification = [
  'case',
  ['==', ['get', 'closed'], true],
  POINT_COLORS.closed,
  ['match', ['get', 'level'], 'red', LEVEL_COLORS.red, 'orange', LEVEL_COLORS.orange, LEVEL_COLORS.yellow],
];

/** A pinned 指令 task by its state: overdue red, 待签收 amber, 待到场 blue, 处置中 violet, 已退回 orange, later green. */
export const TASK_COLORS = {
  overdue: '#dc2626',
  issued: '#f59e0b',
  signed: '#2563eb',
  on_site: '#7c3aed',
  returned: '#ea580c',
  later: '#16a34a',
  closed: '#94a3b8',
} as const;
export const taskPointColor: ExpressionSpecification = [
  'case',
  ['==', ['get', 'closed'], true],
  TASK_COLORS.closed,
  ['==', ['get', 'overdue'], true],
  TASK_COLORS.overdue,
  ['==', ['get', 'status'], 'issued'],
  TASK_COLORS.issued,
  ['==', ['get', 'status'], 'signed'],
  TASK_COLORS.signed,
  ['==', ['get', 'status'], 'on_site'],
  TASK_COLORS.on_site,
  ['==', ['get', 'status'], 'returned'],
  TASK_COLORS.returned,
  TASK_COLORS.later,
];

import { Empty, Typography } from 'antd';
import { type KeyboardEvent, useRef } from 'react';
import { useI18n } from '../../i18n';

/** A ring of [lng, lat] positions; a polygon is an outer ring followed by its holes. */
type Ring = [number, number][];
type Polygons = Ring[][];

/**
 * The polygons of a GeoJSON Polygon or MultiPolygon (the API types geometry as unknown); anything else —
 * null for an area without a boundary — gives null, drawn as nothing.
 */
export function polygonsOf(geometry: unknown): Polygons | null {
  if (!geometry || typeof geometry !== 'object') return null;
  const g = geometry as { type?: unknown; coordinates?: unknown };
  if (!Array.isArray(g.coordinates)) return null;
  if (g.type === 'Polygon') return [g.coordinates as Ring[]];
  if (g.type === 'MultiPolygon') return g.coordinates as Ring[][];
  return null;
}

export interface MapShape {
  code: string;
  name: string;
  polygons: Polygons | null;
}

const W = 640;
const H = 440;
const PAD = 12;

/**
 * Equirectangular projection fitted to the box: longitude is shrunk by cos(mid-latitude) so that shapes
 * at Wenzhou's 28° N are not stretched sideways, then everything is scaled uniformly into W×H.
 */
function projector(all: Polygons[]) {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const polys of all)
    for (const poly of polys)
      for (const ring of poly)
        for (const [x, y] of ring) {
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
          if (y < minY) minY = y;
          if (y > maxY) maxY = y;
        }
  if (!Number.isFinite(minX)) return null;
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const dx = Math.max((maxX - minX) * k, 1e-9);
  const dy = Math.max(maxY - minY, 1e-9);
  const s = Math.min((W - 2 * PAD) / dx, (H - 2 * PAD) / dy);
  const ox = (W - dx * s) / 2;
  const oy = (H - dy * s) / 2;
  return (lng: number, lat: number): [number, number] => [ox + (lng - minX) * k * s, oy + (maxY - lat) * s];
}

function pathOf(polys: Polygons, p: (lng: number, lat: number) => [number, number]): string {
  const parts: string[] = [];
  for (const poly of polys)
    for (const ring of poly) {
      const pts = ring.map(([x, y]) => p(x, y));
      if (pts.length < 3) continue;
      parts.push(`M${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join('L')}Z`);
    }
  return parts.join('');
}

interface Drawn {
  outline: string | null;
  shapes: (MapShape & { d: string })[];
}

function draw(outline: MapShape | null, shapes: MapShape[]): Drawn | null {
  const all = [...shapes.map((s) => s.polygons), outline?.polygons].filter((p): p is Polygons => !!p);
  const p = projector(all);
  if (!p) return null;
  return {
    outline: outline?.polygons ? pathOf(outline.polygons, p) : null,
    shapes: shapes.filter((s) => s.polygons).map((s) => ({ ...s, d: pathOf(s.polygons!, p) })),
  };
}

/**
 * The selected area's outline and its children as an inline SVG (no map library: MapLibre comes with the
 * map issue). A child is one <path> (a MultiPolygon's islands and holes in one `d`), hoverable, and
 * selectable by click or by Enter/Space from the keyboard.
 */
export function AreaMap({
  outline,
  shapes,
  hovered,
  onHover,
  onSelect,
  loading,
}: {
  outline: MapShape | null;
  shapes: MapShape[];
  hovered: string | null;
  onHover: (code: string | null) => void;
  onSelect: (code: string) => void;
  loading?: boolean;
}) {
  const { t } = useI18n();
  // Projecting a city's coastline is thousands of points: redo it only when the boundaries themselves
  // change (the geometry objects come from the query cache, so their identity is a fair key), not on
  // every hover.
  const cache = useRef<{ inputs: unknown[]; drawn: Drawn | null } | null>(null);
  const inputs = [outline?.code, outline?.polygons, ...shapes.flatMap((s) => [s.code, s.polygons])];
  const same =
    cache.current?.inputs.length === inputs.length && inputs.every((x, i) => x === cache.current?.inputs[i]);
  if (!same) cache.current = { inputs, drawn: draw(outline, shapes) };
  const drawn = cache.current?.drawn ?? null;

  if (!drawn) {
    return loading ? (
      <div
        style={{ aspectRatio: `${W} / ${H}`, background: '#f8fafc', borderRadius: 8 }}
        data-testid="area-map-loading"
      />
    ) : (
      <Empty description={t('该区域暂无边界数据', 'No boundary for this area')} />
    );
  }
  const key = (code: string) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(code);
    }
  };
  const hoveredName = shapes.find((s) => s.code === hovered)?.name;
  return (
    <div>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={t(
          `${outline?.name ?? ''}及下级区域边界图`,
          `Boundaries of ${outline?.name ?? ''} and its sub-areas`,
        )}
        data-testid="area-map"
        style={{ width: '100%', height: 'auto', display: 'block', background: '#f8fafc', borderRadius: 8 }}
        onMouseLeave={() => onHover(null)}
      >
        {drawn.shapes.map((s) => (
          // biome-ignore lint/a11y/useSemanticElements: an SVG shape cannot be a <button>; role + tabIndex + keys make it one
          <path
            key={s.code}
            d={s.d}
            data-child={s.code}
            role="button"
            tabIndex={0}
            aria-label={s.name}
            fillRule="evenodd"
            fill={s.code === hovered ? '#93c5fd' : '#dbeafe'}
            stroke="#1d4ed8"
            strokeWidth={s.code === hovered ? 1.6 : 0.8}
            style={{ cursor: 'pointer', outline: 'none', transition: 'fill .15s' }}
            onMouseEnter={() => onHover(s.code)}
            onFocus={() => onHover(s.code)}
            onBlur={() => onHover(null)}
            onClick={() => onSelect(s.code)}
            onKeyDown={key(s.code)}
          >
            <title>{s.name}</title>
          </path>
        ))}
        {drawn.outline && (
          <path
            d={drawn.outline}
            data-outline={outline?.code}
            fill={drawn.shapes.length ? 'none' : '#dbeafe'}
            fillRule="evenodd"
            stroke="#0f172a"
            strokeWidth={2}
            pointerEvents="none"
          />
        )}
      </svg>
      <Typography.Text
        type="secondary"
        style={{ fontSize: 12, display: 'block', minHeight: 20, marginTop: 4 }}
      >
        {hoveredName
          ? t(`${hoveredName} · 点击查看`, `${hoveredName} · click to open`)
          : drawn.shapes.length
            ? t(
                '将鼠标移到下级区域上查看名称，点击进入',
                'Hover a sub-area to see its name; click to open it',
              )
            : ''}
      </Typography.Text>
    </div>
  );
}

import type { LayerSpecification, SourceSpecification } from 'maplibre-gl';
import type { BaseSource } from './api';

type Name = { zh: string; en: string };

/** A configured base map as MapLibre draws it, under our own layers; or why it cannot be drawn. */
export type ResolvedBase =
  | { ok: true; source: SourceSpecification; layers: LayerSpecification[] }
  | { ok: false; reason: Name };

export const BASE_SOURCE_ID = 'base';

/** Relative URLs (a tile route of our own server, a local PMTiles file it serves) made absolute. */
const absolute = (url: string) => new URL(url, window.location.href).toString();

function rasterLayer(): LayerSpecification {
  return { id: 'base-raster', type: 'raster', source: BASE_SOURCE_ID, paint: { 'raster-opacity': 0.85 } };
}

/**
 * A vector base map is styled plainly (its own style would need its fonts and sprites, often from the
 * internet): polygons a light fill, lines a grey stroke, points small dots, one set per vector layer it
 * declares. Ours are drawn over it.
 */
function vectorLayers(ids: string[]): LayerSpecification[] {
  return ids.flatMap((id, i): LayerSpecification[] => [
    {
      id: `base-${i}-fill`,
      type: 'fill',
      source: BASE_SOURCE_ID,
      'source-layer': id,
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': '#e2e8f0', 'fill-opacity': 0.6 },
    },
    {
      id: `base-${i}-line`,
      type: 'line',
      source: BASE_SOURCE_ID,
      'source-layer': id,
      filter: ['in', ['geometry-type'], ['literal', ['LineString', 'Polygon']]],
      paint: { 'line-color': '#cbd5e1', 'line-width': 0.8 },
    },
    {
      id: `base-${i}-point`,
      type: 'circle',
      source: BASE_SOURCE_ID,
      'source-layer': id,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 1.5, 'circle-color': '#94a3b8' },
    },
  ]);
}

function vectorLayerIds(meta: unknown): string[] {
  const layers = (meta as { vector_layers?: { id?: unknown }[] } | null)?.vector_layers;
  if (!Array.isArray(layers)) return [];
  return layers.map((l) => l.id).filter((id): id is string => typeof id === 'string');
}

const zooms = (s: BaseSource) => ({
  ...(s.minzoom !== undefined ? { minzoom: s.minzoom } : {}),
  ...(s.maxzoom !== undefined ? { maxzoom: s.maxzoom } : {}),
});

let pmtilesProtocol: Promise<import('pmtiles').Protocol> | null = null;

/** The `pmtiles://` protocol, registered once per page with MapLibre (both loaded only when a PMTiles base is chosen). */
function pmtilesReady() {
  pmtilesProtocol ??= Promise.all([import('pmtiles'), import('maplibre-gl')]).then(([pm, ml]) => {
    const protocol = new pm.Protocol({ metadata: true });
    ml.addProtocol('pmtiles', protocol.tile);
    return protocol;
  });
  return pmtilesProtocol;
}

export async function resolveBase(s: BaseSource): Promise<ResolvedBase> {
  const attribution = s.attribution ? { attribution: s.attribution } : {};
  if (s.type === 'raster') {
    return {
      ok: true,
      source: {
        type: 'raster',
        tiles: [absolute(s.url)],
        tileSize: s.tileSize ?? 256,
        ...attribution,
        ...zooms(s),
      },
      layers: [rasterLayer()],
    };
  }
  if (s.type === 'vector') {
    if (/\{z\}/.test(s.url)) {
      return {
        ok: false,
        reason: {
          zh: '矢量瓦片模板地址无法得知其图层名称，请改为配置其 TileJSON 地址',
          en: 'A vector tile template does not name its layers: configure its TileJSON URL instead',
        },
      };
    }
    const res = await fetch(absolute(s.url));
    if (!res.ok) {
      return {
        ok: false,
        reason: {
          zh: `TileJSON 无法读取（HTTP ${res.status}）`,
          en: `TileJSON could not be read (HTTP ${res.status})`,
        },
      };
    }
    const ids = vectorLayerIds(await res.json());
    if (!ids.length) {
      return {
        ok: false,
        reason: { zh: 'TileJSON 未列出矢量图层（vector_layers）', en: 'The TileJSON lists no vector_layers' },
      };
    }
    return {
      ok: true,
      source: { type: 'vector', url: absolute(s.url), ...attribution, ...zooms(s) },
      layers: vectorLayers(ids),
    };
  }
  // PMTiles: one file read by HTTP range requests (the server must answer them).
  const protocol = await pmtilesReady();
  const { PMTiles, TileType } = await import('pmtiles');
  const url = absolute(s.url);
  const archive = protocol.get(url) ?? new PMTiles(url);
  protocol.add(archive);
  const header = await archive.getHeader();
  const source = `pmtiles://${url}`;
  if (header.tileType === TileType.Mvt) {
    const ids = vectorLayerIds(await archive.getMetadata());
    if (!ids.length) {
      return {
        ok: false,
        reason: { zh: 'PMTiles 元数据未列出矢量图层', en: 'The PMTiles metadata lists no vector layers' },
      };
    }
    return { ok: true, source: { type: 'vector', url: source, ...attribution }, layers: vectorLayers(ids) };
  }
  if ([TileType.Png, TileType.Jpeg, TileType.Webp, TileType.Avif].includes(header.tileType)) {
    return {
      ok: true,
      source: { type: 'raster', url: source, tileSize: s.tileSize ?? 256, ...attribution },
      layers: [rasterLayer()],
    };
  }
  return {
    ok: false,
    reason: {
      zh: `不支持的 PMTiles 瓦片格式（${header.tileType}）`,
      en: `Unsupported PMTiles tile type (${header.tileType})`,
    },
  };
}

import { useQuery } from '@tanstack/react-query';
import { Layer, Source } from '@vis.gl/react-maplibre';
import { useMemo } from 'react';
import { api, unwrap } from '../../api/client';
import { useSeaLive } from './live';

/** Colours of the geometry kinds and vessel states (the legend on the sea page uses the same). */
export const KIND_COLORS: Record<string, string> = {
  channel: '#2563eb',
  corridor: '#16a34a',
  zone: '#dc2626',
  port: '#7c3aed',
};
export const STATUS_COLORS: Record<string, string> = {
  at_sea: '#0ea5e9',
  in_port: '#64748b',
  silent: '#f59e0b',
  unknown: '#94a3b8',
};

export function useSeaLayer(enabled = true) {
  return useQuery({
    queryKey: ['sea', 'layer'],
    enabled,
    queryFn: () =>
      unwrap(api.GET('/api/sea/layer', { params: { query: { trackMinutes: 30, maxTracks: 300 } } })),
    // Refreshed by the event stream (useSeaLive, on sea.positions); this is only the fallback when it is down.
    refetchInterval: 60_000,
  });
}

export function useSeaGeometries(enabled = true) {
  return useQuery({
    queryKey: ['sea', 'geometries'],
    enabled,
    queryFn: () => unwrap(api.GET('/api/sea/geometries', { params: { query: {} } })),
    staleTime: 60_000,
  });
}

/**
 * 海上斑马线 as MapLibre sources and layers, for the sea page's map and the city map's 渔船 layer: channels,
 * corridors, zones and ports (fills and outlines), the recent tracks, and the vessels (a dot per vessel, red
 * ringed when it has an open alert). Layer ids: `sea-geometry-fill`, `sea-tracks`, `sea-vessels`.
 */
export function SeaLayers({
  beforeId,
  labels = true,
  live = false,
}: {
  beforeId?: string;
  labels?: boolean;
  /** Listen to the event stream here (the city map); the sea page listens itself, for its notifier too. */
  live?: boolean;
}) {
  const layer = useSeaLayer();
  const geometries = useSeaGeometries();
  const shapes = useMemo(
    () => ({
      type: 'FeatureCollection' as const,
      features: (geometries.data?.items ?? []).map((g) => ({
        type: 'Feature' as const,
        id: Number(g.id),
        properties: { id: g.id, kind: g.kind, name: g.name },
        geometry: { type: 'Polygon' as const, coordinates: g.coordinates },
      })),
    }),
    [geometries.data],
  );
  const tracks = useMemo(
    () => ({
      type: 'FeatureCollection' as const,
      features: (layer.data?.tracks ?? []).map((t) => ({
        type: 'Feature' as const,
        properties: { vesselId: t.vesselId },
        geometry: { type: 'LineString' as const, coordinates: t.coordinates },
      })),
    }),
    [layer.data],
  );
  const vessels = useMemo(
    () => ({
      type: 'FeatureCollection' as const,
      features: (layer.data?.vessels ?? []).map((v) => ({
        type: 'Feature' as const,
        properties: {
          id: v.id,
          number: v.number,
          status: v.status,
          alert: v.openAlerts > 0,
          cog: v.cog ?? 0,
        },
        geometry: { type: 'Point' as const, coordinates: [v.lng, v.lat] },
      })),
    }),
    [layer.data],
  );
  const kindColor = ['match', ['get', 'kind'], ...Object.entries(KIND_COLORS).flat(), '#888'] as never;
  const statusColor = ['match', ['get', 'status'], ...Object.entries(STATUS_COLORS).flat(), '#888'] as never;
  const before = beforeId ? { beforeId } : {};
  return (
    <>
      {live && <SeaLive />}
      <Source id="sea-geometry" type="geojson" data={shapes}>
        <Layer
          id="sea-geometry-fill"
          type="fill"
          {...before}
          paint={{
            'fill-color': kindColor,
            'fill-opacity': ['match', ['get', 'kind'], 'corridor', 0.35, 0.15],
          }}
        />
        <Layer
          id="sea-geometry-line"
          type="line"
          {...before}
          paint={{ 'line-color': kindColor, 'line-width': 1.5, 'line-dasharray': [2, 1] }}
        />
        {labels && (
          <Layer
            id="sea-geometry-label"
            type="symbol"
            layout={{ 'text-field': ['get', 'name'], 'text-font': ['Noto Sans Regular'], 'text-size': 11 }}
            paint={{ 'text-color': kindColor, 'text-halo-color': '#fff', 'text-halo-width': 1 }}
          />
        )}
      </Source>
      <Source id="sea-tracks" type="geojson" data={tracks}>
        <Layer
          id="sea-tracks"
          type="line"
          paint={{ 'line-color': '#0369a1', 'line-width': 1.5, 'line-opacity': 0.6 }}
        />
      </Source>
      <Source id="sea-vessels" type="geojson" data={vessels}>
        <Layer
          id="sea-vessels"
          type="circle"
          paint={{
            'circle-radius': 5,
            'circle-color': statusColor,
            'circle-stroke-color': ['case', ['get', 'alert'], '#dc2626', '#ffffff'],
            'circle-stroke-width': ['case', ['get', 'alert'], 3, 1.5],
          }}
        />
        {labels && (
          <Layer
            id="sea-vessels-label"
            type="symbol"
            minzoom={10}
            layout={{
              'text-field': ['get', 'number'],
              'text-font': ['Noto Sans Regular'],
              'text-size': 11,
              'text-offset': [0, 1.2],
            }}
            paint={{ 'text-color': '#0f172a', 'text-halo-color': '#fff', 'text-halo-width': 1 }}
          />
        )}
      </Source>
    </>
  );
}

function SeaLive() {
  useSeaLive();
  return null;
}

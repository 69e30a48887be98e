import { Layer, Map as MapGL, Source } from '@vis.gl/react-maplibre';
import type { StyleSpecification } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useMemo } from 'react';

export interface RoutePoint {
  id: string;
  name: string;
  lng: number;
  lat: number;
  radiusM: number;
  done?: boolean;
}

/** No URL anywhere: the route draws offline on a plain ground (a configured base map is the big map's job). */
const STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef2f6' } }],
};

/**
 * A small map of one patrol route: the line, its check points (green once reached, blue before) and, on the
 * phone page, where the browser last said the user was (orange).
 */
export default function RouteMap({
  coordinates,
  checkpoints,
  me,
  height = 260,
}: {
  coordinates: number[][];
  checkpoints: RoutePoint[];
  me?: { lng: number; lat: number } | null;
  height?: number;
}) {
  const bounds = useMemo(() => {
    const pts = [
      ...coordinates,
      ...checkpoints.map((c) => [c.lng, c.lat]),
      ...(me ? [[me.lng, me.lat]] : []),
    ];
    const xs = pts.map((p) => p[0]!);
    const ys = pts.map((p) => p[1]!);
    return [
      [Math.min(...xs), Math.min(...ys)],
      [Math.max(...xs), Math.max(...ys)],
    ] as [[number, number], [number, number]];
  }, [coordinates, checkpoints, me]);
  const line = useMemo(
    () => ({
      type: 'Feature' as const,
      properties: {},
      geometry: { type: 'LineString' as const, coordinates },
    }),
    [coordinates],
  );
  const points = useMemo(
    () => ({
      type: 'FeatureCollection' as const,
      features: checkpoints.map((c) => ({
        type: 'Feature' as const,
        properties: { name: c.name, done: !!c.done, radius: c.radiusM },
        geometry: { type: 'Point' as const, coordinates: [c.lng, c.lat] },
      })),
    }),
    [checkpoints],
  );
  if (coordinates.length === 0) return null;
  return (
    <div
      style={{ height, position: 'relative', borderRadius: 6, overflow: 'hidden' }}
      data-testid="route-map"
    >
      <MapGL
        key={`${bounds[0].join()},${bounds[1].join()}`}
        initialViewState={{ bounds, fitBoundsOptions: { padding: 28, maxZoom: 17 } }}
        mapStyle={STYLE}
        workerUrl={workerUrl}
        style={{ position: 'absolute', inset: 0 }}
        attributionControl={false}
        dragRotate={false}
        touchPitch={false}
      >
        <Source id="route" type="geojson" data={line}>
          <Layer
            id="route-line"
            type="line"
            paint={{ 'line-color': '#1d4ed8', 'line-width': 4, 'line-opacity': 0.8 }}
            layout={{ 'line-join': 'round', 'line-cap': 'round' }}
          />
        </Source>
        <Source id="checkpoints" type="geojson" data={points}>
          <Layer
            id="checkpoint-dot"
            type="circle"
            paint={{
              'circle-radius': 7,
              'circle-color': ['case', ['get', 'done'], '#16a34a', '#2563eb'],
              'circle-stroke-color': '#fff',
              'circle-stroke-width': 2,
            }}
          />
        </Source>
        {me && (
          <Source
            id="me"
            type="geojson"
            data={{
              type: 'Feature',
              properties: {},
              geometry: { type: 'Point', coordinates: [me.lng, me.lat] },
            }}
          >
            <Layer
              id="me-dot"
              type="circle"
              paint={{
                'circle-radius': 6,
                'circle-color': '#f97316',
                'circle-stroke-color': '#fff',
                'circle-stroke-width': 2,
              }}
            />
          </Source>
        )}
      </MapGL>
    </div>
  );
}

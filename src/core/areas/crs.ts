import gcoordModule from 'gcoord';

// The one place where Chinese map coordinates (GCJ-02, "Mars coordinates") become WGS-84; everything the
// platform stores is WGS-84. gcoord is CommonJS with ESM-shaped types: the API may sit on `.default`.
type Gcoord = (typeof gcoordModule)['default'];
const gcoord: Gcoord =
  (gcoordModule as unknown as { default?: Gcoord }).default ?? (gcoordModule as unknown as Gcoord);

type Input = Parameters<Gcoord['transform']>[0];

/** Converts a GeoJSON object or a [lng, lat] position; the result has the input's shape. */
export function gcj02ToWgs84<T>(input: T): T {
  return gcoord.transform(input as Input, gcoord.GCJ02, gcoord.WGS84) as T;
}

export function wgs84ToGcj02<T>(input: T): T {
  return gcoord.transform(input as Input, gcoord.WGS84, gcoord.GCJ02) as T;
}

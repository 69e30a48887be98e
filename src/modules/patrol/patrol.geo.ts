/**
 * 平安乐巡's geometry on WGS-84 coordinates: great-circle distance (haversine, as 一键直达's arrival check),
 * the distance from a point to a route (a polyline; flat projection around the point, exact to centimetres at
 * patrol distances), a route's length, and the checks that make a route, a check point and a browser's fix
 * valid. Pure: no database, no I/O.
 */

export interface LngLat {
  lng: number;
  lat: number;
}

/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6_371_008.8;
/** China's extent, as the rest of the API bounds points. */
export const CHINA = { minLng: 73, maxLng: 136, minLat: 3, maxLat: 54 } as const;
export const MAX_ROUTE_POINTS = 200;
export const MAX_ROUTE_LENGTH_M = 50_000;
export const MAX_CHECKPOINTS = 50;
/** A check point farther than this from its route is a typing mistake, not a detour. */
export const MAX_CHECKPOINT_OFF_ROUTE_M = 500;
export const MIN_RADIUS_M = 10;
export const MAX_RADIUS_M = 1000;
/** A fix less precise than this cannot prove presence at a check point. */
export const MAX_ACCURACY_M = 500;
export const MAX_FIX_AGE_MS = 2 * 60_000;
export const MAX_CLOCK_SKEW_MS = 60_000;

const rad = (d: number) => (d * Math.PI) / 180;

export function distanceM(a: LngLat, b: LngLat): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function inChina(p: LngLat): boolean {
  return (
    Number.isFinite(p.lng) &&
    Number.isFinite(p.lat) &&
    p.lng >= CHINA.minLng &&
    p.lng <= CHINA.maxLng &&
    p.lat >= CHINA.minLat &&
    p.lat <= CHINA.maxLat
  );
}

/** Total length of a polyline, metres. */
export function routeLengthM(coords: readonly (readonly [number, number])[]): number {
  let s = 0;
  for (let i = 1; i < coords.length; i++) {
    const [a, b] = [coords[i - 1]!, coords[i]!];
    s += distanceM({ lng: a[0], lat: a[1] }, { lng: b[0], lat: b[1] });
  }
  return s;
}

/** The shortest distance from `p` to the polyline, metres (each segment projected flat around p). */
export function distanceToRouteM(p: LngLat, coords: readonly (readonly [number, number])[]): number {
  const m = (EARTH_RADIUS_M * Math.PI) / 180;
  const kx = m * Math.cos(rad(p.lat));
  const xy = (c: readonly [number, number]) => [(c[0] - p.lng) * kx, (c[1] - p.lat) * m] as const;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < coords.length; i++) {
    const a = xy(coords[i]!);
    const b = i + 1 < coords.length ? xy(coords[i + 1]!) : a;
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(a[0] * dx + a[1] * dy) / len2));
    best = Math.min(best, Math.hypot(a[0] + t * dx, a[1] + t * dy));
  }
  return best;
}

export interface GeometryProblem {
  path: string;
  message: string;
  zh: string;
}

/**
 * What is wrong with a route and its check points, or nothing: 2–200 finite points inside China, at most
 * 50 km long; 1–50 check points inside China with a radius of 10–1000 m, each within 500 m of the route.
 */
export function routeProblems(
  coords: readonly (readonly number[])[],
  checkpoints: readonly { lng: number; lat: number; radiusM: number }[],
): GeometryProblem[] {
  const out: GeometryProblem[] = [];
  if (coords.length < 2 || coords.length > MAX_ROUTE_POINTS) {
    out.push({
      path: 'route.coordinates',
      message: `a route has 2–${MAX_ROUTE_POINTS} points, not ${coords.length}`,
      zh: `路线须有 2–${MAX_ROUTE_POINTS} 个点（现为 ${coords.length} 个）`,
    });
    return out;
  }
  coords.forEach((c, i) => {
    if (c.length !== 2 || !inChina({ lng: c[0]!, lat: c[1]! })) {
      out.push({
        path: `route.coordinates.${i}`,
        message: 'not a [lng, lat] inside China',
        zh: `第 ${i + 1} 个点不是中国境内的有效坐标`,
      });
    }
  });
  if (out.length > 0) return out;
  const line = coords as readonly (readonly [number, number])[];
  const length = routeLengthM(line);
  if (length > MAX_ROUTE_LENGTH_M) {
    out.push({
      path: 'route',
      message: `the route is ${Math.round(length)} m long; at most ${MAX_ROUTE_LENGTH_M} m`,
      zh: `路线长 ${Math.round(length)} 米，超过 ${MAX_ROUTE_LENGTH_M / 1000} 公里`,
    });
  }
  if (checkpoints.length < 1 || checkpoints.length > MAX_CHECKPOINTS) {
    out.push({
      path: 'checkpoints',
      message: `1–${MAX_CHECKPOINTS} check points`,
      zh: `须有 1–${MAX_CHECKPOINTS} 个打卡点`,
    });
  }
  checkpoints.forEach((cp, i) => {
    if (!inChina(cp)) {
      out.push({
        path: `checkpoints.${i}`,
        message: 'not a point inside China',
        zh: `第 ${i + 1} 个打卡点坐标无效`,
      });
      return;
    }
    if (!Number.isInteger(cp.radiusM) || cp.radiusM < MIN_RADIUS_M || cp.radiusM > MAX_RADIUS_M) {
      out.push({
        path: `checkpoints.${i}.radiusM`,
        message: `a radius of ${MIN_RADIUS_M}–${MAX_RADIUS_M} m`,
        zh: `第 ${i + 1} 个打卡点的半径须为 ${MIN_RADIUS_M}–${MAX_RADIUS_M} 米`,
      });
    }
    const off = distanceToRouteM(cp, line);
    if (off > MAX_CHECKPOINT_OFF_ROUTE_M) {
      out.push({
        path: `checkpoints.${i}`,
        message: `${Math.round(off)} m from the route; at most ${MAX_CHECKPOINT_OFF_ROUTE_M} m`,
        zh: `第 ${i + 1} 个打卡点距路线 ${Math.round(off)} 米，超过 ${MAX_CHECKPOINT_OFF_ROUTE_M} 米`,
      });
    }
  });
  return out;
}

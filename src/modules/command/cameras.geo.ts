import { edgeLength, gridDisk, latLngToCell, originToDirectedEdges } from 'h3-js';
import { H3_RES } from '../../core/subjects/common.ts';

/**
 * The geometry of 一键直达's camera search, on WGS-84 coordinates: great-circle distance (haversine on the
 * IUGG mean Earth radius), the initial bearing from a camera to the matter, whether that bearing lies in
 * the camera's field of view, and the ring of h3 cells that holds every point within a radius. Pure: no
 * database, no I/O (docs/COMMAND.md explains the formulas).
 */

export interface LngLat {
  lng: number;
  lat: number;
}

/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

const rad = (d: number) => (d * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

/** Great-circle distance in metres (haversine): exact on the sphere, within 0.5 % of the ellipsoid. */
export function distanceM(a: LngLat, b: LngLat): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from `from` to `to`, degrees clockwise from true north in [0, 360). */
export function bearingDeg(from: LngLat, to: LngLat): number {
  const φ1 = rad(from.lat);
  const φ2 = rad(to.lat);
  const Δλ = rad(to.lng - from.lng);
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  return (deg(Math.atan2(y, x)) + 360) % 360;
}

/** The signed smallest angle from `heading` to `bearing`, in (-180, 180]: negative = to the left. */
export function angleOff(heading: number, bearing: number): number {
  const d = (((bearing - heading) % 360) + 360) % 360;
  return d > 180 ? d - 360 : d;
}

/** Closer than this, the matter is at the camera: any direction sees it. */
const AT_CAMERA_M = 1;

/**
 * Is the matter inside the camera's field of view (heading ± fov/2, edges included)? `null` when the camera
 * does not say where it looks (no heading or no field of view): unknown is not "no".
 */
export function inFieldOfView(
  heading: number | null,
  fov: number | null,
  bearing: number,
  distance: number,
): boolean | null {
  if (distance < AT_CAMERA_M) return true;
  if (heading === null || fov === null) return null;
  if (fov >= 360) return true;
  // A hair of tolerance so that a matter exactly on the edge is not lost to floating point.
  return Math.abs(angleOff(heading, bearing)) <= fov / 2 + 1e-9;
}

/**
 * The res-9 h3 cells that hold every point within `radiusM` of `p`: a disk of k rings around p's cell.
 * Centres of cells k+1 rings away are at least 1.5·(k+1)·e apart from p's cell centre (e: the edge length;
 * the ring's nearest centres lie at its sides' midpoints), and a point is at most e from its cell's centre,
 * so k = ⌈(r + 2e) / 1.5e⌉ misses nothing. e is the shortest edge of p's own cell, less 10 % for the size
 * change between neighbours. 5 km at Wenzhou's latitude: k ≈ 23, about 1,700 cells.
 */
export function cellsWithin(p: LngLat, radiusM: number): string[] {
  const cell = latLngToCell(p.lat, p.lng, H3_RES);
  const e = 0.9 * Math.min(...originToDirectedEdges(cell).map((x) => edgeLength(x, 'm')));
  const k = Math.ceil((radiusM + 2 * e) / (1.5 * e));
  return gridDisk(cell, k);
}

/** A number attribute (heading, fov) as stored in a thing's JSON attributes, or null. */
export function numberAttr(v: unknown): number | null {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

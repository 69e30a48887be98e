import { validLngLat } from './sea.geo.ts';
import type { Position, RejectReason } from './sea.rules.ts';

/**
 * Position payloads (docs/SEA.md). A message on `zhili/vessels/{number}/position` carries either
 *  - JSON `{"lng":120.95,"lat":27.83,"sog":6.2,"cog":85,"ts":1764480000000}` (ts: epoch ms or ISO 8601;
 *    sog knots, cog degrees, both optional), or
 *  - an NMEA 0183 RMC sentence, e.g. `$GPRMC,083559.00,A,2750.1234,N,12056.7890,E,6.2,85.0,301126,,,A*6C`
 *    (status A; latitude ddmm.mmmm, longitude dddmm.mmmm; speed in knots; date ddmmyy; the checksum, when
 *    present, is checked).
 * Anything else is a typed rejection, never an exception.
 */

export const TOPIC_PREFIX = 'zhili/vessels/';
export const TOPIC_FILTER = 'zhili/vessels/+/position';
export const VESSEL_NUMBER = /^[\p{Script=Han}A-Za-z0-9-]{2,30}$/u;

export function topicFor(number: string): string {
  return `${TOPIC_PREFIX}${number}/position`;
}

export function numberOfTopic(topic: string): string | null {
  if (!topic.startsWith(TOPIC_PREFIX) || !topic.endsWith('/position')) return null;
  const n = topic.slice(TOPIC_PREFIX.length, -'/position'.length);
  return VESSEL_NUMBER.test(n) ? n : null;
}

export type Parsed = { ok: true; position: Position } | { ok: false; reason: RejectReason; detail: string };

const bad = (detail: string): Parsed => ({ ok: false, reason: 'malformed', detail });
const range = (detail: string): Parsed => ({ ok: false, reason: 'out_of_range', detail });

function optionalNumber(v: unknown, min: number, max: number): number | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) return undefined;
  return v;
}

/** A position object (JSON payload, or one record of the push API). */
export function parseObject(o: unknown): Parsed {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return bad('not an object');
  const r = o as Record<string, unknown>;
  if (typeof r.lng !== 'number' || typeof r.lat !== 'number') return bad('lng and lat must be numbers');
  if (!validLngLat(r.lng, r.lat)) return range(`lng ${r.lng}, lat ${r.lat} out of range`);
  const sog = optionalNumber(r.sog, 0, 102.2);
  if (sog === undefined) return range('sog must be 0–102.2 knots');
  const cog = optionalNumber(r.cog, 0, 360);
  if (cog === undefined) return range('cog must be 0–360°');
  let ts: number;
  if (typeof r.ts === 'number' && Number.isFinite(r.ts)) ts = r.ts;
  else if (typeof r.ts === 'string' && r.ts.length <= 40) ts = Date.parse(r.ts);
  else return bad('ts must be epoch ms or ISO 8601');
  if (!Number.isFinite(ts) || ts < Date.UTC(2000, 0, 1)) return bad('ts is not a valid time');
  return { ok: true, position: { lng: r.lng, lat: r.lat, sog, cog, ts: Math.round(ts) } };
}

function nmeaChecksum(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return x.toString(16).toUpperCase().padStart(2, '0');
}

/** Builds an RMC sentence (used by the simulator and the tests). */
export function toRmc(p: Position): string {
  const d = new Date(p.ts);
  const two = (n: number) => String(n).padStart(2, '0');
  const hms = `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}.${String(
    Math.floor(d.getUTCMilliseconds() / 10),
  ).padStart(2, '0')}`;
  const dmy = `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`;
  const lat = Math.abs(p.lat);
  const lng = Math.abs(p.lng);
  const latS = `${two(Math.floor(lat))}${((lat % 1) * 60).toFixed(4).padStart(7, '0')}`;
  const lngS = `${String(Math.floor(lng)).padStart(3, '0')}${((lng % 1) * 60).toFixed(4).padStart(7, '0')}`;
  const body = `GPRMC,${hms},A,${latS},${p.lat >= 0 ? 'N' : 'S'},${lngS},${p.lng >= 0 ? 'E' : 'W'},${(p.sog ?? 0).toFixed(1)},${(p.cog ?? 0).toFixed(1)},${dmy},,,A`;
  return `$${body}*${nmeaChecksum(body)}`;
}

function parseRmc(s: string): Parsed {
  const star = s.lastIndexOf('*');
  const body = s.slice(1, star >= 0 ? star : undefined);
  if (star >= 0 && s.slice(star + 1, star + 3).toUpperCase() !== nmeaChecksum(body))
    return bad('NMEA checksum mismatch');
  const f = body.split(',');
  if (!/^[A-Z]{2}RMC$/.test(f[0] ?? '') || f.length < 10) return bad('not an RMC sentence');
  if (f[2] !== 'A') return bad('RMC status is not A (valid)');
  const hms = /^(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?$/.exec(f[1] ?? '');
  const dmy = /^(\d{2})(\d{2})(\d{2})$/.exec(f[9] ?? '');
  const la = /^(\d{2})(\d{2}(?:\.\d+)?)$/.exec(f[3] ?? '');
  const lo = /^(\d{3})(\d{2}(?:\.\d+)?)$/.exec(f[5] ?? '');
  if (!hms || !dmy || !la || !lo || !/^[NS]$/.test(f[4] ?? '') || !/^[EW]$/.test(f[6] ?? ''))
    return bad('RMC fields unreadable');
  const lat = (Number(la[1]) + Number(la[2]) / 60) * (f[4] === 'S' ? -1 : 1);
  const lng = (Number(lo[1]) + Number(lo[2]) / 60) * (f[6] === 'W' ? -1 : 1);
  if (!validLngLat(lng, lat) || Number(la[2]) >= 60 || Number(lo[2]) >= 60)
    return range(`lng ${lng}, lat ${lat} out of range`);
  const ms = hms[4] ? Number(hms[4].padEnd(3, '0')) : 0;
  const ts = Date.UTC(
    2000 + Number(dmy[3]),
    Number(dmy[2]) - 1,
    Number(dmy[1]),
    Number(hms[1]),
    Number(hms[2]),
    Number(hms[3]),
    ms,
  );
  if (!Number.isFinite(ts)) return bad('RMC time unreadable');
  const sog = f[7] ? Number(f[7]) : null;
  const cog = f[8] ? Number(f[8]) : null;
  return parseObject({ lng, lat, sog, cog, ts });
}

/** A message's payload (bytes or text). */
export function parsePayload(payload: Buffer | string): Parsed {
  if (payload.length > 1024) return bad('payload longer than 1024 bytes');
  const s = (typeof payload === 'string' ? payload : payload.toString('utf8')).trim();
  if (s.startsWith('$')) return parseRmc(s);
  if (!s.startsWith('{')) return bad('neither JSON nor an NMEA sentence');
  let o: unknown;
  try {
    o = JSON.parse(s);
  } catch {
    return bad('invalid JSON');
  }
  return parseObject(o);
}

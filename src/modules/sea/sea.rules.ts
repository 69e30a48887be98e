import { z } from 'zod';
import { channelBreach, distanceKm, firstContaining, type Shape } from './sea.geo.ts';

/**
 * The rules, evaluated per position by the one consumer of the feed (docs/SEA.md). Pure and synchronous:
 * the state it keeps per vessel is the previous accepted position and where it was (port, zone); the feed
 * owns storing, alerting and the port-report lookup.
 */

export const RULES = ['channel_crossing', 'restricted_zone', 'signal_lost', 'closure', 'port_exit'] as const;
export type Rule = (typeof RULES)[number];

export const RULE_NAMES: Record<Rule, { zh: string; en: string }> = {
  channel_crossing: { zh: '斑马线外穿越航道', en: 'Crossed a channel outside a corridor' },
  restricted_zone: { zh: '驶入禁入区', en: 'Entered a restricted zone' },
  signal_lost: { zh: '信号中断', en: 'Signal lost' },
  closure: { zh: '休渔令/台风封港后仍在海上', en: 'At sea under a closure order' },
  port_exit: { zh: '未报告擅自出港', en: 'Left port without an exit report' },
};

/** Parameters an administrator may change (PUT /api/sea/params, audited, versioned). */
export const SeaParams = z.object({
  /** A vessel at sea silent for longer than this raises signal_lost. */
  signalLostMinutes: z.number().int().min(1).max(1440).default(30),
  /** A position implying a faster speed than this since the previous one is a jump: rejected and flagged. */
  maxSpeedKnots: z.number().min(5).max(500).default(60),
  /** …checked only when the previous position is at most this old (after a longer gap a vessel may be anywhere). */
  jumpWindowMinutes: z.number().int().min(1).max(1440).default(30),
  /** An exit report covers departures for this long (unless an entry report follows). */
  exitReportValidHours: z.number().int().min(1).max(720).default(24),
  /** Positions stamped further ahead of the server's clock than this are rejected. */
  maxFutureSeconds: z.number().int().min(0).max(3600).default(300),
  /** Rules switched on. */
  enabled: z
    .object({
      channel_crossing: z.boolean().default(true),
      restricted_zone: z.boolean().default(true),
      signal_lost: z.boolean().default(true),
      closure: z.boolean().default(true),
      port_exit: z.boolean().default(true),
    })
    .default({
      channel_crossing: true,
      restricted_zone: true,
      signal_lost: true,
      closure: true,
      port_exit: true,
    }),
});
export type SeaParams = z.infer<typeof SeaParams>;
export const DEFAULT_PARAMS: SeaParams = SeaParams.parse({});

export interface Position {
  lng: number;
  lat: number;
  sog: number | null;
  cog: number | null;
  /** ms since epoch */
  ts: number;
}

export interface Closure {
  id: string;
  name: string;
  shape: Shape;
  startsAt: number;
  /** ms; null = until lifted */
  endsAt: number | null;
}

export interface Geometry {
  channels: Shape[];
  corridors: Shape[];
  zones: Shape[];
  ports: Shape[];
  closures: Closure[];
}

export const EMPTY_GEOMETRY: Geometry = { channels: [], corridors: [], zones: [], ports: [], closures: [] };

export interface VesselState {
  ts: number;
  lng: number;
  lat: number;
  port: string | null;
  zone: string | null;
  /** signal_lost already raised for this silence */
  silentFlagged: boolean;
  /**
   * Fixes rejected as jumps that agree with each other (a receiver reset, a vessel that really is elsewhere):
   * after JUMP_REANCHOR of them in a row the track restarts from the latest.
   */
  jumpTrail?: { ts: number; lng: number; lat: number; n: number } | undefined;
}

export interface Breach {
  rule: Rule;
  detail: string;
  /** where (the position, or the crossing point) */
  lng: number;
  lat: number;
  /** port_exit: the port left; the feed checks the reports before raising it. */
  port?: string;
}

export type RejectReason =
  | 'malformed'
  | 'out_of_range'
  | 'jump'
  | 'out_of_order'
  | 'future'
  | 'unknown_vessel';

/** Consistent jump fixes in a row after which the track restarts there (no segment is drawn across the gap). */
export const JUMP_REANCHOR = 3;

function plausible(a: { ts: number; lng: number; lat: number }, p: Position, maxKnots: number): boolean {
  const km = distanceKm([a.lng, a.lat], [p.lng, p.lat]);
  return km <= 1 || km / 1.852 / ((p.ts - a.ts) / 3_600_000) <= maxKnots;
}

export type Verdict = { ok: true; breaches: Breach[] } | { ok: false; reason: RejectReason; detail: string };

export function activeClosure(g: Geometry, ts: number, lng: number, lat: number): Closure | undefined {
  for (const c of g.closures) {
    if (ts < c.startsAt || (c.endsAt !== null && ts >= c.endsAt)) continue;
    if (firstContaining([c.shape], [lng, lat])) return c;
  }
  return undefined;
}

/**
 * Evaluates one position of one vessel against the previous one; updates `states` when accepted. The range
 * was checked by the parser; here: order, time, speed, then the rules.
 */
export function evaluatePosition(
  states: Map<string, VesselState>,
  vesselId: string,
  p: Position,
  g: Geometry,
  params: SeaParams,
  now: number,
): Verdict {
  if (p.ts > now + params.maxFutureSeconds * 1000)
    return { ok: false, reason: 'future', detail: `ts ${new Date(p.ts).toISOString()} is in the future` };
  const prev = states.get(vesselId);
  if (prev && p.ts <= prev.ts)
    return { ok: false, reason: 'out_of_order', detail: 'not newer than the previous position' };
  // After a gap longer than the jump window the track restarts here: no segment is drawn across the gap (a
  // channel "crossed" while silent, or a port "left" hours ago, is not known).
  let reanchored = !!prev && p.ts - prev.ts > params.jumpWindowMinutes * 60_000;
  if (prev && !reanchored) {
    const km = distanceKm([prev.lng, prev.lat], [p.lng, p.lat]);
    const hours = (p.ts - prev.ts) / 3_600_000;
    const knots = km / 1.852 / hours;
    // A few hundred metres of GPS noise between close fixes is not a jump.
    if (km > 1 && knots > params.maxSpeedKnots) {
      const t = prev.jumpTrail;
      const n = t && p.ts > t.ts && plausible(t, p, params.maxSpeedKnots) ? t.n + 1 : 1;
      if (n < JUMP_REANCHOR) {
        prev.jumpTrail = { ts: p.ts, lng: p.lng, lat: p.lat, n };
        return {
          ok: false,
          reason: 'jump',
          detail: `${km.toFixed(1)} km in ${Math.round((p.ts - prev.ts) / 1000)} s (${Math.round(knots)} kn)`,
        };
      }
      reanchored = true;
    }
  }
  const here: [number, number] = [p.lng, p.lat];
  const port = firstContaining(g.ports, here)?.name ?? null;
  const zone = firstContaining(g.zones, here)?.name ?? null;
  const breaches: Breach[] = [];
  const on = params.enabled;
  if (on.channel_crossing && prev && !reanchored) {
    const b = channelBreach(g.channels, g.corridors, [prev.lng, prev.lat], here);
    if (b)
      breaches.push({
        rule: 'channel_crossing',
        detail: `在斑马线外穿越${b.channel.name} / crossed ${b.channel.name} outside a corridor`,
        lng: b.at[0]!,
        lat: b.at[1]!,
      });
  }
  if (on.restricted_zone && zone && (!prev || prev.zone !== zone))
    breaches.push({
      rule: 'restricted_zone',
      detail: `驶入${zone} / entered ${zone}`,
      lng: p.lng,
      lat: p.lat,
    });
  if (on.closure && !port) {
    const c = activeClosure(g, p.ts, p.lng, p.lat);
    if (c)
      breaches.push({
        rule: 'closure',
        detail: `${c.name}生效期间仍在海上 / at sea under ${c.name}`,
        lng: p.lng,
        lat: p.lat,
      });
  }
  if (on.port_exit && prev?.port && !port && !reanchored)
    breaches.push({
      rule: 'port_exit',
      detail: `驶离${prev.port} / left ${prev.port}`,
      lng: p.lng,
      lat: p.lat,
      port: prev.port,
    });
  states.set(vesselId, { ts: p.ts, lng: p.lng, lat: p.lat, port, zone, silentFlagged: false });
  return { ok: true, breaches };
}

/** Vessels at sea (not in a port) silent for longer than the parameter and not yet flagged: flags them. */
export function silentVessels(
  states: Map<string, VesselState>,
  params: SeaParams,
  now: number,
): { vesselId: string; state: VesselState }[] {
  if (!params.enabled.signal_lost) return [];
  const limit = params.signalLostMinutes * 60_000;
  const out: { vesselId: string; state: VesselState }[] = [];
  for (const [vesselId, s] of states) {
    if (s.silentFlagged || s.port || now - s.ts <= limit) continue;
    s.silentFlagged = true;
    out.push({ vesselId, state: s });
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { parsePayload, toRmc } from './sea.parse.ts';
import {
  DEFAULT_PARAMS,
  EMPTY_GEOMETRY,
  evaluatePosition,
  JUMP_REANCHOR,
  type VesselState,
} from './sea.rules.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 30, 0, 0, 0);

describe('sea rules (pure)', () => {
  it('rejects a 500-km jump, and restarts the track after consistent fixes far away (a receiver reset)', () => {
    const states = new Map<string, VesselState>();
    const at = (lng: number, lat: number, ts: number) => ({ lng, lat, sog: 10, cog: 90, ts });
    const now = T0 + 60 * MIN;
    expect(evaluatePosition(states, '1', at(121.3, 27.8, T0), EMPTY_GEOMETRY, DEFAULT_PARAMS, now).ok).toBe(
      true,
    );
    // ~500 km away one minute later, then moving plausibly from there.
    const far = [at(125.5, 30.2, T0 + MIN), at(125.505, 30.2, T0 + 2 * MIN), at(125.51, 30.2, T0 + 3 * MIN)];
    const verdicts = far.map((p) => evaluatePosition(states, '1', p, EMPTY_GEOMETRY, DEFAULT_PARAMS, now));
    expect(verdicts.map((v) => (v.ok ? 'ok' : v.reason))).toEqual([
      ...Array.from({ length: JUMP_REANCHOR - 1 }, () => 'jump'),
      'ok',
    ]);
    expect(states.get('1')?.lng).toBeCloseTo(125.51, 6);
    // Scattered fixes (each a jump from the last) never re-anchor.
    const s2 = new Map<string, VesselState>();
    evaluatePosition(s2, '2', at(121.3, 27.8, T0), EMPTY_GEOMETRY, DEFAULT_PARAMS, now);
    const scattered = [at(125, 30, T0 + MIN), at(121.3, 24, T0 + 2 * MIN), at(118, 30, T0 + 3 * MIN)];
    expect(
      scattered
        .map((p) => evaluatePosition(s2, '2', p, EMPTY_GEOMETRY, DEFAULT_PARAMS, now))
        .every((v) => !v.ok),
    ).toBe(true);
  });

  it('reads JSON and NMEA RMC alike, and types every bad payload', () => {
    const p = { lng: 121.36, lat: 27.9, sog: 8.5, cog: 92, ts: T0 + 1230 };
    const json = parsePayload(JSON.stringify(p));
    const rmc = parsePayload(toRmc(p));
    expect(json).toEqual({ ok: true, position: p });
    expect(rmc.ok && Math.abs(rmc.position.lng - p.lng) < 1e-6 && rmc.position.ts === T0 + 1230).toBe(true);
    expect(parsePayload('{"lng":200,"lat":0,"ts":1764480000000}')).toMatchObject({
      ok: false,
      reason: 'out_of_range',
    });
    expect(parsePayload(`${toRmc(p).slice(0, -2)}00`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parsePayload('$GPRMC,083559.00,V,,,,,,,301126,,,N')).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(parsePayload('{')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('the simulator tells its stories against the demo geometry', () => {
  it('breach → channel_crossing, corridor → none, noreport → port_exit, fishing → none', async () => {
    const { SEA_SHAPES } = await import('../../cli/seed/sea.ts');
    const { planVessels, step } = await import('./sea.sim.ts');
    const { toShape } = await import('./sea.geo.ts');
    const g = { channels: [], corridors: [], zones: [], ports: [], closures: [] } as unknown as Parameters<
      typeof evaluatePosition
    >[3];
    for (const [i, s] of SEA_SHAPES.entries())
      ({ channel: g.channels, corridor: g.corridors, zone: g.zones, port: g.ports })[s.kind].push(
        toShape(String(i), s.name, s.kind, s.ring),
      );
    const numbers = Array.from({ length: 12 }, (_, i) => `浙洞渔${String(i).padStart(5, '0')}`);
    const plan = planVessels(numbers, { breachShare: 0.2 });
    const rules = new Map<string, Set<string>>();
    const states = new Map<string, VesselState>();
    for (let t = 0; t < 120; t++) {
      for (const v of plan) {
        if (t > 0) step(v, 5);
        const r = evaluatePosition(
          states,
          v.number,
          { lng: v.pos[0], lat: v.pos[1], sog: v.speed, cog: 0, ts: T0 + t * 5000 },
          g,
          DEFAULT_PARAMS,
          T0 + t * 5000,
        );
        expect(r.ok, `${v.role} ${JSON.stringify(r)}`).toBe(true);
        if (r.ok) for (const b of r.breaches) rules.set(v.role, (rules.get(v.role) ?? new Set()).add(b.rule));
      }
    }
    expect([...(rules.get('breach') ?? [])]).toContain('channel_crossing');
    expect(rules.get('corridor')).toBeUndefined();
    expect([...(rules.get('noreport') ?? [])]).toContain('port_exit');
    expect(rules.get('fishing')).toBeUndefined();
  });
});

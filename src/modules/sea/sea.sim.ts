import mqtt, { type MqttClient } from 'mqtt';
import { mulberry32 } from '../../shared/random.ts';
import { topicFor, toRmc } from './sea.parse.ts';

/**
 * The demo simulator: vessels publishing realistic tracks over MQTT (`zhili sea simulate`, and in-process in
 * the demo `npm start`). Each vessel follows waypoints at its speed; roles decide the story:
 *  - `corridor`: crosses the coastal route inside the 洞头东斑马线 (no alert);
 *  - `breach`: crosses the same route north of it, outside any corridor (channel_crossing);
 *  - `silent`: fishes east of the route, then stops reporting (signal_lost after the threshold);
 *  - `noreport`: leaves 洞头中心渔港 without an exit report (port_exit);
 *  - `fishing`: trawls back and forth in open water east of the route (no alert).
 * Every third message is an NMEA RMC sentence, the others JSON. Speeds stay under the jump threshold.
 */

export type SimRole = 'corridor' | 'breach' | 'silent' | 'noreport' | 'fishing';

export interface SimVessel {
  number: string;
  role: SimRole;
  waypoints: [number, number][];
  /** knots */
  speed: number;
  pos: [number, number];
  leg: number;
  /** silent: stops after this many messages */
  stopAfter?: number;
  sent: number;
}

/** Where the stories happen (the seed's geometry: src/cli/seed/sea.ts). */
const ROUTE_WEST = 121.35;
const ROUTE_EAST = 121.37;
const PORT_DONGTOU: [number, number] = [121.15, 27.835];

export function planVessels(
  numbers: string[],
  opts: { breachShare: number; seed?: number; portNumbers?: string[] },
): SimVessel[] {
  const rnd = mulberry32(opts.seed ?? 7);
  const n = numbers.length;
  const breaches = Math.max(n > 0 ? 1 : 0, Math.round(n * opts.breachShare));
  const out: SimVessel[] = [];
  for (const [i, number] of numbers.entries()) {
    let role: SimRole;
    if (i === 0) role = 'silent';
    else if (i === 1) role = 'noreport';
    else if (i < 2 + breaches) role = 'breach';
    else if (i % 3 === 0) role = 'corridor';
    else role = 'fishing';
    const jitter = () => (rnd() - 0.5) * 0.004;
    let waypoints: [number, number][];
    switch (role) {
      case 'corridor': {
        const lat = 27.806 + rnd() * 0.008;
        waypoints = [
          [ROUTE_WEST - 0.02 - rnd() * 0.01, lat],
          [ROUTE_EAST + 0.03, lat + jitter()],
          [ROUTE_EAST + 0.08, lat + 0.03],
        ];
        break;
      }
      case 'breach': {
        const lat = 27.84 + rnd() * 0.12;
        waypoints = [
          [ROUTE_WEST - 0.005 - rnd() * 0.01, lat],
          [ROUTE_EAST + 0.04, lat + jitter()],
          [ROUTE_EAST + 0.1, lat + 0.02],
        ];
        break;
      }
      case 'noreport':
        waypoints = [PORT_DONGTOU, [121.2, 27.83], [121.3, 27.7]];
        break;
      default: {
        const lat = 27.6 + rnd() * 0.35;
        const lng = ROUTE_EAST + 0.05 + rnd() * 0.3;
        waypoints = [
          [lng, lat],
          [lng + 0.06, lat + 0.02],
          [lng, lat + 0.04],
          [lng + 0.06, lat + 0.06],
        ];
      }
    }
    out.push({
      number,
      role,
      waypoints,
      speed: role === 'fishing' ? 12 + rnd() * 8 : 25 + rnd() * 10,
      pos: [...waypoints[0]!] as [number, number],
      leg: 1,
      ...(role === 'silent' ? { stopAfter: 6 } : {}),
      sent: 0,
    });
  }
  return out;
}

/** Moves a vessel for `seconds` along its waypoints (looping back to the first when done). */
export function step(v: SimVessel, seconds: number): void {
  let remainKm = (v.speed * 1.852 * seconds) / 3600;
  while (remainKm > 0) {
    const target = v.waypoints[v.leg % v.waypoints.length]!;
    const dx = (target[0] - v.pos[0]) * 111.32 * Math.cos((v.pos[1] * Math.PI) / 180);
    const dy = (target[1] - v.pos[1]) * 110.57;
    const d = Math.hypot(dx, dy);
    if (d <= remainKm) {
      v.pos = [target[0], target[1]];
      remainKm -= d;
      v.leg++;
      if (v.leg >= v.waypoints.length) {
        v.waypoints = [...v.waypoints].reverse();
        v.leg = 1;
      }
    } else {
      v.pos = [
        v.pos[0] + ((target[0] - v.pos[0]) * remainKm) / d,
        v.pos[1] + ((target[1] - v.pos[1]) * remainKm) / d,
      ];
      remainKm = 0;
    }
  }
}

function courseOf(v: SimVessel): number {
  const t = v.waypoints[v.leg % v.waypoints.length]!;
  const deg = (Math.atan2(t[0] - v.pos[0], t[1] - v.pos[1]) * 180) / Math.PI;
  return Math.round(((deg + 360) % 360) * 10) / 10;
}

export interface Simulator {
  stop(): Promise<void>;
  sent(): number;
}

/** Publishes every vessel's position every `intervalS` seconds until stopped. */
export async function simulate(
  url: string,
  vessels: SimVessel[],
  opts: { intervalS: number; onTick?: (sent: number) => void },
): Promise<Simulator> {
  const client: MqttClient = await mqtt.connectAsync(url, {
    clientId: `zhili-sea-sim-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
    reconnectPeriod: 2000,
  });
  let total = 0;
  const tick = () => {
    const now = Date.now();
    for (const v of vessels) {
      if (v.stopAfter !== undefined && v.sent >= v.stopAfter) continue;
      if (v.sent > 0) step(v, opts.intervalS);
      const p = {
        lng: Math.round(v.pos[0] * 1e6) / 1e6,
        lat: Math.round(v.pos[1] * 1e6) / 1e6,
        sog: Math.round(v.speed * 10) / 10,
        cog: courseOf(v),
        ts: now,
      };
      const payload = total % 3 === 2 ? toRmc(p) : JSON.stringify(p);
      client.publish(topicFor(v.number), payload, { qos: 1 });
      v.sent++;
      total++;
    }
    opts.onTick?.(total);
  };
  tick();
  const timer = setInterval(tick, opts.intervalS * 1000);
  return {
    sent: () => total,
    stop: async () => {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}

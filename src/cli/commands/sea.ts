import { type Command, InvalidArgumentError } from 'commander';
import { sql } from 'kysely';
import type { Kernel } from '../../core/kernel.ts';
import { feedSettings } from '../../modules/sea/index.ts';
import { DEFAULT_MQTT_PORT, feedOf } from '../../modules/sea/sea.feed.ts';
import { planVessels, type Simulator, simulate } from '../../modules/sea/sea.sim.ts';

function intIn(min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`应为 ${min}–${max} 的整数 / an integer ${min}–${max}`);
    return n;
  };
}

function share(v: string) {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('应为 0–1 / between 0 and 1');
  return n;
}

async function vesselNumbers(k: Kernel, n: number): Promise<string[]> {
  // 洞头's vessels first: the stories happen off 洞头.
  const r = await sql<{ number: string }>`select number from sea_vessels
    order by (area_code like '330305%') desc, number limit ${n}`.execute(k.db);
  return r.rows.map((x) => x.number);
}

/**
 * The demo's in-process simulator (`npm start` with the demo data): a dozen vessels off 洞头 on the feed's own
 * broker, so that a newcomer watches them move. Off with ZHILI_SEA_DEMO=off. Returns the stop function.
 */
export async function startDemoSimulation(k: Kernel): Promise<() => Promise<void>> {
  if (process.env.ZHILI_SEA_DEMO === 'off') return async () => {};
  let url: string | null = null;
  for (let i = 0; i < 100 && !url; i++) {
    url = feedOf(k)?.brokerUrl ?? null;
    if (!url) await new Promise((r) => setTimeout(r, 100));
  }
  if (!url) return async () => {};
  const numbers = await vesselNumbers(k, 12);
  if (!numbers.length) return async () => {};
  const sim = await simulate(url, planVessels(numbers, { breachShare: 0.2 }), { intervalS: 5 });
  console.log(`  海上斑马线模拟 / sea simulator: ${numbers.length} vessels publishing to ${url} every 5 s`);
  return () => sim.stop();
}

export function seaCommands(program: Command, withKernel: <T>(fn: (k: Kernel) => Promise<T>) => Promise<T>) {
  const sea = program.command('sea').description('海上斑马线 / fishing-vessel safety');
  sea
    .command('simulate')
    .description(
      '模拟渔船通过 MQTT 上报位置（部分在斑马线外穿越、一艘失联、一艘未报告出港）/ publish simulated vessel tracks over MQTT',
    )
    .option('--vessels <n>', '渔船数 / vessels (registered ones, 洞头 first)', intIn(1, 20_000), 20)
    .option('--interval <s>', '上报间隔秒 / seconds between reports', intIn(1, 600), 5)
    .option('--breach-share <x>', '斑马线外穿越的比例 / share crossing outside a corridor', share, 0.1)
    .option(
      '--url <mqtt-url>',
      `代理地址 / broker (default ZHILI_MQTT_URL or mqtt://127.0.0.1:${DEFAULT_MQTT_PORT})`,
    )
    .action((o: { vessels: number; interval: number; breachShare: number; url?: string }) =>
      withKernel(async (k) => {
        const s = feedSettings();
        const url = o.url ?? s.url ?? `mqtt://127.0.0.1:${s.port}`;
        const numbers = await vesselNumbers(k, o.vessels);
        if (!numbers.length) {
          console.error('没有登记的渔船，请先载入演示数据 / no vessels registered: run `zhili seed` first');
          process.exitCode = 1;
          return;
        }
        const plan = planVessels(numbers, { breachShare: o.breachShare });
        const roles: Record<string, number> = {};
        for (const v of plan) roles[v.role] = (roles[v.role] ?? 0) + 1;
        console.log(
          `模拟 / simulating ${numbers.length} vessels → ${url.replace(/\/\/[^@/]*@/, '//')} every ${o.interval} s`,
        );
        console.log(`  roles: ${JSON.stringify(roles)} (Ctrl-C to stop)`);
        let sim: Simulator | null = null;
        sim = await simulate(url, plan, {
          intervalS: o.interval,
          onTick: (n) => process.stdout.write(`\r  sent ${n} positions`),
        });
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await sim.stop();
        console.log(`\n  stopped after ${sim.sent()} positions`);
      }),
    );
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { DEFAULT_MQTT_PORT, SeaFeed } from './sea.feed.ts';
import { seaRoutes } from './sea.routes.ts';
import { RULE_NAMES, RULES } from './sea.rules.ts';
import { SeaAlertPayload } from './sea.schema.ts';
import { seaAlertWorkflow } from './sea.workflow.ts';

/** The feed's settings from the environment (docs/SEA.md): ZHILI_MQTT_URL, ZHILI_MQTT_PORT, ZHILI_SEA_FEED. */
export function feedSettings(env: NodeJS.ProcessEnv = process.env): {
  url?: string;
  port: number;
  on: boolean;
} {
  const url = env.ZHILI_MQTT_URL?.trim();
  if (url && !/^(mqtts?|wss?|tcp):\/\/[^\s]+$/.test(url))
    throw new Error(`ZHILI_MQTT_URL must be mqtt://host:port (got ${url.replace(/\/\/[^@/]*@/, '//')})`);
  const port = env.ZHILI_MQTT_PORT ? Number(env.ZHILI_MQTT_PORT) : DEFAULT_MQTT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('ZHILI_MQTT_PORT must be 0–65535');
  return { ...(url ? { url } : {}), port, on: env.ZHILI_SEA_FEED !== 'off' };
}

/**
 * 海上斑马线: fishing vessels (things of kind vessel) with their registry, a position feed over MQTT and the
 * push API evaluated against the channels, corridors, zones, ports and closure orders, and every breach a sea
 * alert (海上预警) in its own loop: 生成 → 联系船舶 → 记录回应 → 关闭 (docs/SEA.md).
 */
export default defineModule({
  code: 'sea',
  name: { zh: '海上斑马线', en: 'Sea safety' },
  matterTypes: [
    {
      code: 'sea_alert',
      prefix: 'HY',
      name: { zh: '海上预警', en: 'Sea alert' },
      payload: SeaAlertPayload,
      categories: RULES.map((r) => ({ code: r, name: RULE_NAMES[r] })),
      workflow: seaAlertWorkflow,
    },
  ],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (kernel) => seaRoutes(kernel),
  start: (kernel) => {
    const s = feedSettings();
    if (!s.on) return async () => {};
    const feed = new SeaFeed(kernel, { url: s.url, port: s.port });
    const started = feed
      .start()
      .catch((e: Error) => kernel.log.error({ err: e.message }, 'sea feed did not start'));
    return async () => {
      await started;
      await feed.stop();
    };
  },
});

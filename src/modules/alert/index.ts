import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { alertRoutes } from './alert.routes.ts';
import { AlertPayload } from './alert.schema.ts';
import { alertWorkflow } from './alert.workflow.ts';
import { MODELS } from './models/index.ts';
import { ensureModels, runPeriodic, startStreaming } from './runtime/runtime.ts';
import { startStreamingThread } from './runtime/stream-thread.ts';

/** How often the leader looks for periodic models whose own interval has passed. */
export const PERIODIC_CHECK_MS = 60_000;

/** 智能预警: models watch the matters and raise alerts, which are matters of type 预警 with their own loop. */
export default defineModule({
  code: 'alert',
  name: { zh: '智能预警', en: 'Early warning' },
  matterTypes: [
    {
      code: 'alert',
      prefix: 'YJ',
      name: { zh: '预警', en: 'Alert' },
      payload: AlertPayload,
      // One category per model: the board filters by model through the matters' category.
      categories: MODELS.map((m) => ({ code: m.code, name: m.name })),
      workflow: alertWorkflow,
    },
  ],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  prepare: (tx) => ensureModels(tx, MODELS),
  routes: (kernel) => alertRoutes(kernel, MODELS),
  jobs: (kernel) => [
    {
      name: 'alert-models-periodic',
      intervalMs: PERIODIC_CHECK_MS,
      run: async (slot) => {
        const r = await runPeriodic(kernel, MODELS, slot);
        return {
          models: r.evaluated.map((e) => `${e.code}:${e.ok ? e.signals.length : 'failed'}`).join(' '),
          raised: r.raised,
          updated: r.updated,
        };
      },
    },
  ],
  // On PostgreSQL the streaming models run on a thread of their own (ZHILI_ALERT_THREAD=off: on the main
  // thread); on PGlite, whose one connection lives in this thread, on the main thread.
  start: (kernel) => {
    if (kernel.database.engine !== 'postgres' || process.env.ZHILI_ALERT_THREAD === 'off')
      return startStreaming(kernel, MODELS);
    const stop = startStreamingThread(kernel).catch((e: Error) => {
      kernel.log.warn(
        { err: e.message },
        'alert thread: the streaming models run on the main thread instead',
      );
      return startStreaming(kernel, MODELS);
    });
    return async () => (await stop)();
  },
});

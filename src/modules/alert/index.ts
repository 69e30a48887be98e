import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { alertRoutes } from './alert.routes.ts';
import { AlertPayload } from './alert.schema.ts';
import { alertWorkflow } from './alert.workflow.ts';
import { MODELS } from './models/index.ts';
import { ensureModels, runPeriodic, startStreaming } from './runtime/runtime.ts';

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
  start: (kernel) => startStreaming(kernel, MODELS),
});

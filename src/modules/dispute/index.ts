import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { disputeRoutes } from './dispute.routes.ts';
import { DISPUTE_CATEGORIES, DisputePayload } from './dispute.schema.ts';
import { disputeWorkflow } from './dispute.workflow.ts';
import { open311Routes } from './open311.routes.ts';
import { seedSources } from './sources.service.ts';

/** 全量矛盾纠纷库: disputes from every department and channel, in one library. */
export default defineModule({
  code: 'dispute',
  name: { zh: '矛盾纠纷', en: 'Disputes' },
  matterTypes: [
    {
      code: 'dispute',
      prefix: 'JF',
      name: { zh: '矛盾纠纷', en: 'Dispute' },
      payload: DisputePayload,
      categories: DISPUTE_CATEGORIES.map((c) => ({ code: c.code, name: c.name })),
      workflow: disputeWorkflow,
    },
  ],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  prepare: seedSources,
  routes: disputeRoutes,
  rootRoutes: open311Routes,
});

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { mediationRoutes, sweepPendingCases } from './mediation.routes.ts';
import { MediationPayload } from './mediation.schema.ts';
import { MEDIATION_TYPE, mediationWorkflow } from './mediation.workflow.ts';

/**
 * 一站式调解: a mediation case (TJ-…) opens when a dispute is sent to mediation; a mediator with the grid worker
 * and the village cadre mediates, records the agreement (PDF), applies for 司法确认, follows up and closes;
 * a village that cannot settle passes the case to the town, the town to the county (docs/MEDIATION.md).
 */
export default defineModule({
  code: 'mediation',
  name: { zh: '一站式调解', en: 'Mediation' },
  matterTypes: [
    {
      code: MEDIATION_TYPE,
      prefix: 'TJ',
      name: { zh: '调解案件', en: 'Mediation case' },
      payload: MediationPayload,
      categories: [],
      workflow: mediationWorkflow,
    },
  ],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (kernel) => mediationRoutes(kernel),
  jobs: (kernel) => [
    {
      name: 'mediation-open-cases',
      intervalMs: 60_000,
      run: async () => ({ opened: await sweepPendingCases(kernel) }),
    },
  ],
});

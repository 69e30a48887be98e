import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { hazardRoutes } from './hazard.routes.ts';
import { HAZARD_CATEGORIES, HazardPayload } from './hazard.schema.ts';
import { hazardAfterStep, hazardBeforeStep, prepareHazards } from './hazard.service.ts';
import { HAZARD_TYPE, hazardWorkflow } from './hazard.workflow.ts';

/**
 * 问题隐患: the "3030" hazard loop — 发现 → 上报 → 交办 → 整改 → 验收 → 销号, photos before and after, the
 * responsible enterprise or person as parties, the two clocks per severity, and 重大隐患整改完成率
 * (kpi.service.ts, read by the report) — docs/HAZARDS.md.
 */
export default defineModule({
  code: 'hazard',
  name: { zh: '问题隐患', en: 'Safety hazards' },
  matterTypes: [
    {
      code: HAZARD_TYPE,
      prefix: 'YH',
      name: { zh: '问题隐患', en: 'Safety hazard' },
      payload: HazardPayload,
      categories: HAZARD_CATEGORIES.map((c) => ({ code: c.code, name: c.name })),
      workflow: hazardWorkflow,
      hooks: { before: hazardBeforeStep, after: hazardAfterStep },
    },
  ],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  prepare: prepareHazards,
  routes: (kernel) => hazardRoutes(kernel),
});

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { reportRoutes } from './report.routes.ts';

/**
 * 平安报表: indicators declared with their definitions (indicators.ts) and computed live for any area and
 * period in scope — from the platform's own records, through the owning modules' code, and from statistics
 * imported from department files — with year-on-year change, the records behind every figure, and 数说五年
 * with its charts as PDF and Excel (docs/REPORTS.md). It declares no matter type.
 */
export default defineModule({
  code: 'report',
  name: { zh: '平安报表', en: 'Safety report' },
  matterTypes: [],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (kernel) => reportRoutes(kernel),
});

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { screenRoutes } from './screen.routes.ts';

/**
 * 指挥大屏: the command centre's big screen — today's and this month's counts, what is open and late, the
 * KPIs (化解率, overdue share, 指令 response and closure), the daily trend, the newest alerts and the open
 * tasks on the map, refreshed live (docs/SCREEN.md). It declares no matter type: it reads the others'.
 */
export default defineModule({
  code: 'screen',
  name: { zh: '指挥大屏', en: 'Command big screen' },
  matterTypes: [],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (kernel) => screenRoutes(kernel),
});

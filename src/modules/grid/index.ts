import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { gridRoutes } from './grid.routes.ts';

/**
 * 网格: each grid's "1+3+N" team, check-ins (入格) inside the grid's polygon with their visit logs and
 * finding → matter, the check-in rules per role, and the "两个100%" report with reminders (docs/GRID.md).
 */
export default defineModule({
  code: 'grid',
  name: { zh: '网格', en: 'Grids' },
  matterTypes: [],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (kernel) => gridRoutes(kernel),
});

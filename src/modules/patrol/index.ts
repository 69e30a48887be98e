import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { patrolRoutes } from './patrol.routes.ts';

/**
 * 平安乐巡: volunteer patrol teams and their members, patrol tasks (a route with check points in a time
 * window), sessions walked and counted as 人次 with location-checked check-ins, findings that become 事件
 * matters, and points with a leaderboard (docs/PATROL.md). No matter type of its own: findings are events.
 */
export default defineModule({
  code: 'patrol',
  name: { zh: '平安乐巡', en: 'Patrols' },
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  matterTypes: [],
  routes: (kernel) => patrolRoutes(kernel),
});

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { courtRoutes } from './court.routes.ts';

/**
 * 共享法庭 and 心理服务站: the registries of the shared courts (with their slot bookings for online hearings and
 * judicial confirmation, and their use log) and of the village psychological stations (with referrals from
 * disputes and extreme-emotion alerts, visit records and follow-ups under psych:read / psych:write).
 * It declares no matter type; it links to matters (docs/COURTS.md).
 */
export default defineModule({
  code: 'court',
  name: { zh: '共享法庭与心理服务站', en: 'Shared courts and psychological stations' },
  matterTypes: [],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (kernel) => courtRoutes(kernel),
});

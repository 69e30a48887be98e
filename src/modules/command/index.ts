import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../core/modules.ts';
import { commandRoutes, demoVideoRoutes } from './command.routes.ts';
import { TaskPayload } from './command.schema.ts';
import { taskWorkflow } from './command.workflow.ts';

/**
 * 一键直达: from any matter or alert, the nearest cameras with their live streams, the area's grid team, and
 * command tasks (指令, ZL-…) dispatched to a unit or a person and followed through their own loop on the
 * command board (docs/COMMAND.md).
 */
export default defineModule({
  code: 'command',
  name: { zh: '一键直达', en: 'Command' },
  matterTypes: [
    {
      code: 'task',
      prefix: 'ZL',
      name: { zh: '指令', en: 'Task' },
      payload: TaskPayload,
      categories: [],
      workflow: taskWorkflow,
    },
  ],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (kernel) => commandRoutes(kernel),
  rootRoutes: (kernel) => demoVideoRoutes(kernel),
});

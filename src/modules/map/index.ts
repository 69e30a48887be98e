import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { defineModule } from '../../core/modules.ts';
import { mapRoutes } from './map.routes.ts';
import { foldMatterCells } from './map.service.ts';

/** How often the leader folds the roll-up's pending deltas into its counts (readers add them either way). */
export const ROLLUP_FOLD_MS = 60_000;

/**
 * 社会治理一张图: the map of matters, alerts, houses, enterprises and things, with boundaries and click-to-know
 * panels (docs/MAP.md). It declares no matter type: it reads every line of work's matters.
 */
export default defineModule({
  code: 'map',
  name: { zh: '社会治理一张图', en: 'Governance map' },
  matterTypes: [],
  migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  routes: (kernel) => mapRoutes(kernel),
  jobs: (kernel) => [
    {
      name: 'map-rollup-fold',
      intervalMs: ROLLUP_FOLD_MS,
      run: async () => {
        const folded = await foldMatterCells(kernel.db);
        // PGlite has no autovacuum: the deltas table is emptied every minute and the counts updated in place,
        // so their dead rows are reclaimed here (small tables, milliseconds). PostgreSQL's autovacuum does it.
        if (kernel.database.engine === 'pglite' && folded > 0) {
          await sql`vacuum matter_cell_deltas, matter_cell_counts`.execute(kernel.db);
        }
        return { folded };
      },
    },
  ],
});

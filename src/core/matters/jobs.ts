import { purgeExpiredSessions } from '../access/users.service.ts';
import type { DbOrTx } from '../db/database.ts';
import { analyzeStale } from '../db/stats.ts';
import { announce } from '../events/bus.ts';
import type { Job } from '../jobs/scheduler.ts';
import type { Kernel } from '../kernel.ts';
import { runDeadlineClock } from './clock.ts';

/** How often the deadline clock looks: 临期/超期 are minute-grained states. */
export const CLOCK_INTERVAL_MS = 60_000;

/** job_runs rows are kept this long: the jobs' recent history for operators, not an archive. */
export const JOB_RUNS_KEEP_DAYS = 7;

/** Removes the job_runs rows that started before the retention window; returns how many. */
export async function pruneJobRuns(db: DbOrTx, now = new Date()): Promise<number> {
  const r = await db
    .deleteFrom('job_runs')
    .where('started_at', '<', new Date(now.getTime() - JOB_RUNS_KEEP_DAYS * 86_400_000))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * The kernel's periodic jobs. The clock runs in one transaction per tick and publishes its events after
 * the commit, like every other command.
 */
export function kernelJobs(kernel: Kernel): Job[] {
  return [
    {
      name: 'deadline-clock',
      intervalMs: CLOCK_INTERVAL_MS,
      run: async () => {
        const r = await kernel.db.transaction().execute((tx) => runDeadlineClock(tx, new Date()));
        await announce(kernel, r.events);
        return { warned: r.warned, overdue: r.overdue };
      },
    },
    {
      // Sessions that are never used again are not removed on use.
      name: 'session-sweep',
      intervalMs: 3_600_000,
      run: async () => ({ purged: await purgeExpiredSessions(kernel.db) }),
    },
    {
      // The planner's statistics where no autovacuum keeps them (PGlite; a server with it off).
      name: 'analyze-stale',
      intervalMs: 60_000,
      run: async () => ({ analyzed: await analyzeStale(kernel.database) }),
    },
    {
      // Every job records each slot it runs (several a minute): the table would grow without end.
      name: 'job-runs-prune',
      intervalMs: 3_600_000,
      run: async () => ({ pruned: await pruneJobRuns(kernel.db) }),
    },
  ];
}

import { sql } from 'kysely';
import pg from 'pg';
import { type Logger, pino } from 'pino';
import type { Database } from '../db/database.ts';

export interface Job {
  /** Unique among the jobs of one scheduler; the key of its rows in job_runs. */
  name: string;
  intervalMs: number;
  /** Runs once per slot (the start of its interval); what it returns is stored as the run's result. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a job that reports nothing is a plain `async` function.
  run(slot: Date): Promise<Record<string, unknown> | void>;
}

export type TickOutcome = 'ran' | 'not_leader' | 'slot_taken' | 'failed';

export interface Scheduler {
  /** Ticks now and then every min(intervalMs)/4 (between 1 s and 1 min); the timers do not hold the process. */
  start(): void;
  /** Stops ticking, lets a tick in progress finish, and releases the leader lock. */
  stop(): Promise<void>;
  /** One pass over all jobs, for tests (with a fake clock) and the CLI. */
  tick(now?: Date): Promise<Record<string, TickOutcome>>;
  isLeader(): boolean;
}

export interface SchedulerOptions {
  /** Recorded in job_runs.instance, and in the leader connection's application_name. */
  instanceId: string;
  log?: Logger;
}

/** Session-level advisory lock held by the leader (7341001 orders migrations, 7341002 the audit chain). */
export const LEADER_LOCK_KEY = 7341003;
export const SCHEDULER_APPLICATION_NAME = 'zhili-scheduler';

/**
 * Periodic jobs, run by one instance at a time. Two guards, each sufficient for its own purpose:
 * - the leader lock (PostgreSQL) keeps followers from even trying, so that one instance does the work;
 * - the claim of the slot in job_runs (primary key job + slot) makes each slot run at most once, even when two
 *   instances both believe they lead (a leader whose connection died without it noticing yet).
 * Slots missed while no instance ran are not caught up: jobs are sweeps that look at the current state.
 * A failed run is not retried within its slot; the next slot runs again.
 */
export function createScheduler(database: Database, jobs: Job[], opts: SchedulerOptions): Scheduler {
  const log = opts.log ?? pino({ level: 'silent' });
  const names = new Set<string>();
  for (const j of jobs) {
    if (names.has(j.name)) throw new Error(`duplicate job name: ${j.name}`);
    if (!Number.isInteger(j.intervalMs) || j.intervalMs < 1000) {
      throw new Error(`job ${j.name}: intervalMs must be an integer of at least 1000`);
    }
    names.add(j.name);
  }

  const postgres = database.engine === 'postgres';
  const url = database.url;
  if (postgres && !url)
    throw new Error('scheduler: a PostgreSQL database without a URL cannot elect a leader');
  // PGlite: one process per data folder (enforced by its lock file), so this one leads.
  let leader = !postgres;
  let client: pg.Client | null = null;
  let stopped = false;
  let started = false;
  let timer: NodeJS.Timeout | null = null;
  // Ticks run one after another: two at once could take the session lock twice (it counts), and would race
  // for the same slots within this instance.
  let queue: Promise<unknown> = Promise.resolve();
  // The last slot this instance claimed or saw taken, per job: spares a database round trip per tick.
  const settled = new Map<string, number>();

  const dropConnection = (c: pg.Client, reason: string) => {
    if (client !== c) return;
    client = null;
    c.end().catch(() => {});
    if (leader) {
      leader = false;
      log.warn({ instance: opts.instanceId, reason }, 'scheduler: leadership lost');
    }
  };

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({
      connectionString: url!,
      application_name: `${SCHEDULER_APPLICATION_NAME} ${opts.instanceId}`.slice(0, 63),
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // The lock dies with the session: losing the connection is losing leadership. Attached before connecting,
    // since an 'error' event without a listener would crash the process.
    c.on('error', (e) => dropConnection(c, e.message));
    c.on('end', () => dropConnection(c, 'connection ended'));
    try {
      await c.connect();
    } catch (e) {
      c.end().catch(() => {});
      throw e;
    }
    client = c;
    return c;
  };

  const ensureLeader = async (): Promise<boolean> => {
    if (!postgres) return true;
    if (leader && client) {
      // A dead session has released the lock on the server; find out before acting as leader.
      try {
        await client.query('select 1');
        return true;
      } catch (e) {
        dropConnection(client, (e as Error).message);
      }
    }
    try {
      const c = client ?? (await connect());
      const r = await c.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [LEADER_LOCK_KEY]);
      if (r.rows[0]?.ok && client === c) {
        leader = true;
        log.info({ instance: opts.instanceId }, 'scheduler: leader');
      }
    } catch (e) {
      log.warn({ instance: opts.instanceId, err: (e as Error).message }, 'scheduler: leader election failed');
      if (client) dropConnection(client, (e as Error).message);
    }
    return leader;
  };

  const runJob = async (job: Job, slot: Date): Promise<TickOutcome> => {
    let claimed: { job: string } | undefined;
    try {
      claimed = await database.db
        .insertInto('job_runs')
        .values({ job: job.name, slot, instance: opts.instanceId })
        .onConflict((oc) => oc.doNothing())
        .returning('job')
        .executeTakeFirst();
    } catch (e) {
      // Nothing was claimed: the next tick tries this slot again.
      log.error({ job: job.name, slot, err: (e as Error).message }, 'scheduler: could not claim a slot');
      return 'failed';
    }
    settled.set(job.name, slot.getTime());
    if (!claimed) return 'slot_taken';

    let outcome: TickOutcome = 'ran';
    let result: Record<string, unknown>;
    try {
      result = (await job.run(slot)) ?? {};
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      log.error({ job: job.name, slot, err: message }, 'scheduler: job failed');
      outcome = 'failed';
      result = { error: message };
    }
    let json: string;
    try {
      json = JSON.stringify(result);
    } catch (e) {
      json = JSON.stringify({ error: `result is not JSON: ${(e as Error).message}` });
    }
    try {
      await database.db
        .updateTable('job_runs')
        .set({ finished_at: sql<Date>`now()`, result: json })
        .where('job', '=', job.name)
        .where('slot', '=', slot)
        .execute();
    } catch (e) {
      log.error({ job: job.name, slot, err: (e as Error).message }, 'scheduler: could not record a run');
    }
    return outcome;
  };

  const runTick = async (now: Date): Promise<Record<string, TickOutcome>> => {
    const out: Record<string, TickOutcome> = {};
    const leading = !stopped && (await ensureLeader());
    for (const job of jobs) {
      if (!leading) {
        out[job.name] = 'not_leader';
        continue;
      }
      const slot = Math.floor(now.getTime() / job.intervalMs) * job.intervalMs;
      out[job.name] = settled.get(job.name) === slot ? 'slot_taken' : await runJob(job, new Date(slot));
    }
    return out;
  };

  const tick = (now: Date = new Date()) => {
    if (stopped) return Promise.reject(new Error('scheduler is stopped'));
    const p = queue.then(() => runTick(now));
    queue = p.catch(() => {});
    return p;
  };

  const every =
    jobs.length === 0
      ? 60_000
      : Math.min(60_000, Math.max(1000, Math.min(...jobs.map((j) => j.intervalMs)) / 4));

  const schedule = (delay: number) => {
    timer = setTimeout(async () => {
      timer = null;
      if (stopped) return;
      try {
        await tick();
      } catch (e) {
        log.error({ err: (e as Error).message }, 'scheduler: tick failed');
      }
      if (!stopped) schedule(every);
    }, delay);
    timer.unref();
  };

  return {
    start: () => {
      if (stopped) throw new Error('scheduler is stopped');
      if (started) return;
      started = true;
      schedule(0);
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await queue;
      leader = false;
      const c = client;
      client = null;
      if (c) {
        // Ending the session would release the lock too; unlocking first says so explicitly and at once.
        await c.query('select pg_advisory_unlock_all()').catch(() => {});
        await c.end().catch(() => {});
      }
    },
    tick,
    isLeader: () => leader,
  };
}

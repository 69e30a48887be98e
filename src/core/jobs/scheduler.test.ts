import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngine } from '../../testing/harness.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { createScheduler, type Job, LEADER_LOCK_KEY, type Scheduler } from './scheduler.ts';

const engine = testEngine();
const POSTGRES_ONLY = 'PostgreSQL only: PGlite serves one process, which always leads';
const MINUTE = 60_000;

let database: Database;

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

/** A job that counts its runs and the slots it was given. */
function counting(name: string, intervalMs = MINUTE, body?: (slot: Date) => Promise<void>) {
  const slots: string[] = [];
  const job: Job = {
    name,
    intervalMs,
    run: async (slot) => {
      slots.push(slot.toISOString());
      await body?.(slot);
      return { n: slots.length };
    },
  };
  return { job, slots };
}

const runsOf = (db: Database, job: string) =>
  db.db.selectFrom('job_runs').selectAll().where('job', '=', job).orderBy('slot').execute();

/** Every scheduler made in a test is stopped at its end: a forgotten leader would hold the lock for the next. */
async function withSchedulers<T>(made: Scheduler[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    for (const s of made) await s.stop();
  }
}

describe(`job scheduler (${engine})`, () => {
  it('runs a job once per slot however often it is ticked, and records the run', async () => {
    const { job, slots } = counting('once_per_slot');
    const s = createScheduler(database, [job], { instanceId: 'i1' });
    await withSchedulers([s], async () => {
      const t0 = Date.UTC(2030, 0, 1, 8, 0, 0);
      expect(await s.tick(new Date(t0 + 5_000))).toEqual({ once_per_slot: 'ran' });
      expect(await s.tick(new Date(t0 + 6_000))).toEqual({ once_per_slot: 'slot_taken' });
      expect(await s.tick(new Date(t0 + 59_999))).toEqual({ once_per_slot: 'slot_taken' });
      expect(await s.tick(new Date(t0 + 60_000))).toEqual({ once_per_slot: 'ran' });
      expect(slots).toEqual([new Date(t0).toISOString(), new Date(t0 + MINUTE).toISOString()]);
      expect(s.isLeader()).toBe(true);

      const rows = await runsOf(database, 'once_per_slot');
      expect(rows.map((r) => [new Date(r.slot).getTime(), r.instance, r.result])).toEqual([
        [t0, 'i1', { n: 1 }],
        [t0 + MINUTE, 'i1', { n: 2 }],
      ]);
      expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    });
  });

  it('a job that throws is recorded as failed and does not stop the others', async () => {
    const broken: Job = {
      name: 'broken',
      intervalMs: MINUTE,
      run: async () => {
        throw new Error('no such table: imaginary');
      },
    };
    const fine = counting('fine_after_broken');
    const s = createScheduler(database, [broken, fine.job], { instanceId: 'i1' });
    await withSchedulers([s], async () => {
      const now = new Date(Date.UTC(2030, 0, 2, 8, 0, 0));
      expect(await s.tick(now)).toEqual({ broken: 'failed', fine_after_broken: 'ran' });
      // Not retried within its slot.
      expect(await s.tick(now)).toEqual({ broken: 'slot_taken', fine_after_broken: 'slot_taken' });
      const [run] = await runsOf(database, 'broken');
      expect(run!.result).toEqual({ error: 'no such table: imaginary' });
      expect(run!.finished_at).toBeInstanceOf(Date);
      expect(fine.slots).toHaveLength(1);
    });
  });

  it('does not run a slot that another instance claimed', async () => {
    const { job, slots } = counting('claimed_elsewhere');
    const slot = new Date(Date.UTC(2030, 0, 3, 8, 0, 0));
    await database.db
      .insertInto('job_runs')
      .values({ job: 'claimed_elsewhere', slot, instance: 'someone-else' })
      .execute();
    const s = createScheduler(database, [job], { instanceId: 'i1' });
    await withSchedulers([s], async () => {
      expect(await s.tick(new Date(slot.getTime() + 1000))).toEqual({ claimed_elsewhere: 'slot_taken' });
      expect(slots).toEqual([]);
      const rows = await runsOf(database, 'claimed_elsewhere');
      expect(rows.map((r) => r.instance)).toEqual(['someone-else']);
    });
  });

  it('start() ticks on its own; stop() waits for the run in progress and ends the ticking', async () => {
    let finished = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { job, slots } = counting('started', 1000, async () => {
      await gate;
      finished += 1;
    });
    const s = createScheduler(database, [job], { instanceId: 'i1' });
    s.start();
    s.start(); // twice is once
    const deadline = Date.now() + 5000;
    while (slots.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(slots).toHaveLength(1);
    const stopping = s.stop();
    setTimeout(release, 50);
    await stopping;
    expect(finished).toBe(1);
    expect(s.isLeader()).toBe(false);
    await expect(s.tick()).rejects.toThrow(/stopped/);
    // Well past the next 1 s slot: nothing ticked after stop().
    await new Promise((r) => setTimeout(r, 1200));
    expect(slots).toHaveLength(1);
  });

  it('refuses duplicate job names and intervals under a second', () => {
    const { job } = counting('dup');
    expect(() => createScheduler(database, [job, job], { instanceId: 'x' })).toThrow(/duplicate/);
    expect(() => createScheduler(database, [{ ...job, intervalMs: 10 }], { instanceId: 'x' })).toThrow(
      /intervalMs/,
    );
  });

  it('two instances on one database: one leads, each slot runs once; the other takes over', async (ctx) => {
    ctx.skip(engine !== 'postgres', POSTGRES_ONLY);
    const second = await openDatabase({ url: database.url!, poolSize: 2 });
    const a = counting('shared');
    const b = counting('shared');
    const sa = createScheduler(database, [a.job], { instanceId: 'A' });
    const sb = createScheduler(second, [b.job], { instanceId: 'B' });
    try {
      await withSchedulers([sa, sb], async () => {
        const t0 = Date.UTC(2030, 0, 4, 8, 0, 0);
        const outcomes: string[] = [];
        for (let i = 0; i < 5; i++) {
          const at = t0 + i * MINUTE;
          // Both at once, twice within each slot.
          for (const offset of [1000, 30_000]) {
            const [ra, rb] = await Promise.all([
              sa.tick(new Date(at + offset)),
              sb.tick(new Date(at + offset)),
            ]);
            outcomes.push(ra.shared!, rb.shared!);
          }
        }
        expect(a.slots.length + b.slots.length).toBe(5);
        expect(await runsOf(database, 'shared')).toHaveLength(5);
        expect([sa.isLeader(), sb.isLeader()].filter(Boolean)).toHaveLength(1);
        const [leader, follower, leaderJob] = sa.isLeader() ? [sa, sb, a] : [sb, sa, b];
        expect(leaderJob.slots).toHaveLength(5);
        expect(outcomes.filter((o) => o === 'not_leader')).toHaveLength(10);
        expect(outcomes.filter((o) => o === 'ran')).toHaveLength(5);

        await leader.stop();
        const next = new Date(t0 + 5 * MINUTE + 1000);
        expect(await follower.tick(next)).toEqual({ shared: 'ran' });
        expect(follower.isLeader()).toBe(true);
        expect(await runsOf(database, 'shared')).toHaveLength(6);
      });
    } finally {
      await second.close();
    }
  });

  it('a leader whose connection dies stops leading, and the other instance takes over', async (ctx) => {
    ctx.skip(engine !== 'postgres', POSTGRES_ONLY);
    const second = await openDatabase({ url: database.url!, poolSize: 2 });
    const a = counting('after_kill');
    const b = counting('after_kill');
    const sa = createScheduler(database, [a.job], { instanceId: 'A' });
    const sb = createScheduler(second, [b.job], { instanceId: 'B' });
    try {
      await withSchedulers([sa, sb], async () => {
        const t0 = Date.UTC(2030, 0, 5, 8, 0, 0);
        expect(await sa.tick(new Date(t0))).toEqual({ after_kill: 'ran' });
        expect(await sb.tick(new Date(t0))).toEqual({ after_kill: 'not_leader' });
        const killed = await sql<{ n: number }>`
          -- Waits (up to 5 s) for the session to be gone, and its lock with it.
          select count(pg_terminate_backend(pid, 5000))::int as n from pg_locks
          where locktype = 'advisory' and objid = ${LEADER_LOCK_KEY} and granted
            and database = (select oid from pg_database where datname = current_database())`.execute(
          database.db,
        );
        expect(killed.rows[0]!.n).toBe(1);
        // B reaches for the lock first; A, on its next tick, finds its session gone and does not get it back.
        const t1 = new Date(t0 + MINUTE);
        expect(await sb.tick(t1)).toEqual({ after_kill: 'ran' });
        expect(await sa.tick(t1)).toEqual({ after_kill: 'not_leader' });
        expect([sa.isLeader(), sb.isLeader()]).toEqual([false, true]);
        expect([a.slots.length, b.slots.length]).toEqual([1, 1]);
      });
    } finally {
      await second.close();
    }
  });
});

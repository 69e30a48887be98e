import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { openDatabase } from '../db/database.ts';
import { createEventBus } from '../events/bus.ts';
import { createScheduler } from '../jobs/scheduler.ts';
import type { Kernel } from '../kernel.ts';
import { CLOCK_INTERVAL_MS, JOB_RUNS_KEEP_DAYS, kernelJobs, pruneJobRuns } from './jobs.ts';

const engine = inject('zhiliTest').engine;
let t: TestContext;
let grid: string;
let town: string;

beforeAll(async () => {
  t = await createTestContext();
  grid = await t.userSession({ username: 'j_grid', role: 'grid_worker', areaCode: '330302006044' });
  town = await t.userSession({
    username: 'j_town',
    role: 'town_center',
    areaCode: '330302006000',
    departmentCode: 'zongzhi',
  });
});
afterAll(() => t.close());

/** A second server's kernel on the same PostgreSQL database. */
async function secondKernel(): Promise<Kernel> {
  const database = await openDatabase({ url: t.kernel.database.url!, poolSize: 3 });
  const events = await createEventBus(database);
  return {
    ...t.kernel,
    database,
    db: database.db,
    events,
    close: async () => {
      await events.close();
      await database.close();
    },
  };
}

describe('the deadline clock as a scheduled job', () => {
  it('with two server instances on one PostgreSQL, runs once per tick and escalates once', async (ctx) => {
    ctx.skip(
      engine !== 'postgres',
      'PostgreSQL only: PGlite serves one process, so there is no second instance',
    );
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/matters',
      headers: { cookie: grid },
      payload: { title: '消防通道被占用', areaCode: '330302006044001' },
    });
    const m = created.json();
    await sql`update matters set due_at = now() - interval '5 minutes', warn_at = now() - interval '1 hour' where id = ${m.id}`.execute(
      t.kernel.db,
    );
    const b = await secondKernel();
    const heard: string[] = [];
    const off = b.events.subscribe((e) => heard.push(`${e.type}:${e.matterId}`));
    const one = createScheduler(t.kernel.database, kernelJobs(t.kernel), { instanceId: 'a' });
    const two = createScheduler(b.database, kernelJobs(b), { instanceId: 'b' });
    try {
      const base = Math.floor(Date.now() / CLOCK_INTERVAL_MS) * CLOCK_INTERVAL_MS;
      const outcomes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const now = new Date(base + i * CLOCK_INTERVAL_MS + 1000);
        const [x, y] = await Promise.all([one.tick(now), two.tick(now)]);
        outcomes.push(`${x['deadline-clock']}/${y['deadline-clock']}`);
      }
      // Exactly one instance ran each slot.
      for (const o of outcomes) expect(o.split('/').filter((s) => s === 'ran')).toHaveLength(1);
      const runs = await t.kernel.db
        .selectFrom('job_runs')
        .selectAll()
        .where('job', '=', 'deadline-clock')
        .execute();
      expect(runs).toHaveLength(3);
      const d = (
        await t.app.inject({ method: 'GET', url: `/api/matters/${m.id}`, headers: { cookie: town } })
      ).json();
      expect(d.deadlineState).toBe('overdue');
      expect(d.timeline.filter((e: { action: string }) => e.action === 'supervise')).toHaveLength(1);
      // The overdue event, published after the clock's commit, reaches the other instance too.
      for (let i = 0; i < 50 && !heard.includes(`matter.overdue:${m.id}`); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(heard).toContain(`matter.overdue:${m.id}`);
    } finally {
      off();
      await one.stop();
      await two.stop();
      await b.close();
    }
  });

  it('on the embedded engine the single instance runs every slot', async () => {
    const s = createScheduler(t.kernel.database, kernelJobs(t.kernel), { instanceId: 'solo' });
    try {
      const slot = Math.floor(Date.now() / CLOCK_INTERVAL_MS) * CLOCK_INTERVAL_MS + 10 * CLOCK_INTERVAL_MS;
      expect((await s.tick(new Date(slot)))['deadline-clock']).toBe('ran');
      expect((await s.tick(new Date(slot + 5000)))['deadline-clock']).toBe('slot_taken');
    } finally {
      await s.stop();
    }
  });
});

describe('job_runs retention', () => {
  it('prunes the rows older than the window and keeps the recent ones', async () => {
    const now = new Date();
    const day = 86_400_000;
    const rows = [
      {
        job: 'prune-test',
        slot: new Date(now.getTime() - 30 * day),
        started_at: new Date(now.getTime() - 30 * day),
      },
      {
        job: 'prune-test',
        slot: new Date(now.getTime() - (JOB_RUNS_KEEP_DAYS + 1) * day),
        started_at: new Date(now.getTime() - (JOB_RUNS_KEEP_DAYS + 1) * day),
      },
      {
        job: 'prune-test',
        slot: new Date(now.getTime() - (JOB_RUNS_KEEP_DAYS - 1) * day),
        started_at: new Date(now.getTime() - (JOB_RUNS_KEEP_DAYS - 1) * day),
      },
      {
        job: 'prune-test',
        slot: new Date(now.getTime() - 60_000),
        started_at: new Date(now.getTime() - 60_000),
      },
    ].map((r) => ({ ...r, instance: 'test' }));
    await t.kernel.db.insertInto('job_runs').values(rows).execute();
    expect(await pruneJobRuns(t.kernel.db, now)).toBeGreaterThanOrEqual(2);
    const left = await t.kernel.db
      .selectFrom('job_runs')
      .select('slot')
      .where('job', '=', 'prune-test')
      .orderBy('slot')
      .execute();
    expect(left.map((r) => Math.round((now.getTime() - new Date(r.slot).getTime()) / day))).toEqual([
      JOB_RUNS_KEEP_DAYS - 1,
      0,
    ]);
    expect(kernelJobs(t.kernel).map((j) => j.name)).toContain('job-runs-prune');
  });
});

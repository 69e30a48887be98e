import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../testing/harness.ts';
import type { Database } from './database.ts';
import { analyzeStale, statsKeeper } from './stats.ts';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
  await sql`create table stats_grown (id int primary key, v text)`.execute(database.db);
  await sql`create table stats_side (id int)`.execute(database.db);
});
afterAll(() => database.close());

let next = 0;
async function insert(n: number) {
  await sql`insert into stats_grown select g, 'x' from generate_series(${next + 1}::int, ${next + n}::int) g`.execute(
    database.db,
  );
  await sql`insert into stats_side select g from generate_series(1, ${n}::int) g`.execute(database.db);
  next += n;
}
const reltuples = async (t: string) =>
  Number(
    (await sql<{ n: number }>`select reltuples as n from pg_class where relname = ${t}`.execute(database.db))
      .rows[0]!.n,
  );

describe('statsKeeper', () => {
  it('analyzes the grown tables once the rows written reach the threshold, and not before', async () => {
    const keeper = statsKeeper(database.db, ['stats_grown', 'stats_side'], { minRows: 100, growth: 0.5 });
    await insert(60);
    expect(await keeper.wrote(60)).toBe(0);
    await insert(60);
    expect(await keeper.wrote(60)).toBeGreaterThan(0);
    expect(await reltuples('stats_grown')).toBe(120);
    expect(await reltuples('stats_side')).toBe(120);
    // Now half of 120 is below the 100-row floor: 90 more rows are not yet due, 20 after them are.
    await insert(90);
    expect(await keeper.wrote(90)).toBe(0);
    expect(await reltuples('stats_grown')).toBe(120);
    await insert(20);
    expect(await keeper.wrote(20)).toBeGreaterThan(0);
    expect(await reltuples('stats_grown')).toBe(230);
  });

  it('grows its threshold with the tables: half of what they held at the last analysis', async () => {
    const keeper = statsKeeper(database.db, ['stats_grown'], { minRows: 10, growth: 0.5 });
    await insert(100); // 330 rows now; the keeper reads 230 from the last analysis: due at 115
    expect(await keeper.wrote(100)).toBe(0);
    await insert(20);
    expect(await keeper.wrote(20)).toBeGreaterThan(0);
    expect(await reltuples('stats_grown')).toBe(350);
  });

  it('reports a failed ANALYZE and keeps going', async () => {
    const errors: string[] = [];
    const keeper = statsKeeper(database.db, ['stats_grown', 'stats_missing'], {
      minRows: 1,
      growth: 0.01, // due after 4 rows of the 350 held
      onError: (e) => errors.push(e.message),
    });
    expect(await keeper.wrote(5)).toBeGreaterThan(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/stats_missing/);
    // It does not try again at once: the rows it was told of count as analyzed.
    expect(await keeper.wrote(1)).toBe(0);
  });
});

describe('analyzeStale (the analyze-stale job)', () => {
  it('analyzes a table whose rows changed past autovacuum’s threshold, once; nothing when autovacuum runs', async () => {
    const autovacuum =
      database.engine === 'postgres' &&
      (await sql<{ on: string }>`select current_setting('autovacuum') as on`.execute(database.db)).rows[0]!
        .on === 'on';
    await sql`create table stats_stale (id int)`.execute(database.db);
    await sql`insert into stats_stale select generate_series(1, 1000)`.execute(database.db);
    if (autovacuum) {
      expect(await analyzeStale(database)).toEqual([]);
      return;
    }
    // The change counts reach pg_stat_user_tables a moment after the commit (at most ~10 s on PostgreSQL).
    let analyzed: string[] = [];
    for (let i = 0; i < 40 && !analyzed.includes('stats_stale'); i++) {
      analyzed = await analyzeStale(database);
      if (!analyzed.includes('stats_stale')) await new Promise((r) => setTimeout(r, 500));
    }
    expect(analyzed).toContain('stats_stale');
    expect(await reltuples('stats_stale')).toBe(1000);
    expect(await analyzeStale(database)).not.toContain('stats_stale');
  });
});

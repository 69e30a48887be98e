import { sql } from 'kysely';
import type { Database, DbOrTx } from './database.ts';

/**
 * Keeps the planner's statistics current while a bulk job grows some tables. The planner chooses its plans
 * from the row counts and value spreads that ANALYZE last measured; PGlite has no autovacuum at all, and
 * PostgreSQL's lags behind a bulk load (or is switched off, as on the machine the benchmarks ran on): a
 * 100,000-row import then ran its duplicate search with statistics of an empty library, hashing every
 * dispute for each batch instead of reading a few index ranges (docs/BENCHMARKS.md).
 *
 * `wrote(n)` after each batch: once the rows written since the last ANALYZE reach `growth` of what the tables
 * held then (and at least `minRows`), the tables are analyzed again — about a dozen times over a
 * 1,000,000-row import into an empty library, never for a small one into a large library.
 */
export interface StatsKeeper {
  /**
   * Counts `n` more rows written to the first table (the others grow with it); analyzes them all when due.
   * Returns the milliseconds spent analyzing (0 when not due).
   */
  wrote(n: number): Promise<number>;
}

export function statsKeeper(
  db: DbOrTx,
  tables: readonly string[],
  opts: { minRows?: number; growth?: number; onError?: (e: Error) => void } = {},
): StatsKeeper {
  const minRows = opts.minRows ?? 5000;
  const growth = opts.growth ?? 0.5;
  let held: number | null = null;
  let since = 0;
  const size = async () => {
    const r = await sql<{ n: number | string | null }>`
      select greatest(reltuples, 0) as n from pg_class where oid = ${`public.${tables[0]}`}::regclass`.execute(
      db,
    );
    return Number(r.rows[0]?.n ?? 0);
  };
  return {
    async wrote(n) {
      held ??= await size();
      since += n;
      if (since < Math.max(minRows, growth * held)) return 0;
      const t0 = performance.now();
      try {
        await sql.raw(`analyze ${tables.join(', ')}`).execute(db);
        held = await size();
      } catch (e) {
        // Statistics are an optimisation: a user without the right to analyze still imports.
        opts.onError?.(e as Error);
        held += since;
      }
      since = 0;
      return performance.now() - t0;
    },
  };
}

/**
 * What PostgreSQL's autovacuum does for statistics, for where it does not run: PGlite has none, and a server
 * may run with it off. Analyzes each table of the schema whose rows changed since its last ANALYZE by more
 * than autovacuum's default threshold (50 rows + 10 % of the table). On a PostgreSQL whose autovacuum is on it
 * does nothing. Returns the tables analyzed.
 */
export async function analyzeStale(database: Database): Promise<string[]> {
  if (database.engine === 'postgres') {
    const on = await sql<{ on: string }>`select current_setting('autovacuum') as on`.execute(database.db);
    if (on.rows[0]?.on === 'on') return [];
  }
  const stale = await sql<{ name: string }>`
    select s.relname as name
    from pg_stat_user_tables s
    join pg_class c on c.oid = s.relid
    where s.schemaname = 'public' and s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
    order by s.n_mod_since_analyze desc`.execute(database.db);
  for (const t of stale.rows) await sql`analyze ${sql.id(t.name)}`.execute(database.db);
  return stale.rows.map((t) => t.name);
}

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './database.ts';

export const KERNEL_MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  name: string;
  file: string;
}

const NAME = /^(\d{14})_[a-z0-9_]+\.sql$/;

/** Lists the `YYYYMMDDHHMMSS_name.sql` files of the kernel and the modules, in timestamp order. */
export function listMigrations(dirs: string[] = [KERNEL_MIGRATIONS]): Migration[] {
  const all: Migration[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir)) {
      if (!f.endsWith('.sql')) continue;
      if (!NAME.test(f))
        throw new Error(`migration file name must be YYYYMMDDHHMMSS_name.sql: ${path.join(dir, f)}`);
      all.push({ name: f.replace(/\.sql$/, ''), file: path.join(dir, f) });
    }
  }
  all.sort((a, b) => a.name.localeCompare(b.name));
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.name === all[i - 1]!.name) throw new Error(`duplicate migration ${all[i]!.name}`);
  }
  return all;
}

/**
 * Applies pending migrations, each in its own transaction. A session-level advisory lock keeps two
 * instances starting together on one PostgreSQL from applying the same file twice.
 */
export async function migrate(
  db: Db,
  dirs?: string[],
  onApplied?: (name: string, index: number, total: number) => void,
): Promise<string[]> {
  const migrations = listMigrations(dirs);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(7341001)`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (
        name text primary key, applied_at timestamptz not null default now())`.execute(conn);
      const done = new Set(
        (await conn.selectFrom('schema_migrations').select('name').execute()).map((r) => r.name),
      );
      const pending = migrations.filter((m) => !done.has(m.name));
      const applied: string[] = [];
      for (const [i, m] of pending.entries()) {
        const text = fs.readFileSync(m.file, 'utf8');
        await conn.transaction().execute(async (tx) => {
          await sql.raw(text).execute(tx);
          await tx.insertInto('schema_migrations').values({ name: m.name }).execute();
        });
        applied.push(m.name);
        onApplied?.(m.name, i + 1, pending.length);
      }
      return applied;
    } finally {
      await sql`select pg_advisory_unlock(7341001)`.execute(conn);
    }
  });
}

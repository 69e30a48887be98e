import path from 'node:path';
import { sql } from 'kysely';
import { type Logger, pino } from 'pino';
import { seedDepartments } from './access/departments.ts';
import { type AreaInput, countAreas, upsertAreas } from './areas/areas.service.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { KERNEL_MIGRATIONS, migrate } from './db/migrate.ts';
import { createEventBus, type EventBus } from './events/bus.ts';
import { type BlobStore, createLocalStore } from './files/store.ts';
import { moduleMigrationDirs, registeredModules } from './modules.ts';
import { loadMasterKey } from './secrets.ts';
import { createVault, type Vault } from './subjects/vault.ts';

/** What every service, route and command is handed: the database, the PII vault, config and a logger. */
export interface Kernel {
  database: Database;
  db: Database['db'];
  vault: Vault;
  config: Config;
  log: Logger;
  /** Tells other instances and SSE clients what changed; publish after the transaction commits. */
  events: EventBus;
  /** Uploaded files (attachments), stored once by content hash. */
  files: BlobStore;
  close(): Promise<void>;
}

export const MIGRATION_DIRS = [KERNEL_MIGRATIONS];

export interface KernelOptions {
  /** Apply pending migrations and load reference data (areas, departments) when missing. Default true. */
  prepare?: boolean;
  log?: Logger;
  /** Reference areas to load when the table is empty (the built-in Wenzhou extract by default). */
  areas?: () => Promise<AreaInput[]>;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Connections of the PostgreSQL pool (default 10). */
  poolSize?: number;
  /** Instead of one from the configured key: e.g. a background thread's that holds no key. */
  vault?: Vault;
}

export async function openKernel(config: Config, opts: KernelOptions = {}): Promise<Kernel> {
  const log = opts.log ?? pino({ level: config.logLevel });
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'pglite'),
    ...(opts.poolSize ? { poolSize: opts.poolSize } : {}),
  });
  try {
    if (opts.prepare ?? true) await prepareDatabase(database, opts);
    const ctype = await characterType(database);
    if (ctype && !/utf-?8/i.test(ctype)) {
      log.warn(
        { ctype },
        'PostgreSQL database has a non-UTF-8 LC_CTYPE: Chinese search by pg_trgm will find nothing. Create it with ' +
          "LC_CTYPE 'C.UTF-8' from template0 (see README)",
      );
    }
    const vault = opts.vault ?? createVault(loadMasterKey(config));
    const events = await createEventBus(database, {
      onError: (e) => log.warn({ err: e.message }, 'event bus'),
    });
    return {
      database,
      db: database.db,
      vault,
      config,
      log,
      events,
      files: createLocalStore(config.filesDir),
      close: async () => {
        await events.close();
        await database.close();
      },
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}

/** LC_CTYPE of a PostgreSQL database (PGlite: null — it is built with UTF-8 character classes). */
async function characterType(database: Database): Promise<string | null> {
  if (database.engine !== 'postgres') return null;
  const r = await sql<{
    ctype: string;
  }>`select datctype as ctype from pg_database where datname = current_database()`.execute(database.db);
  return r.rows[0]?.ctype ?? null;
}

export async function prepareDatabase(
  database: Database,
  opts: Pick<KernelOptions, 'areas' | 'onProgress'> = {},
) {
  await migrate(database.db, [...MIGRATION_DIRS, ...moduleMigrationDirs()], (_n, i, total) =>
    opts.onProgress?.('migrate', i, total),
  );
  await database.db.transaction().execute(async (tx) => {
    await seedDepartments(tx);
    if ((await countAreas(tx)) === 0) {
      const load = opts.areas ?? (async () => (await import('./areas/builtin.ts')).readBuiltinAreas());
      const areas = await load();
      await upsertAreas(tx, areas, (d, t) => opts.onProgress?.('areas', d, t));
    }
    for (const m of registeredModules()) await m.prepare?.(tx);
  });
}

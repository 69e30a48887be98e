import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import lockfile from 'proper-lockfile';
import { AppError } from '../errors.ts';
import type { DB } from './types.ts';

// Dates stay 'YYYY-MM-DD' strings: a JS Date would shift them by the server's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

/**
 * How Zhili's PostgreSQL databases are created: UTF-8 with UTF-8 character classes, from template0. With
 * LC_CTYPE 'C', pg_trgm treats Chinese characters as non-word characters and indexes nothing.
 */
export const UTF8_DB = "template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'";

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Services take `DbOrTx` so that a caller's transaction is passed down explicitly, never reopened. */
export type DbOrTx = Kysely<DB>;

export interface Database {
  db: Db;
  engine: 'pglite' | 'postgres';
  /** Where the data lives: a folder for PGlite, the URL without password for PostgreSQL. */
  location: string;
  /** The embedded engine itself (PGlite only), e.g. to dump it as a test template. */
  pglite: PGlite | null;
  /** PostgreSQL only: the connection URL, for dedicated connections (LISTEN, leader lock). */
  url: string | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL URL; when absent PGlite is used. */
  url?: string | undefined;
  /** PGlite folder; `memory://` for a throwaway in-memory database (tests). */
  dataDir?: string;
  /** PGlite only: start from a dump made by `dumpDataDir` (tests clone a migrated template this way). */
  loadDataDir?: Blob | File;
  poolSize?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 10);
  return openPglite(opts.dataDir ?? 'memory://', opts.loadDataDir);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection the server closes (restart, admin command) must not crash the process: the pool
  // drops that client and opens a new one on the next query.
  pool.on('error', (e) => process.stderr.write(`zhili: idle PostgreSQL connection lost: ${e.message}\n`));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'postgres',
    location: url.replace(/\/\/[^@/]*@/, '//'),
    pglite: null,
    url,
    close: () => db.destroy(),
  };
}

async function openPglite(dataDir: string, loadDataDir?: Blob | File): Promise<Database> {
  let release: (() => Promise<void>) | undefined;
  if (!dataDir.startsWith('memory://')) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = await lockDataDir(dataDir);
  }
  try {
    const lite = await PGlite.create(dataDir, {
      extensions: { pg_trgm },
      ...(loadDataDir ? { loadDataDir } : {}),
    });
    // createPgConfig's declared return type is a structural subset of pg.PoolConfig.
    const pool = new pg.Pool(createPgConfig(lite) as unknown as pg.PoolConfig);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      engine: 'pglite',
      location: dataDir,
      pglite: lite,
      url: null,
      close: async () => {
        await db.destroy();
        await lite.close();
        await release?.();
      },
    };
  } catch (e) {
    await release?.();
    throw e;
  }
}

/**
 * PGlite has no cross-process lock: two processes on one folder silently lose writes. An exclusive lock
 * file (kept fresh while we run, stale after 30 s if we crash) makes the second process fail loudly.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dataDir, 'zhili.lock');
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: 30_000,
      update: 10_000,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new AppError(
        'DATABASE_LOCKED',
        `数据目录 ${dataDir} 正被另一个 Zhili 进程使用；请先停止它，或设置 DATABASE_URL 使用 PostgreSQL 以运行多个进程。` +
          ` / The data folder ${dataDir} is in use by another Zhili process; stop it first, or use PostgreSQL ` +
          '(DATABASE_URL) to run several processes.',
      );
    }
    throw e;
  }
}

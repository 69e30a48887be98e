import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { withDb } from '../../testing/global-setup.ts';
import { openDatabase, UTF8_DB } from './database.ts';
import { listMigrations, migrate } from './migrate.ts';

const t = inject('zhiliTest');

/** An empty database on the engine of this run: a new PGlite, or a new PostgreSQL database. */
async function emptyDatabase() {
  if (t.engine === 'pglite')
    return { database: await openDatabase({ dataDir: 'memory://' }), drop: async () => {} };
  const name = `zhili_t_${t.runId}_empty_${process.pid}`;
  const admin = new pg.Client({ connectionString: t.url });
  await admin.connect();
  await admin.query(`create database ${name} ${UTF8_DB}`);
  const database = await openDatabase({ url: withDb(t.url, name) });
  return {
    database,
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

describe(`migrations on ${t.engine}`, () => {
  it('run from empty, record each file once, and apply nothing the second time', async () => {
    const { database, drop } = await emptyDatabase();
    try {
      const all = listMigrations();
      expect(all.length).toBeGreaterThan(0);
      const first = await migrate(database.db);
      expect(first).toEqual(all.map((m) => m.name));
      expect(await migrate(database.db)).toEqual([]);
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(
        database.db,
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          'areas',
          'audit_log',
          'enterprises',
          'houses',
          'persons',
          'sessions',
          'things',
          'users',
        ]),
      );
      const ext = await sql<{
        extname: string;
      }>`select extname from pg_extension where extname = 'pg_trgm'`.execute(database.db);
      expect(ext.rows).toHaveLength(1);
    } finally {
      await database.close();
      await drop();
    }
  });

  it('refuses audit log updates in the database itself', async () => {
    const { database, drop } = await emptyDatabase();
    try {
      await migrate(database.db);
      await sql`insert into audit_log (at, actor_name, action, entity_type, prev_hash, hash)
        values (now(), 'x', 'a', 'b', '0', '1')`.execute(database.db);
      await expect(sql`update audit_log set action = 'z'`.execute(database.db)).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`delete from audit_log`.execute(database.db)).rejects.toThrow(/append-only/);
    } finally {
      await database.close();
      await drop();
    }
  });
});

describe('PGlite folder lock', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-lock-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('makes a second zhili process on the same folder fail with a clear message', async () => {
    // The kernel keeps its PGlite under <ZHILI_DATA_DIR>/pglite.
    const first = await openDatabase({ dataDir: path.join(root, 'pglite') });
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'migrate'], {
        env: {
          ...process.env,
          DATABASE_URL: '',
          ZHILI_DATA_DIR: root,
          ZHILI_LOG_LEVEL: 'silent',
          NODE_ENV: 'development',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.stderr).toContain('[DATABASE_LOCKED]');
      expect(r.stderr).toContain('另一个 Zhili 进程');
      expect(r.stderr).toContain('in use by another Zhili process');
      expect(r.status).toBe(75);
    } finally {
      await first.close();
    }
    // Released on close: the folder opens again.
    const again = await openDatabase({ dataDir: path.join(root, 'pglite') });
    await again.close();
  });
});

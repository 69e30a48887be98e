import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase, UTF8_DB } from '../core/db/database.ts';
import { prepareDatabase } from '../core/kernel.ts';
import { registerModules } from '../modules/index.ts';
import { ensureWebBuild } from '../server/web.ts';

/**
 * Builds one migrated database with the reference areas once per run, so each test file starts from a copy
 * instead of migrating and loading 10,000 areas itself: a PGlite dump on the embedded engine, a template
 * database on PostgreSQL (ZHILI_TEST_DATABASE_URL). Everything made here is dropped at the end.
 */
export default async function setup(project: TestProject) {
  registerModules();
  // The browser tests need the built console; build it once here, not in each file at the same time.
  try {
    ensureWebBuild((m) => console.log(m));
  } catch (e) {
    // Only the browser tests need it; they fail on their own with this same error.
    console.error(`!!! web console build failed: ${(e as Error).message} — browser tests will fail !!!`);
  }
  const url = process.env.ZHILI_TEST_DATABASE_URL;
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  if (url) {
    const template = `zhili_tpl_${runId}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    // UTF-8 character classes: with LC_CTYPE C, pg_trgm makes no trigrams for Chinese at all.
    await admin.query(`create database ${template} ${UTF8_DB}`);
    const database = await openDatabase({ url: withDb(url, template) });
    await prepareDatabase(database);
    await database.close();
    project.provide('zhiliTest', { engine: 'postgres', url, template, runId });
    return async () => {
      const { rows } = await admin.query<{ datname: string }>(
        'select datname from pg_database where datname like $1',
        [`zhili_t_${runId}_%`],
      );
      for (const r of [...rows.map((x) => x.datname), template]) {
        await admin.query(`drop database if exists ${r} with (force)`);
      }
      await admin.end();
    };
  }
  const database = await openDatabase({ dataDir: 'memory://' });
  await prepareDatabase(database);
  const dump = await database.pglite!.dumpDataDir('gzip');
  await database.close();
  const file = path.join(os.tmpdir(), `zhili-template-${runId}.tar.gz`);
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('zhiliTest', { engine: 'pglite', dump: file, runId });
  return async () => fs.rmSync(file, { force: true });
}

export function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    zhiliTest:
      | { engine: 'postgres'; url: string; template: string; runId: string }
      | { engine: 'pglite'; dump: string; runId: string };
  }
}

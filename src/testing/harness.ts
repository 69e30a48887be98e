import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { inject } from 'vitest';
import { makeActor } from '../core/access/actor.ts';
import type { Role } from '../core/access/roles.ts';
import { createUser } from '../core/access/users.service.ts';
import { loadConfig } from '../core/config.ts';
import { type Database, openDatabase } from '../core/db/database.ts';
import { createEventBus } from '../core/events/bus.ts';
import { createLocalStore } from '../core/files/store.ts';
import type { Kernel } from '../core/kernel.ts';
import { createVault } from '../core/subjects/vault.ts';
import { registerModules } from '../modules/index.ts';
import { type App, buildApp } from '../server/app.ts';
import { mulberry32 } from '../shared/random.ts';
import { withDb } from './global-setup.ts';

export const TEST_PASSWORD = 'test-Passw0rd';

let counter = 0;

/**
 * A fresh database for one test file, already migrated and holding the Wenzhou areas: a copy of the run's
 * template on whichever engine the run uses (PGlite by default, PostgreSQL with ZHILI_TEST_DATABASE_URL).
 */
export async function openTestDatabase(): Promise<Database> {
  const t = inject('zhiliTest');
  if (t.engine === 'postgres') {
    const name = `zhili_t_${t.runId}_${process.pid}_${counter++}`;
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    await admin.query(`create database ${name} template ${t.template}`);
    const database = await openDatabase({ url: withDb(t.url, name), poolSize: 5 });
    return {
      ...database,
      close: async () => {
        await database.close();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const dump = new Blob([fs.readFileSync(t.dump)]);
  const database = await openDatabase({ dataDir: 'memory://', loadDataDir: dump });
  return database;
}

export const testEngine = () => inject('zhiliTest').engine;

export interface TestKernelOptions {
  /** Sign-in attempts allowed per minute; high by default so that tests signing in many users never hit it. */
  loginMaxPerMinute?: number;
  /** The upload limit (ZHILI_MAX_UPLOAD_MB); small values let a test cross it with a small body. */
  maxUploadMb?: number;
  /** The import limit (ZHILI_MAX_IMPORT_MB). */
  maxImportMb?: number;
}

export async function openTestKernel(opts: TestKernelOptions = {}): Promise<Kernel> {
  // The template database holds every module's tables; their matter types must be known here too.
  registerModules();
  const database = await openTestDatabase();
  // Each test kernel stores its uploads in its own folder, removed on close: tests can count the files.
  const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-files-'));
  const config = {
    ...loadConfig({
      NODE_ENV: 'test',
      ZHILI_DATA_DIR: '/nonexistent',
      ZHILI_FILES_DIR: filesDir,
      ZHILI_MAX_UPLOAD_MB: opts.maxUploadMb === undefined ? undefined : String(opts.maxUploadMb),
      ZHILI_MAX_IMPORT_MB: opts.maxImportMb === undefined ? undefined : String(opts.maxImportMb),
    }),
    loginMaxPerMinute: opts.loginMaxPerMinute ?? 1000,
  };
  let events: Kernel['events'];
  try {
    events = await createEventBus(database);
  } catch (e) {
    await database.close();
    fs.rmSync(filesDir, { recursive: true, force: true });
    throw e;
  }
  return {
    database,
    db: database.db,
    vault: createVault(randomBytes(32)),
    config,
    log: pino({ level: 'silent' }),
    events,
    files: createLocalStore(filesDir),
    close: async () => {
      await events.close();
      await database.close();
      fs.rmSync(filesDir, { recursive: true, force: true });
    },
  };
}

export interface TestContext {
  kernel: Kernel;
  app: App;
  close(): Promise<void>;
  /** Creates a user and signs in through HTTP; returns the cookie header to send. */
  userSession(u: {
    username: string;
    role: Role | Role[];
    areaCode: string;
    enterpriseId?: string | null;
    departmentCode?: string | null;
  }): Promise<string>;
}

export async function createTestContext(opts: TestKernelOptions = {}): Promise<TestContext> {
  const kernel = await openTestKernel(opts);
  const app = await buildApp(kernel);
  const admin = makeActor(
    {
      id: null,
      username: 'test-setup',
      displayName: 'setup',
      roles: ['city_admin'],
      areaCode: '330300000000',
    },
    { kind: 'system' },
  );
  return {
    kernel,
    app,
    close: async () => {
      await app.close();
      await kernel.close();
    },
    userSession: async (u) => {
      await kernel.db.transaction().execute((tx) =>
        createUser(tx, admin, {
          username: u.username,
          displayName: u.username,
          password: TEST_PASSWORD,
          roles: Array.isArray(u.role) ? u.role : [u.role],
          areaCode: u.areaCode,
          enterpriseId: u.enterpriseId ?? null,
          departmentCode: u.departmentCode ?? null,
        }),
      );
      return login(app, u.username, TEST_PASSWORD);
    },
  };
}

export async function login(app: App, username: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  const c = res.cookies.find((x) => x.name === 'zhili_session');
  return `zhili_session=${c!.value}`;
}

/** A small seeded random source for test data (mulberry32), so that failures reproduce. */
export const seeded = mulberry32;

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withDb } from '../../testing/global-setup.ts';
import { openTestKernel, testEngine } from '../../testing/harness.ts';
import { systemActor } from '../access/actor.ts';
import { openDatabase } from '../db/database.ts';
import type { Kernel } from '../kernel.ts';
import { audit, entryHash, GENESIS_HASH, verifyAuditChain, withDeferredAudit } from './audit.ts';

let k: Kernel;
beforeAll(async () => {
  k = await openTestKernel();
  const actor = systemActor('tester');
  for (let i = 0; i < 30; i++) {
    await k.db.transaction().execute((tx) =>
      audit(tx, actor, {
        action: 'test.write',
        entityType: 'thing',
        entityId: String(i),
        areaCode: '330302006044001',
        oldValues: i % 2 ? null : { n: i, nested: { b: 1, a: [1, 2, '三'] } },
        newValues: { n: i + 1, at: new Date(0) as unknown as string },
      }),
    );
  }
});
afterAll(() => k.close());

/** What an intruder with database rights does: switch off the guard trigger and edit a row. */
async function tamper(db: Kernel['db'], id: string, reason: string) {
  await sql`alter table audit_log disable trigger audit_log_no_update`.execute(db);
  await sql`update audit_log set reason = ${reason} where id = ${id}`.execute(db);
  await sql`alter table audit_log enable trigger audit_log_no_update`.execute(db);
}

describe('audit hash chain', () => {
  it('links every entry to the one before it', async () => {
    const rows = await k.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(rows).toHaveLength(30);
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    // The stored hash is the one recomputed from what the database gives back (JSONB reorders keys).
    expect(entryHash({ ...rows[4]!, at: new Date(rows[4]!.at) })).toBe(rows[4]!.hash);
  });

  it('verifies an untouched log, then names the first edited entry', async () => {
    expect(await verifyAuditChain(k.db, undefined, 7)).toEqual({ ok: true, checked: 30, firstBad: null });
    const rows = await k.db.selectFrom('audit_log').select('id').orderBy('id').execute();
    const victim = rows[17]!.id;
    await tamper(k.db, victim, 'covering tracks');
    const r = await verifyAuditChain(k.db, undefined, 7);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toEqual({ id: victim, reason: 'hash_mismatch' });
    expect(r.checked).toBe(17);
  });

  it('notices a deleted entry through the broken link of the next one', async () => {
    const k2 = await openTestKernel();
    try {
      for (let i = 0; i < 5; i++) {
        await k2.db
          .transaction()
          .execute((tx) => audit(tx, systemActor(), { action: 'x', entityType: 'y', entityId: String(i) }));
      }
      const rows = await k2.db.selectFrom('audit_log').select('id').orderBy('id').execute();
      await sql`alter table audit_log disable trigger audit_log_no_update`.execute(k2.db);
      await sql`delete from audit_log where id = ${rows[2]!.id}`.execute(k2.db);
      expect((await verifyAuditChain(k2.db)).firstBad).toEqual({ id: rows[3]!.id, reason: 'broken_link' });
    } finally {
      await k2.close();
    }
  });
});

describe('entries held back to the end of a transaction (withDeferredAudit)', () => {
  let kd: Kernel;
  beforeAll(async () => {
    kd = await openTestKernel();
  });
  afterAll(() => kd.close());
  const count = async (db: Kernel['db']) =>
    Number(
      (
        await db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );

  it('writes nothing until the body returns, then every entry in order, linked; the caller’s later edits do not reach them', async () => {
    await kd.db
      .transaction()
      .execute((tx) => audit(tx, systemActor(), { action: 'before', entityType: 't' }));
    const values = { n: 1 };
    const seenInside = await kd.db.transaction().execute((tx) =>
      withDeferredAudit(tx, async () => {
        await audit(tx, systemActor(), { action: 'held.1', entityType: 't', newValues: values });
        values.n = 99;
        // Through another typed view of the same transaction (what modules do with withTables()).
        await audit(tx.withTables<{ extra: { id: string } }>() as unknown as typeof tx, systemActor(), {
          action: 'held.2',
          entityType: 't',
        });
        // Nested: still held by the outer one.
        await withDeferredAudit(tx, () => audit(tx, systemActor(), { action: 'held.3', entityType: 't' }));
        return count(tx);
      }),
    );
    expect(seenInside).toBe(1);
    const rows = await kd.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(rows.map((r) => r.action)).toEqual(['before', 'held.1', 'held.2', 'held.3']);
    expect(rows[1]!.new_values).toEqual({ n: 1 });
    expect(await verifyAuditChain(kd.db)).toEqual({ ok: true, checked: 4, firstBad: null });
  });

  it('writes nothing when the body throws', async () => {
    const before = await count(kd.db);
    await expect(
      kd.db.transaction().execute((tx) =>
        withDeferredAudit(tx, async () => {
          await audit(tx, systemActor(), { action: 'lost', entityType: 't' });
          throw new Error('boom');
        }),
      ),
    ).rejects.toThrow('boom');
    expect(await count(kd.db)).toBe(before);
  });

  // PGlite runs one transaction at a time: there is no second writer to wait.
  it.skipIf(testEngine() !== 'postgres')(
    'another writer is not kept waiting while the body runs (PostgreSQL)',
    async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let entered!: () => void;
      const inside = new Promise<void>((r) => {
        entered = r;
      });
      const long = kd.db.transaction().execute((tx) =>
        withDeferredAudit(tx, async () => {
          await audit(tx, systemActor(), { action: 'long.1', entityType: 't' });
          entered();
          await gate;
        }),
      );
      await inside;
      // Without the hold-back, this would wait for the long transaction's lock until it commits.
      const other = kd.db
        .transaction()
        .execute((tx) => audit(tx, systemActor(), { action: 'short', entityType: 't' }));
      const winner = await Promise.race([
        other.then(() => 'short'),
        new Promise((r) => setTimeout(() => r('timeout'), 5000)),
      ]);
      release();
      await long;
      expect(winner).toBe('short');
      const last = await kd.db
        .selectFrom('audit_log')
        .select('action')
        .orderBy('id', 'desc')
        .limit(2)
        .execute();
      expect(last.map((r) => r.action)).toEqual(['long.1', 'short']);
      expect((await verifyAuditChain(kd.db)).ok).toBe(true);
    },
  );
});

describe('zhili verify (CLI)', () => {
  const t = inject('zhiliTest');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-verify-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  function runVerify(env: Record<string, string>) {
    return spawnSync(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'verify'], {
      env: { ...process.env, DATABASE_URL: '', ZHILI_LOG_LEVEL: 'silent', NODE_ENV: 'development', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it('passes on an untouched log and names the entry after one row is edited in SQL', async () => {
    // The CLI works on a database of its own: a PGlite folder, or (on the PostgreSQL run) a database we create.
    let env: Record<string, string>;
    let database: Awaited<ReturnType<typeof openDatabase>>;
    let dropPg: (() => Promise<void>) | undefined;
    if (t.engine === 'postgres') {
      const pg = (await import('pg')).default;
      const name = `zhili_t_${t.runId}_verify_${process.pid}`;
      const admin = new pg.Client({ connectionString: t.url });
      await admin.connect();
      await admin.query(`create database ${name} template ${t.template}`);
      env = { DATABASE_URL: withDb(t.url, name) };
      database = await openDatabase({ url: env.DATABASE_URL });
      dropPg = async () => {
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      };
    } else {
      env = { ZHILI_DATA_DIR: root };
      database = await openDatabase({
        dataDir: path.join(root, 'pglite'),
        loadDataDir: new Blob([fs.readFileSync(t.dump)]),
      });
    }
    try {
      for (let i = 0; i < 5; i++) {
        await database.db
          .transaction()
          .execute((tx) =>
            audit(tx, systemActor(), { action: 'cli.test', entityType: 'x', entityId: String(i) }),
          );
      }
      const ids = (await database.db.selectFrom('audit_log').select('id').orderBy('id').execute()).map(
        (r) => r.id,
      );
      if (t.engine === 'pglite') await database.close(); // the folder's lock belongs to one process at a time

      const ok = runVerify(env);
      expect(ok.stdout).toContain('audit log intact: 5 entries verified');
      expect(ok.status).toBe(0);

      if (t.engine === 'pglite') database = await openDatabase({ dataDir: path.join(root, 'pglite') });
      await tamper(database.db, ids[3]!, 'edited');
      if (t.engine === 'pglite') await database.close();

      const bad = runVerify(env);
      expect(bad.stdout).toContain(`entry #${ids[3]} (hash_mismatch)`);
      expect(bad.stdout).toContain('3 entries before it are intact');
      expect(bad.status).toBe(3);
    } finally {
      if (t.engine === 'postgres') {
        await database.close();
        await dropPg?.();
      }
    }
  });
});

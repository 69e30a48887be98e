import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../core/kernel.ts';
import { openTestKernel, testEngine } from '../../testing/harness.ts';
import { type GeneratedFile, generateDepartmentFiles } from './demo/generate.ts';
import { ddb } from './dispute.tables.ts';

/**
 * A real crash: `zhili import` killed with SIGKILL mid-file, then the same command again. The second run
 * must take the job over (its holder is dead), resume after the checkpoint, and end with exactly the
 * file's rows counted once and no record twice.
 */
const engine = testEngine();
const POSTGRES_ONLY =
  'PostgreSQL only: an embedded PGlite folder is locked to the importing process, so the test cannot watch its checkpoint from outside';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let kernel: Kernel;
let dir: string;
let file: GeneratedFile;

beforeAll(async () => {
  kernel = await openTestKernel();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-kill-'));
  const gen = await generateDepartmentFiles({
    dir,
    rows: 16_000,
    seed: 5,
    from: new Date('2026-01-01T00:00:00Z'),
    to: new Date('2026-11-01T00:00:00Z'),
  });
  file = gen.files.find((f) => f.source === 'hotline_12345')!;
}, 180_000);

afterAll(async () => {
  await kernel?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function importCommand(): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'import', file.path, '--source', 'hotline_12345'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: kernel.database.url!,
        ZHILI_SECRET_KEY: 'kill-test-key-kill-test-key-kill-test-key-0123',
        ZHILI_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.once('exit', (code) => r(code)));

describe(`an import killed mid-file (${engine})`, () => {
  it('resumes with exactly the right counts and nothing twice', async (ctx) => {
    ctx.skip(engine !== 'postgres', POSTGRES_ONLY);
    expect(file.rows).toBeGreaterThan(2500);
    const first = importCommand();
    const firstExit = exited(first);
    // Wait until at least one batch has committed, then kill without warning.
    let checkpoint = 0;
    for (let i = 0; i < 1200 && checkpoint === 0; i++) {
      const job = await ddb(kernel.db).selectFrom('import_jobs').select('checkpoint_row').executeTakeFirst();
      checkpoint = job?.checkpoint_row ?? 0;
      if (!checkpoint) await new Promise((r) => setTimeout(r, 100));
    }
    expect(checkpoint).toBeGreaterThan(0);
    first.kill('SIGKILL');
    await firstExit;
    const killed = await ddb(kernel.db).selectFrom('import_jobs').selectAll().executeTakeFirstOrThrow();
    expect(killed.status).toBe('running');
    expect(killed.rows_read).toBeLessThan(file.rows);

    const second = importCommand();
    let out = '';
    second.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    second.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    expect(await exited(second), out).toBe(0);
    const job = await ddb(kernel.db).selectFrom('import_jobs').selectAll().executeTakeFirstOrThrow();
    expect(job.status).toBe('done');
    expect(job.rows_read).toBe(file.rows);
    expect(job.inserted + job.merged + job.skipped + job.rejected).toBe(file.rows);
    const records = await sql<{ n: string; keys: string }>`
      select count(*) as n, count(distinct record_key) as keys from dispute_records where job_id = ${job.id}`.execute(
      kernel.db,
    );
    expect(Number(records.rows[0]!.n)).toBe(job.inserted + job.merged);
    expect(records.rows[0]!.keys).toBe(records.rows[0]!.n);
    const matters = await sql<{ n: string }>`
      select count(*) as n from matters where type = 'dispute' and source_department = 'hotline_12345'`.execute(
      kernel.db,
    );
    expect(Number(matters.rows[0]!.n)).toBe(job.inserted);
  }, 600_000);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../core/kernel.ts';
import { openTestKernel } from '../../testing/harness.ts';
import { type DisputeSeedResult, seedDisputes } from './disputes.ts';

let kernel: Kernel;
let dir: string;
let result: DisputeSeedResult;

beforeAll(async () => {
  kernel = await openTestKernel();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-seed-disputes-'));
  result = await seedDisputes(kernel, { dir, rows: 1500, progressed: 60 });
}, 300_000);

afterAll(async () => {
  await kernel?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the demo dispute library', () => {
  it('imports all 21 departments’ files through import jobs, every row accounted for', async () => {
    expect(result.files).toBe(21);
    expect(result.jobs).toHaveLength(21);
    for (const j of result.jobs) {
      expect(j.status, `${j.source}: ${j.error}`).toBe('done');
      expect(j.inserted + j.merged + j.skipped + j.rejected).toBe(j.rowsRead);
    }
    expect(result.jobs.reduce((a, j) => a + j.rowsRead, 0)).toBe(1500);
    expect(result.jobs.reduce((a, j) => a + j.merged, 0)).toBeGreaterThan(0);
  });

  it('takes a sample through the triage workflow with timelines, so that every outcome appears', async () => {
    expect(result.progressed).toBe(60);
    const states = await sql<{ status: string; n: string }>`
      select status, count(*) as n from matters where type = 'dispute' group by status`.execute(kernel.db);
    const by = Object.fromEntries(states.rows.map((r) => [r.status, Number(r.n)]));
    for (const s of ['registered', 'assessing', 'resolving', 'closed']) expect(by[s], s).toBeGreaterThan(0);
    const closed = await sql<{ n: string }>`
      select count(*) as n from matters m where m.type = 'dispute' and m.status = 'closed'
        and exists (select 1 from matter_timeline t where t.matter_id = m.id and t.action = 'resolve')`.execute(
      kernel.db,
    );
    expect(Number(closed.rows[0]!.n)).toBe(by.closed);
  });
});

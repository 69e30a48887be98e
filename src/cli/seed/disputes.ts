import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { systemActor } from '../../core/access/actor.ts';
import type { Kernel } from '../../core/kernel.ts';
import { generateDepartmentFiles } from '../../modules/dispute/demo/generate.ts';
import { createJob, type ImportJob, runJob } from '../../modules/dispute/imports.service.ts';

/** Rows written across the 21 departments' demo files (about a year of a city's disputes, scaled down). */
export const DEMO_DISPUTE_ROWS = 20_000;

export interface DisputeSeedResult {
  files: number;
  rows: number;
  jobs: ImportJob[];
}

/**
 * The demo's dispute library: realistic files from all 21 departments (GBK CSVs, XLSX with title rows,
 * JSON Lines, a few bad rows, disputes reported by two or three departments) written to
 * `<dataDir>/demo-imports`, then imported through the real pipeline as import jobs — what a newcomer sees
 * in 纠纷导入 is what a department's file would do.
 */
export async function seedDisputes(
  k: Kernel,
  opts: {
    dir: string;
    rows?: number;
    seed?: number;
    onProgress?: (stage: string, done: number, total: number) => void;
  },
): Promise<DisputeSeedResult> {
  const rows = opts.rows ?? DEMO_DISPUTE_ROWS;
  fs.mkdirSync(opts.dir, { recursive: true });
  const now = new Date();
  const gen = await generateDepartmentFiles({
    dir: opts.dir,
    rows,
    seed: opts.seed ?? 20261129,
    from: new Date(now.getTime() - 400 * 86_400_000),
    to: new Date(now.getTime() - 86_400_000),
    onProgress: (n) => opts.onProgress?.('dispute files', n, rows),
  });
  const actor = systemActor('demo-import');
  const jobs: ImportJob[] = [];
  let done = 0;
  for (const f of gen.files) {
    const data = fs.readFileSync(f.path);
    const { job } = await k.db.transaction().execute((tx) =>
      createJob(tx, actor, {
        source: f.source,
        filename: path.basename(f.path),
        sha256: createHash('sha256').update(data).digest('hex'),
        size: data.length,
        filePath: f.path,
      }),
    );
    const ran = await runJob(k, job.id, {
      actor,
      onProgress: (j) => opts.onProgress?.('dispute import', done + j.rowsRead, rows),
    });
    done += f.rows;
    if (ran) jobs.push(ran);
  }
  return { files: gen.files.length, rows, jobs };
}

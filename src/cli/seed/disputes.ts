import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { systemActor } from '../../core/access/actor.ts';
import type { Kernel } from '../../core/kernel.ts';
import { transition } from '../../core/matters/transition.ts';
import { seededRng } from '../../modules/dispute/classifier/corpus.ts';
import { generateDepartmentFiles } from '../../modules/dispute/demo/generate.ts';
import { createJob, type ImportJob, runJob } from '../../modules/dispute/imports.service.ts';

/** Rows written across the 21 departments' demo files (about a year of a city's disputes, scaled down). */
export const DEMO_DISPUTE_ROWS = 20_000;
/** Imported disputes taken further through the triage workflow, so that the library shows every state. */
export const DEMO_DISPUTES_PROGRESSED = 800;

/** Where a progressed demo dispute stops, with its share: every state of the triage appears. */
const PATHS: { share: number; steps: string[] }[] = [
  { share: 0.1, steps: ['assess'] },
  { share: 0.15, steps: ['assess', 'to_mediation'] },
  { share: 0.1, steps: ['assess', 'to_mediation', 'resolve'] },
  { share: 0.07, steps: ['assess', 'to_mediation', 'resolve', 'revisit'] },
  { share: 0.33, steps: ['assess', 'to_mediation', 'resolve', 'revisit', 'close'] },
  { share: 0.05, steps: ['assess', 'to_department', 'fail'] },
  { share: 0.08, steps: ['assess', 'to_court', 'fail', 'revisit_unresolved', 'close_unresolved'] },
  { share: 0.07, steps: ['assess', 'reject'] },
  { share: 0.05, steps: ['assess', 'to_department'] },
];

/** The path whose cumulative share first exceeds `r` (0 ≤ r < 1). */
function pickPath(r: number): (typeof PATHS)[number] {
  let acc = 0;
  for (const p of PATHS) {
    acc += p.share;
    if (r < acc) return p;
  }
  return PATHS[0]!;
}

const ROUTE_UNIT: Record<string, string> = {
  to_mediation: 'justice',
  to_department: 'housing',
  to_court: 'court',
};

/**
 * Takes a deterministic sample of the imported disputes through the workflow with the real transition
 * engine (timeline, audit and clock as in use), as the town centres and the units they send them to would.
 */
async function progressDisputes(k: Kernel, count: number, seed: number): Promise<number> {
  const rng = seededRng(seed);
  const actor = systemActor('demo-triage');
  const rows = await k.db
    .selectFrom('matters')
    .select(['id', 'dispatcher_area_code', 'version'])
    .where('type', '=', 'dispute')
    .orderBy('created_at')
    .orderBy('id')
    .limit(count * 3)
    .execute();
  let done = 0;
  for (const [i, m] of rows.entries()) {
    if (i % 3 !== 0) continue;
    const path = pickPath(rng());
    await k.db.transaction().execute(async (tx) => {
      let version = m.version;
      for (const action of path.steps) {
        const unit = ROUTE_UNIT[action];
        const { matter } = await transition(tx, actor, m.id, {
          action,
          version,
          ...(unit ? { assignee: { department: unit, areaCode: m.dispatcher_area_code! } } : {}),
          ...(action === 'resolve' ? { result: '经调解双方达成一致，已签订调解协议。' } : {}),
          ...(action === 'fail' || action === 'reject'
            ? { reason: '双方分歧较大，调解不成，引导通过诉讼解决。' }
            : {}),
          ...(action.startsWith('revisit') ? { note: '电话回访，当事人表示认可处理结果。' } : {}),
        });
        version = matter.version;
      }
    });
    done++;
  }
  return done;
}

export interface DisputeSeedResult {
  files: number;
  rows: number;
  jobs: ImportJob[];
  progressed: number;
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
    progressed?: number;
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
  const progressed = await progressDisputes(
    k,
    opts.progressed ?? DEMO_DISPUTES_PROGRESSED,
    opts.seed ?? 20261129,
  );
  return { files: gen.files.length, rows, jobs, progressed };
}

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { systemActor } from '../../core/access/actor.ts';
import { AppError } from '../../core/errors.ts';
import type { Kernel } from '../../core/kernel.ts';
import {
  CLASSIFIER_DATA_DIR,
  defaultClassifier,
  evaluate,
  formatEvaluation,
  readSamples,
} from '../../modules/dispute/classifier/classifier.ts';
import { rejectsXlsx } from '../../modules/dispute/dispute.export.ts';
import { createJob, type ImportJob, rejectedRows, runJob } from '../../modules/dispute/imports.service.ts';
import { progressReporter } from '../progress.ts';

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(fs.createReadStream(file), h);
  return h.digest('hex');
}

const summary = (j: ImportJob) =>
  `读取 read ${j.rowsRead} · 新增 inserted ${j.inserted} · 合并 merged ${j.merged} · ` +
  `已有 skipped ${j.skipped} · 拒收 rejected ${j.rejected}`;

/**
 * `zhili import FILE --source CODE`: the same job as a web upload, run in this process with a progress bar.
 * Killed part-way, the same command resumes after the last committed batch.
 */
export async function importFile(
  k: Kernel,
  file: string,
  opts: { source: string; rejects?: string | undefined; area?: string | undefined },
): Promise<ImportJob> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) {
    throw new AppError('BAD_REQUEST', `找不到文件 ${file} / No such file`);
  }
  const size = fs.statSync(abs).size;
  const actor = systemActor('zhili-import', opts.area ?? '330300000000');
  const { job, existing } = await k.db.transaction().execute(async (tx) =>
    createJob(tx, actor, {
      source: opts.source,
      filename: path.basename(abs),
      sha256: await sha256File(abs),
      size,
      filePath: abs,
    }),
  );
  let result = job;
  if (existing && job.status === 'done') {
    console.log(
      `该文件已导入（任务 ${job.id}），未重复导入 / Already imported as job ${job.id}; nothing added`,
    );
  } else {
    const progress = progressReporter();
    const ran = await runJob(k, job.id, {
      actor,
      onProgress: (j) => progress('import', Math.min(j.bytesRead, size), size),
    });
    progress.stop();
    if (!ran) {
      throw new AppError(
        'CONFLICT',
        `任务 ${job.id} 正由另一进程运行 / Job ${job.id} is running in another process`,
      );
    }
    result = ran;
  }
  console.log(`任务 job ${result.id} [${result.status}] ${summary(result)}`);
  if (result.error) console.log(`  ${result.error}`);
  if (result.rejected > 0) {
    const r = await k.db.transaction().execute((tx) => rejectedRows(tx, k, actor, result.id, 10_000));
    for (const row of r.rows.slice(0, 10)) {
      console.log(
        `  第 ${row.rowNo} 行 / row ${row.rowNo}: ${row.errors.map((e) => `${e.field} ${e.reason}`).join('; ')}`,
      );
    }
    if (r.rows.length > 10) console.log(`  … ${r.rows.length - 10} more`);
    if (opts.rejects) {
      await rejectsXlsx(r.headers, r.rows, fs.createWriteStream(opts.rejects));
      console.log(`未导入行已写入 / rejected rows written to ${opts.rejects}`);
    }
  }
  if (result.status === 'failed') process.exitCode = 1;
  return result;
}

export function disputeCommands(
  program: Command,
  withKernel: <T>(fn: (k: Kernel) => Promise<T>) => Promise<T>,
) {
  program
    .command('import')
    .description('导入部门文件到矛盾纠纷库 / import a department file into the dispute library')
    .argument('<file>', 'CSV (UTF-8/GBK), XLSX or JSON Lines')
    .requiredOption('--source <code>', '数据来源代码，如 police_110 / source code, e.g. police_110')
    .option(
      '--rejects <out.xlsx>',
      '把未导入的行及原因写入 Excel / write the rejected rows with reasons to XLSX',
    )
    .option('--area <code>', '导入者的辖区（默认全市）/ the importer’s area scope (default: the city)')
    .action((file: string, o: { source: string; rejects?: string; area?: string }) =>
      withKernel(async (k) => {
        await importFile(k, file, o);
      }),
    );

  program
    .command('classifier')
    .description('纠纷文本分类器 / the dispute text classifier')
    .command('eval')
    .description('在留出集上评估（模型从未见过）/ evaluate on the held-out set it never trained on')
    .option('--file <heldout.jsonl>', 'JSON Lines of {text, category}', `${CLASSIFIER_DATA_DIR}heldout.jsonl`)
    .action((o: { file: string }) => {
      const samples = readSamples(o.file);
      const t0 = performance.now();
      const e = evaluate(defaultClassifier(), samples);
      console.log(formatEvaluation(e));
      console.log(`(${samples.length} texts in ${Math.round(performance.now() - t0)} ms, file ${o.file})`);
    });
}

import { type Command, InvalidArgumentError, Option } from 'commander';
import { sql } from 'kysely';
import { AppError } from '../../core/errors.ts';
import type { Kernel } from '../../core/kernel.ts';
import {
  type AnyModelDef,
  type BacktestResult,
  cstDayStart,
  MODEL_OUTCOME_KINDS,
  runBacktest,
} from '../../modules/alert/backtest.ts';
import { plantScenarios } from '../../modules/alert/demo/plant.ts';
import { MODELS } from '../../modules/alert/models/index.ts';
import { modelState } from '../../modules/alert/runtime/runtime.ts';
import { progressReporter } from '../progress.ts';

const DAY = 86_400_000;
const DEFAULT_PERIOD_DAYS = 180;

/** YYYY-MM-DD as the CST midnight that starts that day. */
function cstDate(v: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (m) {
    const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    const back = new Date(t);
    if (back.getUTCMonth() === Number(m[2]) - 1 && back.getUTCDate() === Number(m[3])) {
      return new Date(t - 8 * 3_600_000);
    }
  }
  throw new InvalidArgumentError('日期格式应为 YYYY-MM-DD / a date YYYY-MM-DD');
}

const ymd = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

function positiveInt(max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`应为 1–${max} 的整数 / 1–${max}`);
    return n;
  };
}

// ---------------------------------------------------------------------------------------------------
// A table that lines up Chinese (two columns wide) and Latin text

const wide = (cp: number) =>
  (cp >= 0x1100 && cp <= 0x115f) ||
  (cp >= 0x2e80 && cp <= 0xa4cf) ||
  (cp >= 0xac00 && cp <= 0xd7a3) ||
  (cp >= 0xf900 && cp <= 0xfaff) ||
  (cp >= 0xfe30 && cp <= 0xfe4f) ||
  (cp >= 0xff00 && cp <= 0xff60) ||
  (cp >= 0xffe0 && cp <= 0xffe6);

function width(s: string): number {
  let w = 0;
  for (const ch of s) w += wide(ch.codePointAt(0)!) ? 2 : 1;
  return w;
}

function table(head: string[], rows: string[][], right: boolean[]): string {
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const gap = ' '.repeat(widths[i]! - width(c));
        return right[i] ? gap + c : c + gap;
      })
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const days = (x: number | null) => (x === null ? '—' : x.toFixed(1));

/** The per-model table `zhili models backtest` prints. */
export function formatBacktest(r: BacktestResult): string {
  const span = Math.round((Date.parse(r.to) - cstDayStart(new Date(r.from)).getTime()) / DAY);
  const out = [
    `回测 / backtest ${ymd(new Date(r.from))} → ${ymd(new Date(Date.parse(r.to) - 1))} ` +
      `(${span} 天 days, 步长 step ${r.stepDays} d, 观察期 horizon ${r.horizonDays} d after ` +
      `${r.matchAfter === 'first' ? 'the first signal' : 'any signal'}) · ${(r.ms / 1000).toFixed(1)} s`,
    '',
    table(
      [
        'no',
        'code',
        '名称',
        '预警 红/橙/黄',
        '命中',
        '精确率',
        '红/橙/黄',
        '结果',
        '召回率',
        '提前天数 中位/P90',
        'ms',
        '状态',
      ],
      r.models.map((m) => [
        String(m.no),
        m.code,
        m.name.zh,
        `${m.alerts.total} (${m.alerts.red}/${m.alerts.orange}/${m.alerts.yellow})`,
        String(m.truePositives),
        pct(m.precision),
        `${pct(m.precisionByLevel.red)}/${pct(m.precisionByLevel.orange)}/${pct(m.precisionByLevel.yellow)}`,
        `${m.warned}/${m.outcomes}`,
        pct(m.recall),
        `${days(m.leadDays.median)} / ${days(m.leadDays.p90)}`,
        String(m.ms),
        m.status === 'ok'
          ? 'ok'
          : `${m.status === 'failed' ? '失败 failed' : '出错 errors'} ×${m.errors.count}`,
      ]),
      [true, false, false, true, true, true, true, true, true, true, true, false],
    ),
    '',
    '预警 alerts: distinct (key, window) at ≥ yellow, by highest level · 命中 TP: alerts followed by a relevant outcome ' +
      'within the horizon · 红/橙/黄 precision of the alerts whose highest level was red, orange, yellow · 结果 outcomes: warned/relevant in [from, to + horizon] · 提前 lead: days from the earliest ' +
      'warning to the outcome',
  ];
  for (const m of r.models) {
    for (const e of m.errors.messages) out.push(`  ! ${m.code} @ ${e.at}: ${e.message}`);
  }
  if (Date.parse(r.to) + r.horizonDays * DAY > Date.now()) {
    out.push(
      `  注意 / note: 最后 ${r.horizonDays} 天内的预警观察期尚未结束，精确率偏低 / alerts of the last ` +
        `${r.horizonDays} days have not yet had their full horizon: precision is understated`,
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Commands

/** The parameters in force, by the runtime's rule (stored over defaults; the defaults if that no longer fits). */
async function paramsInForce(
  k: Kernel,
  models: AnyModelDef[],
): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of models) out[m.code] = (await modelState(k.db, m)).params;
  return out;
}

/** The default period: the 180 days up to the day after the newest matter (at most tomorrow). */
async function defaultTo(k: Kernel): Promise<Date> {
  const r = await sql<{ at: Date | string | null }>`select max(created_at) as at from matters`.execute(k.db);
  const newest = r.rows[0]?.at ? new Date(r.rows[0].at) : new Date();
  const end = Math.min(newest.getTime(), Date.now());
  return new Date(cstDayStart(new Date(end)).getTime() + DAY);
}

export function modelCommands(
  program: Command,
  withKernel: <T>(fn: (k: Kernel) => Promise<T>) => Promise<T>,
) {
  const models = program.command('models').description('预警模型 / the early-warning models');

  models
    .command('backtest')
    .description(
      '回测：按天重放历史，用实际发生的结果评估每个模型 / replay history day by day and score each model against what happened',
    )
    .option('--from <YYYY-MM-DD>', '起始日（含）/ first day (default: 180 days before --to)', cstDate)
    .option(
      '--to <YYYY-MM-DD>',
      '截止日（不含）/ end day, exclusive (default: the day after the newest matter)',
      cstDate,
    )
    .option(
      '--horizon <days>',
      '观察期天数 / days after an alert in which an outcome counts',
      positiveInt(365),
      30,
    )
    .option('--step <days>', '步长天数 / days per replay step', positiveInt(31), 1)
    .addOption(
      new Option(
        '--after <first|any>',
        '观察期从首次预警还是任一次预警起算 / horizon after the first or any signal',
      )
        .choices(['first', 'any'])
        .default('any'),
    )
    .option(
      '--model <code>',
      '只回测一个模型 / only this model (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--no-store', '不保存结果 / do not store the results in alert_backtests')
    .action(
      (o: {
        from?: Date;
        to?: Date;
        horizon: number;
        step: number;
        after: 'first' | 'any';
        model: string[];
        store: boolean;
      }) =>
        withKernel(async (k) => {
          const all = MODELS as AnyModelDef[];
          const unknown = o.model.filter((c) => !all.some((m) => m.code === c));
          if (unknown.length) {
            throw new AppError(
              'VALIDATION_FAILED',
              `未知模型 ${unknown.join(', ')} / unknown model; known: ${all.map((m) => m.code).join(', ')}`,
            );
          }
          const chosen = o.model.length ? all.filter((m) => o.model.includes(m.code)) : all;
          const to = o.to ?? (await defaultTo(k));
          const from = o.from ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY);
          const progress = progressReporter();
          const result = await runBacktest(k.db, chosen, {
            from,
            to,
            horizonDays: o.horizon,
            stepDays: o.step,
            matchAfter: o.after,
            params: await paramsInForce(k, chosen),
            store: o.store,
            onProgress: (d, t) => progress('backtest', d, t),
          });
          progress.stop();
          console.log(formatBacktest(result));
          const unmapped = chosen.filter((m) => !MODEL_OUTCOME_KINDS[m.code]).map((m) => m.code);
          if (unmapped.length)
            console.log(`  (${unmapped.join(', ')}: 按全部结果类型评分 / scored against every outcome kind)`);
          if (result.models.some((m) => m.status === 'failed')) process.exitCode = 1;
        }),
    );

  models
    .command('plant')
    .description(
      '载入带结果的演示场景（供回测）/ plant demo scenarios with the outcomes that followed (for backtests)',
    )
    .option('--seed <n>', '随机种子 / seed', (v) => Number.parseInt(v, 10), 20261129)
    .option('--count <n>', '场景数 / scenarios', positiveInt(10_000), 300)
    .option('--from <YYYY-MM-DD>', '起始日 / first day (default: 180 days before --to)', cstDate)
    .option('--to <YYYY-MM-DD>', '截止日（不含）/ end day, exclusive (default: today)', cstDate)
    .action((o: { seed: number; count: number; from?: Date; to?: Date }) =>
      withKernel(async (k) => {
        if (k.config.env === 'production') {
          throw new AppError(
            'BAD_REQUEST',
            '生产环境不载入演示数据 / Refusing to load demo data in production',
          );
        }
        const to = o.to ?? new Date(Math.min(cstDayStart(new Date()).getTime() + DAY, Date.now()));
        const from = o.from ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY);
        const r = await plantScenarios(k, { seed: o.seed, count: o.count, from, to });
        console.log(
          table(
            ['场景 scenario', 'planted', 'patterned', 'with outcome'],
            Object.entries(r.scenarios).map(([kind, s]) => [
              kind,
              String(s.planted),
              String(s.patterned),
              String(s.withOutcome),
            ]),
            [false, true, true, true],
          ),
        );
        const rec = r.records;
        console.log(
          `\n记录 records: 新增 inserted ${rec.inserted} · 合并 merged ${rec.merged} · 已有 skipped ${rec.skipped} · ` +
            `拒收 rejected ${rec.rejected}`,
        );
        for (const x of r.rejects) console.log(`  ! ${x.source} ${x.recordKey}: ${x.reason}`);
        console.log(
          `结果 outcomes (alert_outcomes, source demo): ${Object.entries(r.outcomes)
            .map(([kind, n]) => `${kind} ${n}`)
            .join(' · ')} — ${r.outcomesInserted} new; 重点人员标签 watch-list tags ${r.tagsInserted} new`,
        );
      }),
    );
}

import { sql } from 'kysely';
import type { Kernel } from '../../core/kernel.ts';
import { type BacktestResult, runBacktest } from '../../modules/alert/backtest.ts';
import { type PlantResult, plantScenarios } from '../../modules/alert/demo/plant.ts';
import { MODELS } from '../../modules/alert/models/index.ts';
import { runPeriodic, STREAM_BATCH, STREAM_CURSOR, streamOnce } from '../../modules/alert/runtime/runtime.ts';

/** Planted histories (patterns, decoys, the outcomes that followed) over the half year before the seed. */
export const DEMO_SCENARIOS = 300;
const DAY = 86_400_000;

export interface AlertSeedResult {
  plant: PlantResult;
  raised: number;
  backtest: BacktestResult;
}

/**
 * The early-warning demo: planted scenarios through the real intake, then the models as a running server
 * would apply them (streaming passes over every timeline entry, each periodic model once), then a backtest
 * of the planted half year at a weekly step so that the models page shows precision and lead time at once.
 */
export async function seedAlerts(
  k: Kernel,
  opts: { scenarios?: number; onProgress?: (stage: string, done: number, total: number) => void } = {},
): Promise<AlertSeedResult> {
  const to = new Date(Math.floor(Date.now() / DAY) * DAY - 8 * 3_600_000);
  const from = new Date(to.getTime() - 180 * DAY);
  const plant = await plantScenarios(k, { seed: 11, count: opts.scenarios ?? DEMO_SCENARIOS, from, to });
  let raised = 0;
  // Progress over the timeline entries the streaming models have still to read (more may come meanwhile).
  const backlog = await sql<{ n: number }>`
    select count(*)::int as n from matter_timeline
    where id > coalesce((select timeline_id from alert_cursors where name = ${STREAM_CURSOR}), 0)`.execute(
    k.db,
  );
  let total = backlog.rows[0]?.n ?? 0;
  let read = 0;
  for (;;) {
    const r = await streamOnce(k, MODELS);
    read += r?.entries ?? 0;
    total = Math.max(total, read);
    opts.onProgress?.('预警/alerts', read, !r || r.entries < STREAM_BATCH ? read : total + 1);
    raised += r?.raised ?? 0;
    if (!r || r.entries < STREAM_BATCH) break;
  }
  raised += (await runPeriodic(k, MODELS, new Date(), true)).raised;
  const backtest = await runBacktest(k.db, MODELS, {
    from,
    to,
    stepDays: 7,
    onProgress: (done, total) => opts.onProgress?.('回测/backtest', done, total),
  });
  return { plant, raised, backtest };
}

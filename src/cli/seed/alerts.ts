import { sql } from 'kysely';
import { systemActor } from '../../core/access/actor.ts';
import type { Kernel } from '../../core/kernel.ts';
import { transition } from '../../core/matters/transition.ts';
import { type BacktestResult, runBacktest } from '../../modules/alert/backtest.ts';
import { type PlantResult, plantScenarios } from '../../modules/alert/demo/plant.ts';
import { MODELS } from '../../modules/alert/models/index.ts';
import type { AlertLevel } from '../../modules/alert/runtime/model.ts';
import { runPeriodic, STREAM_BATCH, STREAM_CURSOR, streamOnce } from '../../modules/alert/runtime/runtime.ts';
import { seededRng } from '../../modules/dispute/classifier/corpus.ts';

/** Planted histories (patterns, decoys, the outcomes that followed) over the half year before the seed. */
export const DEMO_SCENARIOS = 300;
const DAY = 86_400_000;

export interface AlertSeedResult {
  plant: PlantResult;
  raised: number;
  judged: { confirmed: number; dismissed: number };
  backtest: BacktestResult;
}

/** How many open alerts of each model the demo's centres have already judged (研判): every second, oldest first. */
export const DEMO_JUDGED_PER_MODEL = 20;
/** The share of a level's alerts the demo's 研判 confirms; the rest it dismisses with a reason. */
const CONFIRM_SHARE: Record<AlertLevel, number> = { red: 0.75, orange: 0.45, yellow: 0.15 };

/**
 * 研判 of a deterministic sample of each model's open alerts (every second, oldest first, at most `perModel`)
 * through the real transition engine (timeline, audit and clock as in use): confirmed or dismissed with a
 * reason, more often confirmed the higher the level — made-up judgements, like the rest of the demo, so that
 * the models page's 研判确认率 has figures on first start.
 */
export async function judgeAlerts(k: Kernel, perModel: number, seed: number) {
  const rng = seededRng(seed);
  const actor = systemActor('demo-judge');
  const rows = await sql<{ id: string; version: number; level: AlertLevel }>`
    select id::text as id, version, level from (
      select m.id, m.version, m.payload->>'level' as level, m.category, m.created_at,
             row_number() over (partition by m.category order by m.created_at, m.id) as n
      from matters m where m.type = 'alert' and m.status = 'raised') a
    where n % 2 = 1 and n <= ${perModel * 2}
    order by category, created_at, a.id`.execute(k.db);
  const judged = { confirmed: 0, dismissed: 0 };
  for (const a of rows.rows) {
    const confirm = rng() < CONFIRM_SHARE[a.level];
    await k.db
      .transaction()
      .execute((tx) =>
        transition(
          tx,
          actor,
          a.id,
          confirm
            ? { action: 'confirm', version: a.version }
            : { action: 'dismiss', version: a.version, reason: '经核实，双方矛盾已缓和，暂无现实风险。' },
        ),
      );
    judged[confirm ? 'confirmed' : 'dismissed']++;
  }
  return judged;
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
  const judged = await judgeAlerts(k, DEMO_JUDGED_PER_MODEL, 20261201);
  const backtest = await runBacktest(k.db, MODELS, {
    from,
    to,
    stepDays: 7,
    onProgress: (done, total) => opts.onProgress?.('回测/backtest', done, total),
  });
  return { plant, raised, judged, backtest };
}

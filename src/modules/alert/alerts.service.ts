import { sql } from 'kysely';
import { type Actor, assertCan } from '../../core/access/actor.ts';
import { containsPattern } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { decodeCursor, encodeCursor, findMatterRow, visibleSql } from '../../core/matters/matters.service.ts';
import { queryTokens } from '../../core/matters/search.ts';
import type { AlertPayload } from './alert.schema.ts';
import { adb } from './alert.tables.ts';
import { alertWorkflow } from './alert.workflow.ts';
import { latestBacktests, type StoredBacktest } from './backtest.ts';
import { type AlertLevel, type AnyModel, LEVEL_NAMES, levelsOf } from './runtime/model.ts';
import { modelState } from './runtime/runtime.ts';

/** The alert board, an alert's explanation with its records, the models' pages and their parameters. */

export interface AlertQuery {
  level?: AlertLevel[] | undefined;
  model?: string[] | undefined;
  /** open | closed | a state code. */
  status?: string | undefined;
  areaCode?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Keywords: all of their jieba words among the alert's (title and description), or the text in the title. */
  q?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface AlertItem {
  id: string;
  number: string;
  title: string;
  status: string;
  statusName: { zh: string; en: string };
  closed: boolean;
  model: string;
  level: AlertLevel;
  score: number;
  evaluations: number;
  areaCode: string;
  areaName: string | null;
  createdAt: string;
  updatedAt: string;
  dueAt: string | null;
  deadlineState: string;
}

interface Row {
  id: string;
  number: string;
  title: string;
  status: string;
  closed: boolean;
  area_code: string;
  area_name: string | null;
  created_at: Date;
  updated_at: Date;
  due_at: Date | null;
  deadline_state: string;
  payload: AlertPayload;
}

const stateName = (s: string) => alertWorkflow.states[s]?.name ?? { zh: s, en: s };

function present(r: Row): AlertItem {
  return {
    id: String(r.id),
    number: r.number,
    title: r.title,
    status: r.status,
    statusName: stateName(r.status),
    closed: r.closed,
    model: r.payload.model,
    level: r.payload.level,
    score: r.payload.score,
    evaluations: r.payload.evaluations ?? 1,
    areaCode: r.area_code,
    areaName: r.area_name,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    dueAt: r.due_at?.toISOString() ?? null,
    deadlineState: r.deadline_state,
  };
}

function filters(q: Omit<AlertQuery, 'cursor' | 'limit'>) {
  const parts = [sql`m.type = 'alert'`];
  if (q.level?.length) parts.push(sql`m.payload->>'level' = any(${sql.val(q.level)}::text[])`);
  if (q.model?.length) parts.push(sql`m.category = any(${sql.val(q.model)}::text[])`);
  if (q.status === 'open') parts.push(sql`not m.closed`);
  else if (q.status === 'closed') parts.push(sql`m.closed`);
  else if (q.status) parts.push(sql`m.status = ${q.status}`);
  if (q.areaCode) parts.push(sql`m.area_code like ${`${q.areaCode.replace(/0+$/, '')}%`}`);
  if (q.from) parts.push(sql`m.created_at >= ${new Date(q.from)}`);
  if (q.to) parts.push(sql`m.created_at < ${new Date(q.to)}`);
  if (q.q) {
    // As the matters queue searches: the query's words all among the alert's words, or the text in the title.
    const tokens = queryTokens(q.q);
    const title = sql`m.title like ${containsPattern(q.q)}`;
    parts.push(tokens.length ? sql`(m.search_tokens @> ${sql.val(tokens)}::text[] or ${title})` : title);
  }
  return sql.join(parts, sql` and `);
}

/** The board: newest first, keyset-paginated, within the actor's scope. */
export async function listAlerts(
  db: DbOrTx,
  actor: Actor,
  q: AlertQuery,
): Promise<{ items: AlertItem[]; nextCursor: string | null }> {
  assertCan(actor, 'matter:read');
  const c = q.cursor ? decodeCursor(q.cursor) : null;
  const after = c?.v ? sql`and (m.created_at, m.id) < (${new Date(c.v)}, ${c.id}::bigint)` : sql``;
  const rows = await sql<Row>`
    select m.id, m.number, m.title, m.status, m.closed, m.area_code, a.name as area_name, m.created_at,
           m.updated_at, m.due_at, m.deadline_state, m.payload
    from matters m
    left join areas a on a.code = m.area_code
    where ${filters(q)} and ${visibleSql(actor)} ${after}
    order by m.created_at desc, m.id desc
    limit ${q.limit + 1}`.execute(db);
  const page = rows.rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map(present),
    nextCursor:
      rows.rows.length > q.limit && last
        ? encodeCursor({ v: last.created_at.toISOString(), id: String(last.id) })
        : null,
  };
}

/** Counts for the board's header: open alerts by level and by model, and raised today (CST). */
export async function alertSummary(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'matter:read');
  const r = await sql<{ level: AlertLevel; model: string; open: string; today: string }>`
    select m.payload->>'level' as level, m.category as model,
           count(*) filter (where not m.closed) as open,
           count(*) filter (where m.created_at >= date_trunc('day', now() at time zone 'Asia/Shanghai') at time zone 'Asia/Shanghai') as today
    from matters m
    where m.type = 'alert' and ${visibleSql(actor)}
    group by 1, 2`.execute(db);
  const byLevel = { red: 0, orange: 0, yellow: 0 } as Record<AlertLevel, number>;
  const byModel: Record<string, number> = {};
  let today = 0;
  for (const x of r.rows) {
    byLevel[x.level] = (byLevel[x.level] ?? 0) + Number(x.open);
    byModel[x.model] = (byModel[x.model] ?? 0) + Number(x.open);
    today += Number(x.today);
  }
  return { openByLevel: byLevel, openByModel: byModel, raisedToday: today };
}

export interface FactorRecord {
  id: string;
  number: string;
  type: string;
  title: string;
  status: string;
  createdAt: string;
}

/**
 * An alert with its explanation: each factor's records resolved to their numbers and titles — those the
 * actor may see; the others are counted, not shown.
 */
export async function alertDetail(db: DbOrTx, actor: Actor, id: string) {
  assertCan(actor, 'matter:read');
  const m = await findMatterRow(db, actor, id);
  if (m.type !== 'alert') throw notFound('预警 / Alert');
  const p = m.payload as AlertPayload;
  const ids = [...new Set(p.factors.flatMap((f) => f.records))];
  const rows = ids.length
    ? await sql<{
        id: string;
        number: string;
        type: string;
        title: string;
        status: string;
        created_at: Date;
      }>`
        select m.id::text as id, m.number, m.type, m.title, m.status, m.created_at
        from matters m
        where m.id = any(${sql.val(ids)}::bigint[]) and ${visibleSql(actor)}`.execute(db)
    : { rows: [] };
  const byId = new Map(rows.rows.map((r) => [r.id, r]));
  return {
    id: String(m.id),
    number: m.number,
    title: m.title,
    status: m.status,
    statusName: stateName(m.status),
    closed: m.closed,
    areaCode: m.area_code,
    model: p.model,
    modelVersion: p.modelVersion,
    level: p.level,
    levelName: LEVEL_NAMES[p.level],
    score: p.score,
    key: p.key,
    window: p.window,
    evaluations: p.evaluations,
    firstAt: p.firstAt,
    lastAt: p.lastAt,
    factors: p.factors.map((f) => {
      const seen = f.records.flatMap((r) => {
        const x = byId.get(r);
        return x
          ? [
              {
                id: x.id,
                number: x.number,
                type: x.type,
                title: x.title,
                status: x.status,
                createdAt: x.created_at.toISOString(),
              },
            ]
          : [];
      });
      return {
        code: f.code,
        name: f.name,
        weight: f.weight,
        detail: f.detail,
        records: seen,
        hiddenRecords: f.records.length - seen.length,
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Models

export interface ModelSummary {
  code: string;
  no: number;
  name: { zh: string; en: string };
  description: { zh: string; en: string };
  kind: 'streaming' | 'periodic';
  enabled: boolean;
  version: number;
  healthy: boolean;
  lastRunAt: string | null;
  lastDurationMs: number | null;
  lastSignals: number | null;
  lastError: string | null;
  runs: number;
  failures: number;
  openAlerts: number;
  /** 研判 so far: confirmed and dismissed, and the share confirmed (null before any). */
  confirmed: number;
  dismissed: number;
  confirmRatio: number | null;
  /** The latest backtest's figures (`zhili models backtest`, or the demo's), null before any. */
  backtest: BacktestSummary | null;
}

/** What the models list shows of a model's latest backtest; its page shows the whole result. */
export interface BacktestSummary {
  runAt: string;
  alerts: number;
  precision: number | null;
  recall: number | null;
  leadDaysMedian: number | null;
  /** Outcomes the lead time is measured on (the warned ones). */
  leadN: number;
}

const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function backtestSummary(b: StoredBacktest): BacktestSummary {
  const r = b.result as {
    alerts?: { total?: unknown };
    precision?: unknown;
    recall?: unknown;
    leadDays?: { median?: unknown; n?: unknown };
  };
  return {
    runAt: b.runAt,
    alerts: finite(r.alerts?.total) ?? 0,
    precision: finite(r.precision),
    recall: finite(r.recall),
    leadDaysMedian: finite(r.leadDays?.median),
    leadN: finite(r.leadDays?.n) ?? 0,
  };
}

async function modelRows(db: DbOrTx, actor: Actor, models: AnyModel[]) {
  const health = await adb(db).selectFrom('alert_models').selectAll().execute();
  const backtests = await latestBacktests(
    db,
    models.map((m) => m.code),
  );
  // 研判 outcomes from the alerts' timelines: a confirmed alert went through `confirm`, a dismissed one ends so.
  const judged = await sql<{ model: string; open: string; confirmed: string; dismissed: string }>`
    select m.category as model,
           count(*) filter (where not m.closed) as open,
           count(*) filter (where exists (select 1 from matter_timeline t where t.matter_id = m.id and t.action = 'confirm')) as confirmed,
           count(*) filter (where m.status = 'dismissed') as dismissed
    from matters m
    where m.type = 'alert' and ${visibleSql(actor)}
    group by 1`.execute(db);
  return {
    health: new Map(health.map((h) => [h.code, h])),
    judged: new Map(judged.rows.map((j) => [j.model, j])),
    backtests,
  };
}

export async function listModels(db: DbOrTx, actor: Actor, models: AnyModel[]): Promise<ModelSummary[]> {
  return (await summarize(db, actor, models)).items;
}

/** The models' summaries, and the latest backtests they were made from (a model's page shows the whole). */
async function summarize(db: DbOrTx, actor: Actor, models: AnyModel[]) {
  assertCan(actor, 'matter:read');
  const { health, judged, backtests } = await modelRows(db, actor, models);
  const items: ModelSummary[] = models
    .map((m) => {
      const h = health.get(m.code);
      const j = judged.get(m.code);
      const confirmed = Number(j?.confirmed ?? 0);
      const dismissed = Number(j?.dismissed ?? 0);
      return {
        code: m.code,
        no: m.no,
        name: m.name,
        description: m.description,
        kind: m.kind,
        enabled: h?.enabled ?? true,
        version: h?.version ?? 1,
        healthy: h?.healthy ?? true,
        lastRunAt: h?.last_run_at ? new Date(h.last_run_at).toISOString() : null,
        lastDurationMs: h?.last_duration_ms ?? null,
        lastSignals: h?.last_signals ?? null,
        lastError: h?.last_error ?? null,
        runs: h?.runs ?? 0,
        failures: h?.failures ?? 0,
        openAlerts: Number(j?.open ?? 0),
        confirmed,
        dismissed,
        confirmRatio: confirmed + dismissed ? confirmed / (confirmed + dismissed) : null,
        backtest: backtests.has(m.code) ? backtestSummary(backtests.get(m.code)!) : null,
      };
    })
    .sort((a, b) => a.no - b.no);
  return { items, backtests };
}

export function findModel(models: AnyModel[], code: string): AnyModel {
  const m = models.find((x) => x.code === code);
  if (!m) throw notFound('预警模型 / Model');
  return m;
}

export async function modelDetail(db: DbOrTx, actor: Actor, models: AnyModel[], code: string) {
  const model = findModel(models, code);
  const { items, backtests } = await summarize(db, actor, [model]);
  const summary = items[0]!;
  const backtest = backtests.get(code);
  const state = await modelState(db, model);
  const versions = await adb(db)
    .selectFrom('alert_model_versions')
    .selectAll()
    .where('code', '=', code)
    .orderBy('version', 'desc')
    .limit(50)
    .execute();
  return {
    ...summary,
    params: state.params as Record<string, unknown>,
    defaults: model.defaults as Record<string, unknown>,
    paramsSchema: toJsonSchema(model),
    levels: levelsOf(model, state.params),
    intervalMs: model.intervalMs ?? null,
    versions: versions.map((v) => ({
      version: v.version,
      params: v.params as Record<string, unknown>,
      changedBy: v.changed_by_name,
      reason: v.reason,
      at: new Date(v.at).toISOString(),
    })),
    backtest: backtest
      ? { runAt: backtest.runAt, from: backtest.from, to: backtest.to, result: backtest.result }
      : null,
  };
}

function toJsonSchema(model: AnyModel): Record<string, unknown> {
  try {
    return (model.params as unknown as { toJSONSchema(): Record<string, unknown> }).toJSONSchema();
  } catch {
    return {};
  }
}

/**
 * An administrator's change of a model's parameters or its switch: validated against the model's schema
 * (out of range → VALIDATION_FAILED with each field), optimistic on the version, versioned and audited.
 */
export async function updateModel(
  tx: DbOrTx,
  actor: Actor,
  models: AnyModel[],
  code: string,
  input: {
    version: number;
    params?: Record<string, unknown> | undefined;
    enabled?: boolean | undefined;
    reason: string;
  },
) {
  assertCan(actor, 'alert:configure');
  const model = findModel(models, code);
  const row = await adb(tx)
    .selectFrom('alert_models')
    .selectAll()
    .where('code', '=', code)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('预警模型 / Model');
  if (row.version !== input.version) {
    throw new AppError(
      'CONFLICT',
      `参数已被他人修改（当前第 ${row.version} 版）/ Changed by someone else (now version ${row.version})`,
    );
  }
  let params = row.params as Record<string, unknown>;
  if (input.params) {
    const parsed = model.params.safeParse(input.params);
    if (!parsed.success) {
      throw new AppError(
        'VALIDATION_FAILED',
        `参数不符合模型“${model.name.zh}”的要求 / The parameters do not fit model ${code}`,
        parsed.error.issues.map((i) => ({
          path: ['params', ...i.path.map(String)].join('.'),
          message: i.message,
        })),
      );
    }
    params = parsed.data as Record<string, unknown>;
  }
  const version = row.version + 1;
  const enabled = input.enabled ?? row.enabled;
  await adb(tx)
    .updateTable('alert_models')
    .set({ params: JSON.stringify(params), enabled, version, updated_at: new Date() })
    .where('code', '=', code)
    .execute();
  await adb(tx)
    .insertInto('alert_model_versions')
    .values({
      code,
      version,
      params: JSON.stringify(params),
      changed_by: actor.id,
      changed_by_name: actor.displayName,
      reason: `${enabled !== row.enabled ? (enabled ? '[启用] ' : '[停用] ') : ''}${input.reason}`.slice(
        0,
        500,
      ),
    })
    .execute();
  await audit(tx, actor, {
    action: 'alert.model.update',
    entityType: 'alert_model',
    entityId: code,
    reason: input.reason,
    oldValues: { version: row.version, enabled: row.enabled, params: row.params },
    newValues: { version, enabled, params },
  });
  return { version, enabled, params };
}

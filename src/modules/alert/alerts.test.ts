import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemActor } from '../../core/access/actor.ts';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import { createMatter } from '../../core/matters/matters.service.ts';
import { createTestContext, type TestContext, testEngine } from '../../testing/harness.ts';
import { adb } from './alert.tables.ts';
import { updateModel } from './alerts.service.ts';
import { MODELS } from './models/index.ts';
import { defineModel, type Signal } from './runtime/model.ts';
import {
  applySignals,
  ensureModels,
  evaluateModel,
  LEVEL_DEADLINES,
  runModels,
  STREAM_CURSOR,
  streamOnce,
} from './runtime/runtime.ts';

/**
 * The model runtime and the alert loop through HTTP on a real database: signals become one alert per
 * (model, key, window), re-evaluation is idempotent, a failing or slow model is isolated, parameters are
 * versioned and audited, scope applies to the board and to the records behind a factor.
 */
const WUMA = '330302006000';
const GULOU = '330302006044';
const LUCHENG = '330302000000';
const QIDU = '330302023000';
const CITY = '330300000000';

let t: TestContext;
const c: Record<string, string> = {};
let disputeId: string;

function call(who: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: c[who]! },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

const testModel = (
  code: string,
  evaluate: () => Promise<Signal[]>,
  kind: 'streaming' | 'periodic' = 'periodic',
) =>
  defineModel({
    code,
    no: 99,
    name: { zh: '测试模型', en: 'Test model' },
    description: { zh: '测试', en: 'test' },
    kind,
    params: z.object({ n: z.number().int().min(1).max(10) }),
    defaults: { n: 1 },
    evaluate,
  });

function signal(score: number, over: Partial<Signal> = {}): Signal {
  return {
    key: 'pair:person:1|person:2',
    window: 'open',
    score,
    title: '张*与李*纠纷存在民转刑风险',
    areaCode: GULOU,
    subjects: [],
    factors: [
      {
        code: 'threat_words',
        name: { zh: '威胁性言语', en: 'Threat words' },
        weight: score,
        detail: '文本含“同归于尽”',
        records: [disputeId],
      },
    ],
    ...over,
  };
}

/** The models' health as the runtime stored it, by code. */
const health = (codes: string[]) =>
  adb(t.kernel.db)
    .selectFrom('alert_models')
    .select(['code', 'healthy', 'last_error', 'failures', 'runs'])
    .where('code', 'in', codes)
    .orderBy('code')
    .execute();

const events: ZhiliEvent[] = [];

beforeAll(async () => {
  t = await createTestContext();
  t.kernel.events.subscribe((e) => events.push(e));
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['town', { username: 'a_town', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['county', { username: 'a_county', role: 'county_center', areaCode: LUCHENG, departmentCode: 'zongzhi' }],
    ['otherTown', { username: 'a_other', role: 'town_center', areaCode: QIDU, departmentCode: 'zongzhi' }],
    ['police', { username: 'a_police', role: 'dept_clerk', areaCode: LUCHENG, departmentCode: 'police' }],
    ['city', { username: 'a_city', role: 'commander', areaCode: CITY }],
    ['admin', { username: 'a_admin', role: 'city_admin', areaCode: CITY }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);
  const { matter } = await t.kernel.db.transaction().execute((tx) =>
    createMatter(tx, systemActor('test'), {
      type: 'event',
      category: 'dispute',
      title: '邻里纠纷，一方扬言同归于尽',
      areaCode: `${GULOU}`,
    }),
  );
  disputeId = matter.id;
});
afterAll(() => t.close());

describe('signals → alerts', () => {
  it('raises one alert per (model, key, window), with the 研判 deadline of its level, and announces it', async () => {
    const model = testModel('t_raise', async () => []);
    await ensureModels(t.kernel.db, [model]);
    const now = new Date();
    const r = await t.kernel.db.transaction().execute((tx) => applySignals(tx, model, 1, [signal(85)], now));
    expect(r).toMatchObject({ raised: 1, updated: 0, unchanged: 0 });
    const raised = r.events.find((e) => e.type === 'alert.raised')!;
    expect(raised.data).toMatchObject({ model: 't_raise', level: 'red', score: 85 });
    const m = await t.kernel.db
      .selectFrom('matters')
      .selectAll()
      .where('id', '=', raised.matterId!)
      .executeTakeFirstOrThrow();
    expect(m).toMatchObject({
      type: 'alert',
      category: 't_raise',
      status: 'raised',
      urgency: 'extra_urgent',
    });
    expect(m.number).toMatch(/^YJ-330302-/);
    // Red: one hour to 研判.
    expect(LEVEL_DEADLINES.red).toEqual({ amount: 1, unit: 'hours' });
    expect(new Date(m.due_at!).getTime() - now.getTime()).toBe(3_600_000);
    expect(m.payload).toMatchObject({
      level: 'red',
      score: 85,
      evaluations: 1,
      key: 'pair:person:1|person:2',
    });

    // The same signal again: nothing changes (idempotent).
    const again = await t.kernel.db
      .transaction()
      .execute((tx) => applySignals(tx, model, 1, [signal(85)], new Date()));
    expect(again).toMatchObject({ raised: 0, updated: 0, unchanged: 1 });
    // A different explanation updates the one alert, with a timeline entry; below yellow is dropped.
    const upd = await t.kernel.db
      .transaction()
      .execute((tx) => applySignals(tx, model, 1, [signal(90), signal(20, { key: 'person:9' })], new Date()));
    expect(upd).toMatchObject({ raised: 0, updated: 1, belowThreshold: 1 });
    const tl = await t.kernel.db
      .selectFrom('matter_timeline')
      .select(['action', 'note'])
      .where('matter_id', '=', m.id)
      .orderBy('id')
      .execute();
    expect(tl.map((x) => x.action)).toEqual(['create', 'reevaluate']);
    const count = await adb(t.kernel.db)
      .selectFrom('alert_keys')
      .select(sql<string>`count(*)`.as('n'))
      .where('model', '=', 't_raise')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('applies a pass of many signals in bulk: new alerts by level, raised and changed ones, unchanged, repeats', async () => {
    const model = testModel('t_bulk', async () => []);
    await ensureModels(t.kernel.db, [model]);
    const at = new Date();
    const apply = (signals: Signal[], now = new Date()) =>
      t.kernel.db.transaction().execute((tx) => applySignals(tx, model, 1, signals, now));
    const key = (n: number) => `person:${1000 + n}`;
    // 30 new alerts over the three levels (and one below yellow); the last of two signals with one key counts.
    const first = await apply(
      [
        ...Array.from({ length: 30 }, (_, n) => signal([85, 65, 45][n % 3]!, { key: key(n) })),
        signal(10, { key: key(99) }),
        signal(50, { key: key(29) }),
      ],
      at,
    );
    expect(first).toMatchObject({ raised: 30, updated: 0, belowThreshold: 1 });
    expect(first.events.filter((e) => e.type === 'alert.raised')).toHaveLength(30);
    expect(first.events.filter((e) => e.type === 'matter.created')).toHaveLength(30);
    const rows = await sql<{ key: string; level: string; due_at: Date; urgency: string; number: string }>`
      select k.key, k.level, m.due_at, m.urgency, m.number
      from alert_keys k join matters m on m.id = k.matter_id
      where k.model = 't_bulk' order by k.key`.execute(t.kernel.db);
    expect(rows.rows).toHaveLength(30);
    const byKey = new Map(rows.rows.map((r) => [r.key, r]));
    expect(byKey.get(key(0))).toMatchObject({ level: 'red', urgency: 'extra_urgent' });
    expect(byKey.get(key(1))).toMatchObject({ level: 'orange', urgency: 'urgent' });
    expect(byKey.get(key(29))).toMatchObject({ level: 'yellow', urgency: 'normal' });
    expect(new Date(byKey.get(key(0))!.due_at).getTime() - at.getTime()).toBe(3_600_000);
    expect(new Date(byKey.get(key(1))!.due_at).getTime() - at.getTime()).toBe(4 * 3_600_000);
    // 一案一码: thirty numbers, none twice.
    expect(new Set(rows.rows.map((r) => r.number)).size).toBe(30);

    // Again, with changes: key 2 (yellow) turns red, key 4 (orange) gets another explanation at its level,
    // the rest as stored (key 29 at 50, the later of its two signals).
    const second = await apply(
      Array.from({ length: 30 }, (_, n) =>
        n === 2
          ? signal(90, { key: key(n) })
          : n === 4
            ? signal(66, { key: key(n) })
            : signal(n === 29 ? 50 : [85, 65, 45][n % 3]!, { key: key(n) }),
      ),
    );
    expect(second).toMatchObject({ raised: 0, updated: 2, unchanged: 28 });
    const raisedAgain = second.events.find((e) => e.type === 'alert.raised')!;
    const updated = second.events.find((e) => e.type === 'alert.updated')!;
    expect(raisedAgain.data).toMatchObject({ level: 'red', score: 90 });
    expect(updated.data).toMatchObject({ level: 'orange', score: 66 });
    const m2 = await sql<{
      urgency: string;
      version: number;
      payload: { score: number; evaluations: number };
    }>`
      select m.urgency, m.version, m.payload from matters m where m.id = ${raisedAgain.matterId}::bigint`.execute(
      t.kernel.db,
    );
    expect(m2.rows[0]).toMatchObject({ urgency: 'extra_urgent', payload: { score: 90, evaluations: 2 } });
    const keyRow = await adb(t.kernel.db)
      .selectFrom('alert_keys')
      .select(['level', 'score', 'evaluations'])
      .where('model', '=', 't_bulk')
      .where('key', '=', key(2))
      .executeTakeFirstOrThrow();
    expect(keyRow).toEqual({ level: 'red', score: 90, evaluations: 2 });
    const tl = await t.kernel.db
      .selectFrom('matter_timeline')
      .select(['action', 'note'])
      .where('matter_id', '=', raisedAgain.matterId!)
      .orderBy('id')
      .execute();
    expect(tl.map((x) => x.action)).toEqual(['create', 'reevaluate']);
    expect(tl[1]!.note).toContain('黄色 → 红色');
    const audited = await t.kernel.db
      .selectFrom('audit_log')
      .select(['old_values', 'new_values'])
      .where('action', '=', 'alert.reevaluate')
      .where('entity_id', '=', raisedAgain.matterId!)
      .executeTakeFirstOrThrow();
    expect(audited.old_values).toEqual({ level: 'yellow', score: 45 });
    expect(audited.new_values).toEqual({ level: 'red', score: 90, evaluations: 2 });
  });

  it('a dismissed alert is not raised again at its level in the same window; another window raises a new one', async () => {
    const model = testModel('t_dismiss', async () => []);
    await ensureModels(t.kernel.db, [model]);
    const r = await t.kernel.db
      .transaction()
      .execute((tx) => applySignals(tx, model, 1, [signal(65, { window: '2026-W48' })], new Date()));
    const id = r.events.find((e) => e.type === 'alert.raised')!.matterId!;
    const cur = (await call('town', 'GET', `/api/matters/${id}`)).json();
    const noReason = await call('town', 'POST', `/api/matters/${id}/transitions`, {
      action: 'dismiss',
      version: cur.version,
    });
    expect(noReason.statusCode).toBe(400);
    const dismissed = await call('town', 'POST', `/api/matters/${id}/transitions`, {
      action: 'dismiss',
      version: cur.version,
      reason: '经核实双方已和解',
    });
    expect(dismissed.statusCode, dismissed.body).toBe(200);
    const again = await t.kernel.db
      .transaction()
      .execute((tx) => applySignals(tx, model, 1, [signal(70, { window: '2026-W48' })], new Date()));
    expect(again).toMatchObject({ raised: 0, suppressed: 1 });
    const next = await t.kernel.db
      .transaction()
      .execute((tx) => applySignals(tx, model, 1, [signal(95, { window: '2026-W49' })], new Date()));
    expect(next).toMatchObject({ raised: 1 });
  });
});

describe('after an alert is closed', () => {
  it('a stronger signal, or the same one a month later, raises a new alert; the closed one keeps its history', async () => {
    const model = testModel('t_reopen', async () => []);
    await ensureModels(t.kernel.db, [model]);
    const apply = (sig: Signal, at = new Date()) =>
      t.kernel.db.transaction().execute((tx) => applySignals(tx, model, 1, [sig], at));
    const first = await apply(signal(62, { key: 'person:300' }));
    const id = first.events.find((e) => e.type === 'alert.raised')!.matterId!;
    const cur = (await call('town', 'GET', `/api/matters/${id}`)).json();
    await call('town', 'POST', `/api/matters/${id}/transitions`, {
      action: 'dismiss',
      version: cur.version,
      reason: '误报',
    });
    // Orange again (another explanation): suppressed. Red: a new alert.
    expect(await apply(signal(65, { key: 'person:300' }))).toMatchObject({ suppressed: 1, raised: 0 });
    const red = await apply(signal(88, { key: 'person:300' }));
    expect(red).toMatchObject({ raised: 1 });
    expect(red.events.find((e) => e.type === 'alert.raised')!.matterId).not.toBe(id);
    const keys = await adb(t.kernel.db)
      .selectFrom('alert_keys')
      .select(['window', 'matter_id'])
      .where('model', '=', 't_reopen')
      .orderBy('first_at')
      .execute();
    expect(keys.map((k) => k.window)).toEqual([`open~${id}`, 'open']);
    // A month after it was closed, the same level raises again.
    const second = red.events.find((e) => e.type === 'alert.raised')!.matterId!;
    const cur2 = (await call('town', 'GET', `/api/matters/${second}`)).json();
    await call('town', 'POST', `/api/matters/${second}/transitions`, {
      action: 'dismiss',
      version: cur2.version,
      reason: '已处理',
    });
    expect(await apply(signal(90, { key: 'person:300' }))).toMatchObject({ suppressed: 1 });
    const later = new Date(Date.now() + 31 * 86_400_000);
    expect(await apply(signal(90, { key: 'person:300' }), later)).toMatchObject({ raised: 1 });
  });

  it('does not keep which watch list a person is on in the alert', async () => {
    const model = testModel('t_tags', async () => []);
    await ensureModels(t.kernel.db, [model]);
    const r = await t.kernel.db.transaction().execute((tx) =>
      applySignals(
        tx,
        model,
        1,
        [
          signal(85, {
            key: 'person:301',
            factors: [
              {
                code: 'tag_mental_disorder',
                name: { zh: '严重精神障碍患者', en: 'Severe mental disorder' },
                weight: 85,
                detail: '当事人为严重精神障碍患者',
                records: [disputeId],
              },
            ],
          }),
        ],
        new Date(),
      ),
    );
    const id = r.events.find((e) => e.type === 'alert.raised')!.matterId!;
    const m = (await call('town', 'GET', `/api/matters/${id}`)).body;
    expect(m).not.toMatch(/精神障碍|mental/);
    const d = (await call('town', 'GET', `/api/alerts/${id}`)).json();
    expect(d.factors[0]).toMatchObject({ code: 'watchlist_tag', weight: 85 });
  });
});

describe('isolation', () => {
  it('a model that throws or runs too long is marked unhealthy; the next model still runs', async () => {
    const boom = testModel('t_boom', async () => {
      throw new Error('division by zero');
    });
    const slow = testModel('t_slow', () => new Promise<Signal[]>((r) => setTimeout(() => r([]), 2000)));
    const fine = testModel('t_fine', async () => [signal(70, { key: 'person:77' })]);
    await ensureModels(t.kernel.db, [boom, slow, fine]);
    const r = await runModels(t.kernel, [boom, slow, fine], { now: new Date() }, 300);
    expect(r.evaluated.map((e) => [e.code, e.ok])).toEqual([
      ['t_boom', false],
      ['t_slow', false],
      ['t_fine', true],
    ]);
    expect(r.evaluated[1]!.error).toMatch(/300 ms/);
    expect(r.raised).toBe(1);
    expect(await health(['t_boom', 't_fine'])).toEqual([
      { code: 't_boom', healthy: false, last_error: 'division by zero', failures: 1, runs: 1 },
      { code: 't_fine', healthy: true, last_error: null, failures: 0, runs: 1 },
    ]);
  });

  it('a model whose signals cannot be stored is marked unhealthy, and stays so after the pass; the others are stored', async () => {
    const bad = testModel('t_unstorable', async () => [
      signal(80, { key: 'person:501', areaCode: '330302999999' }),
    ]);
    const good = testModel('t_storable', async () => [signal(80, { key: 'person:502' })]);
    await ensureModels(t.kernel.db, [bad, good]);
    const r = await runModels(t.kernel, [bad, good], { now: new Date() });
    expect(r.evaluated.map((e) => [e.code, e.ok])).toEqual([
      ['t_unstorable', true],
      ['t_storable', true],
    ]);
    expect(r.raised).toBe(1);
    const rows = await health(['t_unstorable', 't_storable']);
    expect(rows[0]).toMatchObject({ code: 't_storable', healthy: true, last_error: null, runs: 1 });
    expect(rows[1]).toMatchObject({ code: 't_unstorable', healthy: false, runs: 1, failures: 1 });
    expect(rows[1]!.last_error).toMatch(/signals not stored/);
  });

  it('evaluates two models at once on PostgreSQL (one at a time on PGlite) and applies their signals in order', async () => {
    const spans: Record<string, [number, number]> = {};
    const timed = (code: string, key: string) =>
      testModel(code, async () => {
        const from = performance.now();
        await new Promise((r) => setTimeout(r, 300));
        spans[code] = [from, performance.now()];
        return [signal(70, { key })];
      });
    const models = [timed('t_par_a', 'person:901'), timed('t_par_b', 'person:902')];
    await ensureModels(t.kernel.db, models);
    const r = await runModels(t.kernel, models, { now: new Date() });
    expect(r.evaluated.map((e) => [e.code, e.ok])).toEqual([
      ['t_par_a', true],
      ['t_par_b', true],
    ]);
    expect(r.raised).toBe(2);
    const [a, b] = [spans.t_par_a!, spans.t_par_b!];
    const overlap = a[0] < b[1] && b[0] < a[1];
    expect(overlap).toBe(t.kernel.database.engine === 'postgres');
    // Applied in the models' order: the first model's alert has the lower id.
    const keys = await adb(t.kernel.db)
      .selectFrom('alert_keys')
      .select(['model', 'matter_id'])
      .where('model', 'in', ['t_par_a', 't_par_b'])
      .execute();
    const idOf = (m: string) => BigInt(keys.find((k) => k.model === m)!.matter_id);
    expect(idOf('t_par_a') < idOf('t_par_b')).toBe(true);
  });

  it('models read through a read-only transaction', async () => {
    const writer = testModel('t_writer', async () => []);
    await ensureModels(t.kernel.db, [writer]);
    const r = await evaluateModel(
      t.kernel,
      {
        ...writer,
        evaluate: async (ctx) => {
          await sql`insert into alert_cursors (name) values ('x')`.execute(ctx.db);
          return [];
        },
      },
      { now: new Date(), params: { n: 1 } },
    );
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/read-only/);
  });
});

describe('streaming', () => {
  it('evaluates the matters whose timeline moved since the cursor, once', async () => {
    const seen: string[][] = [];
    const model = {
      ...testModel('t_stream', async () => [], 'streaming'),
      evaluate: async (ctx: { matterIds?: string[] }) => {
        seen.push(ctx.matterIds ?? []);
        return [];
      },
    };
    await ensureModels(t.kernel.db, [model]);
    // Start from now: earlier tests' matters are not this test's business.
    await streamOnce(t.kernel, [model]);
    while ((await streamOnce(t.kernel, [model]))?.entries) {}
    seen.length = 0;
    const { matter } = await t.kernel.db.transaction().execute((tx) =>
      createMatter(tx, systemActor('test'), {
        type: 'event',
        category: 'dispute',
        title: '新事件',
        areaCode: GULOU,
      }),
    );
    const r = await streamOnce(t.kernel, [model]);
    expect(r).toMatchObject({ entries: 1, matters: 1 });
    expect(seen).toEqual([[matter.id]]);
    const r2 = await streamOnce(t.kernel, [model]);
    expect(r2).toMatchObject({ entries: 0 });
    expect(seen).toHaveLength(1);
    const cursor = await adb(t.kernel.db)
      .selectFrom('alert_cursors')
      .select('timeline_id')
      .where('name', '=', STREAM_CURSOR)
      .executeTakeFirstOrThrow();
    expect(Number(cursor.timeline_id)).toBeGreaterThan(0);
  });
});

describe("streaming: the pass's now", () => {
  it('is never before the matters it read (a database clock ahead of the server, a pass that waited)', async () => {
    const seen: { now: Date; matterIds: string[] }[] = [];
    const model = {
      ...testModel('t_stream_now', async () => [], 'streaming'),
      evaluate: async (ctx: { now: Date; matterIds?: string[] }) => {
        seen.push({ now: ctx.now, matterIds: ctx.matterIds ?? [] });
        return [];
      },
    };
    await ensureModels(t.kernel.db, [model]);
    while ((await streamOnce(t.kernel, [model]))?.entries) {}
    seen.length = 0;
    const { matter } = await t.kernel.db.transaction().execute((tx) =>
      createMatter(tx, systemActor('test'), {
        type: 'event',
        category: 'dispute',
        title: '时钟超前的事件',
        areaCode: GULOU,
      }),
    );
    // As written by a database whose clock runs 5 minutes ahead of this process's.
    const ahead = new Date(Date.now() + 5 * 60_000);
    await sql`update matters set created_at = ${ahead.toISOString()}::timestamptz where id = ${matter.id}`.execute(
      t.kernel.db,
    );
    await sql`update matter_timeline set at = ${ahead.toISOString()}::timestamptz where matter_id = ${matter.id}`.execute(
      t.kernel.db,
    );
    const r = await streamOnce(t.kernel, [model]);
    expect(r).toMatchObject({ entries: 1, matters: 1 });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.matterIds).toEqual([matter.id]);
    // Models keep matters created up to now: this one must be among them.
    expect(seen[0]!.now.getTime()).toBeGreaterThanOrEqual(ahead.getTime());
  });
});

describe('streaming: holes in the timeline ids', () => {
  const recorder = (code: string) => {
    const seen: string[][] = [];
    const model = {
      ...testModel(code, async () => [], 'streaming'),
      evaluate: async (ctx: { matterIds?: string[] }) => {
        seen.push(ctx.matterIds ?? []);
        return [];
      },
    };
    return { seen, model };
  };
  const event = (title: string) =>
    t.kernel.db
      .transaction()
      .execute((tx) =>
        createMatter(tx, systemActor('test'), { type: 'event', category: 'dispute', title, areaCode: GULOU }),
      );
  const cursorNow = async () =>
    BigInt(
      (
        await adb(t.kernel.db)
          .selectFrom('alert_cursors')
          .select('timeline_id')
          .where('name', '=', STREAM_CURSOR)
          .executeTakeFirstOrThrow()
      ).timeline_id,
    );
  const timelineIds = async (matterId: string) =>
    (
      await sql<{
        id: string;
      }>`select id::text as id from matter_timeline where matter_id = ${matterId}`.execute(t.kernel.db)
    ).rows.map((r) => BigInt(r.id));

  it('holds the cursor before ids that rolled back, evaluates what came after at once, then passes them', async () => {
    const { seen, model } = recorder('t_stream_rollback');
    await ensureModels(t.kernel.db, [model]);
    while ((await streamOnce(t.kernel, [model]))?.entries) {}
    seen.length = 0;
    // A transaction that takes timeline ids and rolls back.
    await expect(
      t.kernel.db.transaction().execute(async (tx) => {
        await createMatter(tx, systemActor('test'), {
          type: 'event',
          category: 'dispute',
          title: '回滚的事件',
          areaCode: GULOU,
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const { matter } = await event('回滚之后的事件');
    let clock = Date.now();
    const before = await cursorNow();
    const r = await streamOnce(t.kernel, [model], undefined, { clock: () => clock, gapGraceMs: 60_000 });
    expect(r).toMatchObject({ entries: 1, matters: 1 });
    expect(seen).toEqual([[matter.id]]);
    // The hole holds the cursor; the entry after it is not evaluated again.
    expect(await cursorNow()).toBe(before);
    await streamOnce(t.kernel, [model], undefined, { clock: () => clock, gapGraceMs: 60_000 });
    expect(seen).toHaveLength(1);
    // After the grace the hole is taken for a rollback and passed.
    clock += 60_000;
    await streamOnce(t.kernel, [model], undefined, { clock: () => clock, gapGraceMs: 60_000 });
    expect(seen).toHaveLength(1);
    const cursor = await cursorNow();
    for (const id of await timelineIds(matter.id)) expect(cursor).toBeGreaterThanOrEqual(id);
  });

  it('evaluates entries that commit after later ones did (PostgreSQL: concurrent transactions)', async (ctx) => {
    ctx.skip(
      testEngine() !== 'postgres',
      'PostgreSQL only: PGlite has one connection, so no transaction commits while another is open',
    );
    const { seen, model } = recorder('t_stream_late_commit');
    await ensureModels(t.kernel.db, [model]);
    const { matter: late } = await event('稍后再有进展的事件');
    while ((await streamOnce(t.kernel, [model]))?.entries) {}
    seen.length = 0;
    // A long transaction takes a timeline id first and commits last (a note on an existing matter: it needs
    // none of the locks a new matter's number and audit entry take, so the short transaction is not blocked).
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let written!: () => void;
    const inserted = new Promise<void>((r) => {
      written = r;
    });
    const long = t.kernel.db.transaction().execute(async (tx) => {
      await sql`insert into matter_timeline (matter_id, actor_name, action, note)
                values (${late.id}, 'test', 'note', '长事务中的进展')`.execute(tx);
      written();
      await held;
    });
    await inserted;
    const { matter: early } = await event('先提交的事件');
    await streamOnce(t.kernel, [model]);
    expect(seen).toEqual([[early.id]]);
    release();
    await long;
    const r = await streamOnce(t.kernel, [model]);
    expect(seen).toEqual([[early.id], [late.id]]);
    expect(r).toMatchObject({ matters: 1 });
    const cursor = await cursorNow();
    for (const id of [...(await timelineIds(late.id)), ...(await timelineIds(early.id))])
      expect(cursor).toBeGreaterThanOrEqual(id);
  });
});

describe('the board and the explanation through HTTP', () => {
  let id: string;
  beforeAll(async () => {
    const model = testModel('t_board', async () => []);
    await ensureModels(t.kernel.db, [model]);
    const r = await t.kernel.db
      .transaction()
      .execute((tx) => applySignals(tx, model, 1, [signal(82, { key: 'person:501' })], new Date()));
    id = r.events.find((e) => e.type === 'alert.raised')!.matterId!;
  });

  it('lists alerts in scope with filters, and counts them by level', async () => {
    const town = (await call('town', 'GET', '/api/alerts?level=red&status=open&limit=200')).json();
    expect(town.items.map((x: { id: string }) => x.id)).toContain(id);
    expect(town.items.every((x: { level: string }) => x.level === 'red')).toBe(true);
    const other = (await call('otherTown', 'GET', '/api/alerts?limit=200')).json();
    expect(other.items.map((x: { id: string }) => x.id)).not.toContain(id);
    const yellow = (await call('town', 'GET', '/api/alerts?level=yellow&limit=200')).json();
    expect(yellow.items.map((x: { id: string }) => x.id)).not.toContain(id);
    const bad = await call('town', 'GET', '/api/alerts?level=purple');
    expect(bad.statusCode).toBe(400);
    const summary = (await call('town', 'GET', '/api/alerts/summary')).json();
    expect(summary.openByLevel.red).toBeGreaterThanOrEqual(1);
    expect(summary.raisedToday).toBeGreaterThanOrEqual(1);
  });

  it('pages with a cursor', async () => {
    const first = (await call('city', 'GET', '/api/alerts?limit=1')).json();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBeTruthy();
    const second = (await call('city', 'GET', `/api/alerts?limit=1&cursor=${first.nextCursor}`)).json();
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect((await call('city', 'GET', '/api/alerts?cursor=nonsense')).statusCode).toBe(400);
  });

  it('explains itself with the records behind each factor', async () => {
    const d = (await call('town', 'GET', `/api/alerts/${id}`)).json();
    expect(d).toMatchObject({ level: 'red', score: 82, model: 't_board' });
    expect(d.factors[0]).toMatchObject({ code: 'threat_words', weight: 82, hiddenRecords: 0 });
    expect(d.factors[0].records[0]).toMatchObject({ id: disputeId, type: 'event' });
    expect((await call('otherTown', 'GET', `/api/alerts/${id}`)).statusCode).toBe(404);
  });

  it('goes through its loop: 研判确认 → 分派 → 签收 → 反馈 → 核销', async () => {
    const steps: [string, Record<string, unknown>, string][] = [
      ['town', { action: 'confirm' }, 'confirmed'],
      ['town', { action: 'dispatch', assignee: { department: 'police', areaCode: LUCHENG } }, 'dispatched'],
      ['police', { action: 'sign' }, 'handling'],
      ['police', { action: 'feedback', result: '民警上门调处，双方情绪稳定' }, 'feedback'],
      ['town', { action: 'write_off', note: '回访确认' }, 'written_off'],
    ];
    for (const [who, body, status] of steps) {
      const cur = (await call('town', 'GET', `/api/matters/${id}`)).json();
      const r = await call(who, 'POST', `/api/matters/${id}/transitions`, { version: cur.version, ...body });
      expect(r.statusCode, `${body.action}: ${r.body}`).toBe(200);
      expect(r.json().status).toBe(status);
    }
    const models = (await call('town', 'GET', '/api/alert-models')).json();
    expect(Array.isArray(models.items)).toBe(true);
  });
});

describe('level thresholds, a parameter of every model', () => {
  it('an administrator raises a noisy model’s yellow: a signal under it is no longer raised; out of order is refused on its field', async () => {
    // Through HTTP on a real model: the thresholds are in its parameters, bounded and ordered.
    const code = 'extreme_emotion';
    const d = (await call('admin', 'GET', `/api/alert-models/${code}`)).json();
    expect(d.params.levels).toEqual({ red: 80, orange: 60, yellow: 40 });
    expect(d.levels).toEqual({ red: 80, orange: 60, yellow: 40 });
    const disorder = await call('admin', 'PUT', `/api/alert-models/${code}`, {
      version: d.version,
      params: { ...d.params, levels: { red: 80, orange: 50, yellow: 55 } },
      reason: '测试阈值顺序',
    });
    expect(disorder.statusCode).toBe(400);
    expect(disorder.json().details.map((x: { path: string }) => x.path)).toEqual(['params.levels.yellow']);
    const tooLow = await call('admin', 'PUT', `/api/alert-models/${code}`, {
      version: d.version,
      params: { ...d.params, levels: { red: 80, orange: 60, yellow: 30 } },
      reason: '测试阈值下限',
    });
    expect(tooLow.statusCode).toBe(400);
    expect(tooLow.json().details[0].path).toBe('params.levels.yellow');
    const ok = await call('admin', 'PUT', `/api/alert-models/${code}`, {
      version: d.version,
      params: { ...d.params, levels: { red: 85, orange: 70, yellow: 55 } },
      reason: '黄色预警误报较多，提高门槛',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const after = (await call('admin', 'GET', `/api/alert-models/${code}`)).json();
    expect(after.levels).toEqual({ red: 85, orange: 70, yellow: 55 });
    expect(after.versions[0].params.levels).toEqual({ red: 85, orange: 70, yellow: 55 });

    // In the runtime: the same score raises under the defaults and not under the stricter thresholds.
    let n = 0;
    const model = testModel('t_levels', async () => [signal(50, { key: `person:9${++n}` })]);
    await ensureModels(t.kernel.db, [model]);
    const before = await runModels(t.kernel, [model], { now: new Date() });
    expect(before.raised).toBe(1);
    await t.kernel.db.transaction().execute((tx) =>
      updateModel(tx, systemActor(), [model], 't_levels', {
        version: 1,
        params: { n: 1, levels: { red: 90, orange: 75, yellow: 60 } },
        reason: '提高门槛',
      }),
    );
    const stricter = await runModels(t.kernel, [model], { now: new Date() });
    expect(stricter.raised).toBe(0);
    expect(stricter.evaluated[0]).toMatchObject({ code: 't_levels', ok: true });
    // Parameters stored before thresholds existed still work: the model's own levels fill in.
    const { levels: _, ...old } = model.defaults as Record<string, unknown>;
    expect((model.params.parse(old) as unknown as { levels: unknown }).levels).toEqual({
      red: 80,
      orange: 60,
      yellow: 40,
    });
  });
});

describe('the twelve models and their parameters', () => {
  it('registers twelve models, each with defaults that fit its own schema', async () => {
    expect(MODELS.map((m) => m.no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const list = (await call('city', 'GET', '/api/alert-models')).json();
    expect(list.items).toHaveLength(12);
    for (const m of MODELS) expect(m.params.safeParse(m.defaults).success).toBe(true);
  });

  it("lists each model's latest backtest: precision, recall and median lead time; none before a backtest", async () => {
    const [first, second] = [MODELS[2]!.code, MODELS[3]!.code];
    const store = (code: string, runAt: string, result: Record<string, unknown>) =>
      adb(t.kernel.db)
        .insertInto('alert_backtests')
        .values({
          code,
          run_at: new Date(runAt),
          period_from: new Date('2026-05-01T00:00:00Z'),
          period_to: new Date('2026-10-31T00:00:00Z'),
          result: JSON.stringify(result),
        })
        .execute();
    const before = (await call('city', 'GET', '/api/alert-models')).json();
    expect(before.items.find((m: { code: string }) => m.code === first).backtest).toBeNull();
    await store(first, '2026-11-01T08:00:00Z', {
      alerts: { total: 40 },
      precision: 0.5,
      recall: 0.25,
      leadDays: { median: 9, p90: 20, n: 10 },
    });
    await store(first, '2026-11-02T08:00:00Z', {
      alerts: { total: 31, red: 4, orange: 10, yellow: 17 },
      precision: 0.613,
      recall: 0.8,
      leadDays: { median: 12.5, p90: 30, n: 19 },
    });
    // A period with no alert and no outcome: the ratios are null, not 0.
    await store(second, '2026-11-02T09:00:00Z', {
      alerts: { total: 0 },
      precision: null,
      recall: null,
      leadDays: { median: null, p90: null, n: 0 },
    });
    const items = (await call('city', 'GET', '/api/alert-models')).json().items as {
      code: string;
      backtest: unknown;
    }[];
    expect(items.find((m) => m.code === first)!.backtest).toEqual({
      runAt: '2026-11-02T08:00:00.000Z',
      alerts: 31,
      precision: 0.613,
      recall: 0.8,
      leadDaysMedian: 12.5,
      leadN: 19,
    });
    expect(items.find((m) => m.code === second)!.backtest).toEqual({
      runAt: '2026-11-02T09:00:00.000Z',
      alerts: 0,
      precision: null,
      recall: null,
      leadDaysMedian: null,
      leadN: 0,
    });
    // A model's own page still gives the whole latest result.
    const detail = (await call('city', 'GET', `/api/alert-models/${first}`)).json();
    expect(detail.backtest.result).toMatchObject({ precision: 0.613, alerts: { red: 4 } });
  });

  it('an administrator changes parameters: versioned and audited; out of range, stale or not allowed is refused', async () => {
    const code = MODELS[1]!.code;
    const d = (await call('admin', 'GET', `/api/alert-models/${code}`)).json();
    expect(d.versions.at(-1)).toMatchObject({ version: 1 });
    const numeric = Object.entries(d.params).find(([, v]) => typeof v === 'number')!;
    const tooBig = await call('admin', 'PUT', `/api/alert-models/${code}`, {
      version: d.version,
      params: { ...d.params, [numeric[0]]: 1e9 },
      reason: '测试越界',
    });
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.json().details[0].path).toBe(`params.${numeric[0]}`);
    const forbidden = await call('town', 'PUT', `/api/alert-models/${code}`, {
      version: d.version,
      params: d.params,
      reason: '无权修改',
    });
    expect(forbidden.statusCode).toBe(403);
    const ok = await call('admin', 'PUT', `/api/alert-models/${code}`, {
      version: d.version,
      params: d.params,
      enabled: false,
      reason: '试运行期间停用',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ version: d.version + 1, enabled: false });
    const stale = await call('admin', 'PUT', `/api/alert-models/${code}`, {
      version: d.version,
      enabled: true,
      reason: '恢复',
    });
    expect(stale.statusCode).toBe(409);
    const after = (await call('admin', 'GET', `/api/alert-models/${code}`)).json();
    expect(after.versions[0]).toMatchObject({ version: d.version + 1, reason: '[停用] 试运行期间停用' });
    const trail = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'alert_model')
      .where('entity_id', '=', code)
      .execute();
    expect(trail.map((x) => x.action)).toEqual(['alert.model.update']);
    // Switched off: a run does nothing.
    const run = (await call('admin', 'POST', `/api/alert-models/${code}/run`)).json();
    expect(run).toMatchObject({ ok: false, signals: 0 });
  });
});

describe('重点人员 tags', () => {
  it('need their own permission, and every read is audited', async () => {
    const p = await t.kernel.db
      .insertInto('persons')
      .values({ area_code: GULOU, name: '王某' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const add = await call('county', 'POST', `/api/persons/${p.id}/tags`, { tag: 'community_correction' });
    expect(add.statusCode, add.body).toBe(204);
    expect((await call('town', 'GET', `/api/persons/${p.id}/tags`)).statusCode).toBe(403);
    expect((await call('county', 'POST', `/api/persons/${p.id}/tags`, { tag: 'nonsense' })).statusCode).toBe(
      400,
    );
    const list = (await call('county', 'GET', `/api/persons/${p.id}/tags`)).json();
    expect(list.items.map((x: { tag: string }) => x.tag)).toEqual(['community_correction']);
    const reads = await t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'person')
      .where('entity_id', '=', String(p.id))
      .execute();
    expect(reads.map((x) => x.action).sort()).toEqual(['person.tags.add', 'person.tags.read']);
    expect(
      (await call('county', 'DELETE', `/api/persons/${p.id}/tags/community_correction`)).statusCode,
    ).toBe(204);
    expect(
      (await call('county', 'DELETE', `/api/persons/${p.id}/tags/community_correction`)).statusCode,
    ).toBe(404);
  });
});

describe('keyword search and the Excel export', () => {
  type Listed = { id: string; number: string; title: string; score: number };
  const titles = {
    land: '五马街道王某与陈某宅基地纠纷有升级风险',
    water: '鼓楼社区楼上楼下漏水纠纷反复发生',
    formula: '=HYPERLINK("http://evil.example","宅基地纠纷")',
  };
  const ids: Record<keyof typeof titles, string> = { land: '', water: '', formula: '' };
  let ExcelJS: typeof import('exceljs');

  const list = async (who: string, query: string): Promise<Listed[]> => {
    const r = await call(who, 'GET', `/api/alerts?${query}&limit=200`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json().items;
  };
  const sheetOf = async (who: string, query: string) => {
    const r = await call(who, 'GET', `/api/alerts/export?${query}`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toContain(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(r.headers['content-disposition']).toMatch(/attachment; filename="alerts-.*\.xlsx"/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const rows: import('exceljs').Row[] = [];
    ws.eachRow((row, n) => {
      if (n > 1) rows.push(row);
    });
    return { ws, rows };
  };

  beforeAll(async () => {
    // exceljs is CommonJS: its module object is the default export.
    ExcelJS = (await import('exceljs')).default as unknown as typeof import('exceljs');
    const model = testModel('t_search', async () => []);
    await ensureModels(t.kernel.db, [model]);
    const r = await t.kernel.db
      .transaction()
      .execute((tx) =>
        applySignals(
          tx,
          model,
          1,
          [
            signal(85, { key: 'person:601', title: titles.land }),
            signal(65, { key: 'person:602', title: titles.water }),
            signal(45, { key: 'person:603', title: titles.formula }),
          ],
          new Date(),
        ),
      );
    expect(r.raised).toBe(3);
    const raised = r.events.filter((e) => e.type === 'alert.raised').map((e) => e.matterId!);
    [ids.land, ids.water, ids.formula] = raised as [string, string, string];
  });

  it('q finds an alert by a word of its title, and not the others', async () => {
    const byWord = await list('town', `q=${encodeURIComponent('宅基地')}`);
    const found = byWord.map((x) => x.id);
    expect(found).toContain(ids.land);
    expect(found).not.toContain(ids.water);
    const water = (await list('town', `q=${encodeURIComponent('漏水')}`)).map((x) => x.id);
    expect(water).toContain(ids.water);
    expect(water).not.toContain(ids.land);
    // Words in another order than the title's: found by the jieba words, not by the text.
    const words = (await list('town', `q=${encodeURIComponent('纠纷 宅基地 王某')}`)).map((x) => x.id);
    expect(words).toContain(ids.land);
    expect(words).not.toContain(ids.water);
    // With the other filters, and within scope.
    expect((await list('town', `q=${encodeURIComponent('宅基地')}&level=yellow`)).map((x) => x.id)).toEqual([
      ids.formula,
    ]);
    expect((await list('otherTown', `q=${encodeURIComponent('宅基地')}`)).map((x) => x.id)).not.toContain(
      ids.land,
    );
  });

  it('refuses keywords over 100 characters', async () => {
    const long = await call('town', 'GET', `/api/alerts?q=${encodeURIComponent('纠'.repeat(101))}`);
    expect(long.statusCode).toBe(400);
    const exportLong = await call('town', 'GET', `/api/alerts/export?q=${'a'.repeat(101)}`);
    expect(exportLong.statusCode).toBe(400);
    expect((await call('town', 'GET', `/api/alerts?q=${'a'.repeat(100)}`)).statusCode).toBe(200);
  });

  it('exports the filtered board as XLSX: the same rows newest first, formulas as text, audited', async () => {
    const query = 'model=t_search&status=open';
    const listed = await list('town', query);
    expect(listed.map((x) => x.id).sort()).toEqual(Object.values(ids).sort());
    const { ws, rows } = await sheetOf('town', query);
    const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
    expect(header.map((h) => h.split(' ')[0])).toEqual([
      '编号',
      '等级',
      '评分',
      '标题',
      '模型',
      '状态',
      '区域',
      '生成时间',
      '期限',
      '评估次数',
    ]);
    expect(rows.map((r) => r.getCell(1).value)).toEqual(listed.map((x) => x.number));
    expect(rows.map((r) => r.getCell(3).value)).toEqual(listed.map((x) => x.score));
    const land = rows.find((r) => r.getCell(4).value === titles.land)!;
    expect(land.getCell(2).value).toBe('红色');
    expect(land.getCell(5).value).toBe('t_search');
    expect(land.getCell(6).value).toBe('待研判');
    expect(land.getCell(8).value).toBeInstanceOf(Date);
    expect(land.getCell(9).value).toBeInstanceOf(Date);
    expect(land.getCell(10).value).toBe(1);
    // A title that a spreadsheet would run as a formula comes back as text.
    const formula = rows.find((r) => String(r.getCell(4).value).includes('HYPERLINK'))!;
    expect(formula.getCell(4).value).toBe(`'${titles.formula}`);
    for (const r of rows) r.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula));

    // The keyword filters the export as it filters the list.
    const q = `${query}&q=${encodeURIComponent('宅基地')}`;
    const searched = await sheetOf('town', q);
    expect(searched.rows.map((r) => r.getCell(1).value)).toEqual(
      (await list('town', q)).map((x) => x.number),
    );
    expect(searched.rows).toHaveLength(2);

    await expect
      .poll(
        async () =>
          (
            await t.kernel.db
              .selectFrom('audit_log')
              .select(['action', 'new_values'])
              .where('action', '=', 'alert.export')
              .execute()
          ).map((x) => (x.new_values as { rows: number }).rows),
        { timeout: 5000 },
      )
      .toEqual([3, 2]);
  });

  it('a user outside the area gets none of those rows', async () => {
    const numbers = (await list('town', 'model=t_search')).map((x) => x.number);
    expect(numbers).toHaveLength(3);
    const { rows } = await sheetOf('otherTown', 'model=t_search');
    expect(rows).toHaveLength(0);
    const all = await sheetOf('otherTown', 'status=all');
    const seen = all.rows.map((r) => String(r.getCell(1).value));
    for (const n of numbers) expect(seen).not.toContain(n);
    const city = await sheetOf('city', 'model=t_search');
    expect(city.rows.map((r) => r.getCell(1).value).sort()).toEqual([...numbers].sort());
  });
});

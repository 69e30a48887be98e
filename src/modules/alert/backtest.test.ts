import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { migrate } from '../../core/db/migrate.ts';
import type { Kernel } from '../../core/kernel.ts';
import { openTestKernel } from '../../testing/harness.ts';
import { type AnyModelDef, leadStats, runBacktest } from './backtest.ts';
import { loadVillages, planScenarios, plantScenarios } from './demo/plant.ts';
import { defineModel, isoWeek, type Signal } from './runtime/model.ts';

/**
 * The backtest on a real database with tiny models of its own (not the twelve), so that every number can
 * be worked out by hand: which days are replayed with what, which alerts match which outcomes, precision,
 * recall and lead time; a model that throws or writes is recorded and the others go on. Then the demo
 * scenarios: planted through the real intake, with their outcomes, the same for the same seed.
 */

const ALERT_MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const GULOU = '330302006044';
const WUMA = '330302006000';
const JIANGDU = '330302023001';
const DAY = 86_400_000;

/** A CST wall-clock time as an instant. */
const cst = (s: string) => new Date(`${s}+08:00`);
/** The last millisecond of a CST day. */
const endOfDay = (ymd: string) => new Date(cst(`${ymd}T00:00:00`).getTime() + DAY - 1);

let kernel: Kernel;
const person: Record<string, string> = {};
const matter: Record<string, string> = {};
let n = 0;

async function addPerson(key: string) {
  const r = await kernel.db
    .insertInto('persons')
    .values({ area_code: GULOU, name: `测试${key}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  person[key] = String(r.id);
}

async function addMatter(key: string, who: string, title: string, at: Date, area = GULOU) {
  n++;
  const r = await kernel.db
    .insertInto('matters')
    .values({
      number: `JF-BT-${String(n).padStart(4, '0')}`,
      type: 'dispute',
      category: 'marriage_family',
      title,
      status: 'registered',
      closed: false,
      area_code: area,
      dispatcher_area_code: `${area.slice(0, 9)}000`,
      payload: JSON.stringify({ peopleInvolved: 1, mass: false, riskLevel: 'low', parties: [], sources: [] }),
      created_at: at,
      state_entered_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  matter[key] = String(r.id);
  await kernel.db
    .insertInto('matter_parties')
    .values({ matter_id: r.id, role: 'applicant', subject_type: 'person', subject_id: person[who]! })
    .execute();
}

async function addOutcome(kind: string, at: Date, o: { person?: string; area?: string }) {
  await sql`
    insert into alert_outcomes (kind, subject_type, subject_id, area_code, at, source)
    values (${kind}, ${o.person ? 'person' : null}, ${o.person ? person[o.person]! : null}::bigint,
            ${o.area ?? null}, ${at}, 'test')`.execute(kernel.db);
}

/** What the flagging model was called with. */
const calls: { now: Date; matterIds: string[] | undefined }[] = [];

/** Streaming: flags the applicant of every new matter whose title says 威胁 (red, one alert per person). */
const flagModel = defineModel({
  code: 'bt_flag',
  no: 101,
  name: { zh: '测试标记', en: 'Test flag' },
  description: { zh: '', en: '' },
  kind: 'streaming',
  params: z.object({ word: z.string().min(1).max(10) }),
  defaults: { word: '威胁' },
  async evaluate({ db, params, now, matterIds }) {
    calls.push({ now, matterIds });
    if (!matterIds?.length) return [];
    const r = await sql<{ id: string; area_code: string; subject_id: string }>`
      select m.id, m.area_code, p.subject_id
      from matters m join matter_parties p on p.matter_id = m.id and p.subject_type = 'person'
      where m.id = any(${sql.val(matterIds)}::bigint[]) and m.title like ${`%${params.word}%`}
        and m.created_at <= ${now}`.execute(db);
    return r.rows.map(
      (x): Signal => ({
        key: `person:${x.subject_id}`,
        window: 'open',
        score: 85,
        title: '测试',
        areaCode: x.area_code,
        subjects: [{ type: 'person', id: String(x.subject_id) }],
        factors: [],
      }),
    );
  },
});

/** Periodic (daily): a town with any matter in the last seven days, one alert per ISO week (yellow). */
const areaModel = defineModel({
  code: 'bt_area',
  no: 102,
  name: { zh: '测试区域', en: 'Test area' },
  description: { zh: '', en: '' },
  kind: 'periodic',
  intervalMs: DAY,
  params: z.object({}),
  defaults: {},
  async evaluate({ db, now }) {
    const r = await sql<{ n: string | number }>`
      select count(*) as n from matters
      where area_code like '330302006%' and created_at > ${new Date(now.getTime() - 7 * DAY)}
        and created_at <= ${now}`.execute(db);
    if (Number(r.rows[0]!.n) === 0) return [];
    return [
      {
        key: `area:${WUMA}`,
        window: isoWeek(now),
        score: 50,
        title: '测试区域',
        areaCode: WUMA,
        subjects: [],
        factors: [],
      },
    ];
  },
});

const throwModel = defineModel({
  code: 'bt_throw',
  no: 103,
  name: { zh: '测试异常', en: 'Test throw' },
  description: { zh: '', en: '' },
  kind: 'periodic',
  intervalMs: DAY,
  params: z.object({}),
  defaults: {},
  async evaluate() {
    throw new Error('boom');
  },
});

/** Tries to write: the backtest's read-only evaluation refuses, and nothing is left behind. */
const writerModel = defineModel({
  code: 'bt_writer',
  no: 104,
  name: { zh: '测试写入', en: 'Test writer' },
  description: { zh: '', en: '' },
  kind: 'streaming',
  params: z.object({}),
  defaults: {},
  async evaluate({ db }) {
    await sql`insert into alert_cursors (name) values ('bt_writer')`.execute(db);
    return [];
  },
});

const MODELS = [flagModel, areaModel, throwModel, writerModel] as AnyModelDef[];
const FROM = cst('2026-03-01T00:00:00');
const TO = cst('2026-04-01T00:00:00');
const KINDS = { bt_flag: ['violent_incident'], bt_area: ['mass_incident'] } as const;

beforeAll(async () => {
  kernel = await openTestKernel();
  // The alert tables: a no-op when the alert module is registered (the template already has them).
  await migrate(kernel.db, [ALERT_MIGRATIONS]);
  for (const p of ['p1', 'p2', 'p3']) await addPerson(p);
  await addMatter('m0', 'p3', '威胁（期前）', cst('2026-02-20T10:00:00'));
  await addMatter('m1', 'p1', '家庭纠纷 威胁', cst('2026-03-10T10:00:00'));
  await addMatter('m2', 'p2', '邻里纠纷 威胁', cst('2026-03-12T09:00:00'));
  await addMatter('m3', 'p3', '普通纠纷', cst('2026-03-14T10:00:00'));
  await addMatter('m4', 'p3', '威胁（期后）', cst('2026-04-05T10:00:00'));
  // p2 again, elsewhere (outside 五马, so that bt_area does not see it): the same open alert, signalled again.
  await addMatter('m5', 'p2', '威胁（再次）', cst('2026-03-28T10:00:00'), JIANGDU);

  // bt_flag raises p1 (first at the end of 03-10) and p2 (end of 03-12, signalled again at the end of 03-28).
  await addOutcome('violent_incident', cst('2026-03-05T12:00:00'), { person: 'p1' }); // before the alert
  await addOutcome('violent_incident', new Date(endOfDay('2026-03-10').getTime() + 10 * DAY), {
    person: 'p1',
  }); // warned, 10 days
  await addOutcome('self_harm', cst('2026-03-15T12:00:00'), { person: 'p2' }); // a kind bt_flag is not about
  await addOutcome('violent_incident', cst('2026-04-25T12:00:00'), { person: 'p2' }); // 43.5 days after its first time, 27.5 after its last
  await addOutcome('violent_incident', cst('2026-03-25T12:00:00'), { person: 'p3' }); // never flagged
  await addOutcome('violent_incident', cst('2026-06-01T12:00:00'), { person: 'p1' }); // after to + horizon
  // bt_area raises 五马 in two ISO weeks (from 03-10 and from 03-16).
  await addOutcome('mass_incident', endOfDay('2026-03-22'), { area: GULOU }); // a village of 五马: 12 days after
  await addOutcome('mass_incident', cst('2026-03-23T12:00:00'), { area: JIANGDU }); // another town
}, 120_000);

afterAll(async () => {
  await kernel?.close();
});

describe('runBacktest', () => {
  let result: Awaited<ReturnType<typeof runBacktest>>;
  const model = (code: string) => result.models.find((m) => m.code === code)!;

  beforeAll(async () => {
    result = await runBacktest(kernel.db, MODELS, {
      from: FROM,
      to: TO,
      horizonDays: 30,
      outcomeKinds: KINDS,
      matchAfter: 'first',
    });
  });

  it('replays each CST day in the past: streaming models get the matters created that day', () => {
    expect(result.steps).toBe(31);
    expect(calls.map((c) => c.now.toISOString())).toEqual(
      ['2026-03-10', '2026-03-12', '2026-03-14', '2026-03-28'].map((d) => endOfDay(d).toISOString()),
    );
    expect(calls.map((c) => c.matterIds)).toEqual([[matter.m1], [matter.m2], [matter.m3], [matter.m5]]);
    for (const c of calls) expect(c.now.getTime()).toBeLessThan(TO.getTime());
  });

  it('scores a subject model exactly: precision, recall and lead time against the planted outcomes', () => {
    const m = model('bt_flag');
    expect(m.status).toBe('ok');
    expect(m.evaluations).toBe(4);
    expect(result.matchAfter).toBe('first');
    expect(m.alerts).toEqual({ total: 2, red: 2, orange: 0, yellow: 0 });
    expect(m.truePositives).toBe(1);
    expect(m.precision).toBe(0.5);
    expect(m.precisionByLevel).toEqual({ red: 0.5, orange: null, yellow: null });
    // Relevant outcomes in [from, to + 30 days]: p1 before its alert, p1 warned, p2 too late, p3 unflagged.
    expect(m.outcomes).toBe(4);
    expect(m.warned).toBe(1);
    expect(m.recall).toBe(0.25);
    expect(m.leadDays).toEqual({ median: 10, p90: 10, n: 1 });
    expect(m.examples.warned).toHaveLength(1);
    expect(m.examples.warned[0]!.key).toBe(`person:${person.p1}`);
    expect(m.examples.warned[0]!.firstAt).toBe(endOfDay('2026-03-10').toISOString());
    expect(m.examples.unmatched.map((a) => a.key)).toEqual([`person:${person.p2}`]);
  });

  it('matches area-keyed alerts by place: a town’s alert covers its villages', () => {
    const m = model('bt_area');
    expect(m.status).toBe('ok');
    expect(m.evaluations).toBe(31);
    expect(m.alerts).toEqual({ total: 2, red: 0, orange: 0, yellow: 2 });
    const windows = [...m.examples.warned].map((a) => a.window).sort();
    expect(windows).toEqual(
      [isoWeek(cst('2026-03-10T12:00:00')), isoWeek(cst('2026-03-16T12:00:00'))].sort(),
    );
    expect(m.truePositives).toBe(2);
    expect(m.precision).toBe(1);
    expect(m.precisionByLevel).toEqual({ red: null, orange: null, yellow: 1 });
    expect(m.outcomes).toBe(2);
    expect(m.recall).toBe(0.5);
    // From the earliest alert (end of 03-10) to the outcome (end of 03-22).
    expect(m.leadDays).toEqual({ median: 12, p90: 12, n: 1 });
  });

  it('with matchAfter "any", an outcome within the horizon after a later signal of the same alert counts', async () => {
    const r = await runBacktest(kernel.db, [flagModel] as AnyModelDef[], {
      from: FROM,
      to: TO,
      outcomeKinds: KINDS,
      matchAfter: 'any',
      store: false,
    });
    const m = r.models[0]!;
    expect(m.alerts.total).toBe(2);
    expect(m.truePositives).toBe(2);
    expect(m.precision).toBe(1);
    expect(m.precisionByLevel).toEqual({ red: 1, orange: null, yellow: null });
    expect(m.warned).toBe(2);
    expect(m.recall).toBe(0.5);
    // Lead time still counts from the alert's first time: 10 days for p1, 43.5 for p2.
    expect(m.leadDays).toEqual({ median: 26.8, p90: 43.5, n: 2 });
  });

  it('records a model that throws, and one that tries to write, and goes on with the others', async () => {
    const t = model('bt_throw');
    expect(t.status).toBe('failed');
    expect(t.evaluations).toBe(31);
    expect(t.errors.count).toBe(31);
    expect(t.errors.messages).toEqual([{ at: endOfDay('2026-03-01').toISOString(), message: 'boom' }]);
    expect(t.alerts.total).toBe(0);
    expect(t.precision).toBeNull();

    const w = model('bt_writer');
    expect(w.status).toBe('failed');
    expect(w.errors.count).toBe(4);
    expect(w.errors.messages[0]!.message).toMatch(/read-only/);
    const left = await sql`select 1 from alert_cursors where name = 'bt_writer'`.execute(kernel.db);
    expect(left.rows).toHaveLength(0);
  });

  it('stores one row per model, creating the model’s row with its defaults', async () => {
    const rows = await sql<{ code: string; id: string; precision: string | null; period_from: Date }>`
      select b.code, b.id, b.result->>'precision' as precision, b.period_from
      from alert_backtests b where b.code like 'bt_%' order by b.code`.execute(kernel.db);
    expect(rows.rows.map((r) => r.code)).toEqual(['bt_area', 'bt_flag', 'bt_throw', 'bt_writer']);
    expect(rows.rows.find((r) => r.code === 'bt_flag')!.precision).toBe('0.5');
    expect(new Date(rows.rows[0]!.period_from).toISOString()).toBe(FROM.toISOString());
    for (const r of rows.rows) expect(model(r.code).backtestId).toBe(String(r.id));
    const params = await sql<{
      params: unknown;
    }>`select params from alert_models where code = 'bt_flag'`.execute(kernel.db);
    // Its defaults, with the level thresholds every model has.
    expect(params.rows[0]!.params).toEqual({ word: '威胁', levels: { red: 80, orange: 60, yellow: 40 } });
  });

  it('uses given parameters, and refuses invalid ones for that model only', async () => {
    calls.length = 0;
    const r = await runBacktest(kernel.db, MODELS.slice(0, 2), {
      from: FROM,
      to: TO,
      outcomeKinds: KINDS,
      matchAfter: 'first',
      params: { bt_flag: { word: '邻里' }, bt_area: { extra: 1 } },
      store: false,
    });
    const flag = r.models.find((m) => m.code === 'bt_flag')!;
    expect(flag.alerts.total).toBe(1);
    expect(flag.examples.unmatched[0]!.key).toBe(`person:${person.p2}`);
    expect(flag.backtestId).toBeNull();
    // z.object strips unknown keys rather than refusing them; a wrong type is refused.
    const bad = await runBacktest(kernel.db, MODELS.slice(0, 1), {
      from: FROM,
      to: TO,
      params: { bt_flag: { word: 42 } },
      store: false,
    });
    expect(bad.models[0]!.status).toBe('failed');
    expect(bad.models[0]!.evaluations).toBe(0);
    expect(bad.models[0]!.errors.messages[0]!.message).toMatch(/参数无效/);
  });

  it('replays with stricter level thresholds: the yellow alerts of the defaults are not raised', async () => {
    const area = MODELS.find((m) => m.code === 'bt_area')!;
    const r = await runBacktest(kernel.db, [area], {
      from: FROM,
      to: TO,
      outcomeKinds: KINDS,
      params: { bt_area: { ...area.defaults, levels: { red: 90, orange: 80, yellow: 70 } } },
      store: false,
    });
    expect(model('bt_area').alerts).toMatchObject({ total: 2, yellow: 2 });
    expect(r.models[0]!.alerts).toEqual({ total: 0, red: 0, orange: 0, yellow: 0 });
    expect(r.models[0]!.precision).toBeNull();
  });

  it('runs inside a caller’s transaction (savepoints), which stays usable after a model fails', async () => {
    await kernel.db.transaction().execute(async (tx) => {
      const r = await runBacktest(tx, [flagModel, writerModel] as AnyModelDef[], {
        from: FROM,
        to: TO,
        outcomeKinds: KINDS,
        matchAfter: 'first',
        store: false,
      });
      expect(r.models[0]!.truePositives).toBe(1);
      expect(r.models[1]!.status).toBe('failed');
      const ok = await sql<{ one: number }>`select 1 as one`.execute(tx);
      expect(ok.rows[0]!.one).toBe(1);
    });
  });

  it('refuses bad options with a clear error', async () => {
    await expect(runBacktest(kernel.db, MODELS, { from: TO, to: FROM })).rejects.toThrow(/晚于/);
    await expect(runBacktest(kernel.db, MODELS, { from: FROM, to: TO, horizonDays: 0 })).rejects.toThrow(
      /1–365/,
    );
    await expect(
      runBacktest(kernel.db, [flagModel, flagModel] as AnyModelDef[], { from: FROM, to: TO }),
    ).rejects.toThrow(/重复/);
  });

  it('leadStats: median of the middle two, 90th percentile by nearest rank', () => {
    expect(leadStats([])).toEqual({ median: null, p90: null, n: 0 });
    expect(leadStats([4, 1, 3, 2])).toEqual({ median: 2.5, p90: 4, n: 4 });
    expect(leadStats([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toEqual({ median: 6, p90: 10, n: 11 });
  });
});

describe('plantScenarios', () => {
  const opts = { seed: 4242, count: 30, from: cst('2026-01-01T00:00:00'), to: cst('2026-07-01T00:00:00') };

  it('is deterministic: the same seed plans the same records and outcomes', async () => {
    const villages = await loadVillages(kernel.db);
    expect(villages.length).toBeGreaterThan(100);
    const a = planScenarios(opts, villages);
    const b = planScenarios(opts, villages);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(planScenarios({ ...opts, seed: 4243 }, villages))).not.toBe(JSON.stringify(a));
    for (const r of a.records) {
      expect(r.at).toBeGreaterThanOrEqual(opts.from.getTime());
      expect(r.at).toBeLessThan(opts.to.getTime());
    }
    for (const o of a.outcomes) expect(o.at.getTime()).toBeLessThan(opts.to.getTime());
  });

  it('plants disputes through the intake and outcomes only in alert_outcomes; again adds nothing', async () => {
    const before = await kernel.db
      .selectFrom('matters')
      .select(sql<string>`count(*)`.as('n'))
      .where('type', '=', 'dispute')
      .executeTakeFirstOrThrow();
    const r = await plantScenarios(kernel, opts);
    expect(r.rejects).toEqual([]);
    expect(r.records.rejected).toBe(0);
    expect(r.records.inserted).toBeGreaterThan(30);
    const planted = Object.values(r.scenarios).reduce((s, x) => s + x.planted, 0);
    expect(planted).toBe(30);
    const tags = await sql`select 1 from person_tags where note like 'demo seed=4242 %'`.execute(kernel.db);
    expect(tags.rows).toHaveLength(r.tagsInserted);
    const after = await kernel.db
      .selectFrom('matters')
      .select(sql<string>`count(*)`.as('n'))
      .where('type', '=', 'dispute')
      .executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(r.records.inserted);

    const outcomes = await sql<{ kind: string; subject_type: string | null; subject_id: string | null }>`
      select kind, subject_type, subject_id from alert_outcomes where source = 'demo'`.execute(kernel.db);
    expect(outcomes.rows.length).toBe(r.outcomesInserted);
    expect(outcomes.rows.length).toBeGreaterThan(0);
    // Scenario outcomes name who or what it happened to, a person or enterprise the records know.
    const withSubject = outcomes.rows.filter((o) => o.subject_type);
    expect(withSubject.length).toBeGreaterThan(0);
    for (const o of withSubject) {
      const known = await sql`
        select 1 from matter_parties where subject_type = ${o.subject_type} and subject_id = ${o.subject_id}::bigint`.execute(
        kernel.db,
      );
      expect(known.rows.length, `${o.kind} ${o.subject_type}:${o.subject_id}`).toBeGreaterThan(0);
    }
    // The same people come back: some person is a party to several planted disputes (a pair's 110 calls).
    const repeats = await sql<{ n: string | number }>`
      select count(*) as n from (
        select p.subject_id from matter_parties p join matters m on m.id = p.matter_id
        where p.subject_type = 'person' and m.number not like 'JF-BT-%'
        group by p.subject_id having count(distinct p.matter_id) >= 2) x`.execute(kernel.db);
    expect(Number(repeats.rows[0]!.n)).toBeGreaterThan(0);
    // No record mentions what came after.
    const told = await sql`
      select 1 from matters where description like '%demo seed%' or description like '%自伤%'`.execute(
      kernel.db,
    );
    expect(told.rows).toHaveLength(0);

    const again = await plantScenarios(kernel, opts);
    expect(again.records.inserted).toBe(0);
    expect(again.records.skipped).toBe(r.records.inserted + r.records.merged);
    expect(again.outcomesInserted).toBe(0);
    expect(again.tagsInserted).toBe(0);
  });
});

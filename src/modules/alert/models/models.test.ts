import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cellToParent, latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../core/db/migrate.ts';
import type { Kernel } from '../../../core/kernel.ts';
import { registeredModules, registerModule } from '../../../core/modules.ts';
import { idCardCheckChar } from '../../../core/subjects/codes.ts';
import { openTestKernel } from '../../../testing/harness.ts';
import { intake, sourceActor } from '../../dispute/disputes.service.ts';
import { getSource } from '../../dispute/sources.service.ts';
import { registerModules } from '../../index.ts';
import { Carry, isoWeek, levelOf, type ModelDef, type PassMemo, type Signal } from '../runtime/model.ts';
import { civilToCriminal } from './civil-to-criminal.ts';
import { domesticViolence } from './domestic-violence.ts';
import { economicRisk } from './economic-risk.ts';
import { extremeEmotion } from './extreme-emotion.ts';
import { hazardOverdue } from './hazard-overdue.ts';
import { hotspot } from './hotspot.ts';
import { MODELS } from './index.ts';
import { massRisk } from './mass-risk.ts';
import { medicalGuard } from './medical-guard.ts';
import { petitionRisk } from './petition-risk.ts';
import { poissonTailLog10, poissonUpperTail } from './poisson.ts';
import { protracted } from './protracted.ts';
import { repeatDispute } from './repeat-dispute.ts';
import { disputesOfUnits, loadMatters, partiesGrouped } from './shared.ts';
import { watchlist } from './watchlist.ts';

const ALERT_MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

const DAY = 86_400_000;
/** The evaluations' "now" for the hand-made histories (a Friday, 10:00 China time). */
const NOW = new Date('2026-11-20T02:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

let kernel: Kernel;
/** Real villages (level 4), one or more per test that counts places, so that tests do not disturb each other. */
let villages: string[] = [];
const VILLAGE = () => villages[0]!;
let n = 0;

type Sub = {
  type: 'person' | 'enterprise';
  id: string;
  name: string;
  role?: 'applicant' | 'respondent' | 'party';
};

async function person(name: string): Promise<Sub> {
  const row = await kernel.db
    .insertInto('persons')
    .values({ area_code: VILLAGE(), name })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { type: 'person', id: row.id, name };
}

let entSeq = 700_000;
function enterprise(name: string): Sub {
  entSeq++;
  return { type: 'enterprise', id: String(entSeq), name };
}

const mask = (s: Sub) => (s.type === 'person' ? `${s.name[0]}${'*'.repeat(s.name.length - 1)}` : s.name);

interface DisputeSpec {
  at: Date;
  category?: string;
  title?: string;
  description?: string;
  parties?: Sub[];
  /** Source records: each at `at` unless given. */
  records?: { source: string; at?: Date; text?: string }[];
  areaCode?: string;
  people?: number;
  amount?: number;
  point?: { lng: number; lat: number };
  type?: string;
  status?: string;
  closed?: boolean;
  dueAt?: Date;
  stateEnteredAt?: Date;
  urgency?: 'normal' | 'urgent' | 'extra_urgent';
}

/** A dispute as the library stores it (matters, matter_parties, dispute_records), without the intake pipeline. */
async function dispute(d: DisputeSpec): Promise<string> {
  n++;
  const parties = d.parties ?? [];
  const people = d.people ?? Math.max(1, parties.filter((p) => p.type === 'person').length);
  const row = await kernel.db
    .insertInto('matters')
    .values({
      number: `JF-MODELS-${String(n).padStart(5, '0')}`,
      type: d.type ?? 'dispute',
      category: d.category ?? 'neighbour',
      title: d.title ?? `测试纠纷 ${n}`,
      description: d.description ?? '双方因琐事发生争执。',
      status: d.status ?? 'registered',
      closed: d.closed ?? false,
      closed_at: d.closed ? d.at : null,
      urgency: d.urgency ?? 'normal',
      area_code: d.areaCode ?? VILLAGE(),
      lng: d.point?.lng ?? null,
      lat: d.point?.lat ?? null,
      h3: d.point ? latLngToCell(d.point.lat, d.point.lng, 9) : null,
      created_at: d.at,
      state_entered_at: d.stateEnteredAt ?? d.at,
      due_at: d.dueAt ?? null,
      payload: JSON.stringify({
        ...(d.amount !== undefined ? { amount: d.amount } : {}),
        peopleInvolved: people,
        mass: people >= 5,
        riskLevel: 'low',
        parties: parties.map((p) => ({
          role: p.role ?? 'party',
          kind: p.type,
          name: mask(p),
          subjectId: p.id,
        })),
        sources: [...new Set((d.records ?? []).map((r) => r.source))],
      }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const seen = new Set<string>();
  for (const p of parties) {
    if (seen.has(`${p.type}:${p.id}`)) continue;
    seen.add(`${p.type}:${p.id}`);
    await kernel.db
      .insertInto('matter_parties')
      .values({ matter_id: row.id, role: p.role ?? 'party', subject_type: p.type, subject_id: p.id })
      .execute();
  }
  await kernel.db
    .insertInto('matter_timeline')
    .values({ matter_id: row.id, at: d.at, actor_name: 'test', action: 'create', to_status: 'registered' })
    .execute();
  for (const r of d.records ?? []) {
    n++;
    await kernel.db
      .insertInto('dispute_records' as never)
      .values({
        matter_id: row.id,
        source_code: r.source,
        record_key: `MODELS-${n}`,
        channel: 'file',
        reported_at: r.at ?? d.at,
        category: d.category ?? 'neighbour',
        title: d.title ?? `记录 ${n}`,
        description: r.text ?? d.description ?? null,
      } as never)
      .execute();
  }
  return row.id;
}

async function timeline(matterId: string, at: Date, action: string, toStatus: string | null) {
  await kernel.db
    .insertInto('matter_timeline')
    .values({ matter_id: matterId, at, actor_name: 'test', action, to_status: toStatus })
    .execute();
}

async function tag(personId: string, t: string, at: Date) {
  await kernel.db
    .insertInto('person_tags' as never)
    .values({ person_id: personId, tag: t, created_at: at } as never)
    .execute();
}

function run<P extends Record<string, unknown>>(
  model: ModelDef<P>,
  opts: { ids?: string[]; now?: Date; params?: Partial<P> } = {},
): Promise<Signal[]> {
  return model.evaluate({
    db: kernel.db,
    params: { ...model.defaults, ...opts.params },
    now: opts.now ?? NOW,
    ...(opts.ids ? { matterIds: opts.ids } : {}),
  });
}

/** As the models key a pair: enterprises before persons, then by id. */
const pairKey = (a: Sub, b: Sub) => {
  const rank = (s: Sub) => (s.type === 'enterprise' ? 0 : 1);
  const [x, y] = [a, b].sort((p, q) => rank(p) - rank(q) || Number(BigInt(p.id) - BigInt(q.id)));
  return `pair:${x!.type}:${x!.id}|${y!.type}:${y!.id}`;
};
const find = (signals: Signal[], key: string) => signals.find((s) => s.key === key);
const codes = (s: Signal | undefined) => (s?.factors ?? []).map((f) => f.code).sort();
const weight = (s: Signal | undefined, code: string) => s?.factors.find((f) => f.code === code)?.weight;

/** Every signal keeps to the contract: score = Σ weights (≤ 100), ≤ 50 records, no full names in the text. */
function expectWellFormed(signals: Signal[], names: string[] = []) {
  for (const s of signals) {
    expect(s.score).toBe(
      Math.min(
        100,
        s.factors.reduce((t, f) => t + f.weight, 0),
      ),
    );
    expect(levelOf(s.score)).not.toBeNull();
    expect(s.key.length).toBeLessThanOrEqual(200);
    expect(s.window.length).toBeLessThanOrEqual(40);
    expect(s.areaCode).toMatch(/^\d{12}(\d{3})?$/);
    for (const f of s.factors) {
      expect(f.code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(f.records.length).toBeLessThanOrEqual(50);
      for (const name of names) expect(f.detail).not.toContain(name);
    }
    for (const name of names) expect(s.title).not.toContain(name);
  }
}

beforeAll(async () => {
  // The alert module's tables: present when the module is registered (the template has them); otherwise a
  // stand-in module is registered and its migration applied to this test's database.
  registerModules();
  const present = registeredModules().some(
    (m) => m.migrations && path.resolve(m.migrations) === ALERT_MIGRATIONS,
  );
  if (!present) {
    registerModule({
      code: 'alert_models_test',
      name: { zh: '', en: '' },
      matterTypes: [],
      migrations: ALERT_MIGRATIONS,
    });
  }
  kernel = await openTestKernel();
  if (!present) await migrate(kernel.db, [ALERT_MIGRATIONS]);
  villages = (
    await kernel.db
      .selectFrom('areas')
      .select('code')
      .where('level', '=', 4)
      .where('code', 'like', '330302%')
      .orderBy('code')
      .limit(20)
      .execute()
  ).map((a) => a.code);
  expect(villages.length).toBe(20);
});

afterAll(async () => {
  await kernel?.close();
});

describe('parameters', () => {
  it('twelve models in order, each with defaults that fit its own schema', () => {
    expect(MODELS.map((m) => m.no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Set(MODELS.map((m) => m.code)).size).toBe(12);
    for (const m of MODELS) {
      expect(m.params.safeParse(m.defaults).success, m.code).toBe(true);
      expect(m.code).toMatch(/^[a-z][a-z0-9_]{1,39}$/);
      if (m.kind === 'periodic') expect(m.intervalMs).toBeGreaterThanOrEqual(60_000);
    }
  });

  it('refuses numbers out of range, unknown keys, long word lists and long words', () => {
    for (const m of MODELS) {
      const d = m.defaults as Record<string, unknown>;
      const numeric = Object.keys(d).filter((k) => typeof d[k] === 'number');
      expect(numeric.length, m.code).toBeGreaterThan(0);
      for (const k of numeric) {
        expect(m.params.safeParse({ ...d, [k]: 1e12 }).success, `${m.code}.${k}`).toBe(false);
        expect(m.params.safeParse({ ...d, [k]: -1 }).success, `${m.code}.${k}`).toBe(false);
        expect(m.params.safeParse({ ...d, [k]: 1.5 }).success, `${m.code}.${k}`).toBe(false);
      }
      expect(m.params.safeParse({ ...d, typo: 1 }).success, m.code).toBe(false);
      for (const k of Object.keys(d).filter((x) => Array.isArray(d[x]) && /Words$|^words$/.test(x))) {
        const many = Array.from({ length: 201 }, (_, i) => `词${i}`);
        expect(m.params.safeParse({ ...d, [k]: many }).success, `${m.code}.${k}`).toBe(false);
        expect(m.params.safeParse({ ...d, [k]: ['一'.repeat(21)] }).success, `${m.code}.${k}`).toBe(false);
        expect(m.params.safeParse({ ...d, [k]: [''] }).success, `${m.code}.${k}`).toBe(false);
      }
    }
    // Nested weights and enumerations are checked too.
    const tagWeights = { ...watchlist.defaults.tagWeights, mental_disorder: 101 };
    expect(watchlist.params.safeParse({ ...watchlist.defaults, tagWeights }).success).toBe(false);
    expect(
      civilToCriminal.params.safeParse({ ...civilToCriminal.defaults, categories: ['nope'] }).success,
    ).toBe(false);
    expect(hotspot.params.safeParse({ ...hotspot.defaults, units: [] }).success).toBe(false);
  });
});

describe('Poisson tail', () => {
  it('matches known values and does not underflow', () => {
    expect(poissonUpperTail(5, 1)).toBeCloseTo(0.00366, 5);
    expect(poissonUpperTail(3, 2)).toBeCloseTo(0.32332, 5);
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(1, 0.5)).toBeCloseTo(1 - Math.exp(-0.5), 10);
    const tiny = poissonTailLog10(200, 1);
    expect(Number.isFinite(tiny)).toBe(true);
    expect(tiny).toBeLessThan(-300);
    // Large λ, k around it: no overflow either way.
    expect(poissonUpperTail(1000, 1000)).toBeGreaterThan(0.4);
    expect(poissonUpperTail(1000, 1000)).toBeLessThan(0.6);
  });
});

describe('1 民转刑风险', () => {
  it('a family dispute with threat words after two 110 calls between the same parties is red', async () => {
    const a = { ...(await person('张三丰')), role: 'applicant' as const };
    const b = { ...(await person('李四光')), role: 'respondent' as const };
    await dispute({
      at: ago(60),
      category: 'marriage_family',
      parties: [a, b],
      records: [{ source: 'police_110' }],
    });
    await dispute({
      at: ago(30),
      category: 'marriage_family',
      parties: [a, b],
      records: [{ source: 'police_110' }],
    });
    const last = await dispute({
      at: ago(2),
      category: 'marriage_family',
      description: '丈夫扬言要和妻子同归于尽，还说家里备了汽油。',
      parties: [a, b],
      records: [{ source: 'women_federation' }],
    });
    const signals = await run(civilToCriminal, { ids: [last] });
    expectWellFormed(signals, ['张三丰', '李四光']);
    const s = find(signals, pairKey(a, b));
    expect(s).toBeDefined();
    expect(s!.window).toBe('open');
    expect(levelOf(s!.score)).toBe('red');
    expect(codes(s)).toEqual([
      'earlier_110',
      'long_unresolved',
      'repeat_disputes',
      'risky_category',
      'threat_words',
    ]);
    expect(weight(s, 'threat_words')).toBe(40);
    expect(weight(s, 'earlier_110')).toBe(30);
    expect(s!.factors.find((f) => f.code === 'threat_words')!.detail).toBe('文本含“同归于尽”“汽油”');
    expect(s!.title).toBe('张**与李**纠纷存在民转刑风险');
    expect(s!.subjects.map((x) => x.role).sort()).toEqual(['申请人', '被申请人']);
    expect(s!.areaCode).toBe(VILLAGE());

    // Evaluated as of ten days ago, the threats of two days ago are not there yet.
    const before = await run(civilToCriminal, { ids: [last], now: ago(10) });
    expect(find(before, pairKey(a, b))).toBeUndefined();
    const earlier = await run(civilToCriminal, { ids: [last, ...(await idsOf(a))], now: ago(10) });
    const e = find(earlier, pairKey(a, b));
    expect(codes(e)).not.toContain('threat_words');
    expect(levelOf(e?.score ?? 0)).not.toBe('red');
  });

  it('a neighbour quarrel with one earlier, settled 110 call and no threats does not fire', async () => {
    const c = await person('王小二');
    const d = await person('赵大明');
    // 110 (15) + repeat (10) + neighbours (10) = 35, under yellow.
    await dispute({
      at: ago(50),
      parties: [c, d],
      records: [{ source: 'police_110' }],
      closed: true,
      status: 'closed',
    });
    const last = await dispute({ at: ago(1), parties: [c, d], description: '楼上漏水，双方争执。' });
    const signals = await run(civilToCriminal, { ids: [last] });
    expect(find(signals, pairKey(c, d))).toBeUndefined();
  });

  it('through the real intake: two 110 calls, then threats at mediation — red', async () => {
    const now = new Date();
    const id = (seq: string) => {
      const first17 = `33030219800101${seq}`;
      return first17 + idCardCheckChar(first17);
    };
    const wife = { role: 'applicant' as const, kind: 'person' as const, name: '陈美丽', idNumber: id('042') };
    const husband = {
      role: 'respondent' as const,
      kind: 'person' as const,
      name: '林大壮',
      idNumber: id('051'),
    };
    const police = await getSource(kernel.db, 'police_110');
    const mediation = await getSource(kernel.db, 'justice_mediation');
    const at = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
    const r1 = await intake(kernel, sourceActor(police), police, 'push', [
      {
        recordKey: 'MODELS-110-1',
        reportedAt: at(80),
        category: '0301',
        description: '报警人称丈夫酒后在家吵闹摔东西，双方发生争吵。',
        areaCode: VILLAGE(),
        parties: [wife, husband],
      },
    ]);
    const r2 = await intake(kernel, sourceActor(police), police, 'push', [
      {
        recordKey: 'MODELS-110-2',
        reportedAt: at(40),
        category: '0301',
        description: '报警人称丈夫因孩子抚养问题与其争执，情绪激动。',
        areaCode: VILLAGE(),
        parties: [wife, husband],
      },
    ]);
    const r3 = await intake(kernel, sourceActor(mediation), mediation, 'push', [
      {
        recordKey: 'MODELS-MED-1',
        reportedAt: at(1),
        category: 'marriage_family',
        title: '婚姻家庭纠纷',
        description: '双方因离婚财产分割发生纠纷，男方扬言要与女方同归于尽，称已买好汽油。',
        areaCode: VILLAGE(),
        parties: [wife, husband],
      },
    ]);
    const ids = [r1, r2, r3].map((r) => r.outcomes[0]!.matterId!);
    expect(new Set(ids).size).toBe(3);
    const signals = await run(civilToCriminal, { ids: [ids[2]!], now });
    expectWellFormed(signals, ['陈美丽', '林大壮']);
    const s = signals.find((x) => x.key.startsWith('pair:person:'));
    expect(s).toBeDefined();
    expect(levelOf(s!.score)).toBe('red');
    expect(codes(s)).toEqual([
      'earlier_110',
      'long_unresolved',
      'repeat_disputes',
      'risky_category',
      'threat_words',
    ]);
  });
});

/** Every dispute a subject is party to (to replay a history with all its matters changed). */
async function idsOf(s: Sub): Promise<string[]> {
  const rows = await kernel.db
    .selectFrom('matter_parties')
    .select('matter_id')
    .where('subject_type', '=', s.type)
    .where('subject_id', '=', s.id)
    .execute();
  return rows.map((r) => r.matter_id);
}

describe('2 重复纠纷', () => {
  it('the same parties in three disputes within 90 days: yellow, 40 + 15 for the open ones', async () => {
    const a = await person('周一');
    const b = await person('吴二');
    await dispute({ at: ago(80), parties: [a, b], category: 'neighbour' });
    await dispute({ at: ago(40), parties: [a, b], category: 'house_homestead' });
    const last = await dispute({ at: ago(5), parties: [a, b], category: 'neighbour' });
    const signals = await run(repeatDispute, { ids: [last] });
    expectWellFormed(signals, ['周一', '吴二']);
    const s = find(signals, pairKey(a, b));
    expect(s).toMatchObject({ window: 'open', score: 55 });
    expect(levelOf(s!.score)).toBe('yellow');
    expect(codes(s)).toEqual(['repeat_disputes', 'still_open']);
    expect(s!.factors[0]!.records).toHaveLength(3);
    // Twenty days ago only two had happened.
    const before = await run(repeatDispute, { ids: await idsOf(a), now: ago(20) });
    expect(find(before, pairKey(a, b))).toBeUndefined();
  });

  it('two disputes, or three spread over more than 90 days, do not fire', async () => {
    const a = await person('郑三');
    const b = await person('王四');
    await dispute({ at: ago(200), parties: [a, b] });
    await dispute({ at: ago(30), parties: [a, b] });
    const last = await dispute({ at: ago(3), parties: [a, b] });
    expect(find(await run(repeatDispute, { ids: [last] }), pairKey(a, b))).toBeUndefined();
  });
});

describe('the disputes of units, shared within a pass', () => {
  it('a narrower window or a category later in the pass gives what a fresh read gives, without reading again', async () => {
    const a = await person('孔五');
    const b = await person('曹六');
    const old = await dispute({ at: ago(200), parties: [a, b], category: 'neighbour' });
    const mid = await dispute({ at: ago(60), parties: [a, b], category: 'contract' });
    const recent = await dispute({ at: ago(10), parties: [a, b], category: 'neighbour' });
    const alone = await dispute({ at: ago(10), parties: [a], category: 'neighbour' });
    const pair = [a, b].map((x) => ({ type: x.type, id: x.id }));
    const single = [{ type: a.type, id: a.id }];
    const memo: PassMemo = new Map();
    const wide = await kernel.db
      .transaction()
      .execute((tx) => disputesOfUnits(tx, [pair, single], NOW, ago(365), null, memo));
    expect(wide).toEqual([
      [old, mid, recent],
      [old, mid, recent, alone],
    ]);
    // A dispute added now is not in what the pass read: the narrower asks are answered from the memo.
    await dispute({ at: ago(5), parties: [a, b], category: 'neighbour' });
    const narrow = await kernel.db
      .transaction()
      .execute((tx) => disputesOfUnits(tx, [pair, single], NOW, ago(90), ['neighbour'], memo));
    expect(narrow).toEqual([[recent], [recent, alone]]);
    // Without the memo (or with a wider window than was read) the database is asked again.
    const fresh = await kernel.db
      .transaction()
      .execute((tx) => disputesOfUnits(tx, [pair, single], NOW, ago(90), ['neighbour']));
    expect(fresh.map((x) => x.length)).toEqual([2, 3]);
    const wider = await kernel.db
      .transaction()
      .execute((tx) => disputesOfUnits(tx, [pair], NOW, ago(400), ['neighbour'], memo));
    expect(wider[0]).toHaveLength(3);
  });
});

describe('3 群体性风险', () => {
  it('many workers of one enterprise reporting wage arrears within days: red', async () => {
    const corp = enterprise('温州测试鞋业有限公司');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const w = { ...(await person(`工人甲${i}`)), role: 'applicant' as const };
      ids.push(
        await dispute({
          at: ago(6 - i * 1.5),
          category: 'labour',
          description: '公司拖欠工资三个月，工友们准备集体讨薪。',
          people: i === 0 ? 12 : 1,
          parties: [w, { ...corp, role: 'respondent' }],
        }),
      );
    }
    const signals = await run(massRisk, { ids: [ids[3]!] });
    expectWellFormed(signals, ['工人甲0', '温州测试鞋业有限公司']);
    const s = find(signals, `enterprise:${corp.id}`);
    expect(s).toMatchObject({ window: 'open', score: 100 });
    expect(codes(s)).toEqual(['many_people', 'many_reports', 'mass_category', 'mass_words']);
    expect(weight(s, 'many_reports')).toBe(40);
    expect(s!.title).toContain('温州******公司');
    expect(s!.subjects).toEqual([{ type: 'enterprise', id: corp.id, role: '被申请人' }]);
    // Three days and a half ago, two reports (one naming 12 people) had come in: 30 + 20 + 10.
    const before = await run(massRisk, { ids, now: ago(3.5) });
    expect(find(before, `enterprise:${corp.id}`)).toMatchObject({ score: 60 });
  });

  it('similar reports at one village within the week; a single small dispute does not fire', async () => {
    const v = villages[1]!;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        await dispute({
          at: ago(5 - i),
          category: 'environment',
          areaCode: v,
          description: '工厂排放异味。',
        }),
      );
    }
    const signals = await run(massRisk, { ids: [ids[2]!] });
    expectWellFormed(signals);
    const s = find(signals, `area:${v}:environment`);
    expect(s).toMatchObject({ window: isoWeek(NOW), score: 40, areaCode: v });

    const corp = enterprise('瓯海某某电器有限公司');
    const w = await person('工人乙');
    const one = await dispute({ at: ago(1), category: 'consumer', people: 2, parties: [w, corp] });
    expect(find(await run(massRisk, { ids: [one] }), `enterprise:${corp.id}`)).toBeUndefined();
  });
});

describe('4 智慧护医', () => {
  it('threats at a hospital by a person with a history of violence, back again and again: red', async () => {
    const patient = { ...(await person('钱医闹')), role: 'applicant' as const };
    const hospital = { ...enterprise('温州市第九人民医院'), role: 'respondent' as const };
    await tag(patient.id, 'violence_history', ago(100));
    await dispute({
      at: ago(10),
      category: 'medical',
      parties: [patient, hospital],
      records: [
        { source: 'health_medical' },
        { source: 'hotline_12345', at: ago(8) },
        { source: 'hotline_12345', at: ago(7) },
      ],
    });
    const last = await dispute({
      at: ago(1),
      category: 'medical',
      description: '患者家属到医院拉横幅，扬言不赔钱就同归于尽。',
      parties: [patient, hospital],
      records: [{ source: 'police_110' }],
    });
    const signals = await run(medicalGuard, { ids: [last] });
    expectWellFormed(signals, ['钱医闹', '温州市第九人民医院']);
    const s = find(signals, `person:${patient.id}`);
    expect(s).toMatchObject({ window: 'open', score: 100 });
    expect(codes(s)).toEqual(['earlier_110', 'repeat_visits', 'threat_words', 'violence_tag']);
    expect(s!.title).toBe('钱**与温州*****医院医疗纠纷存在涉医暴力风险');
    expect(s!.subjects).toEqual([
      { type: 'person', id: patient.id, role: '申请人' },
      { type: 'enterprise', id: hospital.id, role: '被申请人' },
    ]);
    // Five days ago: no threats, no 110 yet — only the tag and the visits.
    const before = await run(medicalGuard, { ids: await idsOf(patient), now: ago(5) });
    const b = find(before, `person:${patient.id}`);
    expect(codes(b)).toEqual(['repeat_visits', 'violence_tag']);
  });

  it('an ordinary medical complaint does not fire', async () => {
    const p = await person('孙平常');
    const last = await dispute({
      at: ago(2),
      category: 'medical',
      description: '患者对医疗费用有异议。',
      parties: [p, enterprise('温州市第十人民医院')],
      records: [{ source: 'health_medical' }],
    });
    expect(await run(medicalGuard, { ids: [last] })).toEqual([]);
  });
});

describe('5 重点人员', () => {
  it('a person with a severe-mental-disorder tag in an open dispute with threats: orange', async () => {
    const p = await person('李重点');
    const other = await person('王邻居');
    await tag(p.id, 'mental_disorder', ago(200));
    const last = await dispute({ at: ago(3), description: '当事人扬言要报复邻居。', parties: [p, other] });
    const signals = await run(watchlist, { ids: [last] });
    expectWellFormed(signals, ['李重点', '王邻居']);
    const s = find(signals, `person:${p.id}`);
    expect(s).toMatchObject({ window: 'open', score: 70, title: '重点人员李**卷入矛盾纠纷' });
    expect(codes(s)).toEqual(['tag_mental_disorder', 'threat_words']);
    // The neighbour has no tag: no signal about them.
    expect(find(signals, `person:${other.id}`)).toBeUndefined();
  });

  it('a minor tag alone does not fire; a tag recorded after "now" is not seen', async () => {
    const p = await person('赵其他');
    await tag(p.id, 'other', ago(100));
    const d1 = await dispute({ at: ago(3), parties: [p] });
    expect(await run(watchlist, { ids: [d1] })).toEqual([]);

    const q = await person('刘新标');
    await tag(q.id, 'community_correction', ago(1));
    const d2 = await dispute({ at: ago(5), parties: [q] });
    await dispute({ at: ago(20), parties: [q] });
    expect(find(await run(watchlist, { ids: [d2] }), `person:${q.id}`)).toMatchObject({ score: 45 });
    expect(await run(watchlist, { ids: [d2], now: ago(2) })).toEqual([]);
  });
});

describe('6 热点区域', () => {
  it('a village with eight disputes this week against an empty baseline: red; not so a week earlier', async () => {
    const v = villages[2]!;
    for (let i = 0; i < 8; i++) await dispute({ at: ago(0.5 + i * 0.7), areaCode: v });
    const signals = await run(hotspot);
    expectWellFormed(signals);
    const s = find(signals, `area:${v}`);
    expect(s).toMatchObject({ window: isoWeek(NOW), score: 100, areaCode: v });
    expect(codes(s)).toEqual(['poisson_anomaly']);
    expect(s!.factors[0]!.records).toHaveLength(8);
    expect(find(await run(hotspot, { now: ago(8) }), `area:${v}`)).toBeUndefined();
  });

  it('a busy village at its usual level does not fire', async () => {
    const v = villages[3]!;
    // Four a week for twelve weeks, then five this week: P(X ≥ 5 | λ ≈ 4.1) ≈ 0.39.
    for (let w = 1; w <= 12; w++) {
      for (let i = 0; i < 4; i++) await dispute({ at: ago(7 * w + 1 + i), areaCode: v });
    }
    for (let i = 0; i < 5; i++) await dispute({ at: ago(1 + i), areaCode: v });
    expect(find(await run(hotspot), `area:${v}`)).toBeUndefined();
  });

  it('counts h3 cells at the chosen resolution', async () => {
    const v = villages[4]!;
    for (let i = 0; i < 6; i++) {
      await dispute({ at: ago(1 + i * 0.5), areaCode: v, point: { lng: 120.7, lat: 28.0 } });
    }
    const signals = await run(hotspot, { params: { units: ['h3'] } });
    // The parent of the matters' own resolution-9 cell (not always the resolution-8 cell of the point).
    const cell = cellToParent(latLngToCell(28.0, 120.7, 9), 8);
    const s = find(signals, `h3:${cell}`);
    expect(s).toBeDefined();
    expect(levelOf(s!.score)).not.toBeNull();
    expect(s!.areaCode).toBe(v);
    expect(signals.every((x) => x.key.startsWith('h3:'))).toBe(true);
  });
});

describe('7 久拖未决', () => {
  it('overdue a month, returned twice and open for 90 days: red; less as of 25 days ago', async () => {
    const p = await person('久拖甲');
    const id = await dispute({
      at: ago(90),
      parties: [p],
      status: 'assessing',
      dueAt: ago(30),
      stateEnteredAt: ago(40),
    });
    await timeline(id, ago(20), 'return', 'assessing');
    await timeline(id, ago(10), 'return', 'assessing');
    const signals = await run(protracted);
    expectWellFormed(signals, ['久拖甲']);
    const s = find(signals, `matter:${id}`);
    expect(s).toMatchObject({ window: 'open', score: 85 });
    expect(codes(s)).toEqual(['long_open', 'overdue', 'returned']);
    expect(s!.title).toBe('邻里纠纷久拖未决（超期30天、退回2次）');
    expect(s!.subjects).toEqual([{ type: 'person', id: p.id, role: '当事人' }]);
    // 25 days ago: overdue 5 days (20) and open 65 days (15), no returns yet: 35, below yellow.
    expect(find(await run(protracted, { now: ago(25) }), `matter:${id}`)).toBeUndefined();
  });

  it('a dispute a few days overdue, or closed, does not fire', async () => {
    const a = await dispute({ at: ago(10), dueAt: ago(3), status: 'assessing' });
    const b = await dispute({ at: ago(200), dueAt: ago(100), status: 'closed', closed: true });
    const signals = await run(protracted);
    expect(find(signals, `matter:${a}`)).toBeUndefined();
    expect(find(signals, `matter:${b}`)).toBeUndefined();
  });
});

describe('8 信访风险', () => {
  it('four petitions, the last at county level and talking of Beijing: red', async () => {
    const p = await person('信访甲');
    await dispute({
      at: ago(150),
      category: 'expropriation',
      parties: [p],
      records: [{ source: 'petition' }],
    });
    await dispute({
      at: ago(100),
      category: 'expropriation',
      parties: [p],
      records: [{ source: 'petition' }],
    });
    await dispute({
      at: ago(50),
      category: 'expropriation',
      parties: [p],
      records: [{ source: 'petition' }],
    });
    const last = await dispute({
      at: ago(5),
      category: 'expropriation',
      areaCode: '330302000000',
      description: '信访人对补偿不满，扬言要进京上访。',
      parties: [p],
      records: [{ source: 'petition' }],
    });
    const signals = await run(petitionRisk, { ids: [last] });
    expectWellFormed(signals, ['信访甲']);
    const s = find(signals, `person:${p.id}`);
    expect(s).toMatchObject({ window: 'open', score: 100, areaCode: VILLAGE() });
    expect(codes(s)).toEqual(['escalation_words', 'long_unresolved', 'repeat_petitions', 'skip_level']);
    expect(weight(s, 'repeat_petitions')).toBe(50);
    // Sixty days ago: two petitions, nothing more.
    expect(await run(petitionRisk, { ids: await idsOf(p), now: ago(60) })).toEqual([]);
  });

  it('two calm petitions do not fire', async () => {
    const p = await person('信访乙');
    await dispute({ at: ago(40), parties: [p], records: [{ source: 'petition' }] });
    const last = await dispute({ at: ago(4), parties: [p], records: [{ source: 'petition' }] });
    expect(await run(petitionRisk, { ids: [last] })).toEqual([]);
  });
});

describe('9 涉众经济风险', () => {
  it('six workers against one enterprise in a month over unpaid wages: orange', async () => {
    const corp = enterprise('温州某某建筑劳务有限公司');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const w = { ...(await person(`农民工${i}`)), role: 'applicant' as const };
      ids.push(
        await dispute({
          at: ago(25 - i * 4),
          category: 'labour',
          description: '工地老板拖欠工资，讨要未果。',
          amount: 50_000,
          parties: [w, { ...corp, role: 'respondent' }],
        }),
      );
    }
    const signals = await run(economicRisk, { ids: [ids[5]!] });
    expectWellFormed(signals, ['农民工0', '温州某某建筑劳务有限公司']);
    const s = find(signals, `enterprise:${corp.id}`);
    expect(s).toMatchObject({ window: 'open', score: 67 });
    expect(levelOf(s!.score)).toBe('orange');
    expect(codes(s)).toEqual(['economic_words', 'many_claimants', 'many_disputes']);
    expect(weight(s, 'many_claimants')).toBe(32);
    // Fifteen days ago three had complained: words and disputes only, 35.
    expect(find(await run(economicRisk, { ids, now: ago(15) }), `enterprise:${corp.id}`)).toBeUndefined();
  });

  it('two consumer complaints without such words do not fire', async () => {
    const corp = enterprise('鹿城某某超市有限公司');
    const a = await person('顾客甲');
    const b = await person('顾客乙');
    await dispute({ at: ago(10), category: 'consumer', parties: [a, corp] });
    const last = await dispute({ at: ago(2), category: 'consumer', parties: [b, corp] });
    expect(await run(economicRisk, { ids: [last] })).toEqual([]);
  });
});

describe('10 家庭暴力风险', () => {
  it('violence reported to 110 and then to the women’s federation: red', async () => {
    const w = { ...(await person('何妻子')), role: 'applicant' as const };
    const h = { ...(await person('马丈夫')), role: 'respondent' as const };
    await dispute({
      at: ago(40),
      category: 'marriage_family',
      description: '报警称丈夫酒后殴打妻子。',
      parties: [w, h],
      records: [{ source: 'police_110' }],
    });
    const last = await dispute({
      at: ago(3),
      category: 'marriage_family',
      description: '妻子到妇联求助，称长期遭受家暴。',
      parties: [w, h],
      records: [{ source: 'women_federation' }],
    });
    const signals = await run(domesticViolence, { ids: [last] });
    expectWellFormed(signals, ['何妻子', '马丈夫']);
    const s = find(signals, pairKey(w, h));
    expect(s).toMatchObject({ window: 'open', score: 80, title: '何**与马**存在家庭暴力风险' });
    expect(codes(s)).toEqual(['earlier_110', 'repeat_disputes', 'violence_words', 'women_federation']);
    // Ten days ago: the 110 call only — 35 + 15, yellow, and no federation report yet.
    const before = find(await run(domesticViolence, { ids: await idsOf(w), now: ago(10) }), pairKey(w, h));
    expect(before).toMatchObject({ score: 50 });
    expect(codes(before)).toEqual(['earlier_110', 'violence_words']);
  });

  it('a divorce over property with one 110 call does not fire', async () => {
    const a = await person('离婚甲');
    const b = await person('离婚乙');
    const last = await dispute({
      at: ago(2),
      category: 'marriage_family',
      description: '双方协议离婚，对房产分割有争议。',
      parties: [a, b],
      records: [{ source: 'police_110' }],
    });
    expect(await run(domesticViolence, { ids: [last] })).toEqual([]);
  });
});

describe('11 极端情绪', () => {
  it('despair with a means named: orange, with the referral', async () => {
    const p = await person('绝望者');
    const id = await dispute({
      at: ago(1),
      category: 'contract',
      description: '当事人称欠下网贷还不上，不想活了，要去跳楼。',
      parties: [p],
    });
    const signals = await run(extremeEmotion, { ids: [id] });
    expectWellFormed(signals, ['绝望者']);
    const s = find(signals, `matter:${id}`);
    expect(s).toMatchObject({ window: 'open', score: 65, title: '一起合同纠纷中当事人流露极端情绪' });
    expect(codes(s)).toEqual(['despair_words', 'referral', 'self_harm_means']);
    const referral = s!.factors.find((f) => f.code === 'referral')!;
    expect(referral.weight).toBe(0);
    expect(referral.detail).toContain('心理服务站');
    // Before it was reported: nothing.
    expect(await run(extremeEmotion, { ids: [id], now: ago(2) })).toEqual([]);
  });

  it('hardship without such words does not fire', async () => {
    const id = await dispute({ at: ago(1), description: '当事人生活压力很大，希望得到救助。' });
    expect(await run(extremeEmotion, { ids: [id] })).toEqual([]);
  });
});

describe('12 隐患超期', () => {
  it('an urgent hazard 15 days past its deadline: orange; not yet overdue 20 days ago', async () => {
    const id = await dispute({
      type: 'hazard',
      category: 'fire',
      at: ago(30),
      dueAt: ago(15),
      urgency: 'urgent',
      status: 'rectifying',
    });
    const signals = await run(hazardOverdue);
    expectWellFormed(signals);
    const s = find(signals, `matter:${id}`);
    expect(s).toMatchObject({ window: 'open', score: 65, title: '安全隐患逾期未整改（超期15天）' });
    expect(codes(s)).toEqual(['overdue', 'urgent']);
    expect(find(await run(hazardOverdue, { now: ago(20) }), `matter:${id}`)).toBeUndefined();
  });

  it('a hazard within its deadline, a closed one, or another type does not fire', async () => {
    const a = await dispute({ type: 'hazard', at: ago(10), dueAt: new Date(NOW.getTime() + 3 * DAY) });
    const b = await dispute({ type: 'hazard', at: ago(40), dueAt: ago(20), closed: true, status: 'closed' });
    const c = await dispute({ type: 'event', at: ago(40), dueAt: ago(20) });
    const keys = (await run(hazardOverdue)).map((s) => s.key);
    for (const id of [a, b, c]) expect(keys).not.toContain(`matter:${id}`);
    expect((await run(hazardOverdue, { params: { hazardTypes: ['event'] } })).map((s) => s.key)).toContain(
      `matter:${c}`,
    );
  });
});

/** A streaming pass's memo over `carry`, begun as the runtime begins one (its `now`, its changed matters). */
function carriedPass(carry: Carry, now: Date, changed: string[] = []): PassMemo {
  carry.begin(now, changed);
  const memo: PassMemo = new Map();
  memo.carry = carry;
  return memo;
}

describe('one run, shared reads', () => {
  it('the models give the same signals whether they share a memo or read alone', async () => {
    const ids = (await kernel.db.selectFrom('matters').select('id').execute()).map((r) => r.id);
    expect(ids.length).toBeGreaterThan(50);
    const streaming = MODELS.filter((m) => m.kind === 'streaming');
    const memo: PassMemo = new Map();
    let fired = 0;
    for (const model of streaming) {
      const ctx = { db: kernel.db, params: model.defaults, now: NOW, matterIds: ids };
      const alone = await model.evaluate(ctx);
      const shared = await model.evaluate({ ...ctx, memo });
      expect(shared, model.code).toEqual(alone);
      fired += alone.length;
    }
    // The histories above raise something: the comparison is not between empty lists.
    expect(fired).toBeGreaterThan(10);
    expect([...memo.keys()].some((k) => k.startsWith('m:'))).toBe(true);
    expect([...memo.keys()].some((k) => k.startsWith('p:'))).toBe(true);
  });

  it('the models give the same signals on a second pass that takes what the first carried', async () => {
    const ids = (await kernel.db.selectFrom('matters').select('id').execute()).map((r) => r.id);
    const streaming = MODELS.filter((m) => m.kind === 'streaming');
    const carry = new Carry();
    const first = carriedPass(carry, NOW);
    for (const model of streaming)
      await model.evaluate({ db: kernel.db, params: model.defaults, now: NOW, matterIds: ids, memo: first });
    expect(carry.size).toBeGreaterThan(50);
    const second = carriedPass(carry, NOW);
    for (const model of streaming) {
      const ctx = { db: kernel.db, params: model.defaults, now: NOW, matterIds: ids };
      expect(await model.evaluate({ ...ctx, memo: second }), model.code).toEqual(await model.evaluate(ctx));
    }
  });

  it('a carried matter is taken while its row is unchanged, read again once it changed or moved on the timeline', async () => {
    const a = await person('车七');
    const b = await person('马八');
    const kept = await dispute({ at: ago(5), parties: [a], records: [{ source: 'police_110' }] });
    const edited = await dispute({ at: ago(4), parties: [a] });
    const moved = await dispute({ at: ago(3), parties: [a] });
    // Closed after `now` and a record reported after `now`: as of a later `now` they read otherwise.
    const closesLater = await dispute({ at: ago(2), parties: [a] });
    await kernel.db
      .updateTable('matters')
      .set({ closed: true, closed_at: new Date(NOW.getTime() + DAY) })
      .where('id', '=', closesLater)
      .execute();
    const laterRecord = await dispute({
      at: ago(2),
      parties: [a],
      records: [{ source: 'police_110', at: new Date(NOW.getTime() + DAY) }],
    });
    const all = [kept, edited, moved, closesLater, laterRecord];
    const carry = new Carry();
    const one = carriedPass(carry, NOW);
    await loadMatters(kernel.db, all, NOW, {}, one);
    await partiesGrouped(kernel.db, all, one);
    for (const id of [kept, edited, moved]) {
      expect(carry.has(`m:${id}`), id).toBe(true);
      expect(carry.has(`p:${id}`), id).toBe(true);
    }
    expect(carry.has(`m:${closesLater}`)).toBe(false);
    expect(carry.has(`m:${laterRecord}`)).toBe(false);

    // A row update (whatever it is) gives a new version; a timeline entry puts the matter among the changed.
    await kernel.db.updateTable('matters').set({ category: 'contract' }).where('id', '=', edited).execute();
    await timeline(moved, ago(1), 'accept', 'triaging');
    await kernel.db
      .insertInto('matter_parties')
      .values({ matter_id: edited, role: 'party', subject_type: b.type, subject_id: b.id })
      .execute();
    // Written behind the row's back (intake never does): proves that the kept matter came from the carry.
    await kernel.db
      .insertInto('dispute_records' as never)
      .values({
        matter_id: kept,
        source_code: 'petition',
        record_key: 'MODELS-CARRY-1',
        channel: 'file',
        reported_at: ago(1),
        category: 'neighbour',
        title: '未经行更新写入的记录',
      } as never)
      .execute();

    const later = new Date(NOW.getTime() + 2 * DAY);
    const two = carriedPass(carry, later, [moved]);
    const byId = new Map((await loadMatters(kernel.db, all, later, {}, two)).map((m) => [m.id, m]));
    const parties = await partiesGrouped(kernel.db, all, two);
    expect(byId.get(kept)!.records.map((r) => r.source)).toEqual(['police_110']);
    expect(byId.get(edited)!.category).toBe('contract');
    expect(parties.get(edited)!.map((p) => p.id)).toEqual([a.id, b.id]);
    expect(byId.get(moved)!.status).toBe('triaging');
    expect(byId.get(closesLater)!.open).toBe(false);
    expect(byId.get(laterRecord)!.records).toHaveLength(1);
    // A fresh read agrees on everything but the record written behind the row's back.
    const fresh = new Map((await loadMatters(kernel.db, all, later)).map((m) => [m.id, m]));
    for (const id of [edited, moved, closesLater, laterRecord])
      expect(byId.get(id), id).toEqual(fresh.get(id));
    expect(fresh.get(kept)!.records).toHaveLength(2);

    // An earlier `now` than the last pass's: nothing carried is used.
    carriedPass(carry, NOW);
    expect(carry.size).toBe(0);
  });

  it('a memo filters by type and category as the query does, oldest first', async () => {
    const hazard = await dispute({ type: 'hazard', at: ago(3) });
    const family = await dispute({ at: ago(2), category: 'marriage_family' });
    const later = await dispute({ at: new Date(NOW.getTime() + DAY) });
    const neighbour = await dispute({ at: ago(4), category: 'neighbour' });
    const all = [hazard, family, later, neighbour];
    const memo: PassMemo = new Map();
    const ids = (ms: { id: string }[]) => ms.map((m) => m.id);
    expect(ids(await loadMatters(kernel.db, all, NOW, { types: ['hazard'] }, memo))).toEqual([hazard]);
    // The rest come from the memo, filtered there: disputes only by default, none created after `now`.
    expect(ids(await loadMatters(kernel.db, all, NOW, {}, memo))).toEqual([neighbour, family]);
    expect(ids(await loadMatters(kernel.db, all, NOW, { categories: ['neighbour'] }, memo))).toEqual([
      neighbour,
    ]);
    expect(ids(await loadMatters(kernel.db, all, NOW, {}))).toEqual([neighbour, family]);
    expect(memo.get(`m:${later}`)).toBeNull();
  });
});

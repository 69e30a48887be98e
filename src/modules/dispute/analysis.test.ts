import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import {
  addMonths,
  MAX_MONTHS,
  PENDING_STATES,
  partiesWindow,
  resolvePeriod,
  yearEarlier,
  yoy,
} from './analysis.service.ts';
import { ddb } from './dispute.tables.ts';

const LUCHENG = '330302000000';
const WUMA = '330302006000';
const GULOU = '330302006044';
const GULOU_GRID = '330302006044001';
const MOCHI = '330302006045';
const QIDU = '330302023000';
const JIANGDU = '330302023001';

const PERIOD = 'from=2026-01-01&to=2026-03-31';
const DAY = 86_400_000;

let t: TestContext;
const c: Record<string, string> = {};
const ids: Record<string, string> = {};
let n = 0;

/** A dispute as the library stores it; only what the analysis reads is set (no intake pipeline). */
async function buildDispute(o: {
  key?: string;
  category: string;
  areaCode: string;
  at: string | Date;
  status?: string;
  closed?: boolean;
  overdue?: boolean;
  type?: string;
}): Promise<string> {
  n++;
  const row = await t.kernel.db
    .insertInto('matters')
    .values({
      number: `JF-TEST-${String(n).padStart(4, '0')}`,
      type: o.type ?? 'dispute',
      category: o.category,
      title: `测试纠纷 ${n}`,
      status: o.status ?? 'registered',
      closed: o.closed ?? false,
      deadline_state: o.overdue ? 'overdue' : 'normal',
      area_code: o.areaCode,
      dispatcher_area_code: o.areaCode.slice(0, 9).padEnd(12, '0'),
      payload: JSON.stringify({ peopleInvolved: 1, mass: false, riskLevel: 'low', parties: [], sources: [] }),
      created_at: new Date(o.at),
      state_entered_at: new Date(o.at),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (o.key) ids[o.key] = row.id;
  return row.id;
}

async function record(matterId: string, source: string, receivedAt: Date, reportedAt: string) {
  n++;
  await ddb(t.kernel.db)
    .insertInto('dispute_records')
    .values({
      matter_id: matterId,
      source_code: source,
      record_key: `R${n}`,
      channel: 'file',
      reported_at: new Date(reportedAt),
      category: 'neighbour',
      title: '记录',
      created_at: receivedAt,
    })
    .execute();
}

async function party(matterId: string, type: 'person' | 'enterprise', subjectId: string, role = 'party') {
  await t.kernel.db
    .insertInto('matter_parties')
    .values({ matter_id: matterId, role, subject_type: type, subject_id: subjectId })
    .execute();
}

async function get(who: string, url: string) {
  return t.app.inject({ method: 'GET', url, headers: { cookie: c[who]! } });
}

async function ok<T = Record<string, unknown>>(who: string, url: string): Promise<T> {
  const r = await get(who, url);
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as T;
}

async function workbook(who: string, url: string): Promise<ExcelJS.Workbook> {
  const r = await get(who, url);
  expect(r.statusCode, r.body).toBe(200);
  expect(r.headers['content-type']).toContain('spreadsheetml');
  expect(String(r.headers['content-disposition'])).toMatch(/^attachment; filename="dispute-.*\.xlsx"$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
  return wb;
}

/** A sheet as rows of plain values, header row first. */
function rowsOf(ws: ExcelJS.Worksheet): unknown[][] {
  const out: unknown[][] = [];
  ws.eachRow((row) => {
    out.push((row.values as unknown[]).slice(1));
  });
  return out;
}

interface Figure {
  count: number;
  lastYear: number;
  yoy: number | null;
  months: number[];
  link: string;
  lastYearLink: string;
}
interface Matrix {
  area: { code: string };
  months: { month: string; from: string; to: string }[];
  areas: { code: string; name: string; own: boolean }[];
  cells: (Figure & { category: string; areaCode: string })[];
  byCategory: (Figure & { category: string })[];
  byArea: (Figure & { areaCode: string })[];
  total: Figure & { lastYearMonths: number[] };
}

const cell = (m: Matrix, category: string, areaCode: string) =>
  m.cells.find((x) => x.category === category && x.areaCode === areaCode);

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['county', { username: 'a_county', role: 'county_center', areaCode: LUCHENG, departmentCode: 'zongzhi' }],
    ['wuma', { username: 'a_wuma', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['city', { username: 'a_city', role: 'commander', areaCode: '330300000000' }],
    ['enterprise', { username: 'a_ent', role: 'enterprise_user', areaCode: LUCHENG }],
    ['auditor', { username: 'a_aud', role: 'auditor', areaCode: '330300000000' }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);

  // This period: 2026-01-01 … 2026-03-31 (China Standard Time).
  await buildDispute({
    key: 'A',
    category: 'neighbour',
    areaCode: GULOU_GRID,
    at: '2026-01-10T10:00:00+08:00',
    status: 'resolved',
  });
  // 1 March 07:00 in China is still 28 February in UTC: it counts in March.
  await buildDispute({
    key: 'B',
    category: 'neighbour',
    areaCode: GULOU,
    at: '2026-03-01T07:00:00+08:00',
    status: 'closed',
    closed: true,
  });
  await buildDispute({
    key: 'C',
    category: 'neighbour',
    areaCode: MOCHI,
    at: '2026-02-15T09:00:00+08:00',
    status: 'unresolved',
  });
  // Filed at the town itself: 本级 when looking at the town.
  await buildDispute({
    key: 'D',
    category: 'labour',
    areaCode: WUMA,
    at: '2026-03-01T07:00:00+08:00',
    status: 'resolving',
    overdue: true,
  });
  await buildDispute({ key: 'E', category: 'labour', areaCode: JIANGDU, at: '2026-02-10T09:00:00+08:00' });
  await buildDispute({
    key: 'F',
    category: 'contract',
    areaCode: JIANGDU,
    at: '2026-03-20T09:00:00+08:00',
    status: 'rejected',
    closed: true,
  });
  await buildDispute({
    key: 'G',
    category: 'labour',
    areaCode: QIDU,
    at: '2026-03-31T23:59:00+08:00',
    status: 'assessing',
  });
  // Outside the period, on either side, and not a dispute.
  await buildDispute({ key: 'H', category: 'labour', areaCode: QIDU, at: '2026-04-01T00:00:00+08:00' });
  await buildDispute({
    key: 'I',
    category: 'neighbour',
    areaCode: GULOU_GRID,
    at: '2025-12-31T23:59:00+08:00',
  });
  await buildDispute({
    category: 'neighbour',
    areaCode: GULOU,
    at: '2026-01-15T09:00:00+08:00',
    type: 'event',
  });
  // The same period a year earlier.
  await buildDispute({ category: 'neighbour', areaCode: GULOU, at: '2025-01-20T09:00:00+08:00' });
  await buildDispute({ category: 'neighbour', areaCode: GULOU_GRID, at: '2025-02-20T09:00:00+08:00' });
  await buildDispute({ category: 'neighbour', areaCode: MOCHI, at: '2025-04-05T09:00:00+08:00' });
  await buildDispute({ category: 'labour', areaCode: JIANGDU, at: '2025-03-10T09:00:00+08:00' });

  // Sources: two that sent records (one of them long ago), one that never did.
  await ddb(t.kernel.db)
    .insertInto('dispute_sources')
    .values(
      ['ta_police', 'ta_court', 'ta_silent'].map((code) => ({
        code,
        name: `测试来源 ${code}`,
        name_en: `Test source ${code}`,
        profile: JSON.stringify({}),
      })),
    )
    .execute();
  const now = Date.now();
  await record(ids.A!, 'ta_police', new Date(now - 40 * DAY), '2026-01-10T08:00:00+08:00');
  await record(ids.A!, 'ta_court', new Date(now - 3 * DAY), '2026-01-11T08:00:00+08:00');
  await record(ids.B!, 'ta_police', new Date(now - 35 * DAY), '2026-03-01T06:00:00+08:00');
  await record(ids.C!, 'ta_police', new Date(now - 30 * DAY), '2026-02-15T08:00:00+08:00');
  await record(ids.E!, 'ta_court', new Date(now - 2 * DAY), '2026-02-10T08:00:00+08:00');
  await record(ids.I!, 'ta_police', new Date(now - 20 * DAY), '2025-12-31T20:00:00+08:00');

  // Parties within the last months (relative to today): P1 and the enterprise in three disputes, P2 in two,
  // P3 in two recent ones and one 400 days ago.
  const persons = await t.kernel.db
    .insertInto('persons')
    .values([
      { area_code: GULOU, name: '张三丰' },
      { area_code: GULOU, name: '李四' },
      { area_code: GULOU, name: '王五' },
    ])
    .returning('id')
    .execute();
  const [p1, p2, p3] = persons.map((p) => p.id) as [string, string, string];
  ids.p1 = p1;
  ids.p2 = p2;
  ids.p3 = p3;
  const ent = await t.kernel.db
    .insertInto('enterprises')
    .values({ area_code: GULOU, name: '温州测试鞋业有限公司', uscc: '91330302MA2AAAAA1X' })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.e1 = ent.id;
  const recent = (days: number) => new Date(now - days * DAY);
  const x1 = await buildDispute({ category: 'neighbour', areaCode: GULOU_GRID, at: recent(10) });
  const x2 = await buildDispute({ category: 'business', areaCode: MOCHI, at: recent(40) });
  const x3 = await buildDispute({ category: 'neighbour', areaCode: GULOU, at: recent(70) });
  const old = await buildDispute({ category: 'neighbour', areaCode: GULOU, at: recent(400) });
  // Named twice in one dispute (applicant and respondent): still one dispute.
  await party(x1, 'person', p1, 'applicant');
  await party(x1, 'person', p1, 'respondent');
  await party(x2, 'person', p1);
  await party(x3, 'person', p1);
  await party(x1, 'person', p2);
  await party(x2, 'person', p2);
  await party(x1, 'person', p3);
  await party(x3, 'person', p3);
  await party(old, 'person', p3);
  for (const x of [x1, x2, x3]) await party(x, 'enterprise', ent.id);
});
afterAll(() => t.close());

describe('periods', () => {
  it('default to the last 12 calendar months; a year earlier keeps 28 February', () => {
    const p = resolvePeriod({}, new Date('2026-11-29T20:00:00Z'));
    expect([p.from, p.to, p.months.length]).toEqual(['2025-12-01', '2026-11-30', 12]);
    expect(p.start.toISOString()).toBe('2025-11-30T16:00:00.000Z');
    const leap = yearEarlier(resolvePeriod({ from: '2024-02-29', to: '2024-03-15' }));
    expect([leap.from, leap.to]).toEqual(['2023-02-28', '2023-03-15']);
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(partiesWindow(12, new Date('2026-11-29T12:00:00Z'))).toMatchObject({
      from: '2025-11-30',
      to: '2026-11-29',
    });
    expect([yoy(3, 2), yoy(1, 0), yoy(0, 4)]).toEqual([50, null, -100]);
    expect(PENDING_STATES).toEqual(['registered', 'assessing', 'resolving']);
  });
});

describe('category × area × month', () => {
  it('counts each child area of the county by category and CST month, with last year alongside', async () => {
    const m = await ok<Matrix>('county', `/api/disputes/analysis/matrix?areaCode=${LUCHENG}&${PERIOD}`);
    expect(m.months.map((x) => x.month)).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(m.areas.filter((a) => !a.own).map((a) => a.code)).toContain(QIDU);
    expect(m.areas.some((a) => a.own)).toBe(false);

    expect(cell(m, 'neighbour', WUMA)).toMatchObject({ count: 3, lastYear: 2, yoy: 50, months: [1, 1, 1] });
    expect(cell(m, 'labour', WUMA)).toMatchObject({ count: 1, lastYear: 0, yoy: null, months: [0, 0, 1] });
    expect(cell(m, 'labour', QIDU)).toMatchObject({ count: 2, lastYear: 1, yoy: 100, months: [0, 1, 1] });
    expect(cell(m, 'contract', QIDU)).toMatchObject({ count: 1, lastYear: 0, months: [0, 0, 1] });
    expect(m.cells).toHaveLength(4);

    expect(m.total).toMatchObject({ count: 7, lastYear: 3, months: [1, 2, 4], lastYearMonths: [1, 1, 1] });
    expect(m.byCategory.find((x) => x.category === 'labour')).toMatchObject({ count: 3, lastYear: 1 });
    expect(m.byCategory).toHaveLength(16);
    expect(m.byArea.find((x) => x.areaCode === QIDU)).toMatchObject({ count: 3, lastYear: 1 });
    expect(m.byArea.find((x) => x.areaCode === '330302024000')).toMatchObject({ count: 0, yoy: null });

    // Every figure opens the list of the disputes behind it.
    expect(cell(m, 'labour', QIDU)!.link).toBe(
      `/disputes?category=labour&areaCode=${QIDU}&from=2026-01-01&to=2026-03-31`,
    );
    expect(cell(m, 'labour', QIDU)!.lastYearLink).toContain('from=2025-01-01&to=2025-03-31');
  });

  it('at a town, splits by village, the town’s own disputes apart (本级); grids roll up into villages', async () => {
    const m = await ok<Matrix>('wuma', `/api/disputes/analysis/matrix?${PERIOD}`);
    expect(m.area.code).toBe(WUMA);
    expect(m.areas[0]).toMatchObject({ code: WUMA, own: true });
    expect(cell(m, 'neighbour', GULOU)).toMatchObject({ count: 2, lastYear: 2, yoy: 0, months: [1, 0, 1] });
    expect(cell(m, 'neighbour', MOCHI)).toMatchObject({ count: 1, lastYear: 0 });
    expect(cell(m, 'labour', WUMA)).toMatchObject({ count: 1 });
    expect(m.total.count).toBe(4);
  });

  it('keeps each user to their own area', async () => {
    // The town centre sees no other town, and no figure of the county it belongs to.
    expect((await get('wuma', `/api/disputes/analysis/matrix?areaCode=${QIDU}&${PERIOD}`)).statusCode).toBe(
      404,
    );
    expect(
      (await get('wuma', `/api/disputes/analysis/matrix?areaCode=${LUCHENG}&${PERIOD}`)).statusCode,
    ).toBe(404);
    const m = await ok<Matrix>('wuma', `/api/disputes/analysis/matrix?areaCode=${WUMA}&${PERIOD}`);
    expect(m.cells.every((x) => x.areaCode.startsWith('330302006'))).toBe(true);
    // The command centre sees the city by county; 鹿城 holds all seven.
    const city = await ok<Matrix>('city', `/api/disputes/analysis/matrix?${PERIOD}`);
    expect(city.area.code).toBe('330300000000');
    expect(city.byArea.find((x) => x.areaCode === LUCHENG)).toMatchObject({ count: 7, lastYear: 3 });
    // Roles without matter:read are refused.
    for (const who of ['enterprise', 'auditor']) {
      const r = await get(who, `/api/disputes/analysis/matrix?${PERIOD}`);
      expect(r.statusCode).toBe(403);
      expect(r.json().code).toBe('FORBIDDEN');
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/disputes/analysis/matrix' })).statusCode).toBe(
      401,
    );
  });

  it('refuses inverted, overlong and malformed periods and unknown areas with typed errors', async () => {
    const inverted = await get('county', '/api/disputes/analysis/matrix?from=2026-03-01&to=2026-01-31');
    expect(inverted.statusCode).toBe(400);
    expect(inverted.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: '开始日期晚于结束日期 / The start date is after the end date',
      details: [{ path: 'querystring.from' }],
    });
    const long = await get('county', '/api/disputes/analysis/resolution?from=2023-01-01&to=2026-01-31');
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toContain(`${MAX_MONTHS}`);
    expect(
      (await get('county', '/api/disputes/analysis/matrix?from=2023-02-01&to=2026-01-31')).statusCode,
    ).toBe(200);
    for (const q of ['from=2026-02-30', 'to=yesterday', 'areaCode=3303', 'from=1999-12-31']) {
      const r = await get('county', `/api/disputes/analysis/matrix?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().code).toBe('VALIDATION_FAILED');
    }
    const unknown = await get('county', '/api/disputes/analysis/sources?areaCode=330302999000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('NOT_FOUND');
  });
});

describe('sources', () => {
  interface Source {
    code: string;
    records: number;
    disputes: number;
    merged: number;
    mergedShare: number | null;
    lastReceivedAt: string | null;
    lastReportedAt: string | null;
    silent: boolean;
    months: number[];
    link: string;
  }
  it('lists every source, those without a record too, with merges and the last record received', async () => {
    const s = await ok<{ items: Source[]; silentDays: number }>(
      'county',
      `/api/disputes/analysis/sources?areaCode=${LUCHENG}&${PERIOD}`,
    );
    const by = (code: string) => s.items.find((x) => x.code === code)!;
    expect(by('ta_police')).toMatchObject({
      records: 3,
      disputes: 3,
      merged: 1,
      mergedShare: 0.3333,
      months: [1, 1, 1],
      silent: true,
      lastReportedAt: '2026-02-28T22:00:00.000Z',
      link: `/disputes?source=ta_police&areaCode=${LUCHENG}&from=2026-01-01&to=2026-03-31`,
    });
    // Its last record fed a dispute before the period: liveness looks past the period.
    expect(Date.now() - Date.parse(by('ta_police').lastReceivedAt!)).toBeLessThan(21 * DAY);
    expect(by('ta_court')).toMatchObject({
      records: 2,
      disputes: 2,
      merged: 1,
      mergedShare: 0.5,
      silent: false,
    });
    expect(by('ta_court').months).toEqual([1, 1, 0]);
    expect(by('ta_silent')).toMatchObject({
      records: 0,
      disputes: 0,
      mergedShare: null,
      lastReceivedAt: null,
      silent: true,
      months: [0, 0, 0],
    });
    expect(s.items.map((x) => x.code)).toEqual(expect.arrayContaining(['open311', 'web']));
    expect(s.silentDays).toBe(7);
  });

  it('counts only records on disputes the user may see', async () => {
    const s = await ok<{ items: Source[] }>('wuma', `/api/disputes/analysis/sources?${PERIOD}`);
    const court = s.items.find((x) => x.code === 'ta_court')!;
    // E (in 七都) is not the town's: only A's record remains, and it is merged with the police's.
    expect(court).toMatchObject({ records: 1, disputes: 1, merged: 1 });
  });
});

describe('repeat parties', () => {
  interface Party {
    subjectType: string;
    subjectId: string;
    name: string;
    disputes: number;
    categories: string[];
    link: string;
  }
  interface Page {
    total: number;
    items: Party[];
    nextCursor: string | null;
    from: string;
    to: string;
  }
  it('finds persons and enterprises in at least N disputes in the last M months, names masked', async () => {
    const p = await ok<Page>('county', `/api/disputes/analysis/repeat-parties?areaCode=${LUCHENG}`);
    expect(p.total).toBe(2);
    expect(p.items.map((x) => [x.subjectType, x.disputes])).toEqual([
      ['enterprise', 3],
      ['person', 3],
    ]);
    const p1 = p.items[1]!;
    expect(p1).toMatchObject({ subjectId: ids.p1, name: '张**', categories: ['neighbour', 'business'] });
    expect(p1.link).toBe(
      `/disputes?subject=person%3A${ids.p1}&areaCode=${LUCHENG}&from=${p.from}&to=${p.to}`,
    );
    expect(p.items[0]).toMatchObject({ name: '温州测试鞋业有限公司', subjectId: ids.e1 });
    // P2 has two disputes; P3's third is 400 days old: both appear only with a lower bar or a longer window.
    const two = await ok<Page>(
      'county',
      '/api/disputes/analysis/repeat-parties?minDisputes=2&subjectType=person',
    );
    expect(two.items.map((x) => x.subjectId).sort()).toEqual([ids.p1, ids.p2, ids.p3].sort());
    const longer = await ok<Page>(
      'county',
      '/api/disputes/analysis/repeat-parties?months=24&subjectType=person',
    );
    expect(longer.items.map((x) => x.subjectId).sort()).toEqual([ids.p1, ids.p3].sort());
  });

  it('pages by keyset, with a bounded limit', async () => {
    const first = await ok<Page>('county', '/api/disputes/analysis/repeat-parties?limit=1');
    expect(first.items.map((x) => x.subjectType)).toEqual(['enterprise']);
    const second = await ok<Page>(
      'county',
      `/api/disputes/analysis/repeat-parties?limit=1&cursor=${first.nextCursor}`,
    );
    expect(second.items.map((x) => x.subjectId)).toEqual([ids.p1]);
    expect(second.total).toBe(2);
    expect(second.nextCursor).toBeNull();
    expect((await get('county', '/api/disputes/analysis/repeat-parties?limit=500')).statusCode).toBe(400);
    expect((await get('county', '/api/disputes/analysis/repeat-parties?cursor=bm9wZQ')).statusCode).toBe(400);
    expect((await get('county', '/api/disputes/analysis/repeat-parties?minDisputes=1')).statusCode).toBe(400);
  });
});

describe('化解率', () => {
  interface Res {
    code?: string;
    own?: boolean;
    total: number;
    settled: number;
    resolved: number;
    rate: number | null;
    open: number;
    overdue: number;
    links: Record<string, string>;
  }
  it('is resolved ÷ settled per child area, null (无数据) where nothing is settled', async () => {
    const r = await ok<{ items: Res[]; total: Res }>(
      'county',
      `/api/disputes/analysis/resolution?areaCode=${LUCHENG}&${PERIOD}`,
    );
    const wuma = r.items.find((x) => x.code === WUMA)!;
    expect(wuma).toMatchObject({ total: 4, settled: 3, resolved: 2, rate: 0.6667, open: 1, overdue: 1 });
    expect(wuma.links.resolved).toBe(
      `/disputes?areaCode=${WUMA}&from=2026-01-01&to=2026-03-31&outcome=resolved`,
    );
    expect(wuma.links.settled).toContain('outcome=settled');
    expect(wuma.links.overdue).toContain('/matters?type=dispute&');
    expect(wuma.links.open).toBe(`/disputes?areaCode=${WUMA}&from=2026-01-01&to=2026-03-31&outcome=open`);
    const qidu = r.items.find((x) => x.code === QIDU)!;
    expect(qidu).toMatchObject({ total: 3, settled: 0, resolved: 0, rate: null, open: 2, overdue: 0 });
    expect(r.items.find((x) => x.code === '330302024000')).toMatchObject({ total: 0, rate: null });
    expect(r.total).toMatchObject({ total: 7, settled: 3, resolved: 2, open: 3, overdue: 1 });
  });
});

describe('Excel downloads', () => {
  it('hold the same numbers as the tables, with Chinese headers', async () => {
    const m = await ok<Matrix>('county', `/api/disputes/analysis/matrix?areaCode=${LUCHENG}&${PERIOD}`);
    const wb = await workbook('county', `/api/disputes/analysis/matrix.xlsx?areaCode=${LUCHENG}&${PERIOD}`);
    const heat = rowsOf(wb.worksheets[0]!);
    expect(String(heat[0]![0])).toContain('区域');
    expect(heat[0]).toContain('邻里');
    const col = (h: string) => heat[0]!.indexOf(h);
    const qiduRow = heat.find((r) => r[1] === QIDU)!;
    expect(qiduRow[col('劳动争议')]).toBe(2);
    expect(qiduRow[col('合同')]).toBe(1);
    expect(qiduRow[col('合计 Total')]).toBe(3);
    const totalRow = heat.at(-1)!;
    expect(totalRow[col('合计 Total')]).toBe(m.total.count);
    expect(totalRow[col('去年同期 Last year')]).toBe(m.total.lastYear);
    const detail = rowsOf(wb.worksheets[1]!);
    expect(detail).toHaveLength(m.cells.length + 1);
    expect(detail.find((r) => r[0] === '邻里' && r[2] === WUMA)).toEqual([
      '邻里',
      '五马街道',
      WUMA,
      3,
      2,
      '50%',
      1,
      1,
      1,
    ]);

    const s = rowsOf(
      (await workbook('county', `/api/disputes/analysis/sources.xlsx?areaCode=${LUCHENG}&${PERIOD}`))
        .worksheets[0]!,
    );
    expect(String(s[0]![0])).toContain('来源');
    const police = s.find((r) => r[1] === 'ta_police')!;
    expect(police.slice(2, 6)).toEqual([3, 3, 1, '33.3%']);
    expect(s.find((r) => r[1] === 'ta_silent')!.slice(2, 9)).toEqual([0, 0, 0, '无数据', '无', '无', '是']);

    const p = rowsOf(
      (await workbook('county', `/api/disputes/analysis/repeat-parties.xlsx?areaCode=${LUCHENG}`))
        .worksheets[0]!,
    );
    expect(p).toHaveLength(3);
    expect(p[2]!.slice(0, 5)).toEqual(['个人', ids.p1, '张**', 3, '邻里、生产经营']);

    const r = rowsOf(
      (await workbook('county', `/api/disputes/analysis/resolution.xlsx?areaCode=${LUCHENG}&${PERIOD}`))
        .worksheets[0]!,
    );
    expect(String(r[0]![5])).toContain('化解率');
    expect(r.find((x) => x[1] === WUMA)!.slice(2, 8)).toEqual([4, 3, 2, '66.7%', 1, 1]);
    expect(r.find((x) => x[1] === QIDU)![5]).toBe('无数据');

    // Errors come before the download starts, as JSON.
    const bad = await get('county', '/api/disputes/analysis/matrix.xlsx?from=2026-03-01&to=2026-01-01');
    expect(bad.statusCode).toBe(400);
    expect((await get('enterprise', '/api/disputes/analysis/resolution.xlsx')).statusCode).toBe(403);
    // Each download is audited.
    const audited = await t.kernel.db
      .selectFrom('audit_log')
      .select('entity_id')
      .where('action', '=', 'dispute.analysis.export')
      .execute();
    expect(audited.map((a) => a.entity_id).sort()).toEqual([
      'matrix',
      'repeat-parties',
      'resolution',
      'sources',
    ]);
  });
});

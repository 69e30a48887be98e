import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { PDFDocument, PDFName } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedReportDemo } from '../../cli/seed/report.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { kdb } from '../court/court.tables.ts';
import { gdb } from '../grid/grid.tables.ts';
import { parsePeriod, previousPeriod } from './report.periods.ts';
import { rdb } from './report.tables.ts';

/**
 * 平安报表 through HTTP on a real database: every platform indicator against a count made by hand (or the
 * owning module's own page), imported figures summed over a quarter and five years, 无数据 for an empty period,
 * year-on-year, scope, the import with bad rows (row numbers and reasons; valid rows land; a re-import updates),
 * drill-downs whose totals are the figure's denominator or count, and the PDF and Excel exports of 数说五年.
 */
const CITY = '330300000000';
const LUCHENG = '330302000000';
const LONGWAN = '330303000000';
const WUMA = '330302006000';
const GULOU = '330302006044';
const GULOU_GRID = '330302006044001';
const QIDU = '330302023000';
const Q = 'period=2025-Q1';

let t: TestContext;
const c: Record<string, string> = {};
let n = 0;

type Json = Record<string, unknown> & { items: Record<string, unknown>[] };

async function get(who: string, url: string) {
  return t.app.inject({ method: 'GET', url, headers: { cookie: c[who]! } });
}
async function ok(who: string, url: string): Promise<Json> {
  const r = await get(who, url);
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as Json;
}
const row = (r: Json, code: string) => {
  const found = r.items.find((i) => i.code === code);
  if (!found) throw new Error(`no indicator ${code}`);
  return found as Record<string, unknown> & {
    value: number | null;
    numerator: number | null;
    denominator: number | null;
    lastYear: { value: number | null };
    change: number | null;
  };
};

async function upload(who: string, filename: string, body: Buffer, type = 'text/csv') {
  const boundary = `----zhili${Date.now()}${n++}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    body,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return t.app.inject({
    method: 'POST',
    url: '/api/report/imports',
    headers: { cookie: c[who]!, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload,
  });
}

async function matter(o: {
  type: string;
  category: string;
  areaCode: string;
  at: string;
  status: string;
  closed?: boolean;
  closedAt?: string;
  payload?: Record<string, unknown>;
}): Promise<string> {
  n++;
  const r = await t.kernel.db
    .insertInto('matters')
    .values({
      number: `RP-TEST-${String(n).padStart(4, '0')}`,
      type: o.type,
      category: o.category,
      title: `测试 ${o.type} ${n}`,
      status: o.status,
      closed: o.closed ?? false,
      closed_at: o.closedAt ? new Date(o.closedAt) : null,
      area_code: o.areaCode,
      dispatcher_area_code: o.areaCode.slice(0, 9).padEnd(12, '0'),
      payload: JSON.stringify(
        o.payload ?? { peopleInvolved: 1, mass: false, riskLevel: 'low', parties: [], sources: [] },
      ),
      created_at: new Date(o.at),
      state_entered_at: new Date(o.at),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

const dispute = (areaCode: string, at: string, status: string) =>
  matter({
    type: 'dispute',
    category: 'neighbour',
    areaCode,
    at,
    status,
    closed: status === 'closed' || status === 'closed_unresolved',
  });

/** The text of a pdf-lib PDF drawn with one Type0 font: glyph ids mapped back by its ToUnicode CMap. */
async function extractText(bytes: Uint8Array): Promise<string> {
  const { inflateSync } = await import('node:zlib');
  const doc = await PDFDocument.load(bytes);
  const map = new Map<string, string>();
  const streamText = (s: unknown) => {
    const st = s as { getContents(): Uint8Array; dict: { get(k: PDFName): unknown } };
    const raw = Buffer.from(st.getContents());
    const filter = String(st.dict.get(PDFName.of('Filter')) ?? '');
    return (filter.includes('FlateDecode') ? inflateSync(raw) : raw).toString('latin1');
  };
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    const o = obj as { dict?: { get(k: PDFName): unknown }; getContents?: () => Uint8Array };
    if (!o.dict || !o.getContents) continue;
    if (String(o.dict.get(PDFName.of('Subtype')) ?? '') === '/Image') continue;
    const s = streamText(o);
    if (!s.includes('beginbfchar') && !s.includes('beginbfrange')) continue;
    for (const m of s.matchAll(/<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>/g)) {
      const hex = m[2]!;
      const units: number[] = [];
      for (let i = 0; i < hex.length; i += 4) units.push(Number.parseInt(hex.slice(i, i + 4), 16));
      map.set(m[1]!.toUpperCase(), String.fromCharCode(...units));
    }
  }
  let text = '';
  for (const page of doc.getPages()) {
    const contents = page.node.Contents();
    const streams: unknown[] = [];
    if (contents && 'asArray' in contents) {
      for (const ref of (contents as { asArray(): unknown[] }).asArray())
        streams.push(doc.context.lookup(ref as never));
    } else if (contents) streams.push(contents);
    for (const s of streams) {
      for (const m of streamText(s).matchAll(/<([0-9A-Fa-f]+)>\s*Tj/g)) {
        const hex = m[1]!;
        for (let i = 0; i < hex.length; i += 4) text += map.get(hex.slice(i, i + 4).toUpperCase()) ?? '?';
      }
    }
  }
  return text;
}

const hand: Record<string, number> = {};

beforeAll(async () => {
  t = await createTestContext();
  const users: [string, Parameters<TestContext['userSession']>[0]][] = [
    ['admin', { username: 'r_admin', role: 'city_admin', areaCode: CITY }],
    ['county', { username: 'r_county', role: 'county_center', areaCode: LUCHENG, departmentCode: 'zongzhi' }],
    ['town', { username: 'r_town', role: 'town_center', areaCode: WUMA, departmentCode: 'zongzhi' }],
    ['otherTown', { username: 'r_other', role: 'town_center', areaCode: QIDU, departmentCode: 'zongzhi' }],
    ['grid', { username: 'r_grid', role: 'grid_worker', areaCode: GULOU }],
    ['auditor', { username: 'r_auditor', role: 'auditor', areaCode: CITY }],
  ];
  for (const [k, u] of users) c[k] = await t.userSession(u);

  // Disputes in 2025 Q1 under 五马 (3 settled: 2 resolved), one still open, one in 七都; last year one resolved.
  await dispute(GULOU, '2025-01-10T09:00:00+08:00', 'resolved');
  await dispute(GULOU_GRID, '2025-02-10T09:00:00+08:00', 'closed');
  await dispute(GULOU, '2025-03-10T09:00:00+08:00', 'unresolved');
  await dispute(GULOU, '2025-03-11T09:00:00+08:00', 'registered');
  await dispute(`${QIDU.slice(0, 9)}001`, '2025-02-01T09:00:00+08:00', 'resolved');
  await dispute(GULOU, '2024-02-10T09:00:00+08:00', 'unresolved');
  await dispute(GULOU, '2025-04-01T00:00:00+08:00', 'resolved'); // Q2: outside

  // Major hazards (the hazard module's matter type): 2 reported under 五马 in Q1, 1 closed; a general one apart.
  const hazard = (areaCode: string, at: string, status: string, severity: string) =>
    matter({
      type: 'hazard',
      category: 'fire',
      areaCode,
      at,
      status,
      closed: status === 'closed',
      payload: { severity },
    });
  await hazard(GULOU, '2025-01-05T10:00:00+08:00', 'closed', 'major');
  await hazard(GULOU, '2025-02-05T10:00:00+08:00', 'rectifying', 'major');
  await hazard(GULOU, '2025-02-06T10:00:00+08:00', 'closed', 'general');

  // 指令 tasks: signed after 10 and 30 minutes, one closed after 2 hours; one never signed.
  const task = async (at: string, signAfterMin: number | null, closeAfterH: number | null) => {
    const start = new Date(at);
    const id = await matter({
      type: 'task',
      category: 'dispatch',
      areaCode: GULOU,
      at,
      status: closeAfterH === null ? 'signed' : 'closed',
      closed: closeAfterH !== null,
      closedAt:
        closeAfterH === null ? undefined : new Date(start.getTime() + closeAfterH * 3_600_000).toISOString(),
      payload: {},
    });
    if (signAfterMin !== null) {
      await t.kernel.db
        .insertInto('matter_timeline')
        .values({
          matter_id: id,
          at: new Date(start.getTime() + signAfterMin * 60_000),
          actor_name: '测试',
          action: 'sign',
          from_status: 'issued',
          to_status: 'signed',
          data: JSON.stringify({}),
        })
        .execute();
    }
  };
  await task('2025-01-20T09:00:00+08:00', 10, 2);
  await task('2025-02-20T09:00:00+08:00', 30, null);
  await task('2025-03-20T09:00:00+08:00', null, null);

  // Alerts by level.
  const alert = (level: string, at: string) =>
    matter({
      type: 'alert',
      category: 'extreme_emotion',
      areaCode: GULOU,
      at,
      status: 'open',
      payload: { level },
    });
  await alert('red', '2025-01-02T09:00:00+08:00');
  await alert('red', '2025-03-02T09:00:00+08:00');
  await alert('yellow', '2025-03-03T09:00:00+08:00');
  await alert('red', '2024-03-02T09:00:00+08:00');

  // Courts and stations: two courts before the end of Q1 2025 (one in 七都), one after; one station.
  const k = kdb(t.kernel.db);
  for (const [name, area, at] of [
    ['鼓楼共享法庭', GULOU, '2024-06-01T00:00:00+08:00'],
    ['七都共享法庭', QIDU, '2025-01-01T00:00:00+08:00'],
    ['五马共享法庭', WUMA, '2025-06-01T00:00:00+08:00'],
  ] as const) {
    await k
      .insertInto('court_courts')
      .values({ name, kind: 'village', area_code: area, liaison_name: '王', created_at: new Date(at) })
      .execute();
  }
  await k
    .insertInto('court_stations')
    .values({ name: '鼓楼心理服务站', area_code: GULOU, created_at: new Date('2024-01-01T00:00:00+08:00') })
    .execute();

  // 入格: a 网格长 of the 鼓楼 grid since 2025-01-01, checked in on 45 of the 90 days of Q1.
  const g = gdb(t.kernel.db);
  const member = await g
    .insertInto('grid_members')
    .values({ area_code: GULOU_GRID, role: 'leader', name: '测试网格长', since: '2025-01-01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const rows = [];
  for (let d = 0; d < 90; d += 2) {
    const day = new Date(Date.UTC(2025, 0, 1 + d)).toISOString().slice(0, 10);
    rows.push({
      member_id: member.id,
      area_code: GULOU_GRID,
      role: 'leader',
      period: 'day' as const,
      period_start: day,
      at: new Date(`${day}T09:00:00+08:00`),
      lng: 120.65,
      lat: 28.01,
      accuracy_m: 10,
    });
  }
  await g.insertInto('grid_checkins').values(rows).execute();
  hand.checkins = rows.length;
});

afterAll(async () => {
  await t?.close();
});

describe('periods', () => {
  it('parses month, quarter, year and five years, and their comparison periods', () => {
    expect(parsePeriod('2025-02')).toMatchObject({ kind: 'month', from: '2025-02-01', to: '2025-02-28' });
    expect(parsePeriod('2024-Q1')).toMatchObject({ kind: 'quarter', from: '2024-01-01', to: '2024-03-31' });
    expect(parsePeriod('2025').end.toISOString()).toBe('2025-12-31T16:00:00.000Z');
    expect(parsePeriod('2021-2025')).toMatchObject({ kind: 'five', years: [2021, 2022, 2023, 2024, 2025] });
    expect(previousPeriod(parsePeriod('2025-Q3')).key).toBe('2024-Q3');
    expect(previousPeriod(parsePeriod('2021-2025')).key).toBe('2016-2020');
    for (const bad of ['2025-13', '2025-Q5', '2021-2024', '1999', 'x'])
      expect(() => parsePeriod(bad)).toThrow();
  });

  it('refuses a bad period with a typed 400, a five-year page with a year', async () => {
    const r = await get('admin', '/api/report?period=2025-13');
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('INVALID_TIME_RANGE');
    const v = await get('admin', '/api/report?period=abc');
    expect(v.statusCode).toBe(400);
    const f = await get('admin', '/api/report/five-years?period=2025');
    expect(f.statusCode).toBe(400);
    expect(f.json().code).toBe('INVALID_TIME_RANGE');
  });
});

describe('platform indicators', () => {
  it('equal counts made by hand and the owning modules’ pages', async () => {
    const r = await ok('admin', `/api/report?areaCode=${WUMA}&${Q}`);
    expect(r.period).toMatchObject({ key: '2025-Q1', from: '2025-01-01', to: '2025-03-31' });
    expect(r.lastYear).toMatchObject({ key: '2024-Q1' });

    // 化解率: resolved + closed ÷ those with an outcome, under 五马 in Q1.
    const d = row(r, 'dispute_resolution');
    expect(d).toMatchObject({ numerator: 2, denominator: 3, value: 66.67 });
    expect(d.lastYear).toMatchObject({ value: 0, denominator: 1 });
    expect(d.change).toBe(66.67); // percentage points
    const analysis = (await ok(
      'admin',
      `/api/disputes/analysis/resolution?areaCode=${WUMA}&from=2025-01-01&to=2025-03-31`,
    )) as unknown as { total: { settled: number; resolved: number } };
    expect([analysis.total.resolved, analysis.total.settled]).toEqual([d.numerator, d.denominator]);

    expect(row(r, 'hazard_major_rectification')).toMatchObject({ numerator: 1, denominator: 2, value: 50 });

    // 入格率: the grid report's own figure for the same area and days.
    const grid = (await ok(
      'admin',
      `/api/grid/report?areaCode=${WUMA}&from=2025-01-01&to=2025-03-31`,
    )) as unknown as {
      totals: { required: number; done: number; share: number | null };
    };
    expect(grid.totals).toMatchObject({ required: 90, done: hand.checkins });
    expect(row(r, 'grid_checkin')).toMatchObject({
      numerator: grid.totals.done,
      denominator: grid.totals.required,
      value: Math.round(grid.totals.share! * 10_000) / 100,
    });

    // Registries at the end of the period: the 七都 court is not under 五马, the June court came later.
    expect(row(r, 'courts')).toMatchObject({ value: 1 });
    expect(row(r, 'psych_stations')).toMatchObject({ value: 1 });
    const city = await ok('admin', `/api/report?areaCode=${CITY}&${Q}`);
    expect(row(city, 'courts').value).toBe(2);
    expect(row(city, 'courts').lastYear.value).toBe(0);

    // Tasks: median of 10 and 30 minutes; one closed after 2 hours.
    expect(row(r, 'task_sign_minutes')).toMatchObject({ value: 20, denominator: 2 });
    expect(row(r, 'task_close_hours')).toMatchObject({ value: 2, denominator: 1 });

    expect(row(r, 'alerts_red')).toMatchObject({ value: 2 });
    expect(row(r, 'alerts_red').lastYear.value).toBe(1);
    expect(row(r, 'alerts_red').change).toBe(100);
    expect(row(r, 'alerts_yellow')).toMatchObject({ value: 1 });
    expect(row(r, 'alerts_orange')).toMatchObject({ value: 0 });
  });

  it('shows 无数据 (null), never 0 %, for a period with nothing to compute from', async () => {
    const r = await ok('admin', `/api/report?areaCode=${WUMA}&period=2023-Q1`);
    for (const code of [
      'dispute_resolution',
      'hazard_major_rectification',
      'grid_checkin',
      'task_sign_minutes',
    ]) {
      expect(row(r, code).value, code).toBeNull();
      expect(row(r, code).change, code).toBeNull();
    }
    expect(row(r, 'homicide_cases').value).toBeNull();
    // A period that has not begun has no data for counts either.
    const future = await ok('admin', `/api/report?areaCode=${WUMA}&period=2099`);
    expect(row(future, 'courts').value).toBeNull();
    expect(row(future, 'alerts_red').value).toBeNull();
  });

  it('drill-downs list exactly the records behind each figure', async () => {
    const base = `areaCode=${WUMA}&${Q}`;
    const r = await ok('admin', `/api/report?${base}`);
    const drill = async (code: string, extra = '') =>
      (await ok('admin', `/api/report/indicators/${code}/records?${base}&limit=200${extra}`)) as Json & {
        total: number;
      };
    const d = await drill('dispute_resolution');
    expect(d.total).toBe(row(r, 'dispute_resolution').denominator);
    expect(d.items.reduce((s, i) => s + Number(i.value), 0)).toBe(row(r, 'dispute_resolution').numerator);
    expect(String(d.items[0]!.link)).toMatch(/^\/disputes\/\d+$/);
    const h = await drill('hazard_major_rectification');
    expect(h.total).toBe(2);
    expect(String(h.items[0]!.link)).toMatch(/^\/matters\/\d+$/);
    const g = await drill('grid_checkin');
    expect(g.items.reduce((s, i) => s + Number(i.value), 0)).toBe(row(r, 'grid_checkin').denominator);
    expect(g.items.reduce((s, i) => s + Number(i.done), 0)).toBe(row(r, 'grid_checkin').numerator);
    expect((await drill('courts')).total).toBe(row(r, 'courts').value);
    expect((await drill('alerts_red')).total).toBe(2);
    expect((await drill('alerts_red', '&lastYear=true')).total).toBe(1);
    const tasks = await drill('task_sign_minutes');
    expect(tasks.total).toBe(2);
    expect(tasks.items.map((i) => i.value).sort()).toEqual([10, 30]);
    // Paging.
    const p1 = await ok('admin', `/api/report/indicators/dispute_resolution/records?${base}&limit=2`);
    const p2 = await ok(
      'admin',
      `/api/report/indicators/dispute_resolution/records?${base}&limit=2&offset=2`,
    );
    expect(p1.items.length + p2.items.length).toBe(3);
    expect((await get('admin', `/api/report/indicators/nope/records?${base}`)).statusCode).toBe(404);
    expect((await get('admin', `/api/report/indicators/courts/records?${base}&limit=5000`)).statusCode).toBe(
      400,
    );
  });

  it('keeps each user to their own area, as 纠纷分析 does (outside the scope: 404)', async () => {
    const own = await ok('town', `/api/report?${Q}`);
    expect((own.area as { code: string }).code).toBe(WUMA);
    expect(row(own, 'dispute_resolution').denominator).toBe(3);
    for (const area of [QIDU, CITY, LUCHENG]) {
      const r = await get('town', `/api/report?areaCode=${area}&${Q}`);
      expect(r.statusCode, area).toBe(404);
    }
    expect(
      (await get('town', `/api/report/indicators/courts/records?areaCode=${QIDU}&${Q}`)).statusCode,
    ).toBe(404);
    expect((await get('otherTown', `/api/report/five-years.pdf?areaCode=${WUMA}`)).statusCode).toBe(404);
    // The other town sees its own dispute only.
    const other = await ok('otherTown', `/api/report?${Q}`);
    expect(row(other, 'dispute_resolution')).toMatchObject({ numerator: 1, denominator: 1 });
    // No permission: a grid worker or an auditor.
    expect((await get('grid', `/api/report?${Q}`)).statusCode).toBe(403);
    expect((await get('auditor', `/api/report?${Q}`)).statusCode).toBe(403);
    expect((await get('auditor', '/api/report/imports/template')).statusCode).toBe(403);
  });
});

describe('imported statistics', () => {
  const CSV = [
    '指标,区域代码,月份,数值,来源部门',
    `homicide_cases,${LUCHENG},2025-01,3,市公安局`, // 2
    `命案数,${LUCHENG},2025-02,2,市公安局`, // 3: by its Chinese name
    `homicide_cases,${LUCHENG},2025-03,1.5,市公安局`, // 4: not a whole number
    `unknown_x,${LUCHENG},2025-01,1,`, // 5
    'homicide_cases,330399999999,2025-01,1,', // 6: no such area
    `homicide_cases,${LUCHENG},2025-13,1,`, // 7
    `fraud_recovered,${LUCHENG},2025年1月,120.5,市公安局`, // 8
    `homicide_cases,${LUCHENG},2025-01,9,`, // 9: repeats row 2
    `homicide_cases,${LONGWAN},2025-01,4,市公安局`, // 10
    `homicide_cases,${LUCHENG},2099-01,1,`, // 11: future
    `homicide_cases,${LUCHENG},2024-01,10,市公安局`, // 12: last year
    `homicide_cases,${LUCHENG},,-1,`, // 13: month missing, negative value
  ].join('\r\n');

  it('lands every valid row and reports each bad one by row, field and reason (GBK file)', async () => {
    const r = await upload('admin', '命案统计.csv', iconv.encode(CSV, 'gbk'));
    expect(r.statusCode, r.body).toBe(201);
    const b = r.json();
    expect(b).toMatchObject({ format: 'csv', encoding: 'gb18030', rowsTotal: 12, inserted: 5, updated: 0 });
    const errs = (b.errors as { row: number; field: string; code: string }[]).map((e) => [
      e.row,
      e.field,
      e.code,
    ]);
    expect(errs).toEqual([
      [4, '数值', 'VALUE_NOT_INTEGER'],
      [5, '指标', 'INDICATOR_UNKNOWN'],
      [6, '区域代码', 'AREA_UNKNOWN'],
      [7, '月份', 'MONTH_INVALID'],
      [9, '指标', 'DUPLICATE_ROW'],
      [11, '月份', 'MONTH_IN_FUTURE'],
      [13, '月份', 'REQUIRED'],
      [13, '数值', 'VALUE_INVALID'],
    ]);
    expect(b.rejected).toBe(8);

    const lc = await ok('admin', `/api/report?areaCode=${LUCHENG}&${Q}`);
    expect(row(lc, 'homicide_cases')).toMatchObject({ value: 5, denominator: 2 });
    expect(row(lc, 'homicide_cases').lastYear.value).toBe(10);
    expect(row(lc, 'homicide_cases').change).toBe(-50);
    expect(row(lc, 'fraud_recovered').value).toBe(120.5);
    expect(row(lc, 'fraud_cases').value).toBeNull(); // nothing filed: 无数据
    const city = await ok('admin', `/api/report?areaCode=${CITY}&${Q}`);
    expect(row(city, 'homicide_cases').value).toBe(9);
    const year = await ok('admin', `/api/report?areaCode=${CITY}&period=2025`);
    expect(row(year, 'homicide_cases').value).toBe(9);
    const month = await ok('admin', `/api/report?areaCode=${LUCHENG}&period=2025-02`);
    expect(row(month, 'homicide_cases').value).toBe(2);

    // The drill-down names the file, the row and who imported it; its values sum to the figure.
    const d = (await ok(
      'admin',
      `/api/report/indicators/homicide_cases/records?areaCode=${LUCHENG}&${Q}`,
    )) as Json & {
      total: number;
    };
    expect(d.total).toBe(2);
    expect(d.items.reduce((s, i) => s + Number(i.value), 0)).toBe(5);
    expect(d.items[0]).toMatchObject({
      file: '命案统计.csv',
      row: 2,
      importedBy: 'r_admin',
      department: '市公安局',
    });
    const x = await get(
      'admin',
      `/api/report/indicators/homicide_cases/records.xlsx?areaCode=${LUCHENG}&${Q}`,
    );
    expect(x.statusCode, x.body.slice(0, 200)).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const sheetRows: unknown[][] = [];
    wb.getWorksheet('记录')!.eachRow((r) => sheetRows.push((r.values as unknown[]).slice(1)));
    expect(sheetRows.slice(4).map((r) => [r[4], r[7], r[8]])).toEqual([
      [3, '命案统计.csv', 2],
      [2, '命案统计.csv', 3],
    ]);
    const outside = await get(
      'town',
      `/api/report/indicators/homicide_cases/records.xlsx?areaCode=${LUCHENG}`,
    );
    expect(outside.statusCode).toBe(404);
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'new_values'])
      .where('action', '=', 'report.import')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('re-importing the same file updates instead of adding rows; a changed value replaces the old', async () => {
    const count = async () =>
      Number(
        (
          await rdb(t.kernel.db)
            .selectFrom('report_stats')
            .select((e) => e.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const again = await upload('admin', '命案统计.csv', iconv.encode(CSV, 'gbk'));
    expect(again.json()).toMatchObject({ inserted: 0, updated: 5, rejected: 8 });
    expect(await count()).toBe(before);
    const changed = await upload(
      'admin',
      'fix.csv',
      Buffer.from(`\ufeff指标,区域代码,月份,数值\nhomicide_cases,${LUCHENG},2025-01,7\n`),
    );
    expect(changed.json()).toMatchObject({ encoding: 'utf8', inserted: 0, updated: 1, rejected: 0 });
    expect(await count()).toBe(before);
    const lc = await ok('admin', `/api/report?areaCode=${LUCHENG}&${Q}`);
    expect(row(lc, 'homicide_cases').value).toBe(9);
    const d = await ok(
      'admin',
      `/api/report/indicators/homicide_cases/records?areaCode=${LUCHENG}&period=2025-01`,
    );
    expect(d.items[0]).toMatchObject({ file: 'fix.csv', row: 2, value: 7 });
  });

  it('reads XLSX, refuses a file without the columns or of another kind, and keeps importers to their scope', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('数据');
    ws.addRow(['指标名称', '行政区划代码', '统计月份', '数量', '报送单位']);
    ws.addRow(['涉海涉渔亡人事故数', LUCHENG, new Date(Date.UTC(2025, 0, 1)), 0, '市海洋与渔业局']);
    ws.addRow(['safety_deaths', LONGWAN, '2025-01', 2, '市应急管理局']);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const county = await upload(
      'county',
      's.xlsx',
      xlsx,
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(county.statusCode, county.body).toBe(201);
    expect(county.json()).toMatchObject({ format: 'xlsx', inserted: 1, rejected: 1 });
    expect(county.json().errors[0]).toMatchObject({ row: 3, field: '区域代码', code: 'AREA_OUT_OF_SCOPE' });
    // A filed 0 is a figure (零发生), not 无数据.
    const lc = await ok('county', `/api/report?${Q}`);
    expect(row(lc, 'sea_fishing_deaths').value).toBe(0);

    const noCols = await upload('admin', 'x.csv', Buffer.from('名称,数\n甲,1\n'));
    expect(noCols.statusCode).toBe(400);
    expect(noCols.json().code).toBe('IMPORT_INVALID');
    const binary = await upload('admin', 'x.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0, 0, 0, 1, 2]));
    expect(binary.statusCode).toBe(400);
    expect(binary.json().code).toBe('IMPORT_INVALID');
    expect((await upload('town', 'x.csv', Buffer.from(CSV))).statusCode).toBe(403);

    const list = await ok('county', '/api/report/imports');
    expect(list.total).toBe(1); // the county sees its own batches, not the city's
    const all = await ok('admin', '/api/report/imports');
    expect(all.total).toBe(4);
    const one = await ok('admin', `/api/report/imports/${String(all.items.at(-1)!.id)}`);
    expect((one.errors as unknown[]).length).toBe(8);
  });
});

describe('数说五年', () => {
  it('gives the yearly series, the five-year totals and the change first → last year', async () => {
    const f = await ok('admin', `/api/report/five-years?areaCode=${LUCHENG}&period=2021-2025`);
    expect(f.years).toEqual([2021, 2022, 2023, 2024, 2025]);
    const h = f.items.find((i) => i.code === 'homicide_cases') as unknown as {
      years: { year: number; value: number | null }[];
      total: { value: number };
      change: number;
    };
    expect(h.years.map((y) => y.value)).toEqual([null, null, null, 10, 9]);
    expect(h.total.value).toBe(19);
    expect(h.change).toBe(-10);
    expect((f.headlines as string[]).some((s) => s.includes('命案数') && s.includes('下降10%'))).toBe(true);
    // The five-year figures, built from the yearly ones, equal the report asked for the five years directly.
    const direct = await ok('admin', `/api/report?areaCode=${LUCHENG}&period=2021-2025`);
    for (const i of f.items)
      expect((i.total as { value: unknown }).value, String(i.code)).toBe(row(direct, String(i.code)).value);
    const wuma = await ok('admin', `/api/report/five-years?areaCode=${WUMA}&period=2021-2025`);
    const wumaDirect = await ok('admin', `/api/report?areaCode=${WUMA}&period=2021-2025`);
    for (const i of wuma.items) {
      expect(i.total, String(i.code)).toEqual({
        value: row(wumaDirect, String(i.code)).value,
        numerator: row(wumaDirect, String(i.code)).numerator,
        denominator: row(wumaDirect, String(i.code)).denominator,
      });
    }
  });

  it('exports a PDF whose text holds the figures and the charts as images, audited', async () => {
    const data = await ok('admin', `/api/report/five-years?areaCode=${LUCHENG}&period=2021-2025`);
    const r = await get('admin', `/api/report/five-years.pdf?areaCode=${LUCHENG}&period=2021-2025`);
    expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(String(r.headers['content-disposition'])).toContain('attachment');
    const bytes = r.rawPayload;
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await extractText(bytes);
    expect(text).toContain('数说五年');
    for (const line of data.headlines as string[]) expect(text).toContain(line);
    const doc = await PDFDocument.load(bytes);
    let images = 0;
    for (const [, obj] of doc.context.enumerateIndirectObjects()) {
      const o = obj as { dict?: { get(k: PDFName): unknown } };
      if (o.dict && String(o.dict.get(PDFName.of('Subtype'))) === '/Image') images++;
    }
    expect(images).toBeGreaterThanOrEqual(6);
    const audited = await t.kernel.db
      .selectFrom('audit_log')
      .select(['entity_id'])
      .where('action', '=', 'report.export')
      .execute();
    expect(audited.map((a) => a.entity_id)).toContain('five-years.pdf');
  });

  it('exports a workbook with the figures and the chart images', async () => {
    const r = await get('admin', `/api/report/five-years.xlsx?areaCode=${LUCHENG}&period=2021-2025`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('数说五年')!;
    const rows: unknown[][] = [];
    ws.eachRow((x) => rows.push((x.values as unknown[]).slice(1)));
    const homicide = rows.find((x) => x[0] === '命案数')!;
    expect(homicide.slice(2, 8)).toEqual(['无数据', '无数据', '无数据', 10, 9, 19]);
    const charts = wb.getWorksheet('趋势图')!;
    expect(charts.getImages().length).toBeGreaterThanOrEqual(6);
    const img = wb.getImage(Number(charts.getImages()[0]!.imageId));
    expect(img.extension).toBe('png');
    expect(
      Buffer.from(img.buffer as unknown as Uint8Array)
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('exports the report table to Excel, audited', async () => {
    const r = await get('admin', `/api/report/export?areaCode=${LUCHENG}&${Q}`);
    expect(r.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('平安报表')!;
    const rows: unknown[][] = [];
    ws.eachRow((x) => rows.push((x.values as unknown[]).slice(1)));
    expect(rows.find((x) => x[0] === '命案数')!.slice(2, 3)).toEqual([9]);
    expect(rows.find((x) => x[0] === '电信网络诈骗发案数')![2]).toBe('无数据');
  });
});

describe('demo statistics', () => {
  it('follow the interview’s five-year trends city-wide, with every district and month filed', async () => {
    const areas = await t.kernel.db
      .selectFrom('areas')
      .select(['code', 'parent_code as parentCode', 'level'])
      .where('level', '<=', 2)
      .execute();
    const districts = areas.filter((a) => a.level === 2).length;
    const { rows } = await t.kernel.db.transaction().execute((tx) =>
      seedReportDemo(tx, areas, {
        seed: 7,
        referenceDate: new Date('2016-03-15T12:00:00+08:00'),
        years: 5,
      }),
    );
    // Nine indicators × districts × (60 months + January and February of the reference year).
    expect(rows).toBe(9 * districts * 62);
    const f = await ok('admin', `/api/report/five-years?areaCode=${CITY}&period=2011-2015`);
    const of = (code: string) =>
      f.items.find((i) => i.code === code) as unknown as {
        years: { value: number | null }[];
        total: { value: number | null };
        change: number | null;
      };
    expect(of('homicide_cases').change).toBe(-28.9);
    expect(of('homicide_deaths').change).toBe(-30);
    expect(of('fraud_cases').change).toBe(-49.7);
    expect(of('fraud_recovered').total.value).toBe(72_000);
    expect(of('safety_accidents').change).toBe(-53.5);
    expect(of('safety_deaths').change).toBe(-48.8);
    expect(of('traffic_accidents').change).toBeLessThan(-43);
    expect(of('traffic_deaths').change).toBeLessThan(-43);
    expect(of('sea_fishing_deaths').years.map((y) => y.value)).toEqual([0, 0, 0, 0, 0]);
    // A district's figures carry noise but add up to the city's.
    const lc = await ok('admin', `/api/report/five-years?areaCode=${LUCHENG}&period=2011-2015`);
    const lcHomicide = lc.items.find((i) => i.code === 'homicide_cases') as unknown as {
      total: { value: number };
    };
    expect(lcHomicide.total.value).toBeGreaterThan(0);
    expect(lcHomicide.total.value).toBeLessThan(Number(of('homicide_cases').total.value));
  });
});

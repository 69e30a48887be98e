import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import dayjs from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat.js';
import utc from 'dayjs/plugin/utc.js';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import areaRows from '../../../../data/areas/3303-areas.json' with { type: 'json' };
import { isValidIdCard, isValidUscc } from '../../../core/subjects/codes.ts';
import { DEPARTMENT_SOURCES, type SourceDef } from '../sources.ts';
import {
  FORMULA_TEXT,
  type GenerateOptions,
  type GenerateResult,
  generateDepartmentFiles,
  sourceColumns,
} from './generate.ts';

dayjs.extend(customParseFormat);
dayjs.extend(utc);

type Value = string | number | Date | null;
interface Row {
  rowNo: number;
  cells: Record<string, Value>;
}
interface ReadBack {
  /** Header as the parser names it: a repeated name gets #2, #3. */
  header: string[];
  /** Rows above the header, as text. */
  above: string[][];
  rows: Row[];
}

const ROWS = 3_000;
const BASE: Omit<GenerateOptions, 'dir'> = {
  rows: ROWS,
  seed: 20261129,
  from: new Date('2025-06-01T00:00:00+08:00'),
  to: new Date('2026-11-28T00:00:00+08:00'),
  // More broken rows than the default so that a small run has some of each kind.
  badRowShare: 0.02,
  multiSourceShare: 0.08,
};
const BY_CODE = new Map(DEPARTMENT_SOURCES.map((s) => [s.code, s]));

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}#${k}`;
  });
}

function cellValue(v: ExcelJS.CellValue): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || v instanceof Date) return v;
  return String(v);
}

/** Reads a generated file back the way an importer sees it, with the parser's row numbers. */
async function readBack(file: string, def: SourceDef): Promise<ReadBack> {
  const p = def.profile;
  if (p.format === 'xlsx') {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0]!;
    const width = ws.getRow(p.titleRows + 1).cellCount;
    const textRow = (r: number) =>
      Array.from({ length: width }, (_, i) => String(cellValue(ws.getRow(r).getCell(i + 1).value) ?? ''));
    const above = Array.from({ length: p.titleRows }, (_, i) => textRow(i + 1));
    const header = uniqueNames(textRow(p.titleRows + 1));
    const rows: Row[] = [];
    for (let r = p.titleRows + 2; r <= ws.rowCount; r++) {
      const row = ws.getRow(r);
      const cells: Record<string, Value> = {};
      header.forEach((h, i) => {
        cells[h] = cellValue(row.getCell(i + 1).value);
      });
      rows.push({ rowNo: r, cells });
    }
    return { header, above, rows };
  }
  const buf = await readFile(file);
  if (p.format === 'jsonl') {
    const lines = buf.toString('utf8').split('\n').filter(Boolean);
    const rows = lines.map((l, i) => ({ rowNo: i + 1, cells: JSON.parse(l) as Record<string, Value> }));
    return { header: [], above: [], rows };
  }
  const text =
    p.encoding === 'gbk' ? iconv.decode(buf, 'gb18030') : buf.toString('utf8').replace(/^\uFEFF/, '');
  const records = parseCsv(text) as string[][];
  const header = uniqueNames(records[0]!);
  const rows = records.slice(1).map((rec, i) => ({
    // A CSV row's number is its record number, the header being record 1.
    rowNo: i + 2,
    cells: Object.fromEntries(header.map((h, j) => [h, rec[j] === '' ? null : (rec[j] ?? null)])),
  }));
  return { header, above: [], rows };
}

const str = (v: Value | undefined): string => (v === null || v === undefined ? '' : String(v).trim());

/** The instant a department's date cell names, or null when it cannot be read. */
function dateOf(v: Value | undefined, formats: string[]): number | null {
  if (v instanceof Date) return v.getTime() - 8 * 3_600_000;
  if (typeof v === 'number') return Date.UTC(1899, 11, 30) + v * 86_400_000 - 8 * 3_600_000;
  const s = str(v);
  for (const f of formats) {
    if (f.endsWith('Z')) {
      const t = Date.parse(s);
      if (/T.*[+-]\d\d:\d\d$/.test(s) && !Number.isNaN(t)) return t;
      continue;
    }
    const d = dayjs.utc(s, f, true);
    if (d.isValid()) return d.valueOf() - 8 * 3_600_000;
  }
  return null;
}

/** Why a row could not be imported, by the same rules the intake applies; null for a good row. */
function defect(def: SourceDef, cells: Record<string, Value>): string | null {
  const c = def.profile.columns;
  for (const p of c.parties) {
    const id = p.idNumber ? str(cells[p.idNumber]) : '';
    if (id && !isValidIdCard(id)) return `id ${id}`;
    const uscc = p.uscc ? str(cells[p.uscc]) : '';
    if (uscc && !isValidUscc(uscc)) return `uscc ${uscc}`;
    const named = str(cells[p.name]);
    const anything = [p.idNumber, p.phone, p.uscc].some((k) => k && str(cells[k]));
    if (anything && !named) return 'party without a name';
  }
  if (dateOf(cells[c.reportedAt], def.profile.dateFormats) === null)
    return `date ${str(cells[c.reportedAt])}`;
  if (c.areaCode && str(cells[c.areaCode]) && !AREA_CODES.has(str(cells[c.areaCode]))) return 'area code';
  const description = str(cells[c.description]);
  if (!description) return 'empty description';
  if (description.length > 5000) return 'oversized description';
  if (c.amount && cells[c.amount] !== null && cells[c.amount] !== undefined && Number(cells[c.amount]) < 0)
    return 'negative amount';
  return null;
}

const AREA_CODES = new Set((areaRows as { code: string }[]).map((a) => a.code));

let dir: string;
let again: string;
let result: GenerateResult;
const files = new Map<string, ReadBack>();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zhili-gen-'));
  again = await mkdtemp(path.join(os.tmpdir(), 'zhili-gen-'));
  result = await generateDepartmentFiles({ ...BASE, dir });
  for (const f of result.files) files.set(f.source, await readBack(f.path, BY_CODE.get(f.source)!));
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(again, { recursive: true, force: true });
});

describe('generateDepartmentFiles', () => {
  it('writes one file per department source in its format and encoding', () => {
    expect(result.files.map((f) => f.source)).toEqual(DEPARTMENT_SOURCES.map((s) => s.code));
    expect(result.records).toBe(ROWS);
    expect(result.files.reduce((n, f) => n + f.rows, 0)).toBe(ROWS);
    for (const f of result.files) {
      const p = BY_CODE.get(f.source)!.profile;
      expect(f.format, f.source).toBe(p.format);
      expect(f.encoding, f.source).toBe(p.format === 'xlsx' ? null : p.encoding);
      expect(path.extname(f.path), f.source).toBe(`.${p.format}`);
      expect(files.get(f.source)!.rows.length, f.source).toBe(f.rows);
      expect(f.rows, f.source).toBeGreaterThan(0);
    }
    expect(result.disputes).toBeLessThan(ROWS);
  });

  it('writes GBK files that are not UTF-8 and UTF-8 files that are', async () => {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    for (const f of result.files.filter((x) => x.format !== 'xlsx')) {
      const buf = await readFile(f.path);
      if (f.encoding === 'gbk') {
        expect(() => utf8.decode(buf), f.source).toThrow();
        const text = iconv.decode(buf, 'gb18030');
        // Some departments quote every field, the header too.
        const first = text.slice(0, text.indexOf(',')).replaceAll('"', '');
        expect(first, f.source).toBe(BY_CODE.get(f.source)!.profile.columns.recordKey);
        // Nothing fell outside GBK on the way (iconv-lite writes '?' for what it cannot encode).
        expect(text.includes('?'), f.source).toBe(false);
      } else {
        expect(() => utf8.decode(buf), f.source).not.toThrow();
      }
    }
  });

  it('writes headers with exactly the profile’s column names (plus the department’s own extras)', () => {
    for (const def of DEPARTMENT_SOURCES) {
      const back = files.get(def.code)!;
      const c = def.profile.columns;
      const ours = [c.recordKey, c.reportedAt, c.description, c.title, c.category, c.areaCode, c.address];
      ours.push(c.lng, c.lat, c.amount, c.peopleInvolved);
      for (const p of c.parties) ours.push(p.name, p.idNumber, p.phone, p.uscc);
      const expected = ours.filter((n): n is string => n !== undefined);
      const header =
        def.profile.format === 'jsonl'
          ? [...new Set(back.rows.flatMap((r) => Object.keys(r.cells)))]
          : back.header;
      expect(header, def.code).toEqual(expect.arrayContaining(expected));
      const declared = sourceColumns(def).map((x) => x.name);
      if (def.profile.format !== 'jsonl') expect(header, def.code).toEqual(declared);
      for (const h of header) expect(declared, `${def.code}: ${h}`).toContain(h);
    }
  });

  it('puts title rows above XLSX headers and merges the two-row header', async () => {
    const titled = DEPARTMENT_SOURCES.filter((s) => s.profile.format === 'xlsx' && s.profile.titleRows > 0);
    for (const def of titled) {
      const back = files.get(def.code)!;
      expect(back.above, def.code).toHaveLength(def.profile.titleRows);
      for (const r of back.above) expect(r[0]!.length, def.code).toBeGreaterThan(0);
    }
    const justice = files.get('justice_mediation')!;
    expect(justice.above[0]).toEqual(expect.arrayContaining(['案件信息', '申请人信息', '被申请人信息']));
    expect(justice.header).toEqual(expect.arrayContaining(['姓名', '姓名#2', '身份证号#2', '联系电话#2']));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(result.files.find((f) => f.source === 'justice_mediation')!.path);
    const ws = wb.worksheets[0]!;
    expect(ws.getCell('A1').isMerged).toBe(true);
    expect(ws.getCell('A2').isMerged).toBe(false);
  });

  it('marks exactly the broken rows, at the row numbers a parser reports', () => {
    let bad = 0;
    for (const f of result.files) {
      const def = BY_CODE.get(f.source)!;
      const badRows = new Set(f.badRows);
      for (const row of files.get(f.source)!.rows) {
        const why = defect(def, row.cells);
        if (badRows.has(row.rowNo))
          expect(why, `${f.source} row ${row.rowNo} should be broken`).not.toBeNull();
        else expect(why, `${f.source} row ${row.rowNo}`).toBeNull();
      }
      bad += f.badRows.length;
    }
    // 2 % of 3,000 rows, single-source only.
    expect(bad).toBeGreaterThan(20);
    expect(bad).toBeLessThan(120);
  });

  it('lists formula cells separately; they are not broken rows', () => {
    let n = 0;
    for (const f of result.files) {
      const def = BY_CODE.get(f.source)!;
      const rows = new Map(files.get(f.source)!.rows.map((r) => [r.rowNo, r]));
      for (const rowNo of f.formulaRows) {
        expect(f.badRows).not.toContain(rowNo);
        expect(rows.get(rowNo)!.cells[def.profile.columns.description]).toBe(FORMULA_TEXT);
        n++;
      }
    }
    expect(n).toBeGreaterThan(0);
  });

  it('writes multi-source disputes to several departments with the same people and dates close together', () => {
    expect(result.multiSource.length).toBeGreaterThan(ROWS * 0.04);
    let sharedApplicant = 0;
    for (const m of result.multiSource) {
      expect(m.sources.length).toBeGreaterThanOrEqual(2);
      expect(m.sources.length).toBeLessThanOrEqual(3);
      expect(new Set(m.sources).size).toBe(m.sources.length);
      const seen = m.sources.map((code, i) => {
        const def = BY_CODE.get(code)!;
        const c = def.profile.columns;
        const row = files.get(code)!.rows.find((r) => str(r.cells[c.recordKey]) === m.recordKeys[i]);
        expect(row, `${m.disputeKey} in ${code}`).toBeDefined();
        const cells = row!.cells;
        // The applicant's side: the first group of people that is not the respondent's.
        const applicant = c.parties.find((p) => p.role !== 'respondent' && p.kind === 'person' && p.idNumber);
        const respondent = c.parties.find(
          (p) => p.role === 'respondent' && p.kind === 'enterprise' && p.uscc,
        );
        return {
          applicantId: applicant?.idNumber ? str(cells[applicant.idNumber]) : '',
          respondentUscc: respondent?.uscc ? str(cells[respondent.uscc]) : '',
          at: dateOf(cells[c.reportedAt], def.profile.dateFormats)!,
          cat: c.category ? def.profile.categoryCodes[str(cells[c.category])] : undefined,
        };
      });
      const times = seen.map((s) => s.at);
      // Date-only departments drop the time of day: allow a day on top of the five.
      expect(Math.max(...times) - Math.min(...times), m.disputeKey).toBeLessThanOrEqual(6 * 86_400_000);
      const distinct = (xs: (string | undefined)[]) => new Set(xs.filter((x) => !!x)).size;
      expect(distinct(seen.map((s) => s.cat)), `${m.disputeKey} categories`).toBeLessThanOrEqual(1);
      expect(distinct(seen.map((s) => s.applicantId)), `${m.disputeKey} applicant`).toBeLessThanOrEqual(1);
      expect(distinct(seen.map((s) => s.respondentUscc)), `${m.disputeKey} respondent`).toBeLessThanOrEqual(
        1,
      );
      if (seen.filter((s) => s.applicantId).length >= 2) sharedApplicant++;
    }
    expect(sharedApplicant).toBeGreaterThan(result.multiSource.length * 0.3);
  });

  it('brings people back across disputes and places them in real areas', () => {
    const disputesById = new Map<string, Set<string>>();
    for (const def of DEPARTMENT_SOURCES) {
      const c = def.profile.columns;
      for (const row of files.get(def.code)!.rows) {
        for (const p of c.parties) {
          const id = p.idNumber ? str(row.cells[p.idNumber]) : '';
          if (!id) continue;
          const keys = disputesById.get(id) ?? new Set<string>();
          keys.add(`${def.code}:${str(row.cells[c.recordKey])}`);
          disputesById.set(id, keys);
        }
        if (c.areaCode && row.cells[c.areaCode]) expect(str(row.cells[c.areaCode])).toMatch(/^3303\d{8}$/);
      }
    }
    const repeaters = [...disputesById.values()].filter((k) => k.size >= 3).length;
    expect(repeaters).toBeGreaterThan(10);
    // Addresses name real places: the county or town of a real area appears in most of them.
    const names = (areaRows as { name: string; level: number }[]).filter(
      (a) => a.level === 2 || a.level === 3,
    );
    const police = files
      .get('police_110')!
      .rows.map((r) => str(r.cells[BY_CODE.get('police_110')!.profile.columns.address!]));
    const located = police.filter((a) =>
      names.some((n) => a.includes(n.name.replace(/(区|县|市|街道|镇|乡)$/, ''))),
    );
    expect(located.length / police.length).toBeGreaterThan(0.95);
  });

  it('is deterministic for a seed', async () => {
    const second = await generateDepartmentFiles({ ...BASE, dir: again });
    expect(second.files.map(({ path: _p, ...f }) => f)).toEqual(result.files.map(({ path: _p, ...f }) => f));
    expect(second.multiSource).toEqual(result.multiSource);
    for (const [i, f] of result.files.entries()) {
      if (f.format === 'xlsx') continue; // zip entries carry the time of writing
      const [a, b] = await Promise.all([readFile(f.path), readFile(second.files[i]!.path)]);
      expect(a.equals(b), f.source).toBe(true);
    }
  }, 240_000);

  it('streams: 100,000 rows with bounded memory', async () => {
    const big = await mkdtemp(path.join(os.tmpdir(), 'zhili-gen-big-'));
    try {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const t0 = performance.now();
      const r = await generateDepartmentFiles({
        ...BASE,
        badRowShare: 0.002,
        multiSourceShare: 0.05,
        rows: 100_000,
        dir: big,
        onProgress: () => {
          peak = Math.max(peak, process.memoryUsage().rss);
        },
      });
      const seconds = (performance.now() - t0) / 1000;
      const growth = (peak - before) / 1e6;
      console.log(
        `generate: 100,000 rows in ${seconds.toFixed(1)} s (${Math.round(100_000 / seconds)} rows/s), RSS ${Math.round(before / 1e6)} → peak ${Math.round(peak / 1e6)} MB (+${Math.round(growth)} MB)`,
      );
      expect(r.records).toBe(100_000);
      expect(growth).toBeLessThan(250);
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  }, 600_000);
});

import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { type Actor, assertCan, inScope } from '../../core/access/actor.ts';
import { inScopeSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import { INDICATORS, importedIndicator } from './indicators.ts';
import { cstToday } from './report.periods.ts';
import { type RowError, rdb } from './report.tables.ts';

/**
 * Import of the statistics the platform does not own (docs/REPORTS.md): a CSV (UTF-8 or GBK) or XLSX file with
 * one row per indicator × area × month. Each row is checked on its own: a bad row is reported with its row
 * number, field and reason, and every valid row lands. The same (indicator, area, month) imported again updates
 * the value (and the file and row it came from) instead of adding a second row.
 */

export const MAX_IMPORT_BYTES = 10 * 1_048_576;
export const MAX_IMPORT_ROWS = 50_000;
/** The batch keeps this many row errors (rows_rejected counts them all). */
export const MAX_KEPT_ERRORS = 1000;

/** The columns, by the names department files use (the first spelling is the template's). */
export const COLUMNS = {
  indicator: ['指标', '指标代码', '指标名称', 'indicator'],
  area: ['区域代码', '行政区划代码', '区划代码', 'area_code', 'areaCode'],
  month: ['月份', '统计月份', 'month'],
  value: ['数值', '数量', '值', 'value'],
  department: ['来源部门', '报送单位', '部门', 'department'],
} as const;
type Column = keyof typeof COLUMNS;
const FIELD_NAMES: Record<Column, string> = {
  indicator: '指标',
  area: '区域代码',
  month: '月份',
  value: '数值',
  department: '来源部门',
};

export const ROW_REASONS = {
  INDICATOR_UNKNOWN: '未知指标（应为指标代码或中文名称）/ unknown indicator (use its code or Chinese name)',
  AREA_INVALID: '区域代码应为 12 位统计用区划代码 / the area code must be a 12-digit statistical code',
  AREA_UNKNOWN: '区域代码不存在 / no such area',
  AREA_OUT_OF_SCOPE: '区域不在您的管辖范围内 / the area is outside your scope',
  MONTH_INVALID: '月份应为 YYYY-MM（2000 至 2099 年）/ the month must be YYYY-MM (2000–2099)',
  MONTH_IN_FUTURE: '月份晚于当前月份 / the month is in the future',
  VALUE_INVALID:
    '数值应为不小于 0 的数字（最多两位小数）/ the value must be a number ≥ 0 (at most two decimals)',
  VALUE_NOT_INTEGER: '该指标的数值应为整数 / this indicator counts whole numbers',
  DEPARTMENT_TOO_LONG: '来源部门最多 100 个字符 / the department is at most 100 characters',
  DUPLICATE_ROW:
    '与本文件前面的行重复（同一指标、区域、月份）/ repeats an earlier row of this file (same indicator, area, month)',
  REQUIRED: '必填 / required',
} as const;
type Reason = keyof typeof ROW_REASONS;

export interface ImportBatch {
  id: string;
  filename: string;
  format: 'csv' | 'xlsx';
  encoding: string | null;
  rowsTotal: number;
  inserted: number;
  updated: number;
  rejected: number;
  errors: RowError[];
  areaCode: string;
  importedBy: string;
  createdAt: string;
}

type Cell = string | number | Date | null;
interface Sheet {
  format: 'csv' | 'xlsx';
  encoding: string | null;
  rows: { rowNo: number; cells: Cell[] }[];
}

const invalidFile = (zh: string, en: string) => new AppError('IMPORT_INVALID', `${zh} / ${en}`);

// ---------------------------------------------------------------------------------------------------------
// Reading the file

function isZip(b: Buffer) {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/** UTF-8 (with or without BOM) when the bytes are valid UTF-8; otherwise GB18030, the superset of GBK. */
function decodeText(b: Buffer): { text: string; encoding: string } {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    return { text: b.subarray(3).toString('utf8'), encoding: 'utf8' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(b), encoding: 'utf8' };
  } catch {
    return { text: iconv.decode(b, 'gb18030'), encoding: 'gb18030' };
  }
}

function cellValue(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('result' in v) return cellValue(v.result as ExcelJS.CellValue);
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('text' in v) return String(v.text);
  }
  return String(v);
}

async function readSheet(bytes: Buffer): Promise<Sheet> {
  if (bytes.length === 0) throw invalidFile('文件为空', 'The file is empty');
  if (isZip(bytes)) {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    } catch {
      throw invalidFile('无法读取 XLSX 文件', 'Cannot read the XLSX file');
    }
    const ws = wb.worksheets[0];
    if (!ws) throw invalidFile('工作簿没有工作表', 'The workbook has no sheet');
    const rows: Sheet['rows'] = [];
    ws.eachRow({ includeEmpty: false }, (row, rowNo) => {
      const values = row.values as ExcelJS.CellValue[];
      rows.push({ rowNo, cells: values.slice(1).map(cellValue) });
    });
    return { format: 'xlsx', encoding: null, rows };
  }
  // A binary that is not a workbook (old .xls, PDF, image): refuse rather than read garbage.
  if (bytes.subarray(0, 8).includes(0)) {
    throw invalidFile('只接受 CSV（UTF-8 或 GBK）或 XLSX 文件', 'Only CSV (UTF-8 or GBK) or XLSX files');
  }
  const { text, encoding } = decodeText(bytes);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      relax_column_count: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (e) {
    throw invalidFile('CSV 文件格式错误', `Malformed CSV file (${(e as Error).message.slice(0, 120)})`);
  }
  return {
    format: 'csv',
    encoding,
    rows: records.map((r) => ({ rowNo: r.info.lines, cells: r.record })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Checking a row

const text = (c: Cell | undefined): string => {
  if (c === null || c === undefined) return '';
  if (c instanceof Date) return c.toISOString().slice(0, 10);
  return String(c).trim();
};

/** 2026-03, 2026-3, 2026/03, 2026年3月, 202603, 2026-03-01, an Excel date → '2026-03-01'; else null. */
export function parseMonth(c: Cell | undefined): string | null {
  if (c instanceof Date) {
    // Excel stores a date without a zone: exceljs reads it as UTC midnight.
    return `${c.getUTCFullYear()}-${String(c.getUTCMonth() + 1).padStart(2, '0')}-01`;
  }
  const s = text(c);
  const m = /^(\d{4})[-/.年](\d{1,2})(?:月|[-/.]\d{1,2}日?)?$/.exec(s) ?? /^(\d{4})(\d{2})$/.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  if (y < 2000 || y > 2099 || mo < 1 || mo > 12) return null;
  return `${y}-${String(mo).padStart(2, '0')}-01`;
}

function parseValue(c: Cell | undefined): number | null {
  if (typeof c === 'number') return Number.isFinite(c) ? c : null;
  const s = text(c).replace(/,/g, '');
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  return Number(s);
}

interface GoodRow {
  rowNo: number;
  indicator: string;
  areaCode: string;
  month: string;
  value: number;
  department: string | null;
}

function headerMap(cells: Cell[]): Partial<Record<Column, number>> {
  const names = cells.map((c) => text(c).replace(/\s/g, ''));
  const map: Partial<Record<Column, number>> = {};
  for (const [col, spellings] of Object.entries(COLUMNS) as [Column, readonly string[]][]) {
    const i = names.findIndex((n) => spellings.some((s) => s.toLowerCase() === n.toLowerCase()));
    if (i >= 0) map[col] = i;
  }
  return map;
}

// ---------------------------------------------------------------------------------------------------------
// The import

export async function importStatistics(
  tx: DbOrTx,
  actor: Actor,
  file: { filename: string; bytes: Buffer },
  now = new Date(),
): Promise<ImportBatch> {
  assertCan(actor, 'report:import');
  if (file.bytes.length > MAX_IMPORT_BYTES) {
    throw new AppError(
      'FILE_TOO_LARGE',
      `文件超过 ${MAX_IMPORT_BYTES / 1_048_576} MB 的上限 / The file is larger than ${MAX_IMPORT_BYTES / 1_048_576} MB`,
    );
  }
  const sheet = await readSheet(file.bytes);
  const headerAt = sheet.rows.findIndex((r) => r.cells.some((c) => text(c) !== ''));
  if (headerAt < 0) throw invalidFile('文件没有数据行', 'The file holds no rows');
  const header = headerMap(sheet.rows[headerAt]!.cells);
  const missing = (['indicator', 'area', 'month', 'value'] as Column[]).filter(
    (c) => header[c] === undefined,
  );
  if (missing.length > 0) {
    throw new AppError(
      'IMPORT_INVALID',
      `表头缺少列：${missing.map((c) => FIELD_NAMES[c]).join('、')} / The header lacks: ${missing.join(', ')}`,
      missing.map((c) => ({
        path: FIELD_NAMES[c],
        row: sheet.rows[headerAt]!.rowNo,
        message: 'missing column',
      })),
    );
  }
  const body = sheet.rows.slice(headerAt + 1).filter((r) => r.cells.some((c) => text(c) !== ''));
  if (body.length > MAX_IMPORT_ROWS) {
    throw invalidFile(`一次最多导入 ${MAX_IMPORT_ROWS} 行`, `At most ${MAX_IMPORT_ROWS} rows per file`);
  }

  // The areas the file names, looked up once.
  const codes = [
    ...new Set(body.map((r) => text(r.cells[header.area!])).filter((c) => /^\d{12}(\d{3})?$/.test(c))),
  ];
  const known = new Set<string>();
  for (let i = 0; i < codes.length; i += 1000) {
    const found = await tx
      .selectFrom('areas')
      .select('code')
      .where('code', 'in', codes.slice(i, i + 1000))
      .execute();
    for (const f of found) known.add(f.code);
  }

  const thisMonth = `${cstToday(now).slice(0, 7)}-01`;
  const errors: RowError[] = [];
  const good: GoodRow[] = [];
  const seen = new Set<string>();
  const fail = (rowNo: number, col: Column, reason: Reason) =>
    errors.push({ row: rowNo, field: FIELD_NAMES[col], code: reason, message: ROW_REASONS[reason] });

  for (const r of body) {
    const cell = (c: Column) => (header[c] === undefined ? null : r.cells[header[c]!]);
    const before = errors.length;
    const indicatorText = text(cell('indicator'));
    const indicator = indicatorText ? importedIndicator(indicatorText) : undefined;
    if (!indicatorText) fail(r.rowNo, 'indicator', 'REQUIRED');
    else if (!indicator) fail(r.rowNo, 'indicator', 'INDICATOR_UNKNOWN');
    const areaCode = text(cell('area'));
    if (!areaCode) fail(r.rowNo, 'area', 'REQUIRED');
    else if (!/^\d{12}(\d{3})?$/.test(areaCode)) fail(r.rowNo, 'area', 'AREA_INVALID');
    else if (!known.has(areaCode)) fail(r.rowNo, 'area', 'AREA_UNKNOWN');
    else if (!inScope(actor, areaCode)) fail(r.rowNo, 'area', 'AREA_OUT_OF_SCOPE');
    const monthCell = cell('month');
    const month = parseMonth(monthCell);
    if (text(monthCell) === '') fail(r.rowNo, 'month', 'REQUIRED');
    else if (!month) fail(r.rowNo, 'month', 'MONTH_INVALID');
    else if (month > thisMonth) fail(r.rowNo, 'month', 'MONTH_IN_FUTURE');
    const valueCell = cell('value');
    const value = parseValue(valueCell);
    if (text(valueCell) === '') fail(r.rowNo, 'value', 'REQUIRED');
    else if (value === null || value > 1e12 || Math.round(value * 100) !== value * 100) {
      fail(r.rowNo, 'value', 'VALUE_INVALID');
    } else if (indicator && indicator.kind === 'count' && !Number.isInteger(value)) {
      fail(r.rowNo, 'value', 'VALUE_NOT_INTEGER');
    }
    const department = text(cell('department')) || null;
    if (department && department.length > 100) fail(r.rowNo, 'department', 'DEPARTMENT_TOO_LONG');
    if (errors.length > before || !indicator || !month || value === null) continue;
    const key = `${indicator.code}|${areaCode}|${month}`;
    if (seen.has(key)) {
      fail(r.rowNo, 'indicator', 'DUPLICATE_ROW');
      continue;
    }
    seen.add(key);
    good.push({ rowNo: r.rowNo, indicator: indicator.code, areaCode, month, value, department });
  }

  const r = rdb(tx);
  const batch = await r
    .insertInto('report_batches')
    .values({
      filename: file.filename.slice(0, 255) || 'upload',
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      format: sheet.format,
      encoding: sheet.encoding,
      rows_total: body.length,
      rows_rejected: errors.length,
      errors: JSON.stringify(errors.slice(0, MAX_KEPT_ERRORS)),
      area_code: actor.areaCode,
      imported_by: actor.id,
      imported_by_name: actor.displayName.slice(0, 100) || actor.username,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();

  let inserted = 0;
  let updated = 0;
  for (let i = 0; i < good.length; i += 500) {
    const chunk = good.slice(i, i + 500);
    const done = await r
      .insertInto('report_stats')
      .values(
        chunk.map((g) => ({
          indicator: g.indicator,
          area_code: g.areaCode,
          month: g.month,
          value: g.value,
          source_department: g.department,
          batch_id: batch.id,
          row_no: g.rowNo,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['indicator', 'area_code', 'month']).doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          source_department: eb.ref('excluded.source_department'),
          batch_id: eb.ref('excluded.batch_id'),
          row_no: eb.ref('excluded.row_no'),
          updated_at: sql`now()`,
        })),
      )
      // xmax = 0 on a row this statement inserted; an updated row carries the updating transaction's id.
      .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
      .execute();
    for (const d of done) {
      if (d.inserted) inserted++;
      else updated++;
    }
  }
  await r
    .updateTable('report_batches')
    .set({ rows_inserted: inserted, rows_updated: updated })
    .where('id', '=', batch.id)
    .execute();
  await audit(tx, actor, {
    action: 'report.import',
    entityType: 'report_batch',
    entityId: batch.id,
    areaCode: actor.areaCode,
    newValues: {
      filename: file.filename,
      rows: body.length,
      inserted,
      updated,
      rejected: errors.length,
    },
  });
  return getBatch(tx, actor, batch.id);
}

function presentBatch(b: {
  id: string;
  filename: string;
  format: 'csv' | 'xlsx';
  encoding: string | null;
  rows_total: number;
  rows_inserted: number;
  rows_updated: number;
  rows_rejected: number;
  errors: RowError[] | string;
  area_code: string;
  imported_by_name: string;
  created_at: Date;
}): ImportBatch {
  return {
    id: String(b.id),
    filename: b.filename,
    format: b.format,
    encoding: b.encoding,
    rowsTotal: b.rows_total,
    inserted: b.rows_inserted,
    updated: b.rows_updated,
    rejected: b.rows_rejected,
    errors: typeof b.errors === 'string' ? JSON.parse(b.errors) : b.errors,
    areaCode: b.area_code,
    importedBy: b.imported_by_name,
    createdAt: new Date(b.created_at).toISOString(),
  };
}

const BATCH_COLUMNS = [
  'id',
  'filename',
  'format',
  'encoding',
  'rows_total',
  'rows_inserted',
  'rows_updated',
  'rows_rejected',
  'errors',
  'area_code',
  'imported_by_name',
  'created_at',
] as const;

export async function getBatch(db: DbOrTx, actor: Actor, id: string): Promise<ImportBatch> {
  if (!actor.permissions.has('report:import')) assertCan(actor, 'report:read');
  const b = await rdb(db)
    .selectFrom('report_batches')
    .select(BATCH_COLUMNS)
    .where('id', '=', id)
    .where(inScopeSql(actor))
    .executeTakeFirst();
  if (!b) throw new AppError('NOT_FOUND', `导入批次 ${id} 不存在 / No import batch ${id}`);
  return presentBatch(b);
}

export async function listBatches(
  db: DbOrTx,
  actor: Actor,
  page: { limit: number; offset: number },
): Promise<{ total: number; items: ImportBatch[] }> {
  if (!actor.permissions.has('report:import')) assertCan(actor, 'report:read');
  const base = () => rdb(db).selectFrom('report_batches').where(inScopeSql(actor));
  const total = await base()
    .select((e) => e.fn.countAll<string>().as('n'))
    .executeTakeFirst();
  const rows = await base()
    .select(BATCH_COLUMNS)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  // The list carries counts only; a batch's own page has its row errors.
  return { total: Number(total?.n ?? 0), items: rows.map((b) => ({ ...presentBatch(b), errors: [] })) };
}

/** The import template: the header, two example rows, and a sheet listing the indicators. */
export async function templateXlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('统计数据');
  ws.columns = [
    { header: COLUMNS.indicator[0], key: 'indicator', width: 24 },
    { header: COLUMNS.area[0], key: 'area', width: 16 },
    { header: COLUMNS.month[0], key: 'month', width: 10 },
    { header: COLUMNS.value[0], key: 'value', width: 10 },
    { header: COLUMNS.department[0], key: 'department', width: 16 },
  ];
  ws.getRow(1).font = { bold: true };
  ws.addRow({
    indicator: 'homicide_cases',
    area: '330302000000',
    month: '2025-01',
    value: 1,
    department: '市公安局',
  });
  ws.addRow({
    indicator: '追赃挽损金额',
    area: '330302000000',
    month: '2025-01',
    value: 125.5,
    department: '市公安局',
  });
  const list = wb.addWorksheet('指标');
  list.columns = [
    { header: '指标代码', key: 'code', width: 22 },
    { header: '指标名称', key: 'name', width: 24 },
    { header: '单位', key: 'unit', width: 8 },
    { header: '口径', key: 'definition', width: 80 },
  ];
  list.getRow(1).font = { bold: true };
  for (const i of INDICATORS.filter((x) => x.source === 'imported')) {
    list.addRow(safeRow({ code: i.code, name: i.name.zh, unit: i.unit.zh, definition: i.definition.zh }));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

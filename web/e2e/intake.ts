import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type { Page } from 'playwright-core';
import { idCardCheckChar } from '../../src/core/subjects/codes.ts';
import { FIELD_ORDER, type FieldKey } from '../../src/modules/dispute/demo/generate.ts';

/**
 * Department files for the browser tests, built from a source's own mapping profile (its column names, its
 * encoding, its title rows) as `GET /api/disputes/sources` describes it, and the import page's steps.
 */

/** An import runs in the server after the upload: a small file takes a moment on a busy CI machine. */
export const IMPORT = 60_000;
const STEP = 15_000;

/** A valid resident ID number from its first 17 characters (GB 11643 check character). */
export const idNumber = (first17: string) => first17 + idCardCheckChar(first17);

/** China's wall-clock time `days` ago, as a department writes it. */
export function cst(daysAgo: number, format: 'datetime' | 'date'): string {
  const s = new Date(Date.now() + 8 * 3_600_000 - daysAgo * 86_400_000).toISOString();
  return format === 'date' ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

export interface Profile {
  format: string;
  encoding: string;
  titleRows: number;
  columns: Record<string, unknown> & {
    parties: { role: string; kind: string; name: string; idNumber?: string; phone?: string; uscc?: string }[];
  };
}
export interface Source {
  code: string;
  name: { zh: string; en: string };
  profile: Profile;
}
type Party = { name?: string; idNumber?: string; phone?: string; uscc?: string };

export type Rec = Partial<Record<FieldKey, string | number>> & { parties?: Party[] };

/** The file's header from the source's own profile: its column names, as that department writes them. */
function header(p: Profile): string[] {
  const cols: string[] = [];
  for (const f of FIELD_ORDER) if (typeof p.columns[f] === 'string') cols.push(p.columns[f] as string);
  for (const party of p.columns.parties)
    for (const c of [party.name, party.idNumber, party.phone, party.uscc]) if (c) cols.push(c);
  return cols;
}

/** One record (our field names) as a row under that header. */
function row(p: Profile, r: Rec): (string | number)[] {
  const cells = new Map<string, string | number>();
  for (const f of FIELD_ORDER) {
    const col = p.columns[f];
    if (typeof col === 'string' && r[f] !== undefined) cells.set(col, r[f]);
  }
  p.columns.parties.forEach((party, i) => {
    const v = r.parties?.[i];
    if (!v) return;
    if (v.name) cells.set(party.name, v.name);
    if (party.idNumber && v.idNumber) cells.set(party.idNumber, v.idNumber);
    if (party.phone && v.phone) cells.set(party.phone, v.phone);
    if (party.uscc && v.uscc) cells.set(party.uscc, v.uscc);
  });
  return header(p).map((h) => cells.get(h) ?? '');
}

const csvCell = (v: string | number) => `"${String(v).replaceAll('"', '""')}"`;

/** A CSV in the source's encoding (GBK for the 110 system), CRLF as Windows tools write it. */
export function csvFile(p: Profile, records: Rec[]): Buffer {
  const lines = [header(p), ...records.map((r) => row(p, r))].map((cells) => cells.map(csvCell).join(','));
  const text = `${lines.join('\r\n')}\r\n`;
  return p.encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8');
}

/** JSON Lines: one object per record under the profile's keys (a hotline's or an app's feed), UTF-8. */
export function jsonlFile(p: Profile, records: Rec[]): Buffer {
  const keys = header(p);
  const lines = records.map((r) => {
    const cells = row(p, r);
    return JSON.stringify(
      Object.fromEntries(keys.flatMap((k, i) => (cells[i] === '' ? [] : [[k, cells[i]]]))),
    );
  });
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** An XLSX with the source's title rows above the header (a court system's export). */
export async function xlsxFile(p: Profile, records: Rec[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('立案信息');
  const titles = ['温州市鹿城区人民法院 立案信息导出', `导出日期：${cst(0, 'date')}`, '（内部资料）'];
  for (let i = 0; i < p.titleRows; i++) ws.addRow([titles[i] ?? '']);
  ws.addRow(header(p));
  for (const r of records) ws.addRow(row(p, r));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The counts the import card shows (their data-value): rows read, inserted, merged, rejected. */
export async function jobCounts(
  page: Page,
): Promise<Record<'rowsRead' | 'inserted' | 'merged' | 'rejected', number>> {
  const card = page.getByTestId('import-job');
  const one = async (key: string) => Number(await card.getByTestId(`job-${key}`).getAttribute('data-value'));
  return {
    rowsRead: await one('rowsRead'),
    inserted: await one('inserted'),
    merged: await one('merged'),
    rejected: await one('rejected'),
  };
}

/**
 * On the import page (`/disputes/imports`, already open): picks the source, drops the file, starts, and waits
 * for the job to end.
 */
export async function importFile(
  page: Page,
  source: Source,
  file: { name: string; mimeType: string; buffer: Buffer },
): Promise<void> {
  await page.getByLabel('数据来源（部门）').fill(source.name.zh);
  await page.getByLabel('数据来源（部门）').press('Enter');
  await page.getByTestId('import-profile').waitFor({ timeout: STEP });
  await page.getByTestId('import-file').locator('input[type=file]').setInputFiles(file);
  await page.getByText(file.name).first().waitFor({ timeout: STEP });
  await page.getByTestId('import-start').click();
  const card = page.getByTestId('import-job');
  // The upload and the job's first answer share the 2-core CI machine with other browser tests: the import's
  // own bound, not a step's (once took over 15 s on PostgreSQL in CI).
  await card.getByTestId('job-filename').filter({ hasText: file.name }).first().waitFor({ timeout: IMPORT });
  await card.getByTestId('job-status').and(page.locator('[data-status=done]')).waitFor({ timeout: IMPORT });
}

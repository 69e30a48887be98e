import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../../core/access/actor.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { safeCell, safeRow } from '../../core/files/xlsx-safe.ts';
import { RISK_NAMES } from './dispute.schema.ts';
import { type DisputeQuery, listDisputes } from './disputes.service.ts';
import type { RejectedRow } from './imports.service.ts';

export const DISPUTE_EXPORT_MAX = 50_000;

/** The library's current filter as a sheet, streamed page by page (at most DISPUTE_EXPORT_MAX rows). */
export async function exportDisputesXlsx(
  db: DbOrTx,
  actor: Actor,
  filters: Omit<DisputeQuery, 'cursor' | 'limit'>,
  out: Writable,
): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('矛盾纠纷 Disputes', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: '编号 Number', key: 'number', width: 28 },
    { header: '标题 Title', key: 'title', width: 40 },
    { header: '内容 Description', key: 'description', width: 60 },
    { header: '类别 Category', key: 'category', width: 14 },
    { header: '状态 Status', key: 'status', width: 12 },
    { header: '风险 Risk', key: 'risk', width: 8 },
    { header: '群体性 Mass', key: 'mass', width: 8 },
    { header: '涉及人数 People', key: 'people', width: 10 },
    { header: '金额(元) Amount', key: 'amount', width: 14 },
    { header: '区域 Area', key: 'area', width: 20 },
    { header: '来源 Sources', key: 'sources', width: 30 },
    { header: '上报时间 Reported', key: 'reported', width: 20, style: { numFmt: 'yyyy-mm-dd hh:mm' } },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await listDisputes(db, actor, { ...filters, limit: 1000, cursor });
    for (const d of page.items) {
      if (n >= DISPUTE_EXPORT_MAX) break;
      ws.addRow(
        safeRow({
          number: d.number,
          title: d.title,
          description: d.description?.slice(0, 2000) ?? '',
          category: d.categoryName?.zh ?? '',
          status: d.statusName.zh,
          risk: RISK_NAMES[d.riskLevel].zh,
          mass: d.mass ? '是' : '否',
          people: d.peopleInvolved,
          amount: d.amount,
          area: d.areaName ?? d.areaCode,
          sources: d.sources.join('、'),
          // Excel has no time zones: write China time.
          reported: new Date(Date.parse(d.reportedAt) + 8 * 3600_000),
        }),
      ).commit();
      n++;
    }
    cursor = n < DISPUTE_EXPORT_MAX ? (page.nextCursor ?? undefined) : undefined;
  } while (cursor);
  ws.commit();
  await wb.commit();
}

/** The rejected rows of an import under the file's own columns, with the reasons in front of each row. */
export async function rejectsXlsx(headers: string[], rows: RejectedRow[], out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('未导入 Rejected', { views: [{ state: 'frozen', ySplit: 1 }] });
  const cols = headers.length ? headers : [...new Set(rows.flatMap((r) => Object.keys(r.cells)))];
  ws.columns = [
    { header: '原文件行号 Row', key: '__row', width: 10 },
    { header: '原因 Reason', key: '__reason', width: 60 },
    { header: '字段 Field', key: '__field', width: 20 },
    ...cols.map((h, i) => ({ header: String(safeCell(h)), key: `c${i}`, width: 18 })),
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for (const r of rows) {
    const values: Record<string, unknown> = {
      __row: r.rowNo,
      __reason: r.errors.map((e) => `${e.reason}（${e.code}）`).join('；'),
      __field: r.errors.map((e) => e.field).join('、'),
    };
    cols.forEach((h, i) => {
      values[`c${i}`] = r.cells[h] ?? null;
    });
    ws.addRow(safeRow(values)).commit();
  }
  ws.commit();
  await wb.commit();
}

import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../access/actor.ts';
import { audit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import { safeRow } from '../files/xlsx-safe.ts';
import { listMatters, type MatterQuery, URGENCY_NAMES } from './matters.service.ts';

export const EXPORT_MAX_ROWS = 50_000;

const DEADLINE_NAMES = { normal: '正常', warning: '临期', overdue: '超期' } as const;

/**
 * Streams a work queue as an Excel workbook: page by page (keyset), row by row into the zip stream, so a
 * large queue never sits in memory. Capped at EXPORT_MAX_ROWS; the export itself is audited.
 */
export async function exportMattersXlsx(
  db: DbOrTx,
  actor: Actor,
  filters: Omit<MatterQuery, 'cursor' | 'limit'>,
  out: Writable,
): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('事项 Matters', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: '编号 Number', key: 'number', width: 26 },
    { header: '类型 Type', key: 'type', width: 10 },
    { header: '标题 Title', key: 'title', width: 40 },
    { header: '状态 Status', key: 'status', width: 10 },
    { header: '紧急程度 Urgency', key: 'urgency', width: 10 },
    { header: '时限 Deadline', key: 'deadline', width: 8 },
    { header: '区划 Area', key: 'area', width: 16 },
    { header: '承办单位 Unit', key: 'unit', width: 24 },
    { header: '上报人 Reporter', key: 'reporter', width: 14 },
    { header: '上报时间 Reported', key: 'created', width: 20 },
    { header: '截止时间 Due', key: 'due', width: 20 },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await listMatters(db, actor, { ...filters, limit: 1000, cursor });
    for (const m of page.items) {
      if (n >= EXPORT_MAX_ROWS) break;
      ws.addRow(
        safeRow({
          number: m.number,
          type: m.typeName,
          title: m.title,
          status: m.statusName,
          urgency: URGENCY_NAMES[m.urgency],
          deadline: m.closed ? '' : DEADLINE_NAMES[m.deadlineState],
          area: m.areaCode,
          unit: m.assignee ? `${m.assignee.department ?? ''}@${m.assignee.areaCode ?? ''}` : '',
          reporter: m.reporterName ?? '',
          created: new Date(m.createdAt),
          due: m.dueAt ? new Date(m.dueAt) : null,
        }),
      ).commit();
      n++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && n < EXPORT_MAX_ROWS);
  ws.commit();
  await wb.commit();
  await db.transaction().execute((tx) =>
    audit(tx, actor, {
      action: 'matter.export',
      entityType: 'matter',
      newValues: { rows: n, filters: { ...filters } },
    }),
  );
  return n;
}

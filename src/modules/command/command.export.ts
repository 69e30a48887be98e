import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import type { TaskFilters } from './command.schema.ts';
import { listTasks } from './tasks.service.ts';

export const TASK_EXPORT_MAX = 20_000;

/** Excel has no time zones: China time, as the board shows it. */
const cst = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000);

/**
 * The command board's current filter as a sheet, streamed page by page (keyset) within the actor's scope,
 * at most TASK_EXPORT_MAX rows; text a spreadsheet would read as a formula is written as text (safeRow). The
 * export is audited (`command.export`, with the filters and the number of rows).
 */
export async function exportTasksXlsx(
  db: DbOrTx,
  actor: Actor,
  filters: TaskFilters,
  out: Writable,
): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('指令 Tasks', { views: [{ state: 'frozen', ySplit: 1 }] });
  const time = { numFmt: 'yyyy-mm-dd hh:mm' };
  ws.columns = [
    { header: '编号 Number', key: 'number', width: 26 },
    { header: '状态 Status', key: 'status', width: 10 },
    { header: '超时 Overdue', key: 'overdue', width: 8 },
    { header: '指令 Instructions', key: 'instructions', width: 48 },
    { header: '承办 Assignee', key: 'assignee', width: 28 },
    { header: '区域 Area', key: 'area', width: 18 },
    { header: '来源事项 Source', key: 'source', width: 26 },
    { header: '下达人 Issued by', key: 'issuedBy', width: 16 },
    { header: '下达时间 Issued', key: 'created', width: 18, style: time },
    { header: '完成时限 Deadline', key: 'deadline', width: 18, style: time },
    { header: '办结时间 Closed', key: 'closed', width: 18, style: time },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await listTasks(db, actor, { ...filters, crs: 'wgs84', limit: 200, cursor });
    for (const t of page.items) {
      if (n >= TASK_EXPORT_MAX) break;
      const a = t.assignee;
      ws.addRow(
        safeRow({
          number: t.number,
          status: t.statusName.zh,
          overdue: t.overdue ? '是' : '',
          instructions: t.instructions,
          assignee: a ? [a.departmentName?.zh, a.areaName, a.userName].filter(Boolean).join(' · ') : '',
          area: t.areaName ?? t.areaCode,
          source: t.source.number,
          issuedBy: t.issuedBy ?? '',
          created: cst(t.createdAt),
          deadline: cst(t.deadline),
          closed: t.closedAt ? cst(t.closedAt) : null,
        }),
      ).commit();
      n++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && n < TASK_EXPORT_MAX);
  ws.commit();
  await wb.commit();
  await db.transaction().execute((tx) =>
    audit(tx, actor, {
      action: 'command.export',
      entityType: 'matter',
      newValues: { rows: n, filters: { ...filters } },
    }),
  );
  return n;
}

import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import type { CaseFilters } from './mediation.schema.ts';
import { listCases } from './mediation.service.ts';

export const CASE_EXPORT_MAX = 20_000;

/** Excel has no time zones: China time, as the queue shows it. */
const cst = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000);

/**
 * The mediation queue's current filter as a sheet, streamed page by page within the actor's scope, at most
 * CASE_EXPORT_MAX rows, formula-like text written as text (safeRow); audited (`mediation.export`).
 */
export async function exportCasesXlsx(
  db: DbOrTx,
  actor: Actor,
  filters: CaseFilters,
  out: Writable,
): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('调解 Mediation', { views: [{ state: 'frozen', ySplit: 1 }] });
  const time = { numFmt: 'yyyy-mm-dd hh:mm' };
  ws.columns = [
    { header: '编号 Number', key: 'number', width: 26 },
    { header: '状态 Status', key: 'status', width: 14 },
    { header: '层级 Level', key: 'level', width: 12 },
    { header: '案由 Title', key: 'title', width: 40 },
    { header: '区域 Area', key: 'area', width: 18 },
    { header: '调解员 Mediator', key: 'mediator', width: 14 },
    { header: '网格员 Grid worker', key: 'gridWorker', width: 14 },
    { header: '村干部 Cadre', key: 'cadre', width: 14 },
    { header: '来源纠纷 Dispute', key: 'dispute', width: 26 },
    { header: '结果 Outcome', key: 'outcome', width: 10 },
    { header: '受理时间 Opened', key: 'opened', width: 18, style: time },
    { header: '结案时间 Closed', key: 'closed', width: 18, style: time },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await listCases(db, actor, { ...filters, limit: 200, cursor });
    for (const c of page.items) {
      if (n >= CASE_EXPORT_MAX) break;
      ws.addRow(
        safeRow({
          number: c.number,
          status: c.statusName.zh,
          level: c.levelName.zh,
          title: c.title,
          area: c.areaName ?? c.areaCode,
          mediator: c.mediator?.name ?? '',
          gridWorker: c.gridWorker?.name ?? '',
          cadre: c.cadre?.name ?? '',
          dispute: c.dispute.number,
          outcome: c.outcome === 'settled' ? '达成协议' : c.outcome === 'failed' ? '调解不成' : '',
          opened: cst(c.openedAt),
          closed: c.closedAt ? cst(c.closedAt) : null,
        }),
      ).commit();
      n++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && n < CASE_EXPORT_MAX);
  ws.commit();
  await wb.commit();
  await db.transaction().execute((tx) =>
    audit(tx, actor, {
      action: 'mediation.export',
      entityType: 'matter',
      newValues: { rows: n, filters: { ...filters } },
    }),
  );
  return n;
}

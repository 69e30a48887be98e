import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import { type AlertQuery, listAlerts } from './alerts.service.ts';
import { type AnyModel, LEVEL_NAMES } from './runtime/model.ts';

export const ALERT_EXPORT_MAX = 50_000;

/** Excel has no time zones: China time, as the board shows it. */
const cst = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000);

/**
 * The board's current filter as a sheet, newest first, streamed page by page (keyset) so that a large
 * board never sits in memory; at most ALERT_EXPORT_MAX rows, within the actor's scope (listAlerts). Text
 * that a spreadsheet would read as a formula is written as text (safeRow). The export itself is audited
 * (`alert.export`, with the filters and the number of rows), as the matters queue's export is.
 */
export async function exportAlertsXlsx(
  db: DbOrTx,
  actor: Actor,
  models: readonly AnyModel[],
  filters: Omit<AlertQuery, 'cursor' | 'limit'>,
  out: Writable,
): Promise<number> {
  const modelNames = new Map(models.map((m) => [m.code, m.name.zh]));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('预警 Alerts', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: '编号 Number', key: 'number', width: 26 },
    { header: '等级 Level', key: 'level', width: 8 },
    { header: '评分 Score', key: 'score', width: 8 },
    { header: '标题 Title', key: 'title', width: 48 },
    { header: '模型 Model', key: 'model', width: 18 },
    { header: '状态 Status', key: 'status', width: 10 },
    { header: '区域 Area', key: 'area', width: 20 },
    { header: '生成时间 Raised', key: 'raised', width: 18, style: { numFmt: 'yyyy-mm-dd hh:mm' } },
    { header: '期限 Due', key: 'due', width: 18, style: { numFmt: 'yyyy-mm-dd hh:mm' } },
    { header: '评估次数 Evaluations', key: 'evaluations', width: 10 },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await listAlerts(db, actor, { ...filters, limit: 1000, cursor });
    for (const a of page.items) {
      if (n >= ALERT_EXPORT_MAX) break;
      ws.addRow(
        safeRow({
          number: a.number,
          level: LEVEL_NAMES[a.level]?.zh ?? a.level,
          score: a.score,
          title: a.title,
          model: modelNames.get(a.model) ?? a.model,
          status: a.statusName.zh,
          area: a.areaName ?? a.areaCode,
          raised: cst(a.createdAt),
          due: a.dueAt ? cst(a.dueAt) : null,
          evaluations: a.evaluations,
        }),
      ).commit();
      n++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && n < ALERT_EXPORT_MAX);
  ws.commit();
  await wb.commit();
  await db.transaction().execute((tx) =>
    audit(tx, actor, {
      action: 'alert.export',
      entityType: 'alert',
      newValues: { rows: n, filters: { ...filters } },
    }),
  );
  return n;
}

import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import type { HazardFilters } from './hazard.schema.ts';
import { hazardsForExport } from './hazard.service.ts';

export const HAZARD_EXPORT_MAX = 50_000;
const DEADLINE_NAMES = { normal: '正常', warning: '临期', overdue: '超期' } as const;
const at = (s: string | null) => (s ? new Date(s) : null);

/** The hazard list as an Excel workbook (rows streamed out), at most HAZARD_EXPORT_MAX; the export is audited. */
export async function exportHazardsXlsx(
  db: DbOrTx,
  actor: Actor,
  filters: HazardFilters,
  out: Writable,
): Promise<number> {
  const items = await hazardsForExport(db, actor, filters, HAZARD_EXPORT_MAX);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('问题隐患 Hazards', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: '编号 Number', key: 'number', width: 26 },
    { header: '隐患 Title', key: 'title', width: 36 },
    { header: '类别 Category', key: 'category', width: 10 },
    { header: '等级 Severity', key: 'severity', width: 8 },
    { header: '状态 Status', key: 'status', width: 14 },
    { header: '时限 Deadline', key: 'deadline', width: 8 },
    { header: '区划 Area', key: 'area', width: 20 },
    { header: '责任企业 Enterprise', key: 'enterprise', width: 26 },
    { header: '上报 Reported', key: 'reported', width: 20 },
    { header: '响应时限 Respond by', key: 'respondDue', width: 20 },
    { header: '交办 Assigned', key: 'responded', width: 20 },
    { header: '整改时限 Rectify by', key: 'rectifyDue', width: 20 },
    { header: '验收通过 Passed', key: 'passed', width: 20 },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for (const h of items) {
    ws.addRow(
      safeRow({
        number: h.number,
        title: h.title,
        category: h.categoryName?.zh ?? '',
        severity: h.severityName.zh,
        status: h.statusName,
        deadline: h.closed ? '' : DEADLINE_NAMES[h.deadlineState],
        area: h.areaName ?? h.areaCode,
        enterprise: h.enterprise?.name ?? '',
        reported: at(h.clock.reportedAt),
        respondDue: at(h.clock.respondDueAt),
        responded: at(h.clock.respondedAt),
        rectifyDue: at(h.clock.rectifyDueAt),
        passed: at(h.clock.passedAt),
      }),
    ).commit();
  }
  ws.commit();
  await wb.commit();
  await db.transaction().execute((tx) =>
    audit(tx, actor, {
      action: 'hazard.export',
      entityType: 'matter',
      newValues: { rows: items.length, filters: { ...filters } },
    }),
  );
  return items.length;
}

import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import type { Vault } from '../../core/subjects/vault.ts';
import type { TeamFilters } from './patrol.schema.ts';
import { listTeams } from './teams.service.ts';

export const TEAM_EXPORT_MAX = 20_000;

/** Excel has no time zones: China time, as the console shows it. */
const cst = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000);

/**
 * The teams of the current filter as a sheet, page by page within the actor's scope, at most TEAM_EXPORT_MAX
 * rows; leaders' phones masked; text a spreadsheet would read as a formula written as text (safeRow). Audited
 * (`patrol.export`, with the filters and the number of rows).
 */
export async function exportTeamsXlsx(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  filters: TeamFilters,
  out: Writable,
): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('巡防队伍 Teams', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: '队伍 Team', key: 'name', width: 28 },
    { header: '类型 Kind', key: 'kind', width: 14 },
    { header: '区域 Area', key: 'area', width: 20 },
    { header: '区划代码 Code', key: 'code', width: 18 },
    { header: '队长 Leader', key: 'leader', width: 12 },
    { header: '队长电话 Phone', key: 'phone', width: 16 },
    { header: '队员数 Members', key: 'members', width: 10 },
    { header: '登记时间 Registered', key: 'created', width: 18, style: { numFmt: 'yyyy-mm-dd hh:mm' } },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let n = 0;
  for (let offset = 0; n < TEAM_EXPORT_MAX; offset += 200) {
    const page = await listTeams(db, vault, actor, { ...filters, limit: 200, offset });
    for (const t of page.items) {
      if (n >= TEAM_EXPORT_MAX) break;
      ws.addRow(
        safeRow({
          name: t.name,
          kind: t.kindName.zh,
          area: t.areaName ?? t.areaCode,
          code: t.areaCode,
          leader: t.leader?.name ?? '',
          phone: t.leader?.phone ?? '',
          members: t.members,
          created: cst(t.createdAt),
        }),
      ).commit();
      n++;
    }
    if (page.items.length < 200) break;
  }
  ws.commit();
  await wb.commit();
  await db.transaction().execute((tx) =>
    audit(tx, actor, {
      action: 'patrol.export',
      entityType: 'patrol_team',
      newValues: { rows: n, filters: { ...filters } },
    }),
  );
  return n;
}

import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import type { Vault } from '../../core/subjects/vault.ts';
import type { CourtFilters, StationFilters } from './court.schema.ts';
import { courtsForExport } from './courts.service.ts';
import { stationsForExport } from './stations.service.ts';

export const REGISTRY_EXPORT_MAX = 20_000;

const WEEKDAYS = ['', '一', '二', '三', '四', '五', '六', '日'];

/**
 * A registry (the shared courts or the psychological stations) of the current filter as a sheet, in the
 * actor's scope, at most REGISTRY_EXPORT_MAX rows; phones masked as on screen; text a spreadsheet would read
 * as a formula written as text (safeRow). Audited (`court.export` / `psych.station.export`, filters and rows).
 */
export async function exportRegistryXlsx(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  registry: 'courts' | 'stations',
  filters: CourtFilters | StationFilters,
  out: Writable,
): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  let n = 0;
  if (registry === 'courts') {
    const ws = wb.addWorksheet('共享法庭 Courts', { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = [
      { header: '名称 Name', key: 'name', width: 30 },
      { header: '类型 Kind', key: 'kind', width: 8 },
      { header: '区域 Area', key: 'area', width: 18 },
      { header: '区划代码 Code', key: 'code', width: 16 },
      { header: '地址 Address', key: 'address', width: 30 },
      { header: '庭务主任 Liaison', key: 'liaison', width: 12 },
      { header: '电话 Phone', key: 'phone', width: 14 },
      { header: '联系法官 Judge', key: 'judge', width: 12 },
      { header: '法院 Court', key: 'court', width: 20 },
      { header: '服务 Services', key: 'services', width: 36 },
      { header: '开放 Open', key: 'open', width: 22 },
      { header: '待开庭 Upcoming', key: 'upcoming', width: 10 },
      { header: '使用次数 Uses', key: 'uses', width: 10 },
    ];
    ws.getRow(1).font = { bold: true };
    ws.getRow(1).commit();
    for (const c of await courtsForExport(db, vault, actor, filters as CourtFilters, REGISTRY_EXPORT_MAX)) {
      ws.addRow(
        safeRow({
          name: c.name,
          kind: c.kindName.zh,
          area: c.areaName ?? '',
          code: c.areaCode,
          address: c.address ?? '',
          liaison: c.liaison.name,
          phone: c.liaison.phone ?? '',
          judge: c.judge.name ?? '',
          court: c.judge.court ?? '',
          services: c.services.join('、'),
          open: `周${c.openDays.map((d) => WEEKDAYS[d]).join('')} ${c.openFrom}–${c.openTo}`,
          upcoming: c.bookingsUpcoming,
          uses: c.usesTotal,
        }),
      ).commit();
      n++;
    }
    ws.commit();
  } else {
    const ws = wb.addWorksheet('心理服务站 Stations', { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = [
      { header: '名称 Name', key: 'name', width: 30 },
      { header: '区域 Area', key: 'area', width: 18 },
      { header: '区划代码 Code', key: 'code', width: 16 },
      { header: '地址 Address', key: 'address', width: 30 },
      { header: '工作人员 Staff', key: 'staff', width: 36 },
      { header: '联系人 Contact', key: 'contact', width: 12 },
      { header: '电话 Phone', key: 'phone', width: 14 },
      { header: '开放时间 Hours', key: 'hours', width: 24 },
      { header: '在办转介 Open referrals', key: 'referrals', width: 12 },
    ];
    ws.getRow(1).font = { bold: true };
    ws.getRow(1).commit();
    for (const s of await stationsForExport(
      db,
      vault,
      actor,
      filters as StationFilters,
      REGISTRY_EXPORT_MAX,
    )) {
      ws.addRow(
        safeRow({
          name: s.name,
          area: s.areaName ?? '',
          code: s.areaCode,
          address: s.address ?? '',
          staff: s.staff.map((p) => (p.title ? `${p.name}（${p.title}）` : p.name)).join('、'),
          contact: s.contact.name ?? '',
          phone: s.contact.phone ?? '',
          hours: s.hours ?? '',
          referrals: s.referralsOpen,
        }),
      ).commit();
      n++;
    }
    ws.commit();
  }
  await wb.commit();
  await db.transaction().execute((tx) =>
    audit(tx, actor, {
      action: registry === 'courts' ? 'court.export' : 'psych.station.export',
      entityType: registry === 'courts' ? 'court' : 'psych_station',
      newValues: { rows: n, filters: { ...filters } },
    }),
  );
  return n;
}

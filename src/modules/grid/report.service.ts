import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { type Actor, assertCan, inScope, scopePrefix } from '../../core/access/actor.ts';
import { inScopeSql, underAreaSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, forbidden, notFound } from '../../core/errors.ts';
import { safeRow } from '../../core/files/xlsx-safe.ts';
import { addDays, cstDay, daysBetween, type Period, periodStart, periodStarts } from './grid.geo.ts';
import { type GridReport, type GridRole, ROLE_NAMES } from './grid.schema.ts';
import { gdb } from './grid.tables.ts';
import { mayManageRoster, rulesMap } from './roster.service.ts';

/** The longest period a report covers. */
export const MAX_REPORT_DAYS = 366;
/** The longest list of missing members a report returns (the totals count them all). */
export const MAX_MISSING = 500;

export interface ReportInput {
  areaCode?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

interface Tally {
  members: number;
  required: number;
  done: number;
  leader: [number, number];
  instructor: [number, number];
}
const tally = (): Tally => ({ members: 0, required: 0, done: 0, leader: [0, 0], instructor: [0, 0] });
const share = (done: number, required: number) =>
  required === 0 ? null : Math.round((done / required) * 10_000) / 10_000;

/** The period of a report: defaults to this month so far; never beyond today (China time). */
export function reportPeriod(input: ReportInput, now = new Date()) {
  const today = cstDay(now);
  const from = input.from ?? `${today.slice(0, 8)}01`;
  const to = input.to && input.to < today ? input.to : today;
  const bad = (m: string) =>
    new AppError('INVALID_TIME_RANGE', `统计期间无效：${m} / Invalid period: ${m}`, [
      { path: 'from', code: 'INVALID_TIME_RANGE', message: m },
    ]);
  if (Number.isNaN(Date.parse(`${from}T00:00:00Z`)) || Number.isNaN(Date.parse(`${to}T00:00:00Z`))) {
    throw bad('not a date');
  }
  if (from > to) throw bad(`${from} > ${to}`);
  if (daysBetween(from, to).length > MAX_REPORT_DAYS) throw bad(`more than ${MAX_REPORT_DAYS} days`);
  return { from, to };
}

/**
 * "两个100%" (docs/GRID.md): for an area and a period, each member whose role has a rule owes one check-in per
 * period (day or Monday-to-Sunday week) overlapping [max(from, since), to]; done is the number of those
 * periods with a check-in. Shares per child area (per member for a grid), the members short of their rule,
 * and the daily trend of the daily rule. Everything within the actor's scope.
 */
export async function gridReport(
  db: DbOrTx,
  actor: Actor,
  input: ReportInput,
  now = new Date(),
): Promise<GridReport> {
  assertCan(actor, 'subject:read');
  const code = input.areaCode ?? actor.areaCode;
  const area = await db
    .selectFrom('areas')
    .select(['code', 'name', 'level'])
    .where('code', '=', code)
    .where(inScopeSql(actor, 'code'))
    .executeTakeFirst();
  if (!area || !inScope(actor, area.code)) throw notFound(`区域 / area ${code}`);
  const { from, to } = reportPeriod(input, now);
  const rules = await rulesMap(db);
  const ruled = [...rules].filter(([, p]) => p !== 'none').map(([r]) => r);

  const g = gdb(db);
  const members =
    ruled.length === 0
      ? []
      : await g
          .selectFrom('grid_members as m')
          .leftJoin('areas as a', 'a.code', 'm.area_code')
          .select(['m.id', 'm.area_code', 'm.role', 'm.name', 'm.since', 'm.user_id', 'a.name as area_name'])
          .where('m.removed_at', 'is', null)
          .where('m.role', 'in', ruled)
          .where('m.since', '<=', to)
          .where(underAreaSql(area.code, 'm.area_code'))
          .where(inScopeSql(actor, 'm.area_code'))
          .execute();

  // Check-ins per member and period kind, counting only the periods the member owes (from `since` on).
  const counts =
    members.length === 0
      ? []
      : await g
          .selectFrom('grid_checkins as c')
          .innerJoin('grid_members as m', 'm.id', 'c.member_id')
          .select(['c.member_id', 'c.period', (e) => e.fn.countAll<string>().as('n')])
          .where('m.removed_at', 'is', null)
          .where(underAreaSql(area.code, 'm.area_code'))
          .where(inScopeSql(actor, 'm.area_code'))
          .where('c.period_start', '>=', periodStart('week', from))
          .where('c.period_start', '<=', to)
          .where(
            sql<boolean>`c.period_start >= case when c.period = 'week'
              then date_trunc('week', greatest(m.since, ${from}::date))::date
              else greatest(m.since, ${from}::date) end`,
          )
          .groupBy(['c.member_id', 'c.period'])
          .execute();
  const doneOf = new Map(counts.map((c) => [`${c.member_id}:${c.period}`, Number(c.n)]));

  // Rows: the area's children, or the members themselves for a grid.
  const children =
    area.level < 5
      ? await db
          .selectFrom('areas')
          .select(['code', 'name', 'level'])
          .where('parent_code', '=', area.code)
          .orderBy('code')
          .execute()
      : [];
  const childOf = (memberArea: string) => children.find((c) => memberArea.startsWith(scopePrefix(c.code)));
  const rowTallies = new Map<string, Tally>(children.map((c) => [c.code, tally()]));
  const total = tally();
  const perMember: GridReport['rows'] = [];
  const missing: GridReport['missing'] = [];

  for (const m of members) {
    const period = rules.get(m.role as GridRole) as Period;
    const owed = periodStarts(period, laterDay(m.since, from), to).length;
    const done = Math.min(owed, doneOf.get(`${m.id}:${period}`) ?? 0);
    const add = (t: Tally) => {
      t.members++;
      t.required += owed;
      t.done += done;
      if (m.role === 'leader') t.leader = [t.leader[0] + done, t.leader[1] + owed];
      if (m.role === 'instructor') t.instructor = [t.instructor[0] + done, t.instructor[1] + owed];
    };
    add(total);
    const child = childOf(m.area_code);
    if (child) add(rowTallies.get(child.code)!);
    if (area.level === 5) {
      const t = tally();
      add(t);
      perMember.push(present(m.id, `${m.name}（${ROLE_NAMES[m.role as GridRole].zh}）`, 6, t));
    }
    if (done < owed) {
      missing.push({
        memberId: m.id,
        name: m.name,
        role: m.role as GridRole,
        roleName: ROLE_NAMES[m.role as GridRole],
        areaCode: m.area_code,
        areaName: m.area_name,
        required: owed,
        done,
        missing: owed - done,
        lastCheckinAt: null,
        hasAccount: m.user_id !== null,
      });
    }
  }
  missing.sort(
    (a, b) =>
      b.missing - a.missing ||
      a.areaCode.localeCompare(b.areaCode) ||
      Number(a.memberId) - Number(b.memberId),
  );
  const shown = missing.slice(0, MAX_MISSING);
  if (shown.length > 0) {
    const last = await g
      .selectFrom('grid_checkins')
      .select(['member_id', (e) => e.fn.max('at').as('at')])
      .where(
        'member_id',
        'in',
        shown.map((m) => m.memberId),
      )
      .groupBy('member_id')
      .execute();
    const lastOf = new Map(last.map((r) => [r.member_id, r.at]));
    for (const m of shown) {
      const at = lastOf.get(m.memberId);
      m.lastCheckinAt = at ? new Date(at).toISOString() : null;
    }
  }

  return {
    area: { code: area.code, name: area.name, level: area.level },
    from,
    to,
    totals: present(area.code, area.name, area.level, total),
    rows:
      area.level === 5
        ? perMember
        : children.map((c) => present(c.code, c.name, c.level, rowTallies.get(c.code)!)),
    missing: shown,
    missingTotal: missing.length,
    trend: await trend(db, actor, area.code, from, to, members, rules),
  };
}

/** The later of two 'YYYY-MM-DD' days (ISO dates compare as strings). */
function laterDay(a: string, b: string): string {
  return [a, b].sort()[1]!;
}

function present(code: string, name: string, level: number, t: Tally): GridReport['rows'][number] {
  return {
    code,
    name,
    level,
    members: t.members,
    required: t.required,
    done: t.done,
    share: share(t.done, t.required),
    leaderShare: share(...t.leader),
    instructorShare: share(...t.instructor),
  };
}

/** Per day: the daily-rule check-ins owed and done, and all check-ins made that day (China time). */
async function trend(
  db: DbOrTx,
  actor: Actor,
  areaCode: string,
  from: string,
  to: string,
  members: { id: string; role: string; since: string }[],
  rules: Map<GridRole, 'none' | 'day' | 'week'>,
) {
  const daily = members.filter((m) => rules.get(m.role as GridRole) === 'day');
  const dailyIds = new Set(daily.map((m) => m.id));
  const g = gdb(db);
  const base = () =>
    g
      .selectFrom('grid_checkins as c')
      .innerJoin('grid_members as m', 'm.id', 'c.member_id')
      .where('m.removed_at', 'is', null)
      .where(underAreaSql(areaCode, 'm.area_code'))
      .where(inScopeSql(actor, 'm.area_code'));
  const doneRows = await base()
    .select(['c.period_start as day', 'c.member_id'])
    .where('c.period', '=', 'day')
    .where('c.period_start', '>=', from)
    .where('c.period_start', '<=', to)
    .whereRef('c.period_start', '>=', 'm.since')
    .execute();
  const done = new Map<string, number>();
  for (const r of doneRows) {
    if (dailyIds.has(r.member_id)) done.set(r.day, (done.get(r.day) ?? 0) + 1);
  }
  const day = sql<string>`to_char((c.at at time zone 'UTC') + interval '8 hours', 'YYYY-MM-DD')`;
  const all = await base()
    .select([day.as('day'), (e) => e.fn.countAll<string>().as('n')])
    .where('c.at', '>=', new Date(`${from}T00:00:00+08:00`))
    .where('c.at', '<', new Date(`${addDays(to, 1)}T00:00:00+08:00`))
    .groupBy(day)
    .execute();
  const allOf = new Map(all.map((r) => [r.day, Number(r.n)]));
  return daysBetween(from, to).map((d) => ({
    day: d,
    required: daily.filter((m) => m.since <= d).length,
    done: done.get(d) ?? 0,
    checkins: allOf.get(d) ?? 0,
  }));
}

// ---------------------------------------------------------------------------------------------------------
// Reminders

export interface RemindInput extends ReportInput {
  memberIds?: string[] | undefined;
  message?: string | undefined;
}

/**
 * 提醒: to the members missing check-ins in the report's period (or the chosen ones among them): a row in
 * grid_reminders each (shown on the member's check-in page) and, for members with a user account, a
 * notification (the console's bell). One audit entry for the batch.
 */
export async function remindMissing(tx: DbOrTx, actor: Actor, input: RemindInput, now = new Date()) {
  if (!mayManageRoster(actor)) {
    throw forbidden('只有镇街及以上综治中心可以发送提醒 / Only town centres and above send reminders');
  }
  const r = await gridReport(tx, actor, { ...input }, now);
  let targets = r.missing;
  if (input.memberIds) {
    const wanted = new Set(input.memberIds);
    targets = r.missing.filter((m) => wanted.has(m.memberId));
    if (targets.length !== wanted.size) {
      throw new AppError(
        'VALIDATION_FAILED',
        '所选成员不在缺勤名单中 / Not all of them are missing check-ins',
        [{ path: 'memberIds', message: 'not missing in this period' }],
      );
    }
  }
  if (targets.length === 0) return { reminded: 0, notified: 0 };
  const text = (m: (typeof targets)[number]) =>
    input.message?.trim() ||
    `【入格提醒】${m.areaName ?? m.areaCode} ${m.roleName.zh}${m.name}：${r.from} 至 ${r.to} 应入格 ${m.required} 次，已入格 ${m.done} 次，请按时入格。`;
  const g = gdb(tx);
  await g
    .insertInto('grid_reminders')
    .values(
      targets.map((m) => ({
        member_id: m.memberId,
        area_code: m.areaCode,
        period_from: r.from,
        period_to: r.to,
        missing: m.missing,
        message: text(m).slice(0, 500),
        sent_by: actor.id,
      })),
    )
    .execute();
  const users = await g
    .selectFrom('grid_members')
    .select(['id', 'user_id'])
    .where(
      'id',
      'in',
      targets.map((m) => m.memberId),
    )
    .where('user_id', 'is not', null)
    .execute();
  const byId = new Map(targets.map((m) => [m.memberId, m]));
  if (users.length > 0) {
    await tx
      .insertInto('notifications')
      .values(
        users.map((u) => ({
          user_id: u.user_id!,
          matter_id: null,
          kind: 'grid_checkin_reminder',
          message: text(byId.get(u.id)!).slice(0, 500),
        })),
      )
      .execute();
  }
  await audit(tx, actor, {
    action: 'grid.remind',
    entityType: 'grid_member',
    areaCode: r.area.code,
    newValues: { from: r.from, to: r.to, members: targets.map((m) => m.memberId), notified: users.length },
  });
  return { reminded: targets.length, notified: users.length };
}

/** The reminders sent to the actor's own memberships, newest first. */
export async function myReminders(db: DbOrTx, actor: Actor) {
  if (!actor.id) return [];
  const rows = await gdb(db)
    .selectFrom('grid_reminders as r')
    .innerJoin('grid_members as m', 'm.id', 'r.member_id')
    .select([
      'r.id',
      'r.member_id',
      'm.name',
      'r.area_code',
      'r.period_from',
      'r.period_to',
      'r.missing',
      'r.message',
      'r.sent_at',
    ])
    .where('m.user_id', '=', actor.id)
    .orderBy('r.id', 'desc')
    .limit(20)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    memberId: r.member_id,
    memberName: r.name,
    areaCode: r.area_code,
    periodFrom: r.period_from,
    periodTo: r.period_to,
    missing: r.missing,
    message: r.message,
    sentAt: new Date(r.sent_at).toISOString(),
  }));
}

// ---------------------------------------------------------------------------------------------------------
// Export

const pct = (x: number | null) => (x === null ? '' : x);

/** The report as a workbook: the rows, the members missing, the trend. Audited (`grid.export`). */
export async function exportReportXlsx(tx: DbOrTx, actor: Actor, input: ReportInput, now = new Date()) {
  const r = await gridReport(tx, actor, input, now);
  const wb = new ExcelJS.Workbook();
  const pctFmt = { numFmt: '0.0%' };
  const rows = wb.addWorksheet('两个100% Report', { views: [{ state: 'frozen', ySplit: 1 }] });
  rows.columns = [
    { header: '区域 Area', key: 'name', width: 28 },
    { header: '代码 Code', key: 'code', width: 18 },
    { header: '人数 Members', key: 'members', width: 10 },
    { header: '应入格 Required', key: 'required', width: 12 },
    { header: '已入格 Done', key: 'done', width: 12 },
    { header: '入格率 Share', key: 'share', width: 10, style: pctFmt },
    { header: '网格长 Leaders', key: 'leaderShare', width: 12, style: pctFmt },
    { header: '网格指导员 Instructors', key: 'instructorShare', width: 14, style: pctFmt },
  ];
  rows.getRow(1).font = { bold: true };
  for (const x of [...r.rows, { ...r.totals, name: `合计 Total · ${r.totals.name}` }]) {
    rows.addRow(
      safeRow({
        ...x,
        share: pct(x.share),
        leaderShare: pct(x.leaderShare),
        instructorShare: pct(x.instructorShare),
      }),
    );
  }
  const miss = wb.addWorksheet('未入格 Missing', { views: [{ state: 'frozen', ySplit: 1 }] });
  miss.columns = [
    { header: '姓名 Name', key: 'name', width: 12 },
    { header: '角色 Role', key: 'role', width: 14 },
    { header: '网格 Grid', key: 'area', width: 28 },
    { header: '应入格 Required', key: 'required', width: 12 },
    { header: '已入格 Done', key: 'done', width: 12 },
    { header: '缺 Missing', key: 'missing', width: 10 },
    { header: '最近入格 Last', key: 'last', width: 18 },
  ];
  miss.getRow(1).font = { bold: true };
  for (const m of r.missing) {
    miss.addRow(
      safeRow({
        name: m.name,
        role: m.roleName.zh,
        area: m.areaName ?? m.areaCode,
        required: m.required,
        done: m.done,
        missing: m.missing,
        last: m.lastCheckinAt ? cstDay(new Date(m.lastCheckinAt)) : '',
      }),
    );
  }
  const tr = wb.addWorksheet('趋势 Trend');
  tr.columns = [
    { header: '日期 Day', key: 'day', width: 12 },
    { header: '应入格（每日） Required', key: 'required', width: 16 },
    { header: '已入格（每日） Done', key: 'done', width: 16 },
    { header: '全部入格 Check-ins', key: 'checkins', width: 14 },
  ];
  tr.getRow(1).font = { bold: true };
  for (const d of r.trend) tr.addRow(d);
  const buf = Buffer.from(await wb.xlsx.writeBuffer());
  await audit(tx, actor, {
    action: 'grid.export',
    entityType: 'grid_report',
    areaCode: r.area.code,
    newValues: { from: r.from, to: r.to, rows: r.rows.length, missing: r.missing.length },
  });
  return { buffer: buf, report: r };
}

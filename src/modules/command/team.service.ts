import { sql } from 'kysely';
import { type Actor, assertCan, inScope } from '../../core/access/actor.ts';
import { ROLE_NAMES, type Role } from '../../core/access/roles.ts';
import { type Area, ancestors, locate } from '../../core/areas/areas.service.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { findMatterRow } from '../../core/matters/matters.service.ts';
import { normalizeMobile } from '../../core/subjects/codes.ts';
import { maskMobile, type Vault } from '../../core/subjects/vault.ts';
import { ROLE_NAMES as GRID_ROLE_NAMES } from '../grid/grid.schema.ts';
import { MEMBER_PHONE_AAD, memberQuery, presentMember, rulesMap } from '../grid/roster.service.ts';
import { cdb } from './command.tables.ts';

/** The vault binds each phone's ciphertext to this column (associated data): it cannot be moved elsewhere. */
export const PHONE_AAD = 'command_duty_phones.phone';

/** Who is called up besides the grid's 1+3+N roster: users of the grid, village and town with these roles. */
export const TEAM_ROLES: Role[] = ['grid_worker', 'town_center'];

const NO_GRID = {
  zh: '该事项未定位到网格（区域在村社以上且无坐标），“1+3+N”花名册请在网格力量页面按网格查看。',
  en: 'This matter is not placed in a grid (an area above the grid and no point): see the grid rosters page for the 1+3+N teams.',
};

/**
 * The matter's grid: its area when that is a grid (level 5), else the grid its point lies in, else none.
 * The roster of that grid is read with the grid module's own query (src/modules/grid/roster.service.ts).
 */
async function matterGrid(
  db: DbOrTx,
  m: { area_code: string; lng: number | null; lat: number | null },
  path: Area[],
) {
  const own = path.find((a) => a.level === 5);
  if (own) return { code: own.code, name: own.name };
  if (m.lng == null || m.lat == null) return null;
  const hit = (await locate(db, m.lng, m.lat)).find(
    (a) => a.level === 5 && a.code.startsWith(m.area_code.replace(/0+$/, '')),
  );
  return hit ? { code: hit.code, name: hit.name } : null;
}

async function rosterRows(db: DbOrTx, gridCode: string | undefined) {
  if (!gridCode) return [];
  return memberQuery(db).where('m.area_code', '=', gridCode).orderBy('m.id').execute();
}

export interface TeamMember {
  userId: string;
  displayName: string;
  roles: Role[];
  roleNames: { zh: string; en: string }[];
  areaCode: string;
  areaName: string | null;
  areaLevel: number;
  departmentCode: string | null;
  phone: string | null;
}

/** The matter's grid, village and town — where its team sits — from the finest up — and its grid. */
async function teamAreas(db: DbOrTx, m: { area_code: string; lng: number | null; lat: number | null }) {
  const path = await ancestors(db, m.area_code);
  return { areas: path.filter((a) => a.level >= 3).reverse(), grid: await matterGrid(db, m, path) };
}

async function teamRows(db: DbOrTx, areaCodes: string[]) {
  if (areaCodes.length === 0) return [];
  return cdb(db)
    .selectFrom('users as u')
    .leftJoin('command_duty_phones as p', 'p.user_id', 'u.id')
    .select(['u.id', 'u.display_name', 'u.roles', 'u.area_code', 'u.department_code', 'p.phone_enc'])
    .where('u.area_code', 'in', areaCodes)
    .where('u.disabled', '=', false)
    .where(sql<boolean>`u.roles && ${sql.val(TEAM_ROLES)}::text[]`)
    .execute();
}

/**
 * 一键调度网格力量: the people to call about a matter — the 1+3+N roster of its grid (网格长, 专职/兼职网格员,
 * 网格指导员, the N teams) with their roster phones, and the users of its grid, village and town (grid workers,
 * the town's centre) with their duty phones — all masked. For those who act on matters; the matter must be
 * visible.
 */
export async function gridTeam(db: DbOrTx, vault: Vault, actor: Actor, matterId: string) {
  assertCan(actor, 'matter:act');
  const m = await findMatterRow(db, actor, matterId);
  const { areas, grid } = await teamAreas(db, m);
  const rank = new Map(areas.map((a, i) => [a.code, i]));
  const rows = await teamRows(
    db,
    areas.map((a) => a.code),
  );
  const items: TeamMember[] = rows
    .map((r) => {
      const area = areas.find((a) => a.code === r.area_code);
      const roles = (r.roles as Role[]).filter((x) => TEAM_ROLES.includes(x));
      return {
        userId: r.id,
        displayName: r.display_name,
        roles,
        roleNames: roles.map((x) => ROLE_NAMES[x]),
        areaCode: r.area_code,
        areaName: area?.name ?? null,
        areaLevel: area?.level ?? 0,
        departmentCode: r.department_code,
        phone: r.phone_enc ? maskMobile(vault.decrypt(r.phone_enc, PHONE_AAD)) : null,
      };
    })
    // The nearest first (grid, village, town), grid workers before the centre, then by name.
    .sort(
      (a, b) =>
        (rank.get(a.areaCode) ?? 9) - (rank.get(b.areaCode) ?? 9) ||
        Number(!a.roles.includes('grid_worker')) - Number(!b.roles.includes('grid_worker')) ||
        a.displayName.localeCompare(b.displayName, 'zh'),
    );
  const rules = await rulesMap(db);
  const members = (await rosterRows(db, grid?.code))
    .map((r) => presentMember(vault, r, rules))
    .sort((a, b) => ROSTER_ORDER.indexOf(a.role) - ROSTER_ORDER.indexOf(b.role));
  return {
    areas: areas.map((a) => ({ code: a.code, name: a.name, level: a.level })),
    items,
    roster: {
      available: !!grid,
      note: grid ? null : NO_GRID,
      grid,
      members: members.map((x) => ({
        id: x.id,
        role: x.role,
        roleName: x.roleName,
        group: x.group,
        name: x.name,
        unit: x.unit,
        userId: x.userId,
        phone: x.phone,
        lastCheckinAt: x.lastCheckinAt,
      })),
    },
  };
}

const ROSTER_ORDER = Object.keys(GRID_ROLE_NAMES);

/**
 * The plain duty phones of (some of) a matter's team, for a stated reason: needs `subject:reveal`, and the
 * call is in the audit log with the reason and whose numbers (never the numbers).
 */
export async function revealTeamPhones(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  matterId: string,
  input: { reason: string; userIds?: string[] | undefined; memberIds?: string[] | undefined },
) {
  assertCan(actor, 'matter:act');
  assertCan(actor, 'subject:reveal');
  const reason = input.reason.trim();
  if (reason.length < 2) throw new AppError('REASON_REQUIRED', '查看需填写事由 / A reason is required');
  const m = await findMatterRow(tx, actor, matterId);
  const { areas, grid } = await teamAreas(tx, m);
  const rows = await teamRows(
    tx,
    areas.map((a) => a.code),
  );
  const wanted = input.userIds ? new Set(input.userIds) : null;
  const chosen = rows.filter((r) => !wanted || wanted.has(r.id));
  const members = (await rosterRows(tx, grid?.code)).filter(
    (r) => r.phone_enc && (!input.memberIds || input.memberIds.includes(r.id)),
  );
  if (input.memberIds && members.length !== new Set(input.memberIds).size) {
    throw new AppError(
      'VALIDATION_FAILED',
      '所选成员不属于该事项网格的花名册或未登记电话 / Not all of them are on this grid’s roster with a phone',
      [{ path: 'memberIds', message: 'not on the roster' }],
    );
  }
  if (wanted && chosen.length !== wanted.size) {
    throw new AppError(
      'VALIDATION_FAILED',
      '所选人员不属于该事项的网格力量 / Not all of them are in this team',
      [{ path: 'userIds', message: 'not in the team' }],
    );
  }
  await audit(tx, actor, {
    action: 'command.team.reveal',
    entityType: 'matter',
    entityId: m.id,
    areaCode: m.area_code,
    reason,
    newValues: { fields: ['phone'], users: chosen.map((r) => r.id), rosterMembers: members.map((r) => r.id) },
  });
  return {
    items: chosen.map((r) => ({
      userId: r.id,
      phone: r.phone_enc ? vault.decrypt(r.phone_enc, PHONE_AAD) : null,
    })),
    roster: members.map((r) => ({ memberId: r.id, phone: vault.decrypt(r.phone_enc!, MEMBER_PHONE_AAD) })),
  };
}

/**
 * Sets (or with null removes) a user's duty phone: for user managers whose scope covers the user; audited
 * without the number.
 */
export async function setDutyPhone(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  userId: string,
  phone: string | null,
): Promise<{ userId: string; phone: string | null }> {
  assertCan(actor, 'user:manage');
  const u = await tx
    .selectFrom('users')
    .select(['id', 'area_code'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!u || !inScope(actor, u.area_code)) throw notFound(`用户 / user ${userId}`);
  const db = cdb(tx);
  if (phone === null) {
    await db.deleteFrom('command_duty_phones').where('user_id', '=', userId).execute();
  } else {
    const n = normalizeMobile(phone);
    if (!n)
      throw new AppError('INVALID_MOBILE', '手机号码无效 / Invalid mobile number', [
        { path: 'phone', code: 'INVALID_MOBILE', message: 'not a mainland mobile number' },
      ]);
    const enc = vault.encrypt(n, PHONE_AAD);
    await db
      .insertInto('command_duty_phones')
      .values({ user_id: userId, phone_enc: enc, updated_by: actor.id })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ phone_enc: enc, updated_by: actor.id, updated_at: new Date() }),
      )
      .execute();
  }
  await audit(tx, actor, {
    action: 'command.duty_phone',
    entityType: 'user',
    entityId: userId,
    areaCode: u.area_code,
    newValues: { phone: phone === null ? 'removed' : 'set' },
  });
  return { userId, phone: phone === null ? null : maskMobile(normalizeMobile(phone) ?? phone) };
}

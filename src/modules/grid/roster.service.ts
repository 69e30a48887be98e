import { sql } from 'kysely';
import { type Actor, assertCan, can, inScope } from '../../core/access/actor.ts';
import { inScopeSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, forbidden, notFound } from '../../core/errors.ts';
import { normalizeMobile } from '../../core/subjects/codes.ts';
import { maskMobile, type Vault } from '../../core/subjects/vault.ts';
import { cstDay } from './grid.geo.ts';
import {
  type GridMember,
  type GridRole,
  type MemberInput,
  type MemberPatch,
  ROLE_GROUP,
  ROLE_NAMES,
} from './grid.schema.ts';
import { gdb } from './grid.tables.ts';

/** The vault binds each phone's ciphertext to this column (associated data). */
export const MEMBER_PHONE_AAD = 'grid_members.phone';

/**
 * Who may edit rosters: those who write subjects (`subject:write`) from a town's scope or above — the town and
 * county centres and the city. A grid worker (scoped to a village or a grid) reads the roster but does not
 * appoint their own team.
 */
export function mayManageRoster(actor: Actor): boolean {
  return can(actor, 'subject:write') && actor.scopePrefix.length <= 9;
}

function assertManage(actor: Actor) {
  if (!mayManageRoster(actor)) {
    throw forbidden('只有镇街及以上综治中心可以维护网格力量 / Only town centres and above edit grid teams');
  }
}

/** A grid (level 5) in the actor's scope: out of scope is 404 as if absent, an area of another level 400. */
export async function findGrid(db: DbOrTx, actor: Actor, code: string) {
  const a = await db
    .selectFrom('areas as a')
    .leftJoin('areas as p', 'p.code', 'a.parent_code')
    .select(['a.code', 'a.name', 'a.level', 'a.geometry', 'p.name as parent_name'])
    .where('a.code', '=', code)
    .where(inScopeSql(actor, 'a.code'))
    .executeTakeFirst();
  if (!a) throw notFound(`网格 / grid ${code}`);
  if (a.level !== 5) {
    throw new AppError('NOT_A_GRID', `${a.name}（${code}）不是网格 / ${code} is not a grid`, [
      { path: 'areaCode', code: 'NOT_A_GRID', message: `level ${a.level}` },
    ]);
  }
  return a;
}

export async function rulesMap(db: DbOrTx): Promise<Map<GridRole, 'none' | 'day' | 'week'>> {
  const rows = await gdb(db).selectFrom('grid_rules').select(['role', 'period']).execute();
  return new Map(rows.map((r) => [r.role as GridRole, r.period]));
}

export function memberQuery(db: DbOrTx) {
  return gdb(db)
    .selectFrom('grid_members as m')
    .leftJoin('areas as a', 'a.code', 'm.area_code')
    .leftJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'm.id',
      'm.area_code',
      'm.role',
      'm.name',
      'm.phone_enc',
      'm.user_id',
      'm.unit',
      'm.since',
      'm.version',
      'a.name as area_name',
      'u.display_name as user_name',
      (eb) =>
        eb
          .selectFrom('grid_checkins as c')
          .select((e) => e.fn.max('c.at').as('at'))
          .whereRef('c.member_id', '=', 'm.id')
          .as('last_at'),
    ])
    .where('m.removed_at', 'is', null);
}
type MemberRow = Awaited<ReturnType<ReturnType<typeof memberQuery>['executeTakeFirstOrThrow']>>;

export function presentMember(
  vault: Vault,
  r: MemberRow,
  rules: Map<GridRole, 'none' | 'day' | 'week'>,
): GridMember {
  const role = r.role as GridRole;
  return {
    id: r.id,
    areaCode: r.area_code,
    areaName: r.area_name,
    role,
    roleName: ROLE_NAMES[role],
    group: ROLE_GROUP[role],
    name: r.name,
    phone: r.phone_enc ? maskMobile(vault.decrypt(r.phone_enc, MEMBER_PHONE_AAD)) : null,
    userId: r.user_id,
    userName: r.user_name,
    unit: r.unit,
    since: r.since,
    period: rules.get(role) ?? 'none',
    lastCheckinAt: r.last_at ? new Date(r.last_at).toISOString() : null,
    version: r.version,
  };
}

const ROLE_ORDER = Object.keys(ROLE_NAMES);

/** The roster of one grid: 1 + 3 + N, phones masked. */
export async function roster(db: DbOrTx, vault: Vault, actor: Actor, gridCode: string) {
  assertCan(actor, 'subject:read');
  const g = await findGrid(db, actor, gridCode);
  const rules = await rulesMap(db);
  const rows = await memberQuery(db).where('m.area_code', '=', g.code).orderBy('m.id').execute();
  const items = rows
    .map((r) => presentMember(vault, r, rules))
    .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
  return {
    grid: { code: g.code, name: g.name, parentName: g.parent_name },
    items,
    counts: {
      one: items.filter((m) => m.group === '1').length,
      three: items.filter((m) => m.group === '3').length,
      n: items.filter((m) => m.group === 'N').length,
    },
    mayEdit: mayManageRoster(actor),
    mayReveal: can(actor, 'subject:reveal'),
  };
}

export async function getMember(db: DbOrTx, vault: Vault, actor: Actor, id: string): Promise<GridMember> {
  const r = await memberQuery(db)
    .where('m.id', '=', id)
    .where(inScopeSql(actor, 'm.area_code'))
    .executeTakeFirst();
  if (!r) throw notFound(`网格成员 / member ${id}`);
  return presentMember(vault, r, await rulesMap(db));
}

function encryptPhone(vault: Vault, phone: string | null | undefined): string | null {
  if (!phone) return null;
  const n = normalizeMobile(phone);
  if (!n) {
    throw new AppError('INVALID_MOBILE', '手机号码无效 / Invalid mobile number', [
      { path: 'phone', code: 'INVALID_MOBILE', message: 'not a mainland mobile number' },
    ]);
  }
  return vault.encrypt(n, MEMBER_PHONE_AAD);
}

async function assertUser(db: DbOrTx, userId: string | null | undefined) {
  if (!userId) return;
  const u = await db
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .where('disabled', '=', false)
    .executeTakeFirst();
  if (!u) {
    throw new AppError('VALIDATION_FAILED', '关联的用户不存在 / Unknown user', [
      { path: 'userId', message: 'no such active user' },
    ]);
  }
}

async function assertNoLeader(db: DbOrTx, gridCode: string, exceptId?: string) {
  let q = gdb(db)
    .selectFrom('grid_members')
    .select(['id', 'name'])
    .where('area_code', '=', gridCode)
    .where('role', '=', 'leader')
    .where('removed_at', 'is', null);
  if (exceptId) q = q.where('id', '<>', exceptId);
  const other = await q.executeTakeFirst();
  if (other) {
    throw new AppError(
      'GRID_LEADER_EXISTS',
      `本网格已有网格长（${other.name}），一个网格只设 1 名网格长 / This grid already has a leader`,
      [{ path: 'role', code: 'GRID_LEADER_EXISTS', message: `member ${other.id}` }],
    );
  }
}

/** The audit's view of a member: never the phone, only whether one is set. */
const auditView = (m: {
  role: string;
  name: string;
  unit: string | null;
  user_id: string | null;
  since: string;
  phone_enc: string | null;
}) => ({
  role: m.role,
  name: m.name,
  unit: m.unit,
  userId: m.user_id,
  since: m.since,
  phone: m.phone_enc ? 'set' : null,
});

export async function addMember(tx: DbOrTx, vault: Vault, actor: Actor, input: MemberInput) {
  assertManage(actor);
  const g = await findGrid(tx, actor, input.areaCode);
  if (input.role === 'leader') await assertNoLeader(tx, g.code);
  await assertUser(tx, input.userId);
  const values = {
    area_code: g.code,
    role: input.role,
    name: input.name,
    phone_enc: encryptPhone(vault, input.phone),
    user_id: input.userId ?? null,
    unit: input.unit || null,
    since: input.since ?? cstDay(new Date()),
  };
  const row = await gdb(tx)
    .insertInto('grid_members')
    .values(values)
    .returning('id')
    .executeTakeFirstOrThrow();
  await audit(tx, actor, {
    action: 'grid.member.add',
    entityType: 'grid_member',
    entityId: row.id,
    areaCode: g.code,
    newValues: auditView(values),
  });
  return getMember(tx, vault, actor, row.id);
}

async function lockMember(tx: DbOrTx, actor: Actor, id: string) {
  const m = await gdb(tx)
    .selectFrom('grid_members')
    .selectAll()
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .where(inScopeSql(actor))
    .forUpdate()
    .executeTakeFirst();
  if (!m) throw notFound(`网格成员 / member ${id}`);
  return m;
}

function assertVersion(m: { version: number }, version: number) {
  if (m.version !== version) {
    throw new AppError(
      'CONFLICT',
      `该成员已被他人修改（当前版本 ${m.version}），请刷新后重试 / The member was changed meanwhile`,
    );
  }
}

export async function updateMember(tx: DbOrTx, vault: Vault, actor: Actor, id: string, patch: MemberPatch) {
  assertManage(actor);
  const m = await lockMember(tx, actor, id);
  assertVersion(m, patch.version);
  if (patch.role === 'leader' && m.role !== 'leader') await assertNoLeader(tx, m.area_code, m.id);
  if (patch.userId !== undefined) await assertUser(tx, patch.userId);
  const next = {
    role: patch.role ?? m.role,
    name: patch.name ?? m.name,
    phone_enc: patch.phone === undefined ? m.phone_enc : encryptPhone(vault, patch.phone),
    user_id: patch.userId === undefined ? m.user_id : patch.userId,
    unit: patch.unit === undefined ? m.unit : patch.unit || null,
    since: patch.since ?? m.since,
  };
  await gdb(tx)
    .updateTable('grid_members')
    .set({ ...next, version: sql`version + 1`, updated_at: new Date() })
    .where('id', '=', m.id)
    .execute();
  await audit(tx, actor, {
    action: 'grid.member.update',
    entityType: 'grid_member',
    entityId: m.id,
    areaCode: m.area_code,
    oldValues: { ...auditView(m), version: m.version },
    newValues: {
      ...auditView(next),
      phone: patch.phone === undefined ? auditView(m).phone : patch.phone ? 'changed' : null,
      version: m.version + 1,
    },
  });
  return getMember(tx, vault, actor, m.id);
}

/** Removes a member from the team (kept for the history of their check-ins). */
export async function removeMember(tx: DbOrTx, actor: Actor, id: string, version: number) {
  assertManage(actor);
  const m = await lockMember(tx, actor, id);
  assertVersion(m, version);
  await gdb(tx)
    .updateTable('grid_members')
    .set({ removed_at: new Date(), version: sql`version + 1`, updated_at: new Date() })
    .where('id', '=', m.id)
    .execute();
  await audit(tx, actor, {
    action: 'grid.member.remove',
    entityType: 'grid_member',
    entityId: m.id,
    areaCode: m.area_code,
    oldValues: { ...auditView(m), version: m.version },
  });
}

/** The plain phone of a member, for a stated reason: needs `subject:reveal`; audited (the reason, not the number). */
export async function revealMemberPhone(tx: DbOrTx, vault: Vault, actor: Actor, id: string, reason: string) {
  assertCan(actor, 'subject:read');
  assertCan(actor, 'subject:reveal');
  const why = reason.trim();
  if (why.length < 2) throw new AppError('REASON_REQUIRED', '查看需填写事由 / A reason is required');
  const m = await gdb(tx)
    .selectFrom('grid_members')
    .select(['id', 'area_code', 'phone_enc'])
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .where(inScopeSql(actor))
    .executeTakeFirst();
  if (!m || !inScope(actor, m.area_code)) throw notFound(`网格成员 / member ${id}`);
  await audit(tx, actor, {
    action: 'grid.member.reveal',
    entityType: 'grid_member',
    entityId: m.id,
    areaCode: m.area_code,
    reason: why,
    newValues: { fields: ['phone'] },
  });
  return { id: m.id, phone: m.phone_enc ? vault.decrypt(m.phone_enc, MEMBER_PHONE_AAD) : null };
}

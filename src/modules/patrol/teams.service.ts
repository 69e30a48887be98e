import { type SqlBool, sql } from 'kysely';
import { type Actor, assertCan, assertInScope } from '../../core/access/actor.ts';
import { inScopeSql, underAreaSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { normalizeMobile } from '../../core/subjects/codes.ts';
import { maskMobile, type Vault } from '../../core/subjects/vault.ts';
import {
  type MemberInput,
  TEAM_KIND_NAMES,
  type TeamFilters,
  type TeamInput,
  type TeamListQuery,
} from './patrol.schema.ts';
import { pdb } from './patrol.tables.ts';

/** The vault binds each phone's ciphertext to this column; the blind index uses the same name as its kind. */
export const PHONE_AAD = 'patrol_members.phone';

type Kind = keyof typeof TEAM_KIND_NAMES;

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === '23505';

export function duplicateMember(teamId: string): AppError {
  return new AppError(
    'PATROL_MEMBER_DUPLICATE',
    '该手机号已在本队登记 / This phone number is already registered in the team',
    [{ path: 'phone', code: 'PATROL_MEMBER_DUPLICATE', message: `team ${teamId}` }],
  );
}

function phoneOf(vault: Vault, raw: string, path = 'phone') {
  const n = normalizeMobile(raw);
  if (!n) {
    throw new AppError('INVALID_MOBILE', '手机号码无效 / Invalid mobile number', [
      { path, code: 'INVALID_MOBILE', message: 'not a mainland mobile number' },
    ]);
  }
  return { enc: vault.encrypt(n, PHONE_AAD), hmac: vault.blindIndex(PHONE_AAD, n), masked: maskMobile(n) };
}

async function assertUser(tx: DbOrTx, actor: Actor, userId: string | undefined, path: string) {
  if (!userId) return;
  const u = await tx
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .where(inScopeSql(actor))
    .executeTakeFirst();
  if (!u) {
    throw new AppError('VALIDATION_FAILED', `用户 ${userId} 不存在或不在管辖范围 / Unknown user`, [
      { path, message: 'unknown user' },
    ]);
  }
}

/**
 * The patrol rows an actor may see: those in their area, and those of the teams they walk with (a member's
 * own login sees their team even when the team sits above their area, e.g. a town's volunteers).
 */
export function teamVisibleSql(actor: Actor, areaColumn = 'area_code', teamColumn = 'team_id') {
  if (!actor.id) return inScopeSql(actor, areaColumn);
  return sql<SqlBool>`(${inScopeSql(actor, areaColumn)} or ${sql.ref(teamColumn)} in (select team_id from patrol_members where user_id = ${actor.id}))`;
}

/** The team (in the actor's scope), optionally locked. */
export async function findTeamRow(db: DbOrTx, actor: Actor, id: string, lock = false) {
  assertCan(actor, 'subject:read');
  let q = pdb(db).selectFrom('patrol_teams').selectAll().where('id', '=', id).where(inScopeSql(actor));
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(`巡防队伍 / patrol team ${id}`);
  return row;
}

function teamsQuery(db: DbOrTx, actor: Actor, f: TeamFilters) {
  let q = pdb(db)
    .selectFrom('patrol_teams as t')
    .leftJoin('areas as a', 'a.code', 't.area_code')
    .where(inScopeSql(actor, 't.area_code'));
  if (f.areaCode) q = q.where(underAreaSql(f.areaCode, 't.area_code'));
  if (f.kind) q = q.where('t.kind', '=', f.kind);
  if (f.q) q = q.where('t.name', 'like', `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return q;
}

/** The teams in scope, newest first, a page at a time, with their leader (masked phone) and member count. */
export async function listTeams(db: DbOrTx, vault: Vault, actor: Actor, query: TeamListQuery) {
  assertCan(actor, 'subject:read');
  const [rows, total] = await Promise.all([
    teamsQuery(db, actor, query)
      .select((eb) => [
        't.id',
        't.name',
        't.area_code',
        't.kind',
        't.created_at',
        'a.name as area_name',
        eb
          .selectFrom('patrol_members as m')
          .select(sql<string>`count(*)`.as('n'))
          .whereRef('m.team_id', '=', 't.id')
          .as('members'),
      ])
      .orderBy('t.created_at', 'desc')
      .orderBy('t.id', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
    teamsQuery(db, actor, query).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  const leaders = rows.length
    ? await pdb(db)
        .selectFrom('patrol_members')
        .select(['id', 'team_id', 'name', 'phone_enc'])
        .where(
          'team_id',
          'in',
          rows.map((r) => r.id),
        )
        .where('role', '=', 'leader')
        .execute()
    : [];
  const leaderOf = new Map(leaders.map((l) => [l.team_id, l]));
  return {
    total: Number(total.n),
    items: rows.map((r) => {
      const l = leaderOf.get(r.id);
      return {
        id: r.id,
        name: r.name,
        areaCode: r.area_code,
        areaName: r.area_name ?? null,
        kind: r.kind as Kind,
        kindName: TEAM_KIND_NAMES[r.kind as Kind],
        leader: l
          ? { id: l.id, name: l.name, phone: maskMobile(vault.decrypt(l.phone_enc, PHONE_AAD)) }
          : null,
        members: Number(r.members ?? 0),
        createdAt: r.created_at.toISOString(),
      };
    }),
  };
}

export async function getTeam(db: DbOrTx, vault: Vault, actor: Actor, id: string) {
  const t = await findTeamRow(db, actor, id);
  const page = await listTeams(db, vault, actor, { areaCode: t.area_code, limit: 200, offset: 0 });
  const found = page.items.find((x) => x.id === id);
  if (found) return found;
  // More than 200 teams under the same area: read this one alone.
  const one = await listTeams(db, vault, actor, { areaCode: t.area_code, q: t.name, limit: 200, offset: 0 });
  const hit = one.items.find((x) => x.id === id);
  if (!hit) throw notFound(`巡防队伍 / patrol team ${id}`);
  return hit;
}

/**
 * 队伍登记: a named team of a kind in a town, village or grid inside the actor's scope (subject:write), with
 * its leader registered as its first member when given. A second team of the same name in the same area is
 * a CONFLICT. Audited without the phone.
 */
export async function createTeam(tx: DbOrTx, vault: Vault, actor: Actor, input: TeamInput) {
  assertCan(actor, 'subject:write');
  const area = await tx
    .selectFrom('areas')
    .select(['code', 'level'])
    .where('code', '=', input.areaCode)
    .executeTakeFirst();
  if (!area) {
    throw new AppError('UNKNOWN_AREA', `未知区域 ${input.areaCode} / Unknown area`, [
      { path: 'areaCode', message: 'unknown' },
    ]);
  }
  if (area.level < 3) {
    throw new AppError(
      'VALIDATION_FAILED',
      '巡防队伍须属于镇街、村社或网格 / A team belongs to a town, village or grid',
      [{ path: 'areaCode', message: 'level 3–5' }],
    );
  }
  assertInScope(actor, area.code);
  await assertUser(tx, actor, input.leader?.userId, 'leader.userId');
  const leaderPhone = input.leader ? phoneOf(vault, input.leader.phone, 'leader.phone') : null;
  const db = pdb(tx);
  const clash = await db
    .selectFrom('patrol_teams')
    .select('id')
    .where('area_code', '=', area.code)
    .where('name', '=', input.name)
    .executeTakeFirst();
  if (clash) {
    throw new AppError('CONFLICT', `本区域已有同名队伍“${input.name}” / A team of this name exists here`, [
      { path: 'name', code: 'CONFLICT', message: `team ${clash.id}` },
    ]);
  }
  const team = await db
    .insertInto('patrol_teams')
    .values({ name: input.name, area_code: area.code, kind: input.kind, created_by: actor.id })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  if (input.leader && leaderPhone) {
    await db
      .insertInto('patrol_members')
      .values({
        team_id: team.id,
        area_code: area.code,
        name: input.leader.name,
        role: 'leader',
        phone_enc: leaderPhone.enc,
        phone_hmac: leaderPhone.hmac,
        user_id: input.leader.userId ?? null,
        created_by: actor.id,
      })
      .execute();
  }
  await audit(tx, actor, {
    action: 'patrol.team.create',
    entityType: 'patrol_team',
    entityId: team.id,
    areaCode: area.code,
    newValues: {
      name: input.name,
      kind: input.kind,
      leader: input.leader ? { name: input.leader.name, phone: leaderPhone?.masked } : null,
    },
  });
  return getTeam(tx, vault, actor, team.id);
}

function presentMember(
  vault: Vault,
  r: {
    id: string;
    team_id: string;
    name: string;
    role: string;
    phone_enc: string;
    user_id: string | null;
    joined_at: Date;
  },
) {
  return {
    id: r.id,
    teamId: r.team_id,
    name: r.name,
    role: r.role as 'leader' | 'member',
    phone: maskMobile(vault.decrypt(r.phone_enc, PHONE_AAD)),
    userId: r.user_id,
    joinedAt: r.joined_at.toISOString(),
  };
}

export async function listMembers(db: DbOrTx, vault: Vault, actor: Actor, teamId: string) {
  const t = await findTeamRow(db, actor, teamId);
  const rows = await pdb(db)
    .selectFrom('patrol_members')
    .select(['id', 'team_id', 'name', 'role', 'phone_enc', 'user_id', 'joined_at'])
    .where('team_id', '=', t.id)
    .orderBy(sql`role = 'leader'`, 'desc')
    .orderBy('id')
    .execute();
  return { items: rows.map((r) => presentMember(vault, r)) };
}

/**
 * 队员登记: a member with a phone (encrypted; the blind index keeps one registration per phone and team:
 * a second is PATROL_MEMBER_DUPLICATE, also when two requests race) and optionally their login. A second
 * leader is a CONFLICT. Audited with the masked phone.
 */
export async function addMember(tx: DbOrTx, vault: Vault, actor: Actor, teamId: string, input: MemberInput) {
  assertCan(actor, 'subject:write');
  const t = await findTeamRow(tx, actor, teamId, true);
  assertInScope(actor, t.area_code);
  const phone = phoneOf(vault, input.phone);
  await assertUser(tx, actor, input.userId, 'userId');
  const db = pdb(tx);
  const dup = await db
    .selectFrom('patrol_members')
    .select('id')
    .where('team_id', '=', t.id)
    .where('phone_hmac', '=', phone.hmac)
    .executeTakeFirst();
  if (dup) throw duplicateMember(t.id);
  if (input.role === 'leader') {
    const l = await db
      .selectFrom('patrol_members')
      .select('id')
      .where('team_id', '=', t.id)
      .where('role', '=', 'leader')
      .executeTakeFirst();
    if (l) {
      throw new AppError('CONFLICT', '本队已有队长 / The team already has a leader', [
        { path: 'role', code: 'CONFLICT', message: `member ${l.id}` },
      ]);
    }
  }
  let row: Parameters<typeof presentMember>[1];
  try {
    row = await db
      .insertInto('patrol_members')
      .values({
        team_id: t.id,
        area_code: t.area_code,
        name: input.name,
        role: input.role,
        phone_enc: phone.enc,
        phone_hmac: phone.hmac,
        user_id: input.userId ?? null,
        created_by: actor.id,
      })
      .returning(['id', 'team_id', 'name', 'role', 'phone_enc', 'user_id', 'joined_at'])
      .executeTakeFirstOrThrow();
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateMember(t.id);
    throw e;
  }
  await audit(tx, actor, {
    action: 'patrol.member.add',
    entityType: 'patrol_member',
    entityId: row.id,
    areaCode: t.area_code,
    newValues: {
      teamId: t.id,
      name: input.name,
      role: input.role,
      phone: phone.masked,
      userId: input.userId ?? null,
    },
  });
  return presentMember(vault, row);
}

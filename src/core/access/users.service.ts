import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { sql } from 'kysely';
import { assertAreaExists } from '../areas/areas.service.ts';
import { audit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import type { UserRow } from '../db/types.ts';
import { AppError, notFound } from '../errors.ts';
import { type Actor, assertCan, assertInScope, makeActor } from './actor.ts';
import { isRole, ROLE_NAMES, type Role } from './roles.ts';
import { containsPattern, inScopeSql, underAreaSql } from './scope.ts';

// OWASP's argon2id baseline (m=19 MiB, t=2, p=1): about 30 ms a hash on this class of machine.
const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, ARGON);

export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  roleNames: string[];
  areaCode: string;
  departmentCode: string | null;
  enterpriseId: string | null;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export function presentUser(u: UserRow): User {
  const roles = u.roles.filter(isRole);
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    roles,
    roleNames: roles.map((r) => ROLE_NAMES[r].zh),
    areaCode: u.area_code,
    departmentCode: u.department_code,
    enterpriseId: u.enterprise_id,
    disabled: u.disabled,
    createdAt: u.created_at.toISOString(),
    lastLoginAt: u.last_login_at?.toISOString() ?? null,
  };
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
  areaCode: string;
  departmentCode?: string | null | undefined;
  enterpriseId?: string | null | undefined;
}

async function checkAssignment(
  tx: DbOrTx,
  actor: Actor,
  u: Pick<NewUser, 'areaCode' | 'departmentCode' | 'roles'>,
) {
  await assertAreaExists(tx, u.areaCode);
  // An administrator hands out scope only inside their own.
  assertInScope(actor, u.areaCode);
  if (u.departmentCode) {
    const d = await tx
      .selectFrom('departments')
      .select('code')
      .where('code', '=', u.departmentCode)
      .executeTakeFirst();
    if (!d) throw new AppError('VALIDATION_FAILED', `部门 ${u.departmentCode} 不存在 / Unknown department`);
  }
}

export async function createUser(tx: DbOrTx, actor: Actor, u: NewUser): Promise<User> {
  assertCan(actor, 'user:manage');
  await checkAssignment(tx, actor, u);
  if (u.enterpriseId) {
    const e = await tx
      .selectFrom('enterprises')
      .select('id')
      .where('id', '=', u.enterpriseId)
      .where(inScopeSql(actor))
      .executeTakeFirst();
    if (!e) {
      throw new AppError('VALIDATION_FAILED', `企业 ${u.enterpriseId} 不存在 / Unknown enterprise`, [
        { path: 'enterpriseId', message: 'not found' },
      ]);
    }
  }
  const exists = await tx
    .selectFrom('users')
    .select('id')
    .where('username', '=', u.username)
    .executeTakeFirst();
  if (exists) throw new AppError('CONFLICT', `用户名 ${u.username} 已存在 / Username already taken`);
  const row = await tx
    .insertInto('users')
    .values({
      username: u.username,
      display_name: u.displayName,
      password_hash: await hashPassword(u.password),
      roles: u.roles,
      area_code: u.areaCode,
      department_code: u.departmentCode ?? null,
      enterprise_id: u.enterpriseId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const user = presentUser(row);
  await audit(tx, actor, {
    action: 'user.create',
    entityType: 'user',
    entityId: row.id,
    areaCode: row.area_code,
    newValues: {
      username: user.username,
      roles: user.roles,
      areaCode: user.areaCode,
      departmentCode: user.departmentCode,
    },
  });
  return user;
}

export interface UserPatch {
  displayName?: string | undefined;
  roles?: Role[] | undefined;
  areaCode?: string | undefined;
  departmentCode?: string | null | undefined;
  disabled?: boolean | undefined;
  password?: string | undefined;
}

export async function updateUser(tx: DbOrTx, actor: Actor, id: string, patch: UserPatch): Promise<User> {
  assertCan(actor, 'user:manage');
  const before = await tx
    .selectFrom('users')
    .selectAll()
    .where('id', '=', id)
    .where(inScopeSql(actor))
    .forUpdate()
    .executeTakeFirst();
  if (!before) throw notFound(`用户 / user ${id}`);
  await checkAssignment(tx, actor, {
    areaCode: patch.areaCode ?? before.area_code,
    departmentCode: patch.departmentCode === undefined ? before.department_code : patch.departmentCode,
    roles: patch.roles ?? (before.roles as Role[]),
  });
  const row = await tx
    .updateTable('users')
    .set({
      ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
      ...(patch.roles !== undefined ? { roles: patch.roles } : {}),
      ...(patch.areaCode !== undefined ? { area_code: patch.areaCode } : {}),
      ...(patch.departmentCode !== undefined ? { department_code: patch.departmentCode } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      ...(patch.password !== undefined ? { password_hash: await hashPassword(patch.password) } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  // Disabling, a new password, or a real change of scope, roles or department ends the sessions already
  // open (their permissions were decided at sign-in); re-sending unchanged values does not.
  const sameRoles = [...row.roles].sort().join(',') === [...before.roles].sort().join(',');
  if (
    (row.disabled && !before.disabled) ||
    patch.password !== undefined ||
    row.area_code !== before.area_code ||
    row.department_code !== before.department_code ||
    !sameRoles
  ) {
    await tx.deleteFrom('sessions').where('user_id', '=', id).execute();
  }
  const b = presentUser(before);
  const a = presentUser(row);
  await audit(tx, actor, {
    action: 'user.update',
    entityType: 'user',
    entityId: id,
    areaCode: row.area_code,
    oldValues: {
      displayName: b.displayName,
      roles: b.roles,
      areaCode: b.areaCode,
      departmentCode: b.departmentCode,
      disabled: b.disabled,
    },
    newValues: {
      displayName: a.displayName,
      roles: a.roles,
      areaCode: a.areaCode,
      departmentCode: a.departmentCode,
      disabled: a.disabled,
      passwordChanged: patch.password !== undefined,
    },
  });
  return a;
}

export interface UserQuery {
  q?: string | undefined;
  role?: Role | undefined;
  areaCode?: string | undefined;
  disabled?: boolean | undefined;
  page: number;
  pageSize: number;
}

export async function listUsers(
  db: DbOrTx,
  actor: Actor,
  query: UserQuery,
): Promise<{ items: User[]; total: number }> {
  assertCan(actor, 'user:read');
  let q = db.selectFrom('users').where(inScopeSql(actor));
  if (query.q)
    q = q.where((eb) =>
      eb.or([
        eb('username', 'like', containsPattern(query.q!)),
        eb('display_name', 'like', containsPattern(query.q!)),
      ]),
    );
  if (query.role) q = q.where(sql<boolean>`${query.role} = any(roles)`);
  if (query.areaCode) q = q.where(underAreaSql(query.areaCode));
  if (query.disabled !== undefined) q = q.where('disabled', '=', query.disabled);
  const [rows, count] = await Promise.all([
    q
      .selectAll()
      .orderBy('area_code')
      .orderBy('username')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
  ]);
  return { items: rows.map(presentUser), total: Number(count?.n ?? 0) };
}

// A real hash to verify against when the username is unknown, so that timing does not tell which part was wrong.
let dummyHash: Promise<string> | undefined;

const invalid = () => new AppError('INVALID_CREDENTIALS', '用户名或密码错误 / Wrong username or password');

export const sessionTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Checks the password and opens a session; the same error for an unknown user and a wrong password. */
export async function login(
  db: DbOrTx,
  input: { username: string; password: string; ip: string | null; requestId: string | null },
  sessionHours: number,
): Promise<{ token: string; expiresAt: Date; user: User }> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', input.username)
    .executeTakeFirst();
  if (!row) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verify(await dummyHash, input.password).catch(() => false);
    await db.transaction().execute((tx) =>
      audit(
        tx,
        makeActor(
          { id: null, username: input.username, displayName: '', roles: [], areaCode: '330300000000' },
          { ip: input.ip, requestId: input.requestId },
        ),
        {
          action: 'auth.login_failed',
          entityType: 'session',
        },
      ),
    );
    throw invalid();
  }
  const ok = await verify(row.password_hash, input.password).catch(() => false);
  const actor = makeActor(
    {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      roles: row.roles.filter(isRole),
      areaCode: row.area_code,
    },
    { ip: input.ip, requestId: input.requestId },
  );
  if (!ok) {
    await db
      .transaction()
      .execute((tx) =>
        audit(tx, actor, { action: 'auth.login_failed', entityType: 'session', entityId: null }),
      );
    throw invalid();
  }
  if (row.disabled)
    throw new AppError('ACCOUNT_DISABLED', '账号已停用，请联系管理员 / This account is disabled');
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + sessionHours * 3_600_000);
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('sessions')
      .values({ token_hash: sessionTokenHash(token), user_id: row.id, expires_at: expiresAt })
      .execute();
    await tx.updateTable('users').set({ last_login_at: sql`now()` }).where('id', '=', row.id).execute();
    await audit(tx, actor, { action: 'auth.login', entityType: 'session', entityId: row.id });
  });
  return { token, expiresAt, user: presentUser(row) };
}

export async function logout(db: DbOrTx, actor: Actor, token: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('sessions').where('token_hash', '=', sessionTokenHash(token)).execute();
    await audit(tx, actor, { action: 'auth.logout', entityType: 'session', entityId: actor.id });
  });
}

/** Resolves a session token to its user: null when unknown; 'expired' when it ran out (so the UI can say so). */
export async function userForSession(db: DbOrTx, token: string): Promise<UserRow | 'expired' | null> {
  const r = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select(['sessions.expires_at'])
    .where('sessions.token_hash', '=', sessionTokenHash(token))
    .executeTakeFirst();
  if (!r) return null;
  if (r.expires_at.getTime() <= Date.now()) {
    await db.deleteFrom('sessions').where('token_hash', '=', sessionTokenHash(token)).execute();
    return 'expired';
  }
  if (r.disabled) return null;
  const { expires_at: _e, ...user } = r;
  return user;
}

export async function purgeExpiredSessions(db: DbOrTx): Promise<number> {
  const r = await db.deleteFrom('sessions').where('expires_at', '<', new Date()).executeTakeFirst();
  return Number(r.numDeletedRows);
}

import { AppError, forbidden } from '../errors.ts';
import { type Permission, ROLE_PERMISSIONS, type Role } from './roles.ts';

/** Who is acting: a signed-in user, or the system itself (CLI, seed, jobs). */
export interface Actor {
  kind: 'user' | 'system';
  id: string | null;
  username: string;
  displayName: string;
  roles: Role[];
  /** The 12- or 15-digit code of the area the actor is responsible for. */
  areaCode: string;
  /** Significant prefix of `areaCode`: every record whose area code starts with it is in scope. */
  scopePrefix: string;
  departmentCode: string | null;
  enterpriseId: string | null;
  permissions: ReadonlySet<Permission>;
  /** Request context for the audit trail. */
  ip: string | null;
  requestId: string | null;
}

const LEVEL_LENGTHS = [2, 4, 6, 9, 12] as const;

/**
 * The significant prefix of a statistical area code: 330300000000 → 3303, 330302001000 → 330302001.
 * Grid codes (15 digits) are their own prefix.
 */
export function scopePrefix(code: string): string {
  if (code.length === 15) return code;
  for (const len of LEVEL_LENGTHS) {
    if (/^0*$/.test(code.slice(len))) return code.slice(0, len);
  }
  return code;
}

export function inScope(actor: Pick<Actor, 'scopePrefix'>, areaCode: string): boolean {
  return areaCode.startsWith(actor.scopePrefix);
}

export function can(actor: Pick<Actor, 'permissions'>, permission: Permission): boolean {
  return actor.permissions.has(permission);
}

export function assertCan(actor: Pick<Actor, 'permissions'>, permission: Permission): void {
  if (!can(actor, permission)) throw forbidden();
}

/** Writes to an area outside one's scope are refused outright (reads simply do not see such rows). */
export function assertInScope(actor: Pick<Actor, 'scopePrefix'>, areaCode: string): void {
  if (!inScope(actor, areaCode)) {
    throw new AppError(
      'AREA_OUT_OF_SCOPE',
      `区域 ${areaCode} 不在您的管辖范围内 / Area ${areaCode} is outside your scope`,
    );
  }
}

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r]));
}

export function makeActor(
  u: {
    id: string | null;
    username: string;
    displayName: string;
    roles: Role[];
    areaCode: string;
    departmentCode?: string | null;
    enterpriseId?: string | null;
  },
  ctx: { ip?: string | null; requestId?: string | null; kind?: 'user' | 'system' } = {},
): Actor {
  return {
    kind: ctx.kind ?? 'user',
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    areaCode: u.areaCode,
    scopePrefix: scopePrefix(u.areaCode),
    departmentCode: u.departmentCode ?? null,
    enterpriseId: u.enterpriseId ?? null,
    permissions: permissionsOf(u.roles),
    ip: ctx.ip ?? null,
    requestId: ctx.requestId ?? null,
  };
}

/** The CLI, the seed and background jobs act as the system, city-wide, and are audited as such. */
export function systemActor(name = 'system', areaCode = '330300000000'): Actor {
  return makeActor(
    { id: null, username: name, displayName: name, roles: ['city_admin'], areaCode },
    { kind: 'system' },
  );
}

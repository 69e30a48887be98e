import { type Actor, assertInScope } from '../../core/access/actor.ts';
import { locate } from '../../core/areas/areas.service.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { normalizeMobile } from '../../core/subjects/codes.ts';
import type { Point } from '../../core/subjects/common.ts';
import { maskMobile, type Vault } from '../../core/subjects/vault.ts';

/** China has one offset and no daylight saving: days, hours and weekdays are read at +08:00. */
export const CHINA_OFFSET_MS = 8 * 3600_000;

/** YYYY-MM-DD of an instant in China. */
export const chinaDay = (d: Date): string =>
  new Date(d.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);

/** Minutes since midnight in China. */
export const chinaMinutes = (d: Date): number => {
  const c = new Date(d.getTime() + CHINA_OFFSET_MS);
  return c.getUTCHours() * 60 + c.getUTCMinutes();
};

/** ISO weekday (1 = Monday) of a China day. */
export const isoWeekday = (day: string): number => {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
};

/** The instant a China day and HH:MM (or minutes after midnight) stand for. */
export const chinaInstant = (day: string, minutes: number): Date =>
  new Date(Date.parse(`${day}T00:00:00+08:00`) + minutes * 60_000);

export const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export const hhmmToMinutes = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

export const addDays = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** A real calendar day (2026-02-30 is refused). */
export function assertDay(day: string, path: string): void {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day) {
    throw new AppError('VALIDATION_FAILED', `日期无效 ${day} / Invalid date`, [
      { path, message: 'not a date' },
    ]);
  }
}

/**
 * Where a registry entry goes: the area given (it must exist, be a town, village or grid, and lie in the
 * actor's scope), or else the area found under its point — the village (or the town for a town-level court).
 */
export async function placeEntry(
  tx: DbOrTx,
  actor: Actor,
  areaCode: string | undefined,
  point: Point | null | undefined,
  level: 3 | 4,
): Promise<string> {
  let code = areaCode;
  if (!code && point) {
    const chain = await locate(tx, point.lng, point.lat);
    code = (chain.find((a) => a.level === level) ?? chain.filter((a) => a.level <= 4).at(-1))?.code;
  }
  if (!code) {
    throw new AppError(
      'UNKNOWN_AREA',
      '请提供区划代码，或提供位于温州市内的坐标 / Give an area code, or a point inside the city',
      [{ path: 'areaCode', message: 'required' }],
    );
  }
  const area = await tx
    .selectFrom('areas')
    .select(['code', 'level'])
    .where('code', '=', code)
    .executeTakeFirst();
  if (!area)
    throw new AppError('UNKNOWN_AREA', `未知区划 ${code} / Unknown area`, [
      { path: 'areaCode', message: 'unknown' },
    ]);
  if (area.level < 3) {
    throw new AppError('VALIDATION_FAILED', '应设在镇街、村社或网格 / Must be in a town, village or grid', [
      { path: 'areaCode', message: 'a town, village or grid' },
    ]);
  }
  assertInScope(actor, code);
  return code;
}

/** A phone for the vault: normalised or refused with the field named; null stays null. */
export function encryptPhone(vault: Vault, phone: string | null | undefined, aad: string, path: string) {
  if (phone === null || phone === undefined || phone === '') return null;
  const n = normalizeMobile(phone);
  if (!n) {
    throw new AppError('INVALID_MOBILE', '手机号码无效 / Invalid mobile number', [
      { path, code: 'INVALID_MOBILE', message: 'not a mainland mobile number' },
    ]);
  }
  return vault.encrypt(n, aad);
}

export const maskedPhone = (vault: Vault, enc: string | null, aad: string) =>
  enc ? maskMobile(vault.decrypt(enc, aad)) : null;

/**
 * The stations' records need their own permission (the county and town centres that run the stations): a
 * FORBIDDEN naming it, so that the console can say why.
 */
export function assertPsych(actor: Actor, permission: 'psych:read' | 'psych:write'): void {
  if (actor.permissions.has(permission)) return;
  throw new AppError(
    'FORBIDDEN',
    '心理服务记录仅限心理服务站的授权人员 / Psychological service records are for authorised station staff only',
    [{ code: permission, message: `needs ${permission}` }],
  );
}

export const iso = (d: Date | string | null): string | null =>
  d === null ? null : typeof d === 'string' ? new Date(d).toISOString() : d.toISOString();

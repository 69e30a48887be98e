/**
 * National identifiers: 居民身份证号 (GB 11643-1999), 统一社会信用代码 (GB 32100-2015), 组织机构代码
 * (GB 11714-1997) and mainland mobile numbers.
 *
 * Conventions shared by every code here:
 * - `isValid*` is strict: it accepts only the canonical form (upper case, no spaces). Input from people goes
 *   through `normalize*` first, which returns the canonical form or `null`. Keeping the two apart means a
 *   stored or hashed value is always canonical, so a blind index over it matches regardless of how it was typed.
 * - `normalize*` applies NFKC, because Chinese IMEs easily produce full-width digits and letters (１２３ｘ).
 * - Generators take an injected `rnd` so that demo data and test factories are reproducible from a seed.
 *
 * Pure and dependency-free so validation, import scripts and test factories can all share it unchanged.
 */

// ---------------------------------------------------------------------------------------------------------
// Shared helpers

const DIGITS = '0123456789';

/** Throws instead of clamping: a random source outside [0, 1) is a bug the caller should hear about. */
function pick(rnd: () => number, n: number): number {
  const r = rnd();
  if (!(r >= 0 && r < 1)) throw new RangeError(`rnd() must return a number in [0, 1), got ${r}`);
  return Math.floor(r * n);
}

function pickChar(rnd: () => number, alphabet: string): string {
  return alphabet.charAt(pick(rnd, alphabet.length));
}

function canonicalInput(s: string): string {
  return s.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

/**
 * Earliest birth date accepted. GB 11643 itself sets no lower bound; without one, a year such as 0001 would
 * pass as a "real date", and nobody born before 1800 has held a citizen number.
 */
const MIN_BIRTH_DATE = '1800-01-01';

/** Mainland China has used UTC+8 all year since 1991, so a fixed offset is exact for "today". */
function todayInChina(now: Date): string {
  const d = new Date(now.getTime() + 8 * 3600 * 1000);
  const y = String(d.getUTCFullYear()).padStart(4, '0');
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

/** `YYYYMMDD` → `YYYY-MM-DD` when it names a day that exists in the (proleptic) Gregorian calendar. */
function calendarDate(yyyymmdd: string): string | null {
  if (!/^\d{8}$/.test(yyyymmdd)) return null;
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return null;
  // Date.UTC rolls 02-30 over to 03-02; comparing the parts back is how a non-existent day is detected.
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

function isAcceptableBirthDate(iso: string, now: Date): boolean {
  return iso >= MIN_BIRTH_DATE && iso <= todayInChina(now);
}

// ---------------------------------------------------------------------------------------------------------
// 居民身份证号 GB 11643-1999: 6-digit area, 8-digit birth date, 3-digit sequence (odd = male), check char.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';

/** ISO 7064 MOD 11-2 check character for the first 17 digits. Throws on anything but 17 digits. */
export function idCardCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('idCardCheckChar expects exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK_CHARS.charAt(sum % 11);
}

/**
 * Strict check of an 18-character citizen number (canonical form: upper-case X). Only the second-generation
 * 18-character format is supported; 15-character first-generation numbers are out of scope.
 * `now` exists for tests; the birth date must not lie after today in China.
 */
export function isValidIdCard(s: string, now: Date = new Date()): boolean {
  if (!/^\d{17}[\dX]$/.test(s)) return false;
  const birth = calendarDate(s.slice(6, 14));
  if (birth === null || !isAcceptableBirthDate(birth, now)) return false;
  return idCardCheckChar(s.slice(0, 17)) === s.charAt(17);
}

/** Canonical form (full-width folded, spaces removed, `x` → `X`) of a valid number, else `null`. */
export function normalizeIdCard(s: string, now: Date = new Date()): string | null {
  const c = canonicalInput(s);
  return isValidIdCard(c, now) ? c : null;
}

export interface IdCardInfo {
  /** Area of first registration (GB/T 2260 code); it does not change when the person moves. */
  areaCode: string;
  birthDate: string;
  gender: 'M' | 'F';
}

/** Facts encoded in a valid canonical number; `null` when `isValidIdCard` would say no. */
export function parseIdCard(s: string, now: Date = new Date()): IdCardInfo | null {
  if (!isValidIdCard(s, now)) return null;
  const birthDate = calendarDate(s.slice(6, 14));
  if (birthDate === null) return null;
  return {
    areaCode: s.slice(0, 6),
    birthDate,
    gender: Number(s.charAt(16)) % 2 === 1 ? 'M' : 'F',
  };
}

// ---------------------------------------------------------------------------------------------------------
// 组织机构代码 GB 11714-1997: 8 body characters (digits or upper-case letters) and a MOD 11 check character.

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/** GB 11714 values letters A=10 … Z=35 over the full Latin alphabet, unlike GB 32100's reduced set. */
function orgCharValue(ch: string): number {
  const code = ch.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  return -1;
}

/** Check character for the 8-character body: `0`–`9` or `X`. Throws if the body is malformed. */
export function orgCodeCheckChar(first8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(first8)) {
    throw new RangeError('orgCodeCheckChar expects 8 digits or upper-case letters');
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += orgCharValue(first8.charAt(i)) * ORG_WEIGHTS[i]!;
  const c9 = 11 - (sum % 11);
  if (c9 === 10) return 'X';
  if (c9 === 11) return '0';
  return String(c9);
}

/**
 * Accepts both the printed form `12345678-9` and the compact `123456789`, upper case only.
 * Note the standard's own weakness: a substitution that shifts a character's value by 11 or 22 (e.g. `1` ↔ `C`)
 * keeps the checksum, so a valid-looking code is not proof of a correctly transcribed one.
 */
export function isValidOrgCode(s: string): boolean {
  const m = /^([0-9A-Z]{8})-?([0-9X])$/.exec(s);
  if (m === null) return false;
  return orgCodeCheckChar(m[1]!) === m[2];
}

/**
 * Canonical compact form `XXXXXXXXC` (the form embedded in a USCC), else `null`. A dash is tolerated only
 * where the printed form has one, so a mistyped `1234-56789` is not silently accepted.
 */
export function normalizeOrgCode(s: string): string | null {
  const c = canonicalInput(s).replace(/[‐‑–—]/g, '-');
  return isValidOrgCode(c) ? c.replace('-', '') : null;
}

// ---------------------------------------------------------------------------------------------------------
// 统一社会信用代码 GB 32100-2015: authority (1), category (1), registering area (6), org code (9), check (1).

/** The 31 characters GB 32100 uses: no I O Z S V, which read too much like 1 0 2 5 U. */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/**
 * Registration authority (position 1) → allowed category codes (position 2).
 *
 * GB 32100-2015 itself lists 1 机构编制, 5 民政, 9 工商 and Y 其他; the other authorities were assigned later by
 * the code administration and are reproduced identically by the published tables we could compare (Chinese
 * references and several open-source validators), though none of them is the standard's own text. The set is
 * open-ended in principle, so `isValidUscc(s, { checkCategory: false })` exists for data that predates an
 * update to this table.
 */
export const USCC_CATEGORIES: Readonly<
  Record<string, { authority: string; categories: Readonly<Record<string, string>> }>
> = {
  '1': {
    authority: '机构编制',
    categories: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' },
  },
  '2': { authority: '外交', categories: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': {
    authority: '司法行政',
    categories: {
      '1': '律师执业机构',
      '2': '公证处',
      '3': '基层法律服务所',
      '4': '司法鉴定机构',
      '5': '仲裁委员会',
      '9': '其他',
    },
  },
  '4': { authority: '文化', categories: { '1': '外国在华文化中心', '9': '其他' } },
  '5': {
    authority: '民政',
    categories: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' },
  },
  '6': {
    authority: '旅游',
    categories: {
      '1': '外国旅游部门常驻代表机构',
      '2': '港澳台地区旅游部门常驻内地（大陆）代表机构',
      '9': '其他',
    },
  },
  '7': { authority: '宗教', categories: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { authority: '工会', categories: { '1': '基层工会', '9': '其他' } },
  '9': { authority: '工商', categories: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { authority: '中央军委改革和编制办公室', categories: { '1': '军队事业单位', '9': '其他' } },
  N: {
    authority: '农业',
    categories: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' },
  },
  Y: { authority: '其他', categories: { '1': '其他' } },
};

function isKnownUsccCategory(authority: string, category: string): boolean {
  const entry = Object.hasOwn(USCC_CATEGORIES, authority) ? USCC_CATEGORIES[authority] : undefined;
  return entry !== undefined && Object.hasOwn(entry.categories, category);
}

/** ISO 7064 MOD 31-3 check character over the 31-character set. Throws on a malformed prefix. */
export function usccCheckChar(first17: string): string {
  if (!/^[0-9A-HJ-NPQRTUWXY]{17}$/.test(first17)) {
    throw new RangeError('usccCheckChar expects 17 characters from the GB 32100 character set');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARSET.indexOf(first17.charAt(i)) * USCC_WEIGHTS[i]!;
  const c = 31 - (sum % 31);
  return USCC_CHARSET.charAt(c === 31 ? 0 : c);
}

export interface UsccValidationOptions {
  /** Check positions 1–2 against `USCC_CATEGORIES` (default true). */
  checkCategory?: boolean;
}

/**
 * Strict check: charset, known authority/category pair, six-digit area, an embedded organisation code whose
 * own GB 11714 check character holds, and the GB 32100 check character.
 */
export function isValidUscc(s: string, opts: UsccValidationOptions = {}): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(s)) return false;
  if ((opts.checkCategory ?? true) && !isKnownUsccCategory(s.charAt(0), s.charAt(1))) return false;
  if (!isValidOrgCode(s.slice(8, 17))) return false;
  return usccCheckChar(s.slice(0, 17)) === s.charAt(17);
}

/** Canonical form (full-width folded, spaces removed, upper case) of a valid code, else `null`. */
export function normalizeUscc(s: string, opts: UsccValidationOptions = {}): string | null {
  const c = canonicalInput(s);
  return isValidUscc(c, opts) ? c : null;
}

// ---------------------------------------------------------------------------------------------------------
// Mobile numbers (mainland China)

/**
 * The 11-digit national form of a mainland mobile number, else `null`. Accepts a `+86`, `86` or `0086`
 * prefix and spaces or dashes anywhere. The second digit is only checked against 3–9: carriers keep adding
 * number blocks, and a stale block list would reject real numbers.
 */
export function normalizeMobile(s: string): string | null {
  const compact = s.normalize('NFKC').replace(/[\s\-‐–—]/g, '');
  const m = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/.exec(compact);
  return m === null ? null : m[1]!;
}

export function isValidMobile(s: string): boolean {
  return normalizeMobile(s) !== null;
}

// ---------------------------------------------------------------------------------------------------------
// Generators (demo data, test factories). Every output passes its validator; bad arguments throw.

export function generateIdCard(
  rnd: () => number,
  areaCode6: string,
  birthDate: string,
  gender: 'M' | 'F',
  now: Date = new Date(),
): string {
  if (!/^\d{6}$/.test(areaCode6)) throw new RangeError('areaCode6 must be 6 digits');
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  const iso = m === null ? null : calendarDate(`${m[1]}${m[2]}${m[3]}`);
  if (iso === null || !isAcceptableBirthDate(iso, now)) {
    throw new RangeError(`birthDate must be an existing date YYYY-MM-DD between ${MIN_BIRTH_DATE} and today`);
  }
  if (gender !== 'M' && gender !== 'F') throw new RangeError("gender must be 'M' or 'F'");
  const seq =
    pickChar(rnd, DIGITS) + pickChar(rnd, DIGITS) + pickChar(rnd, gender === 'M' ? '13579' : '02468');
  const first17 = areaCode6 + iso.replaceAll('-', '') + seq;
  return first17 + idCardCheckChar(first17);
}

/**
 * Compact form. The body is drawn from the GB 32100 character set rather than all of A–Z so that every
 * generated code can also be embedded in a generated USCC.
 */
export function generateOrgCode(rnd: () => number): string {
  let body = '';
  for (let i = 0; i < 8; i++) body += pickChar(rnd, USCC_CHARSET);
  return body + orgCodeCheckChar(body);
}

export interface GenerateUsccOptions {
  /** Registration authority, position 1; default '9' (工商 / market regulation). */
  authority?: string;
  /** Category, position 2; default '1' (企业 under 工商). Must be listed in `USCC_CATEGORIES`. */
  category?: string;
}

export function generateUscc(rnd: () => number, areaCode6: string, opts: GenerateUsccOptions = {}): string {
  if (!/^\d{6}$/.test(areaCode6)) throw new RangeError('areaCode6 must be 6 digits');
  const authority = opts.authority ?? '9';
  const category = opts.category ?? '1';
  if (!isKnownUsccCategory(authority, category)) {
    throw new RangeError(`unknown USCC authority/category pair ${authority}${category}`);
  }
  const first17 = authority + category + areaCode6 + generateOrgCode(rnd);
  return first17 + usccCheckChar(first17);
}

export function generateMobile(rnd: () => number): string {
  let s = `1${pickChar(rnd, '3456789')}`;
  for (let i = 0; i < 9; i++) s += pickChar(rnd, DIGITS);
  return s;
}

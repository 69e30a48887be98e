import dayjs from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat.js';
import utc from 'dayjs/plugin/utc.js';
import { normalizeIdCard, normalizeMobile, normalizeUscc } from '../../../core/subjects/codes.ts';
import type { SourceProfile } from '../sources.ts';
import type { Cell, CleanParty, MappedRecord, RowError } from './types.ts';

dayjs.extend(customParseFormat);
dayjs.extend(utc);

/** A record that passed validation; only its area is left to resolve (step `normalise`). */
export interface ValidRecord {
  rowNo: number;
  recordKey: string;
  reportedAt: Date;
  title: string;
  description: string;
  sourceCategory: string | null;
  areaCode: string | null;
  address: string | null;
  point: { lng: number; lat: number } | null;
  amount: number | null;
  peopleInvolved: number;
  parties: CleanParty[];
}

export const LIMITS = {
  recordKey: 64,
  title: 200,
  description: 5000,
  address: 200,
  category: 40,
  partyName: 100,
} as const;

const CST_OFFSET_MS = 8 * 3600_000;
/** Excel's day 0 (1899-12-30, after its 1900 leap-year bug) in Unix milliseconds. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const EARLIEST = Date.UTC(1980, 0, 1);

const text = (v: Cell): string | null => {
  if (v === null) return null;
  const s = (v instanceof Date ? v.toISOString() : String(v)).trim();
  return s === '' ? null : s;
};

/** Wall-clock time in China (no daylight saving since 1991) → the instant. */
const fromCst = (wallAsUtcMs: number) => new Date(wallAsUtcMs - CST_OFFSET_MS);

const ISO_ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const PLAIN = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A date as departments write it → the instant (UTC). Times without a zone are China Standard Time. XLSX
 * date cells arrive as Dates whose UTC fields are the wall-clock time in the sheet; plain numbers in the
 * Excel range are serial dates; 8- and 14-digit numbers are 20261103 / 20261103090500.
 */
export function parseDate(v: Cell, formats: string[]): Date | null {
  if (v === null || typeof v === 'boolean') return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : fromCst(v.getTime());
  if (typeof v === 'number') {
    if (v > 20_000 && v < 80_000) return fromCst(EXCEL_EPOCH_MS + Math.round(v * 86_400_000));
    return parseDate(String(v), formats);
  }
  const s = v.trim().normalize('NFKC');
  if (ISO_ZONED.test(s)) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? null : new Date(t);
  }
  const m = PLAIN.exec(s);
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', se = '0'] = m;
    const t = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +se);
    const check = new Date(t);
    // Date.UTC rolls 2026-02-30 over to March: an impossible date must be refused, not moved.
    if (check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d! || +h > 23) return null;
    return fromCst(t);
  }
  for (const f of formats) {
    const d = dayjs.utc(s, f, true);
    if (d.isValid()) return fromCst(d.valueOf());
  }
  return null;
}

/** 1,234.5 / ￥1200元 / 3.5万 → yuan. */
export function parseAmount(v: Cell, unit: 'yuan' | 'wan'): number | null | 'invalid' {
  if (v === null || v === '') return null;
  if (typeof v === 'number')
    return Number.isFinite(v) && v >= 0 ? v * (unit === 'wan' ? 10_000 : 1) : 'invalid';
  const s = String(v)
    .normalize('NFKC')
    .replace(/[,\s￥¥]/g, '')
    .replace(/元$/, '');
  if (s === '') return null;
  const wan = s.endsWith('万');
  const n = Number(wan ? s.slice(0, -1) : s);
  if (!Number.isFinite(n) || n < 0 || n > 1e12) return 'invalid';
  return n * (wan || unit === 'wan' ? 10_000 : 1);
}

const FIXED_LINE = /^0\d{2,3}-?\d{7,8}$/;

function phoneOf(s: string): string | null {
  const mobile = normalizeMobile(s);
  if (mobile) return mobile;
  const compact = s.normalize('NFKC').replace(/[\s()（）]/g, '');
  return FIXED_LINE.test(compact) ? compact.replace('-', '') : null;
}

/** Step "validate": every field checked; all problems of a row are reported at once. */
export function validateRecord(
  profile: SourceProfile,
  m: MappedRecord,
  now: Date = new Date(),
): { ok: true; record: ValidRecord } | { ok: false; errors: RowError[] } {
  const errors: RowError[] = [];
  const fail = (field: string, code: string, reason: string) =>
    errors.push({ rowNo: m.rowNo, field, code, reason });

  const recordKey =
    typeof m.recordKey === 'number' && Number.isSafeInteger(m.recordKey)
      ? String(m.recordKey)
      : text(m.recordKey);
  if (!recordKey) fail('recordKey', 'REQUIRED', `缺少${profile.recordLabel} / Record number is missing`);
  else if (recordKey.length > LIMITS.recordKey)
    fail('recordKey', 'TOO_LONG', `编号超过 ${LIMITS.recordKey} 字 / Record number is too long`);

  const reportedAt = parseDate(m.reportedAt, profile.dateFormats);
  if (m.reportedAt === null || m.reportedAt === '')
    fail('reportedAt', 'REQUIRED', '缺少日期 / Date is missing');
  else if (!reportedAt)
    fail(
      'reportedAt',
      'DATE_INVALID',
      `日期无法识别：${String(text(m.reportedAt)).slice(0, 40)}（应为 ${profile.dateFormats.join(' 或 ')}）/ Unreadable date`,
    );
  else if (reportedAt.getTime() < EARLIEST || reportedAt.getTime() > now.getTime() + 86_400_000)
    fail('reportedAt', 'DATE_OUT_OF_RANGE', '日期早于 1980 年或晚于今天 / Date before 1980 or in the future');

  const description = text(m.description);
  if (!description) fail('description', 'REQUIRED', '缺少纠纷内容 / Description is missing');
  else if (description.length > LIMITS.description)
    fail('description', 'TOO_LONG', `内容超过 ${LIMITS.description} 字 / Description is too long`);

  let title = text(m.title);
  if (title && title.length > LIMITS.title)
    fail('title', 'TOO_LONG', `标题超过 ${LIMITS.title} 字 / Title is too long`);
  if (!title && description) title = description.replace(/\s+/g, ' ').slice(0, 40);

  const sourceCategory = text(m.sourceCategory);
  if (sourceCategory && sourceCategory.length > LIMITS.category)
    fail('category', 'TOO_LONG', '类别代码过长 / Category code is too long');

  const areaCode = text(m.areaCode);
  if (areaCode && !/^\d{6,15}$/.test(areaCode.replace(/\s/g, '')))
    fail(
      'areaCode',
      'AREA_CODE_INVALID',
      `区划代码应为 6–15 位数字：${areaCode.slice(0, 20)} / Area code must be digits`,
    );
  const address = text(m.address);
  if (address && address.length > LIMITS.address)
    fail('address', 'TOO_LONG', `地址超过 ${LIMITS.address} 字 / Address is too long`);

  let point: ValidRecord['point'] = null;
  if (m.lng !== null || m.lat !== null) {
    const lng = Number(m.lng);
    const lat = Number(m.lat);
    if (m.lng === null || m.lat === null || !(lng >= 73 && lng <= 136 && lat >= 3 && lat <= 54))
      fail('point', 'POINT_INVALID', '经纬度缺失或不在中国境内 / Coordinates missing or outside China');
    else point = { lng, lat };
  }

  const amount = parseAmount(m.amount, profile.amountUnit);
  if (amount === 'invalid')
    fail('amount', 'AMOUNT_INVALID', '争议金额应为非负数 / Amount must be a non-negative number');

  let people: number | null = null;
  if (m.peopleInvolved !== null && m.peopleInvolved !== '') {
    const n = Number(String(m.peopleInvolved).replace(/人$/, ''));
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
      fail(
        'peopleInvolved',
        'PEOPLE_INVALID',
        '涉及人数应为正整数 / People involved must be a positive integer',
      );
    else people = n;
  }

  const parties: CleanParty[] = [];
  for (const [i, p] of m.parties.entries()) {
    const at = `parties[${i}]`;
    const name = p.name?.trim() ?? '';
    if (!name) {
      fail(`${at}.name`, 'REQUIRED', '当事人姓名缺失 / Party name is missing');
      continue;
    }
    if (name.length > LIMITS.partyName)
      fail(`${at}.name`, 'TOO_LONG', '当事人名称过长 / Party name too long');
    const idNumber = p.idNumber ? normalizeIdCard(p.idNumber, now) : null;
    if (p.idNumber && !idNumber)
      fail(
        `${at}.idNumber`,
        'ID_NUMBER_INVALID',
        '身份证号码无效（校验位或出生日期不符）/ Invalid resident ID number',
      );
    const phone = p.phone ? phoneOf(p.phone) : null;
    if (p.phone && !phone) fail(`${at}.phone`, 'PHONE_INVALID', '电话号码无效 / Invalid phone number');
    const uscc = p.uscc ? normalizeUscc(p.uscc) : null;
    if (p.uscc && !uscc)
      fail(`${at}.uscc`, 'USCC_INVALID', '统一社会信用代码无效 / Invalid unified social credit code');
    parties.push({
      role: p.role,
      kind: p.kind,
      name: name.slice(0, LIMITS.partyName),
      idNumber,
      phone,
      uscc,
    });
  }

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    record: {
      rowNo: m.rowNo,
      recordKey: recordKey!,
      reportedAt: reportedAt!,
      title: title!,
      description: description!,
      sourceCategory,
      areaCode: areaCode?.replace(/\s/g, '') ?? null,
      address,
      point,
      amount: amount === 'invalid' ? null : amount,
      peopleInvolved: people ?? Math.max(1, parties.length),
      parties,
    },
  };
}

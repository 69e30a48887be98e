import type { SourceProfile } from '../sources.ts';
import type { Cell, MappedParty, MappedRecord, RawRow } from './types.ts';

/**
 * Step "map": a department's columns → our fields, by the source's profile. Values are left as written;
 * `validate` judges them. Header names are compared after NFKC and without spaces, so 接警 时间 and full-width
 * brackets still match; our own field names are accepted too (the push API and Open311 send those).
 */
const key = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

export const REQUIRED_FIELDS = ['recordKey', 'reportedAt', 'description'] as const;

/** The profile's column names, for the parser's header search. */
export function expectedHeaders(profile: SourceProfile): string[] {
  const c = profile.columns;
  const names = [c.recordKey, c.reportedAt, c.description, c.title, c.category, c.areaCode, c.address];
  names.push(c.lng, c.lat, c.amount, c.peopleInvolved);
  for (const p of c.parties) names.push(p.name, p.idNumber, p.phone, p.uscc);
  return names.filter((n): n is string => !!n);
}

/** The required columns a header lacks (by the department's names), e.g. ['接警时间']. */
export function missingColumns(profile: SourceProfile, headers: string[]): string[] {
  const have = new Set(headers.map(key));
  return REQUIRED_FIELDS.filter((f) => !have.has(key(profile.columns[f])) && !have.has(key(f))).map(
    (f) => profile.columns[f],
  );
}

/** Builds the lookup once per file: our field → the header as it appears in this file. */
export function columnResolver(profile: SourceProfile, headers: string[]) {
  const byKey = new Map(headers.map((h) => [key(h), h]));
  const find = (theirs: string | undefined, ours: string): string | null =>
    (theirs && byKey.get(key(theirs))) || byKey.get(key(ours)) || null;
  const c = profile.columns;
  const fields = {
    recordKey: find(c.recordKey, 'recordKey'),
    reportedAt: find(c.reportedAt, 'reportedAt'),
    title: find(c.title, 'title'),
    description: find(c.description, 'description'),
    sourceCategory: find(c.category, 'category'),
    areaCode: find(c.areaCode, 'areaCode'),
    address: find(c.address, 'address'),
    lng: find(c.lng, 'lng'),
    lat: find(c.lat, 'lat'),
    amount: find(c.amount, 'amount'),
    peopleInvolved: find(c.peopleInvolved, 'peopleInvolved'),
  };
  const parties = c.parties.map((p) => ({
    role: p.role,
    kind: p.kind,
    name: find(p.name, `${p.role}.name`),
    idNumber: find(p.idNumber, `${p.role}.idNumber`),
    phone: find(p.phone, `${p.role}.phone`),
    uscc: find(p.uscc, `${p.role}.uscc`),
  }));
  return { fields, parties };
}
export type ColumnResolver = ReturnType<typeof columnResolver>;

const text = (v: Cell | undefined): string | null => {
  if (v === null || v === undefined) return null;
  const s = (v instanceof Date ? v.toISOString() : String(v)).trim();
  return s === '' ? null : s;
};

export function mapRow(cols: ColumnResolver, row: RawRow): MappedRecord {
  const get = (h: string | null): Cell => (h ? (row.cells[h] ?? null) : null);
  const parties: MappedParty[] = [];
  for (const p of cols.parties) {
    const party: MappedParty = {
      role: p.role,
      kind: p.kind,
      name: text(get(p.name)),
      idNumber: text(get(p.idNumber)),
      phone: text(get(p.phone)),
      uscc: text(get(p.uscc)),
    };
    if (party.name || party.idNumber || party.phone || party.uscc) parties.push(party);
  }
  const f = cols.fields;
  return {
    rowNo: row.rowNo,
    recordKey: get(f.recordKey),
    reportedAt: get(f.reportedAt),
    title: get(f.title),
    description: get(f.description),
    sourceCategory: get(f.sourceCategory),
    areaCode: get(f.areaCode),
    address: get(f.address),
    lng: get(f.lng),
    lat: get(f.lat),
    amount: get(f.amount),
    peopleInvolved: get(f.peopleInvolved),
    parties,
  };
}

import dayjs from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat.js';
import utc from 'dayjs/plugin/utc.js';
import { describe, expect, it } from 'vitest';
import { DEPARTMENTS } from '../../core/access/departments.ts';
import { CATEGORY_CODES } from './dispute.schema.ts';
import { CHANNEL_SOURCES, DEPARTMENT_SOURCES, SOURCES, type SourceDef, SourceProfile } from './sources.ts';

dayjs.extend(customParseFormat);
dayjs.extend(utc);

const EXPECTED_CODES: Record<string, string> = {
  police_110: 'police',
  court_litigation: 'court',
  procuratorate: 'procuratorate',
  justice_mediation: 'justice',
  petition: 'petition',
  hrss_arbitration: 'hrss',
  housing: 'housing',
  market_12315: 'market',
  health_medical: 'health',
  civil_affairs: 'civil_affairs',
  natural_resources: 'natural_resources',
  traffic_accident: 'traffic_police',
  emergency: 'emergency',
  ecology: 'ecology',
  education: 'education',
  agriculture: 'agriculture',
  hotline_12345: 'hotline_12345',
  women_federation: 'women_federation',
  trade_union: 'trade_union',
  fire: 'fire',
  ocean_fishery: 'ocean_fishery',
};

/** Every column name a profile uses, party columns included. */
function columnNames(s: SourceDef): string[] {
  const c = s.profile.columns;
  const names = [c.recordKey, c.reportedAt, c.description, c.title, c.category, c.areaCode, c.address];
  names.push(c.lng, c.lat, c.amount, c.peopleInvolved);
  for (const p of c.parties) names.push(p.name, p.idNumber, p.phone, p.uscc);
  return names.filter((n): n is string => n !== undefined);
}

const count = (pred: (s: SourceDef) => boolean) => DEPARTMENT_SOURCES.filter(pred).length;

describe('department sources', () => {
  it('has one source per department, 21 in all, with the agreed codes', () => {
    expect(DEPARTMENT_SOURCES).toHaveLength(21);
    expect(Object.fromEntries(DEPARTMENT_SOURCES.map((s) => [s.code, s.department]))).toEqual(EXPECTED_CODES);
    const codes = SOURCES.map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const s of DEPARTMENT_SOURCES) expect(s.code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    expect(SOURCES).toEqual([...DEPARTMENT_SOURCES, ...CHANNEL_SOURCES]);
  });

  it('names departments that exist, each once', () => {
    const known = new Set(DEPARTMENTS.map((d) => d.code));
    for (const s of DEPARTMENT_SOURCES) expect(known.has(s.department ?? ''), s.code).toBe(true);
    expect(new Set(DEPARTMENT_SOURCES.map((s) => s.department)).size).toBe(21);
  });

  it('has profiles that parse unchanged and name each column once', () => {
    for (const s of DEPARTMENT_SOURCES) {
      expect(SourceProfile.parse(s.profile), s.code).toEqual(s.profile);
      const names = columnNames(s);
      expect(new Set(names).size, `${s.code}: ${names.join(',')}`).toBe(names.length);
      expect(s.profile.recordLabel.length, s.code).toBeGreaterThan(0);
      expect(s.name.zh.length * s.name.en.length, s.code).toBeGreaterThan(0);
    }
  });

  it('maps category codes to real categories', () => {
    const ours = new Set<string>(CATEGORY_CODES);
    for (const s of DEPARTMENT_SOURCES) {
      for (const [theirs, cat] of Object.entries(s.profile.categoryCodes)) {
        expect(ours.has(cat), `${s.code}: ${theirs} → ${cat}`).toBe(true);
      }
      // A code table without a column to read it from would never be used.
      if (Object.keys(s.profile.categoryCodes).length > 0)
        expect(s.profile.columns.category, s.code).toBeDefined();
    }
    // Some departments have no category column: their records go to the classifier.
    expect(count((s) => s.profile.columns.category === undefined)).toBeGreaterThanOrEqual(3);
  });

  it('mixes formats and encodings as departments really send them', () => {
    const is = (format: string, encoding?: string) => (s: SourceDef) =>
      s.profile.format === format && (encoding === undefined || s.profile.encoding === encoding);
    expect(count(is('csv', 'utf8'))).toBe(8);
    expect(count(is('csv', 'gbk'))).toBe(5);
    expect(count(is('xlsx'))).toBe(5);
    expect(count(is('jsonl'))).toBe(3);
    for (const s of DEPARTMENT_SOURCES) {
      if (s.profile.format !== 'csv') expect(s.profile.encoding, s.code).toBe('utf8');
      if (s.profile.format !== 'xlsx') expect(s.profile.titleRows, s.code).toBe(0);
    }
    // Three sheets with title rows, one with a two-row header whose repeated lower names carry #2.
    const twoRow = DEPARTMENT_SOURCES.filter((s) => columnNames(s).some((n) => /#\d+$/.test(n)));
    expect(twoRow.map((s) => s.code)).toEqual(['justice_mediation']);
    expect(twoRow[0]!.profile.titleRows).toBe(1);
    expect(count((s) => s.profile.format === 'xlsx' && s.profile.titleRows > 0 && !twoRow.includes(s))).toBe(
      3,
    );
  });

  it('covers the ways departments name places, money and parties', () => {
    expect(count((s) => s.profile.columns.areaCode !== undefined)).toBeGreaterThanOrEqual(5);
    expect(count((s) => s.profile.columns.areaCode === undefined)).toBeGreaterThanOrEqual(5);
    expect(count((s) => s.profile.columns.lng !== undefined && s.profile.columns.lat !== undefined)).toBe(2);
    expect(count((s) => s.profile.amountUnit === 'wan')).toBeGreaterThanOrEqual(2);
    for (const s of DEPARTMENT_SOURCES) {
      const parties = s.profile.columns.parties;
      expect(parties.length, s.code).toBeGreaterThanOrEqual(1);
      expect(parties.length, s.code).toBeLessThanOrEqual(3);
      for (const p of parties) {
        if (p.kind === 'person') expect(p.uscc, s.code).toBeUndefined();
        if (p.kind === 'enterprise') expect(p.idNumber, s.code).toBeUndefined();
      }
    }
    const withUscc = DEPARTMENT_SOURCES.filter((s) => s.profile.columns.parties.some((p) => p.uscc)).map(
      (s) => s.code,
    );
    expect(withUscc).toEqual(expect.arrayContaining(['hrss_arbitration', 'market_12315', 'trade_union']));
  });

  it('has date formats that read back what they write', () => {
    const at = dayjs.utc('2026-03-07T09:05:04Z');
    const seen = new Set<string>();
    for (const s of DEPARTMENT_SOURCES) {
      for (const f of s.profile.dateFormats) {
        seen.add(f);
        const text = at.format(f);
        const back = dayjs.utc(text, f, true);
        expect(back.isValid(), `${s.code}: ${f} → ${text}`).toBe(true);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(10);
  });
});

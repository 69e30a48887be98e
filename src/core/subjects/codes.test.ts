import { describe, expect, it } from 'vitest';
import { seeded } from '../../testing/harness.ts';
import {
  generateIdCard,
  generateMobile,
  generateOrgCode,
  generateUscc,
  idCardCheckChar,
  isValidIdCard,
  isValidMobile,
  isValidOrgCode,
  isValidUscc,
  normalizeIdCard,
  normalizeMobile,
  normalizeOrgCode,
  normalizeUscc,
  orgCodeCheckChar,
  parseIdCard,
  USCC_CATEGORIES,
  USCC_CHARSET,
  usccCheckChar,
} from './codes.ts';

function replaceAt(s: string, i: number, ch: string): string {
  return s.slice(0, i) + ch + s.slice(i + 1);
}

/** Builds a number with a correct check character around the given birth date. */
function idWithBirth(yyyymmdd: string, area = '110105', seq = '002'): string {
  const first17 = area + yyyymmdd + seq;
  return first17 + idCardCheckChar(first17);
}

const NOW = new Date('2025-06-15T04:00:00Z');

describe('居民身份证号 GB 11643-1999', () => {
  // The worked example printed in GB 11643-1999.
  const SAMPLE = '11010519491231002X';

  it('accepts the published example and computes its check character', () => {
    expect(idCardCheckChar(SAMPLE.slice(0, 17))).toBe('X');
    expect(isValidIdCard(SAMPLE)).toBe(true);
  });

  it('rejects every single-character substitution of the example', () => {
    const allowed = '0123456789X';
    let tried = 0;
    for (let i = 0; i < SAMPLE.length; i++) {
      for (const ch of allowed) {
        if (ch === SAMPLE[i]) continue;
        const mutated = replaceAt(SAMPLE, i, ch);
        expect(isValidIdCard(mutated), mutated).toBe(false);
        tried++;
      }
    }
    expect(tried).toBe(18 * 10);
  });

  it('parses area, birth date and gender', () => {
    expect(parseIdCard(SAMPLE)).toEqual({ areaCode: '110105', birthDate: '1949-12-31', gender: 'F' });
    expect(parseIdCard(idWithBirth('19900101', '330302', '123'))).toEqual({
      areaCode: '330302',
      birthDate: '1990-01-01',
      gender: 'M',
    });
    expect(parseIdCard(replaceAt(SAMPLE, 17, '1'))).toBeNull();
  });

  it('checks that the birth date exists', () => {
    expect(isValidIdCard(idWithBirth('19491231'))).toBe(true);
    expect(isValidIdCard(idWithBirth('19491232'))).toBe(false);
    expect(isValidIdCard(idWithBirth('19491301'))).toBe(false);
    expect(isValidIdCard(idWithBirth('19490001'))).toBe(false);
    expect(isValidIdCard(idWithBirth('19491200'))).toBe(false);
    expect(isValidIdCard(idWithBirth('19490230'))).toBe(false);
    expect(isValidIdCard(idWithBirth('19490228'))).toBe(true);
    expect(isValidIdCard(idWithBirth('19490229'))).toBe(false);
    expect(isValidIdCard(idWithBirth('19480229'))).toBe(true);
    expect(isValidIdCard(idWithBirth('20000229'))).toBe(true);
    expect(isValidIdCard(idWithBirth('19000229'))).toBe(false);
    expect(isValidIdCard(idWithBirth('19500431'))).toBe(false);
  });

  it('rejects birth dates in the future, judged by the date in China', () => {
    expect(isValidIdCard(idWithBirth('20250615'), NOW)).toBe(true);
    expect(isValidIdCard(idWithBirth('20250616'), NOW)).toBe(false);
    expect(isValidIdCard(idWithBirth('20990101'), NOW)).toBe(false);
    // 17:00 UTC on 31 Dec is already 1 Jan in Beijing.
    const newYear = new Date('2024-12-31T17:00:00Z');
    expect(isValidIdCard(idWithBirth('20250101'), newYear)).toBe(true);
    expect(isValidIdCard(idWithBirth('20250101'), new Date('2024-12-31T15:59:59Z'))).toBe(false);
  });

  it('rejects implausibly early years', () => {
    expect(isValidIdCard(idWithBirth('18000101'))).toBe(true);
    expect(isValidIdCard(idWithBirth('17991231'))).toBe(false);
    expect(isValidIdCard(idWithBirth('00010101'))).toBe(false);
  });

  it('is strict about shape; normalizeIdCard fixes lower-case x, spaces and full-width input', () => {
    const lower = '11010519491231002x';
    expect(isValidIdCard(lower)).toBe(false);
    expect(normalizeIdCard(lower)).toBe(SAMPLE);
    expect(normalizeIdCard(' 110105 19491231 002x ')).toBe(SAMPLE);
    expect(normalizeIdCard('１１０１０５１９４９１２３１００２ｘ')).toBe(SAMPLE);
    expect(normalizeIdCard('11010519491231002Y')).toBeNull();
    expect(isValidIdCard(SAMPLE.slice(0, 17))).toBe(false);
    expect(isValidIdCard(`${SAMPLE}0`)).toBe(false);
    expect(isValidIdCard('X1010519491231002X')).toBe(false);
    expect(isValidIdCard('')).toBe(false);
  });

  it('refuses malformed input to idCardCheckChar', () => {
    expect(() => idCardCheckChar('1101051949123100')).toThrow(RangeError);
    expect(() => idCardCheckChar('1101051949123100X')).toThrow(RangeError);
  });
});

describe('组织机构代码 GB 11714-1997', () => {
  it('computes check characters, including the X and 0 special cases', () => {
    // Worked by hand: sum of value × weight, C9 = 11 − sum mod 11.
    expect(orgCodeCheckChar('00000001')).toBe('9'); // 1×2 = 2 → 9
    expect(orgCodeCheckChar('00000006')).toBe('X'); // 6×2 = 12 ≡ 1 → 10 → X
    expect(orgCodeCheckChar('0000000B')).toBe('0'); // 11×2 = 22 ≡ 0 → 11 → 0
    expect(orgCodeCheckChar('M000100Y')).toBe('4'); // 22×3 + 1×5 + 34×2 = 139 ≡ 7 → 4
  });

  it('accepts the org code embedded in the published USCC 91350100M000100Y43, in both forms', () => {
    expect(isValidOrgCode('M000100Y4')).toBe(true);
    expect(isValidOrgCode('M000100Y-4')).toBe(true);
    expect(isValidOrgCode('00000006-X')).toBe(true);
    expect(isValidOrgCode('0000000B0')).toBe(true);
  });

  it('rejects malformed codes', () => {
    expect(isValidOrgCode('M000100Y5')).toBe(false);
    expect(isValidOrgCode('m000100y4')).toBe(false);
    expect(isValidOrgCode('M000100Y--4')).toBe(false);
    expect(isValidOrgCode('M000100-Y4')).toBe(false);
    expect(isValidOrgCode('M000100Y')).toBe(false);
    expect(isValidOrgCode('00000006-x')).toBe(false);
    expect(() => orgCodeCheckChar('m000100y')).toThrow(RangeError);
  });

  it('catches every single-digit substitution (values differ by < 11, all weights are coprime to 11)', () => {
    const code = '12345678';
    const full = code + orgCodeCheckChar(code);
    expect(isValidOrgCode(full)).toBe(true);
    for (let i = 0; i < full.length; i++) {
      for (const ch of i === 8 ? '0123456789X' : '0123456789') {
        if (ch === full[i]) continue;
        expect(isValidOrgCode(replaceAt(full, i, ch)), replaceAt(full, i, ch)).toBe(false);
      }
    }
  });

  it('documents the standard’s blind spot: a letter 11 values away keeps the checksum', () => {
    // '1' (1) → 'C' (12): the difference 11 vanishes mod 11. Inherent in GB 11714, not a bug here.
    expect(isValidOrgCode('M000C00Y4')).toBe(true);
  });

  it('normalizes to the compact upper-case form', () => {
    expect(normalizeOrgCode('m000100y-4')).toBe('M000100Y4');
    expect(normalizeOrgCode(' M000100Y－4 ')).toBe('M000100Y4');
    expect(normalizeOrgCode('M000100Y-5')).toBeNull();
    expect(normalizeOrgCode('M000-100Y4')).toBeNull();
  });
});

describe('统一社会信用代码 GB 32100-2015', () => {
  // The widely published example code (Fuzhou, 工商/企业); its org-code part M000100Y4 is checked below.
  const SAMPLE = '91350100M000100Y43';

  it('accepts the published example and computes its check character', () => {
    expect(usccCheckChar(SAMPLE.slice(0, 17))).toBe('3');
    expect(isValidUscc(SAMPLE)).toBe(true);
  });

  it('rejects every single-character substitution over the 31-character set', () => {
    expect(USCC_CHARSET).toHaveLength(31);
    let tried = 0;
    for (let i = 0; i < SAMPLE.length; i++) {
      for (const ch of USCC_CHARSET) {
        if (ch === SAMPLE[i]) continue;
        const mutated = replaceAt(SAMPLE, i, ch);
        expect(isValidUscc(mutated), mutated).toBe(false);
        // Even without the category table, MOD 31-3 alone must catch it.
        expect(isValidUscc(mutated, { checkCategory: false }), mutated).toBe(false);
        tried++;
      }
    }
    expect(tried).toBe(18 * 30);
  });

  it('rejects excluded letters, lower case and wrong lengths', () => {
    for (const bad of 'IOZSV') expect(isValidUscc(replaceAt(SAMPLE, 8, bad))).toBe(false);
    expect(isValidUscc(SAMPLE.toLowerCase())).toBe(false);
    expect(isValidUscc(SAMPLE.slice(0, 17))).toBe(false);
    expect(isValidUscc(`${SAMPLE}3`)).toBe(false);
    expect(() => usccCheckChar('91350100M000100Y')).toThrow(RangeError);
    expect(() => usccCheckChar('91350100M000100YI')).toThrow(RangeError);
  });

  it('requires a six-digit area code in positions 3–8', () => {
    const first17 = '913501A0M000100Y4';
    expect(isValidUscc(first17 + usccCheckChar(first17), { checkCategory: false })).toBe(false);
  });

  it('requires the embedded org code to carry its own valid GB 11714 check character', () => {
    // Correct GB 32100 check character around a wrong GB 11714 one.
    const first17 = '91350100M000100Y5';
    const code = first17 + usccCheckChar(first17);
    expect(isValidUscc(code)).toBe(false);
  });

  it('checks the authority/category pair against the table, unless told not to', () => {
    const withPrefix = (prefix: string) => {
      const first17 = `${prefix}350100M000100Y4`;
      return first17 + usccCheckChar(first17);
    };
    for (const [authority, { categories }] of Object.entries(USCC_CATEGORIES)) {
      for (const category of Object.keys(categories)) {
        expect(isValidUscc(withPrefix(authority + category)), authority + category).toBe(true);
      }
    }
    for (const prefix of ['94', '99', '10', 'Y2', 'B1', 'A2', '0A']) {
      expect(isValidUscc(withPrefix(prefix)), prefix).toBe(false);
      expect(isValidUscc(withPrefix(prefix), { checkCategory: false }), prefix).toBe(true);
    }
  });

  it('normalizes case, spaces and full width', () => {
    expect(normalizeUscc(' 91350100m000100y43 ')).toBe(SAMPLE);
    expect(normalizeUscc('９１３５０１００Ｍ０００１００Ｙ４３')).toBe(SAMPLE);
    expect(normalizeUscc('91350100M000100Y44')).toBeNull();
  });
});

describe('mobile numbers', () => {
  it('accepts mainland numbers with optional country code and separators', () => {
    for (const s of [
      '13812345678',
      '19912345678',
      '+8613812345678',
      '8613812345678',
      '008613812345678',
      '+86 138 1234 5678',
      '+86-138-1234-5678',
      '138-1234-5678',
      '＋８６ １３８１２３４５６７８',
    ]) {
      expect(isValidMobile(s), s).toBe(true);
      expect(normalizeMobile(s), s).toBe(s.includes('99') ? '19912345678' : '13812345678');
    }
  });

  it('rejects everything else', () => {
    for (const s of [
      '',
      '+86',
      '12812345678', // second digit 2
      '10012345678',
      '23812345678',
      '1381234567', // 10 digits
      '138123456789', // 12 digits
      '+85213812345678', // Hong Kong prefix
      '+8713812345678',
      '138.1234.5678',
      '1381234567a',
      '(86)13812345678',
      '86 86 13812345678',
    ]) {
      expect(isValidMobile(s), s).toBe(false);
      expect(normalizeMobile(s), s).toBeNull();
    }
  });
});

describe('generators', () => {
  const N = 1000;

  it('generate valid ID numbers with the requested facts', () => {
    const rnd = seeded(11643);
    const dates = ['1949-12-31', '2000-02-29', '1985-07-01', '2024-01-31'];
    for (let i = 0; i < N; i++) {
      const gender = i % 2 === 0 ? 'M' : 'F';
      const birthDate = dates[i % dates.length]!;
      const id = generateIdCard(rnd, '330302', birthDate, gender, NOW);
      expect(isValidIdCard(id, NOW), id).toBe(true);
      expect(parseIdCard(id, NOW)).toEqual({ areaCode: '330302', birthDate, gender });
    }
  });

  it('refuse impossible ID inputs', () => {
    const rnd = seeded(1);
    expect(() => generateIdCard(rnd, '33030', '1990-01-01', 'M')).toThrow(RangeError);
    expect(() => generateIdCard(rnd, '330302', '1990-02-30', 'M')).toThrow(RangeError);
    expect(() => generateIdCard(rnd, '330302', '19900101', 'M')).toThrow(RangeError);
    expect(() => generateIdCard(rnd, '330302', '2025-06-16', 'M', NOW)).toThrow(RangeError);
  });

  it('generate valid organisation codes', () => {
    const rnd = seeded(11714);
    for (let i = 0; i < N; i++) {
      const code = generateOrgCode(rnd);
      expect(isValidOrgCode(code), code).toBe(true);
    }
  });

  it('generate valid USCCs, by default 91 (工商/企业) in the given area', () => {
    const rnd = seeded(32100);
    for (let i = 0; i < N; i++) {
      const code = generateUscc(rnd, '350100');
      expect(isValidUscc(code), code).toBe(true);
      expect(code.slice(0, 8)).toBe('91350100');
    }
    expect(generateUscc(rnd, '110105', { authority: '5', category: '3' }).slice(0, 2)).toBe('53');
    expect(generateUscc(rnd, '110105', { authority: 'Y' }).slice(0, 2)).toBe('Y1');
    expect(() => generateUscc(rnd, '110105', { authority: '9', category: '9' })).toThrow(RangeError);
    expect(() => generateUscc(rnd, '1101', {})).toThrow(RangeError);
  });

  it('generate valid mobile numbers', () => {
    const rnd = seeded(86);
    const seen = new Set<string>();
    for (let i = 0; i < N; i++) {
      const m = generateMobile(rnd);
      expect(isValidMobile(m), m).toBe(true);
      expect(normalizeMobile(m)).toBe(m);
      seen.add(m);
    }
    expect(seen.size).toBeGreaterThan(N - 5);
  });

  it('are reproducible from a seed', () => {
    const a = seeded(7);
    const b = seeded(7);
    expect(generateUscc(a, '350100')).toBe(generateUscc(b, '350100'));
    expect(generateIdCard(a, '110105', '1990-01-01', 'F')).toBe(
      generateIdCard(b, '110105', '1990-01-01', 'F'),
    );
  });

  it('reject a random source outside [0, 1)', () => {
    expect(() => generateMobile(() => 1)).toThrow(RangeError);
    expect(() => generateMobile(() => -0.1)).toThrow(RangeError);
    expect(() => generateMobile(() => Number.NaN)).toThrow(RangeError);
  });
});

import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import {
  createVault,
  maskIdCard,
  maskMiddle,
  maskMobile,
  maskName,
  maskUscc,
  type Vault,
  VaultError,
  type VaultErrorReason,
} from './vault.ts';

// Fixed keys: tests must not depend on randomness except where randomness is the point.
const KEY_A = Buffer.alloc(32, 0xa5);
const KEY_B = Buffer.alloc(32, 0x5a);
const AAD = 'person.id_number';

function expectVaultError(fn: () => unknown, reason: VaultErrorReason): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(VaultError);
  expect((caught as VaultError).reason).toBe(reason);
}

function rawOf(stored: string): Buffer {
  expect(stored.startsWith('v1.')).toBe(true);
  return Buffer.from(stored.slice(3), 'base64url');
}

describe('createVault', () => {
  it('rejects master keys shorter than 32 bytes as a configuration error', () => {
    for (const len of [0, 16, 31]) {
      expectVaultError(() => createVault(Buffer.alloc(len, 1)), 'KEY_TOO_SHORT');
    }
    try {
      createVault(Buffer.alloc(31, 1));
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('CONFIG_INVALID');
      expect((e as Error).message).toContain('31 bytes');
    }
    expect(() => createVault(Buffer.alloc(32, 1))).not.toThrow();
    expect(() => createVault(Buffer.alloc(64, 1))).not.toThrow();
  });

  it('rejects a non-Buffer key from untyped callers', () => {
    const notABuffer = 'a'.repeat(64) as unknown as Buffer;
    expectVaultError(() => createVault(notABuffer), 'KEY_TOO_SHORT');
  });
});

describe('encrypt / decrypt', () => {
  const vault: Vault = createVault(KEY_A);

  it('round-trips ASCII, Chinese, empty and astral-plane text', () => {
    for (const plain of [
      '11010519491231002X',
      '张三丰',
      '浙江省温州市鹿城区 五马街 1 号',
      '',
      '𠀀𪚥 😀',
      'a\0b',
    ]) {
      expect(vault.decrypt(vault.encrypt(plain))).toBe(plain);
      expect(vault.decrypt(vault.encrypt(plain, AAD), AAD)).toBe(plain);
    }
  });

  it('produces the documented format: v1. + base64url(iv 12 ‖ tag 16 ‖ ciphertext)', () => {
    const plain = '13812345678';
    const stored = vault.encrypt(plain);
    expect(stored).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(rawOf(stored).length).toBe(12 + 16 + Buffer.byteLength(plain));
  });

  it('gives different ciphertexts for the same value (random IV)', () => {
    const a = vault.encrypt('11010519491231002X', AAD);
    const b = vault.encrypt('11010519491231002X', AAD);
    expect(a).not.toBe(b);
    expect(rawOf(a).subarray(0, 12).equals(rawOf(b).subarray(0, 12))).toBe(false);
  });

  it('detects a flipped bit in any byte of IV, tag or ciphertext', () => {
    const stored = vault.encrypt('张三丰', AAD);
    const raw = rawOf(stored);
    for (let i = 0; i < raw.length; i++) {
      const bad = Buffer.from(raw);
      bad[i] = bad[i]! ^ 0x01;
      expectVaultError(() => vault.decrypt(`v1.${bad.toString('base64url')}`, AAD), 'AUTH_FAILED');
    }
  });

  it('rejects any single-character edit of the stored string', () => {
    const stored = vault.encrypt('13812345678', AAD);
    for (let i = 0; i < stored.length; i++) {
      const ch = stored[i] === 'A' ? 'B' : 'A';
      const edited = stored.slice(0, i) + ch + stored.slice(i + 1);
      expect(() => vault.decrypt(edited, AAD), `position ${i}`).toThrow(VaultError);
    }
  });

  it('rejects a truncated or extended ciphertext', () => {
    const raw = rawOf(vault.encrypt('13812345678', AAD));
    expectVaultError(
      () => vault.decrypt(`v1.${raw.subarray(0, raw.length - 1).toString('base64url')}`, AAD),
      'AUTH_FAILED',
    );
    expectVaultError(
      () => vault.decrypt(`v1.${Buffer.concat([raw, Buffer.from([0])]).toString('base64url')}`, AAD),
      'AUTH_FAILED',
    );
  });

  it('fails with the wrong key', () => {
    const stored = vault.encrypt('11010519491231002X', AAD);
    expectVaultError(() => createVault(KEY_B).decrypt(stored, AAD), 'AUTH_FAILED');
    // Same first 32 bytes but a longer key is a different key: HKDF reads all of it.
    const longer = Buffer.concat([KEY_A, Buffer.from([0])]);
    expectVaultError(() => createVault(longer).decrypt(stored, AAD), 'AUTH_FAILED');
    // A second vault from the same key reads it: nothing depends on per-instance state.
    expect(createVault(Buffer.from(KEY_A)).decrypt(stored, AAD)).toBe('11010519491231002X');
  });

  it('binds the associated data: a ciphertext moved to another column fails', () => {
    const stored = vault.encrypt('13812345678', 'person.phone');
    expect(vault.decrypt(stored, 'person.phone')).toBe('13812345678');
    expectVaultError(() => vault.decrypt(stored, 'enterprise.phone'), 'AUTH_FAILED');
    expectVaultError(() => vault.decrypt(stored), 'AUTH_FAILED');
    const noAad = vault.encrypt('13812345678');
    expectVaultError(() => vault.decrypt(noAad, 'person.phone'), 'AUTH_FAILED');
    expect(vault.decrypt(noAad, '')).toBe('13812345678');
  });

  it('reports a clear error without leaking detail to HTTP clients', () => {
    const stored = vault.encrypt('secret', AAD);
    try {
      vault.decrypt(stored, 'other');
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('INTERNAL');
      expect((e as Error).message).toMatch(/wrong key, wrong associated data, or tampered ciphertext/);
      expect((e as Error).message).not.toContain('secret');
    }
  });

  it('rejects malformed stored values before touching the cipher', () => {
    const raw = rawOf(vault.encrypt('x'));
    for (const bad of [
      '',
      'v1.',
      `v2.${raw.toString('base64url')}`,
      raw.toString('base64url'),
      `v1.${raw.toString('base64')}`, // 29 bytes: standard base64 always carries '=' padding here
      `v1.${raw.subarray(0, 27).toString('base64url')}`, // shorter than iv + tag
      `v1.${raw.toString('base64url')}=`,
      `v1.${raw.toString('base64url')} `,
    ]) {
      expectVaultError(() => vault.decrypt(bad), 'MALFORMED');
    }
  });

  it('refuses strings that UTF-8 cannot carry exactly', () => {
    expectVaultError(() => vault.encrypt('abc\uD800'), 'BAD_ARGUMENT');
  });
});

describe('blindIndex', () => {
  const vault = createVault(KEY_A);

  it('is deterministic, hex SHA-256 sized', () => {
    const a = vault.blindIndex('id_card', '11010519491231002X');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(vault.blindIndex('id_card', '11010519491231002X')).toBe(a);
    expect(createVault(Buffer.from(KEY_A)).blindIndex('id_card', '11010519491231002X')).toBe(a);
  });

  it('differs by value, by kind and by key', () => {
    const a = vault.blindIndex('id_card', '11010519491231002X');
    expect(vault.blindIndex('id_card', '110105194912310029')).not.toBe(a);
    expect(vault.blindIndex('mobile', '11010519491231002X')).not.toBe(a);
    expect(createVault(KEY_B).blindIndex('id_card', '11010519491231002X')).not.toBe(a);
  });

  it('keeps kind and value apart', () => {
    expect(vault.blindIndex('ab', 'c')).not.toBe(vault.blindIndex('a', 'bc'));
    expectVaultError(() => vault.blindIndex('a\0b', 'c'), 'BAD_ARGUMENT');
    expectVaultError(() => vault.blindIndex('', 'c'), 'BAD_ARGUMENT');
  });

  it('uses an HKDF-derived HMAC key, not the master key itself', () => {
    const expected = createHmac(
      'sha256',
      Buffer.from(hkdfSync('sha256', KEY_A, Buffer.alloc(0), 'zhili/pii/hmac/v1', 32)),
    )
      .update('mobile\u000013812345678')
      .digest('hex');
    expect(vault.blindIndex('mobile', '13812345678')).toBe(expected);
    const withMaster = createHmac('sha256', KEY_A).update('mobile\u000013812345678').digest('hex');
    expect(expected).not.toBe(withMaster);
  });
});

describe('masking', () => {
  it('maskIdCard keeps the area code and last four', () => {
    expect(maskIdCard('330302199001011234')).toBe('330302********1234');
    expect(maskIdCard('11010519491231002X')).toBe('110105********002X');
  });

  it('maskMobile keeps the first three and last four, after normalising', () => {
    expect(maskMobile('13812345678')).toBe('138****5678');
    expect(maskMobile('+86 138-1234-5678')).toBe('138****5678');
  });

  it('maskName keeps the first character', () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳修')).toBe('欧**');
    expect(maskName(' 李四 ')).toBe('李*');
    expect(maskName('张')).toBe('*');
    expect(maskName('')).toBe('');
  });

  it('maskUscc hides the organisation body, keeping the prefix and check characters', () => {
    expect(maskUscc('91350100M000100Y43')).toBe('91350100********43');
  });

  it('maskMiddle counts code points and masks everything when nothing would be hidden', () => {
    expect(maskMiddle('abcdef', 2, 2)).toBe('ab**ef');
    expect(maskMiddle('abcdef', 0, 0)).toBe('******');
    expect(maskMiddle('abcdef', 3, 3)).toBe('******');
    expect(maskMiddle('abc', 6, 4)).toBe('***');
    expect(maskMiddle('𠀀𠀁𠀂', 1, 1)).toBe('𠀀*𠀂');
    expect(maskMiddle('abcdef', 1, 1, '•')).toBe('a••••f');
    expect(() => maskMiddle('abc', -1, 0)).toThrow(RangeError);
    expect(() => maskMiddle('abc', 1.5, 0)).toThrow(RangeError);
  });
});

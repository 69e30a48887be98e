import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { AppError } from '../errors.ts';
import { normalizeMobile } from './codes.ts';

/**
 * The PII vault: field-level encryption for identifiers (ID numbers, phone numbers) plus a keyed blind index
 * so that exact lookups work without storing the plaintext.
 *
 * Stored format: `v1.` + base64url(iv[12] ‖ tag[16] ‖ ciphertext). The version prefix lets a later key or
 * algorithm rotation tell old rows from new ones without a schema change.
 */
export interface Vault {
  /**
   * AES-256-GCM with a fresh random IV, so equal plaintexts give unequal ciphertexts. `aad` (e.g. the column
   * name `'person.id_number'`) is authenticated, not stored: the same value must be given to `decrypt`, which
   * stops a ciphertext from being copied into another column. Omitting `aad` is the same as passing `''`.
   */
  encrypt(plain: string, aad?: string): string;
  /** Throws `VaultError` (`MALFORMED` or `AUTH_FAILED`) on anything that is not an intact ciphertext. */
  decrypt(stored: string, aad?: string): string;
  /**
   * HMAC-SHA256 hex over `kind + '\0' + value`. Deterministic, so only pass values already in canonical form
   * (`normalizeIdCard`, `normalizeMobile`, …). `kind` separates namespaces so equal strings in different
   * roles (an ID number and a phone number, say) never share an index value.
   */
  blindIndex(kind: string, normalizedValue: string): string;
}

export type VaultErrorReason = 'KEY_TOO_SHORT' | 'MALFORMED' | 'AUTH_FAILED' | 'BAD_ARGUMENT';

/**
 * Maps onto the application's error codes so that the HTTP layer treats a bad key as a configuration problem
 * and a failed decryption as an internal one (never echoing details to the client), while code that needs to
 * tell the cases apart can read `reason`.
 */
export class VaultError extends AppError {
  readonly reason: VaultErrorReason;
  constructor(reason: VaultErrorReason, message: string) {
    super(reason === 'KEY_TOO_SHORT' ? 'CONFIG_INVALID' : 'INTERNAL', message);
    this.name = 'VaultError';
    this.reason = reason;
  }
}

export const MIN_MASTER_KEY_BYTES = 32;
const PREFIX = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENC_INFO = 'zhili/pii/enc/v1';
const HMAC_INFO = 'zhili/pii/hmac/v1';

/**
 * Empty HKDF salt: the master key is already meant to be uniformly random, and a salt would have to be stored
 * and kept stable next to it for no gain. Distinct `info` strings are what make the two keys independent, so
 * leaking the index key (e.g. to a reporting job) reveals nothing about the encryption key.
 */
function deriveKey(masterKey: Buffer, info: string): KeyObject {
  const raw = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
  const key = createSecretKey(raw);
  raw.fill(0);
  return key;
}

/**
 * JavaScript strings may hold lone surrogates, which UTF-8 encoding silently replaces with U+FFFD. Refusing
 * them keeps `decrypt(encrypt(x)) === x` and stops two different strings from sharing one blind index.
 */
function utf8Exact(s: string, what: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.toString('utf8') !== s) {
    throw new VaultError(
      'BAD_ARGUMENT',
      `${what}包含无效的 Unicode 字符 / ${what} is not well-formed Unicode`,
    );
  }
  return bytes;
}

/** The version is bound into the AAD so a future format cannot be confused with this one by relabelling. */
function aadBytes(aad: string | undefined): Buffer {
  return utf8Exact(`v1\0${aad ?? ''}`, 'aad');
}

const malformed = () =>
  new VaultError('MALFORMED', '密文格式无效 / Stored value is not a v1 vault ciphertext');

export function createVault(masterKey: Buffer): Vault {
  if (!Buffer.isBuffer(masterKey) || masterKey.length < MIN_MASTER_KEY_BYTES) {
    const got = Buffer.isBuffer(masterKey) ? `${masterKey.length} bytes` : typeof masterKey;
    throw new VaultError(
      'KEY_TOO_SHORT',
      `主密钥至少需要 ${MIN_MASTER_KEY_BYTES} 字节 / Master key must be at least ${MIN_MASTER_KEY_BYTES} bytes (got ${got})`,
    );
  }
  const encKey = deriveKey(masterKey, ENC_INFO);
  const hmacKey = deriveKey(masterKey, HMAC_INFO);

  // A random 96-bit IV is safe for up to 2^32 encryptions under one key (NIST SP 800-38D), far above the
  // number of PII fields a city deployment writes before a key rotation.
  function encrypt(plain: string, aad?: string): string {
    const plainBytes = utf8Exact(plain, 'plaintext');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', encKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadBytes(aad));
    const ct = Buffer.concat([cipher.update(plainBytes), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
  }

  function decrypt(stored: string, aad?: string): string {
    if (typeof stored !== 'string' || !stored.startsWith(PREFIX)) throw malformed();
    const body = stored.slice(PREFIX.length);
    // Buffer's base64url decoder skips junk and ignores trailing bits, so without the round-trip check
    // some edited strings would decode to the same bytes and still "decrypt".
    if (!/^[A-Za-z0-9_-]+$/.test(body)) throw malformed();
    const raw = Buffer.from(body, 'base64url');
    if (raw.toString('base64url') !== body || raw.length < IV_BYTES + TAG_BYTES) throw malformed();

    // authTagLength pins the tag size: otherwise Node accepts truncated tags, which weakens forgery resistance.
    const decipher = createDecipheriv('aes-256-gcm', encKey, raw.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aadBytes(aad));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      const pt = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return pt.toString('utf8');
    } catch {
      throw new VaultError(
        'AUTH_FAILED',
        '解密失败：密钥错误、关联数据不符或密文被篡改 / Decryption failed: wrong key, wrong associated data, or tampered ciphertext',
      );
    }
  }

  function blindIndex(kind: string, normalizedValue: string): string {
    // A NUL in `kind` would make ('a\0b', 'c') and ('a', 'b\0c') hash identically.
    if (kind.length === 0 || kind.includes('\0')) {
      throw new VaultError(
        'BAD_ARGUMENT',
        'blindIndex 的 kind 不能为空或含 NUL / kind must be non-empty without NUL',
      );
    }
    const message = utf8Exact(`${kind}\0${normalizedValue}`, 'blindIndex input');
    return createHmac('sha256', hmacKey).update(message).digest('hex');
  }

  return Object.freeze({ encrypt, decrypt, blindIndex });
}

// ---------------------------------------------------------------------------------------------------------
// Masking for display. Lengths are preserved so a masked value still looks like what it is. Characters are
// counted as code points so that CJK outside the BMP or emoji are never split in half.

/**
 * Keeps `keepStart` leading and `keepEnd` trailing characters and replaces the rest with `maskChar`. When
 * nothing would be left to hide (the string is no longer than `keepStart + keepEnd`), everything is masked:
 * a short or malformed value must not be shown in full just because it does not fit the expected shape.
 */
export function maskMiddle(s: string, keepStart: number, keepEnd: number, maskChar = '*'): string {
  if (!Number.isInteger(keepStart) || !Number.isInteger(keepEnd) || keepStart < 0 || keepEnd < 0) {
    throw new RangeError('keepStart and keepEnd must be non-negative integers');
  }
  const chars = Array.from(s);
  const hidden = chars.length - keepStart - keepEnd;
  if (hidden <= 0) return maskChar.repeat(chars.length);
  return (
    chars.slice(0, keepStart).join('') +
    maskChar.repeat(hidden) +
    chars.slice(chars.length - keepEnd).join('')
  );
}

/** Area code (first 6) and last 4 stay: the usual way staff confirm a person over the phone. */
export function maskIdCard(s: string): string {
  return maskMiddle(s, 6, 4);
}

/** Input in any accepted form (`+86 138-…`) is brought to 11 digits first so the kept digits are the right ones. */
export function maskMobile(s: string): string {
  return maskMiddle(normalizeMobile(s) ?? s, 3, 4);
}

/** Surname (first character) stays; compound surnames such as 欧阳 still show only the first character. */
export function maskName(s: string): string {
  return maskMiddle(s.trim(), 1, 0);
}

/**
 * Keeps positions 1–8 (authority, category, registering area: coarse and shared by thousands of entities)
 * and the last 2 (the two check characters), hiding exactly the 8-character organisation body that identifies
 * the entity. Enterprise codes are public, but those of 个体工商户 often stand in for a person.
 */
export function maskUscc(s: string): string {
  return maskMiddle(s, 8, 2);
}

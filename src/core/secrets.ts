import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

/**
 * The master key for personal data. In production it must come from ZHILI_SECRET_KEY (checked by the
 * config schema); elsewhere a random key file is created on first start beside the data, mode 0600.
 * Losing that file makes the encrypted identifiers unreadable: back it up with the data folder.
 */
export function loadMasterKey(config: Pick<Config, 'secretKey' | 'dataDir' | 'env'>): Buffer {
  if (config.secretKey) return Buffer.from(config.secretKey, 'utf8');
  const file = path.join(config.dataDir, 'secret.key');
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
  fs.mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(48).toString('base64');
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return Buffer.from(key, 'utf8');
}

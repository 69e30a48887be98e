import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { AppError } from './errors.ts';

describe('config', () => {
  it('uses embedded defaults in development', () => {
    const c = loadConfig({});
    expect(c.env).toBe('development');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.cookieSecure).toBe(false);
    expect(c.dataDir.endsWith('.zhili')).toBe(true);
  });

  it('refuses production without a secret key and lists every problem at once', () => {
    let err: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', ZHILI_PORT: 'abc', DATABASE_URL: 'mysql://x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.code).toBe('CONFIG_INVALID');
    const paths = e.details!.map((d) => d.path).sort();
    expect(paths).toEqual(['DATABASE_URL', 'ZHILI_PORT', 'ZHILI_SECRET_KEY']);
    expect(e.message).toContain('ZHILI_SECRET_KEY');
  });

  it('refuses a short secret key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ZHILI_SECRET_KEY: 'short' })).toThrow(/too short: 5/);
    expect(loadConfig({ NODE_ENV: 'production', ZHILI_SECRET_KEY: 'x'.repeat(32) }).cookieSecure).toBe(true);
  });
});

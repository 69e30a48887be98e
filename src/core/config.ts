import path from 'node:path';
import { z } from 'zod';
import { AppError } from './errors.ts';

/**
 * Configuration is read once at boot from the environment and validated as a whole, so that an operator
 * sees every problem in one message instead of fixing them one restart at a time.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ZHILI_HOST: z.string().max(255).default('127.0.0.1'),
  ZHILI_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .max(2000)
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  ZHILI_DATA_DIR: z.string().max(1000).default('.zhili'),
  ZHILI_SECRET_KEY: z.string().max(1000).optional(),
  ZHILI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ZHILI_SESSION_HOURS: z.coerce
    .number()
    .min(0.1)
    .max(24 * 30)
    .default(12),
  ZHILI_COOKIE_SECURE: bool.optional(),
  ZHILI_TRUST_PROXY: bool.default(false),
  ZHILI_LOGIN_MAX_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(10),
  ZHILI_FILES_DIR: z.string().max(1000).optional(),
  ZHILI_MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(2048).default(20),
  ZHILI_MAX_IMPORT_MB: z.coerce.number().int().min(1).max(8192).default(1024),
});

/** Key rules checked beside the schema (not after it), so that they are listed with every other problem. */
function keyProblems(env: Record<string, string | undefined>): { path: string; message: string }[] {
  const key = env.ZHILI_SECRET_KEY;
  if (env.NODE_ENV === 'production' && !key) {
    return [
      {
        path: 'ZHILI_SECRET_KEY',
        message: 'is required in production (at least 32 characters, e.g. `openssl rand -base64 48`)',
      },
    ];
  }
  if (key !== undefined && key.length < 32) {
    return [
      { path: 'ZHILI_SECRET_KEY', message: `is too short: ${key.length} characters, at least 32 are needed` },
    ];
  }
  return [];
}

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  secretKey: string | undefined;
  logLevel: string;
  sessionHours: number;
  cookieSecure: boolean;
  trustProxy: boolean;
  loginMaxPerMinute: number;
  /** Where uploaded files are kept (content-addressed); `<dataDir>/files` unless set. */
  filesDir: string;
  /** The largest upload accepted, per file, in MB (of 1,048,576 bytes). */
  maxUploadMb: number;
  /** The largest department file accepted for import, in MB; larger files go through `zhili import`. */
  maxImportMb: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`DATABASE_URL=`) means "not set", as shells and compose files use it.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(given);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(env)', message: i.message }))),
    ...keyProblems(given),
  ];
  if (!parsed.success || problems.length > 0) {
    const lines = problems.map((p) => `  - ${p.path}: ${p.message}`);
    throw new AppError(
      'CONFIG_INVALID',
      `配置有误，无法启动 / Invalid configuration, cannot start:\n${lines.join('\n')}`,
      problems,
    );
  }
  const c = parsed.data;
  return {
    env: c.NODE_ENV,
    host: c.ZHILI_HOST,
    port: c.ZHILI_PORT,
    databaseUrl: c.DATABASE_URL,
    dataDir: path.resolve(c.ZHILI_DATA_DIR),
    secretKey: c.ZHILI_SECRET_KEY,
    logLevel: c.ZHILI_LOG_LEVEL,
    sessionHours: c.ZHILI_SESSION_HOURS,
    cookieSecure: c.ZHILI_COOKIE_SECURE ?? c.NODE_ENV === 'production',
    trustProxy: c.ZHILI_TRUST_PROXY,
    loginMaxPerMinute: c.ZHILI_LOGIN_MAX_PER_MINUTE,
    filesDir: path.resolve(c.ZHILI_FILES_DIR ?? path.join(c.ZHILI_DATA_DIR, 'files')),
    maxUploadMb: c.ZHILI_MAX_UPLOAD_MB,
    maxImportMb: c.ZHILI_MAX_IMPORT_MB,
  };
}

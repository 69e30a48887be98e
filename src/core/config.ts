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
  ZHILI_MAP_BASE_SOURCES: z.string().max(20_000).optional(),
  ZHILI_MAP_POINT_ZOOM: z.coerce.number().int().min(10).max(20).default(14),
  ZHILI_MAP_MAX_POINTS: z.coerce.number().int().min(1).max(5000).default(5000),
  ZHILI_MAP_GLYPHS: z
    .string()
    .max(2000)
    .regex(/\{fontstack\}.*\{range\}/, 'must hold {fontstack} and {range}')
    .optional(),
});

/**
 * A base map a deployment adds to the map (天地图, its own tile server, a local PMTiles file). Without any, the
 * map draws its base from our own boundaries and works offline. `crs` says how the tiles are drawn: GCJ-02
 * tiles make the client ask the map API for GCJ-02 coordinates (src/core/areas/crs.ts converts, once).
 */
export const MapBaseSource = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  name: z.string().min(1).max(100),
  type: z.enum(['raster', 'vector', 'pmtiles']),
  url: z.string().min(1).max(2000),
  tileSize: z.number().int().min(64).max(1024).optional(),
  attribution: z.string().max(500).optional(),
  crs: z.enum(['wgs84', 'gcj02']).default('wgs84'),
  minzoom: z.number().int().min(0).max(24).optional(),
  maxzoom: z.number().int().min(0).max(24).optional(),
});
export type MapBaseSource = z.infer<typeof MapBaseSource>;

/** ZHILI_MAP_BASE_SOURCES: a JSON array of MapBaseSource; its problems are listed with every other one. */
function mapSources(raw: string | undefined): {
  sources: MapBaseSource[];
  problems: { path: string; message: string }[];
} {
  if (!raw) return { sources: [], problems: [] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { sources: [], problems: [{ path: 'ZHILI_MAP_BASE_SOURCES', message: 'is not valid JSON' }] };
  }
  const parsed = z.array(MapBaseSource).max(20).safeParse(json);
  if (parsed.success) return { sources: parsed.data, problems: [] };
  return {
    sources: [],
    problems: parsed.error.issues.map((i) => ({
      path: ['ZHILI_MAP_BASE_SOURCES', ...i.path].join('.'),
      message: i.message,
    })),
  };
}

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
  /** 社会治理一张图: base maps added by the deployment, and when the matter layers turn into points. */
  map: {
    baseSources: MapBaseSource[];
    /** From this zoom on, the aggregate answers with points (when there are at most `maxPoints`). */
    pointZoom: number;
    /** The most points one answer carries (a hard cap of 5,000). */
    maxPoints: number;
    /** A glyphs URL template (`…/{fontstack}/{range}.pbf`) the deployment serves, for labels on the map. */
    glyphs: string | null;
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`DATABASE_URL=`) means "not set", as shells and compose files use it.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(given);
  const map = mapSources(given.ZHILI_MAP_BASE_SOURCES);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(env)', message: i.message }))),
    ...keyProblems(given),
    ...map.problems,
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
    map: {
      baseSources: map.sources,
      pointZoom: c.ZHILI_MAP_POINT_ZOOM,
      maxPoints: c.ZHILI_MAP_MAX_POINTS,
      glyphs: c.ZHILI_MAP_GLYPHS ?? null,
    },
  };
}

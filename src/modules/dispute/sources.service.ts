import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type Actor, assertCan } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { staleVersion } from '../../core/subjects/common.ts';
import { ddb } from './dispute.tables.ts';
import { SOURCES, SourceProfile } from './sources.ts';

/** Loads the default sources; a source already present keeps its (possibly edited) profile. */
export async function seedSources(tx: DbOrTx): Promise<void> {
  await ddb(tx)
    .insertInto('dispute_sources')
    .values(
      SOURCES.map((s) => ({
        code: s.code,
        department_code: s.department,
        name: s.name.zh,
        name_en: s.name.en,
        profile: JSON.stringify(s.profile),
      })),
    )
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
}

export interface Source {
  code: string;
  department: string | null;
  name: { zh: string; en: string };
  profile: SourceProfile;
  enabled: boolean;
  updatedAt: string;
  version: number;
}

type SourceRow = Awaited<ReturnType<ReturnType<typeof sourceQuery>['executeTakeFirstOrThrow']>>;
const sourceQuery = (db: DbOrTx) => ddb(db).selectFrom('dispute_sources').selectAll();

export function presentSource(r: SourceRow): Source {
  return {
    code: r.code,
    department: r.department_code,
    name: { zh: r.name, en: r.name_en },
    profile: SourceProfile.parse(r.profile),
    enabled: r.enabled,
    updatedAt: r.updated_at.toISOString(),
    version: r.version,
  };
}

export async function listSources(db: DbOrTx): Promise<Source[]> {
  const rows = await sourceQuery(db).orderBy('department_code').orderBy('code').execute();
  return rows.map(presentSource);
}

export async function getSource(db: DbOrTx, code: string): Promise<Source> {
  const r = await sourceQuery(db).where('code', '=', code).executeTakeFirst();
  if (!r) {
    throw new AppError('VALIDATION_FAILED', `未知数据来源 ${code} / Unknown source ${code}`, [
      { path: 'source', message: 'unknown' },
    ]);
  }
  const s = presentSource(r);
  if (!s.enabled) throw new AppError('CONFLICT', `数据来源 ${code} 已停用 / Source ${code} is disabled`);
  return s;
}

/** A city administrator edits a source's mapping profile (versioned, audited). */
export async function updateSource(
  tx: DbOrTx,
  actor: Actor,
  code: string,
  input: { profile?: SourceProfile | undefined; enabled?: boolean | undefined; version: number },
): Promise<Source> {
  assertCan(actor, 'dispute:configure');
  const before = await sourceQuery(tx).where('code', '=', code).forUpdate().executeTakeFirst();
  if (!before) throw notFound(`数据来源 / source ${code}`);
  if (before.version !== input.version) throw staleVersion('source', before.version);
  const row = await ddb(tx)
    .updateTable('dispute_sources')
    .set({
      ...(input.profile ? { profile: JSON.stringify(input.profile) } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      updated_at: new Date(),
      version: before.version + 1,
    })
    .where('code', '=', code)
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(tx, actor, {
    action: 'dispute.source.update',
    entityType: 'dispute_source',
    entityId: code,
    oldValues: { profile: before.profile, enabled: before.enabled },
    newValues: { profile: row.profile, enabled: row.enabled },
  });
  return presentSource(row);
}

// ---------------------------------------------------------------------------------------------------
// Push API tokens: shown once at creation; only a SHA-256 is stored (the token is 32 random bytes, so a
// fast hash is enough — there is nothing to brute-force).

const TOKEN_PREFIX = 'zjf_';

export interface SourceToken {
  id: string;
  source: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

export async function createToken(
  tx: DbOrTx,
  actor: Actor,
  source: string,
  name: string,
): Promise<{ token: string; info: SourceToken }> {
  assertCan(actor, 'dispute:configure');
  await getSource(tx, source);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await ddb(tx)
    .insertInto('dispute_source_tokens')
    .values({
      source_code: source,
      name,
      token_hash: hashToken(token),
      token_prefix: token.slice(0, 10),
      created_by: actor.id,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(tx, actor, {
    action: 'dispute.token.create',
    entityType: 'dispute_source_token',
    entityId: row.id,
    newValues: { source, name, prefix: row.token_prefix },
  });
  return { token, info: presentToken(row) };
}

type TokenRow = Awaited<ReturnType<ReturnType<typeof tokenQuery>['executeTakeFirstOrThrow']>>;
const tokenQuery = (db: DbOrTx) => ddb(db).selectFrom('dispute_source_tokens').selectAll();

function presentToken(r: TokenRow): SourceToken {
  return {
    id: r.id,
    source: r.source_code,
    name: r.name,
    prefix: r.token_prefix,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  };
}

export async function listTokens(db: DbOrTx, actor: Actor, source?: string): Promise<SourceToken[]> {
  assertCan(actor, 'dispute:configure');
  let q = tokenQuery(db).orderBy('id', 'desc');
  if (source) q = q.where('source_code', '=', source);
  return (await q.execute()).map(presentToken);
}

export async function revokeToken(tx: DbOrTx, actor: Actor, id: string): Promise<SourceToken> {
  assertCan(actor, 'dispute:configure');
  const row = await ddb(tx)
    .updateTable('dispute_source_tokens')
    .set({ revoked_at: sql`coalesce(revoked_at, now())` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound(`令牌 / token ${id}`);
  await audit(tx, actor, {
    action: 'dispute.token.revoke',
    entityType: 'dispute_source_token',
    entityId: id,
    newValues: { source: row.source_code },
  });
  return presentToken(row);
}

/** The source a push request's bearer token stands for; 401 for an unknown or revoked token. */
export async function sourceForToken(db: DbOrTx, token: string): Promise<Source> {
  const row = await tokenQuery(db).where('token_hash', '=', hashToken(token)).executeTakeFirst();
  if (!row || row.revoked_at) {
    throw new AppError('UNAUTHENTICATED', '接口令牌无效或已吊销 / The API token is unknown or revoked');
  }
  await ddb(db)
    .updateTable('dispute_source_tokens')
    .set({ last_used_at: new Date() })
    .where('id', '=', row.id)
    .execute();
  return getSource(db, row.source_code);
}

import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { sql } from 'kysely';
import { type Actor, assertCan } from '../access/actor.ts';
import { inScopeSql, underAreaSql } from '../access/scope.ts';
import type { DbOrTx } from '../db/database.ts';

// canonicalize is CommonJS with ESM-style types: under NodeNext the function may sit on `.default`.
type Canonicalize = (input: unknown) => string | undefined;
const canonicalize: Canonicalize =
  (canonicalizeModule as unknown as { default?: Canonicalize }).default ??
  (canonicalizeModule as unknown as Canonicalize);

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  action: string;
  entityType: string;
  entityId?: string | null;
  areaCode?: string | null;
  reason?: string | null;
  /** Values must hold no plain personal identifiers: pass masked or omitted fields. */
  oldValues?: Record<string, unknown> | null;
  newValues?: Record<string, unknown> | null;
}

interface Hashable {
  at: Date;
  actor_id: string | null;
  actor_name: string;
  ip: string | null;
  request_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  area_code: string | null;
  reason: string | null;
  old_values: unknown;
  new_values: unknown;
  prev_hash: string;
}

/** sha256(prev_hash ‖ RFC 8785 canonical JSON of the entry): the same bytes on every engine and platform. */
export function entryHash(e: Hashable): string {
  const body = canonicalize({
    at: e.at.toISOString(),
    actor_id: e.actor_id,
    actor_name: e.actor_name,
    ip: e.ip,
    request_id: e.request_id,
    action: e.action,
    entity_type: e.entity_type,
    entity_id: e.entity_id,
    area_code: e.area_code,
    reason: e.reason,
    old_values: e.old_values ?? null,
    new_values: e.new_values ?? null,
  });
  return createHash('sha256').update(e.prev_hash).update('\n').update(body!).digest('hex');
}

/** JSON round trip, so that what is hashed now is exactly what JSONB gives back to `verify` later. */
function plain(v: Record<string, unknown> | null | undefined): unknown {
  return v == null ? null : JSON.parse(JSON.stringify(v));
}

type Pending = Omit<Hashable, 'prev_hash'>;

function pendingEntry(actor: Actor, input: AuditInput): Pending {
  return {
    at: new Date(),
    actor_id: actor.id,
    actor_name: actor.username,
    ip: actor.ip,
    request_id: actor.requestId,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId ?? null,
    area_code: input.areaCode ?? null,
    reason: input.reason ?? null,
    old_values: plain(input.oldValues),
    new_values: plain(input.newValues),
  };
}

/**
 * Links entries to the end of the chain and inserts them, in order. The transaction-level advisory lock
 * orders concurrent writers so that each entry links to the one before it; it is held until the caller's
 * transaction ends.
 */
async function append(tx: DbOrTx, entries: Pending[]): Promise<void> {
  if (!entries.length) return;
  await sql`select pg_advisory_xact_lock(7341002)`.execute(tx);
  const last = await tx
    .selectFrom('audit_log')
    .select('hash')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  let prev = last?.hash ?? GENESIS_HASH;
  const rows = entries.map((e) => {
    const entry: Hashable = { ...e, prev_hash: prev };
    const hash = entryHash(entry);
    prev = hash;
    return {
      ...entry,
      old_values: entry.old_values === null ? null : JSON.stringify(entry.old_values),
      new_values: entry.new_values === null ? null : JSON.stringify(entry.new_values),
      hash,
    };
  });
  // One statement: a VALUES list is read in order, so the ids (the chain's order) follow the links.
  await tx.insertInto('audit_log').values(rows).execute();
}

/** Entries held back by withDeferredAudit, by the transaction's executor (the same under withTables()). */
const deferred = new WeakMap<object, Pending[]>();

/**
 * Appends one entry in the caller's transaction — at once, or at the end of the enclosing withDeferredAudit.
 * Values are copied now: a later change to the caller's objects does not reach the entry.
 */
export async function audit(tx: DbOrTx, actor: Actor, input: AuditInput): Promise<void> {
  const entry = pendingEntry(actor, input);
  const held = deferred.get(tx.getExecutor());
  if (held) held.push(entry);
  else await append(tx, [entry]);
}

/**
 * Runs `fn`, holding back the audit entries written through `tx` meanwhile, and appends them all when it
 * returns (nothing when it throws: the transaction rolls back anyway). The chain's lock is taken by the first
 * entry and held until commit, so a long transaction that audits early (an alert pass raising many alerts)
 * would make every other writer in the city wait for it; held back, the lock is taken only at the end. Call
 * it for the whole body of a transaction, so that the entries are the last thing written before commit.
 */
export async function withDeferredAudit<T>(tx: DbOrTx, fn: () => Promise<T>): Promise<T> {
  const key = tx.getExecutor();
  if (deferred.has(key)) return fn();
  const held: Pending[] = [];
  deferred.set(key, held);
  let out: T;
  try {
    out = await fn();
  } finally {
    deferred.delete(key);
  }
  await append(tx, held);
  return out;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first entry whose content or link does not match the chain. */
  firstBad: { id: string; reason: 'hash_mismatch' | 'broken_link' } | null;
}

/** Recomputes the chain from the first entry; reports the first entry that was edited or whose predecessor vanished. */
export async function verifyAuditChain(
  db: DbOrTx,
  onProgress?: (checked: number, total: number) => void,
  batch = 2000,
): Promise<VerifyResult> {
  const total = Number(
    (
      await db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n ?? 0,
  );
  let prev = GENESIS_HASH;
  let lastId = '0';
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>', lastId)
      .orderBy('id')
      .limit(batch)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.prev_hash !== prev) return { ok: false, checked, firstBad: { id: r.id, reason: 'broken_link' } };
      const expected = entryHash({ ...r, at: new Date(r.at) });
      if (expected !== r.hash) return { ok: false, checked, firstBad: { id: r.id, reason: 'hash_mismatch' } };
      prev = r.hash;
      checked++;
    }
    lastId = rows[rows.length - 1]!.id;
    onProgress?.(checked, total);
  }
  return { ok: true, checked, firstBad: null };
}

export interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  actorName: string;
  ip: string | null;
  requestId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  areaCode: string | null;
  reason: string | null;
  oldValues: unknown;
  newValues: unknown;
  hash: string;
}

export interface AuditQuery {
  actorName?: string | undefined;
  action?: string | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
  areaCode?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  page: number;
  pageSize: number;
}

/**
 * The trail for auditors, newest first, within their area scope. Entries with no area (sign-ins) belong
 * to the city as a whole and are shown to city-wide auditors only.
 */
export async function listAudit(db: DbOrTx, actor: Actor, query: AuditQuery) {
  assertCan(actor, 'audit:read');
  let q = db.selectFrom('audit_log');
  const cityWide = actor.scopePrefix.length <= 4;
  q = cityWide
    ? q.where((eb) => eb.or([inScopeSql(actor), eb('area_code', 'is', null)]))
    : q.where(inScopeSql(actor));
  if (query.actorName) q = q.where('actor_name', '=', query.actorName);
  if (query.action) q = q.where('action', '=', query.action);
  if (query.entityType) q = q.where('entity_type', '=', query.entityType);
  if (query.entityId) q = q.where('entity_id', '=', query.entityId);
  if (query.areaCode) q = q.where(underAreaSql(query.areaCode));
  if (query.from) q = q.where('at', '>=', new Date(query.from));
  if (query.to) q = q.where('at', '<', new Date(query.to));
  const [rows, count] = await Promise.all([
    q
      .selectAll()
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
  ]);
  const items: AuditEntry[] = rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actorId: r.actor_id,
    actorName: r.actor_name,
    ip: r.ip,
    requestId: r.request_id,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    areaCode: r.area_code,
    reason: r.reason,
    oldValues: r.old_values,
    newValues: r.new_values,
    hash: r.hash,
  }));
  return { items, total: Number(count?.n ?? 0), page: query.page, pageSize: query.pageSize };
}

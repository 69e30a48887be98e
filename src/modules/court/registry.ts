import { type Actor, assertCan } from '../../core/access/actor.ts';
import { inScopeSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { staleVersion } from '../../core/subjects/common.ts';
import type { Vault } from '../../core/subjects/vault.ts';
import { type CourtTables, kdb } from './court.tables.ts';

/**
 * The writes the two registries of this module share — 共享法庭 (court_courts) and 心理服务站
 * (court_stations): a row read in scope (locked for a change), create, update against the version read,
 * and delete only when nothing refers to the entry; each audited with its secret column left out.
 */
type Table = 'court_courts' | 'court_stations';
type Shared = { id: string; area_code: string; version: number };

export interface RegistrySpec<R extends Shared, Input, Cols extends { area_code: string }, Out> {
  table: Table;
  /** 共享法庭 / court: for "not found". */
  what: string;
  /** Audit entity type and action prefix: `court` → court.create; `psych_station`, `psych.station`. */
  entityType: string;
  action: string;
  /** The optimistic-lock error's entity name. */
  stale: string;
  /** The encrypted column an audit entry never holds. */
  secret: string;
  columns(tx: DbOrTx, vault: Vault, actor: Actor, input: Input): Promise<Cols>;
  /** What the audit keeps of the columns (the secret only said to be set or not). */
  auditable(cols: Cols): Record<string, unknown>;
  get(db: DbOrTx, vault: Vault, actor: Actor, id: string): Promise<Out>;
  /** The tables whose rows keep an entry for the record (bookings, uses; referrals, visits). */
  usedBy: [{ table: keyof CourtTables; column: string }, { table: keyof CourtTables; column: string }];
  /** The refusal when it is used (409). */
  inUse: string;
  /** What a delete's audit keeps of the row. */
  kept(row: R): Record<string, unknown>;
}

export function registryWrites<R extends Shared, Input, Cols extends { area_code: string }, Out>(
  spec: RegistrySpec<R, Input, Cols, Out>,
) {
  // One table of the two at a time; Kysely sees the courts' (the queries below use only shared columns).
  const table = spec.table as 'court_courts';

  async function row(tx: DbOrTx, actor: Actor, id: string, lock = false): Promise<R> {
    assertCan(actor, 'court:read');
    let q = kdb(tx).selectFrom(table).selectAll().where('id', '=', id).where(inScopeSql(actor));
    if (lock) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    if (!r) throw notFound(`${spec.what} ${id}`);
    return r as unknown as R;
  }

  async function create(tx: DbOrTx, vault: Vault, actor: Actor, input: Input): Promise<Out> {
    assertCan(actor, 'court:manage');
    const cols = await spec.columns(tx, vault, actor, input);
    const created = await kdb(tx)
      .insertInto(table)
      .values({ ...cols, created_by: actor.id } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(tx, actor, {
      action: `${spec.action}.create`,
      entityType: spec.entityType,
      entityId: created.id,
      areaCode: cols.area_code,
      newValues: spec.auditable(cols),
    });
    return spec.get(tx, vault, actor, created.id);
  }

  async function update(
    tx: DbOrTx,
    vault: Vault,
    actor: Actor,
    id: string,
    input: Input & { version: number },
  ): Promise<Out> {
    assertCan(actor, 'court:manage');
    const before = await row(tx, actor, id, true);
    if (before.version !== input.version)
      throw staleVersion(spec.stale, await spec.get(tx, vault, actor, id));
    const cols = await spec.columns(tx, vault, actor, input);
    await kdb(tx)
      .updateTable(table)
      .set({ ...cols, version: before.version + 1, updated_at: new Date() } as never)
      .where('id', '=', id)
      .execute();
    await audit(tx, actor, {
      action: `${spec.action}.update`,
      entityType: spec.entityType,
      entityId: id,
      areaCode: cols.area_code,
      oldValues: { ...before, [spec.secret]: undefined },
      newValues: spec.auditable(cols),
    });
    return spec.get(tx, vault, actor, id);
  }

  /** Removes an entry that was never used; one that was is kept for the record (409). */
  async function remove(tx: DbOrTx, actor: Actor, id: string): Promise<void> {
    assertCan(actor, 'court:manage');
    const r = await row(tx, actor, id, true);
    const [a, b] = spec.usedBy;
    const used = await kdb(tx)
      .selectFrom(a.table as 'court_bookings')
      .select('id')
      .where(a.column as 'court_id', '=', id)
      .union(
        kdb(tx)
          .selectFrom(b.table as 'court_uses')
          .select('id')
          .where(b.column as 'court_id', '=', id),
      )
      .limit(1)
      .executeTakeFirst();
    if (used) throw new AppError('CONFLICT', spec.inUse);
    await kdb(tx).deleteFrom(table).where('id', '=', id).execute();
    await audit(tx, actor, {
      action: `${spec.action}.delete`,
      entityType: spec.entityType,
      entityId: id,
      areaCode: r.area_code,
      oldValues: spec.kept(r),
    });
  }

  return { row, create, update, remove };
}

import { sql } from 'kysely';
import { type Actor, assertCan, can } from '../access/actor.ts';
import { containsPattern, inScopeSql, underAreaSql } from '../access/scope.ts';
import { audit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import type { EnterpriseRow } from '../db/types.ts';
import { AppError, forbidden } from '../errors.ts';
import { normalizeMobile, normalizeUscc } from './codes.ts';
import {
  assertVisibleRef,
  auditWrite,
  beginUpdate,
  findVisible,
  type Page,
  type PageParams,
  type Point,
  paginate,
  patchColumns,
  pointColumns,
  pointOf,
  resolveWritableArea,
} from './common.ts';
import { maskMobile, type Vault } from './vault.ts';

const PHONE_AAD = 'enterprise.phone';

export interface Enterprise {
  id: string;
  areaCode: string;
  name: string;
  /** 统一社会信用代码: public for enterprises, shown in full. */
  uscc: string;
  legalPersonName: string | null;
  /** Masked; plain only through `revealEnterprise`. */
  phone: string | null;
  industry: string | null;
  address: string | null;
  houseId: string | null;
  point: Point | null;
  h3: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function presentEnterprise(vault: Vault, r: EnterpriseRow): Enterprise {
  return {
    id: r.id,
    areaCode: r.area_code,
    name: r.name,
    uscc: r.uscc,
    legalPersonName: r.legal_person_name,
    phone: r.phone_enc ? maskMobile(vault.decrypt(r.phone_enc, PHONE_AAD)) : null,
    industry: r.industry,
    address: r.address,
    houseId: r.house_id,
    point: pointOf(r),
    h3: r.h3,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    version: r.version,
  };
}

/** Staff see the enterprises in their area; an enterprise user sees only their own enterprise. */
function visible(db: DbOrTx, actor: Actor) {
  const q = db.selectFrom('enterprises');
  if (can(actor, 'subject:read')) return q.where(inScopeSql(actor));
  if (can(actor, 'enterprise:read-own') && actor.enterpriseId) return q.where('id', '=', actor.enterpriseId);
  throw forbidden();
}

export interface EnterpriseQuery extends PageParams {
  areaCode?: string | undefined;
  q?: string | undefined;
  industry?: string | undefined;
  sort: 'id' | 'name' | 'updatedAt';
  order: 'asc' | 'desc';
}

export async function listEnterprises(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  query: EnterpriseQuery,
): Promise<Page<Enterprise>> {
  let q = visible(db, actor);
  if (query.areaCode) q = q.where(underAreaSql(query.areaCode));
  if (query.q)
    q = q.where((eb) =>
      eb.or([eb('name', 'like', containsPattern(query.q!)), eb('uscc', '=', query.q!.toUpperCase())]),
    );
  if (query.industry) q = q.where('industry', '=', query.industry);
  return paginate(q, query, { id: 'id', name: 'name', updatedAt: 'updated_at' }[query.sort], (r) =>
    presentEnterprise(vault, r),
  );
}

function findRow(db: DbOrTx, actor: Actor, id: string, lock = false): Promise<EnterpriseRow> {
  return findVisible(visible(db, actor).selectAll(), id, lock, '企业 / enterprise');
}

export async function getEnterprise(db: DbOrTx, vault: Vault, actor: Actor, id: string): Promise<Enterprise> {
  return presentEnterprise(vault, await findRow(db, actor, id));
}

export interface EnterpriseInput {
  areaCode?: string | undefined;
  name: string;
  uscc: string;
  legalPersonName?: string | null | undefined;
  phone?: string | null | undefined;
  industry?: string | null | undefined;
  address?: string | null | undefined;
  houseId?: string | null | undefined;
  point?: Point | null | undefined;
}

function usccOf(s: string) {
  const n = normalizeUscc(s);
  if (!n) {
    throw new AppError('INVALID_USCC', '统一社会信用代码无效 / Invalid unified social credit code', [
      { path: 'uscc', code: 'INVALID_USCC', message: 'GB 32100-2015 check failed' },
    ]);
  }
  return n;
}

function phoneColumns(vault: Vault, phone: string | null | undefined) {
  if (phone === undefined) return {};
  if (phone === null) return { phone_enc: null, phone_hmac: null };
  const n = normalizeMobile(phone);
  if (!n)
    throw new AppError('INVALID_MOBILE', '手机号码无效 / Invalid mobile number', [
      { path: 'phone', message: 'invalid' },
    ]);
  return { phone_enc: vault.encrypt(n, PHONE_AAD), phone_hmac: vault.blindIndex('mobile', n) };
}

async function assertUsccFree(tx: DbOrTx, uscc: string, selfId?: string) {
  let q = tx.selectFrom('enterprises').select('id').where('uscc', '=', uscc);
  if (selfId) q = q.where('id', '!=', selfId);
  if (await q.executeTakeFirst()) {
    throw new AppError('CONFLICT', '该统一社会信用代码已登记 / This credit code is already registered', [
      { path: 'uscc', code: 'DUPLICATE', message: 'already registered' },
    ]);
  }
}

export async function createEnterprise(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  input: EnterpriseInput,
): Promise<Enterprise> {
  const areaCode = await resolveWritableArea(tx, actor, input.areaCode, input.point);
  const uscc = usccOf(input.uscc);
  await assertUsccFree(tx, uscc);
  await assertVisibleRef(tx, actor, 'houses', input.houseId, 'houseId');
  const row = await tx
    .insertInto('enterprises')
    .values({
      area_code: areaCode,
      name: input.name,
      uscc,
      legal_person_name: input.legalPersonName ?? null,
      industry: input.industry ?? null,
      address: input.address ?? null,
      house_id: input.houseId ?? null,
      ...pointColumns(input.point),
      ...phoneColumns(vault, input.phone),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const e = presentEnterprise(vault, row);
  await auditWrite(tx, actor, 'enterprise', row.id, areaCode, null, e);
  return e;
}

export async function updateEnterprise(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  id: string,
  version: number,
  patch: Partial<EnterpriseInput>,
): Promise<Enterprise> {
  const { before, areaCode } = await beginUpdate(tx, actor, {
    find: () => findRow(tx, actor, id, true),
    version,
    label: '企业信息',
    present: (r) => presentEnterprise(vault, r),
    areaCode: patch.areaCode,
    point: patch.point,
  });
  const uscc = patch.uscc !== undefined ? usccOf(patch.uscc) : undefined;
  if (uscc) await assertUsccFree(tx, uscc, id);
  if (patch.houseId !== undefined) await assertVisibleRef(tx, actor, 'houses', patch.houseId, 'houseId');
  const row = await tx
    .updateTable('enterprises')
    .set({
      area_code: areaCode,
      ...patchColumns(
        { ...patch, uscc },
        {
          name: 'name',
          uscc: 'uscc',
          legalPersonName: 'legal_person_name',
          industry: 'industry',
          address: 'address',
          houseId: 'house_id',
        },
      ),
      ...(patch.point !== undefined ? pointColumns(patch.point) : {}),
      ...phoneColumns(vault, patch.phone),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = presentEnterprise(vault, row);
  await auditWrite(tx, actor, 'enterprise', id, areaCode, presentEnterprise(vault, before), after);
  return after;
}

/** The plain contact number, for a stated reason; audited like every reveal. */
export async function revealEnterprise(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  id: string,
  reason: string,
): Promise<{ phone: string | null }> {
  assertCan(actor, 'subject:reveal');
  if (reason.trim().length < 2)
    throw new AppError('REASON_REQUIRED', '查看需填写事由 / A reason is required');
  const row = await findRow(tx, actor, id);
  await audit(tx, actor, {
    action: 'enterprise.reveal',
    entityType: 'enterprise',
    entityId: id,
    areaCode: row.area_code,
    reason: reason.trim(),
    newValues: { fields: ['phone'] },
  });
  return { phone: row.phone_enc ? vault.decrypt(row.phone_enc, PHONE_AAD) : null };
}

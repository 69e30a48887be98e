import { sql } from 'kysely';
import { type Actor, assertCan } from '../access/actor.ts';
import { containsPattern, inScopeSql, underAreaSql } from '../access/scope.ts';
import { audit } from '../audit/audit.ts';
import type { DbOrTx } from '../db/database.ts';
import type { PersonRow } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { normalizeIdCard, normalizeMobile, parseIdCard } from './codes.ts';
import {
  assertVisibleRef,
  auditWrite,
  beginUpdate,
  findVisible,
  type Page,
  type PageParams,
  paginate,
  patchColumns,
  resolveWritableArea,
} from './common.ts';
import { maskIdCard, maskMobile, type Vault } from './vault.ts';

// Associated data binds each ciphertext to its column: a value copied to another column will not decrypt.
export const AAD = { idNumber: 'person.id_number', phone: 'person.phone' } as const;

export interface Person {
  id: string;
  areaCode: string;
  name: string;
  gender: 'M' | 'F' | null;
  birthDate: string | null;
  /** Always masked; the plain value only through `revealPerson`, which is audited. */
  idNumber: string | null;
  phone: string | null;
  houseId: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function presentPerson(vault: Vault, r: PersonRow): Person {
  return {
    id: r.id,
    areaCode: r.area_code,
    name: r.name,
    gender: r.gender,
    birthDate: r.birth_date,
    idNumber: r.id_number_enc ? maskIdCard(vault.decrypt(r.id_number_enc, AAD.idNumber)) : null,
    phone: r.phone_enc ? maskMobile(vault.decrypt(r.phone_enc, AAD.phone)) : null,
    houseId: r.house_id,
    tags: r.tags,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    version: r.version,
  };
}

function idNumberOf(s: string) {
  const n = normalizeIdCard(s);
  if (!n) {
    throw new AppError(
      'INVALID_ID_CARD',
      '身份证号码无效（校验位或出生日期不符）/ Invalid resident ID number',
      [{ path: 'idNumber', code: 'INVALID_ID_CARD', message: 'GB 11643 check failed' }],
    );
  }
  return n;
}

function phoneOf(s: string) {
  const n = normalizeMobile(s);
  if (!n) {
    throw new AppError('INVALID_MOBILE', '手机号码无效 / Invalid mobile number', [
      { path: 'phone', code: 'INVALID_MOBILE', message: 'expected 11 digits starting 13–19' },
    ]);
  }
  return n;
}

export interface PersonQuery extends PageParams {
  areaCode?: string | undefined;
  q?: string | undefined;
  houseId?: string | undefined;
  tag?: string | undefined;
  sort: 'id' | 'name' | 'updatedAt';
  order: 'asc' | 'desc';
}

const SORT = { id: 'id', name: 'name', updatedAt: 'updated_at' } as const;

/** Persons the actor may see; everything else does not exist for them. */
function visible(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'subject:read');
  return db.selectFrom('persons').where(inScopeSql(actor));
}

export async function listPersons(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  query: PersonQuery,
): Promise<Page<Person>> {
  let q = visible(db, actor);
  if (query.areaCode) q = q.where(underAreaSql(query.areaCode));
  if (query.q) q = q.where('name', 'like', containsPattern(query.q));
  if (query.houseId) q = q.where('house_id', '=', query.houseId);
  if (query.tag) q = q.where(sql<boolean>`${query.tag} = any(tags)`);
  return paginate(q, query, SORT[query.sort], (r) => presentPerson(vault, r));
}

function findRow(db: DbOrTx, actor: Actor, id: string, lock = false): Promise<PersonRow> {
  return findVisible(visible(db, actor).selectAll(), id, lock, '人员 / person');
}

export async function getPerson(db: DbOrTx, vault: Vault, actor: Actor, id: string): Promise<Person> {
  return presentPerson(vault, await findRow(db, actor, id));
}

/** Exact lookup by ID number through the blind index; answers only within scope. */
export async function findPersonByIdNumber(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  idNumber: string,
): Promise<Person | null> {
  const row = await visible(db, actor)
    .selectAll()
    .where('id_number_hmac', '=', vault.blindIndex('id_number', idNumberOf(idNumber)))
    .executeTakeFirst();
  return row ? presentPerson(vault, row) : null;
}

export interface PersonInput {
  areaCode?: string | undefined;
  name: string;
  gender?: 'M' | 'F' | undefined;
  birthDate?: string | undefined;
  idNumber?: string | undefined;
  phone?: string | undefined;
  houseId?: string | null | undefined;
  tags?: string[] | undefined;
}

async function identifierColumns(
  tx: DbOrTx,
  vault: Vault,
  input: Pick<PersonInput, 'idNumber' | 'phone'>,
  selfId?: string,
) {
  const cols: Partial<Record<'id_number_enc' | 'id_number_hmac' | 'phone_enc' | 'phone_hmac', string>> = {};
  if (input.idNumber !== undefined) {
    const id = idNumberOf(input.idNumber);
    const hmac = vault.blindIndex('id_number', id);
    let dup = tx.selectFrom('persons').select('id').where('id_number_hmac', '=', hmac);
    if (selfId) dup = dup.where('id', '!=', selfId);
    if (await dup.executeTakeFirst()) {
      throw new AppError(
        'CONFLICT',
        '该身份证号码已登记 / A person with this ID number is already registered',
        [{ path: 'idNumber', code: 'DUPLICATE', message: 'already registered' }],
      );
    }
    cols.id_number_enc = vault.encrypt(id, AAD.idNumber);
    cols.id_number_hmac = hmac;
  }
  if (input.phone !== undefined) {
    const phone = phoneOf(input.phone);
    cols.phone_enc = vault.encrypt(phone, AAD.phone);
    cols.phone_hmac = vault.blindIndex('mobile', phone);
  }
  return cols;
}

export async function createPerson(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  input: PersonInput,
): Promise<Person> {
  const areaCode = await resolveWritableArea(tx, actor, input.areaCode, null);
  await assertVisibleRef(tx, actor, 'houses', input.houseId, 'houseId');
  const fromId = input.idNumber ? parseIdCard(idNumberOf(input.idNumber)) : null;
  const row = await tx
    .insertInto('persons')
    .values({
      area_code: areaCode,
      name: input.name,
      gender: input.gender ?? fromId?.gender ?? null,
      birth_date: input.birthDate ?? fromId?.birthDate ?? null,
      house_id: input.houseId ?? null,
      tags: input.tags ?? [],
      ...(await identifierColumns(tx, vault, input)),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const person = presentPerson(vault, row);
  await auditWrite(tx, actor, 'person', row.id, areaCode, null, person);
  return person;
}

export async function updatePerson(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  id: string,
  version: number,
  patch: Partial<PersonInput>,
): Promise<Person> {
  const { before, areaCode } = await beginUpdate(tx, actor, {
    find: () => findRow(tx, actor, id, true),
    version,
    label: '人员信息',
    present: (r) => presentPerson(vault, r),
    areaCode: patch.areaCode,
  });
  if (patch.houseId !== undefined) await assertVisibleRef(tx, actor, 'houses', patch.houseId, 'houseId');
  // A corrected ID number carries the right gender and birth date, unless the caller gives them.
  const fromId = patch.idNumber ? parseIdCard(idNumberOf(patch.idNumber)) : null;
  const derived = fromId
    ? { gender: patch.gender ?? fromId.gender, birthDate: patch.birthDate ?? fromId.birthDate }
    : {};
  const row = await tx
    .updateTable('persons')
    .set({
      area_code: areaCode,
      ...patchColumns(
        { ...patch, ...derived },
        {
          name: 'name',
          gender: 'gender',
          birthDate: 'birth_date',
          houseId: 'house_id',
          tags: 'tags',
        },
      ),
      ...(await identifierColumns(tx, vault, patch, id)),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = presentPerson(vault, row);
  await auditWrite(tx, actor, 'person', id, areaCode, presentPerson(vault, before), after);
  return after;
}

export type RevealField = 'idNumber' | 'phone';

/**
 * The plain identifiers of one person, for a stated reason. Needs `subject:reveal`; every call is in the
 * audit log with the reason and the fields (never the values).
 */
export async function revealPerson(
  tx: DbOrTx,
  vault: Vault,
  actor: Actor,
  id: string,
  fields: RevealField[],
  reason: string,
): Promise<Partial<Record<RevealField, string | null>>> {
  assertCan(actor, 'subject:reveal');
  if (reason.trim().length < 2)
    throw new AppError('REASON_REQUIRED', '查看需填写事由 / A reason is required');
  const row = await findRow(tx, actor, id);
  const out: Partial<Record<RevealField, string | null>> = {};
  for (const f of new Set(fields)) {
    if (f === 'idNumber')
      out.idNumber = row.id_number_enc ? vault.decrypt(row.id_number_enc, AAD.idNumber) : null;
    if (f === 'phone') out.phone = row.phone_enc ? vault.decrypt(row.phone_enc, AAD.phone) : null;
  }
  await audit(tx, actor, {
    action: 'person.reveal',
    entityType: 'person',
    entityId: id,
    areaCode: row.area_code,
    reason: reason.trim(),
    newValues: { fields: [...new Set(fields)] },
  });
  return out;
}

import { type Actor, assertCan } from '../../core/access/actor.ts';
import { inScopeSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { notFound } from '../../core/errors.ts';
import { adb } from './alert.tables.ts';

/**
 * 重点人员: watch-list tags on persons. Sensitive in themselves (a tag says someone has a mental disorder or
 * a record), so they need `subject:tags`, the person must be in the actor's scope, and every read and
 * change is audited. The 重点人员 model reads them as the system.
 */
export const PERSON_TAGS: Record<string, { zh: string; en: string }> = {
  mental_disorder: { zh: '严重精神障碍患者', en: 'Severe mental disorder' },
  community_correction: { zh: '社区矫正对象', en: 'Under community correction' },
  released_prisoner: { zh: '刑满释放人员', en: 'Released prisoner' },
  drug_user: { zh: '吸毒人员', en: 'Drug user' },
  petitioner: { zh: '重点信访人员', en: 'Frequent petitioner' },
  violence_history: { zh: '有暴力前科', en: 'History of violence' },
  other: { zh: '其他重点人员', en: 'Other' },
};

async function personInScope(db: DbOrTx, actor: Actor, id: string) {
  const p = await db
    .selectFrom('persons')
    .select(['id', 'area_code'])
    .where('id', '=', id)
    .where(inScopeSql(actor))
    .executeTakeFirst();
  if (!p) throw notFound('人员 / Person');
  return p;
}

export async function personTags(db: DbOrTx, actor: Actor, id: string) {
  assertCan(actor, 'subject:tags');
  const p = await personInScope(db, actor, id);
  const rows = await adb(db)
    .selectFrom('person_tags')
    .selectAll()
    .where('person_id', '=', id)
    .orderBy('created_at')
    .execute();
  await audit(db, actor, {
    action: 'person.tags.read',
    entityType: 'person',
    entityId: id,
    areaCode: p.area_code,
  });
  return rows.map((r) => ({
    tag: r.tag,
    name: PERSON_TAGS[r.tag] ?? { zh: r.tag, en: r.tag },
    note: r.note,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

export async function addTag(db: DbOrTx, actor: Actor, id: string, tag: string, note?: string) {
  assertCan(actor, 'subject:tags');
  const p = await personInScope(db, actor, id);
  await db.transaction().execute(async (tx) => {
    await adb(tx)
      .insertInto('person_tags')
      .values({ person_id: id, tag, note: note ?? null, created_by: actor.id })
      .onConflict((oc) => oc.columns(['person_id', 'tag']).doUpdateSet({ note: note ?? null }))
      .execute();
    await audit(tx, actor, {
      action: 'person.tags.add',
      entityType: 'person',
      entityId: id,
      areaCode: p.area_code,
      newValues: { tag },
    });
  });
}

export async function removeTag(db: DbOrTx, actor: Actor, id: string, tag: string) {
  assertCan(actor, 'subject:tags');
  const p = await personInScope(db, actor, id);
  await db.transaction().execute(async (tx) => {
    const r = await adb(tx)
      .deleteFrom('person_tags')
      .where('person_id', '=', id)
      .where('tag', '=', tag)
      .executeTakeFirst();
    if (!Number(r.numDeletedRows)) throw notFound('标签 / Tag');
    await audit(tx, actor, {
      action: 'person.tags.remove',
      entityType: 'person',
      entityId: id,
      areaCode: p.area_code,
      oldValues: { tag },
    });
  });
}

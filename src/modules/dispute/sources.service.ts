import type { DbOrTx } from '../../core/db/database.ts';
import { ddb } from './dispute.tables.ts';
import { SOURCES } from './sources.ts';

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

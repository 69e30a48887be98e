import { systemActor } from '../../../core/access/actor.ts';
import type { Db } from '../../../core/db/database.ts';
import { generateMobile } from '../../../core/subjects/codes.ts';
import type { Vault } from '../../../core/subjects/vault.ts';
import { mulberry32 } from '../../../shared/random.ts';
import { setDutyPhone, TEAM_ROLES } from '../team.service.ts';

/**
 * Demo data: a duty phone for every grid worker and town centre login, so that 一键直达's 网格力量 has numbers
 * to mask and reveal. Deterministic (the same numbers on every machine, by username order), through the
 * service (encrypted, audited as the seed). Run by `zhili seed` / `zhili start` right after the demo logins
 * exist (src/cli/main.ts seedIfEmpty); idempotent.
 */
export async function seedDutyPhones(db: Db, vault: Vault): Promise<number> {
  const rnd = mulberry32(20261129);
  const users = await db
    .selectFrom('users')
    .select(['id', 'username', 'roles'])
    .where('disabled', '=', false)
    .orderBy('username')
    .execute();
  const team = users.filter((u) => u.roles.some((r) => (TEAM_ROLES as string[]).includes(r)));
  const actor = systemActor('seed');
  await db.transaction().execute(async (tx) => {
    for (const u of team) await setDutyPhone(tx, vault, actor, u.id, generateMobile(rnd));
  });
  return team.length;
}

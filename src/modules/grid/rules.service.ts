import { type Actor, assertCan } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { getSettings } from './checkins.service.ts';
import { ROLE_NAMES, ROLES } from './grid.schema.ts';
import { gdb } from './grid.tables.ts';
import { rulesMap } from './roster.service.ts';

/** The check-in rules per role and the city-wide tolerance: readable by everyone who reads rosters. */
export async function getRules(db: DbOrTx, actor: Actor) {
  assertCan(actor, 'subject:read');
  const rules = await rulesMap(db);
  const s = await getSettings(db);
  return {
    rules: ROLES.map((role) => ({ role, roleName: ROLE_NAMES[role], period: rules.get(role) ?? 'none' })),
    toleranceM: s.tolerance_m,
    maxAccuracyM: s.max_accuracy_m,
  };
}

/**
 * Changes the rules (those who configure matters' deadlines: `matter:configure`). A change applies to the
 * periods from now on in check-ins and, since reports compute what is owed from the rules, to reports too.
 */
export async function setRules(
  tx: DbOrTx,
  actor: Actor,
  input: {
    rules?: { role: (typeof ROLES)[number]; period: 'none' | 'day' | 'week' }[] | undefined;
    toleranceM?: number | undefined;
    maxAccuracyM?: number | undefined;
  },
) {
  assertCan(actor, 'matter:configure');
  const before = await getRules(tx, actor);
  const g = gdb(tx);
  for (const r of input.rules ?? []) {
    await g
      .updateTable('grid_rules')
      .set({ period: r.period, updated_at: new Date(), updated_by: actor.id })
      .where('role', '=', r.role)
      .execute();
  }
  if (input.toleranceM !== undefined || input.maxAccuracyM !== undefined) {
    await g
      .updateTable('grid_settings')
      .set({
        ...(input.toleranceM === undefined ? {} : { tolerance_m: input.toleranceM }),
        ...(input.maxAccuracyM === undefined ? {} : { max_accuracy_m: input.maxAccuracyM }),
        updated_at: new Date(),
        updated_by: actor.id,
      })
      .where('id', '=', 1)
      .execute();
  }
  const after = await getRules(tx, actor);
  const compact = (x: typeof before) => ({
    rules: Object.fromEntries(x.rules.map((r) => [r.role, r.period])),
    toleranceM: x.toleranceM,
    maxAccuracyM: x.maxAccuracyM,
  });
  await audit(tx, actor, {
    action: 'grid.rules',
    entityType: 'grid_rules',
    oldValues: compact(before),
    newValues: compact(after),
  });
  return after;
}

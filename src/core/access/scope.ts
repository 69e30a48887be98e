import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { type Actor, scopePrefix } from './actor.ts';

/**
 * The area-scope condition: every list and read in the data layer goes through it, so a handler cannot
 * forget it. `column` is the area code column (area_code on records, code on areas); the LIKE prefix
 * uses the text_pattern_ops indexes.
 */
export function inScopeSql(actor: Pick<Actor, 'scopePrefix'>, column = 'area_code'): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} like ${`${escapeLike(actor.scopePrefix)}%`}`;
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Records in an area and everything below it (a filter the user picks, on top of their scope). */
export function underAreaSql(areaCode: string, column = 'area_code'): RawBuilder<SqlBool> {
  return inScopeSql({ scopePrefix: scopePrefix(areaCode) }, column);
}

/** LIKE pattern for "contains": user text never acts as a wildcard. */
export function containsPattern(q: string): string {
  return `%${escapeLike(q)}%`;
}

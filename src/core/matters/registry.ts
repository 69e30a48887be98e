import type { z } from 'zod';
import type { Actor } from '../access/actor.ts';
import type { DbOrTx } from '../db/database.ts';
import type { MatterRow } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { validateWorkflow, type WorkflowDef } from '../workflow/workflow.ts';
import type { TransitionInput } from './transition.ts';

/**
 * Matter types are code: a module declares each one (its payload schema, categories and workflow) and
 * registers it at start-up. What a centre may change (deadlines) lives in the database.
 */
export interface MatterTypeDef {
  code: string;
  /** Letters in front of the matter number: `SJ` → SJ-330302-20261129-0001. */
  prefix: string;
  name: { zh: string; en: string };
  payload: z.ZodType<Record<string, unknown>>;
  categories: { code: string; name: { zh: string; en: string } }[];
  workflow: WorkflowDef;
  /**
   * The type's own rules around every step, whichever route takes it (the module's own or the generic
   * POST /api/matters/{id}/transitions), inside the step's transaction. `before` runs after the engine's checks
   * (who, version, required fields) and may refuse by throwing; `after` runs once the step is written (the
   * row, the timeline, the audit) and may set more; when it answers true (it changed the matter's row) the
   * engine reads the row again for its answer.
   */
  hooks?: {
    before?: (tx: DbOrTx, actor: Actor, m: MatterRow, input: TransitionInput) => Promise<void>;
    after?: (
      tx: DbOrTx,
      actor: Actor,
      before: MatterRow,
      after: MatterRow,
      input: TransitionInput,
    ) => Promise<boolean | undefined>;
  };
}

const types = new Map<string, MatterTypeDef>();

export function registerMatterType(def: MatterTypeDef): void {
  if (!/^[a-z][a-z0-9_]{1,39}$/.test(def.code))
    throw new Error(`matter type code ${def.code} is not snake_case`);
  if (!/^[A-Z]{2,4}$/.test(def.prefix))
    throw new Error(`matter type ${def.code}: prefix must be 2–4 capital letters`);
  const existing = types.get(def.code);
  if (existing && existing !== def) throw new Error(`matter type ${def.code} registered twice`);
  validateWorkflow(def.workflow);
  types.set(def.code, def);
}

export function matterTypes(): MatterTypeDef[] {
  return [...types.values()];
}

export function getMatterType(code: string): MatterTypeDef {
  const t = types.get(code);
  if (!t)
    throw new AppError('VALIDATION_FAILED', `未知事项类型 ${code} / Unknown matter type ${code}`, [
      { path: 'type', message: 'unknown' },
    ]);
  return t;
}

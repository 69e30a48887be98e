import { type MatterTypeDef, registerMatterType } from './matters/registry.ts';

/**
 * A line of work: its matter types (and later its routes, jobs and migrations). Modules import the kernel;
 * the kernel never imports a module — the CLI, the server and the tests register them through
 * src/modules/index.ts.
 */
export interface ModuleDef {
  code: string;
  name: { zh: string; en: string };
  matterTypes: MatterTypeDef[];
  /** A folder of the module's own SQL migrations, if it has tables of its own. */
  migrations?: string;
}

export function defineModule(m: ModuleDef): ModuleDef {
  return m;
}

export function registerModule(m: ModuleDef): void {
  for (const t of m.matterTypes) registerMatterType(t);
}

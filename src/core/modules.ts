import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DbOrTx } from './db/database.ts';
import type { Job } from './jobs/scheduler.ts';
import type { Kernel } from './kernel.ts';
import { type MatterTypeDef, registerMatterType } from './matters/registry.ts';

/**
 * A line of work: its matter types, tables, reference data and routes. Modules import the kernel; the
 * kernel never imports a module — the CLI, the server and the tests register them through
 * src/modules/index.ts before the kernel opens, and the kernel reads what they registered here.
 */
export interface ModuleDef {
  code: string;
  name: { zh: string; en: string };
  matterTypes: MatterTypeDef[];
  /** A folder of the module's own SQL migrations, if it has tables of its own. */
  migrations?: string;
  /** Loads the module's reference data after migrations (idempotent: it runs at every start). */
  prepare?: (tx: DbOrTx) => Promise<void>;
  /** The module's HTTP routes, mounted under /api (a module may also mount outside it, e.g. Open311). */
  routes?: (kernel: Kernel) => FastifyPluginAsyncZod;
  /** Routes mounted at the root rather than under /api. */
  rootRoutes?: (kernel: Kernel) => FastifyPluginAsyncZod;
  /** Periodic jobs, run by the leader's scheduler beside the kernel's. */
  jobs?: (kernel: Kernel) => Job[];
  /** A background service of a running server (e.g. the streaming models); returns its stop function. */
  start?: (kernel: Kernel) => () => Promise<void>;
}

const modules = new Map<string, ModuleDef>();

export function defineModule(m: ModuleDef): ModuleDef {
  return m;
}

export function registerModule(m: ModuleDef): void {
  const existing = modules.get(m.code);
  if (existing === m) return;
  if (existing) throw new Error(`module ${m.code} registered twice`);
  for (const t of m.matterTypes) registerMatterType(t);
  modules.set(m.code, m);
}

export function registeredModules(): ModuleDef[] {
  return [...modules.values()];
}

export function moduleMigrationDirs(): string[] {
  return registeredModules().flatMap((m) => (m.migrations ? [m.migrations] : []));
}

/** Every module's periodic jobs. */
export function moduleJobs(kernel: Kernel): Job[] {
  return registeredModules().flatMap((m) => m.jobs?.(kernel) ?? []);
}

/** Starts every module's background services; the returned function stops them all. */
export function startModuleServices(kernel: Kernel): () => Promise<void> {
  const stops = registeredModules().flatMap((m) => (m.start ? [m.start(kernel)] : []));
  return async () => {
    for (const stop of stops) await stop();
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kernel } from '../../core/kernel.ts';
import { analysisRoutes } from './analysis.routes.ts';
import { intakeRoutes } from './intake.routes.ts';
import { libraryRoutes } from './library.routes.ts';

/** Every route of the dispute library under /api. */
export const disputeRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    await app.register(intakeRoutes(kernel));
    await app.register(analysisRoutes(kernel));
    await app.register(libraryRoutes(kernel));
  };

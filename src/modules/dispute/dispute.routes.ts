import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kernel } from '../../core/kernel.ts';
import { analysisRoutes } from './analysis.routes.ts';

/** Every route of the dispute library under /api. */
export const disputeRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    await app.register(analysisRoutes(kernel));
  };

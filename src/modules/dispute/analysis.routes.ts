import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kernel } from '../../core/kernel.ts';

/** The library's analysis: counts by category × area × month, sources coverage, repeat parties, 化解率. */
export const analysisRoutes =
  (_kernel: Kernel): FastifyPluginAsyncZod =>
  async (_app) => {};

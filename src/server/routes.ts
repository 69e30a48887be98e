import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kernel } from '../core/kernel.ts';
import { adminRoutes } from './routes/admin.routes.ts';
import { areasRoutes } from './routes/areas.routes.ts';
import { attachmentsRoutes } from './routes/attachments.routes.ts';
import { eventsRoutes } from './routes/events.routes.ts';
import { mattersRoutes } from './routes/matters.routes.ts';
import { subjectsRoutes } from './routes/subjects.routes.ts';

/** Every kernel route under /api; modules register theirs beside these. */
export const kernelRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    await app.register(areasRoutes(kernel));
    await app.register(subjectsRoutes(kernel));
    await app.register(adminRoutes(kernel));
    await app.register(eventsRoutes(kernel));
    await app.register(mattersRoutes(kernel));
    await app.register(attachmentsRoutes(kernel));
  };

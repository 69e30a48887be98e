import { sql } from 'kysely';
import client from 'prom-client';
import type { Kernel } from '../core/kernel.ts';
import type { App } from './app.ts';

/** /healthz for load balancers and /metrics for Prometheus; neither needs a session. */
export function registerOps(app: App, kernel: Kernel): void {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'zhili_' });
  const duration = new client.Histogram({
    name: 'zhili_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    duration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(kernel.db);
      return { status: 'ok', engine: kernel.database.engine };
    } catch {
      return reply.status(503).send({ status: 'unavailable', engine: kernel.database.engine });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}

import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Kernel } from '../core/kernel.ts';
import { registeredModules } from '../core/modules.ts';
import { registerModules } from '../modules/index.ts';
import { registerAuth } from './auth.ts';
import { installErrorHandler } from './errors.ts';
import { registerOps } from './ops.ts';
import { uploadLimits } from './routes/attachments.routes.ts';
import { kernelRoutes } from './routes.ts';
import { registerWeb, sendIndex, webBuilt } from './web.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Builds the HTTP app on an opened kernel. `listen` is the caller's business (CLI or tests' inject). */
export async function buildApp(kernel: Kernel): Promise<App> {
  registerModules();
  const app: App = Fastify({
    loggerInstance: kernel.log.child(
      {},
      {
        redact: ['req.headers.cookie', 'req.headers.authorization'],
        // Query strings can carry the names being searched for: log the path only.
        serializers: {
          req: (req: { method: string; url: string; id: string }) => ({
            id: req.id,
            method: req.method,
            path: req.url.split('?')[0],
          }),
        },
      },
    ) as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    trustProxy: kernel.config.trustProxy,
    bodyLimit: 1_048_576,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, webBuilt() ? { spaFallback: sendIndex } : {});
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Zhili 治理 API',
        version: '0.1.0',
        description:
          '平安建设、法治建设数字化平台接口。先调用 POST /api/auth/login 登录（会话 Cookie），所有数据按用户的区域范围过滤。\n\n' +
          'The API of Zhili. Sign in with POST /api/auth/login (a session cookie is set); every answer is limited ' +
          'to the area scope of the signed-in user. Errors are `{code, message, requestId}` with stable codes.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'zhili_session' },
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: '部门系统推送令牌 / a source’s push token',
          },
        },
      },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    // ~150 operations in 20 tags: the tags start folded (one click opens a line of work) and a filter box
    // finds an operation; all of them expanded at once left Chromium drawing only the first two tags.
    uiConfig: { persistAuthorization: true, withCredentials: true, docExpansion: 'none', filter: true },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  // Uploads are streamed part by part by the routes that take them (never buffered; the 1 MB body limit
  // does not apply to multipart): the limits are the attachment routes' own.
  await app.register(multipart, { limits: uploadLimits(kernel.config.maxUploadMb) });
  registerOps(app, kernel);
  registerAuth(app, kernel);
  await app.register(kernelRoutes(kernel), { prefix: '/api' });
  for (const m of registeredModules()) {
    if (m.routes) await app.register(m.routes(kernel), { prefix: '/api' });
    if (m.rootRoutes) await app.register(m.rootRoutes(kernel));
  }
  await registerWeb(app);
  return app;
}

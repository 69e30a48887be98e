import formbody from '@fastify/formbody';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../../core/errors.ts';
import type { Kernel } from '../../core/kernel.ts';
import {
  authenticate,
  createRequest,
  discovery,
  findToken,
  getRequest,
  listRequests,
  listServices,
  parseRequestQuery,
  serviceDefinition,
} from './open311.service.ts';
import {
  CONTENT_TYPE,
  errorBody,
  FORMATS,
  type Format,
  formatOfUrl,
  type Open311Error,
  toXml,
} from './open311.xml.ts';

export const OPEN311_PREFIX = '/open311/v2';

/** A form body of the longest description (5,000 characters, 9 bytes each once percent-encoded) and the rest. */
const BODY_LIMIT = 65_536;

/**
 * Public: no session. Hidden from the platform's OpenAPI document, which describes the console's own API;
 * Open311 clients read the GeoReport spec and discovery.{format} instead.
 */
const routeOptions = {
  schema: { hide: true },
  config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
} as const;

/** AppError codes → GeoReport's statuses: a missing or refused api_key is 403, as the spec has it. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
};

function formatOf(req: FastifyRequest): Format {
  const format = (req.params as { format?: unknown }).format;
  if (typeof format === 'string' && (FORMATS as readonly string[]).includes(format)) return format as Format;
  throw new AppError('NOT_FOUND', '不支持的格式，请用 .json 或 .xml / Unknown format: use .json or .xml');
}

function send(reply: FastifyReply, format: Format, root: string, doc: unknown, status = 200) {
  return reply
    .code(status)
    .type(CONTENT_TYPE[format])
    .send(format === 'xml' ? toXml(root, doc) : JSON.stringify(doc));
}

function sendErrors(reply: FastifyReply, format: Format, status: number, errors: Open311Error[]) {
  return reply.code(status).type(CONTENT_TYPE[format]).send(errorBody(format, errors));
}

const one = (status: number, description: string): Open311Error[] => [{ code: status, description }];

/**
 * Open311 GeoReport v2 at /open311/v2 (mounted at the root by the module's rootRoutes): discovery,
 * services, service definitions, filing and reading requests, tokens. Every answer and every error is in
 * the format the URL's extension names; errors are GeoReport's [{code, description}] / <errors>.
 */
export const open311Routes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    await app.register(
      async (v2) => {
        // Form bodies are GeoReport's way of posting; the parser is registered in this plugin only.
        await v2.register(formbody, { bodyLimit: BODY_LIMIT });
        const { db } = kernel;

        v2.setErrorHandler((err: FastifyError, req, reply) => {
          const format = formatOfUrl(req.url);
          if (err instanceof AppError && STATUS[err.code]) {
            const status = STATUS[err.code]!;
            const errors = err.details?.length
              ? err.details.map((d) => ({ code: status, description: d.message }))
              : one(status, err.message);
            return sendErrors(reply, format, status, errors);
          }
          if (err.statusCode === 429) {
            return sendErrors(
              reply,
              format,
              429,
              one(429, '请求过于频繁，请稍后再试 / Too many requests, try again later'),
            );
          }
          if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
            return sendErrors(reply, format, 400, one(400, '请求体不是有效的 JSON / Malformed JSON body'));
          }
          if (!(err instanceof AppError) && err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
            // Fastify's own client errors (body too large, unsupported media type): their text holds no internals.
            return sendErrors(
              reply,
              format,
              err.statusCode,
              one(err.statusCode, `请求无效 / ${err.message}`),
            );
          }
          req.log.error({ err: { message: err.message, code: err.code, stack: err.stack } }, 'open311 error');
          return sendErrors(
            reply,
            format,
            500,
            one(500, `服务器内部错误（请求编号 ${req.id}）/ Internal error (request ${req.id})`),
          );
        });

        v2.setNotFoundHandler((req, reply) =>
          sendErrors(reply, formatOfUrl(req.url), 404, one(404, '接口不存在 / No such endpoint')),
        );

        v2.get('/discovery.:format', routeOptions, async (req, reply) => {
          const format = formatOf(req);
          return send(
            reply,
            format,
            'discovery',
            discovery(`${req.protocol}://${req.host}${OPEN311_PREFIX}`),
          );
        });

        v2.get('/services.:format', routeOptions, async (req, reply) =>
          send(reply, formatOf(req), 'services', listServices()),
        );

        v2.get('/services/:service_code.:format', routeOptions, async (req, reply) => {
          const format = formatOf(req);
          const { service_code } = req.params as { service_code: string };
          return send(reply, format, 'service_definition', serviceDefinition(service_code));
        });

        v2.post('/requests.:format', { ...routeOptions, bodyLimit: BODY_LIMIT }, async (req, reply) => {
          const format = formatOf(req);
          if (req.isMultipart()) {
            // GeoReport v2 takes pictures by link (media_url), not as uploads.
            throw new AppError(
              'BAD_REQUEST',
              '请以 application/x-www-form-urlencoded 表单或 JSON 提交，图片请给出 media_url / Post a form or JSON; give pictures as media_url',
            );
          }
          const source = await authenticate(db, req.body);
          const created = await createRequest(kernel, source, req.body);
          return send(reply, format, 'service_requests', [created], 201);
        });

        v2.get('/requests.:format', routeOptions, async (req, reply) => {
          const format = formatOf(req);
          const requests = await listRequests(db, parseRequestQuery(req.query));
          return send(reply, format, 'service_requests', requests);
        });

        v2.get('/requests/:service_request_id.:format', routeOptions, async (req, reply) => {
          const format = formatOf(req);
          const { service_request_id } = req.params as { service_request_id: string };
          return send(reply, format, 'service_requests', [await getRequest(db, service_request_id)]);
        });

        v2.get('/tokens/:token.:format', routeOptions, async (req, reply) => {
          const format = formatOf(req);
          const { token } = req.params as { token: string };
          return send(reply, format, 'service_requests', [await findToken(db, token)]);
        });
      },
      { prefix: OPEN311_PREFIX },
    );
  };

import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, type ErrorCode, type ErrorDetail } from '../core/errors.ts';

/** The one table from error code to HTTP status. */
const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  INVALID_ID_CARD: 400,
  INVALID_USCC: 400,
  INVALID_ORG_CODE: 400,
  INVALID_MOBILE: 400,
  UNKNOWN_AREA: 400,
  REASON_REQUIRED: 400,
  IMPORT_INVALID: 400,
  UNKNOWN_ACTION: 400,
  PAYLOAD_INVALID: 400,
  INVALID_BBOX: 400,
  BBOX_TOO_LARGE: 400,
  BBOX_OUTSIDE_CHINA: 400,
  UNKNOWN_LAYER: 400,
  INVALID_TIME_RANGE: 400,
  MATTER_NO_LOCATION: 400,
  RADIUS_OUT_OF_RANGE: 400,
  MATTER_CLOSED: 409,
  AGREEMENT_INCOMPLETE: 400,
  CONFIRMATION_TOO_LATE: 409,
  ESCALATION_NOT_POSSIBLE: 409,
  NOT_A_MEDIATOR: 400,
  SLOT_TAKEN: 409,
  SLOT_INVALID: 400,
  REFERRAL_SOURCE_NOT_FOUND: 404,
  REFERRAL_SOURCE_INVALID: 400,
  NOT_A_GRID: 400,
  GRID_LEADER_EXISTS: 409,
  GRID_NOT_MEMBER: 403,
  GRID_NO_GEOMETRY: 400,
  LOCATION_REQUIRED: 400,
  LOCATION_INVALID: 400,
  LOCATION_STALE: 400,
  CHECKIN_OUTSIDE_GRID: 400,
  CHECKIN_DUPLICATE: 409,
  VISIT_ALREADY_REPORTED: 409,
  PATROL_MEMBER_DUPLICATE: 409,
  PATROL_SESSION_ACTIVE: 409,
  PATROL_SESSION_ENDED: 409,
  PATROL_TASK_NOT_OPEN: 409,
  CHECKPOINT_TOO_FAR: 400,
  CHECKPOINT_DUPLICATE: 409,
  GEOMETRY_INVALID: 400,
  FILE_TYPE_FORBIDDEN: 415,
  FILE_TOO_LARGE: 413,
  INVALID_TRANSITION: 409,
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  ACCOUNT_DISABLED: 403,
  FORBIDDEN: 403,
  AREA_OUT_OF_SCOPE: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  CONFIG_INVALID: 500,
  DATABASE_LOCKED: 503,
  INTERNAL: 500,
};

export const ErrorBody = z
  .object({
    code: z.string().describe('Stable error code, e.g. VALIDATION_FAILED, NOT_FOUND'),
    message: z.string().describe('Chinese first, then English'),
    requestId: z.string(),
    details: z
      .array(
        z.object({
          path: z.string().optional(),
          row: z.number().optional(),
          code: z.string().optional(),
          message: z.string(),
        }),
      )
      .optional(),
  })
  .meta({ id: 'Error' });

function body(code: ErrorCode | string, message: string, requestId: string, details?: ErrorDetail[]) {
  return details?.length ? { code, message, requestId, details } : { code, message, requestId };
}

/**
 * One handler for every error: typed errors keep their code; validation errors list each field;
 * anything unknown becomes INTERNAL with the request id, logged, its text (SQL, stack) never sent.
 */
export function installErrorHandler(
  app: FastifyInstance,
  opts: { spaFallback?: (reply: FastifyReply) => unknown } = {},
): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError && err.code === 'INTERNAL') {
      // A typed internal failure (e.g. a ciphertext that does not decrypt): logged, never described.
      req.log.error({ err: { message: err.message, code: err.code } }, 'internal error');
      return reply.status(500).send(body('INTERNAL', '服务器内部错误 / Internal error', req.id));
    }
    if (err instanceof AppError) {
      return reply.status(STATUS[err.code]).send(body(err.code, err.message, req.id, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        path: [err.validationContext, v.instancePath.replace(/^\//, '').replaceAll('/', '.')]
          .filter(Boolean)
          .join('.'),
        message: v.message ?? 'invalid',
      }));
      return reply
        .status(400)
        .send(body('VALIDATION_FAILED', '请求参数有误 / The request is invalid', req.id, details));
    }
    // Constraint violations that a race between two requests can reach past the service's own checks.
    const pgCode = (err as { code?: unknown }).code;
    if (pgCode === '23505') {
      return reply
        .status(409)
        .send(body('CONFLICT', '记录已存在（唯一性冲突）/ A record with this key already exists', req.id));
    }
    if (pgCode === '23503') {
      return reply
        .status(400)
        .send(body('VALIDATION_FAILED', '引用的记录不存在 / A referenced record does not exist', req.id));
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err: { message: err.message } }, 'response did not match its schema');
      return reply.status(500).send(body('INTERNAL', '服务器内部错误 / Internal error', req.id));
    }
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
      return reply
        .status(400)
        .send(body('BAD_REQUEST', '请求体不是有效的 JSON / Malformed JSON body', req.id));
    }
    if (err.statusCode === 429) {
      return reply
        .status(429)
        .send(body('RATE_LIMITED', '请求过于频繁，请稍后再试 / Too many requests, try again later', req.id));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors (body too large, unsupported media type…): their text holds no internals.
      return reply.status(err.statusCode).send(body('BAD_REQUEST', `请求无效 / ${err.message}`, req.id));
    }
    req.log.error({ err: { message: err.message, code: err.code, stack: err.stack } }, 'unhandled error');
    return reply.status(500).send(body('INTERNAL', '服务器内部错误 / Internal error', req.id));
  });
  app.setNotFoundHandler((req, reply) => {
    // The web console is a single-page app: any other GET of a page is its index.html (see web.ts).
    if (
      opts.spaFallback &&
      req.method === 'GET' &&
      !req.url.startsWith('/api/') &&
      !req.url.startsWith('/assets/')
    ) {
      return opts.spaFallback(reply);
    }
    return reply.status(404).send(body('NOT_FOUND', '接口不存在 / No such endpoint', req.id));
  });
}

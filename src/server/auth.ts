import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Actor, makeActor } from '../core/access/actor.ts';
import { isRole, PERMISSIONS, ROLE_NAMES } from '../core/access/roles.ts';
import { login, logout, presentUser, userForSession } from '../core/access/users.service.ts';
import { ancestors } from '../core/areas/areas.service.ts';
import { AppError } from '../core/errors.ts';
import type { Kernel } from '../core/kernel.ts';
import type { App } from './app.ts';
import { ErrorBody } from './errors.ts';
import { AreaSchema, UserSchema } from './schemas.ts';

export const SESSION_COOKIE = 'zhili_session';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    sessionState: 'none' | 'expired' | 'valid';
  }
}

/** The signed-in actor, or a typed 401 telling apart "not signed in" and "session expired". */
export function requireActor(req: FastifyRequest): Actor {
  if (req.actor) return req.actor;
  if (req.sessionState === 'expired') {
    throw new AppError(
      'SESSION_EXPIRED',
      '登录已过期，请重新登录 / Your session has expired, please sign in again',
    );
  }
  throw new AppError('UNAUTHENTICATED', '请先登录 / Please sign in');
}

const LoginBody = z.object({
  username: z.string().min(1).max(40),
  password: z.string().min(1).max(200),
});

const MeResponse = z.object({
  user: UserSchema,
  permissions: z.array(z.enum(PERMISSIONS)),
  scope: z.object({ areaCode: z.string(), path: z.array(AreaSchema) }),
});

export function registerAuth(app: App, kernel: Kernel): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('sessionState', 'none');
  app.addHook('onRequest', async (req) => {
    const token = req.cookies[SESSION_COOKIE];
    if (!token || token.length > 100) return;
    const u = await userForSession(kernel.db, token);
    if (u === 'expired') {
      req.sessionState = 'expired';
      return;
    }
    if (!u) return;
    req.sessionState = 'valid';
    req.actor = makeActor(
      {
        id: u.id,
        username: u.username,
        displayName: u.display_name,
        roles: u.roles.filter(isRole),
        areaCode: u.area_code,
        departmentCode: u.department_code,
        enterpriseId: u.enterprise_id,
      },
      { ip: req.ip, requestId: req.id },
    );
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/auth/login',
    {
      config: {
        rateLimit: {
          max: kernel.config.loginMaxPerMinute,
          timeWindow: '1 minute',
          // After body parsing, so that the key can hold the username: one user's mistakes do not lock out
          // colleagues behind the same address (a town centre's NAT).
          hook: 'preHandler',
          keyGenerator: (req: FastifyRequest) => {
            const name = (req.body as { username?: unknown } | undefined)?.username;
            return `${req.ip}|${typeof name === 'string' ? name.slice(0, 40) : ''}`;
          },
        },
      },
      schema: {
        tags: ['auth'],
        summary: '登录 / Sign in',
        security: [],
        body: LoginBody,
        response: {
          200: z.object({ user: UserSchema, expiresAt: z.string() }),
          401: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const { token, expiresAt, user } = await login(
        kernel.db,
        { username: req.body.username, password: req.body.password, ip: req.ip, requestId: req.id },
        kernel.config.sessionHours,
      );
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: kernel.config.cookieSecure,
        path: '/',
        expires: expiresAt,
      });
      return { user, expiresAt: expiresAt.toISOString() };
    },
  );

  r.post(
    '/api/auth/logout',
    { schema: { tags: ['auth'], summary: '退出 / Sign out', response: { 204: z.null(), 401: ErrorBody } } },
    async (req, reply) => {
      const actor = requireActor(req);
      await logout(kernel.db, actor, req.cookies[SESSION_COOKIE]!);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: '当前用户、权限与管辖范围 / Who am I, what may I do, where',
        response: { 200: MeResponse, 401: ErrorBody },
      },
    },
    async (req) => {
      const actor = requireActor(req);
      const row = await kernel.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', actor.id!)
        .executeTakeFirstOrThrow();
      return {
        user: presentUser(row),
        permissions: [...actor.permissions],
        scope: { areaCode: actor.areaCode, path: await ancestors(kernel.db, actor.areaCode) },
      };
    },
  );
  void ROLE_NAMES;
}

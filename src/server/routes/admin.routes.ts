import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import { ROLES } from '../../core/access/roles.ts';
import { createUser, listUsers, updateUser } from '../../core/access/users.service.ts';
import { listAudit, verifyAuditChain } from '../../core/audit/audit.ts';
import type { Kernel } from '../../core/kernel.ts';
import { DisplayName, Password, Username } from '../../shared/user-input.ts';
import { requireActor } from '../auth.ts';
import { ErrorBody } from '../errors.ts';
import { AreaCode, BoolQuery, IdParam, PageQuery, pageOf, UserSchema } from '../schemas.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const UserInput = z.object({
  username: Username,
  displayName: DisplayName,
  password: Password,
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  areaCode: AreaCode,
  departmentCode: z
    .string()
    .regex(/^[a-z0-9_]{2,40}$/)
    .nullable()
    .optional(),
  enterpriseId: IdParam.shape.id.nullable().optional(),
});

const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actorId: z.string().nullable(),
    actorName: z.string(),
    ip: z.string().nullable(),
    requestId: z.string().nullable(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string().nullable(),
    areaCode: z.string().nullable(),
    reason: z.string().nullable(),
    oldValues: z.unknown(),
    newValues: z.unknown(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });

/** Users, departments and the audit trail. */
export const adminRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;
    app.get(
      '/departments',
      {
        schema: {
          tags: ['admin'],
          summary: '部门 / Departments',
          response: {
            200: z.object({
              items: z.array(z.object({ code: z.string(), name: z.string(), nameEn: z.string() })),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        requireActor(req);
        const rows = await db.selectFrom('departments').selectAll().orderBy('code').execute();
        return { items: rows.map((d) => ({ code: d.code, name: d.name, nameEn: d.name_en })) };
      },
    );
    app.get(
      '/users',
      {
        schema: {
          tags: ['admin'],
          summary: '用户列表（管辖范围内）/ Users in scope',
          querystring: PageQuery.extend({
            q: z.string().trim().min(1).max(40).optional(),
            role: z.enum(ROLES).optional(),
            areaCode: AreaCode.optional(),
            disabled: BoolQuery.optional(),
          }),
          response: { 200: pageOf(UserSchema), ...errors },
        },
      },
      async (req) => ({
        ...(await listUsers(db, requireActor(req), req.query)),
        page: req.query.page,
        pageSize: req.query.pageSize,
      }),
    );
    app.post(
      '/users',
      {
        schema: {
          tags: ['admin'],
          summary: '创建用户 / Create a user',
          body: UserInput,
          response: { 201: UserSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply
          .status(201)
          .send(await db.transaction().execute((tx) => createUser(tx, actor, req.body)));
      },
    );
    app.patch(
      '/users/:id',
      {
        schema: {
          tags: ['admin'],
          summary: '修改用户（角色、范围、停用、重置密码）/ Update roles, scope, disable, reset password',
          params: IdParam,
          body: UserInput.omit({ username: true, enterpriseId: true })
            .partial()
            .extend({ disabled: z.boolean().optional() }),
          response: { 200: UserSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db.transaction().execute((tx) => updateUser(tx, actor, req.params.id, req.body));
      },
    );
    app.get(
      '/audit',
      {
        schema: {
          tags: ['audit'],
          summary: '审计日志（审计员）/ The audit trail, newest first',
          querystring: PageQuery.extend({
            actorName: z.string().max(40).optional(),
            action: z.string().max(60).optional(),
            entityType: z.string().max(40).optional(),
            entityId: z.string().max(40).optional(),
            areaCode: AreaCode.optional(),
            from: z.iso.datetime({ offset: true }).optional(),
            to: z.iso.datetime({ offset: true }).optional(),
          }),
          response: { 200: pageOf(AuditEntrySchema), ...errors },
        },
      },
      async (req) => listAudit(db, requireActor(req), req.query),
    );
    app.get(
      '/audit/verify',
      {
        schema: {
          tags: ['audit'],
          summary: '校验审计日志哈希链 / Verify the audit hash chain',
          response: {
            200: z.object({
              ok: z.boolean(),
              checked: z.number().int(),
              firstBad: z
                .object({ id: z.string(), reason: z.enum(['hash_mismatch', 'broken_link']) })
                .nullable(),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        assertCan(requireActor(req), 'audit:read');
        return verifyAuditChain(db);
      },
    );
  };

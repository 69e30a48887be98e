import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import { AppError } from '../../core/errors.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { contentDisposition } from '../../server/routes/attachments.routes.ts';
import { IdParam } from '../../server/schemas.ts';
import { XLSX } from '../../server/xlsx-reply.ts';
import { rejectsXlsx } from './dispute.export.ts';
import * as S from './dispute.routes.schemas.ts';
import { intake, sourceActor } from './disputes.service.ts';
import { createJob, getJob, interruptedJobs, listJobs, rejectedRows, runJob } from './imports.service.ts';
import {
  createToken,
  getSource,
  listSources,
  listTokens,
  revokeToken,
  sourceForToken,
  updateSource,
} from './sources.service.ts';
import { SourceProfile } from './sources.ts';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
};
const tags = ['disputes 矛盾纠纷'];

/**
 * Intake: sources and their mapping profiles, push tokens, file imports (upload, progress, rejected rows)
 * and the push API for department systems. Import jobs run in this process, one after another per job;
 * jobs a stopped process left unfinished are resumed when the server is ready.
 */
export const intakeRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;
    const stop = new AbortController();
    const running = new Map<string, Promise<unknown>>();
    const start = (id: string) => {
      if (running.has(id)) return;
      const p = runJob(kernel, id, { signal: stop.signal })
        .catch((e: Error) => kernel.log.error({ err: e.message, jobId: id }, 'import job crashed'))
        .finally(() => running.delete(id));
      running.set(id, p);
    };
    // Jobs a stopped process left unfinished resume once the server is up (not awaited: a big file must not
    // hold up start-up). A database without the module's tables (the API document generator) has none.
    app.addHook('onReady', async () => {
      const ids = await interruptedJobs(db).catch((e: Error) => {
        kernel.log.warn({ err: e.message }, 'could not look for interrupted imports');
        return [];
      });
      for (const id of ids) start(id);
    });
    app.addHook('onClose', async () => {
      stop.abort();
      await Promise.allSettled(running.values());
    });

    app.get(
      '/disputes/sources',
      {
        schema: {
          tags,
          summary: '数据来源及其映射方案 / Sources and their mapping profiles',
          response: { 200: z.object({ items: z.array(S.SourceSchema) }), ...errors },
        },
      },
      async (req) => {
        assertCan(requireActor(req), 'matter:read');
        return { items: await listSources(db) };
      },
    );

    app.put(
      '/disputes/sources/:code',
      {
        schema: {
          tags,
          summary: '修改映射方案（市级管理员）/ Edit a mapping profile (city administrator)',
          params: z.object({ code: S.SourceCode }),
          body: z.object({
            profile: SourceProfile.optional(),
            enabled: z.boolean().optional(),
            version: z.number().int(),
          }),
          response: { 200: S.SourceSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db.transaction().execute((tx) => updateSource(tx, actor, req.params.code, req.body));
      },
    );

    app.get(
      '/disputes/tokens',
      {
        schema: {
          tags,
          summary: '推送接口令牌 / Push API tokens',
          querystring: z.object({ source: S.SourceCode.optional() }),
          response: { 200: z.object({ items: z.array(S.TokenSchema) }), ...errors },
        },
      },
      async (req) => ({ items: await listTokens(db, requireActor(req), req.query.source) }),
    );

    app.post(
      '/disputes/tokens',
      {
        schema: {
          tags,
          summary: '为来源签发推送令牌（只显示一次）/ Issue a push token for a source (shown once)',
          body: z.object({ source: S.SourceCode, name: z.string().trim().min(1).max(60) }),
          response: { 201: z.object({ token: z.string(), info: S.TokenSchema }), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await db
          .transaction()
          .execute((tx) => createToken(tx, actor, req.body.source, req.body.name));
        return reply.code(201).send(r);
      },
    );

    app.delete(
      '/disputes/tokens/:id',
      {
        schema: {
          tags,
          summary: '吊销令牌 / Revoke a token',
          params: IdParam,
          response: { 200: S.TokenSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return db.transaction().execute((tx) => revokeToken(tx, actor, req.params.id));
      },
    );

    app.post(
      '/disputes/imports',
      {
        schema: {
          tags,
          summary:
            '上传部门文件并导入（CSV UTF-8/GBK、XLSX、JSON Lines）/ Upload a department file to import',
          description:
            'multipart/form-data，一个 `file` 部分；`source` 在查询参数中。同一来源的同一文件只导入一次（返回已有任务）。' +
            ' / multipart/form-data with one `file` part; `source` in the query. The same file for the same source is imported once (the existing job is returned).',
          querystring: z.object({ source: S.SourceCode }),
          consumes: ['multipart/form-data'],
          response: { 200: S.ImportJobSchema, 202: S.ImportJobSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'dispute:import');
        await getSource(db, req.query.source);
        if (!req.isMultipart()) {
          throw new AppError(
            'BAD_REQUEST',
            '请以 multipart/form-data 上传文件 / Send the file as multipart/form-data',
          );
        }
        const maxBytes = kernel.config.maxImportMb * 1_048_576;
        const part = await req.file({ limits: { fileSize: maxBytes, files: 1 } });
        if (!part)
          throw new AppError('VALIDATION_FAILED', '缺少文件 / No file', [
            { path: 'file', message: 'required' },
          ]);
        const blob = await kernel.files.put(part.file, { maxBytes });
        if (part.file.truncated) {
          throw new AppError(
            'FILE_TOO_LARGE',
            `文件超过 ${kernel.config.maxImportMb} MB 的上限 / The file is larger than the limit`,
          );
        }
        const { job, existing } = await db.transaction().execute(async (tx) =>
          createJob(tx, actor, {
            source: req.query.source,
            filename: part.filename || 'upload',
            sha256: blob.sha256,
            size: blob.size,
            filePath: await kernel.files.localPath(blob.sha256),
          }),
        );
        if (!existing || job.status === 'failed' || job.status === 'queued') start(job.id);
        return reply.code(existing ? 200 : 202).send(existing ? job : await getJob(db, actor, job.id));
      },
    );

    app.get(
      '/disputes/imports',
      {
        schema: {
          tags,
          summary: '导入任务 / Import jobs',
          querystring: z.object({
            source: S.SourceCode.optional(),
            status: z.enum(['queued', 'running', 'done', 'failed']).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(20),
            offset: z.coerce.number().int().min(0).max(100_000).default(0),
          }),
          response: {
            200: z.object({ items: z.array(S.ImportJobSchema), total: z.number().int() }),
            ...errors,
          },
        },
      },
      async (req) => listJobs(db, requireActor(req), req.query),
    );

    app.get(
      '/disputes/imports/:id',
      {
        schema: {
          tags,
          summary: '导入任务进度 / An import job and its progress',
          params: IdParam,
          response: { 200: S.ImportJobSchema, ...errors },
        },
      },
      async (req) => getJob(db, requireActor(req), req.params.id),
    );

    app.post(
      '/disputes/imports/:id/resume',
      {
        schema: {
          tags,
          summary: '继续失败或中断的导入 / Resume a failed or interrupted import',
          params: IdParam,
          response: { 202: S.ImportJobSchema, ...errors },
        },
      },
      async (req, reply) => {
        const job = await getJob(db, requireActor(req), req.params.id);
        if (job.status === 'done') throw new AppError('CONFLICT', '该任务已完成 / The job has finished');
        start(job.id);
        return reply.code(202).send(job);
      },
    );

    app.get(
      '/disputes/imports/:id/rejects.xlsx',
      {
        schema: {
          tags,
          summary: '未导入的行及原因（Excel）/ The rejected rows with their reasons (XLSX)',
          params: IdParam,
          response: { 200: z.any().describe(XLSX), ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const { job, headers, rows } = await db
          .transaction()
          .execute((tx) => rejectedRows(tx, kernel, actor, req.params.id));
        const stream = new PassThrough();
        const base = job.filename.replace(/\.[^.]+$/, '');
        reply
          .header('content-type', XLSX)
          .header('content-disposition', contentDisposition('attachment', `${base}-未导入.xlsx`));
        rejectsXlsx(headers, rows, stream).catch((e: Error) => stream.destroy(e));
        return reply.send(stream);
      },
    );

    app.post(
      '/disputes/intake/:source',
      {
        schema: {
          tags,
          summary: '部门系统推送（每批最多 1,000 条，按幂等键去重）/ Push records from a department system',
          description:
            '`Authorization: Bearer <token>`（该来源的推送令牌）。每条记录带 `idempotencyKey`；重试同一批不会重复入库。字段可用本平台字段名或该来源映射方案中的列名。' +
            ' / Bearer token of the source. Each record carries an idempotencyKey; a retried batch inserts nothing twice. Fields by our names or by the source profile’s column names.',
          params: z.object({ source: S.SourceCode }),
          body: S.PushBody,
          security: [{ bearerAuth: [] }],
          response: {
            200: z.object({
              inserted: z.number().int(),
              merged: z.number().int(),
              skipped: z.number().int(),
              rejected: z.number().int(),
              results: z.array(S.OutcomeSchema),
            }),
            ...errors,
          },
        },
        config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
      },
      async (req) => {
        const auth = req.headers.authorization ?? '';
        const token = /^Bearer\s+(\S{10,200})$/i.exec(auth)?.[1];
        if (!token) throw new AppError('UNAUTHENTICATED', '缺少推送令牌 / Missing bearer token');
        const source = await sourceForToken(db, token);
        if (source.code !== req.params.source) {
          throw new AppError('FORBIDDEN', '令牌不属于该来源 / The token belongs to another source');
        }
        // The idempotency key is the record's key for this source, whatever its own number column says.
        const keyColumn = source.profile.columns.recordKey;
        const records = req.body.records.map(({ idempotencyKey, ...rest }) => ({
          ...rest,
          [keyColumn]: idempotencyKey,
          recordKey: idempotencyKey,
        }));
        const result = await intake(kernel, sourceActor(source), source, 'push', records);
        return { ...result.counts, results: result.outcomes };
      },
    );
  };

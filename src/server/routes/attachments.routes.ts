import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { sniff } from '../../core/files/sniff.ts';
import { type BlobStore, tooLarge } from '../../core/files/store.ts';
import type { Kernel } from '../../core/kernel.ts';
import {
  addAttachments,
  assertMayAttach,
  cleanFilename,
  MAX_NOTE,
  openAttachment,
  type StoredFile,
} from '../../core/matters/attachments.service.ts';
import { requireActor } from '../auth.ts';
import { ErrorBody } from '../errors.ts';
import { IdParam } from '../schemas.ts';
import { command } from './matters.routes.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const AttachmentSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    mime: z.string().describe('the type found in the bytes, not the one the client sent'),
    size: z.number().int(),
    timelineId: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Attachment' });

/**
 * Only for the OpenAPI document: the zod type provider validates JSON, not multipart, and @fastify/multipart
 * leaves `body` empty (the parts are streamed by the handler). The route's validator skips the body and
 * the handler checks every part itself.
 */
const UploadBody = z
  .object({
    file: z
      .array(z.file())
      .min(1)
      .max(10)
      .describe('one or more files (JPEG, PNG, GIF, WebP, PDF, MP4, MP3, docx/xlsx/pptx, UTF-8 txt/csv)'),
    note: z.string().max(MAX_NOTE).optional().describe('说明 / what the files show'),
  })
  .describe('multipart/form-data: repeated `file` parts and an optional `note` field');

/**
 * Params are validated by zod as everywhere; the multipart body is not validated here (see UploadBody).
 * Fastify types `def.schema` as the route's whole schema, but calls the compiler once per part (params,
 * body…) with that part's zod schema: hence the cast.
 */
type SchemaDef<S> = Parameters<FastifySchemaCompiler<S>>[0];
const skipBody = <S>(def: SchemaDef<S>) =>
  def.httpPart === 'body'
    ? (data: unknown) => ({ value: data })
    : validatorCompiler(def as unknown as SchemaDef<z.ZodType>);

const INLINE = /^(image\/|application\/pdf$)/;

const MAX_FILES = 10;
const MAX_FIELDS = 10;

/**
 * The parser's limits for @fastify/multipart (registered in app.ts). The blob store enforces the per-file
 * limit; busboy's is one byte above it, so that an oversize file reaches the store as oversize instead
 * of silently cut to exactly the limit.
 */
export function uploadLimits(maxUploadMb: number) {
  return {
    fileSize: maxUploadMb * 1_048_576 + 1,
    files: MAX_FILES,
    fields: MAX_FIELDS,
    fieldSize: 10 * 1024,
    parts: MAX_FILES + MAX_FIELDS,
  };
}

/**
 * What the multipart parser throws is the client's doing (a body cut short, no boundary, too many parts):
 * a 400 with a typed code, not an INTERNAL 500. Disk errors (with an errno `code`), our own AppErrors and
 * programming errors (TypeError…) pass unchanged.
 */
function clientSide(e: unknown): unknown {
  if (!(e instanceof Error) || e instanceof AppError) return e;
  const code = (e as { code?: unknown }).code;
  if (code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
    return new AppError(
      'VALIDATION_FAILED',
      `一次最多上传 ${MAX_FILES} 个文件、${MAX_FIELDS} 个字段 / At most ${MAX_FILES} files and ${MAX_FIELDS} fields per upload`,
      [{ path: 'file', message: 'too many parts' }],
    );
  }
  if (code === undefined && e.constructor === Error) {
    return new AppError('BAD_REQUEST', `上传内容格式有误 / Malformed multipart body: ${e.message}`);
  }
  return e;
}

/**
 * `Content-Disposition` for a stored name: an ASCII fallback for old clients and the exact name as
 * RFC 5987 `filename*` (UTF-8, percent-encoded), which every current browser prefers — Chinese names
 * survive. Quotes, backslashes and control characters never reach the header.
 */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Streams each `file` part into the store and decides its type from its first bytes; keeps the `note`.
 * Nothing is written to the database here: the caller does that once every part has been accepted.
 */
async function readUpload(
  req: FastifyRequest,
  files: BlobStore,
  maxBytes: number,
): Promise<{ files: StoredFile[]; note: string | undefined }> {
  const stored: StoredFile[] = [];
  let note: string | undefined;
  const parts = req.parts();
  for (;;) {
    const next = await parts.next().catch((e: unknown) => {
      throw clientSide(e);
    });
    if (next.done) break;
    const part = next.value;
    if (part.type === 'field') {
      if (part.fieldname !== 'note') {
        throw new AppError('VALIDATION_FAILED', `未知字段 ${part.fieldname} / Unknown field`, [
          { path: part.fieldname, message: 'unknown field' },
        ]);
      }
      if (part.valueTruncated) {
        throw new AppError('VALIDATION_FAILED', '说明过长 / The note is too long', [
          { path: 'note', message: 'too long' },
        ]);
      }
      note = String(part.value);
      continue;
    }
    if (part.fieldname !== 'file') {
      part.file.destroy();
      throw new AppError('VALIDATION_FAILED', `文件字段应为 file / Files go in \`file\` parts`, [
        { path: part.fieldname, message: 'unknown file field' },
      ]);
    }
    const filename = cleanFilename(part.filename);
    // Streamed to disk while hashed; the store refuses (and deletes) anything over the limit.
    const blob = await files.put(part.file, { maxBytes }).catch((e: unknown) => {
      throw clientSide(e);
    });
    // Busboy stops one byte past the limit, so an oversize file reached the store as such and was
    // refused above; a truncated part here would mean that limit was configured below ours.
    if (part.file.truncated) throw tooLarge(maxBytes);
    if (blob.size === 0) {
      throw new AppError('VALIDATION_FAILED', `文件 ${filename} 为空 / The file is empty`, [
        { path: 'file', message: `${filename}: empty` },
      ]);
    }
    // A refused type leaves its blob in the store, unreferenced: blobs are named by content and may
    // be shared, so they are never deleted here (a later sweep may collect unreferenced ones).
    const mime = sniff(blob.head, filename, blob.size);
    stored.push({ filename, sha256: blob.sha256, size: blob.size, mime });
  }
  return { files: stored, note };
}

export const attachmentsRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db, files } = kernel;
    const maxBytes = kernel.config.maxUploadMb * 1_048_576;
    const tags = ['matters 事项'];

    app.post(
      '/matters/:id/attachments',
      {
        validatorCompiler: skipBody,
        schema: {
          tags,
          summary: `上传附件（证据），每个文件不超过 ${kernel.config.maxUploadMb} MB / Upload attachments (evidence)`,
          description:
            'multipart/form-data：一个或多个 `file` 部分，可选 `note` 字段。文件类型按内容判定；可执行文件、HTML、SVG 等被拒绝（415）。' +
            '上报人、承办单位成员或辖区内有办理权限的人员可上传；已办结的事项不可上传（409）。\n\n' +
            'multipart/form-data: one or more `file` parts and an optional `note` field (at most 10 files). ' +
            'The type is decided from the content; executables, HTML, SVG and unknown types are refused (415); ' +
            `a file over ${kernel.config.maxUploadMb} MB is refused (413). Allowed: the reporter, the assigned unit, ` +
            'handlers whose scope covers the matter; not on a closed matter (409).',
          consumes: ['multipart/form-data'],
          params: IdParam,
          body: UploadBody,
          response: {
            201: z.object({ attachments: z.array(AttachmentSchema) }),
            ...errors,
            413: ErrorBody,
            415: ErrorBody,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        if (!req.isMultipart()) {
          throw new AppError(
            'BAD_REQUEST',
            '请以 multipart/form-data 上传文件 / Send the files as multipart/form-data',
          );
        }
        // Who may upload is decided before a byte of the files is read: a stranger cannot fill the disk.
        await assertMayAttach(db, actor, req.params.id);

        const upload = await readUpload(req, files, maxBytes).catch((e: unknown) => {
          // The rest of the body is unread and its parser gone: a kept-alive connection would wait for it
          // and the client's next request on it would hang (fastify-multipart#497). Discard what still
          // arrives, and close the connection once the error is sent.
          req.raw.unpipe();
          req.raw.resume();
          reply.header('connection', 'close');
          throw e;
        });
        // Rows are written only now, all in one transaction: a refused upload changes nothing.
        const r = await command(kernel, (tx) =>
          addAttachments(tx, actor, req.params.id, upload.files, upload.note),
        );
        return reply.status(201).send({ attachments: r.attachments });
      },
    );

    app.get(
      '/matters/:id/attachments/:attachmentId',
      {
        schema: {
          tags,
          summary: '下载附件（记审计）/ Download an attachment (audited)',
          description:
            '返回文件内容，类型为上传时按内容判定的类型；图片和 PDF 内联显示，其他类型作为下载。\n\n' +
            'The file, with the type found in its bytes at upload; images and PDF inline, others as a download.',
          params: IdParam.extend({ attachmentId: IdParam.shape.id }),
          response: {
            200: {
              description: '文件内容 / the file’s bytes, Content-Type as found at upload',
              // The body is a stream, which the typed reply cannot express; `any` typed, binary documented.
              content: {
                'application/octet-stream': { schema: z.any().meta({ type: 'string', format: 'binary' }) },
              },
            },
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const a = await db.transaction().execute(async (tx) => {
          const row = await openAttachment(tx, actor, req.params.id, req.params.attachmentId);
          // Checked inside the transaction: a download that cannot happen leaves no audit entry.
          if (!(await files.has(row.sha256))) {
            throw new AppError('INTERNAL', `blob ${row.sha256} of attachment ${row.id} is missing`);
          }
          return row;
        });
        return reply
          .header('content-type', a.mime === 'text/plain' ? 'text/plain; charset=utf-8' : a.mime)
          .header('content-length', a.size)
          .header('x-content-type-options', 'nosniff')
          .header(
            'content-disposition',
            contentDisposition(INLINE.test(a.mime) ? 'inline' : 'attachment', a.filename),
          )
          .header('cache-control', 'private')
          .send(files.open(a.sha256));
      },
    );
  };

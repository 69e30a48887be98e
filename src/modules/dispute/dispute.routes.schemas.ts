import { z } from 'zod';
import { CATEGORY_CODES, PartyFields, RISK_LEVELS } from './dispute.schema.ts';
import { SourceProfile } from './sources.ts';

/** Schemas of the dispute library's HTTP interface: validation, types and the OpenAPI document in one. */
export const Name = z.object({ zh: z.string(), en: z.string() });
export const SourceCode = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'source code: snake_case');
const IsoDate = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), '日期格式应为 ISO 8601 / expected an ISO 8601 date');

export const SourceSchema = z
  .object({
    code: z.string(),
    department: z.string().nullable(),
    name: Name,
    profile: SourceProfile,
    enabled: z.boolean(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'DisputeSource' });

export const ImportJobSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    filename: z.string(),
    sha256: z.string(),
    size: z.number(),
    format: z.string().nullable(),
    encoding: z.string().nullable(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    bytesRead: z.number(),
    rowsRead: z.number().int(),
    inserted: z.number().int(),
    merged: z.number().int(),
    skipped: z.number().int().describe('records this source had already sent (same record number)'),
    rejected: z.number().int(),
    error: z.string().nullable(),
    log: z.array(z.object({ at: z.string(), message: z.string() })),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'ImportJob' });

export const RowErrorSchema = z.object({
  rowNo: z.number().int(),
  field: z.string(),
  code: z.string(),
  reason: z.string(),
});

export const OutcomeSchema = z.object({
  rowNo: z.number().int(),
  recordKey: z.string().nullable(),
  status: z.enum(['inserted', 'merged', 'skipped', 'rejected']),
  matterId: z.string().optional(),
  matterNumber: z.string().optional(),
  errors: z.array(RowErrorSchema).optional(),
});

export const PartyInput = PartyFields;

export const DisputeForm = z.object({
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().min(1).max(5000),
  category: z
    .enum(CATEGORY_CODES)
    .optional()
    .describe('留空则由文本分类器判定 / empty: the classifier decides'),
  reportedAt: IsoDate.optional(),
  areaCode: z
    .string()
    .regex(/^\d{12}(\d{3})?$/)
    .optional(),
  address: z.string().trim().max(200).optional(),
  point: z.object({ lng: z.number().min(73).max(136), lat: z.number().min(3).max(54) }).optional(),
  amount: z.number().min(0).max(1e12).optional(),
  peopleInvolved: z.number().int().min(1).max(1_000_000).optional(),
  parties: z.array(PartyInput).max(20).default([]),
  idempotencyKey: z.string().min(8).max(64).optional(),
});

/** A pushed record: our field names or the source profile's column names; scalar values only. */
const PushValue = z.union([z.string().max(5000), z.number(), z.boolean(), z.null()]);
export const PushBody = z.object({
  records: z
    .array(
      z
        .object({
          idempotencyKey: z
            .string()
            .min(1)
            .max(64)
            .describe('每条记录唯一；重试时不变 / unique per record, unchanged on retry'),
          parties: z.array(PartyInput).max(20).optional(),
        })
        .catchall(PushValue),
    )
    .min(1)
    .max(1000),
});

export const DisputeItemSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    category: z.string().nullable(),
    categoryName: Name.nullable(),
    status: z.string(),
    statusName: Name,
    closed: z.boolean(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    reportedAt: z.string(),
    riskLevel: z.enum(RISK_LEVELS),
    mass: z.boolean(),
    peopleInvolved: z.number(),
    amount: z.number().nullable(),
    sources: z.array(z.string()),
    deadlineState: z.string(),
    dueAt: z.string().nullable(),
  })
  .meta({ id: 'DisputeItem' });

export const DisputeFilters = z.object({
  q: z.string().trim().max(100).optional(),
  category: z.enum(CATEGORY_CODES).optional(),
  areaCode: z
    .string()
    .regex(/^\d{12}(\d{3})?$/)
    .optional(),
  status: z
    .string()
    .max(200)
    .regex(/^[a-z_]+(,[a-z_]+)*$/)
    .optional()
    .describe('comma-separated states'),
  outcome: z.enum(['resolved', 'settled', 'open']).optional(),
  source: SourceCode.optional(),
  subject: z
    .string()
    .regex(/^(person|enterprise):\d{1,18}$/)
    .optional()
    .describe('person:123 or enterprise:45'),
  risk: z.enum(RISK_LEVELS).optional(),
  mass: z.enum(['true', 'false']).optional(),
  multiSource: z.enum(['true', 'false']).optional().describe('reported by more than one source'),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
});

export const SourceRecordSchema = z.object({
  id: z.string(),
  source: z.string(),
  sourceName: Name,
  department: z.string().nullable(),
  recordKey: z.string(),
  channel: z.enum(['file', 'push', 'open311', 'web']),
  jobId: z.string().nullable(),
  rowNo: z.number().int().nullable(),
  reportedAt: z.string(),
  receivedAt: z.string(),
  sourceCategory: z.string().nullable(),
  category: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  address: z.string().nullable(),
  parties: z.array(
    z.object({ role: z.string(), kind: z.string(), name: z.string(), subjectId: z.string().optional() }),
  ),
  data: z.record(z.string(), z.unknown()),
});

export const TokenSchema = z.object({
  id: z.string(),
  source: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

import { z } from 'zod';
import {
  DeadlineStateEnum,
  ExtensionDays,
  MatterCategory,
  MatterDescription,
  MatterTitle,
  NoteText,
  ReasonText,
  ResultText,
  TYPE_CODE,
  UrgencyEnum,
} from '../../shared/matter-input.ts';
import { AreaCode } from '../schemas.ts';
import { PointSchema } from './subjects.schemas.ts';

// The fields people type (title, description, notes…) and their limits live in src/shared/matter-input.ts,
// which the web console's forms validate with too.
export { DeadlineStateEnum, UrgencyEnum };

const Name = z.object({ zh: z.string(), en: z.string() });

export const AssigneeSchema = z.object({
  department: z
    .string()
    .regex(/^[a-z0-9_]{2,40}$/)
    .describe('department code, e.g. zongzhi, housing, police'),
  areaCode: AreaCode.describe('the area of that department’s office'),
  userId: z
    .string()
    .regex(/^\d{1,18}$/)
    .nullable()
    .optional(),
});

export const MatterSchema = z
  .object({
    id: z.string(),
    number: z.string().describe('一案一码, e.g. SJ-330302-20261129-0001'),
    type: z.string(),
    typeName: z.string(),
    category: z.string().nullable(),
    title: z.string(),
    description: z.string().nullable(),
    status: z.string(),
    statusName: z.string(),
    closed: z.boolean(),
    urgency: UrgencyEnum,
    sourceDepartment: z.string().nullable(),
    sourceChannel: z.string().nullable(),
    areaCode: z.string(),
    point: PointSchema.nullable(),
    h3: z.string().nullable(),
    reporterId: z.string().nullable(),
    reporterName: z.string().nullable(),
    assignee: z
      .object({
        department: z.string().nullable(),
        areaCode: z.string().nullable(),
        userId: z.string().nullable(),
      })
      .nullable(),
    dispatcherAreaCode: z.string().nullable(),
    stateEnteredAt: z.string(),
    warnAt: z.string().nullable(),
    dueAt: z.string().nullable(),
    pausedAt: z.string().nullable(),
    deadlineState: DeadlineStateEnum,
    escalatedTo: z.string().nullable(),
    extensionRequested: z.unknown(),
    payload: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'Matter' });

export const ActionSchema = z.object({
  action: z.string(),
  name: Name,
  to: z.string().nullable(),
  requires: z.array(z.enum(['note', 'reason', 'result', 'assignee', 'extensionDays'])),
});

export const MatterDetailSchema = MatterSchema.extend({
  parties: z.array(
    z.object({
      id: z.string(),
      role: z.string(),
      subjectType: z.string(),
      subjectId: z.string(),
      name: z.string().nullable(),
    }),
  ),
  attachments: z.array(
    z.object({
      id: z.string(),
      filename: z.string(),
      mime: z.string(),
      size: z.number(),
      timelineId: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
  timeline: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      actorName: z.string(),
      action: z.string(),
      fromStatus: z.string().nullable(),
      toStatus: z.string().nullable(),
      note: z.string().nullable(),
      data: z.unknown(),
    }),
  ),
  actions: z.array(ActionSchema).describe('what the signed-in user may do now, with the fields each needs'),
}).meta({ id: 'MatterDetail' });

export const MatterInput = z.object({
  type: z.string().regex(TYPE_CODE).default('event'),
  category: MatterCategory.optional(),
  title: MatterTitle,
  description: MatterDescription.optional(),
  urgency: UrgencyEnum.optional(),
  sourceDepartment: z
    .string()
    .regex(/^[a-z0-9_]{2,40}$/)
    .optional(),
  sourceChannel: z.string().max(40).optional(),
  areaCode: AreaCode.optional().describe('omit to place the matter by its point'),
  point: PointSchema.nullable().optional(),
  payload: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('type-specific fields, validated by the type’s schema'),
  parties: z
    .array(
      z.object({
        role: z.string().trim().min(1).max(20).describe('申请人, 被申请人, 当事人, 责任单位…'),
        subjectType: z.enum(['person', 'house', 'enterprise', 'thing']),
        subjectId: z.string().regex(/^\d{1,18}$/),
      }),
    )
    .max(50)
    .optional(),
});

export const TransitionBody = z.object({
  action: z.string().regex(/^[a-z_]{2,40}$/),
  version: z.number().int().min(1),
  note: NoteText.optional(),
  reason: ReasonText.optional(),
  result: ResultText.optional().describe('处置结果, required by 反馈'),
  assignee: AssigneeSchema.optional(),
  extensionDays: ExtensionDays.optional().describe('working days'),
});

const csv = (inner: z.ZodString) =>
  z
    .string()
    .max(400)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(inner).max(20));

export const MatterFilters = z.object({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,39}$/)
    .optional(),
  status: csv(z.string().regex(/^[a-z_]{2,40}$/))
    .optional()
    .describe('comma-separated'),
  closed: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  areaCode: AreaCode.optional().describe('this area and below'),
  category: z.string().max(40).optional(),
  urgency: UrgencyEnum.optional(),
  deadlineState: DeadlineStateEnum.optional(),
  assignee: z
    .enum(['me', 'my_unit', 'todo'])
    .optional()
    .describe(
      'me / my_unit: assigned to me or my unit; todo: everything waiting for me — assigned to me or my unit, or waiting for my centre to accept, dispatch, verify or close',
    ),
  reporter: z.enum(['me']).optional().describe('matters I reported (我的上报)'),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  q: z.string().trim().min(1).max(100).optional().describe('Chinese full text on title and description'),
});

export const MatterListQuery = MatterFilters.extend({
  sort: z.enum(['created_desc', 'created_asc', 'due_asc']).default('created_desc'),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

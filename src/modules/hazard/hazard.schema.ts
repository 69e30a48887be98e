import { z } from 'zod';
import { MatterDetailSchema } from '../../server/routes/matters.schemas.ts';

/** zod: the hazard payload, the requests and responses of /api/hazards (one schema = validation, types, OpenAPI). */

export const HAZARD_CATEGORIES = [
  { code: 'fire', name: { zh: '消防', en: 'Fire safety' } },
  { code: 'gas', name: { zh: '燃气', en: 'Gas' } },
  { code: 'hazchem', name: { zh: '危化品', en: 'Hazardous chemicals' } },
  { code: 'construction', name: { zh: '建筑施工', en: 'Construction' } },
  { code: 'selfbuilt', name: { zh: '自建房', en: 'Self-built housing' } },
  { code: 'road', name: { zh: '道路交通', en: 'Road traffic' } },
  { code: 'vessel', name: { zh: '渔船', en: 'Fishing vessels' } },
  { code: 'other', name: { zh: '其他', en: 'Other' } },
] as const;
export const CATEGORY_CODES = [
  'fire',
  'gas',
  'hazchem',
  'construction',
  'selfbuilt',
  'road',
  'vessel',
  'other',
] as const;
export type HazardCategory = (typeof CATEGORY_CODES)[number];

export const SEVERITIES = ['general', 'larger', 'major'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_NAMES: Record<Severity, { zh: string; en: string }> = {
  general: { zh: '一般', en: 'General' },
  larger: { zh: '较大', en: 'Larger' },
  major: { zh: '重大', en: 'Major' },
};
export const SeverityEnum = z.enum(SEVERITIES);
export const CategoryEnum = z.enum(CATEGORY_CODES);

const Id = z.string().regex(/^\d{1,18}$/, 'id must be a positive integer');
const AreaCode = z
  .string()
  .regex(/^\d{12}(\d{3})?$/, '区划代码为12位数字（网格15位） / area codes have 12 digits (grids 15)');
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式为 YYYY-MM-DD / dates are YYYY-MM-DD');

/** What a hazard carries beyond the common matter fields (matters.payload). */
export const HazardPayload = z
  .object({
    severity: SeverityEnum.describe('隐患等级：一般 / 较大 / 重大'),
    address: z.string().trim().max(200).optional().describe('where, in words'),
    responsibleName: z
      .string()
      .trim()
      .max(50)
      .optional()
      .describe('责任人 (when the responsible person is not a registered subject)'),
    measures: z
      .string()
      .trim()
      .max(2000)
      .optional()
      .describe('整改措施, recorded when the rectification is submitted'),
  })
  .strict();
export type HazardPayload = z.infer<typeof HazardPayload>;

export const HazardCreate = z.object({
  title: z
    .string({ error: '请填写隐患描述标题 / Enter a title' })
    .trim()
    .min(2, { error: '标题至少 2 个字 / At least 2 characters' })
    .max(100, { error: '标题不超过 100 字 / At most 100 characters' }),
  description: z.string().trim().max(2000).optional(),
  category: CategoryEnum,
  severity: SeverityEnum,
  areaCode: AreaCode.optional().describe('omit to place the hazard by its point'),
  point: z
    .object({ lng: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) })
    .nullable()
    .optional()
    .describe('WGS-84'),
  address: z.string().trim().max(200).optional(),
  enterpriseId: Id.optional().describe('责任企业 (a registered enterprise)'),
  personId: Id.optional().describe('责任人 (a registered person)'),
  responsibleName: z.string().trim().max(50).optional().describe('责任人 in words, when not registered'),
  urgency: z.enum(['extra_urgent', 'urgent', 'normal']).optional(),
  report: z.boolean().default(true).describe('上报 at once (true) or keep as 已发现 to add photos first'),
});
export type HazardCreate = z.infer<typeof HazardCreate>;

export const HazardFilters = z.object({
  category: CategoryEnum.optional(),
  severity: SeverityEnum.optional(),
  status: z
    .string()
    .regex(/^[a-z_]{2,40}$/)
    .optional(),
  areaCode: AreaCode.optional().describe('this area and below (within your scope)'),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('true: only 超期 hazards'),
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('true: only open (not 销号) hazards'),
  q: z.string().trim().max(50).optional().describe('title contains'),
  enterpriseId: Id.optional(),
});
export type HazardFilters = z.infer<typeof HazardFilters>;

export const HazardListQuery = HazardFilters.extend({
  sort: z.enum(['created_desc', 'created_asc', 'due_asc']).default('created_desc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});
export type HazardListQuery = z.infer<typeof HazardListQuery>;

const Name = z.object({ zh: z.string(), en: z.string() });

export const ClockSchema = z
  .object({
    reportedAt: z.string().nullable(),
    respondDueAt: z.string().nullable().describe('上报 + the respond time (30 minutes by default)'),
    respondedAt: z.string().nullable().describe('交办'),
    rectifyDueAt: z.string().nullable().describe('交办 + the rectify time (30 days by default)'),
    passedAt: z.string().nullable().describe('验收通过'),
    respondedInTime: z.boolean().nullable(),
    rectifiedInTime: z.boolean().nullable(),
    failedCount: z.number().int(),
  })
  .describe('the two "3030" clocks');

export const HazardSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    title: z.string(),
    category: z.string().nullable(),
    categoryName: Name.nullable(),
    severity: SeverityEnum,
    severityName: Name,
    status: z.string(),
    statusName: z.string(),
    closed: z.boolean(),
    urgency: z.string(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    address: z.string().nullable(),
    point: z.object({ lng: z.number(), lat: z.number() }).nullable(),
    enterprise: z.object({ id: z.string(), name: z.string() }).nullable(),
    responsibleName: z.string().nullable(),
    assignee: z
      .object({
        department: z.string().nullable(),
        areaCode: z.string().nullable(),
        userId: z.string().nullable(),
      })
      .nullable(),
    dueAt: z.string().nullable(),
    deadlineState: z.enum(['normal', 'warning', 'overdue']),
    clock: ClockSchema,
    createdAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Hazard' });
export type Hazard = z.infer<typeof HazardSchema>;

export const HazardPage = z.object({
  items: z.array(HazardSchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

const PhotoSchema = z.object({
  id: z.string(),
  filename: z.string(),
  mime: z.string(),
  size: z.number(),
  createdAt: z.string(),
  phase: z.enum(['before', 'after']),
});

export const HazardDetailSchema = z.object({
  hazard: HazardSchema.extend({ description: z.string().nullable(), measures: z.string().nullable() }),
  photos: z.object({ before: z.array(PhotoSchema), after: z.array(PhotoSchema) }),
  matter: MatterDetailSchema,
});
export type HazardDetail = z.infer<typeof HazardDetailSchema>;

export const DeadlineSchema = z.object({
  severity: SeverityEnum,
  severityName: Name,
  respondMinutes: z.number().int(),
  rectifyDays: z.number().int(),
  warnRatio: z.number(),
});
export const DeadlineBody = z.object({
  respondMinutes: z.number().int().min(1).max(10_080),
  rectifyDays: z.number().int().min(1).max(3650),
  warnRatio: z.number().gt(0).lt(1).default(0.8),
});

export const KpiQuery = z.object({
  areaCode: AreaCode.optional().describe('default: your own area'),
  from: Day.describe('first day of the period (China time)'),
  to: Day.describe('last day of the period, included'),
});
export const KpiCell = z.object({
  reported: z.number().int(),
  respondedInTime: z.number().int().describe('交办 within the respond time of 上报'),
  rectified: z.number().int().describe('销号'),
  overdue: z.number().int().describe('open and past a 3030 deadline now'),
  rate: z.number().nullable().describe('rectified / reported; null = 无数据'),
});
export const KpiRow = z.object({
  areaCode: z.string(),
  areaName: z.string(),
  bySeverity: z.object({ general: KpiCell, larger: KpiCell, major: KpiCell }),
});
export const KpiResponse = z.object({
  area: z.object({ code: z.string(), name: z.string() }),
  from: z.string(),
  to: z.string(),
  total: KpiRow,
  children: z.array(KpiRow),
});
export const KpiRecordsQuery = KpiQuery.extend({
  severity: SeverityEnum.default('major'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});
export const KpiRecords = z.object({
  total: z.number().int(),
  items: z.array(
    z.object({
      id: z.string(),
      number: z.string(),
      title: z.string(),
      status: z.string(),
      closed: z.boolean(),
      areaCode: z.string(),
      createdAt: z.string(),
    }),
  ),
});

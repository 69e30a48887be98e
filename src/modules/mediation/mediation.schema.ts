import { z } from 'zod';

/** zod: the case's payload, the requests and the responses of 一站式调解 (one schema = validation, types, OpenAPI). */

const Id = z.string().regex(/^\d{1,18}$/);
const Name = z.object({ zh: z.string(), en: z.string() });
const LevelEnum = z.enum(['village', 'town', 'county']);
const Version = z.number().int().min(1).describe('the case’s version as read (optimistic locking)');
const Text = (max: number) => z.string().max(max);
const AreaCode = z
  .string()
  .regex(/^\d{12}(\d{3})?$/, '区划代码为12位数字（网格15位） / area codes have 12 digits (grids 15)');

/** What a case carries in matters.payload: the dispute it came from, as it was then. */
export const MediationPayload = z.object({ disputeId: Id, disputeNumber: z.string().max(40) }).strict();
export type MediationPayload = z.infer<typeof MediationPayload>;

// ---------------------------------------------------------------------------------------------------------
// Requests

const TeamMember = z
  .object({
    userId: Id.optional().describe('a user of the platform; or only a name for someone without an account'),
    name: Text(50).optional(),
  })
  .describe('a user (userId) or a named person (name)');

export const AssignBody = z.object({
  version: Version,
  mediatorId: Id.describe('a user with the mediator role, within the case’s level area'),
  gridWorker: TeamMember,
  cadre: TeamMember.describe('the village cadre (村干部)'),
  note: Text(1000).optional(),
});
export type AssignBody = z.infer<typeof AssignBody>;

export const SessionBody = z.object({
  heldAt: z.iso.datetime({ offset: true }),
  place: z.string().trim().min(1).max(200),
  attendees: z.array(z.string().trim().min(1).max(50)).min(1).max(30),
  record: z.string().trim().min(1).max(5000),
});
export type SessionBody = z.infer<typeof SessionBody>;

/**
 * The agreement (人民调解法 art. 29). Every field is bounded here but checked for presence by the service, so
 * that a missing one answers 400 AGREEMENT_INCOMPLETE listing every missing path, and nothing is saved.
 */
export const AgreementParty = z.object({
  role: Text(20).optional().describe('e.g. 申请人 / 被申请人'),
  name: Text(50).optional(),
  gender: z.enum(['男', '女']).optional(),
  age: z.number().int().min(0).max(150).optional(),
  idNumber: Text(18).optional().describe('18-character resident ID number; stored encrypted, shown masked'),
  address: Text(200).optional(),
});
export const AgreementBody = z.object({
  version: Version,
  parties: z.array(AgreementParty).max(10).optional(),
  facts: Text(5000).optional().describe('纠纷的主要事实'),
  issues: Text(5000).optional().describe('争议事项'),
  responsibility: Text(5000).optional().describe('各方当事人的责任'),
  terms: Text(5000).optional().describe('达成协议的内容'),
  performanceMethod: Text(1000).optional().describe('履行方式'),
  performanceDeadline: z.iso.date().optional().describe('履行期限'),
  signedByParties: z.boolean().optional().describe('当事人签名、盖章或按指印'),
  mediatorSigned: z.boolean().optional().describe('人民调解员签名'),
  committeeSealed: z.boolean().optional().describe('加盖人民调解委员会印章'),
  committeeName: Text(100).optional(),
});
export type AgreementBody = z.infer<typeof AgreementBody>;

export const FailBody = z.object({ version: Version, reason: z.string().trim().min(1).max(1000) });
export const EscalateBody = z.object({ version: Version, note: Text(1000).optional() });
export const NoteBody = z.object({ version: Version, note: Text(1000).optional() });
export const FollowUpBody = z.object({
  version: Version,
  performance: z.enum(['performed', 'partly', 'not_performed']).describe('履行情况'),
  note: z.string().trim().min(1).max(1000),
});
export const ConfirmationBody = z
  .object({
    version: Version,
    booking: z
      .object({
        courtId: Id.describe('a shared court in the registry (GET /api/courts)'),
        startsAt: z.iso
          .datetime({ offset: true })
          .describe('a free slot of that court (GET /api/courts/{id}/slots)'),
      })
      .optional()
      .describe('book a 司法确认 slot at a shared court in the same step (the usual way)'),
    courtName: Text(100)
      .optional()
      .describe('only for an application made on paper at a court outside the registry (no booking)'),
    courtId: Text(40).optional().describe('with courtName: that court’s own id, kept as given'),
    appliedOn: z.iso.date().optional().describe('default today (China time)'),
    note: Text(1000).optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.booking === !b.courtName)
      ctx.addIssue({
        code: 'custom',
        path: ['booking'],
        message:
          '预约共享法庭时段或填写法院名称（二选一）/ Book a shared court slot, or name the court (one of the two)',
      });
  });
export const PdfQuery = z.object({ reason: z.string().trim().min(2).max(200) });

export const CaseFilters = z.object({
  status: z
    .union([z.string().max(40), z.array(z.string().max(40)).max(10)])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : v.split(',')))
    .describe('open (default) | closed | all | states, comma-separated'),
  level: LevelEnum.optional(),
  areaCode: AreaCode.optional(),
  mine: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('only the cases I mediate'),
  q: Text(100).optional(),
});
export type CaseFilters = z.infer<typeof CaseFilters>;
export const CaseListQuery = CaseFilters.extend({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type CaseListQuery = z.infer<typeof CaseListQuery>;

export const KpiQuery = z.object({
  areaCode: AreaCode.optional().describe('default: the actor’s own area'),
  from: z.iso.date().optional().describe('outcome on or after (China time)'),
  to: z.iso.date().optional().describe('outcome before (China time)'),
});
export type KpiQuery = z.infer<typeof KpiQuery>;

// ---------------------------------------------------------------------------------------------------------
// Responses

const Member = z.object({ userId: z.string().nullable(), name: z.string() });

export const CaseSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    title: z.string(),
    status: z.string(),
    statusName: Name,
    closed: z.boolean(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    level: LevelEnum,
    levelName: Name,
    levelAreaCode: z.string(),
    dispute: z.object({ id: z.string(), number: z.string() }),
    mediator: Member.nullable(),
    gridWorker: Member.nullable(),
    cadre: Member.nullable(),
    outcome: z.enum(['settled', 'failed']).nullable(),
    outcomeAt: z.string().nullable(),
    outcomeLevel: LevelEnum.nullable(),
    dueAt: z.string().nullable(),
    deadlineState: z.string(),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'MediationCase' });

export const SessionSchema = z.object({
  id: z.string(),
  heldAt: z.string(),
  place: z.string(),
  attendees: z.array(z.string()),
  record: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});

export const AgreementSchema = z.object({
  parties: z.array(
    z.object({
      role: z.string(),
      name: z.string(),
      gender: z.string(),
      age: z.number().int(),
      idNumber: z.string().describe('masked'),
      address: z.string(),
    }),
  ),
  facts: z.string(),
  issues: z.string(),
  responsibility: z.string(),
  terms: z.string(),
  performanceMethod: z.string(),
  performanceDeadline: z.string(),
  signedByParties: z.boolean(),
  mediatorSigned: z.boolean(),
  committeeSealed: z.boolean(),
  committeeName: z.string(),
  mediatorName: z.string(),
  agreedAt: z.string(),
  confirmationDeadline: z.string().describe('the last day to apply for 司法确认'),
});

export const CaseDetailSchema = CaseSchema.extend({
  sessions: z.array(SessionSchema),
  agreement: AgreementSchema.nullable(),
  confirmation: z
    .object({
      courtId: z.string().nullable(),
      courtName: z.string(),
      appliedOn: z.string(),
      note: z.string().nullable(),
      booking: z
        .object({ id: z.string(), startsAt: z.string() })
        .nullable()
        .describe('the 司法确认 slot booked at the shared court, if it was booked through the registry'),
    })
    .nullable(),
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
  actions: z.array(z.object({ action: z.string(), name: Name })),
}).meta({ id: 'MediationCaseDetail' });

export const CaseListSchema = z.object({ items: z.array(CaseSchema), nextCursor: z.string().nullable() });

const Rate = z.number().nullable().describe('0–1, null when there is nothing to divide by');
export const KpiSchema = z.object({
  areaCode: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  settled: z.number().int(),
  failed: z.number().int(),
  finished: z.number().int().describe('settled + failed: cases whose outcome is known'),
  resolutionRate: Rate.describe('化解率 = settled ÷ finished'),
  settledByLevel: z.object({ village: z.number().int(), town: z.number().int(), county: z.number().int() }),
  villageShare: Rate.describe('settled at village level ÷ settled'),
  townShare: Rate.describe('settled at town level ÷ settled'),
  byArea: z.array(
    z.object({
      areaCode: z.string(),
      areaName: z.string(),
      settled: z.number().int(),
      failed: z.number().int(),
      resolutionRate: Rate,
      villageShare: Rate,
      townShare: Rate,
    }),
  ),
  open: z.number().int().describe('cases not yet finished in the area (any period)'),
});

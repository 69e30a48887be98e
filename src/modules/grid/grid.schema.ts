import { z } from 'zod';

/** zod: the requests and responses of 网格 (one schema = validation, types, OpenAPI). */

export const Id = z.string().regex(/^\d{1,18}$/);
const Name = z.object({ zh: z.string(), en: z.string() });
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式为 YYYY-MM-DD / dates are YYYY-MM-DD');
const GridCode = z.string().regex(/^\d{15}$/, '网格代码为15位数字 / grid codes have 15 digits');
const AreaCode = z
  .string()
  .regex(/^\d{12}(\d{3})?$/, '区划代码为12位数字（网格15位） / area codes have 12 digits (grids 15)');

/** "1+3+N": 1 网格长; 3 专职、兼职网格员和网格指导员; N 支队伍 (the list the N draws from). */
export const ROLES = [
  'leader',
  'fulltime',
  'parttime',
  'instructor',
  'police',
  'doctor',
  'lawyer',
  'volunteer',
  'other',
] as const;
export type GridRole = (typeof ROLES)[number];
export const RoleEnum = z.enum(ROLES);

export const ROLE_NAMES: Record<GridRole, { zh: string; en: string }> = {
  leader: { zh: '网格长', en: 'Grid leader' },
  fulltime: { zh: '专职网格员', en: 'Full-time grid worker' },
  parttime: { zh: '兼职网格员', en: 'Part-time grid worker' },
  instructor: { zh: '网格指导员', en: 'Grid instructor' },
  police: { zh: '民警', en: 'Police officer' },
  doctor: { zh: '医生', en: 'Doctor' },
  lawyer: { zh: '律师', en: 'Lawyer' },
  volunteer: { zh: '志愿者', en: 'Volunteer' },
  other: { zh: '其他力量', en: 'Other' },
};
/** Which part of "1+3+N" a role is. */
export const ROLE_GROUP: Record<GridRole, '1' | '3' | 'N'> = {
  leader: '1',
  fulltime: '3',
  parttime: '3',
  instructor: '3',
  police: 'N',
  doctor: 'N',
  lawyer: 'N',
  volunteer: 'N',
  other: 'N',
};

const MemberName = z
  .string({ error: '请填写姓名 / Enter the name' })
  .trim()
  .min(1, { error: '请填写姓名 / Enter the name' })
  .max(50, { error: '姓名不超过 50 字 / At most 50 characters' });
const Phone = z.string().trim().max(20).describe('mainland mobile number; stored encrypted, shown masked');
const Unit = z.string().trim().max(100).describe('工作单位 / the member’s unit');

export const MemberBody = z.object({
  areaCode: GridCode.describe('the grid (level 5)'),
  role: RoleEnum,
  name: MemberName,
  phone: Phone.nullable().optional(),
  userId: Id.nullable().optional().describe('the member’s user account, if they sign in'),
  unit: Unit.nullable().optional(),
  since: Day.optional().describe('check-ins are required from this day (default today)'),
});
export type MemberInput = z.infer<typeof MemberBody>;

export const MemberPatch = MemberBody.omit({ areaCode: true })
  .partial()
  .extend({ version: z.number().int().min(1).describe('the version read (optimistic lock)') });
export type MemberPatch = z.infer<typeof MemberPatch>;

export const MemberSchema = z
  .object({
    id: z.string(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    role: RoleEnum,
    roleName: Name,
    group: z.enum(['1', '3', 'N']),
    name: z.string(),
    phone: z.string().nullable().describe('masked (138****5678); POST …/reveal for the number'),
    userId: z.string().nullable(),
    userName: z.string().nullable(),
    unit: z.string().nullable(),
    since: z.string(),
    period: z.enum(['none', 'day', 'week']).describe('the check-in rule of the role'),
    lastCheckinAt: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'GridMember' });
export type GridMember = z.infer<typeof MemberSchema>;

export const RosterQuery = z.object({ areaCode: GridCode });
export const RosterResponse = z.object({
  grid: z.object({ code: z.string(), name: z.string(), parentName: z.string().nullable() }),
  items: z.array(MemberSchema),
  counts: z.object({ one: z.number().int(), three: z.number().int(), n: z.number().int() }),
  mayEdit: z.boolean(),
  mayReveal: z.boolean(),
});

export const RevealBody = z.object({
  reason: z
    .string({ error: '请填写查看事由 / Give a reason' })
    .trim()
    .min(2, { error: '请填写查看事由 / Give a reason' })
    .max(200),
});

// ---------------------------------------------------------------------------------------------------------
// Rules

export const PeriodEnum = z.enum(['none', 'day', 'week']);
export const RulesSchema = z
  .object({
    rules: z.array(z.object({ role: RoleEnum, roleName: Name, period: PeriodEnum })),
    toleranceM: z.number().int().describe('metres outside the polygon still accepted'),
    maxAccuracyM: z.number().int().describe('a fix less precise than this is refused'),
  })
  .meta({ id: 'GridRules' });
export const RulesBody = z.object({
  rules: z
    .array(z.object({ role: RoleEnum, period: PeriodEnum }))
    .max(ROLES.length)
    .optional(),
  toleranceM: z.number().int().min(0).max(2000).optional(),
  maxAccuracyM: z.number().int().min(10).max(5000).optional(),
});

// ---------------------------------------------------------------------------------------------------------
// Check-ins and visits

/**
 * The browser's fix. Deliberately loose here (every field optional, any number): the service decides and
 * answers with its own codes — LOCATION_REQUIRED when absent, LOCATION_INVALID when forged or out of range.
 */
export const LocationInput = z.object({
  lng: z.number().optional(),
  lat: z.number().optional(),
  accuracy: z.number().optional().describe('metres (the Geolocation API’s coords.accuracy)'),
  capturedAt: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('when the browser took the fix (position.timestamp)'),
});
export const CheckinBody = z.object({
  areaCode: GridCode.optional().describe('the grid; may be left out when the user is in one grid only'),
  location: LocationInput.optional(),
});
export type CheckinInput = z.infer<typeof CheckinBody>;

export const CheckinSchema = z
  .object({
    id: z.string(),
    memberId: z.string(),
    memberName: z.string(),
    role: RoleEnum,
    roleName: Name,
    areaCode: z.string(),
    areaName: z.string().nullable(),
    period: z.enum(['day', 'week']),
    periodStart: z.string(),
    at: z.string(),
    point: z.object({ lng: z.number(), lat: z.number() }),
    accuracyM: z.number(),
    distanceM: z.number().int().describe('0 inside the grid; else metres outside (within the tolerance)'),
  })
  .meta({ id: 'GridCheckin' });

export const MyGridsResponse = z.object({
  items: z.array(
    z.object({
      member: MemberSchema,
      geometry: z.any().nullable().describe('GeoJSON Polygon or MultiPolygon of the grid'),
      current: CheckinSchema.nullable().describe('this period’s check-in, if done'),
    }),
  ),
  toleranceM: z.number().int(),
});

export const VisitBody = z.object({
  houseIds: z.array(Id).max(100).default([]),
  findings: z.string().trim().max(2000).optional(),
});
export const VisitSchema = z
  .object({
    id: z.string(),
    checkinId: z.string(),
    areaCode: z.string(),
    houseIds: z.array(z.string()),
    findings: z.string().nullable(),
    matterId: z.string().nullable(),
    matterNumber: z.string().nullable(),
    photos: z.array(z.object({ id: z.string(), filename: z.string(), mime: z.string(), size: z.number() })),
    createdAt: z.string(),
  })
  .meta({ id: 'GridVisit' });

export const FindingToMatterBody = z.object({
  title: z.string().trim().min(1).max(100).optional().describe('default: the finding’s first line'),
  category: z.string().max(40).optional().describe('an 事件 category (default other)'),
  urgency: z.enum(['extra_urgent', 'urgent', 'normal']).default('normal'),
});

// ---------------------------------------------------------------------------------------------------------
// The "两个100%" report

export const ReportQuery = z.object({
  areaCode: AreaCode.optional().describe('default: the user’s own area'),
  from: Day.optional().describe('default: the first day of this month (China time)'),
  to: Day.optional().describe('default: today; days after today are not counted'),
});
const Share = z.number().nullable().describe('done / required, 0–1; null when nothing is required');
export const ReportRow = z.object({
  code: z.string(),
  name: z.string(),
  level: z.number().int(),
  members: z.number().int().describe('members with a rule'),
  required: z.number().int(),
  done: z.number().int(),
  share: Share,
  leaderShare: Share.describe('网格长 (daily rule by default)'),
  instructorShare: Share.describe('网格指导员 (weekly rule by default)'),
});
export const ReportResponse = z
  .object({
    area: z.object({ code: z.string(), name: z.string(), level: z.number().int() }),
    from: z.string(),
    to: z.string(),
    totals: ReportRow,
    rows: z.array(ReportRow).describe('the children of the area (members for a grid: see missing)'),
    missing: z.array(
      z.object({
        memberId: z.string(),
        name: z.string(),
        role: RoleEnum,
        roleName: Name,
        areaCode: z.string(),
        areaName: z.string().nullable(),
        required: z.number().int(),
        done: z.number().int(),
        missing: z.number().int(),
        lastCheckinAt: z.string().nullable(),
        hasAccount: z.boolean(),
      }),
    ),
    missingTotal: z.number().int().describe('members short of their rule (the list holds up to 500)'),
    trend: z.array(
      z.object({
        day: z.string(),
        required: z.number().int().describe('daily-rule check-ins owed that day'),
        done: z.number().int().describe('daily-rule check-ins done that day'),
        checkins: z.number().int().describe('all check-ins that day'),
      }),
    ),
  })
  .meta({ id: 'GridReport' });
export type GridReport = z.infer<typeof ReportResponse>;

export const RemindBody = z.object({
  areaCode: AreaCode.optional(),
  from: Day.optional(),
  to: Day.optional(),
  memberIds: z.array(Id).max(2000).optional().describe('default: everyone missing in the report'),
  message: z.string().trim().max(300).optional(),
});
export const RemindResponse = z.object({
  reminded: z.number().int(),
  notified: z.number().int().describe('of them with a user account, who also got a notification'),
});
export const ReminderSchema = z.object({
  id: z.string(),
  memberId: z.string(),
  memberName: z.string(),
  areaCode: z.string(),
  periodFrom: z.string(),
  periodTo: z.string(),
  missing: z.number().int(),
  message: z.string(),
  sentAt: z.string(),
});

/** The map's 网格员签到位置 layer. */
export const LayerQuery = z.object({
  bbox: z
    .string()
    .max(120)
    .optional()
    .describe('minLng,minLat,maxLng,maxLat (in crs); absent = your whole area'),
  crs: z.enum(['wgs84', 'gcj02']).default('wgs84').describe('datum of bbox and of the points answered'),
  limit: z.coerce.number().int().min(1).max(10_000).default(5000),
});
export const LayerResponse = z
  .object({
    points: z.array(
      z.object({
        id: z.string().describe('the member'),
        lng: z.number(),
        lat: z.number(),
        name: z.string(),
        kind: RoleEnum,
        areaCode: z.string(),
        at: z.string(),
      }),
    ),
    total: z.number().int(),
    truncated: z.boolean(),
  })
  .meta({ id: 'GridLayer' });

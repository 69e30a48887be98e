import { z } from 'zod';
import { MatterDescription, MatterTitle, UrgencyEnum } from '../../shared/matter-input.ts';

/** zod: the requests and responses of 平安乐巡 (one schema = validation, types, OpenAPI). */

const Id = z.string().regex(/^\d{1,18}$/);
const Name = z.object({ zh: z.string(), en: z.string() });
const AreaCode = z
  .string()
  .regex(/^\d{12}(\d{3})?$/, '区划代码为12位数字（网格15位） / area codes have 12 digits (grids 15)');
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export const TEAM_KINDS = ['red_armband', 'volunteer', 'veteran', 'party_member', 'women', 'other'] as const;
export const TeamKind = z.enum(TEAM_KINDS).describe('红袖标 / 平安志愿者 / 退役军人 / 党员 / 巾帼 / 其他');
export const TEAM_KIND_NAMES: Record<(typeof TEAM_KINDS)[number], { zh: string; en: string }> = {
  red_armband: { zh: '红袖标', en: 'Red armbands' },
  volunteer: { zh: '平安志愿者', en: 'Safety volunteers' },
  veteran: { zh: '退役军人', en: 'Veterans' },
  party_member: { zh: '党员先锋', en: 'Party members' },
  women: { zh: '巾帼护卫', en: 'Women’s patrol' },
  other: { zh: '其他', en: 'Other' },
};

const PersonName = z
  .string()
  .trim()
  .min(1, { error: '请填写姓名 / Enter a name' })
  .max(50, { error: '姓名不超过 50 字 / At most 50 characters' });
const Phone = z.string().trim().min(1).max(30).describe('a mainland mobile number (stored encrypted)');

// ---------------------------------------------------------------------------------------------------------
// Teams and members

export const TeamBody = z.object({
  name: z.string().trim().min(1).max(60),
  areaCode: AreaCode.describe('a town, village or grid (levels 3–5)'),
  kind: TeamKind,
  leader: z.object({ name: PersonName, phone: Phone, userId: Id.optional() }).optional(),
});
export type TeamInput = z.infer<typeof TeamBody>;

export const MemberBody = z.object({
  name: PersonName,
  phone: Phone,
  userId: Id.optional().describe('the member’s login, if they patrol with their own account'),
  role: z.enum(['leader', 'member']).default('member'),
});
export type MemberInput = z.infer<typeof MemberBody>;

export const MemberSchema = z
  .object({
    id: z.string(),
    teamId: z.string(),
    name: z.string(),
    role: z.enum(['leader', 'member']),
    phone: z.string().describe('masked (138****5678)'),
    userId: z.string().nullable(),
    joinedAt: z.string(),
  })
  .meta({ id: 'PatrolMember' });

export const TeamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    kind: TeamKind,
    kindName: Name,
    leader: z.object({ id: z.string(), name: z.string(), phone: z.string() }).nullable(),
    members: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'PatrolTeam' });

export const TeamFilters = z.object({
  areaCode: AreaCode.optional().describe('teams in this area and below'),
  kind: TeamKind.optional(),
  q: z.string().trim().min(1).max(60).optional().describe('text in the team’s name'),
});
export type TeamFilters = z.infer<typeof TeamFilters>;

export const TeamListQuery = TeamFilters.extend({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export type TeamListQuery = z.infer<typeof TeamListQuery>;

export const TeamList = z.object({ items: z.array(TeamSchema), total: z.number().int() });

// ---------------------------------------------------------------------------------------------------------
// Tasks

/** Loose on purpose (any numbers, bounded sizes): the service answers GEOMETRY_INVALID with what is wrong. */
export const RouteInput = z.object({
  type: z.literal('LineString'),
  coordinates: z.array(z.array(z.number()).max(3)).max(1000).describe('[lng, lat] WGS-84, 2–200 points'),
});

export const CheckpointInput = z.object({
  name: z.string().trim().min(1).max(60),
  lng: z.number(),
  lat: z.number(),
  radiusM: z.number().describe('10–1000 m: a check-in farther than this is refused (CHECKPOINT_TOO_FAR)'),
});

export const TaskBody = z.object({
  teamId: Id,
  name: z.string().trim().min(1).max(80),
  route: RouteInput,
  checkpoints: z.array(CheckpointInput).max(200),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
});
export type TaskInput = z.infer<typeof TaskBody>;

export const CheckpointSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  name: z.string(),
  lng: z.number(),
  lat: z.number(),
  radiusM: z.number().int(),
});

export const TaskSchema = z
  .object({
    id: z.string(),
    teamId: z.string(),
    teamName: z.string(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    name: z.string(),
    route: z.object({ type: z.literal('LineString'), coordinates: z.array(z.array(z.number())) }),
    lengthM: z.number().int(),
    checkpoints: z.array(CheckpointSchema),
    startsAt: z.string(),
    endsAt: z.string(),
    open: z.boolean().describe('now within the time window'),
    sessions: z.number().int().describe('sessions walked (ended)'),
    createdAt: z.string(),
  })
  .meta({ id: 'PatrolTask' });

export const TaskListQuery = z.object({
  teamId: Id.optional(),
  areaCode: AreaCode.optional(),
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('only tasks whose time window holds now'),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export type TaskListQuery = z.infer<typeof TaskListQuery>;

// ---------------------------------------------------------------------------------------------------------
// Sessions

/**
 * The browser's fix. Loose here (numbers, strings or null): the service answers LOCATION_REQUIRED when it is
 * absent and LOCATION_INVALID when it is forged, not a number or out of range.
 */
const Coord = z.union([z.number(), z.string().max(40), z.null()]).optional();
export const LocationInput = z.object({
  lng: Coord,
  lat: Coord,
  accuracy: Coord.describe('metres (the Geolocation API’s coords.accuracy)'),
  capturedAt: z.iso.datetime({ offset: true }).optional().describe('position.timestamp'),
});
export type LocationInput = z.infer<typeof LocationInput>;

export const StartBody = z.object({
  taskId: Id,
  memberId: Id.optional().describe('default: the caller’s own membership in the task’s team'),
  companionIds: z.array(Id).max(20).default([]).describe('other members of the team walking along'),
});
export type StartInput = z.infer<typeof StartBody>;

export const CheckinBody = z.object({ checkpointId: Id, location: LocationInput.optional() });

export const FindingBody = z.object({
  title: MatterTitle,
  description: MatterDescription.optional(),
  category: z
    .string()
    .regex(/^[a-z_]{2,40}$/)
    .default('public_order'),
  urgency: UrgencyEnum.default('normal'),
  location: LocationInput.optional(),
});
export type FindingInput = z.infer<typeof FindingBody>;

export const EndBody = z.object({ note: z.string().trim().max(2000).optional() });

export const SessionSchema = z
  .object({
    id: z.string(),
    taskId: z.string(),
    taskName: z.string(),
    teamId: z.string(),
    teamName: z.string(),
    areaCode: z.string(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    members: z.array(z.object({ id: z.string(), name: z.string() })),
    checkpoints: z.array(
      CheckpointSchema.extend({
        checkedAt: z.string().nullable(),
        distanceM: z.number().int().nullable(),
      }),
    ),
    nextCheckpointId: z.string().nullable().describe('the first check point not yet reached'),
    findings: z.array(
      z.object({ id: z.string(), matterId: z.string(), number: z.string(), title: z.string() }),
    ),
    route: z.object({ type: z.literal('LineString'), coordinates: z.array(z.array(z.number())) }),
  })
  .meta({ id: 'PatrolSession' });

export const MineResponse = z.object({
  memberships: z.array(
    z.object({ memberId: z.string(), teamId: z.string(), teamName: z.string(), role: z.string() }),
  ),
  active: SessionSchema.nullable(),
  tasks: z.array(TaskSchema).describe('open tasks of the caller’s teams'),
});

export const FindingResponse = z.object({
  session: SessionSchema,
  matterId: z.string(),
  matterNumber: z.string(),
});

// ---------------------------------------------------------------------------------------------------------
// Points and the leaderboard

export const RULE_CODES = ['session', 'checkpoint', 'finding_confirmed'] as const;
export const RuleSchema = z.object({
  code: z.enum(RULE_CODES),
  name: Name,
  points: z.number().int(),
});
export const RulesBody = z.object({
  rules: z
    .array(z.object({ code: z.enum(RULE_CODES), points: z.number().int().min(0).max(1000) }))
    .min(1)
    .max(3),
});

export const LeaderboardQuery = z.object({
  by: z.enum(['team', 'member']).default('team').describe('teams ranked, or the members of one team'),
  teamId: Id.optional().describe('with by=member: the team'),
  areaCode: AreaCode.optional(),
  from: Day.optional().describe('first day (China time); default: the first of this month'),
  to: Day.optional().describe('last day, inclusive; default: today'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type LeaderboardQuery = z.infer<typeof LeaderboardQuery>;

export const LeaderboardRow = z.object({
  rank: z.number().int(),
  id: z.string().describe('team id, or member id'),
  name: z.string(),
  teamName: z.string().nullable(),
  areaCode: z.string(),
  areaName: z.string().nullable(),
  sessions: z.number().int().describe('人次: one per member of each ended session'),
  checkins: z.number().int(),
  findings: z.number().int(),
  confirmedFindings: z
    .number()
    .int()
    .describe('findings whose matter was accepted (not 待受理, not 不予受理)'),
  points: z.number().int(),
});

export const LeaderboardResponse = z.object({
  from: z.string(),
  to: z.string(),
  rules: z.array(RuleSchema),
  totals: z.object({ personTimes: z.number().int(), sessions: z.number().int(), points: z.number().int() }),
  items: z.array(LeaderboardRow),
});

import { z } from 'zod';
import {
  DEFAULT_CAMERAS,
  DEFAULT_RADIUS_M,
  Instructions,
  MAX_CAMERAS,
  MAX_RADIUS_M,
  MIN_RADIUS_M,
  RevealReason,
} from '../../shared/command-input.ts';
import { NoteText, UrgencyEnum } from '../../shared/matter-input.ts';

/** zod: the task's payload, the requests and the responses of 一键直达 (one schema = validation, types, OpenAPI). */

const Id = z.string().regex(/^\d{1,18}$/);
const Name = z.object({ zh: z.string(), en: z.string() });
const Point = z
  .object({ lng: z.number().min(73).max(136), lat: z.number().min(3).max(54) })
  .describe('WGS-84 point inside China');
const AreaCode = z
  .string()
  .regex(/^\d{12}(\d{3})?$/, '区划代码为12位数字（网格15位） / area codes have 12 digits (grids 15)');

/**
 * What a task carries in matters.payload: the matter it was dispatched from, as it was then (a snapshot: the
 * assignee may not be allowed to open the source itself). The instructions are the task's description; the
 * link, the deadline, the pin and the arrival are in command_tasks.
 */
export const TaskPayload = z
  .object({
    sourceMatterId: Id,
    sourceNumber: z.string().max(40),
    sourceType: z.string().max(40),
  })
  .strict();
export type TaskPayload = z.infer<typeof TaskPayload>;

// ---------------------------------------------------------------------------------------------------------
// Cameras

export const CamerasQuery = z.object({
  radius: z.coerce
    .number()
    .finite()
    .default(DEFAULT_RADIUS_M)
    .describe(
      `metres around the matter, ${MIN_RADIUS_M}–${MAX_RADIUS_M} (outside → 400 RADIUS_OUT_OF_RANGE)`,
    ),
  limit: z.coerce.number().int().min(1).max(MAX_CAMERAS).default(DEFAULT_CAMERAS),
});

export const CameraSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    identifier: z.string().nullable(),
    areaCode: z.string(),
    point: Point,
    distanceM: z.number().describe('great-circle distance from the matter, metres (1 decimal)'),
    bearingDeg: z.number().describe('from the camera to the matter, degrees clockwise from north'),
    heading: z.number().nullable().describe('where the camera looks, degrees clockwise from north'),
    fov: z.number().nullable().describe('horizontal field of view, degrees'),
    offAxisDeg: z
      .number()
      .nullable()
      .describe('signed angle from the heading to the matter (negative: to the left)'),
    inView: z.boolean().nullable().describe('the matter lies within heading ± fov/2; null when unknown'),
    hasStream: z.boolean(),
    streamUrl: z.string().nullable().describe('HLS playlist; only for those who act on matters (matter:act)'),
  })
  .meta({ id: 'CommandCamera' });

export const CamerasResponse = z.object({
  matter: z.object({ id: z.string(), number: z.string(), point: Point }),
  radiusM: z.number(),
  total: z.number().int().describe('cameras within the radius (the list holds the nearest `limit`)'),
  streamsVisible: z.boolean(),
  items: z.array(CameraSchema),
});

// ---------------------------------------------------------------------------------------------------------
// Tasks

export const TaskAssigneeInput = z
  .object({
    department: z
      .string()
      .regex(/^[a-z0-9_]{2,40}$/)
      .optional()
      .describe('a unit: department code with areaCode'),
    areaCode: AreaCode.optional(),
    userId: Id.optional().describe('a person (alone, or within the unit)'),
  })
  .refine((a) => (a.department && a.areaCode) || (!a.department && !a.areaCode && a.userId), {
    error: '请选择承办单位（部门 + 区域）或承办人 / Choose a unit (department and area) or a person',
  });

export const DispatchBody = z.object({
  assignee: TaskAssigneeInput,
  instructions: Instructions,
  deadline: z.iso
    .datetime({ offset: true })
    .describe('when the task must be done: 1 minute to 30 days from now'),
  urgency: UrgencyEnum.default('urgent'),
  pinned: z.boolean().default(false).describe('show the instruction pinned on the map for the unit'),
  cameraIds: z.array(Id).max(10).optional().describe('the cameras the dispatcher looked at'),
});
export type DispatchInput = z.infer<typeof DispatchBody>;

export const TaskSchema = z
  .object({
    id: z.string(),
    number: z.string().describe('ZL-…'),
    title: z.string(),
    status: z.string(),
    statusName: Name,
    closed: z.boolean(),
    urgency: UrgencyEnum,
    areaCode: z.string(),
    areaName: z.string().nullable(),
    point: Point.nullable(),
    instructions: z.string(),
    deadline: z.string(),
    overdue: z.boolean().describe('past its deadline and not yet reported back (反馈)'),
    pinned: z.boolean(),
    source: z.object({ id: z.string(), number: z.string(), type: z.string() }),
    assignee: z
      .object({
        department: z.string().nullable(),
        departmentName: Name.nullable(),
        areaCode: z.string().nullable(),
        areaName: z.string().nullable(),
        userId: z.string().nullable(),
        userName: z.string().nullable(),
      })
      .nullable(),
    issuedBy: z.string().nullable(),
    dispatcherAreaCode: z.string().nullable(),
    dueAt: z.string().nullable().describe('the current step’s deadline'),
    deadlineState: z.enum(['normal', 'warning', 'overdue']),
    arrival: z
      .object({
        at: z.string(),
        point: Point.nullable(),
        accuracyM: z.number().nullable(),
        distanceM: z.number().nullable().describe('from the matter’s point, metres'),
      })
      .nullable()
      .describe('到场: when, and where the handler’s browser said they were'),
    cameraIds: z.array(z.string()).describe('the cameras the dispatcher watched'),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'CommandTask' });

const csv = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((s) => (s ? s.split(',').filter(Boolean) : undefined));

export const TaskFilters = z.object({
  status: csv(200)
    .pipe(
      z
        .array(z.string().regex(/^[a-z_]{2,40}$/))
        .max(10)
        .optional(),
    )
    .describe('open (default) | closed | all | state codes, comma-separated'),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('past the task deadline and not yet reported back'),
  pinned: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  areaCode: AreaCode.optional().describe('tasks in this area and below'),
  department: z
    .string()
    .regex(/^[a-z0-9_]{2,40}$/)
    .optional(),
  assignee: z.enum(['me', 'my_unit']).optional(),
  source: Id.optional().describe('tasks of one matter'),
  closedSince: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('with status=open: also the tasks closed at or after this time (the map shows them greyed)'),
  q: z.string().trim().min(1).max(100).optional().describe('text in the title or the instructions'),
  sort: z.enum(['deadline_asc', 'created_desc']).default('deadline_asc'),
});
export type TaskFilters = z.infer<typeof TaskFilters>;

export const TaskListQuery = TaskFilters.extend({
  crs: z
    .enum(['wgs84', 'gcj02'])
    .default('wgs84')
    .describe('datum of the points answered: gcj02 under a GCJ-02 base map (converted by the map module)'),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TaskListQuery = z.infer<typeof TaskListQuery>;

export const TaskSummary = z.object({
  open: z.number().int(),
  overdue: z.number().int(),
  pinned: z.number().int(),
  byStatus: z.record(z.string(), z.number().int()),
});

export const ArriveBody = z.object({
  version: z.number().int().min(1).describe('the version you read (optimistic concurrency)'),
  note: NoteText.optional(),
  location: z
    .object({
      lng: Point.shape.lng,
      lat: Point.shape.lat,
      accuracyM: z.number().min(0).max(100_000).optional(),
    })
    .optional()
    .describe('the browser’s location, if the handler shared it'),
});

export const PinBody = z.object({ pinned: z.boolean() });

// ---------------------------------------------------------------------------------------------------------
// The grid team

export const TeamMemberSchema = z
  .object({
    userId: z.string(),
    displayName: z.string(),
    roles: z.array(z.string()),
    roleNames: z.array(Name),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    areaLevel: z.number().int(),
    departmentCode: z.string().nullable(),
    phone: z.string().nullable().describe('masked (138****5678); the plain number through …/team/reveal'),
  })
  .meta({ id: 'CommandTeamMember' });

export const TeamResponse = z.object({
  areas: z.array(z.object({ code: z.string(), name: z.string(), level: z.number().int() })),
  items: z.array(TeamMemberSchema),
  roster: z
    .object({
      available: z.boolean().describe('false when the matter is not placed in a grid'),
      note: Name.nullable().describe('why there is no roster'),
      grid: z.object({ code: z.string(), name: z.string() }).nullable(),
      members: z.array(
        z.object({
          id: z.string(),
          role: z.string(),
          roleName: Name,
          group: z.enum(['1', '3', 'N']),
          name: z.string(),
          unit: z.string().nullable(),
          userId: z.string().nullable(),
          phone: z.string().nullable().describe('masked; the plain number through …/team/reveal'),
          lastCheckinAt: z.string().nullable(),
        }),
      ),
    })
    .describe('the 1+3+N roster of the matter’s grid (src/modules/grid)'),
});

export const RevealBody = z.object({
  reason: RevealReason,
  userIds: z.array(Id).min(1).max(50).optional().describe('default: the whole team'),
  memberIds: z.array(Id).min(1).max(50).optional().describe('roster members; default: the whole roster'),
});

export const RevealResponse = z.object({
  items: z.array(z.object({ userId: z.string(), phone: z.string().nullable() })),
  roster: z.array(z.object({ memberId: z.string(), phone: z.string() })).describe('the grid roster’s phones'),
});

export const DutyPhoneBody = z.object({
  phone: z.string().max(30).nullable().describe('a mainland mobile number; null removes it'),
});

import { z } from 'zod';
import { PageQuery, pageOf } from '../../server/schemas.ts';

/** zod: the requests and answers of 共享法庭 and 心理服务站 (one schema = validation, types, OpenAPI). */

const Id = z.string().regex(/^\d{1,18}$/, 'id must be a positive integer');
const AreaCode = z
  .string()
  .regex(/^\d{12}(\d{3})?$/, '区划代码为12位数字（网格15位） / area codes have 12 digits (grids 15)');
const Point = z
  .object({ lng: z.number().min(73).max(136), lat: z.number().min(3).max(54) })
  .describe('WGS-84 point inside China');
const Hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const Text = (max: number) => z.string().trim().min(1).max(max);
const Mobile = z.string().trim().max(20).describe('mainland mobile number; stored encrypted, shown masked');
const Name = z.object({ zh: z.string(), en: z.string() });

export const COURT_KINDS = ['town', 'village', 'industry'] as const;
export const COURT_KIND_NAMES: Record<(typeof COURT_KINDS)[number], { zh: string; en: string }> = {
  town: { zh: '镇街', en: 'Town' },
  village: { zh: '村社', en: 'Village' },
  industry: { zh: '行业', en: 'Industry' },
};
export const BOOKING_KINDS = ['online_hearing', 'judicial_confirmation'] as const;
export const BOOKING_KIND_NAMES: Record<(typeof BOOKING_KINDS)[number], { zh: string; en: string }> = {
  online_hearing: { zh: '在线庭审', en: 'Online hearing' },
  judicial_confirmation: { zh: '司法确认', en: 'Judicial confirmation' },
};
export const USE_KINDS = [...BOOKING_KINDS, 'mediation', 'legal_advice', 'education'] as const;
export const USE_OUTCOMES = ['settled', 'confirmed', 'not_settled', 'adjourned', 'advised'] as const;

// ---------------------------------------------------------------------------------------------------------
// Courts

const CourtFields = {
  name: Text(100),
  kind: z.enum(COURT_KINDS).describe('town 镇街 · village 村社 · industry 行业'),
  areaCode: AreaCode.optional().describe('the village or town; found from the point when absent'),
  point: Point.nullable().optional(),
  address: z.string().trim().max(200).nullable().optional(),
  liaison: z
    .object({ name: Text(50), phone: Mobile.nullable().optional() })
    .describe('庭务主任: the court liaison'),
  judge: z
    .object({ name: z.string().trim().max(50).nullable(), court: z.string().trim().max(100).nullable() })
    .describe('the paired judge and their court'),
  services: z.array(Text(40)).max(10).default([]),
  openDays: z
    .array(z.number().int().min(1).max(7))
    .min(1)
    .max(7)
    .default([1, 2, 3, 4, 5])
    .describe('ISO weekdays, 1 = Monday'),
  openFrom: Hhmm.default('09:00').describe('China time'),
  openTo: Hhmm.default('17:00'),
  slotMinutes: z.number().int().min(15).max(240).default(30),
};
export const CourtInput = z.object(CourtFields);
export type CourtInput = z.infer<typeof CourtInput>;
export const CourtUpdate = CourtInput.extend({ version: z.number().int().min(1) });
export type CourtUpdate = z.infer<typeof CourtUpdate>;

export const CourtSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(COURT_KINDS),
    kindName: Name,
    areaCode: z.string(),
    areaName: z.string().nullable(),
    address: z.string().nullable(),
    point: Point.nullable(),
    liaison: z.object({ name: z.string(), phone: z.string().nullable().describe('masked 138****5678') }),
    judge: z.object({ name: z.string().nullable(), court: z.string().nullable() }),
    services: z.array(z.string()),
    openDays: z.array(z.number()),
    openFrom: z.string(),
    openTo: z.string(),
    slotMinutes: z.number(),
    bookingsUpcoming: z.number().int(),
    usesTotal: z.number().int(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Court' });
export type Court = z.infer<typeof CourtSchema>;

export const CourtFilters = z.object({
  q: z.string().trim().max(50).optional().describe('name, address or liaison name contains'),
  kind: z.enum(COURT_KINDS).optional(),
  areaCode: AreaCode.optional().describe('under this area (within your scope)'),
});
export type CourtFilters = z.infer<typeof CourtFilters>;
export const CourtListQuery = PageQuery.extend(CourtFilters.shape);
export type CourtListQuery = z.infer<typeof CourtListQuery>;
export const CourtPage = pageOf(CourtSchema);

export const RevealBody = z.object({ reason: z.string().trim().min(2).max(200) });

// ---------------------------------------------------------------------------------------------------------
// The map layer: the same point shape as /api/map/features

export const LayerQuery = z.object({
  bbox: z
    .string()
    .max(120)
    .optional()
    .describe('minLng,minLat,maxLng,maxLat (in crs); absent = your whole area'),
  crs: z.enum(['wgs84', 'gcj02']).default('wgs84').describe('datum of bbox and of the points answered'),
  limit: z.coerce.number().int().min(1).max(10_000).default(5000),
});
export const LayerPoint = z
  .object({
    id: z.string(),
    lng: z.number(),
    lat: z.number(),
    name: z.string(),
    kind: z.string().describe('courts: town | village | industry; stations: station'),
    areaCode: z.string(),
  })
  .meta({ id: 'CourtLayerPoint' });
export const LayerResponse = z.object({
  layer: z.enum(['courts', 'stations']),
  points: z.array(LayerPoint),
  total: z.number().int(),
  truncated: z.boolean(),
});

// ---------------------------------------------------------------------------------------------------------
// Bookings and uses

export const BookingInput = z.object({
  startsAt: z.iso.datetime({ offset: true }).describe('the slot’s start (one of GET …/slots)'),
  kind: z.enum(BOOKING_KINDS).describe('online_hearing 在线庭审 · judicial_confirmation 司法确认'),
  title: Text(200),
  partiesCount: z.number().int().min(1).max(99).default(2),
  matterId: Id.optional().describe('a dispute (or any matter you can see) this booking is for'),
});
export type BookingInput = z.infer<typeof BookingInput>;

export const BookingSchema = z
  .object({
    id: z.string(),
    courtId: z.string(),
    courtName: z.string(),
    areaCode: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    kind: z.enum(BOOKING_KINDS),
    kindName: Name,
    title: z.string(),
    partiesCount: z.number().int(),
    matter: z.object({ id: z.string(), number: z.string() }).nullable(),
    status: z.enum(['booked', 'cancelled', 'used']),
    bookedBy: z.string(),
    cancelledAt: z.string().nullable(),
    cancelReason: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'CourtBooking' });
export type Booking = z.infer<typeof BookingSchema>;

export const BookingsQuery = z.object({
  from: Day.optional().describe('first day (China time); default today'),
  to: Day.optional().describe('last day; default from + 30 days; at most 93 days'),
  includeCancelled: z.enum(['true', 'false']).default('false'),
});

export const SlotsQuery = z.object({ date: Day.describe('a day in China time') });
export const SlotsResponse = z.object({
  date: z.string(),
  open: z.boolean().describe('the court opens that weekday'),
  slotMinutes: z.number(),
  slots: z.array(
    z.object({
      startsAt: z.string(),
      endsAt: z.string(),
      past: z.boolean(),
      booking: BookingSchema.nullable(),
    }),
  ),
});

export const CancelBody = z.object({ reason: z.string().trim().min(2).max(500) });

export const UseInput = z.object({
  usedOn: Day,
  kind: z.enum(USE_KINDS),
  partiesCount: z.number().int().min(0).max(999),
  outcome: z.enum(USE_OUTCOMES),
  note: z.string().trim().max(500).optional(),
  bookingId: Id.optional().describe('the booking this use fulfils (marks it used)'),
});
export type UseInput = z.infer<typeof UseInput>;
export const UseSchema = z
  .object({
    id: z.string(),
    courtId: z.string(),
    usedOn: z.string(),
    kind: z.enum(USE_KINDS),
    partiesCount: z.number().int(),
    outcome: z.enum(USE_OUTCOMES),
    note: z.string().nullable(),
    bookingId: z.string().nullable(),
    recordedBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'CourtUse' });
export const UsePage = pageOf(UseSchema);

// ---------------------------------------------------------------------------------------------------------
// Stations

const StationFields = {
  name: Text(100),
  areaCode: AreaCode.optional().describe('the village; found from the point when absent'),
  point: Point.nullable().optional(),
  address: z.string().trim().max(200).nullable().optional(),
  staff: z
    .array(z.object({ name: Text(50), title: z.string().trim().max(50).default('') }))
    .max(20)
    .default([]),
  contact: z.object({ name: z.string().trim().max(50).nullable(), phone: Mobile.nullable().optional() }),
  hours: z.string().trim().max(100).nullable().optional().describe('e.g. 周一至周五 9:00–17:00'),
};
export const StationInput = z.object(StationFields);
export type StationInput = z.infer<typeof StationInput>;
export const StationUpdate = StationInput.extend({ version: z.number().int().min(1) });
export type StationUpdate = z.infer<typeof StationUpdate>;

export const StationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    address: z.string().nullable(),
    point: Point.nullable(),
    staff: z.array(z.object({ name: z.string(), title: z.string() })),
    contact: z.object({ name: z.string().nullable(), phone: z.string().nullable().describe('masked') }),
    hours: z.string().nullable(),
    referralsOpen: z.number().int(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'PsychStation' });
export type Station = z.infer<typeof StationSchema>;
export const StationFilters = z.object({
  q: z.string().trim().max(50).optional(),
  areaCode: AreaCode.optional(),
});
export type StationFilters = z.infer<typeof StationFilters>;
export const StationListQuery = PageQuery.extend(StationFilters.shape);
export type StationListQuery = z.infer<typeof StationListQuery>;
export const StationPage = pageOf(StationSchema);

// ---------------------------------------------------------------------------------------------------------
// Referrals, visits, follow-ups

export const ReferralInput = z.object({
  stationId: Id,
  sourceMatterId: Id.describe('a dispute, or a 极端情绪 alert, that you can see'),
  reason: z.string().trim().min(2).max(500),
  urgency: z.enum(['urgent', 'normal']).default('normal'),
});
export type ReferralInput = z.infer<typeof ReferralInput>;
export const ReferralSchema = z
  .object({
    id: z.string(),
    station: z.object({ id: z.string(), name: z.string() }),
    areaCode: z.string(),
    source: z.object({ id: z.string(), number: z.string(), type: z.string() }),
    reason: z.string(),
    urgency: z.enum(['urgent', 'normal']),
    status: z.enum(['pending', 'accepted', 'declined', 'closed']),
    referredBy: z.string(),
    handledAt: z.string().nullable(),
    handleNote: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'PsychReferral' });
export type Referral = z.infer<typeof ReferralSchema>;
export const ReferralListQuery = PageQuery.extend({
  status: z.enum(['pending', 'accepted', 'declined', 'closed', 'open']).optional(),
  stationId: Id.optional(),
  sourceMatterId: Id.optional(),
});
export type ReferralListQuery = z.infer<typeof ReferralListQuery>;
export const ReferralPage = pageOf(ReferralSchema);
export const HandleBody = z.object({
  action: z.enum(['accept', 'decline', 'close']),
  note: z.string().trim().max(500).optional(),
});

export const VisitInput = z.object({
  stationId: Id,
  referralId: Id.optional(),
  visitedAt: z.iso.datetime({ offset: true }),
  personLabel: Text(50).describe('how the person is named in the record, e.g. 张某'),
  content: Text(5000).describe('the record: sensitive, stored encrypted, every read audited'),
  riskLevel: z.enum(['low', 'medium', 'high']).default('low'),
  followUp: z.object({ dueOn: Day, plan: Text(200) }).optional(),
});
export type VisitInput = z.infer<typeof VisitInput>;
export const VisitSchema = z
  .object({
    id: z.string(),
    station: z.object({ id: z.string(), name: z.string() }),
    areaCode: z.string(),
    referralId: z.string().nullable(),
    visitedAt: z.string(),
    personLabel: z.string(),
    content: z.string(),
    riskLevel: z.enum(['low', 'medium', 'high']),
    recordedBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'PsychVisit' });
export const VisitListQuery = PageQuery.extend({ stationId: Id.optional(), referralId: Id.optional() });
export type VisitListQuery = z.infer<typeof VisitListQuery>;
export const VisitPage = pageOf(VisitSchema);

export const FollowupInput = z.object({ visitId: Id, dueOn: Day, plan: Text(200) });
export const FollowupSchema = z
  .object({
    id: z.string(),
    visitId: z.string(),
    station: z.object({ id: z.string(), name: z.string() }),
    areaCode: z.string(),
    personLabel: z.string(),
    dueOn: z.string(),
    plan: z.string(),
    overdue: z.boolean().describe('not done and the due day (China time) has passed'),
    doneAt: z.string().nullable(),
    doneNote: z.string().nullable(),
  })
  .meta({ id: 'PsychFollowup' });
export const FollowupListQuery = PageQuery.extend({
  state: z.enum(['open', 'overdue', 'done', 'all']).default('open'),
  stationId: Id.optional(),
});
export type FollowupListQuery = z.infer<typeof FollowupListQuery>;
export const FollowupPage = pageOf(FollowupSchema).extend({
  overdue: z.number().int().describe('open follow-ups past their day, in scope'),
});
export const DoneBody = z.object({ note: z.string().trim().max(500).optional() });

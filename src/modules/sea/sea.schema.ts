import { z } from 'zod';
import { AreaCode, pageOf } from '../../server/schemas.ts';
import { RULES } from './sea.rules.ts';

/** Request and response shapes of the sea module (each input bounded). */

export const SeaAlertPayload = z.object({
  rule: z.enum(RULES),
  vesselId: z.string().max(20),
  vesselNumber: z.string().max(30),
  vesselName: z.string().max(100),
  at: z.string().max(40),
  lng: z.number(),
  lat: z.number(),
  detail: z.string().max(500),
});

const VesselNumber = z
  .string()
  .regex(/^[\p{Script=Han}A-Za-z0-9-]{2,30}$/u, '船号为 2–30 位汉字、字母、数字 / 2–30 letters or digits');
const Id = z.string().regex(/^\d{1,18}$/);
const Status = z.enum(['unknown', 'in_port', 'at_sea', 'silent']);

export const VesselFilters = z.object({
  areaCode: AreaCode.optional(),
  q: z.string().trim().min(1).max(50).optional(),
  status: Status.optional(),
  homePort: z.string().trim().min(1).max(50).optional(),
});
export const VesselListQuery = VesselFilters.extend({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});

const Last = z.object({
  ts: z.string(),
  lng: z.number(),
  lat: z.number(),
  sog: z.number().nullable(),
  cog: z.number().nullable(),
});

export const VesselSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    name: z.string(),
    areaCode: z.string(),
    areaName: z.string().nullable(),
    homePort: z.string(),
    owner: z
      .object({ type: z.enum(['person', 'enterprise']), id: z.string(), name: z.string().nullable() })
      .nullable(),
    crewCount: z.number().int(),
    crewPersonIds: z.array(z.string()),
    lengthM: z.number().nullable(),
    status: Status,
    last: Last.nullable(),
    openAlerts: z.number().int(),
    version: z.number().int(),
  })
  .meta({ id: 'SeaVessel' });
export const VesselPage = pageOf(VesselSchema);

const Owner = z.object({ type: z.enum(['person', 'enterprise']), id: Id });
export const VesselCreate = z.object({
  number: VesselNumber,
  name: z.string().trim().min(1).max(100),
  areaCode: AreaCode,
  homePort: z.string().trim().min(1).max(50),
  owner: Owner.nullable().optional(),
  crewCount: z.number().int().min(0).max(200).optional(),
  crewPersonIds: z.array(Id).max(200).optional(),
  lengthM: z.number().min(1).max(200).nullable().optional(),
});
export const VesselPatch = VesselCreate.partial().extend({ version: z.number().int().min(1) });

export const TrackQuery = z.object({
  minutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(120),
});
export const TrackPoint = z.object({
  ts: z.string(),
  lng: z.number(),
  lat: z.number(),
  sog: z.number().nullable(),
  cog: z.number().nullable(),
});

export const LayerQuery = z.object({
  trackMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  maxTracks: z.coerce.number().int().min(0).max(1000).default(200),
});
export const LayerResponse = z.object({
  vessels: z.array(
    z.object({
      id: z.string(),
      number: z.string(),
      name: z.string(),
      status: Status,
      ts: z.string(),
      lng: z.number(),
      lat: z.number(),
      sog: z.number().nullable(),
      cog: z.number().nullable(),
      openAlerts: z.number().int(),
    }),
  ),
  tracks: z.array(
    z.object({ vesselId: z.string(), coordinates: z.array(z.tuple([z.number(), z.number()])) }),
  ),
});

export const GeometryKind = z.enum(['channel', 'corridor', 'zone', 'port']);
const RingSchema = z.array(z.tuple([z.number(), z.number()]));
export const GeometrySchema = z
  .object({
    id: z.string(),
    kind: GeometryKind,
    name: z.string(),
    areaCode: z.string(),
    coordinates: z.array(RingSchema),
    active: z.boolean(),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'SeaGeometry' });

/** A polygon as GeoJSON (Polygon or Feature) or bare coordinates; validated by the service (typed errors). */
const PolygonInput = z
  .unknown()
  .refine((v) => JSON.stringify(v ?? null).length <= 200_000, '几何过大 / geometry too large')
  .describe('GeoJSON Polygon / Feature<Polygon>, or Polygon coordinates [[[lng, lat], …]] (WGS-84)');

export const GeometryCreate = z.object({
  kind: GeometryKind,
  name: z.string().trim().min(1).max(100),
  areaCode: AreaCode,
  geometry: PolygonInput,
});
export const GeometryPatch = z.object({
  version: z.number().int().min(1),
  name: z.string().trim().min(1).max(100).optional(),
  active: z.boolean().optional(),
  geometry: PolygonInput.optional(),
});
export const GeometryImport = z.object({
  areaCode: AreaCode,
  kind: GeometryKind.optional(),
  geojson: z
    .unknown()
    .refine((v) => JSON.stringify(v ?? null).length <= 2_000_000, '文件过大 / file too large'),
});
export const GeometryImportResult = z.object({
  created: z.number().int(),
  items: z.array(GeometrySchema),
  errors: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
});

export const ClosureSchema = z.object({
  id: z.string(),
  name: z.string(),
  areaCode: z.string(),
  coordinates: z.array(RingSchema),
  startsAt: z.string(),
  endsAt: z.string().nullable(),
  liftedAt: z.string().nullable(),
  reason: z.string().nullable(),
  active: z.boolean(),
});
export const ClosureCreate = z.object({
  name: z.string().trim().min(1).max(100),
  areaCode: AreaCode,
  geometry: PolygonInput,
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).nullable().optional(),
  reason: z.string().trim().max(500).optional(),
});
export const ReasonBody = z.object({ reason: z.string().trim().min(1).max(500) });

export const ReportCreate = z.object({
  vesselId: Id,
  kind: z.enum(['exit', 'entry']),
  port: z.string().trim().min(1).max(50),
  crewOnBoard: z.number().int().min(0).max(200).optional(),
  destination: z.string().trim().max(100).optional(),
  reportedAt: z.iso.datetime({ offset: true }).optional(),
});
export const ReportSchema = z.object({
  id: z.string(),
  vesselId: z.string(),
  vesselNumber: z.string(),
  kind: z.enum(['exit', 'entry']),
  port: z.string(),
  reportedAt: z.string(),
  crewOnBoard: z.number().nullable(),
  destination: z.string().nullable(),
  by: z.string(),
});
export const ReportQuery = z.object({
  vesselId: Id.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});

export const ParamsSchema = z.object({
  params: z.record(z.string(), z.unknown()),
  defaults: z.record(z.string(), z.unknown()),
  version: z.number().int(),
  updatedAt: z.string().nullable(),
});
export const ParamsUpdate = z.object({
  version: z.number().int().min(1),
  params: z.record(z.string(), z.unknown()),
  reason: z.string().trim().min(1).max(500),
});

export const AlertQuery = z.object({
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  rule: z.enum(RULES).optional(),
  vesselId: Id.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});
export const SeaAlertSchema = z.object({
  matterId: z.string(),
  matterNumber: z.string(),
  title: z.string(),
  status: z.string(),
  closed: z.boolean(),
  rule: z.enum(RULES),
  ruleName: z.object({ zh: z.string(), en: z.string() }),
  vesselId: z.string(),
  vesselNumber: z.string(),
  vesselName: z.string(),
  breaches: z.number().int(),
  firstAt: z.string(),
  lastAt: z.string(),
  lng: z.number().nullable(),
  lat: z.number().nullable(),
  version: z.number().int(),
  areaCode: z.string(),
});

export const PushRecord = z.object({
  number: z.string().max(30),
  lng: z.unknown(),
  lat: z.unknown(),
  sog: z.unknown().optional(),
  cog: z.unknown().optional(),
  ts: z.unknown(),
});
export const PushBody = z.object({ positions: z.array(z.unknown()).min(1).max(5000) });
export const PushResult = z.object({
  accepted: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), reason: z.string(), detail: z.string() })),
});

export const FeedStatsSchema = z.object({
  running: z.boolean(),
  received: z.number(),
  evaluated: z.number(),
  rejected: z.number(),
  rejectedBy: z.record(z.string(), z.number()),
  breaches: z.number(),
  raised: z.number(),
  deduplicated: z.number(),
  stored: z.number(),
  alertFailures: z.number(),
  forwarded: z.number(),
  leading: z.boolean(),
  broker: z.string().nullable(),
  vessels: z.number(),
  atSea: z.number(),
  topic: z.string(),
});

import { z } from 'zod';

/**
 * 社会治理一张图: the layers, the query strings (bounded, described: they reach /api/openapi.json) and the
 * answers' shapes. Lists come as comma-separated values (`types=dispute,event`).
 */

export const ALERT_LEVELS = ['red', 'orange', 'yellow'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];
export const DEADLINE_STATES = ['normal', 'warning', 'overdue'] as const;

/** Every layer the map knows; those not yet fed by any line of work are listed as unavailable. */
export const LAYERS = {
  matters: { zh: '事项', en: 'Matters' },
  alerts: { zh: '预警', en: 'Alerts' },
  tasks: { zh: '指令', en: 'Tasks' },
  houses: { zh: '房屋', en: 'Houses' },
  enterprises: { zh: '企业', en: 'Enterprises' },
  things: { zh: '物（摄像头、船舶、消火栓…）', en: 'Things (cameras, vessels, hydrants…)' },
  grids: { zh: '网格及网格团队', en: 'Grids and their teams' },
  workers: { zh: '网格员签到位置', en: 'Grid workers’ check-ins' },
  courts: { zh: '共享法庭', en: 'Shared courts' },
  stations: { zh: '心理服务站', en: 'Psychological stations' },
  sea: { zh: '渔船与斑马线', en: 'Fishing vessels and corridors' },
} as const;
export type LayerCode = keyof typeof LAYERS;
export const AGGREGATE_LAYERS = ['matters', 'alerts'] as const;
export type AggregateLayer = (typeof AGGREGATE_LAYERS)[number];
export const FEATURE_LAYERS = ['houses', 'enterprises', 'things'] as const;
export type FeatureLayer = (typeof FEATURE_LAYERS)[number];

/** A comma-separated list of at most `max` items, each checked by `item`. */
const list = <T extends z.ZodType<string, string>>(item: T, max: number, describe: string) =>
  z
    .string()
    .max(max * 41)
    .optional()
    .transform((s) => (s ? [...new Set(s.split(',').filter(Boolean))] : undefined))
    .pipe(z.array(item).max(max).optional())
    .describe(`${describe} (comma-separated, at most ${max})`);

const Code = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/);

const View = {
  bbox: z
    .string()
    .min(7)
    .max(200)
    .describe(
      'minLng,minLat,maxLng,maxLat in `crs`; at most 20° each way, within China (lng 73–136, lat 3–54)',
    ),
  zoom: z.coerce
    .number()
    .min(0)
    .max(20)
    .describe('the map zoom (0–20, fractions allowed): picks the resolution'),
  crs: z
    .enum(['wgs84', 'gcj02'])
    .default('wgs84')
    .describe('coordinates in and out: WGS-84 (stored) or GCJ-02 (for GCJ-02 base maps)'),
};

export const AggregateQuery = z.object({
  layer: z.string().max(40).describe('matters | alerts'),
  ...View,
  types: list(Code, 20, 'matter type codes'),
  statuses: list(Code, 20, 'state codes'),
  levels: list(z.enum(ALERT_LEVELS), 3, 'alert levels, alerts layer only'),
  from: z.iso.datetime({ offset: true }).optional().describe('created at or after (ISO 8601)'),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('created before (ISO 8601); at most 10 years after from'),
  open: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'))
    .describe('true: open matters only; false: closed only'),
  deadline: list(z.enum(DEADLINE_STATES), 3, 'deadline states'),
});
export type AggregateQuery = z.infer<typeof AggregateQuery>;

export const FeaturesQuery = z.object({
  layer: z.string().max(40).describe('houses | enterprises | things'),
  ...View,
  kinds: list(
    z.string().regex(/^[a-z_]{2,30}$/),
    20,
    'thing kinds, things layer only (camera, hydrant, vessel…)',
  ),
});
export type FeaturesQuery = z.infer<typeof FeaturesQuery>;

export const BoundariesQuery = z.object({
  level: z.coerce
    .number()
    .int()
    .min(2)
    .max(5)
    .describe('2 county, 3 town, 4 village (view ≤ 1.5°), 5 grid (view ≤ 0.75°)'),
  bbox: View.bbox,
  crs: View.crs,
});

export const CrsQuery = z.object({ crs: View.crs });

const Name = z.object({ zh: z.string(), en: z.string() });
const Position = z.tuple([z.number(), z.number()]);

export const ConfigResponse = z
  .object({
    center: Position.describe('[lng, lat] WGS-84: the centre of the user’s area'),
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    zoom: z.number(),
    baseSources: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        type: z.enum(['raster', 'vector', 'pmtiles']),
        url: z.string(),
        tileSize: z.number().optional(),
        attribution: z.string().optional(),
        crs: z.enum(['wgs84', 'gcj02']),
        minzoom: z.number().optional(),
        maxzoom: z.number().optional(),
      }),
    ),
    pointZoom: z.number(),
    maxPoints: z.number(),
    glyphs: z
      .string()
      .nullable()
      .describe('glyphs URL template for map labels (ZHILI_MAP_GLYPHS); null: the map draws no text'),
    resolutions: z
      .array(z.object({ minZoom: z.number(), maxZoom: z.number(), resolution: z.number() }))
      .describe('the zoom → h3 resolution table of the aggregate'),
    layers: z.array(
      z.object({ code: z.string(), name: Name, available: z.boolean(), reason: Name.optional() }),
    ),
  })
  .meta({ id: 'MapConfig' });

const Ring = z.array(Position).describe('the hexagon’s outline in `crs` (sent with crs=gcj02 only)');

export const MatterCell = z.object({
  cell: z.string().describe('h3 cell index (of WGS-84 coordinates)'),
  lng: z.number(),
  lat: z.number(),
  total: z.number(),
  open: z.number(),
  overdue: z.number(),
  byStatus: z.record(z.string(), z.number()),
  byLevel: z
    .object({ red: z.number(), orange: z.number(), yellow: z.number() })
    .optional()
    .describe('alerts layer only'),
  boundary: Ring.optional(),
});

export const MatterPoint = z.object({
  id: z.string(),
  number: z.string(),
  type: z.string(),
  title: z.string(),
  status: z.string(),
  closed: z.boolean(),
  deadlineState: z.string(),
  level: z.enum(ALERT_LEVELS).optional(),
  lng: z.number(),
  lat: z.number(),
  createdAt: z.string(),
});

const CachedAt = z
  .string()
  .nullable()
  .describe('when the cached answer was computed; null when computed now');

export const AggregateResponse = z
  .union([
    z.object({
      mode: z.literal('cells'),
      resolution: z.number(),
      cells: z.array(MatterCell),
      total: z.number(),
      cachedAt: CachedAt,
    }),
    z.object({
      mode: z.literal('points'),
      points: z.array(MatterPoint),
      total: z.number(),
      truncated: z.boolean(),
      cachedAt: CachedAt,
    }),
  ])
  .meta({ id: 'MapAggregate' });

export const FeatureCell = z.object({
  cell: z.string(),
  lng: z.number(),
  lat: z.number(),
  total: z.number(),
  boundary: Ring.optional(),
});

export const FeaturePoint = z.object({
  id: z.string(),
  lng: z.number(),
  lat: z.number(),
  address: z.string().optional().describe('houses'),
  kind: z.string().optional().describe('houses, things'),
  residents: z.number().optional().describe('houses: residents counted (never plotted)'),
  name: z.string().optional().describe('enterprises, things'),
  industry: z.string().nullable().optional().describe('enterprises'),
  attributes: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('things: heading, fov…; streamUrl only for users who may act on matters'),
});

export const FeaturesResponse = z
  .union([
    z.object({
      mode: z.literal('cells'),
      resolution: z.number(),
      cells: z.array(FeatureCell),
      total: z.number(),
      cachedAt: CachedAt,
    }),
    z.object({
      mode: z.literal('points'),
      points: z.array(FeaturePoint),
      total: z.number(),
      truncated: z.boolean(),
      cachedAt: CachedAt,
    }),
  ])
  .meta({ id: 'MapFeatures' });

export const BoundariesResponse = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        geometry: z.unknown(),
        properties: z.object({
          code: z.string(),
          name: z.string(),
          level: z.number(),
          source: z.string().nullable(),
          team: z.array(z.object({ name: z.string(), role: z.string(), roleName: Name })).optional(),
        }),
      }),
    ),
    cachedAt: CachedAt,
  })
  .meta({ id: 'MapBoundaries' });

const MatterRef = z.object({
  id: z.string(),
  number: z.string(),
  type: z.string(),
  title: z.string(),
  status: z.string(),
  closed: z.boolean(),
  createdAt: z.string(),
});
const AlertRef = MatterRef.extend({ level: z.enum(ALERT_LEVELS).nullable() });

export const HouseClickResponse = z
  .object({
    house: z.object({
      id: z.string(),
      areaCode: z.string(),
      address: z.string(),
      kind: z.string(),
      floors: z.number().nullable(),
      lng: z.number().nullable(),
      lat: z.number().nullable(),
    }),
    residents: z.object({
      count: z.number(),
      list: z
        .array(
          z.object({
            name: z.string().describe('masked: 张**'),
            gender: z.enum(['M', 'F']).nullable(),
            age: z.number().nullable(),
          }),
        )
        .describe('at most 50'),
    }),
    enterprises: z.array(z.object({ id: z.string(), name: z.string(), industry: z.string().nullable() })),
    matters: z
      .array(MatterRef.extend({ link: z.enum(['party', 'nearby']) }))
      .describe('matters naming the house as a party, or placed within 30 m of it (newest 50)'),
    alerts: z.array(AlertRef.extend({ link: z.enum(['party', 'nearby']) })),
  })
  .meta({ id: 'MapHouse' });

export const EnterpriseClickResponse = z
  .object({
    enterprise: z.object({
      id: z.string(),
      areaCode: z.string(),
      name: z.string(),
      uscc: z.string(),
      legalPersonName: z.string().nullable(),
      phone: z.string().nullable().describe('masked'),
      industry: z.string().nullable(),
      address: z.string().nullable(),
      lng: z.number().nullable(),
      lat: z.number().nullable(),
    }),
    disputes: z.array(MatterRef),
    hazards: z.array(MatterRef).describe('问题隐患 naming the enterprise as a party, newest first'),
    alerts: z.array(AlertRef),
  })
  .meta({ id: 'MapEnterprise' });

export const AreaSummaryResponse = z
  .object({
    area: z.object({
      code: z.string(),
      name: z.string(),
      level: z.number(),
      center: Position.nullable(),
      bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
    }),
    kpis: z.object({
      open: z.number(),
      overdue: z.number(),
      warning: z.number(),
      createdToday: z.number(),
      createdThisMonth: z.number(),
      closedThisMonth: z.number(),
      resolvedRate30d: z
        .number()
        .nullable()
        .describe(
          '办结率: of the matters created in the last 30 days, the share closed (0–1); null when none',
        ),
    }),
    queues: z.array(z.object({ status: z.string(), statusName: Name, count: z.number() })),
    alertsOpen: z.object({ red: z.number(), orange: z.number(), yellow: z.number() }),
  })
  .meta({ id: 'MapAreaSummary' });

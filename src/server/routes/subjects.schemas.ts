import { z } from 'zod';
import { HOUSE_KINDS } from '../../core/subjects/houses.service.ts';
import { AreaCode, PageQuery, pageOf } from '../schemas.ts';

/** Request and response schemas of 人房企物. Every string is bounded; identifiers are validated in the service. */
export const PointSchema = z
  .object({ lng: z.number().min(73).max(136), lat: z.number().min(3).max(54) })
  .describe('WGS-84 point inside China');

const Version = z.object({
  version: z.number().int().min(1).describe('the version you read (optimistic concurrency)'),
});

export const listQuery = <S extends readonly [string, ...string[]]>(sorts: S) =>
  PageQuery.extend({
    areaCode: AreaCode.optional().describe('only this area and below (within your scope)'),
    q: z.string().trim().min(1).max(50).optional(),
    sort: z.enum(sorts).default(sorts[0]),
    order: z.enum(['asc', 'desc']).default('asc'),
  });

export const PersonSchema = z
  .object({
    id: z.string(),
    areaCode: z.string(),
    name: z.string(),
    gender: z.enum(['M', 'F']).nullable(),
    birthDate: z.string().nullable(),
    idNumber: z.string().nullable().describe('masked, e.g. 330302********1234'),
    phone: z.string().nullable().describe('masked, e.g. 138****5678'),
    houseId: z.string().nullable(),
    tags: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Person' });

export const PersonInput = z.object({
  areaCode: AreaCode.optional(),
  name: z.string().trim().min(1).max(50),
  gender: z.enum(['M', 'F']).optional(),
  birthDate: z.iso.date().optional(),
  idNumber: z.string().trim().max(30).optional().describe('居民身份证号 (GB 11643)'),
  phone: z.string().trim().max(20).optional(),
  houseId: z
    .string()
    .regex(/^\d{1,18}$/)
    .nullable()
    .optional(),
  tags: z.array(z.string().trim().min(1).max(20)).max(20).optional(),
});
export const PersonPatch = PersonInput.partial().extend(Version.shape);

export const RevealBody = z.object({
  fields: z
    .array(z.enum(['idNumber', 'phone']))
    .min(1)
    .max(2),
  reason: z.string().trim().min(2).max(200).describe('查看事由，记入审计日志 / why you need it; audited'),
});

export const HouseSchema = z
  .object({
    id: z.string(),
    areaCode: z.string(),
    address: z.string(),
    kind: z.enum(HOUSE_KINDS),
    floors: z.number().int().nullable(),
    point: PointSchema.nullable(),
    h3: z.string().nullable(),
    ownerPersonId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'House' });

export const HouseDetailSchema = HouseSchema.extend({
  residents: z.array(PersonSchema),
  enterprises: z.array(z.object({ id: z.string(), name: z.string() })),
});

export const HouseInput = z.object({
  areaCode: AreaCode.optional().describe('omit to place the house by its point'),
  address: z.string().trim().min(1).max(200),
  kind: z.enum(HOUSE_KINDS),
  floors: z.number().int().min(1).max(200).nullable().optional(),
  point: PointSchema.nullable().optional(),
  ownerPersonId: z
    .string()
    .regex(/^\d{1,18}$/)
    .nullable()
    .optional(),
});
export const HousePatch = HouseInput.partial().extend(Version.shape);

export const EnterpriseSchema = z
  .object({
    id: z.string(),
    areaCode: z.string(),
    name: z.string(),
    uscc: z.string(),
    legalPersonName: z.string().nullable(),
    phone: z.string().nullable(),
    industry: z.string().nullable(),
    address: z.string().nullable(),
    houseId: z.string().nullable(),
    point: PointSchema.nullable(),
    h3: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Enterprise' });

export const EnterpriseInput = z.object({
  areaCode: AreaCode.optional(),
  name: z.string().trim().min(1).max(200),
  uscc: z.string().trim().max(30).describe('统一社会信用代码 (GB 32100-2015)'),
  legalPersonName: z.string().trim().min(1).max(50).nullable().optional(),
  phone: z.string().trim().max(20).nullable().optional(),
  industry: z.string().trim().max(50).nullable().optional(),
  address: z.string().trim().max(200).nullable().optional(),
  houseId: z
    .string()
    .regex(/^\d{1,18}$/)
    .nullable()
    .optional(),
  point: PointSchema.nullable().optional(),
});
export const EnterprisePatch = EnterpriseInput.partial().extend(Version.shape);

const AttrValue = z.union([z.string().max(500), z.number(), z.boolean(), z.null()]);
export const ThingSchema = z
  .object({
    id: z.string(),
    areaCode: z.string(),
    kind: z.string(),
    name: z.string(),
    identifier: z.string().nullable(),
    attributes: z.record(z.string(), AttrValue),
    point: PointSchema.nullable(),
    h3: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Thing' });

export const ThingInput = z.object({
  areaCode: AreaCode.optional(),
  kind: z
    .string()
    .regex(/^[a-z_]{2,30}$/)
    .describe('camera, vessel, vehicle, hydrant, seized_item, facility…'),
  name: z.string().trim().min(1).max(200),
  identifier: z.string().trim().min(1).max(100).nullable().optional(),
  attributes: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/), AttrValue)
    .refine((o) => Object.keys(o).length <= 50, 'at most 50 attributes')
    .optional(),
  point: PointSchema.nullable().optional(),
});
export const ThingPatch = ThingInput.partial().extend(Version.shape);

export const PersonPage = pageOf(PersonSchema);
export const HousePage = pageOf(HouseSchema);
export const EnterprisePage = pageOf(EnterpriseSchema);
export const ThingPage = pageOf(ThingSchema);

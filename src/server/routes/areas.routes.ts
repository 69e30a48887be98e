import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { children, getArea, getGeometry, locate, searchAreas, tree } from '../../core/areas/areas.service.ts';
import { importAreasGeojson } from '../../core/areas/import.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../auth.ts';
import { ErrorBody } from '../errors.ts';
import { AreaCode, AreaSchema } from '../schemas.ts';

type TreeNode = z.infer<typeof AreaSchema> & { children?: TreeNode[] };
const AreaTreeNode: z.ZodType<TreeNode> = z
  .lazy(() => AreaSchema.extend({ children: z.array(AreaTreeNode).optional() }))
  .meta({ id: 'AreaTreeNode' });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const areasRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['areas'];
    app.get(
      '/areas/tree',
      {
        schema: {
          tags,
          summary: '区划树（自本人管辖区域起）/ Area tree from the user’s own area',
          querystring: z.object({
            root: AreaCode.optional(),
            depth: z.coerce.number().int().min(1).max(4).default(2),
          }),
          response: { 200: AreaTreeNode, ...errors },
        },
      },
      async (req) => tree(kernel.db, requireActor(req), req.query.depth, req.query.root),
    );
    app.get(
      '/areas/search',
      {
        schema: {
          tags,
          summary: '按名称搜索区划 / Search areas by name',
          querystring: z.object({
            q: z.string().trim().min(1).max(50),
            limit: z.coerce.number().int().min(1).max(100).default(20),
          }),
          response: { 200: z.object({ items: z.array(AreaSchema) }), ...errors },
        },
      },
      async (req) => ({
        items: await searchAreas(kernel.db, requireActor(req), req.query.q, req.query.limit),
      }),
    );
    app.get(
      '/areas/locate',
      {
        schema: {
          tags,
          summary: '坐标定位区划（WGS-84）/ Point to area (district, town, village, grid)',
          querystring: z.object({
            lng: z.coerce.number().min(-180).max(180),
            lat: z.coerce.number().min(-90).max(90),
          }),
          response: {
            200: z.object({ found: z.boolean(), chain: z.array(AreaSchema) }),
            ...errors,
          },
        },
      },
      async (req) => {
        requireActor(req);
        const chain = await locate(kernel.db, req.query.lng, req.query.lat);
        return { found: chain.length > 0, chain };
      },
    );
    app.get(
      '/areas/:code',
      {
        schema: {
          tags,
          summary: '区划详情 / An area, with its path from the city',
          params: z.object({ code: AreaCode }),
          response: {
            200: AreaSchema.extend({ path: z.array(AreaSchema), childCount: z.number().int() }),
            ...errors,
          },
        },
      },
      async (req) => getArea(kernel.db, requireActor(req), req.params.code),
    );
    app.get(
      '/areas/:code/children',
      {
        schema: {
          tags,
          summary: '下级区划 / Children of an area',
          params: z.object({ code: AreaCode }),
          response: { 200: z.object({ items: z.array(AreaSchema) }), ...errors },
        },
      },
      async (req) => ({ items: await children(kernel.db, requireActor(req), req.params.code) }),
    );
    app.get(
      '/areas/:code/geometry',
      {
        schema: {
          tags,
          summary: '区划边界 GeoJSON（WGS-84）/ Area boundary as a GeoJSON Feature',
          params: z.object({ code: AreaCode }),
          response: {
            200: z.object({
              type: z.literal('Feature'),
              properties: z.object({ code: z.string() }),
              geometry: z.unknown(),
            }),
            ...errors,
          },
        },
      },
      async (req) => ({
        type: 'Feature' as const,
        properties: { code: req.params.code },
        geometry: await getGeometry(kernel.db, requireActor(req), req.params.code),
      }),
    );
    app.post(
      '/areas/import',
      {
        bodyLimit: 50 * 1024 * 1024,
        schema: {
          tags,
          summary:
            '导入边界 GeoJSON（网格等，逐要素报错）/ Import boundaries; bad features are reported, good ones land',
          querystring: z.object({ crs: z.enum(['wgs84', 'gcj02']).default('wgs84') }),
          body: z
            .object({ type: z.literal('FeatureCollection'), features: z.array(z.unknown()).max(50_000) })
            .loose(),
          response: {
            200: z.object({
              total: z.number().int(),
              imported: z.number().int(),
              created: z.number().int(),
              updated: z.number().int(),
              errors: z.array(z.object({ row: z.number().int().optional(), message: z.string() })),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return kernel.db
          .transaction()
          .execute((tx) => importAreasGeojson(tx, actor, req.body, { crs: req.query.crs }));
      },
    );
  };

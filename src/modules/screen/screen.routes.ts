import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assertCan } from '../../core/access/actor.ts';
import type { Kernel } from '../../core/kernel.ts';
import { cstDate } from '../../core/workflow/deadlines.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { ScreenCache } from './screen.cache.ts';
import { SummaryQuery, SummaryResponse } from './screen.schema.ts';
import { screenSummary } from './screen.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const tags = ['screen 指挥大屏'];

/** Each server's cache, reachable by the tests. */
const caches = new WeakMap<Kernel, ScreenCache>();
export const screenCacheOf = (kernel: Kernel) => caches.get(kernel);

/** 指挥大屏: one answer with every figure of the command big screen. Thin: validate → service → present. */
export const screenRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const cache = new ScreenCache();
    caches.set(kernel, cache);
    const off = kernel.events.subscribe(cache.onEvent);
    app.addHook('onClose', async () => off());

    app.get(
      '/screen/summary',
      {
        schema: {
          tags,
          summary:
            '指挥大屏：今日/本月计数、在办与超期、化解率、指令响应、趋势、最新预警、在办指令 / The command big screen',
          description:
            '范围为本人辖区或辖区内的下级区域（area）；今日、本月按北京时间（Asia/Shanghai）计。' +
            '区域不在辖区内或不存在 → 404 NOT_FOUND；参数格式有误 → 400 VALIDATION_FAILED。\n\n' +
            'The actor’s area or a sub-area in scope (area); today and this month in China Standard Time. ' +
            'An area outside the scope or unknown → 404 NOT_FOUND; malformed parameters → 400 VALIDATION_FAILED. ' +
            'Definitions: docs/SCREEN.md.',
          querystring: SummaryQuery,
          response: { 200: SummaryResponse, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        // Before the cache: answers are shared by everyone of one scope, not by everyone allowed to ask.
        assertCan(actor, 'matter:read');
        const q = req.query;
        // The day is in the key: an answer never outlives the China day it was computed for.
        const key = [actor.scopePrefix, q.area ?? actor.areaCode, q.days, cstDate(new Date())].join('|');
        const { value, cachedAt } = await cache.get(key, actor.scopePrefix, () =>
          screenSummary(kernel.db, actor, q),
        );
        return { ...value, cachedAt };
      },
    );
  };

import { z } from 'zod';

/** zod: the command big screen's query and answer (one schema = validation, types, OpenAPI). docs/SCREEN.md */

export const MIN_TREND_DAYS = 7;
export const MAX_TREND_DAYS = 90;
export const DEFAULT_TREND_DAYS = 30;
export const TICKER_SIZE = 20;
export const MAX_SCREEN_TASKS = 200;

const Name = z.object({ zh: z.string(), en: z.string() });
const Level = z.enum(['red', 'orange', 'yellow']);

export const SummaryQuery = z.object({
  area: z
    .string()
    .regex(/^\d{12}(\d{3})?$/, '区划代码为12位数字（网格15位） / area codes have 12 digits (grids 15)')
    .optional()
    .describe('A sub-area within the actor’s scope (default: the actor’s own area)'),
  days: z.coerce
    .number()
    .int()
    .min(MIN_TREND_DAYS)
    .max(MAX_TREND_DAYS)
    .default(DEFAULT_TREND_DAYS)
    .describe('Days of the trend, today included (7–90, default 30)'),
});
export type SummaryQuery = z.infer<typeof SummaryQuery>;

const Counts = z.object({
  matters: z.number().int().describe('New matters (every type but alerts and tasks)'),
  disputes: z.number().int().describe('New disputes (a subset of matters)'),
  alerts: z.object({
    total: z.number().int(),
    red: z.number().int(),
    orange: z.number().int(),
    yellow: z.number().int(),
  }),
  tasksDispatched: z.number().int().describe('指令 tasks dispatched'),
  tasksClosed: z.number().int().describe('指令 tasks 办结 (status closed; cancelled ones not counted)'),
  closed: z.number().int().describe('Matters (not alerts, not tasks) that reached a closed state'),
});

export const SummaryResponse = z
  .object({
    area: z.object({ code: z.string(), name: z.string(), level: z.number().int() }),
    generatedAt: z.string().describe('When the figures were computed'),
    cachedAt: z.string().nullable().describe('When a cached answer was computed; null if computed now'),
    today: z.object({ day: z.string().describe('YYYY-MM-DD, Asia/Shanghai'), from: z.string() }),
    month: z.object({ month: z.string().describe('YYYY-MM, Asia/Shanghai'), from: z.string() }),
    counts: z.object({ today: Counts, month: Counts }),
    open: z.object({
      matters: z.number().int(),
      overdue: z.number().int(),
      alerts: z.number().int(),
      tasks: z.number().int(),
      tasksOverdue: z.number().int(),
    }),
    kpis: z.object({
      resolution: z
        .object({
          rate: z.number().nullable().describe('resolved ÷ settled, 0–1; null when nothing is settled'),
          resolved: z.number().int(),
          settled: z.number().int(),
          total: z.number().int(),
          from: z.string(),
          to: z.string(),
        })
        .describe('化解率 of the disputes reported in the last 12 calendar months (as 纠纷分析)'),
      overdue: z.object({
        count: z.number().int(),
        open: z.number().int(),
        share: z.number().nullable().describe('overdue ÷ open, 0–1; null when nothing is open'),
      }),
      dispatchResponse: z.object({
        dispatched: z.number().int().describe('Tasks dispatched this month'),
        signed: z.number().int().describe('… of which signed for'),
        medianMinutes: z.number().nullable(),
        p90Minutes: z.number().nullable(),
      }),
      taskClosure: z.object({
        dispatched: z.number().int(),
        closed: z.number().int(),
        rate: z.number().nullable().describe('closed ÷ dispatched (this month’s tasks), 0–1'),
      }),
    }),
    trend: z.array(
      z.object({
        day: z.string(),
        created: z.number().int(),
        closed: z.number().int(),
        alerts: z.number().int(),
      }),
    ),
    ticker: z.array(
      z.object({
        id: z.string(),
        number: z.string(),
        title: z.string(),
        level: Level.nullable(),
        status: z.string(),
        closed: z.boolean(),
        areaCode: z.string(),
        areaName: z.string().nullable(),
        createdAt: z.string(),
      }),
    ),
    tasks: z.array(
      z.object({
        id: z.string(),
        number: z.string(),
        title: z.string(),
        status: z.string(),
        statusName: Name,
        overdue: z.boolean(),
        deadline: z.string(),
        areaCode: z.string(),
        areaName: z.string().nullable(),
        unitName: z.string().nullable(),
        point: z.object({ lng: z.number(), lat: z.number() }).nullable(),
      }),
    ),
  })
  .meta({ id: 'ScreenSummary' });
export type SummaryResponse = z.infer<typeof SummaryResponse>;

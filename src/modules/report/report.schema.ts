import { z } from 'zod';
import { AreaCode } from '../../server/schemas.ts';

/** zod: the requests and answers of 平安报表 (one schema = validation, types, OpenAPI). */

const Name = z.object({ zh: z.string(), en: z.string() });
export const PeriodKey = z
  .string()
  .max(9)
  .regex(/^\d{4}(-\d{2}|-Q[1-4]|-\d{4})?$/, 'YYYY-MM | YYYY-Qn | YYYY | YYYY-YYYY')
  .describe('月 2026-03、季 2026-Q1、年 2026、五年 2021-2025 / month, quarter, year or five years');

export const ReportQuery = z.object({
  areaCode: AreaCode.optional().describe('default: your own area'),
  period: PeriodKey.optional().describe('default: this year'),
});
export const FiveQuery = z.object({
  areaCode: AreaCode.optional().describe('default: your own area'),
  period: PeriodKey.optional().describe('five years, e.g. 2021-2025; default: the last five complete years'),
});
export const IndicatorParam = z.object({ code: z.string().regex(/^[a-z_]{1,40}$/, 'indicator code') });
export const RecordsQuery = ReportQuery.extend({
  lastYear: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .describe('the records behind last year’s figure'),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export const BatchPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const AreaRef = z.object({ code: z.string(), name: z.string(), level: z.number().int() });
const PeriodRef = z
  .object({
    key: z.string(),
    kind: z.enum(['month', 'quarter', 'year', 'five']),
    label: Name,
    from: z.string(),
    to: z.string(),
  })
  .meta({ id: 'ReportPeriod' });

export const FigureSchema = z
  .object({
    value: z.number().nullable().describe('null = 无数据 (nothing to compute it from), never 0 %'),
    numerator: z.number().nullable(),
    denominator: z
      .number()
      .nullable()
      .describe('rate: what it divides by; median: how many; count: the count'),
  })
  .meta({ id: 'ReportFigure' });

const Meta = {
  code: z.string(),
  name: Name,
  unit: Name,
  definition: Name,
  drill: Name.describe('what the drill-down lists'),
  direction: z.enum(['up', 'down']).describe('up: higher is better; down: lower is better'),
  source: z.enum(['platform', 'imported']),
  kind: z.enum(['rate', 'count', 'amount', 'duration']),
};
export const IndicatorMetaSchema = z.object(Meta).meta({ id: 'ReportIndicator' });

export const ReportSchema = z
  .object({
    area: AreaRef,
    period: PeriodRef,
    lastYear: PeriodRef,
    items: z.array(
      z.object({
        ...Meta,
        ...FigureSchema.shape,
        lastYear: FigureSchema,
        change: z.number().nullable().describe('rate: percentage points; else percent; null: not comparable'),
        changeUnit: z.enum(['pp', '%']),
      }),
    ),
  })
  .meta({ id: 'Report' });

export const DrillSchema = z
  .object({
    indicator: IndicatorMetaSchema,
    area: AreaRef,
    period: PeriodRef,
    figure: FigureSchema,
    total: z.number().int(),
    items: z.array(
      z.object({
        id: z.string(),
        label: z.string(),
        areaCode: z.string(),
        at: z.string().nullable(),
        status: z.string().nullable(),
        value: z.number().nullable(),
        done: z.number().nullable(),
        link: z.string().nullable(),
        file: z.string().nullable(),
        row: z.number().int().nullable(),
        importedBy: z.string().nullable(),
        department: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'ReportDrill' });

export const FiveYearsSchema = z
  .object({
    area: AreaRef,
    period: PeriodRef,
    years: z.array(z.number().int()),
    items: z.array(
      z.object({
        ...Meta,
        years: z.array(FigureSchema.extend({ year: z.number().int() })),
        total: FigureSchema,
        change: z.number().nullable().describe('first year → last year: rate in points, else percent'),
        changeUnit: z.enum(['pp', '%']),
      }),
    ),
    charts: z.array(
      z.object({
        key: z.string(),
        title: Name,
        series: z.array(
          z.object({ code: z.string(), type: z.enum(['bar', 'line']), axis: z.number().int() }),
        ),
      }),
    ),
    headlines: z.array(z.string()),
  })
  .meta({ id: 'ReportFiveYears' });

export const RowErrorSchema = z.object({
  row: z.number().int(),
  field: z.string(),
  code: z.string(),
  message: z.string(),
});
export const BatchSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    format: z.enum(['csv', 'xlsx']),
    encoding: z.string().nullable(),
    rowsTotal: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    rejected: z.number().int(),
    errors: z.array(RowErrorSchema),
    areaCode: z.string(),
    importedBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'ReportImportBatch' });
export const BatchPage = z.object({ total: z.number().int(), items: z.array(BatchSchema) });

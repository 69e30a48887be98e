import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { AreaCode } from '../../server/schemas.ts';
import { sendXlsx, XLSX } from '../../server/xlsx-reply.ts';
import {
  getMatrix,
  getRepeatParties,
  getResolution,
  getSources,
  MAX_MONTHS,
  PARTIES_MAX_LIMIT,
  writeMatrixXlsx,
  writeRepeatPartiesXlsx,
  writeResolutionXlsx,
  writeSourcesXlsx,
} from './analysis.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const tags = ['disputes 矛盾纠纷'];

// ---------------------------------------------------------------------------------------------------------
// Query strings

const Day = z.iso.date().describe('YYYY-MM-DD, China Standard Time, inclusive');

const PeriodQuery = z.object({
  areaCode: AreaCode.optional().describe('the area whose children are compared; default: your own area'),
  from: Day.optional().describe(
    `first day (inclusive, CST); default: the first day of the month 11 months before \`to\`; at most ${MAX_MONTHS} calendar months`,
  ),
  to: Day.optional().describe('last day (inclusive, CST); default: today'),
});

const PartiesQuery = z.object({
  areaCode: AreaCode.optional().describe('disputes filed in this area and below; default: your own area'),
  minDisputes: z.coerce.number().int().min(2).max(100).default(3).describe('named in at least this many'),
  months: z.coerce.number().int().min(1).max(MAX_MONTHS).default(12).describe('within the last N months'),
  subjectType: z.enum(['person', 'enterprise']).optional(),
  limit: z.coerce.number().int().min(1).max(PARTIES_MAX_LIMIT).default(50),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

// ---------------------------------------------------------------------------------------------------------
// Responses

const Name = z.object({ zh: z.string(), en: z.string() });
const Link = z.string().describe('the dispute list (or work queue) showing the disputes behind this figure');
const AreaRefSchema = z.object({ code: z.string(), name: z.string(), level: z.number().int() });
const AreaColumnSchema = AreaRefSchema.extend({
  own: z
    .boolean()
    .describe(
      'the chosen area itself (本级): disputes filed at its own level, in no child; its links list the whole area',
    ),
});
const MonthSchema = z
  .object({
    month: z.string().describe('YYYY-MM'),
    from: z.string().describe('first day of the month inside the period'),
    to: z.string().describe('last day of the month inside the period'),
  })
  .meta({ id: 'AnalysisMonth' });
const Figure = z.object({
  count: z.number().int(),
  lastYear: z.number().int().describe('the same days one year earlier'),
  yoy: z.number().nullable().describe('year-on-year change in percent; null when last year had none'),
  months: z.array(z.number().int()).describe('per month of `months`'),
  link: Link,
  lastYearLink: Link,
});

const MatrixSchema = z
  .object({
    area: AreaRefSchema,
    from: z.string(),
    to: z.string(),
    months: z.array(MonthSchema),
    lastYear: z.object({ from: z.string(), to: z.string() }),
    categories: z.array(z.object({ code: z.string(), name: Name })),
    areas: z.array(AreaColumnSchema),
    cells: z
      .array(Figure.extend({ category: z.string(), areaCode: z.string() }))
      .describe('only the pairs with a dispute in either period'),
    byCategory: z.array(Figure.extend({ category: z.string() })),
    byArea: z.array(Figure.extend({ areaCode: z.string() })),
    total: Figure.extend({ lastYearMonths: z.array(z.number().int()) }),
  })
  .meta({ id: 'DisputeMatrix' });

const SourcesSchema = z
  .object({
    area: AreaRefSchema,
    from: z.string(),
    to: z.string(),
    months: z.array(MonthSchema),
    silentDays: z.number().int(),
    items: z.array(
      z.object({
        code: z.string(),
        name: Name,
        departmentCode: z.string().nullable(),
        enabled: z.boolean(),
        records: z.number().int().describe('records on the disputes reported in the period'),
        disputes: z.number().int().describe('distinct disputes they fed'),
        merged: z.number().int().describe('records whose dispute holds more than one record'),
        mergedShare: z.number().nullable().describe('merged ÷ records, 0–1; null without records'),
        lastReceivedAt: z
          .string()
          .nullable()
          .describe('newest record received, among the disputes of the period and of the last 366 days'),
        lastReportedAt: z.string().nullable().describe('newest event date those records reported'),
        silent: z.boolean().describe('nothing received for more than silentDays days'),
        months: z.array(z.number().int()),
        link: Link,
      }),
    ),
  })
  .meta({ id: 'DisputeSources' });

const PartiesSchema = z
  .object({
    area: AreaRefSchema,
    from: z.string(),
    to: z.string(),
    minDisputes: z.number().int(),
    months: z.number().int(),
    total: z.number().int(),
    items: z.array(
      z.object({
        subjectType: z.enum(['person', 'enterprise']),
        subjectId: z.string(),
        name: z.string().describe('a person’s name masked; an enterprise’s in full'),
        disputes: z.number().int(),
        categories: z.array(z.string()),
        lastDisputeAt: z.string(),
        link: Link,
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'DisputeRepeatParties' });

const ResolutionFigures = z.object({
  total: z.number().int(),
  settled: z.number().int().describe('outcome known: resolved or not'),
  resolved: z.number().int(),
  rate: z
    .number()
    .nullable()
    .describe('化解率 = resolved ÷ settled, 0–1; null when nothing is settled (无数据)'),
  open: z.number().int().describe('not closed and no outcome yet (registered, assessing, resolving)'),
  overdue: z.number().int().describe('open and past their deadline'),
  links: z.object({ total: Link, settled: Link, resolved: Link, open: Link, overdue: Link }),
});

const ResolutionSchema = z
  .object({
    area: AreaRefSchema,
    from: z.string(),
    to: z.string(),
    items: z.array(ResolutionFigures.extend(AreaColumnSchema.shape)),
    total: ResolutionFigures,
  })
  .meta({ id: 'DisputeResolution' });

const XlsxResponse = { 200: z.unknown().describe(XLSX), ...errors };

/**
 * The library's analysis: counts by category × area × month, sources coverage, repeat parties, 化解率.
 * Each report is JSON at /disputes/analysis/<name> and an Excel workbook at /disputes/analysis/<name>.xlsx
 * with the same query string.
 */
export const analysisRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;

    app.get(
      '/disputes/analysis/matrix',
      {
        schema: {
          tags,
          summary:
            '纠纷分类×区域×月份统计（含同比）/ Disputes by category × child area × month, with year-on-year',
          querystring: PeriodQuery,
          response: { 200: MatrixSchema, ...errors },
        },
      },
      async (req) => getMatrix(db, requireActor(req), req.query),
    );
    app.get(
      '/disputes/analysis/matrix.xlsx',
      {
        schema: {
          tags,
          summary: '导出分类×区域统计为 Excel / The category × area table as XLSX',
          querystring: PeriodQuery,
          response: XlsxResponse,
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const m = await getMatrix(db, actor, req.query);
        return sendXlsx(req, reply, `dispute-matrix-${m.area.code}-${m.from}-${m.to}.xlsx`, (out) =>
          writeMatrixXlsx(db, actor, m, out),
        );
      },
    );

    app.get(
      '/disputes/analysis/sources',
      {
        schema: {
          tags,
          summary:
            '数据来源覆盖（各部门接收量、合并占比、最近接收）/ Sources coverage: records, merges, last received',
          querystring: PeriodQuery,
          response: { 200: SourcesSchema, ...errors },
        },
      },
      async (req) => getSources(db, requireActor(req), req.query),
    );
    app.get(
      '/disputes/analysis/sources.xlsx',
      {
        schema: {
          tags,
          summary: '导出数据来源覆盖为 Excel / Sources coverage as XLSX',
          querystring: PeriodQuery,
          response: XlsxResponse,
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const s = await getSources(db, actor, req.query);
        return sendXlsx(req, reply, `dispute-sources-${s.area.code}-${s.from}-${s.to}.xlsx`, (out) =>
          writeSourcesXlsx(db, actor, s, out),
        );
      },
    );

    app.get(
      '/disputes/analysis/repeat-parties',
      {
        schema: {
          tags,
          summary: '重复当事人（多次涉纠纷的个人、企业）/ Persons and enterprises in several disputes',
          querystring: PartiesQuery,
          response: { 200: PartiesSchema, ...errors },
        },
      },
      async (req) => getRepeatParties(db, requireActor(req), req.query),
    );
    app.get(
      '/disputes/analysis/repeat-parties.xlsx',
      {
        schema: {
          tags,
          summary: `导出重复当事人为 Excel（全部页）/ Repeat parties as XLSX, every page`,
          querystring: PartiesQuery.omit({ limit: true, cursor: true }),
          response: XlsxResponse,
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        // The first page checks permission, area and window before the download starts.
        const first = await getRepeatParties(db, actor, { ...req.query, limit: 1 });
        return sendXlsx(req, reply, `dispute-repeat-parties-${first.area.code}-${first.to}.xlsx`, (out) =>
          writeRepeatPartiesXlsx(db, actor, req.query, out),
        );
      },
    );

    app.get(
      '/disputes/analysis/resolution',
      {
        schema: {
          tags,
          summary: '各区域化解率、在办、超期 / 化解率, open and overdue disputes by child area',
          querystring: PeriodQuery,
          response: { 200: ResolutionSchema, ...errors },
        },
      },
      async (req) => getResolution(db, requireActor(req), req.query),
    );
    app.get(
      '/disputes/analysis/resolution.xlsx',
      {
        schema: {
          tags,
          summary: '导出化解率为 Excel / 化解率 by area as XLSX',
          querystring: PeriodQuery,
          response: XlsxResponse,
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await getResolution(db, actor, req.query);
        return sendXlsx(req, reply, `dispute-resolution-${r.area.code}-${r.from}-${r.to}.xlsx`, (out) =>
          writeResolutionXlsx(db, actor, r, out),
        );
      },
    );
  };

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCan } from '../../core/access/actor.ts';
import { AppError } from '../../core/errors.ts';
import type { Kernel } from '../../core/kernel.ts';
import { requireActor } from '../../server/auth.ts';
import { ErrorBody } from '../../server/errors.ts';
import { contentDisposition } from '../../server/routes/attachments.routes.ts';
import { IdParam } from '../../server/schemas.ts';
import { XLSX } from '../../server/xlsx-reply.ts';
import {
  getBatch,
  importStatistics,
  listBatches,
  MAX_IMPORT_BYTES,
  templateXlsx,
} from './imports.service.ts';
import { INDICATORS } from './indicators.ts';
import {
  auditExport,
  CHART_GROUPS,
  DRILL_EXPORT_MAX,
  drillXlsx,
  fiveYearsPdf,
  fiveYearsXlsx,
  headline,
  renderCharts,
  reportXlsx,
} from './report.export.ts';
import * as S from './report.schema.ts';
import { getFiveYears, getRecords, getReport, metaOf } from './report.service.ts';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
};
const tags = ['report 平安报表'];
const FileResponse = (type: string) => ({ 200: z.unknown().describe(type), ...errors });

/**
 * 平安报表 and 数说五年. Thin: validate → authenticate → service (authorises, scopes) → present. Exports are
 * audited in a transaction of their own; the charts are drawn after it commits.
 */
export const reportRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = kernel;

    app.get(
      '/report/indicators',
      {
        schema: {
          tags,
          summary: '指标及其口径 / The indicators and their definitions',
          response: { 200: z.array(S.IndicatorMetaSchema), ...errors },
        },
      },
      async (req) => {
        assertCan(requireActor(req), 'report:read');
        return INDICATORS.map(metaOf);
      },
    );

    app.get(
      '/report',
      {
        schema: {
          tags,
          summary:
            '平安报表：一个区域、一个统计期的全部指标与同比 / Every indicator for an area and a period',
          querystring: S.ReportQuery,
          response: { 200: S.ReportSchema, ...errors },
        },
      },
      async (req) => getReport(db, requireActor(req), req.query),
    );

    app.get(
      '/report/export',
      {
        schema: {
          tags,
          summary: '导出平安报表为 Excel（记审计）/ The report as a workbook (audited)',
          querystring: S.ReportQuery,
          response: FileResponse(XLSX),
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const r = await db.transaction().execute(async (tx) => {
          const report = await getReport(tx, actor, req.query);
          await auditExport(tx, actor, 'report.xlsx', report.area.code, report.period.key);
          return report;
        });
        const body = await reportXlsx(r);
        return reply
          .header('content-type', XLSX)
          .header(
            'content-disposition',
            contentDisposition('attachment', `平安报表-${r.area.name}-${r.period.key}.xlsx`),
          )
          .send(body);
      },
    );

    app.get(
      '/report/indicators/:code/records.xlsx',
      {
        schema: {
          tags,
          summary: `指标背后的记录导出为 Excel（最多 ${DRILL_EXPORT_MAX} 条，记审计）/ The records behind a figure as a workbook (audited)`,
          params: S.IndicatorParam,
          querystring: S.ReportQuery.extend({ lastYear: S.RecordsQuery.shape.lastYear }),
          response: FileResponse(XLSX),
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const d = await db.transaction().execute(async (tx) => {
          const drill = await getRecords(tx, actor, req.params.code, {
            ...req.query,
            limit: DRILL_EXPORT_MAX,
            offset: 0,
          });
          await auditExport(tx, actor, `records.xlsx:${req.params.code}`, drill.area.code, drill.period.key);
          return drill;
        });
        return reply
          .header('content-type', XLSX)
          .header(
            'content-disposition',
            contentDisposition('attachment', `${d.indicator.name.zh}-${d.area.name}-${d.period.key}.xlsx`),
          )
          .send(await drillXlsx(d));
      },
    );

    app.get(
      '/report/indicators/:code/records',
      {
        schema: {
          tags,
          summary: '指标背后的记录（分页）/ The records behind a figure (paged)',
          params: S.IndicatorParam,
          querystring: S.RecordsQuery,
          response: { 200: S.DrillSchema, ...errors },
        },
      },
      async (req) => getRecords(db, requireActor(req), req.params.code, req.query),
    );

    app.get(
      '/report/five-years',
      {
        schema: {
          tags,
          summary: '数说五年：逐年数据、五年合计与变化 / Five years in figures',
          querystring: S.FiveQuery,
          response: { 200: S.FiveYearsSchema, ...errors },
        },
      },
      async (req) => {
        const data = await getFiveYears(db, requireActor(req), req.query);
        return { ...data, charts: CHART_GROUPS, headlines: data.items.map(headline) };
      },
    );

    for (const format of ['pdf', 'xlsx'] as const) {
      app.get(
        `/report/five-years.${format}`,
        {
          schema: {
            tags,
            summary: `数说五年导出为 ${format.toUpperCase()}（含趋势图，记审计）/ Five years as ${format.toUpperCase()} with charts (audited)`,
            querystring: S.FiveQuery,
            response: FileResponse(format === 'pdf' ? 'application/pdf' : XLSX),
          },
        },
        async (req, reply) => {
          const actor = requireActor(req);
          const data = await db.transaction().execute(async (tx) => {
            const d = await getFiveYears(tx, actor, req.query);
            await auditExport(tx, actor, `five-years.${format}`, d.area.code, d.period.key);
            return d;
          });
          const charts = await renderCharts(data);
          const name = `数说五年-${data.area.name}-${data.period.key}.${format}`;
          const body =
            format === 'pdf'
              ? Buffer.from(await fiveYearsPdf(data, charts))
              : await fiveYearsXlsx(data, charts);
          return reply
            .header('content-type', format === 'pdf' ? 'application/pdf' : XLSX)
            .header('content-disposition', contentDisposition('attachment', name))
            .send(body);
        },
      );
    }

    app.get(
      '/report/imports/template',
      {
        schema: {
          tags,
          summary: '统计数据导入模板 / The import template',
          response: FileResponse(XLSX),
        },
      },
      async (req, reply) => {
        assertCan(requireActor(req), 'report:import');
        return reply
          .header('content-type', XLSX)
          .header('content-disposition', contentDisposition('attachment', '平安报表-统计数据导入模板.xlsx'))
          .send(await templateXlsx());
      },
    );

    app.post(
      '/report/imports',
      {
        schema: {
          tags,
          summary: '导入统计数据（CSV UTF-8/GBK 或 XLSX）/ Import statistics (CSV UTF-8/GBK or XLSX)',
          description:
            'multipart/form-data，一个 `file` 部分。列：指标、区域代码、月份、数值、来源部门。逐行校验：错误行给出行号、字段与原因，其余有效行全部入库；同一指标、区域、月份再次导入时更新数值。' +
            ' / multipart/form-data with one `file` part. Columns: indicator, area code, month, value, department. Each row is checked: bad rows are reported (row, field, reason) and every valid row lands; the same indicator, area and month imported again updates the value.',
          consumes: ['multipart/form-data'],
          response: { 201: S.BatchSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        assertCan(actor, 'report:import');
        if (!req.isMultipart()) {
          throw new AppError(
            'BAD_REQUEST',
            '请以 multipart/form-data 上传文件 / Send the file as multipart/form-data',
          );
        }
        const part = await req.file({ limits: { fileSize: MAX_IMPORT_BYTES, files: 1 } });
        if (!part) {
          throw new AppError('VALIDATION_FAILED', '缺少文件 / No file', [
            { path: 'file', message: 'required' },
          ]);
        }
        let bytes: Buffer;
        try {
          bytes = await part.toBuffer();
        } catch {
          throw new AppError(
            'FILE_TOO_LARGE',
            `文件超过 ${MAX_IMPORT_BYTES / 1_048_576} MB 的上限 / The file is larger than ${MAX_IMPORT_BYTES / 1_048_576} MB`,
          );
        }
        const batch = await db
          .transaction()
          .execute((tx) => importStatistics(tx, actor, { filename: part.filename || 'upload', bytes }));
        return reply.code(201).send(batch);
      },
    );

    app.get(
      '/report/imports',
      {
        schema: {
          tags,
          summary: '导入批次 / Import batches',
          querystring: S.BatchPageQuery,
          response: { 200: S.BatchPage, ...errors },
        },
      },
      async (req) => listBatches(db, requireActor(req), req.query),
    );

    app.get(
      '/report/imports/:id',
      {
        schema: {
          tags,
          summary: '导入批次及其错误行 / An import batch with its row errors',
          params: IdParam,
          response: { 200: S.BatchSchema, ...errors },
        },
      },
      async (req) => getBatch(db, requireActor(req), req.params.id),
    );
  };

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ApiError, api, type Schemas, unwrap } from '../../api/client';

/** 平安报表's queries and types, all from the server's OpenAPI document. */
export type Report = Schemas['Report'];
export type ReportItem = Report['items'][number];
export type Drill = Schemas['ReportDrill'];
export type FiveYears = Schemas['ReportFiveYears'];
export type ImportBatch = Schemas['ReportImportBatch'];

export interface ReportParams {
  areaCode?: string | undefined;
  period?: string | undefined;
}

export function useReport(p: ReportParams) {
  return useQuery({
    queryKey: ['report', p.areaCode, p.period],
    queryFn: () => unwrap(api.GET('/api/report', { params: { query: p } })),
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useDrill(
  code: string | undefined,
  p: ReportParams & { lastYear?: boolean; limit: number; offset: number },
) {
  return useQuery({
    queryKey: ['report', 'drill', code, p.areaCode, p.period, p.lastYear, p.limit, p.offset],
    queryFn: () =>
      unwrap(
        api.GET('/api/report/indicators/{code}/records', {
          params: {
            path: { code: code! },
            query: {
              areaCode: p.areaCode,
              period: p.period,
              lastYear: p.lastYear ? 'true' : 'false',
              limit: p.limit,
              offset: p.offset,
            },
          },
        }),
      ),
    enabled: !!code,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useFiveYears(p: ReportParams) {
  return useQuery({
    queryKey: ['report', 'five', p.areaCode, p.period],
    queryFn: () => unwrap(api.GET('/api/report/five-years', { params: { query: p } })),
    retry: false,
  });
}

export function useBatches(page: number, pageSize: number) {
  return useQuery({
    queryKey: ['report', 'imports', page, pageSize],
    queryFn: () =>
      unwrap(
        api.GET('/api/report/imports', {
          params: { query: { limit: pageSize, offset: (page - 1) * pageSize } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function queryString(p: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v) q.set(k, v);
  return q.toString();
}

/** Uploads a statistics file (multipart); the answer is the batch with its row errors. */
export async function uploadStatistics(file: File): Promise<ImportBatch> {
  const form = new FormData();
  form.append('file', file, file.name);
  const r = await fetch('/api/report/imports', { method: 'POST', body: form, credentials: 'same-origin' });
  const body = await r.json().catch(() => undefined);
  if (!r.ok) throw new ApiError(r.status, body);
  return body as ImportBatch;
}

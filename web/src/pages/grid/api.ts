import { useQuery } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';

/** 网格's queries and types, all from the server's OpenAPI document. */
export type GridMember = Schemas['GridMember'];
export type GridCheckin = Schemas['GridCheckin'];
export type GridVisit = Schemas['GridVisit'];
export type GridReport = Schemas['GridReport'];
export type GridRules = Schemas['GridRules'];
export type GridRole = GridMember['role'];
export type MemberBody = paths['/api/grid/members']['post']['requestBody']['content']['application/json'];
export type MyGrids = paths['/api/grid/mine']['get']['responses'][200]['content']['application/json'];

export function useRoster(areaCode: string | undefined) {
  return useQuery({
    queryKey: ['grid', 'roster', areaCode],
    queryFn: () => unwrap(api.GET('/api/grid/roster', { params: { query: { areaCode: areaCode! } } })),
    enabled: !!areaCode && areaCode.length === 15,
    retry: false,
  });
}

export function useMyGrids() {
  return useQuery({
    queryKey: ['grid', 'mine'],
    queryFn: () => unwrap(api.GET('/api/grid/mine')),
    retry: false,
  });
}

export function useVisits(checkinId: string | undefined) {
  return useQuery({
    queryKey: ['grid', 'visits', checkinId],
    queryFn: () =>
      unwrap(api.GET('/api/grid/checkins/{id}/visits', { params: { path: { id: checkinId! } } })),
    enabled: !!checkinId,
  });
}

export function useRules() {
  return useQuery({ queryKey: ['grid', 'rules'], queryFn: () => unwrap(api.GET('/api/grid/rules')) });
}

export interface ReportParams {
  areaCode?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export function useReport(p: ReportParams) {
  return useQuery({
    queryKey: ['grid', 'report', p.areaCode, p.from, p.to],
    queryFn: () => unwrap(api.GET('/api/grid/report', { params: { query: p } })),
    retry: false,
  });
}

export function reportQueryString(p: ReportParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v) q.set(k, v);
  return q.toString();
}

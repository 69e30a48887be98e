import { useQueries, useQuery } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../../../api/client';
import type { paths } from '../../../api/schema';

type Name = { zh: string; en: string };
export type MatterType =
  paths['/api/matter-types']['get']['responses'][200]['content']['application/json']['items'][number];
export type Workflow =
  paths['/api/matter-types/{code}/workflow']['get']['responses'][200]['content']['application/json'];
export type Department =
  paths['/api/departments']['get']['responses'][200]['content']['application/json']['items'][number];
export type AreaDetail = paths['/api/areas/{code}']['get']['responses'][200]['content']['application/json'];
/** What the pages use of an area (the API's shapes differ in their geometry fields, which are not used here). */
export type Area = Pick<Schemas['Area'], 'code' | 'parentCode' | 'level' | 'name'>;

// Reference data changes with a deployment, not while a page is open.
const FOREVER = { staleTime: Number.POSITIVE_INFINITY, gcTime: 60 * 60_000 } as const;

/** Matter types with their categories and state names (the names in the user's language come from here). */
export function useMatterTypes() {
  const q = useQuery({
    queryKey: ['matter-types'],
    queryFn: () => unwrap(api.GET('/api/matter-types')),
    ...FOREVER,
  });
  const items = q.data?.items ?? [];
  const byCode = new Map(items.map((t) => [t.code, t]));
  return {
    ...q,
    types: items,
    type: (code: string | undefined) => (code ? byCode.get(code) : undefined),
    /** A state's name for a type; without a type, the first type that declares the state. */
    stateName: (state: string, typeCode?: string): Name | undefined => {
      const pool = typeCode && byCode.has(typeCode) ? [byCode.get(typeCode)!] : items;
      for (const t of pool) {
        const s = t.states.find((x) => x.code === state);
        if (s) return s.name;
      }
      return undefined;
    },
    categoryName: (category: string | null | undefined, typeCode?: string): Name | undefined => {
      if (!category) return undefined;
      const pool = typeCode && byCode.has(typeCode) ? [byCode.get(typeCode)!] : items;
      for (const t of pool) {
        const c = t.categories.find((x) => x.code === category);
        if (c) return c.name;
      }
      return undefined;
    },
  };
}

/** A type's workflow (states, transitions with names and deadlines) and its diagram with `current` highlighted. */
export function useWorkflow(code: string | undefined, current?: string) {
  return useQuery({
    queryKey: ['workflow', code, current ?? null],
    queryFn: () =>
      unwrap(
        api.GET('/api/matter-types/{code}/workflow', {
          params: { path: { code: code! }, query: current ? { current } : {} },
        }),
      ),
    enabled: !!code,
    staleTime: 5 * 60_000,
  });
}

export function useDepartments() {
  const q = useQuery({
    queryKey: ['departments'],
    queryFn: () => unwrap(api.GET('/api/departments')),
    ...FOREVER,
  });
  const items = q.data?.items ?? [];
  return { ...q, items, byCode: new Map(items.map((d) => [d.code, d])) };
}

const areaQuery = (code: string) => ({
  queryKey: ['area', code],
  queryFn: () => unwrap(api.GET('/api/areas/{code}', { params: { path: { code } } })),
  ...FOREVER,
  // Outside the user's scope the API answers 404 on purpose; asking again will not change that.
  retry: false,
});

/** One area with its path from the city (only areas in the user's scope can be opened). */
export function useArea(code: string | null | undefined) {
  return useQuery({ ...areaQuery(code ?? ''), enabled: !!code });
}

/**
 * Names for the area codes shown on a page. The matter list carries codes only, so each distinct code is
 * looked up once (and cached for the session); the names of a looked-up area's ancestors come with it.
 * A code the user may not open stays a code.
 */
export function useAreaNames(
  codes: (string | null | undefined)[],
): (code: string | null | undefined) => string {
  const unique = [...new Set(codes.filter((c): c is string => !!c))];
  const results = useQueries({ queries: unique.map(areaQuery) });
  const names = new Map<string, string>();
  for (const r of results) {
    if (!r.data) continue;
    for (const a of r.data.path) names.set(a.code, a.name);
    names.set(r.data.code, r.data.name);
  }
  return (code) => (code ? (names.get(code) ?? code) : '');
}

/** The significant prefix of an area code, as the server decides scope (src/core/access/actor.ts). */
export function scopePrefix(code: string): string {
  if (code.length === 15) return code;
  for (const len of [2, 4, 6, 9, 12]) {
    if (/^0*$/.test(code.slice(len))) return code.slice(0, len);
  }
  return code;
}

export const inScopeOf = (scopeCode: string, areaCode: string) => areaCode.startsWith(scopePrefix(scopeCode));

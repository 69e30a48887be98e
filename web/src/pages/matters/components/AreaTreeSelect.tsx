import { useQuery, useQueryClient } from '@tanstack/react-query';
import { TreeSelect } from 'antd';
import { type CSSProperties, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, unwrap } from '../../../api/client';
import { useI18n } from '../../../i18n';
import type { Area } from './lookups';

interface Node {
  id: string;
  pId: string | null;
  value: string;
  title: string;
  isLeaf: boolean;
  selectable: boolean;
}

const STALE = { staleTime: Number.POSITIVE_INFINITY } as const;

/**
 * An area picker over the user's own tree: starts at their area (GET /api/areas/tree, one level down) and
 * loads the children of a node when it is opened (GET /api/areas/{code}/children) — a city has 10,000 areas,
 * nobody wants them all at once. A value set from outside (a shared link) gets its branch loaded so that it
 * shows its name, not its code.
 */
export function AreaTreeSelect({
  id,
  value,
  onChange,
  selectable,
  placeholder,
  allowClear = true,
  style,
  size,
  testId,
}: {
  id?: string;
  value?: string | undefined;
  onChange?: (code: string | undefined) => void;
  /** Which areas may be chosen; the others can only be opened. All by default. */
  selectable?: (a: Area) => boolean;
  placeholder?: string;
  allowClear?: boolean;
  style?: CSSProperties;
  size?: 'large' | 'middle' | 'small';
  testId?: string;
}) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [nodes, setNodes] = useState<Map<string, Node>>(new Map());
  const loaded = useRef(new Set<string>());
  const selectableRef = useRef(selectable);
  selectableRef.current = selectable;

  const root = useQuery({
    queryKey: ['areas', 'tree', 1],
    queryFn: () => unwrap(api.GET('/api/areas/tree', { params: { query: { depth: 1 } } })),
    ...STALE,
  });

  const toNode = useCallback(
    (a: Area, leaf?: boolean): Node => ({
      id: a.code,
      pId: a.parentCode,
      value: a.code,
      title: a.name,
      // A grid is the last level; anything else may have children until asked.
      isLeaf: leaf ?? a.level >= 5,
      selectable: selectableRef.current ? selectableRef.current(a) : true,
    }),
    [],
  );

  const addChildren = useCallback(
    (parent: string, children: Area[]) => {
      loaded.current.add(parent);
      setNodes((prev) => {
        const next = new Map(prev);
        const p = next.get(parent);
        if (p && children.length === 0) next.set(parent, { ...p, isLeaf: true });
        for (const c of children) if (!next.has(c.code)) next.set(c.code, toNode(c));
        return next;
      });
    },
    [toNode],
  );

  useEffect(() => {
    const r = root.data;
    if (!r) return;
    setNodes((prev) => {
      const next = new Map(prev);
      next.set(r.code, toNode(r, r.level >= 5));
      for (const c of r.children ?? []) if (!next.has(c.code)) next.set(c.code, toNode(c));
      return next;
    });
    if (r.level < 5) loaded.current.add(r.code);
  }, [root.data, toNode]);

  const loadChildren = useCallback(
    async (code: string) => {
      if (loaded.current.has(code)) return;
      const r = await qc.fetchQuery({
        queryKey: ['areas', 'children', code],
        queryFn: () => unwrap(api.GET('/api/areas/{code}/children', { params: { path: { code } } })),
        ...STALE,
      });
      addChildren(code, r.items);
    },
    [qc, addChildren],
  );

  // A value not in the loaded tree (from the URL): open the branches between the user's area and it.
  useEffect(() => {
    if (!value || !root.data || nodes.has(value)) return;
    let cancelled = false;
    void (async () => {
      try {
        const a = await qc.fetchQuery({
          queryKey: ['area', value],
          queryFn: () => unwrap(api.GET('/api/areas/{code}', { params: { path: { code: value } } })),
          ...STALE,
        });
        const rootLevel = root.data.level;
        const chain = a.path.filter((p) => p.level >= rootLevel && p.code !== value);
        for (const p of chain) {
          if (cancelled) return;
          await loadChildren(p.code);
        }
      } catch {
        // Outside the user's tree: the picker shows the code, the query shows the API's answer.
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [value, root.data, nodes, qc, loadChildren]);

  const treeData = useMemo(() => [...nodes.values()], [nodes]);

  return (
    <TreeSelect
      id={id}
      data-testid={testId}
      style={{ width: '100%', ...style }}
      size={size}
      value={value}
      onChange={(v: string | undefined) => onChange?.(v ?? undefined)}
      treeDataSimpleMode
      treeData={treeData}
      loadData={(n) => loadChildren(String(n.value))}
      loading={root.isLoading}
      showSearch={{ treeNodeFilterProp: 'title' }}
      allowClear={allowClear}
      placeholder={placeholder ?? t('选择区域', 'Choose an area')}
      treeDefaultExpandedKeys={root.data ? [root.data.code] : []}
      notFoundContent={root.isError ? t('区域加载失败', 'Could not load the areas') : undefined}
      popupMatchSelectWidth={false}
      styles={{ popup: { root: { maxWidth: 'min(480px, 96vw)' } } }}
      aria-label={placeholder ?? t('选择区域', 'Choose an area')}
    />
  );
}

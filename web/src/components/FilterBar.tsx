import { Flex, Input, Select } from 'antd';
import { type CSSProperties, type ReactNode, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useI18n } from '../i18n';

/**
 * The pieces of a list page's filter bar: the filters live in the address (a filtered view can be shared and
 * the back button returns to the previous filters), each control under its own label.
 */

/**
 * The address's query string as the page's filters. `update` sets the given keys (an empty value removes
 * the key) as a new history entry; with `pageKey`, any change that does not set the page sends the list back
 * to its first page. `reset` clears every filter but the keys in `keep` (a view, a tab).
 */
export function useUrlFilters({ pageKey, keep = [] }: { pageKey?: string; keep?: string[] } = {}) {
  const [params, setParams] = useSearchParams();
  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (pageKey && !(pageKey in changes)) next.delete(pageKey);
    setParams(next);
  };
  const reset = () => {
    const next = new URLSearchParams();
    for (const k of keep) {
      const v = params.get(k);
      if (v) next.set(k, v);
    }
    setParams(next);
  };
  return { params, update, reset };
}

/** One control of the bar under its label (the label names the control for screen readers and clicks). */
export function FilterField({ id, label, children }: { id: string; label: ReactNode; children: ReactNode }) {
  return (
    <Flex vertical gap={4}>
      <label htmlFor={id} style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)' }}>
        {label}
      </label>
      {children}
    </Flex>
  );
}

/** A labelled choice bound to one key of the address; `defaultValue` is what no key means (and is not written). */
export function FilterSelect({
  id,
  label,
  param,
  options,
  defaultValue = '',
  all,
  width = 140,
  update,
  params,
  testId,
}: {
  id: string;
  label: ReactNode;
  param: string;
  options: { value: string; label: ReactNode }[];
  defaultValue?: string;
  /** Put a first "全部 / All" choice meaning no filter (value ''). */
  all?: boolean;
  width?: CSSProperties['width'];
  update: (changes: Record<string, string | undefined>) => void;
  params: URLSearchParams;
  testId?: string;
}) {
  const { t } = useI18n();
  return (
    <FilterField id={id} label={label}>
      <Select
        id={id}
        value={params.get(param) ?? defaultValue}
        onChange={(v: string) => update({ [param]: v === defaultValue ? undefined : v })}
        style={{ width }}
        options={[...(all ? [{ value: '', label: t('全部', 'All') }] : []), ...options]}
        data-testid={testId}
      />
    </FilterField>
  );
}

/** The keywords box: typed freely, applied on Enter or the search button (trimmed, bounded). */
export function FilterSearch({
  id,
  param = 'q',
  max,
  placeholder,
  width = 240,
  update,
  params,
  testId,
}: {
  id: string;
  param?: string;
  max: number;
  placeholder: string;
  width?: CSSProperties['width'];
  update: (changes: Record<string, string | undefined>) => void;
  params: URLSearchParams;
  testId?: string;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState(params.get(param) ?? '');
  return (
    <FilterField id={id} label={t('关键词', 'Keywords')}>
      <Input.Search
        id={id}
        value={q}
        maxLength={max}
        allowClear
        onChange={(e) => setQ(e.target.value)}
        onSearch={(v) => update({ [param]: v.trim() || undefined })}
        placeholder={placeholder}
        style={{ width }}
        data-testid={testId}
      />
    </FilterField>
  );
}

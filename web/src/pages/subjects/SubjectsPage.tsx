import { IdcardOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  AutoComplete,
  Button,
  Flex,
  Input,
  Select,
  Table,
  type TableColumnsType,
  type TableProps,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import type { SorterResult } from 'antd/es/table/interface';
import { type ReactNode, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, type Schemas, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaName, AreaPicker } from '../areas/areaShared';
import { LookupModal } from './LookupModal';
import { GENDERS, HOUSE_KINDS, labelOf, PERSON_TAGS, THING_KINDS } from './labels';
import { SubjectDrawer, type SubjectKind, type SubjectRef } from './SubjectDrawer';

type Order = 'asc' | 'desc';
interface ListState<S extends string> {
  q?: string | undefined;
  areaCode?: string | undefined;
  /** The one extra filter of each tab: a person's tag, a house's or thing's kind, an enterprise's industry. */
  extra?: string | undefined;
  page: number;
  pageSize: number;
  sort: S;
  order: Order;
}

interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

const dateTime = (s: string) => new Date(s).toLocaleString();

/**
 * 人房企物: one tab per kind, each a server-side searched, filtered, sorted and paginated table (the API
 * applies the user's scope), and a detail drawer. There is deliberately no export here: the subjects API
 * has no export endpoint, and personal data is not assembled into files in the browser.
 */
export default function SubjectsPage() {
  const { can } = useAuth();
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [stack, setStack] = useState<SubjectRef[]>([]);
  const open = (ref: SubjectRef) => setStack((s) => [...s, ref]);
  const openFresh = (ref: SubjectRef) => setStack([ref]);
  const all = can('subject:read');
  // An enterprise user reads only their own enterprise; everyone else needs subject:read.
  if (!all && !can('enterprise:read-own')) return <Forbidden />;
  const tabs = [
    ...(all
      ? [{ key: 'persons', label: t('人员', 'Persons'), children: <PersonsTab onOpen={openFresh} /> }]
      : []),
    ...(all
      ? [{ key: 'houses', label: t('房屋', 'Houses'), children: <HousesTab onOpen={openFresh} /> }]
      : []),
    { key: 'enterprises', label: t('企业', 'Enterprises'), children: <EnterprisesTab onOpen={openFresh} /> },
    ...(all ? [{ key: 'things', label: t('物', 'Things'), children: <ThingsTab onOpen={openFresh} /> }] : []),
  ];
  const tab = tabs.some((x) => x.key === params.get('tab')) ? params.get('tab')! : tabs[0]!.key;
  return (
    <div style={{ minWidth: 0 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('人房企物', 'People & places')}
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams({ tab: k }, { replace: true })}
        items={tabs}
        data-testid="subject-tabs"
      />
      <SubjectDrawer
        stack={stack}
        onOpen={open}
        onBack={() => setStack((s) => s.slice(0, -1))}
        onClose={() => setStack([])}
      />
    </div>
  );
}

function useListState<S extends string>(defaultSort: S) {
  const [state, setState] = useState<ListState<S>>({
    page: 1,
    pageSize: 20,
    sort: defaultSort,
    order: 'asc',
  });
  /** A filter change starts again at page 1: page 7 of a narrower result may not exist. */
  const filter = (patch: Partial<Pick<ListState<S>, 'q' | 'areaCode' | 'extra'>>) =>
    setState((s) => ({ ...s, ...patch, page: 1 }));
  const onChange = <T,>(
    pagination: Parameters<NonNullable<TableProps<T>['onChange']>>[0],
    sorter: SorterResult<T> | SorterResult<T>[],
  ) => {
    const one = Array.isArray(sorter) ? sorter[0] : sorter;
    const key = one?.order ? (String(one.columnKey) as S) : defaultSort;
    const order: Order = one?.order === 'descend' ? 'desc' : 'asc';
    setState((s) => ({
      ...s,
      sort: key,
      order,
      // A new sort starts at the top; paging keeps the sort.
      page: key !== s.sort || order !== s.order ? 1 : (pagination.current ?? 1),
      pageSize: pagination.pageSize ?? s.pageSize,
    }));
  };
  const sortOrder = (key: S) =>
    state.sort === key && key !== defaultSort ? (state.order === 'asc' ? 'ascend' : 'descend') : null;
  return { state, filter, onChange, sortOrder };
}

/** The filter row above a table: wraps on narrow screens, every control labelled for screen readers. */
function Toolbar({
  searchLabel,
  onSearch,
  areaCode,
  onArea,
  extra,
  actions,
  total,
}: {
  searchLabel: string;
  onSearch: (q: string | undefined) => void;
  areaCode: string | undefined;
  onArea: (code: string | undefined) => void;
  extra?: ReactNode;
  actions?: ReactNode;
  total: number | undefined;
}) {
  const { t } = useI18n();
  const mobile = useIsMobile();
  const w = mobile ? '100%' : undefined;
  return (
    <Flex wrap gap={8} align="center" style={{ marginBottom: 12 }}>
      <Input.Search
        allowClear
        placeholder={searchLabel}
        aria-label={searchLabel}
        style={{ width: w ?? 240 }}
        onSearch={(v) => onSearch(v.trim() || undefined)}
        data-testid="subject-search"
        maxLength={50}
      />
      <div style={{ width: w }}>
        <AreaPicker
          value={areaCode}
          onChange={onArea}
          placeholder={t('按区域筛选', 'Filter by area')}
          style={{ width: w ?? 220 }}
        />
      </div>
      {extra}
      {actions}
      {total !== undefined && (
        <Typography.Text type="secondary" style={{ marginLeft: mobile ? 0 : 'auto' }}>
          {t(`共 ${total} 条`, `${total} in all`)}
        </Typography.Text>
      )}
    </Flex>
  );
}

function SubjectTable<T extends { id: string }>({
  kind,
  query,
  columns,
  onOpen,
  onChange,
  state,
}: {
  kind: SubjectKind;
  query: {
    data?: Page<T> | undefined;
    isLoading: boolean;
    isFetching: boolean;
    error: unknown;
    refetch: () => unknown;
  };
  columns: TableColumnsType<T>;
  onOpen: (ref: SubjectRef) => void;
  onChange: (
    p: Parameters<NonNullable<TableProps<T>['onChange']>>[0],
    s: SorterResult<T> | SorterResult<T>[],
  ) => void;
  state: { page: number; pageSize: number };
}) {
  const { t } = useI18n();
  if (query.error) return <PageState error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <Table<T>
      rowKey="id"
      size="middle"
      data-testid={`table-${kind}`}
      columns={columns}
      dataSource={query.data?.items ?? []}
      loading={query.isFetching}
      // Phones scroll the table inside its own box; the page itself never gets wider than the screen.
      scroll={{ x: 'max-content' }}
      onRow={(r) => ({ onClick: () => onOpen({ kind, id: r.id }), style: { cursor: 'pointer' } })}
      onChange={(p, _f, s) => onChange(p, s)}
      locale={{ emptyText: query.isLoading ? ' ' : t('没有符合条件的记录', 'Nothing matches these filters') }}
      pagination={{
        current: state.page,
        pageSize: state.pageSize,
        total: query.data?.total ?? 0,
        showSizeChanger: true,
        pageSizeOptions: [10, 20, 50, 100],
        showTotal: (n) => t(`共 ${n} 条`, `${n} in all`),
        size: 'small',
      }}
    />
  );
}

/** A cell that opens the record: the row is clickable, and this makes it reachable by keyboard too. */
/** The columns every subject table ends with: its area, and when it last changed (sortable). */
function trailingColumns<T extends { areaCode: string; updatedAt: string }>(
  t: (zh: string, en: string) => string,
  updatedOrder: 'ascend' | 'descend' | null,
): TableColumnsType<T> {
  return [
    { key: 'area', title: t('所属区域', 'Area'), render: (_, x) => <AreaName code={x.areaCode} /> },
    {
      key: 'updatedAt',
      title: t('更新时间', 'Updated'),
      sorter: true,
      sortOrder: updatedOrder,
      render: (_, x) => dateTime(x.updatedAt),
    },
  ];
}

/** The "kind" filter of the houses and things tabs, from the same label table the rows use. */
function KindFilter({
  kinds,
  placeholder,
  label,
  value,
  onChange,
}: {
  kinds: Record<string, { zh: string; en: string }>;
  placeholder: string;
  label: string;
  value: string | undefined;
  onChange: (v: string | undefined) => void;
}) {
  const { lang } = useI18n();
  const mobile = useIsMobile();
  return (
    <Select
      allowClear
      style={{ width: mobile ? '100%' : 130 }}
      placeholder={placeholder}
      aria-label={label}
      value={value}
      onChange={onChange}
      options={Object.entries(kinds).map(([v, l]) => ({ value: v, label: l[lang] }))}
    />
  );
}

function OpenLink({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  return (
    <Button
      type="link"
      size="small"
      style={{ padding: 0, height: 'auto' }}
      onClick={(e) => {
        e.stopPropagation();
        onClick();
      }}
    >
      {children}
    </Button>
  );
}

function PersonsTab({ onOpen }: { onOpen: (ref: SubjectRef) => void }) {
  const { t, lang } = useI18n();
  const mobile = useIsMobile();
  const { state, filter, onChange, sortOrder } = useListState<'id' | 'name' | 'updatedAt'>('id');
  const [lookup, setLookup] = useState(false);
  const query = useQuery({
    queryKey: ['subjects', 'persons', state],
    queryFn: (): Promise<Page<Schemas['Person']>> =>
      unwrap(
        api.GET('/api/persons', {
          params: {
            query: {
              page: state.page,
              pageSize: state.pageSize,
              q: state.q,
              areaCode: state.areaCode,
              tag: state.extra,
              sort: state.sort,
              order: state.order,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const columns: TableColumnsType<Schemas['Person']> = [
    {
      key: 'name',
      title: t('姓名', 'Name'),
      sorter: true,
      sortOrder: sortOrder('name'),
      render: (_, p) => <OpenLink onClick={() => onOpen({ kind: 'person', id: p.id })}>{p.name}</OpenLink>,
    },
    { key: 'gender', title: t('性别', 'Gender'), render: (_, p) => labelOf(GENDERS, p.gender, lang) },
    {
      key: 'birth',
      title: t('出生日期', 'Born'),
      dataIndex: 'birthDate',
      render: (v: string | null) => v ?? '—',
    },
    {
      key: 'idNumber',
      title: t('身份证号', 'ID number'),
      dataIndex: 'idNumber',
      render: (v: string | null) => v ?? '—',
    },
    { key: 'phone', title: t('手机号', 'Phone'), dataIndex: 'phone', render: (v: string | null) => v ?? '—' },
    { key: 'tags', title: t('标签', 'Tags'), render: (_, p) => p.tags.map((x) => <Tag key={x}>{x}</Tag>) },
    ...trailingColumns<Schemas['Person']>(t, sortOrder('updatedAt')),
  ];
  return (
    <>
      <Toolbar
        searchLabel={t('搜索姓名', 'Search by name')}
        onSearch={(q) => filter({ q })}
        areaCode={state.areaCode}
        onArea={(areaCode) => filter({ areaCode })}
        total={query.data?.total}
        extra={
          <AutoComplete
            allowClear
            style={{ width: mobile ? '100%' : 150 }}
            options={PERSON_TAGS.map((x) => ({ value: x }))}
            placeholder={t('人员标签', 'Tag')}
            aria-label={t('按人员标签筛选', 'Filter by tag')}
            onSelect={(v: string) => filter({ extra: v })}
            onChange={(v: string) => {
              if (!v) filter({ extra: undefined });
            }}
            onBlur={(e) => {
              const v = (e.target as HTMLInputElement).value?.trim();
              if (v !== (state.extra ?? '')) filter({ extra: v || undefined });
            }}
          />
        }
        actions={
          <Button
            icon={<IdcardOutlined />}
            onClick={() => setLookup(true)}
            data-testid="lookup-open"
            block={mobile}
          >
            {t('按身份证号查找', 'Find by ID number')}
          </Button>
        }
      />
      <SubjectTable
        kind="person"
        query={query}
        columns={columns}
        onOpen={onOpen}
        onChange={onChange}
        state={state}
      />
      <LookupModal
        open={lookup}
        onClose={() => setLookup(false)}
        onFound={(id) => onOpen({ kind: 'person', id })}
      />
    </>
  );
}

function HousesTab({ onOpen }: { onOpen: (ref: SubjectRef) => void }) {
  const { t, lang } = useI18n();
  const _mobile = useIsMobile();
  const { state, filter, onChange, sortOrder } = useListState<'id' | 'address' | 'updatedAt'>('id');
  const query = useQuery({
    queryKey: ['subjects', 'houses', state],
    queryFn: (): Promise<Page<Schemas['House']>> =>
      unwrap(
        api.GET('/api/houses', {
          params: {
            query: {
              page: state.page,
              pageSize: state.pageSize,
              q: state.q,
              areaCode: state.areaCode,
              kind: state.extra as Schemas['House']['kind'] | undefined,
              sort: state.sort,
              order: state.order,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const columns: TableColumnsType<Schemas['House']> = [
    {
      key: 'address',
      title: t('地址', 'Address'),
      sorter: true,
      sortOrder: sortOrder('address'),
      render: (_, h) => <OpenLink onClick={() => onOpen({ kind: 'house', id: h.id })}>{h.address}</OpenLink>,
    },
    { key: 'kind', title: t('类型', 'Kind'), render: (_, h) => labelOf(HOUSE_KINDS, h.kind, lang) },
    {
      key: 'floors',
      title: t('层数', 'Floors'),
      dataIndex: 'floors',
      render: (v: number | null) => v ?? '—',
    },
    ...trailingColumns<Schemas['House']>(t, sortOrder('updatedAt')),
  ];
  return (
    <>
      <Toolbar
        searchLabel={t('搜索地址', 'Search by address')}
        onSearch={(q) => filter({ q })}
        areaCode={state.areaCode}
        onArea={(areaCode) => filter({ areaCode })}
        total={query.data?.total}
        extra={
          <KindFilter
            kinds={HOUSE_KINDS}
            placeholder={t('房屋类型', 'Kind')}
            label={t('按房屋类型筛选', 'Filter by kind')}
            value={state.extra}
            onChange={(v) => filter({ extra: v })}
          />
        }
      />
      <SubjectTable
        kind="house"
        query={query}
        columns={columns}
        onOpen={onOpen}
        onChange={onChange}
        state={state}
      />
    </>
  );
}

function EnterprisesTab({ onOpen }: { onOpen: (ref: SubjectRef) => void }) {
  const { t } = useI18n();
  const mobile = useIsMobile();
  const { state, filter, onChange, sortOrder } = useListState<'id' | 'name' | 'updatedAt'>('id');
  const query = useQuery({
    queryKey: ['subjects', 'enterprises', state],
    queryFn: (): Promise<Page<Schemas['Enterprise']>> =>
      unwrap(
        api.GET('/api/enterprises', {
          params: {
            query: {
              page: state.page,
              pageSize: state.pageSize,
              q: state.q,
              areaCode: state.areaCode,
              industry: state.extra,
              sort: state.sort,
              order: state.order,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const columns: TableColumnsType<Schemas['Enterprise']> = [
    {
      key: 'name',
      title: t('企业名称', 'Name'),
      sorter: true,
      sortOrder: sortOrder('name'),
      render: (_, e) => (
        <OpenLink onClick={() => onOpen({ kind: 'enterprise', id: e.id })}>{e.name}</OpenLink>
      ),
    },
    { key: 'uscc', title: t('统一社会信用代码', 'Credit code'), dataIndex: 'uscc' },
    {
      key: 'legal',
      title: t('法定代表人', 'Legal person'),
      dataIndex: 'legalPersonName',
      render: (v: string | null) => v ?? '—',
    },
    {
      key: 'industry',
      title: t('行业', 'Industry'),
      dataIndex: 'industry',
      render: (v: string | null) => v ?? '—',
    },
    {
      key: 'phone',
      title: t('联系电话', 'Phone'),
      dataIndex: 'phone',
      render: (v: string | null) => v ?? '—',
    },
    ...trailingColumns<Schemas['Enterprise']>(t, sortOrder('updatedAt')),
  ];
  return (
    <>
      <Toolbar
        searchLabel={t('搜索名称或信用代码', 'Search name or credit code')}
        onSearch={(q) => filter({ q })}
        areaCode={state.areaCode}
        onArea={(areaCode) => filter({ areaCode })}
        total={query.data?.total}
        extra={
          <Input
            allowClear
            style={{ width: mobile ? '100%' : 130 }}
            placeholder={t('行业', 'Industry')}
            aria-label={t('按行业筛选（精确）', 'Filter by industry (exact)')}
            maxLength={50}
            onPressEnter={(e) => filter({ extra: e.currentTarget.value.trim() || undefined })}
            onBlur={(e) => {
              const v = e.currentTarget.value.trim();
              if (v !== (state.extra ?? '')) filter({ extra: v || undefined });
            }}
            onClear={() => filter({ extra: undefined })}
          />
        }
      />
      <SubjectTable
        kind="enterprise"
        query={query}
        columns={columns}
        onOpen={onOpen}
        onChange={onChange}
        state={state}
      />
    </>
  );
}

function ThingsTab({ onOpen }: { onOpen: (ref: SubjectRef) => void }) {
  const { t, lang } = useI18n();
  const _mobile = useIsMobile();
  const { state, filter, onChange, sortOrder } = useListState<'id' | 'name' | 'updatedAt'>('id');
  const query = useQuery({
    queryKey: ['subjects', 'things', state],
    queryFn: (): Promise<Page<Schemas['Thing']>> =>
      unwrap(
        api.GET('/api/things', {
          params: {
            query: {
              page: state.page,
              pageSize: state.pageSize,
              q: state.q,
              areaCode: state.areaCode,
              kind: state.extra,
              sort: state.sort,
              order: state.order,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const columns: TableColumnsType<Schemas['Thing']> = [
    {
      key: 'name',
      title: t('名称', 'Name'),
      sorter: true,
      sortOrder: sortOrder('name'),
      render: (_, x) => <OpenLink onClick={() => onOpen({ kind: 'thing', id: x.id })}>{x.name}</OpenLink>,
    },
    { key: 'kind', title: t('类型', 'Kind'), render: (_, x) => labelOf(THING_KINDS, x.kind, lang) },
    {
      key: 'identifier',
      title: t('编号', 'Identifier'),
      dataIndex: 'identifier',
      render: (v: string | null) => v ?? '—',
    },
    ...trailingColumns<Schemas['Thing']>(t, sortOrder('updatedAt')),
  ];
  return (
    <>
      <Toolbar
        searchLabel={t('搜索名称或编号', 'Search name or identifier')}
        onSearch={(q) => filter({ q })}
        areaCode={state.areaCode}
        onArea={(areaCode) => filter({ areaCode })}
        total={query.data?.total}
        extra={
          <KindFilter
            kinds={THING_KINDS}
            placeholder={t('类型', 'Kind')}
            label={t('按类型筛选', 'Filter by kind')}
            value={state.extra}
            onChange={(v) => filter({ extra: v })}
          />
        }
      />
      <SubjectTable
        kind="thing"
        query={query}
        columns={columns}
        onOpen={onOpen}
        onChange={onChange}
        state={state}
      />
    </>
  );
}

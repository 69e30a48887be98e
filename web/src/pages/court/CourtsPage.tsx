import { FileExcelOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Flex, Input, Select, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { useUrlFilters } from '../../components/FilterBar';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { COURT_KINDS, type Court, type CourtQuery, queryString } from './api';
import { CourtForm } from './CourtForm';

/**
 * 共享法庭名录: the courts in the user's area, filtered by words, kind and area (in the address), paged, with
 * the liaison's phone masked; Excel export of the same filter; registration for those who manage the registry.
 */
export default function CourtsPage() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const { params, update } = useUrlFilters({ pageKey: 'page' });
  const [q, setQ] = useState(params.get('q') ?? '');
  const [creating, setCreating] = useState(false);
  const kind = params.get('kind') as CourtQuery['kind'] | null;
  const filters = {
    ...(params.get('q') ? { q: params.get('q')!.slice(0, 50) } : {}),
    ...(kind ? { kind } : {}),
    ...(params.get('areaCode') ? { areaCode: params.get('areaCode')! } : {}),
  };
  const page = Number(params.get('page') ?? 1);
  const pageSize = Number(params.get('pageSize') ?? 20);
  const list = useQuery({
    queryKey: ['courts', 'list', filters, page, pageSize],
    queryFn: () => unwrap(api.GET('/api/courts', { params: { query: { ...filters, page, pageSize } } })),
    placeholderData: keepPreviousData,
  });

  const columns: TableColumnsType<Court> = [
    {
      key: 'name',
      title: t('名称', 'Name'),
      render: (_, c) => (
        <Link to={`/courts/${c.id}`} data-testid="court-link">
          {c.name}
        </Link>
      ),
    },
    {
      key: 'kind',
      title: t('类型', 'Kind'),
      width: 80,
      render: (_, c) => <Tag>{lang === 'zh' ? c.kindName.zh : c.kindName.en}</Tag>,
    },
    { key: 'area', title: t('区域', 'Area'), width: 140, render: (_, c) => c.areaName ?? c.areaCode },
    {
      key: 'liaison',
      title: t('庭务主任', 'Liaison'),
      width: 170,
      render: (_, c) => (
        <span>
          {c.liaison.name} <Typography.Text type="secondary">{c.liaison.phone}</Typography.Text>
        </span>
      ),
    },
    {
      key: 'judge',
      title: t('联系法官', 'Judge'),
      width: 190,
      render: (_, c) => [c.judge.name, c.judge.court].filter(Boolean).join(' · '),
    },
    {
      key: 'services',
      title: t('服务', 'Services'),
      render: (_, c) => c.services.map((s) => <Tag key={s}>{s}</Tag>),
    },
    { key: 'upcoming', title: t('待开庭', 'Upcoming'), width: 80, dataIndex: 'bookingsUpcoming' },
    { key: 'uses', title: t('使用', 'Uses'), width: 70, dataIndex: 'usesTotal' },
  ];

  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('共享法庭', 'Shared courts')}
        </Typography.Title>
        <Flex gap={8} wrap>
          <Button
            icon={<FileExcelOutlined />}
            href={`/api/courts/export?${queryString(filters)}`}
            data-testid="courts-export"
          >
            {t('导出 Excel', 'Export Excel')}
          </Button>
          {can('court:manage') && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t('登记', 'Register')}
            </Button>
          )}
        </Flex>
      </Flex>
      <Flex gap={8} wrap style={{ marginBottom: 12 }}>
        <Input.Search
          allowClear
          style={{ maxWidth: 280 }}
          placeholder={t('名称、地址、庭务主任、法官', 'Name, address, liaison, judge')}
          value={q}
          maxLength={50}
          onChange={(e) => setQ(e.target.value)}
          onSearch={(v) => update({ q: v.trim() || undefined })}
        />
        <Select
          allowClear
          style={{ width: 140 }}
          placeholder={t('类型', 'Kind')}
          value={kind ?? undefined}
          options={COURT_KINDS.map((k) => ({ value: k.value, label: k[lang] }))}
          onChange={(v) => update({ kind: v })}
        />
        <Input.Search
          allowClear
          style={{ maxWidth: 220 }}
          placeholder={t('区划代码', 'Area code')}
          defaultValue={params.get('areaCode') ?? ''}
          onSearch={(v) => update({ areaCode: /^\d{12}(\d{3})?$/.test(v.trim()) ? v.trim() : undefined })}
        />
      </Flex>
      <PageState loading={list.isLoading} error={list.error} onRetry={() => list.refetch()}>
        <Table<Court>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          scroll={{ x: 1000 }}
          pagination={{
            current: page,
            pageSize,
            total: list.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: [20, 50, 100, 200],
            showTotal: (n) => t(`共 ${n} 个共享法庭`, `${n} courts`),
            onChange: (p, s) => update({ page: String(p), pageSize: String(s) }),
          }}
        />
      </PageState>
      <CourtForm open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}

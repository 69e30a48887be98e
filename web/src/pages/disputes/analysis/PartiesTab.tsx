import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  Button,
  Card,
  Flex,
  InputNumber,
  Segmented,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../../api/client';
import { PageState } from '../../../components/PageState';
import { useI18n } from '../../../i18n';
import { useMatterTypes } from '../../matters/components/lookups';
import { ExportButton, querystring, type RepeatParties } from './shared';

type Party = RepeatParties['items'][number];
type SubjectType = 'all' | 'person' | 'enterprise';

const PAGE_SIZE = 20;
const MONTHS = [3, 6, 12, 24, 36];

/**
 * (c) Persons and enterprises named in several disputes within the last months: who keeps coming back.
 * Persons' names are masked by the server; each row opens the list of that party's disputes.
 */
export function PartiesTab({ areaCode }: { areaCode: string | undefined }) {
  const { t, name } = useI18n();
  const types = useMatterTypes();
  const [minDisputes, setMinDisputes] = useState(3);
  const [months, setMonths] = useState(12);
  const [subjectType, setSubjectType] = useState<SubjectType>('all');
  const filters = {
    areaCode,
    minDisputes,
    months,
    subjectType: subjectType === 'all' ? undefined : subjectType,
  };
  // Pages: the cursors that opened each page after the first, reset when the filters change.
  const key = JSON.stringify(filters);
  const [paging, setPaging] = useState<{ key: string; stack: string[] }>({ key, stack: [] });
  const stack = paging.key === key ? paging.stack : [];
  const cursor = stack.at(-1);

  const q = useQuery({
    queryKey: ['disputes', 'analysis', 'repeat-parties', filters, cursor ?? null],
    queryFn: () =>
      unwrap(
        api.GET('/api/disputes/analysis/repeat-parties', {
          params: { query: { ...filters, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const p = q.data;

  const columns: TableColumnsType<Party> = [
    {
      title: t('类型', 'Type'),
      dataIndex: 'subjectType',
      width: 72,
      render: (v: Party['subjectType']) =>
        v === 'person' ? (
          <Tag color="blue">{t('个人', 'Person')}</Tag>
        ) : (
          <Tag color="purple">{t('企业', 'Enterprise')}</Tag>
        ),
    },
    { title: t('名称', 'Name'), dataIndex: 'name', width: 220 },
    {
      title: t('纠纷数', 'Disputes'),
      dataIndex: 'disputes',
      width: 90,
      align: 'right',
      render: (v: number, x) => <Link to={x.link}>{v}</Link>,
    },
    {
      title: t('类别', 'Categories'),
      dataIndex: 'categories',
      render: (cs: string[]) => (
        <Flex wrap gap={4}>
          {cs.map((c) => (
            <Tag key={c}>{name(types.categoryName(c, 'dispute')) || c}</Tag>
          ))}
        </Flex>
      ),
    },
    {
      title: t('最近纠纷', 'Last dispute'),
      dataIndex: 'lastDisputeAt',
      width: 120,
      render: (v: string) => dayjs(v).format('YYYY-MM-DD'),
    },
  ];

  return (
    <Card
      size="small"
      title={t('重复当事人', 'Repeat parties')}
      extra={
        <ExportButton
          href={`/api/disputes/analysis/repeat-parties.xlsx?${querystring(filters)}`}
          testId="export-parties"
        />
      }
    >
      <Flex vertical gap={8}>
        <Flex wrap gap={12} align="center">
          <Space>
            {t('近', 'In the last')}
            <Select
              value={months}
              onChange={setMonths}
              style={{ width: 90 }}
              aria-label={t('月数', 'Months')}
              options={MONTHS.map((n) => ({ value: n, label: t(`${n} 个月`, `${n} months`) }))}
            />
            {t('内涉及至少', 'named in at least')}
            <InputNumber
              min={2}
              max={100}
              value={minDisputes}
              onChange={(v) => setMinDisputes(v ?? 3)}
              style={{ width: 72 }}
              aria-label={t('最少纠纷数', 'Minimum disputes')}
            />
            {t('起纠纷', 'disputes')}
          </Space>
          <Segmented<SubjectType>
            value={subjectType}
            onChange={setSubjectType}
            options={[
              { value: 'all', label: t('全部', 'All') },
              { value: 'person', label: t('个人', 'Persons') },
              { value: 'enterprise', label: t('企业', 'Enterprises') },
            ]}
          />
        </Flex>
        <PageState
          loading={q.isLoading}
          error={q.error}
          empty={!!p && p.total === 0}
          emptyText={t('没有符合条件的当事人', 'No party meets these conditions')}
          onRetry={() => void q.refetch()}
        >
          {p && (
            <>
              <Typography.Text type="secondary">
                {t(`${p.from} 至 ${p.to}，共 ${p.total} 个`, `${p.from} to ${p.to}: ${p.total} in all`)}
              </Typography.Text>
              <Table<Party>
                rowKey={(x) => `${x.subjectType}:${x.subjectId}`}
                size="small"
                pagination={false}
                loading={q.isFetching}
                columns={columns}
                dataSource={p.items}
                scroll={{ x: 720 }}
                data-testid="parties-table"
              />
              <Flex justify="end" gap={8}>
                <Button
                  disabled={stack.length === 0}
                  onClick={() => setPaging({ key, stack: stack.slice(0, -1) })}
                >
                  {t('上一页', 'Previous')}
                </Button>
                <Button
                  disabled={!p.nextCursor}
                  onClick={() => p.nextCursor && setPaging({ key, stack: [...stack, p.nextCursor] })}
                >
                  {t('下一页', 'Next')}
                </Button>
              </Flex>
            </>
          )}
        </PageState>
      </Flex>
    </Card>
  );
}

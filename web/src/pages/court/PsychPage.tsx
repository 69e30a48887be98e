import { FileExcelOutlined, LockOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  DatePicker,
  Flex,
  Form,
  Input,
  Modal,
  Result,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import {
  type Followup,
  queryString,
  REFERRAL_STATUS,
  type Referral,
  RISK,
  type Station,
  type Visit,
} from './api';

/**
 * 心理服务站: the stations of the user's area (paged, filtered, exported), the referral queue (the station
 * staff see their area's, others the referrals they made), and — only for those with psych:read — the visit
 * records (every read audited) and the follow-ups, overdue first in red.
 */
export default function PsychPage() {
  const { t } = useI18n();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'stations';
  const psych = can('psych:read');
  return (
    <div>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('心理服务站', 'Psychological stations')}
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams({ tab: k })}
        items={[
          { key: 'stations', label: t('服务站名录', 'Stations'), children: <StationsTab /> },
          { key: 'referrals', label: t('转介队列', 'Referrals'), children: <ReferralsTab /> },
          {
            key: 'visits',
            label: (
              <span>
                <LockOutlined /> {t('走访记录', 'Visit records')}
              </span>
            ),
            children: psych ? <VisitsTab /> : <Restricted />,
          },
          {
            key: 'followups',
            label: (
              <span>
                <LockOutlined /> {t('回访', 'Follow-ups')}
              </span>
            ),
            children: psych ? <FollowupsTab /> : <Restricted />,
          },
        ]}
      />
    </div>
  );
}

function Restricted() {
  const { t } = useI18n();
  return (
    <Result
      status="403"
      data-testid="psych-restricted"
      title={t('仅限心理服务站授权人员', 'For authorised station staff only')}
      subTitle={t(
        '走访记录涉及个人心理健康信息，需“心理服务记录”权限（镇街、县级综治中心）。',
        'Visit records hold mental-health information and need the psych:read permission (town and county centres).',
      )}
    />
  );
}

function StationsTab() {
  const { t } = useI18n();
  const { can } = useAuth();
  const [q, setQ] = useState('');
  const [areaCode, setAreaCode] = useState('');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [creating, setCreating] = useState(false);
  const filters = { ...(q ? { q } : {}), ...(areaCode ? { areaCode } : {}) };
  const list = useQuery({
    queryKey: ['psych', 'stations', filters, page, pageSize],
    queryFn: () =>
      unwrap(api.GET('/api/psych/stations', { params: { query: { ...filters, page, pageSize } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <div>
      <Flex gap={8} wrap style={{ marginBottom: 12 }} justify="space-between">
        <Flex gap={8} wrap>
          <Input.Search
            allowClear
            style={{ maxWidth: 260 }}
            maxLength={50}
            placeholder={t('名称、地址、联系人', 'Name, address, contact')}
            onSearch={(v) => {
              setQ(v.trim());
              setPage(1);
            }}
          />
          <Input.Search
            allowClear
            style={{ maxWidth: 220 }}
            placeholder={t('区划代码', 'Area code')}
            onSearch={(v) => {
              setAreaCode(/^\d{12}(\d{3})?$/.test(v.trim()) ? v.trim() : '');
              setPage(1);
            }}
          />
        </Flex>
        <Space>
          <Button icon={<FileExcelOutlined />} href={`/api/psych/stations/export?${queryString(filters)}`}>
            {t('导出 Excel', 'Export Excel')}
          </Button>
          {can('court:manage') && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t('登记', 'Register')}
            </Button>
          )}
        </Space>
      </Flex>
      <PageState loading={list.isLoading} error={list.error} onRetry={() => list.refetch()}>
        <Table<Station>
          rowKey="id"
          size="middle"
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          scroll={{ x: 900 }}
          pagination={{
            current: page,
            pageSize,
            total: list.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: [20, 50, 100, 200],
            showTotal: (n) => t(`共 ${n} 个服务站`, `${n} stations`),
            onChange: (p, s) => {
              setPage(p);
              setPageSize(s);
            },
          }}
          columns={[
            { key: 'name', title: t('名称', 'Name'), dataIndex: 'name' },
            {
              key: 'area',
              title: t('村社', 'Village'),
              width: 140,
              render: (_, s) => s.areaName ?? s.areaCode,
            },
            {
              key: 'staff',
              title: t('工作人员', 'Staff'),
              render: (_, s) => s.staff.map((p) => `${p.name}${p.title ? `（${p.title}）` : ''}`).join('、'),
            },
            {
              key: 'contact',
              title: t('联系人', 'Contact'),
              width: 170,
              render: (_, s) => [s.contact.name, s.contact.phone].filter(Boolean).join(' '),
            },
            { key: 'hours', title: t('开放时间', 'Hours'), width: 180, dataIndex: 'hours' },
            { key: 'open', title: t('在办转介', 'Open referrals'), width: 90, dataIndex: 'referralsOpen' },
          ]}
        />
      </PageState>
      {creating && <StationModal onClose={() => setCreating(false)} />}
    </div>
  );
}

function StationModal({ onClose }: { onClose(): void }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [form] = Form.useForm<{
    name: string;
    areaCode: string;
    address?: string;
    staff?: string;
    contactName?: string;
    contactPhone?: string;
    hours?: string;
  }>();
  const save = useMutation({
    mutationFn: (v: Parameters<typeof form.setFieldsValue>[0] & { name: string; areaCode: string }) =>
      unwrap(
        api.POST('/api/psych/stations', {
          body: {
            name: v.name,
            areaCode: v.areaCode,
            address: v.address || null,
            staff: (v.staff ?? '')
              .split(/[、,，\n]/)
              .map((s) => s.trim())
              .filter(Boolean)
              .slice(0, 20)
              .map((name) => ({ name: name.slice(0, 50), title: '' })),
            contact: { name: v.contactName || null, phone: v.contactPhone || null },
            hours: v.hours || null,
          },
        }),
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['psych'] });
      onClose();
    },
  });
  return (
    <Modal
      open
      title={t('登记心理服务站', 'Register a station')}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {save.error && (
        <Alert type="error" showIcon title={errorText(save.error, lang)} style={{ marginBottom: 12 }} />
      )}
      <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
        <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="areaCode"
          label={t('所在村社（区划代码）', 'Village (area code)')}
          rules={[{ required: true, pattern: /^\d{12}(\d{3})?$/ }]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="address" label={t('地址', 'Address')} rules={[{ max: 200 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="staff" label={t('工作人员（顿号分隔）', 'Staff (separated by 、)')}>
          <Input />
        </Form.Item>
        <Form.Item name="contactName" label={t('联系人', 'Contact')} rules={[{ max: 50 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="contactPhone" label={t('联系电话', 'Phone')} rules={[{ pattern: /^1\d{10}$/ }]}>
          <Input inputMode="tel" />
        </Form.Item>
        <Form.Item name="hours" label={t('开放时间', 'Hours')} rules={[{ max: 100 }]}>
          <Input placeholder="周一至周五 9:00–17:00" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ReferralsTab() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const qc = useQueryClient();
  const [status, setStatus] = useState<string>('open');
  const [page, setPage] = useState(1);
  const [referring, setReferring] = useState(false);
  const list = useQuery({
    queryKey: ['psych', 'referrals', status, page],
    queryFn: () =>
      unwrap(
        api.GET('/api/psych/referrals', {
          params: {
            query: {
              ...(status ? { status: status as 'open' } : {}),
              page,
              pageSize: 20,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const handle = useMutation({
    mutationFn: (v: { id: string; action: 'accept' | 'decline' | 'close'; note?: string }) =>
      unwrap(
        api.POST('/api/psych/referrals/{id}/handle', {
          params: { path: { id: v.id } },
          body: { action: v.action, ...(v.note ? { note: v.note } : {}) },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['psych'] }),
  });
  const act = (r: Referral, action: 'accept' | 'decline' | 'close') => {
    if (action !== 'decline') return handle.mutate({ id: r.id, action });
    let note = '';
    Modal.confirm({
      title: t('退回转介', 'Decline the referral'),
      content: <Input.TextArea maxLength={500} onChange={(e) => (note = e.target.value)} />,
      onOk: () => handle.mutateAsync({ id: r.id, action, note }),
    });
  };
  return (
    <div>
      <Flex gap={8} wrap justify="space-between" style={{ marginBottom: 12 }}>
        <Select
          style={{ width: 160 }}
          value={status}
          onChange={(v) => {
            setStatus(v);
            setPage(1);
          }}
          options={[
            { value: 'open', label: t('未办结', 'Open') },
            ...Object.entries(REFERRAL_STATUS).map(([value, s]) => ({ value, label: s[lang] })),
          ]}
        />
        {can('matter:act') && (
          <Button icon={<PlusOutlined />} onClick={() => setReferring(true)}>
            {t('转介', 'Refer')}
          </Button>
        )}
      </Flex>
      {handle.error && (
        <Alert type="error" showIcon title={errorText(handle.error, lang)} style={{ marginBottom: 12 }} />
      )}
      <PageState loading={list.isLoading} error={list.error} onRetry={() => list.refetch()}>
        <Table<Referral>
          rowKey="id"
          size="middle"
          dataSource={list.data?.items ?? []}
          scroll={{ x: 900 }}
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage }}
          columns={[
            {
              key: 'status',
              title: t('状态', 'Status'),
              width: 110,
              render: (_, r) => (
                <Space size={4}>
                  <Tag color={REFERRAL_STATUS[r.status]?.color}>{REFERRAL_STATUS[r.status]?.[lang]}</Tag>
                  {r.urgency === 'urgent' && <Tag color="red">{t('紧急', 'Urgent')}</Tag>}
                </Space>
              ),
            },
            {
              key: 'source',
              title: t('来源事项', 'Source'),
              width: 210,
              render: (_, r) => <Link to={`/matters/${r.source.id}`}>{r.source.number}</Link>,
            },
            { key: 'station', title: t('服务站', 'Station'), width: 200, render: (_, r) => r.station.name },
            { key: 'reason', title: t('转介原因', 'Reason'), dataIndex: 'reason' },
            {
              key: 'by',
              title: t('转介人', 'Referred by'),
              width: 150,
              render: (_, r) => (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {r.referredBy}
                  <br />
                  {dayjs(r.createdAt).format('YYYY-MM-DD HH:mm')}
                </Typography.Text>
              ),
            },
            {
              key: 'act',
              width: 170,
              render: (_, r) =>
                can('psych:write') && (
                  <Space size={4}>
                    {r.status === 'pending' && (
                      <>
                        <Button size="small" type="primary" onClick={() => act(r, 'accept')}>
                          {t('接收', 'Accept')}
                        </Button>
                        <Button size="small" onClick={() => act(r, 'decline')}>
                          {t('退回', 'Decline')}
                        </Button>
                      </>
                    )}
                    {r.status === 'accepted' && (
                      <Button size="small" onClick={() => act(r, 'close')}>
                        {t('办结', 'Close')}
                      </Button>
                    )}
                  </Space>
                ),
            },
          ]}
        />
      </PageState>
      {referring && <ReferralModal onClose={() => setReferring(false)} />}
    </div>
  );
}

function ReferralModal({ onClose }: { onClose(): void }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [form] = Form.useForm<{
    stationId: string;
    sourceMatterId: string;
    reason: string;
    urgency: 'urgent' | 'normal';
  }>();
  const [search, setSearch] = useState('');
  const stations = useQuery({
    queryKey: ['psych', 'stations', 'pick', search],
    queryFn: () =>
      unwrap(
        api.GET('/api/psych/stations', {
          params: { query: { ...(search ? { q: search } : {}), pageSize: 50 } },
        }),
      ),
  });
  const save = useMutation({
    mutationFn: (v: {
      stationId: string;
      sourceMatterId: string;
      reason: string;
      urgency: 'urgent' | 'normal';
    }) => unwrap(api.POST('/api/psych/referrals', { body: v })),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['psych'] });
      onClose();
    },
  });
  return (
    <Modal
      open
      title={t('转介到心理服务站', 'Refer to a station')}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {save.error && (
        <Alert type="error" showIcon title={errorText(save.error, lang)} style={{ marginBottom: 12 }} />
      )}
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => save.mutate(v)}
        initialValues={{ urgency: 'normal' }}
      >
        <Form.Item name="stationId" label={t('服务站', 'Station')} rules={[{ required: true }]}>
          <Select
            showSearch={{ filterOption: false, onSearch: setSearch }}
            options={(stations.data?.items ?? []).map((s) => ({
              value: s.id,
              label: `${s.name}（${s.areaName ?? ''}）`,
            }))}
          />
        </Form.Item>
        <Form.Item
          name="sourceMatterId"
          label={t(
            '来源事项 ID（纠纷或极端情绪预警）',
            'Source matter id (a dispute or an extreme-emotion alert)',
          )}
          rules={[{ required: true, pattern: /^\d{1,18}$/ }]}
        >
          <Input />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('转介原因', 'Reason')}
          rules={[{ required: true, min: 2, max: 500 }]}
        >
          <Input.TextArea />
        </Form.Item>
        <Form.Item name="urgency" label={t('紧急程度', 'Urgency')}>
          <Select
            options={[
              { value: 'normal', label: t('一般', 'Normal') },
              { value: 'urgent', label: t('紧急', 'Urgent') },
            ]}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function VisitsTab() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const list = useQuery({
    queryKey: ['psych', 'visits', page],
    queryFn: () => unwrap(api.GET('/api/psych/visits', { params: { query: { page, pageSize: 20 } } })),
    placeholderData: keepPreviousData,
    // Each read is audited: read when asked, not on every focus.
    refetchOnWindowFocus: false,
  });
  return (
    <div>
      <Flex justify="space-between" style={{ marginBottom: 12 }}>
        <Typography.Text type="secondary">
          {t('查看走访记录将记入审计日志。', 'Reading visit records is recorded in the audit log.')}
        </Typography.Text>
        {can('psych:write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)}>
            {t('登记走访', 'Record a visit')}
          </Button>
        )}
      </Flex>
      <PageState loading={list.isLoading} error={list.error} onRetry={() => list.refetch()}>
        <Table<Visit>
          rowKey="id"
          size="middle"
          dataSource={list.data?.items ?? []}
          scroll={{ x: 900 }}
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage }}
          columns={[
            {
              key: 'at',
              title: t('时间', 'When'),
              width: 140,
              render: (_, v) => dayjs(v.visitedAt).format('YYYY-MM-DD HH:mm'),
            },
            { key: 'station', title: t('服务站', 'Station'), width: 200, render: (_, v) => v.station.name },
            { key: 'who', title: t('对象', 'Person'), width: 80, dataIndex: 'personLabel' },
            {
              key: 'risk',
              title: t('风险', 'Risk'),
              width: 70,
              render: (_, v) => <Tag color={RISK[v.riskLevel].color}>{RISK[v.riskLevel][lang]}</Tag>,
            },
            { key: 'content', title: t('记录', 'Record'), dataIndex: 'content' },
            { key: 'by', title: t('记录人', 'By'), width: 110, dataIndex: 'recordedBy' },
          ]}
        />
      </PageState>
      {adding && <VisitModal onClose={() => setAdding(false)} />}
    </div>
  );
}

function VisitModal({ onClose }: { onClose(): void }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  type V = {
    stationId: string;
    referralId?: string;
    visitedAt: Dayjs;
    personLabel: string;
    content: string;
    riskLevel: 'low' | 'medium' | 'high';
    followUpOn?: Dayjs;
    followUpPlan?: string;
  };
  const [form] = Form.useForm<V>();
  const stations = useQuery({
    queryKey: ['psych', 'stations', 'pick', ''],
    queryFn: () => unwrap(api.GET('/api/psych/stations', { params: { query: { pageSize: 200 } } })),
  });
  const save = useMutation({
    mutationFn: (v: V) =>
      unwrap(
        api.POST('/api/psych/visits', {
          body: {
            stationId: v.stationId,
            ...(v.referralId ? { referralId: v.referralId } : {}),
            visitedAt: v.visitedAt.toISOString(),
            personLabel: v.personLabel,
            content: v.content,
            riskLevel: v.riskLevel,
            ...(v.followUpOn
              ? { followUp: { dueOn: v.followUpOn.format('YYYY-MM-DD'), plan: v.followUpPlan || '回访' } }
              : {}),
          },
        }),
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['psych'] });
      onClose();
    },
  });
  return (
    <Modal
      open
      title={t('登记走访', 'Record a visit')}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {save.error && (
        <Alert type="error" showIcon title={errorText(save.error, lang)} style={{ marginBottom: 12 }} />
      )}
      <Form<V>
        form={form}
        layout="vertical"
        onFinish={(v) => save.mutate(v)}
        initialValues={{ visitedAt: dayjs(), riskLevel: 'low' }}
      >
        <Form.Item name="stationId" label={t('服务站', 'Station')} rules={[{ required: true }]}>
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            options={(stations.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
          />
        </Form.Item>
        <Form.Item
          name="referralId"
          label={t('转介 ID（可选）', 'Referral id (optional)')}
          rules={[{ pattern: /^\d{1,18}$/ }]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="visitedAt" label={t('走访时间', 'When')} rules={[{ required: true }]}>
          <DatePicker showTime disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
        </Form.Item>
        <Form.Item
          name="personLabel"
          label={t('对象（如 张某）', 'Person (e.g. 张某)')}
          rules={[{ required: true, max: 50 }]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="content" label={t('记录', 'Record')} rules={[{ required: true, max: 5000 }]}>
          <Input.TextArea rows={4} />
        </Form.Item>
        <Form.Item name="riskLevel" label={t('风险', 'Risk')}>
          <Select options={Object.entries(RISK).map(([value, r]) => ({ value, label: r[lang] }))} />
        </Form.Item>
        <Form.Item name="followUpOn" label={t('回访期限（可选）', 'Follow up by (optional)')}>
          <DatePicker disabledDate={(d) => d.isBefore(dayjs(), 'day')} />
        </Form.Item>
        <Form.Item name="followUpPlan" label={t('回访计划', 'Plan')} rules={[{ max: 200 }]}>
          <Input />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function FollowupsTab() {
  const { t } = useI18n();
  const { can } = useAuth();
  const qc = useQueryClient();
  const [state, setState] = useState<'open' | 'overdue' | 'done' | 'all'>('open');
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ['psych', 'followups', state, page],
    queryFn: () =>
      unwrap(api.GET('/api/psych/followups', { params: { query: { state, page, pageSize: 20 } } })),
    placeholderData: keepPreviousData,
  });
  const done = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/psych/followups/{id}/done', { params: { path: { id } }, body: {} })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['psych'] }),
  });
  return (
    <div>
      <Flex gap={8} style={{ marginBottom: 12 }} align="center">
        <Select
          style={{ width: 140 }}
          value={state}
          onChange={(v) => {
            setState(v);
            setPage(1);
          }}
          options={[
            { value: 'open', label: t('待回访', 'Open') },
            { value: 'overdue', label: t('已超期', 'Overdue') },
            { value: 'done', label: t('已完成', 'Done') },
            { value: 'all', label: t('全部', 'All') },
          ]}
        />
        <Badge count={list.data?.overdue ?? 0} showZero={false}>
          <Tag color="red">{t('超期', 'Overdue')}</Tag>
        </Badge>
      </Flex>
      <PageState loading={list.isLoading} error={list.error} onRetry={() => list.refetch()}>
        <Table<Followup>
          rowKey="id"
          size="middle"
          dataSource={list.data?.items ?? []}
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage }}
          columns={[
            {
              key: 'due',
              title: t('期限', 'Due'),
              width: 150,
              render: (_, f) => (
                <Space size={4}>
                  <span>{f.dueOn}</span>
                  {f.overdue && <Tag color="red">{t('超期', 'Overdue')}</Tag>}
                  {f.doneAt && <Tag color="green">{t('已完成', 'Done')}</Tag>}
                </Space>
              ),
            },
            { key: 'station', title: t('服务站', 'Station'), width: 200, render: (_, f) => f.station.name },
            { key: 'who', title: t('对象', 'Person'), width: 80, dataIndex: 'personLabel' },
            { key: 'plan', title: t('计划', 'Plan'), dataIndex: 'plan' },
            {
              key: 'act',
              width: 100,
              render: (_, f) =>
                !f.doneAt &&
                can('psych:write') && (
                  <Button
                    size="small"
                    loading={done.isPending && done.variables === f.id}
                    onClick={() => done.mutate(f.id)}
                  >
                    {t('完成', 'Done')}
                  </Button>
                ),
            },
          ]}
        />
      </PageState>
    </div>
  );
}

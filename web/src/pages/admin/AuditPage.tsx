import {
  ReloadOutlined,
  SafetyCertificateOutlined,
  SearchOutlined,
  WarningOutlined,
} from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  Alert,
  AutoComplete,
  Button,
  Col,
  Collapse,
  DatePicker,
  Descriptions,
  Flex,
  Form,
  Input,
  Row,
  Skeleton,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaName, AreaPicker } from '../areas/areaShared';

type Entry = Schemas['AuditEntry'];
type Label = { zh: string; en: string };

/** The actions the kernel writes (grep `action:` in src/core); an unknown one is shown as its code. */
const ACTIONS: Record<string, Label> = {
  'person.reveal': { zh: '查看人员证件号/手机号', en: 'Revealed a person’s identifiers' },
  'enterprise.reveal': { zh: '查看企业电话', en: 'Revealed an enterprise’s phone' },
  'person.create': { zh: '登记人员', en: 'Registered a person' },
  'person.update': { zh: '修改人员', en: 'Updated a person' },
  'house.create': { zh: '登记房屋', en: 'Registered a house' },
  'house.update': { zh: '修改房屋', en: 'Updated a house' },
  'enterprise.create': { zh: '登记企业', en: 'Registered an enterprise' },
  'enterprise.update': { zh: '修改企业', en: 'Updated an enterprise' },
  'thing.create': { zh: '登记物', en: 'Registered a thing' },
  'thing.update': { zh: '修改物', en: 'Updated a thing' },
  'user.create': { zh: '创建用户', en: 'Created a user' },
  'user.update': { zh: '修改用户', en: 'Updated a user' },
  'auth.login': { zh: '登录', en: 'Signed in' },
  'auth.login_failed': { zh: '登录失败', en: 'Failed sign-in' },
  'auth.logout': { zh: '退出登录', en: 'Signed out' },
  'area.import': { zh: '导入区划边界', en: 'Imported boundaries' },
  'matter.create': { zh: '上报事项', en: 'Reported a matter' },
  'matter.export': { zh: '导出事项', en: 'Exported matters' },
  'matter.attach': { zh: '上传附件', en: 'Attached files' },
  'matter.attachment.download': { zh: '下载附件', en: 'Downloaded an attachment' },
  'matter.escalate': { zh: '超期升级', en: 'Escalated (overdue)' },
  'matter_type.deadline': { zh: '修改办理时限', en: 'Changed a deadline' },
  'seed.demo': { zh: '加载演示数据', en: 'Loaded demo data' },
  'alert.reevaluate': { zh: '预警重新评估', en: 'Alert re-evaluated' },
  'alert.model.update': { zh: '修改预警模型参数', en: 'Changed a model’s parameters' },
  'alert.export': { zh: '导出预警', en: 'Exported alerts' },
  'person.tags.read': { zh: '查看重点人员标签', en: 'Read watch-list tags' },
  'person.tags.add': { zh: '添加重点人员标签', en: 'Tagged a person' },
  'person.tags.remove': { zh: '移除重点人员标签', en: 'Removed a tag' },
};
const MATTER_STEPS: Record<string, Label> = {
  accept: { zh: '受理', en: 'accept' },
  reject: { zh: '不予受理', en: 'reject' },
  dispatch: { zh: '分派', en: 'dispatch' },
  sign: { zh: '签收', en: 'sign' },
  handle: { zh: '处置', en: 'handle' },
  feedback: { zh: '反馈', en: 'feedback' },
  verify: { zh: '核查', en: 'verify' },
  verify_fail: { zh: '核查不通过', en: 'verification failed' },
  close: { zh: '办结', en: 'close' },
  return: { zh: '退回', en: 'return' },
  transfer: { zh: '转办', en: 'transfer' },
  request_extension: { zh: '申请延期', en: 'request extension' },
  approve_extension: { zh: '批准延期', en: 'approve extension' },
  reject_extension: { zh: '驳回延期', en: 'reject extension' },
  supervise: { zh: '督办', en: 'supervise' },
  request_supplement: { zh: '要求补正', en: 'request supplement' },
  confirm: { zh: '研判确认', en: 'confirm' },
  dismiss: { zh: '研判排除', en: 'dismiss' },
  write_off: { zh: '核销', en: 'write off' },
  supplement_received: { zh: '补正完成', en: 'supplement received' },
};
const ENTITY_TYPES: Record<string, Label> = {
  person: { zh: '人员', en: 'Person' },
  house: { zh: '房屋', en: 'House' },
  enterprise: { zh: '企业', en: 'Enterprise' },
  thing: { zh: '物', en: 'Thing' },
  user: { zh: '用户', en: 'User' },
  session: { zh: '会话', en: 'Session' },
  matter: { zh: '事项', en: 'Matter' },
  matter_type: { zh: '事项类型', en: 'Matter type' },
  area: { zh: '区域', en: 'Area' },
};

function actionLabel(code: string, lang: 'zh' | 'en'): string {
  const known = ACTIONS[code];
  if (known) return known[lang];
  const step = code.startsWith('matter.') ? MATTER_STEPS[code.slice(7)] : undefined;
  if (step) return lang === 'zh' ? `事项${step.zh}` : `Matter: ${step.en}`;
  return code;
}

interface Filters {
  actorName?: string | undefined;
  action?: string | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
  areaCode?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

interface FormValues {
  actorName?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  areaCode?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

const trimmed = (s: string | undefined) => s?.trim() || undefined;

/**
 * The audit trail for auditors: the hash-chain check first (is the log intact?), then the entries with
 * filters, newest first, each expandable to the values it recorded.
 */
export default function AuditPage() {
  const { can } = useAuth();
  const { t, lang } = useI18n();
  const mobile = useIsMobile();
  const [form] = Form.useForm<FormValues>();
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const allowed = can('audit:read');
  const verify = useQuery({
    queryKey: ['audit', 'verify'],
    queryFn: () => unwrap(api.GET('/api/audit/verify')),
    enabled: allowed,
  });
  const list = useQuery({
    queryKey: ['audit', 'list', filters, page],
    queryFn: () => unwrap(api.GET('/api/audit', { params: { query: { ...filters, ...page } } })),
    placeholderData: keepPreviousData,
    enabled: allowed,
  });
  if (!allowed) return <Forbidden />;

  const apply = (v: FormValues) => {
    const [from, to] = v.range ?? [];
    setFilters({
      actorName: trimmed(v.actorName),
      action: trimmed(v.action),
      entityType: trimmed(v.entityType),
      entityId: trimmed(v.entityId),
      areaCode: v.areaCode,
      from: from ? from.toISOString() : undefined,
      to: to ? to.toISOString() : undefined,
    });
    setPage((p) => ({ ...p, page: 1 }));
  };

  const columns: TableColumnsType<Entry> = [
    {
      key: 'at',
      title: t('时间', 'Time'),
      render: (_, e) => (
        <span style={{ whiteSpace: 'nowrap' }}>{dayjs(e.at).format('YYYY-MM-DD HH:mm:ss')}</span>
      ),
    },
    {
      key: 'actor',
      title: t('操作人', 'Actor'),
      render: (_, e) => <Typography.Text code>{e.actorName || '—'}</Typography.Text>,
    },
    { key: 'ip', title: 'IP', render: (_, e) => e.ip ?? '—' },
    {
      key: 'action',
      title: t('操作', 'Action'),
      render: (_, e) => (
        <span title={e.action}>
          {actionLabel(e.action, lang)}{' '}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {e.action}
          </Typography.Text>
        </span>
      ),
    },
    {
      key: 'entity',
      title: t('对象', 'Entity'),
      render: (_, e) => (
        <span style={{ whiteSpace: 'nowrap' }}>
          {ENTITY_TYPES[e.entityType]?.[lang] ?? e.entityType}
          {e.entityId ? ` #${e.entityId}` : ''}
        </span>
      ),
    },
    {
      key: 'area',
      title: t('区域', 'Area'),
      render: (_, e) => (e.areaCode ? <AreaName code={e.areaCode} /> : '—'),
    },
    {
      key: 'reason',
      title: t('事由', 'Reason'),
      render: (_, e) =>
        e.reason ? (
          <Typography.Text
            style={{ maxWidth: 280, display: 'inline-block' }}
            ellipsis={{ tooltip: e.reason }}
            data-testid="audit-reason"
          >
            {e.reason}
          </Typography.Text>
        ) : (
          '—'
        ),
    },
  ];

  const filterForm = (
    <Form<FormValues>
      form={form}
      layout="vertical"
      onFinish={apply}
      style={{ marginBottom: 4 }}
      data-testid="audit-filters"
    >
      <Row gutter={12}>
        <Col xs={24} sm={12} lg={6}>
          <Form.Item name="action" label={t('操作', 'Action')}>
            <AutoComplete
              allowClear
              placeholder="person.reveal"
              options={Object.keys(ACTIONS).map((a) => ({
                value: a,
                label: `${a} · ${ACTIONS[a]![lang]}`,
              }))}
              filterOption={(input, o) => !!o && String(o.label).toLowerCase().includes(input.toLowerCase())}
              data-testid="audit-action"
            />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12} lg={6}>
          <Form.Item name="actorName" label={t('操作人（用户名，精确）', 'Actor (username, exact)')}>
            <Input allowClear maxLength={40} autoComplete="off" />
          </Form.Item>
        </Col>
        <Col xs={12} sm={6} lg={3}>
          <Form.Item name="entityType" label={t('对象类型', 'Entity type')}>
            <AutoComplete
              allowClear
              options={Object.entries(ENTITY_TYPES).map(([value, l]) => ({
                value,
                label: `${value} · ${l[lang]}`,
              }))}
            />
          </Form.Item>
        </Col>
        <Col xs={12} sm={6} lg={3}>
          <Form.Item name="entityId" label={t('对象编号', 'Entity id')}>
            <Input allowClear maxLength={40} autoComplete="off" />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12} lg={6}>
          <Form.Item name="areaCode" label={t('区域', 'Area')}>
            <AreaPicker style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12} lg={9}>
          <Form.Item name="range" label={t('时间范围', 'Time range')}>
            <DatePicker.RangePicker
              showTime={{ format: 'HH:mm' }}
              format="YYYY-MM-DD HH:mm"
              allowEmpty={[true, true]}
              style={{ width: '100%' }}
            />
          </Form.Item>
        </Col>
        <Col xs={24} lg={15}>
          <Form.Item label={mobile ? undefined : ' '} colon={false}>
            <Flex gap={8}>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined />} data-testid="audit-apply">
                {t('查询', 'Search')}
              </Button>
              <Button
                onClick={() => {
                  form.resetFields();
                  apply({});
                }}
              >
                {t('重置', 'Reset')}
              </Button>
            </Flex>
          </Form.Item>
        </Col>
      </Row>
    </Form>
  );

  return (
    <div style={{ minWidth: 0 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('审计日志', 'Audit log')}
      </Typography.Title>
      <VerifyBanner q={verify} />
      {/* On a phone the seven filters would push the log below the fold: they fold away until asked for. */}
      {mobile ? (
        <Collapse
          size="small"
          style={{ marginBottom: 12 }}
          items={[
            { key: 'filters', label: t('筛选条件', 'Filters'), forceRender: true, children: filterForm },
          ]}
        />
      ) : (
        filterForm
      )}
      {list.error ? (
        <PageState error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Table<Entry>
          rowKey="id"
          size="middle"
          data-testid="audit-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          scroll={{ x: 'max-content' }}
          expandable={{ expandedRowRender: (e) => <EntryValues e={e} /> }}
          locale={{ emptyText: list.isLoading ? ' ' : t('没有符合条件的记录', 'No entries match') }}
          pagination={{
            current: page.page,
            pageSize: page.pageSize,
            total: list.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: [20, 50, 100, 200],
            showTotal: (n) => t(`共 ${n} 条`, `${n} entries`),
            size: 'small',
            onChange: (p, s) => setPage({ page: s !== page.pageSize ? 1 : p, pageSize: s }),
          }}
        />
      )}
    </div>
  );
}

function VerifyBanner({
  q,
}: {
  q: {
    data?:
      | {
          ok: boolean;
          checked: number;
          firstBad: { id: string; reason: 'hash_mismatch' | 'broken_link' } | null;
        }
      | undefined;
    isLoading: boolean;
    isFetching: boolean;
    error: unknown;
    refetch: () => unknown;
  };
}) {
  const { t } = useI18n();
  const again = (
    <Button size="small" icon={<ReloadOutlined />} loading={q.isFetching} onClick={() => void q.refetch()}>
      {t('重新校验', 'Check again')}
    </Button>
  );
  if (q.isLoading) return <Skeleton.Input active block style={{ marginBottom: 16 }} />;
  if (q.error) return <PageState error={q.error} onRetry={() => void q.refetch()} />;
  const v = q.data;
  if (!v) return null;
  if (v.ok) {
    return (
      <Alert
        type="success"
        showIcon
        icon={<SafetyCertificateOutlined />}
        style={{ marginBottom: 16 }}
        data-testid="audit-verify"
        title={t(`审计日志完整 · ${v.checked} 条已校验`, `Audit log intact · ${v.checked} entries verified`)}
        action={again}
      />
    );
  }
  const bad = v.firstBad;
  const why =
    bad?.reason === 'broken_link'
      ? t('其前一条记录缺失（被删除）', 'the entry before it is missing (deleted)')
      : t('其内容与哈希不符（被修改）', 'its content does not match its hash (edited)');
  return (
    <Alert
      type="error"
      showIcon
      icon={<WarningOutlined />}
      style={{ marginBottom: 16 }}
      data-testid="audit-verify"
      title={t('审计日志已被篡改', 'The audit log has been tampered with')}
      description={
        bad
          ? t(
              `第一条异常记录：#${bad.id}，${why}。已校验 ${v.checked} 条。`,
              `First tampered entry: #${bad.id}: ${why}. ${v.checked} entries checked.`,
            )
          : t(`已校验 ${v.checked} 条，校验未通过。`, `${v.checked} entries checked; the check failed.`)
      }
      action={again}
    />
  );
}

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined)
    return (
      <Typography.Paragraph type="secondary" style={{ margin: 0, padding: 8 }}>
        —
      </Typography.Paragraph>
    );
  return (
    <pre
      style={{
        margin: 0,
        padding: 8,
        background: '#f8fafc',
        borderRadius: 6,
        fontSize: 12,
        maxWidth: '100%',
        overflow: 'auto',
        whiteSpace: 'pre-wrap',
        wordBreak: 'break-all',
      }}
    >
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

function EntryValues({ e }: { e: Entry }) {
  const { t } = useI18n();
  const mobile = useIsMobile();
  return (
    <div style={{ maxWidth: mobile ? 'calc(100vw - 64px)' : 900 }} data-testid="audit-values">
      <Row gutter={12}>
        <Col xs={24} md={12}>
          <Typography.Text strong>{t('原值', 'Old values')}</Typography.Text>
          <Json value={e.oldValues} />
        </Col>
        <Col xs={24} md={12}>
          <Typography.Text strong>{t('新值', 'New values')}</Typography.Text>
          <Json value={e.newValues} />
        </Col>
      </Row>
      <Descriptions
        size="small"
        column={1}
        style={{ marginTop: 8 }}
        items={[
          { key: 'id', label: t('记录编号', 'Entry'), children: `#${e.id}` },
          { key: 'req', label: t('请求编号', 'Request id'), children: e.requestId ?? '—' },
          {
            key: 'hash',
            label: t('哈希', 'Hash'),
            children: (
              <Typography.Text code style={{ wordBreak: 'break-all' }}>
                {e.hash}
              </Typography.Text>
            ),
          },
        ]}
      />
      {e.reason && <Tag color="orange">{t(`事由：${e.reason}`, `Reason: ${e.reason}`)}</Tag>}
    </div>
  );
}

import { ApartmentOutlined, LeftOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Collapse, Descriptions, Flex, Row, Space, Steps, Typography } from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, errorText, type Schemas, unwrap } from '../../api/client';
import { useLiveEvents } from '../../api/useLiveEvents';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { localized } from '../../components/zodRule';
import { useI18n } from '../../i18n';
import { CommandPanel } from '../command/CommandPanel';
import { ActionPanel } from './components/ActionPanel';
import { AttachmentsCard } from './components/AttachmentsCard';
import {
  inScopeOf,
  useArea,
  useAreaNames,
  useDepartments,
  useMatterTypes,
  useWorkflow,
  type Workflow,
} from './components/lookups';
import { MatterTimeline } from './components/MatterTimeline';
import { MermaidDiagram } from './components/MermaidDiagram';
import { SOURCE_CHANNEL_NAMES } from './components/names';
import { PartiesCard } from './components/PartiesCard';
import { DeadlineCountdown, LiveBadge, StatusTag, UrgencyTag, useNow } from './components/tags';

type Detail = Schemas['MatterDetail'];

/** Labels of the 事件 payload fields; another type's fields show under their own key. */
const PAYLOAD_LABELS: Record<string, { zh: string; en: string }> = {
  address: { zh: '地址', en: 'Address' },
  peopleInvolved: { zh: '涉及人数', en: 'People involved' },
  photosTaken: { zh: '已拍照', en: 'Photos taken' },
  // 指令 (src/modules/command): the matter it was dispatched from.
  sourceMatterId: { zh: '来源事项 ID', en: 'Source matter id' },
  sourceNumber: { zh: '来源事项编号', en: 'Source matter' },
  sourceType: { zh: '来源事项类型', en: 'Source type' },
};

/**
 * One matter: its fields, the deadline counting down, parties (identifiers only on request, audited),
 * attachments, the timeline, the actions the user may take now and the workflow with the current state
 * highlighted. Changes made by others arrive over /api/events and refresh the page in place.
 */
export default function MatterPage() {
  const { id = '' } = useParams();
  const validId = /^\d{1,18}$/.test(id);
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const live = useLiveEvents();
  const q = useQuery({
    queryKey: ['matter', id],
    queryFn: () => unwrap(api.GET('/api/matters/{id}', { params: { path: { id } } })),
    enabled: validId,
  });
  if (!validId) return <Forbidden notFound />;
  const m = q.data;
  return (
    <div>
      <Button type="link" icon={<LeftOutlined />} onClick={() => navigate(-1)} style={{ paddingLeft: 0 }}>
        {t('返回', 'Back')}
      </Button>
      {/* Once shown, a failed refresh keeps the page and says so, rather than blanking it. */}
      <PageState loading={q.isLoading} error={m ? undefined : q.error} onRetry={() => void q.refetch()}>
        {m && q.error != null && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 12 }}
            title={t('刷新失败：', 'Could not refresh: ') + errorText(q.error, lang)}
          />
        )}
        {m && <MatterView m={m} live={live} />}
      </PageState>
    </div>
  );
}

function MatterView({ m, live }: { m: Detail; live: ReturnType<typeof useLiveEvents> }) {
  const { t, lang, name } = useI18n();
  const { me, can } = useAuth();
  const mobile = useIsMobile();
  const now = useNow(1000);
  const types = useMatterTypes();
  const departments = useDepartments();
  const workflow = useWorkflow(m.type, m.status);
  const area = useArea(m.areaCode);
  const path = area.data?.path ?? [];
  // The matter's area comes with its ancestors' names; other codes (a unit elsewhere) are looked up.
  const pathNames = new Map(path.map((a) => [a.code, a.name]));
  const others = [m.assignee?.areaCode, m.dispatcherAreaCode, m.escalatedTo].filter(
    (c): c is string => !!c && !pathNames.has(c),
  );
  const lookup = useAreaNames(others);
  const areaName = (code: string) => pathNames.get(code) ?? lookup(code);

  // Who may add evidence, as the server decides it (assertMayAttach in src/core/matters/attachments.service.ts):
  // the detail does not say, so the upload control is shown on the same rule and the server has the last word.
  const mayUpload =
    !m.closed &&
    !!me &&
    (m.reporterId === me.user.id ||
      (m.assignee?.userId != null && m.assignee.userId === me.user.id) ||
      (!!m.assignee?.department &&
        m.assignee.department === me.user.departmentCode &&
        m.assignee.areaCode === me.user.areaCode) ||
      (can('matter:act') && inScopeOf(me.scope.areaCode, m.areaCode)));

  const type = types.type(m.type);
  const category = types.categoryName(m.category, m.type);
  const dept = m.assignee?.department ? departments.byCode.get(m.assignee.department) : undefined;
  const time = (v: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');
  const extension = m.extensionRequested as { days?: unknown; reason?: unknown } | null;
  const payload = Object.entries(m.payload).filter(([, v]) => v !== null && v !== undefined && v !== '');

  const fields: { key: string; label: string; children: ReactNode; span?: number }[] = [
    {
      key: 'number',
      label: t('编号', 'Number'),
      children: <Typography.Text copyable>{m.number}</Typography.Text>,
    },
    { key: 'type', label: t('类型', 'Type'), children: type ? name(type.name) : m.typeName },
    {
      key: 'category',
      label: t('类别', 'Category'),
      children: category ? name(category) : (m.category ?? '—'),
    },
    { key: 'status', label: t('状态', 'Status'), children: <StatusTag matter={m} /> },
    { key: 'urgency', label: t('紧急程度', 'Urgency'), children: <UrgencyTag urgency={m.urgency} /> },
    {
      key: 'area',
      label: t('区域', 'Area'),
      children: (
        <span title={m.areaCode} data-testid="matter-area">
          {path.length
            ? path
                .slice(1)
                .map((a) => a.name)
                .join(' / ')
            : m.areaCode}
        </span>
      ),
    },
    {
      key: 'reporter',
      label: t('上报人', 'Reported by'),
      children: `${m.reporterName ?? '—'}${m.sourceChannel ? ` · ${name(SOURCE_CHANNEL_NAMES[m.sourceChannel]) || m.sourceChannel}` : ''}`,
    },
    {
      key: 'assignee',
      label: t('承办单位', 'Assigned unit'),
      children: m.assignee?.department ? (
        <span data-testid="matter-assignee">
          {dept ? (lang === 'zh' ? dept.name : dept.nameEn) : m.assignee.department}
          {m.assignee.areaCode ? ` · ${areaName(m.assignee.areaCode)}` : ''}
        </span>
      ) : (
        t('未分派', 'Not dispatched')
      ),
    },
    {
      key: 'dispatcher',
      label: t('受理中心', 'Dispatching centre'),
      children: m.dispatcherAreaCode
        ? t(`${areaName(m.dispatcherAreaCode)}综治中心`, `${areaName(m.dispatcherAreaCode)} centre`)
        : '—',
    },
    { key: 'created', label: t('上报时间', 'Reported at'), children: time(m.createdAt) },
    { key: 'entered', label: t('进入当前状态', 'In this state since'), children: time(m.stateEnteredAt) },
    ...(m.closed
      ? []
      : [
          {
            key: 'due',
            label: t('本环节期限', 'Due'),
            children: m.dueAt ? time(m.dueAt) : t('无时限', 'No deadline'),
          },
        ]),
    ...(m.closedAt ? [{ key: 'closed', label: t('办结时间', 'Closed at'), children: time(m.closedAt) }] : []),
    ...(m.escalatedTo
      ? [{ key: 'escalated', label: t('已督办至', 'Escalated to'), children: areaName(m.escalatedTo) }]
      : []),
    ...(extension && typeof extension === 'object'
      ? [
          {
            key: 'extension',
            label: t('延期申请', 'Extension asked'),
            children: t(
              `${String(extension.days ?? '')} 个工作日：${String(extension.reason ?? '')}`,
              `${String(extension.days ?? '')} working days: ${String(extension.reason ?? '')}`,
            ),
          },
        ]
      : []),
    ...payload.map(([k, v]) => ({
      key: `payload.${k}`,
      label: PAYLOAD_LABELS[k] ? name(PAYLOAD_LABELS[k]) : k,
      children: typeof v === 'boolean' ? (v ? t('是', 'Yes') : t('否', 'No')) : String(v),
    })),
  ];

  const actions = <ActionPanel matter={m} path={path} large={mobile} />;
  const diagram = workflow.data ? (
    <MermaidDiagram text={workflow.data.mermaid} />
  ) : (
    <PageState loading={workflow.isLoading} error={workflow.error} onRetry={() => void workflow.refetch()} />
  );
  const workflowLink = (
    <Link to={`/workflows/${m.type}?current=${m.status}`} data-testid="workflow-link">
      <ApartmentOutlined /> {t('流程说明', 'Workflow')}
    </Link>
  );

  return (
    <>
      <Flex justify="space-between" align="flex-start" wrap gap={8} style={{ marginBottom: 12 }}>
        <div style={{ minWidth: 0 }}>
          <Typography.Text type="secondary" style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
            {m.number}
          </Typography.Text>
          <Typography.Title
            level={4}
            style={{ margin: '2px 0 8px', wordBreak: 'break-word' }}
            data-testid="matter-title"
          >
            {m.title}
          </Typography.Title>
          <Space size={[4, 6]} wrap>
            <StatusTag matter={m} />
            <UrgencyTag urgency={m.urgency} />
            {!m.closed && <DeadlineCountdown matter={m} now={now} withSeconds />}
          </Space>
        </div>
        <LiveBadge state={live} />
      </Flex>

      {/* On a phone what the user can do comes first, above the record. */}
      {mobile && <div style={{ marginBottom: 12 }}>{actions}</div>}

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={mobile ? 24 : 16}>
          <Flex vertical gap={16}>
            <Card size="small" title={t('基本信息', 'Details')}>
              <Typography.Paragraph
                style={{ whiteSpace: 'pre-wrap', fontSize: 15 }}
                type={m.description ? undefined : 'secondary'}
                data-testid="matter-description"
              >
                {m.description || t('（无描述）', '(no description)')}
              </Typography.Paragraph>
              <Descriptions
                size="small"
                column={{ xs: 1, sm: 1, md: 2 }}
                items={fields}
                data-testid="matter-fields"
              />
            </Card>
            <CommandPanel matter={m} />
            <PartiesCard parties={m.parties} />
            <AttachmentsCard matter={m} mayUpload={mayUpload} />
            <MatterTimeline
              matter={m}
              workflow={workflow.data}
              departments={departments}
              areaName={areaName}
            />
            {mobile ? (
              // On a phone the diagram (and its large script) loads only when opened.
              <Collapse
                destroyOnHidden
                items={[
                  {
                    key: 'wf',
                    label: t('流程图', 'Workflow diagram'),
                    extra: workflowLink,
                    children: diagram,
                  },
                ]}
              />
            ) : (
              <Card size="small" title={t('流程图', 'Workflow diagram')} extra={workflowLink}>
                {diagram}
              </Card>
            )}
          </Flex>
        </Col>
        {!mobile && (
          <Col xs={24} lg={8}>
            <Flex vertical gap={16} style={{ position: 'sticky', top: 16 }}>
              {actions}
              <Card size="small" title={t('办理进度', 'Progress')}>
                <MatterProgress matter={m} workflow={workflow.data} />
              </Card>
            </Flex>
          </Col>
        )}
      </Row>
    </>
  );
}

/**
 * The loop as steps — the workflow's open states in order, then where it ended — with the current one
 * marked and its deadline rule: where the matter stands at a glance, next to the actions.
 */
function MatterProgress({ matter, workflow }: { matter: Detail; workflow: Workflow | undefined }) {
  const { name, lang } = useI18n();
  if (!workflow) return null;
  const open = workflow.states.filter((s) => s.kind === 'open');
  const end =
    workflow.states.find((s) => s.kind === 'closed' && s.code === matter.status) ??
    workflow.states.find((s) => s.kind === 'closed');
  const steps = [...open, ...(end ? [end] : [])];
  const current = steps.findIndex((s) => s.code === matter.status);
  // Ending in a closed state other than the first one declared (e.g. 不予受理) is not a success.
  const refused = matter.closed && end?.code !== workflow.states.find((s) => s.kind === 'closed')?.code;
  return (
    <Steps
      orientation="vertical"
      size="small"
      current={current}
      status={refused ? 'error' : matter.closed ? 'finish' : 'process'}
      items={steps.map((s) => ({
        key: s.code,
        title: name(s.name),
        content:
          s.code === matter.status && !matter.closed && s.deadlineText
            ? localized(s.deadlineText, lang)
            : undefined,
      }))}
      data-testid="matter-progress"
    />
  );
}

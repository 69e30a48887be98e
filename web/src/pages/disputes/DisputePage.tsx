import { ApartmentOutlined, LeftOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Descriptions, Flex, Row, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';
import { Link, Navigate, useLocation, useNavigate, useParams } from 'react-router';
import { api, errorText, type Schemas, unwrap } from '../../api/client';
import { useLiveEvents } from '../../api/useLiveEvents';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { CommandPanel } from '../command/CommandPanel';
import { ActionPanel } from '../matters/components/ActionPanel';
import { AttachmentsCard } from '../matters/components/AttachmentsCard';
import { inScopeOf, useArea, useAreaNames, useDepartments, useWorkflow } from '../matters/components/lookups';
import { MatterTimeline } from '../matters/components/MatterTimeline';
import { PartiesCard } from '../matters/components/PartiesCard';
import { DeadlineCountdown, LiveBadge, StatusTag, useNow } from '../matters/components/tags';
import { useDisputeMeta, useDisputeSources } from './components/lookups';
import { CHANNEL_NAMES, CLASSIFICATION_NAMES } from './components/names';
import { SourceRecords } from './components/SourceRecords';
import { MassTag, RiskTag } from './components/tags';

type Detail = Schemas['MatterDetail'];
type Risk = Schemas['DisputeItem']['riskLevel'];

/** The dispute fields of a matter's payload (DisputePayload in src/modules/dispute/dispute.schema.ts). */
function payloadOf(m: Detail) {
  const p = m.payload;
  const c = p.classification as { method?: unknown; confidence?: unknown } | undefined;
  return {
    amount: typeof p.amount === 'number' ? p.amount : null,
    peopleInvolved: typeof p.peopleInvolved === 'number' ? p.peopleInvolved : null,
    mass: p.mass === true,
    risk: (['high', 'medium', 'low'].includes(String(p.riskLevel)) ? p.riskLevel : 'low') as Risk,
    address: typeof p.address === 'string' ? p.address : null,
    method: c && typeof c.method === 'string' ? c.method : null,
    confidence: c && typeof c.confidence === 'number' ? c.confidence : null,
    sources: Array.isArray(p.sources) ? p.sources.filter((s): s is string => typeof s === 'string') : [],
  };
}

/**
 * One dispute: the matter's header, fields and the actions of its triage workflow (研判 → 分流 → 化解 →
 * 回访 → 结案, the matter page's own components), and 来源记录 — every department's record of it side by
 * side. Changes by others arrive over /api/events and refresh the page in place. A matter of another type
 * opens on the matter page.
 */
export default function DisputePage() {
  const { id = '' } = useParams();
  const validId = /^\d{1,18}$/.test(id);
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  // The registration form says how its dispute was taken in: merged into one another source reported.
  const merged = (location.state as { outcome?: string } | null)?.outcome === 'merged';
  const live = useLiveEvents();
  const q = useQuery({
    queryKey: ['matter', id],
    queryFn: () => unwrap(api.GET('/api/matters/{id}', { params: { path: { id } } })),
    enabled: validId,
  });
  const isDispute = q.data?.type === 'dispute';
  const records = useQuery({
    // Under ['matter', id]: a live event about this matter refreshes its records too.
    queryKey: ['matter', id, 'records'],
    queryFn: async () =>
      (await unwrap(api.GET('/api/disputes/{id}/records', { params: { path: { id } } }))).items,
    enabled: validId && isDispute,
  });
  if (!validId) return <Forbidden notFound />;
  const m = q.data;
  if (m && !isDispute) return <Navigate to={`/matters/${m.id}`} replace />;
  return (
    <div style={{ minWidth: 0 }}>
      <Button type="link" icon={<LeftOutlined />} onClick={() => navigate(-1)} style={{ paddingLeft: 0 }}>
        {t('返回', 'Back')}
      </Button>
      <PageState loading={q.isLoading} error={m ? undefined : q.error} onRetry={() => void q.refetch()}>
        {m && q.error != null && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 12 }}
            title={t('刷新失败：', 'Could not refresh: ') + errorText(q.error, lang)}
          />
        )}
        {m && merged && (
          <Alert
            type="info"
            showIcon
            closable
            style={{ marginBottom: 12 }}
            data-testid="register-merged"
            title={t(
              '已与其他部门上报的同一纠纷合并',
              'Merged with the same dispute reported by another source',
            )}
            description={t(
              '您登记的情况已作为一条来源记录并入该纠纷，见下方“来源记录”。',
              'What you registered is one more source record of this dispute; see “Source records” below.',
            )}
          />
        )}
        {m && (
          <DisputeView
            m={m}
            live={live}
            records={
              <PageState
                loading={records.isLoading}
                error={records.data ? undefined : records.error}
                onRetry={() => void records.refetch()}
              >
                {records.data && <SourceRecords records={records.data} />}
              </PageState>
            }
          />
        )}
      </PageState>
    </div>
  );
}

function DisputeView({
  m,
  live,
  records,
}: {
  m: Detail;
  live: ReturnType<typeof useLiveEvents>;
  records: ReactNode;
}) {
  const { t, lang, name } = useI18n();
  const { me, can } = useAuth();
  const mobile = useIsMobile();
  const now = useNow(1000);
  const meta = useDisputeMeta();
  const sources = useDisputeSources();
  const departments = useDepartments();
  const workflow = useWorkflow(m.type, m.status);
  const area = useArea(m.areaCode);
  const path = area.data?.path ?? [];
  const pathNames = new Map(path.map((a) => [a.code, a.name]));
  const others = [m.assignee?.areaCode, m.dispatcherAreaCode, m.escalatedTo].filter(
    (c): c is string => !!c && !pathNames.has(c),
  );
  const lookup = useAreaNames(others);
  const areaName = (code: string) => pathNames.get(code) ?? lookup(code);
  const p = payloadOf(m);
  const category = meta.categoryName(m.category);
  const dept = m.assignee?.department ? departments.byCode.get(m.assignee.department) : undefined;
  const time = (v: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');

  // Who may add evidence: the matter page's rule (assertMayAttach on the server has the last word).
  const mayUpload =
    !m.closed &&
    !!me &&
    (m.reporterId === me.user.id ||
      (m.assignee?.userId != null && m.assignee.userId === me.user.id) ||
      (!!m.assignee?.department &&
        m.assignee.department === me.user.departmentCode &&
        m.assignee.areaCode === me.user.areaCode) ||
      (can('matter:act') && inScopeOf(me.scope.areaCode, m.areaCode)));

  // The parties card shows a role as it is given: disputes keep codes (applicant …), named here.
  const parties = m.parties.map((x) => ({ ...x, role: name(meta.roleName(x.role)) || x.role }));
  // The matter page names a merged record generically; here it says which source's report was merged.
  const timelineMatter: Detail = {
    ...m,
    timeline: m.timeline.map((e) =>
      e.action === 'source_merged'
        ? {
            ...e,
            action: t(
              `并入${sourceOf(e.data, sources.sourceName, name)}的上报`,
              `Report merged from ${sourceOf(e.data, sources.sourceName, name)}`,
            ),
          }
        : e,
    ),
  };

  const fields: { key: string; label: string; children: ReactNode }[] = [
    {
      key: 'number',
      label: t('编号', 'Number'),
      children: <Typography.Text copyable>{m.number}</Typography.Text>,
    },
    {
      key: 'category',
      label: t('类别', 'Category'),
      children: (
        <span data-testid="dispute-category">
          {category ? name(category) : (m.category ?? '—')}
          {p.method && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {' '}
              （{name(CLASSIFICATION_NAMES[p.method]) || p.method}
              {p.method === 'classifier' && p.confidence !== null
                ? t(
                    `，置信度 ${Math.round(p.confidence * 100)}%`,
                    `, ${Math.round(p.confidence * 100)}% sure`,
                  )
                : ''}
              ）
            </Typography.Text>
          )}
        </span>
      ),
    },
    { key: 'status', label: t('状态', 'Status'), children: <StatusTag matter={m} /> },
    { key: 'risk', label: t('风险等级', 'Risk'), children: <RiskTag risk={p.risk} /> },
    {
      key: 'area',
      label: t('区域', 'Area'),
      children: (
        <span title={m.areaCode} data-testid="dispute-area">
          {path.length
            ? path
                .slice(1)
                .map((a) => a.name)
                .join(' / ')
            : m.areaCode}
        </span>
      ),
    },
    ...(p.address ? [{ key: 'address', label: t('地址', 'Address'), children: p.address }] : []),
    {
      key: 'people',
      label: t('涉及人数', 'People involved'),
      children: (
        <Space size={4}>
          {p.peopleInvolved ?? '—'}
          {p.mass && <MassTag />}
        </Space>
      ),
    },
    ...(p.amount !== null
      ? [
          {
            key: 'amount',
            label: t('争议金额', 'Amount'),
            children: `${p.amount.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en')} ${t('元', 'CNY')}`,
          },
        ]
      : []),
    {
      key: 'reporter',
      label: t('登记', 'Registered by'),
      children: `${m.reporterName ?? '—'}${m.sourceChannel ? ` · ${name(CHANNEL_NAMES[m.sourceChannel]) || m.sourceChannel}` : ''}`,
    },
    { key: 'created', label: t('上报时间', 'Reported at'), children: time(m.createdAt) },
    {
      key: 'assignee',
      label: t('承办单位', 'Assigned unit'),
      children: m.assignee?.department ? (
        <span data-testid="matter-assignee">
          {dept ? (lang === 'zh' ? dept.name : dept.nameEn) : m.assignee.department}
          {m.assignee.areaCode ? ` · ${areaName(m.assignee.areaCode)}` : ''}
        </span>
      ) : (
        t('未分流', 'Not routed yet')
      ),
    },
    ...(m.closed
      ? []
      : [
          {
            key: 'due',
            label: t('本环节期限', 'Due'),
            children: m.dueAt ? time(m.dueAt) : t('无时限', 'No deadline'),
          },
        ]),
    ...(m.closedAt ? [{ key: 'closed', label: t('结案时间', 'Closed at'), children: time(m.closedAt) }] : []),
  ];

  const actions = <ActionPanel matter={m} path={path} large={mobile} />;
  const workflowLink = (
    <Link to={`/workflows/${m.type}?current=${m.status}`} data-testid="workflow-link">
      <ApartmentOutlined /> {t('分流化解流程说明', 'How disputes are handled')}
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
            {category && <Tag color="blue">{name(category)}</Tag>}
            <RiskTag risk={p.risk} />
            {p.mass && <MassTag />}
            {p.sources.length > 1 && (
              <Tag color="purple" data-testid="dispute-sources">
                {t(`${p.sources.length} 个部门上报`, `reported by ${p.sources.length} sources`)}
              </Tag>
            )}
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
            <Card size="small" title={t('纠纷情况', 'The dispute')} extra={workflowLink}>
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
                data-testid="dispute-fields"
              />
            </Card>
            <PartiesCard parties={parties} />
            <CommandPanel matter={m} />
          </Flex>
        </Col>
        {!mobile && (
          <Col xs={24} lg={8}>
            <Flex vertical gap={16} style={{ position: 'sticky', top: 16 }}>
              {actions}
            </Flex>
          </Col>
        )}
        <Col span={24}>{records}</Col>
        <Col xs={24} lg={mobile ? 24 : 16}>
          <Flex vertical gap={16}>
            <MatterTimeline
              matter={timelineMatter}
              workflow={workflow.data}
              departments={departments}
              areaName={areaName}
            />
            {(m.attachments.length > 0 || mayUpload) && <AttachmentsCard matter={m} mayUpload={mayUpload} />}
          </Flex>
        </Col>
      </Row>
    </>
  );
}

/** The source named in a timeline entry's data ({source: code}). */
function sourceOf(
  data: unknown,
  sourceName: (code: string) => { zh: string; en: string },
  name: (n: { zh: string; en: string }) => string,
): string {
  const code =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>).source : undefined;
  return typeof code === 'string' ? name(sourceName(code)) : '';
}

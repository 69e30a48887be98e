import { ApartmentOutlined, EyeInvisibleOutlined, LeftOutlined, LinkOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Flex,
  Progress,
  Row,
  Space,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import { api, errorText, type Schemas, unwrap } from '../../api/client';
import { useLiveEvents as useAlertEvents } from '../../api/useLiveEvents';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { localized } from '../../components/zodRule';
import { useI18n } from '../../i18n';
import { CommandPanel } from '../command/CommandPanel';
import { ActionPanel } from '../matters/components/ActionPanel';
import {
  useArea,
  useAreaNames,
  useDepartments,
  useMatterTypes,
  useWorkflow,
} from '../matters/components/lookups';
import { MatterTimeline } from '../matters/components/MatterTimeline';
import { DeadlineCountdown, LiveBadge, StatusTag, useNow } from '../matters/components/tags';
import {
  type AlertDetail,
  type AlertFactor,
  LEVEL_COLORS,
  LevelTag,
  recordPath,
  useAlertModels,
} from './shared';

type Detail = Schemas['MatterDetail'];

/**
 * One alert: how strong (level, score), which model raised it about what (key, window) and how often it was
 * evaluated; the explanation — each factor that fired, its weight and the records behind it (those outside
 * the user's scope counted, not shown); then the alert's loop, the matter page's own actions (研判确认,
 * 研判排除 with a reason, 分派 …) and timeline. Changes arrive live and refresh the page in place.
 */
export default function AlertPage() {
  const { id = '' } = useParams();
  const validId = /^\d{1,18}$/.test(id);
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const live = useAlertEvents();
  const matter = useQuery({
    queryKey: ['matter', id],
    queryFn: () => unwrap(api.GET('/api/matters/{id}', { params: { path: { id } } })),
    enabled: validId,
  });
  const isAlert = matter.data?.type === 'alert';
  const alert = useQuery({
    // Under ['matter', id]: a live event about this alert refreshes its explanation too.
    queryKey: ['matter', id, 'alert'],
    queryFn: () => unwrap(api.GET('/api/alerts/{id}', { params: { path: { id } } })),
    enabled: validId && isAlert,
  });
  if (!validId) return <Forbidden notFound />;
  const m = matter.data;
  if (m && !isAlert) return <Navigate to={`/matters/${m.id}`} replace />;
  const a = alert.data;
  const error = m && a ? undefined : (matter.error ?? alert.error);
  const refreshError = m && a ? (matter.error ?? alert.error) : null;
  return (
    <div style={{ minWidth: 0 }}>
      <Button type="link" icon={<LeftOutlined />} onClick={() => navigate(-1)} style={{ paddingLeft: 0 }}>
        {t('返回', 'Back')}
      </Button>
      <PageState
        loading={matter.isLoading || (isAlert && alert.isLoading)}
        error={error}
        onRetry={() => {
          void matter.refetch();
          void alert.refetch();
        }}
      >
        {refreshError != null && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 12 }}
            title={t('刷新失败：', 'Could not refresh: ') + errorText(refreshError, lang)}
          />
        )}
        {m && a && <AlertView m={m} a={a} live={live} />}
      </PageState>
    </div>
  );
}

function AlertView({ m, a, live }: { m: Detail; a: AlertDetail; live: ReturnType<typeof useAlertEvents> }) {
  const { t, name, lang } = useI18n();
  const mobile = useIsMobile();
  const now = useNow(1000);
  const models = useAlertModels();
  const types = useMatterTypes();
  const departments = useDepartments();
  const workflow = useWorkflow(m.type, m.status);
  const area = useArea(m.areaCode);
  const path = area.data?.path ?? [];
  const pathNames = new Map(path.map((x) => [x.code, x.name]));
  const others = [m.assignee?.areaCode, m.dispatcherAreaCode, m.escalatedTo].filter(
    (c): c is string => !!c && !pathNames.has(c),
  );
  const lookup = useAreaNames(others);
  const areaName = (code: string) => pathNames.get(code) ?? lookup(code);
  const time = (v: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');
  const model = models.byCode.get(a.model);
  const dept = m.assignee?.department ? departments.byCode.get(m.assignee.department) : undefined;

  // The matter timeline names workflow steps; an alert's own entries (raised, re-evaluated, written by the
  // model runtime as `model:<code>` with notes in both languages) are named here.
  const actor = (n: string) => {
    const code = n.startsWith('model:') ? n.slice(6) : null;
    const mm = code ? models.byCode.get(code) : undefined;
    return mm ? t(`${mm.name.zh}模型`, `${mm.name.en} model`) : n;
  };
  const timelineMatter: Detail = {
    ...m,
    timeline: m.timeline.map((e) => ({
      ...e,
      actorName: actor(e.actorName),
      ...(e.action === 'create' ? { action: t('模型生成预警', 'Raised by the model') } : {}),
      ...(e.action === 'reevaluate'
        ? {
            action: t('模型重新评估', 'Re-evaluated by the model'),
            note: e.note ? localized(e.note, lang) : e.note,
          }
        : {}),
    })),
  };

  const fields: { key: string; label: string; children: ReactNode }[] = [
    {
      key: 'number',
      label: t('编号', 'Number'),
      children: <Typography.Text copyable>{m.number}</Typography.Text>,
    },
    {
      key: 'model',
      label: t('预警模型', 'Model'),
      children: (
        <Link to={`/alerts/models/${a.model}`} data-testid="alert-model">
          {model ? name(model.name) : a.model}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {' '}
            {t(`（参数第 ${a.modelVersion} 版）`, `(parameters v${a.modelVersion})`)}
          </Typography.Text>
        </Link>
      ),
    },
    { key: 'level', label: t('预警等级', 'Level'), children: <LevelTag level={a.level} /> },
    { key: 'score', label: t('风险评分', 'Score'), children: `${a.score} / 100` },
    { key: 'status', label: t('状态', 'Status'), children: <StatusTag matter={m} /> },
    {
      key: 'area',
      label: t('区域', 'Area'),
      children: (
        <span title={m.areaCode} data-testid="alert-area">
          {path.length
            ? path
                .slice(1)
                .map((x) => x.name)
                .join(' / ')
            : m.areaCode}
        </span>
      ),
    },
    {
      key: 'key',
      label: t('预警对象', 'About'),
      children: (
        <Typography.Text code style={{ wordBreak: 'break-all' }} data-testid="alert-key">
          {a.key}
        </Typography.Text>
      ),
    },
    {
      key: 'window',
      label: t('时间窗口', 'Window'),
      children: a.window === 'open' ? t('持续（直至处置）', 'Open (until handled)') : a.window,
    },
    { key: 'first', label: t('首次预警', 'First raised'), children: time(a.firstAt) },
    { key: 'last', label: t('最近评估', 'Last evaluated'), children: time(a.lastAt) },
    {
      key: 'evaluations',
      label: t('评估次数', 'Evaluations'),
      children: <span data-testid="alert-evaluations">{a.evaluations}</span>,
    },
    {
      key: 'assignee',
      label: t('处置单位', 'Assigned unit'),
      children: m.assignee?.department ? (
        <span data-testid="matter-assignee">
          {dept ? name({ zh: dept.name, en: dept.nameEn }) : m.assignee.department}
          {m.assignee.areaCode ? ` · ${areaName(m.assignee.areaCode)}` : ''}
        </span>
      ) : (
        t('未分派', 'Not dispatched')
      ),
    },
    ...(m.closed
      ? [{ key: 'closed', label: t('结束时间', 'Closed at'), children: time(m.closedAt) }]
      : [
          {
            key: 'due',
            label: t('本环节期限', 'Due'),
            children: m.dueAt ? time(m.dueAt) : t('无时限', 'No deadline'),
          },
        ]),
  ];

  const actions = <ActionPanel matter={m} path={path} large={mobile} />;
  const colors = LEVEL_COLORS[a.level];
  const stateName = types.stateName(m.status, m.type);

  return (
    <>
      <Flex justify="space-between" align="flex-start" wrap gap={8} style={{ marginBottom: 12 }}>
        <Flex gap={16} align="center" style={{ minWidth: 0 }}>
          <Progress
            type="circle"
            percent={a.score}
            size={64}
            strokeColor={colors.text}
            format={(p) => <span style={{ color: colors.text, fontWeight: 600 }}>{p}</span>}
            aria-label={t(`风险评分 ${a.score}`, `Score ${a.score}`)}
            data-testid="alert-score"
          />
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
              <LevelTag level={a.level} />
              <StatusTag matter={m} />
              {model && <Tag color="blue">{name(model.name)}</Tag>}
              {!m.closed && <DeadlineCountdown matter={m} now={now} withSeconds />}
            </Space>
          </div>
        </Flex>
        <LiveBadge state={live} />
      </Flex>

      {mobile && <div style={{ marginBottom: 12 }}>{actions}</div>}

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={mobile ? 24 : 16}>
          <Flex vertical gap={16}>
            <Card
              size="small"
              title={t('研判依据', 'Why this alert')}
              extra={
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t(
                    `各因素权重合计为评分（上限 100）`,
                    'The factors’ weights add up to the score (at most 100)',
                  )}
                </Typography.Text>
              }
              style={{ borderTop: `3px solid ${colors.text}` }}
              data-testid="alert-factors"
            >
              {a.factors.length === 0 ? (
                <Empty description={t('没有记录因素', 'No factor recorded')} />
              ) : (
                <Flex vertical gap={12}>
                  {a.factors.map((f) => (
                    <FactorCard key={f.code} factor={f} score={a.score} color={colors.text} />
                  ))}
                </Flex>
              )}
            </Card>
            <Card size="small" title={t('预警信息', 'Details')}>
              <Descriptions
                size="small"
                column={{ xs: 1, sm: 1, md: 2 }}
                items={fields}
                data-testid="alert-fields"
              />
            </Card>
            <CommandPanel matter={m} />
            <MatterTimeline
              matter={timelineMatter}
              workflow={workflow.data}
              departments={departments}
              areaName={areaName}
            />
          </Flex>
        </Col>
        {!mobile && (
          <Col xs={24} lg={8}>
            <Flex vertical gap={16} style={{ position: 'sticky', top: 16 }}>
              {actions}
              <Card size="small" title={t('处置闭环', 'The loop')}>
                <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
                  {t(
                    '待研判 → 研判确认或排除 → 分派处置 → 反馈 → 核销',
                    'Raised → confirm or dismiss → dispatch → feedback → write off',
                  )}
                </Typography.Paragraph>
                <Space orientation="vertical" size={4}>
                  <span>
                    {t('当前：', 'Now: ')}
                    {stateName ? name(stateName) : m.statusName}
                  </span>
                  <Link to={`/workflows/${m.type}?current=${m.status}`} data-testid="workflow-link">
                    <ApartmentOutlined /> {t('流程说明', 'Workflow')}
                  </Link>
                </Space>
              </Card>
            </Flex>
          </Col>
        )}
      </Row>
    </>
  );
}

/** One factor of the explanation: what it is, how much it weighs, what was found and the records behind it. */
function FactorCard({ factor, score, color }: { factor: AlertFactor; score: number; color: string }) {
  const { t, name } = useI18n();
  const types = useMatterTypes();
  const { stateName } = types;
  const share = score > 0 ? Math.round((factor.weight / Math.max(score, 1)) * 100) : 0;
  return (
    <Card
      size="small"
      type="inner"
      data-testid="alert-factor"
      data-code={factor.code}
      title={
        <Space size={8} wrap>
          <Typography.Text strong>{name(factor.name)}</Typography.Text>
          <Tag color="volcano" data-testid="factor-weight">
            +{factor.weight}
          </Tag>
        </Space>
      }
      extra={
        <div style={{ width: 120 }} title={t(`占评分 ${share}%`, `${share}% of the score`)}>
          <Progress
            percent={Math.min(100, factor.weight)}
            showInfo={false}
            size="small"
            strokeColor={color}
            aria-label={t(`权重 ${factor.weight}`, `Weight ${factor.weight}`)}
          />
        </div>
      }
    >
      <Typography.Paragraph style={{ marginBottom: 8, whiteSpace: 'pre-wrap' }} data-testid="factor-detail">
        {factor.detail}
      </Typography.Paragraph>
      {factor.records.length > 0 && (
        <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="factor-records">
          {factor.records.map((r) => {
            const state = stateName(r.status, r.type);
            const type = types.type(r.type);
            return (
              <li key={r.id} style={{ padding: '6px 0', borderTop: '1px solid #f0f0f0' }}>
                <Flex justify="space-between" gap={8} wrap>
                  <Link to={recordPath(r)} data-testid="factor-record">
                    <LinkOutlined /> {r.title}
                  </Link>
                  <Space size={4} wrap>
                    {type && <Tag>{name(type.name)}</Tag>}
                    {state && <Tag color="default">{name(state)}</Tag>}
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {r.number} · {dayjs(r.createdAt).format('YYYY-MM-DD')}
                    </Typography.Text>
                  </Space>
                </Flex>
              </li>
            );
          })}
        </ul>
      )}
      {factor.hiddenRecords > 0 && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="factor-hidden">
          <EyeInvisibleOutlined />{' '}
          {t(
            `${factor.hiddenRecords} 条记录不在您的管辖范围`,
            `${factor.hiddenRecords} record${factor.hiddenRecords === 1 ? '' : 's'} outside your area`,
          )}
        </Typography.Text>
      )}
    </Card>
  );
}

import { LeftOutlined, PlayCircleOutlined, RollbackOutlined, SaveOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Flex,
  Form,
  Input,
  Row,
  Space,
  Statistic,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { type ReactNode, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { localized } from '../../components/zodRule';
import { type Lang, useI18n } from '../../i18n';
import { type JsonSchema, ParamFields, paramLabel, TAG_NAMES } from './ParamFields';
import {
  ConfirmRatio,
  formatMs,
  HealthTag,
  KIND_NAMES,
  LEVEL_COLORS,
  LEVEL_NAMES,
  LEVELS,
  type ModelDetail,
  percentOrDash,
  type RunResult,
} from './shared';

type Params = Record<string, unknown>;
type Version = ModelDetail['versions'][number];
type Backtest = NonNullable<ModelDetail['backtest']>;

/** The reason a change needs (PUT /api/alert-models/{code}: 2–500 characters, trimmed). */
const MAX_REASON = 500;

/**
 * One model: what it looks at (its description), how it is doing (health, last run, 研判 ratio), its
 * parameters — a form generated from the model's own schema for those with alert:configure, read-only for
 * the others — with every change's version, author and reason, and the latest backtest (precision, recall,
 * lead time). 立即运行 evaluates it once now and says what came of it.
 */
export default function ModelPage() {
  const { code = '' } = useParams();
  const valid = /^[a-z][a-z0-9_]{1,39}$/.test(code);
  const { t } = useI18n();
  const navigate = useNavigate();
  const q = useQuery({
    queryKey: ['alert-models', code],
    queryFn: () => unwrap(api.GET('/api/alert-models/{code}', { params: { path: { code } } })),
    enabled: valid,
  });
  if (!valid) return <Forbidden notFound />;
  return (
    <div style={{ minWidth: 0 }}>
      <Button type="link" icon={<LeftOutlined />} onClick={() => navigate(-1)} style={{ paddingLeft: 0 }}>
        {t('返回', 'Back')}
      </Button>
      <PageState loading={q.isLoading} error={q.data ? undefined : q.error} onRetry={() => void q.refetch()}>
        {q.data && <ModelView m={q.data} />}
      </PageState>
    </div>
  );
}

function ModelView({ m }: { m: ModelDetail }) {
  const { t, name } = useI18n();
  const { can } = useAuth();
  const configure = can('alert:configure');
  const time = (v: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm:ss') : '—');
  const schema = m.paramsSchema as JsonSchema;

  const health: { key: string; label: string; children: ReactNode }[] = [
    { key: 'health', label: t('运行状况', 'Health'), children: <HealthTag model={m} /> },
    {
      key: 'kind',
      label: t('评估方式', 'Runs'),
      children:
        m.kind === 'streaming'
          ? t('实时：每条记录变化时评估', 'Streaming: on each change of a record')
          : m.intervalMs
            ? t(
                `定时：每 ${formatMs(m.intervalMs, t)}评估一次`,
                `Periodic: every ${formatMs(m.intervalMs, t)}`,
              )
            : name(KIND_NAMES[m.kind]),
    },
    { key: 'last', label: t('最近运行', 'Last run'), children: time(m.lastRunAt) },
    { key: 'took', label: t('耗时', 'Took'), children: formatMs(m.lastDurationMs, t) },
    { key: 'signals', label: t('上次信号', 'Signals last time'), children: m.lastSignals ?? '—' },
    {
      key: 'runs',
      label: t('运行 / 失败', 'Runs / failed'),
      children: (
        <span>
          {m.runs} / <span style={{ color: m.failures ? '#cf1322' : undefined }}>{m.failures}</span>
        </span>
      ),
    },
    {
      key: 'levels',
      label: t('等级阈值', 'Level thresholds'),
      children: (
        <Space size={4} wrap>
          {LEVELS.map((l) => (
            <Tag key={l} color={LEVEL_COLORS[l].tag}>
              {name(LEVEL_NAMES[l])} ≥ {m.levels[l]}
            </Tag>
          ))}
        </Space>
      ),
    },
  ];

  return (
    <>
      <Flex justify="space-between" align="flex-start" wrap gap={8} style={{ marginBottom: 12 }}>
        <div style={{ minWidth: 0 }}>
          <Typography.Text type="secondary" style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
            {t(`模型 ${m.no}`, `Model ${m.no}`)} · {m.code}
          </Typography.Text>
          <Typography.Title level={4} style={{ margin: '2px 0 8px' }} data-testid="model-title">
            {name(m.name)}
          </Typography.Title>
          <Space size={[4, 6]} wrap>
            <Tag color={m.kind === 'streaming' ? 'geekblue' : 'purple'}>{name(KIND_NAMES[m.kind])}</Tag>
            {m.enabled ? (
              <Tag color="success" data-testid="model-enabled">
                {t('已启用', 'On')}
              </Tag>
            ) : (
              <Tag data-testid="model-enabled">{t('已停用', 'Off')}</Tag>
            )}
            <HealthTag model={m} />
            <Tag data-testid="model-version">{t(`参数第 ${m.version} 版`, `Parameters v${m.version}`)}</Tag>
          </Space>
        </div>
        {configure && <RunButton code={m.code} enabled={m.enabled} />}
      </Flex>

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={16}>
          <Flex vertical gap={16}>
            <Card size="small" title={t('模型逻辑', 'How it works')}>
              <Typography.Paragraph
                style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}
                data-testid="model-description"
              >
                {name(m.description)}
              </Typography.Paragraph>
            </Card>
            <Card
              size="small"
              title={t('参数', 'Parameters')}
              extra={
                !configure && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('仅管理员可修改', 'Only an administrator may change them')}
                  </Typography.Text>
                )
              }
            >
              <ParamsForm m={m} schema={schema} configure={configure} />
            </Card>
            <VersionsCard versions={m.versions} schema={schema} />
            <BacktestCard backtest={m.backtest} />
          </Flex>
        </Col>
        <Col xs={24} lg={8}>
          <Flex vertical gap={16}>
            <Card size="small" title={t('运行状况', 'Health')} data-testid="model-health-card">
              {!m.healthy && m.lastError && (
                <Alert
                  type="error"
                  showIcon
                  style={{ marginBottom: 12 }}
                  title={t('最近一次运行失败', 'The last run failed')}
                  description={<span style={{ wordBreak: 'break-word' }}>{m.lastError}</span>}
                  data-testid="model-error"
                />
              )}
              <Descriptions size="small" column={1} items={health} />
            </Card>
            <Card size="small" title={t('研判结果', 'Judgement so far')}>
              <Row gutter={8}>
                <Col span={8}>
                  <Statistic title={t('未结预警', 'Open')} value={m.openAlerts} />
                </Col>
                <Col span={8}>
                  <Statistic title={t('确认', 'Confirmed')} value={m.confirmed} />
                </Col>
                <Col span={8}>
                  <Statistic title={t('排除', 'Dismissed')} value={m.dismissed} />
                </Col>
              </Row>
              <Flex justify="space-between" style={{ marginTop: 12 }}>
                <span>
                  {t('研判确认率', 'Confirm ratio')}：<ConfirmRatio model={m} />
                </span>
                {m.openAlerts > 0 && (
                  <Link to={`/alerts?model=${m.code}`}>{t('查看未结预警', 'See open alerts')}</Link>
                )}
              </Flex>
            </Card>
          </Flex>
        </Col>
      </Row>
    </>
  );
}

/** 立即运行: one evaluation now (POST …/run), its outcome shown under the button. */
function RunButton({ code, enabled }: { code: string; enabled: boolean }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const run = useMutation({
    mutationFn: () => unwrap(api.POST('/api/alert-models/{code}/run', { params: { path: { code } } })),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: ['alert-models'] });
      void qc.invalidateQueries({ queryKey: ['matters'] });
    },
  });
  const r: RunResult | undefined = run.data;
  return (
    <Flex vertical align="flex-end" gap={8} style={{ maxWidth: 420 }}>
      <Button
        type="primary"
        icon={<PlayCircleOutlined />}
        loading={run.isPending}
        disabled={!enabled}
        title={enabled ? undefined : t('模型已停用', 'The model is off')}
        onClick={() => run.mutate()}
        data-testid="model-run"
      >
        {t('立即运行', 'Run now')}
      </Button>
      {run.error && <Alert type="error" showIcon title={errorText(run.error, lang)} />}
      {r && (
        <Alert
          type={r.ok ? 'success' : 'error'}
          showIcon
          closable={{ onClose: () => run.reset() }}
          data-testid="run-result"
          title={
            r.ok
              ? t(`运行完成，耗时 ${formatMs(r.ms, t)}`, `Done in ${formatMs(r.ms, t)}`)
              : t('运行失败', 'The run failed')
          }
          description={
            r.ok
              ? t(
                  `信号 ${r.signals} 条：新增预警 ${r.raised}，更新 ${r.updated}，无变化 ${r.unchanged}，已结不再预警 ${r.suppressed}`,
                  `${r.signals} signals: ${r.raised} raised, ${r.updated} updated, ${r.unchanged} unchanged, ${r.suppressed} already closed`,
                )
              : localized(r.error ?? '', lang)
          }
        />
      )}
    </Flex>
  );
}

// ---------------------------------------------------------------------------------------------------
// The parameters form

interface FormValues {
  enabled: boolean;
  params: Params;
  reason?: string;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

/** Every field path of the form, deepest first: where a server complaint (`params.x.y.3`) belongs. */
function fieldPaths(schema: JsonSchema, prefix: string[] = ['params']): string[][] {
  const out: string[][] = [];
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    const p = [...prefix, k];
    if (s.properties) out.push(...fieldPaths(s, p));
    out.push(p);
  }
  return out;
}

function ParamsForm({ m, schema, configure }: { m: ModelDetail; schema: JsonSchema; configure: boolean }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  // What the form was filled from: its version goes with the change, so that another's change in between
  // is refused (409) rather than overwritten. A live refresh does not reset what the user is typing.
  const [base, setBase] = useState(() => ({ version: m.version, params: m.params, enabled: m.enabled }));
  const [formError, setFormError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const paths = fieldPaths(schema);

  const load = (from: { version: number; params: Params; enabled: boolean }) => {
    setBase(from);
    form.resetFields();
    form.setFieldsValue({ enabled: from.enabled, params: from.params, reason: '' });
    setConflict(null);
    setFormError(null);
  };

  const save = useMutation({
    mutationFn: (body: { version: number; params?: Params; enabled?: boolean; reason: string }) =>
      unwrap(api.PUT('/api/alert-models/{code}', { params: { path: { code: m.code } }, body })),
    onSuccess: (r) => {
      message.success(t(`已保存为第 ${r.version} 版`, `Saved as version ${r.version}`));
      load({ version: r.version, params: r.params, enabled: r.enabled });
      void qc.invalidateQueries({ queryKey: ['alert-models'] });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 409) {
        setConflict(errorText(e, lang));
        void qc.invalidateQueries({ queryKey: ['alert-models', m.code] });
        return;
      }
      setFormError(placeErrors(e, lang));
    },
  });

  /** The server's complaints on their fields (`params.minCount` → that field); the rest above the form. */
  const placeErrors = (e: unknown, l: Lang): string | null => {
    if (!(e instanceof ApiError) || !e.details.length) return errorText(e, l);
    const byField = new Map<string, { name: string[]; errors: string[] }>();
    const unplaced: string[] = [];
    for (const d of e.details) {
      const parts = (d.path ?? '').replace(/^body\./, '').split('.');
      const match = [...paths, ['reason'], ['enabled']]
        .filter((p) => p.every((x, i) => parts[i] === x))
        .sort((a, b) => b.length - a.length)[0];
      const text = localized(d.message, l);
      if (!match) {
        unplaced.push(`${d.path ?? ''} ${text}`.trim());
        continue;
      }
      const key = match.join('.');
      const entry = byField.get(key) ?? { name: match, errors: [] };
      // An item of a list: say which one.
      const item = parts.length > match.length ? parts[match.length] : undefined;
      entry.errors.push(
        item && /^\d+$/.test(item)
          ? t(`第 ${Number(item) + 1} 项：${text}`, `Item ${Number(item) + 1}: ${text}`)
          : text,
      );
      byField.set(key, entry);
    }
    form.setFields([...byField.values()].map((f) => ({ name: f.name as never, errors: f.errors })));
    if (unplaced.length) return unplaced.join('；');
    return byField.size ? null : errorText(e, l);
  };

  const onFinish = (v: FormValues) => {
    setFormError(null);
    const params = { ...base.params, ...v.params };
    const paramsChanged = !equal(params, base.params);
    const enabledChanged = v.enabled !== base.enabled;
    if (!paramsChanged && !enabledChanged) {
      message.info(t('没有修改。', 'Nothing has changed.'));
      return;
    }
    save.mutate({
      version: base.version,
      reason: (v.reason ?? '').trim(),
      ...(paramsChanged ? { params } : {}),
      ...(enabledChanged ? { enabled: v.enabled } : {}),
    });
  };

  const stale = m.version !== base.version;

  return (
    <Form<FormValues>
      form={form}
      layout="vertical"
      initialValues={{ enabled: base.enabled, params: base.params, reason: '' }}
      onFinish={onFinish}
      disabled={!configure || save.isPending}
      data-testid="params-form"
    >
      {(conflict || (stale && configure)) && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="params-conflict"
          title={
            conflict ??
            t(
              `参数已被他人修改为第 ${m.version} 版，保存将被拒绝`,
              `Someone changed the parameters (now version ${m.version}); saving will be refused`,
            )
          }
          description={t(
            '载入最新参数后，再做您的修改。',
            'Load the latest parameters, then make your change again.',
          )}
          action={
            <Button
              size="small"
              icon={<RollbackOutlined />}
              disabled={false}
              onClick={() => load({ version: m.version, params: m.params, enabled: m.enabled })}
              data-testid="params-reload"
            >
              {t('载入最新', 'Load the latest')}
            </Button>
          }
        />
      )}
      <Form.Item name="enabled" label={t('启用模型', 'Model on')} valuePropName="checked">
        <Switch data-testid="model-enabled-switch" />
      </Form.Item>
      <ParamFields schema={schema} path={['params']} disabled={!configure || save.isPending} />
      {configure && (
        <>
          <Form.Item
            name="reason"
            label={t('修改原因', 'Why')}
            rules={[
              { required: true, whitespace: true, message: t('请说明修改原因', 'Say why you change it') },
              { min: 2, message: t('至少 2 个字', 'At least 2 characters') },
              { max: MAX_REASON, message: t(`最多 ${MAX_REASON} 字`, `At most ${MAX_REASON} characters`) },
            ]}
            extra={t(
              '原因与修改人、时间一起记入修改记录和审计日志。',
              'Kept with who and when in the history and the audit log.',
            )}
          >
            <Input.TextArea
              autoSize={{ minRows: 2, maxRows: 6 }}
              count={{ show: true, max: MAX_REASON }}
              data-testid="params-reason"
            />
          </Form.Item>
          {formError && (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 12 }}
              title={formError}
              data-testid="params-error"
            />
          )}
          <Flex gap={8} wrap>
            <Button
              type="primary"
              htmlType="submit"
              icon={<SaveOutlined />}
              loading={save.isPending}
              data-testid="params-save"
            >
              {t('保存为新版本', 'Save as a new version')}
            </Button>
            <Button onClick={() => form.setFieldsValue({ params: m.defaults })} data-testid="params-defaults">
              {t('填入默认参数', 'Fill in the defaults')}
            </Button>
            <Button onClick={() => load(base)}>{t('撤销修改', 'Undo my changes')}</Button>
          </Flex>
        </>
      )}
    </Form>
  );
}

// ---------------------------------------------------------------------------------------------------
// History

function showValue(v: unknown, lang: Lang): string {
  if (Array.isArray(v)) return v.map((x) => showValue(x, lang)).join('、');
  if (typeof v === 'string') {
    const tag = TAG_NAMES[v];
    return tag ? (lang === 'zh' ? tag.zh : tag.en) : v;
  }
  if (typeof v === 'boolean') return v ? (lang === 'zh' ? '是' : 'yes') : lang === 'zh' ? '否' : 'no';
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** What changed from one version's parameters to the next: lists as added/removed, others as old → new. */
function ParamsDiff({ before, after, schema }: { before: Params | null; after: Params; schema: JsonSchema }) {
  const { t, lang } = useI18n();
  if (!before)
    return <Typography.Text type="secondary">{t('初始参数', 'Initial parameters')}</Typography.Text>;
  const lines: ReactNode[] = [];
  const walk = (a: Params, b: Params, prefix: string[], s: JsonSchema | undefined) => {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = a[k];
      const y = b[k];
      if (equal(x, y)) continue;
      const sub = s?.properties?.[k];
      const label = [...prefix, paramLabel(k, sub, lang)].join(' · ');
      if (
        x &&
        y &&
        typeof x === 'object' &&
        typeof y === 'object' &&
        !Array.isArray(x) &&
        !Array.isArray(y)
      ) {
        walk(x as Params, y as Params, [...prefix, paramLabel(k, sub, lang)], sub);
        continue;
      }
      if (Array.isArray(x) && Array.isArray(y)) {
        const added = y.filter((v) => !x.some((w) => equal(v, w)));
        const removed = x.filter((v) => !y.some((w) => equal(v, w)));
        lines.push(
          <div key={label} data-testid="diff-line">
            <Typography.Text strong>{label}</Typography.Text>
            {added.length > 0 && <span style={{ color: '#389e0d' }}> +{showValue(added, lang)}</span>}
            {removed.length > 0 && (
              <span style={{ color: '#cf1322' }}>
                {' '}
                −<del>{showValue(removed, lang)}</del>
              </span>
            )}
            {!added.length && !removed.length && t('（顺序调整）', ' (reordered)')}
          </div>,
        );
        continue;
      }
      lines.push(
        <div key={label} data-testid="diff-line">
          <Typography.Text strong>{label}</Typography.Text>{' '}
          <del style={{ color: '#cf1322' }}>{x === undefined ? '—' : showValue(x, lang)}</del> →{' '}
          <span style={{ color: '#389e0d' }}>{y === undefined ? '—' : showValue(y, lang)}</span>
        </div>,
      );
    }
  };
  walk(before, after, [], schema);
  return lines.length ? (
    <div>{lines}</div>
  ) : (
    <Typography.Text type="secondary">{t('参数未变', 'Same parameters')}</Typography.Text>
  );
}

function VersionsCard({ versions, schema }: { versions: Version[]; schema: JsonSchema }) {
  const { t } = useI18n();
  const columns: TableColumnsType<Version> = [
    {
      title: t('版本', 'Version'),
      dataIndex: 'version',
      width: 70,
      render: (v: number) => <Tag>v{v}</Tag>,
    },
    {
      title: t('时间', 'When'),
      dataIndex: 'at',
      width: 140,
      render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'),
    },
    { title: t('修改人', 'Who'), dataIndex: 'changedBy', width: 120, render: (v: string | null) => v ?? '—' },
    {
      title: t('原因', 'Why'),
      dataIndex: 'reason',
      width: 200,
      render: (v: string | null) => <span style={{ wordBreak: 'break-word' }}>{v ?? '—'}</span>,
    },
    {
      title: t('参数变化', 'What changed'),
      key: 'diff',
      render: (_: unknown, v, i) => (
        <ParamsDiff before={versions[i + 1]?.params ?? null} after={v.params} schema={schema} />
      ),
    },
  ];
  return (
    <Card size="small" title={t('修改记录', 'Change history')}>
      <Table<Version>
        rowKey="version"
        size="small"
        columns={columns}
        dataSource={versions}
        pagination={versions.length > 10 ? { pageSize: 10, size: 'small' } : false}
        scroll={{ x: 760 }}
        data-testid="versions-table"
      />
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------
// Backtest

/** Names of the backtest result's keys (BacktestModelResult in src/modules/alert/backtest.ts). */
const RESULT_NAMES: Record<string, { zh: string; en: string }> = {
  evaluations: { zh: '评估次数', en: 'Evaluations' },
  signals: { zh: '信号数', en: 'Signals' },
  truePositives: { zh: '命中预警', en: 'Alerts that came true' },
  outcomes: { zh: '相关后果', en: 'Relevant outcomes' },
  warned: { zh: '被提前预警的后果', en: 'Outcomes warned of' },
  outcomeKinds: { zh: '评估的后果类型', en: 'Outcome kinds' },
  ms: { zh: '评估耗时', en: 'Time in evaluate' },
  status: { zh: '回测状态', en: 'Status' },
  errors: { zh: '评估出错', en: 'Errors' },
  period: { zh: '回测设置', en: 'Settings' },
  params: { zh: '所用参数', en: 'Parameters used' },
  examples: { zh: '示例', en: 'Examples' },
};

const OUTCOME_NAMES: Record<string, { zh: string; en: string }> = {
  violent_incident: { zh: '暴力事件', en: 'Violent incident' },
  domestic_violence: { zh: '家庭暴力', en: 'Domestic violence' },
  medical_violence: { zh: '涉医暴力', en: 'Violence at a hospital' },
  mass_incident: { zh: '群体性事件', en: 'Mass incident' },
  petition_escalation: { zh: '越级/进京信访', en: 'Escalated petition' },
  self_harm: { zh: '自伤自杀', en: 'Self-harm' },
  economic_collapse: { zh: '涉众经济风险爆发', en: 'Economic collapse' },
  hazard_accident: { zh: '隐患引发事故', en: 'Accident from a hazard' },
  other: { zh: '其他', en: 'Other' },
};

/** Keys shown above the list, or not at all (the ids of the run). */
const SHOWN_APART = new Set([
  'alerts',
  'precision',
  'precisionByLevel',
  'recall',
  'leadDays',
  'code',
  'no',
  'name',
  'kind',
  'backtestId',
]);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function BacktestCard({ backtest }: { backtest: Backtest | null }) {
  const { t, name, lang } = useI18n();
  if (!backtest)
    return (
      <Card size="small" title={t('最近一次回测', 'Latest backtest')} data-testid="backtest">
        <Empty
          description={t(
            '尚未回测：用命令 zhili models backtest 以历史数据回放，计算精确率、召回率和提前期。',
            'Not backtested yet: `zhili models backtest` replays history and scores precision, recall and lead time.',
          )}
        />
      </Card>
    );
  const r = backtest.result;
  const alerts = obj(r.alerts);
  const lead = obj(r.leadDays);
  const precision = num(r.precision);
  const recall = num(r.recall);
  const days = (v: number | null) => (v === null ? '—' : t(`${v} 天`, `${v} d`));

  const render = (k: string, v: unknown): ReactNode => {
    if (k === 'ms') return formatMs(num(v), t);
    if (k === 'outcomeKinds' && Array.isArray(v))
      return (
        <Space size={4} wrap>
          {v.map((x) => (
            <Tag key={String(x)}>{OUTCOME_NAMES[String(x)] ? name(OUTCOME_NAMES[String(x)]) : String(x)}</Tag>
          ))}
        </Space>
      );
    if (k === 'status')
      return (
        <Tag color={v === 'ok' ? 'success' : v === 'failed' ? 'error' : 'warning'}>
          {v === 'ok' ? t('正常', 'OK') : v === 'failed' ? t('失败', 'Failed') : t('部分出错', 'Some errors')}
        </Tag>
      );
    if (k === 'errors') {
      const e = obj(v);
      const messages = Array.isArray(e.messages) ? e.messages : [];
      return (
        <span>
          {String(e.count ?? 0)}
          {messages.map((x) => (
            <Typography.Text
              key={`${String(obj(x).at ?? '')}${String(obj(x).message ?? '')}`}
              type="danger"
              style={{ display: 'block', fontSize: 12 }}
            >
              {String(obj(x).message ?? '')}
            </Typography.Text>
          ))}
        </span>
      );
    }
    if (k === 'examples') {
      const ex = obj(v);
      const warned = Array.isArray(ex.warned) ? ex.warned.length : 0;
      const unmatched = Array.isArray(ex.unmatched) ? ex.unmatched.length : 0;
      return t(`命中 ${warned} 例，未命中 ${unmatched} 例`, `${warned} came true, ${unmatched} did not`);
    }
    if (k === 'params' || (v && typeof v === 'object')) {
      return (
        <pre
          style={{
            margin: 0,
            fontSize: 12,
            whiteSpace: 'pre-wrap',
            wordBreak: 'break-all',
            maxHeight: 160,
            overflow: 'auto',
          }}
        >
          {JSON.stringify(v, null, 1)}
        </pre>
      );
    }
    if (typeof v === 'number') return v.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en');
    return String(v ?? '—');
  };

  const rest = Object.entries(r)
    .filter(([k]) => !SHOWN_APART.has(k))
    .map(([k, v]) => ({
      key: k,
      label: RESULT_NAMES[k] ? name(RESULT_NAMES[k]) : k,
      children: render(k, v),
    }));

  return (
    <Card
      size="small"
      title={t('最近一次回测', 'Latest backtest')}
      extra={
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {dayjs(backtest.from).format('YYYY-MM-DD')} – {dayjs(backtest.to).format('YYYY-MM-DD')} ·{' '}
          {t('运行于', 'run')} {dayjs(backtest.runAt).format('YYYY-MM-DD HH:mm')}
        </Typography.Text>
      }
      data-testid="backtest"
    >
      <Row gutter={[16, 16]} style={{ marginBottom: 12 }}>
        <Col xs={12} md={6}>
          <Statistic title={t('预警数', 'Alerts')} value={num(alerts.total) ?? 0} />
          <Space size={2} wrap>
            {LEVELS.map((l) => (
              <Tag key={l} color={LEVEL_COLORS[l].tag} style={{ marginInlineEnd: 0 }}>
                {name(LEVEL_NAMES[l])} {num(alerts[l]) ?? 0}
              </Tag>
            ))}
          </Space>
        </Col>
        <Col xs={12} md={6}>
          <Statistic
            title={t('精确率', 'Precision')}
            value={percentOrDash(precision)}
            data-testid="backtest-precision"
          />
          {/* Older stored results have no per-level figures. */}
          {r.precisionByLevel !== undefined && (
            <Space size={2} wrap data-testid="backtest-precision-levels">
              {LEVELS.map((l) => {
                const p = num(obj(r.precisionByLevel)[l]);
                return (
                  <Tag key={l} color={LEVEL_COLORS[l].tag} style={{ marginInlineEnd: 0 }} data-level={l}>
                    {name(LEVEL_NAMES[l])} {percentOrDash(p)}
                  </Tag>
                );
              })}
            </Space>
          )}
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('召回率', 'Recall')} value={percentOrDash(recall)} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('提前期中位数', 'Lead time, median')} value={days(num(lead.median))} />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            P90 {days(num(lead.p90))} · n = {num(lead.n) ?? 0}
          </Typography.Text>
        </Col>
      </Row>
      <Descriptions size="small" column={{ xs: 1, sm: 1, md: 2 }} items={rest} bordered />
    </Card>
  );
}

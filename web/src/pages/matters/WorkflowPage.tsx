import { Card, Flex, Select, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { localized } from '../../components/zodRule';
import { useI18n } from '../../i18n';
import { useMatterTypes, useWorkflow, type Workflow } from './components/lookups';
import { MermaidDiagram } from './components/MermaidDiagram';
import { FIELD_NAMES, PARTY_NAMES, ROLE_NAMES } from './components/names';

type State = Workflow['states'][number];
type Transition = Workflow['transitions'][number];

/**
 * A matter type's workflow as declared: the diagram (the current state highlighted when `?current=` is
 * given, as the matter page links it), the states with their deadlines, and who may take each action.
 */
export default function WorkflowPage() {
  const { code = '' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { t, name, lang } = useI18n();
  const mobile = useIsMobile();
  const current = params.get('current') ?? undefined;
  const valid = /^[a-z][a-z0-9_]{1,39}$/.test(code) && (!current || /^[a-z_]{2,40}$/.test(current));
  const wf = useWorkflow(valid ? code : undefined, current);
  const types = useMatterTypes();
  if (!valid) return <Forbidden notFound />;
  const w = wf.data;
  const stateName = (s: string | null) =>
    s ? (w?.states.find((x) => x.code === s)?.name ?? { zh: s, en: s }) : null;

  const stateColumns: TableColumnsType<State> = [
    {
      title: t('状态', 'State'),
      dataIndex: 'code',
      render: (c: string, s) => (
        <span>
          {name(s.name)}{' '}
          <Typography.Text type="secondary" code>
            {c}
          </Typography.Text>
          {c === current && (
            <Tag color="blue" style={{ marginLeft: 6 }}>
              {t('当前', 'Current')}
            </Tag>
          )}
        </span>
      ),
    },
    {
      title: t('类别', 'Kind'),
      dataIndex: 'kind',
      width: 100,
      render: (k: State['kind']) =>
        k === 'open' ? (
          <Tag color="processing">{t('办理中', 'Open')}</Tag>
        ) : (
          <Tag>{t('已结束', 'Closed')}</Tag>
        ),
    },
    {
      title: t('办理时限', 'Deadline'),
      dataIndex: 'deadlineText',
      render: (v: string | null) => (v ? localized(v, lang) : '—'),
    },
  ];

  const transitionColumns: TableColumnsType<Transition> = [
    {
      title: t('操作', 'Action'),
      dataIndex: 'action',
      render: (a: string, x) => (
        <span>
          {name(x.name)}{' '}
          <Typography.Text type="secondary" code>
            {a}
          </Typography.Text>
        </span>
      ),
    },
    {
      title: t('从 → 到', 'From → to'),
      dataIndex: 'from',
      render: (_: string[], x) =>
        `${x.from.map((s) => name(stateName(s))).join('、')} → ${x.to ? name(stateName(x.to)) : t('（不变）', '(same)')}`,
    },
    {
      title: t('谁可操作', 'Who'),
      dataIndex: 'roles',
      render: (_: string[], x) => (
        <span>
          {x.roles.map((r) => name(ROLE_NAMES[r]) || r).join('、')}
          <Typography.Text type="secondary">
            {' '}
            （{x.party.map((p) => name(PARTY_NAMES[p]) || p).join(t('或', ' or '))}）
          </Typography.Text>
        </span>
      ),
    },
    {
      title: t('需填写', 'Requires'),
      dataIndex: 'requires',
      render: (r: string[]) => (r.length ? r.map((f) => name(FIELD_NAMES[f]) || f).join('、') : '—'),
    },
  ];

  return (
    <div>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Title level={4} style={{ margin: 0 }} data-testid="workflow-title">
          {w ? name(w.name) : t('流程', 'Workflow')}
        </Typography.Title>
        {types.types.length > 1 && (
          <Select
            value={code}
            style={{ width: 200 }}
            aria-label={t('事项类型', 'Matter type')}
            options={types.types.map((x) => ({ value: x.code, label: name(x.name) }))}
            onChange={(v: string) => navigate(`/workflows/${v}`)}
          />
        )}
      </Flex>
      <PageState loading={wf.isLoading} error={wf.error} onRetry={() => void wf.refetch()}>
        {w && (
          <Flex vertical gap={16}>
            <Card
              size="small"
              title={t('流程图', 'Diagram')}
              extra={
                current
                  ? t(`当前状态：${name(stateName(current))}`, `Current: ${name(stateName(current))}`)
                  : null
              }
            >
              <MermaidDiagram text={w.mermaid} />
            </Card>
            <Card size="small" title={t('状态与时限', 'States and deadlines')}>
              <Table<State>
                rowKey="code"
                size="small"
                pagination={false}
                columns={stateColumns}
                dataSource={w.states}
                scroll={mobile ? { x: 480 } : undefined}
                data-testid="workflow-states"
              />
            </Card>
            <Card size="small" title={t('操作', 'Actions')}>
              <Table<Transition>
                rowKey="action"
                size="small"
                pagination={false}
                columns={transitionColumns}
                dataSource={w.transitions}
                scroll={{ x: 760 }}
                data-testid="workflow-transitions"
              />
            </Card>
          </Flex>
        )}
      </PageState>
    </div>
  );
}

import { ClockCircleOutlined, EditOutlined } from '@ant-design/icons';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { applyServerErrors } from './formErrors';

type Unit = 'minutes' | 'hours' | 'days' | 'workdays';
const UNITS: Record<Unit, { zh: string; en: string }> = {
  minutes: { zh: '分钟', en: 'minutes' },
  hours: { zh: '小时', en: 'hours' },
  days: { zh: '自然日', en: 'calendar days' },
  workdays: { zh: '工作日', en: 'working days' },
};
/** The server's default when a declaration gives none (PUT …/deadlines defaults warnRatio to 0.8 too). */
const DEFAULT_WARN = 0.8;

interface StateRow {
  code: string;
  name: { zh: string; en: string };
  deadline: { amount: number; unit: Unit; warnRatio?: number | undefined } | null;
  deadlineText: string | null;
}

/**
 * Deadlines per matter type and open state. Everyone who reaches this page sees them; only users with
 * matter:configure get the 修改 button (the server checks it again).
 */
export default function ConfigPage() {
  const { can } = useAuth();
  const { t, name } = useI18n();
  const configure = can('matter:configure');
  const types = useQuery({
    queryKey: ['matter-types'],
    queryFn: async () => (await unwrap(api.GET('/api/matter-types'))).items,
  });
  const workflows = useQueries({
    queries: (types.data ?? []).map((x) => ({
      queryKey: ['matter-types', x.code, 'workflow'],
      queryFn: () =>
        unwrap(api.GET('/api/matter-types/{code}/workflow', { params: { path: { code: x.code } } })),
    })),
  });
  const [editing, setEditing] = useState<{ type: string; typeName: string; state: StateRow } | null>(null);

  return (
    <div style={{ minWidth: 0 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('配置 · 办理时限', 'Settings · Deadlines')}
      </Typography.Title>
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        title={
          configure
            ? t(
                '时限按事项类型和状态统一设置：修改后，之后进入该状态的事项按新时限计算，已在办的事项不变。',
                'Deadlines are set per matter type and state: a change applies to matters entering that state from now on, not to those already in it.',
              )
            : t('您可以查看办理时限，但无权修改。', 'You can see the deadlines but not change them.')
        }
      />
      <PageState
        loading={types.isLoading}
        error={types.error}
        empty={types.data?.length === 0}
        onRetry={() => void types.refetch()}
      >
        <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
          {(types.data ?? []).map((type, i) => {
            const wf = workflows[i];
            const rows: StateRow[] = (wf?.data?.states ?? []).filter((s) => s.kind === 'open');
            const columns: TableColumnsType<StateRow> = [
              {
                key: 'state',
                title: t('状态', 'State'),
                render: (_, s) => (
                  <span>
                    {name(s.name)}{' '}
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {s.code}
                    </Typography.Text>
                  </span>
                ),
              },
              {
                key: 'deadline',
                title: t('办理时限', 'Deadline'),
                render: (_, s) =>
                  s.deadline ? <DeadlineText d={s.deadline} /> : <Tag>{t('不计时', 'No deadline')}</Tag>,
              },
              {
                key: 'warn',
                title: t('临期提醒', 'Warn at'),
                render: (_, s) =>
                  s.deadline
                    ? t(
                        `用时 ${Math.round((s.deadline.warnRatio ?? DEFAULT_WARN) * 100)}% 时`,
                        `${Math.round((s.deadline.warnRatio ?? DEFAULT_WARN) * 100)}% of the time`,
                      )
                    : '—',
              },
              ...(configure
                ? [
                    {
                      key: 'edit',
                      title: t('操作', 'Actions'),
                      render: (_: unknown, s: StateRow) => (
                        <Button
                          size="small"
                          icon={<EditOutlined />}
                          onClick={() => setEditing({ type: type.code, typeName: name(type.name), state: s })}
                          data-testid={`deadline-edit-${type.code}-${s.code}`}
                        >
                          {t('修改', 'Change')}
                        </Button>
                      ),
                    },
                  ]
                : []),
            ];
            return (
              <Card
                key={type.code}
                size="small"
                title={
                  <span>
                    <ClockCircleOutlined /> {name(type.name)}{' '}
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {type.code} · {type.prefix}
                    </Typography.Text>
                  </span>
                }
              >
                <PageState loading={wf?.isLoading} error={wf?.error} onRetry={() => void wf?.refetch()}>
                  <Table<StateRow>
                    rowKey="code"
                    size="small"
                    pagination={false}
                    scroll={{ x: 'max-content' }}
                    columns={columns}
                    dataSource={rows}
                    data-testid={`deadlines-${type.code}`}
                  />
                </PageState>
              </Card>
            );
          })}
        </Space>
      </PageState>
      {editing && <DeadlineModal {...editing} onClose={() => setEditing(null)} />}
    </div>
  );
}

function DeadlineText({ d }: { d: { amount: number; unit: Unit } }) {
  const { lang } = useI18n();
  return (
    <Typography.Text strong>
      {d.amount} {UNITS[d.unit][lang]}
    </Typography.Text>
  );
}

interface FormValues {
  amount: number;
  unit: Unit;
  warnPercent: number;
}

function DeadlineModal({
  type,
  typeName,
  state,
  onClose,
}: {
  type: string;
  typeName: string;
  state: StateRow;
  onClose: () => void;
}) {
  const { t, lang, name } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const [error, setError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (v: FormValues) =>
      unwrap(
        api.PUT('/api/matter-types/{code}/deadlines/{state}', {
          params: { path: { code: type, state: state.code } },
          body: { amount: v.amount, unit: v.unit, warnRatio: v.warnPercent / 100 },
        }),
      ),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['matter-types', type, 'workflow'] });
      message.success(t('办理时限已更新', 'Deadline updated'));
      onClose();
    },
    onError: (e) => setError(applyServerErrors(form, e, lang, ['amount', 'unit'])),
  });
  return (
    <Modal
      open
      title={t(
        `修改时限 · ${typeName} · ${name(state.name)}`,
        `Change deadline · ${typeName} · ${name(state.name)}`,
      )}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('保存', 'Save')}
      cancelText={t('取消', 'Cancel')}
      confirmLoading={save.isPending}
      destroyOnHidden
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Form<FormValues>
        form={form}
        layout="vertical"
        disabled={save.isPending}
        onFinish={(v) => {
          setError(null);
          save.mutate(v);
        }}
        initialValues={{
          amount: state.deadline?.amount ?? 1,
          unit: state.deadline?.unit ?? 'workdays',
          warnPercent: Math.round((state.deadline?.warnRatio ?? DEFAULT_WARN) * 100),
        }}
      >
        <Form.Item
          name="amount"
          label={t('时限数值', 'Amount')}
          rules={[{ required: true, message: t('请输入时限', 'Enter an amount') }]}
        >
          <InputNumber
            min={1}
            max={100_000}
            precision={0}
            style={{ width: '100%' }}
            autoFocus
            data-testid="deadline-amount"
          />
        </Form.Item>
        <Form.Item name="unit" label={t('单位', 'Unit')} rules={[{ required: true }]}>
          <Select
            options={(Object.keys(UNITS) as Unit[]).map((u) => ({ value: u, label: UNITS[u][lang] }))}
            data-testid="deadline-unit"
          />
        </Form.Item>
        <Form.Item
          name="warnPercent"
          label={t('临期提醒点（占时限的百分比）', 'Warn when this share of the time is used (%)')}
          extra={t(
            '例如 80：用去 80% 的时限时标记为临期',
            'E.g. 80: marked “due soon” once 80% of the time is used',
          )}
          rules={[{ required: true, message: t('请输入百分比', 'Enter a percentage') }]}
        >
          <InputNumber min={5} max={95} step={5} precision={0} suffix="%" style={{ width: '100%' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

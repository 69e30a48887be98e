import { FilePdfOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Row,
  Select,
  Space,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { ACTION_NAMES, type AgreementBody, type CaseDetail, LEVEL_COLORS } from './api';
import { ConfirmationFields } from './ConfirmationFields';

type Action = CaseDetail['actions'][number]['action'];

/** Server field errors (details[].path like `parties.0.idNumber`) onto the form's fields. */
function fieldErrors(e: unknown): { name: (string | number)[]; errors: string[] }[] {
  if (!(e instanceof ApiError)) return [];
  const byPath = new Map<string, string[]>();
  for (const d of e.details) {
    if (!d.path) continue;
    byPath.set(d.path, [
      ...(byPath.get(d.path) ?? []),
      d.message === 'required' ? '必填 / required' : d.message,
    ]);
  }
  return [...byPath].map(([p, errors]) => ({
    name: p.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x)),
    errors,
  }));
}

/**
 * 调解案件: the case's facts, level and team, the workflow's actions for this user (指派, 记录调解, 达成协议, 调解不成,
 * 上交, 司法确认, 回访, 结案), its sessions, the agreement with a PDF download (a reason, audited) and the timeline.
 */
export default function MediationCasePage() {
  const { id = '' } = useParams();
  const { t, name, lang } = useI18n();
  const qc = useQueryClient();
  const key = ['matter', id, 'mediation'];
  const q = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET('/api/mediation/cases/{id}', { params: { path: { id } } })),
  });
  const [open, setOpen] = useState<Action | null>(null);
  const [reason, setReason] = useState('');
  const c = q.data;
  const refresh = () => void qc.invalidateQueries({ queryKey: ['matter', id] });
  const close = () => {
    setOpen(null);
    refresh();
  };
  return (
    <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
      {c && (
        <div>
          <Flex justify="space-between" align="center" wrap gap={8}>
            <Typography.Title level={4} style={{ margin: 0 }}>
              {c.title}
            </Typography.Title>
            <Link to="/mediation">{t('返回调解案件', 'Back to cases')}</Link>
          </Flex>
          <Space style={{ margin: '8px 0 12px' }} wrap>
            <Typography.Text code>{c.number}</Typography.Text>
            <Tag color="blue" data-testid="case-status">
              {name(c.statusName)}
            </Tag>
            <Tag color={LEVEL_COLORS[c.level]}>{name(c.levelName)}</Tag>
            {c.dueAt && !c.closed && (
              <Typography.Text type={c.deadlineState === 'overdue' ? 'danger' : 'secondary'}>
                {t('本环节时限', 'Step deadline')} {dayjs(c.dueAt).format('YYYY-MM-DD HH:mm')}
              </Typography.Text>
            )}
          </Space>
          <Row gutter={[12, 12]}>
            <Col xs={24} lg={14}>
              <Card size="small" title={t('案件', 'Case')}>
                <Descriptions size="small" column={1}>
                  <Descriptions.Item label={t('来源纠纷', 'Dispute')}>
                    <Link to={`/disputes/${c.dispute.id}`}>{c.dispute.number}</Link>
                  </Descriptions.Item>
                  <Descriptions.Item label={t('区域', 'Area')}>{c.areaName ?? c.areaCode}</Descriptions.Item>
                  <Descriptions.Item label={t('调解员', 'Mediator')}>
                    {c.mediator?.name ?? '—'}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('网格员', 'Grid worker')}>
                    {c.gridWorker?.name ?? '—'}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('村干部', 'Village cadre')}>
                    {c.cadre?.name ?? '—'}
                  </Descriptions.Item>
                </Descriptions>
                <Space wrap style={{ marginTop: 8 }}>
                  {c.actions.map((a) => (
                    <Button
                      key={a.action}
                      type={['agree', 'assign', 'close'].includes(a.action) ? 'primary' : 'default'}
                      onClick={() => setOpen(a.action)}
                      data-testid={`action-${a.action}`}
                    >
                      {name(a.name)}
                    </Button>
                  ))}
                </Space>
              </Card>
              <Card size="small" title={t('调解记录', 'Sessions')} style={{ marginTop: 12 }}>
                {c.sessions.length === 0 ? (
                  <Typography.Text type="secondary">{t('暂无调解记录', 'No session yet')}</Typography.Text>
                ) : (
                  c.sessions.map((s) => (
                    <div key={s.id} data-testid="session" style={{ marginBottom: 8 }}>
                      <Typography.Text strong>
                        {dayjs(s.heldAt).format('YYYY-MM-DD HH:mm')} · {s.place}
                      </Typography.Text>
                      <br />
                      <Typography.Text type="secondary">
                        {t('参加人', 'Attendees')}：{s.attendees.join('、')}
                      </Typography.Text>
                      <Typography.Paragraph style={{ margin: 0 }}>{s.record}</Typography.Paragraph>
                    </div>
                  ))
                )}
              </Card>
              {c.agreement && (
                <Card
                  size="small"
                  title={t('调解协议', 'Agreement')}
                  style={{ marginTop: 12 }}
                  data-testid="agreement"
                >
                  <Descriptions size="small" column={1}>
                    {c.agreement.parties.map((p) => (
                      <Descriptions.Item key={`${p.role}-${p.name}-${p.idNumber}`} label={p.role}>
                        {p.name}，{p.gender}，{p.age}，{p.idNumber}，{p.address}
                      </Descriptions.Item>
                    ))}
                    <Descriptions.Item label={t('协议内容', 'Terms')}>{c.agreement.terms}</Descriptions.Item>
                    <Descriptions.Item label={t('履行期限', 'Performance by')}>
                      {c.agreement.performanceDeadline}
                    </Descriptions.Item>
                    <Descriptions.Item label={t('司法确认申请截止', 'Confirmation by')}>
                      {c.agreement.confirmationDeadline}
                    </Descriptions.Item>
                  </Descriptions>
                  <Flex gap={8} align="flex-end" wrap style={{ marginTop: 8 }}>
                    <Flex vertical gap={4}>
                      <label htmlFor="pdf-reason" style={{ fontSize: 12 }}>
                        {t('下载事由（含完整身份证号，记审计）', 'Reason (full ID numbers; audited)')}
                      </label>
                      <Input
                        id="pdf-reason"
                        value={reason}
                        maxLength={200}
                        onChange={(e) => setReason(e.target.value)}
                        style={{ width: 260 }}
                        data-testid="pdf-reason"
                      />
                    </Flex>
                    <Button
                      icon={<FilePdfOutlined />}
                      disabled={reason.trim().length < 2}
                      href={`/api/mediation/cases/${c.id}/agreement.pdf?reason=${encodeURIComponent(reason.trim())}`}
                      data-testid="pdf-download"
                    >
                      {t('下载协议书 PDF', 'Download the agreement (PDF)')}
                    </Button>
                  </Flex>
                </Card>
              )}
              {c.confirmation && (
                <Card size="small" title={t('司法确认', 'Judicial confirmation')} style={{ marginTop: 12 }}>
                  <Descriptions size="small" column={1}>
                    <Descriptions.Item label={t('共享法庭', 'Shared court')}>
                      {c.confirmation.booking && c.confirmation.courtId ? (
                        <Link
                          to={`/courts/${c.confirmation.courtId}?date=${dayjs(c.confirmation.booking.startsAt).format('YYYY-MM-DD')}`}
                          data-testid="confirmation-court"
                        >
                          {c.confirmation.courtName}
                        </Link>
                      ) : (
                        c.confirmation.courtName
                      )}
                    </Descriptions.Item>
                    {c.confirmation.booking && (
                      <Descriptions.Item label={t('预约时段', 'Booked slot')}>
                        <span data-testid="confirmation-slot">
                          {dayjs(c.confirmation.booking.startsAt).format('YYYY-MM-DD HH:mm')}
                        </span>
                      </Descriptions.Item>
                    )}
                    <Descriptions.Item label={t('申请日期', 'Applied on')}>
                      {c.confirmation.appliedOn}
                    </Descriptions.Item>
                  </Descriptions>
                </Card>
              )}
            </Col>
            <Col xs={24} lg={10}>
              <Card size="small" title={t('办理记录', 'Timeline')}>
                <Timeline
                  items={c.timeline.map((e) => ({
                    key: e.id,
                    content: (
                      <div>
                        <Typography.Text strong>
                          {ACTION_NAMES[e.action] ? name(ACTION_NAMES[e.action]) : e.action}
                        </Typography.Text>{' '}
                        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                          {e.actorName} · {dayjs(e.at).format('MM-DD HH:mm')}
                        </Typography.Text>
                        {e.note && <div style={{ fontSize: 12 }}>{e.note}</div>}
                      </div>
                    ),
                  }))}
                />
              </Card>
            </Col>
          </Row>
          {open && (
            <ActionModal
              action={open}
              c={c}
              title={name(c.actions.find((a) => a.action === open)?.name)}
              onDone={close}
              onCancel={() => setOpen(null)}
              lang={lang}
            />
          )}
        </div>
      )}
    </PageState>
  );
}

function ActionModal({
  action,
  c,
  title,
  onDone,
  onCancel,
  lang,
}: {
  action: Action;
  c: CaseDetail;
  title: string;
  onDone: () => void;
  onCancel: () => void;
  lang: 'zh' | 'en';
}) {
  const qc = useQueryClient();
  const { t } = useI18n();
  const [form] = Form.useForm();
  const mediators = useQuery({
    queryKey: ['users', 'mediators', c.levelAreaCode],
    queryFn: () => unwrap(api.GET('/api/users', { params: { query: { role: 'mediator', pageSize: 100 } } })),
    enabled: action === 'assign',
  });
  const grids = useQuery({
    queryKey: ['users', 'grid', c.areaCode],
    queryFn: () =>
      unwrap(
        api.GET('/api/users', {
          params: { query: { role: 'grid_worker', areaCode: c.areaCode, pageSize: 100 } },
        }),
      ),
    enabled: action === 'assign',
  });
  const m = useMutation({
    mutationFn: async (v: Record<string, unknown>) => {
      const id = c.id;
      const version = c.version;
      const p = { params: { path: { id } } };
      switch (action) {
        case 'assign':
          return unwrap(
            api.POST('/api/mediation/cases/{id}/assign', {
              ...p,
              body: {
                version,
                mediatorId: String(v.mediatorId),
                gridWorker: v.gridWorkerId
                  ? { userId: String(v.gridWorkerId) }
                  : { name: String(v.gridWorkerName ?? '') },
                cadre: { name: String(v.cadre ?? '') },
              },
            }),
          );
        case 'session':
          return unwrap(
            api.POST('/api/mediation/cases/{id}/sessions', {
              ...p,
              body: {
                heldAt: dayjs(String(v.heldAt)).toISOString(),
                place: String(v.place ?? ''),
                attendees: String(v.attendees ?? '')
                  .split(/[、,，\n]/)
                  .map((s) => s.trim())
                  .filter(Boolean),
                record: String(v.record ?? ''),
              },
            }),
          );
        case 'agree':
          return unwrap(
            api.POST('/api/mediation/cases/{id}/agreement', {
              ...p,
              body: { ...(v as AgreementBody), version },
            }),
          );
        case 'fail':
          return unwrap(
            api.POST('/api/mediation/cases/{id}/fail', {
              ...p,
              body: { version, reason: String(v.reason ?? '') },
            }),
          );
        case 'escalate':
          return unwrap(api.POST('/api/mediation/cases/{id}/escalate', { ...p, body: { version } }));
        case 'apply_confirmation':
          return unwrap(
            api.POST('/api/mediation/cases/{id}/confirmation', {
              ...p,
              body: {
                version,
                booking: { courtId: String(v.courtId ?? ''), startsAt: String(v.startsAt ?? '') },
              },
            }),
          );
        case 'follow_up':
          return unwrap(
            api.POST('/api/mediation/cases/{id}/follow-up', {
              ...p,
              body: {
                version,
                performance: (v.performance ?? 'performed') as 'performed',
                note: String(v.note ?? ''),
              },
            }),
          );
        default:
          return unwrap(api.POST('/api/mediation/cases/{id}/close', { ...p, body: { version } }));
      }
    },
    onSuccess: onDone,
    onError: (e) => {
      form.setFields(fieldErrors(e));
      // A slot taken meanwhile: read the day's slots again.
      if (action === 'apply_confirmation') void qc.invalidateQueries({ queryKey: ['courts', 'slots'] });
    },
  });
  const text = (n: string | (string | number)[], label: string, max: number, area = false) => (
    <Form.Item name={n} label={label} rules={[{ required: true, message: t('必填', 'Required') }]}>
      {area ? <Input.TextArea maxLength={max} autoSize={{ minRows: 2 }} /> : <Input maxLength={max} />}
    </Form.Item>
  );
  return (
    <Modal
      open
      title={title}
      onCancel={onCancel}
      onOk={() => form.submit()}
      okButtonProps={{
        loading: m.isPending,
        ...({ 'data-testid': 'action-submit' } as Record<`data-${string}`, string>),
      }}
      width={action === 'agree' ? 760 : 520}
      destroyOnHidden
    >
      {m.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          message={errorText(m.error, lang)}
          data-testid="action-error"
        />
      )}
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => m.mutate(v)}
        initialValues={
          action === 'agree'
            ? {
                parties: [{ role: '申请人' }, { role: '被申请人' }],
                signedByParties: false,
                mediatorSigned: false,
                committeeSealed: false,
              }
            : action === 'session'
              ? { heldAt: dayjs().format('YYYY-MM-DDTHH:mm') }
              : action === 'apply_confirmation'
                ? { day: dayjs().add(1, 'day') }
                : action === 'follow_up'
                  ? { performance: 'performed' }
                  : {}
        }
      >
        {action === 'assign' && (
          <>
            <Form.Item name="mediatorId" label={t('调解员', 'Mediator')} rules={[{ required: true }]}>
              <Select
                showSearch
                optionFilterProp="label"
                options={(mediators.data?.items ?? []).map((u) => ({
                  value: u.id,
                  label: `${u.displayName}（${u.areaCode}）`,
                }))}
                data-testid="assign-mediator"
              />
            </Form.Item>
            <Form.Item name="gridWorkerId" label={t('网格员（账号）', 'Grid worker (user)')}>
              <Select
                allowClear
                options={(grids.data?.items ?? []).map((u) => ({ value: u.id, label: u.displayName }))}
              />
            </Form.Item>
            <Form.Item name="gridWorkerName" label={t('或网格员姓名', 'or the grid worker’s name')}>
              <Input maxLength={50} />
            </Form.Item>
            {text('cadre', t('村干部', 'Village cadre'), 50)}
          </>
        )}
        {action === 'session' && (
          <>
            <Form.Item name="heldAt" label={t('时间', 'Time')} rules={[{ required: true }]}>
              <Input type="datetime-local" data-testid="session-time" />
            </Form.Item>
            {text('place', t('地点', 'Place'), 200)}
            {text('attendees', t('参加人（以顿号分隔）', 'Attendees (separated by 、)'), 1000)}
            {text('record', t('调解记录', 'Record'), 5000, true)}
          </>
        )}
        {action === 'agree' && (
          <>
            <Typography.Text strong>{t('当事人基本情况', 'Parties')}</Typography.Text>
            <Form.List name="parties">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((f) => (
                    <Card size="small" key={f.key} style={{ marginBottom: 8 }}>
                      <Row gutter={8}>
                        <Col span={6}>{text([f.name, 'role'], t('身份', 'Role'), 20)}</Col>
                        <Col span={6}>{text([f.name, 'name'], t('姓名', 'Name'), 50)}</Col>
                        <Col span={5}>
                          <Form.Item
                            name={[f.name, 'gender']}
                            label={t('性别', 'Gender')}
                            rules={[{ required: true }]}
                          >
                            <Select options={[{ value: '男' }, { value: '女' }]} />
                          </Form.Item>
                        </Col>
                        <Col span={7}>
                          <Form.Item
                            name={[f.name, 'age']}
                            label={t('年龄', 'Age')}
                            rules={[{ required: true }]}
                          >
                            <InputNumber min={0} max={150} style={{ width: '100%' }} />
                          </Form.Item>
                        </Col>
                        <Col span={10}>{text([f.name, 'idNumber'], t('公民身份号码', 'ID number'), 18)}</Col>
                        <Col span={14}>{text([f.name, 'address'], t('住址', 'Address'), 200)}</Col>
                      </Row>
                      {fields.length > 2 && (
                        <Button size="small" onClick={() => remove(f.name)}>
                          {t('删除', 'Remove')}
                        </Button>
                      )}
                    </Card>
                  ))}
                  {fields.length < 10 && (
                    <Button onClick={() => add({ role: '' })} style={{ marginBottom: 12 }}>
                      {t('添加当事人', 'Add a party')}
                    </Button>
                  )}
                </>
              )}
            </Form.List>
            {text('facts', t('纠纷的主要事实', 'Main facts'), 5000, true)}
            {text('issues', t('争议事项', 'Issues in dispute'), 5000, true)}
            {text('responsibility', t('各方当事人的责任', 'Responsibility'), 5000, true)}
            {text('terms', t('协议内容', 'Terms agreed'), 5000, true)}
            {text('performanceMethod', t('履行方式', 'Way of performance'), 1000)}
            <Form.Item
              name="performanceDeadline"
              label={t('履行期限', 'Performance by')}
              rules={[{ required: true }]}
            >
              <Input type="date" data-testid="agreement-deadline" />
            </Form.Item>
            {text('committeeName', t('人民调解委员会', 'Mediation committee'), 100)}
            {(
              [
                ['signedByParties', t('当事人已签名、盖章或按指印', 'Signed by the parties')],
                ['mediatorSigned', t('人民调解员已签名', 'Signed by the mediator')],
                ['committeeSealed', t('已加盖人民调解委员会印章', 'Sealed by the committee')],
              ] as const
            ).map(([n, label]) => (
              <Form.Item
                key={n}
                name={n}
                valuePropName="checked"
                required
                rules={[
                  {
                    validator: (_, v) =>
                      v ? Promise.resolve() : Promise.reject(new Error(t('必须确认', 'Required'))),
                  },
                ]}
                style={{ marginBottom: 4 }}
              >
                <Checkbox data-testid={`agreement-${n}`}>{label}</Checkbox>
              </Form.Item>
            ))}
          </>
        )}
        {action === 'fail' && text('reason', t('调解不成的原因', 'Why it was not settled'), 1000, true)}
        {action === 'escalate' && (
          <Typography.Paragraph>
            {t(
              '将案件上交上一级综治中心重新指派调解。',
              'The case goes to the centre one level up to be assigned again.',
            )}
          </Typography.Paragraph>
        )}
        {action === 'apply_confirmation' && <ConfirmationFields form={form} />}
        {action === 'follow_up' && (
          <>
            <Form.Item name="performance" label={t('履行情况', 'Performance')} rules={[{ required: true }]}>
              <Select
                options={[
                  { value: 'performed', label: t('已履行', 'Performed') },
                  { value: 'partly', label: t('部分履行', 'Partly') },
                  { value: 'not_performed', label: t('未履行', 'Not performed') },
                ]}
              />
            </Form.Item>
            {text('note', t('回访情况', 'Notes'), 1000, true)}
          </>
        )}
        {(action === 'close' || action === 'close_failed') && (
          <Typography.Paragraph>{t('确认结案？', 'Close the case?')}</Typography.Paragraph>
        )}
      </Form>
    </Modal>
  );
}

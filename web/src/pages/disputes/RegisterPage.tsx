import { DeleteOutlined, PlusOutlined, SendOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Flex,
  Form,
  Input,
  InputNumber,
  Radio,
  Row,
  Select,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { type KeyboardEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import {
  DisputeAddress,
  DisputeAmount,
  DisputeDescription,
  DisputeTitle,
  MAX_DISPUTE_ADDRESS,
  MAX_DISPUTE_DESCRIPTION,
  MAX_DISPUTE_TITLE,
  MAX_PARTIES,
  MAX_PARTY_NAME,
  PartyIdNumber,
  PartyName,
  PartyPhone,
  PartyUscc,
  PeopleInvolved,
} from '../../../../src/shared/dispute-input.ts';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { zodRule } from '../../components/zodRule';
import { useI18n } from '../../i18n';
import { AreaTreeSelect } from '../matters/components/AreaTreeSelect';
import { useDisputeMeta } from './components/lookups';
import { KIND_NAMES } from './components/names';
import { bilingual } from './components/text';

type Body = paths['/api/disputes']['post']['requestBody']['content']['application/json'];
type Category = NonNullable<Body['category']>;
type PartyBody = NonNullable<Body['parties']>[number];

interface PartyValues {
  role: PartyBody['role'];
  kind: PartyBody['kind'];
  name?: string;
  idNumber?: string;
  phone?: string;
  uscc?: string;
}
interface Values {
  title?: string;
  description?: string;
  category?: Category;
  reportedAt?: Dayjs | null;
  place: 'area' | 'address';
  areaCode?: string;
  address?: string;
  amount?: number | null;
  peopleInvolved?: number | null;
  parties?: PartyValues[];
}

/** The form's fields a server complaint can point at. */
const FORM_FIELDS = new Set([
  'title',
  'description',
  'category',
  'reportedAt',
  'areaCode',
  'address',
  'amount',
  'peopleInvolved',
  'parties',
]);

const blank = (s: string | undefined) => {
  const v = s?.trim();
  return v ? v : undefined;
};

/** `parties[0].idNumber`, `body.parties.0.idNumber` → the form's name path ['parties', 0, 'idNumber']. */
function fieldPath(path: string | undefined): (string | number)[] | null {
  if (!path) return null;
  const parts = path
    .replace(/^body\./, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (parts[0] === 'point' || parts[0] === 'lng' || parts[0] === 'lat') return ['areaCode'];
  return parts.length ? parts : null;
}

/**
 * 纠纷登记: a grid worker or a service window registers a dispute they were told about — what happened,
 * where (an area, or an address the server locates), who is involved (a list of parties, each a person with
 * an ID number or an organisation with its credit code), and optionally the category: left empty, the
 * classifier decides. It goes through the same pipeline as department files, so when another department
 * reported the same dispute it is merged, and the page says so. A key made when the form opens makes a
 * double submission register once.
 */
export default function RegisterPage() {
  const { me, can } = useAuth();
  const { t, lang, name } = useI18n();
  const mobile = useIsMobile();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const meta = useDisputeMeta();
  const [form] = Form.useForm<Values>();
  const place = Form.useWatch('place', form) ?? 'area';
  // One key per opening of the form: a second click or a retry of the same form registers nothing twice.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [formError, setFormError] = useState<string | null>(null);

  const submit = useMutation({
    mutationFn: (body: Body) => unwrap(api.POST('/api/disputes', { body })),
    onSuccess: (outcome) => {
      void qc.invalidateQueries({ queryKey: ['matters'] });
      if (outcome.status === 'merged') {
        message.info(
          t(
            `已与其他部门上报的同一纠纷合并${outcome.matterNumber ? `（${outcome.matterNumber}）` : ''}`,
            `Merged with the same dispute reported by another source${outcome.matterNumber ? ` (${outcome.matterNumber})` : ''}`,
          ),
          8,
        );
      } else if (outcome.status === 'skipped') {
        message.info(t('该纠纷已登记', 'This dispute was already registered'));
      } else {
        message.success(
          t(`已登记，编号 ${outcome.matterNumber ?? ''}`, `Registered as ${outcome.matterNumber ?? ''}`),
        );
      }
      if (outcome.matterId) navigate(`/disputes/${outcome.matterId}`, { state: { outcome: outcome.status } });
    },
    onError: (e) => {
      // The server's per-field complaints go next to their fields; the rest above the button.
      const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
      const loose: string[] = [];
      for (const d of e instanceof ApiError ? e.details : []) {
        let path = fieldPath(d.path);
        // Where the area could not be decided, the field the user filled in is the one to correct.
        if (path?.[0] === 'areaCode' || path?.[0] === 'address')
          path = [place === 'address' ? 'address' : 'areaCode'];
        const text = bilingual(d.message, lang);
        if (!path || !FORM_FIELDS.has(String(path[0]))) {
          loose.push(text);
          continue;
        }
        const k = path.join('.');
        byField.set(k, { name: path, errors: [...(byField.get(k)?.errors ?? []), text] });
      }
      if (byField.size) form.setFields([...byField.values()] as never);
      setFormError(loose.length ? loose.join('；') : byField.size ? null : errorText(e, lang));
    },
  });

  if (!me || !can('matter:report')) return <Forbidden />;
  const size = mobile ? 'large' : 'middle';

  const onFinish = (v: Values) => {
    setFormError(null);
    const body: Body = {
      title: (v.title ?? '').trim(),
      description: (v.description ?? '').trim(),
      parties: (v.parties ?? [])
        .filter((p) => blank(p.name))
        .map((p) => ({
          role: p.role,
          kind: p.kind,
          name: (p.name ?? '').trim(),
          ...(p.kind === 'person' && blank(p.idNumber) ? { idNumber: blank(p.idNumber) } : {}),
          ...(p.kind === 'enterprise' && blank(p.uscc) ? { uscc: blank(p.uscc) } : {}),
          ...(blank(p.phone) ? { phone: blank(p.phone) } : {}),
        })),
      idempotencyKey,
    };
    if (v.category) body.category = v.category;
    if (v.reportedAt) body.reportedAt = v.reportedAt.toISOString();
    if (v.place === 'area' && v.areaCode) body.areaCode = v.areaCode;
    if (v.place === 'address' && blank(v.address)) body.address = blank(v.address);
    if (typeof v.amount === 'number') body.amount = v.amount;
    if (typeof v.peopleInvolved === 'number') body.peopleInvolved = v.peopleInvolved;
    submit.mutate(body);
  };

  // Enter in a one-line field moves on rather than submitting half a form; Ctrl/⌘+Enter submits.
  const submitOnCtrlEnter = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.submit();
  };

  return (
    <div style={{ maxWidth: 860, margin: '0 auto' }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('纠纷登记', 'Register a dispute')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ marginTop: -6 }}>
        {t(
          '登记后与各部门上报的纠纷一起查重：同一纠纷会自动合并，不会重复立案。',
          'A registered dispute is compared with those other departments reported: the same dispute is merged, never filed twice.',
        )}
      </Typography.Paragraph>
      <PageState loading={meta.isLoading} error={meta.error} onRetry={() => void meta.refetch()}>
        <Card styles={{ body: { padding: mobile ? 14 : 24 } }}>
          <Form<Values>
            form={form}
            layout="vertical"
            size={size}
            disabled={submit.isPending}
            onFinish={onFinish}
            onKeyDown={submitOnCtrlEnter}
            initialValues={{
              place: 'area',
              areaCode: me.user.areaCode,
              parties: [{ role: 'applicant', kind: 'person' }],
            }}
            scrollToFirstError
            data-testid="register-form"
          >
            <Form.Item
              name="title"
              label={t('标题', 'Title')}
              required
              rules={[zodRule(DisputeTitle, lang)]}
              extra={t('一句话说明纠纷，如“楼上漏水引发邻里纠纷”。', 'One line, e.g. “Leak from upstairs”.')}
            >
              <Input
                count={{ show: true, max: MAX_DISPUTE_TITLE }}
                autoFocus={!mobile}
                data-testid="register-title"
              />
            </Form.Item>
            <Form.Item
              name="description"
              label={t('纠纷经过', 'What happened')}
              required
              rules={[zodRule(DisputeDescription, lang)]}
            >
              <Input.TextArea
                autoSize={{ minRows: 4, maxRows: 12 }}
                count={{ show: true, max: MAX_DISPUTE_DESCRIPTION }}
                placeholder={t(
                  '时间、地点、双方、起因、诉求、目前情况……',
                  'When, where, who, why, what they ask for, how it stands…',
                )}
                data-testid="register-description"
              />
            </Form.Item>
            <Row gutter={16}>
              <Col xs={24} md={12}>
                <Form.Item
                  name="category"
                  label={t('类别', 'Category')}
                  extra={t('留空则由系统按内容自动分类', 'Left empty, the category is decided from the text')}
                >
                  <Select
                    allowClear
                    showSearch={{ optionFilterProp: 'label' }}
                    placeholder={t('留空自动分类', 'Classified automatically')}
                    options={meta.categories.map((c) => ({ value: c.code, label: name(c.name) }))}
                    data-testid="register-category"
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item
                  name="reportedAt"
                  label={t('发生或反映时间', 'When it was reported')}
                  extra={t('留空为现在', 'Empty: now')}
                >
                  <DatePicker
                    showTime={{ format: 'HH:mm' }}
                    format="YYYY-MM-DD HH:mm"
                    style={{ width: '100%' }}
                    disabledDate={(d) => d.isAfter(dayjs().endOf('day'))}
                    data-testid="register-reported"
                  />
                </Form.Item>
              </Col>
            </Row>

            <Form.Item name="place" label={t('所在位置', 'Where')}>
              <Radio.Group
                optionType="button"
                options={[
                  { value: 'area', label: t('选择区域', 'Choose an area') },
                  { value: 'address', label: t('填写地址', 'Type an address') },
                ]}
                data-testid="register-place"
              />
            </Form.Item>
            {place === 'area' ? (
              <Form.Item
                name="areaCode"
                label={t('区域', 'Area')}
                rules={[{ required: true, message: t('请选择区域', 'Choose the area') }]}
              >
                <AreaTreeSelect
                  size={size}
                  allowClear={false}
                  placeholder={t('选择村社或网格', 'Choose a village or grid')}
                  testId="register-area"
                />
              </Form.Item>
            ) : (
              <Form.Item
                name="address"
                label={t('地址', 'Address')}
                rules={[
                  zodRule(DisputeAddress, lang),
                  { required: true, whitespace: true, message: t('请填写地址', 'Enter the address') },
                ]}
                extra={t(
                  '写明区县、街道、社区，如“鹿城区五马街道鼓楼社区解放街 12 号”，系统据此定位。',
                  'Name the county, town and community; the address is located from them.',
                )}
              >
                <Input count={{ show: true, max: MAX_DISPUTE_ADDRESS }} data-testid="register-address" />
              </Form.Item>
            )}
            <Row gutter={16}>
              <Col xs={12} md={8}>
                <Form.Item
                  name="peopleInvolved"
                  label={t('涉及人数', 'People involved')}
                  rules={[zodRule(PeopleInvolved.optional(), lang)]}
                  extra={t('5 人及以上为群体性', '5 or more: a mass dispute')}
                >
                  <InputNumber min={1} precision={0} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col xs={12} md={8}>
                <Form.Item
                  name="amount"
                  label={t('争议金额（元）', 'Amount (CNY)')}
                  rules={[zodRule(DisputeAmount.optional(), lang)]}
                >
                  <InputNumber min={0} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            </Row>

            <Typography.Text strong style={{ display: 'block', marginBottom: 8 }}>
              {t('当事人', 'Parties')}
            </Typography.Text>
            <Form.List name="parties">
              {(fields, { add, remove }) => (
                <Flex vertical gap={8} style={{ marginBottom: 16 }} data-testid="register-parties">
                  {fields.map((f, i) => (
                    <PartyRow
                      key={f.key}
                      index={i}
                      fieldName={f.name}
                      onRemove={() => remove(f.name)}
                      roles={meta.partyRoles.map((r) => ({ value: r.code, label: name(r.name) }))}
                      form={form}
                    />
                  ))}
                  {fields.length < MAX_PARTIES && (
                    <Button
                      type="dashed"
                      icon={<PlusOutlined />}
                      onClick={() =>
                        add({ role: fields.length === 0 ? 'applicant' : 'respondent', kind: 'person' })
                      }
                      block
                      data-testid="party-add"
                    >
                      {t('添加当事人', 'Add a party')}
                    </Button>
                  )}
                </Flex>
              )}
            </Form.List>

            {formError && (
              <Alert
                type="error"
                showIcon
                style={{ marginBottom: 16 }}
                title={t('登记失败', 'Could not register')}
                description={formError}
                data-testid="register-error"
              />
            )}
            <Button
              type="primary"
              htmlType="submit"
              icon={<SendOutlined />}
              block
              size="large"
              loading={submit.isPending}
              style={{ height: 48, fontSize: 16 }}
              data-testid="register-submit"
            >
              {t('登记', 'Register')}
            </Button>
            <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8, fontSize: 12 }}>
              {t('Ctrl + Enter 提交', 'Ctrl + Enter submits')}
            </Typography.Text>
          </Form>
        </Card>
      </PageState>
    </div>
  );
}

/** One party: role, person or organisation, name, and the identifier that links them to 人房企物. */
function PartyRow({
  index,
  fieldName,
  onRemove,
  roles,
  form,
}: {
  index: number;
  fieldName: number;
  onRemove: () => void;
  roles: { value: string; label: string }[];
  form: ReturnType<typeof Form.useForm<Values>>[0];
}) {
  const { t, lang, name } = useI18n();
  const kind = Form.useWatch(['parties', fieldName, 'kind'], form) ?? 'person';
  return (
    <Card
      size="small"
      data-testid="party"
      title={t(`当事人 ${index + 1}`, `Party ${index + 1}`)}
      extra={
        <Button
          type="text"
          danger
          icon={<DeleteOutlined />}
          onClick={onRemove}
          aria-label={t(`删除当事人 ${index + 1}`, `Remove party ${index + 1}`)}
        />
      }
    >
      <Row gutter={12}>
        <Col xs={12} md={6}>
          <Form.Item name={[fieldName, 'role']} label={t('身份', 'Role')}>
            <Select options={roles} aria-label={t('身份', 'Role')} />
          </Form.Item>
        </Col>
        <Col xs={12} md={6}>
          <Form.Item name={[fieldName, 'kind']} label={t('类型', 'Kind')}>
            <Select
              options={(['person', 'enterprise'] as const).map((k) => ({
                value: k,
                label: name(KIND_NAMES[k]),
              }))}
              aria-label={t('类型', 'Kind')}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item
            name={[fieldName, 'name']}
            label={kind === 'person' ? t('姓名', 'Name') : t('单位名称', 'Organisation')}
            required
            rules={[zodRule(PartyName, lang)]}
          >
            <Input maxLength={MAX_PARTY_NAME} data-testid={`party-name-${index}`} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          {kind === 'person' ? (
            <Form.Item
              name={[fieldName, 'idNumber']}
              label={t('身份证号', 'Resident ID number')}
              rules={[zodRule(PartyIdNumber.optional(), lang)]}
              extra={t('用于关联人口信息和查重', 'Links the person and finds duplicates')}
            >
              <Input maxLength={30} autoComplete="off" data-testid={`party-id-${index}`} />
            </Form.Item>
          ) : (
            <Form.Item
              name={[fieldName, 'uscc']}
              label={t('统一社会信用代码', 'Unified social credit code')}
              rules={[zodRule(PartyUscc.optional(), lang)]}
            >
              <Input maxLength={30} autoComplete="off" data-testid={`party-uscc-${index}`} />
            </Form.Item>
          )}
        </Col>
        <Col xs={24} md={12}>
          <Form.Item
            name={[fieldName, 'phone']}
            label={t('联系电话', 'Phone')}
            rules={[zodRule(PartyPhone.optional(), lang)]}
          >
            <Input maxLength={30} autoComplete="off" data-testid={`party-phone-${index}`} />
          </Form.Item>
        </Col>
      </Row>
    </Card>
  );
}

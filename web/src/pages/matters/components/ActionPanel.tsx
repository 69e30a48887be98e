import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Typography,
} from 'antd';
import { useState } from 'react';
import {
  ExtensionDays,
  MAX_EXTENSION_DAYS,
  MAX_NOTE,
  MAX_REASON,
  MAX_RESULT,
  NoteText,
  ReasonText,
  ResultText,
  requiredText,
} from '../../../../../src/shared/matter-input.ts';
import { ApiError, api, errorText, type Schemas, unwrap } from '../../../api/client';
import type { paths } from '../../../api/schema';
import { useAuth } from '../../../auth';
import { zodRule } from '../../../components/zodRule';
import { useI18n } from '../../../i18n';
import { AreaTreeSelect } from './AreaTreeSelect';
import { type Area, useDepartments, useMatterTypes } from './lookups';
import { AREA_LEVEL_NAMES, FIELD_NAMES } from './names';

type Detail = Schemas['MatterDetail'];
type Action = Detail['actions'][number];
type TransitionBody =
  paths['/api/matters/{id}/transitions']['post']['requestBody']['content']['application/json'];

interface Values {
  note?: string;
  reason?: string;
  result?: string;
  extensionDays?: number;
  department?: string;
  areaCode?: string;
}

/** Actions that undo or refuse: shown as such, so that nobody clicks them for the next step. */
const BACKWARD = new Set(['reject', 'return', 'verify_fail', 'reject_extension', 'fail']);
/** Moves the matter to another unit in the same state: a real option, not the next step. */
const SIDEWAYS = new Set(['transfer']);

type Name = { zh: string; en: string };
type TextField = 'note' | 'reason' | 'result';
/** Per action, what a text field means there (the workflow only calls it "note", "reason" or "result"). */
export type FieldLabels = Record<string, Partial<Record<TextField, Name>>>;

const FIELD_LABELS: FieldLabels = {
  handle: { note: { zh: '处置情况', en: 'What was done' } },
  verify: { note: { zh: '核查意见', en: 'Verification' } },
  supervise: { note: { zh: '督办意见', en: 'Supervision note' } },
  request_supplement: { note: { zh: '需补正的内容', en: 'What is missing' } },
};

interface PanelOptions {
  /** A type's own names for the fields of its actions, over the common ones. */
  labels?: FieldLabels;
  /** After a step is taken (the page of a module's own view of the matter reloads it). */
  onDone?: () => void;
  /** What to say when the matter is finished and nothing is left to do. */
  closedText?: Name;
}

/**
 * The actions the signed-in user may take now (the detail's `actions`), each a button that opens a form
 * with exactly the fields the workflow requires for it. Submitting sends the version that was read: if
 * someone else acted meanwhile, the server answers 409 and the page reloads the matter.
 */
export function ActionPanel({
  matter,
  path,
  large,
  ...options
}: { matter: Detail; path: Area[]; large?: boolean } & PanelOptions) {
  const { t, name } = useI18n();
  // The version is taken when the form opens: a live refresh while the user types must not make their
  // submission look current when it was decided on what they saw before.
  const [open, setOpen] = useState<{ action: Action; version: number } | null>(null);
  // The next step of the loop (a move to another state, not back, not sideways) is the primary button and
  // comes first; steps that keep the state follow; those that undo or refuse come last.
  const rank = (a: Action) =>
    BACKWARD.has(a.action) ? 2 : a.to && a.to !== matter.status && !SIDEWAYS.has(a.action) ? 0 : 1;
  const actions = [...matter.actions].sort((a, b) => rank(a) - rank(b));
  const primary = actions.find((a) => rank(a) === 0)?.action;
  return (
    <Card title={t('办理操作', 'Actions')} size="small" data-testid="actions">
      {matter.actions.length === 0 ? (
        <Typography.Text type="secondary" data-testid="no-actions">
          {matter.closed
            ? options.closedText
              ? name(options.closedText)
              : t('事项已结束。', 'This matter is finished.')
            : t('当前没有您可执行的操作。', 'Nothing for you to do here now.')}
        </Typography.Text>
      ) : (
        <Flex wrap gap={8} vertical={large}>
          {actions.map((a) => (
            <Button
              key={a.action}
              type={a.action === primary ? 'primary' : 'default'}
              danger={BACKWARD.has(a.action)}
              size={large ? 'large' : 'middle'}
              block={large}
              onClick={() => setOpen({ action: a, version: matter.version })}
              data-testid={`action-${a.action}`}
            >
              {name(a.name)}
            </Button>
          ))}
        </Flex>
      )}
      {open && (
        <ActionModal
          matter={matter}
          action={open.action}
          version={open.version}
          path={path}
          options={options}
          onClose={() => setOpen(null)}
        />
      )}
    </Card>
  );
}

function ActionModal({
  matter,
  action,
  version,
  path,
  options,
  onClose,
}: {
  matter: Detail;
  action: Action;
  /** The version the user saw when they opened the form. */
  version: number;
  path: Area[];
  options: PanelOptions;
  onClose: () => void;
}) {
  const { t, lang, name } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const types = useMatterTypes();
  const departments = useDepartments();
  const [form] = Form.useForm<Values>();
  const [otherArea, setOtherArea] = useState(false);
  const needs = new Set(action.requires);
  // The first field of the form takes the focus, so that the user can type at once.
  const first = (['assignee', 'extensionDays', 'reason', 'note', 'result'] as const).find((f) =>
    needs.has(f),
  );
  const to = action.to ? types.stateName(action.to, matter.type) : undefined;

  const submit = useMutation({
    mutationFn: (body: TransitionBody) =>
      unwrap(api.POST('/api/matters/{id}/transitions', { params: { path: { id: matter.id } }, body })),
    onSuccess: (detail) => {
      qc.setQueryData(['matter', matter.id], detail);
      void qc.invalidateQueries({ queryKey: ['matters'] });
      options.onDone?.();
      message.success(t(`已${action.name.zh}`, `${action.name.en}: done`));
      onClose();
    },
    onError: (e) => {
      // 409: someone acted first (stale version) or the step is no longer possible in the new state.
      if (e instanceof ApiError && e.status === 409) {
        message.warning(
          t(
            '该事项已被他人处理，已为您刷新。',
            'Someone else has handled this matter; it has been reloaded.',
          ),
          6,
        );
        void qc.invalidateQueries({ queryKey: ['matter', matter.id] });
        options.onDone?.();
        onClose();
      }
    },
  });

  const onFinish = (v: Values) => {
    const body: TransitionBody = { action: action.action, version };
    if (needs.has('note')) body.note = NoteText.parse(v.note ?? '');
    if (needs.has('reason')) body.reason = ReasonText.parse(v.reason ?? '');
    if (needs.has('result')) body.result = ResultText.parse(v.result ?? '');
    if (needs.has('extensionDays') && v.extensionDays !== undefined) body.extensionDays = v.extensionDays;
    if (needs.has('assignee') && v.department && v.areaCode) {
      body.assignee = { department: v.department, areaCode: v.areaCode };
    }
    submit.mutate(body);
  };

  // The unit's area: usually one above the matter (a town's 综治中心, a county bureau at the county code);
  // the server accepts the matter's ancestors and anything in the dispatcher's own area.
  const ownArea = me?.scope.path.at(-1);
  const areaOptions = [
    ...path,
    ...(ownArea && !path.some((a) => a.code === ownArea.code) ? [ownArea] : []),
  ].map((a) => ({
    value: a.code,
    label: `${a.name}（${name(AREA_LEVEL_NAMES[a.level] ?? { zh: '', en: '' })}）`,
  }));

  const textArea = (field: TextField, max: number) => {
    const own = options.labels?.[action.action]?.[field] ?? FIELD_LABELS[action.action]?.[field];
    const label = name(own ?? FIELD_NAMES[field]!);
    const schema = field === 'note' ? NoteText : field === 'reason' ? ReasonText : ResultText;
    return (
      <Form.Item name={field} label={label} rules={[zodRule(requiredText(schema), lang)]}>
        <Input.TextArea
          autoSize={{ minRows: 3, maxRows: 10 }}
          count={{ show: true, max }}
          autoFocus={first === field}
          data-testid={`action-field-${field}`}
          onKeyDown={(e) => {
            // Enter starts a new line in a text; Ctrl/⌘+Enter submits, as in most web forms.
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.submit();
          }}
        />
      </Form.Item>
    );
  };

  return (
    <Modal
      open
      title={name(action.name)}
      onCancel={onClose}
      footer={null}
      destroyOnHidden
      mask={{ closable: !submit.isPending }}
      width={560}
    >
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={onFinish}
        disabled={submit.isPending}
        data-testid="action-form"
      >
        <Typography.Paragraph type="secondary">
          {t(`事项 ${matter.number}`, `Matter ${matter.number}`)}
          {to
            ? t(`，办理后状态为“${name(to)}”。`, `; it then becomes “${name(to)}”.`)
            : t('，状态不变。', '; its status stays.')}
        </Typography.Paragraph>
        {needs.has('assignee') && (
          <>
            <Form.Item
              name="department"
              label={t('承办部门', 'Department')}
              rules={[{ required: true, message: t('请选择承办部门', 'Choose the department') }]}
            >
              <Select
                showSearch={{ optionFilterProp: 'label' }}
                loading={departments.isLoading}
                options={departments.items.map((d) => ({
                  value: d.code,
                  label: lang === 'zh' ? d.name : d.nameEn,
                }))}
                placeholder={t('如：综治中心、住建局', 'e.g. governance centre, housing bureau')}
                autoFocus={first === 'assignee'}
                data-testid="action-department"
              />
            </Form.Item>
            <Form.Item
              name="areaCode"
              label={t('承办单位所在区域', 'Area of the unit')}
              rules={[{ required: true, message: t('请选择区域', 'Choose the area') }]}
              extra={
                <Button
                  type="link"
                  size="small"
                  style={{ padding: 0 }}
                  onClick={() => setOtherArea((x) => !x)}
                >
                  {otherArea
                    ? t('从事项的上级区域中选择', 'Choose among the matter’s areas')
                    : t('选择管辖范围内的其他区域', 'Choose another area in my scope')}
                </Button>
              }
            >
              {otherArea ? (
                <AreaTreeSelect allowClear={false} />
              ) : (
                <Select
                  showSearch={{ optionFilterProp: 'label' }}
                  options={areaOptions}
                  placeholder={t('选择区域', 'Choose the area')}
                  data-testid="action-area"
                />
              )}
            </Form.Item>
          </>
        )}
        {needs.has('extensionDays') && (
          <Form.Item
            name="extensionDays"
            label={t('延期天数（工作日）', 'Extension (working days)')}
            rules={[zodRule(ExtensionDays, lang)]}
          >
            <InputNumber
              min={1}
              autoFocus={first === 'extensionDays'}
              max={MAX_EXTENSION_DAYS}
              precision={0}
              style={{ width: 160 }}
              data-testid="action-field-extensionDays"
            />
          </Form.Item>
        )}
        {needs.has('reason') && textArea('reason', MAX_REASON)}
        {needs.has('note') && textArea('note', MAX_NOTE)}
        {needs.has('result') && textArea('result', MAX_RESULT)}
        {action.requires.length === 0 && (
          <Typography.Paragraph>
            {t(`确认“${action.name.zh}”？`, `Confirm “${action.name.en}”?`)}
          </Typography.Paragraph>
        )}
        {matter.version !== version && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 12 }}
            title={t(
              '该事项刚被他人更新，提交可能被拒绝；请关闭后查看最新情况。',
              'Someone has just changed this matter: your action may be refused. Close and look again.',
            )}
          />
        )}
        {submit.error && !(submit.error instanceof ApiError && submit.error.status === 409) && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 12 }}
            title={errorText(submit.error, lang)}
            data-testid="action-error"
          />
        )}
        <Flex justify="flex-end">
          <Space>
            <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
            <Button
              type="primary"
              htmlType="submit"
              loading={submit.isPending}
              danger={BACKWARD.has(action.action)}
              // Nothing to fill in: Enter confirms at once.
              autoFocus={action.requires.length === 0}
              data-testid="action-submit"
            >
              {t(`确认${action.name.zh}`, action.name.en)}
            </Button>
          </Space>
        </Flex>
      </Form>
    </Modal>
  );
}

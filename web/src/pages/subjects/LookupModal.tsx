import { useMutation } from '@tanstack/react-query';
import { Alert, Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { useI18n } from '../../i18n';

/**
 * Exact lookup by resident ID number. It is a POST so that the number never lands in a URL or an access
 * log; the answer is limited to the user's scope, so "not found" may also mean "not yours".
 */
export function LookupModal({
  open,
  onClose,
  onFound,
}: {
  open: boolean;
  onClose: () => void;
  onFound: (personId: string) => void;
}) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<{ idNumber: string }>();
  const [notFound, setNotFound] = useState(false);
  const lookup = useMutation({
    mutationFn: (idNumber: string) => unwrap(api.POST('/api/persons/lookup', { body: { idNumber } })),
    onSuccess: (r) => {
      if (r.person) {
        close();
        onFound(r.person.id);
      } else setNotFound(true);
    },
    onError: (e) => {
      // A malformed number is the field's fault: say so next to it.
      if (e instanceof ApiError && e.code === 'INVALID_ID_CARD')
        form.setFields([{ name: 'idNumber', errors: [errorText(e, lang)] }]);
    },
  });
  const close = () => {
    form.resetFields();
    setNotFound(false);
    lookup.reset();
    onClose();
  };
  const otherError =
    lookup.error && !(lookup.error instanceof ApiError && lookup.error.code === 'INVALID_ID_CARD');
  return (
    <Modal
      open={open}
      title={t('按身份证号查找', 'Find by ID number')}
      okText={t('查找', 'Find')}
      cancelText={t('取消', 'Cancel')}
      onOk={() => form.submit()}
      onCancel={close}
      confirmLoading={lookup.isPending}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        onFinish={(v) => {
          setNotFound(false);
          lookup.mutate(v.idNumber.trim());
        }}
        onValuesChange={() => setNotFound(false)}
      >
        <Form.Item
          name="idNumber"
          label={t('身份证号', 'ID number')}
          rules={[
            { required: true, whitespace: true, message: t('请输入身份证号', 'Enter an ID number') },
            {
              pattern: /^\s*\d{17}[\dXx]\s*$/,
              message: t('应为 18 位（末位可为 X）', '18 characters, the last may be X'),
            },
          ]}
        >
          <Input autoFocus autoComplete="off" maxLength={30} data-testid="lookup-id" />
        </Form.Item>
      </Form>
      {notFound && (
        <Alert
          type="warning"
          showIcon
          title={t(
            '未找到该证件号的人员（或不在您的管辖范围内）。',
            'No person with this number (or not in your area).',
          )}
        />
      )}
      {otherError && <Alert type="error" showIcon title={errorText(lookup.error, lang)} />}
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0, fontSize: 12 }}>
        {t(
          '查找按加密索引精确匹配，不支持模糊查询。',
          'Exact match on an encrypted index; no partial search.',
        )}
      </Typography.Paragraph>
    </Modal>
  );
}

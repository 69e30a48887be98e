import { EyeOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Flex, Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { errorText } from '../../api/client';
import { useI18n } from '../../i18n';
import { REVEAL_REASONS } from './labels';

export interface RevealField {
  key: string;
  label: string;
}

/**
 * Asks why before showing a full ID number or phone: the reason (2–200 characters, as the server
 * requires) goes into the audit log with the reveal. The plain values live only in this modal and the
 * drawer that opened it (never in the query cache), and are gone when either closes.
 */
export function RevealModal({
  open,
  title,
  fields,
  reveal,
  onRevealed,
  onClose,
}: {
  open: boolean;
  title: string;
  fields: RevealField[];
  reveal: (reason: string) => Promise<Record<string, string | null | undefined>>;
  onRevealed: (values: Record<string, string | null | undefined>) => void;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, string | null | undefined> | null>(null);

  const submit = async ({ reason }: { reason: string }) => {
    setBusy(true);
    setError(null);
    try {
      const v = await reveal(reason.trim());
      // Cleared while the form is still mounted: the next 查看 asks afresh instead of reusing this reason.
      form.resetFields();
      setValues(v);
      onRevealed(v);
    } catch (e) {
      setError(errorText(e, lang));
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    if (!values) form.resetFields();
    setValues(null);
    setError(null);
    onClose();
  };

  return (
    <Modal
      open={open}
      title={
        <span>
          <EyeOutlined /> {title}
        </span>
      }
      onCancel={close}
      destroyOnHidden
      data-testid="reveal-modal"
      footer={
        values ? (
          <Button type="primary" onClick={close} data-testid="reveal-done">
            {t('完成', 'Done')}
          </Button>
        ) : (
          <Flex justify="end" gap={8}>
            <Button onClick={close}>{t('取消', 'Cancel')}</Button>
            <Button type="primary" loading={busy} onClick={() => form.submit()} data-testid="reveal-submit">
              {t('确认查看', 'Reveal')}
            </Button>
          </Flex>
        )
      }
    >
      {values ? (
        <>
          <Descriptions
            column={1}
            size="small"
            bordered
            items={fields.map((f) => ({
              key: f.key,
              label: f.label,
              children: (
                <Typography.Text copyable={!!values[f.key]} strong data-testid={`revealed-${f.key}`}>
                  {values[f.key] ?? t('（未登记）', '(not on record)')}
                </Typography.Text>
              ),
            }))}
          />
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
            {t('本次查看及事由已记入审计日志。', 'This reveal and its reason are recorded in the audit log.')}
          </Typography.Paragraph>
        </>
      ) : (
        <Form form={form} layout="vertical" onFinish={submit} requiredMark={false} disabled={busy}>
          <Typography.Paragraph type="secondary">
            {t(
              '完整信息属于个人敏感信息。请说明查看事由，事由将与您的账号、时间一起记入审计日志。',
              'This is sensitive personal data. State why you need it; the reason is audited with your account and the time.',
            )}
          </Typography.Paragraph>
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
          <Form.Item
            name="reason"
            label={t('查看事由', 'Reason')}
            rules={[
              { required: true, whitespace: true, message: t('请填写查看事由', 'Give a reason') },
              {
                validator: async (_, v: string | undefined) => {
                  const n = (v ?? '').trim().length;
                  if (n > 0 && (n < 2 || n > 200))
                    throw new Error(t('事由为 2–200 个字', 'The reason takes 2–200 characters'));
                },
              },
            ]}
          >
            <Input.TextArea autoFocus rows={2} maxLength={200} showCount data-testid="reveal-reason" />
          </Form.Item>
          <Flex wrap gap={6}>
            {REVEAL_REASONS.map((r) => (
              <Button
                key={r.zh}
                size="small"
                type="dashed"
                onClick={() => form.setFieldsValue({ reason: r[lang] })}
              >
                {r[lang]}
              </Button>
            ))}
          </Flex>
        </Form>
      )}
    </Modal>
  );
}

import { EyeOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Checkbox, Descriptions, Flex, Form, Input, Modal, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, errorText, type Schemas, unwrap } from '../../../api/client';
import { useAuth } from '../../../auth';
import { useI18n } from '../../../i18n';
import { SUBJECT_TYPE_NAMES } from './names';
import { RowList } from './RowList';

type Party = Schemas['MatterDetail']['parties'][number];
type Field = 'idNumber' | 'phone';

/**
 * The people, houses, enterprises and things a matter concerns. A person's ID number and phone are never
 * in the matter: 查看 asks why, calls POST /api/persons/{id}/reveal (audited with the reason) and shows
 * the values in the dialog only.
 */
export function PartiesCard({ parties }: { parties: Party[] }) {
  const { t, name } = useI18n();
  const { can } = useAuth();
  const [reveal, setReveal] = useState<Party | null>(null);
  if (parties.length === 0) return null;
  return (
    <Card title={t('当事人与对象', 'Parties')} size="small" data-testid="parties">
      <RowList
        items={parties}
        rowKey={(p) => p.id}
        testId="party"
        actions={(p) =>
          p.subjectType === 'person' && can('subject:reveal') ? (
            <Button
              size="small"
              icon={<EyeOutlined />}
              onClick={() => setReveal(p)}
              data-testid="reveal-open"
            >
              {t('查看', 'Reveal')}
            </Button>
          ) : null
        }
        render={(p) => (
          <Flex gap={8} align="center" wrap>
            <Tag>{p.role}</Tag>
            <Typography.Text type="secondary">
              {name(SUBJECT_TYPE_NAMES[p.subjectType]) || p.subjectType}
            </Typography.Text>
            <Typography.Text strong>{p.name ?? t('（无名称）', '(no name)')}</Typography.Text>
          </Flex>
        )}
      />
      {reveal && <RevealModal party={reveal} onClose={() => setReveal(null)} />}
    </Card>
  );
}

function RevealModal({ party, onClose }: { party: Party; onClose: () => void }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<{ fields: Field[]; reason: string }>();
  const reveal = useMutation({
    mutationFn: (body: { fields: Field[]; reason: string }) =>
      unwrap(api.POST('/api/persons/{id}/reveal', { params: { path: { id: party.subjectId } }, body })),
  });
  return (
    <Modal
      open
      title={t(`查看 ${party.name ?? ''} 的证件号和手机号`, `Reveal identifiers of ${party.name ?? ''}`)}
      onCancel={onClose}
      footer={null}
      destroyOnHidden
    >
      {reveal.data ? (
        <>
          <Descriptions column={1} bordered size="small" data-testid="reveal-result">
            {'idNumber' in reveal.data && (
              <Descriptions.Item label={t('身份证号', 'ID number')}>
                {reveal.data.idNumber ?? t('未登记', 'not recorded')}
              </Descriptions.Item>
            )}
            {'phone' in reveal.data && (
              <Descriptions.Item label={t('手机号', 'Phone')}>
                {reveal.data.phone ?? t('未登记', 'not recorded')}
              </Descriptions.Item>
            )}
          </Descriptions>
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, fontSize: 12 }}>
            {t('本次查看及事由已记入审计日志。', 'This view and its reason are in the audit log.')}
          </Typography.Paragraph>
          <Flex justify="flex-end">
            <Button onClick={onClose}>{t('关闭', 'Close')}</Button>
          </Flex>
        </>
      ) : (
        <Form
          form={form}
          layout="vertical"
          initialValues={{ fields: ['idNumber', 'phone'] }}
          onFinish={(v) => reveal.mutate({ fields: v.fields, reason: v.reason.trim() })}
          disabled={reveal.isPending}
        >
          <Form.Item
            name="fields"
            label={t('要查看的信息', 'What to show')}
            rules={[{ required: true, message: t('至少选择一项', 'Choose at least one') }]}
          >
            <Checkbox.Group
              options={[
                { value: 'idNumber', label: t('身份证号', 'ID number') },
                { value: 'phone', label: t('手机号', 'Phone') },
              ]}
            />
          </Form.Item>
          {/* 2–200 characters, as RevealBody in src/server/routes/subjects.schemas.ts. */}
          <Form.Item
            name="reason"
            label={t('查看事由（记入审计日志）', 'Reason (kept in the audit log)')}
            rules={[
              { required: true, whitespace: true, message: t('请填写查看事由', 'Give a reason') },
              { min: 2, max: 200, message: t('事由为 2–200 个字', 'Between 2 and 200 characters') },
            ]}
          >
            {/* One line: Enter submits. */}
            <Input count={{ show: true, max: 200 }} autoFocus data-testid="reveal-reason" />
          </Form.Item>
          {reveal.error && (
            <Alert
              type="error"
              showIcon
              title={errorText(reveal.error, lang)}
              style={{ marginBottom: 12 }}
              data-testid="reveal-error"
            />
          )}
          <Flex justify="flex-end" gap={8}>
            <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
            <Button type="primary" htmlType="submit" loading={reveal.isPending} data-testid="reveal-submit">
              {t('查看', 'Reveal')}
            </Button>
          </Flex>
        </Form>
      )}
    </Modal>
  );
}

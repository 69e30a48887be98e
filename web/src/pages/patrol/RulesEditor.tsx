import { SettingOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, InputNumber, Modal, Typography } from 'antd';
import { useState } from 'react';
import { api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';

/**
 * 积分规则: the points per 人次, check point and accepted finding, changed by those who configure
 * (matter:configure; the server audits old and new values). A change applies to every period's ranking.
 */
export function RulesEditor() {
  const { t, name, lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<Record<string, number>>();
  const rules = useQuery({
    queryKey: ['patrol', 'rules'],
    queryFn: () => unwrap(api.GET('/api/patrol/rules')),
    enabled: open,
  });
  const save = useMutation({
    mutationFn: (v: Record<string, number>) =>
      unwrap(
        api.PUT('/api/patrol/rules', {
          body: {
            rules: (rules.data?.items ?? []).map((r) => ({
              code: r.code,
              points: Number(v[r.code] ?? r.points),
            })),
          },
        }),
      ),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['patrol'] });
      message.success(t('积分规则已保存', 'Rules saved'));
      setOpen(false);
    },
  });
  if (!can('matter:configure')) return null;
  return (
    <>
      <Button icon={<SettingOutlined />} onClick={() => setOpen(true)} data-testid="patrol-rules-edit">
        {t('修改积分规则', 'Edit the rules')}
      </Button>
      {open && (
        <Modal
          open
          title={t('积分规则', 'Point rules')}
          onCancel={() => setOpen(false)}
          onOk={() => form.submit()}
          okButtonProps={{ loading: save.isPending, disabled: !rules.data }}
          destroyOnHidden
        >
          <Typography.Paragraph type="secondary">
            {t(
              '修改后所有时段的排行按新规则重新计算，修改记入审计日志。',
              'Every period is ranked by the new rules; the change is audited.',
            )}
          </Typography.Paragraph>
          {rules.error && <Alert type="error" showIcon message={errorText(rules.error, lang)} />}
          {save.error && (
            <Alert type="error" showIcon style={{ marginBottom: 12 }} message={errorText(save.error, lang)} />
          )}
          {rules.data && (
            <Form
              form={form}
              layout="vertical"
              initialValues={Object.fromEntries(rules.data.items.map((r) => [r.code, r.points]))}
              onFinish={(v) => save.mutate(v)}
            >
              {rules.data.items.map((r) => (
                <Form.Item
                  key={r.code}
                  name={r.code}
                  label={name(r.name)}
                  rules={[
                    {
                      required: true,
                      type: 'integer',
                      min: 0,
                      max: 1000,
                      message: t('0–1000 的整数', 'A whole number 0–1000'),
                    },
                  ]}
                >
                  <InputNumber
                    min={0}
                    max={1000}
                    precision={0}
                    style={{ width: 160 }}
                    data-testid={`rule-${r.code}`}
                  />
                </Form.Item>
              ))}
            </Form>
          )}
        </Modal>
      )}
    </>
  );
}

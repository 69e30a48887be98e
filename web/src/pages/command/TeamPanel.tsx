import { EyeOutlined, PhoneOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Empty, Flex, Form, Input, Modal, Skeleton, Tag, Typography } from 'antd';
import { useState } from 'react';
import { MAX_REVEAL_REASON, RevealReason } from '../../../../src/shared/command-input.ts';
import { api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { zodRule } from '../../components/zodRule';
import { useI18n } from '../../i18n';
import { useTeam } from './api';
import { PanelError } from './shared';

/**
 * 一键调度网格力量: the people of the matter's grid, village and town to call, phones masked; the full numbers
 * for a stated reason (subject:reveal, audited). The 1+3+N roster is a later issue, and the panel says so.
 */
export function TeamPanel({ matterId }: { matterId: string }) {
  const { t, name } = useI18n();
  const { can } = useAuth();
  const q = useTeam(matterId);
  const [revealing, setRevealing] = useState(false);
  const [plain, setPlain] = useState<Map<string, string | null>>(new Map());

  if (q.isLoading) return <Skeleton active paragraph={{ rows: 3 }} />;
  if (q.error) return <PanelError error={q.error} onRetry={() => void q.refetch()} />;
  const team = q.data!;
  return (
    <Flex vertical gap={10} data-testid="team">
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('范围：', 'Areas: ')}
        {team.areas.map((a) => a.name).join(' / ')}
      </Typography.Text>
      {team.items.length === 0 ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={t('该区域暂无网格力量', 'No one listed here')}
        />
      ) : (
        <Flex vertical gap={6}>
          {team.items.map((m) => {
            const phone = plain.has(m.userId) ? plain.get(m.userId) : m.phone;
            return (
              <Flex
                key={m.userId}
                justify="space-between"
                align="center"
                wrap
                gap={6}
                style={{ border: '1px solid #e5e7eb', borderRadius: 6, padding: '6px 10px' }}
                data-testid="team-member"
              >
                <span>
                  <Typography.Text strong>{m.displayName}</Typography.Text>{' '}
                  {m.roleNames.map((r) => (
                    <Tag key={r.zh}>{name(r)}</Tag>
                  ))}
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {m.areaName}
                  </Typography.Text>
                </span>
                {phone ? (
                  plain.has(m.userId) ? (
                    <a href={`tel:${phone}`} data-testid="team-phone">
                      <PhoneOutlined /> {phone}
                    </a>
                  ) : (
                    <Typography.Text data-testid="team-phone">
                      <PhoneOutlined /> {phone}
                    </Typography.Text>
                  )
                ) : (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('未登记值班电话', 'No duty phone')}
                  </Typography.Text>
                )}
              </Flex>
            );
          })}
        </Flex>
      )}
      {can('subject:reveal') && team.items.some((m) => m.phone) && plain.size === 0 && (
        <Button icon={<EyeOutlined />} onClick={() => setRevealing(true)} data-testid="team-reveal">
          {t('查看完整电话', 'Show full numbers')}
        </Button>
      )}
      <Alert type="info" showIcon title={name(team.roster.note)} data-testid="team-roster-note" />
      {revealing && (
        <RevealModal
          matterId={matterId}
          onClose={() => setRevealing(false)}
          onShown={(items) => {
            setPlain(new Map(items.map((i) => [i.userId, i.phone])));
            setRevealing(false);
          }}
        />
      )}
    </Flex>
  );
}

function RevealModal({
  matterId,
  onClose,
  onShown,
}: {
  matterId: string;
  onClose: () => void;
  onShown: (items: { userId: string; phone: string | null }[]) => void;
}) {
  const { t, lang } = useI18n();
  const reveal = useMutation({
    mutationFn: (reason: string) =>
      unwrap(
        api.POST('/api/matters/{id}/team/reveal', { params: { path: { id: matterId } }, body: { reason } }),
      ),
    onSuccess: (r) => onShown(r.items),
  });
  return (
    <Modal
      open
      title={t('查看完整电话', 'Show full numbers')}
      onCancel={onClose}
      footer={null}
      destroyOnHidden
    >
      <Form<{ reason: string }>
        layout="vertical"
        disabled={reveal.isPending}
        onFinish={(v) => reveal.mutate(RevealReason.parse(v.reason))}
      >
        <Typography.Paragraph type="secondary">
          {t('查看将记入审计日志，请填写事由。', 'This is written to the audit log: give a reason.')}
        </Typography.Paragraph>
        <Form.Item name="reason" label={t('事由', 'Reason')} rules={[zodRule(RevealReason, lang)]}>
          <Input maxLength={MAX_REVEAL_REASON} autoFocus data-testid="team-reveal-reason" />
        </Form.Item>
        {reveal.error && (
          <Alert type="error" showIcon style={{ marginBottom: 12 }} title={errorText(reveal.error, lang)} />
        )}
        <Flex justify="flex-end" gap={8}>
          <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
          <Button
            type="primary"
            htmlType="submit"
            loading={reveal.isPending}
            data-testid="team-reveal-submit"
          >
            {t('查看', 'Show')}
          </Button>
        </Flex>
      </Form>
    </Modal>
  );
}

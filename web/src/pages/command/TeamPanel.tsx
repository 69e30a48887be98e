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
 * 一键调度网格力量: the 1+3+N roster of the matter's grid, and the users of its grid, village and town to call,
 * phones masked; the full numbers for a stated reason (subject:reveal, audited) in one reveal.
 */
export function TeamPanel({ matterId }: { matterId: string }) {
  const { t, name } = useI18n();
  const { can } = useAuth();
  const q = useTeam(matterId);
  const [revealing, setRevealing] = useState(false);
  const [plain, setPlain] = useState<Map<string, string | null>>(new Map());
  const [rosterPlain, setRosterPlain] = useState<Map<string, string>>(new Map());

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
      <RosterList roster={team.roster} plain={rosterPlain} />
      {can('subject:reveal') &&
        (team.items.some((m) => m.phone) || team.roster.members.some((m) => m.phone)) &&
        plain.size === 0 &&
        rosterPlain.size === 0 && (
          <Button icon={<EyeOutlined />} onClick={() => setRevealing(true)} data-testid="team-reveal">
            {t('查看完整电话', 'Show full numbers')}
          </Button>
        )}
      {revealing && (
        <RevealModal
          matterId={matterId}
          onClose={() => setRevealing(false)}
          onShown={(r) => {
            setPlain(new Map(r.items.map((i) => [i.userId, i.phone])));
            setRosterPlain(new Map(r.roster.map((i) => [i.memberId, i.phone])));
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
  onShown: (r: RevealAnswer) => void;
}) {
  const { t, lang } = useI18n();
  const reveal = useMutation({
    mutationFn: (reason: string) =>
      unwrap(
        api.POST('/api/matters/{id}/team/reveal', { params: { path: { id: matterId } }, body: { reason } }),
      ),
    onSuccess: (r) => onShown(r),
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

type Team = NonNullable<ReturnType<typeof useTeam>['data']>;
type RevealAnswer = {
  items: { userId: string; phone: string | null }[];
  roster: { memberId: string; phone: string }[];
};

const GROUP_COLORS: Record<string, string> = { '1': 'red', '3': 'blue', N: 'default' };

/** The grid's "1+3+N" roster: 网格长, the three, then the N teams; or why there is none. */
function RosterList({ roster, plain }: { roster: Team['roster']; plain: Map<string, string> }) {
  const { t, name } = useI18n();
  if (!roster.available)
    return (
      <Alert
        type="info"
        showIcon
        title={roster.note ? name(roster.note) : ''}
        data-testid="team-roster-note"
      />
    );
  return (
    <div data-testid="team-roster">
      <Typography.Text strong>
        {t('“1+3+N”网格力量', '1+3+N grid team')} · {roster.grid?.name}
      </Typography.Text>
      {roster.members.length === 0 ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={t('该网格花名册为空', 'The grid’s roster is empty')}
        />
      ) : (
        <Flex vertical gap={6} style={{ marginTop: 6 }}>
          {roster.members.map((m) => {
            const shown = plain.get(m.id);
            return (
              <Flex
                key={m.id}
                justify="space-between"
                align="center"
                wrap
                gap={6}
                style={{ border: '1px solid #e5e7eb', borderRadius: 6, padding: '6px 10px' }}
                data-testid="team-roster-member"
              >
                <span>
                  <Tag color={GROUP_COLORS[m.group]}>{name(m.roleName)}</Tag>
                  <Typography.Text strong>{m.name}</Typography.Text>{' '}
                  {m.unit && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {m.unit}
                    </Typography.Text>
                  )}
                </span>
                {shown ? (
                  <a href={`tel:${shown}`} data-testid="team-roster-phone">
                    <PhoneOutlined /> {shown}
                  </a>
                ) : m.phone ? (
                  <Typography.Text data-testid="team-roster-phone">
                    <PhoneOutlined /> {m.phone}
                  </Typography.Text>
                ) : (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('未登记电话', 'No phone')}
                  </Typography.Text>
                )}
              </Flex>
            );
          })}
        </Flex>
      )}
    </div>
  );
}

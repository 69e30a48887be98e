import { KeyOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { api, errorText, unwrap } from '../../../api/client';
import type { paths } from '../../../api/schema';
import { PageState } from '../../../components/PageState';
import { useI18n } from '../../../i18n';
import { useDisputeSources } from './lookups';

type Token =
  paths['/api/disputes/tokens']['get']['responses'][200]['content']['application/json']['items'][number];

const TOKENS_KEY = ['disputes', 'tokens'] as const;

/**
 * Push tokens of the department systems: which exist, when each was last used, revoke one; issue a new one,
 * whose value is shown exactly once (only its hash is kept) with a copy button and a warning to keep it.
 */
export function TokensCard() {
  const { t, name, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const sources = useDisputeSources();
  const [issuing, setIssuing] = useState(false);
  const tokens = useQuery({
    queryKey: TOKENS_KEY,
    queryFn: async () => (await unwrap(api.GET('/api/disputes/tokens'))).items,
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/disputes/tokens/{id}', { params: { path: { id } } })),
    onSuccess: (tk) => {
      message.success(t(`已吊销令牌“${tk.name}”`, `Token “${tk.name}” revoked`));
      void qc.invalidateQueries({ queryKey: TOKENS_KEY });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });

  const columns: TableColumnsType<Token> = [
    {
      title: t('来源', 'Source'),
      dataIndex: 'source',
      width: 180,
      render: (v: string) => name(sources.sourceName(v)),
    },
    { title: t('名称', 'Name'), dataIndex: 'name', ellipsis: true },
    {
      title: t('前缀', 'Prefix'),
      dataIndex: 'prefix',
      width: 130,
      render: (v: string) => (
        <Typography.Text style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
          {v}…
        </Typography.Text>
      ),
    },
    {
      title: t('签发时间', 'Issued'),
      dataIndex: 'createdAt',
      width: 140,
      render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'),
    },
    {
      title: t('最近使用', 'Last used'),
      dataIndex: 'lastUsedAt',
      width: 140,
      render: (v: string | null) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : t('从未使用', 'Never')),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'revokedAt',
      width: 90,
      render: (v: string | null) =>
        v ? (
          <Tag title={dayjs(v).format('YYYY-MM-DD HH:mm')}>{t('已吊销', 'Revoked')}</Tag>
        ) : (
          <Tag color="success">{t('有效', 'Active')}</Tag>
        ),
    },
    {
      title: t('操作', 'Actions'),
      key: 'actions',
      width: 90,
      render: (_: unknown, tk) =>
        tk.revokedAt ? null : (
          <Popconfirm
            title={t('吊销该令牌？', 'Revoke this token?')}
            description={t(
              '使用该令牌的部门系统将无法再推送数据。',
              'The department system using it can no longer push records.',
            )}
            okText={t('吊销', 'Revoke')}
            okButtonProps={{ danger: true }}
            cancelText={t('取消', 'Cancel')}
            onConfirm={() => revoke.mutateAsync(tk.id)}
          >
            <Button size="small" danger icon={<StopOutlined />} data-testid="token-revoke">
              {t('吊销', 'Revoke')}
            </Button>
          </Popconfirm>
        ),
    },
  ];

  return (
    <Card
      size="small"
      title={
        <span>
          <KeyOutlined /> {t('推送接口令牌', 'Push API tokens')}
        </span>
      }
      extra={
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={() => setIssuing(true)}
          data-testid="token-issue"
        >
          {t('签发令牌', 'Issue a token')}
        </Button>
      }
      data-testid="tokens"
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        {t(
          '部门系统以 Authorization: Bearer <令牌> 调用 POST /api/disputes/intake/{来源代码} 推送纠纷记录；每个令牌只能推送其所属来源。',
          'A department system pushes records to POST /api/disputes/intake/{source} with Authorization: Bearer <token>; a token pushes for its own source only.',
        )}
      </Typography.Paragraph>
      <PageState
        loading={tokens.isLoading}
        error={tokens.error}
        onRetry={() => void tokens.refetch()}
        empty={tokens.data?.length === 0}
        emptyText={t('还没有签发令牌。', 'No token issued yet.')}
      >
        <Table<Token>
          rowKey="id"
          size="small"
          columns={columns}
          dataSource={tokens.data ?? []}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          scroll={{ x: 860 }}
          data-testid="tokens-table"
        />
      </PageState>
      {issuing && <IssueModal onClose={() => setIssuing(false)} />}
    </Card>
  );
}

function IssueModal({ onClose }: { onClose: () => void }) {
  const { t, name, lang } = useI18n();
  const qc = useQueryClient();
  const sources = useDisputeSources();
  const [form] = Form.useForm<{ source: string; name: string }>();
  const issue = useMutation({
    mutationFn: (body: { source: string; name: string }) =>
      unwrap(api.POST('/api/disputes/tokens', { body })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: TOKENS_KEY }),
  });
  return (
    <Modal
      open
      title={t('签发推送令牌', 'Issue a push token')}
      onCancel={onClose}
      footer={null}
      destroyOnHidden
      mask={{ closable: !issue.data && !issue.isPending }}
      width={560}
    >
      {issue.data ? (
        <Flex vertical gap={12} data-testid="token-once">
          <Alert
            type="warning"
            showIcon
            title={t('令牌只显示这一次', 'The token is shown only this once')}
            description={t(
              '请立即复制并交给该部门系统的管理员妥善保存。关闭后无法再次查看；遗失时吊销并重新签发。',
              'Copy it now and hand it to the administrator of the department’s system. It cannot be shown again; if lost, revoke it and issue a new one.',
            )}
          />
          <Typography.Paragraph
            copyable={{ text: issue.data.token, tooltips: [t('复制', 'Copy'), t('已复制', 'Copied')] }}
            style={{
              fontFamily: 'ui-monospace, monospace',
              background: '#f5f5f5',
              padding: '10px 12px',
              borderRadius: 6,
              wordBreak: 'break-all',
              margin: 0,
            }}
            data-testid="token-value"
          >
            {issue.data.token}
          </Typography.Paragraph>
          <Typography.Text type="secondary">
            {name(sources.sourceName(issue.data.info.source))} · {issue.data.info.name}
          </Typography.Text>
          <Flex justify="flex-end">
            <Button type="primary" onClick={onClose} data-testid="token-done">
              {t('我已保存，关闭', 'I have kept it; close')}
            </Button>
          </Flex>
        </Flex>
      ) : (
        <Form
          form={form}
          layout="vertical"
          onFinish={(v) => issue.mutate({ source: v.source, name: v.name.trim() })}
          disabled={issue.isPending}
        >
          <Form.Item
            name="source"
            label={t('来源', 'Source')}
            rules={[{ required: true, message: t('请选择来源', 'Choose the source') }]}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              options={sources.items.map((s) => ({ value: s.code, label: name(s.name) }))}
              autoFocus
              data-testid="token-source"
            />
          </Form.Item>
          {/* 1–60 characters, as the body of POST /api/disputes/tokens. */}
          <Form.Item
            name="name"
            label={t('用途说明', 'What it is for')}
            rules={[
              { required: true, whitespace: true, message: t('请填写用途', 'Say what it is for') },
              { max: 60, message: t('不超过 60 字', 'At most 60 characters') },
            ]}
            extra={t('如“110 接处警系统 生产环境”', 'e.g. “110 dispatch system, production”')}
          >
            <Input count={{ show: true, max: 60 }} data-testid="token-name" />
          </Form.Item>
          {issue.error && (
            <Alert type="error" showIcon title={errorText(issue.error, lang)} style={{ marginBottom: 12 }} />
          )}
          <Flex justify="flex-end" gap={8}>
            <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
            <Button type="primary" htmlType="submit" loading={issue.isPending} data-testid="token-submit">
              {t('签发', 'Issue')}
            </Button>
          </Flex>
        </Form>
      )}
    </Modal>
  );
}

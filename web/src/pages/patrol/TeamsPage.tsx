import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Drawer, Flex, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { KINDS, type PatrolTeam, queryString, type TeamBody, type TeamKind } from './api';
import { PatrolNav } from './shared';

const PAGE = 20;

/**
 * 巡防队伍: the teams in the user's scope (filter by kind and name, a page at a time, Excel export of the same
 * filter), 登记队伍 for those who manage subjects, and a team's members (phones masked) with 登记队员.
 */
export default function TeamsPage() {
  const { t, name } = useI18n();
  const { can } = useAuth();
  const [kind, setKind] = useState<TeamKind | undefined>();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<PatrolTeam | null>(null);
  const filters = { kind, q: q.trim() || undefined };
  const teams = useQuery({
    queryKey: ['patrol', 'teams', filters, page],
    queryFn: () =>
      unwrap(
        api.GET('/api/patrol/teams', {
          params: { query: { ...filters, limit: PAGE, offset: (page - 1) * PAGE } },
        }),
      ),
  });
  return (
    <div>
      <PatrolNav current="teams" />
      <Flex wrap gap={8} style={{ marginBottom: 12 }}>
        <Select
          allowClear
          placeholder={t('队伍类型', 'Kind')}
          style={{ width: 160 }}
          value={kind}
          onChange={(v) => {
            setKind(v);
            setPage(1);
          }}
          options={KINDS.map((k) => ({ value: k.kind, label: t(k.zh, k.en) }))}
        />
        <Input.Search
          allowClear
          placeholder={t('队伍名称', 'Team name')}
          style={{ width: 220 }}
          onSearch={(v) => {
            setQ(v);
            setPage(1);
          }}
        />
        <Button
          icon={<DownloadOutlined />}
          href={`/api/patrol/teams/export?${queryString(filters)}`}
          data-testid="teams-export"
        >
          {t('导出 Excel', 'Export')}
        </Button>
        {can('subject:write') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('登记队伍', 'Register a team')}
          </Button>
        )}
      </Flex>
      <PageState error={teams.error} onRetry={() => teams.refetch()}>
        <Table<PatrolTeam>
          rowKey="id"
          size="middle"
          loading={teams.isLoading}
          dataSource={teams.data?.items ?? []}
          onRow={(r) => ({ onClick: () => setOpen(r), style: { cursor: 'pointer' } })}
          pagination={{
            current: page,
            pageSize: PAGE,
            total: teams.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
            showTotal: (n) => t(`共 ${n} 支队伍`, `${n} teams`),
          }}
          columns={[
            { title: t('队伍', 'Team'), dataIndex: 'name' },
            { title: t('类型', 'Kind'), render: (_, r) => <Tag color="red">{name(r.kindName)}</Tag> },
            { title: t('区域', 'Area'), render: (_, r) => r.areaName ?? r.areaCode },
            {
              title: t('队长', 'Leader'),
              render: (_, r) => (r.leader ? `${r.leader.name} ${r.leader.phone}` : '—'),
            },
            { title: t('队员', 'Members'), dataIndex: 'members', align: 'right' },
            {
              title: '',
              render: (_, r) => <Link to={`/patrol/tasks?teamId=${r.id}`}>{t('任务', 'Tasks')}</Link>,
            },
          ]}
        />
      </PageState>
      <CreateTeam open={creating} onClose={() => setCreating(false)} />
      <Drawer
        open={!!open}
        onClose={() => setOpen(null)}
        width={560}
        title={open ? `${open.name} · ${name(open.kindName)}` : ''}
        destroyOnHidden
      >
        {open && <Members team={open} />}
      </Drawer>
    </div>
  );
}

function CreateTeam({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<TeamBody & { leaderName?: string; leaderPhone?: string }>();
  const save = useMutation({
    mutationFn: (v: TeamBody & { leaderName?: string; leaderPhone?: string }) =>
      unwrap(
        api.POST('/api/patrol/teams', {
          body: {
            name: v.name,
            areaCode: v.areaCode,
            kind: v.kind,
            ...(v.leaderName && v.leaderPhone
              ? { leader: { name: v.leaderName, phone: v.leaderPhone } }
              : {}),
          },
        }),
      ),
    onSuccess: (team) => {
      message.success(t(`已登记 ${team.name}`, `Registered ${team.name}`));
      qc.invalidateQueries({ queryKey: ['patrol', 'teams'] });
      form.resetFields();
      onClose();
    },
    onError: (e) => message.error(errorText(e, lang)),
  });
  return (
    <Modal
      open={open}
      title={t('登记巡防队伍', 'Register a patrol team')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => save.mutate(v)}
        initialValues={{ areaCode: me?.scope.areaCode, kind: 'volunteer' }}
      >
        <Form.Item name="name" label={t('队伍名称', 'Name')} rules={[{ required: true, max: 60 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          name="areaCode"
          label={t('区划代码（镇街、村社或网格）', 'Area code (town, village or grid)')}
          rules={[{ required: true, pattern: /^\d{12}(\d{3})?$/ }]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="kind" label={t('类型', 'Kind')} rules={[{ required: true }]}>
          <Select options={KINDS.map((k) => ({ value: k.kind, label: t(k.zh, k.en) }))} />
        </Form.Item>
        <Space.Compact block>
          <Form.Item name="leaderName" label={t('队长', 'Leader')} style={{ flex: 1 }}>
            <Input maxLength={50} />
          </Form.Item>
          <Form.Item name="leaderPhone" label={t('队长手机', 'Leader’s mobile')} style={{ flex: 1 }}>
            <Input maxLength={30} />
          </Form.Item>
        </Space.Compact>
      </Form>
    </Modal>
  );
}

function Members({ team }: { team: PatrolTeam }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<{ name: string; phone: string }>();
  const members = useQuery({
    queryKey: ['patrol', 'members', team.id],
    queryFn: () => unwrap(api.GET('/api/patrol/teams/{id}/members', { params: { path: { id: team.id } } })),
  });
  const add = useMutation({
    mutationFn: (v: { name: string; phone: string }) =>
      unwrap(
        api.POST('/api/patrol/teams/{id}/members', {
          params: { path: { id: team.id } },
          body: { name: v.name, phone: v.phone, role: 'member' },
        }),
      ),
    onSuccess: () => {
      message.success(t('队员已登记', 'Member registered'));
      form.resetFields();
      qc.invalidateQueries({ queryKey: ['patrol'] });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });
  return (
    <div>
      <Typography.Paragraph type="secondary">
        {team.areaName ?? team.areaCode} · {t(`${team.members} 名队员`, `${team.members} members`)}
      </Typography.Paragraph>
      {can('subject:write') && (
        <Form form={form} layout="inline" onFinish={(v) => add.mutate(v)} style={{ marginBottom: 12 }}>
          <Form.Item name="name" rules={[{ required: true, max: 50 }]}>
            <Input placeholder={t('姓名', 'Name')} style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="phone" rules={[{ required: true, max: 30 }]}>
            <Input placeholder={t('手机号', 'Mobile')} style={{ width: 150 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={add.isPending}>
            {t('登记队员', 'Add member')}
          </Button>
        </Form>
      )}
      <PageState loading={members.isLoading} error={members.error}>
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={members.data?.items ?? []}
          columns={[
            { title: t('姓名', 'Name'), dataIndex: 'name' },
            {
              title: t('职务', 'Role'),
              render: (_, r) =>
                r.role === 'leader' ? <Tag color="gold">{t('队长', 'Leader')}</Tag> : t('队员', 'Member'),
            },
            { title: t('手机', 'Mobile'), dataIndex: 'phone' },
            {
              title: t('账号', 'Login'),
              render: (_, r) => (r.userId ? <Tag color="blue">{t('已关联', 'Linked')}</Tag> : '—'),
            },
          ]}
        />
      </PageState>
    </div>
  );
}

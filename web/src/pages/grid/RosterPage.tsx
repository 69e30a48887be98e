import { DeleteOutlined, EditOutlined, EyeOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Statistic,
  Table,
  type TableColumnsType,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { applyServerErrors } from '../admin/formErrors';
import { AreaPicker } from '../areas/areaShared';
import { type GridMember, type GridRole, useRoster } from './api';
import { cstTime, PERIODS, ROLES, RoleTag } from './shared';

/**
 * 网格力量“1+3+N”: one grid's roster — 1 网格长, the 3 (专职、兼职网格员, 网格指导员) and the N teams — with
 * masked phones (查看 with a reason, audited), each member's check-in rule and last check-in. Town centres and
 * above add, change and remove members; the server refuses a second 网格长.
 */
export default function RosterPage() {
  const { t, name } = useI18n();
  const mobile = useIsMobile();
  const [params, setParams] = useSearchParams();
  const area = params.get('area') ?? undefined;
  const isGrid = !!area && area.length === 15;
  const roster = useRoster(isGrid ? area : undefined);
  const children = useQuery({
    queryKey: ['grid', 'children', area],
    queryFn: () => unwrap(api.GET('/api/areas/{code}/children', { params: { path: { code: area! } } })),
    enabled: !!area && !isGrid,
  });
  const [editing, setEditing] = useState<GridMember | 'new' | null>(null);
  const [revealing, setRevealing] = useState<GridMember | null>(null);
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const qc = useQueryClient();
  const { message } = App.useApp();
  const { lang } = useI18n();
  const data = roster.data;

  const remove = useMutation({
    mutationFn: (m: GridMember) =>
      unwrap(
        api.DELETE('/api/grid/members/{id}', {
          params: { path: { id: m.id }, query: { version: m.version } },
        }),
      ),
    onSuccess: () => {
      message.success(t('已移出', 'Removed'));
      qc.invalidateQueries({ queryKey: ['grid', 'roster'] });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });

  const columns: TableColumnsType<GridMember> = [
    { title: t('角色', 'Role'), key: 'role', render: (_, m) => <RoleTag role={m.role} />, width: 120 },
    { title: t('姓名', 'Name'), dataIndex: 'name', width: 100 },
    {
      title: t('电话', 'Phone'),
      key: 'phone',
      render: (_, m) =>
        m.phone ? (
          <Space size={4}>
            <span data-testid="member-phone">{revealed[m.id] ?? m.phone}</span>
            {data?.mayReveal && !revealed[m.id] && (
              <Button
                size="small"
                type="link"
                icon={<EyeOutlined />}
                onClick={() => setRevealing(m)}
                aria-label={t('查看完整电话', 'Reveal the phone')}
              />
            )}
          </Space>
        ) : (
          '—'
        ),
    },
    { title: t('单位', 'Unit'), dataIndex: 'unit', render: (u) => u ?? '—', responsive: ['md'] },
    { title: t('账号', 'Account'), dataIndex: 'userName', render: (u) => u ?? '—', responsive: ['lg'] },
    { title: t('入格规则', 'Rule'), key: 'period', render: (_, m) => name(PERIODS[m.period]), width: 90 },
    {
      title: t('最近入格', 'Last check-in'),
      dataIndex: 'lastCheckinAt',
      render: (x) => cstTime(x),
      responsive: ['md'],
    },
    ...(data?.mayEdit
      ? [
          {
            title: t('操作', 'Actions'),
            key: 'actions',
            width: 110,
            render: (_: unknown, m: GridMember) => (
              <Space size={0}>
                <Button
                  type="link"
                  size="small"
                  icon={<EditOutlined />}
                  onClick={() => setEditing(m)}
                  data-testid="member-edit"
                />
                <Popconfirm
                  title={t(`将 ${m.name} 移出网格力量？`, `Remove ${m.name} from the team?`)}
                  onConfirm={() => remove.mutate(m)}
                >
                  <Button type="link" size="small" danger icon={<DeleteOutlined />} />
                </Popconfirm>
              </Space>
            ),
          },
        ]
      : []),
  ];

  return (
    <div style={{ minWidth: 0 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('网格力量 · “1+3+N”', 'Grid teams · 1+3+N')}
      </Typography.Title>
      <Flex gap={8} wrap style={{ marginBottom: 16 }}>
        <AreaPicker
          value={area ?? null}
          onChange={(code) => setParams(code ? { area: code } : {})}
          placeholder={t('选择网格', 'Choose a grid')}
          style={{ width: mobile ? '100%' : 360 }}
          testId="roster-area"
        />
        {data?.mayEdit && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setEditing('new')}
            data-testid="member-add"
          >
            {t('添加成员', 'Add a member')}
          </Button>
        )}
      </Flex>
      {!isGrid && (
        <Card size="small">
          <Typography.Paragraph type="secondary">
            {t(
              '花名册按网格（第 5 级）维护：请选择一个网格。',
              'Rosters are kept per grid (level 5): choose a grid.',
            )}
          </Typography.Paragraph>
          <Flex gap={8} wrap>
            {(children.data?.items ?? []).map((c) => (
              <Button key={c.code} size="small" onClick={() => setParams({ area: c.code })}>
                {c.name}
              </Button>
            ))}
          </Flex>
        </Card>
      )}
      {isGrid && (
        <PageState loading={roster.isLoading} error={roster.error} onRetry={() => roster.refetch()}>
          {data && (
            <>
              <Flex gap={24} wrap style={{ marginBottom: 12 }}>
                <Statistic
                  title={t('网格', 'Grid')}
                  value={`${data.grid.parentName ?? ''} ${data.grid.name}`}
                />
                <Statistic title="1" value={data.counts.one} suffix={t('网格长', 'leader')} />
                <Statistic title="3" value={data.counts.three} suffix={t('网格员、指导员', 'workers')} />
                <Statistic title="N" value={data.counts.n} suffix={t('支队伍成员', 'others')} />
              </Flex>
              {data.counts.one === 0 && (
                <Alert
                  type="warning"
                  showIcon
                  style={{ marginBottom: 12 }}
                  title={t('本网格尚未设网格长', 'This grid has no leader yet')}
                />
              )}
              <Table
                rowKey="id"
                size="small"
                columns={columns}
                dataSource={data.items}
                pagination={false}
                scroll={{ x: true }}
                data-testid="roster-table"
              />
            </>
          )}
        </PageState>
      )}
      {editing && area && (
        <MemberForm
          areaCode={area}
          member={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
      {revealing && (
        <RevealModal
          member={revealing}
          onClose={(phone) => {
            if (phone) setRevealed((r) => ({ ...r, [revealing.id]: phone }));
            setRevealing(null);
          }}
        />
      )}
    </div>
  );
}

function MemberForm({
  areaCode,
  member,
  onClose,
}: {
  areaCode: string;
  member: GridMember | null;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const [userQ, setUserQ] = useState('');
  const { can } = useAuth();
  const users = useQuery({
    queryKey: ['grid', 'users', userQ],
    queryFn: () => unwrap(api.GET('/api/users', { params: { query: { q: userQ, limit: 20 } } })),
    enabled: can('user:read') && userQ.length > 0,
  });
  const save = useMutation({
    mutationFn: async (v: {
      role: GridRole;
      name: string;
      phone?: string;
      unit?: string;
      userId?: string;
      since?: dayjs.Dayjs;
    }) => {
      const body = {
        role: v.role,
        name: v.name,
        phone: v.phone?.trim() ? v.phone.trim() : null,
        unit: v.unit?.trim() ? v.unit.trim() : null,
        userId: v.userId ?? null,
        ...(v.since ? { since: v.since.format('YYYY-MM-DD') } : {}),
      };
      if (member) {
        // The phone field starts empty: leave the stored number unless a new one is typed.
        const { phone, ...rest } = body;
        return unwrap(
          api.PATCH('/api/grid/members/{id}', {
            params: { path: { id: member.id } },
            body: { ...rest, ...(phone ? { phone } : {}), version: member.version },
          }),
        );
      }
      return unwrap(api.POST('/api/grid/members', { body: { areaCode, ...body } }));
    },
    onSuccess: () => {
      message.success(t('已保存', 'Saved'));
      qc.invalidateQueries({ queryKey: ['grid', 'roster'] });
      onClose();
    },
    onError: (e) => {
      const rest = applyServerErrors(form, e, lang, ['role', 'name', 'phone', 'unit', 'userId', 'since']);
      if (rest) message.error(rest);
    },
  });
  return (
    <Modal
      open
      title={
        member ? t(`修改成员：${member.name}`, `Edit ${member.name}`) : t('添加网格成员', 'Add a member')
      }
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'member-save' } as Record<`data-${string}`, string>}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={
          member
            ? {
                role: member.role,
                name: member.name,
                unit: member.unit ?? undefined,
                userId: member.userId ?? undefined,
                since: dayjs(member.since),
              }
            : { role: 'fulltime' }
        }
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="role" label={t('角色', 'Role')} rules={[{ required: true }]}>
          <Select
            options={ROLES.map((r) => ({ value: r.role, label: `${r.group} · ${t(r.zh, r.en)}` }))}
            data-testid="member-role"
          />
        </Form.Item>
        <Form.Item
          name="name"
          label={t('姓名', 'Name')}
          rules={[
            { required: true, whitespace: true, message: t('请填写姓名', 'Enter the name') },
            { max: 50 },
          ]}
        >
          <Input data-testid="member-name" />
        </Form.Item>
        <Form.Item
          name="phone"
          label={t('手机号码', 'Mobile')}
          extra={
            member?.phone
              ? t(`当前 ${member.phone}；留空不修改`, `Now ${member.phone}; leave empty to keep`)
              : null
          }
        >
          <Input inputMode="tel" maxLength={20} data-testid="member-phone-input" />
        </Form.Item>
        <Form.Item name="unit" label={t('单位', 'Unit')} rules={[{ max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="userId" label={t('关联账号（用于入格）', 'User account (for check-ins)')}>
          <Select
            allowClear
            showSearch
            filterOption={false}
            onSearch={setUserQ}
            placeholder={member?.userName ?? t('搜索用户名或姓名', 'Search users')}
            options={(users.data?.items ?? []).map((u) => ({
              value: u.id,
              label: `${u.displayName}（${u.username}）`,
            }))}
          />
        </Form.Item>
        <Form.Item name="since" label={t('入格要求起始日', 'Check-ins owed from')}>
          <DatePicker style={{ width: '100%' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function RevealModal({ member, onClose }: { member: GridMember; onClose: (phone?: string) => void }) {
  const { t, lang } = useI18n();
  const [reason, setReason] = useState('');
  const reveal = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/grid/members/{id}/reveal', { params: { path: { id: member.id } }, body: { reason } }),
      ),
    onSuccess: (r) => onClose(r.phone ?? undefined),
  });
  return (
    <Modal
      open
      title={t(`查看 ${member.name} 的完整电话`, `Reveal ${member.name}’s phone`)}
      onCancel={() => onClose()}
      onOk={() => reveal.mutate()}
      okButtonProps={{ disabled: reason.trim().length < 2 }}
      confirmLoading={reveal.isPending}
    >
      <Typography.Paragraph type="secondary">
        {t('查看将记入审计日志，请填写事由。', 'Revealing is recorded in the audit log: give a reason.')}
      </Typography.Paragraph>
      <Input.TextArea rows={2} maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
      {reveal.error && <Alert type="error" style={{ marginTop: 8 }} title={errorText(reveal.error, lang)} />}
    </Modal>
  );
}

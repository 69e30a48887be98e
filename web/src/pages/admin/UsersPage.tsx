import { EditOutlined, UserAddOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Flex,
  Form,
  Input,
  Modal,
  Select,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { DisplayName, Password, Username } from '../../../../src/shared/user-input.ts';
import { api, type Schemas, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { zodRule } from '../../components/zodRule';
import { useI18n } from '../../i18n';
import { AreaName, AreaPicker, useDebounced } from '../areas/areaShared';
import { applyServerErrors } from './formErrors';

type User = Schemas['User'];
type Role = User['roles'][number];

/** The roles in the order of the organisation, with the server's Chinese names (roles.ts ROLE_NAMES). */
const ROLE_LABELS: Record<Role, { zh: string; en: string }> = {
  city_admin: { zh: '市级管理员', en: 'City administrator' },
  commander: { zh: '指挥中心', en: 'Command centre' },
  county_center: { zh: '县级综治中心', en: 'County governance centre' },
  town_center: { zh: '镇街综治中心', en: 'Town governance centre' },
  grid_worker: { zh: '网格员', en: 'Grid worker' },
  mediator: { zh: '调解员', en: 'Mediator' },
  dept_clerk: { zh: '部门办事员', en: 'Department clerk' },
  enterprise_user: { zh: '企业用户', en: 'Enterprise user' },
  auditor: { zh: '审计员', en: 'Auditor' },
};
const ROLES = Object.keys(ROLE_LABELS) as Role[];

// The server's own rules (src/shared/user-input.ts), checked here first so that the user learns them while typing.

interface Filters {
  q?: string | undefined;
  role?: Role | undefined;
  areaCode?: string | undefined;
  disabled?: 'true' | 'false' | undefined;
}

const departmentsQuery = {
  queryKey: ['departments'],
  queryFn: async () => (await unwrap(api.GET('/api/departments'))).items,
  staleTime: 30 * 60_000,
};

/**
 * Users in the viewer's scope. Administrators (user:manage) create and edit; everyone else who may read
 * users (an auditor, a centre) sees the list only — no buttons that would end in a 403.
 */
export default function UsersPage() {
  const { can, me } = useAuth();
  const { t, lang } = useI18n();
  const mobile = useIsMobile();
  const manage = can('user:manage');
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const setFilter = (f: Partial<Filters>) => {
    setFilters((x) => ({ ...x, ...f }));
    setPage((p) => ({ ...p, page: 1 }));
  };
  const users = useQuery({
    queryKey: ['users', filters, page],
    queryFn: () => unwrap(api.GET('/api/users', { params: { query: { ...filters, ...page } } })),
    placeholderData: keepPreviousData,
    enabled: can('user:read'),
  });
  const departments = useQuery(departmentsQuery);
  const deptName = (code: string | null) => {
    if (!code) return '—';
    const d = departments.data?.find((x) => x.code === code);
    return d ? (lang === 'zh' ? d.name : d.nameEn) : code;
  };
  if (!can('user:read')) return <Forbidden />;

  const columns: TableColumnsType<User> = [
    {
      key: 'username',
      title: t('用户名', 'Username'),
      dataIndex: 'username',
      render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
    },
    { key: 'displayName', title: t('姓名', 'Name'), dataIndex: 'displayName' },
    {
      key: 'roles',
      title: t('角色', 'Roles'),
      render: (_, u) => (
        <Flex wrap gap={4}>
          {u.roles.map((r) => (
            <Tag key={r} color={r === 'city_admin' ? 'red' : r === 'auditor' ? 'purple' : 'blue'}>
              {ROLE_LABELS[r][lang]}
            </Tag>
          ))}
        </Flex>
      ),
    },
    { key: 'area', title: t('管辖区域', 'Scope'), render: (_, u) => <AreaName code={u.areaCode} /> },
    { key: 'department', title: t('部门', 'Department'), render: (_, u) => deptName(u.departmentCode) },
    {
      key: 'status',
      title: t('状态', 'Status'),
      render: (_, u) =>
        u.disabled ? (
          <Tag color="default">{t('已停用', 'Disabled')}</Tag>
        ) : (
          <Tag color="green">{t('正常', 'Active')}</Tag>
        ),
    },
    {
      key: 'lastLogin',
      title: t('最近登录', 'Last sign-in'),
      render: (_, u) => (u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString() : t('从未', 'Never')),
    },
    ...(manage
      ? [
          {
            key: 'actions',
            title: t('操作', 'Actions'),
            fixed: mobile ? undefined : ('right' as const),
            render: (_: unknown, u: User) => (
              <Button
                size="small"
                icon={<EditOutlined />}
                onClick={() => setEditing(u)}
                aria-label={t(`编辑 ${u.username}`, `Edit ${u.username}`)}
              >
                {t('编辑', 'Edit')}
              </Button>
            ),
          },
        ]
      : []),
  ];

  return (
    <div style={{ minWidth: 0 }}>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('用户', 'Users')}
        </Typography.Title>
        {manage && (
          <Button
            type="primary"
            icon={<UserAddOutlined />}
            onClick={() => setEditing('new')}
            data-testid="user-new"
          >
            {t('新建用户', 'New user')}
          </Button>
        )}
      </Flex>
      {!manage && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          title={t(
            '您可以查看用户，但无权创建或修改用户。',
            'You can see the users but not create or change them.',
          )}
        />
      )}
      <Flex wrap gap={8} style={{ marginBottom: 12 }}>
        <Input.Search
          allowClear
          placeholder={t('用户名或姓名', 'Username or name')}
          aria-label={t('搜索用户名或姓名', 'Search username or name')}
          style={{ width: mobile ? '100%' : 220 }}
          maxLength={40}
          onSearch={(v) => setFilter({ q: v.trim() || undefined })}
          data-testid="user-search"
        />
        <Select
          allowClear
          placeholder={t('角色', 'Role')}
          aria-label={t('按角色筛选', 'Filter by role')}
          style={{ width: mobile ? '100%' : 160 }}
          value={filters.role}
          onChange={(role: Role | undefined) => setFilter({ role })}
          options={ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r][lang] }))}
        />
        <div style={{ width: mobile ? '100%' : undefined }}>
          <AreaPicker
            value={filters.areaCode}
            onChange={(areaCode) => setFilter({ areaCode })}
            placeholder={t('按区域筛选', 'Filter by area')}
            style={{ width: mobile ? '100%' : 220 }}
          />
        </div>
        <Select
          allowClear
          placeholder={t('状态', 'Status')}
          aria-label={t('按状态筛选', 'Filter by status')}
          style={{ width: mobile ? '100%' : 120 }}
          value={filters.disabled}
          onChange={(disabled: 'true' | 'false' | undefined) => setFilter({ disabled })}
          options={[
            { value: 'false', label: t('正常', 'Active') },
            { value: 'true', label: t('已停用', 'Disabled') },
          ]}
        />
      </Flex>
      {users.error ? (
        <PageState error={users.error} onRetry={() => void users.refetch()} />
      ) : (
        <Table<User>
          rowKey="id"
          data-testid="users-table"
          columns={columns}
          dataSource={users.data?.items ?? []}
          loading={users.isFetching}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: users.isLoading ? ' ' : t('没有符合条件的用户', 'No users match') }}
          pagination={{
            current: page.page,
            pageSize: page.pageSize,
            total: users.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: [10, 20, 50, 100],
            showTotal: (n) => t(`共 ${n} 个用户`, `${n} users`),
            size: 'small',
            onChange: (p, s) => setPage({ page: s !== page.pageSize ? 1 : p, pageSize: s }),
          }}
        />
      )}
      {editing && (
        <UserModal
          user={editing === 'new' ? null : editing}
          self={editing !== 'new' && editing.id === me?.user.id}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}

interface FormValues {
  username: string;
  displayName: string;
  password?: string;
  roles: Role[];
  areaCode: string;
  departmentCode?: string | null;
  enterpriseId?: string | null;
  disabled?: boolean;
}

const FIELDS = [
  'username',
  'displayName',
  'password',
  'roles',
  'areaCode',
  'departmentCode',
  'enterpriseId',
  'disabled',
] as const;

/** Create (user = null) or edit. An edit sends only what changed: any role, scope or password change signs the user out. */
function UserModal({ user, self, onClose }: { user: User | null; self: boolean; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const [error, setError] = useState<string | null>(null);
  const roles = Form.useWatch('roles', form) ?? [];
  const departments = useQuery(departmentsQuery);
  const save = useMutation({
    mutationFn: async (v: FormValues) => {
      if (!user) {
        return unwrap(
          api.POST('/api/users', {
            body: {
              username: v.username.trim(),
              displayName: v.displayName.trim(),
              password: v.password ?? '',
              roles: v.roles,
              areaCode: v.areaCode,
              departmentCode: v.departmentCode ?? null,
              enterpriseId: v.roles.includes('enterprise_user') ? (v.enterpriseId ?? null) : null,
            },
          }),
        );
      }
      const body: {
        displayName?: string;
        roles?: Role[];
        areaCode?: string;
        departmentCode?: string | null;
        disabled?: boolean;
        password?: string;
      } = {};
      if (v.displayName.trim() !== user.displayName) body.displayName = v.displayName.trim();
      if ([...v.roles].sort().join() !== [...user.roles].sort().join()) body.roles = v.roles;
      if (v.areaCode !== user.areaCode) body.areaCode = v.areaCode;
      if ((v.departmentCode ?? null) !== user.departmentCode) body.departmentCode = v.departmentCode ?? null;
      if (!!v.disabled !== user.disabled) body.disabled = !!v.disabled;
      if (v.password) body.password = v.password;
      if (Object.keys(body).length === 0) return user;
      return unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body }));
    },
    onSuccess: (u) => {
      void qc.invalidateQueries({ queryKey: ['users'] });
      message.success(
        user
          ? t(`已保存 ${u.username}`, `Saved ${u.username}`)
          : t(`已创建用户 ${u.username}`, `Created ${u.username}`),
      );
      onClose();
    },
    onError: (e) => setError(applyServerErrors(form, e, lang, FIELDS)),
  });

  return (
    <Modal
      open
      title={user ? t(`编辑用户 ${user.username}`, `Edit ${user.username}`) : t('新建用户', 'New user')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={user ? t('保存', 'Save') : t('创建', 'Create')}
      cancelText={t('取消', 'Cancel')}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'user-save' } as Record<string, string>}
      destroyOnHidden
      width={560}
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      {self && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title={t(
            '这是您自己的账号：修改角色、区域或密码后需要重新登录。',
            'This is your own account: changing roles, scope or password signs you out.',
          )}
        />
      )}
      <Form<FormValues>
        form={form}
        layout="vertical"
        requiredMark
        disabled={save.isPending}
        onFinish={(v) => {
          setError(null);
          save.mutate(v);
        }}
        initialValues={
          user
            ? {
                username: user.username,
                displayName: user.displayName,
                roles: user.roles,
                areaCode: user.areaCode,
                // undefined, not null: a Select shows its placeholder only for undefined.
                departmentCode: user.departmentCode ?? undefined,
                disabled: user.disabled,
              }
            : { roles: [] }
        }
      >
        <Form.Item
          name="username"
          label={t('用户名', 'Username')}
          extra={
            user
              ? undefined
              : t(
                  '3–40 位小写字母、数字或 _ . -，创建后不可修改',
                  '3–40 of a–z 0–9 _ . -; cannot be changed later',
                )
          }
          rules={[
            { required: true, message: t('请输入用户名', 'Enter a username') },
            zodRule(Username, lang),
          ]}
        >
          <Input disabled={!!user} autoComplete="off" maxLength={40} data-testid="user-username" />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={t('姓名', 'Display name')}
          rules={[
            { required: true, whitespace: true, message: t('请输入姓名', 'Enter a name') },
            zodRule(DisplayName, lang),
          ]}
        >
          <Input maxLength={50} data-testid="user-displayname" />
        </Form.Item>
        <Form.Item
          name="password"
          label={
            user
              ? t('重置密码（留空则不修改）', 'Reset password (leave empty to keep)')
              : t('初始密码', 'Initial password')
          }
          extra={t('至少 10 位，须同时包含字母和数字', 'At least 10 characters, with letters and digits')}
          rules={[
            { required: !user, message: t('请输入密码', 'Enter a password') },
            zodRule(Password.optional(), lang),
          ]}
        >
          <Input.Password autoComplete="new-password" maxLength={200} data-testid="user-password" />
        </Form.Item>
        <Form.Item
          name="roles"
          label={t('角色', 'Roles')}
          rules={[
            {
              required: true,
              type: 'array',
              min: 1,
              message: t('至少选择一个角色', 'Choose at least one role'),
            },
          ]}
        >
          <Select<Role[]>
            mode="multiple"
            options={ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r][lang] }))}
            optionFilterProp="label"
            data-testid="user-roles"
          />
        </Form.Item>
        <Form.Item
          name="areaCode"
          label={t('管辖区域', 'Scope')}
          extra={t('用户只能看到该区域及其下级的数据', 'The user sees this area and everything below it')}
          rules={[{ required: true, message: t('请选择管辖区域', 'Choose an area') }]}
        >
          <AreaPicker allowClear={false} style={{ width: '100%' }} testId="user-area" />
        </Form.Item>
        <Form.Item
          name="departmentCode"
          label={t('部门', 'Department')}
          rules={[
            {
              // A clerk without a department can never be assigned anything: matters go to department + area.
              required: roles.includes('dept_clerk'),
              message: t('部门办事员须选择部门', 'A department clerk needs a department'),
            },
          ]}
        >
          <Select
            allowClear
            loading={departments.isLoading}
            options={(departments.data ?? []).map((d) => ({
              value: d.code,
              label: lang === 'zh' ? d.name : d.nameEn,
            }))}
            optionFilterProp="label"
            showSearch
            data-testid="user-department"
          />
        </Form.Item>
        {!user && roles.includes('enterprise_user') && (
          <Form.Item
            name="enterpriseId"
            label={t('所属企业', 'Enterprise')}
            rules={[
              { required: true, message: t('企业用户须关联企业', 'An enterprise user needs an enterprise') },
            ]}
          >
            <EnterprisePicker />
          </Form.Item>
        )}
        {user && (
          <Form.Item
            name="disabled"
            label={t('停用账号', 'Disable the account')}
            valuePropName="checked"
            extra={t('停用后该用户立即退出且无法登录', 'A disabled user is signed out and cannot sign in')}
          >
            <Switch disabled={self} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/** Picks an enterprise by name or credit code (server search within the admin's scope). */
function EnterprisePicker({
  value,
  onChange,
  id,
}: {
  value?: string | null;
  onChange?: (v: string | undefined) => void;
  id?: string;
}) {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  const found = useQuery({
    queryKey: ['subjects', 'enterprises', 'pick', q],
    queryFn: () =>
      unwrap(api.GET('/api/enterprises', { params: { query: { q: q || undefined, pageSize: 20 } } })),
  });
  return (
    <Select
      id={id}
      value={value ?? undefined}
      onChange={onChange}
      allowClear
      showSearch={{ filterOption: false, onSearch: setSearch, searchValue: search }}
      placeholder={t('输入企业名称或信用代码', 'Type a name or credit code')}
      loading={found.isFetching}
      options={(found.data?.items ?? []).map((e) => ({ value: e.id, label: `${e.name}（${e.uscc}）` }))}
    />
  );
}

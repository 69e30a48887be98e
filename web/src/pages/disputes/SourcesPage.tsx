import { DatabaseOutlined, EditOutlined, EyeOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Drawer,
  Flex,
  Input,
  Popconfirm,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { useAuth } from '../../auth';
import { Forbidden, PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { useDepartments } from '../matters/components/lookups';
import { type DisputeSource, useDisputeSources } from './components/lookups';
import { FormatTags, ProfileView } from './components/ProfileView';
import { TokensCard } from './components/TokensCard';
import { bilingual } from './components/text';

type PutBody = paths['/api/disputes/sources/{code}']['put']['requestBody']['content']['application/json'];
const SOURCES_KEY = ['disputes', 'sources'] as const;

/** Saves a source's profile or its enabled flag with the version that was read (409 when someone was first). */
function useSaveSource() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ code, body }: { code: string; body: PutBody }) =>
      unwrap(api.PUT('/api/disputes/sources/{code}', { params: { path: { code } }, body })),
    onSuccess: (saved) => {
      qc.setQueryData<DisputeSource[]>(SOURCES_KEY, (list) =>
        list?.map((s) => (s.code === saved.code ? saved : s)),
      );
    },
  });
}

/**
 * 数据来源: the 21 departments' feeds and the channels, each with its mapping profile — the file it sends,
 * its column names, date formats and category code table. A city administrator edits a profile as JSON
 * (checked by the server, its complaints listed by field), turns a source on or off, and manages the push
 * tokens of the department systems; everyone else with matter:read sees the profiles read-only.
 */
export default function SourcesPage() {
  const { t, name, lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const mobile = useIsMobile();
  const sources = useDisputeSources(can('matter:read'));
  const departments = useDepartments();
  const save = useSaveSource();
  const [open, setOpen] = useState<{ code: string; tab: 'view' | 'edit' } | null>(null);
  const admin = can('dispute:configure');

  if (!can('matter:read')) return <Forbidden />;
  const opened = open ? sources.byCode.get(open.code) : undefined;

  const toggle = (s: DisputeSource, enabled: boolean) =>
    save.mutate(
      { code: s.code, body: { enabled, version: s.version } },
      {
        onSuccess: () =>
          message.success(
            enabled
              ? t(`已启用“${s.name.zh}”`, `${s.name.en} enabled`)
              : t(`已停用“${s.name.zh}”`, `${s.name.en} disabled`),
          ),
        onError: (e) => {
          message.error(errorText(e, lang));
          void sources.refetch();
        },
      },
    );

  const columns: TableColumnsType<DisputeSource> = [
    {
      title: t('来源', 'Source'),
      dataIndex: 'name',
      render: (_: unknown, s) => (
        <Flex vertical gap={0}>
          <Space size={4}>
            <Typography.Text strong>{name(s.name)}</Typography.Text>
            {s.department === null && <Tag>{t('渠道', 'Channel')}</Tag>}
          </Space>
          <Typography.Text type="secondary" style={{ fontSize: 12, fontFamily: 'ui-monospace, monospace' }}>
            {s.code}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      title: t('部门', 'Department'),
      dataIndex: 'department',
      width: 150,
      render: (v: string | null) => {
        if (!v) return '—';
        const d = departments.byCode.get(v);
        return d ? (lang === 'zh' ? d.name : d.nameEn) : v;
      },
    },
    {
      title: t('文件', 'File'),
      key: 'format',
      width: 230,
      render: (_: unknown, s) => <FormatTags profile={s.profile} />,
    },
    {
      title: t('编号列', 'Record number'),
      key: 'label',
      width: 130,
      render: (_: unknown, s) => s.profile.recordLabel,
    },
    {
      title: t('代码表', 'Codes'),
      key: 'codes',
      width: 80,
      render: (_: unknown, s) => Object.keys(s.profile.categoryCodes).length || '—',
    },
    {
      title: t('启用', 'Enabled'),
      dataIndex: 'enabled',
      width: 90,
      render: (v: boolean, s) =>
        admin ? (
          v ? (
            <Popconfirm
              title={t('停用该来源？', 'Disable this source?')}
              description={t(
                '停用后不能再导入或推送该来源的数据。',
                'Its files can no longer be imported nor its records pushed.',
              )}
              okText={t('停用', 'Disable')}
              cancelText={t('取消', 'Cancel')}
              onConfirm={() => toggle(s, false)}
            >
              <Switch
                checked
                size="small"
                aria-label={t('停用', 'Disable')}
                data-testid={`enabled-${s.code}`}
              />
            </Popconfirm>
          ) : (
            <Switch
              checked={false}
              size="small"
              onChange={() => toggle(s, true)}
              aria-label={t('启用', 'Enable')}
              data-testid={`enabled-${s.code}`}
            />
          )
        ) : v ? (
          <Tag color="success">{t('启用', 'On')}</Tag>
        ) : (
          <Tag>{t('停用', 'Off')}</Tag>
        ),
    },
    {
      title: t('更新', 'Updated'),
      dataIndex: 'updatedAt',
      width: 140,
      render: (v: string, s) => <span title={`v${s.version}`}>{dayjs(v).format('YYYY-MM-DD HH:mm')}</span>,
    },
    {
      title: t('操作', 'Actions'),
      key: 'actions',
      width: admin ? 160 : 80,
      render: (_: unknown, s) => (
        <Space size={4}>
          <Button
            size="small"
            icon={<EyeOutlined />}
            onClick={() => setOpen({ code: s.code, tab: 'view' })}
            data-testid={`source-view-${s.code}`}
          >
            {t('查看', 'View')}
          </Button>
          {admin && (
            <Button
              size="small"
              icon={<EditOutlined />}
              onClick={() => setOpen({ code: s.code, tab: 'edit' })}
              data-testid={`source-edit-${s.code}`}
            >
              {t('编辑', 'Edit')}
            </Button>
          )}
        </Space>
      ),
    },
  ];

  return (
    <div style={{ minWidth: 0 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        <DatabaseOutlined /> {t('数据来源', 'Data sources')}
      </Typography.Title>
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        title={
          admin
            ? t(
                '每个来源的映射方案说明该部门文件的格式、列名、日期格式和类别代码表；修改后对之后的导入生效。',
                'Each source’s profile says how its files look: format, column names, date formats, category codes. A change applies to later imports.',
              )
            : t(
                '您可以查看各来源的映射方案，修改需市级管理员。',
                'You can read the profiles; a city administrator changes them.',
              )
        }
      />
      <Card size="small" title={t(`来源（${sources.items.length}）`, `Sources (${sources.items.length})`)}>
        <PageState loading={sources.isLoading} error={sources.error} onRetry={() => void sources.refetch()}>
          <Table<DisputeSource>
            rowKey="code"
            size="small"
            columns={columns}
            dataSource={sources.items}
            pagination={false}
            scroll={{ x: 1100 }}
            data-testid="sources-table"
          />
        </PageState>
      </Card>
      {admin && (
        <div style={{ marginTop: 16 }}>
          <TokensCard />
        </div>
      )}
      <Drawer
        open={!!opened}
        onClose={() => setOpen(null)}
        placement={mobile ? 'bottom' : 'right'}
        size={mobile ? '90%' : 760}
        title={opened ? name(opened.name) : ''}
        extra={opened ? <Tag>{opened.code}</Tag> : null}
        destroyOnHidden
        data-testid="source-drawer"
      >
        {opened && open && (
          <Tabs
            activeKey={open.tab}
            onChange={(k) => setOpen({ code: opened.code, tab: k as 'view' | 'edit' })}
            items={[
              {
                key: 'view',
                label: t('映射方案', 'Profile'),
                children: <ProfileView profile={opened.profile} />,
              },
              ...(admin
                ? [
                    {
                      key: 'edit',
                      label: t('编辑（JSON）', 'Edit (JSON)'),
                      children: <ProfileEditor key={`${opened.code}-${opened.version}`} source={opened} />,
                    },
                  ]
                : []),
            ]}
          />
        )}
      </Drawer>
    </div>
  );
}

/**
 * The profile as JSON text: checked as JSON here, then by the server's schema, whose complaints are listed
 * with the path they concern (columns.recordKey …). Saved with the version read: if another administrator
 * saved first, the editor says so and offers their version.
 */
function ProfileEditor({ source }: { source: DisputeSource }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const save = useSaveSource();
  const [text, setText] = useState(() => JSON.stringify(source.profile, null, 2));
  const [problems, setProblems] = useState<string[]>([]);
  const [stale, setStale] = useState(false);

  const submit = () => {
    setProblems([]);
    let profile: unknown;
    try {
      profile = JSON.parse(text);
    } catch (e) {
      setProblems([t(`JSON 格式错误：${(e as Error).message}`, `Not valid JSON: ${(e as Error).message}`)]);
      return;
    }
    if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
      setProblems([t('映射方案应为一个 JSON 对象 {…}', 'The profile must be a JSON object {…}')]);
      return;
    }
    save.mutate(
      { code: source.code, body: { profile: profile as PutBody['profile'], version: source.version } },
      {
        onSuccess: () => message.success(t('映射方案已保存', 'Profile saved')),
        onError: (e) => {
          if (e instanceof ApiError && e.status === 409) {
            setStale(true);
            return;
          }
          if (e instanceof ApiError && e.details.length) {
            setProblems(
              e.details.map((d) => {
                const path = (d.path ?? '').replace(/^body\.?/, '').replace(/^profile\.?/, '');
                return `${path || t('（整体）', '(whole)')}：${bilingual(d.message, lang)}`;
              }),
            );
            return;
          }
          setProblems([errorText(e, lang)]);
        },
      },
    );
  };

  return (
    <Flex vertical gap={12}>
      <Typography.Text type="secondary" style={{ fontSize: 13 }}>
        {t(
          '字段：recordLabel、format（csv/xlsx/jsonl）、encoding（utf8/gbk）、titleRows、columns（列名）、dateFormats（如 YYYY-MM-DD HH:mm:ss）、categoryCodes（对方代码 → 我方类别）、amountUnit（yuan/wan）。',
          'Fields: recordLabel, format (csv/xlsx/jsonl), encoding (utf8/gbk), titleRows, columns, dateFormats (e.g. YYYY-MM-DD HH:mm:ss), categoryCodes (their code → our category), amountUnit (yuan/wan).',
        )}
      </Typography.Text>
      <Input.TextArea
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setProblems([]);
        }}
        autoSize={{ minRows: 16, maxRows: 32 }}
        spellCheck={false}
        style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}
        aria-label={t('映射方案 JSON', 'Profile JSON')}
        data-testid="profile-json"
      />
      {problems.length > 0 && (
        <Alert
          type="error"
          showIcon
          title={t('映射方案有误，未保存', 'The profile has problems; not saved')}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 18 }}>
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          }
          data-testid="profile-errors"
        />
      )}
      {stale && (
        <Alert
          type="warning"
          showIcon
          title={t(
            '该方案已被他人修改，您的修改未保存。',
            'Someone else changed this profile; yours was not saved.',
          )}
          action={
            <Button
              size="small"
              onClick={() => {
                setStale(false);
                void qc.invalidateQueries({ queryKey: SOURCES_KEY });
              }}
            >
              {t('载入最新版本', 'Load theirs')}
            </Button>
          }
        />
      )}
      <Flex justify="flex-end" gap={8}>
        <Button onClick={() => setText(JSON.stringify(source.profile, null, 2))}>
          {t('还原', 'Revert')}
        </Button>
        <Button type="primary" onClick={submit} loading={save.isPending} data-testid="profile-save">
          {t('保存', 'Save')}
        </Button>
      </Flex>
    </Flex>
  );
}

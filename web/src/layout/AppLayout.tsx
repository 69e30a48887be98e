import { LogoutOutlined, TranslationOutlined } from '@ant-design/icons';
import { Button, Layout, Menu, Space, Tag, Tooltip, Typography } from 'antd';
import { Suspense } from 'react';
import { Link, Navigate, Outlet, useLocation } from 'react-router';
import { useAuth } from '../auth';
import { PageState } from '../components/PageState';
import { useIsMobile } from '../components/useIsMobile';
import { useI18n } from '../i18n';
import { RedAlertNotifier } from '../pages/alerts/RedAlertNotifier';
import { menuFor, mobileMenuFor } from './menu';

const ROLE_EN: Record<string, string> = {
  city_admin: 'City admin',
  commander: 'Command centre',
  county_center: 'County centre',
  town_center: 'Town centre',
  grid_worker: 'Grid worker',
  mediator: 'Mediator',
  dept_clerk: 'Department clerk',
  enterprise_user: 'Enterprise',
  auditor: 'Auditor',
};

/** The signed-in frame: menu by role, the user's scope and department always in view, phone bottom bar. */
export function AppLayout() {
  const { me, loading, signOut, can } = useAuth();
  const { t, lang, setLang } = useI18n();
  const location = useLocation();
  const mobile = useIsMobile();
  if (loading) return <PageState loading />;
  if (!me)
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  const roles = me.user.roles;
  const items = menuFor(roles);
  const here = location.pathname + location.search;
  const selected = items
    .filter((m) => (m.path === '/' ? location.pathname === '/' : here.startsWith(m.path)))
    .sort((a, b) => b.path.length - a.path.length)[0]?.key;
  const scopeName = me.scope.path.map((a) => a.name).join(' / ');
  const roleText = roles.map((r, i) => (lang === 'zh' ? me.user.roleNames[i] : (ROLE_EN[r] ?? r))).join('、');
  const header = (
    <Layout.Header
      style={{
        background: '#fff',
        padding: mobile ? '0 12px' : '0 20px',
        display: 'flex',
        alignItems: 'center',
        gap: 12,
        borderBottom: '1px solid #f0f0f0',
        height: 56,
        lineHeight: '56px',
      }}
    >
      <Link to="/" style={{ fontWeight: 700, fontSize: 18, whiteSpace: 'nowrap' }}>
        治理 <span style={{ fontWeight: 400, color: '#64748b', fontSize: 14 }}>Zhili</span>
      </Link>
      <div style={{ flex: 1, minWidth: 0, overflow: 'hidden' }} data-testid="scope">
        <Typography.Text ellipsis style={{ maxWidth: '100%' }}>
          <Tag color="blue">{roleText}</Tag>
          {!mobile && (
            <span title={me.scope.areaCode}>
              {t('管辖', 'Scope')}：{scopeName}
              {me.user.departmentCode ? ` · ${t('部门', 'Dept.')}：${me.user.departmentCode}` : ''}
            </span>
          )}
        </Typography.Text>
      </div>
      <Space size={mobile ? 4 : 8}>
        {!mobile && <Typography.Text>{me.user.displayName}</Typography.Text>}
        <Tooltip title={t('Switch to English', '切换到中文')}>
          <Button
            icon={<TranslationOutlined />}
            onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
            data-testid="lang-switch"
          >
            {lang === 'zh' ? 'EN' : '中文'}
          </Button>
        </Tooltip>
        <Tooltip title={t('退出登录', 'Sign out')}>
          <Button
            icon={<LogoutOutlined />}
            onClick={() => void signOut()}
            aria-label={t('退出登录', 'Sign out')}
          />
        </Tooltip>
      </Space>
    </Layout.Header>
  );
  const content = (
    <Layout.Content style={{ padding: mobile ? 12 : 20, paddingBottom: mobile ? 88 : 20, minWidth: 0 }}>
      {mobile && (
        <Typography.Text type="secondary" style={{ display: 'block', marginBottom: 8, fontSize: 12 }}>
          {t('管辖', 'Scope')}：{scopeName}
        </Typography.Text>
      )}
      {/* The command centre hears of red alerts wherever it is. Others see them on the board: every stream
          held open costs one of the browser's six connections to the server (HTTP/1.1). */}
      {roles.includes('commander') && can('matter:read') && <RedAlertNotifier />}
      <Suspense fallback={<PageState loading />}>
        <Outlet />
      </Suspense>
    </Layout.Content>
  );
  const bottom = mobileMenuFor(roles);
  const bar = bottom.length ? bottom : items.slice(0, 4);
  // One tree for both widths: the page (content) keeps its place whether the sider or the bottom bar is
  // shown, so crossing 768 px (a rotated tablet) does not remount it and lose what the user was doing.
  return (
    <Layout style={{ minHeight: '100vh' }}>
      {header}
      <Layout>
        {!mobile && (
          <Layout.Sider
            width={200}
            theme="light"
            breakpoint="lg"
            collapsedWidth={64}
            style={{ borderRight: '1px solid #f0f0f0' }}
          >
            <Menu
              mode="inline"
              selectedKeys={selected ? [selected] : []}
              items={items.map((m) => ({
                key: m.key,
                icon: m.icon,
                label: (
                  <Link to={m.path} data-testid={`menu-${m.key}`}>
                    {lang === 'zh' ? m.zh : m.en}
                  </Link>
                ),
              }))}
            />
          </Layout.Sider>
        )}
        {content}
      </Layout>
      {mobile && (
        <nav
          aria-label={t('主导航', 'Main navigation')}
          style={{
            position: 'fixed',
            bottom: 0,
            left: 0,
            right: 0,
            display: 'flex',
            background: '#fff',
            borderTop: '1px solid #e5e7eb',
            paddingBottom: 'env(safe-area-inset-bottom)',
            zIndex: 20,
          }}
        >
          {bar.map((m) => (
            <Link
              key={m.key}
              to={m.path}
              data-testid={`nav-${m.key}`}
              style={{
                flex: 1,
                minHeight: 64,
                display: 'flex',
                flexDirection: 'column',
                alignItems: 'center',
                justifyContent: 'center',
                fontSize: 13,
                color: selected === m.key ? '#1d4ed8' : '#334155',
              }}
            >
              <span style={{ fontSize: 22 }}>{m.icon}</span>
              {lang === 'zh' ? m.zh : m.en}
            </Link>
          ))}
        </nav>
      )}
    </Layout>
  );
}

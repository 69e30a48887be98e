import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { errorText } from '../api/client';
import { useAuth } from '../auth';
import { useI18n } from '../i18n';

/** Sign in. Says why the user is here when a session ran out, and never which of the two fields was wrong. */
export default function LoginPage() {
  const { me, signIn, reason } = useAuth();
  const { t, lang, setLang } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = params.get('next') ?? '/';
  if (me) return <Navigate to={next.startsWith('/') ? next : '/'} replace />;
  const onFinish = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(v.username.trim(), v.password);
      navigate(next.startsWith('/') && !next.startsWith('/login') ? next : '/', { replace: true });
    } catch (e) {
      setError(errorText(e, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'grid',
        placeItems: 'center',
        background: 'linear-gradient(160deg,#eff6ff,#f8fafc)',
        padding: 16,
      }}
    >
      <Card style={{ width: '100%', maxWidth: 380 }}>
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <div>
            <Typography.Title level={3} style={{ margin: 0 }}>
              治理 Zhili
            </Typography.Title>
            <Typography.Text type="secondary">
              {t('平安建设 · 法治建设 数字化平台', 'Safety and rule of law, one platform')}
            </Typography.Text>
          </div>
          {reason === 'SESSION_EXPIRED' && (
            <Alert
              type="warning"
              showIcon
              data-testid="session-expired"
              message={t('登录已过期，请重新登录。', 'Your session has expired. Please sign in again.')}
            />
          )}
          {error && <Alert type="error" showIcon message={error} data-testid="login-error" />}
          <Form layout="vertical" onFinish={onFinish} requiredMark={false} disabled={busy}>
            <Form.Item
              name="username"
              label={t('用户名', 'Username')}
              rules={[{ required: true, message: t('请输入用户名', 'Enter your username') }, { max: 40 }]}
            >
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus size="large" />
            </Form.Item>
            <Form.Item
              name="password"
              label={t('密码', 'Password')}
              rules={[{ required: true, message: t('请输入密码', 'Enter your password') }, { max: 200 }]}
            >
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" size="large" />
            </Form.Item>
            <Button
              type="primary"
              htmlType="submit"
              block
              size="large"
              loading={busy}
              data-testid="login-submit"
            >
              {t('登录', 'Sign in')}
            </Button>
          </Form>
          <Button type="link" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')} style={{ padding: 0 }}>
            {lang === 'zh' ? 'English' : '中文'}
          </Button>
        </Space>
      </Card>
    </div>
  );
}

import { useQuery } from '@tanstack/react-query';
import { Badge, Card, Col, List, Row, Statistic, Typography } from 'antd';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { PageState } from '../components/PageState';
import { useI18n } from '../i18n';

/** The start page: the counts that matter to this user and their latest notices. */
export default function HomePage() {
  const { me, can } = useAuth();
  const { t } = useI18n();
  const canMatters = can('matter:read');
  const counts = useQuery({
    queryKey: ['matters', 'counts', 'home'],
    queryFn: () => unwrap(api.GET('/api/matters/counts', { params: { query: { closed: 'false' } } })),
    enabled: canMatters,
  });
  const todo = useQuery({
    queryKey: ['matters', 'counts', 'todo'],
    queryFn: () =>
      unwrap(api.GET('/api/matters/counts', { params: { query: { closed: 'false', assignee: 'my_unit' } } })),
    enabled: canMatters && !!me?.user.departmentCode,
  });
  const notes = useQuery({
    queryKey: ['notifications'],
    queryFn: () => unwrap(api.GET('/api/notifications', { params: { query: { limit: 8 } } })),
    enabled: canMatters,
  });
  const by = counts.data?.byDeadlineState ?? {};
  return (
    <div>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('工作台', 'Home')} · {me?.user.displayName}
      </Typography.Title>
      {canMatters ? (
        <PageState loading={counts.isLoading} error={counts.error} onRetry={() => void counts.refetch()}>
          <Row gutter={[12, 12]}>
            <Col xs={12} md={6}>
              <Card>
                <Link to="/matters?closed=false">
                  <Statistic title={t('办理中事项', 'Open matters')} value={counts.data?.total ?? 0} />
                </Link>
              </Card>
            </Col>
            <Col xs={12} md={6}>
              <Card>
                <Link to="/matters?deadlineState=warning">
                  <Statistic
                    title={t('临期', 'Due soon')}
                    value={by.warning ?? 0}
                    valueStyle={{ color: '#d97706' }}
                  />
                </Link>
              </Card>
            </Col>
            <Col xs={12} md={6}>
              <Card>
                <Link to="/matters?deadlineState=overdue">
                  <Statistic
                    title={t('超期', 'Overdue')}
                    value={by.overdue ?? 0}
                    valueStyle={{ color: '#dc2626' }}
                  />
                </Link>
              </Card>
            </Col>
            <Col xs={12} md={6}>
              <Card>
                <Link to="/matters?view=todo">
                  <Statistic title={t('本单位待办', 'For my unit')} value={todo.data?.total ?? 0} />
                </Link>
              </Card>
            </Col>
          </Row>
          <Card title={t('最新通知', 'Latest notices')} style={{ marginTop: 12 }}>
            <PageState
              loading={notes.isLoading}
              error={notes.error}
              empty={(notes.data?.items.length ?? 0) === 0}
              emptyText={t('暂无通知', 'No notices')}
            >
              <List
                dataSource={notes.data?.items ?? []}
                renderItem={(n) => (
                  <List.Item>
                    <Badge status={n.readAt ? 'default' : 'processing'} />
                    {n.matterId ? <Link to={`/matters/${n.matterId}`}>{n.message}</Link> : n.message}
                    <Typography.Text type="secondary" style={{ marginLeft: 'auto', fontSize: 12 }}>
                      {new Date(n.createdAt).toLocaleString()}
                    </Typography.Text>
                  </List.Item>
                )}
              />
            </PageState>
          </Card>
        </PageState>
      ) : (
        <Card>
          <Typography.Paragraph>
            {me?.user.roles.includes('auditor') ? (
              <Link to="/admin/audit">{t('查看审计日志', 'Open the audit log')}</Link>
            ) : (
              t('欢迎使用治理平台。', 'Welcome to Zhili.')
            )}
          </Typography.Paragraph>
        </Card>
      )}
    </div>
  );
}

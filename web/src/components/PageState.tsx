import { Button, Empty, Result, Skeleton } from 'antd';
import type { ReactNode } from 'react';
import { ApiError, errorText } from '../api/client';
import { useI18n } from '../i18n';

/**
 * The three states every page has besides its content: loading, error (with the server's message and
 * request id, and a retry), and empty. A 403/404 from the API becomes a clear 无权限/不存在 page.
 */
export function PageState({
  loading,
  error,
  empty,
  emptyText,
  onRetry,
  children,
}: {
  loading?: boolean;
  error?: unknown;
  empty?: boolean;
  emptyText?: string;
  onRetry?: () => void;
  children?: ReactNode;
}) {
  const { t, lang } = useI18n();
  if (loading) return <Skeleton active paragraph={{ rows: 6 }} data-testid="loading" />;
  if (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
      return <Forbidden notFound={error.status === 404} />;
    }
    return (
      <Result
        status="error"
        title={t('加载失败', 'Could not load')}
        subTitle={`${errorText(error, lang)}${error instanceof ApiError && error.requestId ? ` (${error.requestId})` : ''}`}
        extra={onRetry ? <Button onClick={onRetry}>{t('重试', 'Retry')}</Button> : null}
      />
    );
  }
  if (empty) return <Empty description={emptyText ?? t('暂无数据', 'Nothing here yet')} />;
  return <>{children}</>;
}

/** What a user sees for a record outside their scope: the API answers 404 for those, on purpose. */
export function Forbidden({ notFound }: { notFound?: boolean }) {
  const { t } = useI18n();
  return (
    <Result
      status="403"
      data-testid="forbidden"
      title={t('无权限或不存在', 'No access, or it does not exist')}
      subTitle={
        notFound
          ? t('该记录不存在，或不在您的管辖范围内。', 'This record does not exist or is outside your area.')
          : t('您没有执行此操作的权限。', 'You are not allowed to do this.')
      }
      extra={
        <Button type="primary" href="/">
          {t('返回首页', 'Back to the start page')}
        </Button>
      }
    />
  );
}

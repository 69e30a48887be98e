import {
  FileExcelOutlined,
  FilterOutlined,
  LeftOutlined,
  ReloadOutlined,
  RightOutlined,
} from '@ant-design/icons';
import { Badge, Button, Card, Drawer, Flex, Space, Typography } from 'antd';
import { type ReactNode, useState } from 'react';
import { useI18n } from '../i18n';

/**
 * The frame every keyset-paged list shares (事项队列, 纠纷库): the cursor stack behind 上一页/下一页, the filter
 * bar (a search box and a filter button on a phone, a card of controls on a desktop) and the phone's filter
 * drawer. The pages keep their own filters, columns and cards.
 */

/** A stack of cursors, reset when the filters (`key`) change: page 1000 costs what page 1 costs. */
export function useKeysetPaging(key: string) {
  const [paging, setPaging] = useState<{ key: string; stack: string[] }>({ key, stack: [] });
  const stack = paging.key === key ? paging.stack : [];
  return {
    stack,
    cursor: stack.at(-1),
    back: () => setPaging({ key, stack: stack.slice(0, -1) }),
    forward: (next: string) => setPaging({ key, stack: [...stack, next] }),
  };
}

export function KeysetPager({
  paging,
  nextCursor,
  size,
  pages,
}: {
  paging: ReturnType<typeof useKeysetPaging>;
  nextCursor: string | null | undefined;
  size?: 'large' | 'middle';
  /** The number of pages, when the total is known. */
  pages?: number | undefined;
}) {
  const { t } = useI18n();
  const n = paging.stack.length + 1;
  return (
    <Flex justify="center" align="center" gap={12} wrap style={{ marginTop: 16 }}>
      <Button
        icon={<LeftOutlined />}
        size={size}
        disabled={paging.stack.length === 0}
        onClick={paging.back}
        data-testid="page-prev"
      >
        {t('上一页', 'Previous')}
      </Button>
      <Typography.Text type="secondary">
        {t(`第 ${n} 页`, `Page ${n}`)}
        {pages !== undefined ? t(` / 共 ${Math.max(1, pages)} 页`, ` of ${Math.max(1, pages)}`) : ''}
      </Typography.Text>
      <Button
        size={size}
        disabled={!nextCursor}
        onClick={() => nextCursor && paging.forward(nextCursor)}
        data-testid="page-next"
      >
        {t('下一页', 'Next')} <RightOutlined />
      </Button>
    </Flex>
  );
}

export function FilterBar({
  mobile,
  search,
  controls,
  activeFilters,
  onOpenDrawer,
  onReset,
}: {
  mobile: boolean;
  search: ReactNode;
  controls: ReactNode;
  activeFilters: number;
  onOpenDrawer: () => void;
  onReset: () => void;
}) {
  const { t } = useI18n();
  if (mobile) {
    return (
      <Flex gap={8} style={{ marginBottom: 8 }}>
        <div style={{ flex: 1, minWidth: 0 }}>{search}</div>
        <Badge count={activeFilters} size="small">
          <Button
            size="large"
            icon={<FilterOutlined />}
            onClick={onOpenDrawer}
            aria-label={t('筛选', 'Filters')}
            data-testid="open-filters"
          />
        </Badge>
      </Flex>
    );
  }
  return (
    <Card size="small" style={{ marginBottom: 12 }}>
      <Flex wrap gap={12} align="flex-end">
        <div style={{ display: 'flex', flexDirection: 'column', gap: 4 }}>
          <label htmlFor="f-q" style={{ fontSize: 12, color: 'rgba(0,0,0,0.55)' }}>
            {t('关键词', 'Keywords')}
          </label>
          {search}
        </div>
        {controls}
        <Button icon={<ReloadOutlined />} onClick={onReset} data-testid="filters-reset">
          {t('重置', 'Reset')}
        </Button>
      </Flex>
    </Card>
  );
}

export function FilterDrawer({
  open,
  onClose,
  title,
  exportHref,
  onReset,
  resultCount,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  exportHref: string;
  onReset: () => void;
  resultCount?: number | undefined;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <Drawer
      open={open}
      onClose={onClose}
      placement="bottom"
      size="85%"
      title={title}
      extra={
        <Space>
          <Button
            href={exportHref}
            icon={<FileExcelOutlined />}
            aria-label={t('导出 Excel', 'Export to Excel')}
          />
          <Button onClick={onReset} icon={<ReloadOutlined />}>
            {t('重置', 'Reset')}
          </Button>
        </Space>
      }
      footer={
        <Button type="primary" block size="large" onClick={onClose}>
          {t('查看结果', 'Show results')}
          {resultCount !== undefined ? ` (${resultCount})` : ''}
        </Button>
      }
    >
      <Flex vertical gap={14}>
        {children}
      </Flex>
    </Drawer>
  );
}

import type { ReactNode } from 'react';

/**
 * A plain list of rows — content on the left, buttons on the right — for the few items of a matter (its
 * parties, its files). antd's List is deprecated in antd 6 and Listy is a virtual list for long ones.
 */
export function RowList<T>({
  items,
  rowKey,
  render,
  actions,
  testId,
}: {
  items: T[];
  rowKey: (item: T) => string;
  render: (item: T) => ReactNode;
  actions?: (item: T) => ReactNode;
  testId?: string;
}) {
  return (
    <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {items.map((item, i) => (
        <li
          key={rowKey(item)}
          data-testid={testId}
          style={{
            display: 'flex',
            alignItems: 'center',
            gap: 12,
            padding: '10px 0',
            borderTop: i === 0 ? undefined : '1px solid #f0f0f0',
          }}
        >
          <div style={{ flex: 1, minWidth: 0 }}>{render(item)}</div>
          {actions && <div style={{ display: 'flex', gap: 8, flexShrink: 0 }}>{actions(item)}</div>}
        </li>
      ))}
    </ul>
  );
}

import { UserOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Tag } from 'antd';
import { api, unwrap } from '../../../api/client';
import { useAuth } from '../../../auth';
import { useI18n } from '../../../i18n';

/**
 * The `subject=person:123` filter (the analysis page's 重复当事人 links here) as a closable tag with the
 * person's or organisation's name, when the user may read subjects; otherwise its number.
 */
export function SubjectFilterTag({ subject, onClose }: { subject: string; onClose: () => void }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [kind, id = ''] = subject.split(':') as ['person' | 'enterprise', string];
  const mayRead = can('subject:read');
  const person = useQuery({
    queryKey: ['person', id],
    queryFn: () => unwrap(api.GET('/api/persons/{id}', { params: { path: { id } } })),
    enabled: mayRead && kind === 'person',
    retry: false,
    staleTime: 5 * 60_000,
  });
  const enterprise = useQuery({
    queryKey: ['enterprise', id],
    queryFn: () => unwrap(api.GET('/api/enterprises/{id}', { params: { path: { id } } })),
    enabled: mayRead && kind === 'enterprise',
    retry: false,
    staleTime: 5 * 60_000,
  });
  const who = (kind === 'person' ? person.data?.name : enterprise.data?.name) ?? `#${id}`;
  return (
    <Tag
      icon={<UserOutlined />}
      color="geekblue"
      closable
      onClose={(e) => {
        e.preventDefault();
        onClose();
      }}
      data-testid="filter-subject"
      style={{ fontSize: 13, padding: '2px 8px' }}
    >
      {kind === 'person'
        ? t(`涉及当事人：${who}`, `Involving: ${who}`)
        : t(`涉及单位：${who}`, `Involving organisation: ${who}`)}
    </Tag>
  );
}

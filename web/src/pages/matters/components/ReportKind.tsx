import { Segmented } from 'antd';
import { useNavigate } from 'react-router';
import { useI18n } from '../../../i18n';

const KINDS = [
  { value: '/matters/new', zh: '事件', en: 'Event or dispute' },
  { value: '/hazards/new', zh: '安全隐患', en: 'Safety hazard' },
] as const;

/**
 * 上报什么: the phone's one 上报 button leads to the event form; this switch above both report forms goes to
 * the hazard form and back (a grid worker's bottom bar has no room for a second report button).
 */
export function ReportKind({ current }: { current: (typeof KINDS)[number]['value'] }) {
  const { name } = useI18n();
  const navigate = useNavigate();
  return (
    <Segmented
      block
      value={current}
      onChange={(v) => navigate(v, { replace: true })}
      options={KINDS.map((k) => ({ value: k.value, label: name(k) }))}
      style={{ marginBottom: 12 }}
      data-testid="report-kind"
    />
  );
}

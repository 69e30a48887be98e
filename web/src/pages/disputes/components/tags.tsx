import { Tag, Tooltip } from 'antd';
import type { Schemas } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { useDisputeMeta, useDisputeSources } from './lookups';

type Item = Schemas['DisputeItem'];
type Risk = Item['riskLevel'];

const RISK_COLOR: Record<Risk, string> = { high: 'red', medium: 'orange', low: 'green' };

/** 风险 高/中/低 as a coloured tag. */
export function RiskTag({ risk }: { risk: Risk }) {
  const { t, name } = useI18n();
  const { riskName } = useDisputeMeta();
  const n = riskName(risk);
  return (
    <Tag color={RISK_COLOR[risk]} data-testid="risk" data-risk={risk}>
      {t('风险', 'Risk')} {n ? name(n) : risk}
    </Tag>
  );
}

/** A dispute's state, named by the list itself: closed states settle, open ones are in progress. */
export function DisputeStatusTag({ item }: { item: Pick<Item, 'status' | 'statusName' | 'closed'> }) {
  const { name } = useI18n();
  const color = item.closed
    ? item.status === 'closed'
      ? 'success'
      : 'default'
    : item.status === 'resolved' || item.status === 'revisited'
      ? 'success'
      : 'processing';
  return (
    <Tag color={color} data-testid="dispute-status">
      {name(item.statusName)}
    </Tag>
  );
}

/** How many departments reported it, their names in a tooltip. */
export function SourcesTag({ sources }: { sources: string[] }) {
  const { t, name } = useI18n();
  const { sourceName } = useDisputeSources();
  const names = sources.map((s) => name(sourceName(s)));
  const tag = (
    <Tag
      color={sources.length > 1 ? 'purple' : 'default'}
      data-testid="sources-count"
      data-count={sources.length}
      aria-label={names.join('、')}
    >
      {t(`${sources.length} 个来源`, `${sources.length} source${sources.length === 1 ? '' : 's'}`)}
    </Tag>
  );
  return names.length ? <Tooltip title={names.join(t('、', ', '))}>{tag}</Tooltip> : tag;
}

/** 群体性: five or more people. */
export function MassTag() {
  const { t } = useI18n();
  return (
    <Tag color="volcano" data-testid="mass">
      {t('群体性', 'Mass')}
    </Tag>
  );
}

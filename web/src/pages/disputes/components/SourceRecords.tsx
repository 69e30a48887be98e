import { ApiOutlined, FileTextOutlined, GlobalOutlined, TeamOutlined } from '@ant-design/icons';
import { Card, Descriptions, Empty, Flex, Progress, Space, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';
import type { paths } from '../../../api/schema';
import { useIsMobile } from '../../../components/useIsMobile';
import { useI18n } from '../../../i18n';
import { useDepartments } from '../../matters/components/lookups';
import { useDisputeMeta, useDisputeSources } from './lookups';
import { AREA_FROM_NAMES, CHANNEL_NAMES, CLASSIFICATION_NAMES, KIND_NAMES } from './names';

export type SourceRecord =
  paths['/api/disputes/{id}/records']['get']['responses'][200]['content']['application/json']['items'][number];

interface Classification {
  method?: string;
  confidence?: number;
  words?: string[];
}

/** The record's `data` fields this page shows; anything else the pipeline adds is left alone. */
function dataOf(r: SourceRecord) {
  const d = r.data;
  const c = d.classification;
  const classification: Classification | null =
    c && typeof c === 'object'
      ? {
          ...(typeof (c as Classification).method === 'string'
            ? { method: (c as Classification).method }
            : {}),
          ...(typeof (c as Classification).confidence === 'number'
            ? { confidence: (c as Classification).confidence }
            : {}),
          ...(Array.isArray((c as Classification).words)
            ? { words: ((c as Classification).words ?? []).filter((w) => typeof w === 'string') }
            : {}),
        }
      : null;
  return {
    classification,
    mergedSimilarity: typeof d.mergedSimilarity === 'number' ? d.mergedSimilarity : null,
    areaFrom: typeof d.areaFrom === 'string' ? d.areaFrom : null,
    areaMatched: Array.isArray(d.areaMatched) ? d.areaMatched.filter((x) => typeof x === 'string') : [],
    amount: typeof d.amount === 'number' ? d.amount : null,
    peopleInvolved: typeof d.peopleInvolved === 'number' ? d.peopleInvolved : null,
  };
}

const CHANNEL_ICON: Record<string, ReactNode> = {
  file: <FileTextOutlined />,
  push: <ApiOutlined />,
  open311: <GlobalOutlined />,
  web: <TeamOutlined />,
};

/**
 * 来源记录: what each department said about this dispute, side by side — columns in a row on a desktop
 * (scrolling sideways when there are many), stacked on a phone. Each shows where it came from, their
 * record number, when they say it happened and when we received it, their category against ours and how
 * ours was decided (their code table, or the classifier with its confidence and deciding words), their
 * text, address and (masked) parties.
 */
export function SourceRecords({ records }: { records: SourceRecord[] }) {
  const { t } = useI18n();
  const mobile = useIsMobile();
  const n = new Set(records.map((r) => r.source)).size;
  return (
    <Card
      size="small"
      title={
        <Space size={8} wrap>
          <span>{t('来源记录', 'Source records')}</span>
          {n > 1 && (
            <Tag color="purple" data-testid="multi-source">
              {t(`${n} 个部门上报`, `reported by ${n} sources`)}
            </Tag>
          )}
        </Space>
      }
      data-testid="source-records"
    >
      {records.length === 0 ? (
        <Empty description={t('没有来源记录', 'No source record')} />
      ) : (
        <div
          style={
            mobile
              ? { display: 'flex', flexDirection: 'column', gap: 12 }
              : { display: 'flex', gap: 12, overflowX: 'auto', paddingBottom: 4, alignItems: 'stretch' }
          }
        >
          {records.map((r) => (
            <div key={r.id} style={mobile ? undefined : { flex: '1 0 320px', maxWidth: 560, minWidth: 0 }}>
              <RecordCard record={r} />
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}

function RecordCard({ record: r }: { record: SourceRecord }) {
  const { t, name, lang } = useI18n();
  const meta = useDisputeMeta();
  const sources = useDisputeSources();
  const departments = useDepartments();
  const d = dataOf(r);
  const source = sources.byCode.get(r.source);
  const dept = r.department ? departments.byCode.get(r.department) : undefined;
  const ours = meta.categoryName(r.category);
  // Their code as they wrote it; a channel that uses our own categories (the web form) is named by them.
  const theirs = r.sourceCategory;
  const theirsOurs = meta.categoryName(theirs);
  const method = d.classification?.method;
  const methodText =
    method === 'code_table' && theirsOurs
      ? t('按我方类别填报', 'Given in our own categories')
      : name(CLASSIFICATION_NAMES[method ?? '']) || method;
  const time = (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm');
  const delay = dayjs(r.receivedAt).diff(dayjs(r.reportedAt), 'hour');

  const items: { key: string; label: string; children: ReactNode }[] = [
    {
      key: 'key',
      label: source?.profile.recordLabel ?? t('记录编号', 'Record number'),
      children: (
        <Typography.Text copyable style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>
          {r.recordKey}
        </Typography.Text>
      ),
    },
    {
      key: 'reported',
      label: t('上报时间', 'Reported at'),
      children: <span data-testid="record-reported">{time(r.reportedAt)}</span>,
    },
    {
      key: 'received',
      label: t('接收时间', 'Received at'),
      children: (
        <span>
          {time(r.receivedAt)}
          {delay >= 24 && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t(` （晚 ${Math.floor(delay / 24)} 天）`, ` (${Math.floor(delay / 24)} d later)`)}
            </Typography.Text>
          )}
        </span>
      ),
    },
    {
      key: 'category',
      label: t('类别', 'Category'),
      children: (
        <Flex vertical gap={4} data-testid="record-category">
          <span>
            <Typography.Text type="secondary">{t('对方：', 'Theirs: ')}</Typography.Text>
            {theirsOurs ? name(theirsOurs) : (theirs ?? t('（未填）', '(none)'))}
            <Typography.Text type="secondary"> → </Typography.Text>
            <Tag color="blue" style={{ marginInlineEnd: 0 }}>
              {ours ? name(ours) : r.category}
            </Tag>
          </span>
          {method && (
            <span style={{ fontSize: 12 }} data-testid="record-classification" data-method={method}>
              <Typography.Text type="secondary">{methodText}</Typography.Text>
              {method === 'classifier' && typeof d.classification?.confidence === 'number' && (
                <Tooltip title={t('分类器的置信度', 'The classifier’s confidence')}>
                  <Progress
                    percent={Math.round(d.classification.confidence * 100)}
                    size="small"
                    style={{ width: 140, margin: '0 0 0 8px', display: 'inline-flex' }}
                    status={d.classification.confidence < 0.5 ? 'exception' : 'normal'}
                  />
                </Tooltip>
              )}
            </span>
          )}
          {method === 'classifier' && (d.classification?.words?.length ?? 0) > 0 && (
            <Space size={[4, 4]} wrap>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('判定依据：', 'Deciding words:')}
              </Typography.Text>
              {d.classification?.words?.map((w) => (
                <Tag key={w} color="geekblue" data-testid="record-word">
                  {w}
                </Tag>
              ))}
            </Space>
          )}
        </Flex>
      ),
    },
    ...(r.address
      ? [
          {
            key: 'address',
            label: t('地址', 'Address'),
            children: (
              <span>
                {r.address}
                {d.areaFrom && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {' '}
                    {t(
                      `（按${name(AREA_FROM_NAMES[d.areaFrom]) || d.areaFrom}定位${d.areaMatched.length ? `：${d.areaMatched.join(' / ')}` : ''}）`,
                      ` (located by ${name(AREA_FROM_NAMES[d.areaFrom]) || d.areaFrom}${d.areaMatched.length ? `: ${d.areaMatched.join(' / ')}` : ''})`,
                    )}
                  </Typography.Text>
                )}
              </span>
            ),
          },
        ]
      : []),
    ...(d.amount !== null
      ? [
          {
            key: 'amount',
            label: t('争议金额', 'Amount'),
            children: `${d.amount.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en')} ${t('元', 'CNY')}`,
          },
        ]
      : []),
    ...(r.parties.length
      ? [
          {
            key: 'parties',
            label: t('当事人', 'Parties'),
            children: (
              <Space size={[4, 4]} wrap data-testid="record-parties">
                {r.parties.map((p, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a record's parties never change order; masked names repeat
                  <Tag key={`${p.name}-${i}`}>
                    {name(meta.roleName(p.role)) || p.role} · {p.name}
                    {p.kind === 'enterprise' ? ` (${name(KIND_NAMES.enterprise)})` : ''}
                  </Tag>
                ))}
              </Space>
            ),
          },
        ]
      : []),
    ...(r.channel === 'file' && r.rowNo !== null
      ? [
          {
            key: 'row',
            label: t('文件行号', 'File row'),
            children: t(`第 ${r.rowNo} 行`, `row ${r.rowNo}`),
          },
        ]
      : []),
    ...(d.mergedSimilarity !== null
      ? [
          {
            key: 'merged',
            label: t('合并依据', 'Merged because'),
            children: t(
              `与已有纠纷的当事人、类别相同，文本相似度 ${Math.round(d.mergedSimilarity * 100)}%`,
              `Same party and category as the existing dispute; texts ${Math.round(d.mergedSimilarity * 100)}% alike`,
            ),
          },
        ]
      : []),
  ];

  return (
    <Card
      size="small"
      type="inner"
      style={{ height: '100%' }}
      title={
        <Flex vertical gap={2} style={{ padding: '6px 0', whiteSpace: 'normal' }}>
          <Typography.Text strong data-testid="record-source">
            {name(r.sourceName)}
          </Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12, fontWeight: 400 }}>
            {dept ? (lang === 'zh' ? dept.name : dept.nameEn) : (r.department ?? t('非部门渠道', 'Channel'))}
          </Typography.Text>
        </Flex>
      }
      extra={
        <Tag icon={CHANNEL_ICON[r.channel]} data-testid="record-channel">
          {name(CHANNEL_NAMES[r.channel]) || r.channel}
        </Tag>
      }
      data-testid="source-record"
      data-source={r.source}
    >
      <Typography.Text strong style={{ display: 'block', marginBottom: 4 }} data-testid="record-title">
        {r.title}
      </Typography.Text>
      <Typography.Paragraph
        style={{ whiteSpace: 'pre-wrap', marginBottom: 10 }}
        type={r.description ? undefined : 'secondary'}
        ellipsis={{ rows: 6, expandable: 'collapsible' }}
      >
        {r.description || t('（无内容）', '(no text)')}
      </Typography.Paragraph>
      <Descriptions size="small" column={1} items={items} />
    </Card>
  );
}

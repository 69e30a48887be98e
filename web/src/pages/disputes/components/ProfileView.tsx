import { Descriptions, Flex, Table, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useI18n } from '../../../i18n';
import type { DisputeSource } from './lookups';
import { useDisputeMeta } from './lookups';
import { ENCODING_NAMES, FIELD_NAMES, FORMAT_NAMES, KIND_NAMES, REQUIRED_FIELDS } from './names';

type Profile = DisputeSource['profile'];

/** The file a source's profile expects, in one line: 「CSV · GBK」, 「Excel · 表头前 2 行标题」. */
export function FormatTags({ profile }: { profile: Profile }) {
  const { t, name } = useI18n();
  return (
    <Flex gap={4} wrap>
      <Tag color="blue">{name(FORMAT_NAMES[profile.format]) || profile.format}</Tag>
      {profile.format !== 'xlsx' && (
        <Tag color={profile.encoding === 'gbk' ? 'orange' : 'default'}>
          {name(ENCODING_NAMES[profile.encoding]) || profile.encoding}
        </Tag>
      )}
      {profile.titleRows > 0 && (
        <Tag>
          {t(`表头上方 ${profile.titleRows} 行标题`, `${profile.titleRows} title row(s) above the header`)}
        </Tag>
      )}
    </Flex>
  );
}

/** The column names a file of this source must (and may) have, in the department's own words. */
export function columnsOf(profile: Profile): { field: string; column: string; required: boolean }[] {
  const c = profile.columns;
  const out: { field: string; column: string; required: boolean }[] = [];
  for (const f of Object.keys(FIELD_NAMES)) {
    const column = c[f as keyof typeof c];
    if (typeof column === 'string')
      out.push({ field: f, column, required: (REQUIRED_FIELDS as readonly string[]).includes(f) });
  }
  return out;
}

/**
 * A source's mapping profile as a person reads it: the file it expects, its columns (required ones
 * marked), the parties' columns, date formats and — unless `compact` — the category code table.
 */
export function ProfileView({ profile, compact }: { profile: Profile; compact?: boolean }) {
  const { t, name } = useI18n();
  const meta = useDisputeMeta();
  const columns = columnsOf(profile);
  const partyColumns = profile.columns.parties.map((p) =>
    [p.name, p.idNumber, p.phone, p.uscc].filter((x): x is string => !!x),
  );
  const codes = Object.entries(profile.categoryCodes);

  const items: { key: string; label: string; children: ReactNode }[] = [
    // The import page shows the file's format in its own heading.
    ...(compact
      ? []
      : [{ key: 'format', label: t('文件格式', 'File'), children: <FormatTags profile={profile} /> }]),
    {
      key: 'columns',
      label: t('列名', 'Columns'),
      children: (
        <Flex gap={4} wrap data-testid="profile-columns">
          {columns.map((c) => (
            <Tag
              key={c.field}
              color={c.required ? 'red' : undefined}
              title={`${name(FIELD_NAMES[c.field])}${c.required ? t('（必需）', ' (required)') : ''}`}
            >
              {c.column}
              {c.required ? ' *' : ''}
            </Tag>
          ))}
          {partyColumns.flat().map((c) => (
            <Tag key={`party-${c}`}>{c}</Tag>
          ))}
        </Flex>
      ),
    },
    {
      key: 'dates',
      label: t('日期格式', 'Date formats'),
      children: (
        <Flex gap={4} wrap>
          {profile.dateFormats.map((f) => (
            <Tag key={f} style={{ fontFamily: 'ui-monospace, monospace' }}>
              {f}
            </Tag>
          ))}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('（Excel 日期单元格均可识别）', '(Excel date cells always work)')}
          </Typography.Text>
        </Flex>
      ),
    },
  ];
  if (!compact) {
    items.push(
      { key: 'label', label: t('编号名称', 'Record number'), children: profile.recordLabel },
      {
        key: 'amount',
        label: t('金额单位', 'Amount unit'),
        children: profile.amountUnit === 'wan' ? t('万元', '10,000 CNY') : t('元', 'CNY'),
      },
      {
        key: 'parties',
        label: t('当事人列', 'Party columns'),
        children: profile.columns.parties.length ? (
          <Flex vertical gap={4}>
            {profile.columns.parties.map((p, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a profile's party columns are a fixed list
              <span key={`${p.role}-${i}`}>
                <Tag>{name(meta.roleName(p.role)) || p.role}</Tag>
                <Typography.Text type="secondary">{name(KIND_NAMES[p.kind])}：</Typography.Text>
                {partyColumns[i]?.join('、')}
              </span>
            ))}
          </Flex>
        ) : (
          '—'
        ),
      },
    );
  }

  return (
    <Flex vertical gap={12}>
      <Descriptions
        size="small"
        column={1}
        items={items}
        styles={{ label: { width: compact ? 90 : 110 } }}
        data-testid="profile"
      />
      {!compact && (
        <div>
          <Typography.Text strong>{t('类别代码表', 'Category code table')}</Typography.Text>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: '2px 0 8px' }}>
            {t(
              '表中没有的代码由文本分类器按内容判定。',
              'A code missing from the table is left to the text classifier.',
            )}
          </Typography.Paragraph>
          <Table
            size="small"
            rowKey={(r) => r[0]}
            pagination={false}
            dataSource={codes}
            locale={{ emptyText: t('无代码表：全部按内容分类', 'No table: all classified by text') }}
            scroll={{ y: 280 }}
            columns={[
              { title: t('对方代码或名称', 'Their code or name'), render: (_, r) => r[0] },
              {
                title: t('我方类别', 'Our category'),
                render: (_, r) => {
                  const n = meta.categoryName(r[1]);
                  return n ? name(n) : r[1];
                },
              },
            ]}
            data-testid="profile-codes"
          />
        </div>
      )}
    </Flex>
  );
}

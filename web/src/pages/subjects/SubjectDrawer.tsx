import { ArrowLeftOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import {
  Button,
  Descriptions,
  type DescriptionsProps,
  Drawer,
  Empty,
  Flex,
  List,
  Table,
  Tag,
  Typography,
} from 'antd';
import { type ReactNode, useState } from 'react';
import { api, type Schemas, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useIsMobile } from '../../components/useIsMobile';
import { useI18n } from '../../i18n';
import { AreaName } from '../areas/areaShared';
import { GENDERS, HOUSE_KINDS, labelOf, THING_KINDS } from './labels';
import { RevealModal } from './RevealModal';

export type SubjectKind = 'person' | 'house' | 'enterprise' | 'thing';
export interface SubjectRef {
  kind: SubjectKind;
  id: string;
}

type Open = (ref: SubjectRef) => void;
type Revealed = Record<string, string | null | undefined>;

export const KIND_NAMES: Record<SubjectKind, { zh: string; en: string }> = {
  person: { zh: '人员', en: 'Person' },
  house: { zh: '房屋', en: 'House' },
  enterprise: { zh: '企业', en: 'Enterprise' },
  thing: { zh: '物', en: 'Thing' },
};

const dateTime = (s: string | null | undefined) => (s ? new Date(s).toLocaleString() : '—');

/**
 * The detail drawer. Following a link (a person's house, a house's residents) pushes onto a small stack
 * so that 返回 leads back to where the user came from instead of closing everything.
 */
export function SubjectDrawer({
  stack,
  onOpen,
  onBack,
  onClose,
}: {
  stack: SubjectRef[];
  onOpen: Open;
  onBack: () => void;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const mobile = useIsMobile();
  const top = stack.at(-1);
  return (
    <Drawer
      open={!!top}
      onClose={onClose}
      size={mobile ? '100%' : 600}
      destroyOnHidden
      data-testid="subject-drawer"
      title={
        <Flex align="center" gap={8}>
          {stack.length > 1 && (
            <Button size="small" icon={<ArrowLeftOutlined />} onClick={onBack} aria-label={t('返回', 'Back')}>
              {t('返回', 'Back')}
            </Button>
          )}
          {top ? KIND_NAMES[top.kind][lang] : ''}
        </Flex>
      }
    >
      {top?.kind === 'person' && <PersonDetail key={`p${top.id}`} id={top.id} onOpen={onOpen} />}
      {top?.kind === 'house' && <HouseDetail key={`h${top.id}`} id={top.id} onOpen={onOpen} />}
      {top?.kind === 'enterprise' && <EnterpriseDetail key={`e${top.id}`} id={top.id} onOpen={onOpen} />}
      {top?.kind === 'thing' && <ThingDetail key={`t${top.id}`} id={top.id} />}
    </Drawer>
  );
}

function Details({ items }: { items: NonNullable<DescriptionsProps['items']> }) {
  const mobile = useIsMobile();
  return (
    <Descriptions
      bordered
      size="small"
      column={1}
      items={items}
      styles={{ label: { width: mobile ? 96 : 128, whiteSpace: 'nowrap' } }}
    />
  );
}

/** A masked value with its 查看 button (only for users allowed to reveal, and only when there is a value). */
function MaskedValue({
  field,
  masked,
  revealed,
  onAsk,
}: {
  field: string;
  masked: string | null;
  revealed: Revealed;
  onAsk: () => void;
}) {
  const { t } = useI18n();
  const { can } = useAuth();
  if (!masked) return <>—</>;
  const plain = revealed[field];
  if (plain !== undefined) {
    return (
      <Flex gap={8} align="center" wrap>
        <Typography.Text copyable={!!plain} strong data-testid={`plain-${field}`}>
          {plain ?? '—'}
        </Typography.Text>
        <Tag color="orange">{t('已查看', 'Revealed')}</Tag>
      </Flex>
    );
  }
  return (
    <Flex gap={8} align="center" wrap>
      <Typography.Text data-testid={`masked-${field}`}>{masked}</Typography.Text>
      {can('subject:reveal') && (
        <Button size="small" onClick={onAsk} data-testid={`reveal-${field}`}>
          {t('查看', 'Reveal')}
        </Button>
      )}
    </Flex>
  );
}

function Linkish({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  return (
    <Button type="link" size="small" style={{ padding: 0, height: 'auto' }} onClick={onClick}>
      {children}
    </Button>
  );
}

function PersonDetail({ id, onOpen }: { id: string; onOpen: Open }) {
  const { t, lang } = useI18n();
  const q = useQuery({
    queryKey: ['subjects', 'person', id],
    queryFn: () => unwrap(api.GET('/api/persons/{id}', { params: { path: { id } } })),
  });
  const [revealed, setRevealed] = useState<Revealed>({});
  const [asking, setAsking] = useState<'idNumber' | 'phone' | null>(null);
  const p = q.data;
  const fieldName = (f: 'idNumber' | 'phone') =>
    f === 'idNumber' ? t('身份证号', 'ID number') : t('手机号', 'Phone');
  return (
    <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
      {p && (
        <>
          <Typography.Title level={5} style={{ marginTop: 0 }} data-testid="detail-title">
            {p.name}
          </Typography.Title>
          <Details
            items={[
              { key: 'gender', label: t('性别', 'Gender'), children: labelOf(GENDERS, p.gender, lang) },
              { key: 'birth', label: t('出生日期', 'Date of birth'), children: p.birthDate ?? '—' },
              {
                key: 'id',
                label: t('身份证号', 'ID number'),
                children: (
                  <MaskedValue
                    field="idNumber"
                    masked={p.idNumber}
                    revealed={revealed}
                    onAsk={() => setAsking('idNumber')}
                  />
                ),
              },
              {
                key: 'phone',
                label: t('手机号', 'Phone'),
                children: (
                  <MaskedValue
                    field="phone"
                    masked={p.phone}
                    revealed={revealed}
                    onAsk={() => setAsking('phone')}
                  />
                ),
              },
              { key: 'area', label: t('所属区域', 'Area'), children: <AreaName code={p.areaCode} full /> },
              {
                key: 'house',
                label: t('居住房屋', 'House'),
                children: p.houseId ? (
                  <Linkish onClick={() => onOpen({ kind: 'house', id: p.houseId! })}>
                    {t('查看房屋', 'Open the house')}
                  </Linkish>
                ) : (
                  '—'
                ),
              },
              {
                key: 'tags',
                label: t('标签', 'Tags'),
                children: p.tags.length ? p.tags.map((x) => <Tag key={x}>{x}</Tag>) : '—',
              },
              { key: 'updated', label: t('更新时间', 'Updated'), children: dateTime(p.updatedAt) },
            ]}
          />
          <RevealModal
            open={asking !== null}
            title={t(
              `查看${p.name}的完整${asking ? fieldName(asking) : ''}`,
              `Reveal ${p.name}’s full ${asking ? fieldName(asking) : ''}`,
            )}
            fields={asking ? [{ key: asking, label: fieldName(asking) }] : []}
            reveal={(reason) =>
              unwrap(
                api.POST('/api/persons/{id}/reveal', {
                  params: { path: { id } },
                  body: { fields: asking ? [asking] : [], reason },
                }),
              )
            }
            onRevealed={(v) => setRevealed((r) => ({ ...r, ...v }))}
            onClose={() => setAsking(null)}
          />
        </>
      )}
    </PageState>
  );
}

function HouseDetail({ id, onOpen }: { id: string; onOpen: Open }) {
  const { t, lang } = useI18n();
  const q = useQuery({
    queryKey: ['subjects', 'house', id],
    queryFn: () => unwrap(api.GET('/api/houses/{id}', { params: { path: { id } } })),
  });
  const h = q.data;
  return (
    <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
      {h && (
        <>
          <Typography.Title level={5} style={{ marginTop: 0 }} data-testid="detail-title">
            {h.address}
          </Typography.Title>
          <Details
            items={[
              { key: 'kind', label: t('类型', 'Kind'), children: labelOf(HOUSE_KINDS, h.kind, lang) },
              { key: 'floors', label: t('层数', 'Floors'), children: h.floors ?? '—' },
              { key: 'area', label: t('所属区域', 'Area'), children: <AreaName code={h.areaCode} full /> },
              { key: 'point', label: t('坐标', 'Location'), children: pointText(h.point) },
              {
                key: 'owner',
                label: t('产权人', 'Owner'),
                children: h.ownerPersonId ? (
                  <Linkish onClick={() => onOpen({ kind: 'person', id: h.ownerPersonId! })}>
                    {t('查看产权人', 'Open the owner')}
                  </Linkish>
                ) : (
                  '—'
                ),
              },
              { key: 'updated', label: t('更新时间', 'Updated'), children: dateTime(h.updatedAt) },
            ]}
          />
          <Typography.Title level={5}>
            {t('住户', 'Residents')}（{h.residents.length}）
          </Typography.Title>
          <Table<Schemas['Person']>
            size="small"
            rowKey="id"
            dataSource={h.residents}
            pagination={false}
            scroll={{ x: 'max-content' }}
            locale={{
              emptyText: (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('暂无住户', 'No residents')} />
              ),
            }}
            data-testid="house-residents"
            columns={[
              {
                key: 'name',
                title: t('姓名', 'Name'),
                render: (_, p) => (
                  <Linkish onClick={() => onOpen({ kind: 'person', id: p.id })}>{p.name}</Linkish>
                ),
              },
              {
                key: 'gender',
                title: t('性别', 'Gender'),
                render: (_, p) => labelOf(GENDERS, p.gender, lang),
              },
              {
                key: 'id',
                title: t('身份证号', 'ID number'),
                dataIndex: 'idNumber',
                render: (v: string | null) => v ?? '—',
              },
              {
                key: 'tags',
                title: t('标签', 'Tags'),
                render: (_, p) => p.tags.map((x) => <Tag key={x}>{x}</Tag>),
              },
            ]}
          />
          <Typography.Title level={5}>
            {t('入驻企业', 'Enterprises here')}（{h.enterprises.length}）
          </Typography.Title>
          {h.enterprises.length ? (
            <List
              size="small"
              bordered
              dataSource={h.enterprises}
              renderItem={(e) => (
                <List.Item>
                  <Linkish onClick={() => onOpen({ kind: 'enterprise', id: e.id })}>{e.name}</Linkish>
                </List.Item>
              )}
            />
          ) : (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('暂无入驻企业', 'No enterprises')} />
          )}
        </>
      )}
    </PageState>
  );
}

function EnterpriseDetail({ id, onOpen }: { id: string; onOpen: Open }) {
  const { t } = useI18n();
  const q = useQuery({
    queryKey: ['subjects', 'enterprise', id],
    queryFn: () => unwrap(api.GET('/api/enterprises/{id}', { params: { path: { id } } })),
  });
  const [revealed, setRevealed] = useState<Revealed>({});
  const [asking, setAsking] = useState(false);
  const e = q.data;
  return (
    <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
      {e && (
        <>
          <Typography.Title level={5} style={{ marginTop: 0 }} data-testid="detail-title">
            {e.name}
          </Typography.Title>
          <Details
            items={[
              {
                key: 'uscc',
                label: t('统一社会信用代码', 'Credit code'),
                children: <Typography.Text copyable>{e.uscc}</Typography.Text>,
              },
              { key: 'legal', label: t('法定代表人', 'Legal person'), children: e.legalPersonName ?? '—' },
              {
                key: 'phone',
                label: t('联系电话', 'Phone'),
                children: (
                  <MaskedValue
                    field="phone"
                    masked={e.phone}
                    revealed={revealed}
                    onAsk={() => setAsking(true)}
                  />
                ),
              },
              { key: 'industry', label: t('行业', 'Industry'), children: e.industry ?? '—' },
              { key: 'address', label: t('地址', 'Address'), children: e.address ?? '—' },
              { key: 'area', label: t('所属区域', 'Area'), children: <AreaName code={e.areaCode} full /> },
              {
                key: 'house',
                label: t('所在房屋', 'House'),
                children: e.houseId ? (
                  <Linkish onClick={() => onOpen({ kind: 'house', id: e.houseId! })}>
                    {t('查看房屋', 'Open the house')}
                  </Linkish>
                ) : (
                  '—'
                ),
              },
              { key: 'updated', label: t('更新时间', 'Updated'), children: dateTime(e.updatedAt) },
            ]}
          />
          <RevealModal
            open={asking}
            title={t(`查看${e.name}的联系电话`, `Reveal the phone of ${e.name}`)}
            fields={[{ key: 'phone', label: t('联系电话', 'Phone') }]}
            reveal={(reason) =>
              unwrap(api.POST('/api/enterprises/{id}/reveal', { params: { path: { id } }, body: { reason } }))
            }
            onRevealed={(v) => setRevealed((r) => ({ ...r, ...v }))}
            onClose={() => setAsking(false)}
          />
        </>
      )}
    </PageState>
  );
}

function ThingDetail({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const q = useQuery({
    queryKey: ['subjects', 'thing', id],
    queryFn: () => unwrap(api.GET('/api/things/{id}', { params: { path: { id } } })),
  });
  const x = q.data;
  return (
    <PageState loading={q.isLoading} error={q.error} onRetry={() => void q.refetch()}>
      {x && (
        <>
          <Typography.Title level={5} style={{ marginTop: 0 }} data-testid="detail-title">
            {x.name}
          </Typography.Title>
          <Details
            items={[
              { key: 'kind', label: t('类型', 'Kind'), children: labelOf(THING_KINDS, x.kind, lang) },
              { key: 'identifier', label: t('编号', 'Identifier'), children: x.identifier ?? '—' },
              { key: 'area', label: t('所属区域', 'Area'), children: <AreaName code={x.areaCode} full /> },
              { key: 'point', label: t('坐标', 'Location'), children: pointText(x.point) },
              ...Object.entries(x.attributes).map(([k, v]) => ({
                key: `attr-${k}`,
                label: <Typography.Text code>{k}</Typography.Text>,
                children: <span style={{ wordBreak: 'break-all' }}>{v === null ? '—' : String(v)}</span>,
              })),
              { key: 'updated', label: t('更新时间', 'Updated'), children: dateTime(x.updatedAt) },
            ]}
          />
        </>
      )}
    </PageState>
  );
}

function pointText(p: { lng: number; lat: number } | null): string {
  return p ? `${p.lng.toFixed(5)}, ${p.lat.toFixed(5)}` : '—';
}

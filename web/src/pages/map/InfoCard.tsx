import { CloseOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Flex,
  List,
  Row,
  Skeleton,
  Statistic,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, errorText } from '../../api/client';
import { useI18n } from '../../i18n';
import { recordPath } from '../alerts/shared';
import { useMatterTypes } from '../matters/components/lookups';
import { AREA_LEVEL_NAMES, DEADLINE_STATE_NAMES } from '../matters/components/names';
import { HOUSE_KINDS, labelOf, THING_KINDS } from '../subjects/labels';
import {
  type AlertLevel,
  type BoundaryProps,
  getAreaSummary,
  getEnterprise,
  getHouse,
  type MatterPoint,
  type MatterRef,
  type PinnedTask,
} from './api';
import { LEVEL_COLORS, POINT_COLORS, TASK_COLORS } from './style';

/** What a click on the map selected; the card below tells about it. */
export type Selection =
  | { kind: 'matter'; point: MatterPoint }
  | { kind: 'house'; id: string; address?: string }
  | { kind: 'enterprise'; id: string; name?: string }
  | { kind: 'thing'; name: string; thingKind: string; attributes: Record<string, unknown> }
  | { kind: 'area'; area: BoundaryProps }
  | { kind: 'task'; task: PinnedTask }
  | {
      kind: 'place';
      layer: 'courts' | 'stations' | 'workers';
      id: string;
      name: string;
      placeKind: string;
      areaCode: string;
      at?: string;
    };

const LEVEL_NAMES: Record<AlertLevel, { zh: string; en: string }> = {
  red: { zh: '红色预警', en: 'Red' },
  orange: { zh: '橙色预警', en: 'Orange' },
  yellow: { zh: '黄色预警', en: 'Yellow' },
};

function StatusTag({ type, status, closed }: Pick<MatterRef, 'type' | 'status' | 'closed'>) {
  const { name } = useI18n();
  const { stateName } = useMatterTypes();
  const n = stateName(status, type);
  return (
    <Tag color={closed ? 'default' : 'processing'} data-testid="card-status">
      {n ? name(n) : status}
    </Tag>
  );
}

function MatterList({ items, empty }: { items: MatterRef[]; empty: string }) {
  const { t, name } = useI18n();
  if (!items.length) return <Typography.Text type="secondary">{empty}</Typography.Text>;
  return (
    <List
      size="small"
      dataSource={items}
      renderItem={(m) => (
        <List.Item style={{ paddingInline: 0 }}>
          <Flex vertical gap={2} style={{ minWidth: 0, width: '100%' }}>
            <Link to={recordPath(m)} style={{ overflowWrap: 'anywhere' }}>
              {m.number} {m.title}
            </Link>
            <Flex gap={4} wrap>
              <StatusTag {...m} />
              {m.level && <Tag color={LEVEL_COLORS[m.level]}>{name(LEVEL_NAMES[m.level])}</Tag>}
              {m.link === 'nearby' && <Tag>{t('附近', 'nearby')}</Tag>}
            </Flex>
          </Flex>
        </List.Item>
      )}
    />
  );
}

function Failed({ error }: { error: unknown }) {
  const { t, lang } = useI18n();
  return (
    <Alert
      type="error"
      showIcon
      data-testid="card-error"
      title={t('加载失败', 'Could not load')}
      description={`${errorText(error, lang)}${error instanceof ApiError && error.requestId ? ` (${error.requestId})` : ''}`}
    />
  );
}

function MatterCard({ point }: { point: MatterPoint }) {
  const { t, name, lang } = useI18n();
  const navigate = useNavigate();
  const { type } = useMatterTypes();
  const href = recordPath(point);
  const deadline =
    !point.closed && point.deadlineState in DEADLINE_STATE_NAMES
      ? (point.deadlineState as keyof typeof DEADLINE_STATE_NAMES)
      : null;
  return (
    <Flex vertical gap={8}>
      <Typography.Text type="secondary" data-testid="card-number">
        {point.number} · {name(type(point.type)?.name) || point.type}
      </Typography.Text>
      <Typography.Title level={5} style={{ margin: 0, overflowWrap: 'anywhere' }} data-testid="card-title">
        {point.title}
      </Typography.Title>
      <Flex gap={4} wrap>
        <StatusTag type={point.type} status={point.status} closed={point.closed} />
        {point.level && <Tag color={LEVEL_COLORS[point.level]}>{name(LEVEL_NAMES[point.level])}</Tag>}
        {deadline && (
          <Tag color={deadline === 'overdue' ? 'red' : deadline === 'warning' ? 'orange' : 'green'}>
            {name(DEADLINE_STATE_NAMES[deadline])}
          </Tag>
        )}
      </Flex>
      <Typography.Text type="secondary">
        {t('上报于', 'Reported')}{' '}
        {dayjs(point.createdAt).format(lang === 'zh' ? 'YYYY年M月D日 HH:mm' : 'YYYY-MM-DD HH:mm')}
      </Typography.Text>
      {/* The matter's page holds its actions (办理, 研判, 分派 …) as the user's role allows them. */}
      <Button
        type={point.closed ? 'default' : 'primary'}
        href={href}
        onClick={(e) => {
          e.preventDefault();
          navigate(href);
        }}
        style={{ alignSelf: 'flex-start' }}
        data-testid="card-open"
      >
        {point.closed
          ? t('查看详情', 'Open')
          : point.type === 'alert'
            ? t('研判处置', 'Handle the alert')
            : t('去办理', 'Handle')}
      </Button>
    </Flex>
  );
}

const GENDER_NAMES = { M: { zh: '男', en: 'male' }, F: { zh: '女', en: 'female' } };

function HouseCard({ id, onOpen }: { id: string; onOpen: (s: Selection) => void }) {
  const { t, lang, name } = useI18n();
  const q = useQuery({ queryKey: ['map', 'house', id], queryFn: ({ signal }) => getHouse(id, signal) });
  if (q.isLoading) return <Skeleton active />;
  if (q.error) return <Failed error={q.error} />;
  const { house, residents, enterprises, matters, alerts } = q.data!;
  return (
    <Flex vertical gap={12}>
      <Typography.Title level={5} style={{ margin: 0, overflowWrap: 'anywhere' }} data-testid="card-title">
        {house.address}
      </Typography.Title>
      <Typography.Text type="secondary">
        {labelOf(HOUSE_KINDS, house.kind, lang)}
        {house.floors ? ` · ${t(`${house.floors} 层`, `${house.floors} floors`)}` : ''}
      </Typography.Text>
      <Section title={`${t('住户', 'Residents')} · ${residents.count}`} testId="card-residents">
        {residents.list.length ? (
          <List
            size="small"
            dataSource={residents.list}
            renderItem={(p) => (
              <List.Item style={{ paddingInline: 0 }}>
                <span>{p.name}</span>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {[
                    p.gender ? name(GENDER_NAMES[p.gender]) : null,
                    p.age !== null ? t(`${p.age} 岁`, `${p.age} y`) : null,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </Typography.Text>
              </List.Item>
            )}
          />
        ) : (
          <Typography.Text type="secondary">{t('无登记住户', 'No registered residents')}</Typography.Text>
        )}
        {residents.count > residents.list.length && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(`仅列出 ${residents.list.length} 人`, `${residents.list.length} listed`)}
          </Typography.Text>
        )}
      </Section>
      <Section title={`${t('入驻企业', 'Enterprises')} · ${enterprises.length}`}>
        {enterprises.length ? (
          <Flex vertical gap={4}>
            {enterprises.map((e) => (
              <Button
                key={e.id}
                type="link"
                style={{ padding: 0, height: 'auto', textAlign: 'left', whiteSpace: 'normal' }}
                onClick={() => onOpen({ kind: 'enterprise', id: e.id, name: e.name })}
              >
                {e.name}
              </Button>
            ))}
          </Flex>
        ) : (
          <Typography.Text type="secondary">{t('无', 'None')}</Typography.Text>
        )}
      </Section>
      <Section title={`${t('相关事项', 'Matters')} · ${matters.length}`} testId="card-matters">
        <MatterList items={matters} empty={t('无', 'None')} />
      </Section>
      <Section title={`${t('相关预警', 'Alerts')} · ${alerts.length}`}>
        <MatterList items={alerts} empty={t('无', 'None')} />
      </Section>
    </Flex>
  );
}

function EnterpriseCard({ id }: { id: string }) {
  const { t } = useI18n();
  const q = useQuery({
    queryKey: ['map', 'enterprise', id],
    queryFn: ({ signal }) => getEnterprise(id, signal),
  });
  if (q.isLoading) return <Skeleton active />;
  if (q.error) return <Failed error={q.error} />;
  const { enterprise: e, disputes, hazards, alerts } = q.data!;
  return (
    <Flex vertical gap={12}>
      <Typography.Title level={5} style={{ margin: 0, overflowWrap: 'anywhere' }} data-testid="card-title">
        {e.name}
      </Typography.Title>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: 'uscc', label: t('信用代码', 'USCC'), children: e.uscc },
          { key: 'industry', label: t('行业', 'Industry'), children: e.industry ?? '—' },
          { key: 'legal', label: t('法定代表人', 'Legal person'), children: e.legalPersonName ?? '—' },
          { key: 'address', label: t('地址', 'Address'), children: e.address ?? '—' },
        ]}
      />
      <Section title={`${t('涉及纠纷', 'Disputes')} · ${disputes.length}`} testId="card-disputes">
        <MatterList items={disputes} empty={t('无', 'None')} />
      </Section>
      {hazards.length > 0 && (
        <Section title={`${t('隐患', 'Hazards')} · ${hazards.length}`}>
          <MatterList items={hazards} empty={t('无', 'None')} />
        </Section>
      )}
      <Section title={`${t('相关预警', 'Alerts')} · ${alerts.length}`}>
        <MatterList items={alerts} empty={t('无', 'None')} />
      </Section>
    </Flex>
  );
}

function AreaCard({ area }: { area: BoundaryProps }) {
  const { t, name } = useI18n();
  const q = useQuery({
    queryKey: ['map', 'area', area.code],
    queryFn: ({ signal }) => getAreaSummary(area.code, signal),
  });
  const levelName = AREA_LEVEL_NAMES[area.level];
  const team = area.team ?? [];
  const k = q.data?.kpis;
  const stat = (key: keyof NonNullable<typeof k>, title: string, color?: string) => (
    <Col span={12}>
      <Statistic
        title={title}
        value={k ? (k[key] ?? '—') : '—'}
        styles={{ content: { fontSize: 20, ...(color ? { color } : {}) } }}
        data-testid={`kpi-${key}`}
      />
    </Col>
  );
  return (
    <Flex vertical gap={12}>
      <Typography.Title level={5} style={{ margin: 0 }} data-testid="card-title">
        {area.name} {levelName && <Tag>{name(levelName)}</Tag>}
      </Typography.Title>
      {q.isLoading && <Skeleton active />}
      {q.error && <Failed error={q.error} />}
      {k && (
        <>
          <Row gutter={[8, 8]}>
            {stat('open', t('在办', 'Open'))}
            {stat('overdue', t('超期', 'Overdue'), POINT_COLORS.overdue)}
            {stat('warning', t('临期', 'Due soon'), POINT_COLORS.warning)}
            {stat('createdToday', t('今日新增', 'New today'))}
            {stat('createdThisMonth', t('本月新增', 'New this month'))}
            {stat('closedThisMonth', t('本月办结', 'Closed this month'))}
            <Col span={24}>
              <Statistic
                title={t('近30天化解率', 'Resolved, last 30 days')}
                value={k.resolvedRate30d === null ? '—' : `${(k.resolvedRate30d * 100).toFixed(1)}%`}
                styles={{ content: { fontSize: 20 } }}
                data-testid="kpi-resolvedRate30d"
              />
            </Col>
          </Row>
          <Flex gap={4} wrap>
            {(['red', 'orange', 'yellow'] as const).map((l) => (
              <Tag key={l} color={LEVEL_COLORS[l]}>
                {name(LEVEL_NAMES[l])} {q.data!.alertsOpen[l]}
              </Tag>
            ))}
          </Flex>
          <Section title={t('待办队列', 'Queues')} testId="card-queues">
            {q.data!.queues.length ? (
              <List
                size="small"
                dataSource={q.data!.queues}
                renderItem={(s) => (
                  <List.Item style={{ paddingInline: 0 }}>
                    <Link to={`/matters?areaCode=${area.code}&status=${encodeURIComponent(s.status)}`}>
                      {name(s.statusName)}
                    </Link>
                    <span>{s.count}</span>
                  </List.Item>
                )}
              />
            ) : (
              <Typography.Text type="secondary">{t('无待办', 'Nothing waiting')}</Typography.Text>
            )}
          </Section>
        </>
      )}
      {team.length > 0 && (
        <Section title={t('网格团队', 'Grid team')}>
          <Descriptions
            size="small"
            column={1}
            items={team.map((m, i) => ({ key: i, label: name(m.roleName), children: m.name }))}
          />
        </Section>
      )}
    </Flex>
  );
}

function ThingCard({ s }: { s: Extract<Selection, { kind: 'thing' }> }) {
  const { t, lang } = useI18n();
  const attrs = Object.entries(s.attributes).filter(([, v]) => v !== null && typeof v !== 'object');
  return (
    <Flex vertical gap={8}>
      <Typography.Title level={5} style={{ margin: 0 }} data-testid="card-title">
        {s.name}
      </Typography.Title>
      <Typography.Text type="secondary">{labelOf(THING_KINDS, s.thingKind, lang)}</Typography.Text>
      {attrs.length ? (
        <Descriptions
          size="small"
          column={1}
          items={attrs.map(([k, v]) => ({ key: k, label: k, children: String(v) }))}
        />
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('无更多属性', 'No more attributes')} />
      )}
    </Flex>
  );
}

/** A pinned 指令 task: its number, instructions, unit, state (coloured as on the map) and deadline. */
function TaskCard({ task }: { task: PinnedTask }) {
  const { t, name } = useI18n();
  const a = task.assignee;
  const unit = a
    ? [a.departmentName ? name(a.departmentName) : a.department, a.areaName, a.userName]
        .filter(Boolean)
        .join(' · ')
    : '';
  const color = task.overdue
    ? TASK_COLORS.overdue
    : (TASK_COLORS[task.status as keyof typeof TASK_COLORS] ?? TASK_COLORS.later);
  return (
    <Flex vertical gap={8}>
      <Typography.Title level={5} style={{ margin: 0 }} data-testid="card-title">
        <Link to={`/matters/${task.id}`} data-testid="card-open">
          {task.number}
        </Link>
      </Typography.Title>
      <Typography.Paragraph
        ellipsis={{ rows: 3, tooltip: task.instructions }}
        style={{ margin: 0 }}
        data-testid="card-instructions"
      >
        {task.instructions}
      </Typography.Paragraph>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: 'unit', label: t('承办', 'Unit'), children: unit || '—' },
          {
            key: 'status',
            label: t('状态', 'State'),
            children: (
              <Flex gap={4} wrap>
                <Tag color={color} data-testid="card-status" data-status={task.status}>
                  {name(task.statusName)}
                </Tag>
                {task.overdue && <Tag color="red">{t('超时', 'Overdue')}</Tag>}
              </Flex>
            ),
          },
          {
            key: 'deadline',
            label: t('完成时限', 'Deadline'),
            children: dayjs(task.deadline).format('YYYY-MM-DD HH:mm'),
          },
        ]}
      />
    </Flex>
  );
}

function Section({ title, testId, children }: { title: string; testId?: string; children: ReactNode }) {
  return (
    <div data-testid={testId}>
      <Typography.Text strong>{title}</Typography.Text>
      <div style={{ marginTop: 4 }}>{children}</div>
    </div>
  );
}

const KIND_TITLES: Record<Selection['kind'], { zh: string; en: string }> = {
  matter: { zh: '事项', en: 'Matter' },
  house: { zh: '房屋', en: 'House' },
  enterprise: { zh: '企业', en: 'Enterprise' },
  thing: { zh: '物', en: 'Thing' },
  area: { zh: '区域', en: 'Area' },
  task: { zh: '指令', en: 'Task' },
  place: { zh: '场所', en: 'Place' },
};

const PLACE_KINDS: Record<string, { zh: string; en: string }> = {
  town: { zh: '镇街共享法庭', en: 'Town shared court' },
  village: { zh: '村社共享法庭', en: 'Village shared court' },
  industry: { zh: '行业共享法庭', en: 'Industry shared court' },
  station: { zh: '心理服务站', en: 'Psychological station' },
  leader: { zh: '网格长', en: 'Grid leader' },
  fulltime: { zh: '专职网格员', en: 'Full-time grid worker' },
  parttime: { zh: '兼职网格员', en: 'Part-time grid worker' },
  instructor: { zh: '网格指导员', en: 'Grid instructor' },
  police: { zh: '民警', en: 'Police' },
  doctor: { zh: '医生', en: 'Doctor' },
  lawyer: { zh: '律师', en: 'Lawyer' },
  volunteer: { zh: '志愿者', en: 'Volunteer' },
  other: { zh: '其他', en: 'Other' },
};

/**
 * A shared court, a psychological station or a grid member's last check-in: its name and kind (and the
 * check-in's time), and the way to its own page.
 */
function PlaceCard({ s }: { s: Extract<Selection, { kind: 'place' }> }) {
  const { t, name, lang } = useI18n();
  const navigate = useNavigate();
  const href =
    s.layer === 'courts'
      ? `/courts/${s.id}`
      : s.layer === 'workers'
        ? `/grid/roster?area=${s.areaCode}`
        : '/psych';
  return (
    <Flex vertical gap={8}>
      <Typography.Title level={5} style={{ margin: 0, overflowWrap: 'anywhere' }} data-testid="card-title">
        {s.name}
      </Typography.Title>
      <Typography.Text type="secondary">{name(PLACE_KINDS[s.placeKind]) || s.placeKind}</Typography.Text>
      {s.at && (
        <Typography.Text type="secondary" data-testid="card-checkin-at">
          {t('最后入格', 'Last check-in')}{' '}
          {dayjs(s.at).format(lang === 'zh' ? 'YYYY年M月D日 HH:mm' : 'YYYY-MM-DD HH:mm')}
        </Typography.Text>
      )}
      <Button
        href={href}
        onClick={(e) => {
          e.preventDefault();
          navigate(href);
        }}
        style={{ alignSelf: 'flex-start' }}
        data-testid="card-open"
      >
        {s.layer === 'courts'
          ? t('预约与使用记录', 'Bookings and uses')
          : s.layer === 'workers'
            ? t('网格力量', 'Grid team')
            : t('心理服务站', 'Stations')}
      </Button>
    </Flex>
  );
}

/** The side card of what was clicked: a matter with its actions, a house, an enterprise, a thing, an area. */
export function InfoCard({
  selection,
  onClose,
  onOpen,
  style,
}: {
  selection: Selection;
  onClose: () => void;
  onOpen: (s: Selection) => void;
  style?: React.CSSProperties;
}) {
  const { t, name } = useI18n();
  const title =
    selection.kind === 'matter' && selection.point.type === 'alert'
      ? t('预警', 'Alert')
      : name(KIND_TITLES[selection.kind]);
  return (
    <Card
      size="small"
      title={title}
      data-testid="map-card"
      data-kind={selection.kind}
      extra={
        <Button
          type="text"
          size="small"
          icon={<CloseOutlined />}
          onClick={onClose}
          aria-label={t('关闭', 'Close')}
          data-testid="card-close"
        />
      }
      style={{ overflow: 'auto', ...style }}
    >
      {selection.kind === 'matter' && <MatterCard point={selection.point} />}
      {selection.kind === 'house' && <HouseCard id={selection.id} onOpen={onOpen} />}
      {selection.kind === 'enterprise' && <EnterpriseCard id={selection.id} />}
      {selection.kind === 'thing' && <ThingCard s={selection} />}
      {selection.kind === 'area' && <AreaCard area={selection.area} />}
      {selection.kind === 'task' && <TaskCard task={selection.task} />}
      {selection.kind === 'place' && <PlaceCard s={selection} />}
    </Card>
  );
}

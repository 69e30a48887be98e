import { FileExcelOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Layer, Map as MapGL, Source } from '@vis.gl/react-maplibre';
import {
  Alert,
  App,
  Badge,
  Button,
  Card,
  DatePicker,
  Flex,
  Form,
  Input,
  InputNumber,
  Modal,
  notification,
  Select,
  Space,
  Statistic,
  Table,
  type TableColumnsType,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import type { MapLayerMouseEvent } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useCallback, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, errorText, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { baseStyle } from '../map/style';
import { type SeaAlertEvent, useSeaLive } from './live';
import { KIND_COLORS, SeaLayers, STATUS_COLORS, useSeaGeometries, useSeaLayer } from './SeaLayers';

const RULES: Record<string, { zh: string; en: string }> = {
  channel_crossing: { zh: '斑马线外穿越航道', en: 'Crossed outside a corridor' },
  restricted_zone: { zh: '驶入禁入区', en: 'Entered a restricted zone' },
  signal_lost: { zh: '信号中断', en: 'Signal lost' },
  closure: { zh: '封港令期间在海上', en: 'At sea under a closure' },
  port_exit: { zh: '未报告出港', en: 'Left port unreported' },
};
const STATUS: Record<string, { zh: string; en: string }> = {
  unknown: { zh: '未上报', en: 'No position' },
  in_port: { zh: '在港', en: 'In port' },
  at_sea: { zh: '在海上', en: 'At sea' },
  silent: { zh: '信号中断', en: 'Silent' },
};
const ALERT_STATES: Record<string, { zh: string; en: string; color: string }> = {
  raised: { zh: '待联系', en: 'Raised', color: 'red' },
  contacted: { zh: '待回应', en: 'Contacted', color: 'orange' },
  responded: { zh: '待关闭', en: 'Responded', color: 'blue' },
  closed: { zh: '已关闭', en: 'Closed', color: 'green' },
  dismissed: { zh: '已排除', en: 'Dismissed', color: 'default' },
};
const KINDS: Record<string, { zh: string; en: string }> = {
  channel: { zh: '航道', en: 'Channel' },
  corridor: { zh: '斑马线', en: 'Corridor' },
  zone: { zh: '禁入区', en: 'Restricted zone' },
  port: { zh: '港区', en: 'Port' },
};
/** 生成 → 联系船舶 → 记录回应 → 关闭: the step offered in each state and the field it needs. */
const NEXT: Record<string, { action: string; field: 'note' | 'result'; zh: string; en: string }> = {
  raised: { action: 'contact', field: 'note', zh: '联系船舶', en: 'Contact vessel' },
  contacted: { action: 'respond', field: 'result', zh: '记录回应', en: 'Record response' },
  responded: { action: 'close', field: 'note', zh: '关闭', en: 'Close' },
};
const XLSX_FILTER = (f: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => !!e[1])).toString();
const WENZHOU_SEA = { longitude: 121.1, latitude: 27.75, zoom: 8.3 };

type SeaAlertRow = {
  matterId: string;
  matterNumber: string;
  title: string;
  status: string;
  closed: boolean;
  rule: string;
  vesselNumber: string;
  breaches: number;
  firstAt: string;
  version: number;
};

/**
 * 海上斑马线: the live sea picture (vessels, tracks, channels, corridors, zones, ports) with the open sea alerts
 * beside it, the vessel registry, the alert board with the loop's steps (联系船舶 → 记录回应 → 关闭), the
 * corridor editor (click to add vertices, or paste GeoJSON) and the closure orders. Live over SSE.
 */
export default function SeaPage() {
  const { t } = useI18n();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'live';
  const onAlert = useCallback(
    (e: SeaAlertEvent) =>
      notification.warning({
        key: e.matterId,
        message: t('海上预警', 'Sea alert'),
        description: `${e.title ?? e.vessel ?? ''}${e.matterNumber ? `（${e.matterNumber}）` : ''}`,
        placement: 'topRight',
        duration: 8,
      }),
    [t],
  );
  const live = useSeaLive(onAlert);
  const items = [
    { key: 'live', label: t('态势', 'Live'), children: <LiveTab /> },
    { key: 'vessels', label: t('渔船', 'Vessels'), children: <VesselsTab /> },
    { key: 'alerts', label: t('海上预警', 'Sea alerts'), children: <AlertsTab /> },
    { key: 'geometry', label: t('斑马线与区域', 'Corridors & zones'), children: <GeometryTab /> },
    { key: 'closures', label: t('封港令', 'Closure orders'), children: <ClosuresTab /> },
    ...(can('sea:report')
      ? [{ key: 'reports', label: t('进出港报告', 'Port reports'), children: <ReportsTab /> }]
      : []),
  ];
  return (
    <div>
      <Flex justify="space-between" align="center" style={{ marginBottom: 8 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('海上斑马线', 'Sea safety')}
        </Typography.Title>
        <Badge
          status={live === 'live' ? 'success' : live === 'connecting' ? 'processing' : 'error'}
          text={
            live === 'live'
              ? t('实时', 'Live')
              : live === 'connecting'
                ? t('连接中', 'Connecting')
                : t('离线', 'Offline')
          }
          data-testid="sea-live"
        />
      </Flex>
      <Tabs
        activeKey={tab}
        destroyOnHidden
        onChange={(k) => setParams(new URLSearchParams({ tab: k }))}
        items={items}
      />
    </div>
  );
}

function SeaMap({
  height,
  draft,
  onClick,
}: {
  height: number;
  draft?: [number, number][];
  onClick?: (lngLat: [number, number]) => void;
}) {
  const style = useMemo(() => baseStyle(null), []);
  const layer = useSeaLayer();
  // What the map shows, for people using a screen reader and for the browser test (the first 50 vessels).
  const positions = (layer.data?.vessels ?? [])
    .slice(0, 50)
    .map((v) => `${v.number}@${v.lng.toFixed(4)},${v.lat.toFixed(4)}`)
    .join(';');
  const draftFc = useMemo(
    () => ({
      type: 'FeatureCollection' as const,
      features: draft?.length
        ? [
            {
              type: 'Feature' as const,
              properties: {},
              geometry:
                draft.length >= 3
                  ? { type: 'Polygon' as const, coordinates: [[...draft, draft[0]!]] }
                  : { type: 'LineString' as const, coordinates: draft },
            },
            ...draft.map((p) => ({
              type: 'Feature' as const,
              properties: {},
              geometry: { type: 'Point' as const, coordinates: p },
            })),
          ]
        : [],
    }),
    [draft],
  );
  return (
    <div
      style={{ height, position: 'relative', borderRadius: 6, overflow: 'hidden' }}
      data-testid="sea-map"
      data-positions={positions}
      data-count={layer.data?.vessels.length ?? 0}
    >
      <MapGL
        initialViewState={WENZHOU_SEA}
        mapStyle={style}
        workerUrl={workerUrl}
        style={{ position: 'absolute', inset: 0 }}
        dragRotate={false}
        cursor={onClick ? 'crosshair' : 'grab'}
        onClick={(e: MapLayerMouseEvent) => onClick?.([e.lngLat.lng, e.lngLat.lat])}
      >
        <SeaLayers labels={false} />
        {draft && (
          <Source id="sea-draft" type="geojson" data={draftFc}>
            <Layer
              id="sea-draft-fill"
              type="fill"
              filter={['==', '$type', 'Polygon']}
              paint={{ 'fill-color': '#f59e0b', 'fill-opacity': 0.3 }}
            />
            <Layer id="sea-draft-line" type="line" paint={{ 'line-color': '#d97706', 'line-width': 2 }} />
            <Layer
              id="sea-draft-pt"
              type="circle"
              filter={['==', '$type', 'Point']}
              paint={{ 'circle-radius': 4, 'circle-color': '#d97706' }}
            />
          </Source>
        )}
      </MapGL>
      <Flex
        gap={8}
        wrap
        style={{
          position: 'absolute',
          left: 8,
          bottom: 8,
          background: '#fffd',
          padding: '4px 8px',
          borderRadius: 4,
          fontSize: 12,
        }}
      >
        {Object.entries(KIND_COLORS).map(([k, c]) => (
          <span key={k}>
            <span
              style={{
                display: 'inline-block',
                width: 10,
                height: 10,
                background: c,
                opacity: 0.6,
                marginRight: 4,
              }}
            />
            {KINDS[k]!.zh}
          </span>
        ))}
        {Object.entries(STATUS_COLORS).map(([k, c]) => (
          <span key={k}>
            <span
              style={{
                display: 'inline-block',
                width: 10,
                height: 10,
                borderRadius: 5,
                background: c,
                marginRight: 4,
              }}
            />
            {STATUS[k]!.zh}
          </span>
        ))}
      </Flex>
    </div>
  );
}

function LiveTab() {
  const { t } = useI18n();
  const feed = useQuery({
    queryKey: ['sea', 'feed'],
    queryFn: () => unwrap(api.GET('/api/sea/feed')),
    refetchInterval: 5000,
  });
  return (
    <Flex gap={12} wrap="wrap" align="start">
      <div style={{ flex: '2 1 520px', minWidth: 320 }}>
        <SeaMap height={560} />
      </div>
      <div style={{ flex: '1 1 320px', minWidth: 300 }}>
        <Card size="small" style={{ marginBottom: 12 }}>
          <Flex gap={16} wrap>
            <Statistic title={t('在册渔船', 'Vessels')} value={feed.data?.vessels ?? 0} />
            <Statistic title={t('在海上', 'At sea')} value={feed.data?.atSea ?? 0} />
            <Statistic title={t('已评估位置', 'Evaluated')} value={feed.data?.evaluated ?? 0} />
            <Statistic title={t('已拒收', 'Rejected')} value={feed.data?.rejected ?? 0} />
          </Flex>
          {feed.data && !feed.data.running && (
            <Alert
              type="warning"
              showIcon
              message={t('本实例未运行位置接入', 'The feed is not running here')}
            />
          )}
        </Card>
        <AlertBoard openOnly compact />
      </div>
    </Flex>
  );
}

function VesselsTab() {
  const { t, lang } = useI18n();
  const [filters, setFilters] = useState<{ q?: string; status?: string }>({});
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const list = useQuery({
    queryKey: ['sea', 'vessels', filters, page],
    queryFn: () =>
      unwrap(
        api.GET('/api/sea/vessels', {
          params: { query: { ...filters, ...page } as never },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  type V = NonNullable<typeof list.data>['items'][number];
  const columns: TableColumnsType<V> = [
    {
      key: 'number',
      title: t('船号', 'Number'),
      render: (_, v) => <span data-testid="vessel-number">{v.number}</span>,
    },
    { key: 'name', title: t('船名', 'Name'), dataIndex: 'name' },
    { key: 'area', title: t('区域', 'Area'), render: (_, v) => v.areaName ?? v.areaCode },
    { key: 'port', title: t('船籍港', 'Home port'), dataIndex: 'homePort' },
    { key: 'owner', title: t('船东', 'Owner'), render: (_, v) => v.owner?.name ?? '—' },
    { key: 'crew', title: t('船员', 'Crew'), dataIndex: 'crewCount', width: 70 },
    {
      key: 'status',
      title: t('状态', 'Status'),
      render: (_, v) => <Tag color={STATUS_COLORS[v.status]}>{STATUS[v.status]?.[lang] ?? v.status}</Tag>,
    },
    {
      key: 'last',
      title: t('最后位置', 'Last fix'),
      render: (_, v) =>
        v.last
          ? `${new Date(v.last.ts).toLocaleString()} · ${v.last.lng.toFixed(4)}, ${v.last.lat.toFixed(4)}`
          : '—',
    },
    {
      key: 'alerts',
      title: t('在办预警', 'Open alerts'),
      render: (_, v) => (v.openAlerts ? <Tag color="red">{v.openAlerts}</Tag> : 0),
    },
  ];
  return (
    <div>
      <Flex gap={8} wrap style={{ marginBottom: 12 }} justify="space-between">
        <Flex gap={8} wrap>
          <Input.Search
            allowClear
            maxLength={50}
            style={{ width: 240 }}
            placeholder={t('船号或船名', 'Number or name')}
            onSearch={(v) => {
              setFilters((f) => ({ ...f, q: v.trim() || undefined }));
              setPage((p) => ({ ...p, page: 1 }));
            }}
          />
          <Select
            allowClear
            style={{ width: 140 }}
            placeholder={t('状态', 'Status')}
            options={Object.entries(STATUS).map(([value, n]) => ({ value, label: n[lang] }))}
            onChange={(v) => {
              setFilters((f) => ({ ...f, status: v }));
              setPage((p) => ({ ...p, page: 1 }));
            }}
          />
        </Flex>
        <Button icon={<FileExcelOutlined />} href={`/api/sea/vessels/export?${XLSX_FILTER(filters)}`}>
          {t('导出 Excel', 'Export Excel')}
        </Button>
      </Flex>
      <PageState loading={list.isLoading} error={list.error} onRetry={() => list.refetch()}>
        <Table<V>
          rowKey="id"
          size="small"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          scroll={{ x: 1000 }}
          pagination={{
            current: page.page,
            pageSize: page.pageSize,
            total: list.data?.total ?? 0,
            showSizeChanger: true,
            showTotal: (n) => t(`共 ${n} 艘`, `${n} vessels`),
            onChange: (p, s) => setPage({ page: p, pageSize: s }),
          }}
        />
      </PageState>
    </div>
  );
}

function AlertsTab() {
  return <AlertBoard />;
}

function AlertBoard({ openOnly, compact }: { openOnly?: boolean; compact?: boolean }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [rule, setRule] = useState<string | undefined>();
  const [open, setOpen] = useState<'true' | 'false' | undefined>(openOnly ? 'true' : undefined);
  const [page, setPage] = useState({ page: 1, pageSize: compact ? 8 : 20 });
  const [acting, setActing] = useState<{
    row: SeaAlertRow;
    action: string;
    field: 'note' | 'result' | 'reason';
    label: string;
  } | null>(null);
  const [form] = Form.useForm<{ text: string }>();
  const list = useQuery({
    queryKey: ['sea', 'alerts', rule, open, page],
    queryFn: () =>
      unwrap(api.GET('/api/sea/alerts', { params: { query: { rule, open, ...page } as never } })),
    placeholderData: keepPreviousData,
  });
  const act = useMutation({
    mutationFn: (v: { row: SeaAlertRow; action: string; field: string; text: string }) =>
      unwrap(
        api.POST('/api/matters/{id}/transitions', {
          params: { path: { id: v.row.matterId } },
          body: { action: v.action, version: v.row.version, [v.field]: v.text } as never,
        }),
      ),
    onSuccess: () => {
      setActing(null);
      form.resetFields();
      void qc.invalidateQueries({ queryKey: ['sea'] });
      message.success(t('已记录', 'Recorded'));
    },
    onError: (e) => message.error(errorText(e, lang)),
  });
  const columns: TableColumnsType<SeaAlertRow> = [
    {
      key: 'number',
      title: t('编号', 'Number'),
      render: (_, a) => <Link to={`/matters/${a.matterId}`}>{a.matterNumber}</Link>,
    },
    { key: 'vessel', title: t('船号', 'Vessel'), dataIndex: 'vesselNumber' },
    { key: 'rule', title: t('规则', 'Rule'), render: (_, a) => RULES[a.rule]?.[lang] ?? a.rule },
    {
      key: 'status',
      title: t('状态', 'Status'),
      render: (_, a) => (
        <Tag color={ALERT_STATES[a.status]?.color} data-testid="sea-alert-status">
          {ALERT_STATES[a.status]?.[lang] ?? a.status}
        </Tag>
      ),
    },
    ...(compact
      ? []
      : [
          { key: 'breaches', title: t('次数', 'Breaches'), dataIndex: 'breaches', width: 70 },
          {
            key: 'at',
            title: t('首次', 'First'),
            render: (_: unknown, a: SeaAlertRow) => new Date(a.firstAt).toLocaleString(),
          },
        ]),
    {
      key: 'act',
      title: t('操作', 'Action'),
      render: (_, a) => {
        const next = NEXT[a.status];
        if (!next || !can('matter:act')) return null;
        return (
          <Space size={4}>
            <Button
              size="small"
              type="primary"
              data-testid={`sea-act-${next.action}`}
              onClick={() => setActing({ row: a, action: next.action, field: next.field, label: next[lang] })}
            >
              {next[lang]}
            </Button>
            {a.status === 'raised' && (
              <Button
                size="small"
                onClick={() =>
                  setActing({ row: a, action: 'dismiss', field: 'reason', label: t('排除', 'Dismiss') })
                }
              >
                {t('排除', 'Dismiss')}
              </Button>
            )}
          </Space>
        );
      },
    },
  ];
  return (
    <Card
      size="small"
      title={compact ? t('在办海上预警', 'Open sea alerts') : undefined}
      extra={
        <Button
          size="small"
          icon={<ReloadOutlined />}
          onClick={() => list.refetch()}
          aria-label={t('刷新', 'Refresh')}
        />
      }
    >
      {!compact && (
        <Flex gap={8} wrap style={{ marginBottom: 12 }}>
          <Select
            allowClear
            style={{ width: 200 }}
            placeholder={t('规则', 'Rule')}
            options={Object.entries(RULES).map(([value, n]) => ({ value, label: n[lang] }))}
            onChange={(v) => setRule(v)}
          />
          <Select
            allowClear
            style={{ width: 140 }}
            placeholder={t('在办/已结', 'Open/closed')}
            value={open}
            options={[
              { value: 'true', label: t('在办', 'Open') },
              { value: 'false', label: t('已结', 'Closed') },
            ]}
            onChange={(v) => setOpen(v)}
          />
        </Flex>
      )}
      <PageState loading={list.isLoading} error={list.error} onRetry={() => list.refetch()}>
        <Table<SeaAlertRow>
          rowKey="matterId"
          size="small"
          data-testid="sea-alerts"
          columns={columns}
          dataSource={(list.data?.items ?? []) as SeaAlertRow[]}
          locale={{ emptyText: t('暂无海上预警', 'No sea alerts') }}
          pagination={{
            current: page.page,
            pageSize: page.pageSize,
            total: list.data?.total ?? 0,
            size: 'small',
            onChange: (p, s) => setPage({ page: p, pageSize: s }),
          }}
        />
      </PageState>
      <Modal
        open={!!acting}
        title={acting ? `${acting.label} · ${acting.row.vesselNumber}` : ''}
        okText={t('提交', 'Submit')}
        confirmLoading={act.isPending}
        onCancel={() => setActing(null)}
        onOk={() => form.submit()}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          onFinish={(v) =>
            acting &&
            act.mutate({ row: acting.row, action: acting.action, field: acting.field, text: v.text })
          }
        >
          <Form.Item
            name="text"
            label={
              acting?.field === 'result'
                ? t('船舶回应', 'The vessel’s response')
                : acting?.field === 'reason'
                  ? t('理由', 'Reason')
                  : t('说明（如何联系、说了什么）', 'Note (how contacted, what was said)')
            }
            rules={[{ required: true, whitespace: true, max: 2000 }]}
          >
            <Input.TextArea rows={3} maxLength={2000} data-testid="sea-act-text" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}

function GeometryTab() {
  const { t, lang } = useI18n();
  const { can, user } = useAuth() as unknown as { can: (p: string) => boolean; user?: { areaCode: string } };
  const { message } = App.useApp();
  const qc = useQueryClient();
  const geometries = useSeaGeometries();
  const [draft, setDraft] = useState<[number, number][]>([]);
  const [drawing, setDrawing] = useState(false);
  const [form] = Form.useForm<{ kind: string; name: string; areaCode: string; geojson?: string }>();
  const save = useMutation({
    mutationFn: (v: { kind: string; name: string; areaCode: string; geojson?: string }) => {
      const geometry = v.geojson?.trim() ? JSON.parse(v.geojson) : [[...draft, draft[0]]];
      return unwrap(
        api.POST('/api/sea/geometries', {
          body: { kind: v.kind as 'zone', name: v.name, areaCode: v.areaCode, geometry },
        }),
      );
    },
    onSuccess: () => {
      setDraft([]);
      setDrawing(false);
      form.resetFields(['name', 'geojson']);
      void qc.invalidateQueries({ queryKey: ['sea'] });
      message.success(t('已保存', 'Saved'));
    },
    onError: (e) =>
      message.error(
        e instanceof SyntaxError ? t('GeoJSON 无法解析', 'Unreadable GeoJSON') : errorText(e, lang),
      ),
  });
  const toggle = useMutation({
    mutationFn: (g: { id: string; version: number; active: boolean }) =>
      unwrap(
        api.PATCH('/api/sea/geometries/{id}', {
          params: { path: { id: g.id } },
          body: { version: g.version, active: !g.active },
        }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['sea'] }),
    onError: (e) => message.error(errorText(e, lang)),
  });
  const manage = can('sea:manage');
  return (
    <Flex gap={12} wrap="wrap" align="start">
      <div style={{ flex: '2 1 520px', minWidth: 320 }}>
        <SeaMap
          height={480}
          draft={draft}
          {...(drawing ? { onClick: (p) => setDraft((d) => [...d, p]) } : {})}
        />
      </div>
      <div style={{ flex: '1 1 320px', minWidth: 300 }}>
        {manage && (
          <Card size="small" title={t('新增多边形', 'New polygon')} style={{ marginBottom: 12 }}>
            <Form
              form={form}
              layout="vertical"
              initialValues={{ kind: 'corridor', areaCode: user?.areaCode ?? '330300000000' }}
              onFinish={(v) => save.mutate(v)}
            >
              <Form.Item name="kind" label={t('类型', 'Kind')} rules={[{ required: true }]}>
                <Select options={Object.entries(KINDS).map(([value, n]) => ({ value, label: n[lang] }))} />
              </Form.Item>
              <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, max: 100 }]}>
                <Input maxLength={100} />
              </Form.Item>
              <Form.Item
                name="areaCode"
                label={t('区划代码', 'Area code')}
                rules={[{ required: true, pattern: /^\d{12}$/ }]}
              >
                <Input maxLength={12} />
              </Form.Item>
              <Space wrap style={{ marginBottom: 8 }}>
                <Button type={drawing ? 'primary' : 'default'} onClick={() => setDrawing((d) => !d)}>
                  {drawing
                    ? t('绘制中：点击地图加点', 'Drawing: click the map')
                    : t('在地图上绘制', 'Draw on the map')}
                </Button>
                <Button disabled={!draft.length} onClick={() => setDraft((d) => d.slice(0, -1))}>
                  {t('撤销一点', 'Undo point')}
                </Button>
                <Button disabled={!draft.length} onClick={() => setDraft([])}>
                  {t('清除', 'Clear')}
                </Button>
                <Typography.Text type="secondary">
                  {t(`${draft.length} 个顶点`, `${draft.length} vertices`)}
                </Typography.Text>
              </Space>
              <Form.Item
                name="geojson"
                label={t('或粘贴 GeoJSON（Polygon/Feature）', 'Or paste GeoJSON (Polygon/Feature)')}
              >
                <Input.TextArea rows={3} maxLength={200_000} />
              </Form.Item>
              <Button type="primary" htmlType="submit" icon={<PlusOutlined />} loading={save.isPending}>
                {t('保存', 'Save')}
              </Button>
            </Form>
          </Card>
        )}
        <PageState
          loading={geometries.isLoading}
          error={geometries.error}
          onRetry={() => geometries.refetch()}
        >
          <Table
            rowKey="id"
            size="small"
            dataSource={geometries.data?.items ?? []}
            pagination={{ pageSize: 10, size: 'small' }}
            columns={[
              {
                key: 'kind',
                title: t('类型', 'Kind'),
                render: (_, g) => <Tag color={KIND_COLORS[g.kind]}>{KINDS[g.kind]?.[lang]}</Tag>,
              },
              { key: 'name', title: t('名称', 'Name'), dataIndex: 'name' },
              {
                key: 'act',
                title: '',
                render: (_, g) =>
                  manage ? (
                    <Button size="small" onClick={() => toggle.mutate(g)}>
                      {t('停用', 'Disable')}
                    </Button>
                  ) : null,
              },
            ]}
          />
        </PageState>
      </div>
    </Flex>
  );
}

function ClosuresTab() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [issuing, setIssuing] = useState(false);
  const [form] = Form.useForm<{
    name: string;
    areaCode: string;
    bbox: string;
    reason?: string;
    ends?: { toISOString(): string };
  }>();
  const list = useQuery({
    queryKey: ['sea', 'closures'],
    queryFn: () => unwrap(api.GET('/api/sea/closures')),
  });
  const issue = useMutation({
    mutationFn: (v: {
      name: string;
      areaCode: string;
      bbox: string;
      reason?: string;
      ends?: { toISOString(): string };
    }) => {
      const [w, s, e, n] = v.bbox.split(',').map(Number) as [number, number, number, number];
      return unwrap(
        api.POST('/api/sea/closures', {
          body: {
            name: v.name,
            areaCode: v.areaCode,
            geometry: [
              [
                [w, s],
                [e, s],
                [e, n],
                [w, n],
                [w, s],
              ],
            ],
            ...(v.reason ? { reason: v.reason } : {}),
            ...(v.ends ? { endsAt: v.ends.toISOString() } : {}),
          },
        }),
      );
    },
    onSuccess: () => {
      setIssuing(false);
      void qc.invalidateQueries({ queryKey: ['sea'] });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });
  const lift = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.POST('/api/sea/closures/{id}/lift', {
          params: { path: { id } },
          body: { reason: '解除 / lifted' },
        }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['sea'] }),
    onError: (e) => message.error(errorText(e, lang)),
  });
  return (
    <div>
      {can('sea:manage') && (
        <Button
          type="primary"
          icon={<PlusOutlined />}
          style={{ marginBottom: 12 }}
          onClick={() => setIssuing(true)}
        >
          {t('发布封港令', 'Issue a closure order')}
        </Button>
      )}
      <PageState loading={list.isLoading} error={list.error} onRetry={() => list.refetch()}>
        <Table
          rowKey="id"
          size="small"
          dataSource={list.data?.items ?? []}
          pagination={{ pageSize: 20 }}
          locale={{ emptyText: t('暂无封港令', 'No closure orders') }}
          columns={[
            { key: 'name', title: t('名称', 'Name'), dataIndex: 'name' },
            {
              key: 'from',
              title: t('生效', 'From'),
              render: (_, c) => new Date(c.startsAt).toLocaleString(),
            },
            {
              key: 'to',
              title: t('结束/解除', 'Until / lifted'),
              render: (_, c) =>
                c.liftedAt
                  ? `${t('已解除', 'Lifted')} ${new Date(c.liftedAt).toLocaleString()}`
                  : c.endsAt
                    ? new Date(c.endsAt).toLocaleString()
                    : t('至解除', 'Until lifted'),
            },
            {
              key: 'state',
              title: t('状态', 'State'),
              render: (_, c) =>
                c.active ? (
                  <Tag color="red">{t('生效中', 'Active')}</Tag>
                ) : (
                  <Tag>{t('未生效', 'Inactive')}</Tag>
                ),
            },
            {
              key: 'act',
              title: '',
              render: (_, c) =>
                can('sea:manage') && !c.liftedAt ? (
                  <Button size="small" onClick={() => lift.mutate(c.id)}>
                    {t('解除', 'Lift')}
                  </Button>
                ) : null,
            },
          ]}
        />
      </PageState>
      <Modal
        open={issuing}
        title={t('发布封港令', 'Issue a closure order')}
        onCancel={() => setIssuing(false)}
        onOk={() => form.submit()}
        confirmLoading={issue.isPending}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          initialValues={{ areaCode: '330300000000', bbox: '120.4,27.0,121.8,28.2' }}
          onFinish={(v) => issue.mutate(v)}
        >
          <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, max: 100 }]}>
            <Input maxLength={100} placeholder="台风“××”封港令" />
          </Form.Item>
          <Form.Item
            name="areaCode"
            label={t('区划代码', 'Area code')}
            rules={[{ required: true, pattern: /^\d{12}$/ }]}
          >
            <Input maxLength={12} />
          </Form.Item>
          <Form.Item
            name="bbox"
            label={t('范围（西,南,东,北）', 'Extent (W,S,E,N)')}
            rules={[{ required: true, pattern: /^\s*-?\d+(\.\d+)?(\s*,\s*-?\d+(\.\d+)?){3}\s*$/ }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name="ends" label={t('结束时间（可空：至解除）', 'Ends (empty: until lifted)')}>
            <DatePicker showTime />
          </Form.Item>
          <Form.Item name="reason" label={t('事由', 'Reason')} rules={[{ max: 500 }]}>
            <Input.TextArea rows={2} maxLength={500} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}

function ReportsTab() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const [form] = Form.useForm<{
    number: string;
    kind: 'exit' | 'entry';
    port: string;
    crewOnBoard?: number;
  }>();
  const list = useQuery({
    queryKey: ['sea', 'reports', page],
    queryFn: () => unwrap(api.GET('/api/sea/reports', { params: { query: page } })),
    placeholderData: keepPreviousData,
  });
  const file = useMutation({
    mutationFn: async (v: { number: string; kind: 'exit' | 'entry'; port: string; crewOnBoard?: number }) => {
      const found = await unwrap(
        api.GET('/api/sea/vessels', { params: { query: { q: v.number, page: 1, pageSize: 1 } } }),
      );
      const vessel = found.items.find((x) => x.number === v.number);
      if (!vessel) throw new Error(t('未找到该船号', 'No such vessel'));
      return unwrap(
        api.POST('/api/sea/reports', {
          body: {
            vesselId: vessel.id,
            kind: v.kind,
            port: v.port,
            ...(v.crewOnBoard !== undefined ? { crewOnBoard: v.crewOnBoard } : {}),
          },
        }),
      );
    },
    onSuccess: () => {
      form.resetFields();
      void qc.invalidateQueries({ queryKey: ['sea', 'reports'] });
      message.success(t('已填报', 'Filed'));
    },
    onError: (e) => message.error(errorText(e, lang)),
  });
  return (
    <div>
      <Form
        form={form}
        layout="inline"
        initialValues={{ kind: 'exit' }}
        onFinish={(v) => file.mutate(v)}
        style={{ marginBottom: 12, rowGap: 8 }}
      >
        <Form.Item name="number" rules={[{ required: true, max: 30 }]}>
          <Input placeholder={t('船号', 'Vessel number')} maxLength={30} />
        </Form.Item>
        <Form.Item name="kind">
          <Select
            style={{ width: 100 }}
            options={[
              { value: 'exit', label: t('出港', 'Exit') },
              { value: 'entry', label: t('进港', 'Entry') },
            ]}
          />
        </Form.Item>
        <Form.Item name="port" rules={[{ required: true, max: 50 }]}>
          <Input placeholder={t('港口', 'Port')} maxLength={50} />
        </Form.Item>
        <Form.Item name="crewOnBoard">
          <InputNumber min={0} max={200} placeholder={t('在船人数', 'Crew on board')} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={file.isPending}>
          {t('填报', 'File')}
        </Button>
      </Form>
      <PageState loading={list.isLoading} error={list.error} onRetry={() => list.refetch()}>
        <Table
          rowKey="id"
          size="small"
          dataSource={list.data?.items ?? []}
          locale={{ emptyText: t('暂无报告', 'No reports') }}
          pagination={{
            current: page.page,
            pageSize: page.pageSize,
            total: list.data?.total ?? 0,
            onChange: (p, s) => setPage({ page: p, pageSize: s }),
          }}
          columns={[
            { key: 'vessel', title: t('船号', 'Vessel'), dataIndex: 'vesselNumber' },
            {
              key: 'kind',
              title: t('类型', 'Kind'),
              render: (_, r) => (r.kind === 'exit' ? t('出港', 'Exit') : t('进港', 'Entry')),
            },
            { key: 'port', title: t('港口', 'Port'), dataIndex: 'port' },
            { key: 'at', title: t('时间', 'At'), render: (_, r) => new Date(r.reportedAt).toLocaleString() },
            { key: 'crew', title: t('在船人数', 'Crew'), render: (_, r) => r.crewOnBoard ?? '—' },
            { key: 'by', title: t('填报人', 'By'), dataIndex: 'by' },
          ]}
        />
      </PageState>
    </div>
  );
}

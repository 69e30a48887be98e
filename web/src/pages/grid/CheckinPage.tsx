import { AimOutlined, CameraOutlined, CheckCircleFilled, SendOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Empty,
  Flex,
  Input,
  List,
  Select,
  Space,
  Tag,
  Typography,
  Upload,
  type UploadFile,
} from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { type GridCheckin, type MyGrids, useMyGrids, useVisits } from './api';
import { cstTime, PERIODS, RoleTag } from './shared';

type Item = MyGrids['items'][number];

/** The browser's fix, or a readable reason why there is none. */
function locate(): Promise<GeolocationPosition> {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(new Error('此浏览器不支持定位 / This browser cannot share its location'));
      return;
    }
    navigator.geolocation.getCurrentPosition(resolve, (e) => reject(new Error(geoMessage(e))), {
      enableHighAccuracy: true,
      timeout: 20_000,
      maximumAge: 0,
    });
  });
}

function geoMessage(e: GeolocationPositionError): string {
  if (e.code === e.PERMISSION_DENIED) {
    return '未授权定位：请在浏览器设置中允许本站获取位置 / Location permission denied: allow it in the browser';
  }
  if (e.code === e.TIMEOUT) return '定位超时，请到开阔处重试 / Locating timed out: try again outdoors';
  return '无法获取定位 / The location is unavailable';
}

/**
 * 入格 on the phone: the user's grids (usually one), a large 入格 button that sends the browser's location, the
 * refusal with the distance when outside, and — once checked in — the visit log (houses, findings, photos)
 * with 转为事项 for a finding. Reminders from the town appear at the bottom.
 */
export default function CheckinPage() {
  const { t } = useI18n();
  const mine = useMyGrids();
  const data = mine.data;
  return (
    <div style={{ maxWidth: 560, margin: '0 auto' }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('入格', 'Check in')}
      </Typography.Title>
      <PageState loading={mine.isLoading} error={mine.error} onRetry={() => mine.refetch()}>
        {data && data.items.length === 0 && (
          <Empty
            description={t(
              '您不在任何网格的“1+3+N”网格力量名单中，请联系镇街综治中心。',
              'You are not on any grid’s 1+3+N team: ask your town centre.',
            )}
          />
        )}
        {data?.items.map((item) => (
          <GridCard key={item.member.id} item={item} toleranceM={data.toleranceM} />
        ))}
        {data && data.reminders.length > 0 && (
          <Card
            size="small"
            title={t('入格提醒', 'Reminders')}
            style={{ marginTop: 12 }}
            data-testid="reminders"
          >
            <List
              size="small"
              dataSource={data.reminders}
              renderItem={(r) => (
                <List.Item>
                  <Space direction="vertical" size={0}>
                    <Typography.Text>{r.message}</Typography.Text>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {cstTime(r.sentAt)}
                    </Typography.Text>
                  </Space>
                </List.Item>
              )}
            />
          </Card>
        )}
      </PageState>
    </div>
  );
}

interface Refusal {
  code: string;
  message: string;
  distanceM: number | null;
}

function GridCard({ item, toleranceM }: { item: Item; toleranceM: number }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [done, setDone] = useState<GridCheckin | null>(null);
  const current = done ?? item.current;
  const period = item.member.period === 'none' ? 'day' : item.member.period;

  const checkIn = useMutation({
    mutationFn: async () => {
      const pos = await locate();
      return unwrap(
        api.POST('/api/grid/checkins', {
          body: {
            areaCode: item.member.areaCode,
            location: {
              lng: pos.coords.longitude,
              lat: pos.coords.latitude,
              accuracy: pos.coords.accuracy,
              capturedAt: new Date(pos.timestamp).toISOString(),
            },
          },
        }),
      );
    },
    onMutate: () => setRefusal(null),
    onSuccess: (c) => {
      setDone(c);
      qc.invalidateQueries({ queryKey: ['grid', 'mine'] });
    },
    onError: (e) => {
      const distance =
        e instanceof ApiError && e.code === 'CHECKIN_OUTSIDE_GRID'
          ? Number(e.details.find((d) => d.code === 'CHECKIN_OUTSIDE_GRID')?.message)
          : null;
      setRefusal({
        code: e instanceof ApiError ? e.code : 'GEOLOCATION',
        message: errorText(e, lang),
        distanceM: distance !== null && Number.isFinite(distance) ? distance : null,
      });
    },
  });

  return (
    <Card
      style={{ marginBottom: 12 }}
      title={
        <Space wrap>
          <span>{item.member.areaName ?? item.member.areaCode}</span>
          <RoleTag role={item.member.role} />
        </Space>
      }
      data-testid="checkin-card"
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 12 }}>
        {item.member.period === 'none'
          ? t(
              '您的角色不要求定期入格，可随时入格记录走访。',
              'Your role has no check-in rule; check in to log visits.',
            )
          : t(
              `入格规则：${PERIODS[item.member.period].zh}入格一次。定位须在网格内或距边界 ${toleranceM} 米以内。`,
              `Rule: once ${item.member.period === 'day' ? 'a day' : 'a week'}. You must be inside the grid or within ${toleranceM} m of its edge.`,
            )}
      </Typography.Paragraph>
      {current && (
        <Alert
          type="success"
          showIcon
          icon={<CheckCircleFilled />}
          style={{ marginBottom: 12 }}
          data-testid="checkin-done"
          title={t(
            `${period === 'week' ? '本周' : '今日'}已入格：${cstTime(current.at)}`,
            `Checked in this ${period}: ${cstTime(current.at)}`,
          )}
          description={
            current.distanceM > 0
              ? t(
                  `定位在网格边界外 ${current.distanceM} 米（容差内）`,
                  `${current.distanceM} m outside the edge (within the tolerance)`,
                )
              : t('定位在网格内', 'Inside the grid')
          }
        />
      )}
      {refusal && (
        <Alert
          type={refusal.code === 'CHECKIN_DUPLICATE' ? 'warning' : 'error'}
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="checkin-refused"
          title={
            refusal.distanceM !== null
              ? t(
                  `不在网格内：距网格边界 ${refusal.distanceM} 米`,
                  `Outside the grid: ${refusal.distanceM} m from its edge`,
                )
              : t('未能入格', 'Not checked in')
          }
          description={
            refusal.distanceM !== null
              ? t(
                  `允许的范围是边界外 ${toleranceM} 米以内。请进入网格后重试。`,
                  `Up to ${toleranceM} m outside the edge is accepted. Move into the grid and try again.`,
                )
              : refusal.message
          }
        />
      )}
      <Button
        type={current ? 'default' : 'primary'}
        size="large"
        block
        icon={<AimOutlined />}
        loading={checkIn.isPending}
        onClick={() => checkIn.mutate()}
        style={{ height: 56, fontSize: 18 }}
        data-testid="checkin-button"
      >
        {checkIn.isPending
          ? t('正在定位…', 'Locating…')
          : current
            ? t('再次定位入格', 'Check in again')
            : t('定位入格', 'Check in here')}
      </Button>
      {current && <Visits checkinId={current.id} areaCode={current.areaCode} />}
    </Card>
  );
}

function Visits({ checkinId, areaCode }: { checkinId: string; areaCode: string }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const visits = useVisits(checkinId);
  const [findings, setFindings] = useState('');
  const [houseIds, setHouseIds] = useState<string[]>([]);
  const [photos, setPhotos] = useState<UploadFile[]>([]);
  const [houseQ, setHouseQ] = useState('');
  const houses = useQuery({
    queryKey: ['grid', 'houses', areaCode, houseQ],
    queryFn: () =>
      unwrap(
        api.GET('/api/houses', {
          params: { query: { areaCode, limit: 20, ...(houseQ ? { q: houseQ } : {}) } },
        }),
      ),
  });

  const save = useMutation({
    mutationFn: async () => {
      const v = await unwrap(
        api.POST('/api/grid/checkins/{id}/visits', {
          params: { path: { id: checkinId } },
          body: { houseIds, ...(findings.trim() ? { findings } : {}) },
        }),
      );
      if (photos.length > 0) {
        const fd = new FormData();
        for (const p of photos) if (p.originFileObj) fd.append('file', p.originFileObj, p.name);
        const r = await fetch(`/api/grid/visits/${v.id}/photos`, {
          method: 'POST',
          body: fd,
          credentials: 'same-origin',
        });
        if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => undefined));
      }
      return v;
    },
    onSuccess: () => {
      setFindings('');
      setHouseIds([]);
      setPhotos([]);
      message.success(t('走访已记录', 'Visit logged'));
      qc.invalidateQueries({ queryKey: ['grid', 'visits', checkinId] });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });

  const toMatter = useMutation({
    mutationFn: (visitId: string) =>
      unwrap(api.POST('/api/grid/visits/{id}/matter', { params: { path: { id: visitId } }, body: {} })),
    onSuccess: (r) => {
      message.success(t(`已上报为事项 ${r.matterNumber}`, `Reported as ${r.matterNumber}`));
      qc.invalidateQueries({ queryKey: ['grid', 'visits', checkinId] });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });

  return (
    <div style={{ marginTop: 16 }}>
      <Typography.Title level={5}>{t('走访记录', 'Visit log')}</Typography.Title>
      <Flex vertical gap={8}>
        <Select
          mode="multiple"
          showSearch
          filterOption={false}
          onSearch={setHouseQ}
          value={houseIds}
          onChange={setHouseIds}
          placeholder={t('走访的房屋（可搜索地址）', 'Houses visited (search the address)')}
          options={(houses.data?.items ?? []).map((h) => ({ value: h.id, label: h.address }))}
          data-testid="visit-houses"
        />
        <Input.TextArea
          rows={3}
          maxLength={2000}
          value={findings}
          onChange={(e) => setFindings(e.target.value)}
          placeholder={t('发现情况（如隐患、纠纷、需求）', 'What you found (hazards, disputes, needs)')}
          data-testid="visit-findings"
        />
        <Upload
          accept="image/*"
          multiple
          listType="picture"
          fileList={photos}
          beforeUpload={() => false}
          onChange={({ fileList }) => setPhotos(fileList.slice(0, 9))}
        >
          <Button icon={<CameraOutlined />}>{t('拍照 / 添加照片', 'Take or add photos')}</Button>
        </Upload>
        <Button
          type="primary"
          onClick={() => save.mutate()}
          loading={save.isPending}
          disabled={houseIds.length === 0 && !findings.trim()}
          data-testid="visit-save"
        >
          {t('保存走访', 'Save the visit')}
        </Button>
      </Flex>
      <List
        style={{ marginTop: 12 }}
        loading={visits.isLoading}
        dataSource={visits.data?.items ?? []}
        locale={{ emptyText: t('本次入格还没有走访记录', 'No visits logged yet') }}
        renderItem={(v) => (
          <List.Item data-testid="visit-item">
            <Flex vertical gap={4} style={{ width: '100%' }}>
              <Typography.Text>{v.findings ?? t('（无发现）', '(nothing found)')}</Typography.Text>
              <Space wrap size={4}>
                <Tag>{t(`房屋 ${v.houseIds.length}`, `${v.houseIds.length} houses`)}</Tag>
                {v.photos.length > 0 && (
                  <Tag>{t(`照片 ${v.photos.length}`, `${v.photos.length} photos`)}</Tag>
                )}
                {v.matterId ? (
                  <Link to={`/matters/${v.matterId}`} data-testid="visit-matter">
                    {t('已转事项', 'Matter')} {v.matterNumber}
                  </Link>
                ) : (
                  v.findings && (
                    <Button
                      size="small"
                      type="primary"
                      ghost
                      icon={<SendOutlined />}
                      loading={toMatter.isPending && toMatter.variables === v.id}
                      onClick={() => toMatter.mutate(v.id)}
                      data-testid="visit-to-matter"
                    >
                      {t('发现转事项', 'Report as a matter')}
                    </Button>
                  )
                )}
              </Space>
            </Flex>
          </List.Item>
        )}
      />
    </div>
  );
}

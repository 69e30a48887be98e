import { AimOutlined, CheckCircleFilled, FlagOutlined, SendOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Empty, Flex, Input, List, Select, Space, Tag, Typography } from 'antd';
import { lazy, Suspense, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, errorText, unwrap } from '../../api/client';
import { PageState } from '../../components/PageState';
import { useI18n } from '../../i18n';
import { CATEGORIES, type PatrolSession, type PatrolTask } from './api';
import { cstTime, distanceText, PatrolNav } from './shared';

const RouteMap = lazy(() => import('./RouteMap'));

/** The browser's fix, or a readable reason why there is none. */
function locate(): Promise<GeolocationPosition> {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(new Error('此浏览器不支持定位 / This browser cannot share its location'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      resolve,
      (e) =>
        reject(
          new Error(
            e.code === e.PERMISSION_DENIED
              ? '未授权定位：请在浏览器设置中允许本站获取位置 / Location permission denied: allow it in the browser'
              : e.code === e.TIMEOUT
                ? '定位超时，请到开阔处重试 / Locating timed out: try again outdoors'
                : '无法获取定位 / The location is unavailable',
          ),
        ),
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 0 },
    );
  });
}

const fixOf = (pos: GeolocationPosition) => ({
  lng: pos.coords.longitude,
  lat: pos.coords.latitude,
  accuracy: pos.coords.accuracy,
  capturedAt: new Date(pos.timestamp).toISOString(),
});

/**
 * 平安乐巡 on the phone: the open tasks of the user's teams with 开始巡逻; during a session the route, the check
 * points in order with a large 打卡 button for the next one (the browser's location; refused with the distance
 * when too far), 上报发现 that becomes a matter in one tap, and 结束巡逻 (one 人次 for each member).
 */
export default function SessionPage() {
  const { t } = useI18n();
  const mine = useQuery({
    queryKey: ['patrol', 'mine'],
    queryFn: () => unwrap(api.GET('/api/patrol/mine')),
  });
  const data = mine.data;
  return (
    <div style={{ maxWidth: 560, margin: '0 auto' }}>
      <PatrolNav current="session" />
      <PageState loading={mine.isLoading} error={mine.error} onRetry={() => mine.refetch()}>
        {data && data.memberships.length === 0 && (
          <Empty
            description={t(
              '您的账号未关联任何巡防队伍，请联系队长或镇街综治中心登记。',
              'Your login is on no patrol team: ask the team leader or the town centre.',
            )}
          />
        )}
        {data?.active ? (
          <ActiveSession session={data.active} />
        ) : (
          data &&
          data.memberships.length > 0 && (
            <List
              header={<Typography.Text strong>{t('可执行的巡逻任务', 'Open patrol tasks')}</Typography.Text>}
              dataSource={data.tasks}
              locale={{ emptyText: t('当前没有进行中的任务', 'No task is open now') }}
              renderItem={(task) => <TaskItem task={task} />}
            />
          )
        )}
      </PageState>
    </div>
  );
}

function TaskItem({ task }: { task: PatrolTask }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const start = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/patrol/sessions', { body: { taskId: task.id, companionIds: [] } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['patrol', 'mine'] }),
    onError: (e) => message.error(errorText(e, lang)),
  });
  return (
    <List.Item
      actions={[
        <Button
          key="start"
          type="primary"
          size="large"
          icon={<FlagOutlined />}
          loading={start.isPending}
          onClick={() => start.mutate()}
          data-testid="session-start"
        >
          {t('开始巡逻', 'Start')}
        </Button>,
      ]}
    >
      <List.Item.Meta
        title={task.name}
        description={`${task.teamName} · ${task.checkpoints.length} ${t('个打卡点', 'check points')} · ${distanceText(task.lengthM, lang)}`}
      />
    </List.Item>
  );
}

interface Refusal {
  code: string;
  message: string;
  distanceM: number | null;
}

function ActiveSession({ session }: { session: PatrolSession }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [current, setCurrent] = useState<PatrolSession>(session);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [me, setMe] = useState<{ lng: number; lat: number } | null>(null);
  const [title, setTitle] = useState('');
  const [category, setCategory] = useState('public_order');
  const [description, setDescription] = useState('');
  const s = current.id === session.id ? current : session;
  const next = s.checkpoints.find((c) => c.id === s.nextCheckpointId) ?? null;
  const done = s.checkpoints.filter((c) => c.checkedAt).length;

  const checkIn = useMutation({
    mutationFn: async () => {
      const pos = await locate();
      const fix = fixOf(pos);
      setMe({ lng: fix.lng, lat: fix.lat });
      return unwrap(
        api.POST('/api/patrol/sessions/{id}/checkins', {
          params: { path: { id: s.id } },
          body: { checkpointId: next!.id, location: fix },
        }),
      );
    },
    onMutate: () => setRefusal(null),
    onSuccess: (r) => {
      setCurrent(r);
      message.success(t('打卡成功', 'Checked in'));
    },
    onError: (e) => {
      const d =
        e instanceof ApiError && e.code === 'CHECKPOINT_TOO_FAR'
          ? Number(e.details.find((x) => x.code === 'CHECKPOINT_TOO_FAR')?.message)
          : null;
      setRefusal({
        code: e instanceof ApiError ? e.code : 'GEOLOCATION',
        message: errorText(e, lang),
        distanceM: d !== null && Number.isFinite(d) ? d : null,
      });
    },
  });

  const report = useMutation({
    mutationFn: async () => {
      const fix = fixOf(await locate());
      return unwrap(
        api.POST('/api/patrol/sessions/{id}/findings', {
          params: { path: { id: s.id } },
          body: {
            title,
            category,
            urgency: 'normal',
            location: fix,
            ...(description.trim() ? { description } : {}),
          },
        }),
      );
    },
    onSuccess: (r) => {
      setCurrent(r.session);
      setTitle('');
      setDescription('');
      message.success(t(`已上报为事项 ${r.matterNumber}`, `Reported as ${r.matterNumber}`));
    },
    onError: (e) => message.error(errorText(e, lang)),
  });

  const end = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/patrol/sessions/{id}/end', { params: { path: { id: s.id } }, body: {} })),
    onSuccess: (r) => {
      message.success(
        t(`巡逻结束，计 ${r.members.length} 人次`, `Patrol ended: ${r.members.length} person-times`),
      );
      qc.invalidateQueries({ queryKey: ['patrol'] });
    },
    onError: (e) => message.error(errorText(e, lang)),
  });

  return (
    <Card
      data-testid="session-card"
      title={
        <Space wrap>
          <span>{s.taskName}</span>
          <Tag color="green">{t('巡逻中', 'On patrol')}</Tag>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {s.teamName} · {t('开始', 'Started')} {cstTime(s.startedAt)} ·{' '}
        {s.members.map((m) => m.name).join('、')}
      </Typography.Paragraph>
      <Suspense fallback={<div style={{ height: 220 }} />}>
        <RouteMap
          height={220}
          coordinates={s.route.coordinates}
          checkpoints={s.checkpoints.map((c) => ({ ...c, done: !!c.checkedAt }))}
          me={me}
        />
      </Suspense>
      <List
        size="small"
        style={{ margin: '8px 0' }}
        dataSource={s.checkpoints}
        renderItem={(c) => (
          <List.Item data-testid="checkpoint-item" data-done={c.checkedAt ? 'true' : 'false'}>
            <Space>
              {c.checkedAt ? <CheckCircleFilled style={{ color: '#16a34a' }} /> : <span>{c.seq}.</span>}
              <span>{c.name}</span>
            </Space>
            <Typography.Text type="secondary">
              {c.checkedAt
                ? `${cstTime(c.checkedAt).slice(11)} · ${distanceText(c.distanceM ?? 0, lang)}`
                : t(`半径 ${c.radiusM} 米`, `radius ${c.radiusM} m`)}
            </Typography.Text>
          </List.Item>
        )}
      />
      {refusal && (
        <Alert
          type={refusal.code === 'CHECKPOINT_DUPLICATE' ? 'warning' : 'error'}
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="checkin-refused"
          title={
            refusal.distanceM !== null && next
              ? t(
                  `距打卡点“${next.name}” ${distanceText(refusal.distanceM, 'zh')}，超出 ${next.radiusM} 米范围`,
                  `${distanceText(refusal.distanceM, 'en')} from “${next.name}”, beyond its ${next.radiusM} m`,
                )
              : t('未能打卡', 'Not checked in')
          }
          description={
            refusal.distanceM !== null
              ? t('请走到打卡点附近后重试。', 'Walk to the check point and try again.')
              : refusal.message
          }
        />
      )}
      {next ? (
        <Button
          type="primary"
          size="large"
          block
          icon={<AimOutlined />}
          loading={checkIn.isPending}
          onClick={() => checkIn.mutate()}
          style={{ height: 56, fontSize: 18 }}
          data-testid="checkin-next"
        >
          {checkIn.isPending
            ? t('正在定位…', 'Locating…')
            : t(`在“${next.name}”打卡`, `Check in at “${next.name}”`)}
        </Button>
      ) : (
        <Alert
          type="success"
          showIcon
          data-testid="all-done"
          title={t(`已完成全部 ${done} 个打卡点`, `All ${done} check points reached`)}
        />
      )}

      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('上报发现', 'Report a finding')}
      </Typography.Title>
      <Flex vertical gap={8}>
        <Select
          value={category}
          onChange={setCategory}
          options={CATEGORIES.map((c) => ({ value: c.code, label: t(c.zh, c.en) }))}
        />
        <Input
          maxLength={200}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          placeholder={t('发现了什么（如：路灯不亮）', 'What you found (e.g. a broken street light)')}
          data-testid="finding-title"
        />
        <Input.TextArea
          rows={2}
          maxLength={5000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          placeholder={t('补充说明（可选）', 'Details (optional)')}
        />
        <Button
          icon={<SendOutlined />}
          disabled={!title.trim()}
          loading={report.isPending}
          onClick={() => report.mutate()}
          data-testid="finding-submit"
        >
          {t('发现转事项', 'Report as a matter')}
        </Button>
      </Flex>
      {s.findings.length > 0 && (
        <List
          size="small"
          style={{ marginTop: 8 }}
          dataSource={s.findings}
          renderItem={(f) => (
            <List.Item data-testid="finding-item">
              <Link to={`/matters/${f.matterId}`}>{f.number}</Link> {f.title}
            </List.Item>
          )}
        />
      )}
      <Button
        danger
        block
        size="large"
        style={{ marginTop: 16 }}
        loading={end.isPending}
        onClick={() => end.mutate()}
        data-testid="session-end"
      >
        {t('结束巡逻', 'End the patrol')}
      </Button>
    </Card>
  );
}

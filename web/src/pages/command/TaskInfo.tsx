import { AimOutlined, EnvironmentOutlined, PushpinOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Descriptions, Flex, Input, Skeleton, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router';
import { MAX_NOTE } from '../../../../src/shared/matter-input.ts';
import { ApiError, api, errorText, type Schemas, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { useTask } from './api';
import { assigneeText, metres, PanelError } from './shared';
import { DeadlineText } from './TaskList';

type Detail = Schemas['MatterDetail'];

/** Where a source matter's page is: an alert and a dispute have their own. */
export function sourcePath(source: { id: string; type: string }): string {
  if (source.type === 'alert') return `/alerts/${source.id}`;
  if (source.type === 'dispute') return `/disputes/${source.id}`;
  return `/matters/${source.id}`;
}

const GEO_TIMEOUT_MS = 10_000;

type Located = { lng: number; lat: number; accuracyM?: number };

function locate(): Promise<Located> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('此浏览器不提供定位 / This browser has no geolocation'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lng: p.coords.longitude, lat: p.coords.latitude, accuracyM: p.coords.accuracy }),
      (e) =>
        reject(
          new Error(
            e.code === e.PERMISSION_DENIED
              ? '未允许使用位置 / Location permission denied'
              : e.code === e.TIMEOUT
                ? '定位超时 / Location timed out'
                : '无法获取位置 / Location unavailable',
          ),
        ),
      { enableHighAccuracy: true, timeout: GEO_TIMEOUT_MS, maximumAge: 60_000 },
    );
  });
}

/**
 * A task's own page shows what it is about: the source matter (a link), the instructions, the deadline, where
 * the handler arrived — and, for the handler, 到场 with the browser's location (optional: refused or
 * unavailable, the arrival can still be reported without it). A centre may pin it on the map or unpin it.
 */
export function TaskInfo({ matter }: { matter: Detail }) {
  const { t, lang } = useI18n();
  const { hasRole } = useAuth();
  const q = useTask(matter.id);
  if (q.isLoading) return <Skeleton active paragraph={{ rows: 3 }} />;
  if (q.error) return <PanelError error={q.error} onRetry={() => void q.refetch()} />;
  const task = q.data!;
  const mayArrive = matter.actions.some((a) => a.action === 'arrive');
  const arrival = task.arrival;
  return (
    <Flex vertical gap={12} data-testid="task-info">
      <Descriptions
        size="small"
        column={1}
        items={[
          {
            key: 'source',
            label: t('来源事项', 'Source'),
            children: (
              <Link to={sourcePath(task.source)} data-testid="task-source">
                {task.source.number}
              </Link>
            ),
          },
          {
            key: 'instructions',
            label: t('指令内容', 'Instructions'),
            children: <span style={{ whiteSpace: 'pre-wrap' }}>{task.instructions}</span>,
          },
          {
            key: 'assignee',
            label: t('承办', 'Assignee'),
            children: assigneeText(task, lang, t('未分派', 'Unassigned')),
          },
          { key: 'deadline', label: t('完成时限', 'Deadline'), children: <DeadlineText task={task} /> },
          {
            key: 'issued',
            label: t('下达', 'Issued'),
            children: `${task.issuedBy ?? ''} · ${dayjs(task.createdAt).format('YYYY-MM-DD HH:mm')}`,
          },
          ...(arrival
            ? [
                {
                  key: 'arrival',
                  label: t('到场', 'Arrived'),
                  children: (
                    <span data-testid="task-arrival">
                      {dayjs(arrival.at).format('MM-DD HH:mm')}
                      {arrival.distanceM !== null
                        ? t(
                            ` · 距事发点 ${metres(arrival.distanceM, 'zh')}`,
                            ` · ${metres(arrival.distanceM, 'en')} from the spot`,
                          )
                        : t(' · 未附定位', ' · no location')}
                    </span>
                  ),
                },
              ]
            : []),
        ]}
      />
      {mayArrive && <ArriveForm matter={matter} />}
      {hasRole('city_admin', 'commander', 'county_center', 'town_center') && !task.closed && (
        <PinButton taskId={task.id} pinned={task.pinned} />
      )}
    </Flex>
  );
}

function ArriveForm({ matter }: { matter: Detail }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [note, setNote] = useState('');
  const [geoError, setGeoError] = useState<string | null>(null);
  const [locating, setLocating] = useState(false);
  // The version the handler saw: a change meanwhile makes the server refuse rather than overwrite.
  const version = matter.version;

  const arrive = useMutation({
    mutationFn: (location: Located | undefined) =>
      unwrap(
        api.POST('/api/command/tasks/{id}/arrive', {
          params: { path: { id: matter.id } },
          body: { version, ...(note.trim() ? { note: note.trim() } : {}), ...(location ? { location } : {}) },
        }),
      ),
    onSuccess: () => {
      message.success(t('已上报到场', 'Arrival reported'));
      void qc.invalidateQueries({ queryKey: ['matter', matter.id] });
      void qc.invalidateQueries({ queryKey: ['matters'] });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 409)
        void qc.invalidateQueries({ queryKey: ['matter', matter.id] });
    },
  });

  const withLocation = async () => {
    setGeoError(null);
    setLocating(true);
    try {
      const at = await locate();
      arrive.mutate(at);
    } catch (e) {
      setGeoError(errorText(e, lang));
    } finally {
      setLocating(false);
    }
  };

  return (
    <Flex vertical gap={8} data-testid="arrive-form">
      <Input.TextArea
        value={note}
        onChange={(e) => setNote(e.target.value)}
        autoSize={{ minRows: 1, maxRows: 4 }}
        maxLength={MAX_NOTE}
        placeholder={t('到场说明（可选）', 'A note (optional)')}
        aria-label={t('到场说明', 'Arrival note')}
        data-testid="arrive-note"
      />
      <Flex gap={8} wrap>
        <Button
          type="primary"
          icon={<AimOutlined />}
          loading={locating || arrive.isPending}
          onClick={() => void withLocation()}
          data-testid="arrive-located"
        >
          {t('到场（附我的位置）', 'Arrived (with my location)')}
        </Button>
        <Button
          icon={<EnvironmentOutlined />}
          disabled={locating || arrive.isPending}
          onClick={() => arrive.mutate(undefined)}
          data-testid="arrive-plain"
        >
          {t('到场（不附位置）', 'Arrived (no location)')}
        </Button>
      </Flex>
      {geoError && (
        <Alert
          type="warning"
          showIcon
          title={t(
            `未能获取位置：${geoError}。可不附位置上报到场。`,
            `No location: ${geoError}. You may report without it.`,
          )}
          data-testid="arrive-geo-error"
        />
      )}
      {arrive.error && (
        <Alert type="error" showIcon title={errorText(arrive.error, lang)} data-testid="arrive-error" />
      )}
    </Flex>
  );
}

function PinButton({ taskId, pinned }: { taskId: string; pinned: boolean }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const pin = useMutation({
    mutationFn: (next: boolean) =>
      unwrap(
        api.PUT('/api/command/tasks/{id}/pin', { params: { path: { id: taskId } }, body: { pinned: next } }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['matter', taskId] }),
  });
  return (
    <div>
      <Button
        icon={<PushpinOutlined />}
        loading={pin.isPending}
        onClick={() => pin.mutate(!pinned)}
        data-testid="task-pin"
      >
        {pinned ? t('取消地图置顶', 'Unpin from the map') : t('在地图上置顶', 'Pin on the map')}
      </Button>
      {pin.error && (
        <Typography.Text type="danger" style={{ marginLeft: 8 }}>
          {errorText(pin.error, lang)}
        </Typography.Text>
      )}
    </div>
  );
}

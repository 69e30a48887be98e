import { EyeInvisibleOutlined, EyeOutlined, QuestionCircleOutlined } from '@ant-design/icons';
import { Alert, Empty, Flex, Segmented, Skeleton, Tag, Typography } from 'antd';
import { type ReactNode, useState } from 'react';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { type Camera, useCameras } from './api';
import { FovIcon } from './FovIcon';
import { HlsPlayer } from './HlsPlayer';
import { compass, metres, PanelError } from './shared';

const RADII = [500, 1000, 2000, 5000] as const;

/**
 * The cameras around a matter, nearest first, each with its distance, the direction of the matter from it
 * and whether it looks that way; choosing one plays its stream below. Each camera is a button: Tab moves
 * between them, Enter or Space plays one.
 */
export function CameraPanel({
  matterId,
  located,
  onChoose,
}: {
  matterId: string;
  /** Whether the matter has a point: without one there is nothing to search around (and no request). */
  located: boolean;
  onChoose?: (ids: string[]) => void;
}) {
  const { t, lang } = useI18n();
  const [radius, setRadius] = useState<number>(1000);
  const [chosen, setChosen] = useState<Camera | null>(null);
  const q = useCameras(matterId, radius, located);

  const choose = (c: Camera) => {
    setChosen(c);
    onChoose?.([c.id]);
  };

  let body: ReactNode;
  if (!located || (q.error instanceof ApiError && q.error.code === 'MATTER_NO_LOCATION')) {
    body = (
      <Alert
        type="info"
        showIcon
        title={t(
          '该事项没有定位坐标，无法查找周边监控。',
          'This matter has no location, so no cameras can be found around it.',
        )}
        data-testid="cameras-no-location"
      />
    );
  } else if (q.isLoading) body = <Skeleton active paragraph={{ rows: 3 }} />;
  else if (q.error) body = <PanelError error={q.error} onRetry={() => void q.refetch()} />;
  else if (q.data && q.data.items.length === 0) {
    body = (
      <Empty
        description={t(`${metres(radius, 'zh')}内没有监控点`, `No camera within ${metres(radius, 'en')}`)}
      />
    );
  } else if (q.data) {
    body = (
      <Flex vertical gap={6} data-testid="camera-list">
        {q.data.items.map((c) => {
          const selected = chosen?.id === c.id;
          return (
            <button
              type="button"
              key={c.id}
              aria-pressed={selected}
              onClick={() => choose(c)}
              data-testid="camera-item"
              data-camera-id={c.id}
              data-distance={c.distanceM}
              style={{
                display: 'flex',
                gap: 10,
                alignItems: 'center',
                padding: '6px 8px',
                borderRadius: 6,
                cursor: 'pointer',
                border: `1px solid ${selected ? '#1d4ed8' : '#e5e7eb'}`,
                background: selected ? '#eff6ff' : '#fff',
                textAlign: 'left',
                width: '100%',
                font: 'inherit',
              }}
            >
              <FovIcon camera={c} />
              <span style={{ flex: 1, minWidth: 0 }}>
                <Typography.Text strong ellipsis style={{ display: 'block' }}>
                  {c.name}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {metres(c.distanceM, lang)} ·{' '}
                  {t(
                    `事发点在其${compass(c.bearingDeg, 'zh')}`,
                    `matter to the ${compass(c.bearingDeg, 'en')}`,
                  )}
                </Typography.Text>
              </span>
              <span style={{ display: 'flex', flexDirection: 'column', gap: 2, alignItems: 'flex-end' }}>
                {c.inView === true ? (
                  <Tag color="success" icon={<EyeOutlined />} data-testid="camera-fov" data-in-view="true">
                    {t('视野内', 'In view')}
                  </Tag>
                ) : c.inView === false ? (
                  <Tag icon={<EyeInvisibleOutlined />} data-testid="camera-fov" data-in-view="false">
                    {t('视野外', 'Out of view')}
                  </Tag>
                ) : (
                  <Tag icon={<QuestionCircleOutlined />} data-testid="camera-fov" data-in-view="unknown">
                    {t('朝向未知', 'Direction unknown')}
                  </Tag>
                )}
                {!c.hasStream && <Tag color="warning">{t('无视频流', 'No stream')}</Tag>}
              </span>
            </button>
          );
        })}
        {q.data.total > q.data.items.length && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(
              `共 ${q.data.total} 个，显示最近的 ${q.data.items.length} 个`,
              `${q.data.total} in all; the nearest ${q.data.items.length} shown`,
            )}
          </Typography.Text>
        )}
      </Flex>
    );
  }

  return (
    <Flex vertical gap={10}>
      <Flex align="center" gap={8} wrap>
        <Typography.Text type="secondary" id="camera-radius-label">
          {t('搜索半径', 'Radius')}
        </Typography.Text>
        <Segmented
          aria-labelledby="camera-radius-label"
          value={radius}
          onChange={(v) => {
            setRadius(Number(v));
            setChosen(null);
          }}
          options={RADII.map((r) => ({ value: r, label: metres(r, lang) }))}
          data-testid="camera-radius"
        />
      </Flex>
      {body}
      {chosen &&
        (q.data?.streamsVisible === false ? (
          <Alert
            type="warning"
            showIcon
            title={t('您没有查看视频的权限', 'You may not watch camera streams')}
          />
        ) : (
          <div>
            <Typography.Text strong style={{ display: 'block', marginBottom: 6 }} data-testid="player-title">
              {chosen.name}
            </Typography.Text>
            <HlsPlayer key={chosen.id} src={chosen.streamUrl} title={chosen.name} />
          </div>
        ))}
    </Flex>
  );
}

import { AimOutlined, SendOutlined, TeamOutlined, VideoCameraOutlined } from '@ant-design/icons';
import { Card, Tabs } from 'antd';
import { useState } from 'react';
import type { Schemas } from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { CameraPanel } from './CameraPanel';
import { DispatchForm } from './DispatchForm';
import { TaskInfo } from './TaskInfo';
import { TaskList } from './TaskList';
import { TeamPanel } from './TeamPanel';

type Detail = Schemas['MatterDetail'];

/**
 * 一键直达, on a matter's, an alert's or a dispute's page: the cameras nearest the spot with a player, the
 * command tasks dispatched from it and the form to dispatch one, and the area's grid team. On a task's own
 * page it shows what the task is about and lets the handler report arrival with their location. For those
 * who act on matters; the server checks everything again.
 */
export function CommandPanel({ matter }: { matter: Detail }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [cameraIds, setCameraIds] = useState<string[]>([]);
  if (!can('matter:act')) return null;
  if (matter.type === 'task') {
    return (
      <Card
        size="small"
        title={
          <span>
            <AimOutlined /> {t('指令', 'Task')}
          </span>
        }
        data-testid="command-panel"
      >
        <TaskInfo matter={matter} />
      </Card>
    );
  }
  return (
    <Card
      size="small"
      title={
        <span>
          <AimOutlined /> {t('一键直达', 'Command')}
        </span>
      }
      data-testid="command-panel"
    >
      <Tabs
        size="small"
        destroyOnHidden={false}
        items={[
          {
            key: 'cameras',
            label: (
              <span data-testid="command-tab-cameras">
                <VideoCameraOutlined /> {t('周边监控', 'Cameras')}
              </span>
            ),
            children: <CameraPanel matterId={matter.id} located={!!matter.point} onChoose={setCameraIds} />,
          },
          {
            key: 'dispatch',
            label: (
              <span data-testid="command-tab-dispatch">
                <SendOutlined /> {t('下达指令', 'Dispatch')}
              </span>
            ),
            children: (
              <>
                <DispatchForm matter={matter} cameraIds={cameraIds} />
                <div style={{ marginTop: 16 }}>
                  <TaskList matterId={matter.id} />
                </div>
              </>
            ),
          },
          {
            key: 'team',
            label: (
              <span data-testid="command-tab-team">
                <TeamOutlined /> {t('网格力量', 'Grid team')}
              </span>
            ),
            children: <TeamPanel matterId={matter.id} />,
          },
        ]}
      />
    </Card>
  );
}

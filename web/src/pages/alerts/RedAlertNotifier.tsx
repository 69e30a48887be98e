import { App, Typography } from 'antd';
import { useNavigate } from 'react-router';
import { type MatterEvent, useLiveEvents } from '../../api/useLiveEvents';
import { useI18n } from '../../i18n';

/**
 * A red alert reaches whoever may see it at once, wherever they are in the console: a notification that
 * stays until it is clicked (opening the alert) or closed. Mounted once by the layout for users who read
 * matters; the server decides by scope who hears the event.
 */
export function RedAlertNotifier() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const { notification } = App.useApp();
  const onEvent = (e: MatterEvent) => {
    if (e.type !== 'alert.raised' || e.level !== 'red' || !e.matterId) return;
    const id = e.matterId;
    notification.error({
      key: `alert-${id}`,
      title: t('红色预警', 'Red alert'),
      description: (
        <span data-testid="alert-notification">
          {e.title ?? e.matterNumber}
          {e.modelName ? (
            <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
              {e.modelName}
              {e.score !== undefined ? t(` · 评分 ${e.score}`, ` · score ${e.score}`) : ''}
            </Typography.Text>
          ) : null}
        </span>
      ),
      duration: 0,
      placement: 'topRight',
      style: { cursor: 'pointer' },
      onClick: () => {
        notification.destroy(`alert-${id}`);
        navigate(`/alerts/${id}`);
      },
    });
  };
  useLiveEvents(onEvent);
  return null;
}

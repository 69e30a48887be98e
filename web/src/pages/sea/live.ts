import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { type LiveState, type MatterEvent, useLiveEvents } from '../../api/useLiveEvents';

const DEBOUNCE_MS = 800;

export interface SeaAlertEvent {
  matterId?: string;
  matterNumber?: string;
  title?: string;
  rule?: string;
  ruleName?: string;
  vessel?: string;
}

/**
 * Keeps the sea queries fresh from the tab's one event stream (useLiveEvents, /api/events): a `sea.positions`
 * burst refreshes the layer and the vessel list once; `sea.alert` and the sea alerts' steps refresh the board,
 * and `sea.alert` is handed to `onAlert` (the notifier).
 */
export function useSeaLive(onAlert?: (e: SeaAlertEvent) => void): LiveState {
  const qc = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onAlertRef = useRef(onAlert);
  onAlertRef.current = onAlert;
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const onEvent = useCallback(
    (e: MatterEvent) => {
      if (e.type !== 'sea.positions' && e.type !== 'sea.alert' && e.type !== 'matter.transitioned') return;
      if (!timer.current) {
        timer.current = setTimeout(() => {
          timer.current = null;
          void qc.invalidateQueries({ queryKey: ['sea'] });
        }, DEBOUNCE_MS);
      }
      if (e.type === 'sea.alert')
        onAlertRef.current?.({
          matterId: e.matterId,
          matterNumber: e.matterNumber,
          title: e.title,
          rule: e.rule,
          ruleName: e.ruleName,
          vessel: e.vessel,
        });
    },
    [qc],
  );
  return useLiveEvents(onEvent);
}

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

/** The server's sea events (src/modules/sea/sea.feed.ts): positions stored, an alert raised; and the loop's steps. */
const SEA_EVENTS = ['sea.positions', 'sea.alert', 'matter.transitioned'] as const;
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
 * Keeps the sea queries fresh from the event stream (/api/events): a `sea.positions` burst refreshes the
 * layer and the vessel list once; `sea.alert` refreshes the board and is handed to `onAlert` (the notifier).
 */
export function useSeaLive(onAlert?: (e: SeaAlertEvent) => void): 'connecting' | 'live' | 'offline' {
  const qc = useQueryClient();
  const [state, setState] = useState<'connecting' | 'live' | 'offline'>('connecting');
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/events');
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        void qc.invalidateQueries({ queryKey: ['sea'] });
      }, DEBOUNCE_MS);
    };
    es.addEventListener('ready', () => setState('live'));
    es.onerror = () => setState(es.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    for (const type of SEA_EVENTS) {
      es.addEventListener(type, (m) => {
        refresh();
        if (type !== 'sea.alert' || !onAlert) return;
        try {
          const e = JSON.parse((m as MessageEvent<string>).data) as {
            matterId?: string;
            matterNumber?: string;
            data?: Record<string, unknown>;
          };
          const d = e.data ?? {};
          const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
          onAlert({
            matterId: e.matterId,
            matterNumber: e.matterNumber,
            title: str(d.title),
            rule: str(d.rule),
            ruleName: str(d.ruleName),
            vessel: str(d.vessel),
          });
        } catch {
          // An unreadable message only refreshes.
        }
      });
    }
    return () => {
      if (timer) clearTimeout(timer);
      es.close();
    };
  }, [qc, onAlert]);
  return state;
}

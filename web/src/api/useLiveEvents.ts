import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

/**
 * The matter events the server publishes (src/core/matters/): an EventSource only hears named events it
 * listens to, one by one, so they are listed here. A new kind the server adds is simply not heard until it
 * is added here — the pages still show fresh data on their next load.
 */
const MATTER_EVENTS = [
  'matter.created',
  'matter.transitioned',
  'matter.attached',
  'matter.warning',
  'matter.overdue',
] as const;

/** What an event tells (src/core/events/bus.ts ZhiliEvent): a hint to refresh, never the record itself. */
export interface MatterEvent {
  type: string;
  at: string;
  matterId?: string;
  matterNumber?: string;
  status?: string;
  actorId?: string | null;
}

export type LiveState = 'connecting' | 'live' | 'offline';

/** A closed stream (the server refused it, e.g. a 401, or went away) is retried after this long. */
const REOPEN_MS = 15_000;
/** Many events in a burst (a commander sees the whole city) refresh the queues once. */
const LIST_DEBOUNCE_MS = 400;

function parse(data: unknown): MatterEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const v: unknown = JSON.parse(data);
    if (typeof v !== 'object' || v === null) return null;
    const o = v as Record<string, unknown>;
    if (typeof o.type !== 'string' || typeof o.at !== 'string') return null;
    return {
      type: o.type,
      at: o.at,
      ...(typeof o.matterId === 'string' ? { matterId: o.matterId } : {}),
      ...(typeof o.matterNumber === 'string' ? { matterNumber: o.matterNumber } : {}),
      ...(typeof o.status === 'string' ? { status: o.status } : {}),
    };
  } catch {
    return null;
  }
}

function refreshEverything(qc: QueryClient) {
  void qc.invalidateQueries({ queryKey: ['matters'] });
  void qc.invalidateQueries({ queryKey: ['matter'] });
}

/**
 * Live updates for a page: opens one EventSource on /api/events while the page is mounted and, for each
 * `matter.*` event, invalidates the TanStack queries ['matter', id] and ['matters', …], so that a matter
 * changed by someone else updates where it is shown without a reload. The server does not replay events
 * missed while disconnected, so after a reconnection everything shown is refreshed once.
 */
export function useLiveEvents(onEvent?: (e: MatterEvent) => void): LiveState {
  const qc = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  // The latest callback without reopening the stream each time the page re-renders.
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    let es: EventSource | null = null;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let listTimer: ReturnType<typeof setTimeout> | undefined;
    let connectedBefore = false;
    let stopped = false;

    const onMatterEvent = (msg: MessageEvent) => {
      const e = parse(msg.data);
      if (!e) return;
      if (e.matterId) void qc.invalidateQueries({ queryKey: ['matter', e.matterId] });
      clearTimeout(listTimer);
      listTimer = setTimeout(() => void qc.invalidateQueries({ queryKey: ['matters'] }), LIST_DEBOUNCE_MS);
      onEventRef.current?.(e);
    };

    const open = () => {
      if (stopped) return;
      setState('connecting');
      const source = new EventSource('/api/events');
      es = source;
      source.addEventListener('ready', () => {
        setState('live');
        if (connectedBefore) refreshEverything(qc);
        connectedBefore = true;
      });
      for (const type of MATTER_EVENTS) source.addEventListener(type, onMatterEvent);
      source.onerror = () => {
        if (source.readyState === EventSource.CLOSED) {
          // The browser gives up on an answer that is not a stream (401 after the session ended, 5xx):
          // try again later; if the session is gone, the next API call sends the user to sign in.
          setState('offline');
          source.close();
          reopen = setTimeout(open, REOPEN_MS);
        } else {
          setState('connecting'); // the browser reconnects by itself (the server asks for 5 s)
        }
      };
    };

    open();
    return () => {
      stopped = true;
      clearTimeout(reopen);
      clearTimeout(listTimer);
      es?.close();
    };
  }, [qc]);

  return state;
}

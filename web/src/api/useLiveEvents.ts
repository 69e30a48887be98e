import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

/**
 * The events the server publishes: the matters' (src/core/matters/) and the model runtime's `alert.*`
 * (src/modules/alert/runtime/runtime.ts; an alert is a matter, so its 研判, 分派 … come as
 * matter.transitioned). An EventSource only hears named events it listens to, one by one, so they are listed
 * here. A new kind the server adds is simply not heard until it is added here — the pages still show fresh
 * data on their next load.
 */
const LIVE_EVENTS = [
  'matter.created',
  'matter.transitioned',
  'matter.attached',
  'matter.warning',
  'matter.overdue',
  'alert.raised',
  'alert.updated',
] as const;

export type AlertLevel = 'red' | 'orange' | 'yellow';
const LEVELS = new Set(['red', 'orange', 'yellow']);

/** What an event tells (src/core/events/bus.ts ZhiliEvent): a hint to refresh, never the record itself. */
export interface MatterEvent {
  type: string;
  at: string;
  matterId?: string;
  matterNumber?: string;
  status?: string;
  actorId?: string | null;
  /** alert.* only: which model, how strong, the headline. */
  model?: string;
  modelName?: string;
  level?: AlertLevel;
  score?: number;
  title?: string;
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
    const d = typeof o.data === 'object' && o.data !== null ? (o.data as Record<string, unknown>) : {};
    const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
    const e: MatterEvent = { type: o.type, at: o.at };
    for (const [k, x] of [
      ['matterId', str(o.matterId)],
      ['matterNumber', str(o.matterNumber)],
      ['status', str(o.status)],
      ['model', str(d.model)],
      ['modelName', str(d.modelName)],
      ['title', str(d.title)],
    ] as const) {
      if (x) e[k] = x;
    }
    if (typeof d.level === 'string' && LEVELS.has(d.level)) e.level = d.level as AlertLevel;
    if (typeof d.score === 'number') e.score = d.score;
    return e;
  } catch {
    return null;
  }
}

function refreshLists(qc: QueryClient) {
  void qc.invalidateQueries({ queryKey: ['matters'] });
  // The models' open counts and 研判 ratios move with their alerts.
  void qc.invalidateQueries({ queryKey: ['alert-models'] });
}

function refreshEverything(qc: QueryClient) {
  refreshLists(qc);
  void qc.invalidateQueries({ queryKey: ['matter'] });
}

/**
 * Live updates for a page: opens one EventSource on /api/events while the page is mounted and, for each
 * `matter.*` or `alert.*` event, invalidates the TanStack queries ['matter', id] and ['matters', …], so that a matter
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
      listTimer = setTimeout(() => refreshLists(qc), LIST_DEBOUNCE_MS);
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
      for (const type of LIVE_EVENTS) source.addEventListener(type, onMatterEvent);
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

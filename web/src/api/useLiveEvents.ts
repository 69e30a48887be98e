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
  // 海上斑马线 (src/modules/sea/sea.feed.ts): positions stored for a county (a refresh hint for the vessel
  // layer, not for the matter lists) and a sea alert raised (a matter of type sea_alert).
  'sea.positions',
  'sea.alert',
] as const;

/**
 * Events that concern no matter: hints for the pages that draw them (their `onEvent`), which must not make
 * every open list reload.
 */
const HINTS_ONLY: ReadonlySet<string> = new Set<(typeof LIVE_EVENTS)[number]>(['sea.positions']);

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
  /** sea.alert only: the rule that was broken and the vessel. */
  rule?: string;
  ruleName?: string;
  vessel?: string;
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
      ['rule', str(d.rule)],
      ['ruleName', str(d.ruleName)],
      ['vessel', str(d.vessel)],
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
 * One EventSource per browser tab, shared by every hook that listens: a page and the layout's red-alert
 * notifier together must not hold two streams — a browser keeps at most six connections per host over
 * HTTP/1.1, and a few open pages with a stream each would leave no connection for the API calls.
 */
interface Listener {
  onEvent(e: MatterEvent): void;
  onState(s: LiveState): void;
  onReconnect(): void;
}

const hub = {
  es: null as EventSource | null,
  listeners: new Set<Listener>(),
  state: 'connecting' as LiveState,
  reopen: undefined as ReturnType<typeof setTimeout> | undefined,
  connectedBefore: false,
};

function setHubState(s: LiveState) {
  hub.state = s;
  for (const l of hub.listeners) l.onState(s);
}

function openHub() {
  if (!hub.listeners.size) return;
  setHubState('connecting');
  const source = new EventSource('/api/events');
  hub.es = source;
  source.addEventListener('ready', () => {
    setHubState('live');
    if (hub.connectedBefore) for (const l of hub.listeners) l.onReconnect();
    hub.connectedBefore = true;
  });
  const onMessage = (msg: MessageEvent) => {
    const e = parse(msg.data);
    if (e) for (const l of hub.listeners) l.onEvent(e);
  };
  for (const type of LIVE_EVENTS) source.addEventListener(type, onMessage);
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      // The browser gives up on an answer that is not a stream (401 after the session ended, 5xx):
      // try again later; if the session is gone, the next API call sends the user to sign in.
      setHubState('offline');
      source.close();
      hub.es = null;
      hub.reopen = setTimeout(() => {
        hub.reopen = undefined;
        openHub();
      }, REOPEN_MS);
    } else {
      setHubState('connecting'); // the browser reconnects by itself (the server asks for 5 s)
    }
  };
}

function subscribe(l: Listener): () => void {
  hub.listeners.add(l);
  if (!hub.es && !hub.reopen) openHub();
  else l.onState(hub.state);
  return () => {
    hub.listeners.delete(l);
    if (hub.listeners.size) return;
    clearTimeout(hub.reopen);
    hub.reopen = undefined;
    hub.es?.close();
    hub.es = null;
    hub.connectedBefore = false;
  };
}

/**
 * Live updates for a page: listens to the tab's one stream on /api/events while the page is mounted and,
 * for each `matter.*` or `alert.*` event, invalidates the TanStack queries ['matter', id] and
 * ['matters', …], so that a matter changed by someone else updates where it is shown without a reload.
 * The server does not replay events missed while disconnected, so after a reconnection everything shown is
 * refreshed once.
 */
export function useLiveEvents(onEvent?: (e: MatterEvent) => void): LiveState {
  const qc = useQueryClient();
  const [state, setState] = useState<LiveState>(hub.state);
  // The latest callback without resubscribing each time the page re-renders.
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    let listTimer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = subscribe({
      onEvent: (e) => {
        if (!HINTS_ONLY.has(e.type)) {
          if (e.matterId) void qc.invalidateQueries({ queryKey: ['matter', e.matterId] });
          clearTimeout(listTimer);
          listTimer = setTimeout(() => refreshLists(qc), LIST_DEBOUNCE_MS);
        }
        onEventRef.current?.(e);
      },
      onState: setState,
      onReconnect: () => refreshEverything(qc),
    });
    return () => {
      clearTimeout(listTimer);
      unsubscribe();
    };
  }, [qc]);

  return state;
}

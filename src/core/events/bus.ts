import { EventEmitter } from 'node:events';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/database.ts';

/** Something that happened to a record, told to whoever may see it (SSE clients, in-process reactions). */
export interface ZhiliEvent {
  /** e.g. 'matter.created', 'matter.transitioned', 'matter.overdue' */
  type: string;
  /** ISO time */
  at: string;
  matterId?: string;
  matterNumber?: string;
  status?: string;
  /** The record's area: decides who may see the event. */
  areaCode?: string | null;
  assigneeDepartment?: string | null;
  assigneeAreaCode?: string | null;
  assigneeUserId?: string | null;
  actorId?: string | null;
  /** Small; never personal identifiers (it travels through PostgreSQL and to browsers as is). */
  data?: Record<string, unknown>;
}

export interface EventBus {
  /** Callers publish AFTER their transaction commits: a rolled-back change must not be announced. */
  publish(e: ZhiliEvent): Promise<void>;
  /**
   * Several events in order, in one round trip on PostgreSQL (one NOTIFY statement: within it, two events
   * with exactly the same encoding are delivered once). After the commit, as `publish`.
   */
  publishAll(events: ZhiliEvent[]): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(fn: (e: ZhiliEvent) => void): () => void;
  close(): Promise<void>;
}

export interface EventBusOptions {
  /** A subscriber that threw, an unreadable notification, a lost listener connection. */
  onError?: (e: Error) => void;
}

export const EVENTS_CHANNEL = 'zhili_events';
/** Shown in pg_stat_activity, so that operators (and tests) can tell the listener's connection apart. */
export const EVENTS_APPLICATION_NAME = 'zhili-events';

/**
 * PostgreSQL refuses NOTIFY payloads of 8000 bytes or more (in the server's encoding; UTF-8 here). We keep a
 * margin and, past it, drop `data`: the event still says what happened to which record, and a client that
 * needs the details reads the record. The fields left are short codes and ids, so they always fit.
 */
export const MAX_PAYLOAD_BYTES = 7900;

export function encodeEvent(e: ZhiliEvent): string {
  const json = JSON.stringify(e);
  if (Buffer.byteLength(json, 'utf8') <= MAX_PAYLOAD_BYTES) return json;
  const { data: _dropped, ...rest } = e;
  return JSON.stringify(rest);
}

function decodeEvent(payload: string): ZhiliEvent {
  const v: unknown = JSON.parse(payload);
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof (v as { type?: unknown }).type !== 'string' ||
    typeof (v as { at?: unknown }).at !== 'string'
  ) {
    throw new Error('not a Zhili event');
  }
  return v as ZhiliEvent;
}

const defaultOnError = (e: Error) => process.stderr.write(`zhili: event bus: ${e.message}\n`);

/**
 * The event bus of this process. On PostgreSQL, every instance LISTENs on one channel and delivers only what
 * arrives there — its own publications included — so that each of several server processes on one database
 * sees every event exactly once. PGlite lives in one process, so an in-process emitter suffices.
 *
 * Delivery is at most once: events published while an instance's listener is reconnecting are not replayed
 * to it. Clients treat events as hints to refresh, never as the record itself.
 */
export async function createEventBus(database: Database, opts: EventBusOptions = {}): Promise<EventBus> {
  const onError = opts.onError ?? defaultOnError;
  const subscribers = new Set<(e: ZhiliEvent) => void>();

  const deliver = (payload: string) => {
    let e: ZhiliEvent;
    try {
      e = decodeEvent(payload);
    } catch (err) {
      onError(new Error(`unreadable event ignored: ${(err as Error).message}`));
      return;
    }
    // A copy of the set: a subscriber may unsubscribe (itself or another) while we iterate.
    for (const fn of [...subscribers]) {
      try {
        fn(e);
      } catch (err) {
        onError(err instanceof Error ? err : new Error(String(err)));
      }
    }
  };
  const subscribe = (fn: (e: ZhiliEvent) => void) => {
    // Wrapped so that the same function subscribed twice is two subscriptions, each removable on its own.
    const entry = (e: ZhiliEvent) => fn(e);
    subscribers.add(entry);
    return () => {
      subscribers.delete(entry);
    };
  };

  if (database.engine === 'postgres') {
    if (!database.url)
      throw new Error('event bus: a PostgreSQL database without a URL cannot be listened to');
    return createPostgresBus(database, database.url, deliver, subscribe, subscribers, onError);
  }

  // PGlite: the payload goes through the same encoding as on PostgreSQL, so that subscribers see the same
  // thing on both engines (a copy, JSON types only, `data` dropped when too large).
  const emitter = new EventEmitter();
  emitter.on('event', deliver);
  let closed = false;
  const publishAll = async (events: ZhiliEvent[]) => {
    if (closed) throw new Error('event bus is closed');
    const payloads = events.map(encodeEvent);
    // Next turn of the event loop: a subscriber never runs inside the publisher's call stack (nor inside
    // its try/catch), as on PostgreSQL.
    setImmediate(() => {
      for (const payload of payloads) if (!closed) emitter.emit('event', payload);
    });
  };
  return {
    publish: (e) => publishAll([e]),
    publishAll,
    subscribe,
    close: async () => {
      closed = true;
      emitter.removeAllListeners();
      subscribers.clear();
    },
  };
}

async function createPostgresBus(
  database: Database,
  url: string,
  deliver: (payload: string) => void,
  subscribe: EventBus['subscribe'],
  subscribers: Set<(e: ZhiliEvent) => void>,
  onError: (e: Error) => void,
): Promise<EventBus> {
  let closed = false;
  let client: pg.Client | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let backoffMs = 0;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: url,
      application_name: EVENTS_APPLICATION_NAME,
      // A listener only reads: without TCP keepalive, a peer that vanished silently would never be noticed.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // Attached before connecting: an 'error' event without a listener would crash the process.
    const lost = (err?: Error) => {
      if (client !== c) return; // already handled (both 'error' and 'end' fire) or closing
      client = null;
      c.end().catch(() => {});
      if (closed) return;
      onError(new Error(`listener connection lost${err ? `: ${err.message}` : ''}; reconnecting`));
      scheduleReconnect();
    };
    c.on('error', lost);
    c.on('end', () => lost());
    c.on('notification', (n) => {
      if (n.channel === EVENTS_CHANNEL && n.payload !== undefined) deliver(n.payload);
    });
    try {
      await c.connect();
      await c.query(`listen ${EVENTS_CHANNEL}`);
    } catch (err) {
      c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    backoffMs = 0;
  };

  const scheduleReconnect = () => {
    // 250 ms, doubling up to 10 s: quick after a blip, gentle on a server that is down for a while.
    backoffMs = Math.min(backoffMs ? backoffMs * 2 : 250, 10_000);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (closed) return;
      connect().catch((err: Error) => {
        onError(new Error(`listener reconnection failed: ${err.message}`));
        scheduleReconnect();
      });
    }, backoffMs);
    // The server's own handles keep the process alive; a retry loop alone must not.
    retryTimer.unref();
  };

  // The first connection is awaited and its failure thrown: a server that cannot listen should not start.
  await connect();

  const publishAll = async (events: ZhiliEvent[]) => {
    if (closed) throw new Error('event bus is closed');
    if (!events.length) return;
    // One statement, one transaction: the notifications are queued in the array's order.
    await sql`
      select pg_notify(${EVENTS_CHANNEL}, p)
      from unnest(${events.map(encodeEvent)}::text[]) with ordinality as u(p, i)
      order by i`.execute(database.db);
  };
  return {
    publish: (e) => publishAll([e]),
    publishAll,
    subscribe,
    close: async () => {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      subscribers.clear();
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}

/**
 * Tells the events of a committed change, in order. Never throws: the change is stored, and an event that
 * cannot be told is logged (clients refresh on the next one).
 */
export async function announce(
  kernel: { events: EventBus; log: { warn: (o: object, msg: string) => void } },
  events: ZhiliEvent[],
): Promise<void> {
  if (!events.length) return;
  await kernel.events
    .publishAll(events)
    .catch((err: Error) =>
      kernel.log.warn({ err: err.message, events: events.length }, 'events not published'),
    );
}

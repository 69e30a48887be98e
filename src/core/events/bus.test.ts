import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngine } from '../../testing/harness.ts';
import { type Database, openDatabase } from '../db/database.ts';
import {
  createEventBus,
  EVENTS_APPLICATION_NAME,
  type EventBus,
  encodeEvent,
  MAX_PAYLOAD_BYTES,
  type ZhiliEvent,
} from './bus.ts';

const engine = testEngine();
const POSTGRES_ONLY =
  'PostgreSQL only: PGlite serves one process, with no second instance nor listener connection';

let database: Database;
let bus: EventBus;
const errors: Error[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  bus = await createEventBus(database, { onError: (e) => errors.push(e) });
});

afterAll(async () => {
  await bus.close();
  await database.close();
});

const ev = (n: number, extra: Partial<ZhiliEvent> = {}): ZhiliEvent => ({
  type: 'matter.created',
  at: new Date(Date.UTC(2026, 10, 29, 8, 0, n)).toISOString(),
  matterId: String(n),
  areaCode: '330302006044001',
  ...extra,
});

/** Resolves once `pred` holds, polling; fails with what was seen if it never does. */
async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`event bus (${engine})`, () => {
  it('delivers to subscribers after publish returns, and not after unsubscribing', async () => {
    const seen: string[] = [];
    // Stays subscribed throughout: once it has the last event, every earlier one has been delivered.
    const all: string[] = [];
    const offAll = bus.subscribe((e) => all.push(e.matterId!));
    const off = bus.subscribe((e) => seen.push(e.matterId!));
    const publishing = bus.publish(ev(1));
    // Never inside the publisher's call stack.
    expect(seen).toEqual([]);
    await publishing;
    await bus.publish(ev(2));
    await until(() => seen.length === 2, 'two events');
    off();
    await bus.publish(ev(3));
    await until(() => all.includes('3'), 'event 3');
    offAll();
    expect(seen).toEqual(['1', '2']);
    expect(all).toEqual(['1', '2', '3']);
  });

  it('publishAll tells many events in their order, after it returns; an empty list tells nothing', async () => {
    const seen: string[] = [];
    const off = bus.subscribe((e) => seen.push(e.matterId!));
    await bus.publishAll([]);
    const publishing = bus.publishAll(Array.from({ length: 300 }, (_, n) => ev(1000 + n)));
    expect(seen).toEqual([]);
    await publishing;
    await bus.publish(ev(5000));
    await until(() => seen.includes('5000'), 'the event after the batch');
    off();
    expect(seen).toEqual([...Array.from({ length: 300 }, (_, n) => String(1000 + n)), '5000']);
  });

  it('gives subscribers a JSON copy with every field', async () => {
    const got: ZhiliEvent[] = [];
    const off = bus.subscribe((e) => got.push(e));
    const e = ev(5, {
      matterNumber: 'JF-330302-20261129-0001',
      status: 'dispatched',
      assigneeDepartment: 'zfj',
      assigneeAreaCode: '330302000000',
      assigneeUserId: '17',
      actorId: null,
      data: { from: 'reported', n: 2, nested: { ok: true } },
    });
    await bus.publish(e);
    await until(() => got.length === 1, 'the event');
    off();
    expect(got[0]).toEqual(e);
    expect(got[0]).not.toBe(e);
  });

  it('a subscriber that throws neither stops the others nor the bus', async () => {
    errors.length = 0;
    const seen: string[] = [];
    const offA = bus.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const offB = bus.subscribe((e) => seen.push(e.matterId!));
    await bus.publish(ev(6));
    await bus.publish(ev(7));
    await until(() => seen.length === 2, 'both events');
    offA();
    offB();
    expect(seen).toEqual(['6', '7']);
    expect(errors.map((e) => e.message)).toEqual(['subscriber bug', 'subscriber bug']);
  });

  it('the same function subscribed twice hears twice, and each subscription ends on its own', async () => {
    const seen: string[] = [];
    const fn = (e: ZhiliEvent) => seen.push(e.matterId!);
    const off1 = bus.subscribe(fn);
    const off2 = bus.subscribe(fn);
    await bus.publish(ev(8));
    await until(() => seen.length === 2, 'two deliveries');
    off1();
    await bus.publish(ev(9));
    await until(() => seen.includes('9'), 'event 9');
    off2();
    expect(seen).toEqual(['8', '8', '9']);
  });

  it('drops `data` when the payload would be too large for NOTIFY, and keeps the rest', async () => {
    // Multi-byte characters: the limit is in bytes, and 3000 of these are 9000 bytes but 3000 code units.
    const big = ev(10, { data: { note: '治'.repeat(3000) } });
    expect(big.data!.note).toHaveLength(3000);
    expect(Buffer.byteLength(encodeEvent(big))).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const small = ev(11, { data: { note: '治'.repeat(100) } });
    expect(JSON.parse(encodeEvent(small))).toEqual(small);

    const got: ZhiliEvent[] = [];
    const off = bus.subscribe((e) => got.push(e));
    await bus.publish(big);
    await bus.publish(small);
    await until(() => got.length === 2, 'both events');
    off();
    const { data: _d, ...withoutData } = big;
    expect(got).toEqual([withoutData, small]);
  });

  it('refuses to publish once closed', async () => {
    const other = await createEventBus(database, { onError: (e) => errors.push(e) });
    await other.close();
    await expect(other.publish(ev(12))).rejects.toThrow(/closed/);
  });

  it('two instances on one database: each hears every event once, its own included', async (ctx) => {
    ctx.skip(engine !== 'postgres', POSTGRES_ONLY);
    const second = await openDatabase({ url: database.url!, poolSize: 2 });
    const busB = await createEventBus(second, { onError: (e) => errors.push(e) });
    try {
      const onA: string[] = [];
      const onB: string[] = [];
      const offA = bus.subscribe((e) => onA.push(e.matterId!));
      const offB = busB.subscribe((e) => onB.push(e.matterId!));
      await bus.publish(ev(20));
      await busB.publish(ev(21));
      // Each committed before the next is sent, so every listener gets them in this order.
      await bus.publish(ev(22, { type: 'test.sentinel' }));
      await until(() => onA.includes('22') && onB.includes('22'), 'the sentinel on both');
      offA();
      offB();
      // One queue in commit order for every listener: the same order everywhere.
      expect(onA).toEqual(['20', '21', '22']);
      expect(onB).toEqual(['20', '21', '22']);
    } finally {
      await busB.close();
      await second.close();
    }
  });

  it('reconnects its listener after the connection is killed', async (ctx) => {
    ctx.skip(engine !== 'postgres', POSTGRES_ONLY);
    errors.length = 0;
    const seen: string[] = [];
    const off = bus.subscribe((e) => seen.push(e.matterId!));
    const killed = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and application_name = ${EVENTS_APPLICATION_NAME}`.execute(
      database.db,
    );
    expect(killed.rows[0]!.n).toBe(1);
    await until(
      () => errors.some((e) => /listener connection lost/.test(e.message)),
      'the loss to be noticed',
    );
    // Events published before the new LISTEN are lost (at most once): publish until one gets through.
    let i = 100;
    const publishing: Promise<void>[] = [];
    await until(
      () => {
        if (seen.length === 0) publishing.push(bus.publish(ev(i++)));
        return seen.length > 0;
      },
      'an event after reconnecting',
      10_000,
    );
    await Promise.all(publishing);
    off();
    const listeners = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = ${EVENTS_APPLICATION_NAME}`.execute(
      database.db,
    );
    expect(listeners.rows[0]!.n).toBe(1);
  });
});

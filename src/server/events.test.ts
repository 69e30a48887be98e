import http from 'node:http';
import type { AddressInfo } from 'node:net';
import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeActor, systemActor } from '../core/access/actor.ts';
import { openDatabase } from '../core/db/database.ts';
import { createEventBus, type EventBus, type ZhiliEvent } from '../core/events/bus.ts';
import type { Kernel } from '../core/kernel.ts';
import { createTestContext, login, TEST_PASSWORD, type TestContext, testEngine } from '../testing/harness.ts';
import { type App, buildApp } from './app.ts';
import { registerAuth } from './auth.ts';
import { installErrorHandler } from './errors.ts';
import { eventsRoutes, maySeeEvent } from './routes/events.routes.ts';

const engine = testEngine();
const LUCHENG = '330302000000';
const GULOU = '330302006044';
const GULOU_GRID = '330302006044001';
const MOCHI_GRID = '330302006045001';
const LONGWAN_GRID = '330303001001001';

let t: TestContext;
let base: string;
const cookies: Record<string, string> = {};
let gridId: string;
const clients: SseClient[] = [];

interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** A minimal EventSource over node:http that keeps everything it read, to assert on exactly. */
interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  retry: string | null;
  messages: SseMessage[];
  comments: string[];
  ended: boolean;
  /** Resolves once `pred` holds over what was read so far. */
  until(pred: (c: SseClient) => boolean, what: string, ms?: number): Promise<void>;
  close(): void;
}

function openStream(url: string, cookieHeader?: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      url,
      { headers: { accept: 'text/event-stream', ...(cookieHeader ? { cookie: cookieHeader } : {}) } },
      (res) => {
        res.setEncoding('utf8');
        let buffer = '';
        const c: SseClient = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          retry: null,
          messages: [],
          comments: [],
          ended: false,
          until: async (pred, what, ms = 5000) => {
            const deadline = Date.now() + ms;
            while (!pred(c)) {
              if (Date.now() > deadline) {
                throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(c.messages)}`);
              }
              await new Promise((r) => setTimeout(r, 10));
            }
          },
          close: () => req.destroy(),
        };
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let at = buffer.indexOf('\n\n');
          while (at >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            at = buffer.indexOf('\n\n');
            const m: Partial<SseMessage> = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) c.comments.push(line);
              else if (line.startsWith('retry: ')) c.retry = line.slice(7);
              else if (line.startsWith('id: ')) m.id = line.slice(4);
              else if (line.startsWith('event: ')) m.event = line.slice(7);
              else if (line.startsWith('data: '))
                m.data = (m.data === undefined ? '' : `${m.data}\n`) + line.slice(6);
            }
            if (m.data !== undefined)
              c.messages.push({ event: m.event ?? 'message', data: m.data, ...(m.id ? { id: m.id } : {}) });
          }
        });
        const done = () => {
          c.ended = true;
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
        clients.push(c);
        resolve(c);
      },
    );
    req.on('error', (e) => {
      // A client destroyed on purpose reports ECONNRESET; only a failure to connect matters here.
      if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e);
    });
  });
}

/** The events (not `ready`) a client received, as [id, type, matterId]. */
const received = (c: SseClient) =>
  c.messages
    .filter((m) => m.event !== 'ready')
    .map((m) => [m.id, m.event, (JSON.parse(m.data) as ZhiliEvent).matterId]);

const ev = (matterId: string, extra: Partial<ZhiliEvent>): ZhiliEvent => ({
  type: 'matter.created',
  at: new Date().toISOString(),
  matterId,
  ...extra,
});

async function listen(app: App): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  t = await createTestContext();
  cookies.grid = await t.userSession({ username: 'grid_a', role: 'grid_worker', areaCode: GULOU });
  const row = await t.kernel.db
    .selectFrom('users')
    .select('id')
    .where('username', '=', 'grid_a')
    .executeTakeFirstOrThrow();
  gridId = row.id;
  cookies.police = await t.userSession({
    username: 'police_lc',
    role: 'dept_clerk',
    areaCode: LUCHENG,
    departmentCode: 'police',
  });
  base = await listen(t.app);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await t.close();
});

describe('who may see an event', () => {
  const grid = makeActor({
    id: '7',
    username: 'g',
    displayName: 'g',
    roles: ['grid_worker'],
    areaCode: GULOU,
  });
  const police = makeActor({
    id: '8',
    username: 'p',
    displayName: 'p',
    roles: ['dept_clerk'],
    areaCode: LUCHENG,
    departmentCode: 'police',
  });
  const enterprise = makeActor({
    id: '9',
    username: 'e',
    displayName: 'e',
    roles: ['enterprise_user'],
    areaCode: GULOU,
    enterpriseId: '1',
  });
  const system = systemActor();
  const cases: [string, Parameters<typeof maySeeEvent>[0], Partial<ZhiliEvent>, boolean][] = [
    ['grid: own grid', grid, { areaCode: GULOU_GRID }, true],
    ['grid: the village itself', grid, { areaCode: GULOU }, true],
    ['grid: the next village', grid, { areaCode: MOCHI_GRID }, false],
    ['grid: the town above', grid, { areaCode: '330302006000' }, false],
    ['grid: no area at all', grid, {}, false],
    ['grid: assigned to them elsewhere', grid, { areaCode: LONGWAN_GRID, assigneeUserId: '7' }, true],
    [
      'grid: assigned to someone else elsewhere',
      grid,
      { areaCode: LONGWAN_GRID, assigneeUserId: '70' },
      false,
    ],
    [
      'police: their department at their area',
      police,
      { areaCode: LONGWAN_GRID, assigneeDepartment: 'police', assigneeAreaCode: LUCHENG },
      true,
    ],
    [
      'police: their department at another area',
      police,
      { areaCode: LONGWAN_GRID, assigneeDepartment: 'police', assigneeAreaCode: '330303000000' },
      false,
    ],
    [
      'police: another department at their area',
      police,
      { areaCode: LONGWAN_GRID, assigneeDepartment: 'court', assigneeAreaCode: LUCHENG },
      false,
    ],
    // Unset on both sides is not a match.
    [
      'grid (no department): unassigned department',
      grid,
      { assigneeDepartment: null, assigneeAreaCode: GULOU },
      false,
    ],
    ['system (no id): unassigned user', system, { areaCode: null, assigneeUserId: null }, false],
    ['system: city-wide scope', system, { areaCode: LONGWAN_GRID }, true],
    // In scope, but may not read matters.
    ['enterprise user: a matter in their area', enterprise, { areaCode: GULOU_GRID }, false],
    [
      'enterprise user: another kind of event in their area',
      enterprise,
      { type: 'area.updated', areaCode: GULOU_GRID },
      true,
    ],
  ];
  it.each(cases)('%s', (_name, actor, extra, expected) => {
    expect(maySeeEvent(actor, ev('1', extra))).toBe(expected);
  });
});

describe('GET /api/events', () => {
  it('without a session answers 401 in JSON, not a stream', async () => {
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      http
        .get(`${base}/api/events`, { headers: { accept: 'text/event-stream' } }, (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (d: string) => {
            body += d;
          });
          r.on('end', () =>
            resolve({ status: r.statusCode ?? 0, type: r.headers['content-type'] ?? '', body }),
          );
        })
        .on('error', reject);
    });
    expect(res.status).toBe(401);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('streams to a grid worker the events of their village, and only those', async () => {
    const c = await openStream(`${base}/api/events`, cookies.grid);
    expect(c.status).toBe(200);
    expect(c.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(c.headers['cache-control']).toBe('no-cache');
    expect(c.headers['x-accel-buffering']).toBe('no');
    await c.until((x) => x.messages.some((m) => m.event === 'ready'), 'ready');
    expect(c.retry).toBe('5000');
    expect(c.messages[0]!.event).toBe('ready');

    await t.kernel.events.publish(ev('in-scope', { areaCode: GULOU_GRID, status: 'reported' }));
    await t.kernel.events.publish(ev('next-village', { areaCode: MOCHI_GRID }));
    await t.kernel.events.publish(
      ev('assigned-to-them', { type: 'matter.transitioned', areaCode: LONGWAN_GRID, assigneeUserId: gridId }),
    );
    await t.kernel.events.publish(ev('sentinel', { areaCode: GULOU_GRID }));
    await c.until((x) => received(x).some((r) => r[2] === 'sentinel'), 'the sentinel');
    expect(received(c)).toEqual([
      ['1', 'matter.created', 'in-scope'],
      ['2', 'matter.transitioned', 'assigned-to-them'],
      ['3', 'matter.created', 'sentinel'],
    ]);
    // The whole event is the data.
    expect(JSON.parse(c.messages[1]!.data)).toMatchObject({
      matterId: 'in-scope',
      areaCode: GULOU_GRID,
      status: 'reported',
    });
    c.close();
  });

  it('streams to a department clerk what is assigned to their department at their area', async () => {
    const c = await openStream(`${base}/api/events`, cookies.police);
    await c.until((x) => x.messages.length > 0, 'ready');
    await t.kernel.events.publish(
      ev('ours', { areaCode: LONGWAN_GRID, assigneeDepartment: 'police', assigneeAreaCode: LUCHENG }),
    );
    await t.kernel.events.publish(
      ev('other-county', {
        areaCode: LONGWAN_GRID,
        assigneeDepartment: 'police',
        assigneeAreaCode: '330303000000',
      }),
    );
    await t.kernel.events.publish(ev('sentinel', { areaCode: GULOU_GRID }));
    await c.until((x) => received(x).some((r) => r[2] === 'sentinel'), 'the sentinel');
    expect(received(c).map((r) => r[2])).toEqual(['ours', 'sentinel']);
    c.close();
  });

  it('pings, ends the stream on sign-out, unsubscribes on close, and lets the server close', async () => {
    // Its own app, to ping every 50 ms, over a bus that counts live subscriptions.
    let live = 0;
    const counted: EventBus = {
      ...t.kernel.events,
      subscribe: (fn) => {
        live += 1;
        const off = t.kernel.events.subscribe(fn);
        return () => {
          live -= 1;
          off();
        };
      },
    };
    const kernel: Kernel = { ...t.kernel, events: counted };
    const app: App = Fastify().withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installErrorHandler(app);
    await app.register(cookie);
    registerAuth(app, kernel);
    await app.register(eventsRoutes(kernel, { pingMs: 50 }), { prefix: '/api' });
    const url = `${await listen(app)}/api/events`;
    try {
      // A session of its own, to sign out of.
      const session = await login(t.app, 'grid_a', TEST_PASSWORD);
      const signedOut = await openStream(url, session);
      await signedOut.until((x) => x.comments.filter((l) => l === ': ping').length >= 2, 'two pings');
      expect(live).toBe(1);
      const out = await t.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { cookie: session },
      });
      expect(out.statusCode).toBe(204);
      await signedOut.until((x) => x.ended, 'the stream to end after sign-out');
      await signedOut.until(() => live === 0, 'the subscription to end');

      // A client that goes away is unsubscribed.
      const leaving = await openStream(url, cookies.grid);
      await leaving.until(() => live === 1, 'a subscription');
      leaving.close();
      await leaving.until(() => live === 0, 'the subscription to end');

      // Closing the server ends the streams still open instead of waiting for their clients.
      const staying = await openStream(url, cookies.grid);
      await staying.until((x) => x.messages.length > 0, 'ready');
      await app.close();
      await staying.until((x) => x.ended, 'the stream to end on close');
      expect(live).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('describes the stream in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const op = doc.paths['/api/events'].get;
    expect(op.summary).toMatch(/SSE/);
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    expect(op.responses['401'].content['application/json'].schema).toBeDefined();
  });

  it('on PostgreSQL, a client of one server hears an event published by another', async (ctx) => {
    ctx.skip(
      engine !== 'postgres',
      'PostgreSQL only: PGlite serves one process, so there is no second server',
    );
    const second = await openDatabase({ url: t.kernel.database.url!, poolSize: 2 });
    const busB = await createEventBus(second);
    const kernelB: Kernel = {
      ...t.kernel,
      database: second,
      db: second.db,
      events: busB,
      close: async () => {
        await busB.close();
        await second.close();
      },
    };
    const appB = await buildApp(kernelB);
    try {
      const c = await openStream(`${await listen(appB)}/api/events`, cookies.grid);
      await c.until((x) => x.messages.length > 0, 'ready');
      await t.kernel.events.publish(ev('from-a', { areaCode: GULOU_GRID }));
      await t.kernel.events.publish(ev('not-theirs', { areaCode: MOCHI_GRID }));
      await busB.publish(ev('sentinel', { areaCode: GULOU_GRID }));
      await c.until((x) => received(x).some((r) => r[2] === 'sentinel'), 'the sentinel');
      expect(received(c)).toEqual([
        ['1', 'matter.created', 'from-a'],
        ['2', 'matter.created', 'sentinel'],
      ]);
      c.close();
    } finally {
      await appB.close();
      await kernelB.close();
    }
  });
});

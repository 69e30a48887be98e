import net from 'node:net';
import { sql } from 'kysely';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { SeaFeed } from './sea.feed.ts';
import { parsePolygon } from './sea.geo.ts';
import { parsePayload, topicFor, toRmc } from './sea.parse.ts';

const CITY = '330300000000';
const DONGTOU = '330305000000';
const CANGNAN = '330327000000';

/** The test sea: a north–south channel, a corridor across it, a restricted zone and a port (WGS-84). */
const CHANNEL = [
  [121.3, 27.7],
  [121.4, 27.7],
  [121.4, 27.9],
  [121.3, 27.9],
  [121.3, 27.7],
];
const CORRIDOR = [
  [121.28, 27.79],
  [121.42, 27.79],
  [121.42, 27.81],
  [121.28, 27.81],
  [121.28, 27.79],
];
const ZONE = [
  [121.5, 27.7],
  [121.6, 27.7],
  [121.6, 27.8],
  [121.5, 27.8],
  [121.5, 27.7],
];
const PORT = [
  [121.1, 27.8],
  [121.2, 27.8],
  [121.2, 27.9],
  [121.1, 27.9],
  [121.1, 27.8],
];
const CLOSURE = [
  [121.6, 27.55],
  [121.75, 27.55],
  [121.75, 27.68],
  [121.6, 27.68],
  [121.6, 27.55],
];

const MIN = 60_000;
/** Positions one minute apart from (lng0, lat) to (lng1, lat), 0.005° (~0.5 km, ~16 kn) per step. */
function track(lng0: number, lng1: number, lat: number, t0: number) {
  const out: { lng: number; lat: number; sog: number; cog: number; ts: number }[] = [];
  const n = Math.round(Math.abs(lng1 - lng0) / 0.005);
  for (let i = 0; i <= n; i++)
    out.push({
      lng: lng0 + ((lng1 - lng0) * i) / n,
      lat,
      sog: 16,
      cog: lng1 > lng0 ? 90 : 270,
      ts: t0 + i * MIN,
    });
  return out;
}

const mosquitto = await new Promise<boolean>((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port: 1883 });
  s.setTimeout(1000);
  s.once('connect', () => {
    s.destroy();
    resolve(true);
  });
  s.once('error', () => resolve(false));
  s.once('timeout', () => {
    s.destroy();
    resolve(false);
  });
});
// CI provides Mosquitto and says so: there a missing broker is a failure, not a skip.
if (!mosquitto && process.env.ZHILI_REQUIRE_MQTT === '1')
  throw new Error('ZHILI_REQUIRE_MQTT=1 but nothing listens on 127.0.0.1:1883');
if (!mosquitto)
  console.warn(
    '\n*** SKIPPED: the Mosquitto test — nothing listens on 127.0.0.1:1883 (start mosquitto to run it) ***\n',
  );

let ctx: TestContext;
let commander: string;
let dongtou: string;
let cangnan: string;
let feed: SeaFeed;
const vessels: Record<string, string> = {};
const T0 = Date.now() - 6 * 3_600_000;

async function api(cookie: string, method: string, url: string, payload?: unknown) {
  const res = await ctx.app.inject({
    method: method as 'GET',
    url,
    headers: { cookie },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

async function addVessel(number: string, areaCode = DONGTOU) {
  const r = await api(commander, 'POST', '/api/sea/vessels', {
    number,
    name: `${number}号`,
    areaCode,
    homePort: '洞头港',
    crewCount: 6,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  vessels[number] = r.body.id;
  return r.body.id as string;
}

function feedTrack(number: string, points: ReturnType<typeof track>) {
  for (const p of points) feed.ingest(number, parsePayload(JSON.stringify(p)));
}

async function alertsOf(number: string) {
  await feed.settle();
  const r = await api(commander, 'GET', `/api/sea/alerts?vesselId=${vessels[number]}&pageSize=50`);
  expect(r.status).toBe(200);
  return r.body.items as {
    matterId: string;
    rule: string;
    breaches: number;
    status: string;
    version: number;
  }[];
}

beforeAll(async () => {
  ctx = await createTestContext();
  commander = await ctx.userSession({ username: 'sea_cmd', role: 'commander', areaCode: CITY });
  dongtou = await ctx.userSession({
    username: 'sea_dt',
    role: 'county_center',
    areaCode: DONGTOU,
    departmentCode: 'zongzhi',
  });
  cangnan = await ctx.userSession({
    username: 'sea_cn',
    role: 'county_center',
    areaCode: CANGNAN,
    departmentCode: 'zongzhi',
  });
  for (const [kind, name, coords] of [
    ['channel', '测试航道', CHANNEL],
    ['corridor', '测试斑马线', CORRIDOR],
    ['zone', '测试禁入区', ZONE],
    ['port', '测试港', PORT],
  ] as const) {
    const r = await api(commander, 'POST', '/api/sea/geometries', {
      kind,
      name,
      areaCode: DONGTOU,
      geometry: { type: 'Polygon', coordinates: [coords] },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
  feed = new SeaFeed(ctx.kernel, { mqtt: false, flushMs: 100_000, silenceCheckMs: 3_600_000 });
  await feed.start();
}, 120_000);

afterAll(async () => {
  await feed?.stop();
  await ctx?.close();
});

describe('geometry', () => {
  it('refuses a self-intersecting polygon and out-of-range coordinates with typed errors', async () => {
    const bow = {
      type: 'Polygon',
      coordinates: [
        [
          [121.0, 27.0],
          [121.1, 27.1],
          [121.1, 27.0],
          [121.0, 27.1],
          [121.0, 27.0],
        ],
      ],
    };
    const r = await api(commander, 'POST', '/api/sea/geometries', {
      kind: 'zone',
      name: '蝴蝶形',
      areaCode: DONGTOU,
      geometry: bow,
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('GEOMETRY_INVALID');
    expect(r.body.details[0].code).toBe('SELF_INTERSECTING');
    const far = await api(commander, 'POST', '/api/sea/geometries', {
      kind: 'zone',
      name: '越界',
      areaCode: DONGTOU,
      geometry: [
        [
          [121, 27],
          [200, 27],
          [121, 28],
        ],
      ],
    });
    expect(far.status).toBe(400);
    expect(far.body.details[0].code).toBe('OUT_OF_RANGE');
    expect(() => parsePolygon([[[121, 27]]])).toThrow(/3/);
  });

  it('imports GeoJSON row by row: valid features stored, invalid ones reported', async () => {
    const r = await api(commander, 'POST', '/api/sea/geometries/import', {
      areaCode: DONGTOU,
      geojson: {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { kind: 'zone', name: '导入禁入区' },
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [122.5, 28.5],
                  [122.6, 28.5],
                  [122.6, 28.6],
                  [122.5, 28.5],
                ],
              ],
            },
          },
          { type: 'Feature', properties: { kind: 'lake', name: 'x' }, geometry: null },
        ],
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.created).toBe(1);
    expect(r.body.errors).toEqual([expect.objectContaining({ index: 1, code: 'KIND_INVALID' })]);
  });
});

describe('rules on crafted tracks', () => {
  it('signal lost: one alert after N minutes at sea, none before, none again', async () => {
    await addVessel('浙洞渔00004');
    const pts = track(121.45, 121.47, 27.65, T0);
    feedTrack('浙洞渔00004', pts);
    const last = pts.at(-1)!.ts;
    expect(await feed.checkSilence(last + 29 * MIN)).toBe(0);
    expect(await alertsOf('浙洞渔00004')).toEqual([]);
    expect(await feed.checkSilence(last + 31 * MIN)).toBe(1);
    expect(await feed.checkSilence(last + 60 * MIN)).toBe(0);
    expect((await alertsOf('浙洞渔00004')).map((x) => x.rule)).toEqual(['signal_lost']);
    // A vessel silent in port is not lost.
    await addVessel('浙洞渔00005');
    feedTrack('浙洞渔00005', track(121.15, 121.16, 27.85, T0));
    expect(await feed.checkSilence(T0 + 300 * MIN)).toBe(0);
    expect(await alertsOf('浙洞渔00005')).toEqual([]);
  });

  it('crossing the channel inside the corridor raises no alert', async () => {
    await addVessel('浙洞渔00001');
    feedTrack('浙洞渔00001', track(121.25, 121.45, 27.8, T0));
    expect(await alertsOf('浙洞渔00001')).toEqual([]);
  });

  it('crossing outside the corridor raises exactly one alert', async () => {
    await addVessel('浙洞渔00002');
    feedTrack('浙洞渔00002', track(121.25, 121.45, 27.85, T0));
    const a = await alertsOf('浙洞渔00002');
    expect(a.map((x) => x.rule)).toEqual(['channel_crossing']);
    expect(a[0]!.status).toBe('raised');
    await feed.flush();
    const again = await alertsOf('浙洞渔00002');
    // Every breaching position after the first was counted on the one alert.
    expect(again[0]!.breaches).toBeGreaterThan(5);
  });

  it('entering a restricted zone raises one alert', async () => {
    await addVessel('浙洞渔00003');
    feedTrack('浙洞渔00003', track(121.45, 121.58, 27.75, T0));
    expect((await alertsOf('浙洞渔00003')).map((x) => x.rule)).toEqual(['restricted_zone']);
  });

  it('at sea inside an active closure order: one alert; before it and after it is lifted: none', async () => {
    await addVessel('浙洞渔00006');
    feedTrack('浙洞渔00006', track(121.62, 121.64, 27.6, T0));
    expect(await alertsOf('浙洞渔00006')).toEqual([]);
    const issued = await api(commander, 'POST', '/api/sea/closures', {
      name: '台风“测试”封港令',
      areaCode: DONGTOU,
      geometry: [CLOSURE],
      startsAt: new Date(T0 + 30 * MIN).toISOString(),
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    feedTrack('浙洞渔00006', track(121.645, 121.66, 27.6, T0 + 31 * MIN));
    expect((await alertsOf('浙洞渔00006')).map((x) => x.rule)).toEqual(['closure']);
    const lifted = await api(commander, 'POST', `/api/sea/closures/${issued.body.id}/lift`, {
      reason: '台风已过',
    });
    expect(lifted.status).toBe(200);
    await addVessel('浙洞渔00007');
    feedTrack('浙洞渔00007', track(121.62, 121.64, 27.62, Date.now() + 1000));
    expect(await alertsOf('浙洞渔00007')).toEqual([]);
  });

  it('leaving port without an exit report raises one alert; with one, none', async () => {
    await addVessel('浙洞渔00008');
    feedTrack('浙洞渔00008', track(121.18, 121.22, 27.85, T0));
    expect((await alertsOf('浙洞渔00008')).map((x) => x.rule)).toEqual(['port_exit']);
    const id = await addVessel('浙洞渔00009');
    const rep = await api(dongtou, 'POST', '/api/sea/reports', {
      vesselId: id,
      kind: 'exit',
      port: '测试港',
      crewOnBoard: 6,
      reportedAt: new Date(T0 - 10 * MIN).toISOString(),
    });
    expect(rep.status, JSON.stringify(rep.body)).toBe(201);
    feedTrack('浙洞渔00009', track(121.18, 121.22, 27.86, T0));
    expect(await alertsOf('浙洞渔00009')).toEqual([]);
  });

  it('malformed payloads, out-of-range positions and 500-km jumps are counted and flagged, never thrown', async () => {
    await addVessel('浙洞渔00010');
    const before = feed.stats();
    const bad = [
      'not json',
      '{"lng":"x","lat":1,"ts":1}',
      '{"lng":121.2,"lat":95,"ts":1764480000000}',
      '{"lng":121.2,"lat":27.8}',
      '$GPRMC,083559.00,A,2750.1234,N,12056.7890,E,6.2,85.0,301126,,,A*00',
      Buffer.alloc(5000, 'a').toString(),
      '[1,2,3]',
    ];
    for (const b of bad) feed.ingest('浙洞渔00010', parsePayload(b));
    feed.ingest('浙洞渔00010', parsePayload(JSON.stringify({ lng: 121.5, lat: 27.5, ts: T0 })));
    // ~500 km north-east one minute later: a jump, rejected; the next sane position is accepted.
    feed.ingest('浙洞渔00010', parsePayload(JSON.stringify({ lng: 125.0, lat: 30.5, ts: T0 + MIN })));
    feed.ingest('浙洞渔00010', parsePayload(JSON.stringify({ lng: 121.505, lat: 27.5, ts: T0 + 2 * MIN })));
    // Out of order, unknown vessel, and an NMEA sentence (valid).
    feed.ingest('浙洞渔00010', parsePayload(JSON.stringify({ lng: 121.505, lat: 27.5, ts: T0 + MIN })));
    feed.ingest('浙无此船99999', parsePayload(JSON.stringify({ lng: 121.5, lat: 27.5, ts: T0 })));
    feed.ingest(
      '浙洞渔00010',
      parsePayload(toRmc({ lng: 121.51, lat: 27.5, sog: 5, cog: 90, ts: T0 + 3 * MIN })),
    );
    const after = feed.stats();
    expect(after.received - before.received).toBe(13);
    expect(after.evaluated - before.evaluated).toBe(3);
    expect(after.rejected - before.rejected).toBe(10);
    expect(after.rejectedBy.jump - before.rejectedBy.jump).toBe(1);
    expect(after.rejectedBy.out_of_range - before.rejectedBy.out_of_range).toBe(1);
    expect(after.rejectedBy.out_of_order - before.rejectedBy.out_of_order).toBe(1);
    expect(after.rejectedBy.unknown_vessel - before.rejectedBy.unknown_vessel).toBe(1);
    expect(after.received).toBe(after.evaluated + after.rejected);
    await feed.flush();
    const rejects = await api(commander, 'GET', '/api/sea/feed/rejects?limit=20');
    expect(rejects.body.items.map((r: { reason: string }) => r.reason)).toContain('jump');
    const tr = await api(commander, 'GET', `/api/sea/vessels/${vessels.浙洞渔00010}/track?minutes=600`);
    expect(tr.body.points).toHaveLength(3);
    expect(tr.body.points[2].lng).toBeCloseTo(121.51, 4);
  });
});

describe('the alert loop by HTTP and scope', () => {
  it('生成 → 联系船舶 → 记录回应 → 关闭, each step on the timeline; a later breach raises a new alert', async () => {
    const [a] = await alertsOf('浙洞渔00002');
    const step = async (action: string, field: Record<string, string>, version: number) => {
      const r = await api(commander, 'POST', `/api/matters/${a!.matterId}/transitions`, {
        action,
        version,
        ...field,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    let m = await step('contact', { note: '甚高频呼叫，船长应答' }, a!.version);
    expect(m.status).toBe('contacted');
    m = await step('respond', { result: '船舶已返回斑马线内通行' }, m.version);
    expect(m.status).toBe('responded');
    m = await step('close', { note: '已核实' }, m.version);
    expect(m.status).toBe('closed');
    const actions = m.timeline.map((t: { action: string }) => t.action);
    expect(actions).toEqual(expect.arrayContaining(['contact', 'respond', 'close']));
    // The (vessel, rule) is free again: the next crossing outside the corridor is a new alert.
    await new Promise((r) => setTimeout(r, 300));
    feedTrack('浙洞渔00002', track(121.45, 121.25, 27.86, T0 + 60 * MIN));
    const all = await alertsOf('浙洞渔00002');
    expect(all).toHaveLength(2);
    expect(all.filter((x) => x.status === 'raised')).toHaveLength(1);
  });

  it('a county sees its own vessels and alerts only; writes need sea:manage', async () => {
    await addVessel('浙苍渔00001', CANGNAN);
    const dt = await api(dongtou, 'GET', '/api/sea/vessels?pageSize=100');
    expect(dt.body.items.every((v: { areaCode: string }) => v.areaCode.startsWith('330305'))).toBe(true);
    const cn = await api(cangnan, 'GET', '/api/sea/vessels?pageSize=100');
    expect(cn.body.items.map((v: { number: string }) => v.number)).toEqual(['浙苍渔00001']);
    const cnAlerts = await api(cangnan, 'GET', '/api/sea/alerts');
    expect(cnAlerts.body.total).toBe(0);
    const other = await api(cangnan, 'GET', `/api/sea/vessels/${vessels.浙洞渔00002}`);
    expect(other.status).toBe(404);
    const town = await ctx.userSession({
      username: 'sea_town',
      role: 'town_center',
      areaCode: '330305001000',
    });
    const denied = await api(town, 'POST', '/api/sea/geometries', {
      kind: 'zone',
      name: 'x',
      areaCode: DONGTOU,
      geometry: [ZONE],
    });
    expect(denied.status).toBe(403);
    const outOfScope = await api(dongtou, 'POST', '/api/sea/vessels', {
      number: '浙苍渔00002',
      name: 'x',
      areaCode: CANGNAN,
      homePort: '霞关',
    });
    expect(outOfScope.status).toBe(403);
    const layer = await api(cangnan, 'GET', '/api/sea/layer');
    expect(layer.body.vessels).toEqual([]);
    const xlsx = await ctx.app.inject({
      method: 'GET',
      url: '/api/sea/vessels/export',
      headers: { cookie: dongtou },
    });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });

  it('parameter changes are versioned, validated and audited', async () => {
    const cur = await api(commander, 'GET', '/api/sea/params');
    const bad = await api(commander, 'PUT', '/api/sea/params', {
      version: cur.body.version,
      params: { ...cur.body.params, signalLostMinutes: 0 },
      reason: 'x',
    });
    expect(bad.status).toBe(400);
    const ok = await api(commander, 'PUT', '/api/sea/params', {
      version: cur.body.version,
      params: { ...cur.body.params, signalLostMinutes: 45 },
      reason: '夜间作业信号弱',
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.params.signalLostMinutes).toBe(45);
    const stale = await api(commander, 'PUT', '/api/sea/params', {
      version: cur.body.version,
      params: cur.body.params,
      reason: 'x',
    });
    expect(stale.status).toBe(409);
    const audit = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_log where action = 'sea.params.update'`.execute(ctx.kernel.db);
    expect(audit.rows[0]!.n).toBe(1);
    const dt = await api(dongtou, 'PUT', '/api/sea/params', {
      version: ok.body.version,
      params: cur.body.params,
      reason: 'x',
    });
    expect(dt.status).toBe(403);
  });

  it('the push API takes a bearer token and reports rejected records one by one', async () => {
    const tok = await api(commander, 'POST', '/api/sea/tokens', { name: '渔政系统' });
    expect(tok.status).toBe(201);
    const push = (auth: string, positions: unknown[]) =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/sea/positions',
        headers: { authorization: auth },
        payload: { positions },
      });
    expect((await push('Bearer zsea_nope_nope_nope', [{}])).statusCode).toBe(401);
    const r = await push(`Bearer ${tok.body.token}`, [
      { number: '浙洞渔00001', lng: 121.5, lat: 27.6, ts: Date.now() - MIN },
      { number: '浙洞渔00001', lng: 'x', lat: 27.6, ts: Date.now() },
      { lng: 121.5, lat: 27.6, ts: Date.now() },
    ]);
    expect(r.statusCode, r.body).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((x: { index: number }) => x.index)).toEqual([1, 2]);
  });
});

describe('the feed end to end over MQTT', () => {
  it('one consumer: on PostgreSQL a second feed does not evaluate while the first holds the leader lock', async () => {
    const second = new SeaFeed(ctx.kernel, { mqtt: false, silenceCheckMs: 3_600_000 });
    await second.start();
    try {
      expect(feed.isLeading()).toBe(true);
      // PGlite serves one process, which leads; PostgreSQL elects one instance by an advisory lock.
      expect(second.isLeading()).toBe(ctx.kernel.database.engine !== 'postgres');
    } finally {
      await second.stop();
    }
    // The direct feed steps down for the broker tests below (its lock is released with its connection).
    await feed.stop();
  });

  async function overBroker(url: string | undefined) {
    // A second kernel-less feed is not possible: stop the direct one while the broker's runs.
    const f = new SeaFeed(ctx.kernel, {
      ...(url ? { url } : { port: 0 }),
      flushMs: 200,
      silenceCheckMs: 3_600_000,
    });
    await f.start();
    try {
      const client = await mqtt.connectAsync(f.brokerUrl!);
      const number = url ? '浙洞渔00012' : '浙洞渔00011';
      if (!vessels[number]) await addVessel(number);
      await f.vesselsChanged();
      const base = Date.now() - 60 * MIN;
      const pts = track(121.25, 121.45, 27.87, base);
      for (const [i, p] of pts.entries()) {
        await client.publishAsync(topicFor(number), i % 2 ? toRmc(p) : JSON.stringify(p), { qos: 1 });
      }
      await client.publishAsync(topicFor(number), 'garbage', { qos: 1 });
      await client.publishAsync('zhili/vessels/%%%/position', '{}', { qos: 1 });
      await client.endAsync();
      const want = pts.length + 2;
      for (let i = 0; i < 100 && f.stats().received < want; i++) await new Promise((r) => setTimeout(r, 50));
      const s = f.stats();
      expect(s.received).toBe(want);
      expect(s.evaluated, JSON.stringify(s.rejectedBy)).toBe(pts.length);
      expect(s.rejected).toBe(2);
      await f.settle();
      await f.flush();
      const alerts = await api(commander, 'GET', `/api/sea/alerts?vesselId=${vessels[number]}`);
      expect(alerts.body.items.map((a: { rule: string }) => a.rule)).toEqual(['channel_crossing']);
      const layer = await api(commander, 'GET', '/api/sea/layer');
      expect(layer.body.vessels.find((v: { number: string }) => v.number === number)?.lng).toBeCloseTo(
        121.45,
        3,
      );
    } finally {
      await f.stop();
    }
  }

  it('over the embedded aedes broker', async () => {
    await overBroker(undefined);
  }, 60_000);

  it.skipIf(!mosquitto)(
    `over the real Mosquitto at 127.0.0.1:1883${mosquitto ? '' : ' — SKIPPED: nothing listens on 127.0.0.1:1883'}`,
    async () => {
      await overBroker('mqtt://127.0.0.1:1883');
    },
    60_000,
  );
});

import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { sql } from 'kysely';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { systemActor } from '../../core/access/actor.ts';
import { announce, type ZhiliEvent } from '../../core/events/bus.ts';
import type { Kernel } from '../../core/kernel.ts';
import { createMatter, matterEvent } from '../../core/matters/matters.service.ts';
import { pointIn } from './sea.geo.ts';
import {
  numberOfTopic,
  type Parsed,
  parseObject,
  parsePayload,
  TOPIC_FILTER,
  topicFor,
  VESSEL_NUMBER,
} from './sea.parse.ts';
import {
  type Breach,
  DEFAULT_PARAMS,
  EMPTY_GEOMETRY,
  evaluatePosition,
  type Geometry,
  type Position,
  type RejectReason,
  RULE_NAMES,
  type Rule,
  type SeaParams,
  silentVessels,
  type VesselState,
} from './sea.rules.ts';
import { loadGeometry, loadParams } from './sea.store.ts';

/**
 * The position feed: an MQTT client (to ZHILI_MQTT_URL, or to the in-process aedes broker this feed starts on
 * 127.0.0.1:ZHILI_MQTT_PORT when no URL is set), the evaluator, batched track storage, and the alerts.
 *
 * One consumer evaluates: the instance holding a PostgreSQL session advisory lock (SEA_LEADER_LOCK) subscribes;
 * the others stay connected only to publish what the HTTP push API hands them, and take over when the lock
 * frees (checked every LEADER_RETRY_MS). On PGlite the one process leads. So two instances never raise the
 * same alert twice, and the per-vessel state (previous position) lives in one place.
 */

export const SEA_LEADER_LOCK = 7341010;
export const LEADER_RETRY_MS = 10_000;
export const DEFAULT_MQTT_PORT = 1884;

export interface FeedOptions {
  /** mqtt://host:port of an external broker; unset → the embedded aedes broker. */
  url?: string | undefined;
  /** Port of the embedded broker (0 = any free port; the chosen one is in `brokerUrl`). */
  port?: number | undefined;
  /** Connect to the broker at all (the tests drive `ingest` directly with false). Default true. */
  mqtt?: boolean;
  flushMs?: number;
  silenceCheckMs?: number;
  reloadMs?: number;
  now?: () => number;
}

export interface FeedStats {
  received: number;
  evaluated: number;
  rejected: number;
  rejectedBy: Record<RejectReason, number>;
  breaches: number;
  raised: number;
  deduplicated: number;
  stored: number;
  alertFailures: number;
  /** push records handed to the broker for the consumer (on an instance that is not the consumer) */
  forwarded: number;
  leading: boolean;
  broker: string | null;
  vessels: number;
  atSea: number;
}

interface VesselRef {
  id: string;
  number: string;
  name: string;
  areaCode: string;
}

export interface AlertRaised {
  matterId: string;
  matterNumber: string;
  vesselNumber: string;
  rule: Rule;
  /** the position's time (ms) */
  ts: number;
  raisedAt: number;
}

const feeds = new WeakMap<Kernel, SeaFeed>();
/** The running feed of this process, if any (the push API and the routes hand it what they change). */
export function feedOf(kernel: Kernel): SeaFeed | undefined {
  return feeds.get(kernel);
}

export class SeaFeed extends EventEmitter {
  readonly kernel: Kernel;
  private readonly opts: FeedOptions;
  private readonly now: () => number;
  private readonly actor = systemActor('sea-feed');
  geometry: Geometry = EMPTY_GEOMETRY;
  params: SeaParams = DEFAULT_PARAMS;
  readonly states = new Map<string, VesselState>();
  private vessels = new Map<string, VesselRef>();
  private vesselsById = new Map<string, VesselRef>();
  /** `${vesselId}:${rule}` → open matter id (or a pending raise) */
  private openAlerts = new Map<string, string | Promise<void>>();
  private alertKeyOf = new Map<string, string>();
  private repeats = new Map<string, { n: number; at: number }>();
  private buffer: { id: string; p: Position }[] = [];
  private rejectSamples: { reason: string; topic: string; sample: string }[] = [];
  private pendingRaises = new Set<Promise<void>>();
  private counters = {
    received: 0,
    evaluated: 0,
    rejected: 0,
    breaches: 0,
    raised: 0,
    deduplicated: 0,
    stored: 0,
    alertFailures: 0,
    forwarded: 0,
  };
  private rejectedBy: Record<RejectReason, number> = {
    malformed: 0,
    out_of_range: 0,
    jump: 0,
    out_of_order: 0,
    future: 0,
    unknown_vessel: 0,
  };
  private timers: NodeJS.Timeout[] = [];
  private client: MqttClient | null = null;
  private broker: Aedes | null = null;
  private server: Server | null = null;
  private lockClient: pg.Client | null = null;
  private leading = false;
  private stopped = false;
  private flushing: Promise<void> = Promise.resolve();
  private flushCount = 0;
  private vesselReload: Promise<void> | null = null;
  private lastVesselReload = 0;
  private unsubscribe: (() => void) | null = null;
  brokerUrl: string | null = null;

  constructor(kernel: Kernel, opts: FeedOptions = {}) {
    super();
    this.kernel = kernel;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  // ---------------------------------------------------------------------------------------------------
  // Life cycle

  async start(): Promise<void> {
    feeds.set(this.kernel, this);
    await this.reload();
    await this.loadVessels();
    await this.loadOpenAlerts();
    // A sea alert closed anywhere (any instance) frees its (vessel, rule).
    this.unsubscribe = this.kernel.events.subscribe((e) => {
      if (e.type !== 'matter.transitioned' || !e.matterId) return;
      const key = this.alertKeyOf.get(e.matterId);
      if (key && (e.status === 'closed' || e.status === 'dismissed')) {
        this.openAlerts.delete(key);
        this.alertKeyOf.delete(e.matterId);
      }
    });
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => {
        fn().catch((err: Error) => this.kernel.log.warn({ err: err.message }, 'sea feed task failed'));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.flushMs ?? 500, () => this.flush());
    every(this.opts.silenceCheckMs ?? 30_000, () => this.checkSilence());
    every(this.opts.reloadMs ?? 60_000, () => this.reload());
    if (this.opts.mqtt !== false) await this.connect();
    await this.tryLead();
    if (!this.leading) every(LEADER_RETRY_MS, () => this.tryLead());
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.unsubscribe?.();
    if (this.client) await this.client.endAsync().catch(() => {});
    await Promise.allSettled([...this.pendingRaises]);
    await this.flush();
    if (this.lockClient) await this.lockClient.end().catch(() => {});
    // The broker first: it disconnects its clients, which a listening server's close would otherwise wait for.
    if (this.broker) await new Promise<void>((r) => this.broker!.close(() => r()));
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
    if (feeds.get(this.kernel) === this) feeds.delete(this.kernel);
  }

  private async connect(): Promise<void> {
    let url = this.opts.url;
    if (!url) {
      // The embedded broker: loopback only; department systems on this machine and the simulator publish here.
      this.broker = await Aedes.createBroker();
      const server = createServer(this.broker.handle);
      const port = this.opts.port ?? DEFAULT_MQTT_PORT;
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', (e) => {
          this.kernel.log.error({ err: e.message, port }, 'embedded MQTT broker could not listen');
          resolve(false);
        });
        server.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (!ok) {
        await new Promise<void>((r) => this.broker!.close(() => r()));
        this.broker = null;
        return;
      }
      this.server = server;
      const addr = server.address();
      url = `mqtt://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
    }
    this.brokerUrl = url;
    this.client = await mqtt.connectAsync(url, {
      clientId: `zhili-sea-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      // An external broker (Mosquitto, EMQX) speaks MQTT 5: a large Receive Maximum lets it keep every QoS 1
      // message in flight to us during a stall instead of queueing it (Mosquitto drops beyond
      // max_queued_messages, 1000 by default). The embedded aedes speaks 3.1.1.
      ...(this.opts.url ? { protocolVersion: 5 as const, properties: { receiveMaximum: 65_535 } } : {}),
    });
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.client.on('error', (e) => this.kernel.log.warn({ err: e.message }, 'sea MQTT client error'));
  }

  private async tryLead(): Promise<void> {
    if (this.leading || this.stopped) return;
    const database = this.kernel.database;
    if (database.engine === 'postgres' && database.url) {
      const c = new pg.Client({ connectionString: database.url, application_name: 'zhili-sea-feed' });
      try {
        await c.connect();
        const r = await c.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [SEA_LEADER_LOCK]);
        if (!r.rows[0]?.ok) {
          await c.end();
          return;
        }
      } catch (e) {
        this.kernel.log.warn({ err: (e as Error).message }, 'sea feed: could not try the leader lock');
        await c.end().catch(() => {});
        return;
      }
      c.on('error', () => this.loseLead('lock connection lost'));
      this.lockClient = c;
    }
    this.leading = true;
    // Taking over: the latest positions as stored (another instance may have led until now).
    await this.loadVessels(true);
    await this.loadOpenAlerts();
    if (this.client) await this.client.subscribeAsync(TOPIC_FILTER, { qos: 1 });
    this.kernel.log.info({ broker: this.brokerUrl }, 'sea feed: evaluating positions');
  }

  private loseLead(reason: string) {
    if (!this.leading) return;
    this.leading = false;
    this.lockClient = null;
    this.kernel.log.warn({ reason }, 'sea feed: leadership lost');
    this.client?.unsubscribeAsync(TOPIC_FILTER).catch(() => {});
    if (!this.stopped) {
      const t = setInterval(() => {
        if (this.leading) clearInterval(t);
        else void this.tryLead();
      }, LEADER_RETRY_MS);
      t.unref();
      this.timers.push(t);
    }
  }

  isLeading(): boolean {
    return this.leading;
  }

  // ---------------------------------------------------------------------------------------------------
  // Reference data

  /** Geometry, closures and parameters as stored (after an administrator's change, and every minute). */
  async reload(): Promise<void> {
    this.geometry = await loadGeometry(this.kernel.db);
    this.params = await loadParams(this.kernel.db);
  }

  private async loadVessels(withStates = false): Promise<void> {
    const rows = await sql<{
      id: string;
      number: string;
      name: string;
      area_code: string;
      last_ts: Date | null;
      last_lng: number | null;
      last_lat: number | null;
    }>`select thing_id::text as id, number, name, area_code, last_ts, last_lng, last_lat from sea_vessels`.execute(
      this.kernel.db,
    );
    const byNumber = new Map<string, VesselRef>();
    const byId = new Map<string, VesselRef>();
    for (const r of rows.rows) {
      const v = { id: r.id, number: r.number, name: r.name, areaCode: r.area_code };
      byNumber.set(r.number, v);
      byId.set(r.id, v);
      if ((withStates || !this.states.has(r.id)) && r.last_ts && r.last_lng !== null && r.last_lat !== null) {
        const here: [number, number] = [r.last_lng, r.last_lat];
        const port = this.geometry.ports.find((s) => pointIn(s, here))?.name ?? null;
        const zone = this.geometry.zones.find((s) => pointIn(s, here))?.name ?? null;
        this.states.set(r.id, {
          ts: new Date(r.last_ts).getTime(),
          lng: r.last_lng,
          lat: r.last_lat,
          port,
          zone,
          silentFlagged: false,
        });
      }
    }
    this.vessels = byNumber;
    this.vesselsById = byId;
    this.lastVesselReload = this.now();
  }

  /** A vessel registered or changed: the next position for it is known without waiting. */
  vesselsChanged(): Promise<void> {
    this.vesselReload ??= this.loadVessels().finally(() => {
      this.vesselReload = null;
    });
    return this.vesselReload;
  }

  private async loadOpenAlerts(): Promise<void> {
    const rows = await sql<{ matter_id: string; vessel_id: string; rule: string }>`
      select a.matter_id::text as matter_id, a.vessel_id::text as vessel_id, a.rule
      from sea_alerts a join matters m on m.id = a.matter_id
      where not m.closed`.execute(this.kernel.db);
    for (const r of rows.rows) {
      const key = `${r.vessel_id}:${r.rule}`;
      this.openAlerts.set(key, r.matter_id);
      this.alertKeyOf.set(r.matter_id, key);
      if (r.rule === 'signal_lost') {
        const s = this.states.get(r.vessel_id);
        if (s) s.silentFlagged = true;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Intake

  private onMessage(topic: string, payload: Buffer): void {
    const number = numberOfTopic(topic);
    if (!number) {
      this.counters.received++;
      this.reject('malformed', topic, 'unknown topic', payload);
      return;
    }
    this.ingest(number, parsePayload(payload), topic, payload);
  }

  /**
   * One position for one vessel (from MQTT, the push API or a test). Synchronous up to the alerts, which are
   * raised in the background (`settle()` waits for them). Counts: received = evaluated + rejected.
   */
  ingest(
    number: string,
    parsed: Parsed,
    topic = topicFor(number),
    raw?: Buffer | string,
  ): { ok: true } | { ok: false; reason: RejectReason; detail: string } {
    this.counters.received++;
    if (!parsed.ok) {
      this.reject(parsed.reason, topic, parsed.detail, raw);
      return parsed;
    }
    const v = this.vessels.get(number);
    if (!v) {
      this.reject('unknown_vessel', topic, `no vessel ${number}`, raw);
      if (this.now() - this.lastVesselReload > 5000) void this.vesselsChanged();
      return { ok: false, reason: 'unknown_vessel', detail: `no vessel ${number}` };
    }
    const verdict = evaluatePosition(
      this.states,
      v.id,
      parsed.position,
      this.geometry,
      this.params,
      this.now(),
    );
    if (!verdict.ok) {
      this.reject(verdict.reason, topic, verdict.detail, raw);
      return verdict;
    }
    this.counters.evaluated++;
    this.buffer.push({ id: v.id, p: parsed.position });
    for (const b of verdict.breaches) this.breach(v, b, parsed.position.ts);
    this.emit('evaluated', parsed.position.ts, verdict.breaches.length);
    if (this.buffer.length >= 5000) void this.flush();
    return { ok: true };
  }

  /**
   * The push API: objects `{number, lng, lat, sog?, cog?, ts}`; returns what was rejected at once. On an instance
   * that is not the consumer, valid records go to the broker for the consumer (counted as `forwarded` here).
   */
  push(records: unknown[]): {
    accepted: number;
    rejected: { index: number; reason: string; detail: string }[];
  } {
    const rejected: { index: number; reason: string; detail: string }[] = [];
    let accepted = 0;
    for (const [index, r] of records.entries()) {
      const number = (r as { number?: unknown })?.number;
      let outcome: { ok: true } | { ok: false; reason: string; detail: string };
      if (typeof number !== 'string' || !VESSEL_NUMBER.test(number)) {
        this.counters.received++;
        this.reject('malformed', 'push', 'number missing or invalid');
        outcome = { ok: false, reason: 'malformed', detail: 'number missing or invalid' };
      } else {
        const parsed = parseObject(r);
        if (this.leading || !this.client) outcome = this.ingest(number, parsed, 'push');
        else if (parsed.ok) {
          this.counters.forwarded++;
          void this.client.publishAsync(topicFor(number), JSON.stringify(parsed.position), { qos: 1 });
          outcome = { ok: true };
        } else outcome = parsed;
      }
      if (outcome.ok) accepted++;
      else rejected.push({ index, reason: outcome.reason, detail: outcome.detail });
    }
    return { accepted, rejected };
  }

  private reject(reason: RejectReason, topic: string, detail: string, raw?: Buffer | string): void {
    this.counters.rejected++;
    this.rejectedBy[reason]++;
    if (this.rejectSamples.length < 200) {
      const sample = raw === undefined ? detail : `${detail}: ${String(raw).slice(0, 200)}`;
      this.rejectSamples.push({ reason, topic: topic.slice(0, 200), sample: sample.slice(0, 300) });
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Alerts

  private breach(v: VesselRef, b: Breach, ts: number): void {
    this.counters.breaches++;
    const key = `${v.id}:${b.rule}`;
    const open = this.openAlerts.get(key);
    if (open !== undefined) {
      this.counters.deduplicated++;
      // Counted on the open alert (by key: the alert may still be being raised) at the next flush.
      const r = this.repeats.get(key) ?? { n: 0, at: ts };
      r.n++;
      r.at = Math.max(r.at, ts);
      this.repeats.set(key, r);
      return;
    }
    const p: Promise<void> = (b.rule === 'port_exit' ? this.hasExitReport(v.id, ts) : Promise.resolve(false))
      .then(async (covered) => {
        if (covered) {
          this.openAlerts.delete(key);
          return;
        }
        const raised = await this.raise(v, b, ts);
        this.openAlerts.set(key, raised.matterId);
        this.alertKeyOf.set(raised.matterId, key);
        this.counters.raised++;
        this.emit('alert', raised);
      })
      .catch((e: Error) => {
        this.openAlerts.delete(key);
        this.counters.alertFailures++;
        this.kernel.log.warn({ err: e.message, rule: b.rule }, 'sea alert not raised');
      })
      .finally(() => this.pendingRaises.delete(p));
    this.openAlerts.set(key, p);
    this.pendingRaises.add(p);
  }

  private async hasExitReport(vesselId: string, ts: number): Promise<boolean> {
    const since = new Date(ts - this.params.exitReportValidHours * 3_600_000);
    const r = await sql<{ kind: string }>`
      select kind from sea_port_reports
      where vessel_id = ${vesselId} and reported_at >= ${since} and reported_at <= ${new Date(ts + 60_000)}
      order by reported_at desc, id desc limit 1`.execute(this.kernel.db);
    return r.rows[0]?.kind === 'exit';
  }

  private async raise(v: VesselRef, b: Breach, ts: number): Promise<AlertRaised> {
    const at = new Date(ts);
    const events: ZhiliEvent[] = [];
    const matter = await this.kernel.db.transaction().execute(async (tx) => {
      const { matter, events: created } = await createMatter(tx, this.actor, {
        type: 'sea_alert',
        category: b.rule,
        title: `${v.number} ${v.name}：${RULE_NAMES[b.rule].zh}`.slice(0, 200),
        description: b.detail.slice(0, 2000),
        urgency: b.rule === 'signal_lost' || b.rule === 'closure' ? 'extra_urgent' : 'urgent',
        sourceChannel: 'sea-feed',
        areaCode: v.areaCode,
        point: { lng: b.lng, lat: b.lat },
        payload: {
          rule: b.rule,
          vesselId: v.id,
          vesselNumber: v.number,
          vesselName: v.name,
          at: at.toISOString(),
          lng: b.lng,
          lat: b.lat,
          detail: b.detail.slice(0, 500),
        },
        parties: [{ role: 'vessel', subjectType: 'thing', subjectId: v.id }],
      });
      await sql`insert into sea_alerts (matter_id, vessel_id, rule, first_at, last_at)
        values (${matter.id}, ${v.id}, ${b.rule}, ${at}, ${at})`.execute(tx);
      events.push(...created);
      const row = await tx
        .selectFrom('matters')
        .selectAll()
        .where('id', '=', matter.id)
        .executeTakeFirstOrThrow();
      events.push(
        matterEvent('sea.alert', row, this.actor, {
          rule: b.rule,
          ruleName: RULE_NAMES[b.rule].zh,
          vessel: v.number,
          title: row.title,
        }),
      );
      return matter;
    });
    const raisedAt = this.now();
    await announce(this.kernel, events);
    return {
      matterId: matter.id,
      matterNumber: matter.number,
      vesselNumber: v.number,
      rule: b.rule,
      ts,
      raisedAt,
    };
  }

  /** Waits for the alerts being raised (tests, the benchmark, stop). */
  async settle(): Promise<void> {
    while (this.pendingRaises.size) await Promise.allSettled([...this.pendingRaises]);
  }

  /** signal_lost for vessels at sea silent too long (every 30 s on the leader; tests pass a time). */
  async checkSilence(now = this.now()): Promise<number> {
    if (!this.leading) return 0;
    const silent = silentVessels(this.states, this.params, now);
    for (const { vesselId, state } of silent) {
      const v = this.vesselsById.get(vesselId);
      if (!v) continue;
      const mins = Math.round((now - state.ts) / 60_000);
      this.breach(
        v,
        {
          rule: 'signal_lost',
          detail: `已 ${mins} 分钟无位置信号（阈值 ${this.params.signalLostMinutes} 分钟）/ silent for ${mins} min`,
          lng: state.lng,
          lat: state.lat,
        },
        now,
      );
    }
    if (silent.length)
      await sql`update sea_vessels set status = 'silent' where thing_id = any(${silent.map((s) => s.vesselId)}::bigint[])`.execute(
        this.kernel.db,
      );
    await this.settle();
    return silent.length;
  }

  // ---------------------------------------------------------------------------------------------------
  // Storage

  /** Writes the buffered positions (one statement), the latest per vessel, the repeats and the rejects. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.flushNow())
      .catch((e: Error) => {
        this.kernel.log.warn({ err: e.message }, 'sea positions not stored');
      });
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    const rejects = this.rejectSamples;
    this.rejectSamples = [];
    // Repeats of alerts still being raised wait for the next flush.
    const repeats = new Map<string, { n: number; at: number }>();
    for (const [key, r] of this.repeats) {
      const open = this.openAlerts.get(key);
      if (typeof open === 'string') {
        repeats.set(open, r);
        this.repeats.delete(key);
      } else if (open === undefined) this.repeats.delete(key);
    }
    if (!batch.length && !rejects.length && !repeats.size) return;
    const db = this.kernel.db;
    const changedAreas = new Set<string>();
    if (batch.length) {
      const ids: string[] = [];
      const ts: number[] = [];
      const lng: number[] = [];
      const lat: number[] = [];
      const sog: (number | null)[] = [];
      const cog: (number | null)[] = [];
      const latest = new Map<string, Position>();
      for (const { id, p } of batch) {
        ids.push(id);
        ts.push(p.ts);
        lng.push(p.lng);
        lat.push(p.lat);
        sog.push(p.sog);
        cog.push(p.cog);
        latest.set(id, p);
        const v = this.vesselsById.get(id);
        if (v) changedAreas.add(v.areaCode.slice(0, 6));
      }
      await sql`insert into sea_positions (vessel_id, ts, lng, lat, sog, cog)
        select v, to_timestamp(t / 1000.0), x, y, s, c
        from unnest(${ids}::bigint[], ${ts}::float8[], ${lng}::float8[], ${lat}::float8[], ${sog}::real[], ${cog}::real[])
          as u(v, t, x, y, s, c)`.execute(db);
      const lids: string[] = [];
      const lts: number[] = [];
      const llng: number[] = [];
      const llat: number[] = [];
      const lsog: (number | null)[] = [];
      const lcog: (number | null)[] = [];
      const lstatus: string[] = [];
      for (const [id, p] of latest) {
        lids.push(id);
        lts.push(p.ts);
        llng.push(p.lng);
        llat.push(p.lat);
        lsog.push(p.sog);
        lcog.push(p.cog);
        lstatus.push(this.states.get(id)?.port ? 'in_port' : 'at_sea');
      }
      await sql`update sea_vessels s set last_ts = to_timestamp(u.t / 1000.0), last_lng = u.x, last_lat = u.y,
          last_sog = u.sg, last_cog = u.c, status = u.st
        from unnest(${lids}::bigint[], ${lts}::float8[], ${llng}::float8[], ${llat}::float8[], ${lsog}::real[],
          ${lcog}::real[], ${lstatus}::text[]) as u(v, t, x, y, sg, c, st)
        where s.thing_id = u.v and (s.last_ts is null or s.last_ts <= to_timestamp(u.t / 1000.0))`.execute(
        db,
      );
      this.counters.stored += batch.length;
    }
    if (repeats.size) {
      const mids = [...repeats.keys()];
      const ns = mids.map((m) => repeats.get(m)!.n);
      const ats = mids.map((m) => repeats.get(m)!.at);
      await sql`update sea_alerts a set breaches = a.breaches + u.n, last_at = greatest(a.last_at, to_timestamp(u.t / 1000.0))
        from unnest(${mids}::bigint[], ${ns}::int[], ${ats}::float8[]) as u(m, n, t)
        where a.matter_id = u.m`.execute(db);
    }
    if (rejects.length) {
      await sql`insert into sea_rejects (reason, topic, sample)
        select r, t, s from unnest(${rejects.map((r) => r.reason)}::text[], ${rejects.map((r) => r.topic)}::text[],
          ${rejects.map((r) => r.sample)}::text[]) as u(r, t, s)`.execute(db);
      if (++this.flushCount % 50 === 0)
        await sql`delete from sea_rejects where id < (select max(id) - 5000 from sea_rejects)`.execute(db);
    }
    // Tell the maps (live): one small event per county whose vessels moved, at most once per flush.
    for (const county of changedAreas) {
      await this.kernel.events
        .publish({ type: 'sea.positions', at: new Date().toISOString(), areaCode: `${county}000000` })
        .catch(() => {});
    }
  }

  stats(): FeedStats {
    let atSea = 0;
    for (const s of this.states.values()) if (!s.port) atSea++;
    return {
      ...this.counters,
      rejectedBy: { ...this.rejectedBy },
      leading: this.leading,
      broker: this.brokerUrl,
      vessels: this.vessels.size,
      atSea,
    };
  }
}

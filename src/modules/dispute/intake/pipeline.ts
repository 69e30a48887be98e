import { sql } from 'kysely';
import { type Actor, inScope } from '../../../core/access/actor.ts';
import { audit } from '../../../core/audit/audit.ts';
import type { DbOrTx } from '../../../core/db/database.ts';
import type { ZhiliEvent } from '../../../core/events/bus.ts';
import { deadlineFor, enterState } from '../../../core/matters/clock.ts';
import { allocateNumbers } from '../../../core/matters/matters.service.ts';
import { getMatterType } from '../../../core/matters/registry.ts';
import { indexTokens } from '../../../core/matters/search.ts';
import { h3Of } from '../../../core/subjects/common.ts';
import { maskName, type Vault } from '../../../core/subjects/vault.ts';
import type { DisputeClassifier } from '../classifier/classifier.ts';
import { type DisputePayload, MASS_THRESHOLD } from '../dispute.schema.ts';
import { ddb } from '../dispute.tables.ts';
import type { SourceProfile } from '../sources.ts';
import { type AreaIndex, resolveArea } from './areas.ts';
import { type Categorised, categorise } from './categorise.ts';
import { DEDUPE_DEFAULTS, type DedupeOptions, findDuplicates } from './dedupe.ts';
import { linkSubjects, type SubjectKey } from './link.ts';
import { assessRisk } from './risk.ts';
import type { CleanRecord, MappedRecord, RowError } from './types.ts';
import { validateRecord } from './validate.ts';

/**
 * The intake pipeline after parsing and mapping, for one batch of records in one transaction:
 * validate → normalise (area) → skip records already taken → classify → link subjects → find duplicates →
 * write (matters, parties, timeline, source records) → one audit entry → events to publish after commit.
 * Every channel (file import, push API, Open311, the web form) comes through here.
 */
export type Channel = 'file' | 'push' | 'open311' | 'web';

export interface IntakeSource {
  code: string;
  department: string | null;
  profile: SourceProfile;
}

export interface IntakeContext {
  vault: Vault;
  actor: Actor;
  source: IntakeSource;
  channel: Channel;
  areaIndex: AreaIndex;
  classifier: DisputeClassifier;
  jobId?: string | null;
  dedupe?: DedupeOptions;
  now?: Date;
}

export type OutcomeStatus = 'inserted' | 'merged' | 'skipped' | 'rejected';

export interface IntakeOutcome {
  rowNo: number;
  recordKey: string | null;
  status: OutcomeStatus;
  matterId?: string;
  matterNumber?: string;
  errors?: RowError[];
}

/** Milliseconds spent per step of the pipeline, summed over a batch (or a whole import). */
export type StageTimes = Partial<Record<Stage, number>>;
export const STAGES = [
  'validate',
  'area',
  'classify',
  'words',
  'taken',
  'link',
  'duplicates',
  'matters',
  'parties',
  'timeline',
  'records',
  'audit',
  'analyze',
] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE_NAMES: Record<Stage, string> = {
  validate: '校验',
  area: '定位区域',
  classify: '分类',
  words: '分词',
  taken: '已收记录',
  link: '关联人房企',
  duplicates: '识别重复',
  matters: '写入纠纷',
  parties: '写入当事人',
  timeline: '写入时间线',
  records: '写入来源记录',
  audit: '审计',
  analyze: '更新统计信息',
};

/**
 * The pipeline's one clock: `lap(stage)` adds the time since the last lap (or `start()`) to `times[stage]` —
 * a clock read per step, no promise per step.
 */
export function stopwatch(times: StageTimes) {
  let t = performance.now();
  return {
    start() {
      t = performance.now();
    },
    lap(stage: Stage) {
      const now = performance.now();
      times[stage] = (times[stage] ?? 0) + (now - t);
      t = now;
    },
  };
}

export function addTimes(into: StageTimes, from: StageTimes): void {
  for (const [k, v] of Object.entries(from) as [Stage, number][]) into[k] = (into[k] ?? 0) + v;
}

export interface BatchResult {
  outcomes: IntakeOutcome[];
  /** Both halves of the batch: prepare (validate … words) and write (taken … audit). */
  times: StageTimes;
  counts: Record<OutcomeStatus, number>;
  createdPersons: number;
  createdEnterprises: number;
  events: ZhiliEvent[];
}

/** Above this many new disputes a batch announces itself with one event instead of one per dispute. */
export const PER_MATTER_EVENTS_MAX = 100;

interface Ready {
  rec: CleanRecord;
  cat: Categorised;
  tokens: string[];
  outcome: IntakeOutcome;
  areaMatched?: string[];
}

/** The town (level 3) that triages a dispute filed at a village or grid; a county's own centre above that. */
function dispatcherOf(areaCode: string): string {
  return areaCode.length >= 12 && areaCode.slice(6, 9) !== '000'
    ? `${areaCode.slice(0, 9)}000`
    : areaCode.slice(0, 12);
}

async function normalise(
  tx: DbOrTx,
  ctx: IntakeContext,
  mapped: MappedRecord[],
  outcomes: IntakeOutcome[],
  times: StageTimes,
): Promise<Ready[]> {
  const ready: Ready[] = [];
  const { start, lap } = stopwatch(times);
  for (const m of mapped) {
    start();
    const v = validateRecord(ctx.source.profile, m, ctx.now);
    lap('validate');
    const recordKey =
      typeof m.recordKey === 'string' || typeof m.recordKey === 'number' ? String(m.recordKey) : null;
    if (!v.ok) {
      outcomes.push({ rowNo: m.rowNo, recordKey, status: 'rejected', errors: v.errors });
      continue;
    }
    const r = v.record;
    const area = await resolveArea(tx, ctx.areaIndex, {
      areaCode: r.areaCode,
      address: r.address,
      point: r.point,
    });
    lap('area');
    if (!area.ok) {
      const error = { rowNo: m.rowNo, field: area.field, code: area.code, reason: area.reason };
      outcomes.push({ rowNo: m.rowNo, recordKey, status: 'rejected', errors: [error] });
      continue;
    }
    if (!inScope(ctx.actor, area.code)) {
      const reason = `区域 ${area.code} 不在您的管辖范围内 / Area ${area.code} is outside your scope`;
      outcomes.push({
        rowNo: m.rowNo,
        recordKey,
        status: 'rejected',
        errors: [{ rowNo: m.rowNo, field: 'areaCode', code: 'OUT_OF_SCOPE', reason }],
      });
      continue;
    }
    const rec: CleanRecord = { ...r, areaCode: area.code, areaFrom: area.from };
    const outcome: IntakeOutcome = { rowNo: m.rowNo, recordKey: r.recordKey, status: 'inserted' };
    outcomes.push(outcome);
    const text = `${rec.title} ${rec.description}`;
    const cat = categorise(ctx.source.profile, rec.sourceCategory, text, ctx.classifier);
    lap('classify');
    const tokens = indexTokens(rec.title, rec.description);
    lap('words');
    ready.push({ rec, cat, tokens, outcome, ...(area.matched ? { areaMatched: area.matched } : {}) });
  }
  return ready;
}

/** Records whose key this source already sent (an earlier file, a retried push) — or twice in this batch. */
async function dropTaken(tx: DbOrTx, source: string, ready: Ready[]): Promise<Ready[]> {
  if (!ready.length) return ready;
  const keys = [...new Set(ready.map((r) => r.rec.recordKey))];
  const taken = await ddb(tx)
    .selectFrom('dispute_records')
    .select(['record_key', 'matter_id'])
    .where('source_code', '=', source)
    .where('record_key', '=', sql<string>`any(${sql.val(keys)}::text[])`)
    .execute();
  const byKey = new Map(taken.map((t) => [t.record_key, t.matter_id]));
  const seen = new Set<string>();
  const out: Ready[] = [];
  for (const r of ready) {
    const k = r.rec.recordKey;
    const existing = byKey.get(k);
    if (existing || seen.has(k)) {
      r.outcome.status = 'skipped';
      if (existing) r.outcome.matterId = existing;
      continue;
    }
    seen.add(k);
    out.push(r);
  }
  return out;
}

const partiesForRecord = (rec: CleanRecord, links: (SubjectKey | null)[]) =>
  rec.parties.map((p, i) => ({
    role: p.role,
    kind: p.kind,
    name: p.kind === 'person' ? maskName(p.name) : p.name,
    ...(links[i] ? { subjectId: links[i]!.split(':')[1]! } : {}),
  }));

/** A batch after the steps that need no transaction: validated, placed, classified, tokenised. */
export interface PreparedBatch {
  outcomes: IntakeOutcome[];
  ready: Ready[];
  times: StageTimes;
  rows: [number | null, number | null];
}

/**
 * The CPU-bound half of a batch (validate, area, classify, words). It reads nothing another batch writes,
 * so an import prepares batch N+1 while batch N's transaction is in the database.
 */
export async function prepareRecords(
  db: DbOrTx,
  ctx: IntakeContext,
  mapped: MappedRecord[],
): Promise<PreparedBatch> {
  const outcomes: IntakeOutcome[] = [];
  const times: StageTimes = {};
  const ready = await normalise(db, ctx, mapped, outcomes, times);
  return { outcomes, ready, times, rows: [mapped[0]?.rowNo ?? null, mapped.at(-1)?.rowNo ?? null] };
}

export async function processRecords(
  tx: DbOrTx,
  ctx: IntakeContext,
  mapped: MappedRecord[],
): Promise<BatchResult> {
  return writeRecords(tx, ctx, await prepareRecords(tx, ctx, mapped));
}

/** Advisory lock space of the intake's subjects (docs/ARCHITECTURE.md lists the platform's lock keys). */
export const SUBJECT_LOCK = 7341005;

/**
 * Two batches naming the same person or enterprise — two files imported at once, two departments pushing the
 * same dispute — would each look for duplicates before the other's dispute is committed, and both file it as
 * new. So a batch locks its subjects (by a hash of their keys: a collision only makes two batches wait for
 * each other) until its transaction ends, before it looks; the other waits, then finds the dispute. The locks
 * are taken in the hashes' order, the same in every batch, so two batches never wait for each other in a
 * circle. Batches with no subject in common do not wait.
 */
async function lockSubjects(tx: DbOrTx, keys: SubjectKey[]): Promise<void> {
  if (!keys.length) return;
  await sql`
    select pg_advisory_xact_lock(${SUBJECT_LOCK}, h)
    from (select distinct hashtext(k) as h from unnest(${[...new Set(keys)]}::text[]) as k order by h) s`.execute(
    tx,
  );
}

/** The half that needs the transaction: skip taken keys, link, lock the subjects, find duplicates, write, audit. */
export async function writeRecords(
  tx: DbOrTx,
  ctx: IntakeContext,
  prepared: PreparedBatch,
): Promise<BatchResult> {
  const { outcomes } = prepared;
  const times: StageTimes = { ...prepared.times };
  const now = ctx.now ?? new Date();
  const { lap } = stopwatch(times);
  const ready = await dropTaken(tx, ctx.source.code, prepared.ready);
  lap('taken');
  const linked = await linkSubjects(
    tx,
    ctx.vault,
    ready.map((r) => r.rec),
  );
  lap('link');
  const subjects = linked.links.map((keys) => keys.filter((k): k is SubjectKey => k !== null));
  await lockSubjects(tx, subjects.flat());
  const decisions = await findDuplicates(
    tx,
    ready.map((r, i) => ({
      category: r.cat.category,
      reportedAt: r.rec.reportedAt,
      tokens: r.tokens,
      subjects: subjects[i]!,
    })),
    ctx.dedupe ?? DEDUPE_DEFAULTS,
  );
  lap('duplicates');

  // New disputes first: merged records need their matter ids.
  const fresh = ready.map((r, i) => ({ r, i })).filter(({ i }) => decisions[i]!.kind === 'new');
  // 一案一码 with the dispute type's own prefix.
  const prefix = getMatterType('dispute').prefix;
  const numbers = await allocateNumbers(
    tx,
    fresh.map(({ r }) => ({ prefix, areaCode: r.rec.areaCode, at: r.rec.reportedAt })),
  );
  const clock = enterState(now, await deadlineFor(tx, 'dispute', 'registered'));
  const matterIdOf = new Map<number, string>();
  const events: ZhiliEvent[] = [];
  if (fresh.length) {
    const inserted = await tx
      .insertInto('matters')
      .values(
        fresh.map(({ r, i }, n) => {
          const payload: DisputePayload = {
            ...(r.rec.amount !== null ? { amount: r.rec.amount } : {}),
            peopleInvolved: r.rec.peopleInvolved,
            mass: r.rec.peopleInvolved >= MASS_THRESHOLD,
            riskLevel: assessRisk(`${r.rec.title} ${r.rec.description}`, r.rec.peopleInvolved, r.rec.amount),
            ...(r.rec.address ? { address: r.rec.address } : {}),
            parties: partiesForRecord(r.rec, linked.links[i]!),
            classification: r.cat.classification,
            sources: [ctx.source.code],
          };
          return {
            number: numbers[n]!,
            type: 'dispute',
            category: r.cat.category,
            title: r.rec.title,
            description: r.rec.description,
            status: 'registered',
            closed: false,
            urgency: payload.riskLevel === 'high' ? ('urgent' as const) : ('normal' as const),
            source_department: ctx.source.department,
            source_channel: ctx.channel,
            area_code: r.rec.areaCode,
            lng: r.rec.point?.lng ?? null,
            lat: r.rec.point?.lat ?? null,
            h3: h3Of(r.rec.point),
            reporter_id: ctx.actor.id,
            reporter_name: ctx.actor.displayName,
            dispatcher_area_code: dispatcherOf(r.rec.areaCode),
            ...clock,
            payload: JSON.stringify(payload),
            search_tokens: r.tokens,
            // When it was reported; its clock starts now, when the library received it.
            created_at: r.rec.reportedAt,
          };
        }),
      )
      .returning(['id', 'number', 'area_code'])
      .execute();
    for (const [n, row] of inserted.entries()) {
      const { r, i } = fresh[n]!;
      matterIdOf.set(i, row.id);
      r.outcome.matterId = row.id;
      r.outcome.matterNumber = row.number;
      if (fresh.length <= PER_MATTER_EVENTS_MAX) {
        events.push({
          type: 'matter.created',
          at: now.toISOString(),
          matterId: row.id,
          matterNumber: row.number,
          status: 'registered',
          areaCode: row.area_code,
          actorId: ctx.actor.id,
          data: { type: 'dispute', source: ctx.source.code, channel: ctx.channel },
        });
      }
    }
  }
  lap('matters');
  // The date of the dispute each record ends in: its own, its batch leader's, or the stored dispute's.
  const matterAt = ready.map((r) => r.rec.reportedAt);
  for (const [i, d] of decisions.entries()) {
    const r = ready[i]!;
    if (d.kind === 'new') continue;
    r.outcome.status = 'merged';
    r.outcome.matterId = d.kind === 'existing' ? d.matterId : matterIdOf.get(d.leader)!;
    matterAt[i] = d.kind === 'existing' ? d.at : ready[d.leader]!.rec.reportedAt;
  }

  if (ready.length) {
    const parties = ready.flatMap((r, i) =>
      linked.links[i]!.flatMap((k, j) =>
        k
          ? [
              {
                matter_id: r.outcome.matterId!,
                role: r.rec.parties[j]!.role,
                subject_type: k.split(':')[0] as 'person' | 'enterprise',
                subject_id: k.split(':')[1]!,
                matter_at: matterAt[i]!,
              },
            ]
          : [],
      ),
    );
    if (parties.length)
      await tx
        .insertInto('matter_parties')
        .values(parties)
        .onConflict((oc) => oc.doNothing())
        .execute();
    lap('parties');
    await tx
      .insertInto('matter_timeline')
      .values(
        ready.map((r) => ({
          matter_id: r.outcome.matterId!,
          at: now,
          actor_id: ctx.actor.id,
          actor_name: ctx.actor.displayName,
          action: r.outcome.status === 'merged' ? 'source_merged' : 'create',
          to_status: r.outcome.status === 'merged' ? null : 'registered',
          note: null,
          data: JSON.stringify({
            channel: ctx.channel,
            source: ctx.source.code,
            recordKey: r.rec.recordKey,
            ...(ctx.jobId ? { jobId: ctx.jobId } : {}),
          }),
        })),
      )
      .execute();
    lap('timeline');
    await ddb(tx)
      .insertInto('dispute_records')
      .values(
        ready.map((r, i) => {
          const d = decisions[i]!;
          return {
            matter_id: r.outcome.matterId!,
            source_code: ctx.source.code,
            record_key: r.rec.recordKey,
            channel: ctx.channel,
            job_id: ctx.jobId ?? null,
            row_no: ctx.channel === 'file' ? r.rec.rowNo : null,
            reported_at: r.rec.reportedAt,
            source_category: r.rec.sourceCategory,
            category: r.cat.category,
            title: r.rec.title,
            description: r.rec.description,
            address: r.rec.address,
            parties: JSON.stringify(partiesForRecord(r.rec, linked.links[i]!)),
            data: JSON.stringify({
              amount: r.rec.amount,
              peopleInvolved: r.rec.peopleInvolved,
              areaFrom: r.rec.areaFrom,
              ...(r.areaMatched ? { areaMatched: r.areaMatched } : {}),
              classification: r.cat.classification,
              ...(d.kind !== 'new' ? { mergedSimilarity: Math.round(d.similarity * 1000) / 1000 } : {}),
            }),
          };
        }),
      )
      .execute();
    // A merged dispute lists every source that reported it.
    const mergedInto = [
      ...new Set(ready.filter((r) => r.outcome.status === 'merged').map((r) => r.outcome.matterId!)),
    ];
    if (mergedInto.length) {
      await sql`
        update matters m
        set payload = jsonb_set(m.payload, '{sources}',
              (select coalesce(jsonb_agg(distinct r.source_code), '[]'::jsonb)
               from dispute_records r where r.matter_id = m.id)),
            updated_at = now(),
            version = m.version + 1
        where m.id = any(${sql.val(mergedInto)}::bigint[])`.execute(tx);
    }
    lap('records');
  }

  const counts: Record<OutcomeStatus, number> = { inserted: 0, merged: 0, skipped: 0, rejected: 0 };
  for (const o of outcomes) counts[o.status]++;
  if (ready.length) {
    const ids = ready.map((r) => Number(r.outcome.matterId));
    await audit(tx, ctx.actor, {
      action: 'dispute.intake',
      entityType: ctx.jobId ? 'import_job' : 'dispute_source',
      entityId: ctx.jobId ?? ctx.source.code,
      newValues: {
        source: ctx.source.code,
        channel: ctx.channel,
        rows: prepared.rows,
        ...counts,
        createdPersons: linked.createdPersons,
        createdEnterprises: linked.createdEnterprises,
        matterIds: [Math.min(...ids), Math.max(...ids)],
      },
    });
    lap('audit');
  }
  if (fresh.length > PER_MATTER_EVENTS_MAX) {
    events.push({
      type: 'matters.imported',
      at: now.toISOString(),
      actorId: ctx.actor.id,
      data: { type: 'dispute', source: ctx.source.code, jobId: ctx.jobId ?? null, count: fresh.length },
    });
  }
  outcomes.sort((a, b) => a.rowNo - b.rowNo);
  return {
    outcomes,
    times,
    counts,
    createdPersons: linked.createdPersons,
    createdEnterprises: linked.createdEnterprises,
    events,
  };
}

import { type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { DbOrTx } from '../../../core/db/database.ts';
import { maskMiddle } from '../../../core/subjects/vault.ts';
import { type Factor, levelOf, type PassMemo, type Signal, type SignalSubject } from '../runtime/model.ts';

/**
 * What the twelve models share: parameter building blocks, the few dispute codes they need, and batched
 * reads of matters, parties and source records "as of" the evaluation's `now`. Everything here only reads.
 *
 * The alert module does not import the dispute module (modules never import each other): the codes below
 * are copied from it, each with where it comes from.
 */

export const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------
// Parameters

/** An integer parameter with its bounds. */
export const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** A word list an administrator edits: at most 200 words of 1–20 characters. */
export const wordList = () => z.array(z.string().min(1).max(20)).max(200);

/** Copied from src/modules/dispute/dispute.schema.ts (DISPUTE_CATEGORIES): code → Chinese name. */
export const CATEGORY_NAMES: Record<string, string> = {
  marriage_family: '婚姻家庭',
  neighbour: '邻里',
  house_homestead: '房屋宅基地',
  contract: '合同',
  business: '生产经营',
  damages: '损害赔偿',
  forest_land: '山林土地',
  expropriation: '征地拆迁',
  environment: '环境污染',
  labour: '劳动争议',
  consumer: '消费',
  medical: '医疗',
  traffic_accident: '道路交通事故',
  property_mgmt: '物业',
  ip: '知识产权',
  other: '其他',
};
export const CATEGORY_CODES = Object.keys(CATEGORY_NAMES) as [string, ...string[]];

/** A list of dispute categories. */
export const categoryList = () => z.array(z.enum(CATEGORY_CODES)).max(CATEGORY_CODES.length);

/** Source codes (dispute_sources.code: police_110, petition…) and matter type codes have the same form. */
export const codeList = (max = 50) =>
  z
    .array(z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, '代码须为小写字母、数字和下划线 / a lowercase code'))
    .max(max);

/** Copied from src/modules/dispute/dispute.workflow.ts (RESOLVED_STATES): the states of a settled dispute. */
export const RESOLVED_STATES = ['resolved', 'revisited', 'closed'];

/** Copied from src/modules/dispute/sources.ts: the source codes the models name in their defaults. */
export const SOURCE = {
  police: 'police_110',
  petition: 'petition',
  womenFederation: 'women_federation',
} as const;

/** Role codes of matter_parties (copied from PARTY_ROLES in dispute.schema.ts) and their Chinese names. */
export const ROLE_NAMES: Record<string, string> = {
  applicant: '申请人',
  respondent: '被申请人',
  party: '当事人',
};

/** person_tags.tag (the alert migration) and their names. */
export const TAG_NAMES: Record<string, { zh: string; en: string }> = {
  mental_disorder: { zh: '严重精神障碍', en: 'Severe mental disorder' },
  community_correction: { zh: '社区矫正', en: 'Community correction' },
  released_prisoner: { zh: '刑释人员', en: 'Released prisoner' },
  drug_user: { zh: '吸毒人员', en: 'Drug user' },
  petitioner: { zh: '重点信访人员', en: 'Frequent petitioner' },
  violence_history: { zh: '有暴力史', en: 'History of violence' },
  other: { zh: '其他重点人员', en: 'Other' },
};

// ---------------------------------------------------------------------------------------------------
// Reading

export async function rows<T>(db: DbOrTx, q: RawBuilder<T>): Promise<T[]> {
  return (await q.execute(db)).rows;
}

/** A timestamp parameter. */
export const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

export const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

export type SubjectType = SignalSubject['type'];
export interface SubjectRef {
  type: SubjectType;
  id: string;
}

export const subjectKey = (s: SubjectRef) => `${s.type}:${s.id}`;

const TYPE_ORDER: Record<SubjectType, number> = { enterprise: 0, house: 1, person: 2, thing: 3 };

/** Ascending order of bigint ids held as strings. */
function byId(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareSubjects(a: SubjectRef, b: SubjectRef): number {
  if (a.type !== b.type) return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
  return byId(a.id, b.id);
}

/** `person:12` for one subject, `pair:person:12|person:40` for two (in a fixed order). */
export function unitKey(subjects: SubjectRef[]): string {
  const s = [...subjects].sort(compareSubjects);
  if (s.length === 1) return subjectKey(s[0]!);
  return `pair:${s.map(subjectKey).join('|')}`;
}

export interface PartyRow {
  matterId: string;
  role: string;
  type: SubjectType;
  id: string;
}

/**
 * The linked parties of some matters (matter_parties), grouped by matter id (each group by party id). With a
 * run's memo, each matter's parties are read once per run.
 */
export async function partiesGrouped(
  db: DbOrTx,
  matterIds: string[],
  memo?: PassMemo,
): Promise<Map<string, PartyRow[]>> {
  if (!matterIds.length) return new Map();
  const read = async (ids: string[]) =>
    partiesByMatter(
      await rows(
        db,
        sql<PartyRow>`
          select matter_id::text as "matterId", role, subject_type as type, subject_id::text as id
          from matter_parties
          where matter_id = any(${ids}::bigint[])
          order by matter_id, id`,
      ),
    );
  if (!memo) return read(matterIds);
  const unique = [...new Set(matterIds)];
  const missing = unique.filter((id) => !memo.has(`p:${id}`));
  const toRead = missing.length ? await fromCarry(db, memo, 'p', missing) : [];
  if (toRead.length) {
    // The rows' versions before their parties: a party added in between only makes the next check miss.
    const versions = memo.carry ? await rowVersions(db, toRead, memo) : null;
    const found = await read(toRead);
    for (const id of toRead) {
      const list = found.get(id) ?? [];
      memo.set(`p:${id}`, list);
      const version = versions?.get(id);
      if (version !== undefined) memo.carry!.set(`p:${id}`, list, version);
    }
  }
  const out = new Map<string, PartyRow[]>();
  for (const id of unique) {
    const list = memo.get(`p:${id}`) as PartyRow[];
    if (list.length) out.set(id, list);
  }
  return out;
}

/** The same parties in one list, by matter id then party id. */
export async function partiesOf(db: DbOrTx, matterIds: string[], memo?: PassMemo): Promise<PartyRow[]> {
  return partiesIn(await partiesGrouped(db, matterIds, memo), matterIds);
}

/** Appends to the list under `key` (made when missing). */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, ...values: V[]): void {
  const list = map.get(key);
  if (list) list.push(...values);
  else map.set(key, values);
}

/** Parties grouped by matter (each group in the order given). */
export function partiesByMatter(parties: PartyRow[]): Map<string, PartyRow[]> {
  const out = new Map<string, PartyRow[]>();
  for (const p of parties) pushTo(out, p.matterId, p);
  return out;
}

/** The parties of some matters from a grouping, by matter id then party id (as partiesOf returns them). */
export function partiesIn(grouped: Map<string, PartyRow[]>, matterIds: Iterable<string>): PartyRow[] {
  return [...new Set(matterIds)].sort(byId).flatMap((id) => grouped.get(id) ?? []);
}

export interface PayloadParty {
  role?: string;
  kind?: string;
  /** Masked already for persons (张*). */
  name?: string;
  subjectId?: string;
}

export interface SourceRecord {
  matterId: string;
  source: string;
  reportedAt: Date;
  /** Title and description, normalised for word matching. */
  text: string;
}

/** A matter as the models see it at `now`. */
export interface MatterInfo {
  id: string;
  type: string;
  category: string | null;
  areaCode: string;
  createdAt: Date;
  dueAt: Date | null;
  urgency: string;
  lng: number | null;
  lat: number | null;
  h3: string | null;
  peopleInvolved: number;
  amount: number | null;
  parties: PayloadParty[];
  /** Not closed at `now`. */
  open: boolean;
  /** The status at `now`: the last timeline entry at or before `now` that set one, else the initial `registered`. */
  status: string;
  /** Its source records reported at or before `now`. */
  records: SourceRecord[];
  /** Title, description and every record's text, normalised for word matching. */
  text: string;
}

interface MatterRowRaw {
  id: string;
  type: string;
  category: string | null;
  area_code: string;
  created_at: Date | string;
  due_at: Date | string | null;
  urgency: string;
  lng: number | null;
  lat: number | null;
  h3: string | null;
  title: string;
  description: string | null;
  payload: unknown;
  open: boolean;
  status: string;
}

export const normalise = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

/**
 * Matters by id as they stood at `now`: only those created at or before it, with the records reported at or
 * before it, open unless closed by then, in the status their timeline gave them by then. Oldest first.
 */
export async function loadMatters(
  db: DbOrTx,
  ids: string[],
  now: Date,
  filter: { types?: string[]; categories?: string[] } = {},
  memo?: PassMemo,
): Promise<MatterInfo[]> {
  const unique = [...new Set(ids)];
  if (!unique.length) return [];
  const types = filter.types ?? ['dispute'];
  if (!memo) return (await readMatters(db, unique, now, types, filter.categories)).map((r) => r.info);
  // A run's memo keeps every matter read as of its `now`, whatever its type; the filter applies here.
  const missing = unique.filter((id) => !memo.has(`m:${id}`));
  const toRead = missing.length ? await fromCarry(db, memo, 'm', missing) : [];
  if (toRead.length) {
    // Set only once the read succeeded: a model cut off mid-read leaves nothing half-known to the next.
    const found = await readMatters(db, toRead, now, null);
    for (const id of toRead) memo.set(`m:${id}`, null);
    for (const r of found) {
      memo.set(`m:${r.info.id}`, r.info);
      memo.set(`v:${r.info.id}`, r.version);
      if (r.complete) memo.carry?.set(`m:${r.info.id}`, r.info, r.version);
    }
  }
  return unique
    .flatMap((id) => {
      const m = memo.get(`m:${id}`) as MatterInfo | null;
      return m &&
        types.includes(m.type) &&
        (!filter.categories || (m.category !== null && filter.categories.includes(m.category)))
        ? [m]
        : [];
    })
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || byId(a.id, b.id));
}

/**
 * Which matters among `ids` still have the row versions their carried reads were made at: those are taken
 * into the pass's memo; the others are returned, to be read.
 */
async function fromCarry(db: DbOrTx, memo: PassMemo, kind: 'm' | 'p', ids: string[]): Promise<string[]> {
  const carry = memo.carry;
  if (!carry) return ids;
  const held = ids.filter((id) => carry.has(`${kind}:${id}`));
  if (!held.length) return ids;
  const versions = await rowVersions(db, held, memo);
  const rest: string[] = [];
  for (const id of ids) {
    const value = carry.get(`${kind}:${id}`, versions.get(id));
    if (value === undefined) rest.push(id);
    else memo.set(`${kind}:${id}`, value);
  }
  return rest;
}

/** The matters' row versions (`xmin`), each read once per pass. A matter that does not exist has none. */
async function rowVersions(db: DbOrTx, ids: string[], memo: PassMemo): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const missing: string[] = [];
  for (const id of ids) {
    const v = memo.get(`v:${id}`) as string | undefined;
    if (v === undefined) missing.push(id);
    else out.set(id, v);
  }
  if (missing.length) {
    const found = await rows(
      db,
      sql<{ id: string; version: string }>`
        select id::text as id, xmin::text as version from matters where id = any(${missing}::bigint[])`,
    );
    for (const r of found) {
      memo.set(`v:${r.id}`, r.version);
      out.set(r.id, r.version);
    }
  }
  return out;
}

/** A matter as read at `now`, with its row's version, and whether nothing of it is dated after `now`. */
interface ReadMatter {
  info: MatterInfo;
  version: string;
  complete: boolean;
}

async function readMatters(
  db: DbOrTx,
  unique: string[],
  now: Date,
  types: string[] | null,
  categories?: string[],
): Promise<ReadMatter[]> {
  const matters = await rows(
    db,
    sql<MatterRowRaw & { version: string; later: boolean }>`
      select m.id::text as id, m.type, m.category, m.area_code, m.created_at, m.due_at, m.urgency, m.lng, m.lat,
             m.h3, m.title, m.description, m.payload, m.xmin::text as version,
             not (m.closed and coalesce(m.closed_at, m.updated_at) <= ${ts(now)}) as open,
             coalesce((select t.to_status from matter_timeline t
                       where t.matter_id = m.id and t.at <= ${ts(now)} and t.to_status is not null
                       order by t.at desc, t.id desc limit 1), 'registered') as status,
             -- Closed, or moved to another status, after now: as of a later now it reads differently.
             (m.closed and coalesce(m.closed_at, m.updated_at) > ${ts(now)}
              or exists (select 1 from matter_timeline t
                         where t.matter_id = m.id and t.at > ${ts(now)} and t.to_status is not null)) as later
      from matters m
      where m.id = any(${unique}::bigint[]) and m.created_at <= ${ts(now)}
        ${types ? sql`and m.type = any(${types}::text[])` : sql``}
        ${categories ? sql`and m.category = any(${categories}::text[])` : sql``}
      order by m.created_at, m.id`,
  );
  if (!matters.length) return [];
  const recs = await rows(
    db,
    sql<{
      matter_id: string;
      source_code: string;
      reported_at: Date | string;
      title: string;
      description: string | null;
      parties: unknown;
    }>`
      select matter_id::text as matter_id, source_code, reported_at, title, description, parties
      from dispute_records
      where matter_id = any(${matters.map((m) => m.id)}::bigint[])
      order by reported_at, id`,
  );
  const byMatter = new Map<string, SourceRecord[]>();
  // Parties as merged records named them (masked), for titles: the matter's payload lists the first record's.
  const namedBy = new Map<string, PayloadParty[]>();
  // Matters with a record reported after now: read again later, never carried.
  const recordLater = new Set<string>();
  for (const r of recs) {
    if (toDate(r.reported_at) > now) {
      recordLater.add(r.matter_id);
      continue;
    }
    const named = typeof r.parties === 'string' ? JSON.parse(r.parties) : r.parties;
    if (Array.isArray(named)) pushTo(namedBy, r.matter_id, ...(named as PayloadParty[]));
    const list = byMatter.get(r.matter_id) ?? [];
    list.push({
      matterId: r.matter_id,
      source: r.source_code,
      reportedAt: toDate(r.reported_at),
      text: normalise(`${r.title} ${r.description ?? ''}`),
    });
    byMatter.set(r.matter_id, list);
  }
  return matters.map((m) => {
    const p = (typeof m.payload === 'string' ? JSON.parse(m.payload) : (m.payload ?? {})) as {
      peopleInvolved?: number;
      amount?: number;
      parties?: PayloadParty[];
    };
    const records = byMatter.get(m.id) ?? [];
    const info: MatterInfo = {
      id: m.id,
      type: m.type,
      category: m.category,
      areaCode: m.area_code,
      createdAt: toDate(m.created_at),
      dueAt: m.due_at === null ? null : toDate(m.due_at),
      urgency: m.urgency,
      lng: m.lng,
      lat: m.lat,
      h3: m.h3,
      peopleInvolved: typeof p.peopleInvolved === 'number' ? p.peopleInvolved : 1,
      amount: typeof p.amount === 'number' ? p.amount : null,
      parties: [...(Array.isArray(p.parties) ? p.parties : []), ...(namedBy.get(m.id) ?? [])],
      open: m.open,
      status: m.status,
      records,
      text: [normalise(`${m.title} ${m.description ?? ''}`), ...records.map((r) => r.text)].join('\n'),
    };
    return { info, version: m.version, complete: !m.later && !recordLater.has(m.id) };
  });
}

/** The matters among `ids` of the given types created at or before `now` (streaming models' trigger). */
export function changedMatters(
  ctx: { db: DbOrTx; now: Date; matterIds?: string[]; memo?: PassMemo },
  filter: { types?: string[]; categories?: string[] } = {},
): Promise<MatterInfo[]> {
  if (!ctx.matterIds?.length) return Promise.resolve([]);
  return loadMatters(ctx.db, ctx.matterIds, ctx.now, filter, ctx.memo);
}

/**
 * The disputes created in (from, now] in which every subject of a unit is a party, for many units in one
 * query: a unit is one subject or a pair. Returns the matter ids per unit, in the units' order. With a pass's
 * memo, a unit read once is not read again: a later model asking for a window as wide or narrower (and a
 * category) filters what the first read.
 */
export async function disputesOfUnits(
  db: DbOrTx,
  units: SubjectRef[][],
  now: Date,
  from: Date,
  categories?: string[] | null,
  memo?: PassMemo,
): Promise<string[][]> {
  // Without a pass's memo, a map for this call alone.
  const store = memo ?? new Map<string, unknown>();
  const fromMs = from.getTime();
  const keyOf = (u: SubjectRef[]) => `u:${u.map((x) => `${x.type}:${x.id}`).join('|')}`;
  const usable = (u: SubjectRef[]) => {
    const hit = store.get(keyOf(u)) as UnitDisputes | undefined;
    return hit && hit.from <= fromMs ? hit : undefined;
  };
  const missing = units.filter((u) => !usable(u));
  if (missing.length) {
    // Kept before it is read: a model evaluated at the same time waits for this read instead of repeating it.
    const read = readUnits(db, missing, now, from);
    for (const [i, u] of missing.entries()) {
      const rows = read.then((r) => r[i]!);
      rows.catch(() => {}); // handled by whoever awaits it
      store.set(keyOf(u), { from: fromMs, rows });
    }
  }
  // Another model's read that failed (its transaction timed out, say) is read again here.
  const got = await Promise.all(units.map((u) => usable(u)!.rows.catch(() => null)));
  const failed = units.filter((_, i) => !got[i]);
  const again = failed.length ? await readUnits(db, failed, now, from) : [];
  let k = 0;
  return units.map((_, i) =>
    (got[i] ?? again[k++]!)
      .filter(
        (r) => r.at > fromMs && (!categories || (r.category !== null && categories.includes(r.category))),
      )
      .map((r) => r.id),
  );
}

interface UnitDisputes {
  from: number;
  rows: Promise<UnitRow[]>;
}

type UnitRow = { id: string; at: number; category: string | null };

async function readUnits(db: DbOrTx, units: SubjectRef[][], now: Date, from: Date): Promise<UnitRow[][]> {
  const out: UnitRow[][] = units.map(() => []);
  const a = units.map((u) => u[0]!);
  const b = units.map((u) => u[1] ?? u[0]!);
  const found = await rows(
    db,
    sql<{ i: number; id: string; created_at: Date | string; category: string | null }>`
      -- First each unit's disputes from its first subject, by the party index (subject, date), one unit at a
      -- time; only then the second subject and the disputes themselves, by their keys. Materialised, and
      -- "offset 0", so that the planner cannot start from the window's disputes and join the units to all of
      -- them — the plan it picks when the statistics lag behind a library growing fast (a second instead
      -- of milliseconds).
      with found as materialized (
        select u.i, u.bt, u.bid, x.matter_id
        from unnest(${a.map((s) => s.type)}::text[], ${a.map((s) => s.id)}::bigint[],
                    ${b.map((s) => s.type)}::text[], ${b.map((s) => s.id)}::bigint[])
               with ordinality as u(at, aid, bt, bid, i)
        cross join lateral (
          select pa.matter_id from matter_parties pa
          where pa.subject_type = u.at and pa.subject_id = u.aid
            and pa.matter_at <= ${ts(now)} and pa.matter_at > ${ts(from)}
          offset 0
        ) x
      )
      select (f.i - 1)::int as i, m.id::text as id, m.created_at, m.category
      from found f
      cross join lateral (
        select m.id, m.type, m.created_at, m.category from matters m where m.id = f.matter_id offset 0
      ) m
      where m.type = 'dispute' and m.created_at <= ${ts(now)} and m.created_at > ${ts(from)}
        and exists (select 1 from matter_parties pb
                    where pb.matter_id = f.matter_id and pb.subject_type = f.bt and pb.subject_id = f.bid)
      group by f.i, m.id, m.created_at, m.category
      order by f.i, m.id`,
  );
  for (const r of found)
    out[r.i]!.push({ id: r.id, at: toDate(r.created_at).getTime(), category: r.category });
  return out;
}

export interface PersonRecord {
  person: string;
  /** dispute_records.id */
  recordId: string;
  matterId: string;
  areaCode: string;
  source: string;
  reportedAt: Date;
  text: string;
}

/**
 * The source records of the given sources reported in (from, now] on disputes (created by `now`) in which
 * these persons are parties — e.g. every 110 call or petition behind a person.
 */
export async function recordsOfPersons(
  db: DbOrTx,
  personIds: string[],
  sources: string[],
  now: Date,
  from: Date,
): Promise<PersonRecord[]> {
  if (!personIds.length || !sources.length) return [];
  const found = await rows(
    db,
    sql<{
      person: string;
      record_id: string;
      matter_id: string;
      area_code: string;
      source_code: string;
      reported_at: Date | string;
      title: string;
      description: string | null;
    }>`
      -- From the persons by keys at each step (their disputes, each dispute, its records), whatever the
      -- statistics say: a few persons, never a scan of every record in the window.
      with mine as materialized (
        select q.person, p.matter_id
        from unnest(${[...new Set(personIds)]}::bigint[]) as q(person)
        cross join lateral (
          select p.matter_id from matter_parties p
          where p.subject_type = 'person' and p.subject_id = q.person and p.matter_at <= ${ts(now)}
          offset 0
        ) p
      )
      select distinct x.person::text as person, r.matter_id::text as matter_id, m.area_code, r.source_code,
             r.reported_at, r.title, r.description, r.id, r.id::text as record_id
      from mine x
      cross join lateral (select m.area_code, m.type, m.created_at from matters m where m.id = x.matter_id offset 0) m
      -- Only the key inside: "offset 0" keeps the filters out, so the records are read by their dispute.
      cross join lateral (select r.* from dispute_records r where r.matter_id = x.matter_id offset 0) r
      where m.type = 'dispute' and m.created_at <= ${ts(now)}
        and r.source_code = any(${sources}::text[]) and r.reported_at <= ${ts(now)} and r.reported_at > ${ts(from)}
      order by r.reported_at, r.id`,
  );
  return found.map((r) => ({
    person: r.person,
    recordId: r.record_id,
    matterId: r.matter_id,
    areaCode: r.area_code,
    source: r.source_code,
    reportedAt: toDate(r.reported_at),
    text: normalise(`${r.title} ${r.description ?? ''}`),
  }));
}

/** The watch-list tags of persons recorded at or before `now` (person_tags). */
export async function tagsOf(db: DbOrTx, personIds: string[], now: Date): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!personIds.length) return out;
  const found = await rows(
    db,
    sql<{ person: string; tag: string }>`
      select person_id::text as person, tag from person_tags
      where person_id = any(${[...new Set(personIds)]}::bigint[]) and created_at <= ${ts(now)}
      order by person_id, tag`,
  );
  for (const r of found) pushTo(out, r.person, r.tag);
  return out;
}

/** Names of areas (not personal: 鼓楼社区). */
export async function areaNames(db: DbOrTx, codes: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(codes)];
  if (!unique.length) return new Map();
  const found = await rows(
    db,
    sql<{ code: string; name: string }>`select code, name from areas where code = any(${unique}::text[])`,
  );
  return new Map(found.map((r) => [r.code, r.name]));
}

// ---------------------------------------------------------------------------------------------------
// Units: who a signal is about

export interface Unit {
  key: string;
  subjects: SubjectRef[];
}

/**
 * The units a matter's linked parties form: every pair of parties on different sides (or either only
 * "当事人"), or the one party when only one could be linked. None when no party is linked or more than
 * `maxParties` are (a crowd is the mass-risk model's matter, not a quarrel between two).
 */
export function unitsOf(parties: PartyRow[], opts: { types: SubjectType[]; maxParties: number }): Unit[] {
  const seen = new Map<string, PartyRow>();
  for (const p of parties)
    if (opts.types.includes(p.type) && !seen.has(subjectKey(p))) seen.set(subjectKey(p), p);
  const list = [...seen.values()];
  if (!list.length || list.length > opts.maxParties) return [];
  if (list.length === 1) {
    const s = { type: list[0]!.type, id: list[0]!.id };
    return [{ key: unitKey([s]), subjects: [s] }];
  }
  const units: Unit[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i]!;
      const b = list[j]!;
      if (a.role === b.role && a.role !== 'party') continue;
      const subjects = [
        { type: a.type, id: a.id },
        { type: b.type, id: b.id },
      ];
      units.push({ key: unitKey(subjects), subjects });
    }
  }
  return units;
}

/** Subjects for a signal, with the role each has in the latest of the matters. */
export function signalSubjects(subjects: SubjectRef[], parties: PartyRow[], latestFirst: MatterInfo[]) {
  return subjects.map((s): SignalSubject => {
    let role: string | undefined;
    for (const m of latestFirst) {
      const p = parties.find((x) => x.matterId === m.id && x.type === s.type && x.id === s.id);
      if (p) {
        role = ROLE_NAMES[p.role] ?? p.role;
        break;
      }
    }
    return role ? { type: s.type, id: s.id, role } : { type: s.type, id: s.id };
  });
}

/** An enterprise's name with its middle hidden (个体工商户 are often named after their owner). */
export function maskEnterprise(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 4) return '某单位';
  return maskMiddle(name.trim(), 2, 2);
}

/** A subject's name as the records show it, masked: 张* / 温州******公司; null when none names it. */
export function maskedName(s: SubjectRef, latestFirst: MatterInfo[]): string | null {
  for (const m of latestFirst) {
    const p = m.parties.find((x) => x.subjectId === s.id && x.kind === s.type && x.name);
    if (p?.name) return s.type === 'person' ? maskMiddle(p.name.trim(), 1, 0) : maskEnterprise(p.name);
  }
  return null;
}

/** "张*与李*" for the subjects; one the records do not name is 某当事人 (某企业). */
export function namesOf(subjects: SubjectRef[], latestFirst: MatterInfo[]): string {
  return subjects
    .map((s) => maskedName(s, latestFirst) ?? (s.type === 'person' ? '某当事人' : '某企业'))
    .join('与');
}

// ---------------------------------------------------------------------------------------------------
// Words, places, signals

/** The words of `words` found in `text` (already normalised), each once, in the list's order. */
export function findWords(text: string, words: readonly string[]): string[] {
  const found: string[] = [];
  for (const w of words) {
    const n = normalise(w);
    if (n && text.includes(n) && !found.includes(n)) found.push(n);
  }
  return found;
}

/** Words as the details quote them: “汽油”“报复”. */
export const quote = (words: string[], max = 8) =>
  words
    .slice(0, max)
    .map((w) => `“${w}”`)
    .join('') + (words.length > max ? `等 ${words.length} 个词` : '');

/** 1 city, 2 county, 3 town, 4 village, 5 grid — read from the code itself. */
export function areaLevel(code: string): number {
  if (code.length > 12) return 5;
  if (code.slice(9) !== '000') return 4;
  if (code.slice(6) !== '000000') return 3;
  if (code.slice(4) !== '00000000') return 2;
  return 1;
}

/** The most specific area among the matters (the deepest level; the latest of those on a tie). */
export function mostSpecificArea(ms: { areaCode: string; createdAt: Date }[]): string {
  let best = ms[0]!;
  for (const m of ms) {
    const d = areaLevel(m.areaCode) - areaLevel(best.areaCode);
    if (d > 0 || (d === 0 && m.createdAt > best.createdAt)) best = m;
  }
  return best.areaCode;
}

/** The point of the latest matter that has one. */
export function latestPoint(latestFirst: MatterInfo[]): { lng: number; lat: number } | null {
  const m = latestFirst.find((x) => x.lng !== null && x.lat !== null);
  return m ? { lng: m.lng!, lat: m.lat! } : null;
}

/** Matter ids for a factor: unique, the latest first, at most 50. */
export function recordIds(ids: string[]): string[] {
  const unique = [...new Set(ids)];
  unique.sort((a, b) => byId(b, a));
  return unique.slice(0, 50);
}

export function factor(
  code: string,
  name: { zh: string; en: string },
  weight: number,
  detail: string,
  records: string[],
): Factor {
  return { code, name, weight: Math.max(0, Math.round(weight)), detail, records: recordIds(records) };
}

/** A signal whose score is the sum of its factors' weights, capped at 100. */
export function makeSignal(s: Omit<Signal, 'score'>): Signal {
  const score = Math.min(
    100,
    s.factors.reduce((t, f) => t + f.weight, 0),
  );
  return { ...s, score };
}

/**
 * The signals worth raising: at least the default yellow level, the lowest an administrator may set
 * (`MIN_YELLOW`; the runtime drops what is under the thresholds in force), one per (key, window) — the
 * strongest.
 */
export function worthRaising(signals: Signal[]): Signal[] {
  const best = new Map<string, Signal>();
  for (const s of signals) {
    if (levelOf(s.score) === null) continue;
    const k = `${s.key}\u0000${s.window}`;
    const b = best.get(k);
    if (!b || s.score > b.score) best.set(k, s);
  }
  return [...best.values()];
}

/** Days between two instants, rounded down. */
export const daysBetween = (from: Date, to: Date) => Math.floor((to.getTime() - from.getTime()) / DAY_MS);

/** Matters newest first. */
export const latestFirst = (ms: MatterInfo[]) =>
  [...ms].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || byId(b.id, a.id));

// ---------------------------------------------------------------------------------------------------
// Evidence per unit, for the models that look at the parties of the changed disputes

export interface UnitEvidence {
  /** `pair:person:12|person:40`, `person:12`, or `matter:123` when no party could be linked. */
  key: string;
  subjects: SubjectRef[];
  /** The unit's disputes in the look-back, newest first (at least the changed one). */
  matters: MatterInfo[];
  /** Their linked parties. */
  parties: PartyRow[];
}

/**
 * For the disputes among the changed matters (optionally only some categories): the units their parties
 * form and, per unit, every dispute of that unit created within `lookbackDays` before `now`. Four queries
 * however many matters changed.
 */
export async function gatherUnits(
  ctx: { db: DbOrTx; now: Date; matterIds?: string[]; memo?: PassMemo },
  opts: {
    lookbackDays: number;
    /** Only these categories count as the unit's disputes (null: all). */
    categories?: string[] | null;
    /** Only changed disputes of these categories are looked at (default: `categories`). */
    triggerCategories?: string[] | null;
    types: SubjectType[];
    maxParties: number;
    /** A dispute without a usable party becomes a unit of its own (`matter:ID`). */
    matterFallback?: boolean;
  },
): Promise<UnitEvidence[]> {
  const trigger = opts.triggerCategories === undefined ? opts.categories : opts.triggerCategories;
  const changed = await changedMatters(ctx, trigger ? { categories: trigger } : {});
  if (!changed.length) return [];
  const changedParties = await partiesGrouped(
    ctx.db,
    changed.map((m) => m.id),
    ctx.memo,
  );
  const units = new Map<string, Unit>();
  const alone: MatterInfo[] = [];
  for (const m of changed) {
    const us = unitsOf(changedParties.get(m.id) ?? [], opts);
    if (!us.length && opts.matterFallback) alone.push(m);
    for (const u of us) units.set(u.key, u);
  }
  const list = [...units.values()];
  const found = await disputesOfUnits(
    ctx.db,
    list.map((u) => u.subjects),
    ctx.now,
    daysBefore(ctx.now, opts.lookbackDays),
    opts.categories ?? null,
    ctx.memo,
  );
  const ids = [...new Set(found.flat())];
  // One after the other: the runtime's transaction is one connection.
  const matters = await loadMatters(ctx.db, ids, ctx.now, {}, ctx.memo);
  const parties = await partiesGrouped(ctx.db, ids, ctx.memo);
  const byMatter = new Map(matters.map((m) => [m.id, m]));
  const out: UnitEvidence[] = [];
  for (const [i, u] of list.entries()) {
    const ms = latestFirst(found[i]!.flatMap((id) => byMatter.get(id) ?? []));
    if (!ms.length) continue;
    out.push({
      key: u.key,
      subjects: u.subjects,
      matters: ms,
      parties: partiesIn(
        parties,
        ms.map((m) => m.id),
      ),
    });
  }
  for (const m of alone) {
    out.push({
      key: `matter:${m.id}`,
      subjects: [],
      matters: [m],
      parties: changedParties.get(m.id) ?? [],
    });
  }
  return out;
}

/** How a detail names the unit: 双方 / 该当事人 / 该纠纷. */
export const whoOf = (u: { subjects: SubjectRef[] }) =>
  u.subjects.length >= 2 ? '双方' : u.subjects.length === 1 ? '该当事人' : '该纠纷';

/** Chinese names of the categories among the matters: 婚姻家庭、邻里. */
export const categoriesOf = (ms: { category: string | null }[]) =>
  [...new Set(ms.map((m) => (m.category ? (CATEGORY_NAMES[m.category] ?? m.category) : '其他')))].join('、');

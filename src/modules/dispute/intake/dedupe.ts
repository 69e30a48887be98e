import { sql } from 'kysely';
import type { DbOrTx } from '../../../core/db/database.ts';
import type { SubjectKey } from './link.ts';

/**
 * Step "find duplicates": the same dispute reported by several departments becomes one dispute with
 * several sources, never two. Two reports are the same dispute when they share a linked party (person or
 * enterprise), have the same category, were reported within `windowDays` of each other, and their texts
 * are similar (Jaccard overlap of their jieba words ≥ `minSimilarity`; a nearly identical text, ≥
 * `sameTextSimilarity`, needs no category match: departments' code tables disagree). The last test keeps apart two
 * different disputes between the same neighbours a month apart — those are repeats, which the early-warning
 * models want to see as separate disputes.
 */
export interface DedupeOptions {
  windowDays: number;
  minSimilarity: number;
  /** Texts this alike are one dispute even when two departments' code tables file it differently. */
  sameTextSimilarity: number;
}
export const DEDUPE_DEFAULTS: DedupeOptions = {
  windowDays: 30,
  minSimilarity: 0.25,
  sameTextSimilarity: 0.6,
};

export interface DedupeInput {
  category: string;
  reportedAt: Date;
  tokens: string[];
  subjects: SubjectKey[];
}

export type DedupeDecision =
  | { kind: 'new' }
  | { kind: 'existing'; matterId: string; similarity: number; at: Date }
  /** The same dispute as an earlier record of this batch (which creates it). */
  | { kind: 'batch'; leader: number; similarity: number };

export function similarity(a: string[], b: string[] | Set<string>): number {
  const setB = b instanceof Set ? b : new Set(b);
  if (!a.length || !setB.size) return 0;
  const setA = new Set(a);
  let common = 0;
  for (const t of setA) if (setB.has(t)) common++;
  return common / (setA.size + setB.size - common);
}

interface Candidate {
  matterId: string;
  category: string;
  at: number;
  tokens: Set<string>;
}

export async function findDuplicates(
  tx: DbOrTx,
  inputs: DedupeInput[],
  opts: DedupeOptions = DEDUPE_DEFAULTS,
): Promise<DedupeDecision[]> {
  const window = opts.windowDays * 86_400_000;
  // Each party's dates in this batch, merged into ranges: a record can only match a dispute of one of its
  // parties reported within the window around its own date.
  const datesOf = new Map<SubjectKey, number[]>();
  for (const i of inputs) {
    for (const s of i.subjects) {
      const list = datesOf.get(s) ?? [];
      list.push(i.reportedAt.getTime());
      datesOf.set(s, list);
    }
  }
  const types: string[] = [];
  const ids: string[] = [];
  const los: string[] = [];
  const his: string[] = [];
  for (const [s, dates] of datesOf) {
    const [kind, id] = s.split(':') as ['person' | 'enterprise', string];
    dates.sort((a, b) => a - b);
    let lo = dates[0]! - window;
    let hi = dates[0]! + window;
    const flush = () => {
      types.push(kind);
      ids.push(id);
      los.push(new Date(lo).toISOString());
      his.push(new Date(hi).toISOString());
    };
    for (const d of dates.slice(1)) {
      if (d - window <= hi) hi = d + window;
      else {
        flush();
        lo = d - window;
        hi = d + window;
      }
    }
    flush();
  }

  // Existing disputes that share a party with this batch, each within the window around a record naming that
  // party: one range of matter_parties (subject, matter date) per party and date range, not every dispute the
  // party ever had (a town government, a hospital).
  const bySubject = new Map<string, Candidate[]>();
  if (types.length) {
    const rows = await sql<{
      subject: string;
      matter_id: string;
      category: string | null;
      created_at: Date;
      search_tokens: string[];
    }>`
      select q.t || ':' || q.id as subject, c.id as matter_id, c.category, c.created_at, c.search_tokens
      from unnest(${sql.val(types)}::text[], ${sql.val(ids)}::bigint[], ${sql.val(los)}::timestamptz[],
                  ${sql.val(his)}::timestamptz[]) as q(t, id, lo, hi)
      -- One index range per party and dates, then each dispute by its key, whatever the statistics say: with
      -- those of a library still small, the planner hashed every dispute for each batch instead
      -- (offset 0 keeps the subquery from being merged into such a plan).
      cross join lateral (
        select m.id, m.category, m.created_at, m.search_tokens
        from matter_parties mp
        join matters m on m.id = mp.matter_id
        where mp.subject_type = q.t and mp.subject_id = q.id and mp.matter_at between q.lo and q.hi
          and m.type = 'dispute' and m.status <> 'rejected'
        offset 0
      ) c`.execute(tx);
    const seen = new Map<string, Candidate>();
    for (const r of rows.rows) {
      let c = seen.get(r.matter_id);
      if (!c) {
        c = {
          matterId: r.matter_id,
          category: r.category ?? '',
          at: r.created_at.getTime(),
          tokens: new Set(r.search_tokens),
        };
        seen.set(r.matter_id, c);
      }
      const list = bySubject.get(r.subject) ?? [];
      list.push(c);
      bySubject.set(r.subject, list);
    }
  }

  const decisions: DedupeDecision[] = [];
  // Leaders of this batch by subject: a record may match one that arrived a few rows earlier.
  const batchBySubject = new Map<
    string,
    { index: number; category: string; at: number; tokens: Set<string> }[]
  >();
  for (const [index, input] of inputs.entries()) {
    const at = input.reportedAt.getTime();
    let best: DedupeDecision = { kind: 'new' };
    let bestSim = 0;
    // The most alike earlier dispute wins, whether stored already or created earlier in this batch.
    const consider = (
      c: { category: string; at: number; tokens: Set<string> },
      found: (sim: number) => DedupeDecision,
    ) => {
      if (Math.abs(c.at - at) > window) return;
      const sim = similarity(input.tokens, c.tokens);
      const alike =
        c.category === input.category ? sim >= opts.minSimilarity : sim >= opts.sameTextSimilarity;
      if (!alike || sim <= bestSim) return;
      bestSim = sim;
      best = found(sim);
    };
    for (const s of input.subjects) {
      for (const c of bySubject.get(s) ?? []) {
        consider(c, (sim) => ({
          kind: 'existing',
          matterId: c.matterId,
          similarity: sim,
          at: new Date(c.at),
        }));
      }
      for (const c of batchBySubject.get(s) ?? []) {
        consider(c, (sim) => ({ kind: 'batch', leader: c.index, similarity: sim }));
      }
    }
    decisions.push(best);
    if (best.kind === 'new') {
      const entry = { index, category: input.category, at, tokens: new Set(input.tokens) };
      for (const s of input.subjects) {
        const list = batchBySubject.get(s) ?? [];
        list.push(entry);
        batchBySubject.set(s, list);
      }
    }
  }
  return decisions;
}

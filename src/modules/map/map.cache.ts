import type { ZhiliEvent } from '../../core/events/bus.ts';

/**
 * The map's answers, kept in process: a bounded LRU (a Map keeps insertion order; a hit moves its entry to
 * the end) with a time to live per kind. Matter layers are dropped when a matter changes — the bus's
 * matter.* and alert.* events, gathered for a moment so that an import's thousand events cost one
 * invalidation — and only for the scopes that can see the changed area; everything else simply expires.
 *
 * Several instances each keep their own cache; on PostgreSQL each receives every event (LISTEN/NOTIFY), so
 * all of them drop what changed. Events are delivered at most once, hence the TTL as a safety net.
 */
export type CacheKind = 'matters' | 'subjects' | 'boundaries';

export const CACHE_MAX_ENTRIES = 500;
export const CACHE_TTL_MS: Record<CacheKind, number> = {
  matters: 5 * 60_000,
  subjects: 60_000,
  boundaries: 5 * 60_000,
};
/** Events are gathered this long before the matching entries are dropped. */
export const INVALIDATE_AFTER_MS = 200;

interface Entry {
  value: unknown;
  kind: CacheKind;
  /** The scope prefix of the answer: an event in an area under it makes the answer stale. */
  scope: string;
  at: Date;
}

export interface Cached<T> {
  value: T;
  /** When the answer was computed: null when computed for this request. */
  cachedAt: string | null;
}

export class MapCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Bumped by every matter invalidation: an answer computed across one is not stored (it may be stale). */
  private generation = 0;
  private pending: Set<string> | 'all' | null = null;
  private timer: NodeJS.Timeout | null = null;
  hits = 0;
  misses = 0;

  constructor(
    private readonly max = CACHE_MAX_ENTRIES,
    private readonly ttl = CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The cached answer for `key`, or `compute()`'s, stored unless a matter changed meanwhile. Requests for a
   * key being computed wait for that computation (after an invalidation every screen of a command centre
   * asks at once: the database answers once).
   */
  async get<T>(key: string, kind: CacheKind, scope: string, compute: () => Promise<T>): Promise<Cached<T>> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at.getTime() < this.ttl[hit.kind]) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.hits++;
      return { value: hit.value as T, cachedAt: hit.at.toISOString() };
    }
    if (hit) this.entries.delete(key);
    const running = this.inflight.get(key);
    if (running) return { value: (await running) as T, cachedAt: null };
    this.misses++;
    const generation = this.generation;
    const at = new Date(this.now());
    const computing = compute();
    this.inflight.set(key, computing);
    try {
      const value = await computing;
      if (kind !== 'matters' || generation === this.generation) {
        this.entries.set(key, { value, kind, scope, at });
        while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
      }
      return { value, cachedAt: null };
    } finally {
      this.inflight.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.generation++;
  }

  /** Drops the matter answers of every scope that sees `areaCode` (all of them when it is unknown). */
  invalidateMatters(areaCodes: Set<string> | 'all'): void {
    this.generation++;
    for (const [key, e] of this.entries) {
      if (e.kind !== 'matters') continue;
      if (areaCodes === 'all' || [...areaCodes].some((a) => a.startsWith(e.scope))) this.entries.delete(key);
    }
  }

  /** A bus subscriber: matter.* and alert.* events, gathered for INVALIDATE_AFTER_MS. */
  onEvent = (e: ZhiliEvent): void => {
    if (!e.type.startsWith('matter.') && !e.type.startsWith('alert.') && e.type !== 'import.finished') return;
    // Counted at once, so that an answer being computed now is not stored stale.
    this.generation++;
    if (!e.areaCode) this.pending = 'all';
    else if (this.pending === null) this.pending = new Set([e.areaCode]);
    else if (this.pending !== 'all') this.pending.add(e.areaCode);
    this.timer ??= setTimeout(() => this.flush(), INVALIDATE_AFTER_MS);
  };

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = null;
    if (pending) this.invalidateMatters(pending);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

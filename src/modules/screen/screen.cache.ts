import type { ZhiliEvent } from '../../core/events/bus.ts';

/**
 * The big screen's answers, kept in process for a short while: every screen of a command centre asks for
 * the same figures, and each event makes every open screen ask again. An entry is dropped when a matter
 * or an alert changes in an area its scope sees (the bus's matter.* and alert.* events, as the map's
 * cache does), and expires after TTL_MS anyway: overdue tasks and the clock move without events. An answer
 * computed while an event arrived is returned but not kept.
 */
export const SCREEN_CACHE_TTL_MS = 30_000;
export const SCREEN_CACHE_MAX = 200;

interface Entry {
  value: unknown;
  /** The scope prefix of the answer: an event in an area under it makes the answer stale. */
  scope: string;
  at: number;
}

export class ScreenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private generation = 0;

  constructor(
    private readonly ttl = SCREEN_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async get<T>(
    key: string,
    scope: string,
    compute: () => Promise<T>,
  ): Promise<{ value: T; cachedAt: string | null }> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttl) {
      return { value: hit.value as T, cachedAt: new Date(hit.at).toISOString() };
    }
    if (hit) this.entries.delete(key);
    const running = this.inflight.get(key);
    if (running) return { value: (await running) as T, cachedAt: null };
    const generation = this.generation;
    const at = this.now();
    const computing = compute();
    this.inflight.set(key, computing);
    try {
      const value = await computing;
      if (generation === this.generation) {
        this.entries.set(key, { value, scope, at });
        while (this.entries.size > SCREEN_CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
      }
      return { value, cachedAt: null };
    } finally {
      this.inflight.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** A bus subscriber: drops the answers of every scope that sees the event's area (all without one). */
  onEvent = (e: ZhiliEvent): void => {
    if (!e.type.startsWith('matter.') && !e.type.startsWith('alert.') && e.type !== 'import.finished') return;
    this.generation++;
    for (const [key, entry] of this.entries) {
      const seen = [e.areaCode, e.assigneeAreaCode].some((a) => a?.startsWith(entry.scope));
      if (!e.areaCode || seen) this.entries.delete(key);
    }
  };
}

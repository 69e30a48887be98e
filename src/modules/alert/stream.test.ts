import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZhiliEvent } from '../../core/events/bus.ts';
import type { Kernel } from '../../core/kernel.ts';
import { idCardCheckChar } from '../../core/subjects/codes.ts';
import { openTestKernel, testEngine } from '../../testing/harness.ts';
import { intake, sourceActor } from '../dispute/disputes.service.ts';
import { getSource } from '../dispute/sources.service.ts';
import { MODELS } from './models/index.ts';
import { startStreaming } from './runtime/runtime.ts';
import { startStreamingThread } from './runtime/stream-thread.ts';

/**
 * The "done when", live: with the streaming service running as in `zhili start` (on PostgreSQL on a
 * thread of its own with its own pool, on PGlite in this thread), a family dispute
 * with threat words that follows two 110 calls between the same parties raises a red 民转刑 alert, announced
 * on the event bus (which SSE forwards) within seconds of the record's commit — and only once.
 */
const GULOU = '330302006044';
const DAY = 86_400_000;

let kernel: Kernel;
let stop: () => Promise<void>;
/** The threads that ran the passes (PostgreSQL). */
const threads: Worker[] = [];
const events: { at: number; e: ZhiliEvent }[] = [];

beforeAll(async () => {
  kernel = await openTestKernel();
  kernel.events.subscribe((e) => events.push({ at: Date.now(), e }));
  stop =
    kernel.database.engine === 'postgres'
      ? await startStreamingThread(kernel, {
          debounceMs: 50,
          pollMs: 1000,
          restartMs: 200,
          onStart: (w) => threads.push(w),
        })
      : startStreaming(kernel, MODELS, { debounceMs: 50, pollMs: 1000 });
});
afterAll(async () => {
  await stop();
  await kernel.close();
});

const id = (seq: string) => {
  const first17 = `33030219850505${seq}`;
  return first17 + idCardCheckChar(first17);
};

async function waitFor<T>(find: () => T | undefined, ms: number): Promise<T | undefined> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const x = find();
    if (x !== undefined) return x;
    await new Promise((r) => setTimeout(r, 50));
  }
  return find();
}

describe('the streaming service', () => {
  it('raises a red 民转刑 alert within seconds of the threatening record, once', async () => {
    const wife = { role: 'applicant' as const, kind: 'person' as const, name: '郑小红', idNumber: id('062') };
    const husband = {
      role: 'respondent' as const,
      kind: 'person' as const,
      name: '吴大海',
      idNumber: id('071'),
    };
    const police = await getSource(kernel.db, 'police_110');
    const women = await getSource(kernel.db, 'women_federation');
    const at = (days: number) => new Date(Date.now() - days * DAY).toISOString();
    for (const [n, days, text] of [
      [1, 60, '报警人称丈夫酒后在家砸东西，双方发生争吵。'],
      [2, 25, '报警人称丈夫因家务与其争执，推搡。'],
    ] as const) {
      await intake(kernel, sourceActor(police), police, 'push', [
        {
          recordKey: `STREAM-110-${n}`,
          reportedAt: at(days),
          category: '0301',
          description: text,
          areaCode: GULOU,
          parties: [wife, husband],
        },
      ]);
    }
    // Let the service catch up with the 110 calls: they alone are not red.
    await new Promise((r) => setTimeout(r, 1500));
    const before = events.length;
    const r = await intake(kernel, sourceActor(women), women, 'push', [
      {
        recordKey: 'STREAM-WF-1',
        reportedAt: at(0),
        category: 'marriage_family',
        title: '婚姻家庭纠纷求助',
        description: '女方称男方扬言要同归于尽，已经买好汽油，请求帮助。',
        areaCode: GULOU,
        parties: [wife, husband],
      },
    ]);
    const committed = Date.now();
    const matterId = r.outcomes[0]!.matterId!;
    const raised = await waitFor(
      () =>
        events
          .slice(before)
          .find(
            (x) =>
              x.e.type === 'alert.raised' &&
              x.e.data?.model === 'civil_to_criminal' &&
              x.e.data?.level === 'red',
          ),
      10_000,
    );
    expect(raised, 'a red 民转刑 alert').toBeDefined();
    // Measured, not asserted tightly here (bench/alerts.ts reports p50/p95): well within the poll interval.
    expect(raised!.at - committed).toBeLessThan(5000);
    const alert = await kernel.db
      .selectFrom('matters')
      .select(['payload', 'area_code', 'status'])
      .where('id', '=', raised!.e.matterId!)
      .executeTakeFirstOrThrow();
    const payload = alert.payload as { factors: { code: string; records: string[] }[] };
    expect(alert.status).toBe('raised');
    expect(payload.factors.find((f) => f.code === 'threat_words')!.records).toContain(matterId);
    expect(payload.factors.map((f) => f.code)).toContain('earlier_110');
    // Nothing new on the next passes: the same alert is not raised again.
    await new Promise((r) => setTimeout(r, 1500));
    const again = events
      .slice(before)
      .filter((x) => x.e.type === 'alert.raised' && x.e.matterId === raised!.e.matterId);
    expect(again).toHaveLength(1);
  });

  // PGlite's one connection lives in the main thread: there the passes run on it, with no thread to lose.
  it.skipIf(testEngine() !== 'postgres')(
    'a thread that dies is started again, and the new one raises the alerts (PostgreSQL)',
    async () => {
      expect(threads).toHaveLength(1);
      await threads[0]!.terminate();
      expect(await waitFor(() => (threads.length === 2 ? true : undefined), 15_000)).toBe(true);
      const police = await getSource(kernel.db, 'police_110');
      const before = events.length;
      await intake(kernel, sourceActor(police), police, 'push', [
        {
          recordKey: 'STREAM-110-AFTER-RESTART',
          reportedAt: new Date().toISOString(),
          category: '0301',
          description: '报警人称邻居扬言要拿农药和他同归于尽，情绪激动。',
          areaCode: GULOU,
          parties: [
            { role: 'applicant', kind: 'person', name: '钱小明', idNumber: id('083') },
            { role: 'respondent', kind: 'person', name: '孙大力', idNumber: id('094') },
          ],
        },
      ]);
      const raised = await waitFor(
        () => events.slice(before).find((x) => x.e.type === 'alert.raised'),
        10_000,
      );
      expect(raised, 'an alert raised by the new thread').toBeDefined();
    },
  );
});

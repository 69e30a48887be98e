import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../core/kernel.ts';
import { idCardCheckChar } from '../../core/subjects/codes.ts';
import { openTestKernel, testEngine } from '../../testing/harness.ts';
import { intake, sourceActor } from './disputes.service.ts';
import type { BatchResult } from './intake/pipeline.ts';
import { getSource } from './sources.service.ts';

/**
 * Two departments reporting the same dispute at the same moment — two pushes, or two files imported at once —
 * must give one dispute with two sources, never two disputes: each intake transaction would otherwise look for
 * duplicates before the other's dispute is committed, and both would file it as new. And a merge changes the
 * dispute's row, which the alert models' reads carried between passes rely on.
 */
const GULOU = '330302006044';
const DAY = 86_400_000;

let kernel: Kernel;
beforeAll(async () => {
  kernel = await openTestKernel();
});
afterAll(async () => {
  await kernel.close();
});

const id = (seq: number) => {
  const first17 = `33030219800101${String(seq).padStart(3, '0')}`;
  return first17 + idCardCheckChar(first17);
};

/** A married couple, the n-th: two persons with valid ID numbers. */
const couple = (n: number) => [
  { role: 'applicant' as const, kind: 'person' as const, name: `申请人${n}`, idNumber: id(2 * n + 1) },
  { role: 'respondent' as const, kind: 'person' as const, name: `被申请人${n}`, idNumber: id(2 * n + 2) },
];

/** One record pushed by 110 (category code 0301) or by 妇联 (marriage_family) about the n-th couple. */
async function push(
  from: 'police_110' | 'women_federation',
  n: number,
  recordKey: string,
  description: string,
  reportedAt = new Date(),
): Promise<BatchResult> {
  const source = await getSource(kernel.db, from);
  return intake(kernel, sourceActor(source), source, 'push', [
    {
      recordKey,
      reportedAt: reportedAt.toISOString(),
      category: from === 'police_110' ? '0301' : 'marriage_family',
      description,
      areaCode: GULOU,
      parties: couple(n),
    },
  ]);
}

describe('intake across transactions', () => {
  // PGlite runs one transaction at a time: two intakes cannot overlap there.
  it.skipIf(testEngine() !== 'postgres')(
    'the same dispute pushed by two departments at once is filed once, with both sources (PostgreSQL)',
    async () => {
      const PAIRS = 16;
      const text = (n: number) => `第${n}户夫妻因家中老人赡养问题多次争吵，女方称男方摔砸家具并动手推搡。`;
      // The persons are known already (an old dispute each, far outside the duplicate window): linking them
      // inserts nothing, so nothing else makes one intake wait for the other.
      for (let n = 0; n < PAIRS; n++)
        await push(
          'police_110',
          n,
          `CONC-OLD-${n}`,
          '邻里之间因停车位发生口角。',
          new Date(Date.now() - 200 * DAY),
        );
      const results = await Promise.all(
        Array.from({ length: PAIRS }, (_, n) => [
          push('police_110', n, `CONC-110-${n}`, text(n)),
          push('women_federation', n, `CONC-WF-${n}`, text(n)),
        ]).flat(),
      );
      const outcomes = results.flatMap((r) => r.outcomes);
      expect(outcomes.filter((o) => o.status === 'inserted')).toHaveLength(PAIRS);
      expect(outcomes.filter((o) => o.status === 'merged')).toHaveLength(PAIRS);
      // Each couple's recent reports are one dispute with both sources.
      const found = await sql<{ matter_id: string; sources: string[] }>`
        select r.matter_id::text as matter_id, array_agg(r.source_code order by r.source_code) as sources
        from dispute_records r
        where r.record_key like 'CONC-110-%' or r.record_key like 'CONC-WF-%'
        group by r.matter_id`.execute(kernel.db);
      expect(found.rows).toHaveLength(PAIRS);
      for (const row of found.rows) expect(row.sources).toEqual(['police_110', 'women_federation']);
    },
    60_000,
  );

  it('a record merged into a dispute changes the dispute’s row (what the alert models’ carry relies on)', async () => {
    const text = '夫妻因子女抚养问题争吵，女方称男方扬言要动手。';
    const first = await push('police_110', 450, 'CARRY-110', text);
    const matterId = first.outcomes[0]!.matterId!;
    const version = async () =>
      (
        await sql<{ v: string }>`select xmin::text as v from matters where id = ${matterId}::bigint`.execute(
          kernel.db,
        )
      ).rows[0]!.v;
    const before = await version();
    const second = await push('women_federation', 450, 'CARRY-WF', text);
    expect(second.outcomes[0]).toMatchObject({ status: 'merged', matterId });
    // The alert models keep what they read of a dispute while its row's xmin is unchanged (ALERTS.md): a
    // merge must therefore touch the row, not only add its record and parties beside it.
    expect(await version()).not.toBe(before);
  });
});

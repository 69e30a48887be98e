import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../core/kernel.ts';
import { MODELS } from '../../modules/alert/models/index.ts';
import { defineModel, type Signal } from '../../modules/alert/runtime/model.ts';
import { applySignals } from '../../modules/alert/runtime/runtime.ts';
import { openTestKernel } from '../../testing/harness.ts';
import { judgeAlerts } from './alerts.ts';

const GULOU = '330302006044';
let k: Kernel;

beforeAll(async () => {
  k = await openTestKernel();
  // Twelve open alerts of the three levels, raised as the runtime raises them.
  const base = MODELS.find((m) => m.code === 'civil_to_criminal')!;
  const model = defineModel({ ...base, evaluate: async () => [] });
  const signals: Signal[] = Array.from({ length: 12 }, (_, i) => ({
    key: `person:seed-${i}`,
    window: 'open',
    score: [90, 65, 45][i % 3]!,
    title: `测试预警 ${i}`,
    areaCode: GULOU,
    subjects: [],
    factors: [
      { code: 'threat_words', name: { zh: '威胁', en: 'Threats' }, weight: 40, detail: '测试', records: [] },
    ],
  }));
  const applied = await k.db.transaction().execute((tx) => applySignals(tx, model, 1, signals, new Date()));
  expect(applied.raised).toBe(12);
  // And two of another model.
  const other = defineModel({
    ...MODELS.find((m) => m.code === 'repeat_dispute')!,
    evaluate: async () => [],
  });
  const two = signals.slice(0, 2).map((x) => ({ ...x, key: `${x.key}-other` }));
  expect((await k.db.transaction().execute((tx) => applySignals(tx, other, 1, two, new Date()))).raised).toBe(
    2,
  );
}, 60_000);
afterAll(async () => {
  await k?.close();
});

describe('the demo’s 研判 of a sample of each model’s alerts', () => {
  it('judges every second open alert of each model, oldest first: confirmed, or dismissed with its reason', async () => {
    const judged = await judgeAlerts(k, 3, 7);
    // Twelve of one model: the 1st, 3rd and 5th (at most three per model); two of the other: its 1st.
    expect(judged.confirmed + judged.dismissed).toBe(4);
    const others = await k.db
      .selectFrom('matters')
      .select('status')
      .where('category', '=', 'repeat_dispute')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    expect(others.map((r) => r.status !== 'raised')).toEqual([true, false]);
    const rows = await k.db
      .selectFrom('matters')
      .select(['id', 'status'])
      .where('type', '=', 'alert')
      .where('category', '=', 'civil_to_criminal')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const byStatus = (s: string) => rows.filter((r) => r.status === s).length;
    expect(byStatus('confirmed') + byStatus('dismissed')).toBe(3);
    expect(byStatus('raised')).toBe(9);
    expect(rows.map((r, i) => (r.status === 'raised' ? null : i)).filter((i) => i !== null)).toEqual([
      0, 2, 4,
    ]);
    const entries = await k.db
      .selectFrom('matter_timeline')
      .select(['matter_id', 'action', 'note'])
      .where('matter_id', 'in', [rows[0]!.id, rows[2]!.id, rows[4]!.id])
      .where('action', 'in', ['confirm', 'dismiss'])
      .execute();
    expect(entries).toHaveLength(3);
    for (const e of entries.filter((x) => x.action === 'dismiss')) expect(e.note).toContain('暂无现实风险');
    // Judged alerts are no longer open: a second run takes the next ones.
    const again = await judgeAlerts(k, 3, 7);
    expect(again.confirmed + again.dismissed).toBe(4);
  });
});

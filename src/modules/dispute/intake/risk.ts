import { MASS_THRESHOLD, type RiskLevel } from '../dispute.schema.ts';

/**
 * A first risk level at intake, from what the record itself says. The early-warning models look further
 * (repeats, earlier 110 calls, how long it stays unresolved) and raise alerts of their own; this level only
 * orders the library's queue.
 *   high   — threat or violence words, or 群体性 (≥ 5 people);
 *   medium — an amount of 100,000 yuan or more, or 3–4 people;
 *   low    — the rest.
 */
export const THREAT_WORDS = [
  '拼命',
  '同归于尽',
  '报复',
  '汽油',
  '农药',
  '砍死',
  '杀了',
  '跳楼',
  '自杀',
  '炸',
  '不想活',
];
const THREAT = new RegExp(THREAT_WORDS.join('|'));

export function assessRisk(text: string, peopleInvolved: number, amount: number | null): RiskLevel {
  if (THREAT.test(text) || peopleInvolved >= MASS_THRESHOLD) return 'high';
  if ((amount ?? 0) >= 100_000 || peopleInvolved >= 3) return 'medium';
  return 'low';
}

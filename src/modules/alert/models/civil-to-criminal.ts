import { z } from 'zod';
import { defineModel, type Factor } from '../runtime/model.ts';
import {
  CATEGORY_CODES,
  CATEGORY_NAMES,
  categoryList,
  codeList,
  daysBetween,
  factor,
  findWords,
  gatherUnits,
  int,
  latestPoint,
  makeSignal,
  mostSpecificArea,
  namesOf,
  quote,
  RESOLVED_STATES,
  SOURCE,
  signalSubjects,
  whoOf,
  wordList,
  worthRaising,
} from './shared.ts';
import { DEBT_WORDS, THREAT_WORDS } from './words.ts';

const Params = z.strictObject({
  /** Threat or violence words in any of the unit's records. */
  threatWords: wordList(),
  threatWeight: int(0, 100),
  /** How far back the unit's disputes count. */
  lookbackDays: int(7, 1095),
  /** Police sources: each of their records on the unit's disputes adds `policeWeight`, up to `policeMaxWeight`. */
  policeSources: codeList(10),
  policeWeight: int(0, 100),
  policeMaxWeight: int(0, 100),
  /** Each dispute of the unit beyond the first adds `repeatWeight`, up to `repeatMaxWeight`. */
  repeatWeight: int(0, 100),
  repeatMaxWeight: int(0, 100),
  /** Disputes of these categories are left to other models (医疗 → 智慧护医): neither judged nor counted. */
  excludeCategories: categoryList(),
  /** Categories where quarrels turn violent; those in `debtCategories` only when the text speaks of debt. */
  categories: categoryList(),
  debtCategories: categoryList(),
  debtWords: wordList(),
  categoryWeight: int(0, 100),
  /** A dispute of the unit open and not resolved for more than `openDays` days. */
  openDays: int(1, 3650),
  openWeight: int(0, 100),
  /** A dispute with more linked parties is a crowd, not a quarrel between two: it is judged on its own. */
  maxParties: int(2, 20),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  threatWords: THREAT_WORDS,
  threatWeight: 40,
  lookbackDays: 365,
  policeSources: [SOURCE.police],
  policeWeight: 15,
  policeMaxWeight: 30,
  repeatWeight: 10,
  repeatMaxWeight: 20,
  excludeCategories: ['medical'],
  categories: ['marriage_family', 'neighbour', 'house_homestead', 'contract', 'damages'],
  debtCategories: ['contract'],
  debtWords: DEBT_WORDS,
  categoryWeight: 10,
  openDays: 30,
  openWeight: 10,
  maxParties: 6,
};

/**
 * 民转刑风险 (no 1): a quarrel between the same persons that may turn into a crime. Defaults are set so that a
 * family dispute with threat words after two 110 calls between the same parties is red: 40 + 2 × 15 + 10 = 80
 * even when the three records were merged into one dispute, more when they stayed three; the same history
 * without threats stays orange at most (30 + 20 + 10 + 10 = 70).
 */
export const civilToCriminal = defineModel<Params>({
  code: 'civil_to_criminal',
  no: 1,
  name: { zh: '民转刑风险', en: 'Civil dispute turning criminal' },
  description: {
    zh:
      '对新登记或有变化的纠纷，按当事人两两组合（只有一方可识别时按该当事人）汇总其近一年的全部纠纷：文本出现威胁、暴力用语' +
      '（拼命、同归于尽、报复、汽油、农药……）、双方之间的110警情、同一双方反复发生纠纷、属于婚姻家庭/邻里/房屋宅基地/' +
      '债务合同/损害赔偿等易激化类别、长期未化解，各按权重计分，合计80分以上为红色预警。医疗纠纷由智慧护医模型负责，不在此计。',
    en:
      'For each new or changed dispute, every pair of its parties (or the one party that could be identified) is ' +
      "judged on all the pair's disputes of the last year: threat or violence words in the text, 110 police calls " +
      'between them, repeated disputes, a category prone to escalation (family, neighbours, houses and homesteads, ' +
      'debts, damages) and disputes left unresolved for long. Each adds its weight; 80 or more is red. Medical ' +
      'disputes are left to the hospital-safety model.',
  },
  kind: 'streaming',
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const categories = p.excludeCategories.length
      ? CATEGORY_CODES.filter((c) => !p.excludeCategories.includes(c))
      : null;
    const units = await gatherUnits(ctx, {
      lookbackDays: p.lookbackDays,
      categories,
      types: ['person'],
      maxParties: p.maxParties,
      matterFallback: true,
    });
    return worthRaising(
      units.map((u) => {
        const ms = u.matters;
        const who = whoOf(u);
        const factors: Factor[] = [];

        const words: string[] = [];
        const withWords: string[] = [];
        for (const m of ms) {
          const w = findWords(m.text, p.threatWords);
          if (!w.length) continue;
          withWords.push(m.id);
          for (const x of w) if (!words.includes(x)) words.push(x);
        }
        if (words.length && p.threatWeight) {
          factors.push(
            factor(
              'threat_words',
              { zh: '威胁暴力言语', en: 'Threat or violence words' },
              p.threatWeight,
              `文本含${quote(words)}`,
              withWords,
            ),
          );
        }

        const police = ms.flatMap((m) => m.records.filter((r) => p.policeSources.includes(r.source)));
        if (police.length && p.policeWeight) {
          factors.push(
            factor(
              'earlier_110',
              { zh: '110警情', en: 'Police (110) calls' },
              Math.min(p.policeMaxWeight, police.length * p.policeWeight),
              `${who}近 ${p.lookbackDays} 天内有110警情记录 ${police.length} 条`,
              police.map((r) => r.matterId),
            ),
          );
        }

        if (ms.length >= 2 && p.repeatWeight) {
          factors.push(
            factor(
              'repeat_disputes',
              { zh: '反复纠纷', en: 'Repeated disputes' },
              Math.min(p.repeatMaxWeight, (ms.length - 1) * p.repeatWeight),
              `${who}近 ${p.lookbackDays} 天内共发生纠纷 ${ms.length} 起`,
              ms.map((m) => m.id),
            ),
          );
        }

        const inCategory = ms.filter(
          (m) =>
            m.category !== null &&
            p.categories.includes(m.category) &&
            (!p.debtCategories.includes(m.category) || findWords(m.text, p.debtWords).length > 0),
        );
        if (inCategory.length && p.categoryWeight) {
          const names = [
            ...new Set(
              inCategory.map((m) =>
                p.debtCategories.includes(m.category!)
                  ? `${CATEGORY_NAMES[m.category!] ?? m.category}（债务）`
                  : (CATEGORY_NAMES[m.category!] ?? m.category!),
              ),
            ),
          ];
          factors.push(
            factor(
              'risky_category',
              { zh: '易激化类别', en: 'Category prone to escalation' },
              p.categoryWeight,
              `纠纷类别：${names.join('、')}`,
              inCategory.map((m) => m.id),
            ),
          );
        }

        const longOpen = ms.filter(
          (m) =>
            m.open && !RESOLVED_STATES.includes(m.status) && daysBetween(m.createdAt, ctx.now) > p.openDays,
        );
        if (longOpen.length && p.openWeight) {
          const longest = Math.max(...longOpen.map((m) => daysBetween(m.createdAt, ctx.now)));
          factors.push(
            factor(
              'long_unresolved',
              { zh: '久未化解', en: 'Unresolved for long' },
              p.openWeight,
              `${longOpen.length} 起纠纷登记超过 ${p.openDays} 天仍未化解（最长 ${longest} 天）`,
              longOpen.map((m) => m.id),
            ),
          );
        }

        const title = u.subjects.length
          ? `${namesOf(u.subjects, ms)}纠纷存在民转刑风险`
          : `一起${CATEGORY_NAMES[ms[0]!.category ?? 'other'] ?? ''}纠纷存在民转刑风险`;
        return makeSignal({
          key: u.key,
          window: 'open',
          title,
          areaCode: mostSpecificArea(ms),
          point: latestPoint(ms),
          subjects: signalSubjects(u.subjects, u.parties, ms),
          factors,
        });
      }),
    );
  },
});

import { z } from 'zod';
import { defineModel, type Factor } from '../runtime/model.ts';
import {
  categoryList,
  codeList,
  factor,
  findWords,
  gatherUnits,
  int,
  latestPoint,
  type MatterInfo,
  makeSignal,
  mostSpecificArea,
  namesOf,
  quote,
  SOURCE,
  signalSubjects,
  whoOf,
  wordList,
  worthRaising,
} from './shared.ts';
import { DOMESTIC_SEVERE_WORDS, DOMESTIC_VIOLENCE_WORDS } from './words.ts';

const Params = z.strictObject({
  /** Family disputes (婚姻家庭). */
  categories: categoryList().min(1),
  lookbackDays: int(7, 1095),
  violenceWords: wordList(),
  violenceWeight: int(0, 100),
  /** A threat to life on top (杀了, 同归于尽, 农药…). */
  severeWords: wordList(),
  severeWeight: int(0, 100),
  /** Each family dispute of the pair beyond the first. */
  repeatWeight: int(0, 100),
  maxRepeatWeight: int(0, 100),
  /** Records from the women's federation (妇联) on the pair's family disputes. */
  federationSources: codeList(10),
  federationWeight: int(0, 100),
  /** Police records: each adds `policeWeight`, up to `policeMaxWeight`. */
  policeSources: codeList(10),
  policeWeight: int(0, 100),
  policeMaxWeight: int(0, 100),
  maxParties: int(2, 20),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  categories: ['marriage_family'],
  lookbackDays: 365,
  violenceWords: DOMESTIC_VIOLENCE_WORDS,
  violenceWeight: 35,
  severeWords: DOMESTIC_SEVERE_WORDS,
  severeWeight: 15,
  repeatWeight: 10,
  maxRepeatWeight: 30,
  federationSources: [SOURCE.womenFederation],
  federationWeight: 20,
  policeSources: [SOURCE.police],
  policeWeight: 15,
  policeMaxWeight: 30,
  maxParties: 6,
};

/** 家庭暴力风险 (no 10): family disputes with violence, repeats, reports from the women's federation or 110. */
export const domesticViolence = defineModel<Params>({
  code: 'domestic_violence',
  no: 10,
  name: { zh: '家庭暴力风险', en: 'Domestic violence risk' },
  description: {
    zh:
      '婚姻家庭纠纷中，按同一对家庭成员汇总其近一年的婚姻家庭纠纷：文本出现家暴、殴打、打伤、掐脖子等用语（出现杀了、' +
      '同归于尽、农药等危及生命的用语再加分）、反复发生、妇联接报、110警情，各按权重计分。',
    en:
      'Family disputes, per pair of family members over their family disputes of the last year: words of ' +
      'violence (more for threats to life), repeats, reports to the women’s federation, and 110 police calls.',
  },
  kind: 'streaming',
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const units = await gatherUnits(ctx, {
      lookbackDays: p.lookbackDays,
      categories: p.categories,
      types: ['person'],
      maxParties: p.maxParties,
      matterFallback: true,
    });
    const wordsIn = (ms: MatterInfo[], list: string[]) => {
      const words: string[] = [];
      const ids: string[] = [];
      for (const m of ms) {
        const w = findWords(m.text, list);
        if (!w.length) continue;
        ids.push(m.id);
        for (const x of w) if (!words.includes(x)) words.push(x);
      }
      return { words, ids };
    };
    return worthRaising(
      units.map((u) => {
        const ms = u.matters;
        const who = whoOf(u);
        const factors: Factor[] = [];
        const violence = wordsIn(ms, p.violenceWords);
        if (violence.words.length && p.violenceWeight) {
          factors.push(
            factor(
              'violence_words',
              { zh: '暴力言语', en: 'Words of violence' },
              p.violenceWeight,
              `文本含${quote(violence.words)}`,
              violence.ids,
            ),
          );
        }
        const severe = wordsIn(ms, p.severeWords);
        if (severe.words.length && p.severeWeight) {
          factors.push(
            factor(
              'threat_to_life',
              { zh: '危及生命的言语', en: 'Threats to life' },
              p.severeWeight,
              `文本含${quote(severe.words)}`,
              severe.ids,
            ),
          );
        }
        if (ms.length >= 2 && p.repeatWeight) {
          factors.push(
            factor(
              'repeat_disputes',
              { zh: '反复发生', en: 'Again and again' },
              Math.min(p.maxRepeatWeight, (ms.length - 1) * p.repeatWeight),
              `${who}近 ${p.lookbackDays} 天内婚姻家庭纠纷 ${ms.length} 起`,
              ms.map((m) => m.id),
            ),
          );
        }
        const federation = ms.flatMap((m) => m.records.filter((r) => p.federationSources.includes(r.source)));
        if (federation.length && p.federationWeight) {
          factors.push(
            factor(
              'women_federation',
              { zh: '妇联接报', en: 'Reported to the women’s federation' },
              p.federationWeight,
              `妇联接报 ${federation.length} 次`,
              federation.map((r) => r.matterId),
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
        return makeSignal({
          key: u.key,
          window: 'open',
          title: u.subjects.length
            ? `${namesOf(u.subjects, ms)}存在家庭暴力风险`
            : '一起婚姻家庭纠纷存在家庭暴力风险',
          areaCode: mostSpecificArea(ms),
          point: latestPoint(ms),
          subjects: signalSubjects(u.subjects, u.parties, ms),
          factors,
        });
      }),
    );
  },
});

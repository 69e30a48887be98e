import { z } from 'zod';
import { defineModel, type Factor } from '../runtime/model.ts';
import {
  changedMatters,
  daysBefore,
  disputesOfUnits,
  factor,
  findWords,
  int,
  latestFirst,
  latestPoint,
  loadMatters,
  makeSignal,
  maskedName,
  mostSpecificArea,
  partiesOf,
  quote,
  RESOLVED_STATES,
  type SubjectRef,
  signalSubjects,
  TAG_NAMES,
  tagsOf,
  wordList,
  worthRaising,
} from './shared.ts';
import { THREAT_WORDS } from './words.ts';

const TagWeights = z.strictObject({
  mental_disorder: int(0, 100),
  community_correction: int(0, 100),
  released_prisoner: int(0, 100),
  drug_user: int(0, 100),
  petitioner: int(0, 100),
  violence_history: int(0, 100),
  other: int(0, 100),
});

const Params = z.strictObject({
  /** Points per tag of the person (several tags add up). */
  tagWeights: TagWeights,
  /** The person's disputes within this many days count; at least one must still be open. */
  lookbackDays: int(7, 1095),
  threatWords: wordList(),
  threatWeight: int(0, 100),
  /** The person in at least `repeatMin` disputes within the look-back. */
  repeatMin: int(2, 50),
  repeatWeight: int(0, 100),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  tagWeights: {
    mental_disorder: 50,
    community_correction: 35,
    released_prisoner: 35,
    drug_user: 40,
    petitioner: 25,
    violence_history: 50,
    other: 15,
  },
  lookbackDays: 90,
  threatWords: THREAT_WORDS,
  threatWeight: 20,
  repeatMin: 2,
  repeatWeight: 10,
};

/**
 * 重点人员 (no 5): a person on a watch list (person_tags) is a party to an open dispute. The title does not say
 * which list (tags are seen only with their own permission); the factors do.
 */
export const watchlist = defineModel<Params>({
  code: 'watchlist',
  no: 5,
  name: { zh: '重点人员', en: 'Persons on a watch list' },
  description: {
    zh:
      '纠纷当事人列有重点人员标签（严重精神障碍、社区矫正、刑释人员、吸毒人员、重点信访人员、有暴力史等），且近期（默认90天）' +
      '有未结纠纷：每个标签按其权重计分；纠纷文本有威胁用语、近期多次卷入纠纷的另加分。',
    en:
      'A party to an open dispute (within 90 days by default) is on a watch list (severe mental disorder, community ' +
      'correction, released prisoner, drug user, frequent petitioner, history of violence…): each tag adds its ' +
      'weight; threat words and several recent disputes add more.',
  },
  kind: 'streaming',
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const changed = await changedMatters(ctx);
    if (!changed.length) return [];
    const changedParties = await partiesOf(
      ctx.db,
      changed.map((m) => m.id),
      ctx.memo,
    );
    const persons = [...new Set(changedParties.filter((x) => x.type === 'person').map((x) => x.id))];
    const tags = await tagsOf(ctx.db, persons, ctx.now);
    const watched: SubjectRef[] = persons.filter((id) => tags.has(id)).map((id) => ({ type: 'person', id }));
    if (!watched.length) return [];
    const found = await disputesOfUnits(
      ctx.db,
      watched.map((s) => [s]),
      ctx.now,
      daysBefore(ctx.now, p.lookbackDays),
      null,
      ctx.memo,
    );
    const ids = [...new Set(found.flat())];
    const matters = await loadMatters(ctx.db, ids, ctx.now, {}, ctx.memo);
    const parties = await partiesOf(ctx.db, ids, ctx.memo);
    const byId = new Map(matters.map((m) => [m.id, m]));
    const weights = p.tagWeights as Record<string, number>;

    return worthRaising(
      watched.flatMap((s, i) => {
        const ms = latestFirst(found[i]!.flatMap((id) => byId.get(id) ?? []));
        const open = ms.filter((m) => m.open && !RESOLVED_STATES.includes(m.status));
        if (!open.length) return [];
        const factors: Factor[] = [];
        for (const tag of tags.get(s.id) ?? []) {
          const w = weights[tag] ?? 0;
          if (!w) continue;
          const name = TAG_NAMES[tag] ?? { zh: tag, en: tag };
          factors.push(
            factor(
              `tag_${tag}`,
              { zh: `重点人员：${name.zh}`, en: `Watch list: ${name.en}` },
              w,
              `该当事人列入重点人员（${name.zh}），有未结纠纷 ${open.length} 起`,
              open.map((m) => m.id),
            ),
          );
        }
        if (!factors.length) return [];

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
        if (ms.length >= p.repeatMin && p.repeatWeight) {
          factors.push(
            factor(
              'repeat_disputes',
              { zh: '近期多次卷入纠纷', en: 'Several recent disputes' },
              p.repeatWeight,
              `近 ${p.lookbackDays} 天内卷入纠纷 ${ms.length} 起`,
              ms.map((m) => m.id),
            ),
          );
        }
        const name = maskedName(s, ms);
        return [
          makeSignal({
            key: `person:${s.id}`,
            window: 'open',
            title: name ? `重点人员${name}卷入矛盾纠纷` : '一名重点人员卷入矛盾纠纷',
            areaCode: mostSpecificArea(open),
            point: latestPoint(open),
            subjects: signalSubjects([s], parties, ms),
            factors,
          }),
        ];
      }),
    );
  },
});

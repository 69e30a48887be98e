import { z } from 'zod';
import { defineModel, type Factor } from '../runtime/model.ts';
import {
  CATEGORY_NAMES,
  changedMatters,
  codeList,
  daysBefore,
  disputesOfUnits,
  factor,
  findWords,
  int,
  loadMatters,
  makeSignal,
  partiesOf,
  quote,
  type SubjectRef,
  signalSubjects,
  TAG_NAMES,
  tagsOf,
  wordList,
  worthRaising,
} from './shared.ts';
import { DESPAIR_WORDS, SEVERE_DESPAIR_WORDS } from './words.ts';

const Params = z.strictObject({
  /** Matter types whose text is read (disputes by default; 事件 may be added). */
  matterTypes: codeList(20).min(1),
  despairWords: wordList(),
  despairWeight: int(0, 100),
  /** A means or plan of self-harm named (跳楼, 割腕, 喝农药…). */
  severeWords: wordList(),
  severeWeight: int(0, 100),
  /** The same person's other disputes within this many days with such words too. */
  lookbackDays: int(7, 1095),
  repeatWeight: int(0, 100),
  /** Person tags that add (严重精神障碍 by default). */
  tags: z.array(z.enum(Object.keys(TAG_NAMES) as [string, ...string[]])).max(7),
  tagWeight: int(0, 100),
  /** What the referral factor says. */
  referral: z.string().min(1).max(100),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  matterTypes: ['dispute'],
  despairWords: DESPAIR_WORDS,
  despairWeight: 45,
  severeWords: SEVERE_DESPAIR_WORDS,
  severeWeight: 20,
  lookbackDays: 90,
  repeatWeight: 15,
  tags: ['mental_disorder'],
  tagWeight: 15,
  referral: '建议转介心理服务站，由心理咨询师尽快联系当事人',
};

/**
 * 极端情绪 (no 11): despair or self-harm in what a record says. One alert per matter (it is seldom clear which
 * party spoke); every signal carries a referral factor (weight 0) that says to refer to a psychological station.
 */
export const extremeEmotion = defineModel<Params>({
  code: 'extreme_emotion',
  no: 11,
  name: { zh: '极端情绪', en: 'Extreme emotion' },
  description: {
    zh:
      '纠纷记录中出现绝望、轻生用语（不想活、活不下去、一死了之、轻生、绝望……）即预警；提到具体方式（跳楼、割腕、喝农药、' +
      '上吊……）加分；当事人近90天其他纠纷中也出现过此类用语、或列有严重精神障碍标签的另加分。每条预警均附“建议转介心理服务站”。',
    en:
      'Despair or self-harm in a record (不想活, 一死了之, 轻生, 绝望…); a named means (跳楼, 割腕, 喝农药…) adds; ' +
      'the same words in the person’s other disputes of the last 90 days, or a severe-mental-disorder tag, add ' +
      'more. Every alert says to refer the person to a psychological service station.',
  },
  kind: 'streaming',
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const changed = (await changedMatters(ctx, { types: p.matterTypes })).filter(
      (m) => findWords(m.text, p.despairWords).length > 0,
    );
    if (!changed.length) return [];
    const parties = await partiesOf(
      ctx.db,
      changed.map((m) => m.id),
      ctx.memo,
    );
    const persons = [...new Set(parties.filter((x) => x.type === 'person').map((x) => x.id))];
    const others = await disputesOfUnits(
      ctx.db,
      persons.map((id) => [{ type: 'person' as const, id }]),
      ctx.now,
      daysBefore(ctx.now, p.lookbackDays),
      null,
      ctx.memo,
    );
    const otherMatters = await loadMatters(ctx.db, [...new Set(others.flat())], ctx.now, {}, ctx.memo);
    const desperate = new Set(
      otherMatters.filter((m) => findWords(m.text, p.despairWords).length).map((m) => m.id),
    );
    const tags = await tagsOf(ctx.db, persons, ctx.now);

    return worthRaising(
      changed.map((m) => {
        const factors: Factor[] = [];
        const words = findWords(m.text, p.despairWords);
        factors.push(
          factor(
            'despair_words',
            { zh: '绝望轻生言语', en: 'Words of despair' },
            p.despairWeight,
            `文本含${quote(words)}`,
            [m.id],
          ),
        );
        const severe = findWords(m.text, p.severeWords);
        if (severe.length && p.severeWeight) {
          factors.push(
            factor(
              'self_harm_means',
              { zh: '提及具体方式', en: 'A means named' },
              p.severeWeight,
              `提及${quote(severe)}`,
              [m.id],
            ),
          );
        }
        const mine: SubjectRef[] = [
          ...new Map(
            parties
              .filter((x) => x.matterId === m.id && x.type === 'person')
              .map((x) => [x.id, { type: 'person' as const, id: x.id }]),
          ).values(),
        ];
        const earlier = mine.flatMap((s) => others[persons.indexOf(s.id)] ?? []).filter((id) => id !== m.id);
        const repeated = [...new Set(earlier.filter((id) => desperate.has(id)))];
        if (repeated.length && p.repeatWeight) {
          factors.push(
            factor(
              'repeated_despair',
              { zh: '多次流露轻生念头', en: 'Despair more than once' },
              p.repeatWeight,
              `当事人近 ${p.lookbackDays} 天内另有 ${repeated.length} 起纠纷出现此类言语`,
              [m.id, ...repeated],
            ),
          );
        }
        const tagged = [
          ...new Set(mine.flatMap((s) => (tags.get(s.id) ?? []).filter((t) => p.tags.includes(t)))),
        ];
        if (tagged.length && p.tagWeight) {
          factors.push(
            factor(
              'watch_tag',
              { zh: '重点人员', en: 'On a watch list' },
              p.tagWeight,
              `当事人列有标签：${tagged.map((t) => TAG_NAMES[t]?.zh ?? t).join('、')}`,
              [m.id],
            ),
          );
        }
        factors.push(
          factor(
            'referral',
            { zh: '建议转介心理服务', en: 'Refer to psychological services' },
            0,
            p.referral,
            [m.id],
          ),
        );
        const category = m.type === 'dispute' && m.category ? (CATEGORY_NAMES[m.category] ?? '') : '';
        return makeSignal({
          key: `matter:${m.id}`,
          window: 'open',
          title: `${category ? `一起${category}纠纷` : '一起事项'}中当事人流露极端情绪`,
          areaCode: m.areaCode,
          point: m.lng !== null && m.lat !== null ? { lng: m.lng, lat: m.lat } : null,
          subjects: signalSubjects(mine, parties, [m]),
          factors,
        });
      }),
    );
  },
});

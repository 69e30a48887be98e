import { z } from 'zod';
import { defineModel, type Factor } from '../runtime/model.ts';
import {
  areaLevel,
  changedMatters,
  codeList,
  daysBefore,
  daysBetween,
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
  partiesGrouped,
  partiesIn,
  partiesOf,
  pushTo,
  quote,
  RESOLVED_STATES,
  recordsOfPersons,
  SOURCE,
  signalSubjects,
  tagsOf,
  wordList,
  worthRaising,
} from './shared.ts';
import { ESCALATION_WORDS } from './words.ts';

const Params = z.strictObject({
  /** Sources whose records are petitions. */
  petitionSources: codeList(10).min(1),
  /** At least `minPetitions` petition records within `windowDays` days. */
  windowDays: int(7, 1095),
  minPetitions: int(2, 50),
  repeatWeight: int(0, 100),
  perExtraWeight: int(0, 50),
  maxRepeatWeight: int(0, 100),
  /** 越级 by place: a petition placed at this level or above (2 = county, 1 = city) … */
  skipLevel: int(1, 3),
  /** … while the same person has a dispute placed at village or grid level, reported before it. */
  skipWeight: int(0, 100),
  /** 越级 by what the petition says (进京, 到省里, 越级…). */
  escalationWords: wordList(),
  escalationWeight: int(0, 100),
  /** The person is tagged as a frequent petitioner (重点信访人员). */
  petitionerTagWeight: int(0, 100),
  /** A petitioned dispute of the person open and unresolved for more than `openDays` days. */
  openDays: int(1, 3650),
  openWeight: int(0, 100),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  petitionSources: [SOURCE.petition],
  windowDays: 180,
  minPetitions: 3,
  repeatWeight: 40,
  perExtraWeight: 10,
  maxRepeatWeight: 60,
  skipLevel: 2,
  skipWeight: 40,
  escalationWords: ESCALATION_WORDS,
  escalationWeight: 20,
  petitionerTagWeight: 15,
  openDays: 60,
  openWeight: 10,
};

/**
 * 信访风险 (no 8): a person petitioning again and again, or going over the heads of the levels that should hear
 * the matter first (越级). 越级 is read two ways: by place — a petition record on a dispute placed at county or
 * city level (the petition went to the county or city without naming a village or town) while the same person
 * has, within the window, a dispute placed at a village or grid reported before that petition (the matter
 * belonged to the village); and by words in the petitions (进京, 到省里, 越级…).
 */
export const petitionRisk = defineModel<Params>({
  code: 'petition_risk',
  no: 8,
  name: { zh: '信访风险', en: 'Petition risk' },
  description: {
    zh:
      '同一人在设定天数内（默认180天）信访记录达到设定次数（默认3次）；或越级信访：其信访件所在纠纷只落到县（市、区）或市级' +
      '（未落到乡镇、村社区），而此前其在村社区或网格已有纠纷，或信访内容出现进京、赴省、越级等用语。' +
      '列为重点信访人员、所涉纠纷长期未化解的另加分。',
    en:
      'A person with N or more petition records (3 by default) within M days (180), or petitioning over the heads ' +
      'of lower levels (越级): a petition placed at county or city level while the person already had a dispute at ' +
      'village or grid level, or words such as 进京, 赴省, 越级 in the petition. A frequent-petitioner tag and ' +
      'disputes long unresolved add to it.',
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
    const from = daysBefore(ctx.now, p.windowDays);
    const petitions = await recordsOfPersons(ctx.db, persons, p.petitionSources, ctx.now, from);
    const petitioners = [...new Set(petitions.map((r) => r.person))];
    if (!petitioners.length) return [];
    const found = await disputesOfUnits(
      ctx.db,
      petitioners.map((id) => [{ type: 'person' as const, id }]),
      ctx.now,
      from,
      null,
      ctx.memo,
    );
    const ids = [...new Set(found.flat())];
    const matters = await loadMatters(ctx.db, ids, ctx.now, {}, ctx.memo);
    const parties = await partiesGrouped(ctx.db, ids, ctx.memo);
    const tags = await tagsOf(ctx.db, petitioners, ctx.now);
    const byId = new Map(matters.map((m) => [m.id, m]));
    const petitionsOf = new Map<string, typeof petitions>();
    for (const r of petitions) pushTo(petitionsOf, r.person, r);

    return worthRaising(
      petitioners.map((person, i) => {
        const mine = petitionsOf.get(person) ?? [];
        const ms = latestFirst(found[i]!.flatMap((id) => byId.get(id) ?? []));
        const petitioned = ms.filter((m) => mine.some((r) => r.matterId === m.id));
        const factors: Factor[] = [];

        if (mine.length >= p.minPetitions && p.repeatWeight) {
          factors.push(
            factor(
              'repeat_petitions',
              { zh: '重复信访', en: 'Repeated petitions' },
              Math.min(p.maxRepeatWeight, p.repeatWeight + (mine.length - p.minPetitions) * p.perExtraWeight),
              `近 ${p.windowDays} 天内信访 ${mine.length} 次`,
              mine.map((r) => r.matterId),
            ),
          );
        }

        const high = mine.filter((r) => areaLevel(r.areaCode) <= p.skipLevel);
        const skipped = high.filter((r) =>
          ms.some((m) => areaLevel(m.areaCode) >= 4 && m.id !== r.matterId && m.createdAt <= r.reportedAt),
        );
        if (skipped.length && p.skipWeight) {
          const local = ms.filter((m) => areaLevel(m.areaCode) >= 4);
          factors.push(
            factor(
              'skip_level',
              { zh: '越级信访', en: 'Over the heads of lower levels' },
              p.skipWeight,
              `${skipped.length} 次信访直接到${p.skipLevel === 1 ? '市级' : '县（市、区）级及以上'}，而其纠纷属村（社区）一级`,
              [...skipped.map((r) => r.matterId), ...local.map((m) => m.id)],
            ),
          );
        }

        const words: string[] = [];
        const withWords: string[] = [];
        for (const r of mine) {
          const w = findWords(r.text, p.escalationWords);
          if (!w.length) continue;
          withWords.push(r.matterId);
          for (const x of w) if (!words.includes(x)) words.push(x);
        }
        if (words.length && p.escalationWeight) {
          factors.push(
            factor(
              'escalation_words',
              { zh: '扬言越级', en: 'Talk of going higher' },
              p.escalationWeight,
              `信访内容含${quote(words)}`,
              withWords,
            ),
          );
        }

        if ((tags.get(person) ?? []).includes('petitioner') && p.petitionerTagWeight) {
          factors.push(
            factor(
              'petitioner_tag',
              { zh: '重点信访人员', en: 'Frequent petitioner' },
              p.petitionerTagWeight,
              '该当事人列为重点信访人员',
              petitioned.map((m) => m.id),
            ),
          );
        }

        const longOpen = petitioned.filter(
          (m) =>
            m.open && !RESOLVED_STATES.includes(m.status) && daysBetween(m.createdAt, ctx.now) > p.openDays,
        );
        if (longOpen.length && p.openWeight) {
          factors.push(
            factor(
              'long_unresolved',
              { zh: '诉求久未化解', en: 'Unresolved for long' },
              p.openWeight,
              `所涉 ${longOpen.length} 起纠纷登记超过 ${p.openDays} 天仍未化解`,
              longOpen.map((m) => m.id),
            ),
          );
        }

        const s = { type: 'person' as const, id: person };
        const name = maskedName(s, ms);
        return makeSignal({
          key: `person:${person}`,
          window: 'open',
          title: `${name ?? '一名信访人'}存在信访风险（${p.windowDays}天内信访${mine.length}次）`,
          // The place the matter belongs to: the village dispute rather than the county petition.
          areaCode: mostSpecificArea(
            ms.length ? ms : mine.map((r) => ({ areaCode: r.areaCode, createdAt: r.reportedAt })),
          ),
          point: latestPoint(ms),
          subjects: signalSubjects(
            [s],
            partiesIn(
              parties,
              ms.map((m) => m.id),
            ),
            ms,
          ),
          factors,
        });
      }),
    );
  },
});

import { z } from 'zod';
import { defineModel, type Factor, type Signal } from '../runtime/model.ts';
import {
  categoryList,
  changedMatters,
  codeList,
  daysBefore,
  disputesOfUnits,
  factor,
  findWords,
  int,
  latestFirst,
  latestPoint,
  loadMatters,
  type MatterInfo,
  makeSignal,
  maskedName,
  mostSpecificArea,
  type PartyRow,
  partiesGrouped,
  partiesIn,
  quote,
  recordsOfPersons,
  SOURCE,
  type SubjectRef,
  signalSubjects,
  TAG_NAMES,
  tagsOf,
  wordList,
  worthRaising,
} from './shared.ts';
import { MEDICAL_THREAT_WORDS } from './words.ts';

const Params = z.strictObject({
  /** The categories of medical disputes (the changed dispute must be one). */
  categories: categoryList(),
  lookbackDays: int(7, 1095),
  threatWords: wordList(),
  threatWeight: int(0, 100),
  /** Records (visits, complaints, calls) of the person about the same hospital, in any category. */
  minVisits: int(2, 50),
  visitWeight: int(0, 100),
  /** Person tags that mean earlier violence. */
  violenceTags: z.array(z.enum(Object.keys(TAG_NAMES) as [string, ...string[]])).max(7),
  violenceTagWeight: int(0, 100),
  /** Police records on any dispute of the person within the look-back. */
  policeSources: codeList(10),
  policeWeight: int(0, 100),
  policeMaxWeight: int(0, 100),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  categories: ['medical'],
  lookbackDays: 365,
  threatWords: MEDICAL_THREAT_WORDS,
  threatWeight: 40,
  minVisits: 3,
  visitWeight: 20,
  violenceTags: ['violence_history'],
  violenceTagWeight: 30,
  policeSources: [SOURCE.police],
  policeWeight: 10,
  policeMaxWeight: 20,
};

/**
 * 智慧护医 (no 4): violence against a hospital's staff. One alert per person on the patient's side (a person party
 * of a medical dispute not named as respondent), with the hospitals (the enterprise parties of their medical
 * disputes) among its subjects; a medical dispute with no such person linked stands alone (`matter:ID`).
 */
export const medicalGuard = defineModel<Params>({
  code: 'medical_guard',
  no: 4,
  name: { zh: '智慧护医', en: 'Hospital safety' },
  description: {
    zh:
      '医疗纠纷中：文本出现威胁或医闹用语（同归于尽、报复、拉横幅、堵门、停尸……）；同一患方对同一医院反复投诉、报警、' +
      '来访（默认近一年3次以上）；患方有暴力史标签或近一年有110警情记录。各按权重计分，提示医院和属地提前介入、加强安保。',
    en:
      'In medical disputes: threats or hospital-disorder words; the same patient side back at the same hospital ' +
      '(three or more records in a year by default); a party tagged with a history of violence or with 110 police ' +
      'calls in the last year. Each adds its weight.',
  },
  kind: 'streaming',
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const changed = await changedMatters(ctx, { categories: p.categories });
    if (!changed.length) return [];
    const changedParties = await partiesGrouped(
      ctx.db,
      changed.map((m) => m.id),
      ctx.memo,
    );
    // The patient's side: persons not named as respondents (a doctor named as respondent is not the risk).
    const patientOf = (matterId: string) =>
      (changedParties.get(matterId) ?? []).filter((x) => x.type === 'person' && x.role !== 'respondent');
    const persons = [...new Set(changed.flatMap((m) => patientOf(m.id).map((x) => x.id)))];
    const alone = changed.filter((m) => !patientOf(m.id).length);
    const from = daysBefore(ctx.now, p.lookbackDays);
    const found = await disputesOfUnits(
      ctx.db,
      persons.map((id) => [{ type: 'person' as const, id }]),
      ctx.now,
      from,
      null,
      ctx.memo,
    );
    const ids = [...new Set(found.flat())];
    const matters = await loadMatters(ctx.db, ids, ctx.now, {}, ctx.memo);
    const parties = await partiesGrouped(ctx.db, ids, ctx.memo);
    const byId = new Map(matters.map((m) => [m.id, m]));
    const tags = await tagsOf(ctx.db, persons, ctx.now);
    const police = await recordsOfPersons(ctx.db, persons, p.policeSources, ctx.now, from);

    const judge = (key: string, person: SubjectRef | null, ms: MatterInfo[], mine: PartyRow[]): Signal[] => {
      // A person whose disputes are all outside what this evaluation may see (later than `now`, another type).
      if (!ms.length) return [];
      const isMedical = (m: MatterInfo) => m.category !== null && p.categories.includes(m.category);
      // The hospitals: enterprise parties of the medical disputes; the person's other disputes with them count.
      const hospitals = new Map<string, SubjectRef>();
      for (const x of mine) {
        const m = byId.get(x.matterId) ?? ms.find((y) => y.id === x.matterId);
        if (x.type === 'enterprise' && m && isMedical(m))
          hospitals.set(x.id, { type: 'enterprise', id: x.id });
      }
      const related = ms.filter(
        (m) =>
          isMedical(m) ||
          mine.some((x) => x.matterId === m.id && x.type === 'enterprise' && hospitals.has(x.id)),
      );
      const factors: Factor[] = [];

      const words: string[] = [];
      const withWords: string[] = [];
      for (const m of related) {
        const w = findWords(m.text, p.threatWords);
        if (!w.length) continue;
        withWords.push(m.id);
        for (const x of w) if (!words.includes(x)) words.push(x);
      }
      if (words.length && p.threatWeight) {
        factors.push(
          factor(
            'threat_words',
            { zh: '威胁或医闹言语', en: 'Threats or hospital disorder' },
            p.threatWeight,
            `文本含${quote(words)}`,
            withWords,
          ),
        );
      }

      const visits = related.reduce((n, m) => n + Math.max(1, m.records.length), 0);
      if (visits >= p.minVisits && p.visitWeight) {
        factors.push(
          factor(
            'repeat_visits',
            { zh: '反复投诉来访', en: 'Back again and again' },
            p.visitWeight,
            `近 ${p.lookbackDays} 天内患方就医疗纠纷投诉、报警或来访 ${visits} 次（纠纷 ${related.length} 起）`,
            related.map((m) => m.id),
          ),
        );
      }

      if (person) {
        const tagged = (tags.get(person.id) ?? []).filter((t) => p.violenceTags.includes(t));
        if (tagged.length && p.violenceTagWeight) {
          factors.push(
            factor(
              'violence_tag',
              { zh: '有暴力史', en: 'History of violence' },
              p.violenceTagWeight,
              `患方人员列有标签：${tagged.map((t) => TAG_NAMES[t]?.zh ?? t).join('、')}`,
              related.map((m) => m.id),
            ),
          );
        }
        const calls = police.filter((r) => r.person === person.id);
        if (calls.length && p.policeWeight) {
          factors.push(
            factor(
              'earlier_110',
              { zh: '110警情', en: 'Police (110) calls' },
              Math.min(p.policeMaxWeight, calls.length * p.policeWeight),
              `患方人员近 ${p.lookbackDays} 天内有110警情记录 ${calls.length} 条`,
              calls.map((r) => r.matterId),
            ),
          );
        }
      }

      const shown = related.length ? related : ms;
      const hospital = [...hospitals.values()][0];
      const who = person ? (maskedName(person, ms) ?? '某当事人') : '患方';
      const where = hospital ? `与${maskedName(hospital, ms) ?? '某医院'}` : '';
      return [
        makeSignal({
          key,
          window: 'open',
          title: `${who}${where}医疗纠纷存在涉医暴力风险`,
          areaCode: mostSpecificArea(shown),
          point: latestPoint(shown),
          subjects: signalSubjects([...(person ? [person] : []), ...hospitals.values()], mine, ms),
          factors,
        }),
      ];
    };

    return worthRaising([
      ...persons.flatMap((id, i) => {
        const ms = latestFirst(found[i]!.flatMap((x) => byId.get(x) ?? []));
        return judge(
          `person:${id}`,
          { type: 'person', id },
          ms,
          partiesIn(
            parties,
            ms.map((m) => m.id),
          ),
        );
      }),
      ...alone.flatMap((m) => judge(`matter:${m.id}`, null, [m], changedParties.get(m.id) ?? [])),
    ]);
  },
});

import { sql } from 'kysely';
import { z } from 'zod';
import { defineModel, type Factor } from '../runtime/model.ts';
import {
  categoriesOf,
  categoryList,
  changedMatters,
  daysBefore,
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
  rows,
  type SubjectRef,
  signalSubjects,
  ts,
  wordList,
  worthRaising,
} from './shared.ts';
import { ECONOMIC_WORDS } from './words.ts';

const Params = z.strictObject({
  /** Categories of disputes with an enterprise's creditors, employees, customers or investors. */
  categories: categoryList(),
  windowDays: int(1, 365),
  /** Claimants: distinct persons linked to its disputes, or the most people one dispute names. */
  minClaimants: int(2, 10_000),
  claimantsWeight: int(0, 100),
  perExtraClaimantWeight: int(0, 20),
  maxClaimantsWeight: int(0, 100),
  words: wordList(),
  wordsWeight: int(0, 100),
  /** The amounts in dispute add up to at least this many yuan. */
  amountThreshold: int(0, 100_000_000_000),
  amountWeight: int(0, 100),
  /** At least this many disputes against it within the window. */
  minReports: int(2, 1000),
  reportsWeight: int(0, 100),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  categories: ['labour', 'contract', 'business', 'consumer'],
  windowDays: 30,
  minClaimants: 5,
  claimantsWeight: 30,
  perExtraClaimantWeight: 2,
  maxClaimantsWeight: 60,
  words: ECONOMIC_WORDS,
  wordsWeight: 25,
  amountThreshold: 1_000_000,
  amountWeight: 15,
  minReports: 3,
  reportsWeight: 10,
};

/**
 * 涉众经济风险 (no 9): many creditors, employees or investors against one enterprise. Streaming: each new or
 * changed dispute of these categories re-judges its enterprise parties over the window, so the alert comes with
 * the claimant that crosses the threshold rather than at the next hourly run.
 */
export const economicRisk = defineModel<Params>({
  code: 'economic_risk',
  no: 9,
  name: { zh: '涉众经济风险', en: 'Economic risk to many' },
  description: {
    zh:
      '对新登记或有变化的劳动、合同、生产经营、消费类纠纷中的企业，统计其近30天（可调）同类纠纷：不同申请人（或单起纠纷' +
      '涉及人数）达到5人起计分、人数越多分数越高；文本出现欠薪、集资、跑路、债务、理财、兑付等用语；争议金额合计达到' +
      '100万元；纠纷起数较多，各按权重计分。实时评估（随纠纷流入即判），每家企业一条预警。',
    en:
      'For the enterprises in new or changed labour, contract, business and consumer disputes: their disputes of ' +
      'the last 30 days. Five or more distinct claimants (or people in one dispute) score, more score higher; words ' +
      'such as 欠薪, 集资, 跑路, 债务, 理财; amounts adding up to 1,000,000 yuan; many disputes. Evaluated as ' +
      'disputes arrive (streaming), one alert per enterprise.',
  },
  kind: 'streaming',
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const changed = await changedMatters(ctx, { categories: p.categories });
    if (!changed.length) return [];
    const changedParties = await partiesOf(
      ctx.db,
      changed.map((m) => m.id),
      ctx.memo,
    );
    const ents = [...new Set(changedParties.filter((x) => x.type === 'enterprise').map((x) => x.id))];
    if (!ents.length) return [];
    const found = await rows(
      ctx.db,
      sql<{ ent: string; id: string }>`
        select distinct p.subject_id::text as ent, m.id::text as id
        from matter_parties p join matters m on m.id = p.matter_id
        where p.subject_type = 'enterprise' and p.subject_id = any(${ents}::bigint[])
          and p.matter_at <= ${ts(ctx.now)} and p.matter_at > ${ts(daysBefore(ctx.now, p.windowDays))}
          and m.type = 'dispute' and m.category = any(${p.categories}::text[])
          and m.created_at <= ${ts(ctx.now)} and m.created_at > ${ts(daysBefore(ctx.now, p.windowDays))}`,
    );
    const ids = [...new Set(found.map((r) => r.id))];
    const matters = await loadMatters(ctx.db, ids, ctx.now, {}, ctx.memo);
    const parties = await partiesGrouped(ctx.db, ids, ctx.memo);
    const byId = new Map(matters.map((m) => [m.id, m]));
    const idsOf = new Map<string, string[]>();
    for (const r of found) pushTo(idsOf, r.ent, r.id);

    return worthRaising(
      ents.map((ent) => {
        const ms = latestFirst((idsOf.get(ent) ?? []).flatMap((id) => byId.get(id) ?? []));
        const mine = partiesIn(
          parties,
          ms.map((m) => m.id),
        );
        const persons = new Set(mine.filter((x) => x.type === 'person').map((x) => x.id)).size;
        const maxPeople = ms.length ? Math.max(...ms.map((m) => m.peopleInvolved)) : 0;
        const claimants = Math.max(persons, maxPeople);
        const factors: Factor[] = [];

        if (claimants >= p.minClaimants && p.claimantsWeight) {
          factors.push(
            factor(
              'many_claimants',
              { zh: '众多债权人或职工', en: 'Many claimants' },
              Math.min(
                p.maxClaimantsWeight,
                p.claimantsWeight + (claimants - p.minClaimants) * p.perExtraClaimantWeight,
              ),
              `近 ${p.windowDays} 天内约 ${claimants} 人向同一企业主张权利（可识别申请人 ${persons} 人，单起最多 ${maxPeople} 人）`,
              ms.map((m) => m.id),
            ),
          );
        }

        const words: string[] = [];
        const withWords: string[] = [];
        for (const m of ms) {
          const w = findWords(m.text, p.words);
          if (!w.length) continue;
          withWords.push(m.id);
          for (const x of w) if (!words.includes(x)) words.push(x);
        }
        if (words.length && p.wordsWeight) {
          factors.push(
            factor(
              'economic_words',
              { zh: '涉众经济用语', en: 'Words of arrears or fund-raising' },
              p.wordsWeight,
              `文本含${quote(words)}`,
              withWords,
            ),
          );
        }

        const amount = ms.reduce((t, m) => t + (m.amount ?? 0), 0);
        if (p.amountThreshold > 0 && amount >= p.amountThreshold && p.amountWeight) {
          factors.push(
            factor(
              'large_amount',
              { zh: '涉案金额大', en: 'Large amounts' },
              p.amountWeight,
              `争议金额合计约 ${(amount / 10_000).toFixed(1)} 万元`,
              ms.filter((m) => m.amount).map((m) => m.id),
            ),
          );
        }

        if (ms.length >= p.minReports && p.reportsWeight) {
          factors.push(
            factor(
              'many_disputes',
              { zh: '纠纷集中', en: 'Many disputes' },
              p.reportsWeight,
              `近 ${p.windowDays} 天内相关纠纷 ${ms.length} 起（${categoriesOf(ms)}）`,
              ms.map((m) => m.id),
            ),
          );
        }

        const s: SubjectRef = { type: 'enterprise', id: ent };
        return makeSignal({
          key: `enterprise:${ent}`,
          window: 'open',
          title: `${maskedName(s, ms) ?? '某企业'}存在涉众经济风险（约${claimants}人）`,
          areaCode: ms.length ? mostSpecificArea(ms) : changed[0]!.areaCode,
          point: latestPoint(ms),
          subjects: signalSubjects([s], mine, ms),
          factors,
        });
      }),
    );
  },
});

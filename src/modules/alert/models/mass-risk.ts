import { sql } from 'kysely';
import { z } from 'zod';
import { defineModel, type Factor, isoWeek } from '../runtime/model.ts';
import {
  areaLevel,
  areaNames,
  CATEGORY_NAMES,
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
  type MatterInfo,
  makeSignal,
  maskedName,
  mostSpecificArea,
  partiesGrouped,
  partiesIn,
  pushTo,
  quote,
  rows,
  type SubjectRef,
  signalSubjects,
  ts,
  wordList,
  worthRaising,
} from './shared.ts';
import { MASS_WORDS } from './words.ts';

const Params = z.strictObject({
  /** How far back reports about the same enterprise or place count ("a short time"). */
  windowDays: int(1, 90),
  /** People involved (the most any report names, or the distinct persons linked, whichever is more). */
  peopleThreshold: int(2, 1000),
  peopleWeight: int(0, 100),
  largePeople: int(3, 100_000),
  largePeopleWeight: int(0, 100),
  /** Reports about one enterprise, or of one category at one place, within the window. */
  minReports: int(2, 100),
  reportsWeight: int(0, 100),
  perExtraReportWeight: int(0, 50),
  maxReportsWeight: int(0, 100),
  massWords: wordList(),
  wordsWeight: int(0, 100),
  /** Categories where crowds gather (wages, demolition, pollution, property management…). */
  categories: categoryList(),
  categoryWeight: int(0, 100),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  windowDays: 7,
  peopleThreshold: 5,
  peopleWeight: 30,
  largePeople: 30,
  largePeopleWeight: 50,
  minReports: 3,
  reportsWeight: 30,
  perExtraReportWeight: 10,
  maxReportsWeight: 50,
  massWords: MASS_WORDS,
  wordsWeight: 20,
  categories: ['labour', 'expropriation', 'environment', 'property_mgmt', 'business', 'consumer'],
  categoryWeight: 10,
};

type Place =
  | { kind: 'enterprise'; key: string; enterprise: SubjectRef }
  | { kind: 'h3'; key: string; cell: string; category: string }
  | { kind: 'area'; key: string; village: string; category: string }
  | { kind: 'matter'; key: string; matter: MatterInfo };

/**
 * 群体性风险 (no 3): many people in one dispute, or many similar reports about one enterprise or one place in a
 * short time. A dispute is grouped by its enterprise party if it has one, else by its village or grid's village
 * (same category), else — placed only at a town or above — by its h3 cell (same category), else it stands alone.
 */
export const massRisk = defineModel<Params>({
  code: 'mass_risk',
  no: 3,
  name: { zh: '群体性风险', en: 'Mass incident risk' },
  description: {
    zh:
      '纠纷涉及人数多（单起人数或可识别当事人达到阈值，默认5人、30人以上加重），或短时间内（默认7天）针对同一企业、' +
      '同一地点（同一h3网格单元或同一村社区的同类纠纷）的报送集中（默认3起以上），文本出现讨薪、围堵、拉横幅、集访等用语，' +
      '属劳动、征地拆迁、环境、物业等易聚集类别，各按权重计分。',
    en:
      'Many people in a dispute (5 by default, 30 or more weighs more), or many reports within days (7 by default) ' +
      'about one enterprise or one place (the same h3 cell or village, same category; 3 or more by default), words ' +
      'of gathering (wage arrears, blocking, banners, group petitions) and categories where crowds gather.',
  },
  kind: 'streaming',
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const changed = await changedMatters(ctx);
    if (!changed.length) return [];
    const changedParties = await partiesGrouped(
      ctx.db,
      changed.map((m) => m.id),
      ctx.memo,
    );
    const places = new Map<string, Place>();
    for (const m of changed) {
      const ents = (changedParties.get(m.id) ?? []).filter((x) => x.type === 'enterprise');
      const category = m.category ?? 'other';
      if (ents.length) {
        for (const e of ents) {
          const key = `enterprise:${e.id}`;
          places.set(key, { kind: 'enterprise', key, enterprise: { type: 'enterprise', id: e.id } });
        }
      } else if (areaLevel(m.areaCode) >= 4) {
        const village = m.areaCode.slice(0, 12);
        const key = `area:${village}:${category}`;
        places.set(key, { kind: 'area', key, village, category });
      } else if (m.h3) {
        const key = `h3:${m.h3}:${category}`;
        places.set(key, { kind: 'h3', key, cell: m.h3, category });
      } else {
        places.set(`matter:${m.id}`, { kind: 'matter', key: `matter:${m.id}`, matter: m });
      }
    }
    const list = [...places.values()];
    const now = ts(ctx.now);
    const from = ts(daysBefore(ctx.now, p.windowDays));
    const ents = list.flatMap((x) => (x.kind === 'enterprise' ? [x.enterprise.id] : []));
    const cells = list.flatMap((x) => (x.kind === 'h3' ? [x.cell] : []));
    const villages = list.flatMap((x) => (x.kind === 'area' ? [x.village] : []));
    const cats = list.flatMap((x) => (x.kind === 'area' ? [x.category] : []));
    const members = new Map<string, string[]>();
    const add = (key: string, id: string) => pushTo(members, key, id);
    if (ents.length) {
      const found = await rows(
        ctx.db,
        sql<{ ent: string; id: string }>`
          select distinct p.subject_id::text as ent, m.id::text as id
          from matter_parties p join matters m on m.id = p.matter_id
          where p.subject_type = 'enterprise' and p.subject_id = any(${ents}::bigint[])
            and p.matter_at <= ${now} and p.matter_at > ${from}
            and m.type = 'dispute' and m.created_at <= ${now} and m.created_at > ${from}`,
      );
      for (const r of found) add(`enterprise:${r.ent}`, r.id);
    }
    if (cells.length) {
      const found = await rows(
        ctx.db,
        sql<{ h3: string; category: string | null; id: string }>`
          select m.h3, m.category, m.id::text as id from matters m
          where m.h3 = any(${cells}::text[])
            and m.type = 'dispute' and m.created_at <= ${now} and m.created_at > ${from}`,
      );
      for (const r of found) add(`h3:${r.h3}:${r.category ?? 'other'}`, r.id);
    }
    if (villages.length) {
      const found = await rows(
        ctx.db,
        sql<{ village: string; category: string | null; id: string }>`
          select left(m.area_code, 12) as village, m.category, m.id::text as id from matters m
          where m.type = 'dispute' and m.category = any(${[...new Set(cats)]}::text[])
            and m.created_at <= ${now} and m.created_at > ${from}
            and left(m.area_code, 12) = any(${villages}::text[])`,
      );
      for (const r of found) add(`area:${r.village}:${r.category ?? 'other'}`, r.id);
    }
    for (const x of list) if (x.kind === 'matter') add(x.key, x.matter.id);

    const ids = [...new Set([...members.values()].flat())];
    const matters = await loadMatters(ctx.db, ids, ctx.now, {}, ctx.memo);
    const parties = await partiesGrouped(ctx.db, ids, ctx.memo);
    const byId = new Map(matters.map((m) => [m.id, m]));
    const names = await areaNames(ctx.db, villages);

    return worthRaising(
      list.flatMap((x) => {
        const ms = latestFirst((members.get(x.key) ?? []).flatMap((id) => byId.get(id) ?? []));
        if (!ms.length) return [];
        const mine = partiesIn(
          parties,
          ms.map((m) => m.id),
        );
        const factors: Factor[] = [];

        const maxPeople = Math.max(...ms.map((m) => m.peopleInvolved));
        const persons = new Set(mine.filter((q) => q.type === 'person').map((q) => q.id)).size;
        const people = Math.max(maxPeople, persons);
        if (people >= p.peopleThreshold) {
          const large = people >= p.largePeople;
          factors.push(
            factor(
              large ? 'many_people_large' : 'many_people',
              {
                zh: large ? '涉及人数众多' : '涉及人数较多',
                en: large ? 'A crowd involved' : 'Many people involved',
              },
              large ? p.largePeopleWeight : p.peopleWeight,
              `涉及约 ${people} 人（单起纠纷最多 ${maxPeople} 人，可识别当事人 ${persons} 人）`,
              ms
                .filter((m) => m.peopleInvolved >= p.peopleThreshold || persons >= p.peopleThreshold)
                .map((m) => m.id),
            ),
          );
        }

        if (x.kind !== 'matter' && ms.length >= p.minReports) {
          const what =
            x.kind === 'enterprise' ? '同一企业' : `同一地点的${CATEGORY_NAMES[x.category] ?? ''}纠纷`;
          factors.push(
            factor(
              'many_reports',
              { zh: '短期集中报送', en: 'Many reports within days' },
              Math.min(
                p.maxReportsWeight,
                p.reportsWeight + (ms.length - p.minReports) * p.perExtraReportWeight,
              ),
              `${p.windowDays} 天内涉及${what}的纠纷 ${ms.length} 起`,
              ms.map((m) => m.id),
            ),
          );
        }

        const words: string[] = [];
        const withWords: string[] = [];
        for (const m of ms) {
          const w = findWords(m.text, p.massWords);
          if (!w.length) continue;
          withWords.push(m.id);
          for (const v of w) if (!words.includes(v)) words.push(v);
        }
        if (words.length && p.wordsWeight) {
          factors.push(
            factor(
              'mass_words',
              { zh: '聚集性言语', en: 'Words of gathering' },
              p.wordsWeight,
              `文本含${quote(words)}`,
              withWords,
            ),
          );
        }

        const inCategory = ms.filter((m) => m.category !== null && p.categories.includes(m.category));
        if (inCategory.length && p.categoryWeight) {
          factors.push(
            factor(
              'mass_category',
              { zh: '易聚集类别', en: 'Category where crowds gather' },
              p.categoryWeight,
              `纠纷类别：${categoriesOf(inCategory)}`,
              inCategory.map((m) => m.id),
            ),
          );
        }

        const areaCode = mostSpecificArea(ms);
        let title: string;
        if (x.kind === 'enterprise') {
          const name = maskedName(x.enterprise, ms) ?? '某企业';
          title = `涉${name}纠纷${ms.length}起、约${people}人，存在群体性风险`;
        } else if (x.kind === 'matter') {
          title = `一起${categoriesOf(ms)}纠纷涉及约${people}人，存在群体性风险`;
        } else {
          const place = x.kind === 'area' ? (names.get(x.village) ?? '同一村社区') : '同一网格单元';
          title = `${place}${p.windowDays}天内${CATEGORY_NAMES[x.category] ?? ''}纠纷${ms.length}起，存在群体性风险`;
        }
        return [
          makeSignal({
            key: x.key,
            // A place's cluster is an episode of its week; an enterprise or a dispute keeps one alert.
            window: x.kind === 'h3' || x.kind === 'area' ? isoWeek(ctx.now) : 'open',
            title,
            areaCode,
            point: latestPoint(ms),
            subjects: x.kind === 'enterprise' ? signalSubjects([x.enterprise], mine, ms) : [],
            factors,
          }),
        ];
      }),
    );
  },
});

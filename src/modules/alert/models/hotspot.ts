import { cellToLatLng, cellToParent, getResolution, isValidCell } from 'h3-js';
import { sql } from 'kysely';
import { z } from 'zod';
import { DEFAULT_LEVELS, defineModel, isoWeek, type Signal } from '../runtime/model.ts';
import { poissonTailLog10 } from './poisson.ts';
import {
  categoryList,
  codeList,
  DAY_MS,
  factor,
  int,
  makeSignal,
  mostSpecificArea,
  pushTo,
  recordIds,
  rows,
  ts,
  worthRaising,
} from './shared.ts';

const Params = z.strictObject({
  /** Matter types counted (disputes by default). */
  matterTypes: codeList(20).min(1),
  /** Only these categories (empty: all). */
  categories: categoryList(),
  /** Where to count: villages/communities (grids count in their village) and h3 cells. */
  units: z
    .array(z.enum(['area', 'h3']))
    .min(1)
    .max(2),
  /** The baseline: this many weeks before the last 7 days. */
  baselineWeeks: int(4, 26),
  /** At least this many in the last 7 days before a place is tested at all. */
  minCount: int(2, 1000),
  /** Score = pointsPerDecade × −log10(p): with 10, p = 10⁻⁴ is 40 (yellow), 10⁻⁶ orange, 10⁻⁸ red. */
  pointsPerDecade: int(1, 50),
  /** The h3 resolution places are counted at (the matters' own cells are resolution 9). */
  h3Resolution: int(5, 9),
  /** At most this many signals per evaluation, the highest scores first. */
  maxSignals: int(1, 5000),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  matterTypes: ['dispute'],
  categories: [],
  units: ['area', 'h3'],
  baselineWeeks: 12,
  minCount: 5,
  pointsPerDecade: 10,
  h3Resolution: 8,
  maxSignals: 500,
};

interface Count {
  unit: string;
  k: number;
  base: number;
}

const format = (p: number) => (p >= 0.001 ? p.toFixed(4) : p.toExponential(1));

/**
 * 热点区域 (no 6): a village or an h3 cell whose count of the last 7 days is improbable under its own baseline.
 * With n matters in the W baseline weeks, the expected weekly count is λ = (n + 1) / W — one added so that a
 * place with an empty baseline is not infinitely surprised by its first matters — and p = P(X ≥ k) for
 * X ~ Poisson(λ) (see poisson.ts).
 */
export const hotspot = defineModel<Params>({
  code: 'hotspot',
  no: 6,
  name: { zh: '热点区域', en: 'Hot spots' },
  description: {
    zh:
      '每小时统计各村（社区，网格并入所属村社区）和各h3网格单元近7天的矛盾纠纷数，与其自身前12周的基线比较：' +
      '基线每周期望数 λ =（基线总数+1）÷ 周数，按泊松分布计算本周达到该数的概率 p，近7天不少于5起且 p 足够小即预警，' +
      '分数 = 10 × (−log10 p)（p 为万分之一得40分黄色，百万分之一60分橙色，亿分之一80分红色）。预警窗口为自然周。',
    en:
      'Every hour, the disputes of the last 7 days in each village (grids count in their village) and each h3 cell ' +
      'are compared with the place’s own previous 12 weeks: expected weekly count λ = (baseline + 1) / weeks, and ' +
      'p = P(X ≥ count) for a Poisson(λ). With at least 5 in the 7 days, the score is 10 × −log10 p (p = 10⁻⁴ is ' +
      'yellow, 10⁻⁶ orange, 10⁻⁸ red). One alert per place and ISO week.',
  },
  kind: 'periodic',
  intervalMs: 3_600_000,
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const now = ctx.now;
    const weekStart = new Date(now.getTime() - 7 * DAY_MS);
    const baseStart = new Date(weekStart.getTime() - p.baselineWeeks * 7 * DAY_MS);
    const where = sql`m.type = any(${p.matterTypes}::text[])
      ${p.categories.length ? sql`and m.category = any(${p.categories}::text[])` : sql``}
      and m.created_at <= ${ts(now)} and m.created_at > ${ts(baseStart)}`;
    const inWeek = sql`m.created_at > ${ts(weekStart)}`;
    const window = isoWeek(now);

    const judge = (c: Count) => {
      const lambda = (c.base + 1) / p.baselineWeeks;
      const log10p = poissonTailLog10(c.k, lambda);
      return { ...c, lambda, log10p, score: Math.min(100, Math.round(-log10p * p.pointsPerDecade)) };
    };
    const candidates: (ReturnType<typeof judge> & { kind: 'area' | 'h3' })[] = [];

    if (p.units.includes('area')) {
      const counts = await rows(
        ctx.db,
        sql<Count>`
          select left(m.area_code, 12) as unit,
                 count(*) filter (where ${inWeek})::int as k,
                 count(*) filter (where not (${inWeek}))::int as base
          from matters m
          where ${where} and substr(m.area_code, 10, 3) <> '000'
          group by 1
          having count(*) filter (where ${inWeek}) >= ${p.minCount}`,
      );
      for (const c of counts) candidates.push({ ...judge(c), kind: 'area' });
    }

    const children = new Map<string, string[]>();
    if (p.units.includes('h3')) {
      const cells = await rows(
        ctx.db,
        sql<Count>`
          select m.h3 as unit,
                 count(*) filter (where ${inWeek})::int as k,
                 count(*) filter (where not (${inWeek}))::int as base
          from matters m
          where ${where} and m.h3 is not null
          group by 1`,
      );
      const parents = new Map<string, Count>();
      for (const c of cells) {
        if (!isValidCell(c.unit)) continue;
        const parent = getResolution(c.unit) > p.h3Resolution ? cellToParent(c.unit, p.h3Resolution) : c.unit;
        const x = parents.get(parent) ?? { unit: parent, k: 0, base: 0 };
        x.k += c.k;
        x.base += c.base;
        parents.set(parent, x);
        pushTo(children, parent, c.unit);
      }
      for (const c of parents.values()) if (c.k >= p.minCount) candidates.push({ ...judge(c), kind: 'h3' });
    }

    const chosen = candidates
      .filter((c) => c.score >= DEFAULT_LEVELS.yellow)
      .sort((a, b) => b.score - a.score)
      .slice(0, p.maxSignals);
    if (!chosen.length) return [];

    // The matters of the last 7 days behind each chosen place, newest first.
    const villages = chosen.filter((c) => c.kind === 'area').map((c) => c.unit);
    const cellList = chosen.filter((c) => c.kind === 'h3').flatMap((c) => children.get(c.unit) ?? []);
    const week = await rows(
      ctx.db,
      sql<{ id: string; area_code: string; h3: string | null; created_at: Date | string }>`
        select m.id::text as id, m.area_code, m.h3, m.created_at from matters m
        where ${where} and ${inWeek}
          and (left(m.area_code, 12) = any(${villages}::text[]) or m.h3 = any(${cellList}::text[]))
        order by m.created_at desc, m.id desc`,
    );
    const places = await rows(
      ctx.db,
      sql<{ code: string; name: string; center_lng: number | null; center_lat: number | null }>`
        select code, name, center_lng, center_lat from areas
        where code = any(${[...new Set([...villages, ...week.map((w) => w.area_code)])]}::text[])`,
    );
    const area = new Map(places.map((a) => [a.code, a]));

    const signals: Signal[] = chosen.map((c) => {
      const mine = week.filter((w) =>
        c.kind === 'area'
          ? w.area_code.slice(0, 12) === c.unit
          : w.h3 !== null && (children.get(c.unit) ?? []).includes(w.h3),
      );
      const areaCode =
        c.kind === 'area'
          ? c.unit
          : mostSpecificArea(mine.map((w) => ({ areaCode: w.area_code, createdAt: new Date(w.created_at) })));
      let point: { lng: number; lat: number } | null = null;
      if (c.kind === 'h3') {
        const [lat, lng] = cellToLatLng(c.unit);
        point = { lng, lat };
      } else {
        const a = area.get(c.unit);
        if (a?.center_lng != null && a.center_lat != null) point = { lng: a.center_lng, lat: a.center_lat };
      }
      const p10 = 10 ** c.log10p;
      const rate = (c.base / p.baselineWeeks).toFixed(1);
      const name = area.get(areaCode)?.name ?? '';
      return makeSignal({
        key: `${c.kind}:${c.unit}`,
        window,
        title:
          c.kind === 'area'
            ? `${name || '某村社区'}近7天矛盾纠纷异常增多（${c.k}起）`
            : `${name ? `${name}一带` : '某地块'}（h3网格单元）近7天矛盾纠纷异常增多（${c.k}起）`,
        areaCode,
        point,
        subjects: [],
        factors: [
          factor(
            'poisson_anomaly',
            { zh: '数量异常（泊松检验）', en: 'Unusual count (Poisson test)' },
            c.score,
            `近 7 天 ${c.k} 起；此前 ${p.baselineWeeks} 周共 ${c.base} 起（每周约 ${rate} 起）；` +
              `按泊松分布（λ=${c.lambda.toFixed(2)}），达到 ${c.k} 起的概率约 ${format(p10)}`,
            recordIds(mine.map((w) => w.id)),
          ),
        ],
      });
    });
    return worthRaising(signals);
  },
});

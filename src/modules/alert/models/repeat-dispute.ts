import { z } from 'zod';
import { defineModel, type Factor } from '../runtime/model.ts';
import {
  categoriesOf,
  factor,
  gatherUnits,
  int,
  latestPoint,
  makeSignal,
  mostSpecificArea,
  namesOf,
  RESOLVED_STATES,
  signalSubjects,
  whoOf,
  worthRaising,
} from './shared.ts';

const Params = z.strictObject({
  /** The same parties in at least `minCount` disputes within `windowDays` days. */
  minCount: int(2, 50),
  windowDays: int(7, 1095),
  /** Points at `minCount` disputes, and for each one more, up to `maxRepeatWeight`. */
  baseWeight: int(0, 100),
  perExtraWeight: int(0, 50),
  maxRepeatWeight: int(0, 100),
  /** At least two of those disputes still open and not resolved. */
  openWeight: int(0, 100),
  /** Reported by at least `minSources` different departments. */
  minSources: int(2, 23),
  sourcesWeight: int(0, 100),
  maxParties: int(2, 20),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  minCount: 3,
  windowDays: 90,
  baseWeight: 40,
  perExtraWeight: 10,
  maxRepeatWeight: 70,
  openWeight: 15,
  minSources: 3,
  sourcesWeight: 10,
  maxParties: 6,
};

/** 重复纠纷 (no 2): the same parties again and again. */
export const repeatDispute = defineModel<Params>({
  code: 'repeat_dispute',
  no: 2,
  name: { zh: '重复纠纷', en: 'Repeated disputes' },
  description: {
    zh:
      '同一组当事人（两两组合；只能识别一方时按该当事人）在设定天数内（默认90天）发生纠纷达到设定起数（默认3起）即预警，' +
      '起数越多分数越高；其中两起以上仍未化解、或由三个以上部门分别报送的，另加分。',
    en:
      'The same parties (each pair, or the one party that could be identified) in at least N disputes (default 3) ' +
      'within M days (default 90). More disputes score higher; two or more still unresolved, or reports from three ' +
      'or more departments, add to it.',
  },
  kind: 'streaming',
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const units = await gatherUnits(ctx, {
      lookbackDays: p.windowDays,
      types: ['person', 'enterprise'],
      maxParties: p.maxParties,
    });
    return worthRaising(
      units
        .filter((u) => u.matters.length >= p.minCount)
        .map((u) => {
          const ms = u.matters;
          const who = whoOf(u);
          const factors: Factor[] = [
            factor(
              'repeat_disputes',
              { zh: '反复纠纷', en: 'Repeated disputes' },
              Math.min(p.maxRepeatWeight, p.baseWeight + (ms.length - p.minCount) * p.perExtraWeight),
              `${who}近 ${p.windowDays} 天内发生纠纷 ${ms.length} 起（${categoriesOf(ms)}）`,
              ms.map((m) => m.id),
            ),
          ];
          const open = ms.filter((m) => m.open && !RESOLVED_STATES.includes(m.status));
          if (open.length >= 2 && p.openWeight) {
            factors.push(
              factor(
                'still_open',
                { zh: '多起未化解', en: 'Several still unresolved' },
                p.openWeight,
                `其中 ${open.length} 起尚未化解`,
                open.map((m) => m.id),
              ),
            );
          }
          const sources = new Set(ms.flatMap((m) => m.records.map((r) => r.source)));
          if (sources.size >= p.minSources && p.sourcesWeight) {
            factors.push(
              factor(
                'many_sources',
                { zh: '多部门报送', en: 'Reported by several departments' },
                p.sourcesWeight,
                `由 ${sources.size} 个部门或渠道分别报送`,
                ms.filter((m) => m.records.length).map((m) => m.id),
              ),
            );
          }
          return makeSignal({
            key: u.key,
            window: 'open',
            title: `${namesOf(u.subjects, ms)}${p.windowDays}天内发生${ms.length}起纠纷`,
            areaCode: mostSpecificArea(ms),
            point: latestPoint(ms),
            subjects: signalSubjects(u.subjects, u.parties, ms),
            factors,
          });
        }),
    );
  },
});

import { sql } from 'kysely';
import { z } from 'zod';
import { defineModel, type Factor } from '../runtime/model.ts';
import {
  codeList,
  DAY_MS,
  daysBetween,
  factor,
  int,
  makeSignal,
  partiesOf,
  ROLE_NAMES,
  rows,
  ts,
  worthRaising,
} from './shared.ts';

const Params = z.strictObject({
  /** Matter types that are safety hazards (`hazard`, src/modules/hazard). */
  hazardTypes: codeList(20).min(1),
  /** Past its deadline by at least this many days. */
  minOverdueDays: int(0, 365),
  overdueWeight: int(0, 100),
  perWeekOverdueWeight: int(0, 50),
  maxOverdueWeight: int(0, 100),
  urgentWeight: int(0, 100),
  extraUrgentWeight: int(0, 100),
  superviseActions: codeList(10),
  superviseWeight: int(0, 100),
  maxSignals: int(1, 10_000),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  hazardTypes: ['hazard'],
  minOverdueDays: 0,
  overdueWeight: 40,
  perWeekOverdueWeight: 5,
  maxOverdueWeight: 70,
  urgentWeight: 15,
  extraUrgentWeight: 30,
  superviseActions: ['supervise'],
  superviseWeight: 10,
  maxSignals: 1000,
};

interface Row {
  id: string;
  area_code: string;
  due_at: Date | string;
  urgency: string;
  lng: number | null;
  lat: number | null;
  supervised: number;
}

/**
 * 隐患超期 (no 12): safety hazards not rectified by their deadline. It reads the matter types named in
 * `hazardTypes` — by default `hazard`, the 问题隐患 of src/modules/hazard — whose due_at is the "3030" clock
 * the hazard module keeps: the 30-minute response while 上报 awaits 交办, then one 30-day rectification
 * deadline from 交办 to 验收通过 (docs/HAZARDS.md).
 */
export const hazardOverdue = defineModel<Params>({
  code: 'hazard_overdue',
  no: 12,
  name: { zh: '隐患超期', en: 'Hazards past their deadline' },
  description: {
    zh:
      '每小时检查设为“隐患”类型的事项：整改期限已过仍未办结即预警（超期即40分黄色，每超一周加5分，最多70分）；' +
      '紧急、特急隐患和已被督办的另加分。每条隐患一条预警。',
    en:
      'Every hour, matters of the hazard types: past their deadline and not closed (40, yellow, at once; 5 more ' +
      'per week overdue, up to 70); urgent and extra-urgent hazards and supervision add more. One alert per hazard.',
  },
  kind: 'periodic',
  intervalMs: 3_600_000,
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const now = ts(ctx.now);
    const found = await rows(
      ctx.db,
      sql<Row>`
        select m.id::text as id, m.area_code, m.due_at, m.urgency, m.lng, m.lat,
               (select count(*) from matter_timeline t
                where t.matter_id = m.id and t.at <= ${now}
                  and t.action = any(${p.superviseActions}::text[]))::int as supervised
        from matters m
        where m.type = any(${p.hazardTypes}::text[]) and m.created_at <= ${now}
          and m.due_at < ${ts(new Date(ctx.now.getTime() - p.minOverdueDays * DAY_MS))}
          and m.state_entered_at <= ${now}
          and not (m.closed and coalesce(m.closed_at, m.updated_at) <= ${now})
        order by m.due_at, m.id
        limit ${p.maxSignals}`,
    );
    const parties = await partiesOf(
      ctx.db,
      found.map((r) => r.id),
      ctx.memo,
    );
    return worthRaising(
      found.map((r) => {
        const days = daysBetween(new Date(r.due_at), ctx.now);
        const factors: Factor[] = [
          factor(
            'overdue',
            { zh: '逾期未整改', en: 'Not rectified in time' },
            Math.min(p.maxOverdueWeight, p.overdueWeight + Math.floor(days / 7) * p.perWeekOverdueWeight),
            `整改期限已过 ${days} 天仍未办结`,
            [r.id],
          ),
        ];
        const urgency =
          r.urgency === 'extra_urgent' ? p.extraUrgentWeight : r.urgency === 'urgent' ? p.urgentWeight : 0;
        if (urgency) {
          factors.push(
            factor(
              'urgent',
              { zh: '紧急隐患', en: 'Urgent hazard' },
              urgency,
              r.urgency === 'extra_urgent' ? '隐患等级为特急' : '隐患等级为紧急',
              [r.id],
            ),
          );
        }
        if (r.supervised && p.superviseWeight) {
          factors.push(
            factor(
              'supervised',
              { zh: '已被督办', en: 'Supervised' },
              p.superviseWeight,
              `已被督办（含超期自动提级）${r.supervised} 次`,
              [r.id],
            ),
          );
        }
        const seen = new Set<string>();
        return makeSignal({
          key: `matter:${r.id}`,
          window: 'open',
          title: `安全隐患逾期未整改（超期${days}天）`,
          areaCode: r.area_code,
          point: r.lng !== null && r.lat !== null ? { lng: r.lng, lat: r.lat } : null,
          subjects: parties
            .filter((x) => x.matterId === r.id)
            .filter((x) => !seen.has(`${x.type}:${x.id}`) && seen.add(`${x.type}:${x.id}`))
            .map((x) => ({ type: x.type, id: x.id, role: ROLE_NAMES[x.role] ?? x.role })),
          factors,
        });
      }),
    );
  },
});

import { sql } from 'kysely';
import { z } from 'zod';
import { DEFAULT_LEVELS, defineModel, type Factor, type Signal } from '../runtime/model.ts';
import {
  CATEGORY_NAMES,
  codeList,
  DAY_MS,
  daysBetween,
  factor,
  int,
  makeSignal,
  partiesOf,
  RESOLVED_STATES,
  ROLE_NAMES,
  rows,
  ts,
  worthRaising,
} from './shared.ts';

const Params = z.strictObject({
  matterTypes: codeList(20).min(1),
  /** Past its deadline by at least this many days. */
  minOverdueDays: int(0, 365),
  overdueWeight: int(0, 100),
  perWeekOverdueWeight: int(0, 50),
  maxOverdueWeight: int(0, 100),
  /** Timeline actions that return a matter (退回): at least `minReturns` of them. */
  returnActions: codeList(10),
  minReturns: int(1, 20),
  returnWeight: int(0, 100),
  maxReturnWeight: int(0, 100),
  /** Timeline actions that reopen a matter (重新研判). */
  reopenActions: codeList(10),
  reopenWeight: int(0, 100),
  maxReopenWeight: int(0, 100),
  /** Timeline actions of supervision (督办, including the clock's automatic escalation). */
  superviseActions: codeList(10),
  superviseWeight: int(0, 100),
  /** Open for more than this many days since it was reported. */
  openDays: int(1, 3650),
  openWeight: int(0, 100),
  /** At most this many signals per evaluation, the highest scores first. */
  maxSignals: int(1, 10_000),
});
type Params = z.infer<typeof Params>;

const defaults: Params = {
  matterTypes: ['dispute'],
  minOverdueDays: 1,
  overdueWeight: 20,
  perWeekOverdueWeight: 5,
  maxOverdueWeight: 50,
  returnActions: ['return'],
  minReturns: 2,
  returnWeight: 15,
  maxReturnWeight: 45,
  reopenActions: ['reassess'],
  reopenWeight: 20,
  maxReopenWeight: 40,
  superviseActions: ['supervise'],
  superviseWeight: 10,
  openDays: 60,
  openWeight: 15,
  maxSignals: 1000,
};

interface Row {
  id: string;
  category: string | null;
  area_code: string;
  created_at: Date | string;
  due_at: Date | string | null;
  lng: number | null;
  lat: number | null;
  returns: number;
  reopens: number;
  supervised: number;
  status: string;
}

/**
 * 久拖未决 (no 7): open disputes past their deadline, returned again and again, or reopened. Reads the whole
 * library each time (periodic), with one pass over the timeline's return/reassess/supervise entries.
 */
export const protracted = defineModel<Params>({
  code: 'protracted',
  no: 7,
  name: { zh: '久拖未决', en: 'Long unresolved' },
  description: {
    zh:
      '每小时检查全部未结纠纷：超过办理时限（超期越久分数越高）、被承办单位退回2次以上、化解不成后重新研判，' +
      '另有被督办、登记超过60天仍未结的加分；已化解待回访的不计。每起纠纷一条预警。',
    en:
      'Every hour, every open dispute: past its deadline (longer overdue scores higher), returned by the unit ' +
      'handling it twice or more, or reopened after it was not resolved; supervision and being open for more than ' +
      '60 days add to it. Disputes already resolved and awaiting follow-up do not count. One alert per dispute.',
  },
  kind: 'periodic',
  intervalMs: 3_600_000,
  params: Params,
  defaults,
  async evaluate(ctx) {
    const p = ctx.params;
    const now = ts(ctx.now);
    const overdueBefore = ts(new Date(ctx.now.getTime() - p.minOverdueDays * DAY_MS));
    const actions = [...p.returnActions, ...p.reopenActions, ...p.superviseActions];
    const found = await rows(
      ctx.db,
      sql<Row>`
        with tl as (
          select t.matter_id,
                 count(*) filter (where t.action = any(${p.returnActions}::text[]))::int as returns,
                 count(*) filter (where t.action = any(${p.reopenActions}::text[]))::int as reopens,
                 count(*) filter (where t.action = any(${p.superviseActions}::text[]))::int as supervised
          from matter_timeline t
          where t.at <= ${now} and t.action = any(${actions}::text[])
          group by t.matter_id
        )
        select m.id::text as id, m.category, m.area_code, m.created_at, m.due_at, m.lng, m.lat,
               coalesce(tl.returns, 0) as returns, coalesce(tl.reopens, 0) as reopens,
               coalesce(tl.supervised, 0) as supervised,
               coalesce((select t.to_status from matter_timeline t
                         where t.matter_id = m.id and t.at <= ${now} and t.to_status is not null
                         order by t.at desc, t.id desc limit 1), 'registered') as status
        from matters m left join tl on tl.matter_id = m.id
        where m.type = any(${p.matterTypes}::text[]) and m.created_at <= ${now}
          and not (m.closed and coalesce(m.closed_at, m.updated_at) <= ${now})
          and ((m.due_at < ${overdueBefore} and m.state_entered_at <= ${now}
                and (m.paused_at is null or m.deadline_state = 'overdue'))
               or coalesce(tl.returns, 0) >= ${p.minReturns}
               or coalesce(tl.reopens, 0) >= 1)`,
    );

    const judged = found
      .filter((r) => !RESOLVED_STATES.includes(r.status))
      .map((r) => {
        const createdAt = new Date(r.created_at);
        const factors: Factor[] = [];
        const parts: string[] = [];
        const dueAt = r.due_at === null ? null : new Date(r.due_at);
        const overdueDays = dueAt ? daysBetween(dueAt, ctx.now) : -1;
        if (dueAt && overdueDays >= p.minOverdueDays && dueAt < ctx.now) {
          parts.push(`超期${overdueDays}天`);
          factors.push(
            factor(
              'overdue',
              { zh: '超过办理时限', en: 'Past its deadline' },
              Math.min(
                p.maxOverdueWeight,
                p.overdueWeight + Math.floor(overdueDays / 7) * p.perWeekOverdueWeight,
              ),
              `当前环节已超过办理时限 ${overdueDays} 天`,
              [r.id],
            ),
          );
        }
        if (r.returns >= p.minReturns && p.returnWeight) {
          parts.push(`退回${r.returns}次`);
          factors.push(
            factor(
              'returned',
              { zh: '多次退回', en: 'Returned again and again' },
              Math.min(p.maxReturnWeight, r.returns * p.returnWeight),
              `被承办单位退回 ${r.returns} 次`,
              [r.id],
            ),
          );
        }
        if (r.reopens >= 1 && p.reopenWeight) {
          parts.push(`重新研判${r.reopens}次`);
          factors.push(
            factor(
              'reopened',
              { zh: '化解不成重新研判', en: 'Reopened' },
              Math.min(p.maxReopenWeight, r.reopens * p.reopenWeight),
              `化解不成后重新研判 ${r.reopens} 次`,
              [r.id],
            ),
          );
        }
        if (r.supervised >= 1 && p.superviseWeight) {
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
        const age = daysBetween(createdAt, ctx.now);
        if (age > p.openDays && p.openWeight) {
          factors.push(
            factor(
              'long_open',
              { zh: '长期未结', en: 'Open for long' },
              p.openWeight,
              `登记已 ${age} 天仍未办结`,
              [r.id],
            ),
          );
        }
        const category = r.category ? (CATEGORY_NAMES[r.category] ?? '') : '';
        return makeSignal({
          key: `matter:${r.id}`,
          window: 'open',
          title: `${category}纠纷久拖未决${parts.length ? `（${parts.join('、')}）` : ''}`,
          areaCode: r.area_code,
          point: r.lng !== null && r.lat !== null ? { lng: r.lng, lat: r.lat } : null,
          subjects: [],
          factors,
        });
      })
      .filter((s) => s.score >= DEFAULT_LEVELS.yellow)
      .sort((a, b) => b.score - a.score)
      .slice(0, p.maxSignals);

    // The parties, for the few signals kept.
    const parties = await partiesOf(
      ctx.db,
      judged.map((s) => s.key.slice('matter:'.length)),
      ctx.memo,
    );
    const withSubjects: Signal[] = judged.map((s) => {
      const id = s.key.slice('matter:'.length);
      const seen = new Set<string>();
      const subjects = parties
        .filter((x) => x.matterId === id)
        .filter((x) => !seen.has(`${x.type}:${x.id}`) && seen.add(`${x.type}:${x.id}`))
        .map((x) => ({ type: x.type, id: x.id, role: ROLE_NAMES[x.role] ?? x.role }));
      return { ...s, subjects };
    });
    return worthRaising(withSubjects);
  },
});

import { sql } from 'kysely';
import { escapeLike } from '../../core/access/scope.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { HAZARD_TYPE } from './hazard.workflow.ts';

/**
 * 重大隐患整改完成率 (the rectification rate of major hazards) and the records behind it. The definition is one
 * place for the hazard pages and the report (平安报表) alike:
 *
 *   reported  = hazards of the severity (default 重大) created in [from, to) whose area_code starts with
 *               areaPrefix;
 *   rectified = those of them now 销号 (status `closed`);
 *   rate      = rectified / reported, null when reported = 0 (无数据, never 0%).
 *
 * The caller has already checked the area scope (the prefix is the area the user chose within it).
 */
export interface HazardRateQuery {
  areaPrefix: string;
  from: Date;
  to: Date;
  severity?: 'general' | 'larger' | 'major';
}

const HAZARD_CLOSED = 'closed';

function base(db: DbOrTx, q: HazardRateQuery) {
  return db
    .selectFrom('matters')
    .where('type', '=', HAZARD_TYPE)
    .where(sql<boolean>`payload->>'severity' = ${q.severity ?? 'major'}`)
    .where('area_code', 'like', `${escapeLike(q.areaPrefix)}%`)
    .where('created_at', '>=', q.from)
    .where('created_at', '<', q.to);
}

export async function hazardRectification(
  db: DbOrTx,
  q: HazardRateQuery,
): Promise<{ reported: number; rectified: number; rate: number | null }> {
  const r = await base(db, q)
    .select([
      sql<string>`count(*)`.as('reported'),
      sql<string>`count(*) filter (where status = ${HAZARD_CLOSED})`.as('rectified'),
    ])
    .executeTakeFirstOrThrow();
  const reported = Number(r.reported);
  const rectified = Number(r.rectified);
  return { reported, rectified, rate: reported === 0 ? null : rectified / reported };
}

/** The records behind the figure (for drill-down), newest first. */
export async function hazardRectificationRecords(
  db: DbOrTx,
  q: HazardRateQuery,
  page: { limit: number; offset: number },
): Promise<{
  total: number;
  items: {
    id: string;
    number: string;
    title: string;
    status: string;
    closed: boolean;
    areaCode: string;
    createdAt: string;
  }[];
}> {
  const total = await base(db, q).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const rows = await base(db, q)
    .select(['id', 'number', 'title', 'status', 'closed', 'area_code', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.max(0, Math.min(page.limit, 1000)))
    .offset(Math.max(0, page.offset))
    .execute();
  return {
    total: Number(total.n),
    items: rows.map((r) => ({
      id: r.id,
      number: r.number,
      title: r.title,
      status: r.status,
      closed: r.closed,
      areaCode: r.area_code,
      createdAt: r.created_at.toISOString(),
    })),
  };
}

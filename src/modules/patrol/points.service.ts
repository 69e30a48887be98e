import { sql } from 'kysely';
import { type Actor, assertCan } from '../../core/access/actor.ts';
import { inScopeSql, underAreaSql } from '../../core/access/scope.ts';
import { audit } from '../../core/audit/audit.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { type LeaderboardQuery, RULE_CODES } from './patrol.schema.ts';
import { pdb } from './patrol.tables.ts';
import { findTeamRow } from './teams.service.ts';

type RuleCode = (typeof RULE_CODES)[number];

export const RULE_NAMES: Record<RuleCode, { zh: string; en: string }> = {
  session: { zh: '完成一次巡逻（每人次）', en: 'A patrol completed (per person-time)' },
  checkpoint: { zh: '到达一个打卡点（每人）', en: 'A check point reached (per member)' },
  finding_confirmed: { zh: '发现转事项并被受理（每人）', en: 'A finding accepted as a matter (per member)' },
};

/** A finding counts as confirmed once its matter was accepted: neither still 待受理 nor 不予受理. */
export const UNCONFIRMED_STATES = ['reported', 'rejected'];

export async function getRules(db: DbOrTx) {
  const rows = await pdb(db).selectFrom('patrol_point_rules').select(['code', 'points']).execute();
  const by = new Map(rows.map((r) => [r.code, r.points]));
  return RULE_CODES.map((code) => ({ code, name: RULE_NAMES[code], points: by.get(code) ?? 0 }));
}

/** Changes the points (those who configure: matter:configure). Applies to every period: points are derived. */
export async function setRules(tx: DbOrTx, actor: Actor, rules: { code: RuleCode; points: number }[]) {
  assertCan(actor, 'matter:configure');
  const before = await getRules(tx);
  const codes = new Set(rules.map((r) => r.code));
  if (codes.size !== rules.length) {
    throw new AppError('VALIDATION_FAILED', '积分规则重复 / A rule is listed twice', [
      { path: 'rules', message: 'duplicate code' },
    ]);
  }
  for (const r of rules) {
    await pdb(tx)
      .updateTable('patrol_point_rules')
      .set({ points: r.points, updated_at: new Date(), updated_by: actor.id })
      .where('code', '=', r.code)
      .execute();
  }
  await audit(tx, actor, {
    action: 'patrol.rules',
    entityType: 'patrol_point_rules',
    oldValues: Object.fromEntries(before.map((r) => [r.code, r.points])),
    newValues: Object.fromEntries(rules.map((r) => [r.code, r.points])),
  });
  return getRules(tx);
}

/** Today and the first of this month, China time, as YYYY-MM-DD. */
function cstDay(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * 积分排行: teams ranked (or the members of one team), over a period of China-time days, within the actor's
 * scope. Derived from the records every time — sessions ended in the period (by their start), their members
 * (人次), their check-ins and their findings whose matter was accepted — so that it always equals a direct
 * count. Each member of a session earns the session's points; a team's points are its members' sum.
 */
export async function leaderboard(db: DbOrTx, actor: Actor, q: LeaderboardQuery, now = new Date()) {
  assertCan(actor, 'subject:read');
  const to = q.to ?? cstDay(now);
  const from = q.from ?? `${to.slice(0, 7)}-01`;
  if (from > to) {
    throw new AppError('INVALID_TIME_RANGE', '开始日期晚于结束日期 / The period starts after it ends', [
      { path: 'from', code: 'INVALID_TIME_RANGE', message: `${from} > ${to}` },
    ]);
  }
  const start = new Date(`${from}T00:00:00+08:00`);
  const end = new Date(new Date(`${to}T00:00:00+08:00`).getTime() + 86_400_000);
  let team: { id: string } | null = null;
  if (q.by === 'member') {
    if (!q.teamId) {
      throw new AppError('VALIDATION_FAILED', '按队员排行须指定队伍 / Choose a team to rank its members', [
        { path: 'teamId', message: 'required with by=member' },
      ]);
    }
    team = await findTeamRow(db, actor, q.teamId);
  }
  const rules = await getRules(db);
  const pts = Object.fromEntries(rules.map((r) => [r.code, r.points])) as Record<RuleCode, number>;
  const area = q.areaCode ? sql`and ${underAreaSql(q.areaCode, 's.area_code')}` : sql``;
  const teamCond = team ? sql`and s.team_id = ${team.id}` : sql``;
  const perMember = sql`
    s as (
      select s.id, s.team_id from patrol_sessions s
      where s.ended_at is not null and s.started_at >= ${start} and s.started_at < ${end}
        and ${inScopeSql(actor, 's.area_code')} ${area} ${teamCond}
    ),
    c as (
      select session_id, count(*) as n from patrol_checkins where session_id in (select id from s) group by session_id
    ),
    f as (
      select f.session_id, count(*) as n,
        count(*) filter (where m.status not in (${sql.join(UNCONFIRMED_STATES)})) as k
      from patrol_findings f join matters m on m.id = f.matter_id
      where f.session_id in (select id from s) group by f.session_id
    ),
    pm as (
      select sm.member_id, s.team_id, count(*) as sessions, coalesce(sum(c.n), 0) as checkins,
        coalesce(sum(f.n), 0) as findings, coalesce(sum(f.k), 0) as confirmed
      from s join patrol_session_members sm on sm.session_id = s.id
        left join c on c.session_id = s.id left join f on f.session_id = s.id
      group by sm.member_id, s.team_id
    )`;
  const score = sql`(sessions * ${pts.session} + checkins * ${pts.checkpoint} + confirmed * ${pts.finding_confirmed})`;
  type Row = {
    id: string;
    name: string;
    team_name: string | null;
    area_code: string;
    area_name: string | null;
    sessions: string;
    checkins: string;
    findings: string;
    confirmed: string;
    points: string;
  };
  const rows =
    team !== null
      ? await sql<Row>`with ${perMember},
          r as (
            select m.id, m.name, t.name as team_name, m.area_code, a.name as area_name,
              coalesce(pm.sessions, 0) as sessions, coalesce(pm.checkins, 0) as checkins,
              coalesce(pm.findings, 0) as findings, coalesce(pm.confirmed, 0) as confirmed
            from patrol_members m join patrol_teams t on t.id = m.team_id
              left join areas a on a.code = m.area_code
              left join pm on pm.member_id = m.id
            where m.team_id = ${team.id}
          )
          select r.*, ${score} as points from r
          order by points desc, sessions desc, id limit ${q.limit}`.execute(db)
      : await sql<Row>`with ${perMember},
          r as (
            select t.id, t.name, null as team_name, t.area_code, a.name as area_name,
              sum(pm.sessions) as sessions, sum(pm.checkins) as checkins,
              sum(pm.findings) as findings, sum(pm.confirmed) as confirmed
            from pm join patrol_teams t on t.id = pm.team_id left join areas a on a.code = t.area_code
            group by t.id, t.name, t.area_code, a.name
          )
          select r.*, ${score} as points from r
          order by points desc, sessions desc, id limit ${q.limit}`.execute(db);
  const totals = await sql<{ person_times: string | null; sessions: string; points: string | null }>`
    with ${perMember}
    select (select sum(sessions) from pm) as person_times, (select count(*) from s) as sessions,
      (select sum(${score}) from pm) as points`.execute(db);
  const t = totals.rows[0]!;
  return {
    from,
    to,
    rules,
    totals: {
      personTimes: Number(t.person_times ?? 0),
      sessions: Number(t.sessions),
      points: Number(t.points ?? 0),
    },
    items: rows.rows.map((r, i) => ({
      rank: i + 1,
      id: String(r.id),
      name: r.name,
      teamName: r.team_name,
      areaCode: r.area_code,
      areaName: r.area_name,
      sessions: Number(r.sessions),
      checkins: Number(r.checkins),
      findings: Number(r.findings),
      confirmedFindings: Number(r.confirmed),
      points: Number(r.points),
    })),
  };
}

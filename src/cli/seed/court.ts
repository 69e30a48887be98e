import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { type Insertable, type Selectable, sql } from 'kysely';
import type { DbOrTx } from '../../core/db/database.ts';
import { generateMobile } from '../../core/subjects/codes.ts';
import { h3Of, type Point } from '../../core/subjects/common.ts';
import type { Vault } from '../../core/subjects/vault.ts';
import {
  type CourtBookingsTable,
  type CourtCourtsTable,
  type CourtFollowupsTable,
  type CourtReferralsTable,
  type CourtStationsTable,
  type CourtUsesTable,
  type CourtVisitsTable,
  kdb,
} from '../../modules/court/court.tables.ts';
import { LIAISON_AAD } from '../../modules/court/courts.service.ts';
import { CONTACT_AAD, VISIT_AAD } from '../../modules/court/stations.service.ts';
import { mulberry32 } from '../../shared/random.ts';
import type { SeedArea } from './demo.ts';

const INDUSTRY_COURTS = 40;

const GULOU = '330302006044';
const MOCHI = '330302006045';
const WUMA = '330302006000';

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞斌宇浩凯健俊帆帅旭宁瑶琳晨欣';
const SERVICES = [
  '在线诉讼',
  '司法确认',
  '调解指导',
  '法律咨询',
  '普法宣传',
  '诉前调解',
  '执行协助',
  '判后答疑',
];
const INDUSTRIES = [
  '鞋革',
  '服装',
  '眼镜',
  '电气',
  '物业',
  '金融',
  '劳动争议',
  '道路交通',
  '医疗',
  '婚姻家事',
];
const TITLES = ['心理咨询师', '社工', '心理辅导员', '志愿者', '驻站医生'];
const REASONS = [
  '纠纷调处后当事人情绪低落，建议心理疏导',
  '家庭矛盾反复，当事人有过激言语',
  '欠薪纠纷当事人焦虑失眠',
  '离婚纠纷中子女情绪受影响',
  '邻里纠纷多次激化，需情绪疏导',
  '极端情绪预警，需上门评估',
];
const VISIT_NOTES = [
  '初次面谈，来访者情绪较激动，倾听并进行情绪稳定化处理，约定下次会谈。',
  '电话随访，来访者睡眠有所改善，建议继续参加社区活动。',
  '上门走访，与家属沟通支持方案，风险评估为中等，纳入重点回访。',
  '团体辅导一次，来访者参与积极，情绪平稳。',
];

export interface CourtSeedSize {
  courts?: number | undefined;
  stations?: number | undefined;
}

export interface CourtSeedCounts {
  courts: number;
  stations: number;
  bookings: number;
  uses: number;
  referrals: number;
  visits: number;
}

/**
 * The shared courts and psychological stations of the demo (Wenzhou has 3,535 and 5,500: the demo's
 * DEFAULT_SIZE; none unless a size asks for them), placed at random points inside real villages
 * (courts: one per town, forty of trades, and one per village for most villages; stations: one per village
 * and a second or third in some), with liaisons and staff, bookings over the coming two weeks and past uses,
 * and referrals of the seeded disputes with visits and follow-ups (some overdue). Bulk inserts in the seed's
 * transaction; deterministic but for the bookings, which are placed around the real today so that the
 * calendar shows what is coming.
 */
export async function seedCourtDemo(
  tx: DbOrTx,
  vault: Vault,
  areas: SeedArea[],
  opts: { seed?: number | undefined; size?: CourtSeedSize | undefined; now?: Date | undefined } = {},
): Promise<CourtSeedCounts> {
  const rnd = mulberry32((opts.seed ?? 20261129) ^ 0x00c0_57a7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const person = () => pick([...SURNAMES]) + pick([...GIVEN]) + (rnd() < 0.5 ? pick([...GIVEN]) : '');
  const nCourts = opts.size?.courts ?? 0;
  const nStations = opts.size?.stations ?? 0;
  const now = opts.now ?? new Date();
  if (nCourts === 0 && nStations === 0) {
    return { courts: 0, stations: 0, bookings: 0, uses: 0, referrals: 0, visits: 0 };
  }
  const byCode = new Map(areas.map((a) => [a.code, a]));
  // When each court and station joined the registry: the roll-out from 2021 on, most of it in the first years
  // (so that 平安报表's registry counts grow over 数说五年 rather than all appearing today), a month before
  // the demo's "now" at the latest.
  const rollout = Date.UTC(2021, 0, 1);
  const rolledOut = () => new Date(rollout + (now.getTime() - 30 * 86_400_000 - rollout) * rnd() ** 1.6);
  const shuffle = <T>(xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  const pointIn = (a: SeedArea): Point | null => {
    if (!a.bbox || !a.geometry) return null;
    const [minX, minY, maxX, maxY] = a.bbox;
    for (let i = 0; i < 100; i++) {
      const p = { lng: minX + rnd() * (maxX - minX), lat: minY + rnd() * (maxY - minY) };
      if (booleanPointInPolygon([p.lng, p.lat], a.geometry))
        return { lng: round6(p.lng), lat: round6(p.lat) };
    }
    return { lng: round6((minX + maxX) / 2), lat: round6((minY + maxY) / 2) };
  };
  const district = (code: string) => byCode.get(`${code.slice(0, 6)}000000`)?.name ?? '温州市';

  const focus = [GULOU, MOCHI].map((c) => byCode.get(c)).filter((a): a is SeedArea => !!a);
  const villages = areas.filter((a) => a.level === 4 && !focus.includes(a));
  const towns = areas.filter((a) => a.level === 3);
  const wuma = towns.find((t) => t.code === WUMA);

  // 共享法庭: the focus villages and 五马 first (the demo logins' areas), then the towns, trades and villages.
  type Plan = { area: SeedArea; kind: 'town' | 'village' | 'industry'; trade?: string };
  const plans: Plan[] = [
    ...focus.map((area) => ({ area, kind: 'village' as const })),
    ...(wuma ? [{ area: wuma, kind: 'town' as const }] : []),
    ...towns.filter((t) => t !== wuma).map((area) => ({ area, kind: 'town' as const })),
    ...Array.from({ length: INDUSTRY_COURTS }, (_, i) => ({
      area: pick(towns),
      kind: 'industry' as const,
      trade: INDUSTRIES[i % INDUSTRIES.length]!,
    })),
    ...shuffle([...villages]).map((area) => ({ area, kind: 'village' as const })),
  ].slice(0, nCourts);
  const courtRows: Insertable<CourtCourtsTable>[] = plans.map((p) => {
    const pt = pointIn(p.area);
    const phone = generateMobile(rnd);
    const services = SERVICES.filter((_, i) => i < 2 || rnd() < 0.45);
    const name = `${p.area.name}${p.kind === 'industry' ? `${p.trade}行业` : ''}共享法庭`;
    return {
      name,
      kind: p.kind,
      area_code: p.area.code,
      address: `${p.area.name}${p.kind === 'town' ? '综治中心' : p.kind === 'industry' ? '行业协会' : '村（居）委会'}`,
      lng: pt?.lng ?? null,
      lat: pt?.lat ?? null,
      h3: h3Of(pt),
      liaison_name: person(),
      liaison_phone_enc: vault.encrypt(phone, LIAISON_AAD),
      judge_name: person(),
      judge_court: `${district(p.area.code)}人民法院`,
      services,
      open_days: [1, 2, 3, 4, 5],
      open_from: '09:00',
      open_to: rnd() < 0.3 ? '12:00' : '17:00',
      slot_minutes: rnd() < 0.7 ? 30 : 60,
      created_at: rolledOut(),
    };
  });
  const courts = await insertChunks(tx, 'court_courts', courtRows, [
    'id',
    'area_code',
    'open_to',
    'slot_minutes',
  ]);

  // 心理服务站: one per village (the focus villages first), a second or third in some.
  const stationAreas = [...focus, ...shuffle([...villages])];
  while (stationAreas.length < nStations && villages.length) stationAreas.push(pick(villages));
  const seen = new Map<string, number>();
  const stationRows: Insertable<CourtStationsTable>[] = stationAreas.slice(0, nStations).map((a) => {
    const k = (seen.get(a.code) ?? 0) + 1;
    seen.set(a.code, k);
    const pt = pointIn(a);
    const staff = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({
      name: person(),
      title: pick(TITLES),
    }));
    return {
      name: `${a.name}心理服务站${k > 1 ? `（${'一二三四五'[k - 1] ?? k}）` : ''}`,
      area_code: a.code,
      address: `${a.name}${k > 1 ? '新时代文明实践站' : '党群服务中心'}`,
      lng: pt?.lng ?? null,
      lat: pt?.lat ?? null,
      h3: h3Of(pt),
      staff: JSON.stringify(staff),
      contact_name: staff[0]!.name,
      contact_phone_enc: vault.encrypt(generateMobile(rnd), CONTACT_AAD),
      hours: rnd() < 0.7 ? '周一至周五 9:00–17:00' : '周二、周四 14:00–17:00',
      created_at: rolledOut(),
    };
  });
  const stations = await insertChunks(tx, 'court_stations', stationRows, ['id', 'area_code']);

  // Disputes of the seeded matters, by village, for the bookings' links and the referrals.
  const disputes = await tx
    .selectFrom('matters')
    .select(['id', 'number', 'type', 'area_code', 'status'])
    .where(sql<boolean>`(type = 'dispute' or (type = 'event' and category = 'dispute'))`)
    .orderBy('id')
    .execute();
  const disputesOf = new Map<string, typeof disputes>();
  for (const d of disputes) {
    const v = d.area_code.slice(0, 12);
    const list = disputesOf.get(v) ?? [];
    list.push(d);
    disputesOf.set(v, list);
  }

  // Bookings over the coming 14 days (China time) and used ones over the past 60, with the use log.
  const day0 = Date.parse(
    `${new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10)}T00:00:00+08:00`,
  );
  const bookingRows: Insertable<CourtBookingsTable>[] = [];
  const usePlans: { court: string; area: string; on: string; kind: string; bookingIndex: number | null }[] =
    [];
  const taken = new Set<string>();
  const timeline: {
    matter_id: string;
    at: Date;
    actor_id: null;
    actor_name: string;
    action: string;
    from_status: string;
    to_status: string;
    note: string;
    data: string;
  }[] = [];
  courts.forEach((c, i) => {
    const busy = i < 3 || i % 8 === 0;
    const slots = (hhmm(c.open_to) - 9 * 60) / c.slot_minutes;
    const n = busy ? 2 + Math.floor(rnd() * 4) : rnd() < 0.15 ? 1 : 0;
    for (let k = 0; k < n * 2; k++) {
      const past = k >= n;
      const dayOffset = past ? -1 - Math.floor(rnd() * 60) : 1 + Math.floor(rnd() * 14);
      const dayStart = day0 + dayOffset * 86_400_000;
      const weekday = new Date(dayStart + 8 * 3600_000).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      const start = new Date(dayStart + (9 * 60 + Math.floor(rnd() * slots) * c.slot_minutes) * 60_000);
      const key = `${c.id}|${start.getTime()}`;
      if (taken.has(key)) continue;
      taken.add(key);
      const kind = rnd() < 0.45 ? 'judicial_confirmation' : 'online_hearing';
      const matter = rnd() < 0.6 ? pickOr(disputesOf.get(c.area_code.slice(0, 12)), rnd) : null;
      bookingRows.push({
        court_id: c.id,
        area_code: c.area_code,
        starts_at: start,
        ends_at: new Date(start.getTime() + c.slot_minutes * 60_000),
        kind,
        title: matter
          ? `${matter.number} ${kind === 'judicial_confirmation' ? '调解协议司法确认' : '在线庭审'}`
          : kind === 'judicial_confirmation'
            ? '人民调解协议司法确认'
            : '民事纠纷在线庭审',
        parties_count: 2 + Math.floor(rnd() * 3),
        matter_id: matter?.id ?? null,
        status: past ? 'used' : 'booked',
        booked_by: null,
        booked_by_name: '庭务主任',
        created_at: new Date(Math.min(start.getTime(), now.getTime()) - 3 * 86_400_000),
      });
      if (past)
        usePlans.push({
          court: c.id,
          area: c.area_code,
          on: dayStr(dayStart),
          kind,
          bookingIndex: bookingRows.length - 1,
        });
      if (matter) {
        timeline.push({
          matter_id: matter.id,
          at: new Date(Math.min(start.getTime(), now.getTime()) - 3 * 86_400_000),
          actor_id: null,
          actor_name: '庭务主任',
          action: 'court_booking',
          from_status: matter.status,
          to_status: matter.status,
          note: `已预约共享法庭（${kind === 'judicial_confirmation' ? '司法确认' : '在线庭审'}）`,
          data: JSON.stringify({ court: { id: c.id }, startsAt: start.toISOString() }),
        });
      }
    }
    // Walk-in uses without a booking: mediation, legal advice, education.
    if (rnd() < 0.5) {
      for (let k = Math.floor(rnd() * 5); k > 0; k--) {
        usePlans.push({
          court: c.id,
          area: c.area_code,
          on: dayStr(day0 - (1 + Math.floor(rnd() * 90)) * 86_400_000),
          kind: pick(['mediation', 'legal_advice', 'education']),
          bookingIndex: null,
        });
      }
    }
  });
  const bookings = await insertChunks(tx, 'court_bookings', bookingRows, ['id']);
  const useRows: Insertable<CourtUsesTable>[] = usePlans.map((u) => ({
    court_id: u.court,
    area_code: u.area,
    used_on: u.on,
    kind: u.kind,
    parties_count: u.kind === 'education' ? 10 + Math.floor(rnd() * 60) : 2 + Math.floor(rnd() * 3),
    outcome:
      u.kind === 'judicial_confirmation'
        ? rnd() < 0.9
          ? 'confirmed'
          : 'adjourned'
        : u.kind === 'online_hearing'
          ? pick(['settled', 'adjourned', 'not_settled'])
          : u.kind === 'mediation'
            ? rnd() < 0.8
              ? 'settled'
              : 'not_settled'
            : 'advised',
    note: null,
    booking_id: u.bookingIndex === null ? null : bookings[u.bookingIndex]!.id,
    recorded_by: null,
    recorded_by_name: '庭务主任',
  }));
  const uses = await insertChunks(tx, 'court_uses', useRows, ['id']);

  // Referrals of disputes in villages with a station: some waiting, most taken up with visits and follow-ups.
  const stationOf = new Map<string, { id: string; area_code: string }>();
  for (const s of stations) if (!stationOf.has(s.area_code)) stationOf.set(s.area_code, s);
  const candidates = [...disputesOf.entries()].filter(([v]) => stationOf.has(v));
  const referralRows: Insertable<CourtReferralsTable>[] = [];
  const nReferrals = Math.min(candidates.length * 2, Math.max(8, Math.round(nStations / 14)));
  const referred = new Set<string>();
  for (let i = 0; i < nReferrals * 2 && referralRows.length < nReferrals; i++) {
    const [v, list] = i < 4 ? (candidates.find(([c]) => c === GULOU) ?? pick(candidates)) : pick(candidates);
    const m = pick(list);
    if (referred.has(m.id)) continue;
    referred.add(m.id);
    const s = stationOf.get(v)!;
    const r = rnd();
    const status = r < 0.25 ? 'pending' : r < 0.7 ? 'accepted' : r < 0.95 ? 'closed' : 'declined';
    const created = new Date(
      now.getTime() - Math.floor(rnd() * 60) * 86_400_000 - Math.floor(rnd() * 86_400_000),
    );
    referralRows.push({
      station_id: s.id,
      area_code: s.area_code,
      source_matter_id: m.id,
      source_number: m.number,
      source_type: m.type,
      reason: pick(REASONS),
      urgency: rnd() < 0.2 ? 'urgent' : 'normal',
      status,
      referred_by: null,
      referred_by_name: `${byCode.get(v)?.name ?? ''}网格员`,
      handled_at: status === 'pending' ? null : new Date(created.getTime() + 86_400_000),
      handle_note: status === 'declined' ? '当事人拒绝心理服务' : null,
      created_at: created,
    });
    timeline.push({
      matter_id: m.id,
      at: created,
      actor_id: null,
      actor_name: `${byCode.get(v)?.name ?? ''}网格员`,
      action: 'psych_referral',
      from_status: m.status,
      to_status: m.status,
      note: '已转介心理服务站',
      data: JSON.stringify({ station: { id: s.id } }),
    });
  }
  const referrals = await insertChunks(tx, 'court_referrals', referralRows, [
    'id',
    'station_id',
    'area_code',
    'status',
    'created_at',
  ]);
  const visitRows: Insertable<CourtVisitsTable>[] = [];
  for (const r of referrals) {
    if (r.status !== 'accepted' && r.status !== 'closed') continue;
    const at = new Date(new Date(r.created_at).getTime() + 2 * 86_400_000);
    visitRows.push({
      station_id: r.station_id,
      area_code: r.area_code,
      referral_id: r.id,
      visited_at: at > now ? now : at,
      person_label: `${pick([...SURNAMES])}某`,
      content_enc: vault.encrypt(pick(VISIT_NOTES), VISIT_AAD),
      risk_level: rnd() < 0.6 ? 'low' : rnd() < 0.8 ? 'medium' : 'high',
      recorded_by: null,
      recorded_by_name: '心理服务站',
    });
  }
  const visits = await insertChunks(tx, 'court_visits', visitRows, [
    'id',
    'station_id',
    'area_code',
    'visited_at',
  ]);
  const followRows: Insertable<CourtFollowupsTable>[] = visits.map((v) => {
    const due = new Date(new Date(v.visited_at).getTime() + 14 * 86_400_000);
    const done = due < now && rnd() < 0.7;
    return {
      visit_id: v.id,
      station_id: v.station_id,
      area_code: v.area_code,
      due_on: dayStr(due.getTime()),
      plan: rnd() < 0.5 ? '两周后电话回访' : '两周后上门回访',
      done_at: done ? due : null,
      done_note: done ? '回访完成，情绪平稳' : null,
    };
  });
  await insertChunks(tx, 'court_followups', followRows, ['id']);
  for (let i = 0; i < timeline.length; i += 1000) {
    await tx
      .insertInto('matter_timeline')
      .values(timeline.slice(i, i + 1000))
      .execute();
  }
  return {
    courts: courts.length,
    stations: stations.length,
    bookings: bookings.length,
    uses: uses.length,
    referrals: referrals.length,
    visits: visits.length,
  };
}

type Tables = {
  court_courts: CourtCourtsTable;
  court_stations: CourtStationsTable;
  court_bookings: CourtBookingsTable;
  court_uses: CourtUsesTable;
  court_referrals: CourtReferralsTable;
  court_visits: CourtVisitsTable;
  court_followups: CourtFollowupsTable;
};

async function insertChunks<T extends keyof Tables, C extends keyof Selectable<Tables[T]> & string>(
  tx: DbOrTx,
  table: T,
  rows: Insertable<Tables[T]>[],
  columns: C[],
): Promise<Pick<Selectable<Tables[T]>, C>[]> {
  const out: Pick<Selectable<Tables[T]>, C>[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    // biome-ignore lint/suspicious/noExplicitAny: one bulk insert for seven tables whose row types differ.
    const ret = await (kdb(tx).insertInto(table) as any)
      .values(rows.slice(i, i + 1000))
      .returning(columns)
      .execute();
    out.push(...ret);
  }
  return out;
}

function pickOr<T>(xs: T[] | undefined, rnd: () => number): T | null {
  return xs?.length ? xs[Math.floor(rnd() * xs.length)]! : null;
}

const hhmm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
const dayStr = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 10);

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

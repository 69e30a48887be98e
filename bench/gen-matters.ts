/**
 * The dispute library generated with SQL (insert … select … from generate_series): persons, enterprises,
 * disputes over the last 12 months in the real villages, their parties, source records, timeline and a few
 * 重点人员 tags. Shared by bench/alerts.ts (the periodic models over it) and bench/map.ts (the map's
 * aggregate over it); moved here from bench/alerts.ts unchanged but for its options.
 */
import { latLngToCell } from 'h3-js';
import { CompiledQuery, sql } from 'kysely';
import type { Db } from '../src/core/db/database.ts';
import { indexTokens } from '../src/core/matters/search.ts';
import { DEPARTMENT_SOURCES } from '../src/modules/dispute/sources.ts';
import { mulberry32 } from '../src/shared/random.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en');

export const SURNAMES = [...'陈陈陈林林王王黄黄张李周吴郑徐潘金胡叶朱杨刘谢苏郭卢蔡池项季戴董孙施余章'];
export const GIVEN = [
  ...'建国伟明华军强志海东杰斌俊磊勇平文新龙峰晓辉鹏飞宇浩成超波丽娟敏静燕芳红霞艳玲婷雪萍琴慧秀英',
];

/** Categories and their share (‰) of disputes. */
const CATEGORY_SHARE: [string, number][] = [
  ['marriage_family', 160],
  ['neighbour', 180],
  ['house_homestead', 70],
  ['contract', 120],
  ['business', 40],
  ['damages', 80],
  ['forest_land', 30],
  ['expropriation', 20],
  ['environment', 20],
  ['labour', 90],
  ['consumer', 50],
  ['medical', 20],
  ['traffic_accident', 60],
  ['property_mgmt', 40],
  ['ip', 5],
  ['other', 15],
];

/** Texts per category (two each): what the title and description say; the models' words come as suffixes. */
const CATEGORY_TEXTS: Record<string, [string, string][]> = {
  marriage_family: [
    ['家庭矛盾纠纷', '夫妻双方因家务分工和子女教育问题长期争吵，请求调解。'],
    ['赡养纠纷', '老人反映子女不履行赡养义务，兄弟之间互相推诿。'],
  ],
  neighbour: [
    ['邻里纠纷', '楼上住户装修漏水影响楼下，双方协商未果。'],
    ['相邻通行纠纷', '邻居在宅前通道堆放杂物，影响通行，多次沟通无果。'],
  ],
  house_homestead: [
    ['宅基地纠纷', '两户因宅基地边界发生争议，要求村里协调。'],
    ['房屋滴水纠纷', '新建房屋屋檐滴水落入邻户院内，引发争执。'],
  ],
  contract: [
    ['合同纠纷', '双方就买卖合同货款结算发生争议，协商未果。'],
    ['借款纠纷', '申请人称对方借款到期未还，多次催要无果。'],
  ],
  business: [
    ['生产经营纠纷', '合伙经营的店铺因分红比例发生争议。'],
    ['经营场地纠纷', '承租方与出租方就场地使用发生争执。'],
  ],
  damages: [
    ['人身损害赔偿纠纷', '申请人被对方饲养的狗咬伤，双方就赔偿发生争议。'],
    ['财产损害赔偿纠纷', '施工损坏邻居围墙，双方就赔偿金额协商不成。'],
  ],
  forest_land: [
    ['山林权属纠纷', '两村村民因山林界址发生争议。'],
    ['承包地纠纷', '承包地流转到期后双方就续租发生争执。'],
  ],
  expropriation: [
    ['征地补偿纠纷', '村民对征地补偿标准有异议，要求重新核定。'],
    ['拆迁安置纠纷', '被拆迁户对安置房分配结果不满。'],
  ],
  environment: [
    ['环境污染纠纷', '居民反映附近工厂排放废气，影响生活。'],
    ['噪声污染纠纷', '工地夜间施工噪声扰民，居民多次反映。'],
  ],
  labour: [
    ['劳动争议', '员工反映企业拖欠工资三个月，要求支付。'],
    ['工伤待遇纠纷', '员工工作中受伤，与企业就工伤待遇发生争议。'],
  ],
  consumer: [
    ['消费纠纷', '消费者称购买的电动车存在质量问题，要求退货。'],
    ['预付卡消费纠纷', '健身房停业，会员要求退还预付卡余额。'],
  ],
  medical: [
    ['医疗纠纷', '患者家属对手术效果不满，与医院发生争执。'],
    ['医疗费用纠纷', '患者对医疗费用清单有异议，要求医院解释。'],
  ],
  traffic_accident: [
    ['道路交通事故纠纷', '两车刮擦后双方就维修费用协商不成。'],
    ['交通事故赔偿纠纷', '电动车与行人相撞，双方就医疗费赔偿发生争议。'],
  ],
  property_mgmt: [
    ['物业纠纷', '业主对物业服务不满，拒交物业费。'],
    ['电梯维修纠纷', '小区电梯长期故障，业主与物业发生争执。'],
  ],
  ip: [
    ['知识产权纠纷', '商家反映他人冒用其商标销售商品。'],
    ['著作权纠纷', '摄影师反映其作品被擅自用于广告。'],
  ],
  other: [
    ['其他纠纷', '当事人之间因琐事发生纠纷，请求调解。'],
    ['其他纠纷', '双方就共有物品使用发生争执。'],
  ],
};

/** The first source of a dispute by category (weights), as the models read dispute_records. */
const SOURCE_SHARE: Record<string, [string, number][]> = {
  marriage_family: [
    ['police_110', 40],
    ['women_federation', 30],
    ['justice_mediation', 30],
  ],
  neighbour: [
    ['police_110', 50],
    ['justice_mediation', 40],
    ['hotline_12345', 10],
  ],
  labour: [
    ['hrss_arbitration', 50],
    ['trade_union', 20],
    ['hotline_12345', 30],
  ],
  medical: [
    ['health_medical', 70],
    ['police_110', 10],
    ['hotline_12345', 20],
  ],
  consumer: [
    ['market_12315', 70],
    ['hotline_12345', 30],
  ],
  traffic_accident: [
    ['traffic_accident', 70],
    ['police_110', 30],
  ],
  '*': [
    ['justice_mediation', 40],
    ['hotline_12345', 30],
    ['court_litigation', 15],
    ['police_110', 15],
  ],
};

/** Days a dispute may stay in each open state (the workflow's deadlines, workdays as days). */
const OPEN_DEADLINE_DAYS: Record<string, number> = {
  registered: 1,
  assessing: 3,
  resolving: 30,
  resolved: 15,
  unresolved: 5,
  revisited: 3,
  revisited_unresolved: 3,
};
const FINAL_ACTION: Record<string, string> = {
  assessing: 'assess',
  resolving: 'to_mediation',
  resolved: 'resolve',
  unresolved: 'fail',
  revisited: 'revisit',
  revisited_unresolved: 'revisit_unresolved',
  closed: 'close',
  closed_unresolved: 'close_unresolved',
  rejected: 'reject',
};

const BRANDS = [
  ...'鑫源 宏达 恒力 华盛 金诚 永兴 天成 瑞丰 嘉泰 联发 远航 盛业 德力 隆鑫 凯达 海峰'.split(' '),
];
const TRADES = ['鞋业', '服饰', '电气', '汽摩配件', '阀门', '眼镜', '建筑工程', '塑料制品', '印刷包装'];

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const arr = (xs: string[]) => `array[${xs.map(lit).join(',')}]`;
/** A pseudo-random non-negative integer below `mod` from a series number and a seed: the same on both engines. */
const h = (expr: string, seed: number, mod: number | string) =>
  `((abs(hashint8extended(${expr}, ${seed}) % 2147483647)) % ${mod})`;
const ENTERPRISE_NAME = (e: string) =>
  `'温州' || (${arr(BRANDS)})[1 + ${e} % ${BRANDS.length}] || (${arr(TRADES)})[1 + (${e} / ${BRANDS.length}) % ${TRADES.length}] || '有限公司'`;

export interface Sizes {
  matters: number;
  persons: number;
  enterprises: number;
  records: number;
  parties: number;
  timeline: number;
  tags: number;
  villages: number;
}

export async function exec(db: Db, text: string) {
  await db.executeQuery(CompiledQuery.raw(text));
}

export async function count(db: Db, table: string): Promise<number> {
  const r = await db.executeQuery<{ n: string }>(
    CompiledQuery.raw(`select count(*)::text as n from ${table}`),
  );
  return Number(r.rows[0]!.n);
}

export interface LibraryOptions {
  /** Points per village the disputes are spread over (4), within ±spreadDeg / 2 of its centre (0.006°). */
  placesPerVillage?: number;
  spreadDeg?: number;
  /** Parties, source records, timeline and tags (true); the map's benchmark needs only the disputes. */
  history?: boolean;
}

/**
 * Generates the library with insert … select … from generate_series, in steps of 100,000 disputes. Pseudo-
 * random by hashing the series number, so both engines build the same rows (given the same clock).
 */
export async function generateLibrary(
  db: Db,
  n: number,
  genNow: Date,
  progress: (s: string) => void,
  opts: LibraryOptions = {},
): Promise<Sizes> {
  const perVillage = opts.placesPerVillage ?? 4;
  const spread = opts.spreadDeg ?? 0.006;
  const persons = Math.max(1000, Math.round(n * 0.4));
  const enterprises = Math.max(200, Math.round(n / 200));
  const now = `${lit(genNow.toISOString())}::timestamptz`;

  // The places: each village with four points around its centre and their h3 cells (resolution 9).
  const villages = await sql<{ code: string; town: string; lng: number | null; lat: number | null }>`
    select v.code, v.parent_code as town, v.center_lng as lng, v.center_lat as lat
    from areas v where v.level = 4 and v.code like '3303%' and v.center_lng is not null order by v.code`.execute(
    db,
  );
  const rng = mulberry32(12);
  await exec(
    db,
    'create table bench_places (vi int, k int, code text, town text, lng float8, lat float8, h3 text, primary key (vi, k))',
  );
  const places = villages.rows.flatMap((v, vi) =>
    Array.from({ length: perVillage }, (_, k) => {
      const lng = v.lng! + (rng() - 0.5) * spread;
      const lat = v.lat! + (rng() - 0.5) * spread;
      return `(${vi}, ${k}, ${lit(v.code)}, ${lit(v.town)}, ${lng.toFixed(6)}, ${lat.toFixed(6)}, ${lit(latLngToCell(lat, lng, 9))})`;
    }),
  );
  for (let i = 0; i < places.length; i += 2000)
    await exec(db, `insert into bench_places values ${places.slice(i, i + 2000).join(',')}`);
  const nv = villages.rows.length;

  // Persons and enterprises: only their NOT NULL columns and a few more.
  const personBase = Number(
    (await sql<{ m: string }>`select coalesce(max(id), 0)::text as m from persons`.execute(db)).rows[0]!.m,
  );
  for (let from = 1; from <= persons; from += 200_000) {
    const to = Math.min(persons, from + 199_999);
    await exec(
      db,
      `insert into persons (area_code, name, gender, birth_date)
       select p.code, (${arr(SURNAMES)})[1 + ${h('s', 41, SURNAMES.length)}] || (${arr(GIVEN)})[1 + ${h('s', 42, GIVEN.length)}]
                || case when ${h('s', 43, 10)} < 7 then (${arr(GIVEN)})[1 + ${h('s', 44, GIVEN.length)}] else '' end,
              case when s % 2 = 0 then 'M' else 'F' end,
              date '1950-01-01' + ${h('s', 45, 20000)}::int
       from generate_series(${from}::bigint, ${to}::bigint) s
       join bench_places p on p.vi = ${h('s', 46, nv)} and p.k = 0`,
    );
    progress(`persons ${fmt(to)} / ${fmt(persons)}`);
  }
  const entBase = Number(
    (await sql<{ m: string }>`select coalesce(max(id), 0)::text as m from enterprises`.execute(db)).rows[0]!
      .m,
  );
  await exec(
    db,
    `insert into enterprises (area_code, name, uscc, industry)
     select p.code, ${ENTERPRISE_NAME('s')}, '91330300' || lpad(s::text, 10, '0'), 'manufacturing'
     from generate_series(1::bigint, ${enterprises}::bigint) s
     join bench_places p on p.vi = ${h('s', 47, nv)} and p.k = 0`,
  );

  // Reference tables for the big statement.
  const cats: string[] = [];
  let lo = 0;
  for (const [code, share] of CATEGORY_SHARE) {
    cats.push(`(${lit(code)}, ${lo}, ${lo + share})`);
    lo += share;
  }
  const texts = Object.entries(CATEGORY_TEXTS).flatMap(([code, list]) =>
    list.map(
      ([title, description], k) =>
        `(${lit(code)}, ${k}, ${lit(title)}, ${lit(description)}, ${arr(indexTokens(title, description))}::text[])`,
    ),
  );
  const srcs = CATEGORY_SHARE.flatMap(([code]) => {
    let at = 0;
    return (SOURCE_SHARE[code] ?? SOURCE_SHARE['*']!).map(([source, w]) => {
      const row = `(${lit(code)}, ${at}, ${at + w}, ${lit(source)})`;
      at += w;
      return row;
    });
  });
  const departments = DEPARTMENT_SOURCES.map(
    (s) => `(${lit(s.code)}, ${s.department === null ? 'null' : lit(s.department)})`,
  );
  const deadline = Object.entries(OPEN_DEADLINE_DAYS)
    .map(([s, d]) => `when ${lit(s)} then ${d}`)
    .join(' ');
  const THREAT_CATS = arr(['marriage_family', 'neighbour', 'house_homestead', 'contract', 'damages']);
  const ENT_CATS = arr(['labour', 'business', 'consumer', 'contract']);
  const YEAR_S = 365 * 86_400;

  const matterBase = Number(
    (await sql<{ m: string }>`select coalesce(max(id), 0)::text as m from matters`.execute(db)).rows[0]!.m,
  );
  for (let from = 1; from <= n; from += 100_000) {
    const to = Math.min(n, from + 99_999);
    // grp: 6 % of disputes come in threes between the same two people within about three weeks (repeats);
    // hot: one in 1,000 lands in one of ten villages within the last 7 days (hot spots).
    await exec(
      db,
      `with cats (code, lo, hi) as (values ${cats.join(',')}),
       texts (code, k, title, description, tokens) as (values ${texts.join(',')}),
       srcs (code, lo, hi, source) as (values ${srcs.join(',')}),
       depts (source, department) as (values ${departments.join(',')}),
       b as (
         select s, s % 50 < 3 as grp, s / 50 as g, s % 1000 = 0 as hot from generate_series(${from}::bigint, ${to}::bigint) s
       ),
       c as (
         select b.*,
           case when grp then ${h('g', 3, 1000)} else ${h('s', 3, 1000)} end as cr,
           case when hot then ${h('(s / 1000) % 10', 99, nv)} when grp then ${h('g', 4, nv)} else ${h('s', 1, nv)} end as vi,
           case when hot then ${h('s', 2, 7 * 86_400)}
                when grp then ${h('g', 13, 330 * 86_400)} + (s % 50) * 777600
                else ${h('s', 2, YEAR_S)} end as age
         from b
       ),
       d as (
         select c.*, cats.code as category, ${now} - make_interval(secs => c.age) as created,
           ${h('s', 5, 1000)} < (case when age < 30 * 86400 then 600 when age < 90 * 86400 then 150 else 30 end) as open,
           ${h('s', 6, 100)} as r6, ${h('s', 10, 1000)} as x
         from c join cats on c.cr >= cats.lo and c.cr < cats.hi
       ),
       e as (
         select d.*,
           case when open then
             case when r6 < 10 then 'registered' when r6 < 25 then 'assessing' when r6 < 70 then 'resolving'
                  when r6 < 82 then 'resolved' when r6 < 90 then 'unresolved' when r6 < 95 then 'revisited'
                  else 'revisited_unresolved' end
           else case when r6 < 80 then 'closed' when r6 < 92 then 'closed_unresolved' else 'rejected' end end as status,
           case when grp then ${personBase} + 1 + ${h('g', 11, persons)} else ${personBase} + 1 + ${h('s', 31, persons)} end as applicant,
           case when d.category = any(${ENT_CATS}) and ${h('s', 7, 10)} < 4
                then -(${entBase} + 1 + floor(${enterprises} * power(${h('s', 8, 1_000_000)} / 1e6, 3))::bigint)
                when grp then ${personBase} + 1 + ${h('g', 12, persons)}
                else ${personBase} + 1 + ${h('s', 32, persons)} end as respondent,
           case when ${h('s', 14, 100)} = 0 then 5 + ${h('s', 15, 56)}
                when d.category = 'labour' then 1 + ${h('s', 15, 10)} else 1 + ${h('s', 15, 2)} end as people,
           case when ${h('s', 16, 100)} < 70 then (select source from srcs
                  where srcs.code = d.category and ${h('s', 17, 100)} >= srcs.lo and ${h('s', 17, 100)} < srcs.hi) end as src1,
           case when ${h('s', 18, 100)} < 8 then
                  case when d.category in ('marriage_family', 'neighbour') then 'police_110' else 'petition' end end as src2
         from d
       ),
       f as (
         select e.*, p.code, p.town, p.lng, p.lat, p.h3, t.title, t.tokens,
           t.description || case
             when x < 10 and e.category = any(${THREAT_CATS}) then '一方扬言要与对方同归于尽，还要去买汽油。'
             when x >= 10 and x < 14 then '当事人情绪低落，称不想活了。'
             when x >= 14 and x < 30 and e.category = 'marriage_family' then '女方称长期被丈夫殴打，身上多处淤青。'
             when x < 60 and e.category = 'medical' then '患者家属扬言要医闹、拉横幅。'
             else '' end as description,
           least(created + interval '4 hours' + make_interval(secs => ${h('s', 19, 10 * 86400)}), ${now}) as entered
         from e
         join bench_places p on p.vi = e.vi and p.k = ${h('s', 9, perVillage)}
         join texts t on t.code = e.category and t.k = ${h('s', 20, 2)}
       )
       insert into matters (number, type, category, title, description, status, closed, urgency, source_department,
         source_channel, area_code, lng, lat, h3, dispatcher_area_code, state_entered_at, warn_at, due_at,
         deadline_state, payload, search_tokens, created_at, updated_at, closed_at)
       select 'JF-' || substr(code, 1, 6) || '-' || to_char(created at time zone 'Asia/Shanghai', 'YYYYMMDD') || '-B' || s,
         'dispute', category, title, description, status, not open,
         case when ${h('s', 21, 100)} < 3 then 'urgent' else 'normal' end,
         (select department from depts where depts.source = src1), 'file', code, lng, lat, h3, town, entered,
         case when open then entered + make_interval(secs => 0.8 * 86400 * case status ${deadline} end) end,
         case when open then entered + make_interval(days => case status ${deadline} end) end,
         case when not open then 'normal'
              when entered + make_interval(days => case status ${deadline} end) <= ${now} then 'overdue'
              when entered + make_interval(secs => 0.8 * 86400 * case status ${deadline} end) <= ${now} then 'warning'
              else 'normal' end,
         jsonb_build_object(
           'peopleInvolved', people, 'mass', people >= 5,
           'riskLevel', case when x < 14 then 'high' else 'low' end,
           'parties', jsonb_build_array(
             jsonb_build_object('role', 'applicant', 'kind', 'person',
               'name', (${arr(SURNAMES)})[1 + applicant % ${SURNAMES.length}] || '*', 'subjectId', applicant::text),
             case when respondent < 0 then jsonb_build_object('role', 'respondent', 'kind', 'enterprise',
                    'name', ${ENTERPRISE_NAME(`(-respondent - ${entBase})`)}, 'subjectId', (-respondent)::text)
                  else jsonb_build_object('role', 'respondent', 'kind', 'person',
                    'name', (${arr(SURNAMES)})[1 + respondent % ${SURNAMES.length}] || '*', 'subjectId', respondent::text) end),
           'classification', jsonb_build_object('method', 'code_table'),
           'sources', to_jsonb(array_remove(array[src1, src2], null)))
         || case when category in ('contract', 'labour', 'damages', 'business') then
              jsonb_build_object('amount', (1 + ${h('s', 22, 200)}) * 1000) else '{}'::jsonb end,
         tokens, created, entered, case when not open then entered end
       from f`,
    );
    progress(`disputes ${fmt(to)} / ${fmt(n)}`);
  }
  if (opts.history ?? true) await generateHistory(db, matterBase, personBase, progress);
  await exec(db, 'drop table bench_places');
  progress('analyze');
  await exec(db, 'analyze');
  return {
    matters: await count(db, `matters where type = 'dispute'`),
    persons: await count(db, 'persons'),
    enterprises: await count(db, 'enterprises'),
    records: await count(db, 'dispute_records'),
    parties: await count(db, 'matter_parties'),
    timeline: await count(db, 'matter_timeline'),
    tags: await count(db, 'person_tags'),
    villages: nv,
  };
}

/** Parties from the payload (the same ids), records from its sources, the timeline from the status, tags. */
async function generateHistory(
  db: Db,
  matterBase: number,
  personBase: number,
  progress: (s: string) => void,
) {
  const mine = `m.type = 'dispute' and m.id > ${matterBase}`;

  await exec(
    db,
    `insert into matter_parties (matter_id, role, subject_type, subject_id, created_at)
     select m.id, p->>'role', p->>'kind', (p->>'subjectId')::bigint, m.created_at
     from matters m cross join lateral jsonb_array_elements(m.payload->'parties') p where ${mine}`,
  );
  progress('parties');
  await exec(
    db,
    `insert into dispute_records (matter_id, source_code, record_key, channel, reported_at, category, title,
       description, parties, data)
     select m.id, s.code, 'B' || m.id || '-' || s.n, 'file', m.created_at + (s.n - 1) * interval '2 hours',
       m.category, m.title, m.description, m.payload->'parties',
       jsonb_build_object('peopleInvolved', m.payload->'peopleInvolved')
     from matters m cross join lateral jsonb_array_elements_text(m.payload->'sources') with ordinality s(code, n)
     where ${mine}`,
  );
  progress('source records');
  const finalAction = Object.entries(FINAL_ACTION)
    .map(([s, a]) => `when ${lit(s)} then ${lit(a)}`)
    .join(' ');
  await exec(
    db,
    `insert into matter_timeline (matter_id, at, actor_name, action, to_status, data)
     select m.id, m.created_at, '批量导入', 'create', 'registered', '{}'::jsonb from matters m where ${mine}
     union all
     select m.id, m.state_entered_at, '综治中心', case m.status ${finalAction} end, m.status, '{}'
     from matters m where ${mine} and m.status <> 'registered'
     union all
     select m.id, m.created_at + r * interval '1 hour', '调解组织', 'return', 'assessing', '{}'
     from matters m cross join generate_series(1, 2) r
     where ${mine} and not m.closed and m.status <> 'registered' and ${h('m.id', 23, 100)} < 4
     union all
     select m.id, m.created_at + interval '3 hours', '综治中心', 'reassess', 'assessing', '{}'
     from matters m where ${mine} and not m.closed and m.status <> 'registered' and ${h('m.id', 24, 100)} < 2
     union all
     select m.id, m.created_at + interval '210 minutes', '县综治中心', 'supervise', null, '{}'
     from matters m where ${mine} and not m.closed and ${h('m.id', 25, 100)} < 3`,
  );
  progress('timeline');
  const TAGS = [
    'mental_disorder',
    'community_correction',
    'released_prisoner',
    'drug_user',
    'petitioner',
    'violence_history',
  ];
  await exec(
    db,
    `insert into person_tags (person_id, tag, note)
     select id, (${arr(TAGS)})[1 + ${h('id', 26, TAGS.length)}], '基准测试' from persons
     where id > ${personBase} and ${h('id', 27, 200)} = 0`,
  );
}

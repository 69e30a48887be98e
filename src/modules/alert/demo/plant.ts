import { sql } from 'kysely';
import type { DbOrTx } from '../../../core/db/database.ts';
import { AppError } from '../../../core/errors.ts';
import type { Kernel } from '../../../core/kernel.ts';
import {
  generateIdCard,
  generateMobile,
  generateUscc,
  normalizeIdCard,
} from '../../../core/subjects/codes.ts';
import { mulberry32 } from '../../../shared/random.ts';
import { generateDisputeText } from '../../dispute/classifier/corpus.ts';
import type { DisputeCategory, PartyFields } from '../../dispute/dispute.schema.ts';
import { intake, sourceActor } from '../../dispute/disputes.service.ts';
import type { Cell } from '../../dispute/intake/types.ts';
import { getSource } from '../../dispute/sources.service.ts';
import type { OutcomeKind } from '../backtest.ts';

/**
 * Demo histories with what happened afterwards, for backtesting the early-warning models. Each scenario
 * is a patterned history — the kind of records that come before a tragedy — entered through the dispute
 * library's real intake (the departments' sources, ID numbers linked to one person across records), and,
 * with some probability, the outcome that followed, written to `alert_outcomes` (source `demo`) only: no
 * record says what happened later, so the models are not told.
 *
 *   family     1–3 police_110 calls between the same two people (spouses, parent and child), then a
 *              women_federation or justice_mediation record. With threat words (拼命, 同归于尽, 汽油,
 *              农药, 报复 …) ~60 % are followed 3–40 days later by domestic violence (some by a violent
 *              incident); decoys with the same history but no threat words ~10 %.
 *   neighbour  the same with neighbours or a debt: 110 calls, then people's mediation; violent incidents.
 *   wages      workers of one enterprise complaining of wage arrears (hrss_arbitration, trade_union,
 *              hotline_12345). Many workers within days, talk of blocking the gate: ~50 % end in a mass
 *              incident (or the enterprise collapsing); one to three workers spread over months: ~5 %.
 *   medical    a medical dispute at a hospital; with threats and repeat visits (110 at the hospital, the
 *              12345 hotline) ~50 % end in violence at the hospital; an ordinary complaint ~5 %.
 *   petition   one person petitioning 3–6 times, going over the heads of the town and the county (越级);
 *              ~50 % escalate. One or two ordinary petitions: ~8 %.
 *   despair    a record in which someone says they do not want to live (不想活, 一死了之, 跳楼 …),
 *              sometimes after a dispute of their own: ~40 % are followed by self-harm; hardship without
 *              such words ~5 %.
 *   watchlist  a person on a watch list (person_tags: 严重精神障碍, 刑释人员, 吸毒人员 …, tagged as the police
 *              would) drawn into a dispute or two with a neighbour: ~40 % end in violence; the same disputes
 *              with an untagged person ~8 %.
 * About 60 % of scenarios carry the pattern, the rest are decoys; about 5 % more outcomes are planted with
 * no history at all (what no model can foresee). Places are real villages and communities (areas of
 * level 4); dates spread over [from, to], records and outcomes alike. Everything follows from the seed;
 * planting the same seed again adds nothing (record keys are taken, outcomes are found by their note).
 */

export const SCENARIO_KINDS = [
  'family',
  'neighbour',
  'wages',
  'medical',
  'petition',
  'despair',
  'watchlist',
] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export interface PlantOptions {
  seed: number;
  /** Scenarios to plant (patterns and decoys together), 1–10,000. */
  count: number;
  from: Date;
  /** Records and outcomes all fall before this; it must not be in the future (intake refuses future dates). */
  to: Date;
}

export interface PlantResult {
  scenarios: Record<ScenarioKind, { planted: number; patterned: number; withOutcome: number }>;
  records: { inserted: number; merged: number; skipped: number; rejected: number };
  /** Rejected records, first ten, with why (there should be none). */
  rejects: { source: string; recordKey: string | null; reason: string }[];
  /** Outcomes planned by kind (including those already present from an earlier run). */
  outcomes: Partial<Record<OutcomeKind, number>>;
  outcomesInserted: number;
  /** Watch-list tags put on persons (person_tags), this run. */
  tagsInserted: number;
}

export interface Village {
  code: string;
  name: string;
  town: string;
  county: string;
  lng: number | null;
  lat: number | null;
}

type Rng = () => number;
type RecordCells = Record<string, Cell | PartyFields[]>;

interface PlannedRecord {
  source: string;
  at: number;
  cells: RecordCells;
}

type SubjectRef =
  | { type: 'person'; idNumber: string | null; phone: string }
  | { type: 'enterprise'; uscc: string };

export interface PlannedOutcome {
  kind: OutcomeKind;
  at: Date;
  subject: SubjectRef | null;
  areaCode: string;
  /** `demo seed=S #N kind`: finds it again when the same seed is planted twice; no personal data. */
  note: string;
}

/** A watch-list tag on a person the records name (what the police would have told the platform). */
export interface PlannedTag {
  idNumber: string;
  tag: 'mental_disorder' | 'community_correction' | 'released_prisoner' | 'drug_user' | 'violence_history';
  /** When it was put on the list: months before the person's first planted record (models see it only from then). */
  at: Date;
  note: string;
}

export interface Plan {
  records: PlannedRecord[];
  outcomes: PlannedOutcome[];
  tags: PlannedTag[];
  scenarios: PlantResult['scenarios'];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CST = 8 * HOUR;
const MAX_COUNT = 10_000;
const BATCH = 200;

// ---------------------------------------------------------------------------------------------------
// Small helpers

function pick<T>(rng: Rng, xs: readonly T[]): T {
  const x = xs[Math.floor(rng() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Fills `{slot}`s from `values`, and `[a|b]` with one of the alternatives. */
function fill(rng: Rng, template: string, values: Record<string, string>): string {
  return template
    .replace(/\[([^\]]+)\]/g, (_, alts: string) => pick(rng, alts.split('|')))
    .replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? k);
}

/** A stable number from a text (FNV-1a), to seed what must be the same in every run (hospitals). */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (const ch of s) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

// ---------------------------------------------------------------------------------------------------
// People and places

const SURNAMES = [...'陈陈陈林林王王黄黄张李周吴郑徐潘金胡叶朱杨刘谢苏郭卢蔡池项季戴董孙施余章'];
const MALE = [...'建国伟明华军强志海东杰斌俊磊勇平文新龙峰晓辉鹏飞宇浩成超波林德福荣忠'];
const FEMALE = [...'丽娟敏静燕芳红霞艳玲婷雪萍琴慧秀英美月洁晶倩佳怡素凤莉彩珍蓉'];
/** Where out-of-town workers' ID numbers come from (安徽, 江西, 贵州, 四川, 河南, 湖南). */
const MIGRANT_AREAS = ['341221', '341222', '362329', '522422', '513922', '412726', '431121'];
const BRANDS = [
  ...'鑫源 宏达 恒力 华盛 金诚 永兴 天成 瑞丰 嘉泰 联发 远航 盛业 德力 隆鑫 凯达 海峰'.split(' '),
];
const FACTORY_TRADES = [
  '鞋业',
  '服饰',
  '电气',
  '汽摩配件',
  '阀门',
  '眼镜',
  '建筑工程',
  '塑料制品',
  '印刷包装',
];
const HOSPITALS = [
  '温州医科大学附属第一医院',
  '温州医科大学附属第二医院',
  '温州市人民医院',
  '温州市中心医院',
  '温州市中医院',
  '瑞安市人民医院',
  '乐清市人民医院',
  '永嘉县人民医院',
  '平阳县人民医院',
  '苍南县人民医院',
];

interface Person {
  name: string;
  idNumber: string;
  phone: string;
  gender: 'M' | 'F';
}

function person(
  rng: Rng,
  v: Village,
  gender: 'M' | 'F',
  ageRange: [number, number],
  now: Date,
  migrant = false,
) {
  const year = now.getUTCFullYear() - int(rng, ageRange[0], ageRange[1]);
  const birth = `${year}-${pad(int(rng, 1, 12), 2)}-${pad(int(rng, 1, 28), 2)}`;
  const chars = gender === 'M' ? MALE : FEMALE;
  let given = pick(rng, chars);
  if (rng() < 0.75) given += pick(rng, chars);
  const area = migrant ? pick(rng, MIGRANT_AREAS) : v.code.slice(0, 6);
  return {
    name: pick(rng, SURNAMES) + given,
    idNumber: generateIdCard(rng, area, birth, gender, now),
    phone: generateMobile(rng),
    gender,
  } satisfies Person;
}

const party = (p: Person, role: PartyFields['role'], withId = true): PartyFields => ({
  role,
  kind: 'person',
  name: p.name,
  ...(withId ? { idNumber: p.idNumber } : {}),
  phone: p.phone,
});

const enterpriseParty = (
  name: string,
  uscc: string,
  role: PartyFields['role'] = 'respondent',
): PartyFields => ({
  role,
  kind: 'enterprise',
  name,
  uscc,
});

const personRef = (p: Person, withId = true): SubjectRef => ({
  type: 'person',
  idNumber: withId ? p.idNumber : null,
  phone: p.phone,
});

// ---------------------------------------------------------------------------------------------------
// What the records say

const FAMILY_110 = [
  '{A}报警称其{rel}{B}酒后回家与其发生争吵，并{act}，民警到场后双方情绪稳定。',
  '报警人{A}称与{rel}{B}因{cause}发生口角，{B}{act}，要求民警到场处理。',
  '{A}来电称{rel}{B}在家中{act}，民警出警后对{B}进行了批评教育，建议双方到村调委会调解。',
  '{place}家中发生家庭纠纷，报警人{A}称{B}{act}，经民警劝解双方暂时分开居住。',
  '{A}报警：因{cause}与{B}争执不下，{B}{act}，[现场无人员受伤|{A}手臂有轻微擦伤]，已告知双方可申请调解。',
  '接报{place}有家庭矛盾，{A}称{rel}{B}近期经常为{cause}与其吵闹，今晚又{act}。',
];
const FAMILY_ACTS = [
  '摔砸家中物品',
  '推搡了{A}',
  '动手打了{A}耳光',
  '将{A}锁在门外',
  '拉扯中撕坏了{A}的衣服',
];
const FAMILY_CAUSES = [
  '家庭琐事',
  '孩子抚养',
  '赌博欠债',
  '家中开支',
  '离婚财产分割',
  '老人赡养',
  '彩礼返还',
];

const NEIGHBOUR_110 = [
  '{A}报警称与邻居{B}因{cause}发生争执，{act}，民警到场调解。',
  '报警人{A}称与隔壁{B}因{cause}起了冲突，{act}，要求处理。',
  '{place}邻里纠纷：{A}与{B}因{cause}吵架，{act}，民警已劝离。',
  '{A}来电反映{B}因{cause}上门理论，{act}，现场秩序已恢复。',
];
const NEIGHBOUR_CAUSES = [
  '宅基地边界',
  '排水沟堵塞',
  '房屋漏水',
  '借款不还',
  '装修噪声',
  '楼道堆放杂物',
  '鸡鸭进菜地',
];
const NEIGHBOUR_ACTS = [
  '双方发生推搡',
  '{B}砸坏了{A}家的窗户',
  '{B}堵住了{A}家门口',
  '双方言语冲突',
  '{B}拿锄头比划',
];

/** Threats as records quote them, in the words the 民转刑 model is told to watch for. */
const THREATS = [
  '{T}扬言“再这样下去就跟{U}同归于尽”。',
  '{T}称已经买好了汽油，要和{U}拼命。',
  '{T}多次扬言要报复{U}一家。',
  '{T}酒后称要拿农药跟{U}同归于尽。',
  '{T}放话说“大不了一起死，跟{U}拼命”。',
  '{T}在村里扬言要报复{U}，还说家里备了汽油。',
];
const PRIOR_CALLS = ['此前双方已多次报警。', '{A}称近几个月已报警{n}次。', '民警曾多次出警调处。', ''];

const WAGE_TEXTS = [
  '{A}反映：其在{corp}务工，{corp}已拖欠{months}个月工资共计{amount}元，多次讨要未果。',
  '{A}称{corp}自{since}起未发放工资，拖欠金额约{amount}元，要求企业支付劳动报酬。',
  '申请人{A}系{corp}员工，企业以资金周转困难为由拖欠工资{amount}元，请求裁决支付。',
  '{corp}职工{A}反映企业欠薪{months}个月，老板承诺的发薪日期一再推迟。',
];
const WAGE_MASS = [
  '同车间{n}余名工友均未拿到工资，老板电话已打不通，工友们商量集体到厂门口讨薪。',
  '{n}多名工人表示如再不发工资就堵厂门、拉横幅讨说法。',
  '厂里已停工，{n}余名工人准备一起到镇政府反映，情绪激动。',
  '工友们称年前拿不到钱就一起去市里上访，涉及{n}余人。',
];
const WAGE_CALM = [
  '企业称资金周转困难，承诺月底前结清。',
  '企业负责人已与其联系，同意分两期支付。',
  '申请人希望通过仲裁解决。',
];

const MEDICAL_TEXTS = [
  '患方{A}称其{rel}在{hosp}{treat}后出现{harm}，认为医院存在诊疗过错，要求赔偿{amount}元。',
  '{A}反映{rel}在{hosp}住院期间{harm}，对院方解释不满意，要求院方承担责任。',
  '{A}的{rel}在{hosp}{treat}，术后{harm}，家属对赔偿方案有异议。',
];
const MEDICAL_THREATS = [
  '{A}扬言要在医院门口拉横幅，“医生不给说法就跟他拼命”。',
  '家属情绪激动，{A}称要带汽油到医院讨说法。',
  '{A}多次到科室吵闹，扬言要报复主治医生。',
  '{A}称“大不了跟医生同归于尽”，已多次到医院闹事。',
];
const MEDICAL_FOLLOWUP = [
  '{hosp}报警称患者家属{A}在门诊大厅聚集吵闹，拉扯医务人员，民警到场处置。',
  '{A}来电反映{hosp}至今未给答复，称再不解决就到医院“讨个说法”。',
  '{hosp}保卫科报警：{A}带多名亲属在病区走廊吵闹，要求见院长。',
];
const MEDICAL_TREAT = ['做阑尾手术', '做心脏支架手术', '做胆囊手术', '输液治疗', '做骨折内固定手术'];
const MEDICAL_HARM = ['感染高烧不退', '出现严重并发症', '病情加重转入ICU', '落下残疾', '不幸死亡'];
const MEDICAL_RELS = ['父亲', '母亲', '妻子', '丈夫', '孩子'];

const PETITION_ISSUES: { category: string; text: string }[] = [
  { category: '城乡建设/征地拆迁', text: '反映其房屋被征收后安置补偿不到位，补偿款比邻居少{amount}元' },
  { category: '劳动和社会保障/工资待遇', text: '反映原单位拖欠其工资及经济补偿{amount}元多年未付' },
  { category: '国土资源/宅基地', text: '反映其宅基地被村里划给他人，多次要求重新审批未果' },
  { category: '国土资源/土地权属', text: '反映村集体土地流转款{amount}元未按户分配' },
];
const PETITION_ESCALATE = [
  '信访人称已到市信访局反映{n}次，对县里答复不满意。',
  '信访人表示如不解决将到省里上访。',
  '信访人多次越级到市里上访，扬言要进京。',
  '信访人称对处理意见不服，准备到北京反映。',
];
const PETITION_CALM = ['信访人希望属地尽快答复。', '已转乡镇办理。', '信访人要求查清事实。'];

const DESPAIR = [
  '{A}来电称因{trouble}，觉得活着没意思，不想活了。',
  '{A}在电话中情绪低落，多次说“想一死了之”，称{trouble}。',
  '{A}称{trouble}，扬言要从楼上跳楼。',
  '{A}求助称{trouble}，说家里备了农药，不想活了。',
];
const HARDSHIP = [
  '{A}来电称因{trouble}，生活压力很大，希望得到帮助。',
  '{A}反映{trouble}，请求社区给予困难救助。',
  '{A}求助称{trouble}，希望有人帮忙协调。',
];
const TROUBLES = [
  '欠下网贷二十多万还不上',
  '离婚后见不到孩子',
  '生意失败欠债',
  '长期失业家里揭不开锅',
  '被丈夫长期打骂',
];

// ---------------------------------------------------------------------------------------------------
// The plan: pure, from the seed and the villages

interface Scene {
  no: number;
  rng: Rng;
  v: Village;
  patterned: boolean;
  events: { day: number; source: string; cells: Omit<RecordCells, 'recordKey' | 'reportedAt'> }[];
  outcome: { day: number; kind: OutcomeKind; subject: SubjectRef | null } | null;
  tag?: { person: Person; tag: PlannedTag['tag'] };
}

const OUTCOME_ODDS: Record<ScenarioKind, [patterned: number, decoy: number]> = {
  family: [0.6, 0.1],
  neighbour: [0.5, 0.08],
  wages: [0.5, 0.05],
  medical: [0.5, 0.05],
  petition: [0.5, 0.08],
  despair: [0.4, 0.05],
  watchlist: [0.4, 0.08],
};
const KIND_WEIGHTS: [ScenarioKind, number][] = [
  ['family', 0.28],
  ['neighbour', 0.11],
  ['wages', 0.13],
  ['medical', 0.13],
  ['petition', 0.14],
  ['despair', 0.13],
  ['watchlist', 0.08],
];
const PATTERN_SHARE = 0.6;
const NOISE_OUTCOME_SHARE = 0.05;

function pickKind(rng: Rng): ScenarioKind {
  let r = rng();
  for (const [k, w] of KIND_WEIGHTS) {
    r -= w;
    if (r < 0) return k;
  }
  return 'family';
}

const place = (v: Village) => `${v.county}${v.town}${v.name}`;

function pointNear(rng: Rng, v: Village): { lng: number; lat: number } | null {
  if (v.lng === null || v.lat === null) return null;
  const j = () => (rng() - 0.5) * 0.004;
  return { lng: Math.round((v.lng + j()) * 1e6) / 1e6, lat: Math.round((v.lat + j()) * 1e6) / 1e6 };
}

function baseCells(rng: Rng, v: Village, source: string) {
  const p = pointNear(rng, v);
  return {
    areaCode: v.code,
    address: `${place(v)}${int(rng, 1, 199)}号`,
    // 110 and the hotline carry coordinates from their maps.
    ...((source === 'police_110' || source === 'hotline_12345') && p ? { lng: p.lng, lat: p.lat } : {}),
  };
}

function pairScene(s: Scene, now: Date, family: boolean) {
  const { rng, v } = s;
  let a: Person;
  let b: Person;
  let rel: string;
  if (family) {
    // Mostly a wife and her husband (or former husband), as the records' texts describe them; some parents
    // and their sons or sons-in-law.
    rel = rng() < 0.75 ? pick(rng, ['丈夫', '丈夫', '前夫']) : pick(rng, ['儿子', '女婿']);
    const child = rel === '儿子' || rel === '女婿';
    b = person(rng, v, 'M', child ? [20, 40] : [25, 65], now);
    a = person(rng, v, child ? pick(rng, ['M', 'F'] as const) : 'F', child ? [45, 80] : [23, 63], now);
  } else {
    rel = '邻居';
    a = person(rng, v, pick(rng, ['M', 'F'] as const), [30, 75], now);
    b = person(rng, v, pick(rng, ['M', 'F'] as const), [30, 75], now);
  }
  const calls = int(rng, 1, 3);
  const cause = pick(rng, family ? FAMILY_CAUSES : NEIGHBOUR_CAUSES);
  let day = 0;
  for (let i = 0; i < calls; i++) {
    if (i > 0) day += int(rng, 7, 60);
    const values = {
      A: a.name,
      B: b.name,
      rel,
      place: place(v),
      cause: rng() < 0.7 ? cause : pick(rng, family ? FAMILY_CAUSES : NEIGHBOUR_CAUSES),
    };
    const act = fill(rng, pick(rng, family ? FAMILY_ACTS : NEIGHBOUR_ACTS), values);
    const description = fill(rng, pick(rng, family ? FAMILY_110 : NEIGHBOUR_110), { ...values, act });
    s.events.push({
      day,
      source: 'police_110',
      cells: {
        title: `${a.name}报警${family ? '家庭纠纷' : '邻里纠纷'}`,
        description,
        category: family ? '0301' : pick(rng, ['0302', '0302', '0303']),
        ...baseCells(rng, v, 'police_110'),
        parties: [party(a, 'applicant'), party(b, 'respondent')],
      },
    });
  }
  day += int(rng, 3, 30);
  const category: DisputeCategory = family
    ? 'marriage_family'
    : pick(rng, ['neighbour', 'neighbour', 'house_homestead', 'contract'] as const);
  const base = generateDisputeText(category, rng, {
    partyA: a.name,
    partyB: b.name,
    place: place(v),
    // A fifth of the threats are in the corpus's own words, which the models' lists may not all hold.
    threat: s.patterned && rng() < 0.2,
  });
  let description = base.description;
  if (s.patterned && !/拼|同归于尽|报复|汽油|农药|放火|砍/.test(description)) {
    const [t, u] = rng() < 0.5 ? [a, b] : [b, a];
    description += fill(rng, pick(rng, THREATS), { T: t.name, U: u.name });
  }
  description += fill(rng, pick(rng, PRIOR_CALLS), { A: a.name, n: String(calls) });
  const source = family ? pick(rng, ['women_federation', 'justice_mediation']) : 'justice_mediation';
  const justiceCategory: Record<string, string> = {
    marriage_family: '婚姻家庭纠纷',
    neighbour: '邻里纠纷',
    house_homestead: '房屋宅基地纠纷',
    contract: '合同纠纷',
  };
  s.events.push({
    day,
    source,
    cells: {
      title: base.title,
      description: description.slice(0, 1000),
      ...(source === 'justice_mediation' ? { category: justiceCategory[category]!, peopleInvolved: 2 } : {}),
      ...baseCells(rng, v, source),
      parties: [party(a, 'applicant'), party(b, 'respondent')],
    },
  });
  const odds = OUTCOME_ODDS[family ? 'family' : 'neighbour'][s.patterned ? 0 : 1];
  if (rng() < odds) {
    const kind: OutcomeKind = family && rng() < 0.8 ? 'domestic_violence' : 'violent_incident';
    s.outcome = { day: day + int(rng, 3, 40), kind, subject: personRef(rng() < 0.5 ? a : b) };
  }
}

function wagesScene(s: Scene, now: Date) {
  const { rng, v } = s;
  const trade = pick(rng, FACTORY_TRADES);
  const corp = `${v.county.replace(/[区县市]$/, '')}${pick(rng, BRANDS)}${trade}有限公司`;
  const uscc = generateUscc(rng, v.code.slice(0, 6));
  const workers = s.patterned ? int(rng, 6, 14) : int(rng, 1, 3);
  const spread = s.patterned ? int(rng, 2, 21) : int(rng, 10, 90);
  const crowd = workers + int(rng, 5, 40);
  const months = int(rng, 2, 6);
  let last = 0;
  for (let i = 0; i < workers; i++) {
    const day = i === 0 ? 0 : int(rng, 0, spread);
    last = Math.max(last, day);
    const w = person(rng, v, rng() < 0.7 ? 'M' : 'F', [20, 55], now, rng() < 0.6);
    const amount = int(rng, 8, 60) * 1000;
    const values = {
      A: w.name,
      corp,
      months: String(months),
      amount: String(amount),
      since: `${int(rng, 1, 12)}月`,
      // 二十余名, 三十多名: a crowd is counted in tens.
      n: String(Math.max(10, Math.floor(crowd / 10) * 10)),
    };
    let description = fill(rng, pick(rng, WAGE_TEXTS), values);
    description += fill(rng, pick(rng, s.patterned && rng() < 0.8 ? WAGE_MASS : WAGE_CALM), values);
    const source = pick(rng, ['hrss_arbitration', 'hrss_arbitration', 'trade_union', 'hotline_12345']);
    const title = `${corp}拖欠工资`;
    if (source === 'hotline_12345') {
      s.events.push({
        day,
        source,
        cells: {
          title,
          description,
          category: '0301',
          ...baseCells(rng, v, source),
          parties: [party(w, 'applicant', false)],
        },
      });
    } else {
      s.events.push({
        day,
        source,
        cells: {
          title,
          description,
          category: source === 'trade_union' ? '欠薪' : '劳动报酬',
          amount,
          peopleInvolved: source === 'trade_union' && s.patterned ? crowd : 1,
          ...baseCells(rng, v, source),
          parties: [party(w, 'applicant'), enterpriseParty(corp, uscc)],
        },
      });
    }
  }
  if (rng() < OUTCOME_ODDS.wages[s.patterned ? 0 : 1]) {
    const kind: OutcomeKind = rng() < 0.7 ? 'mass_incident' : 'economic_collapse';
    s.outcome = { day: last + int(rng, 3, 30), kind, subject: { type: 'enterprise', uscc } };
  }
}

function hospitalOf(rng: Rng): { name: string; uscc: string } {
  const name = pick(rng, HOSPITALS);
  // The same hospital in every run and every seed: its code follows from its name.
  return { name, uscc: generateUscc(mulberry32(hash(name)), '330300', { authority: '1', category: '2' }) };
}

function medicalScene(s: Scene, now: Date) {
  const { rng, v } = s;
  const a = person(rng, v, pick(rng, ['M', 'F'] as const), [25, 65], now);
  const hosp = hospitalOf(rng);
  const values = {
    A: a.name,
    hosp: hosp.name,
    rel: pick(rng, MEDICAL_RELS),
    treat: pick(rng, MEDICAL_TREAT),
    harm: pick(rng, MEDICAL_HARM),
    amount: String(int(rng, 5, 80) * 10_000),
  };
  let description = fill(rng, pick(rng, MEDICAL_TEXTS), values);
  if (s.patterned) description += fill(rng, pick(rng, MEDICAL_THREATS), values);
  s.events.push({
    day: 0,
    source: 'health_medical',
    cells: {
      title: `${a.name}与${hosp.name}医疗纠纷`,
      description,
      category: pick(rng, ['诊疗过错', '护理问题', '医疗费用']),
      amount: Number(values.amount),
      ...baseCells(rng, v, 'health_medical'),
      parties: [party(a, 'applicant'), enterpriseParty(hosp.name, hosp.uscc)],
    },
  });
  let day = 0;
  const followUps = s.patterned ? int(rng, 1, 2) : rng() < 0.2 ? 1 : 0;
  for (let i = 0; i < followUps; i++) {
    day += int(rng, 2, 20);
    const source = pick(rng, ['police_110', 'hotline_12345']);
    const text = s.patterned
      ? fill(rng, pick(rng, MEDICAL_FOLLOWUP), values)
      : `${a.name}来电询问${hosp.name}医疗纠纷调解进度，希望尽快处理。`;
    s.events.push({
      day,
      source,
      cells: {
        title: `${hosp.name}医患纠纷`,
        description: text,
        category: source === 'police_110' ? '0306' : '0901',
        ...baseCells(rng, v, source),
        parties:
          source === 'police_110'
            ? [party(a, 'applicant'), enterpriseParty(hosp.name, hosp.uscc)]
            : [party(a, 'applicant', false)],
      },
    });
  }
  if (rng() < OUTCOME_ODDS.medical[s.patterned ? 0 : 1]) {
    s.outcome = { day: day + int(rng, 2, 30), kind: 'medical_violence', subject: personRef(a) };
  }
}

function petitionScene(s: Scene, now: Date) {
  const { rng, v } = s;
  const a = person(rng, v, pick(rng, ['M', 'F'] as const), [35, 75], now);
  const issue = pick(rng, PETITION_ISSUES);
  const times = s.patterned ? int(rng, 3, 6) : int(rng, 1, 2);
  let day = 0;
  for (let i = 0; i < times; i++) {
    if (i > 0) day += int(rng, 15, 50);
    const values = { amount: String(int(rng, 2, 40) * 10_000), n: String(i + 1) };
    let description = `${a.name}${fill(rng, issue.text, values)}。`;
    const escalating = s.patterned && i >= 1;
    description += fill(rng, pick(rng, escalating ? PETITION_ESCALATE : PETITION_CALM), values);
    if (i > 0) description += `此为第${i + 1}次来访。`;
    s.events.push({
      day,
      source: 'petition',
      cells: {
        title: `${a.name}${i > 0 ? '重复' : ''}信访`,
        description,
        category: issue.category,
        peopleInvolved: 1,
        ...baseCells(rng, v, 'petition'),
        // Going over the town's head: from the third visit on, the petition is lodged with the county or
        // the city, and registered there.
        ...(escalating && i >= 2 && rng() < 0.75
          ? { areaCode: rng() < 0.67 ? `${v.code.slice(0, 6)}000000` : '330300000000' }
          : {}),
        parties: [party(a, 'applicant')],
      },
    });
  }
  if (rng() < OUTCOME_ODDS.petition[s.patterned ? 0 : 1]) {
    s.outcome = { day: day + int(rng, 5, 45), kind: 'petition_escalation', subject: personRef(a) };
  }
}

function despairScene(s: Scene, now: Date) {
  const { rng, v } = s;
  const a = person(rng, v, pick(rng, ['M', 'F'] as const), [20, 70], now);
  let day = 0;
  if (rng() < 0.4) {
    // An earlier dispute of their own (a debt, a marriage), where they were named by ID number.
    const category = pick(rng, ['contract', 'marriage_family'] as const);
    const t = generateDisputeText(category, rng, { partyA: a.name, place: place(s.v) });
    s.events.push({
      day,
      source: 'justice_mediation',
      cells: {
        title: t.title,
        description: t.description,
        category: category === 'contract' ? '合同纠纷' : '婚姻家庭纠纷',
        ...baseCells(rng, v, 'justice_mediation'),
        parties: [party(a, 'applicant')],
      },
    });
    day += int(rng, 10, 60);
  }
  const source = pick(rng, ['hotline_12345', 'hotline_12345', 'women_federation', 'police_110']);
  const values = { A: a.name, trouble: pick(rng, TROUBLES) };
  const description = fill(rng, pick(rng, s.patterned ? DESPAIR : HARDSHIP), values);
  s.events.push({
    day,
    source,
    cells: {
      title: `${a.name}求助`,
      description,
      ...(source === 'police_110' ? { category: '0301' } : {}),
      ...(source === 'hotline_12345' ? { category: '1002' } : {}),
      ...baseCells(rng, v, source),
      parties: [party(a, 'applicant', source !== 'hotline_12345')],
    },
  });
  if (rng() < OUTCOME_ODDS.despair[s.patterned ? 0 : 1]) {
    s.outcome = {
      day: day + int(rng, 2, 30),
      kind: 'self_harm',
      subject: personRef(a, source !== 'hotline_12345'),
    };
  }
}

const WATCH_TAGS: { tag: PlannedTag['tag']; act: string }[] = [
  { tag: 'mental_disorder', act: '情绪反常，在{A}家门口大声叫骂、乱扔东西' },
  { tag: 'released_prisoner', act: '多次上门威胁{A}，称“我是坐过牢的，不怕”' },
  { tag: 'drug_user', act: '深夜敲打{A}家门窗，言语混乱' },
  { tag: 'community_correction', act: '与{A}发生推搡，扬言要给{A}点颜色看看' },
  { tag: 'violence_history', act: '持木棍到{A}家门口叫骂' },
];

function watchlistScene(s: Scene, now: Date) {
  const { rng, v } = s;
  const a = person(rng, v, pick(rng, ['M', 'F'] as const), [30, 75], now);
  const b = person(rng, v, rng() < 0.8 ? 'M' : 'F', [20, 60], now);
  const w = pick(rng, WATCH_TAGS);
  // Patterned: the other party is on a watch list; a decoy has the same quarrels with an untagged one.
  if (s.patterned) s.tag = { person: b, tag: w.tag };
  const cause = pick(rng, NEIGHBOUR_CAUSES);
  const times = int(rng, 1, 2);
  let day = 0;
  for (let i = 0; i < times; i++) {
    if (i > 0) day += int(rng, 5, 40);
    const act = fill(rng, w.act, { A: a.name });
    s.events.push({
      day,
      source: 'police_110',
      cells: {
        title: `${a.name}报警邻里纠纷`,
        description: `${a.name}报警称邻居${b.name}因${cause}与其发生矛盾，${b.name}${act}，民警到场处置。`,
        category: '0302',
        ...baseCells(rng, v, 'police_110'),
        parties: [party(a, 'applicant'), party(b, 'respondent')],
      },
    });
  }
  if (rng() < OUTCOME_ODDS.watchlist[s.patterned ? 0 : 1]) {
    s.outcome = { day: day + int(rng, 3, 40), kind: 'violent_incident', subject: personRef(b) };
  }
}

const RECORD_PREFIX: Record<string, string> = {
  police_110: 'J',
  women_federation: 'FL',
  justice_mediation: 'TJ',
  hrss_arbitration: 'ZC',
  trade_union: 'GH',
  hotline_12345: 'GD',
  health_medical: 'YJ',
  petition: 'XF',
};

/** The whole plan, deterministic from the seed, the period and the villages. */
export function planScenarios(opts: PlantOptions, villages: readonly Village[]): Plan {
  checkOptions(opts);
  if (!villages.length) throw new AppError('CONFLICT', '没有村（社区）区划 / No villages in the areas table');
  const rng = mulberry32(opts.seed);
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  // Birth dates are judged against the period's end, not the clock, so that a plan never changes.
  const now = opts.to;
  const scenarios = Object.fromEntries(
    SCENARIO_KINDS.map((k) => [k, { planted: 0, patterned: 0, withOutcome: 0 }]),
  ) as PlantResult['scenarios'];
  const records: PlannedRecord[] = [];
  const outcomes: PlannedOutcome[] = [];
  const tags: PlannedTag[] = [];
  const keySeq = new Map<string, number>();
  const recordKey = (source: string, at: number) => {
    const n = (keySeq.get(source) ?? 0) + 1;
    keySeq.set(source, n);
    const d = new Date(at + CST);
    const ymd = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`;
    return `${RECORD_PREFIX[source] ?? 'R'}DEMO${opts.seed}-${ymd}-${pad(n, 5)}`;
  };

  for (let no = 1; no <= opts.count; no++) {
    const kind = pickKind(rng);
    // Each scenario draws from its own generator: changing one scenario's shape leaves the others alone.
    const s: Scene = {
      no,
      rng: mulberry32((opts.seed ^ Math.imul(no, 0x9e3779b1)) >>> 0),
      v: pick(rng, villages),
      patterned: rng() < PATTERN_SHARE,
      events: [],
      outcome: null,
    };
    if (kind === 'family' || kind === 'neighbour') pairScene(s, now, kind === 'family');
    else if (kind === 'wages') wagesScene(s, now);
    else if (kind === 'medical') medicalScene(s, now);
    else if (kind === 'petition') petitionScene(s, now);
    else if (kind === 'despair') despairScene(s, now);
    else watchlistScene(s, now);

    // Place the scenario in the period: it starts at a random day and, if it is longer than the period,
    // its gaps shrink to fit. Times of day are CST office and evening hours.
    const span = Math.max(s.outcome?.day ?? 0, ...s.events.map((e) => e.day)) + 1;
    const days = Math.max(1, Math.floor((to - from) / DAY) - 1);
    const scale = span > days ? days / span : 1;
    const start = from + Math.floor(s.rng() * Math.max(1, days - span * scale)) * DAY;
    const at = (day: number) => {
      const t = start + Math.floor(day * scale) * DAY + int(s.rng, 7, 22) * HOUR + int(s.rng, 0, 59) * 60_000;
      return Math.min(Math.max(t, from), to - 60_000);
    };
    const times = s.events.map((e) => at(e.day)).sort((x, y) => x - y);
    if (s.tag) {
      tags.push({
        idNumber: s.tag.person.idNumber,
        tag: s.tag.tag,
        at: new Date((times[0] ?? from) - int(s.rng, 30, 400) * DAY),
        note: `demo seed=${opts.seed} #${no}`,
      });
    }
    for (const [i, e] of s.events.entries()) {
      const t = times[i]!;
      records.push({
        source: e.source,
        at: t,
        cells: { recordKey: recordKey(e.source, t), reportedAt: new Date(t).toISOString(), ...e.cells },
      });
    }
    const sum = scenarios[kind];
    sum.planted++;
    if (s.patterned) sum.patterned++;
    if (s.outcome) {
      sum.withOutcome++;
      const last = times.at(-1) ?? from;
      outcomes.push({
        kind: s.outcome.kind,
        at: new Date(Math.max(at(s.outcome.day), last + HOUR)),
        subject: s.outcome.subject,
        areaCode: s.v.code,
        note: `demo seed=${opts.seed} #${no} ${kind}`,
      });
    }
  }

  // What no model can foresee: outcomes with no history, anywhere.
  const noise = Math.round(opts.count * NOISE_OUTCOME_SHARE);
  for (let i = 1; i <= noise; i++) {
    outcomes.push({
      kind: pick(rng, ['violent_incident', 'domestic_violence', 'mass_incident', 'self_harm'] as const),
      at: new Date(from + Math.floor(rng() * (to - from))),
      subject: null,
      areaCode: pick(rng, villages).code,
      note: `demo seed=${opts.seed} noise#${i}`,
    });
  }
  records.sort((a, b) => a.at - b.at);
  outcomes.sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const o of outcomes) if (o.at.getTime() >= to) o.at = new Date(to - 60_000);
  return { records, outcomes, tags, scenarios };
}

function checkOptions(opts: PlantOptions) {
  const bad = (path: string, message: string) =>
    new AppError('VALIDATION_FAILED', message, [{ path, message }]);
  if (!Number.isInteger(opts.seed)) throw bad('seed', '种子应为整数 / The seed must be an integer');
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > MAX_COUNT)
    throw bad('count', `场景数应为 1–${MAX_COUNT} / Count must be 1–${MAX_COUNT}`);
  if (Number.isNaN(opts.from.getTime()) || Number.isNaN(opts.to.getTime()) || opts.to <= opts.from)
    throw bad('to', '时间段无效 / Invalid period');
  if (opts.to.getTime() - opts.from.getTime() < 7 * DAY)
    throw bad('to', '时间段至少 7 天 / The period must be at least 7 days');
  if (opts.to.getTime() > Date.now() + DAY)
    throw bad('to', '截止日期不能晚于今天 / The period cannot end in the future');
}

// ---------------------------------------------------------------------------------------------------
// Planting

export async function loadVillages(db: DbOrTx): Promise<Village[]> {
  const r = await sql<{
    code: string;
    name: string;
    town: string;
    county: string;
    center_lng: number | null;
    center_lat: number | null;
  }>`
    select v.code, v.name, t.name as town, c.name as county, v.center_lng, v.center_lat
    from areas v
    join areas t on t.code = v.parent_code
    join areas c on c.code = t.parent_code
    where v.level = 4 and v.code like '3303%'
    order by v.code`.execute(db);
  return r.rows.map((x) => ({
    code: x.code,
    name: x.name,
    town: x.town,
    county: x.county,
    lng: x.center_lng,
    lat: x.center_lat,
  }));
}

async function resolveSubject(
  kernel: Kernel,
  ref: SubjectRef | null,
): Promise<{ type: string; id: string } | null> {
  if (!ref) return null;
  if (ref.type === 'enterprise') {
    const e = await kernel.db
      .selectFrom('enterprises')
      .select('id')
      .where('uscc', '=', ref.uscc)
      .executeTakeFirst();
    return e ? { type: 'enterprise', id: String(e.id) } : null;
  }
  const id = ref.idNumber ? (normalizeIdCard(ref.idNumber) ?? ref.idNumber) : null;
  const q = kernel.db.selectFrom('persons').select('id').orderBy('id').limit(1);
  const p = id
    ? await q.where('id_number_hmac', '=', kernel.vault.blindIndex('id_number', id)).executeTakeFirst()
    : await q.where('phone_hmac', '=', kernel.vault.blindIndex('mobile', ref.phone)).executeTakeFirst();
  return p ? { type: 'person', id: String(p.id) } : null;
}

/**
 * Plants `count` scenarios over [from, to]: the records through the dispute intake (as the departments'
 * own sources, pushed), the outcomes into `alert_outcomes`. Returns what was planted.
 */
export async function plantScenarios(kernel: Kernel, opts: PlantOptions): Promise<PlantResult> {
  const plan = planScenarios(opts, await loadVillages(kernel.db));
  const result: PlantResult = {
    scenarios: plan.scenarios,
    records: { inserted: 0, merged: 0, skipped: 0, rejected: 0 },
    rejects: [],
    outcomes: {},
    outcomesInserted: 0,
    tagsInserted: 0,
  };
  const bySource = new Map<string, PlannedRecord[]>();
  for (const r of plan.records) {
    const list = bySource.get(r.source) ?? [];
    list.push(r);
    bySource.set(r.source, list);
  }
  for (const [code, list] of [...bySource].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const source = await getSource(kernel.db, code);
    const actor = sourceActor(source);
    for (let i = 0; i < list.length; i += BATCH) {
      const batch = list.slice(i, i + BATCH);
      const r = await intake(
        kernel,
        actor,
        source,
        'push',
        batch.map((x) => x.cells),
      );
      for (const k of ['inserted', 'merged', 'skipped', 'rejected'] as const)
        result.records[k] += r.counts[k];
      for (const o of r.outcomes) {
        if (o.status === 'rejected' && result.rejects.length < 10) {
          result.rejects.push({
            source: code,
            recordKey: o.recordKey,
            reason: (o.errors ?? []).map((e) => `${e.field}: ${e.reason}`).join('; '),
          });
        }
      }
    }
  }

  const existing = new Set(
    (
      await sql<{ note: string }>`
        select note from alert_outcomes where source = 'demo' and note like ${`demo seed=${opts.seed} %`}`.execute(
        kernel.db,
      )
    ).rows.map((r) => r.note),
  );
  const rows: {
    kind: OutcomeKind;
    subject_type: string | null;
    subject_id: string | null;
    area_code: string;
    at: Date;
    note: string;
  }[] = [];
  for (const o of plan.outcomes) {
    result.outcomes[o.kind] = (result.outcomes[o.kind] ?? 0) + 1;
    if (existing.has(o.note)) continue;
    const subject = await resolveSubject(kernel, o.subject);
    rows.push({
      kind: o.kind,
      subject_type: subject?.type ?? null,
      subject_id: subject?.id ?? null,
      area_code: o.areaCode,
      at: o.at,
      note: o.note,
    });
  }
  await kernel.db.transaction().execute(async (tx) => {
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await sql`
        insert into alert_outcomes (kind, subject_type, subject_id, area_code, at, source, note)
        values ${sql.join(
          chunk.map(
            (r) =>
              sql`(${r.kind}, ${r.subject_type}, ${r.subject_id}::bigint, ${r.area_code}, ${r.at}, 'demo', ${r.note})`,
          ),
        )}`.execute(tx);
    }
  });
  result.outcomesInserted = rows.length;

  for (const t of plan.tags) {
    const p = await resolveSubject(kernel, { type: 'person', idNumber: t.idNumber, phone: '' });
    if (!p) continue;
    const r = await sql`
      insert into person_tags (person_id, tag, note, created_at)
      values (${p.id}::bigint, ${t.tag}, ${t.note}, ${t.at})
      on conflict do nothing returning person_id`.execute(kernel.db);
    result.tagsInserted += r.rows.length;
  }
  return result;
}

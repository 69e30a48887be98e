import type { DisputeCategory } from '../dispute.schema.ts';

/**
 * Synthetic 矛盾纠纷 registry texts for training and testing the dispute classifier, and for demo data.
 *
 * Every text is built from a phrasing template plus slot pools (place, parties, amount, time). Templates
 * are split into two disjoint sets: 'train' and 'heldout', so a model trained on one and scored on the
 * other is tested on phrasing it has never seen (the vocabulary of a category is shared, as it is in
 * real records). Categories overlap on purpose (物业 / 邻里, 合同 / 生产经营, 损害赔偿 / 道路交通事故,
 * 房屋宅基地 / 征地拆迁 …) so that a classifier cannot reach 100 %.
 *
 * Template syntax: `{slot}` is filled from a pool (the same slot keeps one value within a text);
 * `[a|b|c]` picks one alternative (no nesting).
 */

export interface DisputeText {
  title: string;
  description: string;
  category: DisputeCategory;
}

export interface GenerateOptions {
  variant?: 'train' | 'heldout';
  place?: string;
  partyA?: string;
  partyB?: string;
  amount?: number;
  threat?: boolean;
}

/** mulberry32: a tiny seeded source of numbers in [0, 1), so generated corpora reproduce. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rng: () => number, xs: readonly T[]): T {
  const x = xs[Math.floor(rng() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

// ---------------------------------------------------------------------------------------------------
// Shared slot pools
// ---------------------------------------------------------------------------------------------------

const PLACES = [
  '鹿城区五马街道',
  '鹿城区南汇街道',
  '鹿城区滨江街道',
  '鹿城区藤桥镇',
  '鹿城区双屿街道',
  '鹿城区蒲鞋市街道',
  '龙湾区永中街道',
  '龙湾区状元街道',
  '龙湾区蒲州街道',
  '龙湾区海城街道',
  '瓯海区娄桥街道',
  '瓯海区梧田街道',
  '瓯海区潘桥街道',
  '瓯海区丽岙街道',
  '瓯海区仙岩街道',
  '洞头区北岙街道',
  '乐清市柳市镇',
  '乐清市虹桥镇',
  '乐清市城东街道',
  '乐清市白石街道',
  '瑞安市安阳街道',
  '瑞安市塘下镇',
  '瑞安市飞云街道',
  '瑞安市莘塍街道',
  '永嘉县瓯北街道',
  '永嘉县桥头镇',
  '永嘉县岩头镇',
  '平阳县昆阳镇',
  '平阳县鳌江镇',
  '平阳县水头镇',
  '苍南县灵溪镇',
  '苍南县钱库镇',
  '苍南县藻溪镇',
  '文成县大峃镇',
  '文成县玉壶镇',
  '泰顺县罗阳镇',
  '泰顺县司前畲族镇',
  '龙港市新城社区',
  '龙港市芦浦社区',
  '经开区沙城街道',
];

const SURNAMES = '王李张陈林黄吴郑周徐叶胡潘金朱杨章池蔡谢施戴林刘孙项'.split('');
const COMMUNITIES = [
  '锦绣花园',
  '滨江花苑',
  '新城家园',
  '翠微小区',
  '景山公寓',
  '水心住宅区',
  '江滨名苑',
  '南浦小区',
  '绿洲花园',
  '瓯江国际',
  '金域华府',
  '学院东路小区',
  '康乐坊小区',
  '新桥安置小区',
  '世纪广场公寓',
];
const VILLAGES = [
  '下岙村',
  '上垟村',
  '塘头村',
  '溪口村',
  '岭下村',
  '横河村',
  '东山村',
  '后垟村',
  '新联村',
  '龙头村',
  '前埠村',
  '桥头村',
];
const INDUSTRIES = [
  '鞋业',
  '服饰',
  '电气',
  '阀门',
  '眼镜',
  '五金',
  '包装',
  '汽摩配',
  '印刷',
  '建材',
  '紧固件',
  '塑料制品',
];
const MONTHS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'];

type Pools = Record<string, readonly string[] | ((rng: () => number) => string)>;

function personName(rng: () => number): string {
  return `${pick(rng, SURNAMES)}${rng() < 0.5 ? '某' : '某某'}`;
}

function companyName(rng: () => number): string {
  return `温州某${pick(rng, INDUSTRIES)}有限公司`;
}

function formatAmount(yuan: number): string {
  if (yuan >= 10000) {
    const wan = yuan / 10000;
    const s = wan >= 100 ? wan.toFixed(0) : Number(wan.toFixed(wan >= 10 ? 1 : 2)).toString();
    return `${s}万元`;
  }
  return `${Math.round(yuan)}元`;
}

const SHARED: Pools = {
  place: PLACES,
  A: personName,
  B: personName,
  C: personName,
  corp: companyName,
  corp2: companyName,
  community: COMMUNITIES,
  village: VILLAGES,
  n: (r) => String(5 + Math.floor(r() * 56)),
  few: ['2', '3', '4', '两', '三'],
  year: ['2023', '2024', '2025'],
  month: MONTHS,
  day: (r) => String(1 + Math.floor(r() * 28)),
  time: [
    '今年3月',
    '今年初',
    '去年年底',
    '上个月',
    '春节前',
    '2024年下半年',
    '2025年5月',
    '近半年来',
    '前不久',
    '本月初',
    '去年8月',
    '2023年',
  ],
  floor: (r) => String(2 + Math.floor(r() * 25)),
  unit: (r) => `${1 + Math.floor(r() * 12)}幢${1 + Math.floor(r() * 3)}单元`,
  room: (r) => `${2 + Math.floor(r() * 25)}0${1 + Math.floor(r() * 4)}室`,
  area: (r) => String(20 + Math.floor(r() * 300)),
};

/** Sentences that end a registry entry; a good share of real entries end with one of these. */
const CLOSERS = {
  train: [
    '现申请调解。',
    '请求相关部门介入处理。',
    '经网格员初步劝解，双方情绪稍有缓和。',
    '当事人要求尽快解决。',
    '已转属地街道调处。',
    '双方均同意接受人民调解。',
    '民警到场后将双方带回派出所调解。',
    '来电人情绪激动，要求给个说法。',
  ],
  heldout: [
    '望有关部门协调解决。',
    '社区调委会已受理。',
    '目前双方仍各执一词。',
    '请属地核实处理并回复。',
    '当事人表示如不解决将继续反映。',
    '经初步调解未达成一致意见。',
    '现已移交镇调委会处理。',
  ],
};

/** Threat or violence wording, inserted into a text when `threat` is set. */
const THREATS = [
  '{A}扬言若得不到解决就要和对方拼命。',
  '{A}情绪激动，称要带汽油去{B}处同归于尽。',
  '{A}多次在电话中威胁要报复{B}一家。',
  '{A}称已买好农药，不解决就喝下去。',
  '现场{A}手持菜刀扬言要砍人，民警及时制止。',
  '{A}放话要找人上门把{B}打残。',
  '{A}在微信群里发布要"跟{B}拼了"的言论。',
  '{A}扬言要放火烧掉对方的房子。',
  '{A}称走投无路，要从楼顶跳下去。',
  '双方一度发生推搡，{A}拿起铁棍要打{B}，被围观群众拉开。',
  '{A}声称"大不了鱼死网破"，要去{B}单位闹事报复。',
  '{A}携带汽油桶到现场，称要以死相逼。',
];

// ---------------------------------------------------------------------------------------------------
// Category templates
// ---------------------------------------------------------------------------------------------------

interface CategorySpec {
  /** Amount range in yuan for `{amount}` when the caller gives none. */
  amount: [number, number];
  /** Category-specific pools, merged over the shared ones. */
  pools: Pools;
  train: { titles: string[]; bodies: string[] };
  heldout: { titles: string[]; bodies: string[] };
}

import { SPECS } from './corpus.templates.ts';

// ---------------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------------

const ALT = /\[([^[\]]*)\]/g;
const SLOT = /\{([A-Za-z0-9_]+)\}/g;

function render(template: string, rng: () => number, fill: (slot: string) => string): string {
  return template.replace(ALT, (_m, body: string) => pick(rng, body.split('|'))).replace(SLOT, (_m, s: string) => fill(s));
}

export function generateDisputeText(
  category: DisputeCategory,
  rng: () => number,
  opts: GenerateOptions = {},
): DisputeText {
  const spec: CategorySpec = SPECS[category];
  const variant = opts.variant ?? 'train';
  const set = spec[variant];
  const [lo, hi] = spec.amount;
  const values = new Map<string, string>();
  if (opts.place) values.set('place', opts.place);
  if (opts.partyA) values.set('A', opts.partyA);
  if (opts.partyB) values.set('B', opts.partyB);
  const amount = opts.amount ?? Math.round((lo + (hi - lo) * rng() ** 2) / 100) * 100;
  values.set('amount', formatAmount(amount));
  const fill = (slot: string): string => {
    const known = values.get(slot);
    if (known !== undefined) return known;
    const pool = spec.pools[slot] ?? SHARED[slot];
    if (pool === undefined) throw new Error(`corpus template uses unknown slot {${slot}}`);
    let v = typeof pool === 'function' ? pool(rng) : pick(rng, pool);
    // Two parties of a dispute are different people.
    if (slot === 'B' && v === values.get('A')) v = `${v}甲`;
    values.set(slot, v);
    return v;
  };

  const title = render(pick(rng, set.titles), rng, fill);
  const body = render(pick(rng, set.bodies), rng, fill);
  const threat = opts.threat ? render(pick(rng, THREATS), rng, fill) : '';
  const closer = rng() < 0.6 || body.length < 40 ? render(pick(rng, CLOSERS[variant]), rng, fill) : '';
  let description = `${body}${threat}${closer}`;
  if (description.length > 300) description = `${body}${threat}`;
  if (description.length > 300) description = `${description.slice(0, 299)}。`;
  return { title, description, category };
}

export type { CategorySpec, Pools };

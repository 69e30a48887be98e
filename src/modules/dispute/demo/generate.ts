import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { readBuiltinAreas } from '../../../core/areas/builtin.ts';
import { generateIdCard, generateMobile, generateUscc } from '../../../core/subjects/codes.ts';
import { type DisputeText, generateDisputeText, seededRng } from '../classifier/corpus.ts';
import type { DisputeCategory } from '../dispute.schema.ts';
import { DEPARTMENT_SOURCES, type SourceDef, type SourceProfile } from '../sources.ts';

/**
 * Realistic department files for demos, imports and load tests: the 21 departments' exports of one
 * synthetic city's disputes, each in its own department's shape (see `DEPARTMENT_SOURCES`). Disputes sit in
 * real 温州 villages, parties carry valid GB 11643 / GB 32100 identifiers and come back across disputes,
 * about 5 % of disputes are reported by two or three departments, and a few rows are broken on purpose so
 * that an import has something to reject.
 *
 * Everything streams: memory stays flat however many rows are asked for. All randomness comes from one
 * seeded generator, so a seed reproduces the CSV and JSON Lines files byte for byte; XLSX files hold the
 * same sheets, but their zip entries carry the time they were written.
 */

export interface GenerateOptions {
  dir: string;
  /** Total rows across all 21 sources. */
  rows: number;
  seed: number;
  from: Date;
  to: Date;
  /** Share of rows broken on purpose (bad ID checksum, unreadable date …); default 0.002. */
  badRowShare?: number;
  /** Share of disputes reported by 2–3 departments; default 0.05. */
  multiSourceShare?: number;
  onProgress?: (rowsWritten: number) => void;
}

export interface GeneratedFile {
  source: string;
  path: string;
  format: 'csv' | 'xlsx' | 'jsonl';
  encoding: 'utf8' | 'gbk' | null;
  rows: number;
  /** Row numbers as the parser reports them (1-based, header and title rows counted) of the broken rows. */
  badRows: number[];
  /**
   * Rows whose description is a spreadsheet formula (=HYPERLINK…). They are valid and must import; an
   * export has to neutralise them. Same numbering as `badRows`.
   */
  formulaRows: number[];
}

export interface MultiSourceDispute {
  disputeKey: string;
  sources: string[];
  /** The record number each of `sources` gave it, in the same order. */
  recordKeys: string[];
}

export interface GenerateResult {
  files: GeneratedFile[];
  /**
   * Distinct disputes written. Broken and formula rows are only ever put in single-source disputes, so a
   * clean import ends with `disputes − Σ badRows.length` disputes.
   */
  disputes: number;
  records: number;
  /** A sample (the first 1,000) of the disputes reported by more than one department. */
  multiSource: MultiSourceDispute[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CST = 8 * HOUR;
/** Excel's day 0 (1899-12-30, after its 1900 leap-year bug). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const MULTI_SAMPLE = 1_000;
/** Recent people and companies a new dispute may name again; bounded so that memory stays flat. */
const PERSON_POOL = 20_000;
const ENTERPRISES_PER_TRADE = 500;
/** Characters kept in memory per file before a write; big enough that the write call count stays low. */
const FLUSH_CHARS = 64 * 1024;
const PROGRESS_EVERY = 10_000;
export const FORMULA_TEXT = '=HYPERLINK("http://evil.example","点我")';
const OVERSIZED_CHARS = 6_000;

type Rng = () => number;
type CellOut = string | number | Date | null;

// ---------------------------------------------------------------------------------------------------
// Small random helpers

function pick<T>(rng: Rng, xs: readonly T[]): T {
  const x = xs[Math.floor(rng() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Cumulative tables of the weight objects seen so far: most are constants drawn from a million times. */
const WEIGHT_TABLES = new WeakMap<object, { keys: string[]; cum: number[] }>();

function weighted<K extends string>(rng: Rng, weights: Partial<Record<K, number>>): K {
  let t = WEIGHT_TABLES.get(weights);
  if (!t) {
    const keys: string[] = [];
    const cum: number[] = [];
    let total = 0;
    for (const [k, w] of Object.entries(weights) as [string, number][]) {
      if (!(w > 0)) continue;
      total += w;
      keys.push(k);
      cum.push(total);
    }
    if (keys.length === 0) throw new Error('weighted pick from no positive weights');
    t = { keys, cum };
    WEIGHT_TABLES.set(weights, t);
  }
  const r = rng() * t.cum[t.cum.length - 1]!;
  let i = 0;
  while (t.cum[i]! <= r) i++;
  return t.keys[i] as K;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A word list written on one line. */
const words = (s: string): string[] => s.split(' ');

// ---------------------------------------------------------------------------------------------------
// Dates: departments write China Standard Time wall-clock times

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function wall(ms: number): Wall {
  const t = new Date(ms + CST);
  return {
    y: t.getUTCFullYear(),
    mo: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    h: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    s: t.getUTCSeconds(),
  };
}

const ymd = (w: Wall) => `${w.y}${pad(w.mo, 2)}${pad(w.d, 2)}`;

const DATE_TOKENS = /YYYY|MM|M|DD|D|HH|H|mm|ss|Z/g;
const DATE_PARTS: Record<string, (w: Wall) => string> = {
  YYYY: (w) => String(w.y),
  MM: (w) => pad(w.mo, 2),
  M: (w) => String(w.mo),
  DD: (w) => pad(w.d, 2),
  D: (w) => String(w.d),
  HH: (w) => pad(w.h, 2),
  H: (w) => String(w.h),
  mm: (w) => pad(w.mi, 2),
  ss: (w) => pad(w.s, 2),
  Z: () => '+08:00',
};

/**
 * Formats in dayjs notation, the subset the profiles use. Compiled once per source: dayjs itself costs
 * a few microseconds a call, which adds up over a million rows.
 */
function compileDateFormat(format: string): (ms: number) => string {
  const parts: (string | ((w: Wall) => string))[] = [];
  let last = 0;
  for (const m of format.matchAll(DATE_TOKENS)) {
    if (m.index > last) parts.push(format.slice(last, m.index));
    parts.push(DATE_PARTS[m[0]]!);
    last = m.index + m[0].length;
  }
  if (last < format.length) parts.push(format.slice(last));
  return (ms) => {
    const w = wall(ms);
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(w);
    return out;
  };
}

/**
 * An XLSX date cell: exceljs turns a Date into a serial number by its UTC fields, and a sheet shows
 * wall-clock time, so the Date carries China time in its UTC fields (the parser reads it back that way).
 */
function excelDate(ms: number, dateOnly: boolean): Date {
  const t = ms + CST;
  return new Date(dateOnly ? t - (t % DAY) : t - (t % 60_000));
}

function excelSerial(ms: number): number {
  const t = ms + CST;
  return Math.floor((t - (t % DAY) - EXCEL_EPOCH_MS) / DAY);
}

// ---------------------------------------------------------------------------------------------------
// Places

interface Village {
  code: string;
  /** Official name (新凤村委会, 鼓楼社区) and the way people write it (新凤村, 鼓楼社区). */
  name: string;
  short: string;
  urban: boolean;
  town: { code: string; name: string; short: string; pseudo: boolean };
  county: { code: string; name: string; short: string; code6: string };
  center: [number, number] | null;
}

interface Places {
  villages: Village[];
  /** Street and estate names that contain no area name, so an address never points at a second place. */
  streets: string[];
  estates: string[];
}

const COUNTY_SHORT: Record<string, string> = {
  '330302': '鹿城',
  '330303': '龙湾',
  '330304': '瓯海',
  '330305': '洞头',
  '330324': '永嘉',
  '330326': '平阳',
  '330327': '苍南',
  '330328': '文成',
  '330329': '泰顺',
  '330381': '瑞安',
  '330382': '乐清',
  '330383': '龙港',
};

/** How each county is abbreviated in 文书 numbers: 温鹿 for 鹿城, 瑞 for 瑞安 … */
const COUNTY_DOC: Record<string, string> = {
  '330302': '温鹿',
  '330303': '温龙',
  '330304': '温瓯',
  '330305': '温洞',
  '330324': '永',
  '330326': '平',
  '330327': '苍',
  '330328': '文',
  '330329': '泰',
  '330381': '瑞',
  '330382': '乐',
  '330383': '龙港',
};

const STREET_NAMES = words(
  '解放街 人民路 信河街 府前街 学院路 车站大道 锦绣路 新城大道 温州大道 瓯江路 飞霞南路 勤奋路 蒲州路 汤家桥路 南塘街 百里路 划龙桥路 黎明路 望江路 上陡门路 县前路 东山路 罗阳大道 万松路 安阳路 隆山路 塘下大道 柳川路 双雁路 旭阳路 兴盛路 振兴路 建设路 文化路 中山路 新华路 环城路 滨江路 工业路 创业路 和平路 光明路 幸福路 迎宾大道 世纪大道 站前路 育英路',
);

const ESTATE_NAMES = words(
  '锦园小区 丽景花园 金色家园 阳光公寓 绿城御园 翠微苑 江景华庭 天和名苑 聚福园 恒大名都 东方花苑 怡景新村 银都花园 书香名邸 滨江锦园 世纪花园 康乐小区 新城家园',
);

const RURAL_LANES = ['村口路', '中心街', '老街', '新村路', '环村路', '溪滨路', '后山路', '前洋路'];

function villageShort(name: string): string {
  if (name.endsWith('村委会')) return `${name.slice(0, -3)}村`;
  if (name.endsWith('社区居委会')) return name.slice(0, -3);
  if (name.endsWith('居委会')) return `${name.slice(0, -3)}社区`;
  return name;
}

async function loadPlaces(): Promise<Places> {
  const areas = await readBuiltinAreas();
  const byCode = new Map(areas.map((a) => [a.code, a]));
  const stems = new Set<string>();
  for (const a of areas) {
    if (a.level < 2 || a.level > 4) continue;
    stems.add(a.name);
    const stem = a.name.replace(/(社区居委会|村委会|居委会|社区|街道|镇|乡|区|县|市)$/, '');
    if (stem.length >= 2) stems.add(stem);
  }
  const free = (s: string) => {
    for (let i = 0; i < s.length; i++)
      for (let j = i + 2; j <= s.length; j++) if (stems.has(s.slice(i, j))) return false;
    return true;
  };
  const villages: Village[] = [];
  for (const a of areas) {
    if (a.level !== 4 || a.parentCode === null) continue;
    const town = byCode.get(a.parentCode);
    const county = town?.parentCode ? byCode.get(town.parentCode) : undefined;
    if (!town || !county) continue;
    const code6 = county.code.slice(0, 6);
    villages.push({
      code: a.code,
      name: a.name,
      short: villageShort(a.name),
      // 居委会 codes are 001–199 in the statistical convention.
      urban: /^[01]/.test(a.code.slice(9)) || /(社区|居委会)$/.test(a.name),
      town: {
        code: town.code,
        name: town.name,
        short: town.name.replace(/(畲族)?(街道|镇|乡)$/, '') || town.name,
        pseudo: town.name.includes('直辖'),
      },
      county: { code: county.code, name: county.name, short: COUNTY_SHORT[code6] ?? county.name, code6 },
      center: a.center,
    });
  }
  return { villages, streets: STREET_NAMES.filter(free), estates: ESTATE_NAMES.filter(free) };
}

type Setting = 'urban' | 'rural' | 'any';

/** Cumulative weights over villages, built per (setting, county list) on first use. */
class VillagePicker {
  private readonly cache = new Map<string, { villages: Village[]; cum: Float64Array }>();
  constructor(private readonly all: Village[]) {}

  pick(rng: Rng, setting: Setting, counties: readonly string[] | null): Village {
    const key = `${setting}|${counties?.join(',') ?? ''}`;
    let entry = this.cache.get(key);
    if (!entry) {
      const villages = counties ? this.all.filter((v) => counties.includes(v.county.code6)) : this.all;
      const cum = new Float64Array(villages.length);
      let total = 0;
      for (const [i, v] of villages.entries()) {
        // Communities are where most people live; land disputes happen in villages.
        const w =
          setting === 'urban'
            ? v.urban
              ? 6
              : 0.5
            : setting === 'rural'
              ? v.urban
                ? 0.3
                : 2
              : v.urban
                ? 3
                : 1;
        total += w;
        cum[i] = total;
      }
      entry = { villages, cum };
      this.cache.set(key, entry);
    }
    const r = rng() * entry.cum[entry.cum.length - 1]!;
    let lo = 0;
    let hi = entry.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entry.cum[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return entry.villages[lo]!;
  }
}

// ---------------------------------------------------------------------------------------------------
// People and organisations

interface Party {
  kind: 'person' | 'enterprise';
  name: string;
  idNumber: string | null;
  phone: string | null;
  uscc: string | null;
  /** For a company that complains: the person who calls 110 or signs the form on its behalf. */
  contact?: Party;
}

// Wenzhou's commonest surnames first, so that they come up most often.
const SURNAMES = words(
  '陈14 林9 王7 黄6 张5 李4 周4 吴4 郑4 徐3 潘3 金3 胡3 叶3 朱2 杨2 刘2 谢2 苏2 郭1 卢1 蔡1 池1 项1 季1 戴1 董1 孙1 施1 余1 章1 钱1 麻1 应1 夏1 姜1 高1 陆1 赵1 许1 邵1 缪1 洪1 薛1 阮1 包1',
).map((w) => [w.charAt(0), Number(w.slice(1))] as const);
const SURNAME_WEIGHTS: Record<string, number> = Object.fromEntries(SURNAMES);
const MALE_CHARS = [...'建国伟明华军强志海东杰斌俊磊勇平文新龙峰晓辉鹏飞宇浩成超波林德福荣忠'];
const FEMALE_CHARS = [...'丽娟敏静燕芳红霞艳玲婷雪萍琴慧秀英美月洁晶倩佳怡素凤莉彩珍蓉'];

/** Where out-of-town workers' ID numbers come from (安徽, 江西, 贵州, 四川, 河南, 湖南). */
const MIGRANT_AREAS = ['341221', '341222', '362329', '522422', '513922', '412726', '431121', '360734'];

const BRANDS = words(
  '鑫源 宏达 恒力 华盛 金诚 永兴 天成 瑞丰 嘉泰 联发 远航 盛业 德力 隆鑫 凯达 海峰 锦程 佳美 正大 新亚 金鹰 立信 康华 中和 百盛 富通 明辉 腾飞 信达 安泰 合力 华星 金龙 新光 恒远 博创 欧亚 协和',
);

type Trade =
  | 'factory'
  | 'retail'
  | 'property'
  | 'polluter'
  | 'developer'
  | 'logistics'
  | 'dispatch'
  | 'general';
const TRADES: Record<Trade, readonly string[]> = {
  factory: words('鞋业 服饰 电气 汽摩配件 阀门 眼镜 制笔 塑料制品 建筑工程 机械 印刷包装'),
  retail: words('商贸 电器 健身服务 教育科技 家居 汽车销售服务 美容 通讯器材 旅行社 网络科技'),
  property: words('物业服务 物业管理'),
  polluter: words('化工 电镀 印染 合成革 金属表面处理 建材'),
  developer: words('房地产开发 置业'),
  logistics: words('物流 运输 客运'),
  dispatch: words('人力资源 劳务派遣'),
  general: words('贸易 实业 建设 投资 科技 食品 装饰工程'),
};

const HOSPITALS: { name: string; county: string }[] = [
  { name: '温州医科大学附属第一医院', county: '330304' },
  { name: '温州医科大学附属第二医院', county: '330302' },
  { name: '温州市人民医院', county: '330302' },
  { name: '温州市中心医院', county: '330302' },
  { name: '温州市中医院', county: '330302' },
  { name: '瑞安市人民医院', county: '330381' },
  { name: '乐清市人民医院', county: '330382' },
  { name: '永嘉县人民医院', county: '330324' },
  { name: '平阳县人民医院', county: '330326' },
  { name: '苍南县人民医院', county: '330327' },
  { name: '文成县人民医院', county: '330328' },
  { name: '泰顺县人民医院', county: '330329' },
  { name: '洞头区人民医院', county: '330305' },
  { name: '龙港市人民医院', county: '330383' },
];

/** The ID number's area: where the person was first registered, which is not always where they live. */
function idArea(rng: Rng, v: Village, birthYear: number, migrantShare: number): string {
  if (rng() < migrantShare) return pick(rng, MIGRANT_AREAS);
  let code = rng() < 0.85 ? v.county.code6 : pick(rng, Object.keys(COUNTY_SHORT));
  // 洞头 was 洞头县 (330322) until 2015; 龙港 was part of 苍南 until 2019.
  if (code === '330305' && birthYear < 2015) code = '330322';
  if (code === '330383') code = '330327';
  return code;
}

function landline(rng: Rng): string {
  return `0577-${int(rng, 5, 8)}${pad(int(rng, 0, 9_999_999), 7)}`;
}

class People {
  private readonly persons: Party[] = [];
  private personNext = 0;
  private readonly enterprises = new Map<string, Party[]>();
  private readonly fixed = new Map<string, Party>();

  constructor(private readonly rng: Rng) {}

  person(v: Village, reuse: number, migrantShare: number): Party {
    const rng = this.rng;
    if (this.persons.length > 50 && rng() < reuse) return pick(rng, this.persons);
    const gender = rng() < 0.55 ? 'M' : 'F';
    const year = int(rng, 1948, 2005);
    const birth = `${year}-${pad(int(rng, 1, 12), 2)}-${pad(int(rng, 1, 28), 2)}`;
    const chars = gender === 'M' ? MALE_CHARS : FEMALE_CHARS;
    let given = pick(rng, chars);
    if (rng() < 0.75) given += pick(rng, chars);
    const p: Party = {
      kind: 'person',
      name: weighted(rng, SURNAME_WEIGHTS) + given,
      idNumber: generateIdCard(rng, idArea(rng, v, year, migrantShare), birth, gender),
      phone: generateMobile(rng),
      uscc: null,
    };
    // A ring of recent people: reuse picks someone from the last months, never the whole history.
    if (this.persons.length < PERSON_POOL) this.persons.push(p);
    else this.persons[this.personNext] = p;
    this.personNext = (this.personNext + 1) % PERSON_POOL;
    return p;
  }

  enterprise(v: Village, trade: Trade): Party {
    const rng = this.rng;
    let pool = this.enterprises.get(trade);
    if (!pool) {
      pool = [];
      this.enterprises.set(trade, pool);
    }
    // Companies come back far more often than people: the same shoe factory owes wages to many workers.
    if (pool.length > 20 && rng() < 0.35) return pick(rng, pool);
    const industry = pick(rng, TRADES[trade]);
    const place = pick(rng, ['温州', '温州市', v.county.name, '浙江']);
    const small = trade === 'retail' && rng() < 0.2;
    const name = small
      ? `${v.county.name}${pick(rng, SURNAMES)[0]}记${industry}店`
      : `${place}${pick(rng, BRANDS)}${industry}${rng() < 0.06 ? '股份有限公司' : '有限公司'}`;
    const p: Party = {
      kind: 'enterprise',
      name,
      idNumber: null,
      phone: rng() < 0.6 ? landline(rng) : generateMobile(rng),
      uscc: generateUscc(rng, v.county.code6, small ? { authority: '9', category: '2' } : {}),
    };
    if (pool.length < ENTERPRISES_PER_TRADE) pool.push(p);
    else pool[Math.floor(rng() * pool.length)] = p;
    return p;
  }

  /** Organisations that exist once per place (a town government, a village collective, a hospital). */
  institution(key: string, make: () => Party): Party {
    let p = this.fixed.get(key);
    if (!p) {
      p = make();
      this.fixed.set(key, p);
    }
    return p;
  }

  hospital(v: Village): Party {
    const rng = this.rng;
    const local = HOSPITALS.filter((h) => h.county === v.county.code6);
    if (rng() < 0.3 && !v.town.pseudo) {
      return this.institution(`clinic:${v.town.code}`, () => ({
        kind: 'enterprise',
        name: `${v.county.name}${v.town.name}${v.town.name.endsWith('街道') ? '社区卫生服务中心' : '卫生院'}`,
        idNumber: null,
        phone: landline(rng),
        uscc: generateUscc(rng, v.county.code6, { authority: '1', category: '2' }),
      }));
    }
    const h = rng() < 0.6 && local.length > 0 ? pick(rng, local) : pick(rng, HOSPITALS);
    return this.institution(`hospital:${h.name}`, () => ({
      kind: 'enterprise',
      name: h.name,
      idNumber: null,
      phone: landline(rng),
      uscc: generateUscc(rng, h.county, { authority: '1', category: '2' }),
    }));
  }

  townGovernment(v: Village): Party {
    const rng = this.rng;
    const c = v.county.name;
    const t = v.town.name;
    const name = v.town.pseudo
      ? `${c}人民政府`
      : t.endsWith('街道')
        ? `${c}人民政府${t}办事处`
        : `${c}${t}人民政府`;
    return this.institution(`gov:${v.town.code}`, () => ({
      kind: 'enterprise',
      name,
      idNumber: null,
      phone: landline(rng),
      uscc: generateUscc(rng, v.county.code6, { authority: '1', category: '1' }),
    }));
  }

  collective(v: Village): Party {
    const rng = this.rng;
    return this.institution(`collective:${v.code}`, () => ({
      kind: 'enterprise',
      name: `${v.county.name}${v.town.pseudo ? '' : v.town.name}${v.short}股份经济合作社`,
      idNumber: null,
      phone: null,
      uscc: generateUscc(rng, v.county.code6, { authority: 'N', category: '2' }),
    }));
  }

  school(v: Village): Party {
    const rng = this.rng;
    const kind = pick(rng, ['中心小学', '实验小学', '第一中学', '中心幼儿园', '教育培训有限公司']);
    const privateTraining = kind.endsWith('有限公司');
    const name = privateTraining
      ? `温州${pick(rng, BRANDS)}${kind}`
      : `${v.county.name}${v.town.pseudo ? v.short : v.town.short}${kind}`;
    return this.institution(`school:${name}`, () => ({
      kind: 'enterprise',
      name,
      idNumber: null,
      phone: landline(rng),
      uscc: generateUscc(rng, v.county.code6, privateTraining ? {} : { authority: '1', category: '2' }),
    }));
  }
}

// ---------------------------------------------------------------------------------------------------
// How each department writes its records. The profiles say which columns exist; this says what the
// department puts in them, how often, and in which style.

type AddressStyle = 'full' | 'county' | 'town' | 'abbr' | 'village' | 'townOnly' | 'crossing' | 'port';

interface KeyInput {
  at: number;
  w: Wall;
  v: Village;
  /** The next number in a sequence of this source (scope: a day, a year, a county's year …). */
  seq: (scope: string) => number;
}

interface DeptStyle {
  /** Relative share of the single-source disputes this department reports first. */
  volume: number;
  categories: Partial<Record<DisputeCategory, number>>;
  /** Codes not in the profile's table (其他 and the like), used when no mapped code fits. */
  otherCodes?: readonly string[];
  recordKey: (k: KeyInput) => string;
  /** An XLSX date cell (with its number format) instead of text in the profile's first date format. */
  excelDate?: { numFmt: string; dateOnly: boolean };
  /** Share of XLSX dates written as bare serial numbers (typed in, never formatted as dates). */
  serialShare?: number;
  address: Partial<Record<AddressStyle, number>>;
  /** Only these counties (6-digit codes); the fishery bureau only sees the coast. */
  counties?: readonly string[];
  /** Share of rows with the area code column filled, and whether it names the village or only the town. */
  areaCode?: { share: number; townShare: number };
  descriptionPrefix?: readonly string[];
  /** The department's own title instead of the text's (a court names a case by its parties and 案由). */
  title?: (d: Dispute, category: string | null) => string;
  /** Party for the respondent side chosen by the department rather than by the category (a school …). */
  respondent?: (p: People, v: Village) => Party | null;
  extras?: readonly { name: string; value: (d: Dispute, rng: Rng) => string }[];
  csv?: { bom?: boolean; crlf?: boolean; quoteAll?: boolean; idTab?: boolean; spacedPhone?: number };
  xlsx?: {
    sheet: string;
    titles?: (from: Date, to: Date) => string[];
    /** Labels of a two-row header: one over the record's own columns, one over each party group. */
    groups?: readonly string[];
    phoneAsNumber?: boolean;
  };
}

const fmtDay = (d: Date) => compileDateFormat('YYYY-MM-DD')(d.getTime());

const DEPARTMENT_STYLES: Record<string, DeptStyle> = {
  police_110: {
    volume: 14,
    categories: {
      neighbour: 25,
      marriage_family: 20,
      contract: 12,
      labour: 10,
      damages: 12,
      consumer: 5,
      traffic_accident: 5,
      property_mgmt: 4,
      forest_land: 1,
      house_homestead: 2,
      medical: 1,
      other: 4,
    },
    otherCodes: ['0399'],
    recordKey: (k) => `J${k.v.county.code6}${ymd(k.w)}${pad(k.seq(`d${ymd(k.w)}`), 5)}`,
    address: { county: 5, town: 3, abbr: 2 },
    descriptionPrefix: ['报警人称：', '', '', ''],
    extras: [
      { name: '处警单位', value: (d) => `${d.village.county.short}分局${d.village.town.short}派出所` },
      { name: '警情级别', value: (d, rng) => (d.threat ? '一级' : pick(rng, ['三级', '三级', '四级'])) },
    ],
    csv: { idTab: true },
  },
  court_litigation: {
    volume: 9,
    categories: {
      contract: 35,
      marriage_family: 12,
      labour: 8,
      traffic_accident: 10,
      damages: 8,
      property_mgmt: 5,
      house_homestead: 5,
      business: 6,
      ip: 3,
      medical: 2,
      consumer: 2,
      neighbour: 2,
      forest_land: 1,
      expropriation: 1,
      environment: 0.5,
    },
    otherCodes: ['不当得利纠纷', '排除妨害纠纷', '所有权确认纠纷'],
    recordKey: (k) => `(${k.w.y})浙${k.v.county.code6.slice(2)}民初${k.seq(`${k.w.y}${k.v.county.code6}`)}号`,
    excelDate: { numFmt: 'yyyy-mm-dd', dateOnly: true },
    address: { full: 4, county: 4, town: 1 },
    descriptionPrefix: ['原告诉称：', '诉讼请求及理由：'],
    title: (d, category) =>
      `${d.applicant.name}${d.respondent ? `诉${d.respondent.name}` : ''}${category ?? '民事纠纷'}`,
    xlsx: {
      sheet: '收案明细',
      titles: (from, to) => [
        '温州市两级法院民事一审收案明细表',
        `统计时间：${fmtDay(from)}至${fmtDay(to)}　　导出时间：${fmtDay(to)}`,
      ],
    },
  },
  procuratorate: {
    volume: 1,
    categories: { labour: 40, marriage_family: 20, environment: 15, consumer: 10, other: 15 },
    otherCodes: ['民事生效裁判监督', '民事执行监督'],
    recordKey: (k) =>
      `${COUNTY_DOC[k.v.county.code6]}检民受〔${k.w.y}〕${k.seq(`${k.w.y}${k.v.county.code6}`)}号`,
    address: { county: 6, full: 2, town: 2 },
    csv: { bom: true },
  },
  justice_mediation: {
    volume: 10,
    categories: {
      neighbour: 25,
      marriage_family: 25,
      house_homestead: 10,
      contract: 8,
      damages: 10,
      labour: 6,
      property_mgmt: 5,
      forest_land: 4,
      traffic_accident: 4,
      other: 3,
    },
    otherCodes: ['其他纠纷'],
    recordKey: (k) =>
      `（${k.w.y}）${k.v.county.short}${k.v.town.pseudo ? '' : k.v.town.short}调字第${k.seq(`${k.w.y}${k.v.county.code6}`)}号`,
    excelDate: { numFmt: 'yyyy-mm-dd', dateOnly: true },
    address: { village: 5, town: 3, county: 2 },
    areaCode: { share: 0.95, townShare: 0 },
    xlsx: { sheet: '人民调解案件登记', groups: ['案件信息', '申请人信息', '被申请人信息'] },
  },
  petition: {
    volume: 6,
    categories: {
      expropriation: 25,
      labour: 15,
      house_homestead: 12,
      property_mgmt: 10,
      environment: 8,
      forest_land: 8,
      medical: 3,
      contract: 4,
      other: 15,
    },
    otherCodes: ['其他/其他', '政法/涉法涉诉'],
    recordKey: (k) => `XF${k.v.county.code6}${ymd(k.w)}${pad(k.seq(`d${ymd(k.w)}`), 4)}`,
    address: { townOnly: 7, county: 3 },
    descriptionPrefix: ['信访人反映：', '', '', ''],
    csv: { quoteAll: true, spacedPhone: 0.2 },
  },
  hrss_arbitration: {
    volume: 5,
    categories: { labour: 100 },
    otherCodes: ['其他'],
    recordKey: (k) =>
      `${COUNTY_DOC[k.v.county.code6]}劳人仲案〔${k.w.y}〕${k.seq(`${k.w.y}${k.v.county.code6}`)}号`,
    excelDate: { numFmt: 'yyyy/m/d', dateOnly: true },
    address: { full: 3, county: 5, abbr: 2 },
    descriptionPrefix: ['申请人请求：', '请求裁决：'],
    extras: [{ name: '办案状态', value: (_d, rng) => pick(rng, ['已立案', '审理中', '已结案', '调解结案']) }],
    xlsx: {
      sheet: 'Sheet1',
      titles: (from, to) => [
        '温州市劳动人事争议仲裁案件受理登记表',
        `填报单位：温州市劳动人事争议仲裁院　　统计区间：${fmtDay(from)}至${fmtDay(to)}`,
        '（金额单位：元）',
      ],
    },
  },
  housing: {
    volume: 4,
    categories: {
      property_mgmt: 45,
      house_homestead: 10,
      expropriation: 10,
      labour: 15,
      contract: 15,
      neighbour: 5,
    },
    otherCodes: ['QT99'],
    recordKey: (k) => `ZJTS${ymd(k.w)}${pad(k.seq(`d${ymd(k.w)}`), 4)}`,
    address: { county: 5, town: 3, full: 2 },
    extras: [{ name: '办理状态', value: (_d, rng) => pick(rng, ['已办结', '办理中', '已转办']) }],
  },
  market_12315: {
    volume: 7,
    categories: { consumer: 75, ip: 10, contract: 10, business: 5 },
    otherCodes: ['Z99'],
    recordKey: (k) => `1${k.v.county.code6}${ymd(k.w)}${pad(k.seq(`d${ymd(k.w)}`), 6)}`,
    address: { full: 4, county: 4, town: 2 },
    areaCode: { share: 0.9, townShare: 0.4 },
  },
  health_medical: {
    volume: 2,
    categories: { medical: 100 },
    otherCodes: ['其他'],
    recordKey: (k) =>
      `YJ${k.w.y}-${k.v.county.code6.slice(2)}-${pad(k.seq(`${k.w.y}${k.v.county.code6}`), 5)}`,
    address: { county: 6, full: 4 },
  },
  civil_affairs: {
    volume: 2,
    categories: { marriage_family: 60, other: 25, neighbour: 10, damages: 5 },
    otherCodes: ['社会救助', '其他'],
    recordKey: (k) => `MZ${k.w.y}${pad(k.seq(String(k.w.y)), 6)}`,
    address: { town: 5, county: 3, village: 2 },
    areaCode: { share: 0.85, townShare: 0 },
  },
  natural_resources: {
    volume: 2,
    categories: { forest_land: 45, house_homestead: 30, expropriation: 25 },
    otherCodes: ['99'],
    recordKey: (k) => `ZR${k.v.county.code6}-${ymd(k.w)}-${pad(k.seq(`d${ymd(k.w)}`), 3)}`,
    address: { town: 4, county: 4, abbr: 2 },
    areaCode: { share: 0.9, townShare: 0 },
  },
  traffic_accident: {
    volume: 5,
    categories: { traffic_accident: 100 },
    otherCodes: ['99'],
    recordKey: (k) => `${k.v.county.code6}1${ymd(k.w)}${pad(k.seq(`d${ymd(k.w)}`), 5)}`,
    address: { crossing: 6, county: 3, abbr: 1 },
    extras: [{ name: '天气', value: (_d, rng) => pick(rng, ['晴', '晴', '阴', '雨', '雾']) }],
  },
  emergency: {
    volume: 1,
    categories: { damages: 40, business: 30, labour: 30 },
    otherCodes: ['其他'],
    recordKey: (k) => `AQ-${k.w.y}-${pad(k.seq(String(k.w.y)), 5)}`,
    address: { county: 5, full: 5 },
    areaCode: { share: 0.8, townShare: 0.3 },
    csv: { crlf: true },
  },
  ecology: {
    volume: 2,
    categories: { environment: 100 },
    otherCodes: ['其他'],
    recordKey: (k) => `STHJ${ymd(k.w)}${pad(k.seq(`d${ymd(k.w)}`), 5)}`,
    address: { county: 5, town: 3, abbr: 2 },
    xlsx: {
      sheet: '投诉件',
      titles: (from, to) => [`温州市生态环境信访投诉件清单（${fmtDay(from)}—${fmtDay(to)}）`],
    },
  },
  education: {
    volume: 1.5,
    categories: { damages: 45, consumer: 30, other: 15, labour: 10 },
    recordKey: (k) => `JY${ymd(k.w)}${pad(k.seq(`d${ymd(k.w)}`), 4)}`,
    address: { county: 6, full: 4 },
    respondent: (p, v) => p.school(v),
    csv: { bom: true },
  },
  agriculture: {
    volume: 1.5,
    categories: { forest_land: 45, contract: 25, business: 20, damages: 10 },
    otherCodes: ['其他'],
    recordKey: (k) => `温农土仲〔${k.w.y}〕${pad(k.seq(String(k.w.y)), 4)}号`,
    address: { village: 4, town: 4, county: 2 },
    areaCode: { share: 0.9, townShare: 0 },
    respondent: (p, v) => p.collective(v),
  },
  hotline_12345: {
    volume: 16,
    categories: {
      property_mgmt: 15,
      consumer: 15,
      labour: 12,
      neighbour: 12,
      environment: 8,
      contract: 6,
      house_homestead: 5,
      expropriation: 4,
      traffic_accident: 4,
      medical: 3,
      marriage_family: 4,
      damages: 4,
      other: 8,
    },
    otherCodes: ['9999'],
    recordKey: (k) => `GD${ymd(k.w)}${pad(k.seq(`d${ymd(k.w)}`), 6)}`,
    address: { county: 4, town: 4, abbr: 1, village: 1 },
    areaCode: { share: 0.7, townShare: 0.2 },
    descriptionPrefix: ['市民来电反映：', '', '', ''],
    extras: [{ name: 'BLZT', value: (_d, rng) => pick(rng, ['已办结', '办理中', '已回访']) }],
  },
  women_federation: {
    volume: 2,
    categories: { marriage_family: 80, labour: 10, damages: 10 },
    recordKey: (k) => `FL${k.w.y}${pad(k.seq(String(k.w.y)), 6)}`,
    address: { county: 5, town: 3, village: 2 },
  },
  trade_union: {
    volume: 1.5,
    categories: { labour: 100 },
    otherCodes: ['其他'],
    recordKey: (k) => `GH${k.w.y}-${pad(k.seq(String(k.w.y)), 5)}`,
    excelDate: { numFmt: 'yyyy-mm-dd', dateOnly: true },
    serialShare: 0.1,
    address: { county: 6, full: 4 },
    xlsx: { sheet: '职工维权案件', phoneAsNumber: true },
  },
  fire: {
    volume: 1,
    categories: { damages: 40, property_mgmt: 35, neighbour: 25 },
    recordKey: (k) => `HJ${k.v.county.code6}${ymd(k.w)}${pad(k.seq(`d${ymd(k.w)}`), 4)}`,
    address: { county: 6, town: 4 },
  },
  ocean_fishery: {
    volume: 1,
    categories: { business: 35, damages: 30, labour: 15, contract: 15, forest_land: 5 },
    otherCodes: ['YC99'],
    recordKey: (k) => `浙温渔纠〔${k.w.y}〕${k.seq(String(k.w.y))}号`,
    counties: ['330305', '330327', '330326', '330381', '330382', '330303', '330383'],
    address: { port: 7, county: 3 },
  },
};

// ---------------------------------------------------------------------------------------------------
// A dispute, before any department writes it down

interface Dispute {
  key: string;
  category: DisputeCategory;
  at: number;
  village: Village;
  /** What follows the village in an address: 解放街128号, 锦园小区3幢502室, 5组18号. */
  detail: string;
  applicant: Party;
  respondent: Party | null;
  third: Party | null;
  amount: number;
  people: number;
  threat: boolean;
  text: DisputeText;
  /** What the texts are made from, so that a second department's text is about the same thing. */
  textOpts: TextOptions;
}

type TextOptions = NonNullable<Parameters<typeof generateDisputeText>[2]>;

/**
 * Another department's account of the same dispute: the same facts (the first sentence of the first
 * account) followed by what that department noted itself, under its own title.
 */
function retold(first: DisputeText, own: DisputeText): DisputeText {
  const facts = first.description.split('。')[0]!;
  const rest = own.description.split('。').slice(1).join('。');
  return { ...first, title: own.title, description: rest ? `${facts}。${rest}` : `${facts}。` };
}

/** Amounts in yuan per category: [low, high]. */
const AMOUNTS: Record<DisputeCategory, [number, number]> = {
  marriage_family: [5_000, 800_000],
  neighbour: [500, 50_000],
  house_homestead: [10_000, 2_000_000],
  contract: [20_000, 3_000_000],
  business: [20_000, 5_000_000],
  damages: [2_000, 300_000],
  forest_land: [5_000, 500_000],
  expropriation: [100_000, 5_000_000],
  environment: [5_000, 1_000_000],
  labour: [3_000, 800_000],
  consumer: [200, 80_000],
  medical: [10_000, 1_500_000],
  traffic_accident: [2_000, 800_000],
  property_mgmt: [500, 200_000],
  ip: [10_000, 2_000_000],
  other: [200, 100_000],
};

const SETTING: Partial<Record<DisputeCategory, Setting>> = {
  forest_land: 'rural',
  house_homestead: 'rural',
  expropriation: 'rural',
  property_mgmt: 'urban',
  consumer: 'urban',
};

/** Who stands on the other side, by category: a share that is an organisation, and which kind. */
function respondentFor(p: People, c: DisputeCategory, v: Village, rng: Rng): Party | null {
  if (rng() < 0.08) return null;
  const person = () => p.person(v, 0.06, c === 'labour' ? 0.3 : 0.08);
  switch (c) {
    case 'labour':
      return rng() < 0.8 ? p.enterprise(v, 'factory') : person();
    case 'consumer':
      return rng() < 0.9 ? p.enterprise(v, 'retail') : person();
    case 'property_mgmt':
      return rng() < 0.9 ? p.enterprise(v, 'property') : person();
    case 'environment':
      return rng() < 0.9 ? p.enterprise(v, 'polluter') : person();
    case 'medical':
      return p.hospital(v);
    case 'ip':
      return p.enterprise(v, pick(rng, ['factory', 'retail'] as const));
    case 'expropriation':
      return rng() < 0.6 ? p.townGovernment(v) : person();
    case 'forest_land':
      return rng() < 0.3 ? p.collective(v) : person();
    case 'house_homestead':
      return rng() < 0.2 ? p.enterprise(v, 'developer') : person();
    case 'business':
      return rng() < 0.6 ? p.enterprise(v, 'general') : person();
    case 'contract':
      return rng() < 0.35 ? p.enterprise(v, 'general') : person();
    case 'damages':
      return rng() < 0.25 ? p.enterprise(v, 'general') : person();
    case 'other':
      return rng() < 0.5 ? null : person();
    default:
      return person();
  }
}

/** Categories that often involve a crowd (群体性): the share that does, and how many people then. */
const MASS: Partial<Record<DisputeCategory, [share: number, min: number, max: number]>> = {
  labour: [0.3, 5, 60],
  expropriation: [0.2, 5, 120],
  environment: [0.2, 10, 200],
  property_mgmt: [0.25, 5, 300],
};

function peopleFor(c: DisputeCategory, rng: Rng): number {
  const m = MASS[c];
  if (m && rng() < m[0]) return int(rng, m[1], m[2]);
  return rng() < 0.7 ? 1 : int(rng, 2, 4);
}

function detailFor(v: Village, places: Places, rng: Rng): string {
  if (v.urban) {
    if (rng() < 0.6) return `${pick(rng, places.streets)}${int(rng, 1, 400)}号`;
    return `${pick(rng, places.estates)}${int(rng, 1, 30)}幢${int(rng, 1, 3)}单元${int(rng, 1, 28)}0${int(rng, 1, 4)}室`;
  }
  if (rng() < 0.5) return `${int(rng, 1, 12)}组${int(rng, 1, 90)}号`;
  return `${pick(rng, RURAL_LANES)}${int(rng, 1, 120)}号`;
}

function placeName(v: Village): string {
  return v.town.pseudo ? v.county.name : `${v.county.name}${v.town.name}`;
}

// ---------------------------------------------------------------------------------------------------
// Columns

type Attr = 'name' | 'idNumber' | 'phone' | 'uscc';
export type FieldKey =
  | 'recordKey'
  | 'reportedAt'
  | 'category'
  | 'title'
  | 'description'
  | 'areaCode'
  | 'address'
  | 'lng'
  | 'lat'
  | 'amount'
  | 'peopleInvolved';
/** A record's own fields in the order a department file lists them (the browser tests' files follow it). */
export const FIELD_ORDER: FieldKey[] = [
  'recordKey',
  'reportedAt',
  'category',
  'title',
  'description',
  'areaCode',
  'address',
  'lng',
  'lat',
  'amount',
  'peopleInvolved',
];

type ColumnRef =
  | { kind: 'field'; key: FieldKey }
  | { kind: 'party'; group: number; attr: Attr }
  | { kind: 'extra'; index: number };

interface Column {
  /** The profile's name (unique; a repeated lower-row name carries #2). */
  name: string;
  /** As written in the file: the repeated name without its #2. */
  header: string;
  ref: ColumnRef;
}

/** A profile's columns in file order: the record's own fields, then each party group, then extras. */
export function sourceColumns(def: SourceDef): { name: string; header: string }[] {
  return columnsOf(def.profile, DEPARTMENT_STYLES[def.code]?.extras ?? []).map(({ name, header }) => ({
    name,
    header,
  }));
}

function columnsOf(profile: SourceProfile, extras: DeptStyle['extras'] & object): Column[] {
  const cols: Column[] = [];
  const add = (name: string | undefined, ref: ColumnRef) => {
    if (name) cols.push({ name, header: name.replace(/#\d+$/, ''), ref });
  };
  for (const key of FIELD_ORDER) add(profile.columns[key], { kind: 'field', key });
  for (const [group, p] of profile.columns.parties.entries())
    for (const attr of ['name', 'idNumber', 'phone', 'uscc'] as const)
      add(p[attr], { kind: 'party', group, attr });
  for (const [index, e] of extras.entries()) add(e.name, { kind: 'extra', index });
  return cols;
}

// ---------------------------------------------------------------------------------------------------
// Writers

interface RowWriter {
  /** Resolves when the row may be followed by the next (after a flush that had to wait). */
  write(values: CellOut[]): Promise<void> | undefined;
  close(): Promise<void>;
}

function csvCell(v: CellOut, quoteAll: boolean): string {
  const s = v === null ? '' : v instanceof Date ? v.toISOString() : String(v);
  if (quoteAll || /[",\r\n]/.test(s) || s !== s.trim()) return `"${s.replaceAll('"', '""')}"`;
  return s;
}

/** Buffers lines and writes 64 KB at a time, waiting for 'drain' so memory stays flat however fast we go. */
class TextSink {
  private buf: string[] = [];
  private size = 0;

  constructor(
    private readonly head: NodeJS.WritableStream,
    private readonly file: Writable,
  ) {}

  push(text: string): Promise<void> | undefined {
    this.buf.push(text);
    this.size += text.length;
    return this.size >= FLUSH_CHARS ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    const chunk = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (!this.head.write(chunk)) await once(this.head, 'drain');
  }

  async close(): Promise<void> {
    if (this.size > 0) await this.flush();
    const done = once(this.file, 'close');
    this.head.end();
    await done;
  }
}

function openText(file: string, encoding: 'utf8' | 'gbk'): TextSink {
  const out = createWriteStream(file);
  if (encoding === 'utf8') return new TextSink(out, out);
  const enc = iconv.encodeStream('gbk');
  enc.pipe(out);
  return new TextSink(enc, out);
}

function csvWriter(file: string, encoding: 'utf8' | 'gbk', headers: string[], style: DeptStyle): RowWriter {
  const sink = openText(file, encoding);
  const eol = style.csv?.crlf ? '\r\n' : '\n';
  const quoteAll = style.csv?.quoteAll ?? false;
  const line = (values: CellOut[]) => values.map((v) => csvCell(v, quoteAll)).join(',') + eol;
  sink.push((style.csv?.bom ? '\uFEFF' : '') + line(headers));
  return { write: (values) => sink.push(line(values)), close: () => sink.close() };
}

function jsonlWriter(file: string, columns: Column[]): RowWriter {
  const sink = openText(file, 'utf8');
  return {
    write: (values) => {
      // An API leaves out what it does not know rather than sending empty strings.
      const o: Record<string, string | number> = {};
      for (const [i, c] of columns.entries()) {
        const v = values[i];
        if (v === null || v === undefined || v === '') continue;
        o[c.name] = v instanceof Date ? v.toISOString() : v;
      }
      return sink.push(`${JSON.stringify(o)}\n`);
    },
    close: () => sink.close(),
  };
}

/**
 * exceljs's streaming writer ignores backpressure: committed rows are pushed into the zip entry whether
 * or not the deflater has taken the previous ones, so a generator that outruns compression (a loaded
 * machine) piles the whole sheet up in memory. We look at what waits in front of the deflater and pause
 * until it has caught up. These are exceljs internals; if they change, the backlog reads as 0 and we
 * simply stop pausing.
 */
interface StreamState {
  length?: number;
}
interface SheetStream {
  pipes?: { _writableState?: StreamState; _readableState?: StreamState }[];
}
const XLSX_CHECK_EVERY = 256;
const XLSX_MAX_BACKLOG = 1 << 20;

function xlsxBacklog(ws: ExcelJS.Worksheet): number {
  const pipe = (ws as unknown as { stream?: SheetStream }).stream?.pipes?.[0];
  return (pipe?._writableState?.length ?? 0) + (pipe?._readableState?.length ?? 0);
}

async function waitForXlsx(ws: ExcelJS.Worksheet): Promise<void> {
  while (xlsxBacklog(ws) > XLSX_MAX_BACKLOG / 4) await new Promise((resolve) => setTimeout(resolve, 1));
}

function xlsxWriter(
  file: string,
  columns: Column[],
  style: DeptStyle,
  profile: SourceProfile,
  opts: GenerateOptions,
): RowWriter {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  });
  // Fixed document dates, so that two runs with one seed differ only where the zip library differs.
  wb.created = opts.to;
  wb.modified = opts.to;
  wb.creator = '';
  const ws = wb.addWorksheet(style.xlsx?.sheet ?? 'Sheet1');
  ws.columns = columns.map((c) => ({ width: Math.min(40, Math.max(10, c.header.length * 2 + 2)) }));
  let rowNo = 0;
  for (const title of style.xlsx?.titles?.(opts.from, opts.to) ?? []) {
    rowNo++;
    const row = ws.addRow([title]);
    row.font = rowNo === 1 ? { bold: true, size: 14 } : { size: 10 };
    ws.mergeCells(rowNo, 1, rowNo, columns.length);
    row.commit();
  }
  const groups = style.xlsx?.groups;
  if (groups) {
    // Upper header row: one label over the record's own columns, one over each party group.
    rowNo++;
    const spans: [number, number, string][] = [];
    const firstParty = columns.findIndex((c) => c.ref.kind !== 'field');
    spans.push([1, firstParty, groups[0] ?? '']);
    for (const [g, label] of groups.slice(1).entries()) {
      const idx = columns.flatMap((c, i) => (c.ref.kind === 'party' && c.ref.group === g ? [i + 1] : []));
      if (idx.length > 0) spans.push([idx[0]!, idx[idx.length - 1]!, label]);
    }
    const values: string[] = new Array(columns.length).fill('');
    for (const [a, , label] of spans) values[a - 1] = label;
    const row = ws.addRow(values);
    row.font = { bold: true };
    for (const [a, b] of spans) if (b > a) ws.mergeCells(rowNo, a, rowNo, b);
    row.commit();
  }
  const header = ws.addRow(columns.map((c) => c.header));
  header.font = { bold: true };
  header.commit();
  if (profile.titleRows !== rowNo) {
    throw new Error(
      `${style.xlsx?.sheet}: ${rowNo} rows above the header but the profile says ${profile.titleRows}`,
    );
  }
  const dateCol = columns.findIndex((c) => c.ref.kind === 'field' && c.ref.key === 'reportedAt') + 1;
  const numFmt = style.excelDate?.numFmt ?? 'yyyy-mm-dd';
  let sinceCheck = 0;
  return {
    write: (values) => {
      const row = ws.addRow(values);
      if (values[dateCol - 1] instanceof Date) row.getCell(dateCol).numFmt = numFmt;
      row.commit();
      if (++sinceCheck < XLSX_CHECK_EVERY) return undefined;
      sinceCheck = 0;
      return xlsxBacklog(ws) > XLSX_MAX_BACKLOG ? waitForXlsx(ws) : undefined;
    },
    close: async () => {
      ws.commit();
      await wb.commit();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// One source's file: columns, writer, sequences, bad rows

type BadKind = 'id' | 'date' | 'area' | 'empty' | 'oversized' | 'amount';
const BAD_DATES = ['不详', '待核实', '0000-00-00 00:00:00', '2026-02-30'];

interface SourceFile {
  def: SourceDef;
  style: DeptStyle;
  columns: Column[];
  writer: RowWriter;
  /** Row number of the first data row as the parser counts: after the header and title rows (XLSX). */
  firstRowNo: number;
  formatDate: (ms: number) => string;
  codesByCategory: Map<DisputeCategory, string[]>;
  seqs: Map<string, number>;
  result: GeneratedFile;
}

function codesByCategory(profile: SourceProfile): Map<DisputeCategory, string[]> {
  const m = new Map<DisputeCategory, string[]>();
  for (const [code, cat] of Object.entries(profile.categoryCodes)) {
    const list = m.get(cat) ?? [];
    list.push(code);
    m.set(cat, list);
  }
  return m;
}

function openSource(def: SourceDef, opts: GenerateOptions): SourceFile {
  const style = DEPARTMENT_STYLES[def.code];
  if (!style) throw new Error(`no generator style for source ${def.code}`);
  const p = def.profile;
  const columns = columnsOf(p, style.extras ?? []);
  const ext = p.format;
  const file = path.join(opts.dir, `${def.code}.${ext}`);
  const encoding = p.format === 'xlsx' ? null : p.encoding;
  const writer =
    p.format === 'csv'
      ? csvWriter(
          file,
          p.encoding,
          columns.map((c) => c.header),
          style,
        )
      : p.format === 'jsonl'
        ? jsonlWriter(file, columns)
        : xlsxWriter(file, columns, style, p, opts);
  return {
    def,
    style,
    columns,
    writer,
    firstRowNo: p.format === 'jsonl' ? 1 : p.format === 'csv' ? 2 : p.titleRows + 2,
    formatDate: compileDateFormat(p.dateFormats[0]!),
    codesByCategory: codesByCategory(p),
    seqs: new Map(),
    result: {
      source: def.code,
      path: file,
      format: p.format,
      encoding,
      rows: 0,
      badRows: [],
      formulaRows: [],
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Writing one record

interface RecordOut {
  recordKey: string;
  values: CellOut[];
}

function addressText(style: AddressStyle, d: Dispute, places: Places, rng: Rng): string {
  const v = d.village;
  const village = rng() < 0.5 ? v.name : v.short;
  const town = v.town.pseudo ? '' : v.town.name;
  const townShort = v.town.pseudo ? '' : v.town.short;
  switch (style) {
    case 'full':
      return `温州市${v.county.name}${town}${village}${d.detail}`;
    case 'county':
      return `${v.county.name}${town}${village}${d.detail}`;
    case 'town':
      return `${town || v.county.name}${village}${d.detail}`;
    case 'abbr':
      return `${v.county.short}${townShort}${village}${d.detail}`;
    case 'village':
      return `${v.short}${d.detail}`;
    case 'townOnly':
      return rng() < 0.7 ? `${v.county.name}${town}` : `${v.county.name}${town}${v.short}`;
    case 'crossing': {
      const a = pick(rng, places.streets);
      const b = pick(
        rng,
        places.streets.filter((s) => s !== a),
      );
      return rng() < 0.6
        ? `${v.county.name}${town}${a}与${b}交叉口`
        : `${v.county.name}${town}${v.short}路段`;
    }
    case 'port':
      return `${v.county.name}${town}${v.short}${pick(rng, ['渔港码头', '渔业码头', '避风港'])}`;
  }
}

/**
 * Fills each of the profile's party groups with the dispute's party of that role and kind. A department
 * that records only people names the person acting for a complaining company.
 */
function assignParties(profile: SourceProfile, d: Dispute): (Party | null)[] {
  const used = new Set<Party>();
  const hasApplicantGroup = profile.columns.parties.some(
    (g) => g.role !== 'respondent' && g.kind === d.applicant.kind,
  );
  return profile.columns.parties.map((g) => {
    if (
      g.role === 'applicant' &&
      !hasApplicantGroup &&
      d.applicant.contact &&
      !used.has(d.applicant.contact)
    ) {
      used.add(d.applicant.contact);
      return d.applicant.contact;
    }
    const candidates =
      g.role === 'applicant'
        ? [d.applicant]
        : g.role === 'respondent'
          ? [d.respondent]
          : [d.applicant, d.respondent, d.third];
    for (const c of candidates) {
      if (c && c.kind === g.kind && !used.has(c)) {
        used.add(c);
        return c;
      }
    }
    return null;
  });
}

function renderRecord(
  src: SourceFile,
  d: Dispute,
  at: number,
  text: DisputeText,
  places: Places,
  rng: Rng,
  single: boolean,
): RecordOut {
  const { style, def } = src;
  const p = def.profile;
  const w = wall(at);
  const recordKey = style.recordKey({
    at,
    w,
    v: d.village,
    seq: (scope) => {
      const n = (src.seqs.get(scope) ?? 0) + 1;
      src.seqs.set(scope, n);
      return n;
    },
  });
  let reportedAt: CellOut;
  if (style.excelDate) {
    reportedAt =
      style.serialShare && rng() < style.serialShare
        ? excelSerial(at)
        : excelDate(at, style.excelDate.dateOnly);
  } else {
    reportedAt = src.formatDate(at);
  }
  let category: string | null = null;
  if (p.columns.category) {
    const codes = src.codesByCategory.get(d.category);
    // Clerks pick 其他 now and then even when a better code exists.
    category = codes && rng() > 0.04 ? pick(rng, codes) : pick(rng, style.otherCodes ?? ['其他']);
  }
  const title = style.title ? style.title(d, category) : text.title;
  const prefix = style.descriptionPrefix ? pick(rng, style.descriptionPrefix) : '';
  const description = prefix + text.description;
  let areaCode: string | null = null;
  if (p.columns.areaCode && style.areaCode && rng() < style.areaCode.share) {
    areaCode = rng() < style.areaCode.townShare ? d.village.town.code : d.village.code;
  }
  const address = p.columns.address ? addressText(weighted(rng, style.address), d, places, rng) : null;
  let lng: number | null = null;
  let lat: number | null = null;
  if (p.columns.lng && d.village.center) {
    // A few hundred metres around the village's point, as a dispatcher clicks on the map.
    lng = Math.round((d.village.center[0] + (rng() - 0.5) * 0.003) * 1e6) / 1e6;
    lat = Math.round((d.village.center[1] + (rng() - 0.5) * 0.003) * 1e6) / 1e6;
  }
  // Family and neighbour quarrels often have no sum at stake worth writing down.
  const noSum = (d.category === 'marriage_family' || d.category === 'neighbour') && rng() < 0.2;
  let amount: number | null = null;
  if (p.columns.amount && !noSum)
    amount = p.amountUnit === 'wan' ? Math.round(d.amount / 100) / 100 : d.amount;
  const parties = assignParties(p, d);
  const extras = (style.extras ?? []).map((e) => e.value(d, rng));
  // A clerk leaves an ID number out now and then, but never for the disputes several departments share:
  // those must be linkable by it.
  const dropId = single && rng() < 0.08;
  const phoneAsNumber = style.xlsx?.phoneAsNumber ?? false;

  const fields: Record<FieldKey, CellOut> = {
    recordKey,
    reportedAt,
    category,
    title,
    description,
    areaCode,
    address,
    lng,
    lat,
    amount,
    peopleInvolved: d.people,
  };
  const partyCell = (party: Party, attr: Attr): CellOut => {
    if (attr === 'name') return party.name;
    if (attr === 'uscc') return party.uscc;
    if (attr === 'idNumber') {
      if (!party.idNumber || dropId) return null;
      return style.csv?.idTab ? `${party.idNumber}\t` : party.idNumber;
    }
    const phone = party.phone;
    if (!phone || !/^\d{11}$/.test(phone)) return phone;
    if (phoneAsNumber) return Number(phone);
    if (style.csv?.spacedPhone && rng() < style.csv.spacedPhone)
      return `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`;
    return phone;
  };
  const values = src.columns.map((c): CellOut => {
    const ref = c.ref;
    if (ref.kind === 'field') return fields[ref.key];
    if (ref.kind === 'extra') return extras[ref.index] ?? null;
    const party = parties[ref.group];
    return party ? partyCell(party, ref.attr) : null;
  });
  return { recordKey, values };
}

/** Breaks one row on purpose, in one of the ways this source's columns allow. */
function breakRow(src: SourceFile, values: CellOut[], rng: Rng): void {
  const at = (pred: (r: ColumnRef) => boolean) => src.columns.findIndex((c) => pred(c.ref));
  const field = (key: FieldKey) => at((r) => r.kind === 'field' && r.key === key);
  const idCol = src.columns.findIndex(
    (c, i) => c.ref.kind === 'party' && c.ref.attr === 'idNumber' && !!values[i],
  );
  const options: BadKind[] = ['date', 'empty', 'oversized'];
  if (idCol >= 0) options.push('id', 'id');
  if (field('areaCode') >= 0) options.push('area');
  if (field('amount') >= 0) options.push('amount');
  const kind = pick(rng, options);
  const desc = field('description');
  switch (kind) {
    case 'id': {
      const id = String(values[idCol]).trim();
      // Any other check character makes the number impossible (the check is a function of the first 17).
      const alt = '10X98765432'.replace(id.charAt(17), '');
      values[idCol] = id.slice(0, 17) + pick(rng, [...alt]);
      return;
    }
    case 'date':
      values[field('reportedAt')] = pick(rng, BAD_DATES);
      return;
    case 'area':
      values[field('areaCode')] = '330399999999';
      return;
    case 'empty':
      values[desc] = '';
      return;
    case 'oversized': {
      const base = String(values[desc] ?? '情况说明');
      values[desc] = base.repeat(Math.ceil(OVERSIZED_CHARS / base.length)).slice(0, OVERSIZED_CHARS);
      return;
    }
    case 'amount': {
      const a = values[field('amount')];
      values[field('amount')] = -Math.max(1, typeof a === 'number' ? a : 5000);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The run

/**
 * Writes one file per department source into `dir` (`police_110.csv`, `court_litigation.xlsx` …) with
 * `rows` rows in all, and says what it wrote: per file the broken rows' numbers, and which disputes several
 * departments share.
 */
export async function generateDepartmentFiles(opts: GenerateOptions): Promise<GenerateResult> {
  if (!(opts.rows >= 0) || !Number.isInteger(opts.rows))
    throw new RangeError('rows must be a whole number ≥ 0');
  const fromMs = opts.from.getTime();
  const toMs = opts.to.getTime();
  if (!(toMs > fromMs)) throw new RangeError('to must be after from');
  const badShare = opts.badRowShare ?? 0.002;
  const multiShare = opts.multiSourceShare ?? 0.05;
  await mkdir(opts.dir, { recursive: true });

  const rng = seededRng(opts.seed);
  const places = await loadPlaces();
  const picker = new VillagePicker(places.villages);
  const people = new People(rng);
  const files = DEPARTMENT_SOURCES.map((def) => openSource(def, opts));
  const byCode = new Map(files.map((f) => [f.def.code, f]));
  const volumes = Object.fromEntries(files.map((f) => [f.def.code, f.style.volume]));

  const multiSource: MultiSourceDispute[] = [];
  let written = 0;
  let disputes = 0;
  const span = toMs - fromMs;

  try {
    while (written < opts.rows) {
      const primary = byCode.get(weighted(rng, volumes))!;
      const category = weighted(rng, primary.style.categories);
      // Disputes arrive in time order, spread evenly over the period by the rows written so far.
      const at = fromMs + Math.floor(span * Math.min(1, (written + rng()) / opts.rows));
      const village = picker.pick(rng, SETTING[category] ?? 'any', primary.style.counties ?? null);
      const applicant =
        (category === 'ip' && rng() < 0.8) || (category === 'business' && rng() < 0.5)
          ? {
              ...people.enterprise(village, pick(rng, ['factory', 'general'] as const)),
              contact: people.person(village, 0, 0.05),
            }
          : people.person(village, 0.1, category === 'labour' ? 0.4 : 0.1);
      let respondent = primary.style.respondent
        ? primary.style.respondent(people, village)
        : respondentFor(people, category, village, rng);
      // A company or person met again from the pools may turn up on both sides; a dispute needs two.
      if (respondent?.name === applicant.name) respondent = null;
      const third =
        category === 'labour' && rng() < 0.15
          ? people.enterprise(village, 'dispatch')
          : rng() < 0.05
            ? people.person(village, 0.05, 0.1)
            : null;
      const [lo, hi] = AMOUNTS[category];
      const amount = Math.round((lo + (hi - lo) * rng() ** 3) / 100) * 100;
      const threat = rng() < 0.02;
      const textOpts: TextOptions = {
        // Departments phrase things in ways a classifier trained on the 'train' templates has not seen.
        variant: rng() < 0.3 ? 'heldout' : 'train',
        place: placeName(village),
        partyA: applicant.name,
        ...(respondent?.kind === 'person' ? { partyB: respondent.name } : {}),
        amount,
        threat,
      };
      const d: Dispute = {
        key: `D${pad(disputes + 1, 8)}`,
        category,
        at,
        village,
        detail: detailFor(village, places, rng),
        applicant,
        respondent,
        third,
        amount,
        people: peopleFor(category, rng),
        threat,
        text: generateDisputeText(category, rng, textOpts),
        textOpts,
      };
      disputes++;

      const targets = [primary];
      if (rng() < multiShare) {
        const want = rng() < 0.7 ? 1 : 2;
        for (let k = 0; k < want; k++) {
          const weights: Record<string, number> = {};
          for (const f of files) {
            const w = f.style.categories[category] ?? 0;
            // The fishery bureau only sees the coast, and a school or a village collective as the other side
            // only makes sense where the dispute started there.
            if (w > 0 && !targets.includes(f) && !f.style.counties && !f.style.respondent)
              weights[f.def.code] = f.style.volume * w;
          }
          if (Object.keys(weights).length === 0) break;
          targets.push(byCode.get(weighted(rng, weights))!);
        }
      }
      const room = opts.rows - written;
      if (targets.length > room) targets.length = room;
      const single = targets.length === 1;

      const keys: string[] = [];
      for (const [i, src] of targets.entries()) {
        // The second and third departments hear of it up to five days later, in their own words or in
        // the same words passed on.
        const recAt = i === 0 ? at : Math.min(toMs, at + Math.floor(rng() * 5 * DAY));
        const text =
          i === 0 || rng() < 0.5 ? d.text : retold(d.text, generateDisputeText(category, rng, textOpts));
        const rec = renderRecord(src, d, recAt, text, places, rng, single);
        const rowNo = src.firstRowNo + src.result.rows;
        if (single) {
          const r = rng();
          if (r < badShare) {
            breakRow(src, rec.values, rng);
            src.result.badRows.push(rowNo);
          } else if (r < badShare * 1.5) {
            const desc = src.columns.findIndex((c) => c.ref.kind === 'field' && c.ref.key === 'description');
            rec.values[desc] = FORMULA_TEXT;
            src.result.formulaRows.push(rowNo);
          }
        }
        const pending = src.writer.write(rec.values);
        if (pending) await pending;
        src.result.rows++;
        keys.push(rec.recordKey);
        written++;
        if (opts.onProgress && written % PROGRESS_EVERY === 0) opts.onProgress(written);
      }
      if (!single && multiSource.length < MULTI_SAMPLE) {
        multiSource.push({ disputeKey: d.key, sources: targets.map((t) => t.def.code), recordKeys: keys });
      }
    }
  } finally {
    await Promise.all(files.map((f) => f.writer.close()));
  }
  if (opts.onProgress && written % PROGRESS_EVERY !== 0) opts.onProgress(written);
  return { files: files.map((f) => f.result), disputes, records: written, multiSource };
}

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { DbOrTx } from '../../core/db/database.ts';
import { AppError, type ErrorDetail } from '../../core/errors.ts';
import type { Kernel } from '../../core/kernel.ts';
import {
  CATEGORY_CODES,
  DISPUTE_CATEGORIES,
  type DisputeCategory,
  type PartyFields,
} from './dispute.schema.ts';
import { ddb } from './dispute.tables.ts';
import { disputeWorkflow } from './dispute.workflow.ts';
import { intake, sourceActor } from './disputes.service.ts';
import { LIMITS } from './intake/validate.ts';
import { type Source, sourceForToken } from './sources.service.ts';

/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the dispute library: citizens' apps and
 * third-party apps list the services (one per dispute category), file a request through the same intake
 * pipeline as every department feed, and follow its status. The documents here are plain objects in the
 * spec's field names; open311.xml.ts writes them as XML and the routes as JSON.
 *
 * What is public: the GET methods need no key, so nothing they return may name a person. The description
 * comes from the Open311 record itself (never from a department's record merged into the same dispute),
 * with names, phone numbers, ID numbers and e-mail addresses taken out.
 */

export const OPEN311_SOURCE = 'open311';
export const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';
/** When this API last changed shape; clients cache the service list against it. */
export const CHANGESET = '2026-11-29T00:00:00+08:00';

const GROUP = '矛盾纠纷';
const CENTRE = '综治中心';
const ANONYMOUS = '匿名市民';
/** GeoReport's default window for GET requests, and the most one query may span. */
const WINDOW_DAYS = 90;
const WINDOW_MS = WINDOW_DAYS * 86_400_000;
/** GeoReport's cap on one answer. */
export const MAX_RESULTS = 1000;
const MAX_IDS = 100;
const CST_MS = 8 * 3600_000;

const SERVICE_NOTICE =
  '矛盾纠纷由属地综治中心研判分流，依法调解化解；紧急情况请拨打 110 / Disputes are assessed by the local ' +
  'governance centre and resolved by mediation or the responsible department; in an emergency call 110';

// ---------------------------------------------------------------------------------------------------
// Services: one per dispute category

/** What citizens call each kind of dispute, for the service description and keywords. */
const SERVICE_TEXT: Record<DisputeCategory, { zh: string; en: string; keywords: string }> = {
  marriage_family: {
    zh: '婚姻、家庭、赡养、抚养、继承等纠纷',
    en: 'Marriage, family, support of parents or children, inheritance',
    keywords: '离婚,赡养,抚养,继承,家庭',
  },
  neighbour: {
    zh: '噪音、漏水、通行、采光等邻里纠纷',
    en: 'Noise, leaks, right of way, light and other disputes between neighbours',
    keywords: '邻居,噪音,漏水,通行,采光',
  },
  house_homestead: {
    zh: '房屋买卖、租赁、产权及宅基地纠纷',
    en: 'Sale, lease and ownership of houses; homestead land',
    keywords: '房屋,租赁,产权,宅基地',
  },
  contract: {
    zh: '借款、买卖、承揽等合同履行纠纷',
    en: 'Loans, sales, work contracts and other agreements',
    keywords: '借款,欠款,合同,违约',
  },
  business: {
    zh: '合伙、股权及生产经营中的纠纷',
    en: 'Partnerships, shares and running a business',
    keywords: '合伙,股权,经营',
  },
  damages: {
    zh: '人身伤害、财产损害的赔偿纠纷',
    en: 'Compensation for injury or damage to property',
    keywords: '赔偿,伤害,损坏',
  },
  forest_land: {
    zh: '山林、土地承包经营权及地界纠纷',
    en: 'Forest and land use rights, land contracts and boundaries',
    keywords: '山林,土地承包,地界',
  },
  expropriation: {
    zh: '征地、房屋征收拆迁及安置补偿纠纷',
    en: 'Land expropriation, demolition, resettlement and compensation',
    keywords: '征地,拆迁,安置,补偿',
  },
  environment: {
    zh: '噪声、废气、污水等环境污染引发的纠纷',
    en: 'Noise, fumes, sewage and other pollution',
    keywords: '污染,噪声,废气,污水',
  },
  labour: {
    zh: '拖欠工资、劳动合同、工伤、社保等劳动争议',
    en: 'Unpaid wages, employment contracts, work injuries, social insurance',
    keywords: '欠薪,工资,工伤,社保,劳动合同',
  },
  consumer: {
    zh: '商品质量、售后服务、预付卡退费等消费纠纷',
    en: 'Product quality, after-sales service, prepaid-card refunds',
    keywords: '退款,质量,预付卡,售后',
  },
  medical: {
    zh: '诊疗过错、医疗费用等医患纠纷',
    en: 'Treatment errors, medical bills and other disputes with hospitals',
    keywords: '医疗,医患,诊疗,医院',
  },
  traffic_accident: {
    zh: '道路交通事故损害赔偿纠纷',
    en: 'Compensation after road traffic accidents',
    keywords: '交通事故,车祸,赔偿',
  },
  property_mgmt: {
    zh: '物业服务、物业费、公共部位维修等物业纠纷',
    en: 'Property services, fees and repairs of common parts',
    keywords: '物业,物业费,停车,维修',
  },
  ip: {
    zh: '商标、专利、著作权等知识产权纠纷',
    en: 'Trademarks, patents, copyright',
    keywords: '商标,专利,版权,侵权',
  },
  other: { zh: '以上类别以外的其他矛盾纠纷', en: 'Any other dispute', keywords: '其他' },
};

export interface Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
}

const CATEGORY_BY_CODE = new Map<string, (typeof DISPUTE_CATEGORIES)[number]>(
  DISPUTE_CATEGORIES.map((c) => [c.code, c]),
);

export function listServices(): Service[] {
  return DISPUTE_CATEGORIES.map((c) => {
    const t = SERVICE_TEXT[c.code];
    return {
      service_code: c.code,
      service_name: c.name.zh,
      description: `${t.zh} / ${t.en}`,
      metadata: true,
      // A request becomes a dispute with its number at once: the answer to POST carries it.
      type: 'realtime',
      keywords: t.keywords,
      group: GROUP,
    };
  });
}

export interface ServiceAttribute {
  variable: boolean;
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  datatype_description: string | null;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

export interface ServiceDefinition {
  service_code: string;
  attributes: ServiceAttribute[];
}

/** The same questions for every kind of dispute: who is involved, how much is at stake, who the other side is. */
const ATTRIBUTES: ServiceAttribute[] = [
  {
    variable: true,
    code: 'people_involved',
    datatype: 'number',
    required: false,
    datatype_description: '1–1000000 之间的整数 / A whole number from 1 to 1000000',
    order: 1,
    description: '涉及人数 / How many people are involved',
  },
  {
    variable: true,
    code: 'amount',
    datatype: 'number',
    required: false,
    datatype_description: '争议金额，单位：元 / Amount in dispute, in yuan (CNY)',
    order: 2,
    description: '争议金额（元）/ Amount in dispute (yuan)',
  },
  {
    variable: true,
    code: 'party_role',
    datatype: 'singlevaluelist',
    required: false,
    datatype_description: '默认为申请人 / Applicant when not given',
    order: 3,
    description: '您在纠纷中的身份 / Your role in the dispute',
    values: [
      { key: 'applicant', name: '申请人（我请求解决）/ Applicant (I ask for it to be resolved)' },
      { key: 'respondent', name: '被申请人（对方请求解决）/ Respondent (the other side asks)' },
    ],
  },
  {
    variable: true,
    code: 'respondent_name',
    datatype: 'string',
    required: false,
    datatype_description: `最多 ${LIMITS.partyName} 字；不会公开 / At most ${LIMITS.partyName} characters; never published`,
    order: 4,
    description: '对方当事人（姓名或单位名称）/ The other party (a person’s or an organisation’s name)',
  },
];

export function serviceDefinition(code: string): ServiceDefinition {
  if (!CATEGORY_BY_CODE.has(code)) {
    throw new AppError('NOT_FOUND', `未知的服务 ${shown(code)} / Unknown service_code ${shown(code)}`);
  }
  return { service_code: code, attributes: ATTRIBUTES };
}

// ---------------------------------------------------------------------------------------------------
// Discovery

export interface Discovery {
  changeset: string;
  contact: string;
  key_service: string;
  endpoints: {
    specification: string;
    url: string;
    changeset: string;
    type: 'production' | 'test';
    formats: string[];
  }[];
}

export function discovery(baseUrl: string): Discovery {
  return {
    changeset: CHANGESET,
    contact:
      '温州市社会治理中心（综治中心）；接口问题请联系平台管理员 / Wenzhou social governance centre; ' +
      'for questions about the API contact the platform administrators',
    key_service:
      '提交上报（POST requests）需要 api_key：由市级管理员在“矛盾纠纷 → 数据来源”中为来源 open311 签发推送令牌；' +
      '查询无需 api_key / Filing a request needs an api_key, a push token of the source open311 issued by a ' +
      'city administrator; reading needs none',
    endpoints: [
      {
        specification: SPECIFICATION,
        url: baseUrl,
        changeset: CHANGESET,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// Reading the caller's parameters

/** A form or JSON body, or a query string, as flat text values; attribute[CODE] fields apart. */
interface Params {
  values: Record<string, string>;
  attributes: Record<string, string>;
  problems: ErrorDetail[];
}

const MAX_KEYS = 60;
/** attribute[CODE] as a form names it; any code is read, so that an unknown one is reported, not dropped. */
const ATTRIBUTE_KEY = /^attribute\[(.*)\]$/s;

const shown = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
const problem = (path: string, message: string): ErrorDetail => ({ path, message });

/** A plain object: a JSON object, or fast-querystring's (form bodies, query strings), whose prototype is bare. */
function isRecord(v: unknown): v is Record<string, unknown> {
  return Object.prototype.toString.call(v) === '[object Object]';
}

/** One parameter's value as text; empty means absent (forms send their empty fields). */
function scalar(name: string, v: unknown, problems: ErrorDetail[]): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v.trim() || undefined;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  problems.push(
    Array.isArray(v)
      ? problem(name, `参数 ${name} 只能给出一次 / ${name} may be given only once`)
      : problem(name, `参数 ${name} 应为文本或数字 / ${name} must be text or a number`),
  );
  return undefined;
}

function readParams(input: unknown, lists: readonly string[] = []): Params {
  // No prototype: a parameter named __proto__ is then just an unknown parameter.
  const out: Params = { values: Object.create(null), attributes: Object.create(null), problems: [] };
  if (input === undefined || input === null) return out;
  if (!isRecord(input)) {
    out.problems.push(
      problem(
        'body',
        '请求体应为 application/x-www-form-urlencoded 表单或 JSON 对象 / The body must be a form (application/x-www-form-urlencoded) or a JSON object',
      ),
    );
    return out;
  }
  const entries = Object.entries(input);
  if (entries.length > MAX_KEYS) {
    out.problems.push(
      problem('body', `参数过多（最多 ${MAX_KEYS} 个）/ Too many parameters (at most ${MAX_KEYS})`),
    );
    return out;
  }
  const put = (into: Record<string, string>, key: string, name: string, v: unknown) => {
    const s = scalar(name, v, out.problems);
    if (s !== undefined) into[key] = s;
  };
  for (const [key, v] of entries) {
    const attr = ATTRIBUTE_KEY.exec(key)?.[1];
    if (attr !== undefined) {
      put(out.attributes, attr, key, v);
    } else if (key === 'attribute' && isRecord(v)) {
      // JSON clients may nest the attributes: {"attribute": {"amount": 3000}}.
      for (const [code, av] of Object.entries(v).slice(0, MAX_KEYS)) {
        put(out.attributes, code, `attribute[${code}]`, av);
      }
    } else if (lists.includes(key) && Array.isArray(v) && v.length <= MAX_IDS) {
      // GeoReport lets a list be given as repeated parameters or as one comma-separated value.
      put(out.values, key, key, v.map((x) => (typeof x === 'string' ? x : '')).join(','));
    } else {
      put(out.values, key, key, v);
    }
  }
  return out;
}

/** A zod problem in the caller's terms: the parameter named, Chinese then English. */
function describeIssue(
  issue: z.core.$ZodIssue,
  given: Record<string, string>,
  attribute: boolean,
): ErrorDetail {
  const key = String(issue.path[0] ?? '');
  const name = attribute ? `attribute[${key}]` : key;
  const value = given[key];
  // Whatever the schema says of an absent value (an enum calls it an invalid value), it is missing.
  if (value === undefined && issue.code !== 'unrecognized_keys') {
    return problem(name, `缺少参数 ${name} / Missing parameter ${name}`);
  }
  switch (issue.code) {
    case 'custom':
      return problem(name, issue.message);
    case 'unrecognized_keys': {
      const names = issue.keys.map((k) => `attribute[${shown(k)}]`).join(', ');
      return problem(
        'attribute',
        `未知属性 ${names}（见服务定义）/ Unknown attribute ${names} (see the service definition)`,
      );
    }
    case 'too_big':
      return issue.origin === 'string'
        ? problem(
            name,
            `参数 ${name} 超过 ${issue.maximum} 字 / ${name} is longer than ${issue.maximum} characters`,
          )
        : problem(name, `参数 ${name} 不能大于 ${issue.maximum} / ${name} must be at most ${issue.maximum}`);
    case 'too_small':
      return problem(
        name,
        `参数 ${name} 不能小于 ${issue.minimum} / ${name} must be at least ${issue.minimum}`,
      );
    case 'invalid_value':
      return problem(
        name,
        `参数 ${name} 的取值无效：${shown(value ?? '')} / ${name} has an unknown value: ${shown(value ?? '')}`,
      );
    default:
      return problem(name, `参数 ${name} 格式无效 / ${name} is not valid`);
  }
}

function issuesOf(error: z.ZodError, given: Record<string, string>, attribute = false): ErrorDetail[] {
  return error.issues.map((i) => describeIssue(i, given, attribute));
}

const invalid = (problems: ErrorDetail[]) =>
  new AppError('VALIDATION_FAILED', '请求参数有误 / The request is invalid', problems);

const DECIMAL = /^[+-]?(\d{1,13}(\.\d{0,12})?|\.\d{1,12})$/;
const decimal = (what: string) =>
  z.string().regex(DECIMAL, `参数 ${what} 应为数字 / ${what} must be a number`).transform(Number);

/** Coordinates are WGS-84 as phones report them; the bounds are China's, the pipeline checks Wenzhou. */
const coordinate = (what: 'lat' | 'long', min: number, max: number) =>
  decimal(what).refine(
    (v) => v >= min && v <= max,
    `${what} 应在 ${min}–${max} 之间（中国境内）/ ${what} must be between ${min} and ${max} (inside China)`,
  );

const PostSchema = z.object({
  jurisdiction_id: z.string().max(100).optional(),
  service_code: z.enum(CATEGORY_CODES),
  lat: coordinate('lat', 3, 54).optional(),
  long: coordinate('long', 73, 136).optional(),
  address_string: z.string().max(LIMITS.address).optional(),
  // Our addressing system is the statistical area code (6, 9, 12 or 15 digits), also GET's address_id.
  address_id: z
    .string()
    .regex(
      /^\d{6,15}$/,
      'address_id 应为 6–15 位区划代码 / address_id must be an area code of 6 to 15 digits',
    )
    .optional(),
  email: z.email('email 格式无效 / email is not a valid address').max(254).optional(),
  device_id: z.string().max(100).optional(),
  account_id: z.string().max(100).optional(),
  first_name: z.string().max(50).optional(),
  last_name: z.string().max(50).optional(),
  phone: z.string().max(30).optional(),
  description: z.string().max(LIMITS.description),
  media_url: z
    .url({ protocol: /^https?$/, error: 'media_url 应为 http(s) 网址 / media_url must be an http(s) URL' })
    .max(1000)
    .optional(),
});

const AttributeSchema = z
  .object({
    people_involved: decimal('attribute[people_involved]').refine(
      (v) => Number.isInteger(v) && v >= 1 && v <= 1_000_000,
      'attribute[people_involved] 应为 1–1000000 的整数 / attribute[people_involved] must be a whole number from 1 to 1000000',
    ),
    amount: decimal('attribute[amount]').refine(
      (v) => v >= 0 && v <= 1e12,
      'attribute[amount] 应为 0–1000000000000 之间的金额 / attribute[amount] must be between 0 and 1000000000000',
    ),
    party_role: z.enum(['applicant', 'respondent']),
    respondent_name: z.string().max(LIMITS.partyName),
  })
  .partial()
  .strict();

// ---------------------------------------------------------------------------------------------------
// POST requests

/** The key a third-party app sends is a push token of the source open311; anything else is refused. */
export async function authenticate(db: DbOrTx, body: unknown): Promise<Source> {
  const given = isRecord(body) ? body.api_key : undefined;
  if (given === undefined || given === null || given === '') {
    throw new AppError('FORBIDDEN', '缺少 api_key / api_key is required to file a request');
  }
  const invalid = () =>
    new AppError('FORBIDDEN', 'api_key 无效或已吊销 / The api_key is unknown or has been revoked');
  if (typeof given !== 'string' || given.length > 200) throw invalid();
  let source: Source;
  try {
    source = await sourceForToken(db, given.trim());
  } catch (e) {
    // Unknown, revoked, or the Open311 channel switched off by an administrator: all mean "not accepted".
    if (e instanceof AppError) throw invalid();
    throw e;
  }
  if (source.code !== OPEN311_SOURCE) {
    throw new AppError('FORBIDDEN', '该 api_key 不是 Open311 接口的令牌 / The api_key is not an Open311 key');
  }
  return source;
}

export interface CreatedRequest {
  service_request_id: string;
  token: string;
  service_notice: string;
  account_id: string | null;
}

/** The pipeline's field names → the parameter a GeoReport client sent. */
function paramOf(field: string): string {
  if (field === 'point') return 'lat/long';
  if (field === 'address') return 'address_string';
  if (field === 'areaCode') return 'address_id';
  if (field === 'amount') return 'attribute[amount]';
  if (field === 'peopleInvolved') return 'attribute[people_involved]';
  if (field === 'category') return 'service_code';
  if (field === 'title') return 'description';
  if (field === 'parties[0].phone') return 'phone';
  if (field === 'parties[0].name') return 'first_name/last_name';
  if (field.startsWith('parties[1]')) return 'attribute[respondent_name]';
  return field;
}

const CJK = /[\u3400-\u9fff]/;
/** Chinese names are written family name first; Latin ones given name first. */
function fullName(first: string | undefined, last: string | undefined): string | null {
  if (!first && !last) return null;
  if (!first || !last) return (first ?? last)!;
  return CJK.test(first + last) ? `${last}${first}` : `${first} ${last}`;
}

/** An organisation by the way its name ends; anything else is taken for a person, whose name is masked. */
const ORGANISATION =
  /(公司|有限公司|厂|店|超市|医院|卫生院|诊所|学校|幼儿园|银行|物业|集团|合作社|中心|委员会|局)$/;

const NOTICE = {
  inserted:
    '已登记，属地综治中心将在 1 个工作日内研判分流，可凭编号查询进度 / Registered; the local governance centre ' +
    'will assess it within one working day. Follow it by its number',
  merged:
    '已并入正在办理的同一纠纷，可凭编号查询进度 / Joined to the same dispute already being handled. Follow it by its number',
} as const;

/**
 * Files one request through the platform's intake pipeline (validate → area → classify → link → dedupe →
 * write), as the source open311. Its token is the record's key, so a token always finds its dispute, also
 * when the pipeline merged the report into a dispute another channel registered first.
 */
export async function createRequest(kernel: Kernel, source: Source, body: unknown): Promise<CreatedRequest> {
  const params = readParams(body);
  const parsed = PostSchema.safeParse(params.values);
  const attrs = AttributeSchema.safeParse(params.attributes);
  const problems = [...params.problems];
  if (!parsed.success) problems.push(...issuesOf(parsed.error, params.values));
  if (!attrs.success) problems.push(...issuesOf(attrs.error, params.attributes, true));
  const v = params.values;
  if ((v.lat === undefined) !== (v.long === undefined)) {
    problems.push(problem('lat/long', 'lat 与 long 须同时给出 / lat and long must be given together'));
  }
  if (v.lat === undefined && v.long === undefined && !v.address_string && !v.address_id) {
    problems.push(
      problem(
        'location',
        '须给出位置：lat 与 long、address_string 或 address_id / A location is required: lat and long, address_string or address_id',
      ),
    );
  }
  // A schema that failed has put its problems in the list: one answer names them all.
  if (problems.length || !parsed.success || !attrs.success) throw invalid(problems);
  const p = parsed.data;
  const a = attrs.data;

  const token = randomUUID();
  const reporter = fullName(p.first_name, p.last_name);
  const role = a.party_role ?? 'applicant';
  const parties: PartyFields[] = [
    { role, kind: 'person', name: reporter ?? ANONYMOUS, ...(p.phone ? { phone: p.phone } : {}) },
  ];
  if (a.respondent_name) {
    parties.push({
      role: role === 'applicant' ? 'respondent' : 'applicant',
      kind: ORGANISATION.test(a.respondent_name) ? 'enterprise' : 'person',
      name: a.respondent_name,
    });
  }
  const category = CATEGORY_BY_CODE.get(p.service_code)!;
  const result = await intake(kernel, sourceActor(source), source, 'open311', [
    {
      recordKey: token,
      reportedAt: new Date().toISOString(),
      title: `${category.name.zh}：${p.description.replace(/\s+/g, ' ').slice(0, 40)}`,
      description: p.description,
      category: p.service_code,
      lng: p.long ?? null,
      lat: p.lat ?? null,
      address: p.address_string ?? null,
      areaCode: p.address_id ?? null,
      amount: a.amount ?? null,
      peopleInvolved: a.people_involved ?? null,
      parties,
    },
  ]);
  const outcome = result.outcomes[0]!;
  if (outcome.status === 'rejected' || !outcome.matterId) {
    const errors = (outcome.errors ?? []).map((e) =>
      problem(paramOf(e.field), `${paramOf(e.field)}：${e.reason}`),
    );
    throw new AppError(
      'VALIDATION_FAILED',
      '上报未通过校验 / The request was not accepted',
      errors.length ? errors : undefined,
    );
  }

  // What the public may see of this report, decided now while the names the caller gave are known. The
  // media URL has no column of its own in the pipeline's record; it is kept beside it with the same key.
  const names = [reporter, p.first_name, p.last_name, a.respondent_name].filter((n): n is string => !!n);
  const open311: Open311Data = {
    publicDescription: redact(p.description, names),
    ...(p.media_url ? { mediaUrl: p.media_url } : {}),
  };
  await ddb(kernel.db)
    .updateTable('dispute_records')
    .set({ data: sql`data || jsonb_build_object('open311', ${JSON.stringify(open311)}::jsonb)` })
    .where('source_code', '=', OPEN311_SOURCE)
    .where('record_key', '=', token)
    .execute();

  const number =
    outcome.matterNumber ??
    (
      await kernel.db
        .selectFrom('matters')
        .select('number')
        .where('id', '=', outcome.matterId)
        .executeTakeFirstOrThrow()
    ).number;
  return {
    service_request_id: number,
    token,
    service_notice: outcome.status === 'merged' ? NOTICE.merged : NOTICE.inserted,
    account_id: null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Keeping people out of public answers

/** What the Open311 record keeps beside the pipeline's fields (dispute_records.data.open311). */
interface Open311Data {
  publicDescription?: string;
  mediaUrl?: string;
}

const DIGIT = '[0-9０-９]';
const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const ID_NUMBER = new RegExp(`${DIGIT}{17}[0-9０-９XxＸｘ]`, 'g');
/** Seven digits or more, grouped or not: phone numbers, ID and bank card numbers. Amounts are shorter. */
const LONG_NUMBER = new RegExp(`${DIGIT}(?:[\\s-]?${DIGIT}){6,}`, 'g');

/**
 * Text fit for a public answer: the given names (two characters or more: a lone surname would blank out
 * ordinary words) become 某某, and e-mail addresses and long numbers ***. A name the writer did not give
 * us cannot be recognised; the public text is the citizen's own, not the departments'.
 */
export function redact(text: string, names: readonly string[]): string {
  let out = text.replace(EMAIL, '***').replace(ID_NUMBER, '***').replace(LONG_NUMBER, '***');
  const distinct = [...new Set(names.map((n) => n.trim()).filter((n) => n.length >= 2))];
  // Longest first, so that 张小明 is replaced whole before 小明 could cut it.
  for (const n of distinct.sort((x, y) => y.length - x.length)) out = out.split(n).join('某某');
  return out;
}

// ---------------------------------------------------------------------------------------------------
// GET requests

export interface ServiceRequest {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string | null;
  service_name: string | null;
  service_code: string | null;
  description: string | null;
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string | null;
  address_id: string;
  zipcode: string | null;
  lat: number | null;
  long: number | null;
  media_url: string | null;
}

export interface RequestQuery {
  ids: string[] | null;
  serviceCodes: string[] | null;
  statuses: ('open' | 'closed')[] | null;
  start: Date;
  end: Date;
}

const REQUEST_ID = /^[A-Z]{1,4}-\d{6}-\d{8}-\d{4,6}$/;
const W3C_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/;

/** A W3C date-time (a zone is required with a time; a date alone is midnight in China) → the instant. */
export function parseW3cDate(s: string): Date | null {
  const m = W3C_DATE.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', se = '0', frac = '0', zone, sign, zh = '0', zm = '0'] = m;
  const wall = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +se, Math.floor(Number(`0.${frac}`) * 1000));
  const check = new Date(wall);
  // Date.UTC would roll 2026-02-30 over into March: an impossible date is refused, not moved.
  if (check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d! || +h > 23 || +mi > 59 || +se > 59)
    return null;
  if (+zh > 14 || +zm > 59) return null;
  const offset =
    zone === undefined ? CST_MS : zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (+zh * 60 + +zm) * 60_000;
  return new Date(wall - offset);
}

const CodeList = z
  .string()
  .max(1000)
  .transform((s) => s.split(',').map((x) => x.trim()))
  .pipe(z.array(z.enum(CATEGORY_CODES)).max(CATEGORY_CODES.length));

const QuerySchema = z.object({
  jurisdiction_id: z.string().max(100).optional(),
  service_request_id: z
    .string()
    .max(MAX_IDS * 26)
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(
      z
        .array(
          z
            .string()
            .regex(
              REQUEST_ID,
              'service_request_id 应为纠纷编号，如 JF-330302-20261129-0001 / service_request_id must be a dispute number such as JF-330302-20261129-0001',
            ),
        )
        .max(MAX_IDS, `service_request_id 最多 ${MAX_IDS} 个 / at most ${MAX_IDS} service_request_id`),
    )
    .optional(),
  service_code: CodeList.optional(),
  status: z
    .string()
    .max(20)
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.enum(['open', 'closed'])).max(2))
    .optional(),
  start_date: z.string().max(40).optional(),
  end_date: z.string().max(40).optional(),
});

/**
 * GET requests' parameters. Without dates the last 90 days; one date sets the other 90 days away; a range
 * may not span more than 90 days (GeoReport's limits). service_request_id, when given, overrides the rest.
 */
export function parseRequestQuery(query: unknown, now: Date = new Date()): RequestQuery {
  const params = readParams(query, ['service_request_id', 'service_code', 'status']);
  const problems = [...params.problems];
  const parsed = QuerySchema.safeParse(params.values);
  if (!parsed.success) problems.push(...issuesOf(parsed.error, params.values));
  const dates: Record<'start_date' | 'end_date', Date | null> = { start_date: null, end_date: null };
  for (const k of ['start_date', 'end_date'] as const) {
    const s = params.values[k];
    if (s === undefined || s.length > 40) continue;
    dates[k] = parseW3cDate(s);
    if (!dates[k]) {
      problems.push(
        problem(
          k,
          `${k} 应为 W3C 日期时间，如 2026-11-01T00:00:00+08:00 / ${k} must be a W3C date-time such as 2026-11-01T00:00:00+08:00`,
        ),
      );
    }
  }
  let start = dates.start_date;
  let end = dates.end_date;
  if (start && end) {
    if (end.getTime() <= start.getTime()) {
      problems.push(problem('end_date', 'end_date 须晚于 start_date / end_date must be after start_date'));
    } else if (end.getTime() - start.getTime() > WINDOW_MS) {
      problems.push(
        problem(
          'end_date',
          `start_date 与 end_date 相隔不能超过 ${WINDOW_DAYS} 天 / start_date and end_date may be at most ${WINDOW_DAYS} days apart`,
        ),
      );
    }
  }
  if (problems.length || !parsed.success) throw invalid(problems);
  if (!start && !end) end = now;
  if (!start) start = new Date(end!.getTime() - WINDOW_MS);
  if (!end) end = new Date(start.getTime() + WINDOW_MS);
  const q = parsed.data;
  return {
    ids: q.service_request_id ?? null,
    serviceCodes: q.service_code ?? null,
    statuses: q.status ?? null,
    start,
    end,
  };
}

/** Timeline actions whose note speaks to the person who reported: a decision, a result, a follow-up. */
const PUBLIC_NOTE_ACTIONS = ['reject', 'resolve', 'fail', 'revisit', 'revisit_unresolved'];

interface RequestRow {
  id: string;
  number: string;
  category: string | null;
  status: string;
  closed: boolean;
  lng: number | null;
  lat: number | null;
  area_code: string;
  updated_at: Date;
  due_at: Date | null;
  reported_at: Date;
  address: string | null;
  open311: Open311Data | null;
  dept_name: string | null;
  assignee_area_name: string | null;
  dispatcher_area_name: string | null;
  area_names: (string | null)[];
  note: string | null;
}

/** ISO 8601 in China's time, as people in Wenzhou read it: 2026-11-29T09:30:00+08:00. */
export function cstIso(d: Date): string {
  return `${new Date(d.getTime() + CST_MS).toISOString().slice(0, 19)}+08:00`;
}

/** 温州市鹿城区五马街道: the area's names from the city down, for a report that gave no address. */
function areaPath(names: (string | null)[]): string | null {
  const out: string[] = [];
  for (const n of names) if (n && out.at(-1) !== n) out.push(n);
  return out.length ? out.join('') : null;
}

function presentRequest(r: RequestRow, names: string[]): ServiceRequest {
  const state = disputeWorkflow.states[r.status]?.name;
  const stateText = state ? `${state.zh} / ${state.en}` : r.status;
  const note = r.note ? redact(r.note, names).slice(0, 1000) : null;
  const category = r.category ? CATEGORY_BY_CODE.get(r.category) : undefined;
  // Only the text made public when the report was filed; a record without one (pushed through the
  // department push API with an open311 key) shows none rather than text no one has vetted.
  const description = r.open311?.publicDescription ?? null;
  const agency = r.dept_name
    ? `${r.assignee_area_name ?? ''}${r.dept_name}`
    : `${r.dispatcher_area_name ?? ''}${CENTRE}`;
  return {
    service_request_id: r.number,
    status: r.closed ? 'closed' : 'open',
    status_notes: note ? `${stateText}：${note}` : stateText,
    service_name: category?.name.zh ?? null,
    service_code: r.category,
    description: description === null ? null : redact(description, names),
    agency_responsible: agency,
    service_notice: SERVICE_NOTICE,
    requested_datetime: cstIso(new Date(r.reported_at)),
    updated_datetime: cstIso(r.updated_at),
    expected_datetime: !r.closed && r.due_at ? cstIso(r.due_at) : null,
    address: r.address ?? areaPath(r.area_names),
    address_id: r.area_code,
    zipcode: null,
    lat: r.lat,
    long: r.lng,
    media_url: r.open311?.mediaUrl ?? null,
  };
}

/**
 * Disputes that an Open311 report fed, newest report first, at most 1000. A dispute reported twice
 * through Open311 is one request, described by its first Open311 report.
 */
export async function listRequests(db: DbOrTx, q: RequestQuery): Promise<ServiceRequest[]> {
  const recordFilter = q.ids
    ? sql`and r.matter_id in (select id from matters where number = any(${sql.val(q.ids)}::text[]))`
    : sql`and r.reported_at >= ${q.start} and r.reported_at < ${q.end}`;
  const conds = [sql`m.type = 'dispute'`];
  if (!q.ids && q.serviceCodes) conds.push(sql`m.category = any(${sql.val(q.serviceCodes)}::text[])`);
  if (!q.ids && q.statuses?.length === 1)
    conds.push(q.statuses[0] === 'closed' ? sql`m.closed` : sql`not m.closed`);
  const rows = await sql<RequestRow>`
    with o as (
      select distinct on (r.matter_id) r.matter_id, r.reported_at, r.address,
             r.data -> 'open311' as open311
      from dispute_records r
      where r.source_code = ${OPEN311_SOURCE} ${recordFilter}
      order by r.matter_id, r.reported_at, r.id
    )
    select m.id, m.number, m.category, m.status, m.closed, m.lng, m.lat, m.area_code, m.updated_at, m.due_at,
           o.reported_at, o.address, o.open311,
           d.name as dept_name, aa.name as assignee_area_name, da.name as dispatcher_area_name,
           array[a1.name, a2.name, a3.name, a4.name] as area_names,
           n.note
    from o
    join matters m on m.id = o.matter_id
    left join departments d on d.code = m.assignee_department
    left join areas aa on aa.code = m.assignee_area_code
    left join areas da on da.code = m.dispatcher_area_code
    left join areas a1 on a1.code = substr(m.area_code, 1, 4) || '00000000'
    left join areas a2 on a2.code = substr(m.area_code, 1, 6) || '000000'
    left join areas a3 on a3.code = substr(m.area_code, 1, 9) || '000'
    left join areas a4 on a4.code = substr(m.area_code, 1, 12)
    left join lateral (
      select t.note from matter_timeline t
      where t.matter_id = m.id and t.note is not null
        and t.action = any(${sql.val(PUBLIC_NOTE_ACTIONS)}::text[])
      order by t.id desc
      limit 1
    ) n on true
    where ${sql.join(conds, sql` and `)}
    order by o.reported_at desc, m.id desc
    limit ${MAX_RESULTS}`.execute(db);
  if (!rows.rows.length) return [];
  // The linked persons' names: staff write them in notes, and a citizen may name someone the form did not.
  const people = await sql<{ matter_id: string; name: string }>`
    select mp.matter_id, p.name
    from matter_parties mp
    join persons p on p.id = mp.subject_id
    where mp.subject_type = 'person' and mp.matter_id = any(${sql.val(rows.rows.map((r) => r.id))}::bigint[])`.execute(
    db,
  );
  const namesOf = new Map<string, string[]>();
  for (const p of people.rows) namesOf.set(p.matter_id, [...(namesOf.get(p.matter_id) ?? []), p.name]);
  return rows.rows.map((r) => presentRequest(r, namesOf.get(r.id) ?? []));
}

export async function getRequest(db: DbOrTx, id: string): Promise<ServiceRequest> {
  const notFound = new AppError('NOT_FOUND', `未找到上报 ${shown(id)} / No request ${shown(id)}`);
  if (!REQUEST_ID.test(id)) throw notFound;
  const [found] = await listRequests(db, {
    ids: [id],
    serviceCodes: null,
    statuses: null,
    start: new Date(0),
    end: new Date(),
  });
  if (!found) throw notFound;
  return found;
}

const TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The dispute a token's report went into (its number). */
export async function findToken(
  db: DbOrTx,
  token: string,
): Promise<{ service_request_id: string; token: string }> {
  const notFound = new AppError('NOT_FOUND', `未找到令牌 ${shown(token)} / No token ${shown(token)}`);
  if (!TOKEN.test(token)) throw notFound;
  const row = await ddb(db)
    .selectFrom('dispute_records as r')
    .innerJoin('matters as m', 'm.id', 'r.matter_id')
    .select(['m.number', 'r.record_key'])
    .where('r.source_code', '=', OPEN311_SOURCE)
    .where('r.record_key', '=', token.toLowerCase())
    .executeTakeFirst();
  if (!row) throw notFound;
  return { service_request_id: row.number, token: row.record_key };
}

import { z } from 'zod';
import { CATEGORY_CODES, PARTY_ROLES } from './dispute.schema.ts';

/**
 * A source is a department's feed (or a channel: Open311, the web form). Its mapping profile says how that
 * department writes a record: its column names, its code table for categories, its date formats. The
 * profiles below are the defaults seeded into `dispute_sources`; a city administrator edits them there.
 */
export const PartyColumns = z.object({
  role: z.enum(PARTY_ROLES),
  kind: z.enum(['person', 'enterprise']),
  name: z.string().max(60),
  idNumber: z.string().max(60).optional(),
  phone: z.string().max(60).optional(),
  uscc: z.string().max(60).optional(),
});

export const SourceProfile = z.object({
  /** Their record code's name, e.g. 警情编号; also the column that holds it. */
  recordLabel: z.string().max(40),
  /** What their files usually look like; a parser detects the real format and encoding anyway. */
  format: z.enum(['csv', 'xlsx', 'jsonl']),
  encoding: z.enum(['utf8', 'gbk']).default('utf8'),
  /** Rows above the header in their XLSX exports (a title, a date line). */
  titleRows: z.number().int().min(0).max(20).default(0),
  columns: z.object({
    recordKey: z.string().max(60),
    reportedAt: z.string().max(60),
    description: z.string().max(60),
    title: z.string().max(60).optional(),
    category: z.string().max(60).optional(),
    areaCode: z.string().max(60).optional(),
    address: z.string().max(60).optional(),
    lng: z.string().max(60).optional(),
    lat: z.string().max(60).optional(),
    amount: z.string().max(60).optional(),
    peopleInvolved: z.string().max(60).optional(),
    parties: z.array(PartyColumns).max(10).default([]),
  }),
  /**
   * Date formats in dayjs notation tried in order (e.g. 'YYYY-MM-DD HH:mm:ss', 'YYYY/M/D', 'YYYYMMDDHHmmss');
   * times without a zone are China Standard Time. Excel date cells and serial numbers are always accepted.
   */
  dateFormats: z.array(z.string().max(40)).min(1).max(10),
  /** Their category codes → ours. A code not in the table goes to the text classifier. */
  categoryCodes: z.record(z.string().max(40), z.enum(CATEGORY_CODES)).default({}),
  /** Amounts written in 万元 rather than 元. */
  amountUnit: z.enum(['yuan', 'wan']).default('yuan'),
});
export type SourceProfile = z.infer<typeof SourceProfile>;

export interface SourceDef {
  code: string;
  /** departments.code; null for channels that are not a department (Open311, the web form). */
  department: string | null;
  name: { zh: string; en: string };
  profile: SourceProfile;
}

/** The channels that are not department feeds: they use our own field names. */
const OWN_COLUMNS: SourceProfile['columns'] = {
  recordKey: 'recordKey',
  reportedAt: 'reportedAt',
  description: 'description',
  title: 'title',
  category: 'category',
  areaCode: 'areaCode',
  address: 'address',
  lng: 'lng',
  lat: 'lat',
  amount: 'amount',
  peopleInvolved: 'peopleInvolved',
  parties: [],
};

export const CHANNEL_SOURCES: SourceDef[] = [
  {
    code: 'open311',
    department: null,
    name: { zh: '群众上报（Open311）', en: 'Citizen reports (Open311)' },
    profile: SourceProfile.parse({
      recordLabel: 'service_request_id',
      format: 'jsonl',
      columns: OWN_COLUMNS,
      dateFormats: ['YYYY-MM-DDTHH:mm:ssZ'],
    }),
  },
  {
    code: 'web',
    department: null,
    name: { zh: '网格员及窗口登记', en: 'Grid workers and service windows' },
    profile: SourceProfile.parse({
      recordLabel: '登记编号',
      format: 'jsonl',
      columns: OWN_COLUMNS,
      dateFormats: ['YYYY-MM-DDTHH:mm:ssZ'],
    }),
  },
];

/**
 * One department feed. The profile goes through `SourceProfile.parse` here so that a typo in a column name
 * table fails at start-up rather than at the first import.
 */
function department(
  code: string,
  dept: string,
  name: { zh: string; en: string },
  profile: z.input<typeof SourceProfile>,
): SourceDef {
  return { code, department: dept, name, profile: SourceProfile.parse(profile) };
}

/**
 * The 21 departments' feeds, as each department's system really exports them: their own column names,
 * record numbers, code tables and date styles. Codes deliberately left out of a table (其他, 民事监督 …) go
 * to the text classifier, which knows more than a catch-all code does. Each entry's comment names the
 * feed's quirks; `demo/generate.ts` writes files in exactly these shapes (its DEPARTMENT_STYLES say what
 * each department puts in the columns).
 */
export const DEPARTMENT_SOURCES: SourceDef[] = [
  // 110 接处警系统: GBK CSV with coordinates from the dispatch map; 纠纷类警情 are coded 03xx.
  department(
    'police_110',
    'police',
    { zh: '公安110警情', en: 'Police 110 incidents' },
    {
      recordLabel: '警情编号',
      format: 'csv',
      encoding: 'gbk',
      columns: {
        recordKey: '警情编号',
        reportedAt: '接警时间',
        category: '警情类别',
        description: '报警内容',
        address: '发生地址',
        lng: '经度',
        lat: '纬度',
        parties: [
          { role: 'applicant', kind: 'person', name: '报警人', idNumber: '报警人身份证', phone: '联系电话' },
        ],
      },
      dateFormats: ['YYYY-MM-DD HH:mm:ss'],
      categoryCodes: {
        '0301': 'marriage_family', // 家庭纠纷
        '0302': 'neighbour', // 邻里纠纷
        '0303': 'contract', // 经济纠纷
        '0304': 'labour', // 劳资纠纷
        '0305': 'traffic_accident', // 交通纠纷
        '0306': 'medical', // 医患纠纷
        '0307': 'consumer', // 消费纠纷
        '0308': 'property_mgmt', // 物业纠纷
        '0309': 'forest_land', // 山林土地纠纷
        '0310': 'house_homestead', // 房屋纠纷
        '0311': 'damages', // 人身损害纠纷
      },
    },
  ),
  // 审判管理系统 export: two title rows, Excel date cells, 案由 as text, 标的额 in 万元.
  department(
    'court_litigation',
    'court',
    { zh: '法院诉讼', en: 'Court litigation' },
    {
      recordLabel: '案号',
      format: 'xlsx',
      titleRows: 2,
      columns: {
        recordKey: '案号',
        reportedAt: '立案日期',
        category: '案由',
        title: '案件名称',
        description: '诉讼请求及事实理由',
        address: '送达地址',
        amount: '诉讼标的额（万元）',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: '原告',
            idNumber: '原告身份证号码',
            phone: '原告联系电话',
          },
          {
            role: 'respondent',
            kind: 'person',
            name: '被告',
            idNumber: '被告身份证号码',
            phone: '被告联系电话',
          },
          { role: 'respondent', kind: 'enterprise', name: '被告单位', uscc: '被告单位统一社会信用代码' },
        ],
      },
      dateFormats: ['YYYY-MM-DD', 'YYYY/M/D'],
      categoryCodes: {
        民间借贷纠纷: 'contract',
        买卖合同纠纷: 'contract',
        房屋租赁合同纠纷: 'contract',
        建设工程施工合同纠纷: 'contract',
        离婚纠纷: 'marriage_family',
        抚养纠纷: 'marriage_family',
        赡养纠纷: 'marriage_family',
        继承纠纷: 'marriage_family',
        劳动争议: 'labour',
        追索劳动报酬纠纷: 'labour',
        机动车交通事故责任纠纷: 'traffic_accident',
        医疗损害责任纠纷: 'medical',
        物业服务合同纠纷: 'property_mgmt',
        相邻关系纠纷: 'neighbour',
        宅基地使用权纠纷: 'house_homestead',
        房屋买卖合同纠纷: 'house_homestead',
        侵害商标权纠纷: 'ip',
        侵害外观设计专利权纠纷: 'ip',
        环境污染责任纠纷: 'environment',
        '生命权、身体权、健康权纠纷': 'damages',
        财产损害赔偿纠纷: 'damages',
        土地承包经营权纠纷: 'forest_land',
        房屋拆迁安置补偿合同纠纷: 'expropriation',
        网络购物合同纠纷: 'consumer',
        产品责任纠纷: 'consumer',
        合伙合同纠纷: 'business',
        股权转让纠纷: 'business',
      },
      amountUnit: 'wan',
    },
  ),
  // 检察业务应用系统: 民事支持起诉 and 公益诉讼 clues; 民事监督 cases are left to the classifier.
  department(
    'procuratorate',
    'procuratorate',
    { zh: '检察院民事检察', en: 'Procuratorate civil cases' },
    {
      recordLabel: '受理案号',
      format: 'csv',
      columns: {
        recordKey: '受理案号',
        reportedAt: '受理日期',
        category: '案件类别',
        description: '案情摘要',
        address: '当事人住址',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: '申请人',
            idNumber: '申请人身份证号',
            phone: '申请人联系电话',
          },
          { role: 'respondent', kind: 'person', name: '被申请人', idNumber: '被申请人身份证号' },
        ],
      },
      dateFormats: ['YYYY年M月D日'],
      categoryCodes: {
        '支持起诉（追索劳动报酬）': 'labour',
        '支持起诉（赡养费）': 'marriage_family',
        '支持起诉（抚养费）': 'marriage_family',
        '公益诉讼（生态环境和资源保护）': 'environment',
        '公益诉讼（食品药品安全）': 'consumer',
      },
    },
  ),
  // 人民调解 registration sheet: a two-row header (申请人信息 / 被申请人信息 merged over 姓名, 身份证号, 联系电话).
  // The merged upper row counts as the title row; the lower row's repeated names are made unique as the
  // parser does (姓名, 姓名#2).
  department(
    'justice_mediation',
    'justice',
    { zh: '司法局人民调解', en: 'Justice bureau people’s mediation' },
    {
      recordLabel: '调解案号',
      format: 'xlsx',
      titleRows: 1,
      columns: {
        recordKey: '调解案号',
        reportedAt: '受理日期',
        category: '纠纷类型',
        description: '纠纷简要情况',
        areaCode: '村（社区）代码',
        address: '纠纷发生地',
        amount: '涉及金额（元）',
        peopleInvolved: '涉及人数',
        parties: [
          { role: 'applicant', kind: 'person', name: '姓名', idNumber: '身份证号', phone: '联系电话' },
          { role: 'respondent', kind: 'person', name: '姓名#2', idNumber: '身份证号#2', phone: '联系电话#2' },
        ],
      },
      dateFormats: ['YYYY-MM-DD', 'YYYY.MM.DD'],
      categoryCodes: {
        婚姻家庭纠纷: 'marriage_family',
        邻里纠纷: 'neighbour',
        房屋宅基地纠纷: 'house_homestead',
        合同纠纷: 'contract',
        生产经营纠纷: 'business',
        损害赔偿纠纷: 'damages',
        山林土地纠纷: 'forest_land',
        征地拆迁纠纷: 'expropriation',
        环境污染纠纷: 'environment',
        劳动争议纠纷: 'labour',
        消费纠纷: 'consumer',
        医疗纠纷: 'medical',
        道路交通事故纠纷: 'traffic_accident',
        物业纠纷: 'property_mgmt',
        知识产权纠纷: 'ip',
      },
    },
  ),
  // 信访信息系统: GBK, place named only down to the town (问题属地), 内容分类 as 大类/小类 text.
  department(
    'petition',
    'petition',
    { zh: '信访局信访事项', en: 'Petitions' },
    {
      recordLabel: '信访件编号',
      format: 'csv',
      encoding: 'gbk',
      columns: {
        recordKey: '信访件编号',
        reportedAt: '登记日期',
        category: '内容分类',
        title: '信访标题',
        description: '反映问题',
        address: '问题属地',
        peopleInvolved: '信访人数',
        parties: [
          { role: 'applicant', kind: 'person', name: '信访人', idNumber: '证件号码', phone: '联系方式' },
        ],
      },
      dateFormats: ['YYYY/M/D'],
      categoryCodes: {
        '城乡建设/征地拆迁': 'expropriation',
        '城乡建设/住房保障': 'house_homestead',
        '城乡建设/物业管理': 'property_mgmt',
        '劳动和社会保障/工资待遇': 'labour',
        '劳动和社会保障/劳动关系': 'labour',
        '国土资源/土地权属': 'forest_land',
        '国土资源/宅基地': 'house_homestead',
        '环境保护/污染防治': 'environment',
        '卫生健康/医疗纠纷': 'medical',
        '经济管理/合同纠纷': 'contract',
      },
    },
  ),
  // 劳动人事争议仲裁院 case register: three rows above the header, employer as an enterprise with USCC.
  department(
    'hrss_arbitration',
    'hrss',
    { zh: '人社局劳动人事争议仲裁', en: 'Labour dispute arbitration' },
    {
      recordLabel: '案号',
      format: 'xlsx',
      titleRows: 3,
      columns: {
        recordKey: '案号',
        reportedAt: '受理日期',
        category: '争议类型',
        description: '仲裁请求',
        address: '用人单位地址',
        amount: '请求金额',
        peopleInvolved: '申请人数',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: '申请人',
            idNumber: '申请人身份证号码',
            phone: '申请人联系电话',
          },
          {
            role: 'respondent',
            kind: 'enterprise',
            name: '被申请人',
            uscc: '统一社会信用代码',
            phone: '单位联系电话',
          },
        ],
      },
      dateFormats: ['YYYY-MM-DD'],
      categoryCodes: {
        劳动报酬: 'labour',
        经济补偿金: 'labour',
        工伤保险待遇: 'labour',
        社会保险: 'labour',
        确认劳动关系: 'labour',
        未签劳动合同二倍工资: 'labour',
      },
    },
  ),
  // 住建 complaints: a letter-coded category, the complainant by phone only, the company by its USCC.
  department(
    'housing',
    'housing',
    { zh: '住建局投诉', en: 'Housing and construction complaints' },
    {
      recordLabel: '投诉编号',
      format: 'csv',
      columns: {
        recordKey: '投诉编号',
        reportedAt: '投诉时间',
        category: '投诉类别',
        title: '投诉主题',
        description: '投诉内容',
        address: '涉及项目地址',
        parties: [
          { role: 'applicant', kind: 'person', name: '投诉人', phone: '投诉人电话' },
          { role: 'respondent', kind: 'enterprise', name: '被投诉单位', uscc: '被投诉单位信用代码' },
        ],
      },
      dateFormats: ['YYYY-MM-DD HH:mm'],
      categoryCodes: {
        WY01: 'property_mgmt', // 物业服务
        WY02: 'property_mgmt', // 物业收费
        FW01: 'house_homestead', // 房屋质量
        ZS01: 'expropriation', // 房屋征收
        GZ01: 'labour', // 拖欠农民工工资
        JY01: 'contract', // 商品房买卖
        SG01: 'neighbour', // 施工扰民
      },
    },
  ),
  // 全国12315平台 API dump: JSON Lines with English keys; the region is often only the town (…000).
  department(
    'market_12315',
    'market',
    { zh: '市场监管局12315投诉', en: 'Market regulation 12315 complaints' },
    {
      recordLabel: 'complaintNo',
      format: 'jsonl',
      columns: {
        recordKey: 'complaintNo',
        reportedAt: 'acceptTime',
        category: 'complaintType',
        title: 'subject',
        description: 'content',
        areaCode: 'regionCode',
        address: 'address',
        amount: 'amount',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: 'complainantName',
            idNumber: 'complainantIdNo',
            phone: 'complainantMobile',
          },
          { role: 'respondent', kind: 'enterprise', name: 'respondentName', uscc: 'respondentUscc' },
        ],
      },
      dateFormats: ['YYYY-MM-DDTHH:mm:ssZ', 'YYYY-MM-DD HH:mm:ss'],
      categoryCodes: {
        A01: 'consumer', // 商品质量
        A02: 'consumer', // 售后服务
        A03: 'consumer', // 预付卡退费
        A04: 'consumer', // 虚假宣传
        B01: 'contract', // 合同违约
        C01: 'ip', // 商标侵权
        C02: 'ip', // 专利侵权
        D01: 'business', // 不正当竞争
      },
    },
  ),
  // 医疗纠纷人民调解委员会 register: the hospital is the respondent (事业单位 USCC starting 12).
  department(
    'health_medical',
    'health',
    { zh: '卫健委医疗纠纷', en: 'Medical disputes' },
    {
      recordLabel: '纠纷编号',
      format: 'csv',
      columns: {
        recordKey: '纠纷编号',
        reportedAt: '发生日期',
        category: '纠纷类别',
        description: '纠纷经过',
        address: '医疗机构地址',
        amount: '索赔金额（元）',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: '患方姓名',
            idNumber: '患方身份证号',
            phone: '患方联系电话',
          },
          { role: 'respondent', kind: 'enterprise', name: '医疗机构', uscc: '机构统一社会信用代码' },
        ],
      },
      dateFormats: ['YYYY-MM-DD'],
      categoryCodes: {
        诊疗过错: 'medical',
        护理问题: 'medical',
        药品使用: 'medical',
        医疗费用: 'medical',
        服务态度: 'medical',
      },
    },
  ),
  // 民政 case register: dotted dates, both sides as neutral 当事人, community code column.
  department(
    'civil_affairs',
    'civil_affairs',
    { zh: '民政局婚姻家庭及社会事务', en: 'Civil affairs' },
    {
      recordLabel: '登记号',
      format: 'csv',
      columns: {
        recordKey: '登记号',
        reportedAt: '登记日期',
        category: '事项类型',
        description: '情况说明',
        areaCode: '社区代码',
        address: '住址',
        parties: [
          {
            role: 'party',
            kind: 'person',
            name: '当事人',
            idNumber: '当事人身份证号码',
            phone: '当事人电话',
          },
          { role: 'party', kind: 'person', name: '对方当事人', idNumber: '对方身份证号码' },
        ],
      },
      dateFormats: ['YYYY.MM.DD', 'YYYY.M.D'],
      categoryCodes: {
        婚姻登记纠纷: 'marriage_family',
        家庭赡养: 'marriage_family',
        遗产继承: 'marriage_family',
        邻里矛盾: 'neighbour',
        养老机构损害: 'damages',
      },
    },
  ),
  // 土地权属争议调处: GBK, compact dates, two-digit codes with leading zeros, amounts in 万元.
  department(
    'natural_resources',
    'natural_resources',
    { zh: '自然资源局权属争议', en: 'Land and forest title disputes' },
    {
      recordLabel: '案件编号',
      format: 'csv',
      encoding: 'gbk',
      columns: {
        recordKey: '案件编号',
        reportedAt: '收件日期',
        category: '争议类别',
        description: '争议情况',
        areaCode: '行政区划代码',
        address: '坐落',
        amount: '涉及金额（万元）',
        parties: [
          { role: 'applicant', kind: 'person', name: '申请人', idNumber: '申请人身份证号' },
          { role: 'respondent', kind: 'person', name: '被申请人', idNumber: '被申请人身份证号' },
        ],
      },
      dateFormats: ['YYYYMMDD'],
      categoryCodes: {
        '01': 'forest_land', // 土地权属
        '02': 'forest_land', // 林地权属
        '03': 'house_homestead', // 宅基地
        '04': 'expropriation', // 征收补偿
        '05': 'house_homestead', // 不动产登记
      },
      amountUnit: 'wan',
    },
  ),
  // 交通事故处理系统: GBK, 14-digit timestamps, coordinates, both drivers as 甲方/乙方.
  department(
    'traffic_accident',
    'traffic_police',
    { zh: '交警道路交通事故', en: 'Road traffic accidents' },
    {
      recordLabel: '事故编号',
      format: 'csv',
      encoding: 'gbk',
      columns: {
        recordKey: '事故编号',
        reportedAt: '事故时间',
        category: '事故形态',
        description: '事故简要经过',
        address: '事故地点',
        lng: '经度',
        lat: '纬度',
        amount: '直接财产损失',
        parties: [
          {
            role: 'party',
            kind: 'person',
            name: '甲方当事人',
            idNumber: '甲方身份证明号码',
            phone: '甲方联系电话',
          },
          {
            role: 'party',
            kind: 'person',
            name: '乙方当事人',
            idNumber: '乙方身份证明号码',
            phone: '乙方联系电话',
          },
        ],
      },
      dateFormats: ['YYYYMMDDHHmmss'],
      categoryCodes: {
        '11': 'traffic_accident', // 碰撞运动车辆
        '12': 'traffic_accident', // 碰撞静止车辆
        '21': 'traffic_accident', // 刮擦
        '31': 'traffic_accident', // 碾压
        '41': 'traffic_accident', // 翻车
      },
    },
  ),
  // 应急管理 event log: Windows line ends, slashed dates, the company involved by USCC.
  department(
    'emergency',
    'emergency',
    { zh: '应急管理局安全生产纠纷', en: 'Emergency management' },
    {
      recordLabel: '事件编号',
      format: 'csv',
      columns: {
        recordKey: '事件编号',
        reportedAt: '报告时间',
        category: '事件类型',
        title: '事件名称',
        description: '事件描述',
        areaCode: '所在区划',
        address: '事发地点',
        parties: [
          { role: 'applicant', kind: 'person', name: '报告人', phone: '报告人电话' },
          { role: 'respondent', kind: 'enterprise', name: '涉事单位', uscc: '涉事单位统一社会信用代码' },
        ],
      },
      dateFormats: ['YYYY/MM/DD HH:mm'],
      categoryCodes: {
        安全生产事故赔偿: 'damages',
        工伤事故: 'labour',
        停产整顿争议: 'business',
        危化品经营: 'business',
      },
    },
  ),
  // 12369 environmental complaints: one title row, dates as text cells rather than Excel dates.
  department(
    'ecology',
    'ecology',
    { zh: '生态环境局12369投诉', en: 'Environmental complaints (12369)' },
    {
      recordLabel: '投诉编号',
      format: 'xlsx',
      titleRows: 1,
      columns: {
        recordKey: '投诉编号',
        reportedAt: '投诉时间',
        category: '污染类型',
        title: '投诉标题',
        description: '投诉内容',
        address: '污染源地址',
        peopleInvolved: '投诉人数',
        parties: [
          { role: 'applicant', kind: 'person', name: '投诉人', phone: '联系电话' },
          { role: 'respondent', kind: 'enterprise', name: '被投诉对象', uscc: '统一社会信用代码' },
        ],
      },
      dateFormats: ['YYYY-MM-DD HH:mm:ss'],
      categoryCodes: {
        大气: 'environment',
        水: 'environment',
        噪声: 'environment',
        固废: 'environment',
        辐射: 'environment',
      },
    },
  ),
  // 教育 complaints: no category column (the classifier decides); some dates were typed into Excel
  // and left as serial numbers when the sheet was saved as CSV.
  department(
    'education',
    'education',
    { zh: '教育局家校纠纷', en: 'Education complaints' },
    {
      recordLabel: '登记编号',
      format: 'csv',
      columns: {
        recordKey: '登记编号',
        reportedAt: '反映日期',
        description: '具体情况',
        address: '学校地址',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: '家长姓名',
            idNumber: '家长身份证号',
            phone: '家长联系电话',
          },
          { role: 'respondent', kind: 'enterprise', name: '学校（机构）名称', uscc: '学校统一社会信用代码' },
        ],
      },
      dateFormats: ['YYYY-M-D'],
    },
  ),
  // 农村土地承包仲裁: 年月日 dates, the 发包方 is the village collective (USCC starting N2).
  department(
    'agriculture',
    'agriculture',
    { zh: '农业农村局土地承包纠纷', en: 'Rural land contract disputes' },
    {
      recordLabel: '纠纷编号',
      format: 'csv',
      columns: {
        recordKey: '纠纷编号',
        reportedAt: '申请日期',
        category: '纠纷类型',
        description: '纠纷事实',
        areaCode: '村社代码',
        address: '地块位置',
        amount: '涉及金额',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: '申请人（承包户）',
            idNumber: '身份证号',
            phone: '联系电话',
          },
          {
            role: 'respondent',
            kind: 'enterprise',
            name: '被申请人（发包方）',
            uscc: '发包方统一社会信用代码',
          },
        ],
      },
      dateFormats: ['YYYY年M月D日'],
      categoryCodes: {
        土地承包经营权: 'forest_land',
        林地承包: 'forest_land',
        土地流转: 'contract',
        农资质量: 'business',
        农产品购销: 'business',
        畜禽养殖损害: 'damages',
      },
    },
  ),
  // 12345 work orders: JSON Lines with the platform's pinyin-initial field names; caller by phone only.
  department(
    'hotline_12345',
    'hotline_12345',
    { zh: '12345政务服务热线', en: '12345 hotline' },
    {
      recordLabel: '工单编号',
      format: 'jsonl',
      columns: {
        recordKey: 'GDBH',
        reportedAt: 'LDSJ',
        category: 'SQFL',
        title: 'GDBT',
        description: 'SQNR',
        areaCode: 'QHDM',
        address: 'SJDZ',
        parties: [{ role: 'applicant', kind: 'person', name: 'LDR', phone: 'LDHM' }],
      },
      dateFormats: ['YYYY-MM-DD HH:mm:ss'],
      categoryCodes: {
        '0301': 'labour', // 劳动保障-拖欠工资
        '0302': 'labour', // 劳动保障-劳动合同
        '0501': 'property_mgmt', // 城乡建设-物业管理
        '0502': 'house_homestead', // 城乡建设-房屋质量
        '0601': 'consumer', // 市场监管-消费维权
        '0701': 'environment', // 生态环境-噪声
        '0702': 'environment', // 生态环境-废气废水
        '0801': 'traffic_accident', // 交通运输-交通事故
        '0901': 'medical', // 卫生健康-医疗纠纷
        '1001': 'neighbour', // 社会管理-邻里纠纷
        '1002': 'marriage_family', // 社会管理-婚姻家庭
        '1201': 'expropriation', // 自然资源-征地拆迁
        '1202': 'forest_land', // 自然资源-山林土地
        '1301': 'contract', // 经济纠纷-合同
        '1302': 'damages', // 经济纠纷-损害赔偿
      },
    },
  ),
  // 妇联 help requests from the 浙里妇联 app: JSON Lines with Chinese keys, no category (all family matters
  // in their eyes; the classifier tells them apart).
  department(
    'women_federation',
    'women_federation',
    { zh: '妇联婚姻家庭求助', en: 'Women’s federation help requests' },
    {
      recordLabel: '求助编号',
      format: 'jsonl',
      columns: {
        recordKey: '求助编号',
        reportedAt: '求助时间',
        description: '求助内容',
        address: '家庭住址',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: '求助人',
            idNumber: '求助人身份证',
            phone: '求助人电话',
          },
          { role: 'respondent', kind: 'person', name: '对方姓名', idNumber: '对方身份证' },
        ],
      },
      dateFormats: ['YYYY-MM-DD HH:mm'],
    },
  ),
  // 工会 rights cases: a plain sheet with Excel dates and mobile numbers stored as numbers; a third party for
  // the labour-dispatch agency.
  department(
    'trade_union',
    'trade_union',
    { zh: '总工会职工维权', en: 'Trade union rights cases' },
    {
      recordLabel: '案件编号',
      format: 'xlsx',
      columns: {
        recordKey: '案件编号',
        reportedAt: '接待日期',
        category: '维权类型',
        description: '职工诉求',
        address: '企业地址',
        amount: '涉及金额（元）',
        peopleInvolved: '涉及职工人数',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: '职工姓名',
            idNumber: '职工身份证号',
            phone: '职工手机',
          },
          { role: 'respondent', kind: 'enterprise', name: '企业名称', uscc: '企业统一社会信用代码' },
          { role: 'party', kind: 'enterprise', name: '劳务派遣单位', uscc: '派遣单位信用代码' },
        ],
      },
      dateFormats: ['YYYY-MM-DD'],
      categoryCodes: {
        欠薪: 'labour',
        社保: 'labour',
        工伤: 'labour',
        劳动合同: 'labour',
        加班休假: 'labour',
      },
    },
  ),
  // 消防 call log: no category column, slashed dates without leading zeros.
  department(
    'fire',
    'fire',
    { zh: '消防救援支队', en: 'Fire and rescue' },
    {
      recordLabel: '出警编号',
      format: 'csv',
      columns: {
        recordKey: '出警编号',
        reportedAt: '接警时间',
        description: '警情描述',
        address: '警情地址',
        parties: [
          { role: 'applicant', kind: 'person', name: '报警人', phone: '报警电话' },
          { role: 'respondent', kind: 'enterprise', name: '涉及单位', uscc: '单位信用代码' },
        ],
      },
      dateFormats: ['YYYY/M/D H:mm'],
    },
  ),
  // 海洋与渔业 dispute register: GBK, coastal places only, losses in 万元, both sides are boat owners.
  department(
    'ocean_fishery',
    'ocean_fishery',
    { zh: '海洋与渔业局渔事纠纷', en: 'Fishery disputes' },
    {
      recordLabel: '案件编号',
      format: 'csv',
      encoding: 'gbk',
      columns: {
        recordKey: '案件编号',
        reportedAt: '受理日期',
        category: '纠纷类别',
        description: '纠纷情况',
        address: '港口（渔村）',
        amount: '损失金额（万元）',
        parties: [
          {
            role: 'applicant',
            kind: 'person',
            name: '申请人（船东）',
            idNumber: '申请人身份证',
            phone: '申请人电话',
          },
          { role: 'respondent', kind: 'person', name: '被申请人（船东）', idNumber: '被申请人身份证' },
        ],
      },
      dateFormats: ['YYYY-MM-DD'],
      categoryCodes: {
        YC01: 'damages', // 渔船碰撞
        YC02: 'damages', // 网具损坏
        YC03: 'labour', // 船员劳务
        YC04: 'contract', // 渔获买卖
        YC05: 'forest_land', // 海域滩涂使用
        YC06: 'business', // 渔业生产经营
      },
      amountUnit: 'wan',
    },
  ),
];

export const SOURCES: SourceDef[] = [...DEPARTMENT_SOURCES, ...CHANNEL_SOURCES];

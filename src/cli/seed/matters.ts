import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import chineseDays from 'chinese-days';
import { type Insertable, sql } from 'kysely';
import { systemActor } from '../../core/access/actor.ts';
import { DEPARTMENTS } from '../../core/access/departments.ts';
import { audit } from '../../core/audit/audit.ts';
import type { Db } from '../../core/db/database.ts';
import type { DeadlineState, MattersTable, MatterTimelineTable, Urgency } from '../../core/db/types.ts';
import { getMatterType } from '../../core/matters/registry.ts';
import { indexTokens } from '../../core/matters/search.ts';
import { h3Of, type Point } from '../../core/subjects/common.ts';
import { cstDate, type Deadline, dueAt, warnAt } from '../../core/workflow/deadlines.ts';
import type { TransitionDef } from '../../core/workflow/workflow.ts';
import { registerModules } from '../../modules/index.ts';
import { mulberry32 } from '../../shared/random.ts';
import type { SeedArea } from './demo.ts';

/**
 * Three years of 事件 for the demo: what a city's queues look like after the platform has run a while. The
 * rows are written straight to the tables (not through createMatter/transition, which would take an hour
 * and one audit entry per step), so this file re-enacts what those functions and the deadline clock would
 * have written — the same numbers, columns, timeline entries and 督办 escalations — and the test checks it.
 */

/** The demo's "now" unless told otherwise; a fixed instant so that every machine seeds the same rows. */
export const DEMO_REFERENCE_DATE = new Date('2026-11-29T20:00:00+08:00');

const GULOU = '330302006044'; // 鼓楼社区
const MOCHI = '330302006045'; // 墨池社区
const SPAN_DAYS = 3 * 365;
const MINUTE = 60_000;
const DAY = 86_400_000;

export interface DemoMatterCounts {
  matters: number;
  open: number;
  closed: number;
  rejected: number;
  overdue: number;
  warning: number;
  timeline: number;
}

export interface DemoMatterOptions {
  count: number;
  referenceDate?: Date;
  seed?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

// ---------------------------------------------------------------------------------------------------
// What people report, per category of the 事件 type: title, details, the results a unit reports back, and
// the units that handle it ('zongzhi' is the town centre; any other department is the county bureau).

interface Issue {
  title: string;
  details: string[];
  results: string[];
  units: string[];
  /** Share reported as 紧急 (and a tenth of that as 特急). */
  urgent?: number;
}

const ISSUES: Record<string, Issue[]> = {
  dispute: [
    {
      title: '楼上漏水影响楼下住户',
      details: ['楼上卫生间漏水至楼下，天花板大面积发霉', '楼上住户装修后管道渗漏，楼下墙面受损'],
      results: ['已协调楼上住户修复防水层，双方签字确认', '经调解由楼上住户承担维修费用，楼下住户认可'],
      units: ['zongzhi', 'housing'],
    },
    {
      title: '工人反映被拖欠工资',
      details: ['工地十余名工人反映被拖欠工资三个月', '鞋厂员工反映离职后工资一直未结清'],
      results: ['经人社部门协调，企业已支付拖欠工资', '已督促企业制定分期支付计划，工人表示认可'],
      units: ['hrss', 'zongzhi'],
      urgent: 0.2,
    },
    {
      title: '业主与物业服务纠纷',
      details: ['小区物业收费与服务不符，业主集体投诉', '物业拒绝开放地下车库，业主与物业发生争执'],
      results: ['组织业主代表与物业座谈，达成整改协议', '已约谈物业公司，限期整改服务问题'],
      units: ['housing', 'zongzhi'],
    },
    {
      title: '房屋租赁押金纠纷',
      details: ['租客退租后房东拒绝退还押金', '房东提前收房，租客要求赔偿搬家损失'],
      results: ['经人民调解，房东退还押金，双方签订调解协议', '已引导双方通过诉前调解解决'],
      units: ['zongzhi', 'justice'],
    },
    {
      title: '违章搭建影响邻居采光',
      details: ['邻居在屋顶加盖彩钢棚，遮挡楼下采光', '隔壁住户扩建院墙占用公共通道'],
      results: ['已责令当事人自行拆除违章搭建', '经协调当事人同意退让，邻里关系缓和'],
      units: ['zongzhi', 'housing'],
    },
    {
      title: '家庭矛盾需调解',
      details: ['夫妻因家庭琐事多次争吵，邻居担心发生意外', '子女因赡养老人问题产生矛盾'],
      results: ['调解员上门调解，双方达成赡养协议', '已联系妇联介入，双方情绪稳定'],
      units: ['zongzhi', 'justice', 'women_federation'],
    },
    {
      title: '消费者与商家纠纷',
      details: ['预付卡商家突然关门，会员无法退费', '网购商品质量问题，商家拒绝退换'],
      results: ['市场监管部门约谈商家，已为消费者退款', '已指导消费者通过12315平台维权'],
      units: ['market'],
    },
    {
      title: '宅基地边界纠纷',
      details: ['两户村民因宅基地边界发生争执', '村民建房越界，与邻户发生冲突'],
      results: ['会同自然资源所重新测量，双方认可边界', '村两委组织调解，双方签订协议'],
      units: ['natural_resources', 'zongzhi'],
    },
  ],
  public_order: [
    {
      title: '夜间噪音扰民',
      details: [
        '附近KTV夜间音响声过大，影响居民休息',
        '广场舞音响音量过大，持续至晚上十点后',
        '工地夜间违规施工',
      ],
      results: ['民警到场劝导，音量已降低', '已责令停止夜间施工，办理夜间施工许可前不得开工'],
      units: ['police', 'zongzhi', 'ecology'],
    },
    {
      title: '流动摊贩占道经营',
      details: ['校门口流动摊贩占道经营，影响学生通行', '菜市场周边摊贩占用人行道'],
      results: ['已劝离占道摊贩，引导进入规范经营点', '联合执法整治，占道现象消除'],
      units: ['zongzhi', 'market'],
    },
    {
      title: '可疑人员在小区徘徊',
      details: ['有陌生人多次在小区内查看车辆', '夜间有可疑人员翻越围墙'],
      results: ['民警已加强巡逻，物业增设监控', '经核查系外卖人员，已做好登记'],
      units: ['police'],
      urgent: 0.4,
    },
    {
      title: '出租房屋群租隐患',
      details: ['一套住房隔成十余间出租，人员复杂', '出租房内住有多名未登记的流动人口'],
      results: ['已督促房东整改隔断，补登流动人口信息', '责令房东限期整改，已复查合格'],
      units: ['police', 'housing'],
    },
    {
      title: '酒后滋事扰乱秩序',
      details: ['夜宵店有人酒后争吵，摔砸物品', '有人酒后在街上滋事'],
      results: ['民警到场处置，当事人已被带离', '已依法处理，现场秩序恢复'],
      units: ['police'],
      urgent: 0.6,
    },
    {
      title: '车辆乱停堵塞通道',
      details: ['小区出入口长期被车辆占用', '车辆停在消防通道上，影响通行'],
      results: ['交警已贴单并联系车主挪车', '已施划禁停标线，物业加强管理'],
      units: ['traffic_police', 'zongzhi'],
    },
  ],
  safety: [
    {
      title: '电动车楼道违规充电',
      details: ['多户居民在楼道内给电动车充电', '电动车停放在楼梯间并私拉电线充电'],
      results: ['已清理楼道电动车，小区新增集中充电桩', '上门宣传并督促整改，复查已无违规充电'],
      units: ['fire', 'zongzhi'],
      urgent: 0.3,
    },
    {
      title: '消防通道被占用',
      details: ['商铺货物堆放在消防通道上', '小区消防通道被杂物堵塞'],
      results: ['已责令商户清理货物，通道恢复畅通', '物业已清理杂物并设立警示标识'],
      units: ['fire'],
      urgent: 0.3,
    },
    {
      title: '餐饮店燃气使用不规范',
      details: ['餐饮店液化气瓶摆放在厨房明火旁', '闻到燃气味道，怀疑管道泄漏'],
      results: ['燃气公司已更换管道，检测无泄漏', '督促商户安装燃气报警器并规范存放气瓶'],
      units: ['emergency', 'market'],
      urgent: 0.5,
    },
    {
      title: '老旧房屋墙体开裂',
      details: ['老房子外墙出现多处裂缝，住户担心安全', '连日降雨后房屋墙体开裂渗水'],
      results: ['已委托鉴定机构鉴定，住户暂时搬离', '已完成加固，鉴定结论为可安全使用'],
      units: ['housing'],
      urgent: 0.4,
    },
    {
      title: '外墙瓷砖脱落存在坠落风险',
      details: ['高层住宅外墙瓷砖掉落，险些砸中行人', '大楼外墙空鼓严重，有脱落风险'],
      results: ['已设置警戒区域，物业组织维修', '外墙已整体修缮，警戒解除'],
      units: ['housing'],
      urgent: 0.3,
    },
    {
      title: '工地未设置安全围挡',
      details: ['施工工地未设围挡，基坑紧邻人行道', '拆迁工地周边无警示标识'],
      results: ['施工单位已补设围挡和警示标识', '住建部门已下达整改通知，复查合格'],
      units: ['housing', 'emergency'],
    },
    {
      title: '私拉电线飞线充电',
      details: ['居民从窗口拉电线到路边给电动车充电', '出租房外墙私拉乱接电线'],
      results: ['已拆除飞线，告知居民使用公共充电设施', '供电所协助规范线路，隐患消除'],
      units: ['fire', 'zongzhi'],
    },
  ],
  environment: [
    {
      title: '生活垃圾长时间未清运',
      details: ['垃圾桶满溢多日无人清运，气味难闻', '路边堆积大量生活垃圾'],
      results: ['环卫已清运，调整清运频次为每日两次', '垃圾已清理，增设垃圾桶两个'],
      units: ['zongzhi'],
    },
    {
      title: '污水井冒溢',
      details: ['雨后污水井冒溢，污水流到路面', '小区污水管道堵塞，污水外溢'],
      results: ['已疏通管道，路面已冲洗', '排水公司已更换破损管段'],
      units: ['housing', 'ecology'],
    },
    {
      title: '河道漂浮垃圾较多',
      details: ['河道内漂浮大量生活垃圾', '河面出现死鱼和油污'],
      results: ['河道保洁员已打捞清理', '生态环境部门已取样检测，排查上游排污口'],
      units: ['ecology', 'zongzhi'],
    },
    {
      title: '餐饮油烟扰民',
      details: ['楼下饭店油烟直排，居民无法开窗', '烧烤店油烟和噪音影响周边居民'],
      results: ['已督促商户安装油烟净化设施', '执法人员责令整改，已复查达标'],
      units: ['ecology', 'market'],
    },
    {
      title: '露天焚烧垃圾',
      details: ['有人在空地露天焚烧垃圾，浓烟较大', '农田里焚烧秸秆'],
      results: ['已扑灭明火并对当事人进行教育', '村里已加强巡查宣传'],
      units: ['ecology', 'zongzhi'],
    },
    {
      title: '建筑垃圾乱倒',
      details: ['夜间有车辆偷倒建筑垃圾', '装修垃圾堆放在小区绿地'],
      results: ['已清运建筑垃圾，查处偷倒车辆', '物业已清理并设置装修垃圾堆放点'],
      units: ['housing', 'zongzhi'],
    },
  ],
  facility: [
    {
      title: '窨井盖缺失',
      details: ['人行道上窨井盖缺失，已有行人险些跌落', '道路中间井盖破损下陷'],
      results: ['已更换新井盖并设置警示', '权属单位已修复井盖'],
      units: ['housing'],
      urgent: 0.5,
    },
    {
      title: '路灯损坏不亮',
      details: ['一段路的路灯全部不亮，夜间行走不便', '小区门口路灯损坏多日'],
      results: ['路灯所已更换灯具，恢复照明', '已修复线路故障'],
      units: ['housing', 'zongzhi'],
    },
    {
      title: '道路破损坑洼',
      details: ['路面坑洼积水，车辆通行颠簸', '人行道地砖松动破损'],
      results: ['已完成路面修补', '已更换破损地砖'],
      units: ['housing', 'traffic_police'],
    },
    {
      title: '道路护栏损坏',
      details: ['道路中央护栏被撞倒未修复', '桥梁栏杆锈蚀松动'],
      results: ['已修复护栏', '已更换锈蚀栏杆并做防腐处理'],
      units: ['traffic_police', 'housing'],
      urgent: 0.2,
    },
    {
      title: '下水道堵塞',
      details: ['下水道堵塞，下雨时路面积水严重', '雨水口被垃圾堵塞'],
      results: ['已疏通下水道', '已清掏雨水口'],
      units: ['housing'],
    },
    {
      title: '公共健身器材损坏',
      details: ['小区健身器材断裂，存在安全隐患', '公园健身器材螺丝松动'],
      results: ['已拆除损坏器材并更换新器材', '已加固器材'],
      units: ['zongzhi'],
    },
    {
      title: '老旧电梯频繁故障',
      details: ['小区电梯频繁停运，曾有人被困', '电梯运行时异响抖动'],
      results: ['特种设备检验已完成，维保单位更换部件', '已督促物业申请电梯更新'],
      units: ['market'],
      urgent: 0.3,
    },
  ],
  livelihood: [
    {
      title: '独居老人需要帮扶',
      details: ['独居老人行动不便，近日无人照料', '高龄老人独居，子女在外地'],
      results: ['已纳入居家养老服务，安排志愿者定期探访', '已联系子女并落实助餐服务'],
      units: ['civil_affairs', 'zongzhi'],
    },
    {
      title: '困难家庭申请救助',
      details: ['家庭主要劳动力患病，生活困难', '失业人员家庭生活无着'],
      results: ['已协助申请低保，审核通过', '已发放临时救助金'],
      units: ['civil_affairs'],
    },
    {
      title: '小区突然停水',
      details: ['小区整栋楼停水，未收到通知', '水压过低，高层住户无法用水'],
      results: ['供水公司已抢修管道，恢复供水', '已调整二次供水设备，水压恢复'],
      units: ['housing'],
      urgent: 0.3,
    },
    {
      title: '随迁子女入学咨询',
      details: ['外来务工人员咨询子女入学手续', '家长反映孩子入学积分有误'],
      results: ['教育部门已答复并指导办理', '已核实积分并更正'],
      units: ['education'],
    },
    {
      title: '残疾人就医出行困难',
      details: ['重度残疾人需定期就医，出行困难', '行动不便老人申请上门医疗服务'],
      results: ['已安排家庭医生上门服务', '已联系残联提供辅助器具'],
      units: ['health', 'civil_affairs'],
    },
  ],
  other: [
    {
      title: '群众政策咨询',
      details: ['群众咨询老旧小区改造政策', '居民咨询加装电梯补助办法'],
      results: ['已电话答复并告知办理流程', '已上门讲解政策'],
      units: ['zongzhi'],
    },
    {
      title: '流浪犬伤人隐患',
      details: ['小区有流浪犬追咬行人', '多只流浪犬聚集在学校附近'],
      results: ['已联系收容机构捕捉流浪犬', '已开展文明养犬宣传'],
      units: ['police', 'agriculture'],
    },
    {
      title: '建议增设公交站点',
      details: ['居民建议在新建小区附近增设公交站点', '建议延长公交末班车时间'],
      results: ['已转交交通部门研究，答复群众', '已采纳建议，新增站点'],
      units: ['traffic_police', 'zongzhi'],
    },
  ],
};

const CATEGORY_WEIGHTS: [string, number][] = [
  ['dispute', 28],
  ['public_order', 15],
  ['safety', 15],
  ['environment', 14],
  ['facility', 14],
  ['livelihood', 9],
  ['other', 5],
];

/** More matters where more people live: 鹿城, 瓯海, 瑞安, 乐清 carry most of the city's caseload. */
const COUNTY_WEIGHTS: [string, number][] = [
  ['330302', 20],
  ['330304', 15],
  ['330381', 15],
  ['330382', 15],
  ['330303', 7],
  ['330324', 6],
  ['330326', 5],
  ['330327', 5],
  ['330383', 4],
  ['330305', 2],
  ['330328', 2],
  ['330329', 2],
];
/** Share of all matters filed in 鼓楼社区 and 墨池社区, so that the demo logins have work to look at. */
const FOCUS_SHARE = 0.03;
/** Share of matters still open at the reference date (a city closes most within days). */
const OPEN_SHARE = 0.025;
const REJECTED_SHARE = 0.06;
/** Open states and how often a matter is found in each. */
const OPEN_STATUS_WEIGHTS: [string, number][] = [
  ['reported', 12],
  ['accepted', 10],
  ['dispatched', 14],
  ['handling', 38],
  ['feedback', 14],
  ['verified', 12],
];

/** The open states of the generic loop, in the order a matter passes them. */
const LOOP = ['reported', 'accepted', 'dispatched', 'handling', 'feedback', 'verified'];
/** Steps the town centre takes; the others are taken by the unit in charge. */
const CENTRE_ACTIONS = new Set(['accept', 'reject', 'dispatch', 'verify', 'verify_fail', 'close']);
const CLOCK = { id: null, name: systemActor('deadline-clock').displayName };

const CHANNELS: { channel: string; weight: number; department: string | null; lead: string }[] = [
  { channel: 'grid', weight: 50, department: null, lead: '网格员巡查发现' },
  { channel: 'hotline', weight: 20, department: 'hotline_12345', lead: '市民来电反映' },
  { channel: 'app', weight: 15, department: null, lead: '群众通过手机上报' },
  { channel: 'petition', weight: 5, department: 'petition', lead: '信访件转办' },
  { channel: 'police', weight: 5, department: 'police', lead: '110非警务警情转办' },
  { channel: 'web', weight: 5, department: null, lead: '群众网上留言' },
];
const CHANNEL_REPORTER: Record<string, string> = {
  hotline: '12345热线',
  petition: '信访局',
  police: '110联动',
};

const STREETS = [
  '人民路',
  '解放街',
  '府前街',
  '公园路',
  '胜利路',
  '学院路',
  '车站大道',
  '锦绣路',
  '滨江路',
  '仓桥街',
  '五马街',
  '信河街',
  '百里路',
  '黎明路',
  '水心街',
  '广场路',
  '蝉街',
  '小南路',
  '飞霞路',
  '瓯江路',
];
const ESTATES = [
  '锦绣花园',
  '华盛小区',
  '安居苑',
  '江滨花苑',
  '翠微新村',
  '阳光家园',
  '丽景名苑',
  '金色港湾',
];
const SURNAMES = '陈林王张李黄吴周徐郑潘胡金朱叶杨刘谢蔡章薛邵洪戴'.split('');
const GIVEN = ['伟', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '秀英', '海燕'];
const DURATIONS = ['，已持续一周', '，已有半个多月', '，近几天反复出现', '，多次反映未解决', '', ''];
const REQUESTS = [
  '请尽快处理',
  '请相关部门协调解决',
  '群众情绪较大，请及时处置',
  '请上门核实',
  '希望尽快答复',
];
const HANDLE_NOTES = [
  '已到场查看，联系当事人',
  '已约谈相关方，正在协调',
  '现场拍照取证，已下达整改通知',
  '已联系权属单位',
];
const VERIFY_NOTES = ['电话回访，群众表示满意', '现场核查，已整改到位', '回访当事人，对处理结果认可'];
const REJECT_REASONS = [
  '重复上报，已并入原事项',
  '不属于受理范围，已告知群众',
  '信息不全，无法核实',
  '已通过诉讼途径处理',
];
const RETURN_REASONS = ['不属于本单位职责', '地址有误，请重新核实'];
const VERIFY_FAIL_REASONS = ['回访群众不满意，问题未彻底解决', '现场核查仍存在隐患'];

// ---------------------------------------------------------------------------------------------------
// Randomness and office hours

const cstMidnight = (day: string) => Date.parse(`${day}T00:00:00+08:00`);

/**
 * Office hours (08:30–12:00 and 14:00–17:30 CST) on the working days of chinese-days, counted in minutes:
 * index k is the k-th office minute since the first day. Steps taken by clerks land on office minutes, and
 * adding n × 420 is "n working days later, same time of day" — what dueAt() means by working days.
 */
const PER_DAY = 420;
const HALF = 210;
const AM = 510;
const PM = 840;

class OfficeHours {
  private readonly starts: number[] = [];

  constructor(from: number, to: number) {
    for (let t = cstMidnight(cstDate(new Date(from))); t <= to; t += DAY) {
      // Midnight CST never meets a daylight-saving shift: China has none since 1991.
      if (chineseDays.isWorkday(cstDate(new Date(t)))) this.starts.push(t);
    }
  }

  /** The instant of office minute k. */
  at(k: number): number {
    const d = Math.floor(k / PER_DAY);
    const start = this.starts[d];
    if (start === undefined) throw new Error(`office minute ${k} is outside the calendar`);
    const r = k - d * PER_DAY;
    return start + (r < HALF ? AM + r : PM + r - HALF) * MINUTE;
  }

  /** The last working day starting at or before t (-1 if none). */
  private dayOf(t: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The first office minute at or after t. */
  ceil(t: number): number {
    const d = this.dayOf(t);
    if (d < 0) return 0;
    const m = (t - this.starts[d]!) / MINUTE;
    const base = d * PER_DAY;
    if (m <= AM) return base;
    if (m <= AM + HALF) return base + Math.ceil(m - AM);
    if (m <= PM) return base + HALF;
    if (m <= PM + HALF) return base + HALF + Math.ceil(m - PM);
    return base + PER_DAY;
  }

  /** The last office minute at or before t. */
  floor(t: number): number {
    const d = this.dayOf(t);
    if (d < 0) throw new Error('instant before the calendar');
    const m = (t - this.starts[d]!) / MINUTE;
    const base = d * PER_DAY;
    if (m < AM) return base - 1;
    if (m < AM + HALF) return base + Math.floor(m - AM);
    if (m < PM) return base + HALF - 1;
    if (m < PM + HALF) return base + HALF + Math.floor(m - PM);
    return base + PER_DAY - 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// One matter's life

interface Unit {
  department: string;
  areaCode: string;
}

interface Who {
  id: string | null;
  name: string;
}

/** A step someone takes, as the transition service would be asked to take it. */
interface Step {
  action: string;
  assignee?: Unit;
  note?: string;
  reason?: string;
  result?: string;
}

interface Entry {
  at: number;
  action: string;
  from: string | null;
  to: string;
  who: Who;
  note: string | null;
  data: Record<string, unknown>;
}

interface Draft {
  row: Omit<Insertable<MattersTable>, 'number'>;
  created: number;
  county: string;
  entries: Entry[];
}

/** How long after the previous step a step comes: office minutes, except 签收 (someone on duty, wall clock). */
const GAPS: Record<string, { min: number; max: number; late?: [number, number] }> = {
  accept: { min: 5, max: 240, late: [430, 900] },
  reject: { min: 10, max: 400 },
  dispatch: { min: 5, max: 300, late: [430, 900] },
  sign: { min: 3, max: 100, late: [130, 900] },
  return: { min: 30, max: 600 },
  transfer: { min: 30, max: 900 },
  handle: { min: 30, max: 700 },
  feedback: { min: 60, max: 1200, late: [1300, 4000] },
  verify_fail: { min: 60, max: 600 },
  verify: { min: 30, max: 800, late: [850, 1600] },
  close: { min: 5, max: 300, late: [430, 800] },
};
const WALL_CLOCK = new Set(['sign']);

const groupBy = <T>(xs: T[], key: (x: T) => string) => {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
};

/**
 * Writes `count` 事件 with their timelines, numbers and counters in the caller's transaction, and one audit
 * entry. Deterministic: the same areas, count, seed and reference date give the same rows.
 */
export async function seedDemoMatters(
  tx: Db,
  areas: SeedArea[],
  opts: DemoMatterOptions,
): Promise<DemoMatterCounts> {
  registerModules();
  const type = getMatterType('event');
  const workflow = type.workflow;
  const ref = (opts.referenceDate ?? DEMO_REFERENCE_DATE).getTime();
  const seed = opts.seed ?? 20261129;
  const rnd = mulberry32(seed ^ 0x5eed_3a77);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const weighted = <T>(xs: readonly [T, number][]): T => {
    let r = rnd() * xs.reduce((s, [, w]) => s + w, 0);
    for (const [x, w] of xs) {
      r -= w;
      if (r < 0) return x;
    }
    return xs.at(-1)![0];
  };
  const skewed = (min: number, max: number) => min + (max - min) * rnd() ** 2;
  const jitter = () => Math.floor(rnd() * 59) * 1000;

  // Areas: grids by county, the towns and counties above them, names for people to read.
  const byCode = new Map(areas.map((a) => [a.code, a]));
  const grids = areas.filter((a) => a.level === 5);
  const gridsByCounty = groupBy(grids, (g) => g.code.slice(0, 6));
  const focusGrids = grids.filter((g) => g.parentCode === GULOU || g.parentCode === MOCHI);
  const countyWeights = COUNTY_WEIGHTS.filter(([c]) => gridsByCounty.has(c));
  if (grids.length === 0 || countyWeights.length === 0)
    throw new Error('demo matters need the Wenzhou grids');
  const ancestor = (code: string, level: number) => {
    let a = byCode.get(code);
    while (a && a.level > level) a = byCode.get(a.parentCode ?? '');
    return a;
  };
  const displayName = (a: SeedArea | undefined) =>
    (a?.name ?? '').replace(/村委会$/, '村').replace(/(社区居委会|居委会)$/, '社区');
  const departmentName = new Map(DEPARTMENTS.map((d) => [d.code, d.name]));

  // The demo logins act on the matters of their units; everyone else appears by name only.
  const users = await tx
    .selectFrom('users')
    .select(['id', 'username', 'display_name'])
    .where('username', 'in', ['grid.gulou', 'grid.mochi', 'town.wuma', 'clerk.housing'])
    .execute();
  const login = (username: string): Who | null => {
    const u = users.find((x) => x.username === username);
    return u ? { id: u.id, name: u.display_name } : null;
  };
  const reporterAt = (areaCode: string): Who | null =>
    areaCode.startsWith(GULOU)
      ? login('grid.gulou')
      : areaCode.startsWith(MOCHI)
        ? login('grid.mochi')
        : null;
  const unitWho = (u: Unit): Who => {
    const area = byCode.get(u.areaCode);
    if (u.department === 'zongzhi') {
      return (
        (u.areaCode === '330302006000' && login('town.wuma')) || { id: null, name: `${area?.name}综治中心` }
      );
    }
    return (
      (u.department === 'housing' && u.areaCode === '330302000000' && login('clerk.housing')) || {
        id: null,
        name: `${area?.name}${departmentName.get(u.department) ?? u.department}`,
      }
    );
  };
  const personName = () => pick(SURNAMES) + pick(GIVEN);

  const deadlines = new Map<string, number>();
  /** dueAt() asks chinese-days each time (~15 µs); its offset depends only on the CST day, so keep it. */
  const due = (at: number, d: Deadline): number => {
    const key = d.unit === 'workdays' ? `${d.amount}w${cstDate(new Date(at))}` : `${d.amount}${d.unit}`;
    let shift = deadlines.get(key);
    if (shift === undefined) {
      shift = dueAt(new Date(at), d).getTime() - at;
      deadlines.set(key, shift);
    }
    return at + shift;
  };
  const transitionFor = (status: string, action: string): TransitionDef => {
    const t = workflow.transitions.find((x) => x.action === action && x.from.includes(status));
    // The seed follows the declared loop: a step the workflow does not allow is a bug here, not data.
    if (!t) throw new Error(`demo matters: ${action} is not possible from ${status}`);
    return t;
  };
  const stateName = (s: string) => workflow.states[s]?.name.zh ?? s;

  // Forward chains may overshoot the reference date before closedTimes() moves them back: room on both sides.
  const office = new OfficeHours(ref - (SPAN_DAYS + 120) * DAY, ref + 120 * DAY);
  const refK = office.floor(ref);

  /** The time of a step after (or before) another: office minutes, or wall-clock minutes for 签收. */
  const after = (t: number, action: string, minutes: number) =>
    WALL_CLOCK.has(action)
      ? t + Math.round(minutes) * MINUTE + jitter()
      : office.at(office.ceil(t) + Math.max(1, Math.round(minutes))) + jitter();
  const before = (t: number, action: string, minutes: number) =>
    WALL_CLOCK.has(action)
      ? t - Math.round(minutes) * MINUTE - jitter()
      : office.at(office.floor(t) - Math.max(1, Math.round(minutes))) + jitter();

  /** The units an issue goes to: the town centre of the matter's town, or the county bureau. */
  const unitFor = (issue: Issue, areaCode: string, not?: Unit): Unit => {
    const options = issue.units
      .map((d) =>
        d === 'zongzhi'
          ? { department: d, areaCode: ancestor(areaCode, 3)!.code }
          : { department: d, areaCode: `${areaCode.slice(0, 6)}000000` },
      )
      .filter((u) => !not || u.department !== not.department);
    return options.length ? pick(options) : { department: 'zongzhi', areaCode: ancestor(areaCode, 3)!.code };
  };

  /** The open path: the loop's states in order, and the step that leads into each after the first. */
  const stepsTo = (issue: Issue, areaCode: string, status: string): Step[] =>
    [
      { action: 'accept' },
      { action: 'dispatch', assignee: unitFor(issue, areaCode) },
      { action: 'sign' },
      { action: 'feedback', result: pick(issue.results) },
      { action: 'verify', note: pick(VERIFY_NOTES) },
    ].slice(0, Math.max(0, LOOP.indexOf(status)));

  const closedSteps = (issue: Issue, areaCode: string): Step[] => {
    let unit = unitFor(issue, areaCode);
    const steps: Step[] = [{ action: 'accept' }, { action: 'dispatch', assignee: unit }];
    if (rnd() < 0.05) {
      const other = unitFor(issue, areaCode, unit);
      steps.push({ action: 'return', reason: pick(RETURN_REASONS) }, { action: 'dispatch', assignee: other });
      unit = other;
    }
    steps.push({ action: 'sign' });
    if (rnd() < 0.04) {
      const other = unitFor(issue, areaCode, unit);
      if (other.department !== unit.department) {
        const reason = `属${departmentName.get(other.department) ?? other.department}职责`;
        steps.push({ action: 'transfer', assignee: other, reason }, { action: 'sign' });
      }
    }
    for (let i = Math.floor(rnd() * 3); i > 0; i--)
      steps.push({ action: 'handle', note: pick(HANDLE_NOTES) });
    steps.push({ action: 'feedback', result: pick(issue.results) });
    if (rnd() < 0.03) {
      steps.push(
        { action: 'verify_fail', reason: pick(VERIFY_FAIL_REASONS) },
        { action: 'handle', note: pick(HANDLE_NOTES) },
        { action: 'feedback', result: pick(issue.results) },
      );
    }
    steps.push({ action: 'verify', note: pick(VERIFY_NOTES) }, { action: 'close' });
    return steps;
  };

  /** The deadline clock's entry: escalated one level above whoever handles the matter, as escalate() does. */
  const supervise = (status: string, dueTime: number, at: number, handlingArea: string): Entry => {
    const escalatedTo = byCode.get(handlingArea)?.parentCode ?? handlingArea;
    return {
      at,
      action: 'supervise',
      from: status,
      to: status,
      who: CLOCK,
      note: `“${stateName(status)}”已超期，自动提级至上级督办 / overdue in ${status}, escalated`,
      data: { automatic: true, escalatedTo, dueAt: new Date(dueTime).toISOString() },
    };
  };
  /** The clock ticks every few minutes: it escalates a little after the deadline. */
  const tickAfter = (t: number) => t + (1 + Math.floor(rnd() * 14)) * MINUTE + jitter();

  /**
   * Plays the steps through the workflow at the given times, as transition() and the deadline clock would:
   * an entry per step, the clock restarting on every transition that names a target state, and a 督办 entry
   * whenever a state's deadline passed (and the clock ticked) before the state was left.
   */
  const play = (
    dispatcher: string,
    created: number,
    reporter: Who,
    channel: string,
    steps: Step[],
    times: number[],
  ) => {
    const entries: Entry[] = [
      {
        at: created,
        action: 'create',
        from: null,
        to: workflow.initial,
        who: reporter,
        note: null,
        data: { channel },
      },
    ];
    let status = workflow.initial;
    let entered = created;
    let unit: Unit | null = null;
    for (const [i, s] of steps.entries()) {
      const at = times[i]!;
      const t = transitionFor(status, s.action);
      const d = workflow.states[status]?.deadline;
      if (t.to && d) {
        const dueTime = due(entered, d);
        const tick = dueTime < at ? tickAfter(dueTime) : at;
        if (tick < at) entries.push(supervise(status, dueTime, tick, unit?.areaCode ?? dispatcher));
      }
      // The actor is whoever holds the matter before the step: 转办 and 退回 are the old unit's.
      const who =
        CENTRE_ACTIONS.has(s.action) || !unit
          ? unitWho({ department: 'zongzhi', areaCode: dispatcher })
          : unitWho(unit);
      if (t.effect === 'assign') unit = s.assignee!;
      if (t.effect === 'unassign') unit = null;
      const data: Record<string, unknown> = {};
      if (s.assignee) data.assignee = s.assignee;
      if (s.reason) data.reason = s.reason;
      if (s.result) data.result = s.result;
      entries.push({
        at,
        action: s.action,
        from: status,
        to: t.to ?? status,
        who,
        note: s.note ?? s.result ?? s.reason ?? null,
        data,
      });
      if (t.to) {
        status = t.to;
        entered = at;
      }
    }
    return { entries, status, entered, unit };
  };

  /**
   * An open matter is laid out backwards from the moment it entered its current state, chosen so that about
   * a quarter are past their deadline and some are 临期; the states before were left within their deadlines.
   */
  const openTimes = (steps: Step[], status: string, target: DeadlineState) => {
    const d = workflow.states[status]!.deadline!;
    const span = d.unit === 'workdays' ? d.amount * PER_DAY : d.unit === 'hours' ? d.amount * 60 : d.amount;
    const stateAt = (start: number): DeadlineState => {
      const dueTime = due(start, d);
      if (dueTime <= ref) return 'overdue';
      return warnAt(new Date(start), new Date(dueTime), d.warnRatio).getTime() <= ref ? 'warning' : 'normal';
    };
    // The spans are counted in office minutes but the clock runs on the calendar (weekends count towards
    // 临期), so a few draws may be needed to land in the state aimed at; after twelve, take what came.
    let entered = ref;
    for (let attempt = 0; attempt < 12; attempt++) {
      const elapsed =
        target === 'overdue'
          ? span + 30 + rnd() ** 2 * (rnd() < 0.1 ? 30 : 8) * PER_DAY
          : target === 'warning'
            ? span * (0.5 + 0.5 * rnd())
            : span * 0.75 * rnd();
      // 待受理 and 待签收 (two hours) run on the wall clock: centres keep someone on duty, weekends included.
      entered =
        status === 'reported' || status === 'dispatched'
          ? ref - Math.round(elapsed) * MINUTE - jitter()
          : office.at(refK - Math.round(elapsed)) + jitter();
      if (stateAt(entered) === target) break;
    }
    const times = new Array<number>(steps.length);
    if (steps.length === 0) return { created: entered, times };
    times[steps.length - 1] = entered;
    for (let k = steps.length - 1; k > 0; k--) {
      // The gap before step k was spent in LOOP[k]: keep it within 70% of that state's deadline.
      const limit = workflow.states[LOOP[k]!]!.deadline!;
      const cap = limit.unit === 'workdays' ? 0.7 * limit.amount * PER_DAY : 0.7 * limit.amount * 60;
      const g = GAPS[steps[k]!.action]!;
      times[k - 1] = before(times[k]!, steps[k]!.action, Math.min(skewed(g.min, g.max), cap));
    }
    // The report: any time of day, up to ten hours before it was accepted (well within 待受理's working day).
    return { created: times[0]! - Math.round(skewed(5, 600)) * MINUTE - jitter(), times };
  };

  /** A closed matter runs forwards from its report; a chain that would end after the reference date starts earlier. */
  const closedTimes = (steps: Step[], reported: number) => {
    let created = reported;
    for (;;) {
      const times: number[] = [];
      let t = created;
      for (const s of steps) {
        const g = GAPS[s.action]!;
        // Some steps come late (and were escalated by the clock then).
        const late = g.late && rnd() < 0.06 ? g.late : null;
        t = after(t, s.action, late ? late[0] + rnd() * (late[1] - late[0]) : skewed(g.min, g.max));
        times.push(t);
      }
      if (t <= ref - MINUTE) return { created, times };
      created -= t - ref + DAY;
    }
  };

  // 1. Who, where, what, when — one draft per matter.
  const nOpen = opts.count > 0 ? Math.max(1, Math.round(opts.count * OPEN_SHARE)) : 0;
  // The first open matters go to the demo villages, so that even a small seed gives their logins a queue.
  const nFocusOpen = Math.min(nOpen, Math.max(3, Math.round(nOpen * 0.06)));
  const drafts: Draft[] = [];
  const counts = { open: 0, closed: 0, rejected: 0, overdue: 0, warning: 0 };
  for (let i = 0; i < opts.count; i++) {
    const open = i < nOpen;
    const focus = open ? i < nFocusOpen : rnd() < FOCUS_SHARE;
    const grid = focus ? pick(focusGrids) : pick(gridsByCounty.get(weighted(countyWeights))!);
    const village = byCode.get(grid.parentCode ?? '')!;
    // Most reports carry a point inside a grid; some (phone calls) are known only to the village.
    const point = rnd() < 0.92 ? pointIn(grid, rnd) : null;
    const area = point ? grid : village;
    const dispatcher = ancestor(area.code, 3)!.code;
    const category = weighted(CATEGORY_WEIGHTS);
    const issue = pick(ISSUES[category]!);
    const src = weighted(CHANNELS.map((c): [(typeof CHANNELS)[number], number] => [c, c.weight]));
    const gridLogin = src.channel === 'grid' ? reporterAt(area.code) : null;
    const reporter: Who = gridLogin ?? { id: null, name: CHANNEL_REPORTER[src.channel] ?? personName() };
    const place = village.name.includes('社区')
      ? rnd() < 0.6
        ? `${pick(STREETS)}${1 + Math.floor(rnd() * 300)}号`
        : `${pick(ESTATES)}${1 + Math.floor(rnd() * 30)}幢`
      : `${1 + Math.floor(rnd() * 12)}组`;
    const address = `${displayName(village)}${place}`;
    const title = `${village.name.includes('社区') ? place : address}${issue.title}`;
    const lead =
      src.channel === 'grid' ? `${gridLogin ? gridLogin.name : `网格员${reporter.name}`}巡查发现` : src.lead;
    const contact =
      src.channel === 'hotline' || src.channel === 'app'
        ? `联系人：${pick(SURNAMES)}${rnd() < 0.5 ? '先生' : '女士'}。`
        : '';
    const description = `${lead}：${address}${pick(issue.details)}${pick(DURATIONS)}，${pick(REQUESTS)}。${contact}`;
    const u = rnd();
    const urgentShare = issue.urgent ?? 0.1;
    const urgency: Urgency = u < urgentShare * 0.1 ? 'extra_urgent' : u < urgentShare ? 'urgent' : 'normal';

    let steps: Step[];
    let when: { created: number; times: number[] };
    let kind: 'open' | 'closed' | 'rejected';
    if (open) {
      kind = 'open';
      const status = weighted(OPEN_STATUS_WEIGHTS);
      steps = stepsTo(issue, area.code, status);
      when = openTimes(steps, status, i % 4 === 1 ? 'overdue' : i % 7 === 3 ? 'warning' : 'normal');
    } else {
      kind = rnd() < REJECTED_SHARE ? 'rejected' : 'closed';
      steps =
        kind === 'rejected'
          ? [{ action: 'reject', reason: pick(REJECT_REASONS) }]
          : closedSteps(issue, area.code);
      // More reports lately than three years ago: half spread evenly, half rising towards the present.
      const x = rnd() < 0.5 ? rnd() : Math.sqrt(rnd());
      const day = cstDate(new Date(ref - (1 - x) * SPAN_DAYS * DAY));
      const minuteOfDay = rnd() < 0.85 ? 480 + rnd() * 720 : rnd() * 1440;
      when = closedTimes(steps, cstMidnight(day) + Math.floor(minuteOfDay) * MINUTE + jitter());
    }

    const life = play(dispatcher, when.created, reporter, src.channel, steps, when.times);
    let clock: Pick<
      Insertable<MattersTable>,
      'state_entered_at' | 'due_at' | 'warn_at' | 'deadline_state' | 'escalated_to' | 'closed' | 'closed_at'
    >;
    if (kind === 'open') {
      // The clock as it stands at the reference date, computed as enterState() and runDeadlineClock() do.
      const d = workflow.states[life.status]!.deadline!;
      const dueTime = due(life.entered, d);
      const warnTime = warnAt(new Date(life.entered), new Date(dueTime), d.warnRatio).getTime();
      let deadlineState: DeadlineState = 'normal';
      let escalatedTo: string | null = null;
      if (dueTime <= ref) {
        deadlineState = 'overdue';
        const entry = supervise(
          life.status,
          dueTime,
          Math.min(tickAfter(dueTime), ref),
          life.unit?.areaCode ?? dispatcher,
        );
        escalatedTo = entry.data.escalatedTo as string;
        life.entries.push(entry);
        counts.overdue++;
      } else if (warnTime <= ref) {
        deadlineState = 'warning';
        counts.warning++;
      }
      counts.open++;
      clock = {
        state_entered_at: new Date(life.entered),
        due_at: new Date(dueTime),
        warn_at: new Date(warnTime),
        deadline_state: deadlineState,
        escalated_to: escalatedTo,
        closed: false,
        closed_at: null,
      };
    } else {
      counts[kind]++;
      clock = {
        state_entered_at: new Date(life.entered),
        due_at: null,
        warn_at: null,
        deadline_state: 'normal',
        escalated_to: null,
        closed: true,
        closed_at: new Date(life.entered),
      };
    }
    life.entries.sort((a, b) => a.at - b.at);
    const payload: Record<string, unknown> = { address };
    if (category === 'dispute') payload.peopleInvolved = 2 + Math.floor(rnd() ** 2 * 20);
    payload.photosTaken = rnd() < 0.6;
    drafts.push({
      created: when.created,
      county: area.code.slice(0, 6),
      entries: life.entries,
      row: {
        type: type.code,
        category,
        title,
        description,
        status: life.status,
        urgency,
        source_department: src.department,
        source_channel: src.channel,
        area_code: area.code,
        lng: point?.lng ?? null,
        lat: point?.lat ?? null,
        h3: h3Of(point),
        reporter_id: reporter.id,
        reporter_name: reporter.name,
        assignee_department: life.unit?.department ?? null,
        assignee_area_code: life.unit?.areaCode ?? null,
        assignee_user_id: null,
        dispatcher_area_code: dispatcher,
        paused_at: null,
        ...clock,
        payload: JSON.stringify(payload),
        search_tokens: indexTokens(title, description),
        created_at: new Date(when.created),
        updated_at: new Date(life.entries.at(-1)!.at),
        // The report is version 1; every step and every escalation adds one.
        version: life.entries.length,
      },
    });
    if (i % 1000 === 999) opts.onProgress?.('matters', i + 1, opts.count);
  }

  // 2. Numbers in the order they were reported, one sequence per county and day, as nextNumber() gives them.
  drafts.sort((a, b) => a.created - b.created);
  const counters = new Map<string, number>();
  const rows = drafts.map((d) => {
    const key = `${type.prefix}-${d.county}-${cstDate(new Date(d.created)).replaceAll('-', '')}`;
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return { ...d.row, number: `${key}-${String(n).padStart(4, '0')}` };
  });

  // 3. Bulk inserts, a thousand matters a statement, each batch followed by its timelines (nine columns,
  //    2,000 rows a statement): the timeline rows are built a batch at a time, never all at once.
  let timelineRows = 0;
  for (let i = 0; i < rows.length; i += 1000) {
    const batch = rows.slice(i, i + 1000);
    const ids = new Map<string, string>();
    for (const r of await tx.insertInto('matters').values(batch).returning(['id', 'number']).execute())
      ids.set(r.number, r.id);
    const timeline: Insertable<MatterTimelineTable>[] = batch.flatMap((r, k) =>
      drafts[i + k]!.entries.map((e) => ({
        matter_id: ids.get(r.number)!,
        at: new Date(e.at),
        actor_id: e.who.id,
        actor_name: e.who.name,
        action: e.action,
        from_status: e.from,
        to_status: e.to,
        note: e.note,
        data: JSON.stringify(e.data),
      })),
    );
    for (let k = 0; k < timeline.length; k += 2000) {
      await tx
        .insertInto('matter_timeline')
        .values(timeline.slice(k, k + 2000))
        .execute();
    }
    timelineRows += timeline.length;
    opts.onProgress?.('matters db', i + batch.length, rows.length);
  }
  // New matters continue each day's sequence (a counter never goes back if one was already higher).
  const counterRows = [...counters].map(([prefix, n]) => ({ prefix, n }));
  for (let i = 0; i < counterRows.length; i += 2000) {
    await tx
      .insertInto('matter_counters')
      .values(counterRows.slice(i, i + 2000))
      .onConflict((oc) =>
        oc.column('prefix').doUpdateSet({ n: sql`greatest(matter_counters.n, excluded.n)` }),
      )
      .execute();
  }

  const result: DemoMatterCounts = { matters: rows.length, ...counts, timeline: timelineRows };
  await audit(tx, systemActor('seed'), {
    action: 'seed.demo_matters',
    entityType: 'dataset',
    newValues: { ...result, seed, referenceDate: new Date(ref).toISOString() },
  });
  return result;
}

function pointIn(g: SeedArea, rnd: () => number): Point | null {
  if (!g.bbox || !g.geometry) return null;
  const [minX, minY, maxX, maxY] = g.bbox;
  for (let i = 0; i < 50; i++) {
    const lng = Math.round((minX + rnd() * (maxX - minX)) * 1e6) / 1e6;
    const lat = Math.round((minY + rnd() * (maxY - minY)) * 1e6) / 1e6;
    if (booleanPointInPolygon([lng, lat], g.geometry)) return { lng, lat };
  }
  return null;
}

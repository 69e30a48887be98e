/**
 * Default word lists of the early-warning models. Each model copies the lists it uses into its own
 * parameters, where an administrator may change them; these are only the starting points.
 *
 * Words are matched as plain substrings of a record's title and description (after NFKC and with white space
 * removed), so a list avoids single characters that occur in harmless words: 砍 is in 砍价 and 砍伐, 杀 in 杀价,
 * 打 in 打电话 — the lists use 砍死, 杀了, 打人 instead.
 */

/** 威胁、暴力: a party threatening the other (民转刑, 护医). */
export const THREAT_WORDS = [
  '拼命',
  '同归于尽',
  '报复',
  '汽油',
  '农药',
  '砍死',
  '砍人',
  '拿刀',
  '杀了',
  '杀人',
  '杀掉',
  '杀你',
  '弄死',
  '搞死',
  '打死',
  '捅死',
  '烧死',
  '放火',
  '纵火',
  '炸药',
  '灭门',
  '血债血偿',
  '要你命',
  '不得好死',
  '鱼死网破',
];

/** 债务: a contract dispute counts as a debt dispute (民转刑's categories) when its text has one of these. */
export const DEBT_WORDS = [
  '欠款',
  '借款',
  '借钱',
  '还钱',
  '欠钱',
  '债务',
  '欠债',
  '讨债',
  '要债',
  '欠条',
  '借条',
];

/** 涉医: threats and disorder particular to hospitals (智慧护医), besides the general threat words. */
export const MEDICAL_THREAT_WORDS = [
  ...THREAT_WORDS,
  '医闹',
  '堵门',
  '拉横幅',
  '摆花圈',
  '停尸',
  '设灵堂',
  '打医生',
  '打护士',
  '讨说法',
  '砸',
];

/** 群体性: people gathering or about to (群体性风险). */
export const MASS_WORDS = [
  '讨薪',
  '欠薪',
  '聚集',
  '围堵',
  '堵路',
  '拉横幅',
  '静坐',
  '集访',
  '群访',
  '上访',
  '罢工',
  '停工',
];

/** 涉众经济: wage arrears, illegal fund-raising, an owner gone (涉众经济风险). */
export const ECONOMIC_WORDS = [
  '欠薪',
  '拖欠工资',
  '讨薪',
  '集资',
  '非法吸收',
  '跑路',
  '失联',
  '债务',
  '理财',
  '暴雷',
  '爆雷',
  '兑付',
  '返利',
  '预付卡',
  '退款难',
  '资金链',
];

/** 越级: a petition taken past the levels that should hear it first (信访风险). */
export const ESCALATION_WORDS = [
  '进京',
  '赴京',
  '去北京',
  '到北京',
  '赴省',
  '去省里',
  '到省里',
  '省信访局',
  '国家信访局',
  '越级',
];

/** 家庭暴力: violence between family members (家庭暴力风险). */
export const DOMESTIC_VIOLENCE_WORDS = [
  '家暴',
  '家庭暴力',
  '殴打',
  '打人',
  '打伤',
  '被打',
  '动手打',
  '拳打脚踢',
  '打骂',
  '掐脖子',
  '掐住',
  '踢打',
  '扇耳光',
  '拿刀',
  '淤青',
  '受伤',
  '人身安全保护令',
];

/** 家庭暴力, severe: a threat to life inside the family. */
export const DOMESTIC_SEVERE_WORDS = ['杀了', '砍死', '打死', '掐死', '弄死', '同归于尽', '汽油', '农药'];

/** 极端情绪: despair and self-harm (极端情绪). */
export const DESPAIR_WORDS = [
  '不想活',
  '活不下去',
  '活着没意思',
  '轻生',
  '绝望',
  '寻死',
  '一死了之',
  '走投无路',
  '没有活路',
  '想死',
  '自杀',
  '跳楼',
  '跳河',
  '跳江',
  '割腕',
  '喝农药',
  '上吊',
  '死给你看',
];

/** 极端情绪, severe: a means or a plan of self-harm named. */
export const SEVERE_DESPAIR_WORDS = ['自杀', '跳楼', '跳河', '跳江', '割腕', '喝农药', '上吊', '死给你看'];

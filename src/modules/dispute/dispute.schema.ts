import { z } from 'zod';

/**
 * 16 categories: the national people's-mediation statistical types plus 知识产权. A centre can rename or
 * add categories by registering a different list; codes are what records and statistics keep.
 */
export const DISPUTE_CATEGORIES = [
  { code: 'marriage_family', name: { zh: '婚姻家庭', en: 'Marriage and family' } },
  { code: 'neighbour', name: { zh: '邻里', en: 'Neighbours' } },
  { code: 'house_homestead', name: { zh: '房屋宅基地', en: 'Houses and homesteads' } },
  { code: 'contract', name: { zh: '合同', en: 'Contracts' } },
  { code: 'business', name: { zh: '生产经营', en: 'Production and business' } },
  { code: 'damages', name: { zh: '损害赔偿', en: 'Damages' } },
  { code: 'forest_land', name: { zh: '山林土地', en: 'Forests and land' } },
  { code: 'expropriation', name: { zh: '征地拆迁', en: 'Land expropriation and demolition' } },
  { code: 'environment', name: { zh: '环境污染', en: 'Environmental pollution' } },
  { code: 'labour', name: { zh: '劳动争议', en: 'Labour disputes' } },
  { code: 'consumer', name: { zh: '消费', en: 'Consumer' } },
  { code: 'medical', name: { zh: '医疗', en: 'Medical' } },
  { code: 'traffic_accident', name: { zh: '道路交通事故', en: 'Road traffic accidents' } },
  { code: 'property_mgmt', name: { zh: '物业', en: 'Property management' } },
  { code: 'ip', name: { zh: '知识产权', en: 'Intellectual property' } },
  { code: 'other', name: { zh: '其他', en: 'Other' } },
] as const;
export type DisputeCategory = (typeof DISPUTE_CATEGORIES)[number]['code'];
export const CATEGORY_CODES = DISPUTE_CATEGORIES.map((c) => c.code) as [
  DisputeCategory,
  ...DisputeCategory[],
];

export const PARTY_ROLES = ['applicant', 'respondent', 'party'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];
export const PARTY_ROLE_NAMES: Record<PartyRole, { zh: string; en: string }> = {
  applicant: { zh: '申请人', en: 'Applicant' },
  respondent: { zh: '被申请人', en: 'Respondent' },
  party: { zh: '当事人', en: 'Party' },
};

export const RISK_LEVELS = ['high', 'medium', 'low'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];
export const RISK_NAMES: Record<RiskLevel, { zh: string; en: string }> = {
  high: { zh: '高', en: 'High' },
  medium: { zh: '中', en: 'Medium' },
  low: { zh: '低', en: 'Low' },
};

/** 群体性: five or more people involved. */
export const MASS_THRESHOLD = 5;

/** A party as a record names it, after mapping (identifiers still as written). */
export const PartyFields = z.object({
  role: z.enum(PARTY_ROLES),
  kind: z.enum(['person', 'enterprise']),
  name: z.string().trim().min(1).max(100),
  idNumber: z.string().trim().max(30).optional(),
  phone: z.string().trim().max(30).optional(),
  uscc: z.string().trim().max(30).optional(),
});
export type PartyFields = z.infer<typeof PartyFields>;

/**
 * How the matter's payload looks for a 矛盾纠纷. Parties are matter_parties rows (linked subjects); the
 * payload keeps what the list and the models need without a join.
 */
export const DisputePayload = z
  .object({
    amount: z.number().min(0).max(1e12).optional().describe('争议金额（元）'),
    peopleInvolved: z.number().int().min(1).max(1_000_000).default(1).describe('涉及人数'),
    mass: z.boolean().default(false).describe('群体性（涉及 5 人及以上）'),
    riskLevel: z.enum(RISK_LEVELS).default('low'),
    address: z.string().max(200).optional(),
    /** Parties as named (masked), including those without an identifier that could be linked. */
    parties: z
      .array(
        z.object({
          role: z.enum(PARTY_ROLES),
          kind: z.enum(['person', 'enterprise']),
          name: z.string().max(100),
          subjectId: z.string().max(20).optional(),
        }),
      )
      .max(50)
      .default([]),
    /** How the category was decided: the department's code table, the text classifier, or a person. */
    classification: z
      .object({
        method: z.enum(['code_table', 'classifier', 'manual']),
        confidence: z.number().min(0).max(1).optional(),
        words: z.array(z.string().max(20)).max(10).optional(),
      })
      .optional(),
    /** Source departments that reported it (sources' codes), kept in step with dispute_records. */
    sources: z.array(z.string().max(40)).max(50).default([]),
  })
  .strict();
export type DisputePayload = z.infer<typeof DisputePayload>;

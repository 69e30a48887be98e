import { z } from 'zod';

/** What a generic 事件 carries beyond the common matter fields. */
export const EventPayload = z
  .object({
    address: z.string().trim().max(200).optional().describe('where it happened, in words'),
    peopleInvolved: z.number().int().min(1).max(100_000).optional().describe('涉及人数'),
    photosTaken: z.boolean().optional(),
  })
  .strict();

export const EVENT_CATEGORIES = [
  { code: 'dispute', name: { zh: '矛盾纠纷', en: 'Dispute' } },
  { code: 'public_order', name: { zh: '治安问题', en: 'Public order' } },
  { code: 'safety', name: { zh: '安全隐患', en: 'Safety hazard' } },
  { code: 'environment', name: { zh: '环境卫生', en: 'Environment and sanitation' } },
  { code: 'facility', name: { zh: '市政设施', en: 'Public facilities' } },
  { code: 'livelihood', name: { zh: '民生服务', en: 'Livelihood services' } },
  { code: 'other', name: { zh: '其他', en: 'Other' } },
];

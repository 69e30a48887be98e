import { z } from 'zod';

/** 预警 categories: one per model code (the twelve and any a deployment adds). */
export const ALERT_LEVELS = ['red', 'orange', 'yellow'] as const;

export const FactorSchema = z.object({
  code: z.string().max(40),
  name: z.object({ zh: z.string().max(40), en: z.string().max(80) }),
  weight: z.number().min(0).max(100),
  detail: z.string().max(500),
  records: z.array(z.string().max(20)).max(50),
});

/**
 * An alert matter's payload: which model raised it, about what (key, window), how strongly and why. The
 * explanation is the model's factors as last evaluated; `evaluations` counts how often the runtime found
 * it again (the alert is updated, never raised twice).
 */
export const AlertPayload = z
  .object({
    model: z.string().max(40),
    modelVersion: z.number().int().min(1),
    key: z.string().max(200),
    window: z.string().max(40),
    level: z.enum(ALERT_LEVELS),
    score: z.number().int().min(0).max(100),
    factors: z.array(FactorSchema).max(20),
    subjects: z
      .array(
        z.object({
          type: z.enum(['person', 'enterprise', 'house', 'thing']),
          id: z.string().max(20),
          role: z.string().max(40).optional(),
        }),
      )
      .max(50)
      .default([]),
    evaluations: z.number().int().min(1).default(1),
    firstAt: z.string().max(40),
    lastAt: z.string().max(40),
  })
  .strict();
export type AlertPayload = z.infer<typeof AlertPayload>;

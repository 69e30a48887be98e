import type { DisputeClassifier } from '../classifier/classifier.ts';
import { DISPUTE_CATEGORIES, type DisputeCategory, type DisputePayload } from '../dispute.schema.ts';
import type { SourceProfile } from '../sources.ts';

const BY_CODE = new Map<string, DisputeCategory>(DISPUTE_CATEGORIES.map((c) => [c.code, c.code]));
const BY_NAME = new Map<string, DisputeCategory>(DISPUTE_CATEGORIES.map((c) => [c.name.zh, c.code]));

export interface Categorised {
  category: DisputeCategory;
  classification: NonNullable<DisputePayload['classification']>;
}

/**
 * Step "classify": the department's own code table first (their 警情类别 0301 → 婚姻家庭); a record that
 * already uses our codes or names is taken as is; anything else goes to the text classifier, whose
 * deciding words are kept so that a reviewer can see why.
 */
export function categorise(
  profile: SourceProfile,
  sourceCategory: string | null,
  text: string,
  classifier: DisputeClassifier,
): Categorised {
  if (sourceCategory) {
    const mapped =
      profile.categoryCodes[sourceCategory] ?? BY_CODE.get(sourceCategory) ?? BY_NAME.get(sourceCategory);
    if (mapped) return { category: mapped, classification: { method: 'code_table' } };
  }
  const p = classifier.predict(text);
  return {
    category: p.category,
    classification: {
      method: 'classifier',
      confidence: Math.round(p.confidence * 1000) / 1000,
      words: p.words.slice(0, 5).map((w) => w.slice(0, 20)),
    },
  };
}

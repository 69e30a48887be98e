import type { ModelDef } from '../runtime/model.ts';
import { civilToCriminal } from './civil-to-criminal.ts';
import { domesticViolence } from './domestic-violence.ts';
import { economicRisk } from './economic-risk.ts';
import { extremeEmotion } from './extreme-emotion.ts';
import { hazardOverdue } from './hazard-overdue.ts';
import { hotspot } from './hotspot.ts';
import { massRisk } from './mass-risk.ts';
import { medicalGuard } from './medical-guard.ts';
import { petitionRisk } from './petition-risk.ts';
import { protracted } from './protracted.ts';
import { repeatDispute } from './repeat-dispute.ts';
import { watchlist } from './watchlist.ts';

/** The twelve early-warning models (智能预警模型), in their order on pages (no 1–12). See docs/MODELS.md. */
// biome-ignore lint/suspicious/noExplicitAny: each model has its own parameter type; the runtime treats them alike.
export const MODELS: ModelDef<any>[] = [
  civilToCriminal,
  repeatDispute,
  massRisk,
  medicalGuard,
  watchlist,
  hotspot,
  protracted,
  petitionRisk,
  economicRisk,
  domesticViolence,
  extremeEmotion,
  hazardOverdue,
];

import { z } from 'zod';

/**
 * What a person types when reporting a matter or taking an action on one, with the limits the API
 * enforces. Pure (zod only, no server import): src/server/routes/matters.schemas.ts builds its request
 * schemas from these fields and the web console validates its forms with the same ones, so a form never
 * accepts what the API would refuse, nor refuses what it would accept. Messages are "中文 / English" like
 * the API's own; the console shows the half in the user's language.
 */

export const URGENCIES = ['extra_urgent', 'urgent', 'normal'] as const;
export type Urgency = (typeof URGENCIES)[number];
export const UrgencyEnum = z.enum(URGENCIES).describe('特急 / 紧急 / 一般');

export const DEADLINE_STATES = ['normal', 'warning', 'overdue'] as const;
export const DeadlineStateEnum = z.enum(DEADLINE_STATES).describe('正常 / 临期 / 超期');

export const TYPE_CODE = /^[a-z][a-z0-9_]{1,39}$/;
/** 12-digit statistical code, or 15 digits for a grid (as AreaCode in src/server/schemas.ts). */
export const AREA_CODE = /^\d{12}(\d{3})?$/;

export const MAX_TITLE = 200;
export const MAX_DESCRIPTION = 5000;
export const MAX_NOTE = 5000;
export const MAX_REASON = 2000;
export const MAX_RESULT = 5000;
export const MAX_EXTENSION_DAYS = 60;

export const MatterTitle = z
  .string({ error: '请填写标题 / Enter a title' })
  .trim()
  .min(1, { error: '请填写标题 / Enter a title' })
  .max(MAX_TITLE, { error: `标题不超过 ${MAX_TITLE} 字 / At most ${MAX_TITLE} characters` });

export const MatterDescription = z
  .string()
  .trim()
  .max(MAX_DESCRIPTION, {
    error: `描述不超过 ${MAX_DESCRIPTION} 字 / At most ${MAX_DESCRIPTION} characters`,
  });

export const MatterCategory = z.string().max(40, { error: '类别代码过长 / Category code too long' });

export const ReportAreaCode = z
  .string({ error: '请选择所在区域 / Choose the area' })
  .regex(AREA_CODE, { error: '请选择村社或网格 / Choose a village or a grid' });

/** Free text of a transition: 说明 (note), 理由 (reason), 处置结果 (result). */
export const NoteText = z
  .string()
  .trim()
  .max(MAX_NOTE, { error: `说明不超过 ${MAX_NOTE} 字 / At most ${MAX_NOTE} characters` });
export const ReasonText = z
  .string()
  .trim()
  .max(MAX_REASON, { error: `理由不超过 ${MAX_REASON} 字 / At most ${MAX_REASON} characters` });
export const ResultText = z
  .string()
  .trim()
  .max(MAX_RESULT, { error: `结果不超过 ${MAX_RESULT} 字 / At most ${MAX_RESULT} characters` });
export const ExtensionDays = z
  .number({ error: '请填写延期天数 / Enter the number of days' })
  .int({ error: '天数应为整数 / Whole days only' })
  .min(1, { error: `延期 1–${MAX_EXTENSION_DAYS} 个工作日 / 1 to ${MAX_EXTENSION_DAYS} working days` })
  .max(MAX_EXTENSION_DAYS, {
    error: `延期 1–${MAX_EXTENSION_DAYS} 个工作日 / 1 to ${MAX_EXTENSION_DAYS} working days`,
  });

/** A required free-text field of a transition (the workflow's `requires`): the limit plus "not blank". */
export const requiredText = (s: z.ZodString) => s.min(1, { error: '此项必填 / This field is required' });

/**
 * The report form of the console (上报): the common fields of POST /api/matters as a person fills them in.
 * The API also accepts a point instead of an area, parties and a type-specific payload; the form sends an
 * area always (a grid worker reports from their village), and a point when "use my location" found one.
 */
export const ReportForm = z.object({
  type: z.string().regex(TYPE_CODE),
  category: MatterCategory.optional(),
  title: MatterTitle,
  description: MatterDescription.optional(),
  urgency: UrgencyEnum,
  areaCode: ReportAreaCode,
});
export type ReportFormValues = z.infer<typeof ReportForm>;

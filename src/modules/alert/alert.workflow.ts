import { genericLoop } from '../../core/workflow/generic-loop.ts';
import type { TransitionDef, WorkflowDef } from '../../core/workflow/workflow.ts';

/**
 * An alert's loop: 生成 → 研判 (确认, or 排除 with a reason) → 处置 (分派 → 签收 → 处置 → 反馈, the generic
 * loop's transitions) → 核销. Built from the generic loop so that dispatch, return, transfer, extensions and
 * 督办 behave exactly as for any other matter. The 研判 deadline depends on the level (runtime.ts).
 */
const loop = genericLoop('alert', { zh: '预警', en: 'Alert' });

/** Generic state → alert state. */
const RENAME: Record<string, string> = {
  reported: 'raised',
  accepted: 'confirmed',
  dispatched: 'dispatched',
  handling: 'handling',
  feedback: 'feedback',
  closed: 'written_off',
  rejected: 'dismissed',
};

const ACTION_NAMES: Record<string, { zh: string; en: string }> = {
  accept: { zh: '研判确认', en: 'Confirm' },
  reject: { zh: '研判排除', en: 'Dismiss' },
  verify: { zh: '核销', en: 'Write off' },
  verify_fail: { zh: '核销不通过', en: 'Send back' },
};

const ACTION_CODES: Record<string, string> = {
  accept: 'confirm',
  reject: 'dismiss',
  verify: 'write_off',
  verify_fail: 'verify_fail',
};

const transitions: TransitionDef[] = loop.transitions
  // An alert has no applicant to wait for (补正), and 核销 is its close.
  .filter((t) => !['close', 'request_supplement', 'supplement_received'].includes(t.action))
  .map((t) => {
    const from = t.from.filter((s) => RENAME[s]).map((s) => RENAME[s]!);
    // 核销 closes the alert at once: there is no separate 办结 after verification.
    const to = t.action === 'verify' ? 'written_off' : t.to ? RENAME[t.to] : undefined;
    return {
      ...t,
      action: ACTION_CODES[t.action] ?? t.action,
      name: ACTION_NAMES[t.action] ?? t.name,
      from,
      ...(to ? { to } : {}),
    } as TransitionDef;
  })
  .filter((t) => t.from.length > 0);

export const alertWorkflow: WorkflowDef = {
  code: 'alert',
  name: { zh: '预警处置闭环', en: 'Alert loop' },
  initial: 'raised',
  states: {
    raised: { name: { zh: '待研判', en: 'Raised' }, kind: 'open', deadline: { amount: 1, unit: 'workdays' } },
    confirmed: {
      name: { zh: '待处置', en: 'Confirmed' },
      kind: 'open',
      deadline: { amount: 1, unit: 'workdays' },
    },
    dispatched: {
      name: { zh: '待签收', en: 'Dispatched' },
      kind: 'open',
      deadline: { amount: 2, unit: 'hours' },
    },
    handling: {
      name: { zh: '处置中', en: 'Handling' },
      kind: 'open',
      deadline: { amount: 3, unit: 'workdays' },
    },
    feedback: {
      name: { zh: '待核销', en: 'Awaiting write-off' },
      kind: 'open',
      deadline: { amount: 2, unit: 'workdays' },
    },
    written_off: { name: { zh: '已核销', en: 'Written off' }, kind: 'closed' },
    dismissed: { name: { zh: '已排除', en: 'Dismissed' }, kind: 'closed' },
  },
  transitions,
};

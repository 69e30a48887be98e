import { CENTRE_ROLES, SUPERIOR_ROLES } from '../../core/workflow/generic-loop.ts';
import type { WorkflowDef } from '../../core/workflow/workflow.ts';

/**
 * A sea alert's loop (海上预警): 生成 (raised by the feed's evaluator) → 联系船舶 (the centre calls or radios the
 * vessel: how and what was said) → 记录回应 (what the vessel answered or did) → 关闭 (with a note). An alert raised
 * in error may be 排除 with a reason before contact. 督办 by a superior. Each step is a timeline entry of the
 * matter (the kernel's transition engine); the module keeps one open alert per (vessel, rule).
 */
export const seaAlertWorkflow: WorkflowDef = {
  code: 'sea_alert',
  name: { zh: '海上预警闭环', en: 'Sea alert loop' },
  initial: 'raised',
  states: {
    raised: { name: { zh: '待联系', en: 'Raised' }, kind: 'open', deadline: { amount: 30, unit: 'minutes' } },
    contacted: {
      name: { zh: '待回应', en: 'Contacted' },
      kind: 'open',
      deadline: { amount: 2, unit: 'hours' },
    },
    responded: {
      name: { zh: '待关闭', en: 'Responded' },
      kind: 'open',
      deadline: { amount: 1, unit: 'workdays' },
    },
    closed: { name: { zh: '已关闭', en: 'Closed' }, kind: 'closed' },
    dismissed: { name: { zh: '已排除', en: 'Dismissed' }, kind: 'closed' },
  },
  transitions: [
    {
      action: 'contact',
      name: { zh: '联系船舶', en: 'Contact the vessel' },
      from: ['raised'],
      to: 'contacted',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['note'],
    },
    {
      action: 'respond',
      name: { zh: '记录回应', en: 'Record the response' },
      from: ['contacted'],
      to: 'responded',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['result'],
    },
    {
      action: 'close',
      name: { zh: '关闭', en: 'Close' },
      from: ['responded'],
      to: 'closed',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['note'],
    },
    {
      action: 'dismiss',
      name: { zh: '排除', en: 'Dismiss' },
      from: ['raised'],
      to: 'dismissed',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['reason'],
    },
    {
      action: 'supervise',
      name: { zh: '督办', en: 'Supervise' },
      from: ['raised', 'contacted', 'responded'],
      roles: SUPERIOR_ROLES,
      party: ['superior'],
      requires: ['note'],
      effect: 'supervise',
    },
  ],
};

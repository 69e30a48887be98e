import { CENTRE_ROLES, HANDLER_ROLES, SUPERIOR_ROLES } from '../../core/workflow/generic-loop.ts';
import type { WorkflowDef } from '../../core/workflow/workflow.ts';

/**
 * 问题隐患: 发现 → 上报 → 交办 → 整改 → 验收 → 销号. 验收 may fail back to 整改 with a reason.
 *
 * "3030": respond within 30 minutes of the report (the `reported` state's clock: 上报 → 交办) and rectify
 * within 30 days (交办 → 验收通过: one clock across `assigned`, `rectifying` and `checking`, kept in
 * hazard_clocks). The deadlines declared here are the fall-back of the kernel's clock; the hazard commands
 * (hazard.service.ts) set the real ones from hazard_deadlines, per severity.
 */
export const HAZARD_TYPE = 'hazard';

export const hazardWorkflow: WorkflowDef = {
  code: HAZARD_TYPE,
  name: { zh: '问题隐患闭环（3030）', en: 'Hazard loop (3030)' },
  initial: 'found',
  states: {
    found: { name: { zh: '已发现（待上报）', en: 'Found' }, kind: 'open' },
    reported: {
      name: { zh: '已上报（待交办）', en: 'Reported' },
      kind: 'open',
      deadline: { amount: 30, unit: 'minutes' },
    },
    assigned: {
      name: { zh: '已交办（待签收）', en: 'Assigned' },
      kind: 'open',
      deadline: { amount: 30, unit: 'days' },
    },
    rectifying: {
      name: { zh: '整改中', en: 'Rectifying' },
      kind: 'open',
      deadline: { amount: 30, unit: 'days' },
    },
    checking: {
      name: { zh: '待验收', en: 'Awaiting inspection' },
      kind: 'open',
      deadline: { amount: 30, unit: 'days' },
    },
    verified: {
      name: { zh: '已验收（待销号）', en: 'Inspected' },
      kind: 'open',
      deadline: { amount: 1, unit: 'workdays' },
    },
    closed: { name: { zh: '已销号', en: 'Closed (written off)' }, kind: 'closed' },
  },
  transitions: [
    {
      action: 'report',
      name: { zh: '上报', en: 'Report' },
      from: ['found'],
      to: 'reported',
      roles: HANDLER_ROLES,
      party: ['scope'],
    },
    {
      action: 'assign',
      name: { zh: '交办', en: 'Assign' },
      from: ['reported'],
      to: 'assigned',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['assignee'],
      effect: 'assign',
    },
    {
      action: 'sign',
      name: { zh: '签收整改', en: 'Sign for rectification' },
      from: ['assigned'],
      to: 'rectifying',
      roles: HANDLER_ROLES,
      party: ['assignee'],
    },
    {
      action: 'submit',
      name: { zh: '整改完成，申请验收', en: 'Rectified: ask for inspection' },
      from: ['rectifying'],
      to: 'checking',
      roles: HANDLER_ROLES,
      party: ['assignee'],
      requires: ['result'],
    },
    {
      action: 'pass',
      name: { zh: '验收通过', en: 'Pass the inspection' },
      from: ['checking'],
      to: 'verified',
      roles: CENTRE_ROLES,
      party: ['scope'],
    },
    {
      action: 'fail',
      name: { zh: '验收不通过（退回整改）', en: 'Fail the inspection (back to rectification)' },
      from: ['checking'],
      to: 'rectifying',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['reason'],
    },
    {
      action: 'close',
      name: { zh: '销号', en: 'Write off' },
      from: ['verified'],
      to: 'closed',
      roles: CENTRE_ROLES,
      party: ['scope'],
    },
    {
      action: 'supervise',
      name: { zh: '督办', en: 'Supervise' },
      from: ['reported', 'assigned', 'rectifying', 'checking', 'verified'],
      roles: SUPERIOR_ROLES,
      party: ['superior'],
      effect: 'supervise',
    },
  ],
};

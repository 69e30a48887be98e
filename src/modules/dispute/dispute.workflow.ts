import { CENTRE_ROLES, HANDLER_ROLES } from '../../core/workflow/generic-loop.ts';
import type { WorkflowDef } from '../../core/workflow/workflow.ts';

/**
 * The triage of a 矛盾纠纷: 登记 → 研判 → 分流 (to mediation, to a department, to court through a shared
 * court, or 不予受理 with a reason) → 化解中 → 已化解 / 未化解 → 回访 → 结案. A dispute that was not
 * settled may be sent back to 研判 for another route; the unit handling it may return it (退回).
 */
export const disputeWorkflow: WorkflowDef = {
  code: 'dispute',
  name: { zh: '矛盾纠纷分流化解', en: 'Dispute triage and resolution' },
  initial: 'registered',
  states: {
    registered: {
      name: { zh: '已登记', en: 'Registered' },
      kind: 'open',
      deadline: { amount: 1, unit: 'workdays' },
    },
    assessing: {
      name: { zh: '研判中', en: 'Assessing' },
      kind: 'open',
      deadline: { amount: 3, unit: 'workdays' },
    },
    resolving: {
      name: { zh: '化解中', en: 'Resolving' },
      kind: 'open',
      deadline: { amount: 30, unit: 'days' },
    },
    resolved: {
      name: { zh: '已化解', en: 'Resolved' },
      kind: 'open',
      deadline: { amount: 15, unit: 'days' },
    },
    unresolved: {
      name: { zh: '未化解', en: 'Not resolved' },
      kind: 'open',
      deadline: { amount: 5, unit: 'workdays' },
    },
    revisited: {
      name: { zh: '已回访（已化解）', en: 'Followed up (resolved)' },
      kind: 'open',
      deadline: { amount: 3, unit: 'workdays' },
    },
    revisited_unresolved: {
      name: { zh: '已回访（未化解）', en: 'Followed up (not resolved)' },
      kind: 'open',
      deadline: { amount: 3, unit: 'workdays' },
    },
    closed: { name: { zh: '已结案（化解）', en: 'Closed, resolved' }, kind: 'closed' },
    closed_unresolved: { name: { zh: '已结案（未化解）', en: 'Closed, not resolved' }, kind: 'closed' },
    rejected: { name: { zh: '不予受理', en: 'Not accepted' }, kind: 'closed' },
  },
  transitions: [
    {
      action: 'assess',
      name: { zh: '研判', en: 'Assess' },
      from: ['registered'],
      to: 'assessing',
      roles: CENTRE_ROLES,
      party: ['scope'],
    },
    {
      action: 'to_mediation',
      name: { zh: '分流至调解', en: 'Send to mediation' },
      from: ['assessing'],
      to: 'resolving',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['assignee'],
      effect: 'assign',
    },
    {
      action: 'to_department',
      name: { zh: '分流至部门', en: 'Send to a department' },
      from: ['assessing'],
      to: 'resolving',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['assignee'],
      effect: 'assign',
    },
    {
      action: 'to_court',
      name: { zh: '分流至共享法庭', en: 'Send to court through a shared court' },
      from: ['assessing'],
      to: 'resolving',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['assignee'],
      effect: 'assign',
    },
    {
      action: 'reject',
      name: { zh: '不予受理', en: 'Decline' },
      from: ['registered', 'assessing'],
      to: 'rejected',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['reason'],
    },
    {
      action: 'return',
      name: { zh: '退回', en: 'Return' },
      from: ['resolving'],
      to: 'assessing',
      roles: HANDLER_ROLES,
      party: ['assignee'],
      requires: ['reason'],
      effect: 'unassign',
    },
    {
      action: 'resolve',
      name: { zh: '化解成功', en: 'Resolved' },
      from: ['resolving'],
      to: 'resolved',
      roles: HANDLER_ROLES,
      party: ['assignee', 'scope'],
      requires: ['result'],
    },
    {
      action: 'fail',
      name: { zh: '化解不成', en: 'Not resolved' },
      from: ['resolving'],
      to: 'unresolved',
      roles: HANDLER_ROLES,
      party: ['assignee', 'scope'],
      requires: ['reason'],
    },
    {
      action: 'reassess',
      name: { zh: '重新研判', en: 'Assess again' },
      from: ['unresolved'],
      to: 'assessing',
      roles: CENTRE_ROLES,
      party: ['scope'],
      effect: 'unassign',
    },
    {
      action: 'revisit',
      name: { zh: '回访', en: 'Follow up' },
      from: ['resolved'],
      to: 'revisited',
      roles: HANDLER_ROLES,
      party: ['assignee', 'scope'],
      requires: ['note'],
    },
    {
      action: 'revisit_unresolved',
      name: { zh: '回访', en: 'Follow up' },
      from: ['unresolved'],
      to: 'revisited_unresolved',
      roles: HANDLER_ROLES,
      party: ['assignee', 'scope'],
      requires: ['note'],
    },
    {
      action: 'close',
      name: { zh: '结案', en: 'Close' },
      from: ['revisited'],
      to: 'closed',
      roles: CENTRE_ROLES,
      party: ['scope'],
    },
    {
      action: 'close_unresolved',
      name: { zh: '结案', en: 'Close' },
      from: ['revisited_unresolved'],
      to: 'closed_unresolved',
      roles: CENTRE_ROLES,
      party: ['scope'],
    },
    {
      action: 'supervise',
      name: { zh: '督办', en: 'Supervise' },
      from: ['registered', 'assessing', 'resolving', 'unresolved'],
      roles: CENTRE_ROLES,
      party: ['superior'],
      requires: ['note'],
      effect: 'supervise',
    },
  ],
};

/** 化解率 = disputes in RESOLVED_STATES ÷ disputes in SETTLED_STATES (those whose outcome is known). */
export const RESOLVED_STATES = ['resolved', 'revisited', 'closed'];
export const SETTLED_STATES = [...RESOLVED_STATES, 'unresolved', 'revisited_unresolved', 'closed_unresolved'];

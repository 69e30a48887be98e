import type { Role } from '../access/roles.ts';
import type { Deadline } from './deadlines.ts';
import type { WorkflowDef } from './workflow.ts';

export const CENTRE_ROLES: Role[] = ['city_admin', 'commander', 'county_center', 'town_center'];
export const SUPERIOR_ROLES: Role[] = ['city_admin', 'commander', 'county_center', 'town_center'];
/** Everyone who may be the unit that handles a matter. */
export const HANDLER_ROLES: Role[] = [...CENTRE_ROLES, 'grid_worker', 'mediator', 'dept_clerk'];

export const GENERIC_DEADLINES: Record<string, Deadline> = {
  reported: { amount: 1, unit: 'workdays' },
  accepted: { amount: 1, unit: 'workdays' },
  dispatched: { amount: 2, unit: 'hours' },
  handling: { amount: 3, unit: 'workdays' },
  feedback: { amount: 2, unit: 'workdays' },
  verified: { amount: 1, unit: 'workdays' },
};

/**
 * The closed loop every dispatch uses: 受理 → 分派 → 签收 → 处置 → 反馈 → 核查 → 办结, with 退回, 延期申请/批准,
 * 督办, 转办 and 补正 (the clock pauses while waiting for the applicant). A type may change the deadlines.
 */
export function genericLoop(
  code: string,
  name: { zh: string; en: string },
  deadlines: Record<string, Deadline> = GENERIC_DEADLINES,
): WorkflowDef {
  const open = ['reported', 'accepted', 'dispatched', 'handling', 'feedback', 'verified'];
  const d = (s: string) => (deadlines[s] ? { deadline: deadlines[s] } : {});
  return {
    code,
    name,
    initial: 'reported',
    states: {
      reported: { name: { zh: '待受理', en: 'Reported' }, kind: 'open', ...d('reported') },
      accepted: { name: { zh: '待分派', en: 'Accepted' }, kind: 'open', ...d('accepted') },
      dispatched: { name: { zh: '待签收', en: 'Dispatched' }, kind: 'open', ...d('dispatched') },
      handling: { name: { zh: '处置中', en: 'Handling' }, kind: 'open', ...d('handling') },
      feedback: { name: { zh: '待核查', en: 'Awaiting verification' }, kind: 'open', ...d('feedback') },
      verified: { name: { zh: '待办结', en: 'Verified' }, kind: 'open', ...d('verified') },
      closed: { name: { zh: '已办结', en: 'Closed' }, kind: 'closed' },
      rejected: { name: { zh: '不予受理', en: 'Not accepted' }, kind: 'closed' },
    },
    transitions: [
      {
        action: 'accept',
        name: { zh: '受理', en: 'Accept' },
        from: ['reported'],
        to: 'accepted',
        roles: CENTRE_ROLES,
        party: ['scope'],
      },
      {
        action: 'reject',
        name: { zh: '不予受理', en: 'Decline' },
        from: ['reported'],
        to: 'rejected',
        roles: CENTRE_ROLES,
        party: ['scope'],
        requires: ['reason'],
      },
      {
        action: 'dispatch',
        name: { zh: '分派', en: 'Dispatch' },
        from: ['accepted'],
        to: 'dispatched',
        roles: CENTRE_ROLES,
        party: ['scope'],
        requires: ['assignee'],
        effect: 'assign',
      },
      {
        action: 'sign',
        name: { zh: '签收', en: 'Sign for' },
        from: ['dispatched'],
        to: 'handling',
        roles: HANDLER_ROLES,
        party: ['assignee'],
      },
      {
        action: 'return',
        name: { zh: '退回', en: 'Return' },
        from: ['dispatched', 'handling'],
        to: 'accepted',
        roles: HANDLER_ROLES,
        party: ['assignee'],
        requires: ['reason'],
        effect: 'unassign',
      },
      {
        action: 'transfer',
        name: { zh: '转办', en: 'Transfer' },
        from: ['dispatched', 'handling'],
        to: 'dispatched',
        roles: HANDLER_ROLES,
        party: ['assignee', 'scope'],
        requires: ['assignee', 'reason'],
        effect: 'assign',
      },
      {
        action: 'handle',
        name: { zh: '处置', en: 'Record handling' },
        from: ['handling'],
        roles: HANDLER_ROLES,
        party: ['assignee'],
        requires: ['note'],
      },
      {
        action: 'feedback',
        name: { zh: '反馈', en: 'Report back' },
        from: ['handling'],
        to: 'feedback',
        roles: HANDLER_ROLES,
        party: ['assignee'],
        requires: ['result'],
      },
      {
        action: 'verify',
        name: { zh: '核查通过', en: 'Verify' },
        from: ['feedback'],
        to: 'verified',
        roles: CENTRE_ROLES,
        party: ['scope'],
        requires: ['note'],
      },
      {
        action: 'verify_fail',
        name: { zh: '核查不通过', en: 'Verification failed' },
        from: ['feedback'],
        to: 'handling',
        roles: CENTRE_ROLES,
        party: ['scope'],
        requires: ['reason'],
      },
      {
        action: 'close',
        name: { zh: '办结', en: 'Close' },
        from: ['verified'],
        to: 'closed',
        roles: CENTRE_ROLES,
        party: ['scope'],
      },
      {
        action: 'request_extension',
        name: { zh: '延期申请', en: 'Request extension' },
        from: ['dispatched', 'handling'],
        roles: HANDLER_ROLES,
        party: ['assignee'],
        requires: ['extensionDays', 'reason'],
        effect: 'request_extension',
      },
      {
        action: 'approve_extension',
        name: { zh: '批准延期', en: 'Approve extension' },
        from: ['dispatched', 'handling'],
        roles: CENTRE_ROLES,
        party: ['scope'],
        effect: 'approve_extension',
      },
      {
        action: 'reject_extension',
        name: { zh: '驳回延期', en: 'Refuse extension' },
        from: ['dispatched', 'handling'],
        roles: CENTRE_ROLES,
        party: ['scope'],
        requires: ['reason'],
        effect: 'reject_extension',
      },
      {
        action: 'supervise',
        name: { zh: '督办', en: 'Supervise' },
        from: open,
        roles: SUPERIOR_ROLES,
        party: ['superior'],
        requires: ['note'],
        effect: 'supervise',
      },
      {
        action: 'request_supplement',
        name: { zh: '要求补正', en: 'Ask for documents' },
        from: ['reported', 'accepted', 'handling'],
        roles: HANDLER_ROLES,
        party: ['scope', 'assignee'],
        requires: ['note'],
        effect: 'pause',
      },
      {
        action: 'supplement_received',
        name: { zh: '补正完成', en: 'Documents received' },
        from: ['reported', 'accepted', 'handling'],
        roles: HANDLER_ROLES,
        party: ['scope', 'assignee'],
        effect: 'resume',
      },
    ],
  };
}

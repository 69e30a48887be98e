import { CENTRE_ROLES, HANDLER_ROLES, SUPERIOR_ROLES } from '../../core/workflow/generic-loop.ts';
import type { WorkflowDef } from '../../core/workflow/workflow.ts';

/**
 * A command task's loop (指令, 一键直达): a centre 下达 it from a matter or an alert to a unit or a person
 * (the task is created in `issued`, already assigned — src/modules/command/tasks.service.ts), who 签收,
 * reports 到场 (with the browser's location when it has one), records 处置 as often as needed, 反馈 with the
 * result (photos through the matter's attachments), and the issuing centre 核查 and 办结. A unit that cannot
 * take it 退回 it, and the centre 重新下达 it to another; the centre may 撤销 a task that is no longer needed;
 * a superior 督办. The deadlines are per step (the kernel's clock); the task's own deadline, chosen by the
 * dispatcher, is kept beside it (command_tasks.deadline) and shown on the command board.
 */
const open = ['issued', 'signed', 'on_site', 'feedback', 'verified', 'returned'];

export const taskWorkflow: WorkflowDef = {
  code: 'task',
  name: { zh: '指令处置闭环', en: 'Command task loop' },
  initial: 'issued',
  states: {
    issued: { name: { zh: '待签收', en: 'Issued' }, kind: 'open', deadline: { amount: 30, unit: 'minutes' } },
    signed: {
      name: { zh: '待到场', en: 'Signed for' },
      kind: 'open',
      deadline: { amount: 2, unit: 'hours' },
    },
    on_site: {
      name: { zh: '处置中', en: 'On site' },
      kind: 'open',
      deadline: { amount: 1, unit: 'workdays' },
    },
    feedback: {
      name: { zh: '待核查', en: 'Awaiting verification' },
      kind: 'open',
      deadline: { amount: 1, unit: 'workdays' },
    },
    verified: {
      name: { zh: '待办结', en: 'Verified' },
      kind: 'open',
      deadline: { amount: 1, unit: 'workdays' },
    },
    returned: {
      name: { zh: '已退回', en: 'Returned' },
      kind: 'open',
      deadline: { amount: 2, unit: 'hours' },
    },
    closed: { name: { zh: '已办结', en: 'Closed' }, kind: 'closed' },
    cancelled: { name: { zh: '已撤销', en: 'Cancelled' }, kind: 'closed' },
  },
  transitions: [
    {
      action: 'sign',
      name: { zh: '签收', en: 'Sign for' },
      from: ['issued'],
      to: 'signed',
      roles: HANDLER_ROLES,
      party: ['assignee'],
    },
    {
      action: 'arrive',
      name: { zh: '到场', en: 'Arrive' },
      from: ['signed'],
      to: 'on_site',
      roles: HANDLER_ROLES,
      party: ['assignee'],
    },
    {
      action: 'handle',
      name: { zh: '处置', en: 'Record handling' },
      from: ['on_site'],
      roles: HANDLER_ROLES,
      party: ['assignee'],
      requires: ['note'],
    },
    {
      action: 'feedback',
      name: { zh: '反馈', en: 'Report back' },
      from: ['on_site'],
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
      to: 'on_site',
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
      action: 'return',
      name: { zh: '退回', en: 'Return' },
      from: ['issued', 'signed'],
      to: 'returned',
      roles: HANDLER_ROLES,
      party: ['assignee'],
      requires: ['reason'],
      effect: 'unassign',
    },
    {
      action: 'reissue',
      name: { zh: '重新下达', en: 'Issue again' },
      from: ['returned'],
      to: 'issued',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['assignee'],
      effect: 'assign',
    },
    {
      action: 'cancel',
      name: { zh: '撤销', en: 'Cancel' },
      from: ['issued', 'signed', 'on_site', 'returned'],
      to: 'cancelled',
      roles: CENTRE_ROLES,
      party: ['scope'],
      requires: ['reason'],
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
  ],
};

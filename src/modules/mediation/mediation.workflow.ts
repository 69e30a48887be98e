import { CENTRE_ROLES } from '../../core/workflow/generic-loop.ts';
import type { WorkflowDef } from '../../core/workflow/workflow.ts';

/**
 * 一站式调解: 受理 (opened when a dispute is sent to mediation) → 指派 (a mediator with the grid worker and the
 * village cadre) → 调解中 (sessions) → 达成协议 or 调解不成. An agreement may go to 司法确认 through a shared
 * court within 30 days; then 回访 (performance follow-up) and 结案. A case that cannot be settled is passed up
 * (上交) from the village to the town and from the town to the county, where it is assigned again.
 *
 * Every step carries data of its own (the team, the agreement, the court…), so each is taken only through the
 * module's commands (src/modules/mediation/mediation.service.ts), which check who may: `party` is empty here,
 * which keeps the kernel's generic transition endpoint from taking a step without its data.
 */
const MEDIATORS = [...CENTRE_ROLES, 'mediator' as const];

export const mediationWorkflow: WorkflowDef = {
  code: 'mediation',
  name: { zh: '一站式调解', en: 'One-stop mediation' },
  initial: 'accepted',
  states: {
    accepted: {
      name: { zh: '已受理（待指派）', en: 'Accepted' },
      kind: 'open',
      deadline: { amount: 2, unit: 'workdays' },
    },
    // 调解期限: one month by default (人民调解 practice); configurable like every state deadline.
    mediating: {
      name: { zh: '调解中', en: 'Mediating' },
      kind: 'open',
      deadline: { amount: 30, unit: 'days' },
    },
    agreed: {
      name: { zh: '已达成协议', en: 'Agreement reached' },
      kind: 'open',
      deadline: { amount: 30, unit: 'days' },
    },
    confirming: {
      name: { zh: '司法确认申请中', en: 'Judicial confirmation applied for' },
      kind: 'open',
      deadline: { amount: 30, unit: 'days' },
    },
    failed: {
      name: { zh: '调解不成', en: 'Not settled' },
      kind: 'open',
      deadline: { amount: 3, unit: 'workdays' },
    },
    followed_up: {
      name: { zh: '已回访', en: 'Followed up' },
      kind: 'open',
      deadline: { amount: 3, unit: 'workdays' },
    },
    closed: { name: { zh: '已结案（调解成功）', en: 'Closed, settled' }, kind: 'closed' },
    closed_failed: { name: { zh: '已结案（调解不成）', en: 'Closed, not settled' }, kind: 'closed' },
  },
  transitions: [
    {
      action: 'assign',
      name: { zh: '指派调解员', en: 'Assign a mediator' },
      from: ['accepted'],
      to: 'mediating',
      roles: CENTRE_ROLES,
      party: [],
    },
    {
      action: 'session',
      name: { zh: '记录调解', en: 'Record a session' },
      from: ['mediating'],
      roles: MEDIATORS,
      party: [],
    },
    {
      action: 'agree',
      name: { zh: '达成协议', en: 'Record the agreement' },
      from: ['mediating'],
      to: 'agreed',
      roles: MEDIATORS,
      party: [],
    },
    {
      action: 'fail',
      name: { zh: '调解不成', en: 'Not settled' },
      from: ['mediating'],
      to: 'failed',
      roles: MEDIATORS,
      party: [],
    },
    {
      action: 'escalate',
      name: { zh: '上交上级调解', en: 'Pass up a level' },
      from: ['failed'],
      to: 'accepted',
      roles: CENTRE_ROLES,
      party: [],
    },
    {
      action: 'close_failed',
      name: { zh: '结案（调解不成）', en: 'Close, not settled' },
      from: ['failed'],
      to: 'closed_failed',
      roles: CENTRE_ROLES,
      party: [],
    },
    {
      action: 'apply_confirmation',
      name: { zh: '申请司法确认', en: 'Apply for judicial confirmation' },
      from: ['agreed'],
      to: 'confirming',
      roles: MEDIATORS,
      party: [],
    },
    {
      action: 'follow_up',
      name: { zh: '履行回访', en: 'Performance follow-up' },
      from: ['agreed', 'confirming'],
      to: 'followed_up',
      roles: MEDIATORS,
      party: [],
    },
    {
      action: 'close',
      name: { zh: '结案', en: 'Close' },
      from: ['followed_up'],
      to: 'closed',
      roles: CENTRE_ROLES,
      party: [],
    },
  ],
};

export const MEDIATION_TYPE = 'mediation';
/** Days after the agreement within which the parties may apply for 司法确认 (人民调解法 art. 33). */
export const CONFIRMATION_WINDOW_DAYS = 30;
/** States of a case whose agreement was reached (化解). */
export const SETTLED_STATES = ['agreed', 'confirming', 'followed_up', 'closed'];
export type Level = 'village' | 'town' | 'county';
export const LEVELS: Level[] = ['village', 'town', 'county'];
export const LEVEL_NAMES: Record<Level, { zh: string; en: string }> = {
  village: { zh: '村（社区）', en: 'Village' },
  town: { zh: '镇（街道）', en: 'Town' },
  county: { zh: '县（市、区）', en: 'County' },
};
/** The area level (src/core/areas) of each mediation level. */
export const LEVEL_AREA: Record<Level, number> = { village: 4, town: 3, county: 2 };

/**
 * Names for the codes the matters API sends that it does not name itself (state, category, type and
 * action names come from /api/matter-types and the workflow). Chinese first, English second.
 */
type Name = { zh: string; en: string };

export const URGENCY_NAMES: Record<'extra_urgent' | 'urgent' | 'normal', Name> = {
  extra_urgent: { zh: '特急', en: 'Extra urgent' },
  urgent: { zh: '紧急', en: 'Urgent' },
  normal: { zh: '一般', en: 'Normal' },
};

export const DEADLINE_STATE_NAMES: Record<'normal' | 'warning' | 'overdue', Name> = {
  normal: { zh: '正常', en: 'On time' },
  warning: { zh: '临期', en: 'Due soon' },
  overdue: { zh: '超期', en: 'Overdue' },
};

export const ROLE_NAMES: Record<string, Name> = {
  city_admin: { zh: '市级管理员', en: 'City admin' },
  commander: { zh: '指挥中心', en: 'Command centre' },
  county_center: { zh: '县级综治中心', en: 'County centre' },
  town_center: { zh: '镇街综治中心', en: 'Town centre' },
  grid_worker: { zh: '网格员', en: 'Grid worker' },
  mediator: { zh: '调解员', en: 'Mediator' },
  dept_clerk: { zh: '部门办事员', en: 'Department clerk' },
  enterprise_user: { zh: '企业用户', en: 'Enterprise' },
  auditor: { zh: '审计员', en: 'Auditor' },
};

/** Who, relative to the matter, may take a transition (workflow `party`). */
export const PARTY_NAMES: Record<string, Name> = {
  scope: { zh: '辖区', en: 'in scope' },
  assignee: { zh: '承办单位', en: 'assigned unit' },
  superior: { zh: '上级', en: 'superior' },
};

/** The fields a transition may require (workflow `requires`). */
export const FIELD_NAMES: Record<string, Name> = {
  note: { zh: '说明', en: 'Note' },
  reason: { zh: '理由', en: 'Reason' },
  result: { zh: '处置结果', en: 'Result' },
  assignee: { zh: '承办单位', en: 'Assigned unit' },
  extensionDays: { zh: '延期天数', en: 'Extension days' },
};

/** Timeline entries that are not workflow transitions. */
export const TIMELINE_ACTION_NAMES: Record<string, Name> = {
  create: { zh: '上报', en: 'Reported' },
  attach: { zh: '添加附件', en: 'Attachments added' },
  source_merged: { zh: '并入其他来源的上报', en: 'Another source’s report merged' },
  issue: { zh: '下达指令', en: 'Task issued' },
  command_task: { zh: '下达指令', en: 'Task dispatched' },
};

export const SUBJECT_TYPE_NAMES: Record<string, Name> = {
  person: { zh: '人员', en: 'Person' },
  house: { zh: '房屋', en: 'House' },
  enterprise: { zh: '企业', en: 'Enterprise' },
  thing: { zh: '物件', en: 'Thing' },
};

/** How a matter came in (`sourceChannel`); an unknown channel is shown as its code. */
export const SOURCE_CHANNEL_NAMES: Record<string, Name> = {
  web: { zh: '网页', en: 'Web' },
  app: { zh: '手机上报', en: 'Mobile app' },
  grid: { zh: '网格巡查', en: 'Grid patrol' },
  hotline: { zh: '12345热线', en: '12345 hotline' },
  petition: { zh: '信访', en: 'Petition' },
  police: { zh: '110联动', en: '110 referral' },
  system: { zh: '系统', en: 'System' },
};

export const AREA_LEVEL_NAMES: Record<number, Name> = {
  1: { zh: '市', en: 'City' },
  2: { zh: '县区', en: 'County' },
  3: { zh: '镇街', en: 'Town' },
  4: { zh: '村社', en: 'Village' },
  5: { zh: '网格', en: 'Grid' },
};

/**
 * Names for the codes the dispute API sends without naming them (categories, risk levels and party roles
 * come named from GET /api/disputes/meta; states from the workflow). Chinese first, English second.
 */
type Name = { zh: string; en: string };

/** How a record reached us (dispute_records.channel). */
export const CHANNEL_NAMES: Record<string, Name> = {
  file: { zh: '文件导入', en: 'File import' },
  push: { zh: '系统推送', en: 'System push' },
  open311: { zh: '群众上报', en: 'Citizen report' },
  web: { zh: '网页登记', en: 'Web form' },
};

/** How a record's category was decided (payload.classification.method). */
export const CLASSIFICATION_NAMES: Record<string, Name> = {
  code_table: { zh: '按部门代码表映射', en: 'From the department’s code table' },
  classifier: { zh: '文本分类器判定', en: 'Decided by the text classifier' },
  manual: { zh: '人工指定', en: 'Set by a person' },
};

/** Where a record's area came from (data.areaFrom). */
export const AREA_FROM_NAMES: Record<string, Name> = {
  code: { zh: '区划代码', en: 'area code' },
  address: { zh: '地址匹配', en: 'address' },
  point: { zh: '经纬度', en: 'coordinates' },
};

export const OUTCOMES = ['open', 'settled', 'resolved'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const OUTCOME_NAMES: Record<Outcome, Name> = {
  open: { zh: '化解中或未处理', en: 'Not settled yet' },
  settled: { zh: '已有结果（化解或未化解）', en: 'Settled (either way)' },
  resolved: { zh: '已化解', en: 'Resolved' },
};

export const JOB_STATUS_NAMES: Record<'queued' | 'running' | 'done' | 'failed', Name> = {
  queued: { zh: '排队中', en: 'Queued' },
  running: { zh: '导入中', en: 'Running' },
  done: { zh: '已完成', en: 'Done' },
  failed: { zh: '失败', en: 'Failed' },
};

export const FORMAT_NAMES: Record<string, Name> = {
  csv: { zh: 'CSV 文本', en: 'CSV' },
  xlsx: { zh: 'Excel（XLSX）', en: 'Excel (XLSX)' },
  jsonl: { zh: 'JSON Lines', en: 'JSON Lines' },
};

export const ENCODING_NAMES: Record<string, Name> = {
  utf8: { zh: 'UTF-8', en: 'UTF-8' },
  gbk: { zh: 'GBK（国标）', en: 'GBK' },
  gb18030: { zh: 'GB18030（国标）', en: 'GB18030' },
  utf16le: { zh: 'UTF-16', en: 'UTF-16' },
  utf16be: { zh: 'UTF-16', en: 'UTF-16' },
};

/** Our fields as a mapping profile names them (profile.columns keys). */
export const FIELD_NAMES: Record<string, Name> = {
  recordKey: { zh: '记录编号', en: 'Record number' },
  reportedAt: { zh: '上报时间', en: 'Reported at' },
  description: { zh: '纠纷内容', en: 'Description' },
  title: { zh: '标题', en: 'Title' },
  category: { zh: '类别', en: 'Category' },
  areaCode: { zh: '区划代码', en: 'Area code' },
  address: { zh: '地址', en: 'Address' },
  lng: { zh: '经度', en: 'Longitude' },
  lat: { zh: '纬度', en: 'Latitude' },
  amount: { zh: '争议金额', en: 'Amount' },
  peopleInvolved: { zh: '涉及人数', en: 'People involved' },
};

/** The columns every file must have (src/modules/dispute/intake/map.ts REQUIRED_FIELDS). */
export const REQUIRED_FIELDS = ['recordKey', 'reportedAt', 'description'] as const;

export const KIND_NAMES: Record<string, Name> = {
  person: { zh: '个人', en: 'Person' },
  enterprise: { zh: '单位', en: 'Organisation' },
};

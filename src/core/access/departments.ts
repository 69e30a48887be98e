import type { DbOrTx } from '../db/database.ts';

/**
 * The departments that send records to the centre (the 21 of the dispute library) plus the centres
 * themselves. Reference data: later modules add their own mapping profiles keyed by these codes.
 */
export const DEPARTMENTS: { code: string; name: string; nameEn: string }[] = [
  { code: 'zongzhi', name: '综治中心', nameEn: 'Comprehensive governance centre' },
  { code: 'police', name: '公安局', nameEn: 'Public security bureau' },
  { code: 'court', name: '法院', nameEn: 'People’s court' },
  { code: 'procuratorate', name: '检察院', nameEn: 'Procuratorate' },
  { code: 'justice', name: '司法局', nameEn: 'Justice bureau' },
  { code: 'petition', name: '信访局', nameEn: 'Petitions bureau' },
  { code: 'hrss', name: '人社局', nameEn: 'Human resources and social security bureau' },
  { code: 'housing', name: '住建局', nameEn: 'Housing and construction bureau' },
  { code: 'market', name: '市场监管局', nameEn: 'Market regulation bureau' },
  { code: 'health', name: '卫健委', nameEn: 'Health commission' },
  { code: 'civil_affairs', name: '民政局', nameEn: 'Civil affairs bureau' },
  { code: 'natural_resources', name: '自然资源局', nameEn: 'Natural resources bureau' },
  { code: 'traffic_police', name: '交警支队', nameEn: 'Traffic police' },
  { code: 'emergency', name: '应急管理局', nameEn: 'Emergency management bureau' },
  { code: 'ecology', name: '生态环境局', nameEn: 'Ecology and environment bureau' },
  { code: 'education', name: '教育局', nameEn: 'Education bureau' },
  { code: 'agriculture', name: '农业农村局', nameEn: 'Agriculture and rural affairs bureau' },
  { code: 'hotline_12345', name: '12345热线', nameEn: '12345 hotline' },
  { code: 'women_federation', name: '妇联', nameEn: 'Women’s federation' },
  { code: 'trade_union', name: '总工会', nameEn: 'Federation of trade unions' },
  { code: 'fire', name: '消防救援支队', nameEn: 'Fire and rescue' },
  { code: 'ocean_fishery', name: '海洋与渔业局', nameEn: 'Ocean and fishery bureau' },
];

export async function seedDepartments(tx: DbOrTx): Promise<void> {
  await tx
    .insertInto('departments')
    .values(DEPARTMENTS.map((d) => ({ code: d.code, name: d.name, name_en: d.nameEn })))
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
}

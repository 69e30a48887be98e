/** Display names of the subjects' codes (the API sends codes; the console says them in Chinese first). */
type Label = { zh: string; en: string };

export const HOUSE_KINDS: Record<string, Label> = {
  residence: { zh: '住宅', en: 'Residence' },
  rental: { zh: '出租房', en: 'Rental' },
  shop: { zh: '商铺', en: 'Shop' },
  factory: { zh: '厂房', en: 'Factory' },
  office: { zh: '办公', en: 'Office' },
  other: { zh: '其他', en: 'Other' },
};

/** The kinds the seed and the API description name; an unknown kind is shown as its code. */
export const THING_KINDS: Record<string, Label> = {
  camera: { zh: '摄像头', en: 'Camera' },
  hydrant: { zh: '消火栓', en: 'Hydrant' },
  vessel: { zh: '船舶', en: 'Vessel' },
  vehicle: { zh: '车辆', en: 'Vehicle' },
  seized_item: { zh: '涉案物品', en: 'Seized item' },
  facility: { zh: '设施', en: 'Facility' },
};

export const GENDERS: Record<string, Label> = {
  M: { zh: '男', en: 'Male' },
  F: { zh: '女', en: 'Female' },
};

/** Common 人员标签 offered as suggestions; the filter accepts any tag. */
export const PERSON_TAGS = ['独居老人', '残疾人', '低保户', '退役军人', '流动人口'];

/** Suggested reasons for revealing an identifier: one click, but the user still chooses and may edit. */
export const REVEAL_REASONS: Label[] = [
  { zh: '核实当事人身份', en: 'Verifying the party’s identity' },
  { zh: '矛盾调解联系当事人', en: 'Contacting a party for mediation' },
  { zh: '走访核查', en: 'Home visit check' },
];

export function labelOf(
  map: Record<string, Label>,
  code: string | null | undefined,
  lang: 'zh' | 'en',
): string {
  if (!code) return '—';
  const l = map[code];
  return l ? l[lang] : code;
}

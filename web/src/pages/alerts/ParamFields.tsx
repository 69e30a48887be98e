import { Card, Flex, Form, type FormRule, Input, InputNumber, Select, Switch, Typography } from 'antd';
import type { ReactNode } from 'react';
import { type Lang, useI18n } from '../../i18n';
import { useDisputeMeta, useDisputeSources } from '../disputes/components/lookups';
import { useMatterTypes } from '../matters/components/lookups';

/**
 * A model's parameters form, generated from the JSON Schema the server derives from the model's zod schema
 * (GET /api/alert-models/{code} `paramsSchema`): integers and numbers as InputNumber with their bounds,
 * booleans as a Switch, lists of words or codes as a tag select, lists of fixed values as a multiple select,
 * nested objects (e.g. 重点人员's weights per tag) as a group. Anything else is edited as JSON. The bounds
 * are checked here as the server checks them; the server has the last word (its complaints are put on the
 * same fields, see ModelPage).
 */

type Name = { zh: string; en: string };

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  title?: string;
  description?: string;
}

/** Names of the twelve models' parameters (src/modules/alert/models/*.ts); another shows its key. */
export const PARAM_NAMES: Record<string, Name> = {
  threatWords: { zh: '威胁暴力词', en: 'Threat words' },
  threatWeight: { zh: '威胁词权重', en: 'Threat words: weight' },
  lookbackDays: { zh: '回溯天数', en: 'Look-back (days)' },
  policeSources: { zh: '警情来源', en: 'Police sources' },
  policeWeight: { zh: '每条警情权重', en: 'Weight per police record' },
  policeMaxWeight: { zh: '警情权重上限', en: 'Police records: weight cap' },
  repeatWeight: { zh: '每次重复权重', en: 'Weight per repeat' },
  repeatMaxWeight: { zh: '重复权重上限', en: 'Repeats: weight cap' },
  repeatMin: { zh: '最少纠纷件数', en: 'Disputes at least' },
  categories: { zh: '纠纷类别', en: 'Categories' },
  excludeCategories: { zh: '排除的纠纷类别', en: 'Categories left out' },
  debtCategories: { zh: '债务类别', en: 'Debt categories' },
  debtWords: { zh: '债务词', en: 'Debt words' },
  categoryWeight: { zh: '类别权重', en: 'Category: weight' },
  openDays: { zh: '未化解天数', en: 'Unresolved for (days)' },
  openWeight: { zh: '久未化解权重', en: 'Unresolved: weight' },
  maxParties: { zh: '当事人数上限', en: 'Parties at most' },
  windowDays: { zh: '时间窗口（天）', en: 'Window (days)' },
  peopleThreshold: { zh: '涉及人数阈值', en: 'People at least' },
  peopleWeight: { zh: '涉及人数权重', en: 'People: weight' },
  largePeople: { zh: '大规模人数', en: 'A large crowd from' },
  largePeopleWeight: { zh: '大规模人数权重', en: 'Large crowd: weight' },
  minReports: { zh: '最少上报件数', en: 'Reports at least' },
  reportsWeight: { zh: '上报件数权重', en: 'Reports: weight' },
  perExtraReportWeight: { zh: '每多一件上报权重', en: 'Weight per further report' },
  maxReportsWeight: { zh: '上报权重上限', en: 'Reports: weight cap' },
  massWords: { zh: '群体性词', en: 'Crowd words' },
  wordsWeight: { zh: '词语权重', en: 'Words: weight' },
  minVisits: { zh: '最少就诊/投诉次数', en: 'Visits at least' },
  visitWeight: { zh: '反复就诊权重', en: 'Visits: weight' },
  violenceTags: { zh: '暴力史标签', en: 'Tags of earlier violence' },
  violenceTagWeight: { zh: '暴力史权重', en: 'Earlier violence: weight' },
  minCount: { zh: '最少纠纷件数', en: 'Disputes at least' },
  baseWeight: { zh: '基础权重', en: 'Base weight' },
  perExtraWeight: { zh: '每多一件权重', en: 'Weight per further dispute' },
  maxRepeatWeight: { zh: '重复权重上限', en: 'Repeats: weight cap' },
  minSources: { zh: '最少上报部门数', en: 'Sources at least' },
  sourcesWeight: { zh: '多部门上报权重', en: 'Several sources: weight' },
  tagWeights: { zh: '重点人员标签权重', en: 'Weight per watch-list tag' },
  levels: { zh: '预警等级阈值（评分）', en: 'Level thresholds (score)' },
  red: { zh: '红色预警 ≥', en: 'Red from' },
  orange: { zh: '橙色预警 ≥', en: 'Orange from' },
  yellow: { zh: '黄色预警 ≥', en: 'Yellow from' },
  amountThreshold: { zh: '涉及金额阈值（元）', en: 'Amount from (CNY)' },
  amountWeight: { zh: '金额权重', en: 'Amount: weight' },
  baselineWeeks: { zh: '基线周数', en: 'Baseline (weeks)' },
  claimantsWeight: { zh: '诉求人数权重', en: 'Claimants: weight' },
  minClaimants: { zh: '最少诉求人数', en: 'Claimants at least' },
  perExtraClaimantWeight: { zh: '每多一人权重', en: 'Weight per further claimant' },
  maxClaimantsWeight: { zh: '诉求人数权重上限', en: 'Claimants: weight cap' },
  despairWords: { zh: '绝望轻生词', en: 'Despair words' },
  despairWeight: { zh: '绝望词权重', en: 'Despair words: weight' },
  severeWords: { zh: '严重自伤词', en: 'Self-harm words' },
  severeWeight: { zh: '严重自伤词权重', en: 'Self-harm words: weight' },
  escalationWords: { zh: '越级进京词', en: 'Escalation words' },
  escalationWeight: { zh: '越级进京词权重', en: 'Escalation words: weight' },
  violenceWords: { zh: '暴力词', en: 'Violence words' },
  violenceWeight: { zh: '暴力词权重', en: 'Violence words: weight' },
  words: { zh: '关键词', en: 'Words' },
  extraUrgentWeight: { zh: '特急权重', en: 'Extra urgent: weight' },
  urgentWeight: { zh: '紧急权重', en: 'Urgent: weight' },
  federationSources: { zh: '妇联来源', en: 'Women’s federation sources' },
  federationWeight: { zh: '妇联上报权重', en: 'Women’s federation: weight' },
  petitionSources: { zh: '信访来源', en: 'Petition sources' },
  minPetitions: { zh: '最少信访次数', en: 'Petitions at least' },
  petitionerTagWeight: { zh: '重点信访人员权重', en: 'Frequent petitioner: weight' },
  skipLevel: { zh: '越级层级（1 市，2 县区，3 镇街）', en: 'Skipping to level (1 city, 2 county, 3 town)' },
  skipWeight: { zh: '越级权重', en: 'Skipping levels: weight' },
  hazardTypes: { zh: '隐患事项类型', en: 'Hazard matter types' },
  matterTypes: { zh: '事项类型', en: 'Matter types' },
  minOverdueDays: { zh: '最少超期天数', en: 'Overdue by at least (days)' },
  overdueWeight: { zh: '超期权重', en: 'Overdue: weight' },
  perWeekOverdueWeight: { zh: '每超期一周权重', en: 'Weight per week overdue' },
  maxOverdueWeight: { zh: '超期权重上限', en: 'Overdue: weight cap' },
  minReturns: { zh: '最少退回次数', en: 'Returns at least' },
  returnActions: { zh: '退回类操作', en: 'Actions that return' },
  returnWeight: { zh: '退回权重', en: 'Returns: weight' },
  maxReturnWeight: { zh: '退回权重上限', en: 'Returns: weight cap' },
  reopenActions: { zh: '重新办理类操作', en: 'Actions that reopen' },
  reopenWeight: { zh: '重新办理权重', en: 'Reopened: weight' },
  maxReopenWeight: { zh: '重新办理权重上限', en: 'Reopened: weight cap' },
  superviseActions: { zh: '督办类操作', en: 'Supervision actions' },
  superviseWeight: { zh: '督办权重', en: 'Supervised: weight' },
  maxSignals: { zh: '单次最多信号数', en: 'Signals per run at most' },
  pointsPerDecade: { zh: '每个数量级得分', en: 'Points per order of magnitude' },
  referral: { zh: '转介建议', en: 'Referral advice' },
  tags: { zh: '重点人员标签', en: 'Watch-list tags' },
  tagWeight: { zh: '标签权重', en: 'Tags: weight' },
  units: { zh: '统计单元', en: 'Counted by' },
};

/** 重点人员 tags (person_tags.tag): as values of a list or keys of a group. */
export const TAG_NAMES: Record<string, Name> = {
  mental_disorder: { zh: '严重精神障碍', en: 'Severe mental disorder' },
  community_correction: { zh: '社区矫正', en: 'Community correction' },
  released_prisoner: { zh: '刑释人员', en: 'Released prisoner' },
  drug_user: { zh: '吸毒人员', en: 'Drug user' },
  petitioner: { zh: '重点信访人员', en: 'Frequent petitioner' },
  violence_history: { zh: '有暴力史', en: 'History of violence' },
  other: { zh: '其他重点人员', en: 'Other' },
};

/** Other fixed values of the lists. */
const VALUE_NAMES: Record<string, Name> = {
  area: { zh: '村社', en: 'Village / community' },
  h3: { zh: 'H3 网格单元', en: 'H3 cell' },
};

const typeOf = (s: JsonSchema): string | undefined =>
  Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;

function localizedText(text: string, lang: Lang): string {
  const [zh, en] = text.split(' / ');
  return (lang === 'en' ? (en ?? zh) : zh) ?? text;
}

export function paramLabel(key: string, schema: JsonSchema | undefined, lang: Lang): string {
  const n = PARAM_NAMES[key] ?? TAG_NAMES[key];
  if (n) return lang === 'zh' ? n.zh : n.en;
  const text = schema?.title ?? schema?.description;
  return text ? localizedText(text, lang) : key;
}

/** Bounds of a number: inclusive, as the user reads them. */
function bounds(s: JsonSchema): { min?: number; max?: number } {
  const int = typeOf(s) === 'integer';
  const step = int ? 1 : 0;
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + step : undefined);
  const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - step : undefined);
  // zod writes ±MAX_SAFE_INTEGER for int() without bounds: no bound worth showing.
  const real = (v: number | undefined) =>
    v !== undefined && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined;
  const out: { min?: number; max?: number } = {};
  const lo = real(min);
  const hi = real(max);
  if (lo !== undefined) out.min = lo;
  if (hi !== undefined) out.max = hi;
  return out;
}

function rulesFor(s: JsonSchema, t: (zh: string, en: string) => string): FormRule[] {
  const type = typeOf(s);
  if (type === 'integer' || type === 'number') {
    const { min, max } = bounds(s);
    return [
      { required: true, message: t('请填写', 'Required') },
      {
        validator: async (_r, v: unknown) => {
          if (v === null || v === undefined) return;
          if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(t('须为数字', 'A number'));
          if (type === 'integer' && !Number.isInteger(v)) throw new Error(t('须为整数', 'A whole number'));
          if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
            throw new Error(
              min !== undefined && max !== undefined
                ? t(`取值范围 ${min}–${max}`, `Between ${min} and ${max}`)
                : min !== undefined
                  ? t(`不能小于 ${min}`, `At least ${min}`)
                  : t(`不能大于 ${max}`, `At most ${max}`),
            );
          }
        },
      },
    ];
  }
  if (type === 'array') {
    const item = s.items ?? {};
    return [
      {
        validator: async (_r, v: unknown) => {
          const list = Array.isArray(v) ? v : [];
          if (s.maxItems !== undefined && list.length > s.maxItems)
            throw new Error(t(`最多 ${s.maxItems} 项`, `At most ${s.maxItems} items`));
          if (s.minItems !== undefined && list.length < s.minItems)
            throw new Error(t(`至少 ${s.minItems} 项`, `At least ${s.minItems} items`));
          for (const x of list) {
            const str = String(x);
            if (item.maxLength !== undefined && str.length > item.maxLength)
              throw new Error(
                t(`“${str}”超过 ${item.maxLength} 个字`, `“${str}” is longer than ${item.maxLength}`),
              );
            if (item.minLength !== undefined && str.trim().length < item.minLength)
              throw new Error(t('不能有空项', 'No empty item'));
            if (item.pattern && !new RegExp(item.pattern).test(str))
              throw new Error(t(`“${str}”格式不对`, `“${str}” is not of the expected form`));
          }
        },
      },
    ];
  }
  if (type === 'string') {
    return [
      {
        validator: async (_r, v: unknown) => {
          const str = typeof v === 'string' ? v : '';
          if (s.maxLength !== undefined && str.length > s.maxLength)
            throw new Error(t(`最多 ${s.maxLength} 个字`, `At most ${s.maxLength} characters`));
          if (s.minLength !== undefined && str.length < s.minLength) throw new Error(t('请填写', 'Required'));
        },
      },
    ];
  }
  return [];
}

/** Whether a schema can be edited with a control of its own (otherwise: JSON). */
function editable(s: JsonSchema): boolean {
  const type = typeOf(s);
  if (type === 'integer' || type === 'number' || type === 'boolean' || type === 'string') return true;
  if (type === 'array') {
    const it = typeOf(s.items ?? {});
    return it === 'string' || it === 'integer' || it === 'number';
  }
  if (type === 'object') return !!s.properties;
  return false;
}

/** The fields of an object schema under `path` (['params'] at the top). */
export function ParamFields({
  schema,
  path,
  disabled,
}: {
  schema: JsonSchema;
  path: (string | number)[];
  disabled?: boolean;
}) {
  const { lang } = useI18n();
  const props = Object.entries(schema.properties ?? {});
  return (
    <Flex wrap gap="0 16px" data-testid={path.length === 1 ? 'param-fields' : undefined}>
      {props.map(([key, s]) => (
        <ParamField key={key} name={[...path, key]} k={key} schema={s} lang={lang} disabled={!!disabled} />
      ))}
    </Flex>
  );
}

function ParamField({
  name,
  k,
  schema: s,
  lang,
  disabled,
}: {
  name: (string | number)[];
  k: string;
  schema: JsonSchema;
  lang: Lang;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const meta = useDisputeMeta();
  const isSources = /sources$/i.test(k);
  const isTypes = /types$/i.test(k);
  const sources = useDisputeSources(isSources);
  const matterTypes = useMatterTypes();
  const type = typeOf(s);
  const valueName = (v: string): string => {
    const tag = TAG_NAMES[v] ?? VALUE_NAMES[v];
    if (tag) return lang === 'zh' ? tag.zh : tag.en;
    if (isTypes) {
      const type = matterTypes.type(v);
      if (type) return lang === 'zh' ? type.name.zh : type.name.en;
    }
    const cat = meta.categoryName(v);
    if (cat) return lang === 'zh' ? cat.zh : cat.en;
    if (isSources) {
      const src = sources.byCode.get(v);
      if (src) return lang === 'zh' ? src.name.zh : src.name.en;
    }
    return v;
  };
  const label: ReactNode = (
    <span>
      {paramLabel(k, s, lang)}{' '}
      <Typography.Text type="secondary" style={{ fontSize: 11, fontFamily: 'ui-monospace, monospace' }}>
        {k}
      </Typography.Text>
    </span>
  );
  const testId = `param-${name.slice(1).join('.')}`;
  const id = `param_${name.slice(1).join('_')}`;

  if (!editable(s)) {
    return (
      <Form.Item
        name={name}
        label={label}
        style={{ width: '100%' }}
        getValueProps={(v: unknown) => ({ value: JSON.stringify(v, null, 2) })}
        getValueFromEvent={(e: { target: { value: string } }) => {
          try {
            return JSON.parse(e.target.value) as unknown;
          } catch {
            return e.target.value;
          }
        }}
        extra={t('以 JSON 填写', 'As JSON')}
      >
        <Input.TextArea
          id={id}
          autoSize={{ minRows: 2, maxRows: 10 }}
          disabled={disabled}
          data-testid={testId}
        />
      </Form.Item>
    );
  }

  if (type === 'object') {
    return (
      <Card size="small" type="inner" title={label} style={{ width: '100%', marginBottom: 16 }}>
        <ParamFields schema={s} path={name} disabled={disabled} />
      </Card>
    );
  }

  if (type === 'boolean') {
    return (
      <Form.Item name={name} label={label} valuePropName="checked" style={{ minWidth: 200 }}>
        <Switch id={id} disabled={disabled} data-testid={testId} />
      </Form.Item>
    );
  }

  if (type === 'integer' || type === 'number') {
    const { min, max } = bounds(s);
    const range =
      min !== undefined && max !== undefined
        ? `${min} – ${max}`
        : min !== undefined
          ? `≥ ${min}`
          : max !== undefined
            ? `≤ ${max}`
            : undefined;
    return (
      <Form.Item
        name={name}
        label={label}
        rules={rulesFor(s, t)}
        extra={range ? t(`范围 ${range}`, `Range ${range}`) : undefined}
        style={{ width: 220 }}
      >
        {/* No min/max on the control itself: it would silently clamp what was typed; the rule says why. */}
        <InputNumber
          id={id}
          precision={type === 'integer' ? 0 : undefined}
          style={{ width: '100%' }}
          disabled={disabled}
          data-testid={testId}
        />
      </Form.Item>
    );
  }

  if (type === 'string') {
    if (s.enum) {
      return (
        <Form.Item name={name} label={label} style={{ width: 220 }}>
          <Select
            id={id}
            disabled={disabled}
            options={s.enum.map((v) => ({ value: String(v), label: valueName(String(v)) }))}
            data-testid={testId}
          />
        </Form.Item>
      );
    }
    return (
      <Form.Item name={name} label={label} rules={rulesFor(s, t)} style={{ width: 320 }}>
        <Input id={id} disabled={disabled} data-testid={testId} />
      </Form.Item>
    );
  }

  // Lists.
  const item = s.items ?? {};
  const numeric = typeOf(item) === 'integer' || typeOf(item) === 'number';
  const fixed = item.enum?.map(String);
  const options = fixed
    ? fixed.map((v) => ({ value: v, label: valueName(v) }))
    : isSources
      ? sources.items.map((x) => ({ value: x.code, label: lang === 'zh' ? x.name.zh : x.name.en }))
      : isTypes
        ? matterTypes.types.map((x) => ({ value: x.code, label: lang === 'zh' ? x.name.zh : x.name.en }))
        : undefined;
  const count = s.maxItems !== undefined ? t(`最多 ${s.maxItems} 项`, `at most ${s.maxItems}`) : '';
  const itemLen =
    item.maxLength !== undefined
      ? t(`，每项不超过 ${item.maxLength} 字`, `, each ≤ ${item.maxLength} characters`)
      : '';
  return (
    <Form.Item
      name={name}
      label={label}
      rules={rulesFor(s, t)}
      extra={
        fixed
          ? count
          : t(
              `输入后回车添加${count ? `；${count}` : ''}${itemLen}`,
              `Type and press Enter${count ? `; ${count}` : ''}${itemLen}`,
            )
      }
      style={{ width: '100%' }}
      {...(numeric
        ? {
            getValueFromEvent: (v: string[]) => v.map((x) => (Number.isNaN(Number(x)) ? x : Number(x))),
            getValueProps: (v: unknown) => ({ value: Array.isArray(v) ? v.map(String) : v }),
          }
        : {})}
    >
      <Select
        id={id}
        mode={fixed ? 'multiple' : 'tags'}
        allowClear
        disabled={disabled}
        tokenSeparators={fixed ? undefined : [',', '，', '、']}
        options={options}
        showSearch={{ optionFilterProp: 'label' }}
        placeholder={fixed ? t('选择', 'Choose') : t('输入后回车', 'Type and press Enter')}
        data-testid={testId}
      />
    </Form.Item>
  );
}

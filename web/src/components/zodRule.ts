import type { FormRule } from 'antd';
import type { ZodType } from 'zod';
import type { Lang } from '../i18n';

/** A "中文 / English" message (the API's and src/shared's format) in the user's language. */
export function localized(message: string, lang: Lang): string {
  const [zh, en] = message.split(' / ');
  return (lang === 'en' ? (en ?? zh) : zh) ?? message;
}

/**
 * An antd Form rule from a zod schema, so that a form checks exactly what the API checks (the schemas in
 * src/shared/). The first issue's message is shown. An empty input counts as "not given": optional fields
 * stay optional, and a required field says so through its own schema (e.g. `requiredText`).
 */
export function zodRule(schema: ZodType, lang: Lang): FormRule {
  return {
    validator: async (_rule, value: unknown) => {
      const v = value === '' || value === null ? undefined : value;
      const r = schema.safeParse(v);
      if (r.success) return;
      const issue = r.error.issues[0];
      const own = issue?.message.includes(' / ');
      // zod's own "expected string, received undefined" means nothing to a person filling in a form; our
      // schemas' messages are bilingual ("中文 / English") and are shown as they are.
      const message = own ? issue!.message : v === undefined ? REQUIRED : (issue?.message ?? 'invalid');
      throw new Error(localized(message, lang));
    },
  };
}

const REQUIRED = '此项必填 / This field is required';

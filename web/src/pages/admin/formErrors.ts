import type { FormInstance } from 'antd';
import { ApiError, errorText } from '../../api/client';

/**
 * Puts the server's per-field complaints (`details[].path` such as `body.password`) next to the fields
 * they concern; returns the message for the form as a whole when no field claimed it.
 */
export function applyServerErrors<T>(
  form: FormInstance<T>,
  e: unknown,
  lang: 'zh' | 'en',
  fields: readonly string[],
): string | null {
  if (e instanceof ApiError && e.details.length) {
    const byField = new Map<string, string[]>();
    for (const d of e.details) {
      const name = (d.path ?? '').replace(/^body\./, '').split('.')[0] ?? '';
      if (!fields.includes(name)) continue;
      const [zh, en] = d.message.split(' / ');
      byField.set(name, [...(byField.get(name) ?? []), (lang === 'en' ? (en ?? zh) : zh) ?? d.message]);
    }
    if (byField.size) {
      form.setFields([...byField].map(([name, errors]) => ({ name: name as never, errors })));
      return null;
    }
  }
  return errorText(e, lang);
}

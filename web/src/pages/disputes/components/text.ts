import type { Lang } from '../../../i18n';

/**
 * The half of a server message ("中文 / English") in the user's language. Some messages close a Chinese
 * bracket right before the slash (…方案）/ The header…), which the console's `localized` does not split.
 */
export function bilingual(message: string, lang: Lang): string {
  const at = message.search(/ \/ |[）)]\/ /);
  if (at < 0) return message;
  const cut = message[at] === ' ' ? at : at + 1;
  const zh = message.slice(0, cut).trim();
  const en = message.slice(message.indexOf('/ ', cut) + 2).trim();
  return lang === 'en' ? en || zh : zh;
}

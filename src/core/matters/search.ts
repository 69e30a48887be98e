import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/**
 * Chinese search. pg_trgm makes trigrams, so it cannot find a two-character term such as 漏水 inside a
 * longer text; instead each matter keeps the words jieba finds in it (search mode: long words and their
 * parts), and a query must contain all of its own words. Place names of 温州 are added to the dictionary
 * so that 鹿城区 or 五马街道 stay one word.
 */
let jieba: Jieba | undefined;

/** The shared segmenter, with Wenzhou place names in its dictionary (loading it costs ~0.3 s, so once). */
export function jiebaInstance(): Jieba {
  if (jieba) return jieba;
  const j = Jieba.withDict(dict);
  const areasFile = fileURLToPath(new URL('../../../data/areas/3303-areas.json', import.meta.url));
  if (fs.existsSync(areasFile)) {
    const names = (JSON.parse(fs.readFileSync(areasFile, 'utf8')) as { name: string; level: number }[])
      .filter((a) => a.level <= 4)
      .map((a) => `${a.name.replace(/(村委会|居委会|社区居委会)$/, '')} 1000 ns`);
    j.loadDict(Buffer.from(names.join('\n'), 'utf8'));
  }
  jieba = j;
  return j;
}

const WORD = /[\p{L}\p{N}]/u;
const MAX_TOKENS = 300;

function clean(words: string[]): string[] {
  const out = new Set<string>();
  for (const w of words) {
    const t = w.trim().toLowerCase();
    if (t && WORD.test(t) && t.length <= 30) out.add(t);
    if (out.size >= MAX_TOKENS) break;
  }
  return [...out];
}

/** The words stored with a matter: search mode, so both 漏水 and longer compounds are found. */
export function indexTokens(...texts: (string | null | undefined)[]): string[] {
  const text = texts.filter(Boolean).join(' ');
  return text ? clean(jiebaInstance().cutForSearch(text, true)) : [];
}

/** The words a query must all match. */
export function queryTokens(q: string): string[] {
  return clean(jiebaInstance().cut(q, true));
}

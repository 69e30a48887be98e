import { areasVersion, locate } from '../../../core/areas/areas.service.ts';
import type { DbOrTx } from '../../../core/db/database.ts';
import { jiebaInstance } from '../../../core/matters/search.ts';

/**
 * Intake step "normalise → area": a department record names its place by a statistical code, by address
 * text or by coordinates, and we need one area code. Codes and names are looked up in an index built once
 * per import job, so that neither a code nor an address touches the database: an import reads tens of
 * thousands of addresses a second (the test logs the rate). Only a point goes to `locate`.
 */

export interface IndexedArea {
  code: string;
  level: number;
  name: string;
  parent: IndexedArea | null;
}

/** One way of writing an area's name: its official name (鹿城区), or its stem (鹿城) with no suffix. */
interface NameHit {
  area: IndexedArea;
  official: boolean;
}

/**
 * Names by character, so that one walk from a position finds every name starting there. Characters are
 * numbered densely (`charIds`) so that a character found in no name (digits, punctuation, many street
 * words) stops the walk with one array read instead of a map lookup.
 */
interface TrieNode {
  next: Map<number, TrieNode>;
  hits: NameHit[] | null;
}

export interface AreaIndex {
  /** Every area, grids included (a 15-digit grid code is a valid code); code → level, name, parent. */
  readonly areas: ReadonlyMap<string, IndexedArea>;
  /** Names of levels 1–4, official and stem forms, each leading to the areas that bear it. */
  readonly names: TrieNode;
  /** UTF-16 code unit → its number in the trie, 0 for a character that is in no name. */
  readonly charIds: Uint16Array;
}

export type AreaResolution =
  | { ok: true; code: string; from: 'code' | 'address' | 'point'; matched?: string[] }
  | {
      ok: false;
      field: 'areaCode' | 'address' | 'point';
      code:
        | 'UNKNOWN_AREA_CODE'
        | 'ADDRESS_NOT_MATCHED'
        | 'ADDRESS_AMBIGUOUS'
        | 'POINT_OUTSIDE'
        | 'AREA_MISSING';
      reason: string;
    };

type Failure = Extract<AreaResolution, { ok: false }>;

/**
 * Suffixes people write after a stem, longest first. They are wider than the official ones (a 社区 is
 * often written 长虹村 or 长虹村委会, a county 乐清县 by its old name) because the stem already decides
 * which area is meant; the suffix only has to be consumed so that it is not read as the next name.
 */
const SUFFIXES: Record<number, readonly string[]> = {
  1: ['市'],
  2: ['区', '县', '市'],
  3: ['街道', '镇', '乡'],
  4: ['社区居委会', '村民委员会', '居民委员会', '村委会', '居委会', '社区', '村'],
};

/** Official suffixes stripped to get a stem (the village list is 村委会/居委会/社区, never a bare 村). */
const OFFICIAL_SUFFIX: Record<number, RegExp> = {
  1: /市$/,
  2: /(区|县|市)$/,
  3: /(街道|镇|乡)$/,
  4: /(社区居委会|村委会|居委会|社区)$/,
};

/** A one-character stem (南 of 南村委会) would match inside ordinary words; such names need their suffix. */
const MIN_STEM = 2;

function addName(root: TrieNode, charIds: Uint16Array, text: string, hit: NameHit): void {
  let node = root;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Ids are handed out in order of first use; there are a few thousand distinct characters in the names.
    let c = charIds[code]!;
    if (c === 0) {
      c = ++charIds[0]!;
      charIds[code] = c;
    }
    let child = node.next.get(c);
    if (!child) {
      child = { next: new Map(), hits: null };
      node.next.set(c, child);
    }
    node = child;
  }
  node.hits ??= [];
  if (!node.hits.some((h) => h.area === hit.area)) node.hits.push(hit);
}

const cached = new Map<string, Promise<AreaIndex>>();

/**
 * The index for the areas a database holds now, built once per areas version (an areas import bumps it):
 * every import job, push batch and form shares it instead of reading 10,000 rows each time.
 */
export async function areaIndexFor(db: DbOrTx): Promise<AreaIndex> {
  const version = await areasVersion(db);
  let index = cached.get(version);
  if (!index) {
    index = loadAreaIndex(db);
    cached.set(version, index);
    index.catch(() => cached.delete(version));
  }
  return index;
}

/** Reads the areas table once. Grids are kept by code only: people do not write grid names in addresses. */
export async function loadAreaIndex(db: DbOrTx): Promise<AreaIndex> {
  const rows = await db
    .selectFrom('areas')
    .select(['code', 'parent_code', 'level', 'name'])
    .orderBy('level')
    .orderBy('code')
    .execute();
  const areas = new Map<string, IndexedArea>();
  const names: TrieNode = { next: new Map(), hits: null };
  // Slot 0 counts the ids given out, which is free because no name contains U+0000.
  const charIds = new Uint16Array(0x10000);
  for (const r of rows) {
    const area: IndexedArea = {
      code: r.code,
      level: r.level,
      name: r.name,
      parent: areas.get(r.parent_code ?? '') ?? null,
    };
    areas.set(r.code, area);
    if (r.level > 4) continue;
    addName(names, charIds, r.name, { area, official: true });
    const stem = r.name.replace(OFFICIAL_SUFFIX[r.level]!, '');
    if (stem !== r.name && stem.length >= MIN_STEM) addName(names, charIds, stem, { area, official: false });
  }
  // The segmenter loads its dictionary on first use (~0.3 s): pay that here, not on the first record.
  jiebaInstance();
  return { areas, names, charIds };
}

/**
 * Full-width digits and letters become ASCII (NFKC). Runs of whitespace become one space rather than
 * nothing: "鹿城区 滨江街道 杨府山" puts a word boundary where jieba alone would not (杨/府/山), and name
 * lookups step over the space anyway (鹿城 区).
 */
function normaliseText(s: string): string {
  return s.slice(0, MAX_ADDRESS).normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/**
 * Characters of an address read. Place names come within the first few dozen; a free-text field pasted
 * whole into the address column would otherwise cost time in proportion to its length.
 */
const MAX_ADDRESS = 200;

const SPACE = 0x20;

/** Characters jieba reads past the last name found: its longest dictionary word has 16. */
const WINDOW_MARGIN = 16;

export function normaliseAreaCode(raw: string): string | null {
  const s = raw.normalize('NFKC').replace(/\s+/g, '');
  if (!/^\d+$/.test(s)) return null;
  // 6 and 9 digits are the county and town prefixes of the 12-digit statistical code.
  if (s.length === 6) return `${s}000000`;
  if (s.length === 9) return `${s}000`;
  return s.length === 12 || s.length === 15 ? s : null;
}

/** A name found in the address: where it starts and ends (suffix consumed) and which area it may be. */
interface Candidate {
  start: number;
  end: number;
  area: IndexedArea;
  /** Written with a suffix (official or not), which makes a lone name credible; a bare stem is not. */
  written: boolean;
  /** Written exactly as the official name: 牛岭社区 is the 社区, not the 牛岭村委会 next to it. */
  exact: boolean;
}

function isAncestor(a: IndexedArea, b: IndexedArea): boolean {
  for (let p = b.parent; p; p = p.parent) if (p === a) return true;
  return false;
}

/** A name starts right where one above it ends (鹿城|山福): a stem so placed is meant as a name. */
function followsAncestor(cands: Candidate[], x: Candidate): boolean {
  for (let k = 0; k < cands.length; k++) {
    const y = cands[k]!;
    if (y.end === x.start && isAncestor(y.area, x.area)) return true;
  }
  return false;
}

function consumeSuffix(text: string, at: number, level: number): number {
  for (const s of SUFFIXES[level] ?? []) if (text.startsWith(s, at)) return at + s.length;
  return at;
}

/**
 * Every name starting at every position; the hierarchy and word boundaries sort them out later. A stem
 * with a suffix that spells the official name (鹿城 + 区) is skipped: the official hit covers it.
 */
function candidates(index: AreaIndex, text: string): Candidate[] {
  const out: Candidate[] = [];
  const ids = index.charIds;
  const n = text.length;
  for (let start = 0; start < n; start++) {
    const first = text.charCodeAt(start);
    if (first === SPACE || ids[first] === 0) continue;
    let node: TrieNode | undefined = index.names;
    for (let i = start; i < n; i++) {
      const code = text.charCodeAt(i);
      if (code === SPACE) continue;
      const c = ids[code]!;
      if (c === 0) break;
      node = node.next.get(c);
      if (node === undefined) break;
      const hits = node.hits;
      if (hits === null) continue;
      // Indexed loops: this is the hot path of an import, and iterators cost here.
      for (let h = 0; h < hits.length; h++) {
        const { area, official } = hits[h]!;
        out.push({ start, end: i + 1, area, written: official, exact: official });
        if (official) continue;
        // The bare stem stays beside the suffixed reading: in 永中镇中村 the 镇 may close the town
        // (永中镇 + 中村) or open the village (永中 + 镇中村); the chain decides.
        const end = consumeSuffix(text, i + 1, area.level);
        if (end === i + 1) continue;
        if (end - start === area.name.length && text.startsWith(area.name, start)) continue;
        out.push({ start, end, area, written: true, exact: false });
      }
    }
  }
  return out;
}

/**
 * Word boundaries from jieba, whose dictionary holds Wenzhou's place names, to keep names from being read
 * inside ordinary words: 解放 inside the street 解放街. Abbreviations are not in that dictionary and jieba
 * may cut through them (瓯/海南 for 瓯海南白象), so a name may also start or end where the name before or
 * after it in the same chain does: names written one after another are an address, wherever jieba cuts.
 */
function boundaries(text: string, upTo: number): Uint8Array {
  const b = new Uint8Array(text.length + 1);
  // Only positions up to the last name's end are asked about; the rest of an address (house numbers,
  // buildings, a landmark) can be long, so jieba reads just a margin past it: wide enough that the words
  // around that end are the ones it would cut in the whole text.
  const window = text.slice(0, Math.min(text.length, upTo + WINDOW_MARGIN));
  let at = 0;
  b[0] = 1;
  for (const w of jiebaInstance().cut(window, false)) {
    at += w.length;
    if (at <= window.length) b[at] = 1;
  }
  // Should jieba ever drop or change characters, offsets are meaningless: allow every position instead.
  if (at !== window.length) b.fill(1);
  return b;
}

/**
 * Whether a chain going from a name of level `fromLevel` ending at `from` straight to `c` would step over a
 * county or town written in full between them. 鹿城区五马街道古岸头村 names 五马 before a village of another
 * town: the address contradicts itself, and the names written first (the wider ones) are trusted, so the
 * village may not be read as if the town were not there. A bare stem counts only right after a name above
 * it (鹿城山福…), since alone it may be a road (永嘉路).
 */
function skipsNamed(blockers: Candidate[], from: number, fromLevel: number, c: Candidate): boolean {
  for (const x of blockers) {
    if (x.start >= from && x.end <= c.start && x.area.level > fromLevel && x.area.level < c.area.level)
      return true;
  }
  return false;
}

/** The best chain of names ending at one candidate, compared field by field in this order. */
interface Chain {
  /** Names below the city: the more names agree with each other, the likelier the reading. */
  count: number;
  depth: number;
  written: number;
  exact: number;
  /** Characters covered: the longest match wins a tie (五马街道 over 五马). */
  chars: number;
  prev: number;
}

function better(a: Chain, b: Chain): boolean {
  if (a.count !== b.count) return a.count > b.count;
  if (a.depth !== b.depth) return a.depth > b.depth;
  if (a.written !== b.written) return a.written > b.written;
  if (a.exact !== b.exact) return a.exact > b.exact;
  return a.chars > b.chars;
}

function sameScore(a: Chain, b: Chain): boolean {
  return (
    a.count === b.count &&
    a.depth === b.depth &&
    a.written === b.written &&
    a.exact === b.exact &&
    a.chars === b.chars
  );
}

function extend(prev: Chain | null, prevIdx: number, c: Candidate): Chain {
  return {
    count: (prev?.count ?? 0) + (c.area.level > 1 ? 1 : 0),
    depth: c.area.level,
    written: (prev?.written ?? 0) + (c.written ? 1 : 0),
    exact: (prev?.exact ?? 0) + (c.exact ? 1 : 0),
    chars: (prev?.chars ?? 0) + c.end - c.start,
    prev: prevIdx,
  };
}

function notMatched(text: string): Failure {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return {
    ok: false,
    field: 'address',
    code: 'ADDRESS_NOT_MATCHED',
    reason: `地址“${shown}”中未找到温州市的县（市、区）、乡镇（街道）或村（社区） / No county, town or village of Wenzhou found in the address "${shown}"`,
  };
}

/**
 * Reads an address as a chain of names, each an ancestor of the next (city → county → town → village),
 * choosing the chain with the most names that agree. A village name repeats across towns, so a bare
 * village stem counts only right after its own town; a village named in another town than the one before
 * it is simply not part of that chain, and the address resolves to the town.
 */
export function matchAddress(
  index: AreaIndex,
  address: string,
): { ok: true; code: string; matched: string[] } | Failure {
  const text = normaliseText(address);
  const cands = candidates(index, text);
  if (cands.length === 0) return notMatched(text);
  let upTo = 0;
  for (const c of cands) if (c.end > upTo) upTo = c.end;
  const b = boundaries(text, upTo);
  const at = new Map<IndexedArea, number[]>();
  const blockers: Candidate[] = [];
  for (let i = 0; i < cands.length; i++) {
    const x = cands[i]!;
    const list = at.get(x.area);
    if (list) list.push(i);
    else at.set(x.area, [i]);
    if (x.area.level > 1 && x.area.level < 4 && (x.written || followsAncestor(cands, x))) blockers.push(x);
  }

  // Candidates are in order of start, so every possible predecessor (ending before the start) comes first.
  const chains: (Chain | null)[] = [];
  for (let i = 0; i < cands.length; i++) {
    const c = cands[i]!;
    // A bare village stem (长虹) is too common a word to stand without the town just before it.
    const needsTown = c.area.level >= 4 && !c.written;
    let best: Chain | null =
      needsTown || !b[c.start] || skipsNamed(blockers, 0, 1, c) ? null : extend(null, -1, c);
    for (let up = c.area.parent; up; up = needsTown ? null : up.parent) {
      const before = at.get(up);
      if (!before) continue;
      for (let k = 0; k < before.length; k++) {
        const j = before[k]!;
        const p = cands[j]!;
        const pc = chains[j];
        if (!pc || j >= i || p.end > c.start) continue;
        if (p.end !== c.start && !(b[p.end] && b[c.start])) continue;
        if (skipsNamed(blockers, p.end, p.area.level, c)) continue;
        const ch = extend(pc, j, c);
        if (!best || better(ch, best)) best = ch;
      }
    }
    chains.push(best);
  }

  // The last name of a chain must end on a word boundary: nothing after it vouches for the cut…
  let top: Chain | null = null;
  const ends: number[] = [];
  for (let i = 0; i < chains.length; i++) {
    const ch = chains[i];
    // …unless the name carries its suffix (中城村|村口路: jieba may cut 村村 as a word, the 村 still ends it).
    if (!ch || !(b[cands[i]!.end] || cands[i]!.written)) continue;
    if (!top || better(ch, top)) {
      top = ch;
      ends.length = 0;
    }
    if (sameScore(ch, top)) ends.push(i);
  }
  // A lone abbreviation (城东, 鹿城) is as likely a road or a shop as a place, so it needs support.
  if (!top || top.count === 0 || (top.count === 1 && top.written === 0)) return notMatched(text);

  const paths = ends.map((i) => {
    const out: IndexedArea[] = [];
    for (let k = i; k >= 0; k = chains[k]!.prev) out.unshift(cands[k]!.area);
    return out;
  });
  const last = paths[0]!.at(-1)!;
  if (paths.every((p) => p.at(-1) === last)) {
    return { ok: true, code: last.code, matched: paths[0]!.map((a) => a.name) };
  }
  // Equally good readings end in different areas (several 东村): keep what they all name, if it is at
  // least a county; a city alone says nothing an import can use.
  const deepest = paths[0]!.filter((a) => a.level >= 2 && paths.every((p) => p.includes(a))).at(-1);
  if (deepest) {
    return {
      ok: true,
      code: deepest.code,
      matched: paths[0]!.filter((a) => a.level <= deepest.level).map((a) => a.name),
    };
  }
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  // Each reading by its full name (县 + 镇 + 村), since the candidates share the part that was written.
  const fullName = (a: IndexedArea): string => {
    let name = '';
    for (let x: IndexedArea | null = a; x && x.level > 1; x = x.parent) name = x.name + name;
    return name;
  };
  const readings = [...new Set(paths.map((p) => fullName(p.at(-1)!)))];
  const names = readings.slice(0, 5).join('、') + (readings.length > 5 ? '…' : '');
  return {
    ok: false,
    field: 'address',
    code: 'ADDRESS_AMBIGUOUS',
    reason: `地址“${shown}”可指 ${readings.length} 个区域（${names}），请写明乡镇（街道） / The address "${shown}" fits ${readings.length} areas (${names}); name the town`,
  };
}

/**
 * The area of one record: its code if it exists, else its address, else its point. An unknown code is
 * forgiven when the address or point resolves (departments' code tables lag behind re-zoning); only when
 * every given field fails is the first failure reported, in that order.
 */
export async function resolveArea(
  db: DbOrTx,
  index: AreaIndex,
  input: { areaCode?: string | null; address?: string | null; point?: { lng: number; lat: number } | null },
): Promise<AreaResolution> {
  let firstFailure: Failure | null = null;

  const rawCode = input.areaCode == null ? '' : input.areaCode.normalize('NFKC').replace(/\s+/g, '');
  if (rawCode) {
    const code = normaliseAreaCode(rawCode);
    if (code && index.areas.has(code)) return { ok: true, code, from: 'code' };
    const shownCode = rawCode.length > 20 ? `${rawCode.slice(0, 20)}…` : rawCode;
    firstFailure = {
      ok: false,
      field: 'areaCode',
      code: 'UNKNOWN_AREA_CODE',
      reason: `区划代码 ${shownCode} 不存在 / Unknown area code ${shownCode}`,
    };
  }

  const address = input.address?.trim();
  if (address) {
    const m = matchAddress(index, address);
    if (m.ok) return { ok: true, code: m.code, from: 'address', matched: m.matched };
    firstFailure ??= m;
  }

  const point = input.point;
  if (point) {
    const { lng, lat } = point;
    const valid = Number.isFinite(lng) && Number.isFinite(lat) && Math.abs(lng) <= 180 && Math.abs(lat) <= 90;
    const deepest = valid ? (await locate(db, lng, lat)).at(-1) : undefined;
    if (deepest) return { ok: true, code: deepest.code, from: 'point' };
    firstFailure ??= {
      ok: false,
      field: 'point',
      code: 'POINT_OUTSIDE',
      reason: valid
        ? `坐标 (${lng}, ${lat}) 不在温州市范围内 / The point (${lng}, ${lat}) is outside Wenzhou`
        : `坐标 (${lng}, ${lat}) 不是有效的经纬度 / The point (${lng}, ${lat}) is not a valid longitude and latitude`,
    };
  }

  return (
    firstFailure ?? {
      ok: false,
      field: 'areaCode',
      code: 'AREA_MISSING',
      reason: '未给出区划代码、地址或坐标 / No area code, address or coordinates given',
    }
  );
}

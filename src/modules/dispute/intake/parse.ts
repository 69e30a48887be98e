import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type { Cell, RawRow } from './types.ts';

/**
 * Step "parse" of the dispute intake pipeline: a department's file (CSV, XLSX or JSON Lines) becomes a stream
 * of RawRow. Nothing here holds the whole file: text is decoded and split chunk by chunk (64 KB), an XLSX
 * sheet is inflated and read row by row, and only the first rows are buffered to find the header.
 *
 * Two kinds of failure: a file we cannot read at all throws ParseError (from openParser, or from the row
 * iterator when the file breaks part-way, after the rows before the break were yielded); a row we cannot read
 * is yielded with `error` set and the file goes on, so one bad row never costs the good ones.
 */

export type FileFormat = 'csv' | 'xlsx' | 'jsonl';

export interface ParseOptions {
  /** Else detected: ZIP magic → xlsx; first non-blank character '{' → jsonl; else csv. */
  format?: FileFormat;
  /**
   * Else detected for CSV/JSONL: a BOM decides (UTF-8, UTF-16LE/BE, and it wins over this option too); else
   * the first 64 KB that hold non-ASCII bytes decide: valid UTF-8 → utf8, otherwise gb18030 (a superset of GBK).
   */
  encoding?: 'utf8' | 'gb18030';
  /** The column names the source's profile expects; the header is the early row that holds the most of them. */
  expectedHeaders?: string[];
  /** Called once per 64 KB chunk read from disk (XLSX: compressed bytes), and once at the end. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface ParsedFile {
  format: FileFormat;
  /** 'utf8' | 'gb18030' | 'utf16le' | 'utf16be'; null for xlsx. */
  encoding: string | null;
  /** The header row found; a column matching an expected header carries the expected spelling. */
  headers: string[];
  /**
   * Streamed once. Iterating to the end, or breaking out of the loop, closes the file; a caller that decides
   * not to read the rows at all calls `rows[Symbol.asyncIterator]().return()`. rowNo is the row a person sees:
   * the Excel row for XLSX and for CSV (a quoted field spanning lines stays one row, and blank lines count, as
   * Excel shows them), the line number for JSON Lines.
   */
  rows: AsyncIterable<RawRow>;
}

export type ParseErrorCode =
  | 'FILE_ENCODING'
  | 'FILE_TRUNCATED'
  | 'FILE_UNREADABLE'
  | 'HEADER_NOT_FOUND'
  | 'FILE_FORMAT';

/** A whole file cannot be read. The message is "中文 / English"; the HTTP layer maps `code` to a status. */
export class ParseError extends Error {
  readonly code: ParseErrorCode;
  /** The row reached when the file failed part-way (the rows before it were yielded); else undefined. */
  readonly rowNo: number | undefined;

  constructor(code: ParseErrorCode, message: string, options: { rowNo?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParseError';
    this.code = code;
    this.rowNo = options.rowNo;
  }
}

/** Longest cell text kept; a longer cell rejects its row (Excel itself stops at 32,767). */
export const MAX_CELL_CHARS = 20_000;

/** Why a row could not be read: it is yielded with this error, and the next step rejects it. */
export const ROW_ERRORS = {
  ROW_COLUMNS: '列数与表头不一致 / column count differs from the header',
  ROW_TRUNCATED: '文件在此行中途结束（引号未闭合）/ the file ends inside this row (unclosed quote)',
  ROW_JSON: '此行不是有效的 JSON 对象 / this line is not a valid JSON object',
  ROW_TOO_LONG: `单元格超过 ${MAX_CELL_CHARS} 个字符或整行过长 / a cell exceeds ${MAX_CELL_CHARS} characters or the row is too large`,
  ROW_ENCODING: '此行含有无法识别的字节（编码错误）/ this row holds bytes that are not valid GB18030',
} as const;
export type RowErrorCode = keyof typeof ROW_ERRORS;

const CHUNK_BYTES = 64 * 1024;
/** A pure-ASCII start says nothing about the encoding; look this far for the first non-ASCII byte. */
const ASCII_SCAN_BYTES = 4 * 1024 * 1024;
const HEADER_SCAN_ROWS = 20;
/** Bounds a CSV record or a JSON line as a whole, so one broken row (an unclosed quote) cannot fill memory. */
const MAX_ROW_CHARS = 1_000_000;
/** Excel's own column limit; a CSV line with more fields is broken. */
const MAX_COLUMNS = 16_384;
/** An over-long cell keeps this much, so a person can still recognise the rejected row. */
const PREVIEW_CHARS = 100;
/** A central directory of 64 MB would list about a million parts; no workbook has that. */
const MAX_ZIP_DIRECTORY_BYTES = 64 * 1024 * 1024;

type TextEncoding = 'utf8' | 'gb18030' | 'utf16le' | 'utf16be';

/** A row as a reader gives it, before the header gives its cells names: values[0] is column A. */
interface SourceRow {
  rowNo: number;
  values: Cell[];
  error?: RowErrorCode | undefined;
}

export async function openParser(path: string, opts: ParseOptions = {}): Promise<ParsedFile> {
  try {
    return await openFile(path, opts);
  } catch (e) {
    // A disk error after the first read (the upload deleted under us) is still "cannot read the file".
    if (e instanceof ParseError) throw e;
    throw new ParseError('FILE_UNREADABLE', '无法读取文件 / Cannot read the file', { cause: e });
  }
}

async function openFile(path: string, opts: ParseOptions): Promise<ParsedFile> {
  const { size, head } = await readHead(path);
  if (size === 0) throw new ParseError('FILE_UNREADABLE', '文件为空 / The file is empty');
  refuseKnownBinary(head);
  const isZip = startsWith(head, [0x50, 0x4b, 0x03, 0x04]);
  const format = opts.format ?? (isZip ? 'xlsx' : undefined);
  if (format === 'xlsx') {
    if (!isZip) throw new ParseError('FILE_FORMAT', '不是 XLSX 文件 / The file is not an XLSX workbook');
    return openXlsx(path, size, opts);
  }
  if (isZip) {
    throw new ParseError(
      'FILE_FORMAT',
      '这是 XLSX 或压缩文件，不是文本文件 / This is an XLSX or ZIP file, not text',
    );
  }
  const encoding = await detectEncoding(path, head, size, opts.encoding);
  const sample = decodeSample(head, encoding);
  const firstChar = sample.trimStart().charAt(0);
  const textFormat = format ?? (firstChar === '{' ? 'jsonl' : 'csv');
  if (textFormat === 'jsonl') return openJsonl(path, size, encoding, opts);
  return openCsv(path, size, encoding, sniffDelimiter(sample), opts);
}

// ---------------------------------------------------------------------------------------------------------
// Sniffing: what the file is and how its text is encoded

async function readBytes(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function readHead(path: string): Promise<{ size: number; head: Buffer }> {
  try {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error('not a regular file');
      const buf = Buffer.alloc(Math.min(stat.size, CHUNK_BYTES));
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      return { size: stat.size, head: buf.subarray(0, bytesRead) };
    } finally {
      await handle.close();
    }
  } catch (e) {
    // The path is a server-side upload location: keep it out of the message, in the cause for the log.
    throw new ParseError('FILE_UNREADABLE', '无法读取文件 / Cannot read the file', { cause: e });
  }
}

function startsWith(buf: Buffer, bytes: number[]): boolean {
  return buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);
}

const KNOWN_BINARIES: { magic: number[]; zh: string; en: string }[] = [
  // OLE2 compound file: a legacy .xls, and also any password-protected .xlsx.
  {
    magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    zh: '旧版 Excel（.xls）或加密的工作簿，请另存为 .xlsx',
    en: 'a legacy .xls or encrypted workbook; save it as .xlsx',
  },
  { magic: [0x89, 0x50, 0x4e, 0x47], zh: 'PNG 图片', en: 'a PNG image' },
  { magic: [0xff, 0xd8, 0xff], zh: 'JPEG 图片', en: 'a JPEG image' },
  { magic: [0x47, 0x49, 0x46, 0x38], zh: 'GIF 图片', en: 'a GIF image' },
  { magic: [0x25, 0x50, 0x44, 0x46], zh: 'PDF 文档', en: 'a PDF document' },
  { magic: [0x1f, 0x8b], zh: 'gzip 压缩包', en: 'a gzip archive' },
  { magic: [0x52, 0x61, 0x72, 0x21], zh: 'RAR 压缩包', en: 'a RAR archive' },
  { magic: [0x37, 0x7a, 0xbc, 0xaf], zh: '7z 压缩包', en: 'a 7z archive' },
];

function refuseKnownBinary(head: Buffer): void {
  for (const { magic, zh, en } of KNOWN_BINARIES) {
    if (startsWith(head, magic)) throw new ParseError('FILE_FORMAT', `文件是${zh} / The file is ${en}`);
  }
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

async function detectEncoding(
  path: string,
  head: Buffer,
  size: number,
  claimed: ParseOptions['encoding'],
): Promise<TextEncoding> {
  // A BOM is unambiguous, so it wins even over the profile's claim.
  if (startsWith(head, UTF8_BOM)) return 'utf8';
  if (startsWith(head, [0xff, 0xfe])) return 'utf16le';
  if (startsWith(head, [0xfe, 0xff])) return 'utf16be';
  // Text never holds NUL bytes outside UTF-16, which the BOM check above took care of.
  if (head.includes(0)) {
    throw new ParseError(
      'FILE_FORMAT',
      '文件不是文本表格（含二进制内容）/ The file is binary, not a text table',
    );
  }
  if (claimed === 'gb18030') return 'gb18030';
  const sample = await nonAsciiSample(path, head, size);
  if (sample === null || isUtf8Prefix(sample)) return 'utf8';
  if (claimed === 'utf8') {
    throw new ParseError(
      'FILE_ENCODING',
      '文件声明为 UTF-8，但含有非 UTF-8 字节 / The file is declared UTF-8 but is not',
    );
  }
  return 'gb18030';
}

/** The bytes from the first non-ASCII byte on (up to 64 KB), or null when the file starts with 4 MB of ASCII. */
async function nonAsciiSample(path: string, head: Buffer, size: number): Promise<Buffer | null> {
  let block = head;
  let at = 0;
  for (;;) {
    const k = block.findIndex((b) => b >= 0x80);
    if (k !== -1) {
      const enough = block.length - k >= 4096 || at + block.length >= size;
      return enough ? block.subarray(k) : readBytes(path, at + k, CHUNK_BYTES);
    }
    at += block.length;
    if (at >= size || at >= ASCII_SCAN_BYTES || block.length === 0) return null;
    block = await readBytes(path, at, CHUNK_BYTES);
  }
}

/** Valid UTF-8, allowing the sample to end inside a character. */
function isUtf8Prefix(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function decodeSample(head: Buffer, encoding: TextEncoding): string {
  if (encoding === 'utf8') return new TextDecoder('utf-8').decode(head, { stream: true });
  return iconv.getDecoder(encoding).write(head);
}

/** Excel's "Unicode text" export is tab-separated; everything else we receive uses commas. */
function sniffDelimiter(sample: string): string {
  const lines = sample.split('\n', HEADER_SCAN_ROWS).join('\n');
  let tabs = 0;
  let commas = 0;
  for (const ch of lines) {
    if (ch === '\t') tabs++;
    else if (ch === ',') commas++;
  }
  return tabs > commas ? '\t' : ',';
}

// ---------------------------------------------------------------------------------------------------------
// Text files: bytes → decoded chunks

/**
 * Counts the bytes read, and tells the caller's callback from the row loop, outside the error handling that
 * turns read failures into ParseError, so an error thrown by the callback stays the caller's own.
 */
class Progress {
  bytes = 0;
  private reported = -1;
  private readonly total: number;
  private readonly callback: ParseOptions['onProgress'];

  constructor(total: number, callback: ParseOptions['onProgress']) {
    this.total = total;
    this.callback = callback;
  }

  report(): void {
    if (this.callback === undefined || this.bytes === this.reported) return;
    this.reported = this.bytes;
    this.callback(this.bytes, this.total);
  }

  /** XLSX reads only some parts of the package; at the end, say that all of it is done. */
  finish(): void {
    this.bytes = this.total;
    this.report();
  }
}

/** Thrown by the UTF-8 decoder; the reader turns it into FILE_ENCODING with the row it had reached. */
class NotUtf8 extends Error {
  /** The chunk's text before the bad byte, so the rows wholly before it are still read. */
  readonly validPrefix: string;

  constructor(validPrefix: string, cause: unknown) {
    super('invalid UTF-8', { cause });
    this.validPrefix = validPrefix;
  }
}

interface ChunkDecoder {
  write(buf: Buffer): string;
  end(): string;
}

function chunkDecoder(encoding: TextEncoding): ChunkDecoder {
  if (encoding === 'utf8') {
    // fatal: a claimed or detected UTF-8 file with a bad byte later on is refused, not silently garbled.
    const td = new TextDecoder('utf-8', { fatal: true });
    return {
      write: (buf) => {
        try {
          return td.decode(buf, { stream: true });
        } catch (e) {
          const lenient = new TextDecoder('utf-8').decode(buf);
          const bad = lenient.indexOf('\uFFFD');
          throw new NotUtf8(bad === -1 ? '' : lenient.slice(0, bad), e);
        }
      },
      end: () => {
        try {
          return td.decode();
        } catch (e) {
          throw new NotUtf8('', e);
        }
      },
    };
  }
  // GB18030 cannot fail: a bad byte becomes U+FFFD, which the row check turns into ROW_ENCODING.
  const dec = iconv.getDecoder(encoding);
  return { write: (buf) => dec.write(buf), end: () => dec.end() ?? '' };
}

async function* decodedChunks(
  path: string,
  encoding: TextEncoding,
  progress: Progress,
): AsyncGenerator<string> {
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const decoder = chunkDecoder(encoding);
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      progress.bytes += chunk.length;
      let text: string;
      try {
        text = decoder.write(chunk);
      } catch (e) {
        if (e instanceof NotUtf8 && e.validPrefix !== '') yield e.validPrefix;
        throw e;
      }
      if (first && text.length > 0) {
        first = false;
        // TextDecoder drops a UTF-8 BOM itself; iconv-lite keeps a GB18030 one.
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (text.length > 0) yield text;
    }
    const rest = decoder.end();
    if (rest.length > 0) yield rest;
  } finally {
    stream.destroy();
  }
}

/** Pulls the next decoded chunk, turning a decode or disk failure into a ParseError that names the row. */
async function nextChunk(chunks: AsyncGenerator<string>, rowNo: number): Promise<string | null> {
  try {
    const next = await chunks.next();
    return next.done ? null : next.value;
  } catch (e) {
    if (e instanceof ParseError) throw e;
    if (e instanceof NotUtf8) {
      throw new ParseError(
        'FILE_ENCODING',
        `文件在第 ${rowNo} 行附近含有非 UTF-8 字节（编码混杂）/ The file has bytes that are not UTF-8 near row ${rowNo}`,
        { rowNo, cause: e },
      );
    }
    throw new ParseError(
      'FILE_UNREADABLE',
      `读取文件时出错（第 ${rowNo} 行附近）/ Reading the file failed near row ${rowNo}`,
      { rowNo, cause: e },
    );
  }
}

function cleanText(s: string): string | null {
  const t = s.trim();
  return t === '' ? null : t;
}

function preview(s: string): string {
  return `${s.slice(0, PREVIEW_CHARS)}…`;
}

function hasReplacementChar(values: readonly Cell[]): boolean {
  return values.some((v) => typeof v === 'string' && v.includes('\uFFFD'));
}

// ---------------------------------------------------------------------------------------------------------
// CSV

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

interface CsvRecord {
  rowNo: number;
  fields: string[];
  error: RowErrorCode | undefined;
}

/**
 * An RFC 4180 tokenizer over decoded text chunks, lenient the way Excel is: a quote inside an unquoted field is a
 * literal character, and text after a closing quote is appended to the field.
 *
 * Why not csv-parse: its `max_record_size` is the only bound on a field, and with `skip_records_with_error` an
 * over-long record makes it drop every record after it (7.0.3: `__parse` returns mid-buffer); without that
 * option the first bad record ends the whole stream. Here a field stops growing at MAX_CELL_CHARS while scanning
 * goes on, so a 10 MB field costs 20 KB and only its own row is rejected.
 */
class CsvTokenizer {
  private readonly delimiter: number;
  private field = '';
  private fieldOverflow = false;
  private fieldQuoted = false;
  private record: string[] = [];
  private recordChars = 0;
  private error: RowErrorCode | undefined;
  private inQuotes = false;
  /** The chunk ended on a quote inside a quoted field: the next chunk says whether it was `""` or the close. */
  private quotePending = false;
  /** The chunk ended on CR: a LF starting the next chunk belongs to the same line break. */
  private skipLf = false;
  /** The Excel row of the record being read: every line break outside quotes is a row, blank or not. */
  rowNo = 1;

  constructor(delimiter: string) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  push(s: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const n = s.length;
    let i = 0;
    if (n === 0) return out;
    if (this.skipLf) {
      this.skipLf = false;
      if (s.charCodeAt(0) === LF) i = 1;
    }
    if (this.quotePending) {
      this.quotePending = false;
      if (s.charCodeAt(i) === QUOTE) {
        this.append('"', 0, 1);
        i++;
      } else {
        this.inQuotes = false;
      }
    }
    while (i < n) {
      if (this.inQuotes) {
        const q = s.indexOf('"', i);
        if (q === -1) {
          this.append(s, i, n);
          return out;
        }
        this.append(s, i, q);
        if (q + 1 === n) {
          this.quotePending = true;
          return out;
        }
        if (s.charCodeAt(q + 1) === QUOTE) {
          this.append('"', 0, 1);
          i = q + 2;
        } else {
          this.inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      let j = i;
      let c = 0;
      while (j < n) {
        c = s.charCodeAt(j);
        if (c === this.delimiter || c === LF || c === CR || c === QUOTE) break;
        j++;
      }
      if (j > i) this.append(s, i, j);
      if (j === n) return out;
      i = j + 1;
      if (c === QUOTE) {
        // Only a quote opening the field (after optional blanks) starts quoting, as in Excel.
        if (!this.fieldQuoted && this.field.trim() === '') {
          this.field = '';
          this.inQuotes = true;
          this.fieldQuoted = true;
        } else {
          this.append('"', 0, 1);
        }
        continue;
      }
      this.endField();
      if (c === this.delimiter) continue;
      out.push(this.endRecord());
      if (c === CR) {
        if (i < n) {
          if (s.charCodeAt(i) === LF) i++;
        } else {
          this.skipLf = true;
        }
      }
    }
    return out;
  }

  end(): CsvRecord[] {
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
    }
    if (this.inQuotes) {
      // The file stops inside a quoted field: the transfer was cut, or a quote was never closed.
      this.endField();
      this.error = 'ROW_TRUNCATED';
      return [this.endRecord()];
    }
    if (this.record.length === 0 && this.field === '' && !this.fieldQuoted) return [];
    this.endField();
    return [this.endRecord()];
  }

  private append(s: string, from: number, to: number): void {
    if (this.fieldOverflow) return;
    if (this.field.length + (to - from) <= MAX_CELL_CHARS) {
      this.field += s.slice(from, to);
      return;
    }
    this.field = preview(this.field + s.slice(from, from + PREVIEW_CHARS));
    this.fieldOverflow = true;
    this.error ??= 'ROW_TOO_LONG';
  }

  private endField(): void {
    this.recordChars += this.field.length;
    if (this.record.length >= MAX_COLUMNS || this.recordChars > MAX_ROW_CHARS) {
      this.error ??= 'ROW_TOO_LONG';
    } else {
      this.record.push(this.field);
    }
    this.field = '';
    this.fieldOverflow = false;
    this.fieldQuoted = false;
  }

  private endRecord(): CsvRecord {
    const rec: CsvRecord = { rowNo: this.rowNo, fields: this.record, error: this.error };
    this.rowNo++;
    this.record = [];
    this.recordChars = 0;
    this.error = undefined;
    return rec;
  }
}

async function* csvSource(
  chunks: AsyncGenerator<string>,
  progress: Progress,
  delimiter: string,
  checkReplacement: boolean,
): AsyncGenerator<SourceRow> {
  const tokenizer = new CsvTokenizer(delimiter);
  try {
    for (;;) {
      const text = await nextChunk(chunks, tokenizer.rowNo);
      progress.report();
      const records = text === null ? tokenizer.end() : tokenizer.push(text);
      for (const rec of records) {
        const values = rec.fields.map(cleanText);
        const error =
          rec.error ?? (checkReplacement && hasReplacementChar(values) ? 'ROW_ENCODING' : undefined);
        yield { rowNo: rec.rowNo, values, error };
      }
      if (text === null) return;
    }
  } finally {
    await chunks.return(undefined);
  }
}

async function openCsv(
  path: string,
  size: number,
  encoding: TextEncoding,
  delimiter: string,
  opts: ParseOptions,
): Promise<ParsedFile> {
  const progress = new Progress(size, opts.onProgress);
  const chunks = decodedChunks(path, encoding, progress);
  const source = csvSource(chunks, progress, delimiter, encoding === 'gb18030');
  const table = await tabulate(source, opts.expectedHeaders, 'csv');
  return { format: 'csv', encoding, ...table };
}

// ---------------------------------------------------------------------------------------------------------
// Header detection, shared by CSV and XLSX

/** How header cells compare: width, case, blanks and required-field asterisks do not matter. */
function headerKey(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/^\*+|\*+$/g, '')
    .toLowerCase();
}

function headerText(v: Cell | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  const t = String(v).replace(/\s+/g, ' ').trim();
  return t === '' ? null : t;
}

/**
 * A two-row header: the lower row names a column where it has a value; elsewhere the upper row does, its value
 * carrying right over a merged span (the stream reader sees a merge as its first cell and blanks) and down
 * over a vertical merge (the lower cell of a vertical merge is blank).
 */
function stackHeader(upper: readonly Cell[], lower: readonly Cell[]): (string | null)[] {
  const width = Math.max(upper.length, lower.length);
  const out: (string | null)[] = [];
  let carry: string | null = null;
  for (let c = 0; c < width; c++) {
    carry = headerText(upper[c]) ?? carry;
    out.push(headerText(lower[c]) ?? carry);
  }
  return out;
}

function headerScore(texts: readonly (string | null)[], wanted: ReadonlyMap<string, string>): number {
  const found = new Set<string>();
  for (const t of texts) {
    if (t === null) continue;
    const k = headerKey(t);
    if (wanted.has(k)) found.add(k);
  }
  return found.size;
}

export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Final column names: the expected spelling where one matches, `列C` for a blank, `#2`, `#3` for repeats. */
function columnNames(texts: readonly (string | null)[], wanted: ReadonlyMap<string, string>): string[] {
  let width = texts.length;
  while (width > 0 && texts[width - 1] === null) width--;
  const seen = new Set<string>();
  const names: string[] = [];
  for (let c = 0; c < width; c++) {
    const t = texts[c] ?? null;
    const base = t === null ? `列${columnLetter(c)}` : (wanted.get(headerKey(t)) ?? t);
    let name = base;
    for (let k = 2; seen.has(name); k++) name = `${base}#${k}`;
    seen.add(name);
    names.push(name);
  }
  return names;
}

function wantedHeaders(expected: readonly string[] | undefined): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const e of expected ?? []) {
    const k = headerKey(e);
    if (k !== '' && !wanted.has(k)) wanted.set(k, e);
  }
  return wanted;
}

function headerNotFound(expected: readonly string[]): ParseError {
  const zh = expected.join('、');
  const en = expected.join(', ');
  return new ParseError(
    'HEADER_NOT_FOUND',
    `前 ${HEADER_SCAN_ROWS} 行中找不到表头，表头应包含这些列：${zh} / No header row in the first ${HEADER_SCAN_ROWS} rows; expected the columns: ${en}`,
  );
}

/**
 * The header is the early row holding the most expected columns; a row read together with the one right above
 * it (a two-row header) counts only if that finds strictly more, so a title line above an ordinary header never
 * names its blank columns. Ties go to the earlier row. Returns the index of the (lower) header row.
 */
function findHeader(
  rows: readonly SourceRow[],
  expected: readonly string[] | undefined,
): { at: number; names: string[] } {
  const wanted = wantedHeaders(expected);
  const first = rows.findIndex((r) => !isBlank(r.values));
  if (first === -1) throw new ParseError('FILE_UNREADABLE', '文件为空 / The file is empty');
  if (wanted.size === 0)
    return { at: first, names: columnNames(rows[first]!.values.map(headerText), wanted) };
  let best: { at: number; texts: (string | null)[]; score: number } | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let texts = row.values.map(headerText);
    let score = headerScore(texts, wanted);
    const above = rows[i - 1];
    if (above !== undefined && above.rowNo === row.rowNo - 1) {
      const stacked = stackHeader(above.values, row.values);
      const stackedScore = headerScore(stacked, wanted);
      if (stackedScore > score) {
        texts = stacked;
        score = stackedScore;
      }
    }
    if (score > (best?.score ?? 0)) best = { at: i, texts, score };
  }
  if (best === undefined) throw headerNotFound(expected ?? []);
  return { at: best.at, names: columnNames(best.texts, wanted) };
}

function isBlank(values: readonly Cell[]): boolean {
  return values.every((v) => v === null);
}

function skippable(row: SourceRow): boolean {
  return row.error === undefined && isBlank(row.values);
}

/** Sets a cell even when a department names a column `__proto__`, which plain assignment would swallow. */
function setCell(cells: Record<string, Cell>, key: string, value: Cell): void {
  if (key === '__proto__') {
    Object.defineProperty(cells, key, { value, enumerable: true, writable: true, configurable: true });
    return;
  }
  cells[key] = value;
}

function rowError(code: RowErrorCode): { code: string; reason: string } {
  return { code, reason: ROW_ERRORS[code] };
}

/**
 * CSV: a row shorter than the header, or with a value past it, has lost its alignment (an unquoted comma) and
 * is rejected; empty trailing fields are fine. XLSX: a value to the right of the table is a note someone typed
 * beside it, so it is kept under its column letter instead of rejecting the row.
 */
function toRawRow(row: SourceRow, names: readonly string[], kind: 'csv' | 'xlsx'): RawRow {
  const cells: Record<string, Cell> = {};
  const width = names.length;
  for (let c = 0; c < width; c++) setCell(cells, names[c]!, row.values[c] ?? null);
  let error = row.error;
  for (let c = width; c < row.values.length; c++) {
    const v = row.values[c] ?? null;
    if (v === null) continue;
    if (kind === 'csv') {
      error ??= 'ROW_COLUMNS';
      break;
    }
    setCell(cells, `列${columnLetter(c)}`, v);
  }
  if (kind === 'csv' && row.values.length < width) error ??= 'ROW_COLUMNS';
  return error === undefined
    ? { rowNo: row.rowNo, cells }
    : { rowNo: row.rowNo, cells, error: rowError(error) };
}

async function tabulate(
  source: AsyncGenerator<SourceRow>,
  expected: readonly string[] | undefined,
  kind: 'csv' | 'xlsx',
): Promise<{ headers: string[]; rows: AsyncIterable<RawRow> }> {
  const early: SourceRow[] = [];
  let header: { at: number; names: string[] };
  try {
    while (early.length < HEADER_SCAN_ROWS) {
      const next = await source.next();
      if (next.done) break;
      // A blank row is skipped unless it carries an error (a file cut right after an opening quote).
      if (!skippable(next.value)) early.push(next.value);
    }
    header = findHeader(early, expected);
  } catch (e) {
    await source.return(undefined);
    throw e;
  }
  const { at, names } = header;
  async function* rows(): AsyncGenerator<RawRow> {
    try {
      for (const row of early.slice(at + 1)) yield toRawRow(row, names, kind);
      early.length = 0;
      for await (const row of source) {
        if (!skippable(row)) yield toRawRow(row, names, kind);
      }
    } finally {
      await source.return(undefined);
    }
  }
  return { headers: names, rows: rows() };
}

// ---------------------------------------------------------------------------------------------------------
// JSON Lines

interface Line {
  lineNo: number;
  text: string;
  tooLong: boolean;
}

/** Splits text into lines without ever holding more than MAX_ROW_CHARS of one line (readline has no bound). */
class LineSplitter {
  private partial = '';
  private tooLong = false;
  lineNo = 1;

  push(s: string): Line[] {
    const out: Line[] = [];
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl === -1) {
        this.append(s, start, s.length);
        return out;
      }
      this.append(s, start, nl);
      out.push(this.take());
      start = nl + 1;
    }
  }

  end(): Line[] {
    return this.partial === '' && !this.tooLong ? [] : [this.take()];
  }

  private append(s: string, from: number, to: number): void {
    if (this.tooLong || from === to) return;
    if (this.partial.length + (to - from) > MAX_ROW_CHARS) {
      this.tooLong = true;
      this.partial = '';
      return;
    }
    this.partial += s.slice(from, to);
  }

  private take(): Line {
    const text = this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
    const line = { lineNo: this.lineNo, text, tooLong: this.tooLong };
    this.lineNo++;
    this.partial = '';
    this.tooLong = false;
    return line;
  }
}

async function* jsonLines(chunks: AsyncGenerator<string>, progress: Progress): AsyncGenerator<Line> {
  const splitter = new LineSplitter();
  try {
    for (;;) {
      const text = await nextChunk(chunks, splitter.lineNo);
      progress.report();
      const lines = text === null ? splitter.end() : splitter.push(text);
      for (const line of lines) {
        if (line.tooLong || line.text.trim() !== '') yield line;
      }
      if (text === null) return;
    }
  } finally {
    await chunks.return(undefined);
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Top-level values as cells: nested objects and arrays as JSON text, since a cell is flat. */
function jsonRow(
  line: Line,
  object: Record<string, unknown> | null,
  nameOf: (key: string) => string,
  checkReplacement: boolean,
): RawRow {
  if (line.tooLong) return { rowNo: line.lineNo, cells: {}, error: rowError('ROW_TOO_LONG') };
  if (object === null) return { rowNo: line.lineNo, cells: {}, error: rowError('ROW_JSON') };
  const cells: Record<string, Cell> = {};
  let error: RowErrorCode | undefined;
  for (const [key, v] of Object.entries(object)) {
    let cell: Cell;
    if (v === null || typeof v === 'number' || typeof v === 'boolean') {
      cell = v;
    } else {
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      if (s.length > MAX_CELL_CHARS) {
        error ??= 'ROW_TOO_LONG';
        cell = preview(s);
      } else {
        cell = cleanText(s);
      }
    }
    setCell(cells, nameOf(key), cell);
  }
  if (error === undefined && checkReplacement && hasReplacementChar(Object.values(cells)))
    error = 'ROW_ENCODING';
  return error === undefined
    ? { rowNo: line.lineNo, cells }
    : { rowNo: line.lineNo, cells, error: rowError(error) };
}

async function openJsonl(
  path: string,
  size: number,
  encoding: TextEncoding,
  opts: ParseOptions,
): Promise<ParsedFile> {
  const progress = new Progress(size, opts.onProgress);
  const lines = jsonLines(decodedChunks(path, encoding, progress), progress);
  const checkReplacement = encoding === 'gb18030';
  const wanted = wantedHeaders(opts.expectedHeaders);
  // Keys keep their spelling unless they match an expected header loosely; then they take its spelling.
  const names = new Map<string, string>();
  const nameOf = (key: string): string => {
    let name = names.get(key);
    if (name === undefined) {
      name = wanted.get(headerKey(key)) ?? key;
      names.set(key, name);
    }
    return name;
  };
  const early: { line: Line; object: Record<string, unknown> | null }[] = [];
  const headers: string[] = [];
  try {
    while (early.length < HEADER_SCAN_ROWS) {
      const next = await lines.next();
      if (next.done) break;
      const line = next.value;
      const object = line.tooLong ? null : parseObject(line.text);
      early.push({ line, object });
      for (const key of Object.keys(object ?? {})) {
        const name = nameOf(key);
        if (!headers.includes(name)) headers.push(name);
      }
    }
    if (early.length === 0) throw new ParseError('FILE_UNREADABLE', '文件为空 / The file is empty');
    if (early.every((e) => e.object === null)) {
      throw new ParseError(
        'FILE_FORMAT',
        '文件不是 JSON Lines（每行一个 JSON 对象）/ The file is not JSON Lines',
      );
    }
    if (wanted.size > 0 && headerScore(headers, wanted) === 0)
      throw headerNotFound(opts.expectedHeaders ?? []);
  } catch (e) {
    await lines.return(undefined);
    throw e;
  }
  async function* rows(): AsyncGenerator<RawRow> {
    try {
      for (const { line, object } of early) yield jsonRow(line, object, nameOf, checkReplacement);
      early.length = 0;
      for await (const line of lines) {
        yield jsonRow(line, line.tooLong ? null : parseObject(line.text), nameOf, checkReplacement);
      }
    } finally {
      await lines.return(undefined);
    }
  }
  return { format: 'jsonl', encoding, headers, rows: rows() };
}

// ---------------------------------------------------------------------------------------------------------
// XLSX
//
// exceljs parses the XML (styles, shared strings, cell types, dates); the ZIP is read here, through its central
// directory, instead of by exceljs' WorkbookReader, which in 4.4.0:
//  - garbles Chinese text: it decodes each inflated chunk to a string on its own, so a character split between
//    chunks becomes U+FFFD (about 1 cell in 200 on a Chinese sheet; exceljs issues #2063, #2084, #2316). Our
//    part streams are decoded with setEncoding('utf8'), which carries split characters over.
//  - hangs forever on a corrupt or truncated file (an entry that never ends is awaited with no timeout);
//  - parks every sheet in a temp file when, as Excel and exceljs write them, sheets precede sharedStrings.xml.
// Reading the directory first also means a truncated upload is refused before any row is read, and the first
// sheet is the first visible tab, whatever the order of the parts in the file.

interface ZipEntry {
  method: number;
  compressedSize: number;
  localOffset: number;
}

const MAX32 = 0xffffffff;

function zipTruncated(cause?: unknown): ParseError {
  return new ParseError(
    'FILE_TRUNCATED',
    '文件不完整（可能上传中断），请重新上传 / The file is incomplete (the upload may have been cut off); upload it again',
    { cause },
  );
}

function zipDamaged(cause?: unknown): ParseError {
  return new ParseError(
    'FILE_UNREADABLE',
    '无法读取此 Excel 文件，文件可能已损坏 / Cannot read this Excel file; it may be damaged',
    {
      cause,
    },
  );
}

async function readZipDirectory(path: string, size: number): Promise<Map<string, ZipEntry>> {
  // The end-of-central-directory record is the last thing in a ZIP, after at most a 64 KB comment.
  const tailLength = Math.min(size, 22 + 0xffff);
  const tailStart = size - tailLength;
  const tail = await readBytes(path, tailStart, tailLength);
  const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > tail.length) throw zipTruncated();
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdSize === MAX32 || cdOffset === MAX32 || tail.readUInt16LE(eocd + 10) === 0xffff) {
    // ZIP64: a locator just before the record points at the 64-bit directory record.
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== 0x07064b50) throw zipDamaged();
    const rec = await readBytes(path, Number(tail.readBigUInt64LE(loc + 8)), 56);
    if (rec.length < 56 || rec.readUInt32LE(0) !== 0x06064b50) throw zipTruncated();
    cdSize = Number(rec.readBigUInt64LE(40));
    cdOffset = Number(rec.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > tailStart + eocd) throw zipTruncated();
  if (cdSize > MAX_ZIP_DIRECTORY_BYTES) throw zipDamaged();
  const cd = await readBytes(path, cdOffset, cdSize);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  while (p + 46 <= cd.length && cd.readUInt32LE(p) === 0x02014b50) {
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    const uncompressedSize = cd.readUInt32LE(p + 24);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
    // ZIP64 extra field (id 1): 64-bit values, only for the fields that overflowed, in this order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd && e + 4 <= cd.length) {
      const id = cd.readUInt16LE(e);
      const length = cd.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        if (uncompressedSize === MAX32) q += 8;
        if (compressedSize === MAX32) {
          compressedSize = Number(cd.readBigUInt64LE(q));
          q += 8;
        }
        if (localOffset === MAX32) localOffset = Number(cd.readBigUInt64LE(q));
        break;
      }
      e += 4 + length;
    }
    // Part names in a package are case-insensitive (OPC); a few writers capitalise them.
    entries.set(name.toLowerCase(), { method, compressedSize, localOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  if (entries.size === 0) throw zipDamaged();
  return entries;
}

/** One part of the package as a stream of text; progress counts its compressed bytes. */
async function openPart(
  path: string,
  size: number,
  entry: ZipEntry,
  progress: Progress,
  opened: Set<Readable>,
): Promise<Readable> {
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ParseError('FILE_FORMAT', '不支持的 XLSX 压缩方式 / Unsupported XLSX compression method');
  }
  const local = await readBytes(path, entry.localOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) throw zipDamaged();
  const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (start + entry.compressedSize > size) throw zipTruncated();
  const sink: Transform = entry.method === 8 ? createInflateRaw() : new PassThrough();
  // Decoding on the stream, not per chunk, keeps a character split across chunks whole.
  sink.setEncoding('utf8');
  opened.add(sink);
  if (entry.compressedSize === 0) {
    sink.end();
    return sink;
  }
  const raw = createReadStream(path, {
    start,
    end: start + entry.compressedSize - 1,
    highWaterMark: CHUNK_BYTES,
  });
  // pipeline hands a read error to the sink, whose reader (exceljs' parser) throws it.
  pipeline(raw, sink, () => {});
  raw.on('data', (chunk) => {
    progress.bytes += chunk.length;
  });
  return sink;
}

/** The parts of exceljs' WorkbookReader used here (4.4.0, lib/stream/xlsx/workbook-reader.js); not in its types. */
interface WorkbookReaderInternals {
  model?: { sheets?: { id: number; name: string; state?: string; rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  properties?: { model?: { date1904?: boolean } };
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseWorksheet(
    iterator: AsyncIterable<string>,
    sheetNo: string,
  ): Generator<{ eventType: string; value: ExcelJS.stream.xlsx.WorksheetReader }>;
}

function workbookInternals(): WorkbookReaderInternals {
  // The input is never opened: only the XML parsers are used, fed with our own part streams.
  const reader = new ExcelJS.stream.xlsx.WorkbookReader('', {
    sharedStrings: 'cache',
    styles: 'cache',
    worksheets: 'emit',
    hyperlinks: 'ignore',
    entries: 'ignore',
  }) as unknown as WorkbookReaderInternals;
  for (const m of [
    '_parseRels',
    '_parseWorkbook',
    '_parseStyles',
    '_parseSharedStrings',
    '_parseWorksheet',
  ] as const) {
    if (typeof reader[m] !== 'function')
      throw new Error(`exceljs changed: WorkbookReader.${m} is gone; see parse.ts`);
  }
  return reader;
}

/** Same rule as exceljs' own (utils.isDateFmt), so a formula's date reads like a typed one. */
function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  return /[ymdhMsb]/.test(fmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

function excelSerialToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

/**
 * A cell as the next step wants it. Dates are exceljs' Date objects: their UTC fields hold the wall-clock time
 * written in the sheet (Excel has no time zone), and the normalise step reads them as China time. A plain
 * number stays a number even when it looks like an Excel serial date; normalise decides.
 */
function xlsxCell(cell: ExcelJS.Cell, date1904: boolean): Cell {
  const v = cell.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return cleanText(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean' || v instanceof Date) return v;
  if ('richText' in v) return cleanText(v.richText.map((r) => r.text).join(''));
  if ('error' in v) return null;
  if ('formula' in v || 'sharedFormula' in v) {
    // Never the formula: its cached result, as Excel showed it. =HYPERLINK("http://x","y") caches "y".
    const r = v.result;
    if (r === undefined || r === null) return null;
    if (typeof r === 'string') return cleanText(r);
    if (typeof r === 'number') {
      if (!Number.isFinite(r)) return null;
      return isDateFormat(cell.numFmt) ? excelSerialToDate(r, date1904) : r;
    }
    if (typeof r === 'boolean' || r instanceof Date) return r;
    return null;
  }
  if ('hyperlink' in v) return typeof v.text === 'string' ? cleanText(v.text) : null;
  return null;
}

function xlsxRow(row: ExcelJS.Row, date1904: boolean): SourceRow {
  const values: Cell[] = [];
  let error: RowErrorCode | undefined;
  row.eachCell((cell, col) => {
    if (col > MAX_COLUMNS) return;
    let v = xlsxCell(cell, date1904);
    if (typeof v === 'string' && v.length > MAX_CELL_CHARS) {
      v = preview(v);
      error = 'ROW_TOO_LONG';
    }
    values[col - 1] = v;
  });
  // eachCell skips empty cells, leaving holes.
  for (let i = 0; i < values.length; i++) values[i] ??= null;
  return { rowNo: row.number, values, error };
}

function firstSheetPart(internals: WorkbookReaderInternals, entries: Map<string, ZipEntry>): string {
  const sheets = internals.model?.sheets ?? [];
  // The first tab a person sees: a hidden first sheet usually holds dropdown lists, not data.
  const sheet = sheets.find((s) => s.state !== 'hidden' && s.state !== 'veryHidden') ?? sheets[0];
  const target = internals.workbookRels?.find((r) => r.Id === sheet?.rId)?.Target;
  if (target === undefined) {
    throw new ParseError('FILE_FORMAT', '工作簿中没有工作表 / The workbook has no worksheet');
  }
  const part = target.startsWith('/') ? target.slice(1) : posix.join('xl', target);
  if (!entries.has(part.toLowerCase())) throw zipDamaged();
  return part;
}

async function openXlsx(path: string, size: number, opts: ParseOptions): Promise<ParsedFile> {
  const entries = await readZipDirectory(path, size);
  const progress = new Progress(size, opts.onProgress);
  const streams = new Set<Readable>();
  const part = async (name: string) => {
    const entry = entries.get(name.toLowerCase());
    return entry === undefined ? undefined : openPart(path, size, entry, progress, streams);
  };
  const internals = workbookInternals();
  let sheetPart: string;
  try {
    const rels = await part('xl/_rels/workbook.xml.rels');
    const workbook = await part('xl/workbook.xml');
    if (rels === undefined || workbook === undefined) {
      throw new ParseError('FILE_FORMAT', '不是 Excel 工作簿 / The file is not an Excel workbook');
    }
    await internals._parseRels(rels);
    await internals._parseWorkbook(workbook);
    sheetPart = firstSheetPart(internals, entries);
    const styles = await part('xl/styles.xml');
    if (styles !== undefined) await internals._parseStyles(styles);
    // Cached in memory: rows point into it by index. It holds each distinct text once.
    const strings = await part('xl/sharedStrings.xml');
    if (strings !== undefined) for await (const _ of internals._parseSharedStrings(strings));
  } catch (e) {
    throw e instanceof ParseError ? e : zipDamaged(e);
  } finally {
    for (const s of streams) s.destroy();
    streams.clear();
  }
  const date1904 = internals.properties?.model?.date1904 === true;
  const sheetNo = /sheet(\d+)\.xml$/.exec(sheetPart)?.[1] ?? '1';

  async function* source(): AsyncGenerator<SourceRow> {
    let lastRowNo = 0;
    try {
      const sheetEntry = entries.get(sheetPart.toLowerCase())!;
      const stream = await openPart(path, size, sheetEntry, progress, streams);
      const first = internals._parseWorksheet(stream, sheetNo).next();
      if (first.done) throw zipDamaged();
      const rows = first.value.value[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<ExcelJS.Row>;
        try {
          next = await rows.next();
        } catch (e) {
          throw lastRowNo === 0
            ? zipDamaged(e)
            : new ParseError(
                'FILE_TRUNCATED',
                `文件在第 ${lastRowNo} 行之后损坏或不完整 / The file is damaged or incomplete after row ${lastRowNo}`,
                { rowNo: lastRowNo, cause: e },
              );
        }
        if (next.done) break;
        lastRowNo = next.value.number;
        progress.report();
        yield xlsxRow(next.value, date1904);
      }
      progress.finish();
    } finally {
      for (const s of streams) s.destroy();
    }
  }

  const table = await tabulate(source(), opts.expectedHeaders, 'xlsx');
  return { format: 'xlsx', encoding: null, ...table };
}

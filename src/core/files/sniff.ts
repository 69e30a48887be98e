import { AppError } from '../errors.ts';

/**
 * What a file really is, decided from its first bytes. The client's Content-Type and the file name are
 * the uploader's word and are not trusted: a downloaded attachment is served with the type found here
 * (and `nosniff`), so an HTML page or an SVG with a script cannot pass as a photo and run in our origin.
 * The extension is consulted only where the bytes cannot tell (a ZIP that is an Office file; plain text).
 */
export const MIME = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  text: 'text/plain',
} as const;
export type AllowedMime = (typeof MIME)[keyof typeof MIME];

const ALLOWED_TEXT =
  '允许：JPEG、PNG、GIF、WebP 图片，PDF，MP4 视频，MP3 音频，Word/Excel/PowerPoint（.docx/.xlsx/.pptx），' +
  'UTF-8 文本（.txt/.csv） / Allowed: JPEG, PNG, GIF and WebP images, PDF, MP4 video, MP3 audio, ' +
  'Word/Excel/PowerPoint (.docx/.xlsx/.pptx), UTF-8 text (.txt/.csv)';

function forbidden(zh: string, en: string, filename: string): AppError {
  return new AppError('FILE_TYPE_FORBIDDEN', `不允许的文件类型：${zh}。${ALLOWED_TEXT}`, [
    { path: 'file', code: en, message: `${filename}: ${en}` },
  ]);
}

const startsWith = (b: Buffer, sig: readonly number[], at = 0) =>
  b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (b: Buffer, s: string, at = 0) =>
  b.length >= at + s.length && b.toString('latin1', at, at + s.length) === s;

function extension(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot > 0 ? filename.slice(dot + 1).toLowerCase() : '';
}

/** Programs, whatever they are named: Windows PE, ELF, Mach-O (thin and fat), scripts with a shebang. */
function executable(b: Buffer): boolean {
  return (
    ascii(b, 'MZ') ||
    startsWith(b, [0x7f, 0x45, 0x4c, 0x46]) ||
    ascii(b, '#!') ||
    [
      [0xfe, 0xed, 0xfa, 0xce],
      [0xfe, 0xed, 0xfa, 0xcf],
      [0xce, 0xfa, 0xed, 0xfe],
      [0xcf, 0xfa, 0xed, 0xfe],
      [0xca, 0xfe, 0xba, 0xbe],
    ].some((sig) => startsWith(b, sig))
  );
}

// ISO base media files all begin with an `ftyp` box; its brands tell MP4 video from HEIC/AVIF images
// (also ISO BMFF, but not something a <video> element plays) and from QuickTime.
const MP4_BRANDS = new Set([
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'iso7',
  'iso8',
  'iso9',
  'mp41',
  'mp42',
  'mp71',
  'avc1',
  'dash',
  'mmp4',
  'msnv',
  'M4V ',
  'M4VH',
  'M4VP',
  'f4v ',
]);
const IMAGE_BRANDS = new Set([
  'heic',
  'heix',
  'hevc',
  'hevx',
  'heim',
  'heis',
  'mif1',
  'msf1',
  'avif',
  'avis',
]);

function mp4(b: Buffer): boolean {
  if (b.length < 12 || !ascii(b, 'ftyp', 4)) return false;
  const major = b.toString('latin1', 8, 12);
  if (IMAGE_BRANDS.has(major)) return false;
  if (MP4_BRANDS.has(major)) return true;
  // Compatible brands follow the minor version, up to the end of the box (as far as the head holds it).
  const boxEnd = Math.min(b.readUInt32BE(0), b.length);
  for (let at = 16; at + 4 <= boxEnd; at += 4) {
    if (MP4_BRANDS.has(b.toString('latin1', at, at + 4))) return true;
  }
  return false;
}

/** An ID3v2 tag, or an MPEG audio frame header whose fields are not the reserved values. */
function mp3(b: Buffer): boolean {
  if (ascii(b, 'ID3') && b.length >= 5 && b[3]! >= 2 && b[3]! <= 4 && b[4] !== 0xff) return true;
  if (b.length < 3 || b[0] !== 0xff) return false;
  const b1 = b[1]!;
  const b2 = b[2]!;
  const sync = (b1 & 0xe0) === 0xe0;
  const version = (b1 >> 3) & 0b11; // 01 is reserved
  const layer = (b1 >> 1) & 0b11; // 00 is reserved (and what AAC's ADTS header has)
  const bitrate = b2 >> 4; // 1111 is invalid
  const sampleRate = (b2 >> 2) & 0b11; // 11 is reserved
  return sync && version !== 0b01 && layer !== 0b00 && bitrate !== 0b1111 && sampleRate !== 0b11;
}

/** Markup a browser could render as a page (HTML) or as an image that runs scripts (SVG), or XML. */
function markup(b: Buffer): boolean {
  const text = b
    .toString('latin1', 0, Math.min(b.length, 512))
    .replace(/^\xef\xbb\xbf/, '')
    .trimStart()
    .toLowerCase();
  return /^<(!doctype\s+html|html|head|body|script|iframe|svg|\?xml|!--)/.test(text);
}

/**
 * Plain text: no NUL byte and valid UTF-8. When `head` is only the start of a longer file it may end in
 * the middle of a character; the streaming decoder holds such a tail back instead of calling it invalid.
 */
function utf8Text(head: Buffer, whole: boolean): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !whole });
    return true;
  } catch {
    return false;
  }
}

/**
 * The type of an upload from its first bytes (`head`, at most 4 KiB) and, where the bytes alone cannot
 * tell, its (already cleaned) file name. `size` is the whole file's size: it says whether `head` is all of
 * it. Anything not positively recognised is refused with FILE_TYPE_FORBIDDEN.
 */
export function sniff(head: Buffer, filename: string, size = head.length): AllowedMime {
  const ext = extension(filename);
  if (executable(head)) throw forbidden('可执行程序或脚本', 'executable or script', filename);
  if (startsWith(head, [0xff, 0xd8, 0xff])) return MIME.jpeg;
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return MIME.png;
  if (ascii(head, 'GIF87a') || ascii(head, 'GIF89a')) return MIME.gif;
  if (ascii(head, 'RIFF') && ascii(head, 'WEBP', 8)) return MIME.webp;
  if (ascii(head, '%PDF-')) return MIME.pdf;
  if (mp4(head)) return MIME.mp4;
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    // A ZIP is an Office document only by its name; any other ZIP could carry anything.
    if (ext === 'docx' || ext === 'xlsx' || ext === 'pptx') return MIME[ext];
    throw forbidden('压缩包（仅允许 .docx/.xlsx/.pptx）', 'ZIP archive (only .docx/.xlsx/.pptx)', filename);
  }
  if (mp3(head)) return MIME.mp3;
  if (markup(head)) throw forbidden('HTML/SVG/XML 标记文件', 'HTML, SVG or XML markup', filename);
  if (ext === 'txt' || ext === 'csv') {
    if (utf8Text(head, size <= head.length)) return MIME.text;
    throw forbidden('非 UTF-8 文本或二进制内容', 'not UTF-8 text', filename);
  }
  throw forbidden('无法识别', 'unrecognised content', filename);
}

import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { MIME, sniff } from './sniff.ts';

const bytes = (...parts: (number[] | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** An `ftyp` box: size, 'ftyp', major brand, minor version, compatible brands. */
const ftyp = (major: string, ...compatible: string[]) => {
  const b = bytes([0, 0, 0, 0], 'ftyp', major, [0, 0, 0, 0], ...compatible, [0, 0, 0, 8], 'free');
  b.writeUInt32BE(16 + 4 * compatible.length, 0);
  return b;
};

function refused(head: Buffer, filename: string, size?: number): AppError {
  try {
    sniff(head, filename, size);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('FILE_TYPE_FORBIDDEN');
    // The refusal says what is allowed, so that the uploader knows what to send instead.
    expect((e as AppError).message).toContain('.docx/.xlsx/.pptx');
    return e as AppError;
  }
  throw new Error(`${filename} was accepted`);
}

describe('sniff: allowed types, from the bytes', () => {
  it.each([
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF'), 'photo.jpg', MIME.jpeg],
    ['PNG', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR'), '现场.png', MIME.png],
    ['GIF87a', bytes('GIF87a', [1, 0, 1, 0]), 'a.gif', MIME.gif],
    ['GIF89a', bytes('GIF89a', [1, 0, 1, 0]), 'a.gif', MIME.gif],
    ['WebP', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '), 'a.webp', MIME.webp],
    ['PDF', bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'), '报告.pdf', MIME.pdf],
    ['MP4 (isom)', ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), 'v.mp4', MIME.mp4],
    ['MP4 (mp42)', ftyp('mp42', 'mp42', 'isom'), 'v.mp4', MIME.mp4],
    ['MP4 (unlisted major, compatible isom)', ftyp('XAVC', 'XAVC', 'mp42', 'iso2'), 'v.mp4', MIME.mp4],
    ['MP3 with ID3', bytes('ID3', [4, 0, 0, 0, 0, 0, 0]), 'a.mp3', MIME.mp3],
    ['MP3 frame sync (MPEG-1 layer III)', bytes([0xff, 0xfb, 0x90, 0x64]), 'a.mp3', MIME.mp3],
    ['MP3 frame sync (MPEG-2 layer III)', bytes([0xff, 0xf3, 0x64, 0xc4]), 'a.mp3', MIME.mp3],
    ['DOCX', bytes('PK', [3, 4, 20, 0], '[Content_Types].xml'), '笔录.docx', MIME.docx],
    ['XLSX', bytes('PK', [3, 4, 20, 0]), '台账.XLSX', MIME.xlsx],
    ['PPTX', bytes('PK', [3, 4, 20, 0]), '汇报.pptx', MIME.pptx],
    ['UTF-8 text', Buffer.from('居民反映楼道堆物，已劝离。\n'), '记录.txt', MIME.text],
    ['UTF-8 CSV with BOM', Buffer.from('\ufeff姓名,地址\n张三,鼓楼\n'), '名单.csv', MIME.text],
  ])('%s', (_what, head, filename, mime) => {
    expect(sniff(head, filename)).toBe(mime);
  });

  it('decides by content, whatever the name says', () => {
    expect(sniff(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a]), 'scan.pdf')).toBe(MIME.png);
    expect(sniff(bytes('%PDF-1.4'), 'no-extension')).toBe(MIME.pdf);
  });

  it('accepts a text head cut in the middle of a character when the file goes on', () => {
    const text = Buffer.from('网格'.repeat(700)); // 4,200 bytes of 3-byte characters
    const head = text.subarray(0, 4096); // 4096 = 3 × 1365 + 1: ends inside a character
    expect(sniff(head, 'a.txt', text.length)).toBe(MIME.text);
    // The same bytes as a whole file are invalid UTF-8.
    refused(head, 'a.txt', head.length);
  });
});

describe('sniff: refused types', () => {
  it.each([
    ['a Windows program', bytes('MZ', [0x90, 0, 3, 0]), 'setup.exe', 'executable'],
    ['a Windows program named as a photo', bytes('MZ', [0x90, 0]), 'photo.jpg', 'executable'],
    ['an ELF program', bytes([0x7f], 'ELF', [2, 1, 1]), 'a.txt', 'executable'],
    ['a Mach-O program', bytes([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]), 'a', 'executable'],
    ['a shell script', bytes('#!/bin/sh\nrm -rf /\n'), 'run.txt', 'executable'],
    ['HTML', bytes('<!DOCTYPE html><html><script>alert(1)</script>'), 'page.html', 'markup'],
    ['HTML named as text', bytes('\n  <html><body onload=alert(1)>'), 'notes.txt', 'markup'],
    [
      'SVG',
      bytes('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      'a.svg',
      'markup',
    ],
    ['SVG with an XML declaration', bytes('<?xml version="1.0"?>\n<svg/>'), 'a.svg', 'markup'],
    ['a ZIP that is not an Office file', bytes('PK', [3, 4, 20, 0]), 'files.zip', 'ZIP'],
    ['a ZIP named .docm (macros)', bytes('PK', [3, 4, 20, 0]), 'a.docm', 'ZIP'],
    ['HEIC (ISO BMFF, but an image)', ftyp('heic', 'mif1', 'heic'), 'a.mp4', 'unrecognised'],
    ['QuickTime', ftyp('qt  ', 'qt  '), 'a.mov', 'unrecognised'],
    ['AAC (ADTS, layer 00)', bytes([0xff, 0xf1, 0x50, 0x80]), 'a.mp3', 'unrecognised'],
    ['text with a NUL byte', bytes('abc', [0], 'def'), 'a.txt', 'not UTF-8'],
    ['GBK text', Buffer.from([0xc4, 0xe3, 0xba, 0xc3]), 'a.csv', 'not UTF-8'],
    ['UTF-8 text under another extension', Buffer.from('hello'), 'a.log', 'unrecognised'],
    [
      'an old Word file (OLE2)',
      bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      'a.doc',
      'unrecognised',
    ],
    ['nothing at all', Buffer.alloc(0), 'a.bin', 'unrecognised'],
  ])('%s', (_what, head, filename, reason) => {
    const e = refused(head, filename);
    expect(e.details?.[0]?.message).toContain(filename);
    expect(e.details?.[0]?.code).toContain(reason);
  });
});

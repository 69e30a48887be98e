import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { createLocalStore, HEAD_BYTES } from './store.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-store-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const store = createLocalStore(root);

/** Small chunks, as a network upload arrives, so that the limit and the head are crossed mid-stream. */
const chunked = (b: Buffer, size = 1000) =>
  Readable.from(
    Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)),
  );

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const filesUnder = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));

describe('local blob store', () => {
  it('stores by content hash under ab/cd/, returns size and the first 4 KiB, and reads back', async () => {
    const data = randomBytes(10_000);
    const r = await store.put(chunked(data), { maxBytes: 20_000 });
    expect(r).toMatchObject({ sha256: sha(data), size: 10_000 });
    expect(r.head.equals(data.subarray(0, HEAD_BYTES))).toBe(true);
    expect(fs.existsSync(path.join(root, r.sha256.slice(0, 2), r.sha256.slice(2, 4), r.sha256))).toBe(true);
    expect(await store.has(r.sha256)).toBe(true);
    const back = await buffer(store.open(r.sha256));
    expect(back.equals(data)).toBe(true);
  });

  it('keeps one file for the same content stored twice', async () => {
    const data = Buffer.from('同一份证据 the same evidence');
    const a = await store.put(Readable.from([data]), { maxBytes: 1000 });
    const b = await store.put(Readable.from([data]), { maxBytes: 1000 });
    expect(b.sha256).toBe(a.sha256);
    expect(filesUnder(root).filter((f) => f.endsWith(a.sha256))).toHaveLength(1);
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('refuses more than maxBytes, keeping nothing, and stops reading the source', async () => {
    const before = filesUnder(root).length;
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(1000, 1));
      },
    });
    const e = await store.put(endless, { maxBytes: 5000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('FILE_TOO_LARGE');
    expect((e as AppError).message).toMatch(/MB/);
    expect(endless.destroyed).toBe(true);
    expect(pulled).toBeLessThan(50);
    expect(filesUnder(root)).toHaveLength(before);
    // Exactly the limit is allowed.
    expect((await store.put(chunked(Buffer.alloc(5000, 2)), { maxBytes: 5000 })).size).toBe(5000);
  });

  it('passes a failing source’s error on and keeps no temp file', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(store.put(failing, { maxBytes: 1000 })).rejects.toThrow('connection reset');
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('answers has() for a missing blob and refuses names that are not hashes', async () => {
    expect(await store.has('0'.repeat(64))).toBe(false);
    expect(await store.has('../../etc/passwd')).toBe(false);
    expect(() => store.open('../../etc/passwd')).toThrow(/not a sha256/);
    await expect(text(store.open('f'.repeat(64)))).rejects.toThrow(/ENOENT/);
  });
});

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.ts';

/** How much of a file's beginning `put` hands back: enough for every signature `sniff` looks at. */
export const HEAD_BYTES = 4096;

export interface StoredBlob {
  sha256: string;
  size: number;
  /** The first HEAD_BYTES bytes (fewer for a smaller file), for deciding the type from the content. */
  head: Buffer;
}

/**
 * Content-addressed storage of uploaded files: a blob is named by the SHA-256 of its bytes, so the same
 * evidence uploaded twice is stored once and a name can never point at other content.
 *
 * This interface is the seam for a later S3-compatible store (MinIO, OSS, COS…): `put` streams and
 * hashes, `open` streams back, `has` checks presence. Nothing else in the code knows about disks.
 */
export interface BlobStore {
  /** Streams `source` into the store; over `maxBytes` it stops, keeps nothing and throws FILE_TOO_LARGE. */
  put(source: Readable, opts: { maxBytes: number }): Promise<StoredBlob>;
  /** The blob's bytes; a missing blob surfaces as an 'error' on the stream (ENOENT). */
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  /**
   * A local path to the blob for readers that need one (the XLSX reader seeks); a remote store would download
   * to a temporary file here.
   */
  localPath(sha256: string): Promise<string>;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function tooLarge(maxBytes: number): AppError {
  const mb = Math.round((maxBytes / 1_048_576) * 100) / 100;
  return new AppError(
    'FILE_TOO_LARGE',
    `文件超过 ${mb} MB 的上限 / The file is larger than the limit of ${mb} MB`,
  );
}

/**
 * A store in a local folder: `<root>/ab/cd/<sha256>`, written through `<root>/tmp`. The temp folder sits
 * inside the root so that the final rename stays on one file system and is atomic: a reader sees either
 * no blob or the whole blob, never half of one.
 */
export function createLocalStore(rootDir: string): BlobStore {
  const root = path.resolve(rootDir);
  const tmpDir = path.join(root, 'tmp');
  const blobPath = (sha256: string) => {
    // The name comes from our own hash or from a database row; checked anyway, as it becomes a path.
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256.slice(0, 80)}`);
    return path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  const exists = (p: string) =>
    access(p).then(
      () => true,
      () => false,
    );

  return {
    async put(source, { maxBytes }) {
      // Evidence may show people: the folders and files are for the server's user only.
      await mkdir(tmpDir, { recursive: true, mode: 0o700 });
      const tmp = path.join(tmpDir, `${randomUUID()}.part`);
      const hash = createHash('sha256');
      let size = 0;
      const head: Buffer[] = [];
      let headLength = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          // Counted as the bytes arrive, so that an endless upload stops at the limit, not at the disk's end.
          if (size > maxBytes) return done(tooLarge(maxBytes));
          hash.update(chunk);
          if (headLength < HEAD_BYTES) {
            // A copy: the head outlives the chunk, whose memory its producer may reuse.
            const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - headLength));
            head.push(part);
            headLength += part.length;
          }
          done(null, chunk);
        },
      });
      // `flush`: fsync before close, so that the bytes are on disk before the database row that will point
      // at them is committed.
      const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true });
      try {
        // pipeline destroys every stream on the first error, the source included: a refused upload stops
        // being read instead of draining into nowhere.
        await pipeline(source, meter, out);
      } catch (e) {
        // A stream destroyed while still opening creates its file afterwards: delete once it has closed.
        // (Not events.once: it would reject on the stream's own 'error', the very error being handled.)
        if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
        await rm(tmp, { force: true });
        throw e;
      }
      const sha256 = hash.digest('hex');
      const target = blobPath(sha256);
      try {
        if (await exists(target)) {
          // The same content is already stored (the bytes are the name): keep the one we have.
          await rm(tmp, { force: true });
        } else {
          await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
          // Two uploads of the same new content may race here: both renames put identical bytes in place.
          await rename(tmp, target);
        }
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      return { sha256, size, head: Buffer.concat(head) };
    },

    open(sha256) {
      return createReadStream(blobPath(sha256));
    },

    async has(sha256) {
      return SHA256.test(sha256) && exists(blobPath(sha256));
    },
    async localPath(sha256) {
      return blobPath(sha256);
    },
  };
}

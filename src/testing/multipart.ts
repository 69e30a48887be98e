import { randomBytes } from 'node:crypto';

export type Part =
  | { name: string; filename: string; data: Buffer; type?: string }
  | { name: string; value: string };

/**
 * A multipart/form-data body as a browser sends it: file names as raw UTF-8 in `filename="…"`, each part's
 * declared type as the client guesses it (and the server ignores).
 */
export function form(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----zhili-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition =
      'filename' in p
        ? `form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}`
        : `form-data; name="${p.name}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    chunks.push('filename' in p ? p.data : Buffer.from(p.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

import { ApiError, type Schemas, UNAUTHENTICATED_EVENT } from '../../../api/client';

/** The server takes at most 10 files per request (src/server/routes/attachments.routes.ts). */
const FILES_PER_REQUEST = 10;

/** What the server accepts (typed from the bytes; executables, HTML and SVG are refused with 415). */
export const ACCEPT =
  'image/jpeg,image/png,image/gif,image/webp,application/pdf,video/mp4,audio/mpeg,.docx,.xlsx,.pptx,.txt,.csv';

function send(
  matterId: string,
  files: File[],
  note: string | undefined,
  onProgress: (fraction: number) => void,
): Promise<Schemas['Attachment'][]> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    if (note) form.append('note', note);
    for (const f of files) form.append('file', f, f.name);
    // XMLHttpRequest, not fetch: only it reports upload progress, which a phone on a slow network needs.
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/matters/${encodeURIComponent(matterId)}/attachments`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      const body: unknown = xhr.response;
      if (xhr.status === 201 && body && typeof body === 'object' && 'attachments' in body) {
        resolve((body as { attachments: Schemas['Attachment'][] }).attachments);
        return;
      }
      const err = new ApiError(xhr.status, (body ?? undefined) as ConstructorParameters<typeof ApiError>[1]);
      if (xhr.status === 401)
        window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: err.code }));
      reject(err);
    };
    xhr.onerror = () => reject(new Error('网络错误，上传未完成 / Network error: the upload did not finish'));
    xhr.onabort = () => reject(new Error('上传已取消 / Upload cancelled'));
    xhr.send(form);
  });
}

/**
 * Uploads files to a matter as multipart (`file` parts, optional `note`), in requests of at most 10 files,
 * reporting overall progress from 0 to 1. Each request becomes one 添加附件 entry on the timeline.
 */
export async function uploadAttachments(
  matterId: string,
  files: File[],
  opts: { note?: string | undefined; onProgress?: (fraction: number) => void } = {},
): Promise<Schemas['Attachment'][]> {
  const batches: File[][] = [];
  for (let i = 0; i < files.length; i += FILES_PER_REQUEST)
    batches.push(files.slice(i, i + FILES_PER_REQUEST));
  const out: Schemas['Attachment'][] = [];
  for (const [i, batch] of batches.entries()) {
    const done = await send(matterId, batch, i === 0 ? opts.note : undefined, (f) =>
      opts.onProgress?.((i + f) / batches.length),
    );
    out.push(...done);
  }
  opts.onProgress?.(1);
  return out;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1_048_576) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

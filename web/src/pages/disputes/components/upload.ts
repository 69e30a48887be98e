import { ApiError, type Schemas, UNAUTHENTICATED_EVENT } from '../../../api/client';

export type ImportJob = Schemas['ImportJob'];

/** What the import accepts (the parser detects the real format from the bytes). */
export const IMPORT_ACCEPT = '.csv,.xlsx,.jsonl,.json,.txt';

/**
 * Uploads a department's file for a source: multipart with one `file` part, through XMLHttpRequest so that
 * the upload itself reports progress (a 100 MB export on a county's line takes a while). The server answers
 * 202 with a new job, or 200 with the job made when the same file was imported before — nothing is added
 * twice, and the caller says so.
 */
export function uploadImport(
  source: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<{ job: ImportJob; existing: boolean }> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/disputes/imports?source=${encodeURIComponent(source)}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      const body: unknown = xhr.response;
      if ((xhr.status === 202 || xhr.status === 200) && body && typeof body === 'object' && 'id' in body) {
        onProgress(1);
        resolve({ job: body as ImportJob, existing: xhr.status === 200 });
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

/** A job still moving: the page polls it. */
export const isActive = (j: Pick<ImportJob, 'status'>) => j.status === 'queued' || j.status === 'running';

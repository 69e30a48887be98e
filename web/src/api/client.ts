import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

/** The typed client: paths, parameters and bodies come from the server's OpenAPI document (scripts/gen-api.ts). */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

export type Schemas = components['schemas'];

export interface ErrorDetail {
  path?: string;
  row?: number;
  code?: string;
  message: string;
}

/** An error answer of the API: its stable code, the server's message (Chinese / English) and request id. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId: string | undefined;
  readonly details: ErrorDetail[];
  constructor(
    status: number,
    body: { code?: string; message?: string; requestId?: string; details?: ErrorDetail[] } | undefined,
  ) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? 'HTTP_ERROR';
    this.requestId = body?.requestId;
    this.details = body?.details ?? [];
  }
}

export const UNAUTHENTICATED_EVENT = 'zhili:unauthenticated';

/**
 * Turns an openapi-fetch result into its data or a thrown ApiError. A 401 anywhere also tells the session
 * layer (a window event), which sends the user to the login page with the reason.
 */
export async function unwrap<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (response.ok) return data as T;
  const err = new ApiError(response.status, error as ConstructorParameters<typeof ApiError>[1]);
  if (response.status === 401)
    window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: err.code }));
  throw err;
}

/** The message to show for an error, in the user's language (the server sends "中文 / English"). */
export function errorText(e: unknown, lang: 'zh' | 'en'): string {
  const msg = e instanceof Error ? e.message : String(e);
  const [zh, en] = msg.split(' / ');
  return (lang === 'en' ? (en ?? zh) : zh) ?? msg;
}

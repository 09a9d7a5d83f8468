/** Calls to the JSON API with errors turned into sentences. */
import { prefix } from './dom.js';

/** A refused or failed request, with the sentence to show. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The readable message of an error response: {error}, {traceback: [...]}, {problems}, text, or the status. */
export function messageOf(status: number, body: string): string {
  if (status === 413) {
    return 'The upload is larger than this server accepts (the MAX_UPLOAD_SIZE setting).';
  }
  try {
    const j = JSON.parse(body) as { error?: unknown; traceback?: unknown; problems?: unknown; error_msg?: unknown };
    if (Array.isArray(j.problems) && j.problems.length > 0) {
      return j.problems.map(String).join(' ');
    }
    if (Array.isArray(j.traceback) && j.traceback.length > 0) {
      return j.traceback.map(String).join('\n').trim();
    }
    if (typeof j.error === 'string' && j.error) {
      return j.error;
    }
  } catch {
    // not JSON
  }
  const text = body.trim();
  if (text && text.length < 500 && !text.startsWith('<')) {
    return text;
  }
  if (status === 403) {
    return 'You are not allowed to do this (or your session has ended: reload the page to log in again).';
  }
  if (status === 404) {
    return 'Not found: it may have been removed meanwhile.';
  }
  return `The server could not do this (HTTP status ${status}).`;
}

/** fetch() under the prefix; throws ApiError with a sentence on any non-2xx answer or network failure. */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${prefix()}${path}`, { credentials: 'same-origin', ...init, headers: { Accept: 'application/json', ...(init.headers ?? {}) } });
  } catch {
    throw new ApiError(0, 'The server cannot be reached: check the connection and try again.');
  }
  if (!res.ok) {
    throw new ApiError(res.status, messageOf(res.status, await res.text()));
  }
  return res;
}

/** GET JSON. */
export async function getJson<T>(path: string): Promise<T> {
  return (await call(path)).json() as Promise<T>;
}

/** Sends JSON (POST, PATCH, DELETE) and reads the JSON answer. */
export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await call(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

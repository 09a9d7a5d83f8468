import { classifyDatabaseError } from './db/errors.js';

/** An error that becomes an HTTP answer: status, and a message safe to show. */
export class HttpError extends Error {
  readonly expose = true;
  constructor(readonly status: number, message: string, readonly body?: unknown) {
    super(message);
  }
}

/** 400: the request is malformed; the message says what was wrong. */
export const badRequest = (msg: string): HttpError => new HttpError(400, msg);
/** 403: the caller may not do this. */
export const forbidden = (msg = 'Forbidden'): HttpError => new HttpError(403, msg);
/** 404: no such thing (or the route is disabled). */
export const notFound = (msg = 'Not Found'): HttpError => new HttpError(404, msg);
/** 409: the thing is not in a state that allows this. */
export const conflict = (msg: string): HttpError => new HttpError(409, msg);
/** 413: the upload is too large. */
export const tooLarge = (msg: string): HttpError => new HttpError(413, msg);
/** 503: the server cannot answer now; the message is the client's short version, the log has the operator's. */
export const serviceUnavailable = (msg: string): HttpError => new HttpError(503, msg);

/** What every route answers while the database cannot be used. */
export const DATABASE_UNAVAILABLE = 'Service Unavailable: the server cannot use its database (its log says why)';

/**
 * When `err` means the database at `databaseUrl` cannot be used (src/db/errors.ts decides): the
 * 503 for the client and the sentence for the operator's log; null for any other error.
 */
export function databaseUnavailable(err: unknown, databaseUrl: string): { answer: HttpError; logLine: string } | null {
  // an answer a route chose stays its answer, whatever caused it
  const found = err instanceof HttpError ? null : classifyDatabaseError(err, databaseUrl);
  return found === null ? null : { answer: serviceUnavailable(DATABASE_UNAVAILABLE), logLine: found.message };
}

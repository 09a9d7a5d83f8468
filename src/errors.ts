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

/**
 * Receiving a multipart upload (busboy) into a staging folder, with limits: each file and the
 * whole request at most `maxBytes`. Every refusal is an HttpError (400, 413) with a message.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { badRequest, HttpError, tooLarge } from '../errors.js';

/** One file of the upload, saved under the staging folder. */
export interface ReceivedFile {
  field: string;
  /** The client's file name (a plain base name, checked). */
  name: string;
  /** Where it was saved. */
  path: string;
  size: number;
}

/** Everything the request carried. */
export interface Received {
  files: ReceivedFile[];
  fields: Record<string, string>;
}

/** Limits of one upload. */
export interface UploadLimits {
  /** Largest file, and largest request body. */
  maxBytes: number;
  maxFiles: number;
}

/** The base name of an uploaded file (browsers on Windows may send a whole path); 400 for names that are not usable. */
export function checkFileName(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  if (base === '' || base === '.' || base === '..' || base.includes('\0') || Buffer.byteLength(base) > 255) {
    throw badRequest(`Invalid file name ${JSON.stringify(name)}`);
  }
  return base;
}

/** Counts the bytes of the whole request against the limit. */
class TotalCounter extends Transform {
  bytes = 0;
  constructor(private readonly max: number, private readonly onOver: () => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) {
      this.onOver();
      done();
      return;
    }
    done(null, chunk);
  }
}

/**
 * Reads a multipart/form-data request: files of the `fileFields` go to `staging/received/`,
 * other files are skipped, text fields are kept (the last value wins).
 */
export async function receiveUpload(req: IncomingMessage, staging: string, fileFields: string[], limits: UploadLimits): Promise<Received> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    throw badRequest('Expected a multipart/form-data upload');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.maxBytes) {
    throw tooLarge(`The upload is larger than the MAX_UPLOAD_SIZE of ${limits.maxBytes} bytes`);
  }
  const dir = path.join(staging, 'received');
  await mkdir(dir, { recursive: true });
  const received: Received = { files: [], fields: {} };
  let refusal: HttpError | null = null;
  const writes: Promise<void>[] = [];
  const open = new Map<Readable, WriteStream>();
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { fileSize: limits.maxBytes, files: limits.maxFiles, fields: 50, fieldSize: 64 * 1024, parts: limits.maxFiles + 50 },
    });
  } catch (err) {
    throw badRequest(`Malformed multipart upload: ${(err as Error).message}`);
  }
  return new Promise<Received>((resolve, reject) => {
    const counter = new TotalCounter(limits.maxBytes, () => refuse(tooLarge(`The upload is larger than the MAX_UPLOAD_SIZE of ${limits.maxBytes} bytes`)));
    let settled = false;
    const finish = (err: HttpError | null): void => {
      if (settled) {
        return;
      }
      settled = true;
      if (err) {
        // stop parsing; the rest of the body is read and dropped so that the answer can be sent;
        // files being written will get no more data: end their writes now
        req.unpipe(counter);
        counter.unpipe(bb);
        req.resume();
        for (const [stream, out] of open) {
          // both ends: pipeline() would wait forever for the 'end' of a source that had already
          // pushed its last chunk when it was destroyed; a destroyed destination settles it
          stream.destroy();
          out.destroy();
        }
        void Promise.allSettled(writes).then(() => reject(err));
      } else {
        void Promise.all(writes).then(() => resolve(received), (e) => reject(e));
      }
    };
    const refuse = (err: HttpError): void => {
      refusal = refusal ?? err;
      finish(refusal);
    };
    bb.on('file', (field, stream, info) => {
      if (refusal || !fileFields.includes(field)) {
        stream.resume();
        return;
      }
      let name: string;
      try {
        name = checkFileName(info.filename ?? '');
      } catch (err) {
        stream.resume();
        refuse(err as HttpError);
        return;
      }
      if (received.files.some((f) => f.name === name)) {
        stream.resume();
        refuse(badRequest(`The file ${JSON.stringify(name)} was uploaded twice`));
        return;
      }
      const file: ReceivedFile = { field, name, path: path.join(dir, `${received.files.length}-${name}`), size: 0 };
      received.files.push(file);
      const out = createWriteStream(file.path, { flags: 'wx' });
      open.set(stream, out);
      out.once('close', () => open.delete(stream));
      stream.on('data', (chunk: Buffer) => {
        file.size += chunk.length;
      });
      stream.on('limit', () => refuse(tooLarge(`The file ${JSON.stringify(name)} is larger than the MAX_UPLOAD_SIZE of ${limits.maxBytes} bytes`)));
      writes.push(pipeline(stream, out).catch((err: unknown) => {
        if (!refusal) {
          refuse(new HttpError(500, `Cannot save the upload: ${(err as Error).message}`));
        }
      }));
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) {
        refuse(badRequest(`The form field ${JSON.stringify(name)} is too long`));
        return;
      }
      received.fields[name] = value;
    });
    bb.on('filesLimit', () => refuse(badRequest(`Too many files: at most ${limits.maxFiles} per upload`)));
    bb.on('fieldsLimit', () => refuse(badRequest('Too many form fields')));
    bb.on('partsLimit', () => refuse(badRequest('Too many parts in the upload')));
    bb.on('error', (err: Error) => refuse(badRequest(`Malformed multipart upload: ${err.message}`)));
    bb.on('close', () => finish(refusal));
    req.on('aborted', () => refuse(badRequest('The upload was interrupted')));
    req.pipe(counter).pipe(bb);
  });
}

/**
 * Receiving a multipart upload (busboy) into a staging folder, with limits: each file and the
 * whole request at most `maxBytes`. Every refusal is an HttpError (400, 413) with a message.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, statfs } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { badRequest, HttpError, tooLarge } from '../errors.js';
import { uploadFolderPrefix } from '../runner/stale-uploads.js';
import type { Settings } from '../settings/schema.js';
import { uploadsDir } from './paths.js';

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
  /** What is left of the user's USER_QUOTA, when that is less than maxBytes (see `checkSpace`). */
  quota?: Space;
}

/**
 * A fresh staging folder for one upload under DATA_DIR/uploads, named after this process so
 * that the folders of a worker that died are known (src/runner/stale-uploads.ts).
 */
export async function stagingFolder(dataDir: string): Promise<string> {
  const root = uploadsDir(dataDir);
  await mkdir(root, { recursive: true });
  return mkdtemp(path.join(root, uploadFolderPrefix()));
}

/** A size for people: 20 GiB, 1.5 MiB, 300 bytes. */
export function humanBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${n} bytes` : `${Number(v.toFixed(v < 10 ? 1 : 0))} ${units[i]}`;
}

/** The disk space a user has for a run: their USER_QUOTA (0 = none) and what their calculations take. */
export interface Space {
  quota: number;
  used: number;
}

/** Bytes left to the user (Infinity without a quota). */
export function remaining(space: Space): number {
  return space.quota === 0 ? Infinity : Math.max(0, space.quota - space.used);
}

/** 413 for a run that would take the user over USER_QUOTA. */
export function overQuota(space: Space, adding: number | null): HttpError {
  const uses = `your calculations take ${humanBytes(space.used)} of your ${humanBytes(space.quota)} quota (USER_QUOTA)`;
  return adding === null
    ? tooLarge(`This upload does not fit in your disk quota: ${uses}; remove some calculations to make room`)
    : tooLarge(`This upload (${humanBytes(adding)} once unpacked) does not fit in your disk quota: ${uses}; remove some calculations to make room`);
}

/**
 * Before an upload is read: refuses a run when DATA_DIR's file system is below MIN_FREE_SPACE
 * (507) or the user's calculations already fill their USER_QUOTA (413); returns the user's
 * space. `usedBytes` asks the database (only when there is a quota).
 */
export async function checkSpace(settings: Settings, usedBytes: () => Promise<number>): Promise<Space> {
  await checkFreeSpace(settings);
  const space = { quota: settings.USER_QUOTA, used: settings.USER_QUOTA === 0 ? 0 : await usedBytes() };
  if (space.quota > 0 && space.used >= space.quota) {
    throw overQuota(space, null);
  }
  return space;
}

/** 507 when DATA_DIR's file system has less than MIN_FREE_SPACE free. */
async function checkFreeSpace(settings: Settings): Promise<void> {
  if (settings.MIN_FREE_SPACE > 0) {
    const fs = await statfs(settings.DATA_DIR);
    const free = fs.bavail * fs.bsize;
    if (free < settings.MIN_FREE_SPACE) {
      throw new HttpError(507, `The server is short of disk space: ${humanBytes(free)} free where calculations are stored, below the ${humanBytes(settings.MIN_FREE_SPACE)} it keeps free (MIN_FREE_SPACE); no new calculation can be run until space is freed`);
    }
  }
}

/** Bytes of the files under `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      total += (await lstat(path.join(entry.parentPath ?? entry.path, entry.name))).size;
    }
  }
  return total;
}

/**
 * Once the inputs are unpacked in `staging`: refuses them when they take the user over the
 * quota (413) or the disk below MIN_FREE_SPACE (507); returns their size in bytes.
 */
export async function checkStaged(settings: Settings, space: Space, staging: string): Promise<number> {
  const bytes = await folderBytes(staging);
  if (space.quota > 0 && space.used + bytes > space.quota) {
    throw overQuota(space, bytes);
  }
  await checkFreeSpace(settings);
  return bytes;
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
  const quota = limits.quota !== undefined && remaining(limits.quota) < limits.maxBytes ? limits.quota : null;
  if (quota !== null && declared > remaining(quota)) {
    throw overQuota(quota, null);
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
    const counter = quota === null
      ? new TotalCounter(limits.maxBytes, () => refuse(tooLarge(`The upload is larger than the MAX_UPLOAD_SIZE of ${limits.maxBytes} bytes`)))
      : new TotalCounter(remaining(quota), () => refuse(overQuota(quota, null)));
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
      const file: ReceivedFile = { field, name, path: path.join(dir, String(received.files.length)), size: 0 };
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
    // the client may have gone already (while the route was getting ready): the events are past
    const interrupted = (): void => refuse(badRequest('The upload was interrupted'));
    if (req.destroyed || req.readableAborted) {
      interrupted();
      return;
    }
    req.once('aborted', interrupted);
    req.once('error', interrupted);
    // a closed request that did not arrive in full: reset, malformed chunk, BODY_TIMEOUT
    req.once('close', () => {
      if (!req.complete) {
        interrupted();
      }
    });
    req.pipe(counter).pipe(bb);
  });
}

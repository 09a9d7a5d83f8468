/**
 * The file functions the master's log files are written through: the `fs` option of
 * fs.createWriteStream, which file-stream-rotator (under winston-daily-rotate-file) passes on
 * as well. A write or open the kernel refuses (a full disk, an immutable file, an I/O error)
 * never reaches the stream as an error: a stream that errs is destroyed, and the server log's
 * error event has no listener, so it took the master down. Instead the bytes are kept in memory,
 * in order, and a retry writes them once the file takes them again. From the first refusal to
 * that write is one episode: reported once when it starts and once when it ends.
 */
import fs from 'node:fs';
import { getSystemErrorMap } from 'node:util';

/** A log file that cannot be written now. */
export interface LogTrouble {
  file: string;
  /** The error's code (ENOSPC, EPERM, ...) and the system's words for it. */
  code: string;
  message: string;
  since: Date;
  /** Bytes waiting in memory to be written. */
  kept: number;
  /** Lines dropped because more than MAX_KEPT bytes were waiting. */
  lost: number;
}

/** A LogTrouble as the master's status reply carries it (JSON: the date as text). */
export type LogProblem = Omit<LogTrouble, 'since'> & { since: string };

/** `<file> cannot be written since 17:02:29 UTC (ENOSPC: no space left on device): 812 bytes kept in memory, 0 lines lost`. */
export function problemText(p: LogProblem): string {
  return `${p.file} cannot be written since ${p.since.slice(11, 19)} UTC (${p.code}: ${p.message}): ${p.kept} bytes kept in memory, ${p.lost} lines lost`;
}

/** Who hears of the episodes (the master's logger). */
export interface TroubleListener {
  failing(t: LogTrouble): void;
  recovered(t: LogTrouble): void;
}

/** How long a refused write waits before it is tried again. */
export const RETRY_MS = 1000;
/** The most bytes kept for one file (a few thousand lines): beyond, new lines are counted and dropped. */
export const MAX_KEPT = 4 * 1024 * 1024;
/** Numbers handed to the streams as file descriptors: ours, far above the real ones. */
const FIRST_HANDLE = 0x40000000;

type Callback<T extends unknown[]> = (err: NodeJS.ErrnoException | null, ...rest: T) => void;

/** One open of a file by a stream: the real descriptor, null until an open succeeds. */
interface Handle {
  id: number;
  path: string;
  flags: string | number;
  mode: number;
  fd: number | null;
  /** Its stream closed it while lines still waited: it stays open to write them. */
  closing: boolean;
}

/**
 * What waits for one file, whichever stream made it: after a USR1 reopen the new stream's lines
 * queue behind the old one's, so the file gets them in the order they were made.
 */
interface Waiting {
  path: string;
  kept: Buffer[];
  keptBytes: number;
  trouble: LogTrouble | null;
  retry: NodeJS.Timeout | null;
  handles: Handle[];
}

/** The system's words for an error (`no space left on device`), without node's code and call. */
function describe(err: NodeJS.ErrnoException): string {
  return (err.errno !== undefined ? getSystemErrorMap().get(err.errno)?.[1] : undefined) ?? err.message;
}

function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) {
    n += 1;
  }
  return n;
}

/** Writes all of `data` at the end of `fd`; on a refusal, calls back with how much was written. */
function writeAll(fd: number, data: Buffer, done: (err: NodeJS.ErrnoException | null, written: number) => void, written = 0): void {
  if (written === data.length) {
    done(null, written);
    return;
  }
  fs.write(fd, data, written, data.length - written, null, (err, n) => {
    if (err) {
      done(err, written);
    } else {
      writeAll(fd, data, done, written + n);
    }
  });
}

/** The fs functions of the master's log streams, and the episodes of the files they write. */
export class FailSoftFiles {
  private readonly handles = new Map<number, Handle>();
  private readonly files = new Map<string, Waiting>();
  private next = FIRST_HANDLE;

  constructor(private readonly listener: TroubleListener) {}

  /** The files that cannot be written now. */
  problems(): LogTrouble[] {
    return [...this.files.values()].flatMap((w) => (w.trouble ? [{ ...w.trouble, kept: w.keptBytes }] : []));
  }

  // ---- the fs functions a WriteStream calls (their signatures are node's) ----

  open = (path: string, flags: string | number, mode: number, cb: Callback<[number]>): void => {
    const id = this.next;
    this.next += 1;
    const h: Handle = { id, path: String(path), flags, mode, fd: null, closing: false };
    this.handles.set(id, h);
    this.waiting(h.path).handles.push(h);
    fs.open(path, flags, mode, (err, fd) => {
      if (err) {
        this.refused(this.waiting(h.path), err);
      } else {
        h.fd = fd;
      }
      cb(null, id);
    });
  };

  write = (id: number, buffer: Buffer, offset: number, length: number, _position: number | null, cb: Callback<[number, Buffer]>): void => {
    this.take(id, Buffer.from(buffer.buffer, buffer.byteOffset + offset, length), () => cb(null, length, buffer));
  };

  writev = (id: number, buffers: Buffer[], _position: number | null, cb: Callback<[number, Buffer[]]>): void => {
    const data = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers);
    this.take(id, data, () => cb(null, data.length, buffers));
  };

  close = (id: number, cb: (err: NodeJS.ErrnoException | null) => void): void => {
    const h = this.handles.get(id);
    if (h) {
      // while lines wait (a rotation or a USR1 reopen during an episode) it stays open to write them
      h.closing = true;
      if (this.waiting(h.path).kept.length === 0) {
        this.release(h);
      }
    }
    cb(null);
  };

  // ---- episodes ----

  private waiting(path: string): Waiting {
    let w = this.files.get(path);
    if (!w) {
      w = { path, kept: [], keptBytes: 0, trouble: null, retry: null, handles: [] };
      this.files.set(path, w);
    }
    return w;
  }

  /** Writes `data` now, or keeps it behind what already waits; the stream is always told it is all taken. */
  private take(id: number, data: Buffer, done: () => void): void {
    const h = this.handles.get(id);
    if (!h) {
      done();
      return;
    }
    const w = this.waiting(h.path);
    if (h.fd === null || w.kept.length > 0) {
      this.keep(w, data);
      done();
      return;
    }
    writeAll(h.fd, data, (err, written) => {
      if (err) {
        // begun when nothing waited: older than anything kept since
        this.keep(w, data.subarray(written), true);
        this.refused(w, err);
      }
      done();
    });
  }

  private keep(w: Waiting, data: Buffer, first = false): void {
    if (w.keptBytes + data.length > MAX_KEPT && w.kept.length > 0) {
      if (w.trouble) {
        w.trouble.lost += countLines(data);
      }
      return;
    }
    const copy = Buffer.from(data);
    if (first) {
      w.kept.unshift(copy);
    } else {
      w.kept.push(copy);
    }
    w.keptBytes += data.length;
  }

  private refused(w: Waiting, err: NodeJS.ErrnoException): void {
    if (!w.trouble) {
      w.trouble = { file: w.path, code: err.code ?? 'EIO', message: describe(err), since: new Date(), kept: w.keptBytes, lost: 0 };
      this.listener.failing({ ...w.trouble });
    } else {
      w.trouble.code = err.code ?? w.trouble.code;
      w.trouble.message = describe(err);
    }
    if (!w.retry) {
      w.retry = setTimeout(() => {
        w.retry = null;
        this.retry(w);
      }, RETRY_MS);
      w.retry.unref();
    }
  }

  /** Writes what waits, oldest first, through the newest open of the file (opening it if none is). */
  private retry(w: Waiting): void {
    const writer = [...w.handles].reverse().find((h) => h.fd !== null);
    if (!writer) {
      const h = w.handles[w.handles.length - 1];
      if (!h) {
        return;
      }
      fs.open(h.path, h.flags, h.mode, (err, fd) => {
        if (err) {
          this.refused(w, err);
        } else {
          h.fd = fd;
          this.retry(w);
        }
      });
      return;
    }
    const head = w.kept[0];
    if (!head) {
      this.recovered(w);
      return;
    }
    writeAll(writer.fd as number, head, (err, written) => {
      w.keptBytes -= written;
      const at = w.kept.indexOf(head);
      if (err) {
        w.kept[at] = head.subarray(written);
        this.refused(w, err);
      } else {
        w.kept.splice(at, 1);
        this.retry(w);
      }
    });
  }

  private recovered(w: Waiting): void {
    if (w.trouble) {
      const t = w.trouble;
      w.trouble = null;
      this.listener.recovered(t);
    }
    for (const h of w.handles.filter((o) => o.closing)) {
      this.release(h);
    }
  }

  private release(h: Handle): void {
    this.handles.delete(h.id);
    const w = this.waiting(h.path);
    w.handles = w.handles.filter((o) => o !== h);
    if (w.handles.length === 0) {
      if (w.retry) {
        clearTimeout(w.retry);
      }
      this.files.delete(h.path);
    }
    if (h.fd !== null) {
      fs.close(h.fd, () => undefined);
    }
  }

  /** At exit: one last try to write what waits (synchronously); returns the troubles left. */
  flushNow(): LogTrouble[] {
    for (const w of this.files.values()) {
      const writer = [...w.handles].reverse().find((h) => h.fd !== null) ?? w.handles[w.handles.length - 1];
      try {
        if (writer && writer.fd === null && w.kept.length > 0) {
          writer.fd = fs.openSync(writer.path, writer.flags, writer.mode);
        }
        while (writer && writer.fd !== null && w.kept.length > 0) {
          const head = w.kept[0];
          const n = fs.writeSync(writer.fd, head);
          w.keptBytes -= n;
          if (n < head.length) {
            w.kept[0] = head.subarray(n);
          } else {
            w.kept.shift();
          }
        }
      } catch {
        // still refused: reported by the caller
      }
      if (w.kept.length === 0) {
        this.recovered(w);
      }
    }
    return this.problems();
  }
}

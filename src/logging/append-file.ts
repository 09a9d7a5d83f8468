import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { FailSoftFiles } from './fail-soft-files.js';

/** A log file owned by one process: whole lines appended in order, reopened on demand (USR1). */
export class AppendFile {
  private stream: WriteStream;

  /** `files`: what the writes go through (a refused write is kept and retried, never an error). */
  constructor(readonly path: string, private readonly files: FailSoftFiles) {
    this.stream = this.open();
  }

  private open(): WriteStream {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
    } catch {
      // the open fails too, and that failure is the one reported (kept and retried)
    }
    return createWriteStream(this.path, { flags: 'a', mode: 0o640, fs: this.files });
  }

  /** Appends text made of whole lines (each ending with a newline). */
  write(text: string): void {
    this.stream.write(text);
  }

  /** Closes the current file and opens the path again (after logrotate moved it). */
  reopen(): void {
    const old = this.stream;
    this.stream = this.open();
    old.end();
  }

  /** Flushes and closes. */
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** A log file owned by one process: whole lines appended in order, reopened on demand (USR1). */
export class AppendFile {
  private stream: WriteStream;

  constructor(readonly path: string) {
    this.stream = this.open();
  }

  private open(): WriteStream {
    mkdirSync(dirname(this.path), { recursive: true });
    const s = createWriteStream(this.path, { flags: 'a', mode: 0o640 });
    s.on('error', (e) => process.stderr.write(`cannot write ${this.path}: ${e.message}\n`));
    return s;
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

/**
 * Questions on the terminal for the account commands: visible answers, and hidden ones
 * (passwords: the terminal is put in raw mode, nothing is echoed). When stdin is not a
 * terminal, answers are read line by line from it (scripts, tests).
 */
import { createInterface } from 'node:readline';
import type { ReadStream } from 'node:tty';

/** The user pressed Ctrl-C or stdin ended before an answer. */
export class PromptAborted extends Error {}

/** Reads answers from stdin (a terminal or a pipe) and writes questions to stderr. */
export class Prompter {
  private lines: string[] = [];
  private ended = false;
  private waiting: (() => void) | null = null;
  private piped = false;

  constructor(private readonly input: NodeJS.ReadStream = process.stdin, private readonly output: NodeJS.WriteStream = process.stderr) {}

  /** Whether questions go to a person at a terminal. */
  get interactive(): boolean {
    return this.input.isTTY === true;
  }

  /** Asks and returns the answer (echoed). */
  async ask(question: string): Promise<string> {
    this.output.write(question);
    if (!this.interactive) {
      return this.nextLine();
    }
    const rl = createInterface({ input: this.input, terminal: true, output: undefined });
    try {
      return await new Promise<string>((resolve, reject) => {
        rl.once('line', resolve);
        rl.once('close', () => reject(new PromptAborted('no answer')));
        rl.once('SIGINT', () => reject(new PromptAborted('interrupted')));
      });
    } finally {
      rl.close();
    }
  }

  /** Asks for a secret: nothing typed is shown. */
  async askHidden(question: string): Promise<string> {
    this.output.write(question);
    if (!this.interactive) {
      return this.nextLine();
    }
    const tty = this.input as ReadStream;
    return new Promise<string>((resolve, reject) => {
      let answer = '';
      const finish = (err: Error | null): void => {
        tty.off('data', onData);
        tty.setRawMode(false);
        tty.pause();
        this.output.write('\n');
        if (err) {
          reject(err);
        } else {
          resolve(answer);
        }
      };
      const onData = (chunk: Buffer | string): void => {
        for (const ch of chunk.toString()) {
          if (ch === '\r' || ch === '\n') {
            finish(null);
            return;
          }
          if (ch === '\u0003' || (ch === '\u0004' && answer === '')) {
            finish(new PromptAborted(ch === '\u0003' ? 'interrupted' : 'no answer'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') {
            answer = [...answer].slice(0, -1).join('');
          } else if (ch >= ' ') {
            answer += ch;
          }
        }
      };
      tty.setRawMode(true);
      tty.resume();
      tty.on('data', onData);
    });
  }

  /** The next line of a piped stdin (without its line ending). */
  async nextLine(): Promise<string> {
    this.startPipe();
    while (this.lines.length === 0) {
      if (this.ended) {
        throw new PromptAborted('stdin ended before an answer');
      }
      await new Promise<void>((resolve) => { this.waiting = resolve; });
    }
    return this.lines.shift() as string;
  }

  /** Stops reading stdin so the process can exit. */
  close(): void {
    this.input.pause();
    if (this.interactive) {
      (this.input as ReadStream).setRawMode?.(false);
    }
  }

  private startPipe(): void {
    if (this.piped) {
      return;
    }
    this.piped = true;
    let rest = '';
    const wake = (): void => {
      const w = this.waiting;
      this.waiting = null;
      w?.();
    };
    this.input.setEncoding('utf8');
    this.input.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      this.lines.push(...parts.map((l) => l.replace(/\r$/, '')));
      wake();
    });
    this.input.on('end', () => {
      if (rest !== '') {
        this.lines.push(rest.replace(/\r$/, ''));
        rest = '';
      }
      this.ended = true;
      wake();
    });
    this.input.resume();
  }
}

/**
 * Questions on the terminal for the account commands: visible answers, and hidden ones
 * (passwords: readline keeps the terminal in raw mode and its echo is muted). When stdin is not a
 * terminal, answers are read line by line from it (scripts, tests).
 */
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';

/** The user pressed Ctrl-C or stdin ended before an answer. */
export class PromptAborted extends Error {}

/** Reads answers from stdin (a terminal or a pipe) and writes questions to stderr. */
export class Prompter {
  private lines: string[] = [];
  private ended = false;
  private waiting: (() => void) | null = null;
  private piped = false;
  private rl: Interface | null = null;
  private muted = false;
  private abort: ((e: Error) => void) | null = null;

  constructor(private readonly input: NodeJS.ReadStream = process.stdin, private readonly output: NodeJS.WriteStream = process.stderr) {}

  /** Whether questions go to a person at a terminal. */
  get interactive(): boolean {
    return this.input.isTTY === true;
  }

  /** Asks and returns the answer (echoed). */
  async ask(question: string): Promise<string> {
    if (!this.interactive) {
      this.output.write(question);
      return this.nextLine();
    }
    return this.question(question, false);
  }

  /** Asks for a secret: nothing typed is shown. */
  async askHidden(question: string): Promise<string> {
    if (!this.interactive) {
      this.output.write(question);
      return this.nextLine();
    }
    try {
      return await this.question(question, true);
    } finally {
      this.output.write('\n');
    }
  }

  /** One question through the terminal's readline, whose echo is muted for secrets. */
  private question(text: string, hidden: boolean): Promise<string> {
    if (!this.rl) {
      const out = this.output;
      const echo = new Writable({
        write: (chunk: Buffer | string, _enc: BufferEncoding, done: (e?: Error | null) => void) => {
          if (!this.muted) {
            out.write(chunk);
          }
          done();
        },
      });
      this.rl = createInterface({ input: this.input, output: echo, terminal: true });
      this.rl.on('SIGINT', () => this.abort?.(new PromptAborted('interrupted')));
      this.rl.on('close', () => this.abort?.(new PromptAborted('no answer')));
    }
    const rl = this.rl;
    return new Promise<string>((resolve, reject) => {
      this.abort = reject;
      this.muted = false;
      rl.question(text, (answer) => {
        this.abort = null;
        this.muted = false;
        resolve(answer);
      });
      // the question itself is written (synchronously) before the echo is muted
      this.muted = hidden;
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
    this.abort = null;
    this.rl?.close();
    this.rl = null;
    this.input.pause();
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

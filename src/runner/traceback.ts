/** The traceback of a failed run, taken from the last lines the engine wrote on stderr. */

/** How many stderr lines are kept for the traceback. */
export const STDERR_TAIL = 60;
/** Lines shown when the engine printed no Python traceback. */
const PLAIN_TAIL = 20;

/** Keeps the last `max` lines pushed. */
export class LineTail {
  private readonly lines: string[] = [];
  constructor(private readonly max = STDERR_TAIL) {}

  /** Remembers one line. */
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) {
      this.lines.shift();
    }
  }

  /** The lines kept, oldest first. */
  get all(): string[] {
    return [...this.lines];
  }
}

/**
 * The traceback lines: from the last `Traceback (most recent call last):` to the end when there
 * is one, else the last lines that are not blank.
 */
export function tracebackFrom(stderrTail: string[]): string[] {
  const start = stderrTail.map((l) => l.trim()).lastIndexOf('Traceback (most recent call last):');
  const lines = start >= 0 ? stderrTail.slice(start) : stderrTail.filter((l) => l.trim() !== '').slice(-PLAIN_TAIL);
  return lines.map((l) => l.replace(/\s+$/, ''));
}

/** Describes how a process ended, for a log line. */
export function describeExit(code: number | null, signal: string | null): string {
  return signal !== null ? `was killed by signal ${signal}` : `exited with code ${code}`;
}

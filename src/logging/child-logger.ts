import { LEVELS, type LevelName, type Logger } from './levels.js';
import { serverLine } from './line-format.js';
import { sendToMaster } from '../ipc/child-side.js';
import { LOG_FILES, type LogFile } from '../ipc/protocol.js';

/** Batches lines and records for the master, which owns every log file. */
export class ToMaster {
  private pending: Record<LogFile, string[]> = { access: [], 'webui-access': [] };
  private timer: NodeJS.Timeout | null = null;

  /** Queues one whole line (ending with a newline) for a shared file. */
  line(file: LogFile, text: string): void {
    this.pending[file].push(text);
    if (this.pending[file].length >= 256) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 20);
    }
  }

  /** Sends what is queued now; resolves when the master has it in its pipe. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const sends: Promise<void>[] = [];
    for (const file of LOG_FILES) {
      if (this.pending[file].length > 0) {
        const text = this.pending[file].join('');
        this.pending[file] = [];
        sends.push(sendToMaster({ t: 'lines', file, text }));
      }
    }
    return Promise.all(sends).then(() => undefined);
  }
}

/**
 * The logger of a worker or runner: stderr (journald) and the master's server log file. Not
 * winston (only the master, which writes the files, loads it: a child boots faster and smaller,
 * docs/performance.md): the same lines, `[time] [pid] [LEVEL] message`, the same records sent up.
 */
export function createChildLogger(level: string): Logger {
  const logger: Record<string, unknown> = { level };
  for (const name of Object.keys(LEVELS) as LevelName[]) {
    logger[name] = (message: unknown): unknown => {
      const at = LEVELS[logger.level as LevelName];
      if (at !== undefined && LEVELS[name] <= at) {
        const time = new Date();
        const text = String(message);
        process.stderr.write(`${serverLine(name, text, process.pid, time)}\n`);
        void sendToMaster({ t: 'log', level: name, message: text, pid: process.pid, time: time.toISOString() });
      }
      return logger;
    };
  }
  return logger as unknown as Logger;
}

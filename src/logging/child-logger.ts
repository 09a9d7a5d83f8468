import { LEVELS, type LevelName, type Logger } from './levels.js';
import { serverLine } from './line-format.js';
import { sendToMaster } from '../ipc/child-side.js';
import type { LogFile } from '../ipc/protocol.js';

const SENT: Promise<void> = Promise.resolve();

/**
 * A worker's lines for the files the master owns. An audit line (webui-access.log, Fail2Ban's
 * evidence) is sent at once, and `line` resolves once it is in the IPC pipe: the routes await
 * that before answering, so a SIGKILL after the answer cannot take the line with it. Access
 * lines wait for the end of the event-loop turn that finished their request: under load the
 * requests of one turn go in one message, and a kill loses at most the turn's own requests.
 */
export class ToMaster {
  private access: string[] = [];
  private scheduled = false;

  /** Sends one whole line (ending with a newline) for a shared file; resolves once it has left this process (audit lines) or is queued (access lines). */
  line(file: LogFile, text: string): Promise<void> {
    if (file === 'webui-access') {
      return sendToMaster({ t: 'lines', file, text });
    }
    this.access.push(text);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    return SENT;
  }

  /** Sends what is queued now; resolves when the master has it in its pipe. */
  flush(): Promise<void> {
    this.scheduled = false;
    if (this.access.length === 0) {
      return SENT;
    }
    const text = this.access.join('');
    this.access = [];
    return sendToMaster({ t: 'lines', file: 'access', text });
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

import Transport from 'winston-transport';
import winston from 'winston';
import { LEVELS, type Logger } from './levels.js';
import { serverLineFormat } from './line-format.js';
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

class MasterTransport extends Transport {
  override log(info: { level: string; message: unknown }, next: () => void): void {
    void sendToMaster({ t: 'log', level: info.level, message: String(info.message), pid: process.pid, time: new Date().toISOString() });
    next();
  }
}

/** The logger of a worker or runner: stderr (journald) and the master's server log file. */
export function createChildLogger(level: string): Logger {
  return <Logger>winston.createLogger({
    levels: LEVELS,
    level,
    format: serverLineFormat,
    transports: [new winston.transports.Console({ stderrLevels: Object.keys(LEVELS) }), new MasterTransport()],
  });
}

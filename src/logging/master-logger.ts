import { join } from 'node:path';
import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';
import type { LogFile } from '../ipc/protocol.js';
import { AppendFile } from './append-file.js';
import { FailSoftFiles, MAX_KEPT, type LogTrouble } from './fail-soft-files.js';
import { LEVELS, type Logger } from './levels.js';
import { serverLine } from './line-format.js';

/** winston format producing serverLine() for the record's own pid (or ours). (Here, not in line-format.ts: the children format without winston.) */
export const serverLineFormat = winston.format.printf((info) => {
  const pid = typeof info.pid === 'number' ? info.pid : process.pid;
  const time = typeof info.time === 'string' ? new Date(info.time) : new Date();
  return serverLine(info.level, String(info.message), pid, time);
});

/** A record a child sends up to be written to the files the master owns. */
export interface ForwardedLog {
  level: string;
  message: string;
  pid: number;
  time: string;
}

/**
 * The files written only by the master: server log (daily), access.log, webui-access.log. Each
 * fails soft (src/logging/fail-soft-files.ts): a full disk or an immutable file costs a complaint
 * on stderr (journald) and lines kept in memory, never the service.
 */
export class MasterLogs {
  readonly logger: Logger;
  private readonly fileLogger: winston.Logger;
  private readonly files: FailSoftFiles;
  private access: AppendFile | null;
  private webuiAccess: AppendFile;

  constructor(opts: { logDir: string; level: string; accessLog: boolean; webuiAccessLogDir: string }) {
    // after the logger is made: an episode is told through it (stderr, and the server log once it can be written)
    this.files = new FailSoftFiles({
      failing: (t) => setImmediate(() => this.logger.error(`Cannot write the log file ${t.file} (${t.code}: ${t.message}): `
        + `its lines are kept in memory (up to ${MAX_KEPT / 1048576} MiB) and written when it can be written again`)),
      recovered: (t) => setImmediate(() => this.logger.warning(`Writing the log file ${t.file} again after `
        + `${((Date.now() - t.since.getTime()) / 1000).toFixed(1)} s; ${t.lost} line(s) lost meanwhile`)),
    });
    // journald gone (a closed pipe): there is nowhere left to complain, and no reason to stop serving
    process.stderr.on('error', () => undefined);
    const rotate = (): DailyRotateFile => new DailyRotateFile({
      dirname: opts.logDir,
      filename: 'oq-webui-%DATE%.log',
      datePattern: 'YYYY-MM-DD',
      utc: true,
      maxFiles: '30d',
      createSymlink: true,
      symlinkName: 'oq-webui.log',
      auditFile: join(opts.logDir, '.oq-webui-audit.json'),
      options: { flags: 'a', fs: this.files },
    });
    const fileTransport = rotate();
    this.fileLogger = winston.createLogger({ levels: LEVELS, level: 'debug', format: serverLineFormat, transports: [fileTransport] });
    this.logger = <Logger>winston.createLogger({
      levels: LEVELS,
      level: opts.level,
      format: serverLineFormat,
      transports: [new winston.transports.Console({ stderrLevels: Object.keys(LEVELS) }), fileTransport],
    });
    this.access = opts.accessLog ? new AppendFile(join(opts.logDir, 'access.log'), this.files) : null;
    this.webuiAccess = new AppendFile(join(opts.webuiAccessLogDir, 'webui-access.log'), this.files);
  }

  /** The log files that cannot be written now (for `oq-webui status` and `check`). */
  problems(): LogTrouble[] {
    return this.files.problems();
  }

  /** Writes a child's record to the server log file (the child printed it on stderr itself). */
  forward(rec: ForwardedLog): void {
    this.fileLogger.log({ level: rec.level, message: rec.message, pid: rec.pid, time: rec.time });
  }

  /** Appends whole lines that a child sent for one of the shared files. */
  appendLines(file: LogFile, text: string): void {
    if (file === 'access') {
      this.access?.write(text);
    } else {
      this.webuiAccess.write(text);
    }
  }

  /** USR1: reopen the append-only files (the daily server log rotates by itself). */
  reopen(): void {
    this.access?.reopen();
    this.webuiAccess.reopen();
  }

  /** Flushes everything before the master exits. */
  async close(): Promise<void> {
    await Promise.all([this.access?.close(), this.webuiAccess.close()]);
    await new Promise<void>((resolve) => {
      this.fileLogger.on('finish', () => resolve());
      this.fileLogger.end();
      setTimeout(resolve, 500).unref();
    });
    for (const t of this.files.flushNow()) {
      process.stderr.write(`${serverLine('error', `Log file ${t.file} still cannot be written (${t.code}: ${t.message}): `
        + `${t.kept} byte(s) of lines lost at exit`, process.pid)}\n`);
    }
  }
}

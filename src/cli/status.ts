import { askStatus } from '../../master/control.js';
import { pidAlive, readPid } from '../../master/pidfile.js';
import { problemText } from '../logging/fail-soft-files.js';
import { resolveSettings } from '../settings/load.js';
import type { Command } from './command.js';

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)}M`;
}

/** `oq-webui status`: asks the running master, one row per worker. */
export const statusCommand: Command = {
  usage: 'oq-webui status [-p PIDFILE] [--control-socket PATH] [--json]',
  withSettings: true,
  settingFlags: ['PIDFILE', 'CONTROL_SOCKET', 'DATA_DIR'],
  extras: [{ flag: '--json', kind: 'boolean', help: 'Print the master\'s answer as JSON.' }],
  async run(args) {
    const r = resolveSettings({ cli: args.settings, configPath: args.configPath });
    const s = r.settings;
    if (s.PIDFILE) {
      const pid = readPid(s.PIDFILE);
      if (pid === null) {
        process.stderr.write(`oq-webui is not running (no pid in ${s.PIDFILE})\n`);
        return 3;
      }
      if (!pidAlive(pid)) {
        process.stderr.write(`oq-webui is not running (pid ${pid} in ${s.PIDFILE} is not alive)\n`);
        return 3;
      }
    }
    let reply;
    try {
      reply = await askStatus(s.CONTROL_SOCKET);
    } catch (e) {
      process.stderr.write(`oq-webui is not running or not answering on ${s.CONTROL_SOCKET}: ${(e as Error).message}\n`);
      return 3;
    }
    if (args.extras['--json']) {
      process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
      return 0;
    }
    const m = reply.master;
    process.stdout.write(`master pid ${m.pid}, oq-webui ${m.version}, up ${Math.round(m.uptime)} s, ${m.workers} worker(s) wanted\n`);
    const rows = reply.children as { kind: string; pid: number; age: number; requests: number; heartbeat: number; rss: number; state: string }[];
    process.stdout.write(`${'KIND'.padEnd(7)}${'PID'.padStart(8)}${'AGE(s)'.padStart(9)}${'REQUESTS'.padStart(10)}${'HEARTBEAT(s)'.padStart(14)}${'MEMORY'.padStart(9)}  STATE\n`);
    for (const c of rows) {
      process.stdout.write(`${c.kind.padEnd(7)}${String(c.pid).padStart(8)}${c.age.toFixed(1).padStart(9)}${String(c.requests).padStart(10)}${c.heartbeat.toFixed(1).padStart(14)}${mib(c.rss).padStart(9)}  ${c.state}\n`);
    }
    for (const p of reply.logs ?? []) {
      process.stdout.write(`Log file ${problemText(p)}\n`);
    }
    return 0;
  },
};

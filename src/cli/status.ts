import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { askStatus, type StatusReply } from '../../master/control.js';
import { pidAlive, readPid } from '../../master/pidfile.js';
import { problemText } from '../logging/fail-soft-files.js';
import { resolveSettings } from '../settings/load.js';
import { runtimeDir } from '../settings/runtime-dir.js';
import type { Settings } from '../settings/schema.js';
import type { Command } from './command.js';

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)}M`;
}

/** Where a master may answer: the pidfile (checked first) and control socket of the settings. */
interface Place {
  pidfile: string | null;
  socket: string;
}

/**
 * Where to ask, in order: the settings' control socket (behind their pidfile); when neither -p
 * nor --control-socket was given, then the systemd unit's pidfile in the runtime folder
 * (/run/oq-webui/oq-webui.pid) and its socket, so that `status` alone finds either kind of start.
 */
function places(s: Settings, socketByDefault: boolean): Place[] {
  const given = { pidfile: s.PIDFILE || null, socket: s.CONTROL_SOCKET };
  if (s.PIDFILE || !socketByDefault) {
    return [given];
  }
  const unitPidfile = join(runtimeDir(s.DATA_DIR), 'oq-webui.pid');
  return existsSync(unitPidfile) ? [given, { pidfile: unitPidfile, socket: `${unitPidfile}.sock` }] : [given];
}

/** `oq-webui status`: asks the running master, one row per worker. */
export const statusCommand: Command = {
  usage: 'oq-webui status [-p PIDFILE] [--control-socket PATH] [--json]   (without them: the server started without -p, or the systemd unit\'s)',
  withSettings: true,
  settingFlags: ['PIDFILE', 'CONTROL_SOCKET', 'DATA_DIR'],
  extras: [{ flag: '--json', kind: 'boolean', help: 'Print the master\'s answer as JSON.' }],
  async run(args) {
    const r = resolveSettings({ cli: args.settings, configPath: args.configPath });
    const s = r.settings;
    const tried: string[] = [];
    // whether a socket was tried (a pidfile alone already says "not running")
    let asked = false;
    let reply: StatusReply | null = null;
    for (const place of places(s, r.sources.CONTROL_SOCKET === 'default')) {
      if (place.pidfile !== null) {
        const pid = readPid(place.pidfile);
        if (pid === null || !pidAlive(pid)) {
          tried.push(pid === null ? `no pid in ${place.pidfile}` : `pid ${pid} in ${place.pidfile} is not alive`);
          continue;
        }
      }
      try {
        reply = await askStatus(place.socket);
        break;
      } catch (e) {
        asked = true;
        tried.push(`no answer on ${place.socket}: ${(e as Error).message}`);
      }
    }
    if (reply === null) {
      const hint = s.PIDFILE || r.sources.CONTROL_SOCKET !== 'default' ? '' : '; a server started with -p PIDFILE or --control-socket PATH is found with the same flag';
      process.stderr.write(`oq-webui is not running${asked ? ' or not answering' : ''} (${tried.join('; ')})${hint}\n`);
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

import type { Logger } from '../src/logging/levels.js';
import { parseBind } from '../src/settings/bind.js';
import type { Settings } from '../src/settings/schema.js';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Whether any TCP address is reachable from other machines. */
export function exposedBinds(binds: string[]): string[] {
  return binds.filter((b) => {
    const a = parseBind(b);
    return a.kind === 'tcp' && !isLoopback(a.host);
  });
}

/** Checks made once by the master before it binds: loud warnings an operator must see. */
export async function startupChecks(settings: Settings, log: Logger): Promise<void> {
  const exposed = exposedBinds(settings.BIND);
  if (!settings.LOCKDOWN && exposed.length > 0) {
    const line = '!'.repeat(78);
    log.warning(line);
    log.warning(`LOCKDOWN is off and the server listens on ${exposed.join(', ')}: ANYONE WHO CAN REACH IT`);
    log.warning('CAN RUN AND DELETE CALCULATIONS. Set "LOCKDOWN": true, or bind to 127.0.0.1 behind nginx.');
    log.warning(line);
  }
}

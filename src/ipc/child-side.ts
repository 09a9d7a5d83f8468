/** The child's end of the IPC channel: typed sending to the master and receiving from it. */
import { isMasterMessage, type ChildMessage, type MasterMessage } from './protocol.js';

/** Sends one message to the master; resolves once it is written (or at once if there is no master). */
export function sendToMaster(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(msg, undefined, {}, () => resolve());
  });
}

/** Calls `handler` with every message from the master (and the socket handle it carries, if any). */
export function onMasterMessage(handler: (m: MasterMessage, handle?: object) => void): void {
  process.on('message', (m: unknown, handle?: object) => {
    if (isMasterMessage(m)) {
      handler(m, handle);
    }
  });
}

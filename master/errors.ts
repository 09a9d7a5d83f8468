/** Thrown to stop the master for good, with the reason logged and the exit status to use (see src/ipc/protocol.ts). */
export class HaltServer extends Error {
  constructor(readonly reason: string, readonly exitStatus = 1) {
    super(reason);
  }
}

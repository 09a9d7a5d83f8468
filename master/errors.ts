/** Exit status when a worker failed to boot (gunicorn's WORKER_BOOT_ERROR). */
export const WORKER_BOOT_ERROR = 3;
/** Exit status when the application failed to load (gunicorn's APP_LOAD_ERROR). */
export const APP_LOAD_ERROR = 4;
/** Exit status of a start refused for invalid settings or usage. */
export const CONFIG_ERROR = 2;
/** Exit status of a start that could not bind, write its pidfile, or the like. */
export const START_ERROR = 1;

/** Thrown to stop the master for good, with the reason logged and the exit status to use. */
export class HaltServer extends Error {
  constructor(readonly reason: string, readonly exitStatus = 1) {
    super(reason);
  }
}

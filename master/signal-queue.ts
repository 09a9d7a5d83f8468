/** The signals the master handles (gunicorn's set). */
export const HANDLED_SIGNALS = ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1'] as const;
/** One of them. */
export type HandledSignal = (typeof HANDLED_SIGNALS)[number];

/** Signal handlers only queue (at most 5, as gunicorn) and wake the loop; the loop drains and handles them. */
export class SignalQueue {
  private readonly queue: HandledSignal[] = [];

  constructor(private readonly wake: () => void) {}

  install(): void {
    for (const sig of HANDLED_SIGNALS) {
      process.on(sig, () => this.push(sig));
    }
  }

  uninstall(): void {
    for (const sig of HANDLED_SIGNALS) {
      process.removeAllListeners(sig);
    }
  }

  /** Takes every queued signal, oldest first. */
  drain(): HandledSignal[] {
    return this.queue.splice(0);
  }

  private push(sig: HandledSignal): void {
    if (this.queue.length < 5) {
      this.queue.push(sig);
    }
    this.wake();
  }
}

/** A child that lived at least this long before dying is not part of a crash loop. */
export const STABLE_AFTER_MS = 10_000;
/** Free respawns before the delay starts doubling. */
const FREE_RESTARTS = 3;
const BASE_MS = 500;
const CAP_MS = 15_000;

/** Exponential restart delay for one kind of child: a crash loop never burns the CPU. */
export class CrashBackoff {
  private streak = 0;
  private notBefore = 0;

  /** Records a crash of a child that lived `lifetimeMs`; returns the delay before the next spawn. */
  crashed(lifetimeMs: number, now = Date.now()): number {
    this.streak = lifetimeMs >= STABLE_AFTER_MS ? 1 : this.streak + 1;
    const delay = this.streak <= FREE_RESTARTS ? 0 : Math.min(BASE_MS * 2 ** (this.streak - FREE_RESTARTS - 1), CAP_MS);
    this.notBefore = now + delay;
    return delay;
  }

  /** Whether a spawn is allowed now. */
  ready(now = Date.now()): boolean {
    return now >= this.notBefore;
  }

  /** Milliseconds until a spawn is allowed. */
  wait(now = Date.now()): number {
    return Math.max(0, this.notBefore - now);
  }
}

/** One CrashBackoff per kind of child. */
export class Backoffs {
  private readonly byKind = new Map<string, CrashBackoff>();

  of(kind: string): CrashBackoff {
    let b = this.byKind.get(kind);
    if (!b) {
      b = new CrashBackoff();
      this.byKind.set(kind, b);
    }
    return b;
  }
}

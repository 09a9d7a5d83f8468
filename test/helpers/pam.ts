/**
 * Throwaway unix accounts for the real-PAM tests (as root: useradd, chpasswd, groupadd), and the
 * shipped PAM service file installed under a unique name.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../src/paths.js';

/** Runs a system command without a shell, failing the test with its stderr. */
export function run(command: string, args: string[], input?: string): void {
  execFileSync(command, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
}

/** Runs a cleanup command, ignoring failure (the thing may not exist). */
function tryRun(command: string, args: string[]): void {
  spawnSync(command, args, { stdio: 'ignore' });
}

/**
 * Throwaway unix users, a group and a PAM service, named with a random suffix when constructed
 * (so tests can name them at module level); `create()` in before(), `remove()` in after().
 */
export class PamFixture {
  readonly suffix = randomBytes(4).toString('hex');
  /** A unix user with `password`, member of `group`. */
  readonly user: string;
  /** More unix users with the same password, in no group (e.g. a name a local account also has). */
  readonly others: string[];
  readonly group = `oqpg${this.suffix}`;
  /** The PAM service name: a copy of the shipped config/pam.d/oq-webui in /etc/pam.d/. */
  readonly service = `oqtest-${this.suffix}`;
  readonly password = `Pam!${randomBytes(9).toString('base64')}`;

  constructor(private readonly opts: { prefix?: string; others?: string[]; createHome?: boolean } = {}) {
    this.user = `${opts.prefix ?? 'oqpam'}${this.suffix}`;
    this.others = (opts.others ?? []).map((p) => `${p}${this.suffix}`);
  }

  /** Creates them (as root: fails loudly otherwise, rather than skip). */
  create(): void {
    expect(process.getuid?.(), 'the PAM tests must run as root (npm test as root, as CI does)').to.equal(0);
    const home = this.opts.createHome ? ['--create-home'] : ['--no-create-home'];
    try {
      run('groupadd', [this.group]);
      run('useradd', [...home, '--groups', this.group, this.user]);
      for (const u of this.others) {
        run('useradd', [...home, u]);
      }
      run('chpasswd', [], [this.user, ...this.others].map((u) => `${u}:${this.password}\n`).join(''));
      copyFileSync(join(PACKAGE_ROOT, 'config', 'pam.d', 'oq-webui'), `/etc/pam.d/${this.service}`);
    } catch (e) {
      this.remove();
      throw e;
    }
  }

  /** Removes what create() made (whatever of it exists). */
  remove(): void {
    rmSync(`/etc/pam.d/${this.service}`, { force: true });
    for (const u of [this.user, ...this.others]) {
      tryRun('userdel', this.opts.createHome ? ['--remove', u] : [u]);
    }
    tryRun('groupdel', [this.group]);
  }
}

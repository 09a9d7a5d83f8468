/**
 * Real filesystem faults for the logging tests: a small tmpfs that fills up (ENOSPC) and the
 * immutable attribute (`chattr +i`, EPERM). Both need root, which the tests and CI run as.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

/** Mounts a tmpfs of `kib` KiB on `dir` (made if missing). */
export function mountTmpfs(dir: string, kib: number): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0755`, 'tmpfs', dir]);
}

/** Detaches the tmpfs at `dir` even while a process still holds files open on it. */
export function unmountLazily(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {
    // not mounted (a test that failed before mounting)
  }
}

/** What padLogs appends: a line of `x` (the tests' whole-line checks skip such lines). */
export const PADDING_LINE = /^x*$/;

/**
 * Appends to each file one line that takes it to the end of its last block: a file's last block
 * has room the filesystem counts as used, so without this a full tmpfs would still take a few
 * KiB of lines (the server is idle meanwhile: no line of its own is torn by this one).
 */
function padToBlock(files: string[], blockSize: number): void {
  for (const file of files) {
    const slack = (blockSize - (statSync(file).size % blockSize)) % blockSize;
    if (slack > 0) {
      appendFileSync(file, `${'x'.repeat(slack - 1)}\n`);
    }
  }
}

/**
 * Fills the filesystem of `dir` with one file until the kernel refuses a byte more (ENOSPC),
 * after padding `files` (the log files there) to their last block; returns the filler.
 */
export function fillUp(dir: string, files: string[] = []): string {
  padToBlock(files, statfsSync(dir).bsize);
  const file = join(dir, 'filler');
  const fd = openSync(file, 'a');
  const chunk = Buffer.alloc(64 * 1024, 0x78);
  try {
    for (;;) {
      writeSync(fd, chunk);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') {
      throw e;
    }
  } finally {
    closeSync(fd);
  }
  // the last partial block: a byte at a time until none fits
  const tail = openSync(file, 'a');
  try {
    for (;;) {
      writeSync(tail, 'x');
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') {
      throw e;
    }
  } finally {
    closeSync(tail);
  }
  if (statfsSync(dir).bavail !== 0) {
    throw new Error(`${dir} is not full after filling it`);
  }
  return file;
}

/** Frees the space fillUp took. */
export function emptyOut(filler: string): void {
  rmSync(filler, { force: true });
}

/** Sets (`+i`) or clears (`-i`) the immutable attribute of files. */
export function chattr(flag: '+i' | '-i', ...files: string[]): void {
  execFileSync('chattr', [flag, ...files]);
}

/**
 * A folder on a filesystem where `chattr +i` works, and why it was chosen: the system temp
 * folder first (ext4 or overlayfs on ext4 support the attribute; tmpfs, on some machines, does
 * not), then the package's own folder.
 */
export function immutableCapableDir(): { dir: string; why: string } {
  const tried: string[] = [];
  for (const dir of [tmpdir(), '/var/tmp', PACKAGE_ROOT]) {
    const probe = join(dir, `.oq-webui-chattr-probe-${process.pid}`);
    try {
      mkdirSync(probe, { recursive: true });
      const file = join(probe, 'f');
      closeSync(openSync(file, 'w'));
      chattr('+i', file);
      chattr('-i', file);
      return { dir, why: `chattr +i works on ${dir} (${fsType(dir)})${tried.length ? `; not on ${tried.join(', ')}` : ''}` };
    } catch (e) {
      tried.push(`${dir} (${(e as Error).message.split('\n')[0]})`);
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  }
  throw new Error(`no folder here supports chattr +i: ${tried.join('; ')}`);
}

/** The filesystem type of the mount holding `dir` (from /proc/self/mounts, longest prefix). */
function fsType(dir: string): string {
  let best = { point: '', type: 'unknown' };
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [, point, type] = line.split(' ');
    if (point && (dir === point || dir.startsWith(point === '/' ? '/' : `${point}/`)) && point.length > best.point.length) {
      best = { point, type };
    }
  }
  return best.type;
}

import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildZip, renameEntry } from '../helpers/zips.js';
import { extractZip, UploadRefused, type UnpackLimits } from '../../src/calcs/unpack-upload.js';

const LIMITS: UnpackLimits = { maxEntries: 100, maxTotalBytes: 10 * 1024 * 1024, maxEntryBytes: 100 * 1024 * 1024 };

/** Applies `patch` at each local (PK\3\4) and central (PK\1\2) header. */
function patchHeaders(zip: Buffer, patch: (buf: Buffer, at: number, central: boolean) => void): Buffer {
  const out = Buffer.from(zip);
  for (const [sig, central] of [[0x04034b50, false], [0x02014b50, true]] as const) {
    const needle = Buffer.alloc(4);
    needle.writeUInt32LE(sig);
    for (let at = out.indexOf(needle); at !== -1; at = out.indexOf(needle, at + 1)) {
      patch(out, at, central);
    }
  }
  return out;
}

/** Lists every path under dir, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map((e) => e.split(path.sep).join('/')).sort();
}

describe('extractZip', () => {
  let tmp: string;
  let dataDir: string;
  let dest: string;
  let zipPath: string;

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'oq-unpack-'));
    dataDir = path.join(tmp, 'data');
    dest = path.join(dataDir, 'calc_1', 'input');
    zipPath = path.join(tmp, 'upload.zip');
    await mkdir(dest, { recursive: true });
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  /** Extracts `zip` expecting a refusal matching `pattern`; checks nothing was left anywhere. */
  async function expectRefused(zip: Buffer, pattern: RegExp, limits = LIMITS): Promise<UploadRefused> {
    await writeFile(zipPath, zip);
    const before = await tree(tmp);
    let caught: unknown;
    try {
      await extractZip(zipPath, dest, limits);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(UploadRefused);
    const refused = caught as UploadRefused;
    expect(refused.message).to.match(pattern);
    expect(await readdir(dest)).to.deep.equal([]);
    expect(await tree(tmp)).to.deep.equal(before);
    return refused;
  }

  it('extracts a good archive with folders and returns the files written', async () => {
    const zip = await buildZip([
      { name: 'job.ini', data: '[general]\ncalculation_mode = classical\n' },
      { name: 'models', dir: true },
      { name: 'models/source_model.xml', data: '<nrml/>' },
      { name: 'deep/er/gmpe.xml', data: 'x'.repeat(5000), store: true },
    ]);
    await writeFile(zipPath, zip);
    const written = await extractZip(zipPath, dest, LIMITS);
    expect(written).to.deep.equal(['job.ini', 'models/source_model.xml', 'deep/er/gmpe.xml']);
    expect(await readFile(path.join(dest, 'job.ini'), 'utf8')).to.contain('classical');
    expect(await readFile(path.join(dest, 'deep/er/gmpe.xml'), 'utf8')).to.have.length(5000);
    expect(await tree(dest)).to.deep.equal(['deep', 'deep/er', 'deep/er/gmpe.xml', 'job.ini', 'models', 'models/source_model.xml']);
  });

  it('creates destDir when missing and removes it again on refusal', async () => {
    const fresh = path.join(dataDir, 'calc_2');
    await writeFile(zipPath, Buffer.from('not a zip at all'));
    let caught: unknown;
    try {
      await extractZip(zipPath, fresh, LIMITS);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(UploadRefused);
    expect(await readdir(dataDir)).to.deep.equal(['calc_1']);
  });

  it('refuses ../ paths', async () => {
    const zip = renameEntry(await buildZip([{ name: 'ok.txt', data: 'a' }, { name: 'zz/evil.txt', data: 'b' }]), 'zz/evil.txt', '../evil.txt');
    const err = await expectRefused(zip, /"\.\.\/evil\.txt".*outside/);
    expect(err.name).to.equal('UploadRefused');
  });

  it('refuses absolute paths and drive letters', async () => {
    const abs = renameEntry(await buildZip([{ name: 'tmp/evil.txt', data: 'b' }]), 'tmp/evil.txt', '/tmp/evil.tx');
    await expectRefused(abs, /"\/tmp\/evil\.tx" has an absolute path/);
    const drive = renameEntry(await buildZip([{ name: 'zzevil.txt', data: 'b' }]), 'zzevil.txt', 'C:evil.txt');
    await expectRefused(drive, /"C:evil\.txt" has an absolute path/);
  });

  it('refuses backslash tricks', async () => {
    const zip = renameEntry(await buildZip([{ name: 'zz_evil.txt', data: 'b' }]), 'zz_evil.txt', '..\\evil.txt');
    await expectRefused(zip, /backslash/);
  });

  it('refuses symbolic links', async () => {
    const zip = await buildZip([{ name: 'job.ini', data: 'x' }, { name: 'link', data: '/etc/passwd', mode: 0o120777 }]);
    await expectRefused(zip, /"link" is a symbolic link/);
  });

  it('refuses a zip bomb by its declared size before inflating', async () => {
    const zip = await buildZip([{ name: 'bomb.bin', data: Buffer.alloc(50 * 1024 * 1024) }]);
    expect(zip.length).to.be.lessThan(200 * 1024);
    await expectRefused(zip, /larger than the 10485760 bytes allowed once unpacked \(at entry "bomb\.bin"\)/);
  });

  it('refuses a zip bomb whose headers lie about its size, once more bytes come than declared', async () => {
    const honest = await buildZip([{ name: 'bomb.bin', data: Buffer.alloc(50 * 1024 * 1024) }]);
    const lying = patchHeaders(honest, (buf, at, central) => buf.writeUInt32LE(1000, at + (central ? 24 : 22)));
    await expectRefused(lying, /bomb\.bin/);
  });

  it('refuses an entry over the per-file limit', async () => {
    const zip = await buildZip([{ name: 'big.csv', data: Buffer.alloc(2048) }]);
    await expectRefused(zip, /"big\.csv" is larger than the 1024 bytes allowed per file/, { ...LIMITS, maxEntryBytes: 1024 });
  });

  it('refuses when the entries together exceed the total', async () => {
    const items = [1, 2, 3].map((n) => ({ name: `part${n}.bin`, data: Buffer.alloc(400) }));
    await expectRefused(await buildZip(items), /"part3\.bin"/, { ...LIMITS, maxTotalBytes: 1000 });
  });

  it('refuses too many entries', async () => {
    const items = Array.from({ length: 6 }, (_, n) => ({ name: `f${n}.txt`, data: 'x' }));
    await expectRefused(await buildZip(items), /6 entries, more than the 5 allowed/, { ...LIMITS, maxEntries: 5 });
  });

  it('refuses a file that is not a zip', async () => {
    await expectRefused(Buffer.from('PK this is not really a zip file, just text'.repeat(10)), /^Corrupt or unreadable zip file: /);
  });

  it('refuses corrupt compressed data and removes the entries already written', async () => {
    const zip = await buildZip([
      { name: 'first.txt', data: 'hello '.repeat(100) },
      { name: 'second.txt', data: 'abcdefghij'.repeat(1000) },
    ]);
    const second = zip.indexOf(Buffer.from('second.txt'));
    const bad = Buffer.from(zip);
    for (let i = second + 14; i < second + 40; i++) {
      bad[i] = 0xff;
    }
    await expectRefused(bad, /^Corrupt or unreadable zip file: entry "second\.txt": /);
  });

  it('refuses encrypted entries', async () => {
    const zip = patchHeaders(await buildZip([{ name: 'secret.txt', data: 'x' }]), (buf, at, central) => {
      const flags = at + (central ? 8 : 6);
      buf.writeUInt16LE(buf.readUInt16LE(flags) | 1, flags);
    });
    await expectRefused(zip, /"secret\.txt" is encrypted/);
  });

  it('refuses duplicate entries without overwriting', async () => {
    const zip = renameEntry(await buildZip([{ name: 'a.txt', data: '1' }, { name: 'b.txt', data: '2' }]), 'b.txt', 'a.txt');
    await expectRefused(zip, /"a\.txt" clashes/);
  });

  it('leaves files that were in destDir before the call', async () => {
    await writeFile(path.join(dest, 'upload-note.txt'), 'mine');
    await writeFile(zipPath, renameEntry(await buildZip([{ name: 'x/ok.txt' }, { name: 'zz/evil.txt' }]), 'zz/evil.txt', '../evil.txt'));
    let caught: unknown;
    try {
      await extractZip(zipPath, dest, LIMITS);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(UploadRefused);
    expect(await tree(dest)).to.deep.equal(['upload-note.txt']);
  });
});

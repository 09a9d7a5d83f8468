/** Zip archives for tests, built in memory with yazl, and forged where yazl refuses (../, /abs). */
import { expect } from 'chai';
import yazl from 'yazl';

/** One entry of a test archive. */
export interface ZipItem {
  name: string;
  data?: Buffer | string;
  mode?: number;
  /** An empty directory entry. */
  dir?: boolean;
  /** Stored without compression. */
  store?: boolean;
}

/** Builds a zip in memory. */
export function buildZip(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const item of items) {
    if (item.dir === true) {
      zip.addEmptyDirectory(item.name);
    } else {
      const data = Buffer.isBuffer(item.data) ? item.data : Buffer.from(item.data ?? '');
      zip.addBuffer(data, item.name, { mode: item.mode, compress: item.store !== true });
    }
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Replaces an entry name by another of the same length everywhere in a zip (local and central headers). */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  expect(Buffer.byteLength(from)).to.equal(Buffer.byteLength(to));
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  let at = out.indexOf(needle);
  expect(at).to.be.greaterThan(-1);
  while (at !== -1) {
    Buffer.from(to).copy(out, at);
    at = out.indexOf(needle, at + 1);
  }
  return out;
}

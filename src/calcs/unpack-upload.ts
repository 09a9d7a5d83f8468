/**
 * Safe extraction of an uploaded zip into a calculation's fresh input folder: nothing is written
 * outside it, no file is overwritten, and on refusal or error everything this call created is
 * removed again, so the folder is left as it was (docs/architecture.md, "Reasons moved out of
 * file headers").
 */
import { lstat, mkdir, open, rm, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** Limits that bound what one upload may unpack to. */
export interface UnpackLimits {
  maxEntries: number;
  maxTotalBytes: number;
  maxEntryBytes: number;
}

/** An archive the server will not unpack; `message` is fit to show to the user. */
export class UploadRefused extends Error {
  /** Creates the refusal with a user-facing message. */
  constructor(message: string) {
    super(message);
    this.name = 'UploadRefused';
  }
}

/** Longest file or folder name (Linux's NAME_MAX), and longest path (PATH_MAX), in bytes. */
const NAME_MAX = 255;
const PATH_MAX = 4096;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** What one extraction has created so far, to undo it. */
interface Created {
  files: string[];
  dirs: string[];
}

/**
 * Extracts `zipPath` into `destDir` (see the file's contract) and returns the relative posix paths
 * of the files written. Throws UploadRefused for unsafe or corrupt archives.
 */
export async function extractZip(zipPath: string, destDir: string, limits: UnpackLimits): Promise<string[]> {
  const root = path.resolve(destDir);
  const created: Created = { files: [], dirs: [] };
  try {
    await makeDir(root, created, null);
    return await extractInto(zipPath, root, limits, created);
  } catch (err) {
    await undo(created);
    throw asRefusal(err);
  }
}

/** Opens the archive and writes its entries one by one. */
async function extractInto(zipPath: string, root: string, limits: UnpackLimits, created: Created): Promise<string[]> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true });
  const written: string[] = [];
  const budget = { total: 0, entries: 0 };
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new UploadRefused(`The archive has ${zip.entryCount} entries, more than the ${limits.maxEntries} allowed`);
    }
    for await (const entry of zip.eachEntry()) {
      budget.entries += 1;
      if (budget.entries > limits.maxEntries) {
        throw new UploadRefused(`The archive has more than the ${limits.maxEntries} entries allowed`);
      }
      const file = await extractEntry(zip, entry, root, limits, budget, created);
      if (file !== null) {
        written.push(file);
      }
    }
  } finally {
    zip.close();
  }
  return written;
}

/** Checks and writes one entry; returns its relative path, or null for a folder entry. */
async function extractEntry(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  root: string,
  limits: UnpackLimits,
  budget: { total: number },
  created: Created,
): Promise<string | null> {
  const name = entryName(entry);
  const target = safeTarget(root, name);
  const type = fileType(entry);
  if (type === S_IFLNK) {
    throw new UploadRefused(`The archive entry "${name}" is a symbolic link, which is not allowed`);
  }
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    throw new UploadRefused(`The archive entry "${name}" is a special file, which is not allowed`);
  }
  if (name.endsWith('/') || type === S_IFDIR) {
    await makeDir(target, created, name);
    return null;
  }
  checkEntryHeader(entry, name, limits, budget.total);
  await makeDir(path.dirname(target), created, name);
  const handle = await openExclusive(target, name);
  created.files.push(target);
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (err) {
    await handle.close();
    throw asRefusal(err, name);
  }
  try {
    await pipeline(stream, new ByteCounter(name, limits, budget), handle.createWriteStream());
  } catch (err) {
    throw asRefusal(err, name);
  }
  return path.relative(root, target).split(path.sep).join('/');
}

/**
 * The unix file type of an entry (S_IFLNK, S_IFREG...), 0 when unknown. Symbolic links are
 * recognised whatever the creating system; other types only for unix (3) and macOS (19) archives.
 */
function fileType(entry: yauzl.Entry): number {
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  const host = entry.versionMadeBy >>> 8;
  if (type === S_IFLNK || host === 3 || host === 19) {
    return type;
  }
  return 0;
}

/** Decodes an entry's name (UTF-8 or CP437, as flagged) without yauzl's own validation. */
function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileNameRaw ?? Buffer.from(String(entry.fileName));
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
}

/** Resolves an entry name under root, refusing anything that could land elsewhere. */
function safeTarget(root: string, name: string): string {
  const shown = name.length > 80 ? `${name.slice(0, 80)}...` : name;
  const refuse = (why: string): never => {
    throw new UploadRefused(`The archive entry "${shown}" ${why}, which is not allowed`);
  };
  if (name === '' || name.includes('\0')) {
    refuse('has an empty or invalid name');
  }
  if (name.includes('\\')) {
    refuse('contains a backslash');
  }
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    refuse('has an absolute path');
  }
  if (name.split('/').includes('..')) {
    refuse('points outside the calculation folder');
  }
  const target = path.resolve(root, name);
  if (target === root || !target.startsWith(root + path.sep)) {
    refuse('points outside the calculation folder');
  }
  if (name.split('/').some((part) => Buffer.byteLength(part) > NAME_MAX)) {
    refuse(`has a file or folder name longer than ${NAME_MAX} bytes`);
  }
  if (Buffer.byteLength(target) >= PATH_MAX) {
    refuse(`has a path longer than the ${PATH_MAX} bytes a file system allows`);
  }
  return target;
}

/** Refuses an entry by what its headers declare, before inflating anything. */
function checkEntryHeader(entry: yauzl.Entry, name: string, limits: UnpackLimits, total: number): void {
  if (entry.isEncrypted()) {
    throw new UploadRefused(`The archive entry "${name}" is encrypted; encrypted archives are not supported`);
  }
  if (!entry.canDecodeFileData()) {
    throw new UploadRefused(`The archive entry "${name}" uses an unsupported compression method (${entry.compressionMethod})`);
  }
  if (entry.uncompressedSize > limits.maxEntryBytes) {
    throw new UploadRefused(`The archive entry "${name}" is larger than the ${limits.maxEntryBytes} bytes allowed per file`);
  }
  if (total + entry.uncompressedSize > limits.maxTotalBytes) {
    throw new UploadRefused(`The archive is larger than the ${limits.maxTotalBytes} bytes allowed once unpacked (at entry "${name}")`);
  }
}

/** Creates a file that must not exist yet. */
async function openExclusive(target: string, name: string): Promise<import('node:fs/promises').FileHandle> {
  try {
    return await open(target, 'wx');
  } catch (err) {
    if (isFsError(err) && ['EEXIST', 'EISDIR', 'ENOTDIR'].includes(err.code ?? '')) {
      throw new UploadRefused(`The archive entry "${name}" clashes with another entry of the archive`);
    }
    throw err;
  }
}

/** Counts the real inflated bytes and stops at the per-entry and total limits. */
class ByteCounter extends Transform {
  private entryBytes = 0;

  /** Counts for entry `name` against `limits`, adding to the shared `budget`. */
  constructor(
    private readonly name: string,
    private readonly limits: UnpackLimits,
    private readonly budget: { total: number },
  ) {
    super();
  }

  /** Passes a chunk on unless it breaks a limit. */
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.entryBytes += chunk.length;
    this.budget.total += chunk.length;
    if (this.entryBytes > this.limits.maxEntryBytes) {
      done(new UploadRefused(`The archive entry "${this.name}" is larger than the ${this.limits.maxEntryBytes} bytes allowed per file`));
      return;
    }
    if (this.budget.total > this.limits.maxTotalBytes) {
      done(new UploadRefused(`The archive is larger than the ${this.limits.maxTotalBytes} bytes allowed once unpacked (at entry "${this.name}")`));
      return;
    }
    done(null, chunk);
  }
}

/**
 * mkdir -p that records the first folder it made; for an archive entry (`name` not null), a path
 * going through a file is refused as a clash between entries.
 */
async function makeDir(dir: string, created: Created, name: string | null): Promise<void> {
  const clash = (): UploadRefused =>
    new UploadRefused(`The archive entry "${name}" clashes with another entry of the archive`);
  let first: string | undefined;
  try {
    first = await mkdir(dir, { recursive: true });
  } catch (err) {
    if (name !== null && isFsError(err) && (err.code === 'EEXIST' || err.code === 'ENOTDIR')) {
      throw clash();
    }
    throw err;
  }
  if (first !== undefined) {
    created.dirs.push(first);
  }
  if (!(await lstat(dir)).isDirectory()) {
    throw name === null ? new Error(`${dir} is not a folder`) : clash();
  }
}

/** Removes what an extraction created, newest first. */
async function undo(created: Created): Promise<void> {
  for (const file of created.files.reverse()) {
    await unlink(file).catch(() => undefined);
  }
  for (const dir of created.dirs.reverse()) {
    await rm(dir, { recursive: true, force: true }).catch(() => rmdir(dir).catch(() => undefined));
  }
}

/**
 * Turns errors from yauzl or zlib into a refusal (naming the entry being read, if any); keeps
 * refusals and file-system errors (those with a syscall, e.g. ENOSPC) as they are.
 */
function asRefusal(err: unknown, name?: string): unknown {
  if (err instanceof UploadRefused) {
    return err;
  }
  if (isFsError(err) && err.syscall !== undefined) {
    return err;
  }
  const reason = err instanceof Error ? err.message : String(err);
  const where = name === undefined ? '' : `entry "${name}": `;
  return new UploadRefused(`Corrupt or unreadable zip file: ${where}${reason}`);
}

/** Narrows to a Node system error. */
function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && 'code' in err;
}

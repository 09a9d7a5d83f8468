/**
 * Opens downloaded results in the tools that read them, in the engine's venv: CSV with Python's
 * csv module, XML with the engine's NRML reader, .npz with numpy, .zip with zipfile (each member
 * opened the same way), .rst as UTF-8 text. One Python process reads every file of a test.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENGINE_VENV } from '../helpers/original.js';

const run = promisify(execFile);

/** What a reader found in a file (a zip: its members, each read). */
export type Opened =
  | { kind: 'csv'; header: string[]; rows: string[][] }
  | { kind: 'npz'; arrays: Record<string, number[]> }
  | { kind: 'xml'; root: string }
  | { kind: 'text'; title: string; chars: number }
  | { kind: 'zip'; members: Record<string, Opened> };

const PROGRAM = String.raw`
import csv, io, json, sys, zipfile
import numpy
from openquake.hazardlib import nrml

def read(name, data):
    if name.endswith('.zip'):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.testzip() is None, 'a damaged member in ' + name
            return dict(kind='zip', members={m: read(m, z.read(m)) for m in z.namelist()})
    if name.endswith('.csv'):
        lines = data.decode('utf-8').splitlines()
        # the engine's first line is a comment with its metadata
        rows = list(csv.reader(lines[1:] if lines and lines[0].startswith('#') else lines))
        assert all(len(r) == len(rows[0]) for r in rows), 'ragged rows in ' + name
        return dict(kind='csv', header=rows[0], rows=rows[1:])
    if name.endswith('.npz'):
        with numpy.load(io.BytesIO(data), allow_pickle=False) as z:
            return dict(kind='npz', arrays={k: list(z[k].shape) for k in z.files})
    if name.endswith('.xml'):
        return dict(kind='xml', root=nrml.read(io.BytesIO(data)).tag)
    text = data.decode('utf-8')
    return dict(kind='text', title=text.strip().splitlines()[0], chars=len(text))

out = {}
for path, name in json.load(sys.stdin):
    with open(path, 'rb') as f:
        out[path] = read(name, f.read())
print(json.dumps(out))
`;

/** Reads each [path, download name] pair; the result by path. */
export async function openDownloads(files: [string, string][]): Promise<Record<string, Opened>> {
  const child = run(join(ENGINE_VENV, 'bin', 'python'), ['-c', PROGRAM], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: '1' } });
  child.child.stdin?.end(JSON.stringify(files));
  const { stdout } = await child;
  return JSON.parse(stdout) as Record<string, Opened>;
}

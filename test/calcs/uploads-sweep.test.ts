/**
 * Uploads left half-received by a worker that died (issue 12.7) are removed when a worker or
 * the job runner starts, not a day later; uploads in progress in live workers are left alone.
 */
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { ownerOf, uploadFolderPrefix } from '../../src/runner/stale-uploads.js';
import { startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';
import { deadPid } from '../helpers/processes.js';
import { calcZip, uploadForm } from './support.js';

function uploads(server: RunningServer): string[] {
  try {
    return readdirSync(join(server.dataDir, 'uploads')).sort();
  } catch {
    return [];
  }
}

describe('uploads left by a worker that died', function () {
  this.timeout(60_000);
  const servers: RunningServer[] = [];

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('are removed when the server starts: folders of dead processes, of live processes that are not workers, and any a day old', async () => {
    const dir = tempDir();
    const root = join(dir, 'data', 'uploads');
    const dead = `${uploadFolderPrefix(await deadPid())}abc123`;
    // this test process is alive but is no oq-webui worker: its pid in a folder name is a reused pid
    const notWorker = `${uploadFolderPrefix(process.pid)}def456`;
    // folders without an owner in their name (older versions): by age only
    const old = 'upload-Old123';
    const recent = 'upload-New123';
    for (const name of [dead, notWorker, old, recent]) {
      mkdirSync(join(root, name, 'received'), { recursive: true });
      writeFileSync(join(root, name, 'received', '0'), Buffer.alloc(1000));
    }
    const twoDaysAgo = new Date(Date.now() - 48 * 3600 * 1000);
    utimesSync(join(root, old), twoDaysAgo, twoDaysAgo);
    const server = await startServer({ dir, workers: 1 });
    servers.push(server);
    await waitFor(() => uploads(server).length === 1, 10_000, 'the leftovers to go');
    expect(uploads(server)).to.deep.equal([recent]);
  });

  it('a worker killed in the middle of an upload: its folder goes when its replacement starts; uploads in progress in the other worker go on', async () => {
    const server = await startServer({ workers: 2, settings: { BODY_TIMEOUT: 0 } });
    servers.push(server);
    const form = new Response(uploadForm([{ name: 'calc.zip', data: await calcZip() }]));
    const type = form.headers.get('content-type') as string;
    const body = Buffer.from(await form.arrayBuffer());
    const half = Math.floor(body.length / 2);
    // half-sent uploads until both workers hold at least one
    const open: { sock: net.Socket; reply: Promise<string> }[] = [];
    const owners = (): Set<number> => new Set(uploads(server).map((n) => ownerOf(n)?.pid ?? 0));
    const workers = await server.readyWorkers();
    for (let i = 0; i < 40 && !workers.every((w) => owners().has(w)); i += 1) {
      const before = uploads(server).length;
      const sock = net.connect(server.port, '127.0.0.1');
      sock.on('error', () => undefined);
      const reply = new Promise<string>((resolve) => {
        let got = '';
        sock.on('data', (d: Buffer) => { got += d.toString(); });
        sock.on('close', () => resolve(got));
      });
      sock.write(`POST /v1/calc/run HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`);
      sock.write(body.subarray(0, half));
      await waitFor(() => uploads(server).length > before, 10_000, 'the upload folder');
      open.push({ sock, reply });
    }
    const [victim, survivor] = workers;
    expect([...owners()].sort()).to.deep.equal([...workers].sort());
    const survivorFolders = uploads(server).filter((n) => ownerOf(n)?.pid === survivor);
    process.kill(victim, 'SIGKILL');
    await waitFor(async () => {
      const ready = await server.readyWorkers();
      return ready.length === 2 && !ready.includes(victim);
    }, 20_000, 'a replacement worker');
    await waitFor(() => !owners().has(victim), 10_000, 'the dead worker\'s folders to go');
    expect(uploads(server)).to.deep.equal(survivorFolders);
    // the uploads of the live worker finish normally
    for (const { sock } of open) {
      if (!sock.destroyed) {
        sock.write(body.subarray(half));
      }
    }
    const replies = await Promise.all(open.map((o) => o.reply));
    const ok = replies.filter((r) => r.startsWith('HTTP/1.1 200 '));
    expect(ok).to.have.length(survivorFolders.length);
    await waitFor(() => uploads(server).length === 0, 10_000, 'no upload folder left');
  });
});

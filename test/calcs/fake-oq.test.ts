import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEngineLine } from '../../src/runner/engine-log.js';
import { alive } from '../helpers/processes.js';

/** The stand-in; this file runs as dist/test/calcs/fake-oq.test.js. */
const FAKE_OQ = fileURLToPath(new URL('../../../test/fixtures/fake-oq', import.meta.url));

/** The outcome of one run. */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs fake-oq with execFile and collects its output. */
function runFake(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(FAKE_OQ, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}


/** Resolves once `check` is true, failing after `ms`. */
async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) {
      throw new Error('timed out');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('fake-oq', () => {
  let dir: string;
  let jobIni: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'oq-fake-'));
    jobIni = path.join(dir, 'job.ini');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes the job.ini with the given [general] keys. */
  async function writeJob(keys: Record<string, string>): Promise<void> {
    const lines = Object.entries(keys).map(([k, v]) => `${k} = ${v}`);
    await writeFile(jobIni, ['[general]', 'description = Fake run', 'calculation_mode = classical', ...lines, ''].join('\n'));
  }

  it('prints its version with `oq --version`, and refuses `oq engine --version` as the real engine does', async () => {
    expect((await runFake(['--version'])).stdout.trim()).to.equal('3.26.2');
    const refused = await runFake(['engine', '--version']);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/error: unrecognized arguments: --version/);
  });

  it('ok: exports CSVs, writes the datastore and logs parseable lines', async () => {
    await writeJob({ fake_duration: '0.1', fake_outputs: 'hcurves,uhs' });
    const out = path.join(dir, 'out');
    const calc = path.join(dir, 'calc');
    const run = await runFake(['engine', '--run', jobIni, '--exports', 'csv', '-p', `export_dir=${out},calc_dir=${calc}`], { OQ_CALC_ID: '42' });
    expect(run.code).to.equal(0);
    expect((await readdir(out)).sort()).to.deep.equal(['hazard_curve-mean-PGA_42.csv', 'hazard_uhs-mean_42.csv']);
    expect(await readdir(calc)).to.deep.equal(['calc_42.hdf5']);
    const csv = (await readFile(path.join(out, 'hazard_curve-mean-PGA_42.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).to.match(/^#,.*generated_by='OpenQuake engine 3\.26\.2'/);
    expect(csv[1]).to.equal('lon,lat,depth,poe-0.1000000,poe-0.4000000,poe-0.6000000');
    expect(csv.length).to.be.greaterThan(3);
    const lines = run.stderr.trim().split('\n').filter((l) => l.startsWith('[')).map((l) => parseEngineLine(l, new Date(0)));
    expect(lines.every((l) => l.process === '#42')).to.equal(true);
    expect(lines.find((l) => l.message === `Running ${jobIni}`)?.level).to.equal('INFO');
    expect(lines.map((l) => l.level)).to.include.members(['DEBUG', 'WARNING', 'INFO']);
    expect(Math.abs(lines[0].timestamp.getTime() - Date.now())).to.be.lessThan(60_000);
    expect(lines.map((l) => l.message)).to.include(`exported hcurves: ['${path.join(out, 'hazard_curve-mean-PGA_42.csv')}']`);
    expect(lines.map((l) => l.message)).to.include('classical 100% [4 submitted, 0 queued]');
    // as the real engine: the outputs table continues a log line on plain lines; nothing on stdout
    expect(run.stderr).to.match(/^ {3}1 \| Hazard Curves$/m);
    expect(run.stdout).to.equal('');
  });

  it('ok: -p calc_id wins over OQ_CALC_ID and --hc is logged', async () => {
    await writeJob({ fake_duration: '0' });
    const run = await runFake(['engine', '--run', jobIni, '-p', 'calc_id=7', '--hc', '3'], { OQ_CALC_ID: '42' });
    expect(run.code).to.equal(0);
    expect(run.stderr).to.contain(' #7 WARNING] ').and.to.contain(' --hc=3\n').and.to.contain(' #7 INFO] Reading from parent calculation');
  });

  it('numbers calculations from its own job database ([dbserver] file of OQ_CONFIG_FILE), not from OQ_CALC_ID', async () => {
    await writeJob({ fake_duration: '0' });
    const cfg = path.join(dir, 'openquake.cfg');
    await writeFile(cfg, `[dbserver]\nfile = ${path.join(dir, 'db.sqlite3')}\n`);
    const first = await runFake(['engine', '--run', jobIni], { OQ_CONFIG_FILE: cfg, OQ_CALC_ID: '42' });
    const second = await runFake(['engine', '--run', jobIni], { OQ_CONFIG_FILE: cfg, OQ_CALC_ID: '42' });
    expect(first.stdout).to.match(/^The following scripts have been applied safely:/);
    expect(first.stderr).to.contain(' #1 INFO] Using engine version');
    expect(second.stdout).to.equal('');
    expect(second.stderr).to.contain(' #2 INFO] Using engine version');
  });

  it('a run killed while it held the job database lock does not stop the next runs (the stale lock is taken over)', async () => {
    await writeJob({ fake_duration: '0' });
    const cfg = path.join(dir, 'openquake.cfg');
    const db = path.join(dir, 'db.sqlite3');
    await writeFile(cfg, `[dbserver]\nfile = ${db}\n`);
    await writeFile(db, 'fake-oq job database\nlast_id=4\n');
    // what a run aborted inside its critical section leaves: the lock, 10 s old
    await mkdir(`${db}.lock`);
    const old = new Date(Date.now() - 10_000);
    await utimes(`${db}.lock`, old, old);
    const run = await runFake(['engine', '--run', jobIni], { OQ_CONFIG_FILE: cfg });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.contain(' #5 INFO] Using engine version');
  });

  it('fail: exits 1 with a traceback', async () => {
    await writeJob({ fake_behaviour: 'fail', fake_duration: '0' });
    const run = await runFake(['engine', '--run', jobIni]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^Traceback \(most recent call last\):$/m);
    expect(run.stderr.trim().split('\n').pop()).to.equal('RuntimeError: fake failure requested by job.ini');
    expect(run.stderr).to.match(/#0 CRITICAL\] RuntimeError: fake failure/);
  });

  it('hang: SIGINT to the process group ends it and its child', async () => {
    await writeJob({ fake_behaviour: 'hang' });
    const child = spawn(FAKE_OQ, ['engine', '--run', jobIni], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => /Started helper process \d+/.test(stderr), 5000);
    const helper = Number(/Started helper process (\d+)/.exec(stderr)?.[1]);
    expect(alive(helper)).to.equal(true);
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await exited).to.equal(1);
    expect(stderr.trim().split('\n').pop()).to.equal('openquake.engine.engine.MasterKilled: The openquake master process was killed manually');
    await waitFor(() => !alive(helper), 5000);
  });

  it('hang: with fake_ignore_sigint only SIGKILL of the group ends it', async () => {
    await writeJob({ fake_behaviour: 'hang', fake_ignore_sigint: 'true' });
    const child = spawn(FAKE_OQ, ['engine', '--run', jobIni], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await waitFor(() => stderr.includes('Started helper process'), 5000);
    const helper = Number(/Started helper process (\d+)/.exec(stderr)?.[1]);
    process.kill(-(child.pid as number), 'SIGINT');
    await waitFor(() => stderr.includes('SIGINT received and ignored'), 5000);
    expect(alive(child.pid as number)).to.equal(true);
    process.kill(-(child.pid as number), 'SIGKILL');
    expect(await exited).to.equal('SIGKILL');
    await waitFor(() => !alive(helper), 5000);
  });

  it('many_logs: prints exactly N engine lines', async () => {
    await writeJob({ fake_behaviour: 'many_logs', fake_log_lines: '20000' });
    const run = await runFake(['engine', '--run', jobIni], { OQ_CALC_ID: '9' });
    expect(run.code).to.equal(0);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).to.have.length(20000);
    expect(parseEngineLine(lines[19999], new Date(0))).to.include({ process: '#9', message: 'fake log line 20000 of 20000' });
  });

  it('bad usage exits 2 with a message', async () => {
    for (const args of [[], ['engine'], ['engine', '--run'], ['engine', '--run', 'x.ini', '--bogus'], ['engine', '--run', 'x.ini', '--hc', 'abc']]) {
      const run = await runFake(args);
      expect(run.code, args.join(' ')).to.equal(2);
      expect(run.stderr).to.match(/^usage: oq/).and.to.match(/error: /);
    }
  });

  it('a missing job.ini exits 1', async () => {
    const run = await runFake(['engine', '--run', path.join(dir, 'nope.ini')]);
    expect(run.code).to.equal(1);
    expect(run.stderr.trim().split('\n').pop()).to.equal(`OSError: File not found: ${path.join(dir, 'nope.ini')}`);
  });
});

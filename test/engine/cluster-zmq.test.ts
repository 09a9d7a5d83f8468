/**
 * The engine's own cluster: the operator's openquake.cfg (ENGINE_CONFIG) says
 * `oq_distribute = zmq`, a worker pool is started with the engine's own `oq workers start` on this
 * machine (loopback), and a calculation submitted through the WebUI has its tasks run by that pool;
 * an abort stops the engine and leaves no task running in the pool. Runs only where the real
 * engine is installed (as test/engine/real-engine.test.ts).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { classicalIni, classicalZip, engineInstalled, OQ, processesWith } from '../helpers/engine.js';
import { freePort, sleep, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.js';

const run = promisify(execFile);

/** A zmq worker pool of the engine's, started and stopped with `oq workers`, and the tasks it ran. */
class WorkerPool {
  readonly tmp: string;
  /** `<engine calc id>-<task no>` of every task the pool started (its "executing" files). */
  readonly tasks = new Set<string>();
  private watcher: FSWatcher | null = null;

  constructor(readonly dir: string, private readonly config: string) {
    this.tmp = join(dir, 'pool-tmp');
    mkdirSync(this.tmp, { recursive: true });
  }

  /** Every process of the pool (they inherit the marker of its environment). */
  processes(): number[] {
    return processesWith(`OQ_WEBUI_TEST_POOL=${this.dir}`);
  }

  /** The environment of `oq workers`: the pool reads the same openquake.cfg as the WebUI's engines. */
  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env, OQ_CONFIG_FILE: this.config, TMPDIR: this.tmp, CI: 'true', OQ_WEBUI_TEST_POOL: this.dir,
      // the venv is root's (the engine's "multi user" install): `oq workers` then wants the user openquake
      LOGNAME: 'openquake', USER: 'openquake',
    };
  }

  /** `oq workers stop|status`, its output. */
  async oqWorkers(cmd: 'stop' | 'status'): Promise<string> {
    const { stdout } = await run(OQ, ['workers', cmd], { env: this.env(), timeout: 120_000 });
    return stdout.trim();
  }

  /** `oq workers start` (the pool it leaves behind writes to pool.log), then watches the folder where the pool marks each task it runs. */
  async start(): Promise<void> {
    const log = join(this.dir, 'pool.log');
    const fd = openSync(log, 'a');
    try {
      const oq = spawn(OQ, ['workers', 'start'], { env: this.env(), stdio: ['ignore', fd, fd] });
      const [code] = (await once(oq, 'exit')) as [number | null];
      expect(code, readFileSync(log, 'utf8')).to.equal(0);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(log, 'utf8')).to.contain("starting ['127.0.0.1']");
    await waitFor(async () => /^\[\('127\.0\.0\.1', 0, 2\)\]$/.test(await this.oqWorkers('status')), 120_000, 'the pool to answer');
    const [executing] = readdirSync(this.tmp);
    expect(executing, 'the pool\'s executing folder').to.be.a('string');
    this.watcher = watch(join(this.tmp, executing), (_event, name) => {
      if (name && /^\d+-\d+$/.test(name)) {
        this.tasks.add(name);
      }
    });
  }

  /** How many tasks the pool is running now (`oq workers status`; none when the pool is gone). */
  async running(): Promise<number> {
    const out = await this.oqWorkers('status');
    return [...out.matchAll(/\('[\d.]+', (\d+), \d+\)/g)].reduce((n, m) => n + Number(m[1]), 0);
  }

  /** The task numbers of one engine calculation that the pool ran. */
  tasksOf(engineId: number): string[] {
    return [...this.tasks].filter((t) => t.startsWith(`${engineId}-`));
  }

  unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}

if (!engineInstalled()) {
  console.log(`engine cluster tests: not run, no OpenQuake Engine at ${OQ} (set OQ_ENGINE_VENV or run scripts/install-openquake-engine.sh)`);
} else {
  describe('the engine\'s own cluster: oq_distribute = zmq with a pool of `oq workers start`', function () {
    this.timeout(600_000);
    let server: RunningServer;
    let dir: string;
    let pool: WorkerPool;

    before(async () => {
      dir = tempDir('oq-webui-zmq-');
      const config = join(dir, 'cluster.cfg');
      // what an operator writes (README "The engine's own cluster"): one file for the pool and the WebUI's engines
      writeFileSync(config, [
        '[distribution]', 'oq_distribute = zmq', '',
        '[zworkers]', 'host_cores = 127.0.0.1 2', `ctrl_port = ${await freePort()}`, '',
        '[dbserver]', 'receiver_host = 127.0.0.1', '',
      ].join('\n'));
      pool = new WorkerPool(dir, config);
      server = await startServer({
        workers: 1,
        settings: {
          ENGINE_COMMAND: [OQ, 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}'],
          ENGINE_CONFIG: config,
        },
        env: { CI: 'true' },
      });
    });

    after(async () => {
      pool?.unwatch();
      await server?.stop();
      if (pool) {
        await pool.oqWorkers('stop');
        await waitFor(() => pool.processes().length === 0, 20_000, 'the pool\'s processes to end');
      }
    });

    async function submit(ini: string): Promise<number> {
      const form = new FormData();
      form.append('archive', new Blob([await classicalZip(ini)]), 'classical.zip');
      const res = await server.fetch('/v1/calc/run', { method: 'POST', body: form });
      const body = (await res.json()) as { job_id: number };
      expect(res.status, JSON.stringify(body)).to.equal(200);
      return body.job_id;
    }

    async function json<T>(path: string): Promise<T> {
      const res = await server.fetch(path);
      expect(res.status, path).to.equal(200);
      return (await res.json()) as T;
    }

    async function finalStatus(id: number, ms = 500_000): Promise<string> {
      return waitFor(async () => {
        const { status } = await json<{ status: string }>(`/v1/calc/${id}`);
        return ['complete', 'failed', 'aborted'].includes(status) ? status : '';
      }, ms, `calculation ${id} to end`);
    }

    const logOf = (id: number): Promise<[string, string, string, string][]> => json(`/v1/calc/${id}/log/0:`);

    async function engineIdOf(id: number): Promise<number> {
      const line = await waitFor(async () => (await logOf(id)).find((l) => /^#\d+$/.test(l[2])), 300_000, `an engine line in the log of ${id}`);
      return Number((line as string[])[2].slice(1));
    }

    it('a calculation through the WebUI completes with its tasks run by the zmq pool', async () => {
      await pool.start();
      const id = await submit(classicalIni({ description: 'on the zmq pool' }));
      const status = await finalStatus(id);
      expect(status, JSON.stringify(await json(`/v1/calc/${id}/traceback`))).to.equal('complete');
      const engineId = await engineIdOf(id);
      const log = await logOf(id);
      // the engine's own word: it counted the pool's workers through zmq
      expect(log.some(([, level, , msg]) => level === 'WARNING' && /^Using 2 zmq workers, concurrent_tasks=\d+$/.test(msg)), JSON.stringify(log.map((l) => l[3]))).to.equal(true);
      // and the pool's: the tasks it ran carry this calculation's engine id
      expect(pool.tasksOf(engineId).length, JSON.stringify([...pool.tasks])).to.be.greaterThan(0);
      const results = await json<{ type: string }[]>(`/v1/calc/${id}/results`);
      expect(results.map((r) => r.type)).to.include('hcurves');
      // the engine stops its pool at the end of each calculation (README: so MAX_CONCURRENT_JOBS = 1 with zmq)
      await waitFor(() => pool.processes().length === 0, 20_000, 'the pool\'s processes to end');
    });

    it('abort stops the engine and leaves no task running in the pool', async () => {
      // the engine stopped its pool at the end of the first calculation: start it again
      pool.unwatch();
      await pool.start();
      const id = await submit(classicalIni({ description: 'long, on the zmq pool', region: '-0.5 -0.5, 0.5 -0.5, 0.5 0.5, -0.5 0.5', region_grid_spacing: '1.0' }, ['sites']));
      const engineId = await engineIdOf(id);
      const marker = `OQ_DATADIR=${join(server.dataDir, `calc_${id}`)}`;
      // until the pool runs a task of this calculation (failing at once if the run ends first)
      const deadline = Date.now() + 300_000;
      while (pool.tasksOf(engineId).length === 0) {
        const { status } = await json<{ status: string }>(`/v1/calc/${id}`);
        expect(['created', 'submitted', 'executing'], 'the long calculation ended early').to.include(status);
        expect(Date.now(), 'a task of the calculation on the pool').to.be.below(deadline);
        await sleep(100);
      }
      expect(processesWith(marker).length, 'the engine').to.be.at.least(1);
      const res = await server.fetch(`/v1/calc/${id}/abort`, { method: 'POST' });
      expect(res.status).to.equal(200);
      expect(await finalStatus(id, 30_000)).to.equal('aborted');
      await waitFor(() => processesWith(marker).length === 0, 10_000, 'no engine process left');
      // the engine, interrupted, stopped its pool: no task of the calculation goes on without it
      await waitFor(() => pool.processes().length === 0, 20_000, 'the pool\'s processes to end');
      expect(await pool.running()).to.equal(0);
    });
  });
}

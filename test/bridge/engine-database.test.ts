/**
 * An engine job database the engine cannot read (the stand-in engine's text file, or a damaged
 * one) is the operator's problem, not the request's: the results answer 503 with one sentence
 * naming what to check, never the engine's raw exception, and the server log has the file and
 * the cause. The engine's Python is the real one (BRIDGE_PYTHON); the engine is the stand-in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { VENV } from '../helpers/engine.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zips.js';

describe('the engine bridge on an engine job database it cannot read', function () {
  this.timeout(120_000);
  let server: RunningServer;

  after(async function () {
    await server?.stop();
  });

  it('answers the results with 503 and one sentence naming ENGINE_DATA_DIR\'s database, logs the file and cause, and other engine routes still answer', async function () {
    server = await startServer({ workers: 1, settings: { BRIDGE_PYTHON: join(VENV, 'bin', 'python') } });
    const form = new FormData();
    form.append('archive', new Blob([await buildZip([{ name: 'job.ini', data: '[general]\ncalculation_mode = classical\nfake_duration = 0.05\n' }])]), 'job.zip');
    const { job_id: id } = (await (await server.fetch('/v1/calc/run', { method: 'POST', body: form })).json()) as { job_id: number };
    await waitFor(async () => ((await (await server.fetch(`/v1/calc/${id}`)).json()) as { status: string }).status === 'complete', 60_000, 'the calculation to complete');
    const res = await server.fetch(`/v1/calc/${id}/results`);
    const body = (await res.json()) as { error: string };
    expect(res.status).to.equal(503);
    expect(body.error).to.equal('The engine\'s job database cannot be read: the operator should check the db.sqlite3 under ENGINE_DATA_DIR (the engine\'s own database, readable by the server)');
    expect(body.error).not.to.match(/DatabaseError|not a database/);
    const file = join(server.dataDir, 'engine', 'db.sqlite3');
    const log = join(server.logDir, 'oq-webui.log');
    await waitFor(() => readFileSync(log, 'utf8').includes(`ERROR] engine bridge: ${body.error} (${file}: DatabaseError: file is not a database)`), 20_000, 'the file and the cause in the server log');
    // the bridge still serves what does not need that database
    expect((await server.fetch('/v1/available_gsims')).status).to.equal(200);
  });
});

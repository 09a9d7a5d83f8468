import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zips.js';

describe('the engine\'s job database is made when the runner starts, not by the first calculation', function () {
  this.timeout(60_000);
  let server: RunningServer;

  after(async function () {
    await server?.stop();
  });

  it('creates it with `oq engine --upgrade-db` at start, says so in the server log, and the first calculation\'s log has no schema creation', async function () {
    server = await startServer({ workers: 1 });
    await server.waitForOutput(/\[INFO\] The engine's database \S+\/engine\/db\.sqlite3: The following scripts have been applied safely: \(fake-oq job database\) Visit the links/);
    expect(existsSync(join(server.dataDir, 'engine', 'db.sqlite3'))).to.equal(true);
    const form = new FormData();
    form.append('archive', new Blob([await buildZip([{ name: 'job.ini', data: '[general]\ncalculation_mode = classical\nfake_duration = 0.05\n' }])]), 'job.zip');
    const res = await server.fetch('/v1/calc/run', { method: 'POST', body: form });
    expect(res.status).to.equal(200);
    const { job_id: id } = (await res.json()) as { job_id: number };
    await waitFor(async () => ((await (await server.fetch(`/v1/calc/${id}`)).json()) as { status: string }).status === 'complete', 30_000, 'the calculation to complete');
    const log = (await (await server.fetch(`/v1/calc/${id}/log/0:`)).json()) as string[][];
    expect(log.length).to.be.greaterThan(3);
    expect(log.map((l) => l[3]).filter((m) => /Creating the initial schema|applied safely/.test(m))).to.deep.equal([]);
  });
});

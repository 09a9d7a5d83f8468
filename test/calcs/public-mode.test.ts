import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { buildZip, calcZip, getJson, jobIni, postJson, runCalc, submit, uploadForm, waitStatus } from './support.js';

interface ListItem { id: number; owner: string; status: string; is_running: boolean; calculation_mode: string; description: string; url: string; parent_id: number | null; abortable: boolean; size_mb: number | null; start_time: string }

describe('calculations with LOCKDOWN off (public mode)', function () {
  this.timeout(60_000);
  let server: RunningServer;

  before(async () => {
    server = await startServer({ workers: 2, settings: { DEFAULT_USER: 'openquake' } });
  });

  after(async () => {
    await server?.stop();
  });

  it('GET /v1/calc/0 is 404 with the original message', async () => {
    const { status, body } = await getJson(server, '/v1/calc/0');
    expect(status).to.equal(404);
    expect(body).to.deep.equal({ error: 'Unknown job 0' });
  });

  it('runs an uploaded zip through the job runner: log, datastore, list, remove', async () => {
    const id = await submit(server, { description: 'Public run', fake_duration: '0.6' });
    const statuses = new Set<string>();
    let logSizes: number[] = [];
    await waitFor(async () => {
      const info = await getJson<{ status: string }>(server, `/v1/calc/${id}`);
      statuses.add(info.body.status);
      logSizes.push((await getJson<number>(server, `/v1/calc/${id}/log/size`)).body);
      return info.body.status === 'complete';
    }, 15_000, 'complete');
    expect([...statuses]).to.include('executing');
    logSizes = logSizes.filter((n, i) => i === 0 || n !== logSizes[i - 1]);
    expect(logSizes.length, 'the log grows while the job runs').to.be.greaterThan(2);

    const info = await getJson<Record<string, unknown>>(server, `/v1/calc/${id}`);
    // the original 3.26's calc_info: every job column but the folder and the pid
    expect(Object.keys(info.body)).to.deep.equal(['id', 'description', 'user_name', 'calculation_mode', 'hazard_calculation_id', 'status',
      'is_running', 'start_time', 'stop_time', 'relevant', 'size_mb', 'host', 'workflow_id']);
    expect(info.body.user_name).to.equal('openquake');
    expect(info.body.is_running).to.equal(false);
    expect(info.body.start_time).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
    expect(info.res.headers.get('access-control-allow-origin')).to.equal('*');

    const log = await getJson<[string, string, string, string][]>(server, `/v1/calc/${id}/log/:`);
    expect(log.body.length).to.equal((await getJson<number>(server, `/v1/calc/${id}/log/size`)).body);
    const progress = log.body.find((l) => /classical +25%/.test(l[3]));
    expect(progress?.[1]).to.equal('INFO');
    expect(progress?.[2]).to.equal(`#${id}`);
    expect(progress?.[0]).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d\d)?$/);
    const slice = await getJson<unknown[]>(server, `/v1/calc/${id}/log/2:5`);
    expect(slice.body).to.deep.equal(log.body.slice(2, 5));
    expect((await getJson<unknown[]>(server, `/v1/calc/${id}/log/3:`)).body).to.deep.equal(log.body.slice(3));
    expect((await getJson(server, `/v1/calc/${id}/traceback`)).body).to.deep.equal([]);

    // results are the engine's own outputs, listed by the engine bridge: the stand-in engine has no
    // Python, so the list is a 503 that says why (the real engine's results: test/results)
    for (const path of [`/v1/calc/${id}/results`, `/v1/calc/${id}/result/list`]) {
      const results = await getJson<{ error: string }>(server, path);
      expect(results.status, path).to.equal(503);
      expect(results.body.error, path).to.be.a('string').and.not.equal('');
    }
    const ds = await server.fetch(`/v1/calc/${id}/datastore`);
    expect(ds.status).to.equal(200);
    expect(ds.headers.get('content-disposition')).to.equal(`attachment; filename=calc_${id}.hdf5`);
    expect((await ds.arrayBuffer()).byteLength).to.be.greaterThan(0);

    const list = await getJson<ListItem[]>(server, '/v1/calc/list');
    const item = list.body.find((c) => c.id === id) as ListItem;
    expect(Object.keys(item).sort()).to.deep.equal(['abortable', 'calculation_mode', 'description', 'id', 'is_running', 'owner', 'parent_id', 'relevant', 'size_mb', 'start_time', 'status', 'tags', 'url'].sort());
    expect(item).to.include({ owner: 'openquake', status: 'complete', is_running: false, calculation_mode: 'classical', description: 'Public run', abortable: false, parent_id: null, url: `${server.base}/v1/calc/${id}` });
    expect(item.start_time).to.match(/^\d{4}-\d\d-\d\d, \d\d:\d\d:\d\d UTC$/);
    expect(item.size_mb).to.be.greaterThan(0);
    expect((await getJson(server, `/v1/calc/${id}/status`)).body).to.deep.equal(item);

    const folder = join(server.dataDir, `calc_${id}`);
    expect(existsSync(folder)).to.equal(true);
    const removed = await postJson(server, `/v1/calc/${id}/remove`);
    expect(removed).to.deep.equal({ status: 200, body: { success: String(id) } });
    expect(existsSync(folder)).to.equal(false);
    expect((await getJson<ListItem[]>(server, '/v1/calc/list')).body.map((c) => c.id)).to.not.include(id);
    expect((await getJson(server, `/v1/calc/${id}`)).status).to.equal(404);
    // nothing is left of the upload anywhere in the data folder
    expect(readdirSync(join(server.dataDir, 'uploads'))).to.deep.equal([]);
  });

  it('a failed calculation shows its traceback', async () => {
    const id = await submit(server, { fake_behaviour: 'fail', fake_duration: '0.05' });
    expect(await waitStatus(server, id, ['complete', 'failed'])).to.equal('failed');
    const tb = (await getJson<string[]>(server, `/v1/calc/${id}/traceback`)).body;
    expect(tb[0]).to.equal('Traceback (most recent call last):');
    expect(tb[tb.length - 1]).to.equal('RuntimeError: fake failure requested by job.ini');
    // no outputs: a 404, as the original answers
    expect((await getJson<unknown[]>(server, `/v1/calc/${id}/results`)).status).to.equal(404);
  });

  it('abort stops a running calculation; a finished one answers 409', async () => {
    const id = await submit(server, { fake_behaviour: 'hang' });
    await waitStatus(server, id, ['executing']);
    await waitFor(async () => (await getJson<ListItem>(server, `/v1/calc/${id}/status`)).body.abortable, 5000, 'abortable');
    const res = await postJson(server, `/v1/calc/${id}/abort`);
    expect(res).to.deep.equal({ status: 200, body: { success: `Killing job ${id}` } });
    // the stand-in engine hangs for ever: only the abort can end it, and it ends as aborted
    expect(await waitStatus(server, id, ['aborted', 'complete', 'failed'], 15_000)).to.equal('aborted');
    expect((await getJson<ListItem>(server, `/v1/calc/${id}/status`)).body).to.include({ is_running: false, abortable: false });
    const again = await postJson(server, `/v1/calc/${id}/abort`);
    expect(again).to.deep.equal({ status: 409, body: { error: `Job ${id} is not running` } });
    expect(await postJson(server, '/v1/calc/999999/abort')).to.deep.equal({ status: 404, body: { error: 'Unknown job 999999' } });
  });

  it('a running calculation cannot be removed; a parent cannot be removed while a child depends on it', async () => {
    const parent = await submit(server, { fake_duration: '0.05' });
    await waitStatus(server, parent, ['complete']);
    const child = await submit(server, { fake_behaviour: 'hang', calculation_mode: 'event_based_risk' }, {}, { hazard_job_id: String(parent) });
    await waitStatus(server, child, ['executing']);
    expect((await getJson<ListItem>(server, `/v1/calc/${child}/status`)).body.parent_id).to.equal(parent);
    const running = await postJson<{ error: string }>(server, `/v1/calc/${child}/remove`);
    expect(running.status).to.equal(409);
    expect(running.body.error).to.match(new RegExp(`^Cannot delete calculation ${child}: it is executing`));
    const dependent = await postJson(server, `/v1/calc/${parent}/remove`);
    expect(dependent).to.deep.equal({ status: 403, body: { error: `Cannot delete calculation ${parent}: there are calculations dependent from it: [${child}]` } });
    await postJson(server, `/v1/calc/${child}/abort`);
    await waitStatus(server, child, ['aborted'], 15_000);
    expect((await postJson(server, `/v1/calc/${child}/remove`)).status).to.equal(200);
    expect((await postJson(server, `/v1/calc/${parent}/remove`)).status).to.equal(200);
  });

  it('share and unshare move a calculation between complete and shared, with the original messages', async () => {
    const id = await submit(server, { fake_duration: '0.05' });
    await waitStatus(server, id, ['complete']);
    expect(await postJson(server, `/v1/calc/${id}/share`)).to.deep.equal({ status: 200, body: { success: `The status of calculation ${id} was changed from "complete" to "shared"` } });
    expect(await postJson(server, `/v1/calc/${id}/share`)).to.deep.equal({ status: 409, body: { error: `Calculation ${id} was already shared` } });
    expect(await postJson(server, `/v1/calc/${id}/unshare`)).to.deep.equal({ status: 200, body: { success: `The status of calculation ${id} was changed from "shared" to "complete"` } });
    const failed = await submit(server, { fake_behaviour: 'fail', fake_duration: '0' });
    await waitStatus(server, failed, ['failed']);
    expect(await postJson(server, `/v1/calc/${failed}/share`)).to.deep.equal({ status: 409, body: { error: `Can not share calculation ${failed} from status "failed"` } });
  });

  it('validate_zip without an archive is 400; with one it says whether it is valid', async () => {
    const missing = await server.fetch('/v1/calc/validate_zip', { method: 'POST', body: new FormData() });
    expect(missing.status).to.equal(400);
    expect(await missing.json()).to.deep.equal({ error: 'Missing archive file' });
    const good = await server.fetch('/v1/calc/validate_zip', { method: 'POST', body: uploadForm([{ name: 'a.zip', data: await calcZip() }]) });
    expect(await good.json()).to.deep.equal({ valid: true, error_msg: null, error_line: null });
    const bad = await server.fetch('/v1/calc/validate_zip', { method: 'POST', body: uploadForm([{ name: 'a.zip', data: await buildZip([{ name: 'x.txt', data: 'x' }]) }]) });
    expect(await bad.json()).to.deep.equal({ valid: false, error_msg: 'There are no .ini files in the archive', error_line: null });
    expect(readdirSync(join(server.dataDir, 'uploads'))).to.deep.equal([]);
  });

  it('numbers out of range in the list and log parameters are 400s naming the parameter, never 500s', async () => {
    for (const offset of ['9223372036854775296', '9223372036854775807', '99999999999999999999999']) {
      const r = await getJson<{ error: string }>(server, `/v1/calc/list?offset=${offset}`);
      expect(r.status, offset).to.equal(400);
      expect(r.body.error).to.match(/^Invalid offset: /);
    }
    const id = await submit(server, { fake_duration: '0' });
    await waitStatus(server, id, ['complete']);
    for (const slice of ['0:99999999999999999999', '99999999999999999999:', '0:2147483648']) {
      const r = await getJson<{ error: string }>(server, `/v1/calc/${id}/log/${slice}`);
      expect(r.status, slice).to.equal(400);
      expect(r.body.error).to.match(/^Invalid log slice (start|stop): /);
    }
    expect((await getJson<unknown[]>(server, `/v1/calc/${id}/log/0:2147483647`)).status).to.equal(200);
  });

  it('remove is all or nothing: a folder that cannot be deleted keeps the calculation, and a retry finishes the removal', async () => {
    const id = await submit(server, { fake_duration: '0' });
    await waitStatus(server, id, ['complete']);
    const folder = join(server.dataDir, `calc_${id}`);
    // root ignores permissions, not the immutable attribute: rm fails with EPERM on this file
    const stuck = join(folder, 'stuck.txt');
    writeFileSync(stuck, 'cannot be deleted\n');
    execFileSync('chattr', ['+i', stuck]);
    try {
      const refused = await postJson(server, `/v1/calc/${id}/remove`);
      expect(refused.status).to.equal(500);
      // the user still sees the calculation, as it was, and may try again
      expect((await getJson<{ status: string }>(server, `/v1/calc/${id}`)).body.status).to.equal('complete');
      expect((await getJson<ListItem[]>(server, '/v1/calc/list')).body.map((c) => c.id)).to.include(id);
      await server.waitForOutput(new RegExp(`cannot remove the folder of calculation ${id}, so it was kept: `));
    } finally {
      execFileSync('chattr', ['-i', stuck]);
    }
    expect(await postJson(server, `/v1/calc/${id}/remove`)).to.deep.equal({ status: 200, body: { success: String(id) } });
    expect(existsSync(folder)).to.equal(false);
    expect((await getJson(server, `/v1/calc/${id}`)).status).to.equal(404);
  });

  it('continuing a hazard calculation runs risk.ini when the upload has one beside job.ini; without hazard_job_id job.ini runs', async () => {
    const parent = await submit(server, { fake_duration: '0' });
    await waitStatus(server, parent, ['complete']);
    const zip = await buildZip([
      { name: 'job.ini', data: jobIni({ calculation_mode: 'classical', description: 'the hazard again' }) },
      { name: 'risk.ini', data: jobIni({ calculation_mode: 'event_based_risk', description: 'the risk part' }) },
    ]);
    const modeOf = async (fields: Record<string, string>): Promise<string> => {
      const res = await runCalc(server, [{ name: 'calc.zip', data: zip }], fields);
      const body = (await res.json()) as { job_id: number };
      expect(res.status, JSON.stringify(body)).to.equal(200);
      const item = (await getJson<ListItem>(server, `/v1/calc/${body.job_id}/status`)).body;
      return `${item.calculation_mode}: ${item.description}`;
    };
    expect(await modeOf({ hazard_job_id: String(parent) })).to.equal('event_based_risk: the risk part');
    expect(await modeOf({})).to.equal('classical: the hazard again');
    expect(await modeOf({ hazard_job_id: String(parent), job_ini: 'job.ini' })).to.equal('classical: the hazard again');
  });
});

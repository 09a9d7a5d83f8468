import { expect } from 'chai';
import { openAppDatabase } from '../../src/db/database.js';
import { initCalcModels } from '../../src/db/models/calcs.js';
import { serverDatabaseUrl } from '../helpers/accounts.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { calcZip, getJson, postJson, uploadForm } from './support.js';

interface ListItem { id: number; owner: string; status: string; is_running: boolean; calculation_mode: string; start_time: string }

const DAY = 24 * 3600 * 1000;
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

describe('GET /v1/calc/list: filters, paging, order', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let all: number[];

  before(async () => {
    server = await startServer({ workers: 1 });
    const db = await openAppDatabase(serverDatabaseUrl(server));
    try {
      const { Job } = initCalcModels(db.sequelize);
      const statuses = ['complete', 'failed', 'executing', 'aborted', 'shared'] as const;
      const rows = Array.from({ length: 1100 }, (_, i) => ({
        user_name: i % 2 === 0 ? 'ann' : 'ben',
        calculation_mode: i % 3 === 0 ? 'event_based' : 'classical',
        description: `calc ${i}`,
        status: i === 1099 ? 'deleted' as const : statuses[i % statuses.length],
        is_running: statuses[i % statuses.length] === 'executing' && i !== 1099,
        start_time: new Date(T0 + i * DAY),
      }));
      await Job.bulkCreate(rows);
      all = (await Job.findAll({ attributes: ['id'], order: [['id', 'ASC']] })).map((j) => j.id).slice(0, 1099);
    } finally {
      await db.sequelize.close();
    }
  });

  after(async () => {
    await server?.stop();
  });

  async function list(query: string): Promise<{ items: ListItem[]; total: number; status: number; body: unknown }> {
    const res = await server.fetch(`/v1/calc/list${query}`);
    const body = (await res.json()) as unknown;
    return { items: Array.isArray(body) ? (body as ListItem[]) : [], total: Number(res.headers.get('x-total-count')), status: res.status, body };
  }

  it('gives 100 items by default, newest first, and the total in X-Total-Count (deleted jobs never counted)', async () => {
    const r = await list('');
    expect(r.items.map((c) => c.id)).to.deep.equal([...all].reverse().slice(0, 100));
    expect(r.total).to.equal(1099);
  });

  it('pages with limit and offset; limit is at most 1000', async () => {
    const r = await list('?limit=5&offset=5');
    expect(r.items.map((c) => c.id)).to.deep.equal([...all].reverse().slice(5, 10));
    expect((await list('?limit=5000')).items).to.have.length(1000);
  });

  it('ASC is the reverse of DESC', async () => {
    const desc = (await list('?limit=1000&order_dir=DESC')).items.map((c) => c.id);
    const asc = (await list('?limit=1000&order_dir=asc&offset=99')).items.map((c) => c.id);
    expect(asc).to.deep.equal([...desc].reverse());
  });

  it('orders by another column when asked', async () => {
    const r = await list('?order_by=start_time&order_dir=ASC&limit=3');
    expect(r.items.map((c) => c.start_time)).to.deep.equal(['2024-01-01, 12:00:00 UTC', '2024-01-02, 12:00:00 UTC', '2024-01-03, 12:00:00 UTC']);
  });

  it('filters by calculation_mode, is_running, status, start_time and user_name_like', async () => {
    const mode = await list('?calculation_mode=event_based&limit=1000');
    expect(mode.items.every((c) => c.calculation_mode === 'event_based')).to.equal(true);
    expect(mode.total).to.equal(mode.items.length).and.to.equal(367);
    const running = await list('?is_running=true&limit=1000');
    expect(running.items.every((c) => c.is_running && c.status === 'executing')).to.equal(true);
    expect(running.total).to.equal(220);
    expect((await list('?is_running=false')).total).to.equal(1099 - 220);
    const failed = await list('?status=failed&limit=1000');
    expect(failed.total).to.equal(220);
    expect(failed.items.every((c) => c.status === 'failed')).to.equal(true);
    const recent = await list('?start_time=2026-12-01&limit=1000');
    expect(recent.items.map((c) => c.start_time).sort()[0]).to.equal('2026-12-01, 12:00:00 UTC');
    expect((await list('?start_time=2026-12-01 12:00:01&order_by=start_time&order_dir=ASC')).items[0]?.start_time).to.equal('2026-12-02, 12:00:00 UTC');
    const ben = await list('?user_name_like=b%25&limit=1000');
    expect(ben.items.every((c) => c.owner === 'ben')).to.equal(true);
    expect(ben.total).to.equal(549);
    expect((await list('?status=deleted')).total).to.equal(0);
  });

  it('answers polls from its cache only while nothing changed: a change by another process shows at once', async () => {
    const first = await list('?limit=1');
    expect((await list('?limit=1')).items).to.deep.equal(first.items);
    const db = await openAppDatabase(serverDatabaseUrl(server));
    try {
      const { Job } = initCalcModels(db.sequelize);
      await Job.update({ description: 'changed elsewhere' }, { where: { id: first.items[0].id } });
      const after = await server.fetch('/v1/calc/list?limit=1');
      expect(((await after.json()) as { description: string }[])[0].description).to.equal('changed elsewhere');
      await Job.update({ status: 'deleted' }, { where: { id: first.items[0].id } });
      const gone = await list('?limit=1');
      expect(gone.items[0].id).to.not.equal(first.items[0].id);
      expect(gone.total).to.equal(first.total - 1);
      await Job.update({ status: first.items[0].status as 'complete' }, { where: { id: first.items[0].id } });
      expect((await list('?limit=1')).total).to.equal(first.total);
    } finally {
      await db.sequelize.close();
    }
  });

  for (const [query, message] of [
    ['limit=abc', /Invalid limit/], ['limit=0', /Invalid limit/], ['offset=-1', /Invalid offset/],
    ['order_by=password', /Invalid order_by/], ['order_dir=UP', /Invalid order_dir/], ['is_running=maybe', /Invalid is_running/],
    ['start_time=yesterday', /Invalid start_time/], ['status=bogus', /Invalid status/],
  ] as const) {
    it(`refuses ?${query} with a 400 naming the parameter`, async () => {
      const r = await list(`?${query}`);
      expect(r.status).to.equal(400);
      expect((r.body as { error: string }).error).to.match(message);
    });
  }
});

describe('APPLICATION_MODE READ_ONLY', function () {
  this.timeout(60_000);
  let server: RunningServer;

  before(async () => {
    server = await startServer({ workers: 1, settings: { APPLICATION_MODE: 'READ_ONLY' } });
  });

  after(async () => {
    await server?.stop();
  });

  it('run, validate_zip, abort and remove are 404 (on jobs that exist and would allow them); reading still works', async () => {
    const zip = await calcZip();
    for (const path of ['/v1/calc/run', '/v1/calc/validate_zip']) {
      const res = await server.fetch(path, { method: 'POST', body: uploadForm([{ name: 'a.zip', data: zip }]) });
      expect(res.status, path).to.equal(404);
    }
    // a running job (abortable) and a finished one (removable), written as another process would
    const db = await openAppDatabase(serverDatabaseUrl(server));
    let running: number;
    let finished: number;
    try {
      const { Job } = initCalcModels(db.sequelize);
      running = (await Job.create({ user_name: 'openquake', status: 'executing', is_running: true, start_time: new Date() })).id;
      finished = (await Job.create({ user_name: 'openquake', status: 'complete', start_time: new Date() })).id;
    } finally {
      await db.sequelize.close();
    }
    expect((await postJson(server, `/v1/calc/${running}/abort`)).status).to.equal(404);
    expect((await postJson(server, `/v1/calc/${finished}/remove`)).status).to.equal(404);
    expect((await getJson<{ status: string }>(server, `/v1/calc/${running}`)).body.status).to.equal('executing');
    expect((await getJson<{ status: string }>(server, `/v1/calc/${finished}`)).body.status).to.equal('complete');
    const listed = await getJson<{ id: number }[]>(server, '/v1/calc/list');
    expect(listed.status).to.equal(200);
    expect(listed.res.headers.get('x-total-count')).to.equal('2');
    expect(listed.body.map((c) => c.id)).to.deep.equal([finished, running]);
  });
});

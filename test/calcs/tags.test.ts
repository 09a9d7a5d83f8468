/**
 * Calculation tags and user levels (the original 3.26's): a team tags its calculations, marks one
 * preferred per tag, finds them in the list by tag; levels decide who may change tags, share,
 * download the datastore or the inputs zip, and extract beyond the listed resources.
 */
import { expect } from 'chai';
import { accountFactory, login } from '../helpers/accounts.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { getJson, postJson, submit, waitStatus, type Auth } from './support.js';

interface Item { id: number; tags: string | null; relevant: boolean }

describe('calculation tags and user levels (LOCKDOWN on)', function () {
  this.timeout(90_000);
  let server: RunningServer;
  const as: Record<string, Auth> = {};
  let done: number;
  let other: number;

  before(async () => {
    server = await startServer({ workers: 2, settings: { LOCKDOWN: true, ALLOW_DATASTORE_DOWNLOAD: false } });
    const f = await accountFactory(server);
    try {
      await f.createUser({ username: 'alice', groups: ['team'] });
      await f.createUser({ username: 'bob', groups: ['team'] });
      await f.createUser({ username: 'carol', groups: ['lab'] });
      // level 0 (view only) and 1 (simplified) in alice's group: they see her calculations
      for (const [name, level] of [['vera', 0], ['sim', 1]] as const) {
        const u = await f.createUser({ username: name, groups: ['team'] });
        await u.update({ level });
      }
    } finally {
      await f.close();
    }
    for (const u of ['alice', 'bob', 'carol', 'vera', 'sim']) {
      as[u] = { cookie: await login(server, u) };
    }
    done = await submit(server, { fake_duration: '0.05' }, as.alice);
    other = await submit(server, { fake_duration: '0.05' }, as.alice);
    await waitStatus(server, done, ['complete'], 15_000, as.alice);
    await waitStatus(server, other, ['complete'], 15_000, as.alice);
  });

  after(async () => {
    await server?.stop();
  });

  const get = (who: string, path: string) => getJson<Record<string, unknown>>(server, path, as[who] ?? {});
  const list = async (who: string, query = ''): Promise<Item[]> => (await getJson<Item[]>(server, `/v1/calc/list${query}`, as[who])).body;

  it('tags a calculation, stars its preferred one, and the list shows and filters them', async () => {
    expect((await get('alice', '/v1/calc/create_tag/t1')).body).to.deep.equal({ success: 'Tag t1 was created' });
    expect((await get('alice', '/v1/calc/create_tag/t1')).body).to.deep.equal({ success: 'Tag t1 already exists' });
    expect((await get('alice', `/v1/calc/${done}/add_tag/t1`)).body).to.deep.equal({ success: `The tag t1 was added to job ${done}` });
    // a group member tags it too (tags are the team's), with a tag made on the way
    expect((await get('bob', `/v1/calc/${done}/add_tag/a0`)).body).to.deep.equal({ success: `The tag a0 was added to job ${done}` });
    const again = await get('alice', `/v1/calc/${done}/add_tag/t1`);
    expect(again.status).to.equal(409);
    expect(again.body).to.deep.equal({ error: `Job ${done} already has the tag t1` });
    expect((await get('alice', `/v1/calc/${done}/set_preferred_job_for_tag/t1`)).body).to.deep.equal({ success: `Job ${done} was set as preferred for tag t1` });

    const items = await list('alice');
    expect(items.find((i) => i.id === done)).to.include({ tags: 'a0, t1★', relevant: true });
    expect(items.find((i) => i.id === other)?.tags).to.equal(null);
    expect((await get('alice', `/v1/calc/${done}/status`)).body).to.include({ tags: 'a0, t1★', relevant: true });
    expect((await list('alice', '?filter_by_tag=t1')).map((i) => i.id)).to.deep.equal([done]);
    expect((await list('alice', '?preferred_only=1')).map((i) => i.id)).to.deep.equal([done]);
    expect((await list('alice', '?filter_by_tag=0')).map((i) => i.id)).to.include.members([done, other]);
    expect((await get('bob', '/v1/calc/get_preferred_job_for_tag/t1')).body).to.deep.equal({ success: 'ok', job_id: done });
    expect((await get('alice', '/v1/calc/list_tags')).body).to.deep.equal({ success: 'ok', tags: ['a0', 't1'] });

    // one preferred job per tag: another one takes the star
    await get('alice', `/v1/calc/${other}/set_preferred_job_for_tag/t1`);
    const after = await list('alice');
    expect(after.find((i) => i.id === done)?.tags).to.equal('a0, t1');
    expect(after.find((i) => i.id === other)?.tags).to.equal('t1★');
    expect((await get('alice', '/v1/calc/unset_preferred_job_for_tag/t1')).body).to.deep.equal({ success: 'Tag t1 has no preferred job now' });
    expect((await get('alice', '/v1/calc/get_preferred_job_for_tag/t1')).body).to.deep.equal({ success: 'ok', job_id: null });
    expect(await list('alice', '?preferred_only=1')).to.deep.equal([]);

    expect((await get('alice', `/v1/calc/${done}/remove_tag/a0`)).body).to.deep.equal({ success: `Tag a0 was removed from job ${done}` });
    expect((await get('alice', `/v1/calc/${done}/remove_tag/zz`)).body).to.deep.equal({ success: `Tag zz was not associated with job ${done}` });
    expect((await get('alice', '/v1/calc/delete_tag/t1')).body).to.deep.equal({ success: 'Tag t1 was deleted' });
    expect((await get('alice', '/v1/calc/delete_tag/t1')).body).to.deep.equal({ success: 'Tag t1 does not exist' });
    expect((await list('alice')).filter((i) => i.tags !== null)).to.deep.equal([]);
  });

  it('lets nobody tag what they cannot see, nor anyone below level 2 tag at all', async () => {
    const outsider = await get('carol', `/v1/calc/${done}/add_tag/x`);
    expect(outsider.status).to.equal(403);
    expect(outsider.body).to.deep.equal({ error: `User carol has no permission to tag job ${done}` });
    // a preferred job the caller cannot see is not named to them
    await get('alice', `/v1/calc/${done}/set_preferred_job_for_tag/p`);
    expect((await get('carol', '/v1/calc/get_preferred_job_for_tag/p')).body).to.deep.equal({ success: 'ok', job_id: null });
    expect((await get('alice', '/v1/calc/99999/add_tag/x')).status).to.equal(404);
    for (const who of ['vera', 'sim']) {
      const r = await get(who, '/v1/calc/create_tag/x');
      expect(r.status, who).to.equal(403);
      expect(String(r.body.error)).to.match(/needs level 2/);
      expect((await get(who, `/v1/calc/${done}/add_tag/x`)).status, who).to.equal(403);
      // reading is for everyone logged in
      expect((await get(who, '/v1/calc/list_tags')).status, who).to.equal(200);
    }
    expect((await get('anonymous', '/v1/calc/list_tags')).status).to.equal(403);
    // a browser's cross-site GET does not change tags even with the session cookie
    const xsite = await server.fetch('/v1/calc/create_tag/evil', { headers: { ...as.alice, 'Sec-Fetch-Site': 'cross-site' } });
    expect(xsite.status).to.equal(403);
    expect((await get('alice', '/v1/calc/list_tags')).body.tags).to.not.include('evil');
    expect((await get('alice', `/v1/calc/create_tag/${'x'.repeat(256)}`)).status).to.equal(400);
  });

  it('gates sharing, the inputs zip, extract and the datastore by level, as the original', async () => {
    // vera (level 0) sees alice's calculation but may not share it (nor could she as a non-owner)
    expect((await postJson(server, `/v1/calc/${done}/share`, as.vera)).status).to.equal(403);
    expect((await get('vera', `/v1/calc/${done}`)).status).to.equal(200);
    // ALLOW_DATASTORE_DOWNLOAD is false here: only level 2 downloads it, with the original's words for the others
    const ds = await get('sim', `/v1/calc/${done}/datastore`);
    expect(ds.status).to.equal(403);
    expect(ds.body).to.deep.equal({ error: 'user_level=1, settings.ALLOW_DATASTORE_DOWNLOAD=False' });
    // level 2 downloads it
    const full = await server.fetch(`/v1/calc/${done}/datastore`, { headers: as.bob });
    expect(full.status).to.equal(200);
    expect(full.headers.get('content-disposition')).to.equal(`attachment; filename=calc_${done}.hdf5`);
    await full.arrayBuffer();
    expect((await get('vera', `/v1/calc/${done}/job_zip`)).status).to.equal(403);
    const extract = await get('sim', `/v1/calc/${done}/extract/mean_rates_by_src`);
    expect(extract.status).to.equal(403);
    expect(extract.body).to.deep.equal({ error: 'User sim may not extract mean_rates_by_src' });
  });

  it('takes a level from the admin API and acts on it at the next request', async () => {
    const f = await accountFactory(server);
    try {
      await f.createUser({ username: 'sam', isStaff: true, isSuperuser: true });
    } finally {
      await f.close();
    }
    const admin = { cookie: await login(server, 'sam'), 'content-type': 'application/json', origin: server.base };
    const users = (await getJson<{ id: number; username: string; level: number }[]>(server, '/admin/users', admin)).body;
    const sim = users.find((u) => u.username === 'sim');
    expect(sim?.level).to.equal(1);
    const bad = await server.fetch(`/admin/users/${sim?.id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ level: 3 }) });
    expect(bad.status).to.equal(400);
    expect(await bad.text()).to.match(/level.*must be 0, 1 or 2/);
    const res = await server.fetch(`/admin/users/${sim?.id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ level: 2 }) });
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { level: number }).level).to.equal(2);
    expect((await get('sim', '/v1/calc/create_tag/now')).body).to.deep.equal({ success: 'Tag now was created' });
  });
});

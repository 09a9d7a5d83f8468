import { expect } from 'chai';
import { accountFactory, login } from '../helpers/accounts.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { calcZip, getJson, postJson, submit, uploadForm, waitStatus, type Auth } from './support.js';

/** Who asks: the owner (alice), a member of her group (bob), a user of another group (carol), a superuser (root), nobody. */
const ROLES = ['owner', 'member', 'other', 'superuser', 'anonymous'] as const;
type Role = (typeof ROLES)[number];
const NAMES: Record<Exclude<Role, 'anonymous'>, string> = { owner: 'alice', member: 'bob', other: 'carol', superuser: 'root' };

interface ListItem { id: number; status: string }

/** Sets up users alice and bob (group team), carol (group lab), root (superuser); returns each role's headers. */
async function people(server: RunningServer): Promise<Record<Role, Auth>> {
  const f = await accountFactory(server);
  try {
    await f.createUser({ username: 'alice', groups: ['team'] });
    await f.createUser({ username: 'bob', groups: ['team'] });
    await f.createUser({ username: 'carol', groups: ['lab'] });
    await f.createUser({ username: 'root', isSuperuser: true });
  } finally {
    await f.close();
  }
  const auth = { anonymous: {} } as Record<Role, Auth>;
  for (const role of ROLES.filter((r) => r !== 'anonymous') as Exclude<Role, 'anonymous'>[]) {
    auth[role] = { cookie: await login(server, NAMES[role]) };
  }
  return auth;
}

describe('calculations with LOCKDOWN on: the life of a calculation and who may do what', function () {
  this.timeout(90_000);
  let server: RunningServer;
  let as: Record<Role, Auth>;

  before(async () => {
    server = await startServer({ workers: 2, settings: { LOCKDOWN: true, MAX_CONCURRENT_JOBS: 4 } });
    as = await people(server);
  });

  after(async () => {
    await server?.stop();
  });

  async function listed(role: Role, id: number): Promise<boolean> {
    const { body } = await getJson<ListItem[]>(server, '/v1/calc/list?limit=1000', as[role]);
    return body.some((c) => c.id === id);
  }

  // results and downloads need the engine's own outputs: test/results (the real engine)
  it('upload → runs → log grows → complete → share → another group sees it → remove', async () => {
    const id = await submit(server, { description: 'Alice PSHA', fake_duration: '0.8' }, as.owner);
    const sizes: number[] = [];
    await waitFor(async () => {
      sizes.push((await getJson<number>(server, `/v1/calc/${id}/log/size`, as.owner)).body);
      return (await getJson<{ status: string }>(server, `/v1/calc/${id}`, as.owner)).body.status === 'complete';
    }, 15_000, 'complete');
    expect(new Set(sizes).size, 'the log grows while the job runs').to.be.greaterThan(2);
    expect((await getJson<{ user_name: string }>(server, `/v1/calc/${id}`, as.owner)).body.user_name).to.equal('alice');
    expect(await listed('other', id)).to.equal(false);
    expect((await getJson(server, `/v1/calc/${id}`, as.other)).status).to.equal(403);
    expect((await postJson(server, `/v1/calc/${id}/share`, as.owner)).status).to.equal(200);
    expect(await listed('other', id)).to.equal(true);
    expect((await getJson(server, `/v1/calc/${id}`, as.other)).status).to.equal(200);
    expect(await postJson(server, `/v1/calc/${id}/remove`, as.owner)).to.deep.equal({ status: 200, body: { success: String(id) } });
    for (const role of ['owner', 'member', 'other', 'superuser'] as const) {
      expect(await listed(role, id), role).to.equal(false);
      expect((await getJson(server, `/v1/calc/${id}`, as[role])).status, role).to.equal(404);
    }
  });

  describe('the access table', () => {
    let calc: number;

    before(async () => {
      calc = await submit(server, { fake_duration: '0.05' }, as.owner);
      await waitStatus(server, calc, ['complete'], 15_000, as.owner);
    });

    const SEE: Record<Role, number> = { owner: 200, member: 200, other: 403, superuser: 200, anonymous: 403 };
    const readRoutes = (): string[] => [
      `/v1/calc/${calc}`, `/v1/calc/${calc}/status`, `/v1/calc/${calc}/log/0:`,
      `/v1/calc/${calc}/log/size`, `/v1/calc/${calc}/traceback`, `/v1/calc/${calc}/datastore`,
    ];

    for (const role of ROLES) {
      it(`reading a calculation (info, status, log, log size, traceback, datastore; results: test/results): ${role} → ${SEE[role]}`, async () => {
        for (const path of readRoutes()) {
          const res = await server.fetch(path, { headers: as[role] });
          expect(res.status, path).to.equal(SEE[role]);
          if (role === 'other') {
            expect(await res.json(), path).to.deep.equal({ error: `User carol has no permission to see job ${calc}` });
          }
          if (role === 'anonymous') {
            expect(await res.text(), path).to.equal('');
          }
        }
      });

      it(`the list: ${role} → ${role === 'anonymous' ? '403' : `200, ${SEE[role] === 200 ? 'with' : 'without'} the calculation`}`, async () => {
        const res = await server.fetch('/v1/calc/list', { headers: as[role] });
        if (role === 'anonymous') {
          expect(res.status).to.equal(403);
          return;
        }
        expect(res.status).to.equal(200);
        expect(((await res.json()) as ListItem[]).some((c) => c.id === calc)).to.equal(SEE[role] === 200);
      });
    }

    const ABORT: Record<Role, [number, string]> = {
      owner: [409, 'Job %d is not running'], member: [409, 'Job %d is not running'], superuser: [409, 'Job %d is not running'],
      other: [403, 'User carol has no permission to abort job %d'], anonymous: [403, ''],
    };
    for (const role of ROLES) {
      it(`abort of a finished calculation: ${role} → ${ABORT[role][0]} (permission is checked before the state)`, async () => {
        const res = await postJson<{ error: string }>(server, `/v1/calc/${calc}/abort`, as[role]);
        expect(res.status).to.equal(ABORT[role][0]);
        expect(res.body?.error ?? '').to.equal(ABORT[role][1].replace('%d', String(calc)));
      });
    }

    it('abort of a running calculation by a member of the owner\'s group succeeds', async () => {
      const id = await submit(server, { fake_behaviour: 'hang' }, as.owner);
      await waitStatus(server, id, ['executing'], 15_000, as.owner);
      expect(await postJson(server, `/v1/calc/${id}/abort`, as.member)).to.deep.equal({ status: 200, body: { success: `Killing job ${id}` } });
      await waitStatus(server, id, ['aborted'], 3000, as.owner);
    });

    const SHARE: Record<Role, number> = { owner: 200, superuser: 200, member: 403, other: 403, anonymous: 403 };
    for (const role of ROLES) {
      it(`share then unshare: ${role} → ${SHARE[role]}`, async () => {
        const share = await postJson<{ error: string }>(server, `/v1/calc/${calc}/share`, as[role]);
        expect(share.status).to.equal(SHARE[role]);
        if (role === 'member' || role === 'other') {
          expect(share.body.error).to.equal(`User ${NAMES[role]} has no permission to share job ${calc}`);
        }
        if (SHARE[role] === 200) {
          expect(await listed('other', calc), 'shared: visible to everyone logged in').to.equal(true);
          expect((await getJson(server, `/v1/calc/${calc}`, as.other)).status).to.equal(200);
        }
        expect((await postJson(server, `/v1/calc/${calc}/unshare`, as[role])).status).to.equal(SHARE[role]);
        expect(await listed('other', calc)).to.equal(false);
      });
    }

    it('a shared calculation is still not abortable, removable or shareable by others', async () => {
      expect((await postJson(server, `/v1/calc/${calc}/share`, as.owner)).status).to.equal(200);
      try {
        expect((await postJson(server, `/v1/calc/${calc}/remove`, as.other)).status).to.equal(403);
        expect((await postJson(server, `/v1/calc/${calc}/unshare`, as.other)).status).to.equal(403);
        expect((await postJson(server, `/v1/calc/${calc}/abort`, as.other)).status).to.equal(403);
      } finally {
        await postJson(server, `/v1/calc/${calc}/unshare`, as.owner);
      }
    });

    const REMOVE: Role[] = ['member', 'other', 'superuser', 'anonymous', 'owner'];
    for (const role of REMOVE) {
      const expected = role === 'owner' ? 200 : 403;
      it(`remove: ${role} → ${expected}${role === 'superuser' ? ' (only the owner may delete)' : ''}`, async () => {
        const res = await postJson<{ error?: string; success?: string }>(server, `/v1/calc/${calc}/remove`, as[role]);
        expect(res.status).to.equal(expected);
        if (role !== 'anonymous' && role !== 'owner') {
          expect(res.body.error).to.equal(`Cannot delete calculation ${calc}: it belongs to alice and you are ${NAMES[role]}`);
        }
      });
    }

    for (const role of ROLES) {
      const expected = role === 'anonymous' ? 403 : 200;
      it(`run and validate_zip: ${role} → ${expected}`, async () => {
        const zip = await calcZip({ fake_duration: '0' });
        const validate = await server.fetch('/v1/calc/validate_zip', { method: 'POST', body: uploadForm([{ name: 'a.zip', data: zip }]), headers: as[role] });
        expect(validate.status).to.equal(expected);
        const run = await server.fetch('/v1/calc/run', { method: 'POST', body: uploadForm([{ name: 'a.zip', data: zip }]), headers: as[role] });
        expect(run.status).to.equal(expected);
        if (expected === 200) {
          const { job_id: id } = (await run.json()) as { job_id: number };
          expect((await getJson<{ user_name: string }>(server, `/v1/calc/${id}`, as[role])).body.user_name).to.equal(NAMES[role as Exclude<Role, 'anonymous'>]);
        }
      });
    }

    it('hazard_job_id must be a calculation the uploader may see', async () => {
      const parent = await submit(server, { fake_duration: '0' }, as.owner);
      await waitStatus(server, parent, ['complete'], 15_000, as.owner);
      const zip = await calcZip({ fake_duration: '0' });
      const refused = await server.fetch('/v1/calc/run', { method: 'POST', body: uploadForm([{ name: 'a.zip', data: zip }], { hazard_job_id: String(parent) }), headers: as.other });
      expect(refused.status).to.equal(403);
      expect(await refused.json()).to.deep.equal({ traceback: [`User carol has no permission to use job ${parent} as hazard_job_id`], job_id: null });
      const child = await submit(server, { fake_duration: '0' }, as.member, { hazard_job_id: String(parent) });
      expect((await getJson<{ parent_id: number }>(server, `/v1/calc/${child}/status`, as.owner)).body.parent_id).to.equal(parent);
    });
  });
});

describe('calculations with ACL_ON false', function () {
  this.timeout(60_000);
  let server: RunningServer;
  let as: Record<Role, Auth>;
  let calc: number;

  before(async () => {
    server = await startServer({ workers: 1, settings: { LOCKDOWN: true, ACL_ON: false } });
    as = await people(server);
    calc = await submit(server, { fake_duration: '0' }, as.owner);
    await waitStatus(server, calc, ['complete'], 15_000, as.owner);
  });

  after(async () => {
    await server?.stop();
  });

  it('any logged-in user opens any calculation by id, but the list stays filtered', async () => {
    for (const path of [`/v1/calc/${calc}`, `/v1/calc/${calc}/log/:`, `/v1/calc/${calc}/traceback`]) {
      expect((await getJson(server, path, as.other)).status, path).to.equal(200);
    }
    // past the access check: the results need the engine's Python, which the stand-in has not
    expect((await getJson(server, `/v1/calc/${calc}/results`, as.other)).status).to.equal(503);
    expect((await getJson<ListItem[]>(server, '/v1/calc/list', as.other)).body.some((c) => c.id === calc)).to.equal(false);
    expect((await getJson(server, `/v1/calc/${calc}`, as.anonymous)).status).to.equal(403);
  });

  it('abort, remove and share still follow the owner and group rules', async () => {
    expect((await postJson(server, `/v1/calc/${calc}/remove`, as.other)).status).to.equal(403);
    expect((await postJson(server, `/v1/calc/${calc}/share`, as.other)).status).to.equal(403);
    expect((await postJson(server, `/v1/calc/${calc}/abort`, as.other)).status).to.equal(403);
  });
});

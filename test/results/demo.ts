/**
 * One multi-realization classical calculation, run by the real engine through oq-webui (LOCKDOWN
 * on: owner and member share a group, outsider is alone) and through the original WebUI 3.26
 * beside it (PUBLIC): the engine's demo LogicTreeCase1ClassicalPSHA (2 source models x 2 GMPEs
 * per tectonic region = 8 realizations, mean and quantiles, hazard maps) with uniform hazard
 * spectra turned on, so that every kind of hazard output is there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountFactory, login } from '../helpers/accounts.js';
import { ENGINE_VENV, originalMissing, startOriginal, type OriginalServer } from '../helpers/original.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zips.js';

export const DEMO = join(ENGINE_VENV, 'demos', 'hazard', 'LogicTreeCase1ClassicalPSHA');

/** The demo's files zipped, job.ini with uniform_hazard_spectra added. */
export async function demoZip(): Promise<Buffer> {
  const items = readdirSync(DEMO).filter((f) => f !== 'README.txt').map((f) => ({ name: f, data: readFileSync(join(DEMO, f)) }));
  for (const item of items) {
    if (item.name === 'job.ini') {
      item.data = Buffer.from(item.data.toString('utf8').replace(/^hazard_maps = true$/m, 'hazard_maps = true\nuniform_hazard_spectra = true'));
    }
  }
  return buildZip(items);
}

/** Both servers with the demo run to complete on each. */
export interface Demo {
  ours: RunningServer;
  original: OriginalServer;
  /** Cookie headers of owner, member and outsider on ours. */
  cookies: Record<'owner' | 'member' | 'outsider', string>;
  ourId: number;
  originalId: number;
  stop(): Promise<void>;
}

async function submit(fetcher: (path: string, init?: RequestInit) => Promise<Response>, zip: Buffer, cookie = ''): Promise<number> {
  const form = new FormData();
  form.append('archive', new Blob([zip], { type: 'application/zip' }), 'demo.zip');
  const res = await fetcher('/v1/calc/run', { method: 'POST', body: form, headers: { cookie } });
  const body = await res.json() as { job_id?: number };
  if (typeof body.job_id !== 'number') {
    throw new Error(`no job_id: ${res.status} ${JSON.stringify(body)}`);
  }
  return body.job_id;
}

async function untilDone(fetcher: (path: string, init?: RequestInit) => Promise<Response>, id: number, cookie = ''): Promise<void> {
  let status = '';
  await waitFor(async () => {
    const res = await fetcher(`/v1/calc/${id}/status`, { headers: { cookie } });
    status = res.status === 200 ? ((await res.json()) as { status: string }).status : `http ${res.status}`;
    return !['created', 'submitted', 'executing', 'http 404'].includes(status);
  }, 900_000, `calculation ${id} to end`);
  if (status !== 'complete') {
    throw new Error(`calculation ${id} ended ${status}`);
  }
}

/** Starts both servers and runs the demo on each, at the same time. */
export async function startDemo(): Promise<Demo> {
  const missing = originalMissing();
  if (missing) {
    throw new Error(missing);
  }
  const zip = await demoZip();
  const [ours, original] = await Promise.all([
    startServer({
      workers: 2,
      settings: { LOCKDOWN: true, ENGINE_COMMAND: [join(ENGINE_VENV, 'bin', 'oq'), 'engine', '--run', '{job_ini}'] },
      env: { CI: 'true' },
    }),
    startOriginal({ mode: 'PUBLIC' }),
  ]);
  const stop = async (): Promise<void> => {
    await Promise.all([ours.stop(), original.stop()]);
  };
  try {
    const f = await accountFactory(ours);
    try {
      await f.createUser({ username: 'owner', groups: ['g1'] });
      await f.createUser({ username: 'member', groups: ['g1'] });
      await f.createUser({ username: 'outsider' });
    } finally {
      await f.close();
    }
    const cookies = { owner: await login(ours, 'owner'), member: await login(ours, 'member'), outsider: await login(ours, 'outsider') };
    const [ourId, originalId] = await Promise.all([submit(ours.fetch, zip, cookies.owner), submit(original.fetch, zip)]);
    await Promise.all([untilDone(ours.fetch, ourId, cookies.owner), untilDone(original.fetch, originalId)]);
    return { ours, original, cookies, ourId, originalId, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

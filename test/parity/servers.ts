/**
 * The two servers of the parity suite, given the same users, groups and calculations:
 * - owner and member share group g1, outsider is alone, root is a superuser; viewer is in g1 with
 *   user level 0 (view only), the others level 2 (advanced);
 * - `done`: the engine's classical QA case 1 uploaded by owner, run to `complete` by the real engine;
 * - `failed`: the same zip with a job.ini the engine refuses (truncation_level = -2), by owner;
 * - `aborted`: a long grid run of the same model by member, aborted by member while it executes,
 *   then removed by member (see runCalculations: the original's abort is a matter of chance);
 * Each server's ids are its own: `ids` maps the corpus's {done}, {failed}, {aborted}, {unknown},
 * {out0}, {out1} to them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountFactory, cookieHeader, GOOD_PASSWORD } from '../helpers/accounts.js';
import { ENGINE_VENV, openquakePackage, startOriginal, type OriginalServer } from '../helpers/original.js';
import { sleep, startServer, waitFor, type RunningServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zips.js';

/** The actors of the corpus that hold a session (anonymous holds none). */
export const USERS = [
  { username: 'owner', groups: ['g1'] },
  { username: 'member', groups: ['g1'] },
  { username: 'outsider', groups: [] as string[] },
  { username: 'root', groups: [] as string[], superuser: true },
  { username: 'viewer', groups: ['g1'], level: 0 },
];

export type Mode = 'RESTRICTED' | 'PUBLIC' | 'READ_ONLY';

/** One server as the suite drives it. */
export interface Side {
  name: 'ours' | 'original';
  base: string;
  accessLog: string;
  /** Temp folders whose paths may appear in responses. */
  dirs: string[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The Cookie header of each actor's session. */
  cookies: Map<string, string>;
  /** Corpus symbol ({done}, ...) → this server's id. */
  ids: Map<string, number>;
  /** The responses of the setup's own requests (the runs), compared like corpus cases. */
  setup: Map<string, Response>;
  stop(): Promise<void>;
}

const QA = (): string => join(openquakePackage() as string, 'qa_tests_data', 'classical', 'case_01');

/** The demo zips: `demo` as shipped, `bad` refused by the engine, `long` a grid of sites. */
export async function demoZips(): Promise<Record<'demo' | 'bad' | 'long' | 'noini', Buffer>> {
  const ini = readFileSync(join(QA(), 'job.ini'), 'utf8');
  const models = ['source_model.xml', 'source_model_logic_tree.xml', 'gsim_logic_tree.xml']
    .map((f) => ({ name: f, data: readFileSync(join(QA(), f)) }));
  const long = ini.replace(/^sites = .*$/m, 'region = -0.5 -0.5, 0.5 -0.5, 0.5 0.5, -0.5 0.5\nregion_grid_spacing = 1.0')
    .replace(/^description = .*$/m, 'description = Long grid run');
  return {
    demo: await buildZip([{ name: 'job.ini', data: ini }, ...models]),
    bad: await buildZip([{ name: 'job.ini', data: ini.replace('truncation_level = 2.0', 'truncation_level = -2') }, ...models]),
    long: await buildZip([{ name: 'job.ini', data: long }, ...models]),
    noini: await buildZip(models),
  };
}

/** A multipart body with `archive` = one of the demo zips. */
export function archiveForm(zip: Buffer, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.append('archive', new Blob([zip], { type: 'application/zip' }), 'demo.zip');
  for (const [k, v] of Object.entries(fields)) {
    form.append(k, v);
  }
  return form;
}

/** Logs `username` in through ajax_login; the Cookie header of the new session. */
export async function newSession(side: Pick<Side, 'fetch'>, username: string): Promise<string> {
  const res = await side.fetch('/accounts/ajax_login/', { method: 'POST', body: new URLSearchParams({ username, password: GOOD_PASSWORD }) });
  if (res.status !== 200) {
    throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
  }
  return cookieHeader(res);
}

async function startOurs(mode: Mode): Promise<{ side: Side; server: RunningServer }> {
  const server = await startServer({
    workers: 2,
    settings: {
      APPLICATION_MODE: mode, ...(mode === 'RESTRICTED' ? { LOCKDOWN: true } : {}), MAX_CONCURRENT_JOBS: 3,
      ENGINE_COMMAND: [join(ENGINE_VENV, 'bin', 'oq'), 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}'],
    },
    env: { CI: 'true' },
  });
  if (mode === 'RESTRICTED') {
    const f = await accountFactory(server);
    for (const u of USERS) {
      const user = await f.createUser({ username: u.username, groups: u.groups, isSuperuser: u.superuser ?? false, isStaff: u.superuser ?? false, email: `${u.username}@example.org` });
      await user.update({ level: u.level ?? 2 });
    }
    await f.close();
  }
  const side: Side = {
    name: 'ours', base: server.base, accessLog: join(server.logDir, 'webui-access.log'), dirs: [server.dir],
    fetch: (path, init) => server.fetch(path, { redirect: 'manual', ...init }),
    cookies: new Map(), ids: new Map(), setup: new Map(),
    stop: async () => { await server.stop(); },
  };
  return { side, server };
}

async function startTheirs(mode: Mode): Promise<{ side: Side; server: OriginalServer }> {
  const server = await startOriginal({
    mode,
    users: mode === 'RESTRICTED' ? USERS.map((u) => ({ username: u.username, password: GOOD_PASSWORD, groups: u.groups, superuser: u.superuser, level: u.level ?? 2 })) : [],
  });
  const side: Side = {
    name: 'original', base: server.base, accessLog: join(server.logDir, 'webui-access.log'), dirs: [server.dir],
    fetch: server.fetch, cookies: new Map(), ids: new Map(), setup: new Map(),
    stop: () => server.stop(),
  };
  return { side, server };
}

/** Submits a zip as `actor`; the new id (the response kept in side.setup under `label`). */
async function submit(side: Side, actor: string, zip: Buffer, label: string): Promise<number> {
  const res = await side.fetch('/v1/calc/run', { method: 'POST', body: archiveForm(zip), headers: { cookie: side.cookies.get(actor) ?? '' } });
  side.setup.set(label, res);
  const body = await res.clone().json() as { job_id?: number };
  if (typeof body.job_id !== 'number') {
    throw new Error(`${side.name}: ${label} gave no job_id: ${res.status} ${JSON.stringify(body)}`);
  }
  return body.job_id;
}

async function statusOf(side: Side, id: number): Promise<string> {
  const res = await side.fetch(`/v1/calc/${id}/status`, { headers: { cookie: side.cookies.get('root') ?? '' } });
  return res.status === 200 ? ((await res.json()) as { status: string }).status : `http ${res.status}`;
}

/** Runs the calculations on one server (RESTRICTED), fills side.ids. */
async function runCalculations(side: Side, zips: Awaited<ReturnType<typeof demoZips>>): Promise<void> {
  for (const u of USERS) {
    side.cookies.set(u.username, await newSession(side, u.username));
  }
  const done = await submit(side, 'owner', zips.demo, 'run demo');
  const failed = await submit(side, 'owner', zips.bad, 'run bad');
  const aborted = await submit(side, 'member', zips.long, 'run long');
  side.ids.set('{done}', done).set('{failed}', failed).set('{aborted}', aborted).set('{unknown}', 99999);
  await waitFor(async () => (await statusOf(side, aborted)) === 'executing', 300_000, `${side.name}: the long run to execute`);
  // let its tasks start, as a user would see them before pressing abort
  await sleep(2000);
  side.setup.set('abort long', await side.fetch(`/v1/calc/${aborted}/abort`, { method: 'POST', headers: { cookie: side.cookies.get('member') ?? '' } }));
  // the end state is compared by the corpus (the original's engine turns an aborted job `failed`)
  for (const id of [done, failed, aborted]) {
    await waitFor(async () => !['created', 'submitted', 'executing'].includes(await statusOf(side, id)), 600_000, `${side.name}: calculation ${id} to end`);
  }
  // Under gunicorn the original records the job's pid as the HTTP worker's (the job is created
  // there, then forked): its abort SIGINTs that worker and the job ends `complete` or `failed` by
  // chance. The aborted run is compared through the abort's own answer, then removed on both.
  side.setup.set('remove long', await side.fetch(`/v1/calc/${aborted}/remove`, { method: 'POST', headers: { cookie: side.cookies.get('member') ?? '' } }));
  if ((await statusOf(side, done)) !== 'complete') {
    throw new Error(`${side.name}: the demo calculation ended ${await statusOf(side, done)}`);
  }
  // outputs: by name, so {out0} is the same output on both
  const res = await side.fetch(`/v1/calc/${done}/results`, { headers: { cookie: side.cookies.get('owner') ?? '' } });
  const outs = (await res.json() as { id: number; name: string }[]).sort((a, b) => a.name.localeCompare(b.name));
  outs.forEach((o, i) => side.ids.set(`{out${i}}`, o.id));
}

/** Both servers in `mode`, users made, and in RESTRICTED mode the calculations run on each. */
export async function startBoth(mode: Mode): Promise<[Side, Side]> {
  const [ours, theirs] = await Promise.all([startOurs(mode), startTheirs(mode)]);
  const sides: [Side, Side] = [ours.side, theirs.side];
  try {
    if (mode === 'RESTRICTED') {
      const zips = await demoZips();
      await Promise.all(sides.map((s) => runCalculations(s, zips)));
    } else {
      for (const s of sides) {
        s.ids.set('{unknown}', 99999);
      }
    }
  } catch (e) {
    await Promise.all(sides.map((s) => s.stop()));
    throw e;
  }
  return sides;
}

/** Test support for the /v1/calc routes: zips, uploads, waiting for a status. */
import { expect } from 'chai';
import { buildZip } from '../helpers/zips.js';
import { waitFor, type RunningServer } from '../helpers/server.js';

export { buildZip, renameEntry, type ZipItem } from '../helpers/zips.js';

/** A job.ini text with the stand-in engine's controls. */
export function jobIni(params: Record<string, string> = {}): string {
  const all = { calculation_mode: 'classical', description: 'Test calculation', fake_duration: '0.2', ...params };
  return `[general]\n${Object.entries(all).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}

/** A zip holding a job.ini (and a small input file beside it). */
export function calcZip(params: Record<string, string> = {}): Promise<Buffer> {
  return buildZip([{ name: 'job.ini', data: jobIni(params) }, { name: 'site_model.csv', data: 'lon,lat,vs30\n0,0,760\n' }]);
}

/** A file to upload. */
export interface UploadFile {
  name: string;
  data: Buffer | string;
  field?: string;
}

/** The multipart body of an upload. */
export function uploadForm(files: UploadFile[], fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const f of files) {
    form.append(f.field ?? 'archive', new Blob([typeof f.data === 'string' ? Buffer.from(f.data) : f.data]), f.name);
  }
  for (const [k, v] of Object.entries(fields)) {
    form.append(k, v);
  }
  return form;
}

/** Headers that carry a session cookie (or none). */
export type Auth = Record<string, string>;

/** POSTs an upload to /v1/calc/run. */
export async function runCalc(server: RunningServer, files: UploadFile[], fields: Record<string, string> = {}, headers: Auth = {}): Promise<Response> {
  return server.fetch('/v1/calc/run', { method: 'POST', body: uploadForm(files, fields), headers });
}

/** Uploads a zip with these job.ini params and returns the new job id. */
export async function submit(server: RunningServer, params: Record<string, string> = {}, headers: Auth = {}, fields: Record<string, string> = {}): Promise<number> {
  const res = await runCalc(server, [{ name: 'calc.zip', data: await calcZip(params) }], fields, headers);
  const body = (await res.json()) as { status: string; job_id: number };
  expect(res.status, JSON.stringify(body)).to.equal(200);
  // the answer is the job as made, read before any runner may claim it
  expect(body.status).to.equal('created');
  return body.job_id;
}

/** GETs JSON. */
export async function getJson<T = unknown>(server: RunningServer, path: string, headers: Auth = {}): Promise<{ status: number; body: T; res: Response }> {
  const res = await server.fetch(path, { headers });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T, res };
}

/** POSTs without a body and reads JSON. */
export async function postJson<T = unknown>(server: RunningServer, path: string, headers: Auth = {}): Promise<{ status: number; body: T }> {
  const res = await server.fetch(path, { method: 'POST', headers });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

/** Waits until the job has one of these statuses; returns it. */
export async function waitStatus(server: RunningServer, id: number, statuses: string[], ms = 15_000, headers: Auth = {}): Promise<string> {
  return waitFor(async () => {
    const { body } = await getJson<{ status: string }>(server, `/v1/calc/${id}`, headers);
    return statuses.includes(body?.status) ? body.status : '';
  }, ms, `job ${id} to be ${statuses.join(' or ')}`);
}

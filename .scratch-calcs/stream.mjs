import { startServer } from '/work/main/dist/test/helpers/server.js';
import { uploadForm, jobIni } from '/work/main/dist/test/calcs/support.js';
const server = await startServer({ workers: 1, settings: { MAX_UPLOAD_SIZE: 65536 } });
try {
  const r0 = await server.fetch('/v1/calc/run', { method: 'POST', body: uploadForm([{ name: 'big.csv', data: Buffer.alloc(65537, 'a') }, { name: 'job.ini', data: jobIni() }]) });
  console.log('declared', r0.status, await r0.text());
  const l = await server.fetch('/v1/calc/list'); console.log('list', l.status, l.headers.get('x-total-count'), await l.text());
  const form = uploadForm([{ name: 'job.ini', data: jobIni() }, { name: 'big.csv', data: Buffer.alloc(65536 * 4, 'a') }]);
  const encoded = new Response(form);
  const t = Date.now();
  const res = await Promise.race([server.fetch('/v1/calc/run', { method: 'POST', headers: { 'content-type': encoded.headers.get('content-type') }, body: encoded.body, duplex: 'half' }), new Promise(r => setTimeout(() => r(null), 8000))]);
  console.log('res', res && res.status, Date.now() - t, res && await res.text());
} finally { console.log(server.output().split('\n').filter(l => l.includes('DBG')).join('\n')); const fs = await import('node:fs'); try { console.log(fs.readFileSync(server.logDir + '/access.log', 'utf8')); } catch (e) { console.log('no access log', e.message); } await server.stop(); }

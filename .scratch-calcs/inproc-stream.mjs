import http from 'node:http';
import winston from 'winston';
import { createApp } from '/work/main/dist/src/app.js';
import { testSettings } from '/work/main/dist/test/runner/support.js';
import { openAndMigrate } from '/work/main/dist/src/models/database.js';
import { tempDir } from '/work/main/dist/test/helpers/server.js';
import { uploadForm, jobIni } from '/work/main/dist/test/calcs/support.js';
const dir = tempDir('inproc-');
const settings = { ...testSettings(dir), MAX_UPLOAD_SIZE: 65536 };
const db = await openAndMigrate(settings.DATABASE); await db.sequelize.close();
const log = winston.createLogger({ levels: { critical: 0, error: 1, warning: 2, info: 3, debug: 4 }, transports: [new winston.transports.Console()] });
const app = await createApp({ settings, log, writeLine: () => {}, notify: () => {} });
const server = http.createServer(app.callback());
await new Promise(r => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
for (let i = 0; i < 40; i++) {
  const r0 = await fetch(base + '/v1/calc/run', { method: 'POST', body: uploadForm([{ name: 'big.csv', data: Buffer.alloc(65537, 'a') }, { name: 'job.ini', data: jobIni() }]) });
  await r0.text();
  const l = await fetch(base + '/v1/calc/list'); await l.text();
  const encoded = new Response(uploadForm([{ name: 'job.ini', data: jobIni() }, { name: 'big.csv', data: Buffer.alloc(65536 * 4, 'a') }]));
  const res = await Promise.race([fetch(base + '/v1/calc/run', { method: 'POST', headers: { 'content-type': encoded.headers.get('content-type') }, body: encoded.body, duplex: 'half' }), new Promise(r => setTimeout(() => r(null), 3000))]);
  if (!res) { console.log('HANG at', i, globalThis.__uploadDebug); process.exit(1); }
  await res.text();
}
console.log('no hang'); process.exit(0);

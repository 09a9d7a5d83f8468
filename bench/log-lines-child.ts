/** The child of bench/log-lines.ts: sends lines to its parent through the worker's own ToMaster, timing each way. */
import { ToMaster } from '../src/logging/child-logger.js';
import { loginFailedLine } from '../src/auth/access-log.js';

const N = Number(process.argv[2] ?? 20000);
const line = loginFailedLine({ username: 'bench', ip: '127.0.0.1', referer: 'http://127.0.0.1:8800/accounts/login/' }, 'incorrect password');
const toMaster = new ToMaster();

async function main(): Promise<void> {
  // warm up both paths
  for (let i = 0; i < 1000; i += 1) {
    await toMaster.line('webui-access', line);
    void toMaster.line('access', line);
  }
  await toMaster.flush();
  let t = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1) {
    await toMaster.line('webui-access', line);
  }
  const audit = Number(process.hrtime.bigint() - t) / 1000 / N;
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1) {
    void toMaster.line('access', line);
    // one line per loop turn: the worst case of end-of-turn batching (one request finished per turn)
    await new Promise((r) => setImmediate(r));
  }
  await toMaster.flush();
  const accessOnePerTurn = Number(process.hrtime.bigint() - t) / 1000 / N;
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1) {
    await new Promise((r) => setImmediate(r));
  }
  const emptyTurn = Number(process.hrtime.bigint() - t) / 1000 / N;
  process.send?.({ audit, accessOnePerTurn, emptyTurn }, () => process.exit(0));
}

void main();

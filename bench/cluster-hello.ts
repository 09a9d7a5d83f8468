/**
 * The baseline of the throughput benchmark: a bare node:cluster "hello" with N workers.
 *   node dist/bench/cluster-hello.js PORT [WORKERS]     (prints "ready" once every worker listens)
 */
import cluster from 'node:cluster';
import http from 'node:http';

const port = Number(process.argv[2]);
const workers = Number(process.argv[3] ?? 2);

if (cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', () => {
    listening += 1;
    if (listening === workers) {
      process.stdout.write('ready\n');
    }
  });
  for (let i = 0; i < workers; i += 1) {
    cluster.fork();
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) {
      w?.kill();
    }
    process.exit(0);
  });
} else {
  http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end('hello');
  }).listen(port, '127.0.0.1');
}

/**
 * `node --cpu-prof` for the web workers, which the master forks with no node flags and which
 * NODE_OPTIONS cannot give --cpu-prof: preloaded with NODE_OPTIONS="--import=<this file>",
 * it runs the same V8 CPU profiler in each web worker (OQ_WEBUI_CHILD=web) from its start and
 * writes <CPU_PROF_DIR>/worker-<pid>.cpuprofile when the worker exits.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

if (process.env.OQ_WEBUI_CHILD === 'web' && process.env.CPU_PROF_DIR) {
  const dir = process.env.CPU_PROF_DIR;
  const session = new Session();
  session.connect();
  session.post('Profiler.setSamplingInterval', { interval: Number(process.env.CPU_PROF_INTERVAL_US ?? 200) });
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    // same-thread inspector sessions answer synchronously: the profile is written before the exit
    session.post('Profiler.stop', (err, result) => {
      if (!err) {
        writeFileSync(join(dir, `worker-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      }
    });
  });
}

#!/usr/bin/env node
// The command-line entry point; the code is compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('oq-webui is not built yet: run `npm ci && npm run build` in its folder.\n');
  process.exit(1);
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));

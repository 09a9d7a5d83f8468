import * as esbuild from 'esbuild';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
const t = performance.now();
const r = await esbuild.build({
  entryPoints: [process.argv[2]],
  outfile: process.argv[3],
  bundle: true, platform: 'node', format: 'esm', target: 'node20',
  external: ['sqlite3', 'pg', 'pg-hstore', 'pg-native', 'mysql2', 'mariadb', 'tedious', 'oracledb', 'ibm_db', 'snowflake-sdk', 'authenticate-pam', 'unix-dgram', 'umzug'],
  banner: { js: "import { createRequire as __oqCreateRequire } from 'node:module'; const require = __oqCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
  plugins: [{
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\/dist\/(src|worker)\/.*\.js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'js' };
      });
    },
  }],
});
console.log('bundled in', (performance.now() - t).toFixed(0), 'ms;', Object.keys(r.metafile.inputs).length, 'inputs');

import { expect } from 'chai';
import { parseArgs } from '../../src/cli/args.js';
import { DECLARATIONS } from '../../src/settings/declarations.js';
import type { SettingDecl } from '../../src/settings/types.js';
import { runCli } from '../master/support.js';

const declared = Object.entries(DECLARATIONS as Record<string, SettingDecl>).filter(([, d]) => d.flag);

/** The flags a help text shows at the start of its option lines. */
function flagsShown(help: string): string[] {
  return help.split('\n')
    .filter((l) => /^ {2}-/.test(l))
    .flatMap((l) => l.trim().split(/\s{2,}/)[0].split(/,\s*/).map((f) => f.split(' ')[0]));
}

describe('oq-webui --help and start --help', function () {
  let mainHelp: string;
  let startHelp: string;

  before(async function () {
    const [a, b] = await Promise.all([runCli(['--help']), runCli(['start', '--help'])]);
    expect(a.code).to.equal(0);
    expect(b.code).to.equal(0);
    mainHelp = a.stdout;
    startHelp = b.stdout;
  });

  it('lists every command in oq-webui --help', async function () {
    const { COMMANDS } = await import('../../src/cli/main.js');
    for (const c of COMMANDS) {
      expect(mainHelp).to.match(new RegExp(`^ {2}${c.name}\\s`, 'm'));
    }
  });

  for (const [name, decl] of declared) {
    it(`lists ${decl.flag} (${name}) with its short form, env variable and help in both`, function () {
      for (const help of [mainHelp, startHelp]) {
        const shown = flagsShown(help);
        expect(shown).to.include(decl.flag);
        if (decl.short) {
          expect(shown).to.include(decl.short);
        }
        if (decl.type === 'boolean') {
          expect(shown).to.include(`--no-${decl.flag?.slice(2)}`);
        }
        expect(help).to.include(`[${name},`);
        expect(help.replace(/\s+/g, ' ')).to.include(decl.help.replace(/\s+/g, ' '));
      }
    });
  }

  it('shows no flag that the command line would refuse', function () {
    for (const flag of flagsShown(startHelp)) {
      if (flag === '-h' || flag === '--help') {
        continue;
      }
      const parsed = parseArgs([flag, 'x'], [], true);
      const taken = Object.keys(parsed.settings).length + (parsed.configPath ? 1 : 0);
      expect(taken, flag).to.equal(1);
    }
  });

  it('documents the signals and the seed production line in start --help', function () {
    for (const sig of ['HUP', 'TERM', 'INT, QUIT', 'TTIN / TTOU', 'USR1']) {
      expect(startHelp).to.include(`  ${sig}`);
    }
    expect(startHelp).to.include('oq-webui start --bind 127.0.0.1:8800 --workers 4 --timeout 1200');
  });

  it('exits 2 with the help when no command is given, and on an unknown command', async function () {
    const [none, unknown] = await Promise.all([runCli([]), runCli(['serve'])]);
    expect(none.code).to.equal(2);
    expect(none.stdout).to.include('Commands:');
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include('unknown command "serve"');
  });
});

import { expect } from 'chai';
import { parseArgs, UsageError } from '../../src/cli/args.js';
import { settingFlagsOf } from '../../src/cli/command.js';
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
    it(`lists ${decl.flag} (${name}) with its short form, env variable and help in start --help`, function () {
      for (const help of [startHelp]) {
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
      const parsed = parseArgs([flag, 'x'], [], 'all');
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

  it('keeps oq-webui --help short: the commands, and where each one\'s options are', function () {
    expect(mainHelp).to.include('Commands:').and.include('--help');
    expect(flagsShown(mainHelp)).not.to.include('--workers');
    expect(mainHelp.split('\n').length).to.be.below(25);
  });

  it('exits 2 with the help when no command is given', async function () {
    const none = await runCli([]);
    expect(none.code).to.equal(2);
    expect(none.stdout).to.include('Commands:');
  });

  it('answers an unknown command with one short line pointing to --help (and a guess when close)', async function () {
    const [unknown, typo] = await Promise.all([runCli(['serve']), runCli(['strat'])]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stdout).to.equal('');
    expect(unknown.stderr.trim()).to.equal('oq-webui: unknown command "serve"; see oq-webui --help');
    expect(typo.code).to.equal(2);
    expect(typo.stderr.trim()).to.equal('oq-webui: unknown command "strat" (did you mean start?); see oq-webui --help');
  });

  it('suggests the flag a mistyped one was meant to be, and exits 2', async function () {
    const [workers, config, short] = await Promise.all([runCli(['start', '--wokers', '2']), runCli(['check', '--confg', 'x.json']), runCli(['check', '-z'])]);
    expect(workers.code).to.equal(2);
    expect(workers.stderr).to.include('unrecognized option --wokers (did you mean --workers?)').and.include('see oq-webui start --help');
    expect(config.stderr).to.include('unrecognized option --confg (did you mean --config?)');
    expect(short.code).to.equal(2);
    expect(short.stderr).to.include('unrecognized option -z');
  });

  it('says when a flag lacks its value, or takes none', async function () {
    const [missing, extra] = await Promise.all([runCli(['check', '--workers']), runCli(['check', '--access-log=no'])]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include('--workers needs a value');
    expect(extra.code).to.equal(2);
    expect(extra.stderr).to.include('--access-log takes no value');
  });
});

describe('each command\'s --help shows only its own options', function () {
  it('createuser --help lists its options and the database ones, not the server\'s', async function () {
    const r = await runCli(['createuser', '--help']);
    expect(r.code).to.equal(0);
    const shown = flagsShown(r.stdout);
    expect(shown).to.include.members(['--email', '--superuser', '--staff', '--group', '--password-stdin', '--no-password', '--database', '--data-dir', '--config', '--help']);
    for (const server of ['--workers', '--bind', '--timeout', '--log-dir', '--pid', '--access-log']) {
      expect(shown, server).not.to.include(server);
    }
  });

  it('refuses a server flag given to createuser', async function () {
    const r = await runCli(['createuser', 'someone', '--workers', '2']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('unrecognized option --workers');
  });

  it('status --help lists the pidfile and control socket, not the workers', async function () {
    const r = await runCli(['status', '--help']);
    const shown = flagsShown(r.stdout);
    expect(shown).to.include.members(['--pid', '-p', '--control-socket', '--json']);
    expect(shown).not.to.include('--workers');
  });

  it('settings --help lists no settings flags', async function () {
    const r = await runCli(['settings', '--help']);
    expect(r.code).to.equal(0);
    expect(flagsShown(r.stdout).filter((f) => !['-c', '--config', '-h', '--help'].includes(f))).to.deep.equal([]);
  });

  it('every command\'s --help lists exactly the flags that command takes, and the server\'s only where they mean something', async function () {
    const { COMMANDS } = await import('../../src/cli/main.js');
    const common = ['-c', '--config', '-h', '--help'];
    const db = ['--database', '--data-dir'];
    const server = declared.flatMap(([, d]) => [d.flag as string, ...(d.short ? [d.short] : []), ...(d.type === 'boolean' ? [`--no-${(d.flag as string).slice(2)}`] : [])]);
    const expected: Record<string, string[]> = {
      start: [...common, ...server],
      check: [...common, ...server],
      status: [...common, '--json', '-p', '--pid', '--data-dir', '--control-socket'],
      settings: common,
      migrate: [...common, ...db],
      createsuperuser: [...common, ...db, '--username', '--email', '--noinput', '--no-input'],
      createuser: [...common, ...db, '--email', '--superuser', '--staff', '--group', '--password-stdin', '--no-password', '--level'],
      collectstatic: [...common, '--noinput'],
      changepassword: [...common, ...db, '--password-stdin'],
    };
    expect(COMMANDS.map((c) => c.name).sort()).to.deep.equal(Object.keys(expected).sort());
    const helps = await Promise.all(COMMANDS.map((c) => runCli([c.name, '--help'])));
    for (const [i, entry] of COMMANDS.entries()) {
      expect(helps[i].code, entry.name).to.equal(0);
      const shown = flagsShown(helps[i].stdout);
      expect([...shown].sort(), `${entry.name} --help`).to.deep.equal([...new Set(expected[entry.name])].sort());
      // each flag listed is one the command accepts, and --workers only where it is listed
      const command = await entry.load();
      for (const flag of [...shown, '--workers']) {
        let refused: unknown = null;
        try {
          parseArgs([flag, 'x'], command.extras, settingFlagsOf(command));
        } catch (e) {
          refused = e;
        }
        expect(refused instanceof UsageError && /unrecognized option/.test(refused.message), `${entry.name} ${flag}`).to.equal(!shown.includes(flag));
      }
    }
  });
});

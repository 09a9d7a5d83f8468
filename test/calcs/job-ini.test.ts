import { expect } from 'chai';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { listIniFiles, pickJobIni, readJobIni } from '../../src/calcs/job-ini.js';

/** The engine's Python (where scripts/install-openquake-engine.sh and .ci/run put it). */
const ENGINE_PYTHON = path.join(process.env.OQ_ENGINE_VENV ?? '/opt/openquake/venv', 'bin', 'python');

/** What the engine's readinput.get_params reads from `file`: configparser, sections flattened in order. */
function engineReads(file: string): Record<string, string> {
  const code = 'import configparser, json, sys\n'
    + 'cp = configparser.ConfigParser(interpolation=None)\n'
    + "cp.read([sys.argv[1]], encoding='utf-8-sig')\n"
    + 'dic = {}\n'
    + 'for sect in cp.sections(): dic.update(cp.items(sect))\n'
    + 'print(json.dumps(dic))';
  return JSON.parse(execFileSync(ENGINE_PYTHON, ['-c', code, file], { encoding: 'utf8' })) as Record<string, string>;
}

describe('readJobIni', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'oq-jobini-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('flattens sections and keeps values as configparser would', async () => {
    const file = path.join(dir, 'job.ini');
    await writeFile(
      file,
      [
        '# a comment',
        '; another comment',
        '[general]',
        'description = Classical PSHA ; with # signs',
        'calculation_mode=classical',
        '',
        '[calculation]',
        'Random_Seed: 23',
        'truncation_level = true',
        'sites = "0 0"',
        'intensity_measure_types_and_levels = {"PGA": [0.005, 0.007,',
        '    0.0098]}',
        'empty =',
        '[output]',
        'random_seed = 24',
      ].join('\r\n'),
    );
    const job = await readJobIni(file);
    expect(job.calculation_mode).to.equal('classical');
    expect(job.description).to.equal('Classical PSHA ; with # signs');
    expect(job.params).to.include({
      random_seed: '24',
      truncation_level: 'true',
      sites: '"0 0"',
      empty: '',
      intensity_measure_types_and_levels: '{"PGA": [0.005, 0.007,\n0.0098]}',
    });
  });

  it('keeps U+2028 and the other characters only Unicode calls line ends inside values, as the engine (configparser) reads them', async () => {
    const file = path.join(dir, 'job.ini');
    await writeFile(
      file,
      [
        '\uFEFF[general]',
        'description = x \u2028 y',
        'calculation_mode = classical\u2028',
        'Other\u00a0Key\u3000: a\u2029b\u0085c\u000bd\u000ce\u001cf ',
        '  # an indented comment',
        'multi = first',
        '',
        '   second\u2028',
        '\u2028  third',
        '',
        '[calculation]',
        'nbsp_value =\u00a0 v \u00a0',
        'bom_inside = \uFEFFz\uFEFF',
        ' ; comment',
        'random_seed = 23',
      ].join('\r\n') + '\r',
    );
    const job = await readJobIni(file);
    expect(job.description).to.equal('x \u2028 y');
    expect(job.calculation_mode).to.equal('classical');
    expect(job.params).to.deep.equal(engineReads(file));
  });

  it('gives empty strings when mode and description are missing', async () => {
    const file = path.join(dir, 'job.ini');
    await writeFile(file, '[general]\nmaximum_distance = 200\n');
    const job = await readJobIni(file);
    expect(job).to.deep.equal({ calculation_mode: '', description: '', params: { maximum_distance: '200' } });
  });

  it('rejects a missing file', async () => {
    let caught: unknown;
    try {
      await readJobIni(path.join(dir, 'nope.ini'));
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(Error).with.property('code', 'ENOENT');
  });

  it('lists .ini files recursively, skipping symlinks', async () => {
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'job.ini'), '');
    await writeFile(path.join(dir, 'sub', 'job_risk.INI'), '');
    await writeFile(path.join(dir, 'model.xml'), '');
    await symlink(path.join(dir, 'job.ini'), path.join(dir, 'link.ini'));
    expect(await listIniFiles(dir)).to.deep.equal(['job.ini', 'sub/job_risk.INI']);
  });
});

describe('pickJobIni', () => {
  it('prefers the requested file, by path then by base name', () => {
    expect(pickJobIni(['job.ini', 'job_risk.ini'], 'job_risk.ini')).to.equal('job_risk.ini');
    expect(pickJobIni(['a/job.ini', 'b/job_risk.ini'], 'job_risk.ini')).to.equal('b/job_risk.ini');
  });

  it('returns null when the requested file is absent', () => {
    expect(pickJobIni(['job.ini'], 'job_hazard.ini')).to.equal(null);
  });

  it('falls back to job.ini, then job*.ini, then any .ini', () => {
    expect(pickJobIni(['a.ini', 'job_risk.ini', 'job.ini'])).to.equal('job.ini');
    expect(pickJobIni(['a.ini', 'job_risk.ini', 'job_hazard.ini'])).to.equal('job_hazard.ini');
    expect(pickJobIni(['z.ini', 'b.ini', 'model.xml'])).to.equal('b.ini');
    expect(pickJobIni(['model.xml'])).to.equal(null);
  });

  it('prefers the shallowest job.ini', () => {
    expect(pickJobIni(['a/job.ini', 'job.ini'])).to.equal('job.ini');
  });

  it('continuing a hazard calculation (hazard_job_id given), risk.ini comes before job.ini, as in the original', () => {
    expect(pickJobIni(['job.ini', 'risk.ini'], undefined, { continuing: true })).to.equal('risk.ini');
    expect(pickJobIni(['job.ini', 'risk.ini'])).to.equal('job.ini');
    expect(pickJobIni(['job.ini', 'sub/risk.ini'], undefined, { continuing: true })).to.equal('sub/risk.ini');
    expect(pickJobIni(['job.ini', 'job_risk.ini'], undefined, { continuing: true })).to.equal('job.ini');
    expect(pickJobIni(['job.ini', 'risk.ini'], 'job.ini', { continuing: true })).to.equal('job.ini');
  });
});

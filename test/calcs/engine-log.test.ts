import { expect } from 'chai';
import { engineArgv, parseEngineLine } from '../../src/runner/engine-log.js';

const NOW = new Date('2030-01-01T00:00:00Z');

describe('parseEngineLine', () => {
  it('parses an engine line with its UTC timestamp, id and level', () => {
    const got = parseEngineLine('[2025-01-31 14:05:09 #42 INFO] Running /data/job.ini', NOW);
    expect(got.timestamp.toISOString()).to.equal('2025-01-31T14:05:09.000Z');
    expect(got).to.include({ level: 'INFO', process: '#42', message: 'Running /data/job.ini' });
  });

  it('recognises every engine level', () => {
    for (const level of ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']) {
      expect(parseEngineLine(`[2025-01-31 14:05:09 #1 ${level}] x`, NOW).level).to.equal(level);
    }
  });

  it('keeps brackets and spaces inside the message and strips a trailing CR', () => {
    const got = parseEngineLine('[2025-01-31 14:05:09 #7 WARNING] a [b] c  \r', NOW);
    expect(got.message).to.equal('a [b] c  ');
  });

  it('accepts fractional seconds and a missing #id', () => {
    const got = parseEngineLine('[2025-01-31 14:05:09,250 ERROR] boom', NOW);
    expect(got.timestamp.toISOString()).to.equal('2025-01-31T14:05:09.250Z');
    expect(got).to.include({ level: 'ERROR', process: '', message: 'boom' });
  });

  it('keeps a plain line verbatim with the default level and now', () => {
    const got = parseEngineLine('  File "x.py", line 3, in f', NOW);
    expect(got).to.deep.equal({ timestamp: NOW, level: 'INFO', process: '', message: '  File "x.py", line 3, in f' });
    expect(parseEngineLine('RuntimeError: no', NOW, 'ERROR').level).to.equal('ERROR');
  });

  it('treats an impossible date or unknown level as a plain line', () => {
    expect(parseEngineLine('[2025-02-30 14:05:09 #1 INFO] x', NOW).timestamp).to.equal(NOW);
    const odd = parseEngineLine('[2025-01-31 14:05:09 #1 NOTICE] x', NOW);
    expect(odd.message).to.equal('[2025-01-31 14:05:09 #1 NOTICE] x');
  });
});

describe('engineArgv', () => {
  const template = ['oq', 'engine', '--run', '{job_ini}', '--exports', 'csv', '-p', 'export_dir={export_dir}', '--hc', '{hazard_calculation_id}'];

  it('replaces placeholders inside arguments', () => {
    const argv = engineArgv(template, { job_ini: '/d/job.ini', export_dir: '/d/out', hazard_calculation_id: '12' });
    expect(argv).to.deep.equal(['oq', 'engine', '--run', '/d/job.ini', '--exports', 'csv', '-p', 'export_dir=/d/out', '--hc', '12']);
  });

  it('drops an empty lone placeholder together with a preceding --hc', () => {
    const argv = engineArgv(template, { job_ini: 'j.ini', export_dir: 'o', hazard_calculation_id: '' });
    expect(argv).to.deep.equal(['oq', 'engine', '--run', 'j.ini', '--exports', 'csv', '-p', 'export_dir=o']);
    expect(engineArgv(['x', '--hc={hazard_calculation_id}'], {})).to.deep.equal(['x']);
  });

  it('drops an empty lone placeholder but keeps a preceding flag other than --hc', () => {
    expect(engineArgv(['oq', '-p', '{calc_dir}', 'end'], { calc_dir: '' })).to.deep.equal(['oq', '-p', 'end']);
  });

  it('substitutes several placeholders in one argument', () => {
    const argv = engineArgv(['calc_id={calc_id},calc_dir={calc_dir}'], { calc_id: '5', calc_dir: '/c' });
    expect(argv).to.deep.equal(['calc_id=5,calc_dir=/c']);
  });

  it('throws naming an unknown placeholder', () => {
    expect(() => engineArgv(['--run', '{jobini}'], {})).to.throw(/\{jobini\}/);
  });
});

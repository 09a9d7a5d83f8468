import { expect } from 'chai';
import { DECLARATIONS } from '../../src/settings/declarations.js';
import { parseValue } from '../../src/settings/parse-value.js';
import type { SettingDecl } from '../../src/settings/types.js';

const decl = (name: keyof typeof DECLARATIONS): SettingDecl => DECLARATIONS[name] as SettingDecl;

describe('settings: converting one value to its declared type', function () {
  it('reads integers from text or JSON, within their bounds', function () {
    expect(parseValue(decl('TIMEOUT'), ' 30 ', true)).to.deep.equal({ ok: true, value: 30 });
    expect(parseValue(decl('TIMEOUT'), 30, false)).to.deep.equal({ ok: true, value: 30 });
    for (const [raw, fromText] of [['soon', true], ['1.5', true], [-1, false], ['30', false], [Infinity, false]] as const) {
      expect(parseValue(decl('TIMEOUT'), raw, fromText), String(raw)).to.deep.equal({ ok: false, expected: 'an integer >= 0' });
    }
  });

  it('reads booleans from words on the command line, only true/false in the file', function () {
    expect(parseValue(decl('LOCKDOWN'), 'Yes', true)).to.deep.equal({ ok: true, value: true });
    expect(parseValue(decl('LOCKDOWN'), 'off', true)).to.deep.equal({ ok: true, value: false });
    expect(parseValue(decl('LOCKDOWN'), 'maybe', true)).to.deep.equal({ ok: false, expected: 'true or false' });
    expect(parseValue(decl('LOCKDOWN'), 'true', false)).to.deep.equal({ ok: false, expected: 'true or false' });
  });

  it('matches a choice whatever its case, giving it back as declared', function () {
    expect(parseValue(decl('LOG_LEVEL'), 'WARNING', true)).to.deep.equal({ ok: true, value: 'warning' });
    expect(parseValue(decl('LOG_LEVEL'), 'loud', true)).to.deep.equal({ ok: false, expected: 'one of debug, info, warning, error, critical' });
  });

  it('reads lists as JSON or comma-separated, leaving [::1]:PORT alone', function () {
    expect(parseValue(decl('BIND'), '[::1]:8800', true)).to.deep.equal({ ok: true, value: ['[::1]:8800'] });
    expect(parseValue(decl('BIND'), '127.0.0.1:1, unix:/x', true)).to.deep.equal({ ok: true, value: ['127.0.0.1:1', 'unix:/x'] });
    expect(parseValue(decl('FORWARDED_ALLOW_IPS'), '["10.0.0.0/8"]', true)).to.deep.equal({ ok: true, value: ['10.0.0.0/8'] });
    expect(parseValue(decl('FORWARDED_ALLOW_IPS'), '[1,]', true).ok).to.equal(false);
  });

  it('checks a JSON list against its choices, and runs the declared validator', function () {
    expect(parseValue(decl('AUTHENTICATION_BACKENDS'), '["pam","local"]', true)).to.deep.equal({ ok: true, value: ['pam', 'local'] });
    expect(parseValue(decl('AUTHENTICATION_BACKENDS'), ['ldap'], false)).to.deep.equal({ ok: false, expected: 'a JSON list of "local", "pam"' });
    expect(parseValue(decl('BIND'), ['nowhere'], false)).to.deep.include({ ok: false });
    expect((parseValue(decl('BIND'), ['nowhere'], false) as { expected: string }).expected).to.match(/^HOST:PORT/);
    expect(parseValue(decl('SECRET_KEY'), 'short', true)).to.deep.equal({ ok: false, expected: 'at least 32 characters (or unset: one is generated and kept beside the database)' });
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  COMMON_PASSWORDS_FILE, checkCommon, checkMinimumLength, checkNumeric, checkSimilarity, quickRatio, validatePassword,
} from '../../src/auth/password-validators.js';

const TOO_SHORT = 'This password is too short. It must contain at least 8 characters.';
const NUMERIC = 'This password is entirely numeric.';
const COMMON = 'This password is too common.';
const LIKE_USERNAME = 'The password is too similar to the username.';
const LIKE_EMAIL = 'The password is too similar to the email address.';

// [password, username, email, problems]: the answers of Django 5.2.17's
// validate_password() with the four default validators in startproject order.
const DJANGO_CASES: Array<[string, string, string, string[]]> = [
  ['short', 'alice', '', [TOO_SHORT]],
  ['12345678', 'alice', '', [COMMON, NUMERIC]],
  ['password', 'alice', '', [COMMON]],
  ['Alice2024x', 'alice', '', []],
  ['correct horse battery staple', 'alice', '', []],
  ['alicealice', 'alice', '', []],
  ['xq7!mzp#Lw', 'bob', 'bob@example.com', []],
  ['johnsmith1', 'jsmith', 'john.smith@example.com', [LIKE_USERNAME]],
  ['example.com', 'zed', 'zed@example.com', [LIKE_EMAIL]],
  ['ab12cd34ef', 'ab12cd34ef', '', [LIKE_USERNAME]],
  ['1234', 'u', '', [TOO_SHORT, COMMON, NUMERIC]],
  ['Kx9#vL2$qW', 'kx9vl2qw', 'k@x.io', [LIKE_USERNAME]],
  ['élèveélève', 'élève', '', []],
  ['١٢٣٤٥٦٧٨٩', 'u', '', [NUMERIC]],
  ['  Password ', 'u', '', [COMMON]],
  ['oqtestadmin', 'oqtest', '', [LIKE_USERNAME]],
  ['z'.repeat(55), 'z', '', []],
];

describe('auth/password-validators', () => {
  it('gives the same answers as Django\'s default validators', () => {
    for (const [password, username, email, problems] of DJANGO_CASES) {
      const user = email ? { username, email } : { username };
      expect(validatePassword(password, user), password).to.deep.equal(problems);
    }
  });

  it('also compares with the whole local part of the email (stricter than Django)', () => {
    const user = { username: 'jdoe', email: 'john.smith@example.com' };
    expect(validatePassword('john.smith', user)).to.deep.equal([LIKE_EMAIL]);
    expect(validatePassword('Br1ght-Harbour-42', user)).to.deep.equal([]);
  });

  it('counts length in Unicode code points, like Python', () => {
    expect(checkMinimumLength('🔑🔑🔑🔑🔑🔑🔑🔑')).to.equal(null);
    expect(checkMinimumLength('🔑🔑🔑🔑')).to.equal(TOO_SHORT);
    expect(checkMinimumLength('abc', 1)).to.equal(null);
    expect(checkMinimumLength('', 1)).to.equal('This password is too short. It must contain at least 1 character.');
  });

  it('flags entirely numeric passwords only', () => {
    expect(checkNumeric('98765432101')).to.equal(NUMERIC);
    expect(checkNumeric('9876543210a')).to.equal(null);
    expect(checkNumeric('')).to.equal(null);
  });

  it('recognises common passwords case- and whitespace-insensitively', () => {
    for (const password of ['password', 'QWERTY', 'letmein', 'iloveyou', 'trustno1', ' football ', 'Password1']) {
      expect(checkCommon(password), password).to.equal(COMMON);
    }
    expect(checkCommon('Br1ght-Harbour-42')).to.equal(null);
  });

  it('compares with the username and the email', () => {
    expect(checkSimilarity('Margherita', { username: 'margherita' })).to.equal(LIKE_USERNAME);
    expect(checkSimilarity('pellegrino', { username: 'x', email: 'pellegrino@example.org' })).to.equal(LIKE_EMAIL);
    expect(checkSimilarity('pellegrino', { username: 'x' })).to.equal(null);
  });

  it('ports difflib.SequenceMatcher.quick_ratio()', () => {
    // python3 -c "from difflib import SequenceMatcher as S; print(S(a='abcd', b='bcde').quick_ratio())"
    expect(quickRatio('abcd', 'bcde')).to.equal(0.75);
    expect(quickRatio('password', 'drowssap')).to.equal(1);
    expect(quickRatio('aaa', 'a')).to.equal(0.5);
    expect(quickRatio('', '')).to.equal(1);
  });

  it('ships Django\'s common-password list where the compiled code looks for it', () => {
    const path = fileURLToPath(COMMON_PASSWORDS_FILE);
    expect(existsSync(path), path).to.equal(true);
    const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
    expect(lines.length).to.be.greaterThan(19_000);
    expect(lines.every((line) => line === line.toLowerCase())).to.equal(true);
  });
});

import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { DEFAULT_ITERATIONS, dummyVerify, hashPassword, verifyPassword } from '../../src/auth/passwords.js';

// Vectors computed with Django 5.2.17 itself, e.g.
//   PBKDF2PasswordHasher().encode('pass', 'seasalt', 260000)
// and cross-checked with the standard library:
//   python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha256',b'pass',b'seasalt',260000)).decode())"
const DJANGO_260K = 'pbkdf2_sha256$260000$seasalt$9d8os1Mgb0GiXovFh/ydGdwkFaX7+qp30F9Rwe2nM4A=';
// python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha256',b'pass',b'seasalt',600000)).decode())"
const SHORT_SALT_600K = 'pbkdf2_sha256$600000$seasalt$8BVJHJuVJPxOaitJwXOk5OtPuBisGa33ViKzxQeMZ5w=';
// PBKDF2PasswordHasher().encode('pässwörd€ 🔑', 'aB3dE5gH7jK9mN1pQ3sT5v', 600000)
const UNICODE_PASSWORD = 'pässwörd€ 🔑';
const DJANGO_UNICODE_600K = 'pbkdf2_sha256$600000$aB3dE5gH7jK9mN1pQ3sT5v$wwA9YavckWSePFl8dt5VTtGisBaFQexJ2itMeXqmH1Q=';
// PBKDF2SHA1PasswordHasher().encode('pass', 'seasalt', 260000)
const DJANGO_SHA1_260K = 'pbkdf2_sha1$260000$seasalt$igADeWe5BgdKzQpZogkiX3D3YAI=';

/** The hash python3's hashlib computes for these parameters, or null without python3. */
function pythonPbkdf2(password: string, salt: string, iterations: number): string | null {
  const script = 'import hashlib,base64,sys;'
    + 'print(base64.b64encode(hashlib.pbkdf2_hmac("sha256",sys.argv[1].encode(),sys.argv[2].encode(),int(sys.argv[3]))).decode())';
  try {
    return execFileSync('python3', ['-c', script, password, salt, String(iterations)], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

describe('auth/passwords', () => {
  describe('hashPassword', () => {
    it('produces Django\'s pbkdf2_sha256 format with 600000 iterations and a 22-char salt', async () => {
      const encoded = await hashPassword('s3cret-Passw0rd');
      expect(encoded).to.match(/^pbkdf2_sha256\$600000\$[a-zA-Z0-9]{22}\$[A-Za-z0-9+/]{43}=$/);
      expect(DEFAULT_ITERATIONS).to.equal(600_000);
    });

    it('computes the same hash as python3 hashlib.pbkdf2_hmac (what Django uses)', async function () {
      const encoded = await hashPassword(UNICODE_PASSWORD, 1000);
      const [algorithm, iterations, salt, hash] = encoded.split('$');
      const expected = pythonPbkdf2(UNICODE_PASSWORD, salt, 1000);
      expect(expected, 'python3 is needed to cross-check the hash').to.not.equal(null);
      expect([algorithm, iterations]).to.deep.equal(['pbkdf2_sha256', '1000']);
      expect(hash).to.equal(expected);
    });

    it('uses a fresh random salt each time', async () => {
      const [a, b] = await Promise.all([hashPassword('same', 1000), hashPassword('same', 1000)]);
      expect(a.split('$')[2]).to.not.equal(b.split('$')[2]);
      expect(a).to.not.equal(b);
    });

    it('round-trips through verifyPassword', async () => {
      const encoded = await hashPassword('round trip');
      expect(await verifyPassword('round trip', encoded)).to.deep.equal({ ok: true, needsUpgrade: false });
      expect(await verifyPassword('round trip!', encoded)).to.deep.equal({ ok: false, needsUpgrade: false });
    });

    it('rejects nonsensical iteration counts', async () => {
      for (const iterations of [0, -1, 1.5, 2 ** 31]) {
        let failure: unknown = null;
        await hashPassword('x', iterations).catch((error: unknown) => { failure = error; });
        expect(failure, String(iterations)).to.be.instanceOf(RangeError);
      }
    });

    it('does not block the event loop while hashing', async () => {
      const events: string[] = [];
      const hashing = hashPassword('async please').then(() => events.push('hashed'));
      setImmediate(() => events.push('loop ran'));
      await hashing;
      expect(events).to.deep.equal(['loop ran', 'hashed']);
    });
  });

  describe('verifyPassword', () => {
    it('verifies a Django hash with 260000 iterations and asks for an upgrade', async () => {
      expect(await verifyPassword('pass', DJANGO_260K)).to.deep.equal({ ok: true, needsUpgrade: true });
      expect(await verifyPassword('Pass', DJANGO_260K)).to.deep.equal({ ok: false, needsUpgrade: true });
    });

    it('verifies a current Django hash of a non-ASCII password without upgrade', async () => {
      expect(await verifyPassword(UNICODE_PASSWORD, DJANGO_UNICODE_600K)).to.deep.equal({ ok: true, needsUpgrade: false });
      expect(await verifyPassword('pässwörd€ 🔐', DJANGO_UNICODE_600K)).to.deep.equal({ ok: false, needsUpgrade: false });
    });

    it('accepts higher iteration counts (newer Django) without upgrade', async () => {
      const encoded = await hashPassword('newer django', 870_000);
      expect(await verifyPassword('newer django', encoded)).to.deep.equal({ ok: true, needsUpgrade: false });
    });

    it('asks for an upgrade when the salt is too short (Django\'s must_update_salt)', async () => {
      expect(await verifyPassword('pass', SHORT_SALT_600K)).to.deep.equal({ ok: true, needsUpgrade: true });
    });

    it('verifies Django\'s pbkdf2_sha1 hashes and asks for an upgrade', async () => {
      expect(await verifyPassword('pass', DJANGO_SHA1_260K)).to.deep.equal({ ok: true, needsUpgrade: true });
      expect(await verifyPassword('nope', DJANGO_SHA1_260K)).to.deep.equal({ ok: false, needsUpgrade: true });
    });

    it('rejects a tampered hash', async () => {
      const tampered = DJANGO_260K.replace('9d8os1', '9d8os2');
      expect(await verifyPassword('pass', tampered)).to.deep.equal({ ok: false, needsUpgrade: true });
    });

    it('returns ok:false for null, unusable and malformed hashes', async () => {
      const bad: Array<string | null> = [
        null,
        '',
        '!',
        '!Kq3HxZr8vTn2LpYw5sJd9fGcBm4aE7uNo1iRk6Wz', // Django's set_unusable_password()
        'garbage',
        'pbkdf2_sha256$260000$seasalt',
        'pbkdf2_sha256$abc$seasalt$9d8os1Mgb0GiXovFh/ydGdwkFaX7+qp30F9Rwe2nM4A=',
        'pbkdf2_sha256$0260000$seasalt$9d8os1Mgb0GiXovFh/ydGdwkFaX7+qp30F9Rwe2nM4A=',
        'pbkdf2_sha256$0$seasalt$9d8os1Mgb0GiXovFh/ydGdwkFaX7+qp30F9Rwe2nM4A=',
        'pbkdf2_sha256$2147483648$seasalt$9d8os1Mgb0GiXovFh/ydGdwkFaX7+qp30F9Rwe2nM4A=',
        'pbkdf2_sha256$260000$$9d8os1Mgb0GiXovFh/ydGdwkFaX7+qp30F9Rwe2nM4A=',
        'pbkdf2_sha256$260000$seasalt$9d8os1Mgb0GiXovFh/ydGdwkFaX7+qp30F9Rwe2nM4A=$extra',
        'argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$aGFzaA',
        'md5$seasalt$1a1dc91c907325c69271ddf0c944bc72',
      ];
      for (const encoded of bad) {
        expect(await verifyPassword('pass', encoded), String(encoded)).to.deep.equal({ ok: false, needsUpgrade: false });
      }
    });
  });

  describe('dummyVerify', () => {
    it('runs to completion and reveals nothing', async () => {
      expect(await dummyVerify('anything')).to.equal(undefined);
      expect(await dummyVerify('')).to.equal(undefined);
    });
  });
});

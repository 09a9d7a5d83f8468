import { expect } from 'chai';
import { clientIp, normalizeAddress } from '../../src/http/client-ip.js';

const direct = { useReverseProxy: false, trusted: ['127.0.0.1'] };
const localProxy = { useReverseProxy: true, trusted: ['127.0.0.1', '::1'] };
const proxyChain = { useReverseProxy: true, trusted: ['127.0.0.1', '10.0.0.0/8', 'fd00::/8'] };
const trustAll = { useReverseProxy: true, trusted: ['*'] };

describe('http/client-ip', () => {
  describe('without a reverse proxy', () => {
    it('returns the peer and ignores X-Forwarded-For', () => {
      expect(clientIp('203.0.113.9', '198.51.100.1', direct)).to.equal('203.0.113.9');
      expect(clientIp('127.0.0.1', '198.51.100.1', direct)).to.equal('127.0.0.1');
    });

    it('normalises IPv4-mapped IPv6 peers', () => {
      expect(clientIp('::ffff:127.0.0.1', undefined, direct)).to.equal('127.0.0.1');
      expect(clientIp('::FFFF:203.0.113.9', undefined, direct)).to.equal('203.0.113.9');
    });

    it('passes a non-IP peer through unchanged', () => {
      expect(clientIp('', undefined, direct)).to.equal('');
      expect(clientIp('', '198.51.100.1', trustAll)).to.equal('');
    });
  });

  describe('behind a reverse proxy', () => {
    it('takes the address the trusted proxy saw', () => {
      expect(clientIp('127.0.0.1', '198.51.100.7', localProxy)).to.equal('198.51.100.7');
      expect(clientIp('::ffff:127.0.0.1', '198.51.100.7', localProxy)).to.equal('198.51.100.7');
      expect(clientIp('::1', '2001:db8::7', localProxy)).to.equal('2001:db8::7');
    });

    it('ignores the header from an untrusted peer', () => {
      expect(clientIp('203.0.113.9', '198.51.100.7', localProxy)).to.equal('203.0.113.9');
    });

    it('returns the peer when there is no header', () => {
      expect(clientIp('127.0.0.1', undefined, localProxy)).to.equal('127.0.0.1');
      expect(clientIp('127.0.0.1', '', localProxy)).to.equal('127.0.0.1');
    });

    it('takes the right-most untrusted address, so a client cannot spoof one', () => {
      expect(clientIp('127.0.0.1', '6.6.6.6, 198.51.100.7', localProxy)).to.equal('198.51.100.7');
      expect(clientIp('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3', proxyChain)).to.equal('198.51.100.7');
      expect(clientIp('10.9.9.9', '198.51.100.7, 10.1.2.3,fd00::5', proxyChain)).to.equal('198.51.100.7');
    });

    it('walks several X-Forwarded-For headers joined with commas', () => {
      expect(clientIp('127.0.0.1', '6.6.6.6 , 198.51.100.7, , 10.0.0.2', proxyChain)).to.equal('198.51.100.7');
    });

    it('returns the left-most address when every hop is trusted', () => {
      expect(clientIp('127.0.0.1', '10.0.0.1, 10.0.0.2', proxyChain)).to.equal('10.0.0.1');
      expect(clientIp('127.0.0.1', '6.6.6.6, 198.51.100.7', trustAll)).to.equal('6.6.6.6');
    });

    it('strips ports and brackets', () => {
      expect(clientIp('127.0.0.1', '198.51.100.7:51234', localProxy)).to.equal('198.51.100.7');
      expect(clientIp('127.0.0.1', '[2001:db8::7]:443', localProxy)).to.equal('2001:db8::7');
      expect(clientIp('127.0.0.1', '[2001:DB8::7]', localProxy)).to.equal('2001:db8::7');
    });

    it('falls back to the peer when the walk meets something that is not an IP', () => {
      expect(clientIp('127.0.0.1', '198.51.100.7, unknown', localProxy)).to.equal('127.0.0.1');
      expect(clientIp('127.0.0.1', '<script>', localProxy)).to.equal('127.0.0.1');
    });

    it('matches trusted proxies given as CIDR subnets and IPv6', () => {
      const opts = { useReverseProxy: true, trusted: ['192.168.0.0/16', '2001:db8:1::/48'] };
      expect(clientIp('192.168.44.1', '198.51.100.7', opts)).to.equal('198.51.100.7');
      expect(clientIp('2001:db8:1:ffff::1', '198.51.100.7', opts)).to.equal('198.51.100.7');
      expect(clientIp('2001:db8:2::1', '198.51.100.7', opts)).to.equal('2001:db8:2::1');
      expect(clientIp('192.169.0.1', '198.51.100.7', opts)).to.equal('192.169.0.1');
    });

    it('refuses a trusted entry that is not an IP, a subnet or *', () => {
      for (const entry of ['localhost', '10.0.0.0/33', '10.0.0.0/x', 'fd00::/129', '1.2.3.4/8/8']) {
        const opts = { useReverseProxy: true, trusted: [entry] };
        expect(() => clientIp('127.0.0.1', '198.51.100.7', opts), entry).to.throw(TypeError, entry);
      }
    });
  });

  describe('normalizeAddress', () => {
    it('returns a bare canonical IP or null', () => {
      expect(normalizeAddress(' 1.2.3.4 ')).to.equal('1.2.3.4');
      expect(normalizeAddress('fe80::1%eth0')).to.equal('fe80::1');
      expect(normalizeAddress('not-an-ip')).to.equal(null);
      expect(normalizeAddress('1.2.3.4:x')).to.equal(null);
    });
  });
});

import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { clientIp, ipBucket, normalizeIp, UNKNOWN_IP } from './client-ip.ts';

const randomIpv4 = () => Array.from({ length: 4 }, () => randomInt(256)).join('.');
const randomJunk = () => randomBytes(randomInt(1, 24)).toString('latin1');
const randomXff = () =>
  Array.from({ length: randomInt(0, 6) }, () => (randomInt(3) === 0 ? randomJunk() : randomIpv4())).join(
    randomInt(2) ? ',' : ', ',
  );

describe('clientIp: X-Forwarded-For from untrusted clients', () => {
  it('ignores X-Forwarded-For entirely with 0 trusted hops (the default)', () => {
    for (let i = 0; i < 500; i++) {
      const xff = randomXff();
      expect(clientIp({ socketAddress: '203.0.113.9', xForwardedFor: xff }, 0)).toBe('203.0.113.9');
      expect(clientIp({ socketAddress: '203.0.113.9', xForwardedFor: [xff, randomXff()] }, 0)).toBe(
        '203.0.113.9',
      );
    }
  });

  it('with 1 trusted hop takes the rightmost entry; what the client prepends changes nothing', () => {
    // The proxy appends the real client (198.51.100.4) after whatever the client sent.
    for (let i = 0; i < 500; i++) {
      const forged = randomXff();
      const header = forged === '' ? '198.51.100.4' : `${forged}, 198.51.100.4`;
      expect(clientIp({ socketAddress: '10.0.0.2', xForwardedFor: header }, 1)).toBe('198.51.100.4');
    }
    // Several headers are one list, in order.
    expect(
      clientIp({ socketAddress: '10.0.0.2', xForwardedFor: ['1.1.1.1, 2.2.2.2', '198.51.100.4'] }, 1),
    ).toBe('198.51.100.4');
  });

  it('with 2 trusted hops takes the second entry from the right', () => {
    expect(clientIp({ socketAddress: '10.0.0.3', xForwardedFor: '6.6.6.6, 198.51.100.4, 10.0.0.2' }, 2)).toBe(
      '198.51.100.4',
    );
    // Fewer entries than hops: the leftmost one (written by a trusted proxy).
    expect(clientIp({ socketAddress: '10.0.0.3', xForwardedFor: '198.51.100.4' }, 2)).toBe('198.51.100.4');
  });

  it('falls back to the socket address when the header is missing, empty or garbage in the trusted part', () => {
    expect(clientIp({ socketAddress: '10.0.0.2' }, 1)).toBe('10.0.0.2');
    expect(clientIp({ socketAddress: '10.0.0.2', xForwardedFor: '' }, 1)).toBe('10.0.0.2');
    expect(clientIp({ socketAddress: '10.0.0.2', xForwardedFor: 'not-an-ip' }, 1)).toBe('10.0.0.2');
    expect(clientIp({ socketAddress: '10.0.0.2', xForwardedFor: '1.2.3.4, <script>' }, 1)).toBe('10.0.0.2');
    expect(clientIp({ socketAddress: undefined }, 0)).toBe(UNKNOWN_IP);
    // A nonsensical hop count is treated as 0.
    expect(clientIp({ socketAddress: '10.0.0.2', xForwardedFor: '1.2.3.4' }, -1)).toBe('10.0.0.2');
    expect(clientIp({ socketAddress: '10.0.0.2', xForwardedFor: '1.2.3.4' }, Number.NaN)).toBe('10.0.0.2');
  });

  it('normalises addresses, so spelling variants are one client', () => {
    expect(normalizeIp('::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(normalizeIp('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(normalizeIp('198.51.100.4:5555')).toBe('198.51.100.4');
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeIp('1.2.3')).toBeUndefined();
    expect(clientIp({ socketAddress: '::ffff:198.51.100.4' }, 0)).toBe('198.51.100.4');
  });

  it('buckets IPv6 by /64 and IPv4 by address', () => {
    expect(ipBucket('198.51.100.4')).toBe('198.51.100.4');
    expect(ipBucket('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('::1')).toBe('0:0:0:0::/64');
    expect(ipBucket('64:ff9b::198.51.100.4')).toBe('64:ff9b:0:0::/64');
  });
});

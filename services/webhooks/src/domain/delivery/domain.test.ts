import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { isValidEventFilter, matchesAny, matchesEventFilter } from '../endpoints/event-filter.ts';
import { classifyStatus } from './outcome.ts';
import { DEFAULT_RETRY_SCHEDULE_SEC, nextAttempt, parseRetryAfter } from './retry-schedule.ts';
import { newSigningSecret, signDelivery } from './signature.ts';
import { forbiddenAddressReason } from './target-address.ts';

describe('event filters', () => {
  it('match exact types and trailing-* prefixes only', () => {
    expect(matchesEventFilter('identity.user.registered', 'identity.user.registered')).toBe(true);
    expect(matchesEventFilter('identity.*', 'identity.user.registered')).toBe(true);
    expect(matchesEventFilter('identity.user.*', 'identity.login.failed')).toBe(false);
    expect(matchesEventFilter('identity.*', 'identityx.user.registered')).toBe(false);
    expect(matchesAny(['authz.*', 'identity.login.succeeded'], 'identity.login.succeeded')).toBe(true);
    expect(matchesAny([], 'identity.login.succeeded')).toBe(false);
  });
  it('refuse malformed filters', () => {
    for (const bad of ['', '*', 'identity.*.registered', 'Identity.*', 'identity..x', 'identity.', 'a b']) {
      expect(isValidEventFilter(bad)).toBe(false);
    }
    expect(isValidEventFilter('identity.*')).toBe(true);
  });
});

describe('retry schedule', () => {
  it('follows the Svix schedule with ±10 % jitter, then stops', () => {
    for (const [i, seconds] of DEFAULT_RETRY_SCHEDULE_SEC.entries()) {
      const low = nextAttempt(i, undefined, { random: () => 0 });
      const high = nextAttempt(i, undefined, { random: () => 0.999999 });
      expect(low).toEqual({ retry: true, delayMs: Math.round(seconds * 900) });
      expect(high.retry && high.delayMs).toBe(Math.round(seconds * 1000 * (0.9 + 0.2 * 0.999999)));
    }
    expect(nextAttempt(DEFAULT_RETRY_SCHEDULE_SEC.length)).toEqual({ retry: false });
  });
  it('Retry-After only delays, and is capped', () => {
    expect(nextAttempt(1, undefined, { retryAfterSec: 60, random: () => 0.5 })).toEqual({
      retry: true,
      delayMs: 60_000,
    });
    expect(nextAttempt(2, undefined, { retryAfterSec: 1, random: () => 0.5 })).toEqual({
      retry: true,
      delayMs: 300_000,
    });
    expect(nextAttempt(1, undefined, { retryAfterSec: 10 ** 9, random: () => 0.5 })).toEqual({
      retry: true,
      delayMs: 36_000_000,
    });
    expect(parseRetryAfter('120')).toBe(120);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')),
    ).toBe(60);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('answers', () => {
  it('2xx delivered, 410 gone, 3xx and others retried, 429/502/503/504 throttle', () => {
    expect(classifyStatus(204)).toEqual({ kind: 'delivered' });
    expect(classifyStatus(410)).toEqual({ kind: 'gone' });
    expect(classifyStatus(301)).toEqual({ kind: 'retry', throttled: false });
    expect(classifyStatus(500)).toEqual({ kind: 'retry', throttled: false });
    for (const s of [429, 502, 503, 504])
      expect(classifyStatus(s)).toEqual({ kind: 'retry', throttled: true });
  });
});

describe('SSRF: target addresses', () => {
  it('refuses every non-public range, in every spelling', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '2002:7f00:0001::1',
      '64:ff9b::a9fe:a9fe',
      '2001:0::1',
      '::7f00:1',
      '::a9fe:a9fe',
    ]) {
      expect([address, forbiddenAddressReason(address)]).not.toEqual([address, null]);
    }
  });
  it('allows public unicast', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) {
      expect(forbiddenAddressReason(address)).toBeNull();
    }
  });
});

describe('Standard Webhooks signatures', () => {
  it('verify with the standardwebhooks package, with either secret during a rotation', () => {
    const current = newSigningSecret();
    const previous = newSigningSecret();
    const body = JSON.stringify({
      type: 'identity.user.registered',
      timestamp: '2026-11-28T00:00:00Z',
      data: {},
    });
    const headers = signDelivery([current, previous], 'msg-1', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSigningSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, { ...headers })).toThrow();
  });
});

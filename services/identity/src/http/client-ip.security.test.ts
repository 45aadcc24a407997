/**
 * The client address of throttling comes from service-kit's one proxy setting, `TRUST_PROXY`
 * (express `trust proxy`, resolved by proxy-addr), through `clientOf`: what a client writes into
 * `X-Forwarded-For` never becomes its address beyond the trusted proxies, in any form of the setting.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpApp, createLogger, defineRoute, type TrustProxy } from '@authplatform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { trustProxyProductionRules } from '../app/accounts/accounts-config.ts';
import { service } from '../service.ts';
import { clientOf } from './client-ip.ts';
import {
  createVerifiedUser,
  type IdentityHarness,
  startIdentityService,
  uniqueEmail,
} from './identity.test-support.ts';

const randomIpv4 = () => Array.from({ length: 4 }, () => randomInt(1, 255)).join('.');
const randomJunk = () => randomBytes(randomInt(1, 24)).toString('base64');
const randomXff = () =>
  Array.from({ length: randomInt(0, 6) }, () => (randomInt(3) === 0 ? randomJunk() : randomIpv4())).join(
    randomInt(2) ? ',' : ', ',
  );

/** A service-kit app (the same factory the service uses) echoing the address `clientOf` gives. */
async function echoServer(trustProxy: TrustProxy): Promise<{ url: string; close(): Promise<void> }> {
  const { app } = createHttpApp({
    service: { name: 'identity', version: '0.0.0' },
    routes: [
      defineRoute({
        method: 'get',
        path: '/ip',
        operationId: 'ip',
        summary: 'echo',
        responses: { 200: { description: 'ip', schema: Type.Object({ ip: Type.String() }) } },
        handler: async ({ req, reply }) => reply(200, { ip: clientOf(req).ip }),
      }),
    ],
    logger: createLogger({ service: 'identity', silent: true }),
    trustProxy,
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function ipFor(url: string, xff: string | undefined): Promise<string> {
  const res = await fetch(`${url}/ip`, { headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
  return ((await res.json()) as { ip: string }).ip;
}

describe('clientOf under each TRUST_PROXY form (the socket peer here is 127.0.0.1)', () => {
  const servers: { close(): Promise<void> }[] = [];
  const start = async (trust: TrustProxy) => {
    const s = await echoServer(trust);
    servers.push(s);
    return s.url;
  };
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('false (the default): X-Forwarded-For is ignored entirely', async () => {
    const url = await start(false);
    for (let i = 0; i < 100; i++) expect(await ipFor(url, randomXff())).toBe('127.0.0.1');
  });

  it('1 hop: the entry the proxy appended; whatever the client prepended changes nothing', async () => {
    const url = await start(1);
    for (let i = 0; i < 100; i++) {
      const forged = randomXff();
      expect(await ipFor(url, forged === '' ? '198.51.100.4' : `${forged}, 198.51.100.4`)).toBe(
        '198.51.100.4',
      );
    }
    // Garbage where the trusted proxy's entry should be, or no header: the socket peer, never the garbage.
    expect(await ipFor(url, 'not-an-ip')).toBe('127.0.0.1');
    expect(await ipFor(url, '1.2.3.4, <script>')).toBe('127.0.0.1');
    expect(await ipFor(url, undefined)).toBe('127.0.0.1');
    // Spelling variants are one client.
    expect(await ipFor(url, '::ffff:198.51.100.4')).toBe('198.51.100.4');
  });

  it('2 hops: the second entry from the right', async () => {
    const url = await start(2);
    expect(await ipFor(url, '6.6.6.6, 198.51.100.4, 10.0.0.2')).toBe('198.51.100.4');
    for (let i = 0; i < 50; i++)
      expect(await ipFor(url, `${randomXff()}, 198.51.100.4, 10.0.0.2`)).toBe('198.51.100.4');
  });

  it('proxy addresses/subnets: the first entry from the right that is not a trusted proxy', async () => {
    const url = await start('loopback, 10.0.0.0/8');
    expect(await ipFor(url, '6.6.6.6, 198.51.100.4, 10.0.0.2')).toBe('198.51.100.4');
    for (let i = 0; i < 50; i++)
      expect(await ipFor(url, `${randomXff()}, 198.51.100.4, 10.9.8.7`)).toBe('198.51.100.4');
  });

  it('TRUST_PROXY=true (the client’s leftmost entry) is refused in production', () => {
    expect(trustProxyProductionRules({ TRUST_PROXY: true })).toEqual([
      expect.stringContaining('TRUST_PROXY'),
    ]);
    for (const ok of [false, 0, 1, 2, 'loopback', '10.0.0.0/8'])
      expect(trustProxyProductionRules({ TRUST_PROXY: ok })).toEqual([]);
    const rules = service.productionRules?.({ TRUST_PROXY: true } as never) ?? [];
    expect(rules.some((r) => r.startsWith('TRUST_PROXY:'))).toBe(true);
  });
});

describe('login throttling behind one trusted proxy (TRUST_PROXY=1)', () => {
  const IP_LIMIT = 10;
  let h: IdentityHarness;

  beforeAll(async () => {
    h = await startIdentityService({
      env: { TRUST_PROXY: '1', LOGIN_IP_LIMIT: String(IP_LIMIT), LOCKOUT_THRESHOLD: '5' },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('forged entries before the proxy’s do not escape the per-IP limit; events carry the proxy’s entry', async () => {
    const client = '198.51.100.77';
    const statuses: number[] = [];
    for (let i = 0; i < IP_LIMIT + 3; i++) {
      const res = await h.post(
        '/v1/login',
        { email: uniqueEmail(`spray${i}`), password: 'spray password guess' },
        { 'x-forwarded-for': `${randomIpv4()}, ${randomIpv4()}, ${client}` },
      );
      statuses.push(res.status);
    }
    expect(statuses).toContain(429);
    const failed = (await h.outbox()).filter((r) => r.type === 'identity.login.failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((r) => r.payload.data.ip))).toEqual(new Set([client]));
    // Another client behind the same proxy is not limited by the first one.
    const email = uniqueEmail('other');
    await createVerifiedUser(h, email, 'a long enough passphrase 42');
    const other = await h.post(
      '/v1/login',
      { email, password: 'a long enough passphrase 42' },
      { 'x-forwarded-for': '203.0.113.5' },
    );
    expect(other.status).toBe(200);
  });
});

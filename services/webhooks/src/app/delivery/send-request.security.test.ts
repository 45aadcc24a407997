/**
 * SSRF at delivery time: the resolved addresses are checked, a name that resolves inside is refused
 * (the DNS-rebinding case: it was public when the endpoint was created), and the connection goes to the
 * address that was checked, never to a second lookup.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkEndpointUrl } from '../../domain/endpoints/endpoint-url.ts';
import { sendRequest } from './send-request.ts';

let server: Server;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.headers.host ?? '');
    res.writeHead(200);
    res.end('x'.repeat(10_000));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('delivery-time SSRF checks', () => {
  it('refuses a public-looking name that now resolves to loopback, without connecting', async () => {
    const before = hits.length;
    const result = await sendRequest(`http://hooks.example.com:${port}/x`, {}, '{}', {
      allowPrivate: false,
      timeoutMs: 1000,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(result).toMatchObject({ kind: 'refused' });
    expect(hits.length).toBe(before);
  });

  it('refuses when any resolved address is inside (mixed answers), and metadata addresses', async () => {
    for (const addresses of [
      [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ],
      [{ address: '169.254.169.254', family: 4 }],
      [{ address: '::ffff:127.0.0.1', family: 6 }],
    ]) {
      const result = await sendRequest('https://hooks.example.com/x', {}, '{}', {
        allowPrivate: false,
        timeoutMs: 1000,
        resolve: async () => addresses,
      });
      expect(result.kind).toBe('refused');
    }
  });

  it('refuses IP-literal URLs inside, with no lookup at all', async () => {
    const result = await sendRequest(`http://127.0.0.1:${port}/x`, {}, '{}', {
      allowPrivate: false,
      timeoutMs: 1000,
    });
    expect(result).toMatchObject({ kind: 'refused' });
  });

  it('connects to the checked address (not a second lookup), and reads at most 4 KiB', async () => {
    const result = await sendRequest(`http://rebind.example.com:${port}/x`, { 'x-test': '1' }, '{}', {
      allowPrivate: true,
      timeoutMs: 2000,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(result).toMatchObject({ kind: 'answered', status: 200 });
    expect(result.kind === 'answered' && result.excerpt.length).toBeLessThanOrEqual(4096);
    expect(hits.at(-1)).toBe(`rebind.example.com:${port}`);
  });
});

describe('the attempt time limit', () => {
  it('includes the name lookup: a resolver that never answers fails the attempt on time', async () => {
    const started = Date.now();
    const result = await sendRequest('https://slow-dns.example.com/x', {}, '{}', {
      allowPrivate: false,
      timeoutMs: 300,
      resolve: () => new Promise(() => {}),
    });
    expect(result).toMatchObject({ kind: 'error' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('endpoint URLs at creation', () => {
  it('in production mode only public https URLs without credentials', () => {
    const strict = { allowPrivate: false };
    expect(checkEndpointUrl('https://hooks.example.com/a?b=1', strict).ok).toBe(true);
    for (const bad of [
      'http://hooks.example.com/a',
      'https://user:pw@hooks.example.com/',
      'https://hooks.example.com/#frag',
      'https://localhost/a',
      'https://localhost./a',
      'https://api.localhost./a',
      'https://metadata.google.internal./computeMetadata',
      'https://[::7f00:1]/a',
      'https://[::a9fe:a9fe]/latest',
      'https://api.localhost/a',
      'https://metadata.google.internal/computeMetadata',
      'https://127.0.0.1/a',
      'https://[::1]/a',
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/',
      'https://intranet/',
      'ftp://hooks.example.com/',
      'not a url',
    ]) {
      expect([bad, checkEndpointUrl(bad, strict).ok]).toEqual([bad, false]);
    }
  });
  it('in development, http and local receivers are allowed', () => {
    expect(checkEndpointUrl('http://127.0.0.1:4000/hook', { allowPrivate: true }).ok).toBe(true);
    expect(checkEndpointUrl('ftp://127.0.0.1/', { allowPrivate: true }).ok).toBe(false);
  });
});

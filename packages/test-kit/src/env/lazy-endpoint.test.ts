import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { lazyEndpoint, type Upstream } from './lazy-endpoint.js';

async function startUpstream(): Promise<Upstream & { server: http.Server }> {
  const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    host: '127.0.0.1',
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('lazyEndpoint', () => {
  it('starts the upstream on the first connection only, proxies it, and stops it on close', async () => {
    let starts = 0;
    let upstream: (Upstream & { server: http.Server }) | undefined;
    const lines: string[] = [];
    const endpoint = await lazyEndpoint(
      'echo',
      async () => {
        starts++;
        upstream = await startUpstream();
        return upstream;
      },
      (l) => lines.push(l),
    );
    expect(endpoint.started()).toBe(false);
    expect(starts).toBe(0);

    const base = `http://127.0.0.1:${endpoint.port}`;
    const [one, two] = await Promise.all([fetch(`${base}/a`), fetch(`${base}/b`)]);
    expect(await one.text()).toBe('hello /a');
    expect(await two.text()).toBe('hello /b');
    expect(starts).toBe(1);
    expect(endpoint.started()).toBe(true);
    expect(lines.some((l) => l.startsWith('test-kit: started echo in'))).toBe(true);

    await endpoint.close();
    expect(upstream?.server.listening).toBe(false);
    await expect(fetch(`${base}/c`)).rejects.toThrow();
  });

  it('never starts anything when nobody connects, and reports a failed start to the client', async () => {
    const idle = await lazyEndpoint('idle', async () => {
      throw new Error('must not start');
    });
    await idle.close();
    expect(idle.started()).toBe(false);

    const lines: string[] = [];
    const broken = await lazyEndpoint(
      'broken',
      async () => {
        throw new Error('no image');
      },
      (l) => lines.push(l),
    );
    await expect(fetch(`http://127.0.0.1:${broken.port}/`)).rejects.toThrow();
    expect(lines).toEqual(['test-kit: could not start broken: no image']);
    await broken.close();
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { closeHttpServer } from './http-server.ts';
import { createLifecycle } from './lifecycle.ts';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** One request on a keep-alive agent; resolves with status and body. */
function get(url: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('closeHttpServer', () => {
  it('lets an in-flight request finish during shutdown, refuses new ones, and drops idle keep-alives', async () => {
    let inFlight = 0;
    const { server, url } = await listen((req, res) => {
      inFlight++;
      const delay = req.url === '/slow' ? 300 : 0;
      setTimeout(() => res.end(`done ${req.url}`), delay);
    });
    const agent = new http.Agent({ keepAlive: true });
    try {
      // An idle keep-alive connection exists before shutdown starts.
      expect(await get(`${url}/warm`, agent)).toEqual({ status: 200, body: 'done /warm' });

      const slow = get(`${url}/slow`, agent);
      await new Promise((r) => setTimeout(r, 50));
      expect(inFlight).toBe(2);

      const exits: number[] = [];
      const lifecycle = createLifecycle({ logger: silent, exit: (c) => exits.push(c) });
      lifecycle.onShutdown('http', () => closeHttpServer(server));
      const began = performance.now();
      const shutdown = lifecycle.shutdown('SIGTERM');

      await new Promise((r) => setTimeout(r, 20));
      await expect(get(`${url}/late`, new http.Agent())).rejects.toThrow(/ECONNREFUSED/);

      expect(await slow).toEqual({ status: 200, body: 'done /slow' });
      await shutdown;
      const took = performance.now() - began;
      expect(exits).toEqual([0]);
      expect(server.listening).toBe(false);
      // Closed once the slow request finished, not after the 60 s keep-alive timeout.
      expect(took).toBeGreaterThanOrEqual(200);
      expect(took).toBeLessThan(2_000);
    } finally {
      agent.destroy();
    }
  });

  it('cuts a request that outlives the grace period', async () => {
    const { server, url } = await listen(() => {
      // Never answers.
    });
    const pending = get(`${url}/hang`, new http.Agent());
    await new Promise((r) => setTimeout(r, 50));
    const began = performance.now();
    await closeHttpServer(server, { graceMs: 150 });
    expect(performance.now() - began).toBeLessThan(1_000);
    await expect(pending).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('resolves at once for a server that is not listening', async () => {
    const server = http.createServer();
    await expect(closeHttpServer(server)).resolves.toBeUndefined();
  });
});

// A TCP port that exists from globalSetup on, while the server behind it starts on the first
// connection. Suites that never touch the broker or the SES emulator never pay for starting them
// (importing fauxqs and aws-ses-v2-local alone takes ≈0.6 s; a container takes seconds).
import net from 'node:net';

/**
 * @typedef {{ host: string, port: number, stop: () => Promise<void> }} Upstream
 * @typedef {{ port: number, host: string, started: () => boolean, close: () => Promise<void> }} LazyEndpoint
 */

/**
 * @param {string} name used in log lines
 * @param {() => Promise<Upstream>} start starts the real server (called at most once)
 * @param {(line: string) => void} [log]
 * @returns {Promise<LazyEndpoint>}
 */
export async function lazyEndpoint(name, start, log = () => {}) {
  /** @type {Promise<Upstream> | undefined} */
  let upstream;
  /** @type {Set<net.Socket>} */
  const sockets = new Set();
  const track = (/** @type {net.Socket} */ s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const ensureStarted = () => {
    if (!upstream) {
      const began = performance.now();
      upstream = start().then(
        (u) => {
          log(`test-kit: started ${name} in ${Math.round(performance.now() - began)} ms`);
          return u;
        },
        (err) => {
          log(`test-kit: could not start ${name}: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        },
      );
    }
    return upstream;
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on('error', () => client.destroy());
    ensureStarted().then(
      (up) => {
        if (client.destroyed) return;
        const remote = net.connect({ host: up.host, port: up.port });
        track(remote);
        remote.on('error', () => client.destroy());
        client.on('close', () => remote.destroy());
        remote.on('close', () => client.destroy());
        client.pipe(remote);
        remote.pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`${name}: no TCP address`);

  return {
    host: '127.0.0.1',
    port: address.port,
    started: () => upstream !== undefined,
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve(undefined));
        for (const s of sockets) s.destroy();
      });
      if (upstream) {
        const up = await upstream.catch(() => undefined);
        await up?.stop();
      }
    },
  };
}

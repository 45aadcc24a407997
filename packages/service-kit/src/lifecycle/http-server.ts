import type { Server } from 'node:http';

/** What `closeHttpServer` needs; `http.Server` and `https.Server` both fit. */
export type ClosableServer = Pick<
  Server,
  'close' | 'closeIdleConnections' | 'closeAllConnections' | 'listening'
>;

export interface CloseHttpServerOptions {
  /** How long in-flight requests may take before their connections are cut. Default 8 s. */
  graceMs?: number;
  /** How often idle keep-alive connections are swept while waiting. Default 50 ms. */
  sweepMs?: number;
}

/**
 * Stops accepting connections, lets in-flight requests finish, closes keep-alive connections as
 * soon as they are idle, and cuts whatever remains after `graceMs`. Resolves when the server is
 * closed; a server that is not listening resolves at once.
 */
export function closeHttpServer(server: ClosableServer, options: CloseHttpServerOptions = {}): Promise<void> {
  const graceMs = options.graceMs ?? 4_000; // leaves the rest of the 10 s shutdown to consumers, relay, pool
  const sweepMs = options.sweepMs ?? 50;
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    // A connection whose response just finished becomes idle; the sweep closes it then.
    const sweep = setInterval(() => server.closeIdleConnections(), sweepMs);
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    sweep.unref();
    deadline.unref();
    server.close((err) => {
      clearInterval(sweep);
      clearTimeout(deadline);
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * An HTTP proxy that answers the next calls with injected failures (a 503 or an SES throttling
 * error, as SES's JSON API answers them) and forwards every other call untouched to `target`, for
 * retry tests against a real emulator (aws-ses-v2-local) behind it.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InjectedHttpFailure {
  status: number;
  /** SES v2 error name, sent as `x-amzn-errortype` and in the body. */
  errorType: string;
}

export interface FaultProxy {
  url: string;
  failNext(failures: InjectedHttpFailure[]): void;
  /** Calls that reached the proxy, failed or forwarded. */
  calls(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const queued: InjectedHttpFailure[] = [];
  let calls = 0;
  const server: Server = createServer((req, res) => {
    calls += 1;
    const failure = queued.shift();
    if (failure !== undefined) {
      req.resume();
      const body = JSON.stringify({ message: `Injected ${failure.errorType}` });
      res.writeHead(failure.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': failure.errorType,
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    const forward = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failNext(failures) {
      queued.push(...failures);
    },
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

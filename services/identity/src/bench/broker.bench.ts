/**
 * The broker of the identity benchmark: AWS_ENDPOINT_URL when set, else fauxqs (the embedded
 * SNS/SQS emulator the tests use, started by test-kit's own starter) on a free loopback port in a
 * worker thread, so the emulator does not share an event loop with the load generator.
 * This file is also the worker's entry point.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

async function serveFauxqs(): Promise<void> {
  // test-kit's starter resolves the fauxqs package and picks a free loopback port (source only:
  // the bench runs with --conditions=development).
  const testKit = import.meta.resolve('@authplatform/test-kit');
  const servers = (await import(new URL('./env/servers.js', testKit).href)) as {
    startFauxqsServer(): Promise<{ host: string; port: number; stop(): Promise<void> }>;
  };
  const server = await servers.startFauxqsServer();
  parentPort?.postMessage({ endpoint: `http://${server.host}:${server.port}` });
  parentPort?.once('message', () => {
    void server.stop().then(() => parentPort?.close());
  });
}

if (!isMainThread) await serveFauxqs();

export interface BenchBroker {
  endpoint: string;
  /** `fauxqs` (started here) or `AWS_ENDPOINT_URL`. */
  source: string;
  stop(): Promise<void>;
}

export async function startBenchBroker(): Promise<BenchBroker> {
  const fromEnv = process.env.AWS_ENDPOINT_URL;
  if (fromEnv) return { endpoint: fromEnv, source: 'AWS_ENDPOINT_URL', stop: async () => undefined };
  const worker = new Worker(new URL(import.meta.url), { execArgv: ['--conditions=development'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    worker.once('message', (m: { endpoint: string }) => resolve(m.endpoint));
    worker.once('error', reject);
  });
  return {
    endpoint,
    source: 'fauxqs',
    stop: async () => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      await worker.terminate();
    },
  };
}

import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import sesLocal from 'aws-ses-v2-local';
import { startFauxqs } from 'fauxqs';

export interface RunningEmulator {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** SNS/SQS emulator (fauxqs). State is kept in SQLite under `dataDir` so queued messages survive restarts. */
export async function startBroker(port: number, dataDir: string): Promise<RunningEmulator> {
  const dir = join(dataDir, 'fauxqs');
  mkdirSync(dir, { recursive: true });
  const server = await startFauxqs({ port, host: '127.0.0.1', logger: false, dataDir: dir });
  return { name: 'sns/sqs (fauxqs)', url: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

type StartSes = (config?: { host?: string; port?: number }) => Promise<Server>;

/** SES v1/v2 emulator (aws-ses-v2-local) with its web inbox at `/`. */
export async function startEmail(port: number): Promise<RunningEmulator> {
  // aws-ses-v2-local is CommonJS: from ESM its function is the default export (or its `.default`).
  const mod = sesLocal as unknown as StartSes | { default: StartSes };
  const start: StartSes = typeof mod === 'function' ? mod : mod.default;
  const server = await start({ host: '127.0.0.1', port });
  return {
    name: 'ses (aws-ses-v2-local)',
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

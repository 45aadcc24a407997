/**
 * The embedded runtime: `npm start` ends here. Starts the SNS/SQS emulator, the SES emulator and
 * the five services in one terminal; Ctrl-C (or SIGTERM) stops everything cleanly.
 */
import { resolve } from 'node:path';
import { BROKER_PORT, PLATFORM_SERVICES, SES_PORT } from './platform.ts';
import { describePlatform, type RunningPlatform, startPlatform } from './runtime.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');
const dataDir = resolve(root, process.env.DATA_DIR ?? '.data');

// PLATFORM_PORT_OFFSET moves every port (services, broker, SES) when the defaults are taken.
const offset = Number.parseInt(process.env.PLATFORM_PORT_OFFSET ?? '0', 10) || 0;
const services = PLATFORM_SERVICES.map((service) => ({ ...service, port: service.port + offset }));

const database = process.env.DATABASE_URL
  ? 'PostgreSQL from DATABASE_URL'
  : `embedded PGlite under ${dataDir}`;
process.stdout.write(`Starting the auth platform (database: ${database})\n`);

// Signals are handled from the first moment: Ctrl-C while the services boot stops what started.
const starting = new AbortController();
let platform: RunningPlatform | undefined;
let stopping = false;
const shutdown = (reason: string, code: number) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${reason}: stopping the platform\n`);
  if (platform === undefined) {
    starting.abort();
    return;
  }
  platform.stop().then(
    () => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`stop failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT', 0));
process.on('SIGTERM', () => shutdown('SIGTERM', 0));

try {
  platform = await startPlatform({
    root,
    dataDir,
    services,
    brokerPort: BROKER_PORT + offset,
    sesPort: SES_PORT + offset,
    signal: starting.signal,
    // PLATFORM_READY_TIMEOUT_MS: how long each service may take to answer /readyz (default 60 s).
    readyTimeoutMs: Number.parseInt(process.env.PLATFORM_READY_TIMEOUT_MS ?? '', 10) || 60_000,
    onServiceExit: (name, exitCode) => shutdown(`${name} exited (code ${exitCode})`, 1),
  });
  if (stopping) {
    await platform.stop();
    process.exit(0);
  }
  process.stdout.write(describePlatform(platform));
} catch (error) {
  if (stopping) process.exit(0);
  process.stderr.write(
    `The platform did not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}

/**
 * Child process of the authz benchmark: the real authz service (src/service.ts) started with
 * service-kit's `startService`, in a process of its own as in production, so the load generator does
 * not share its event loop. Configuration from `BENCH_SERVICE_ENV` (JSON) and `BENCH_SCHEMA`; reports
 * its URL over IPC, answers a `cpu` message with its `process.cpuUsage()`; stops on a `stop` message, SIGTERM/SIGINT, or when the parent goes away.
 */
import { startService } from '@authplatform/service-kit';
import { service } from '../service.ts';

const raw = process.env.BENCH_SERVICE_ENV;
const schema = process.env.BENCH_SCHEMA;
if (raw === undefined || schema === undefined || process.send === undefined) {
  process.stderr.write(
    'server.bench.ts is started by check.bench.ts (IPC, BENCH_SERVICE_ENV, BENCH_SCHEMA)\n',
  );
  process.exit(2);
}
const env = JSON.parse(raw) as Record<string, string>;
const running = await startService(service, { env, envFile: false, schema, exit: () => undefined });

let stopping = false;
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  running
    .stop()
    .catch((error: unknown) => process.stderr.write(`authz bench server: stop failed: ${String(error)}\n`))
    .finally(() => process.exit(code));
}
process.on('message', (message) => {
  if (message === 'stop') stop(0);
  // The service process's CPU time so far (µs), for the CPU cost per request of a run.
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));

process.send({ ready: true, url: running.url });

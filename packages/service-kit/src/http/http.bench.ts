/**
 * Per-request cost of the HTTP pipeline every service runs on (service-kit's `startService`).
 * Run: node --conditions=development src/http/http.bench.ts   (`pnpm --filter @authplatform/service-kit bench`)
 *
 * The bench process starts a sample service in a child process exactly as a service's `main.ts`
 * does through `boot`: OpenTelemetry first (default instrumentations, no exporter), then
 * `startService` with a routes list, `LOG_LEVEL=info` (the kit's logger on stdout, which is /dev/null),
 * Prometheus metrics on, a JWKS authenticator against a local issuer (started here), the kit's
 * idempotency store, 24 other routes declared before the measured ones (as many as authz has), and
 * an embedded PGlite database in a temporary directory (none of the measured
 * routes touches the database; nothing is left behind). It then runs autocannon against it on
 * loopback for three scenarios:
 * - `GET /healthz`;
 * - `POST /v1/evaluate`: unauthenticated, a small JSON body validated by its schema, a JSON answer;
 * - `POST /v1/check`: the same with a Bearer access token (ES256, `permission` required), i.e.
 *   the shape of authz's `POST /v1/check` with a trivial decision.
 * Each scenario runs BENCH_RUNS times (default 3) for BENCH_SECONDS (default 5) after a 1 s warm-up;
 * medians are printed. Besides req/s and latency it reports the server process's CPU time per
 * request (user + system, `process.cpuUsage()` read over IPC before and after each run): the machine
 * is shared, so req/s moves with the neighbours while CPU per request is what the pipeline costs.
 *
 * Settings (environment): BENCH_SECONDS, BENCH_RUNS, BENCH_CONNECTIONS (default 16), BENCH_ONLY
 * (comma-separated scenario names), BENCH_CPU_PROF=<dir> (writes a V8 CPU profile of the server),
 * BENCH_TELEMETRY=0 (start the server without OpenTelemetry, to see what it costs), BENCH_JSON=1
 * (one JSON line with every figure at the end), BENCH_BASELINE=<path of this file in another
 * checkout> (a second server started from that checkout; the two take turns run by run, and each
 * figure is printed for both with the CPU ratio — how the before/after figures in
 * docs/benchmarks.md were taken).
 *
 * autocannon is not a dependency of service-kit: it is loaded from services/authz (which has it)
 * with `createRequire` on that package's path, relative to this file.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';

const SERVER_ROLE = '--serve';

// ---------------------------------------------------------------------------------------------
// Server side: the sample service, started as `boot` starts a service.

async function serve(): Promise<void> {
  const telemetryOn = process.env.BENCH_TELEMETRY !== '0';
  const { startTelemetry } = await import('../telemetry/tracing.ts');
  const telemetry = telemetryOn ? startTelemetry({ service: 'bench', version: '0.0.0' }) : undefined;
  // As in `boot`: express and the rest are loaded only after telemetry, so they are instrumented.
  const { startService } = await import('../service/start-service.ts');
  const { defineService } = await import('../service/definition.ts');
  const { defineRoute } = await import('./route.ts');

  const Evaluation = Type.Object({
    subject: Type.String({ minLength: 1, maxLength: 200 }),
    permission: Type.String({ minLength: 1, maxLength: 200, pattern: '^[a-z0-9_.-]+:[a-z0-9_.*-]+$' }),
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    context: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Boolean()]))),
  });
  const Decision = Type.Object({
    allowed: Type.Boolean(),
    revision: Type.String(),
    reason: Type.Optional(Type.String()),
  });
  const decide = (body: { subject: string; permission: string }) => ({
    allowed: body.subject.length % 2 === 0 && body.permission.startsWith('documents:'),
    revision: '42',
  });
  const service = defineService({
    name: 'bench',
    version: '0.0.0',
    description: 'A sample service for the HTTP pipeline bench',
    defaultPort: 0,
    config: Type.Object({}),
    migrations: {},
    routes: () => [
      // Routes declared before the measured ones, as in authz, where `/v1/check` comes after the
      // role, assignment, group and grant endpoints: the router tries each of them first.
      ...Array.from({ length: 8 }, (_, i) => {
        const Thing = Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() });
        const params = Type.Object({ id: Type.String({ format: 'uuid' }) });
        const item = `/v1/things-${i}/{id}`;
        const get = async () => ({ status: 404 as const });
        return [
          defineRoute({
            method: 'get',
            path: `/v1/things-${i}`,
            operationId: `listThings${i}`,
            summary: 'A filler list',
            responses: { 200: { description: 'The things.', schema: Type.Array(Thing) } },
            handler: async ({ reply }) => reply(200, []),
          }),
          defineRoute({
            method: 'get',
            path: item,
            operationId: `getThing${i}`,
            summary: 'A filler item',
            request: { params },
            responses: { 200: { description: 'The thing.', schema: Thing }, 404: { description: 'None.' } },
            handler: get,
          }),
          defineRoute({
            method: 'delete',
            path: item,
            operationId: `deleteThing${i}`,
            summary: 'A filler delete',
            request: { params },
            responses: { 204: { description: 'Gone.' } },
            handler: async () => ({ status: 204 as const }),
          }),
        ];
      }).flat(),
      defineRoute({
        method: 'post',
        path: '/v1/evaluate',
        operationId: 'evaluate',
        summary: 'An unauthenticated decision',
        request: { body: Evaluation },
        responses: { 200: { description: 'The decision.', schema: Decision } },
        handler: async ({ body, reply }) => reply(200, decide(body)),
      }),
      defineRoute({
        method: 'post',
        path: '/v1/check',
        operationId: 'check',
        summary: 'An authenticated decision',
        permission: 'authz:check',
        request: { body: Evaluation },
        responses: { 200: { description: 'The decision.', schema: Decision } },
        handler: async ({ body, reply }) => reply(200, decide(body)),
      }),
    ],
  });

  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'http-bench-'));
  const running = await startService(service, {
    envFile: false,
    exit: () => {}, // the bench exits itself, after removing the data directory
    ...(telemetry === undefined ? {} : { telemetry }),
    env: {
      NODE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      JWKS_URL: process.env.BENCH_JWKS_URL,
      TOKEN_ISSUER: process.env.BENCH_TOKEN_ISSUER,
      TOKEN_AUDIENCE: 'bench',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9', // never contacted: no route here uses the broker
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    },
  });
  const stop = async () => {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
    if (message.type === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.send?.({ type: 'ready', url: running.url });
}

// ---------------------------------------------------------------------------------------------
// Driver side.

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers: Record<string, string>;
}

interface RunFigures {
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
  requests: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function request<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string } & T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

interface Server {
  label: string;
  child: ChildProcess;
  url: string;
}

/** Starts the sample service from `file` (this file, or the same bench in another checkout). */
async function startServer(label: string, file: string, env: Record<string, string>): Promise<Server> {
  const execArgv = ['--conditions=development'];
  if (process.env.BENCH_CPU_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`);
  const child = fork(file, [SERVER_ROLE], {
    execArgv,
    env: { ...process.env, ...env },
    // The service logs to its stdout, as in production; here that is /dev/null.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${label} server exited with ${code}`)));
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message.type === 'ready' && message.url !== undefined) resolve(message.url);
    });
  });
  return { label, child, url };
}

async function stopServer(server: Server): Promise<void> {
  if (!server.child.connected) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.send({ type: 'stop' });
  await exited;
}

async function drive(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const baseline = process.env.BENCH_BASELINE;
  const requireFromAuthz = createRequire(new URL('../../../../services/authz/package.json', import.meta.url));
  const autocannon = requireFromAuthz('autocannon') as Autocannon;
  const { startTestIssuer } = await import('../auth/testing/test-issuer.ts');

  const issuer = await startTestIssuer({ audience: 'bench' });
  const token = issuer.sign({ sub: 'service:bench', permissions: ['authz:check'] });
  const env = { BENCH_JWKS_URL: issuer.jwksUrl, BENCH_TOKEN_ISSUER: issuer.issuer };
  const servers: Server[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map(stopServer));
    await issuer.close();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    servers.push(await startServer('this checkout', fileURLToPath(import.meta.url), env));
    if (baseline !== undefined) servers.push(await startServer('baseline', baseline, env));
    const body = JSON.stringify({
      subject: 'user:0197a0b2-7c3e-7d55-9f10-2a4c8b1e9d01',
      permission: 'documents:read',
      resource: 'document:7f3e',
    });
    const json = { 'content-type': 'application/json' };
    const scenarios: Scenario[] = [
      { name: 'healthz', method: 'GET', path: '/healthz', headers: {} },
      { name: 'evaluate', method: 'POST', path: '/v1/evaluate', body, headers: json },
      {
        name: 'check',
        method: 'POST',
        path: '/v1/check',
        body,
        headers: { ...json, authorization: `Bearer ${token}` },
      },
    ].filter((s) => only === undefined || only.includes(s.name)) as Scenario[];

    const results: Array<{ scenario: string; server: string; figures: RunFigures }> = [];
    for (const scenario of scenarios) {
      const optionsFor = (server: Server) => ({
        url: `${server.url}${scenario.path}`,
        method: scenario.method,
        headers: scenario.headers,
        connections,
        ...(scenario.body === undefined ? {} : { body: scenario.body }),
      });
      for (const server of servers) {
        const check = await fetch(`${server.url}${scenario.path}`, {
          method: scenario.method,
          headers: scenario.headers,
          ...(scenario.body === undefined ? {} : { body: scenario.body }),
        });
        if (check.status !== 200) throw new Error(`${scenario.name}: ${check.status} ${await check.text()}`);
        await autocannon({ ...optionsFor(server), duration: 1 }); // warm-up
      }
      // With a baseline, the servers take turns run by run, so both see the same neighbours.
      const figures = new Map<Server, RunFigures[]>(servers.map((server) => [server, []]));
      for (let i = 0; i < runs; i++) {
        for (const server of servers) {
          const before = await request<{ usage: NodeJS.CpuUsage }>(server.child, 'cpu');
          const result = await autocannon({ ...optionsFor(server), duration: seconds });
          const after = await request<{ usage: NodeJS.CpuUsage }>(server.child, 'cpu');
          if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
            throw new Error(
              `${scenario.name}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts`,
            );
          }
          const cpuUs = after.usage.user - before.usage.user + (after.usage.system - before.usage.system);
          // Every request answered counts, including the ones that finished after the run's clock.
          figures.get(server)?.push({
            rps: result.requests.average,
            p50: result.latency.p50,
            p99: result.latency.p99,
            cpuUsPerRequest: cpuUs / result.requests.total,
            requests: result.requests.total,
          });
        }
      }
      for (const server of servers) {
        const list = figures.get(server) ?? [];
        results.push({
          scenario: scenario.name,
          server: server.label,
          figures: {
            rps: median(list.map((f) => f.rps)),
            p50: median(list.map((f) => f.p50)),
            p99: median(list.map((f) => f.p99)),
            cpuUsPerRequest: median(list.map((f) => f.cpuUsPerRequest)),
            requests: median(list.map((f) => f.requests)),
          },
        });
      }
    }

    console.log(
      `HTTP pipeline (service-kit), ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ` +
        `${runs} × ${seconds} s per scenario, ${connections} connections, telemetry ${process.env.BENCH_TELEMETRY === '0' ? 'off' : 'on'}; medians`,
    );
    console.log('scenario    server          CPU µs/req      req/s   p50 ms   p99 ms');
    for (const { scenario, server, figures: f } of results) {
      const base = results.find((r) => r.scenario === scenario && r.server === 'baseline');
      const ratio =
        base !== undefined && server !== 'baseline'
          ? `   (${((f.cpuUsPerRequest / base.figures.cpuUsPerRequest) * 100).toFixed(0)} % of the baseline's CPU)`
          : '';
      console.log(
        `${scenario.padEnd(10)}  ${server.padEnd(13)}  ${f.cpuUsPerRequest.toFixed(1).padStart(10)}  ${Math.round(f.rps).toLocaleString('en-US').padStart(9)}  ${f.p50.toFixed(1).padStart(7)}  ${f.p99.toFixed(1).padStart(7)}${ratio}`,
      );
    }
    if (process.env.BENCH_JSON === '1') console.log(JSON.stringify(results));
  } finally {
    await stopAll();
  }
}

if (process.argv.includes(SERVER_ROLE)) await serve();
else await drive();

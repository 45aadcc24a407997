/**
 * Identity benchmark (quality.md "Performance"): the real identity service in a child process on a
 * free loopback port, a fresh Postgres schema, the embedded broker, and autocannon against
 *
 *   1. password login (several verified users in turn) vs raw argon2id verify, same run, same concurrency
 *      (bar: login ≥ 85 % of raw);
 *   2. refresh-token grant with rotation, each request presenting a never-used token (bar ≥ 1,000/s, p99 ≤ 50 ms);
 *   3. client_credentials grant (bar ≥ 2,000/s, p99 ≤ 25 ms);
 *   4. token introspection (bar ≥ 3,000/s);
 *
 * each repeated and quoted as medians, with the anchors' reference figures beside them.
 *
 *   pnpm --filter @authplatform/identity bench          (10 s × 3 runs per scenario, ≈ 4½ minutes)
 *   BENCH_QUICK=1 pnpm --filter @authplatform/identity bench   (2 s × 1 run, smoke test)
 *
 * Settings (environment): DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a
 * fresh schema, dropped at the end), AWS_ENDPOINT_URL (default: fauxqs in a worker thread),
 * BENCH_QUICK, BENCH_SECONDS, BENCH_RUNS, BENCH_CONNECTIONS (16), BENCH_LOGIN_CONNECTIONS (16),
 * BENCH_USERS (50), BENCH_SERVICE_LOG (a file for the service's log lines), BENCH_ONLY (comma
 * list of login, refresh, client_credentials, introspection), BENCH_LOG_LEVEL (the service's LOG_LEVEL, default info as in production), BENCH_CPU_PROF (a
 * folder: the service runs with --cpu-prof and writes its profile there), BENCH_JSON (a file for
 * the figures as JSON), BENCH_STRICT=1 (exit 1 when a bar is missed), BENCH_TIMEOUT_SEC (900),
 * BENCH_DEBUG=1 (every answer's status on stderr).
 *
 * Loopback only; every run is bounded in time; the whole bench stops by itself and removes its
 * schema, broker resources and processes also on failure, SIGINT or SIGTERM.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RESOURCES_ENV, randomTag, testBroker, testDatabase } from '@authplatform/test-kit';
import { type Kysely, sql } from 'kysely';
import { startBenchBroker } from './broker.bench.ts';
import { type CpuMeter, cpuMeter } from './cpu.bench.ts';
import { type BenchIssuer, startBenchIssuer } from './issuer.bench.ts';
import {
  type Bar,
  type CpuSummary,
  describeBar,
  fmtCores,
  fmtMs,
  fmtPercent,
  fmtRate,
  formatTable,
  judge,
  median,
  type RunFigures,
  type ScenarioSummary,
  summarize,
  summarizeCpu,
  type Verdict,
} from './report.bench.ts';
import { cannon, rawArgon2Verify, stopCurrentRun } from './scenarios.bench.ts';

// ---------------------------------------------------------------------------------------------
// Settings

const env = process.env;
const QUICK = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
const int = (name: string, fallback: number, min = 1): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
};
const SECONDS = int('BENCH_SECONDS', QUICK ? 2 : 10);
const RUNS = int('BENCH_RUNS', QUICK ? 1 : 3);
const WARMUP_SECONDS = QUICK ? 1 : 2;
const CONNECTIONS = int('BENCH_CONNECTIONS', 16);
const LOGIN_CONNECTIONS = int('BENCH_LOGIN_CONNECTIONS', 16);
const USERS = int('BENCH_USERS', QUICK ? 20 : 50);
const TIMEOUT_SEC = int('BENCH_TIMEOUT_SEC', 900);
const LOG_LEVEL = env.BENCH_LOG_LEVEL ?? 'info';
const DATABASE_URL = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SCENARIOS = ['login', 'refresh', 'client_credentials', 'introspection'] as const;
type Scenario = (typeof SCENARIOS)[number];
const ONLY = new Set<Scenario>(
  env.BENCH_ONLY === undefined || env.BENCH_ONLY === ''
    ? SCENARIOS
    : env.BENCH_ONLY.split(',').map((s) => {
        const name = s.trim() as Scenario;
        if (!SCENARIOS.includes(name)) throw new Error(`BENCH_ONLY: unknown scenario ${s}`);
        return name;
      }),
);

const FORM = 'application/x-www-form-urlencoded';
const USER_AGENT = 'authplatform-identity-bench/1';

const BARS = {
  login: { kind: 'relative', minRatio: 0.85, referenceLabel: 'raw argon2id' },
  refresh: { kind: 'absolute', minPerSec: 1_000, maxP99Ms: 50 },
  client_credentials: { kind: 'absolute', minPerSec: 2_000, maxP99Ms: 25 },
  introspection: { kind: 'absolute', minPerSec: 3_000 },
} satisfies Record<Scenario, Bar>;

const REFERENCES: Record<Scenario, string> = {
  login: 'Keycloak sizing: 15/s per vCPU (argon2 7 MiB, t=5)',
  refresh: 'Keycloak sizing: 120/s per vCPU',
  client_credentials: 'Keycloak sizing: 120/s per vCPU; Zitadel v4: 424/s',
  introspection: 'Ory Hydra: 21,169/s (in-memory store)',
};

// ---------------------------------------------------------------------------------------------
// Cleanup: every resource registers its release; they run in reverse order, once.

const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (error) {
        process.stderr.write(`identity bench: cleanup of ${name} failed: ${String(error)}\n`);
      }
    }
  })();
  return cleaning;
}

function abort(reason: string, code: number): void {
  process.stderr.write(`identity bench: ${reason}; cleaning up\n`);
  stopCurrentRun();
  void cleanup().finally(() => process.exit(code));
}

process.once('SIGINT', () => abort('interrupted', 130));
process.once('SIGTERM', () => abort('terminated', 143));
process.once('SIGHUP', () => abort('hung up', 129));
process.on('uncaughtException', (error) => abort(`uncaught ${String(error)}`, 1));
process.on('unhandledRejection', (error) => abort(`unhandled rejection ${String(error)}`, 1));
// A closed pipe (`… | head`) must not crash the bench before it cleans up.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
const deadline = setTimeout(() => abort(`gave up after ${TIMEOUT_SEC} s`, 1), TIMEOUT_SEC * 1000);

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// The service in a child process

interface ServiceProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startServiceProcess(
  serviceEnv: Record<string, string>,
  schema: string,
): Promise<ServiceProcess> {
  const execArgv = ['--conditions=development'];
  const profileDir = env.BENCH_CPU_PROF;
  if (profileDir !== undefined && profileDir !== '') {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`);
  }
  // The service's log lines (one access-log line per request at LOG_LEVEL=info) are written and
  // discarded, as a production service writes them to a collector; BENCH_SERVICE_LOG keeps them.
  const logFile = env.BENCH_SERVICE_LOG;
  const stdout = logFile === undefined || logFile === '' ? 'ignore' : openSync(logFile, 'w');
  const child = fork(new URL('./server.bench.ts', import.meta.url), [], {
    execArgv,
    env: { ...env, BENCH_SERVICE_ENV: JSON.stringify(serviceEnv), BENCH_SCHEMA: schema },
    stdio: ['ignore', stdout, 'pipe', 'ipc'],
  });
  if (typeof stdout === 'number') closeSync(stdout);
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stderrTail = (stderrTail + text).slice(-4000);
    process.stderr.write(text.replace(/^(?=.)/gm, '[identity] '));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url?: string }) => {
      if (typeof message.url === 'string') resolve(message.url);
      else reject(new Error('identity bench server: unexpected first message'));
    });
    void exited.then((code) =>
      reject(new Error(`identity service exited (${code}) before it was ready:\n${stderrTail}`)),
    );
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send('stop');
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding through the HTTP API (and the outbox for the verification links, as the tests read them)

interface BenchUser {
  email: string;
  password: string;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
    body: JSON.stringify(body),
  });
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function seedUsers(url: string, db: Kysely<unknown>, count: number): Promise<BenchUser[]> {
  const tag = randomTag(6);
  const users = Array.from({ length: count }, (_, i) => ({
    email: `bench.user${i}.${tag}@example.test`,
    password: `Bench passphrase ${i} ${randomBytes(6).toString('base64url')}`,
  }));
  await inBatches(users, 4, async (user) => {
    const res = await post(`${url}/v1/signup`, { email: user.email, password: user.password });
    if (res.status !== 202) throw new Error(`signup: ${res.status} ${await res.text()}`);
  });
  const rows = await sql<{
    payload: { data: { recipient: { email: string }; template_data: { link: string } } };
  }>`
    select payload from outbox where type = 'send_email_verification'`.execute(db);
  const tokens = new Map<string, string>();
  for (const row of rows.rows) {
    const token = new URL(row.payload.data.template_data.link).searchParams.get('token');
    if (token !== null) tokens.set(row.payload.data.recipient.email, token);
  }
  await inBatches(users, 8, async (user) => {
    const token = tokens.get(user.email);
    if (token === undefined) throw new Error(`no verification link for ${user.email}`);
    const res = await post(`${url}/v1/email-verification/confirm`, { token });
    if (res.status !== 200) throw new Error(`email verification: ${res.status} ${await res.text()}`);
  });
  return users;
}

async function storedHashes(db: Kysely<unknown>, users: readonly BenchUser[]): Promise<string[]> {
  const rows = await sql<{ email: string; password_hash: string }>`
    select email, password_hash from users where password_hash is not null`.execute(db);
  const byEmail = new Map(rows.rows.map((r) => [r.email, r.password_hash]));
  return users.map((u) => {
    const hash = byEmail.get(u.email);
    if (hash === undefined) throw new Error(`no stored hash for ${u.email}`);
    return hash;
  });
}

async function createClient(url: string, issuer: BenchIssuer): Promise<{ id: string; secret: string }> {
  const token = issuer.sign({ sub: 'bench-admin', permissions: ['clients:write'] });
  const res = await post(
    `${url}/v1/admin/clients`,
    { name: 'Benchmark service', grant_types: ['client_credentials'] },
    { authorization: `Bearer ${token}` },
  );
  if (res.status !== 201) throw new Error(`create client: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { client_id: string; client_secret: string };
  return { id: body.client_id, secret: body.client_secret };
}

/** RFC 6749 §2.3.1: id and secret form-urlencoded, then base64. */
function basic(id: string, secret: string): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface ScenarioResult {
  summary: ScenarioSummary;
  runs: RunFigures[];
  verdict: Verdict;
  /** Login only: the raw argon2id reference and the median of the per-run ratios. */
  reference?: { summary: ScenarioSummary; runs: RunFigures[]; ratio: number; ratios: number[] };
  failureSamples: string[];
}

function failureRecorder(samples: string[]) {
  return (status: number, body: string) => {
    if (samples.length < 3) samples.push(`${status} ${body.slice(0, 200)}`);
  };
}

let meter: CpuMeter | undefined;
let serviceUrl: string | undefined;

/**
 * Waits (at most 15 s) until the service answers its readiness probe, which takes a database
 * connection, within 200 ms: requests abandoned by the previous run (autocannon closes its sockets
 * when the time is up, the service still finishes them) must not weigh on the next one.
 */
async function settle(): Promise<void> {
  if (serviceUrl === undefined) return;
  const until = performance.now() + 15_000;
  while (performance.now() < until) {
    const started = performance.now();
    const res = await fetch(`${serviceUrl}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch(
      () => undefined,
    );
    await res?.arrayBuffer();
    if (res?.status === 200 && performance.now() - started < 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  log('  (the service did not settle within 15 s; running anyway)');
}

/** A run from a settled service, with the CPU of each part measured around it. */
async function metered(run: () => Promise<RunFigures>): Promise<RunFigures> {
  await settle();
  await meter?.start();
  const figures = await run();
  const cpu = await meter?.stop();
  return cpu === undefined ? figures : { ...figures, cpu };
}

function progress(name: string, run: number, figures: RunFigures): void {
  const { cpu } = figures;
  const cores =
    cpu === undefined
      ? ''
      : `; cores: service ${fmtCores(cpu.serviceMs / cpu.wallMs)}, postgres ${fmtCores(cpu.postgresMs / cpu.wallMs)}, ` +
        `load gen. ${fmtCores(cpu.loadGeneratorMs / cpu.wallMs)}, machine ${fmtCores(cpu.machineMs / cpu.wallMs)}`;
  log(
    `  ${name} run ${run}: ${fmtRate(figures.okPerSec)}/s ok, p50 ${fmtMs(figures.p50Ms)}, p99 ${fmtMs(figures.p99Ms)}, ` +
      `non-2xx ${figures.non2xx}, mismatches ${figures.mismatches}, errors ${figures.errors}${cores}`,
  );
}

/** Refresh tokens never presented yet, oldest first (each from a distinct session at first). */
const refreshPool: string[] = [];
let refreshPoolExhausted = 0;

function keepRefreshToken(body: string): void {
  const token = (JSON.parse(body) as { refresh_token?: unknown }).refresh_token;
  if (typeof token === 'string') refreshPool.push(token);
}

async function login(
  url: string,
  users: readonly BenchUser[],
  hashes: readonly string[],
): Promise<ScenarioResult> {
  let next = 0;
  const samples: string[] = [];
  const options = {
    url,
    path: '/v1/login',
    connections: LOGIN_CONNECTIONS,
    headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
    body: () => {
      const user = users[next++ % users.length] as BenchUser;
      return JSON.stringify({ email: user.email, password: user.password });
    },
    expect: (body: string) => body.includes('"access_token"'),
    onOk: keepRefreshToken,
    onFailure: failureRecorder(samples),
  };
  log(`login: warm-up ${WARMUP_SECONDS} s`);
  await cannon({ ...options, seconds: WARMUP_SECONDS, onFailure: () => undefined });
  const runs: RunFigures[] = [];
  const raws: RunFigures[] = [];
  const ratios: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    // The reference first, with the service idle: the same hashes, passwords and concurrency.
    const raw = await metered(() =>
      rawArgon2Verify({
        hashes,
        password: (i) => (users[i] as BenchUser).password,
        concurrency: LOGIN_CONNECTIONS,
        seconds: SECONDS,
      }),
    );
    progress('raw argon2id verify', run, raw);
    const figures = await metered(() => cannon({ ...options, seconds: SECONDS }));
    progress('login', run, figures);
    raws.push(raw);
    runs.push(figures);
    ratios.push(figures.okPerSec / raw.okPerSec);
  }
  const summary = summarize(runs);
  const ratio = median(ratios);
  return {
    summary,
    runs,
    verdict: judge(summary, BARS.login, ratio),
    reference: { summary: summarize(raws), runs: raws, ratio, ratios },
    failureSamples: samples,
  };
}

/** Logins outside the timed phase until the pool of unused refresh tokens holds `size`. */
async function fillRefreshPool(url: string, users: readonly BenchUser[], size: number): Promise<void> {
  let i = 0;
  while (refreshPool.length < size) {
    const batch = Math.min(8, size - refreshPool.length);
    await Promise.all(
      Array.from({ length: batch }, async () => {
        const user = users[i++ % users.length] as BenchUser;
        const res = await post(`${url}/v1/login`, { email: user.email, password: user.password });
        if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
        keepRefreshToken(await res.text());
      }),
    );
  }
}

async function timedRuns(
  name: Scenario,
  options: Omit<Parameters<typeof cannon>[0], 'seconds'>,
  samples: string[],
): Promise<ScenarioResult> {
  log(`${name}: warm-up ${WARMUP_SECONDS} s`);
  await cannon({ ...options, seconds: WARMUP_SECONDS, onFailure: () => undefined });
  const runs: RunFigures[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const figures = await metered(() => cannon({ ...options, seconds: SECONDS }));
    progress(name, run, figures);
    runs.push(figures);
  }
  const summary = summarize(runs);
  return { summary, runs, verdict: judge(summary, BARS[name]), failureSamples: samples };
}

async function refresh(url: string): Promise<ScenarioResult> {
  const samples: string[] = [];
  return timedRuns(
    'refresh',
    {
      url,
      path: '/oauth2/token',
      connections: CONNECTIONS,
      headers: { 'content-type': FORM, 'user-agent': USER_AGENT },
      // Each request presents the oldest unused token; its successor joins the end of the pool.
      body: () => {
        const token = refreshPool.shift();
        if (token === undefined) refreshPoolExhausted += 1;
        return `grant_type=refresh_token&client_id=platform&refresh_token=${encodeURIComponent(token ?? 'pool-exhausted')}`;
      },
      expect: (body) => body.includes('"refresh_token"'),
      onOk: keepRefreshToken,
      onFailure: failureRecorder(samples),
    },
    samples,
  );
}

const accessTokens: string[] = [];
const ACCESS_TOKENS_KEPT = 1_000;

async function clientCredentials(url: string, authorization: string): Promise<ScenarioResult> {
  const samples: string[] = [];
  return timedRuns(
    'client_credentials',
    {
      url,
      path: '/oauth2/token',
      connections: CONNECTIONS,
      headers: { 'content-type': FORM, 'user-agent': USER_AGENT, authorization },
      body: () => 'grant_type=client_credentials',
      expect: (body) => body.includes('"access_token"'),
      onOk: (body) => {
        if (accessTokens.length < ACCESS_TOKENS_KEPT) {
          accessTokens.push((JSON.parse(body) as { access_token: string }).access_token);
        }
      },
      onFailure: failureRecorder(samples),
    },
    samples,
  );
}

async function ensureAccessTokens(url: string, authorization: string, count: number): Promise<void> {
  while (accessTokens.length < count) {
    const res = await fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': FORM, authorization },
      body: 'grant_type=client_credentials',
    });
    if (res.status !== 200) throw new Error(`client_credentials: ${res.status} ${await res.text()}`);
    accessTokens.push(((await res.json()) as { access_token: string }).access_token);
  }
}

async function introspection(url: string, authorization: string): Promise<ScenarioResult> {
  const samples: string[] = [];
  let next = 0;
  return timedRuns(
    'introspection',
    {
      url,
      path: '/oauth2/introspect',
      connections: CONNECTIONS,
      headers: { 'content-type': FORM, 'user-agent': USER_AGENT, authorization },
      // 1,000 distinct live access tokens in turn. The service remembers verified tokens (bounded, by
      // their text) and client tokens' revocation status for TOKEN_STATUS_CACHE_TTL_SEC, as for a
      // gateway presenting the same tokens repeatedly: see docs/benchmarks.md.
      body: () =>
        `token=${encodeURIComponent(accessTokens[next++ % accessTokens.length] as string)}&token_type_hint=access_token`,
      expect: (body) => body.includes('"active":true'),
      onFailure: failureRecorder(samples),
    },
    samples,
  );
}

// ---------------------------------------------------------------------------------------------
// Report

function verdictText(result: ScenarioResult): string {
  const ratio = result.reference === undefined ? '' : ` (${fmtPercent(result.reference.ratio)} of raw)`;
  return `${result.verdict.pass ? 'PASS' : 'FAIL'}${ratio}`;
}

const LABELS: Record<Scenario, string> = {
  login: 'password login (argon2id 19 MiB, t=2)',
  refresh: 'refresh-token grant (rotation)',
  client_credentials: 'client_credentials grant',
  introspection: 'token introspection',
};

const RESULT_HEADERS = ['scenario', 'req/s (median)', 'p50', 'p99', 'non-2xx', 'bar', 'reference', 'result'];

function resultRows(results: Partial<Record<Scenario, ScenarioResult>>): string[][] {
  const out: string[][] = [];
  for (const name of SCENARIOS) {
    const result = results[name];
    if (result === undefined) continue;
    const { summary } = result;
    out.push([
      LABELS[name],
      fmtRate(summary.okPerSec),
      fmtMs(summary.p50Ms),
      fmtMs(summary.p99Ms),
      String(summary.non2xx),
      describeBar(BARS[name]),
      REFERENCES[name],
      verdictText(result),
    ]);
    if (result.reference !== undefined) {
      const raw = result.reference.summary;
      out.push([
        '  raw argon2id verify (same run)',
        fmtRate(raw.okPerSec),
        fmtMs(raw.p50Ms),
        fmtMs(raw.p99Ms),
        '—',
        '—',
        `${LOGIN_CONNECTIONS} in flight, libuv pool ${env.UV_THREADPOOL_SIZE ?? 4}`,
        '—',
      ]);
    }
  }
  return out;
}

const CPU_HEADERS = [
  'scenario',
  'service ms/req',
  'postgres ms/req',
  'load gen. ms/req',
  'service cores',
  'postgres cores',
  'load gen. cores',
  'other work cores',
  'machine cores',
  'ceiling (all cores)',
];

function cpuRow(label: string, cpu: CpuSummary): string[] {
  const ms = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(3));
  return [
    label,
    ms(cpu.serviceMsPerOk),
    ms(cpu.postgresMsPerOk),
    ms(cpu.loadGeneratorMsPerOk),
    fmtCores(cpu.serviceCores),
    fmtCores(cpu.postgresCores),
    fmtCores(cpu.loadGeneratorCores),
    fmtCores(cpu.otherCores),
    fmtCores(cpu.machineCores),
    fmtRate(ceiling(cpu)),
  ];
}

/**
 * The rate the machine could reach if this scenario had every core to itself at the measured CPU
 * cost per request (service + its Postgres backends + load generator): what bounds a figure once
 * the other work on a shared host is taken away.
 */
function ceiling(cpu: CpuSummary): number {
  const parts = [cpu.serviceMsPerOk, cpu.postgresMsPerOk, cpu.loadGeneratorMsPerOk].filter(
    (v) => !Number.isNaN(v),
  );
  const total = parts.reduce((s, v) => s + v, 0);
  return total > 0 ? (os.cpus().length * 1000) / total : Number.NaN;
}

function cpuRows(results: Partial<Record<Scenario, ScenarioResult>>): string[][] {
  const out: string[][] = [];
  for (const name of SCENARIOS) {
    const result = results[name];
    if (result === undefined) continue;
    out.push(cpuRow(LABELS[name], summarizeCpu(result.runs)));
    if (result.reference !== undefined) {
      out.push(cpuRow('  raw argon2id verify (in the load generator)', summarizeCpu(result.reference.runs)));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<boolean> {
  const cpu = os.cpus();
  const machine = `${cpu.length} vCPU ${cpu[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  log(
    `identity bench: ${machine}; ${RUNS} run(s) × ${SECONDS} s per scenario, ${CONNECTIONS} connections ` +
      `(login ${LOGIN_CONNECTIONS}), LOG_LEVEL=${LOG_LEVEL}; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );

  const broker = await startBenchBroker();
  cleanups.push({ name: 'broker', run: () => broker.stop() });
  const region = env.AWS_REGION ?? 'us-east-1';
  // test-kit's resources, as jest's globalSetup hands them to the suites.
  process.env[RESOURCES_ENV] = JSON.stringify({
    database: { kind: 'postgres', source: 'DATABASE_URL', url: DATABASE_URL },
    broker: { source: broker.source, endpoint: broker.endpoint, region },
    email: { source: 'unused', endpoint: 'http://127.0.0.1:9', region },
  });
  const database = await testDatabase();
  cleanups.push({ name: `schema ${database.schema}`, run: () => database.drop() });
  const names = testBroker();
  cleanups.push({ name: 'broker resources', run: () => names.cleanup() });
  const issuer = await startBenchIssuer('authplatform-bench');
  cleanups.push({ name: 'token issuer', run: () => issuer.close() });

  const serviceEnv: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL,
    DATABASE_URL,
    AWS_ENDPOINT_URL: broker.endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: names.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: names.credentials.secretAccessKey,
    ENV_PREFIX: names.prefix.replace(/-+$/, ''),
    // Admin calls of the seeding carry tokens of a local test issuer.
    JWKS_URL: issuer.jwksUrl,
    TOKEN_ISSUER: issuer.issuer,
    TOKEN_AUDIENCE: issuer.audience,
    CLIENT_SECRET_PEPPER: randomBytes(32).toString('base64'),
    SIGNING_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ACCOUNT_LINK_BASE_URL: 'https://app.example.test',
  };
  const server = await startServiceProcess(serviceEnv, database.schema);
  cleanups.push({ name: 'identity service', run: () => server.stop() });
  const url = server.url;
  serviceUrl = url;
  log(`identity service at ${url} (schema ${database.schema}, broker ${broker.source})`);

  const connection = await database.connect<unknown>();
  cleanups.push({ name: 'seeding connection', run: () => connection.close() });
  const started = performance.now();
  const users = await seedUsers(url, connection.db, USERS);
  const hashes = await storedHashes(connection.db, users);
  const client = await createClient(url, issuer);
  const authorization = basic(client.id, client.secret);
  if (server.child.pid !== undefined) {
    const pgPort = Number(new URL(DATABASE_URL).port || 5432);
    meter = cpuMeter({ servicePid: server.child.pid, db: connection.db, pgPort });
  }
  log(
    `seeded ${users.length} verified users and a client in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const results: Partial<Record<Scenario, ScenarioResult>> = {};
  if (ONLY.has('login')) results.login = await login(url, users, hashes);
  if (ONLY.has('refresh')) {
    // Tokens lost per run: at most one in flight per connection when the run stops.
    const size = Math.max(200, CONNECTIONS * (RUNS + 3));
    await fillRefreshPool(url, users, size);
    log(`refresh: ${refreshPool.length} unused refresh tokens in the pool`);
    results.refresh = await refresh(url);
  }
  if (ONLY.has('client_credentials'))
    results.client_credentials = await clientCredentials(url, authorization);
  if (ONLY.has('introspection')) {
    await ensureAccessTokens(url, authorization, 200);
    results.introspection = await introspection(url, authorization);
  }

  const date = new Date().toISOString();
  console.log(`\nIdentity benchmark, ${date}, ${machine}`);
  console.log(
    `Medians of ${RUNS} run(s) × ${SECONDS} s; ${CONNECTIONS} connections (login ${LOGIN_CONNECTIONS}); ` +
      `req/s counts 2xx answers with the expected body only.\n`,
  );
  console.log(formatTable(RESULT_HEADERS, resultRows(results)));
  console.log(
    `\nCPU during the timed runs (medians): per successful request, and cores in use (${os.cpus().length} = the whole machine).\n` +
      `"load gen." is this process: autocannon and the fauxqs broker thread (and argon2 in the raw reference);\n` +
      `"ceiling" = cores × 1000 / (service + postgres + load gen. ms per request): the rate with no other work on the host.\n`,
  );
  console.log(formatTable(CPU_HEADERS, cpuRows(results)));
  let pass = true;
  for (const name of SCENARIOS) {
    const result = results[name];
    if (result === undefined) continue;
    if (!result.verdict.pass) {
      pass = false;
      console.log(`\n${LABELS[name]}: ${result.verdict.reasons.join('; ')}`);
      for (const sample of result.failureSamples) console.log(`  e.g. ${sample}`);
    }
  }
  if (refreshPoolExhausted > 0) {
    console.log(`\nrefresh: the token pool ran dry ${refreshPoolExhausted} times (those requests failed)`);
  }
  if (results.login?.reference !== undefined) {
    const byCost =
      ceiling(summarizeCpu(results.login.runs)) / ceiling(summarizeCpu(results.login.reference.runs));
    console.log(
      `\nlogin/raw per run: ${results.login.reference.ratios.map((r) => fmtPercent(r)).join(', ')}; ` +
        `by CPU cost per request (less sensitive to other work on the host): ${fmtPercent(byCost)}`,
    );
  }
  const out = env.BENCH_JSON;
  if (out !== undefined && out !== '') {
    await writeFile(
      out,
      `${JSON.stringify({ date, machine, seconds: SECONDS, runs: RUNS, connections: CONNECTIONS, loginConnections: LOGIN_CONNECTIONS, logLevel: LOG_LEVEL, results }, null, 2)}\n`,
    );
  }
  return pass;
}

let code = 0;
try {
  const pass = await main();
  if (!pass && (env.BENCH_STRICT === '1' || env.BENCH_STRICT === 'true')) code = 1;
} catch (error) {
  process.stderr.write(
    `identity bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  code = 1;
} finally {
  await cleanup();
  clearTimeout(deadline);
}
process.exit(code);

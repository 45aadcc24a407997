import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { topology } from '@authplatform/contracts';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_SERVICES } from './platform.ts';
import { describePlatform, type RunningPlatform, startPlatform } from './runtime.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');
// Ports away from the defaults so a developer's running platform does not collide with the test.
const OFFSET = 20_000;
const services = PLATFORM_SERVICES.map((s) => ({ ...s, port: s.port + OFFSET }));
// The runtime is tested in its newcomer mode: embedded PGlite in a temporary folder, no DATABASE_URL
// (which would also leave the five service schemas behind on a shared server).
const { DATABASE_URL: _ignored, ...baseEnv } = process.env;
const built = services.every((s) => existsSync(join(root, 'services', s.name, 'dist', 'main.js')));

describe('embedded runtime', () => {
  let platform: RunningPlatform;
  let dataDir: string;

  beforeAll(async () => {
    if (!built) throw new Error('build the services first (pnpm run build): the runtime starts their dist');
    dataDir = mkdtempSync(join(tmpdir(), 'runtime-test-'));
    const env = { ...baseEnv, LOG_LEVEL: 'warn' };
    platform = await startPlatform({
      root,
      dataDir,
      services,
      brokerPort: 4566 + OFFSET,
      sesPort: 8005 + OFFSET,
      env,
      readyTimeoutMs: 120_000,
      log: () => {},
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(services.map((s) => [s.name, s.port] as const))(
    '%s answers healthz, readyz, openapi.json, docs and metrics',
    async (name, port) => {
      const base = `http://127.0.0.1:${port}`;
      for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs', '/metrics']) {
        const res = await fetch(base + path);
        expect([path, res.status]).toEqual([path, 200]);
      }
      const document = (await (await fetch(`${base}/openapi.json`)).json()) as { info: { title: string } };
      expect(document.info.title).toBe(name);
    },
  );

  it('runs the SNS/SQS emulator and the SES emulator with its inbox', async () => {
    const broker = await fetch(`http://127.0.0.1:${4566 + OFFSET}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListQueues&Version=2012-11-05',
    });
    expect(broker.status).toBeLessThan(500);
    const store = await fetch(`http://127.0.0.1:${8005 + OFFSET}/store`);
    expect(store.status).toBe(200);
    expect(await store.json()).toHaveProperty('emails');
  });

  it('creates the event topology on the broker before the services start', async () => {
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${4566 + OFFSET}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'dev-' }));
      const names = QueueUrls.map((url) => url.slice(url.lastIndexOf('/') + 1));
      const expected = topology.queues.flatMap((q) => [q.id, q.deadLetter.id]).map((id) => `dev-${id}`);
      expect(names.sort()).toEqual(expect.arrayContaining(expected));
    } finally {
      sqs.destroy();
    }
  });

  it('prints where each API reference and the inbox are', () => {
    const text = describePlatform(platform);
    for (const s of services) expect(text).toContain(`http://127.0.0.1:${s.port}/docs`);
    expect(text).toContain(`email inbox              http://127.0.0.1:${8005 + OFFSET}/`);
  });
});

describe('embedded runtime process', () => {
  it('stops every service and exits 0 on SIGINT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'runtime-proc-'));
    const main = join(root, 'packages', 'dev-runtime', 'src', 'main.ts');
    const child = spawn(process.execPath, ['--conditions=development', main], {
      env: {
        ...baseEnv,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        PLATFORM_PORT_OFFSET: String(OFFSET + 100),
        // Five PGlite databases starting at once on two busy cores can take more than the default minute.
        PLATFORM_READY_TIMEOUT_MS: '140000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await new Promise<void>((resolveReady, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready in time:\n${output}`)), 150_000);
        child.stdout.on('data', () => {
          if (output.includes('Ctrl-C stops everything')) {
            clearTimeout(timer);
            resolveReady();
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited early with ${code}:\n${output}`));
        });
      });
      const started = Date.now();
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(12_000);
      // Nothing listens any more.
      await expect(fetch(`http://127.0.0.1:${3001 + OFFSET + 100}/healthz`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('stops what it started when Ctrl-C comes while the services boot', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'runtime-early-'));
    const main = join(root, 'packages', 'dev-runtime', 'src', 'main.ts');
    const port = 3001 + OFFSET + 200;
    const child = spawn(process.execPath, ['--conditions=development', main], {
      env: { ...baseEnv, DATA_DIR: dataDir, LOG_LEVEL: 'warn', PLATFORM_PORT_OFFSET: String(OFFSET + 200) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await new Promise<void>((resolveTopology, reject) => {
        const timer = setTimeout(() => reject(new Error(`no topology line:\n${output}`)), 60_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('topology')) {
            clearTimeout(timer);
            resolveTopology();
          }
        });
      });
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output).not.toContain('Ctrl-C stops everything');
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

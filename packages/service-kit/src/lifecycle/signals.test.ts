import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const lifecycleModule = new URL('./index.ts', import.meta.url).href;

// A tiny service: an HTTP server and a fake pool, closed by createLifecycle on SIGTERM. Node runs
// the .ts sources it imports by stripping their types.
const childSource = `
import http from 'node:http';
import { closeHttpServer, createLifecycle } from ${JSON.stringify(lifecycleModule)};

const log = (level) => (msg, meta) => console.log(JSON.stringify({ level, msg, ...meta }));
const lifecycle = createLifecycle({ logger: { info: log('info'), warn: log('warn'), error: log('error') } });
lifecycle.onShutdown('pool', () => new Promise((r) => setTimeout(r, 100)).then(() => console.log('"pool closed"')));
const server = http.createServer((req, res) => res.end('ok'));
lifecycle.onShutdown('http', () => closeHttpServer(server).then(() => console.log('"http closed"')));
lifecycle.installSignalHandlers();
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ ready: server.address().port })));
`;

describe('signal handling in a real process', () => {
  let dir: string;
  let script: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lifecycle-'));
    script = path.join(dir, 'service.mjs');
    await writeFile(script, childSource);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 within 10 s of SIGTERM after closing the server and then the pool', async () => {
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const ready = new Promise<number>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          const port = (JSON.parse(line) as { ready?: number }).ready;
          if (port) resolve(port);
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );

    const port = await ready;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');

    const began = performance.now();
    child.kill('SIGTERM');
    const result = await exited;
    expect({ ...result, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(performance.now() - began).toBeLessThan(10_000);
    const events = lines.map((l) => JSON.parse(l) as unknown);
    expect(events).toEqual(
      expect.arrayContaining([expect.objectContaining({ msg: 'shutting down', reason: 'SIGTERM' })]),
    );
    expect(events.filter((e) => typeof e === 'string')).toEqual(['http closed', 'pool closed']);
    expect(events.at(-1)).toEqual({ level: 'info', msg: 'shutdown complete' });
  });
});

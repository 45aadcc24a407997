import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../logging/index.ts';
import { createLifecycle } from './lifecycle.ts';
import type { LoggerLike } from './logger.ts';

interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  meta: Record<string, unknown> | undefined;
}

function recorder(): LoggerLike & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, meta?: Record<string, unknown>) => {
    lines.push({ level, message, meta });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('createLifecycle', () => {
  it('runs closers once each, last registered first, each awaited, then exits 0', async () => {
    const logger = recorder();
    const exits: number[] = [];
    const order: string[] = [];
    const lifecycle = createLifecycle({ logger, exit: (c) => exits.push(c) });
    lifecycle.onShutdown('pool', async () => {
      await sleep(20);
      order.push('pool');
    });
    lifecycle.onShutdown('consumers', async () => {
      await sleep(30);
      order.push('consumers');
    });
    lifecycle.onShutdown('http', () => {
      order.push('http');
    });

    expect(lifecycle.shuttingDown).toBe(false);
    await lifecycle.shutdown('test');
    expect(lifecycle.shuttingDown).toBe(true);
    expect(order).toEqual(['http', 'consumers', 'pool']);
    expect(exits).toEqual([0]);
    expect(logger.lines[0]).toMatchObject({ message: 'shutting down', meta: { reason: 'test', steps: 3 } });
    expect(logger.lines.filter((l) => l.message === 'shutdown step done').map((l) => l.meta?.step)).toEqual([
      'http',
      'consumers',
      'pool',
    ]);
  });

  it('is idempotent: a second shutdown joins the first and runs nothing again', async () => {
    const logger = recorder();
    const exits: number[] = [];
    let runs = 0;
    const lifecycle = createLifecycle({ logger, exit: (c) => exits.push(c) });
    lifecycle.onShutdown('slow', async () => {
      runs++;
      await sleep(50);
    });
    const first = lifecycle.shutdown('SIGTERM');
    const second = lifecycle.shutdown('SIGINT');
    await Promise.all([first, second]);
    await lifecycle.shutdown('again');
    expect(runs).toBe(1);
    expect(exits).toEqual([0]);
    expect(logger.lines.filter((l) => l.message === 'shutdown already in progress')).toHaveLength(2);
  });

  it('logs a failing closer, keeps going, and exits 1', async () => {
    const logger = recorder();
    const exits: number[] = [];
    const order: string[] = [];
    const lifecycle = createLifecycle({ logger, exit: (c) => exits.push(c) });
    lifecycle.onShutdown('pool', () => {
      order.push('pool');
    });
    lifecycle.onShutdown('consumers', () => {
      throw new Error('queue gone');
    });
    await expect(lifecycle.shutdown('test')).resolves.toBeUndefined();
    expect(order).toEqual(['pool']);
    expect(exits).toEqual([1]);
    expect(logger.lines).toContainEqual({
      level: 'error',
      message: 'shutdown step failed',
      meta: { step: 'consumers', err: new Error('queue gone') },
    });
  });

  it('gives up at the deadline with exit code 1 and names the steps left', async () => {
    const logger = recorder();
    const exits: number[] = [];
    const lifecycle = createLifecycle({ logger, timeoutMs: 100, exit: (c) => exits.push(c) });
    let poolClosed = false;
    lifecycle.onShutdown('pool', () => {
      poolClosed = true;
    });
    let release: () => void = () => undefined;
    lifecycle.onShutdown('stuck consumer', () => new Promise<void>((r) => (release = r)));
    const began = performance.now();
    await lifecycle.shutdown('SIGTERM');
    const took = performance.now() - began;
    expect(exits).toEqual([1]);
    expect(took).toBeGreaterThanOrEqual(95);
    expect(took).toBeLessThan(1000);
    expect(poolClosed).toBe(false);
    expect(logger.lines).toContainEqual({
      level: 'error',
      message: 'shutdown timed out, exiting',
      meta: { timeout_ms: 100, pending: ['pool'] },
    });
    release();
  });

  it('runs a closer registered during shutdown next', async () => {
    const exits: number[] = [];
    const order: string[] = [];
    const lifecycle = createLifecycle({ logger: recorder(), exit: (c) => exits.push(c) });
    lifecycle.onShutdown('pool', () => {
      order.push('pool');
    });
    lifecycle.onShutdown('http', () => {
      order.push('http');
      lifecycle.onShutdown('late consumer', () => {
        order.push('late consumer');
      });
    });
    await lifecycle.shutdown('test');
    expect(order).toEqual(['http', 'late consumer', 'pool']);
    expect(exits).toEqual([0]);
  });

  it('installSignalHandlers reacts to SIGTERM once and can be removed', async () => {
    const exits: number[] = [];
    let runs = 0;
    const lifecycle = createLifecycle({ logger: recorder(), exit: (c) => exits.push(c) });
    lifecycle.onShutdown('closer', () => {
      runs++;
    });
    const before = process.listenerCount('SIGTERM');
    const uninstall = lifecycle.installSignalHandlers();
    try {
      expect(process.listenerCount('SIGTERM')).toBe(before + 1);
      expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);
      process.emit('SIGTERM', 'SIGTERM');
      process.emit('SIGINT', 'SIGINT');
      await lifecycle.shutdown('join');
    } finally {
      uninstall();
    }
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(runs).toBe(1);
    expect(exits).toEqual([0]);
  });

  it("works with the service's winston logger", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const exits: number[] = [];
    const lifecycle = createLifecycle({
      logger: createLogger({ service: 'identity', stream }),
      exit: (c) => exits.push(c),
    });
    lifecycle.onShutdown('consumers', () => {
      throw new Error('queue gone');
    });
    await lifecycle.shutdown('SIGTERM');
    expect(exits).toEqual([1]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'shutting down', reason: 'SIGTERM' }));
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'shutdown step failed', step: 'consumers' }),
    );
  });
});

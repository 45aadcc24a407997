import type { LoggerLike } from './logger.ts';

/** Releases one resource; may be async. Errors are logged, never propagated. */
export type Closer = () => void | Promise<void>;

export interface LifecycleOptions {
  logger: LoggerLike;
  /** Upper bound for the whole shutdown; past it the process exits with code 1. Default 10 s. */
  timeoutMs?: number;
  /** Process exit, injectable for tests. Default `process.exit`. */
  exit?: (code: number) => void;
}

export interface Lifecycle {
  /**
   * Registers a closer. Closers run one at a time in reverse registration order: register the pool
   * first and the HTTP server last, so the server stops taking requests before the pool goes away.
   * A closer registered while shutting down runs next.
   */
  onShutdown(name: string, fn: Closer): void;
  /** Runs the closers once, then exits 0 (all clean) or 1 (a closer failed or the deadline passed). */
  shutdown(reason: string): Promise<void>;
  /**
   * Runs the registered closers without exiting (a start that failed half-way releases what it
   * had opened, then lets its caller report the error). Resolves whether or not a closer failed.
   */
  abort(reason: string): Promise<void>;
  /** Calls `shutdown` on SIGTERM and SIGINT; returns a function removing the handlers. */
  installSignalHandlers(signals?: readonly NodeJS.Signals[]): () => void;
  /** True from the moment shutdown starts (readiness probes can report it). */
  readonly shuttingDown: boolean;
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { logger } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const closers: Array<{ name: string; fn: Closer }> = [];
  let running: Promise<void> | undefined;

  async function runClosers(): Promise<boolean> {
    let clean = true;
    for (let step = closers.pop(); step !== undefined; step = closers.pop()) {
      const started = performance.now();
      try {
        await step.fn();
        logger.info('shutdown step done', { step: step.name, ms: Math.round(performance.now() - started) });
      } catch (err) {
        clean = false;
        logger.error('shutdown step failed', { step: step.name, err });
      }
    }
    return clean;
  }

  async function run(reason: string): Promise<void> {
    logger.info('shutting down', { reason, steps: closers.length, timeout_ms: timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    // Kept referenced on purpose: if a closer hangs on nothing, the deadline still ends the process.
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([runClosers(), deadline]);
    clearTimeout(timer);
    let code: number;
    if (outcome === 'timeout') {
      logger.error('shutdown timed out, exiting', {
        timeout_ms: timeoutMs,
        pending: closers.map((c) => c.name),
      });
      code = 1;
    } else if (outcome) {
      logger.info('shutdown complete');
      code = 0;
    } else {
      logger.warn('shutdown complete with errors');
      code = 1;
    }
    // One turn of the event loop lets stream-based loggers (winston) write their last lines.
    await new Promise<void>((resolve) => setImmediate(resolve));
    exit(code);
  }

  const lifecycle: Lifecycle = {
    onShutdown(name, fn) {
      closers.push({ name, fn });
    },
    shutdown(reason) {
      if (running) {
        logger.info('shutdown already in progress', { reason });
        return running;
      }
      running = run(reason);
      return running;
    },
    async abort(reason) {
      if (running) return running;
      logger.warn('releasing what a failed start opened', { reason });
      running = runClosers().then(() => undefined);
      return running;
    },
    installSignalHandlers(signals = ['SIGTERM', 'SIGINT']) {
      const handler = (signal: NodeJS.Signals) => {
        void lifecycle.shutdown(signal);
      };
      for (const signal of signals) process.on(signal, handler);
      return () => {
        for (const signal of signals) process.off(signal, handler);
      };
    },
    get shuttingDown() {
      return running !== undefined;
    },
  };
  return lifecycle;
}

/**
 * `LISTEN` for change-log notifications on a dedicated Postgres connection (not a pool connection),
 * reconnecting with capped exponential backoff. After every (re)connection `onConnect` runs, because
 * notifications sent while disconnected are lost and the caller must catch up from the log.
 */
import pg from 'pg';

export interface ChangeListenerOptions {
  connectionString: string;
  channel: string;
  /** A notification arrived; `payload` is the newest revision its writer committed. */
  onNotify: (revision: number | undefined) => void;
  onConnect: () => void;
  logger: { info(msg: string, meta?: object): void; warn(msg: string, meta?: object): void } | undefined;
  maxBackoffMs?: number;
}

export interface ChangeListener {
  readonly connected: boolean;
  /** Resolves after the first connection attempt (a failure is logged and retried). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createChangeListener(options: ChangeListenerOptions): ChangeListener {
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let client: pg.Client | undefined;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const quoted = `"${options.channel.replaceAll('"', '""')}"`;

  async function connect(): Promise<void> {
    const candidate = new pg.Client({
      connectionString: options.connectionString,
      application_name: 'authz-index-sync',
      keepAlive: true,
    });
    let failed = false;
    const fail = (error?: unknown) => {
      if (failed) return;
      failed = true;
      if (client === candidate) client = undefined;
      candidate.removeAllListeners('notification');
      // end() of a client whose socket is gone may never settle: do not wait for it.
      candidate.end().catch(() => undefined);
      if (stopped) return;
      failures += 1;
      const delay = Math.min(maxBackoffMs, 100 * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
      options.logger?.warn('authz change listener disconnected; reconnecting', {
        channel: options.channel,
        delay_ms: Math.round(delay),
        err: error,
      });
      timer = setTimeout(() => {
        timer = undefined;
        void connect();
      }, delay);
    };
    candidate.on('error', fail);
    candidate.on('end', () => fail());
    candidate.on('notification', (message) => {
      if (message.channel !== options.channel) return;
      const revision = message.payload === undefined ? Number.NaN : Number(message.payload);
      options.onNotify(Number.isSafeInteger(revision) ? revision : undefined);
    });
    try {
      await candidate.connect();
      await candidate.query(`LISTEN ${quoted}`);
    } catch (error) {
      fail(error);
      return;
    }
    if (stopped || failed) {
      if (!failed) await candidate.end().catch(() => undefined);
      return;
    }
    client = candidate;
    failures = 0;
    options.logger?.info('authz change listener connected', { channel: options.channel });
    options.onConnect();
  }

  return {
    get connected() {
      return client !== undefined;
    },
    start: connect,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const current = client;
      client = undefined;
      if (current !== undefined) await current.end().catch(() => undefined);
    },
  };
}

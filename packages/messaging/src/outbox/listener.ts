import pg from 'pg';
import { backoffDelay } from './backoff.ts';
import type { OutboxLogger } from './logger.ts';

export interface ListenerOptions {
  connectionString: string;
  channel: string;
  /** Called for each notification on the channel. */
  onNotify: () => void;
  /** Called after each (re)connection: notifications sent while disconnected were lost. */
  onConnect: () => void;
  logger: OutboxLogger | undefined;
  maxBackoffMs: number;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * `LISTEN` on a dedicated pg client (not a pool connection), reconnecting with backoff when the
 * connection fails. TCP keep-alive is on so a silently dropped connection is noticed.
 */
export class OutboxListener {
  readonly #options: ListenerOptions;
  #client: pg.Client | undefined;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: ListenerOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** Resolves after the first connection attempt; a failed attempt is logged and retried. */
  start(): Promise<void> {
    return this.#connect();
  }

  async #connect(): Promise<void> {
    const { connectionString, channel, logger } = this.#options;
    const client = new pg.Client({ connectionString, application_name: 'outbox-relay', keepAlive: true });
    let failed = false;
    const fail = (err?: unknown) => {
      if (failed) return;
      failed = true;
      if (this.#client === client) this.#client = undefined;
      client.removeAllListeners('notification');
      // end() of a client whose socket is already gone may never settle: do not wait for it.
      client.end().catch(() => undefined);
      if (this.#stopped) return;
      this.#failures += 1;
      const delay = backoffDelay(this.#failures, 100, this.#options.maxBackoffMs);
      logger?.warn('outbox listener disconnected; reconnecting', { channel, delay_ms: delay, err });
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#connect();
      }, delay);
    };
    client.on('error', fail);
    client.on('end', () => fail());
    client.on('notification', (message) => {
      if (message.channel === channel) this.#options.onNotify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (err) {
      fail(err);
      return;
    }
    if (this.#stopped || failed) {
      if (!failed) await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#failures = 0;
    logger?.info('outbox listener connected', { channel });
    this.#options.onConnect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}

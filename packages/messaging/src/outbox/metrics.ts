import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { OutboxKind } from './schema.ts';

export type PublishErrorReason = 'rejected' | 'unreachable';

/** Prometheus metrics of one relay; register each relay in its own registry (names are fixed). */
export class OutboxMetrics {
  readonly published: Counter<'kind' | 'destination'>;
  readonly errors: Counter<'kind' | 'destination' | 'reason'>;
  readonly lag: Histogram;

  constructor(registry: Registry, countPending: () => Promise<number>) {
    const registers = [registry];
    new Gauge({
      name: 'outbox_pending',
      help: 'Outbox rows not yet published (counted when scraped).',
      registers,
      async collect() {
        try {
          this.set(await countPending());
        } catch {
          // The database is unreachable or closed: keep the last value rather than fail the scrape.
        }
      },
    });
    this.published = new Counter({
      name: 'outbox_published_total',
      help: 'Outbox rows published to the broker.',
      labelNames: ['kind', 'destination'],
      registers,
    });
    this.errors = new Counter({
      name: 'outbox_publish_errors_total',
      help: 'Outbox rows whose publish failed: refused by the broker (rejected) or broker unreachable.',
      labelNames: ['kind', 'destination', 'reason'],
      registers,
    });
    this.lag = new Histogram({
      name: 'outbox_lag_seconds',
      help: 'Time from the outbox insert (database clock) to the broker accepting the message.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
  }

  countPublished(kind: OutboxKind, destination: string): void {
    this.published.inc({ kind, destination });
  }

  countError(kind: OutboxKind, destination: string, reason: PublishErrorReason): void {
    this.errors.inc({ kind, destination, reason });
  }
}

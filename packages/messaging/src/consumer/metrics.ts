import { Counter, Histogram, type Registry } from 'prom-client';

/** `result` label of `messaging_consumed_total`. */
export type ConsumeResult = 'handled' | 'duplicate' | 'failed' | 'dead_lettered' | 'released';

/** Why a message went to the dead-letter queue (also the `dead_letter_reason` message attribute). */
export type DeadLetterReason = 'invalid_message' | 'unknown_type' | 'retries_exhausted';

export interface ConsumerMetrics {
  consumed(type: string, result: ConsumeResult): void;
  retried(type: string): void;
  deadLettered(type: string, reason: DeadLetterReason): void;
  handlerDuration(type: string, result: 'handled' | 'duplicate' | 'failed', seconds: number): void;
}

/** Seconds; from an inbox hit (a millisecond) to a slow handler. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing as Histogram<L>;
  return new Histogram({ name, help, labelNames, buckets: DURATION_BUCKETS, registers: [registry] });
}

const NOOP: ConsumerMetrics = {
  consumed: () => undefined,
  retried: () => undefined,
  deadLettered: () => undefined,
  handlerDuration: () => undefined,
};

/**
 * The consumer's Prometheus metrics on `registry`, labelled with the queue name. Several consumers
 * can share one registry: the metrics are registered once and told apart by `queue`.
 *
 * - `messaging_consumed_total{queue,type,result}`: deliveries by outcome
 * - `messaging_retried_total{queue,type}`: handler failures left on the queue with a backoff
 * - `messaging_dead_lettered_total{queue,type,reason}`: messages the consumer sent to the DLQ
 * - `messaging_handler_duration_seconds{queue,type,result}`: inbox check plus handler plus commit
 */
export function consumerMetrics(registry: Registry | undefined, queue: string): ConsumerMetrics {
  if (registry === undefined) return NOOP;
  const consumed = counter(registry, 'messaging_consumed_total', 'Messages consumed, by outcome', [
    'queue',
    'type',
    'result',
  ]);
  const retried = counter(registry, 'messaging_retried_total', 'Handler failures retried later', [
    'queue',
    'type',
  ]);
  const deadLettered = counter(registry, 'messaging_dead_lettered_total', 'Messages sent to the DLQ', [
    'queue',
    'type',
    'reason',
  ]);
  const duration = histogram(registry, 'messaging_handler_duration_seconds', 'Handler transaction time', [
    'queue',
    'type',
    'result',
  ]);
  return {
    consumed: (type, result) => consumed.inc({ queue, type, result }),
    retried: (type) => retried.inc({ queue, type }),
    deadLettered: (type, reason) => deadLettered.inc({ queue, type, reason }),
    handlerDuration: (type, result, seconds) => duration.observe({ queue, type, result }, seconds),
  };
}

import type { ConsumerEvent, ConsumerEventKind } from '../consumer/types.ts';
import { TestingError } from './errors.ts';

export interface SpyFilter {
  /** Default `handled`: the handler's transaction committed (and the delete was sent). */
  kind?: ConsumerEventKind;
  type?: string;
  /** The event or command id. */
  id?: string;
}

export interface WaitForOptions {
  /** How many matching outcomes to wait for. Default 1. */
  count?: number;
  /** Default 10,000 ms. */
  timeoutMs?: number;
}

export interface ConsumerSpy {
  /** Give this to `createConsumer({ onEvent })`. */
  readonly onEvent: (event: ConsumerEvent) => void;
  /** Every outcome so far, in order. */
  readonly events: readonly ConsumerEvent[];
  /** Outcomes matching `filter` so far. */
  matching(filter?: SpyFilter): ConsumerEvent[];
  count(filter?: SpyFilter): number;
  /**
   * Resolves with the matching outcomes once `count` of them happened (at once if they already
   * did); rejects with `TestingError` `spy_timeout` listing what was seen. Nothing sleeps: the
   * consumer reports each outcome right after the commit and the delete.
   */
  waitFor(filter?: SpyFilter, options?: WaitForOptions): Promise<ConsumerEvent[]>;
}

function matches(event: ConsumerEvent, filter: SpyFilter): boolean {
  if (event.kind !== (filter.kind ?? 'handled')) return false;
  if (event.kind === 'receive_error') return filter.type === undefined && filter.id === undefined;
  if (filter.type !== undefined && event.type !== filter.type) return false;
  if (filter.id !== undefined && event.id !== filter.id) return false;
  return true;
}

function describe(filter: SpyFilter): string {
  return JSON.stringify({ kind: filter.kind ?? 'handled', type: filter.type, id: filter.id });
}

function summary(events: readonly ConsumerEvent[]): string {
  const counts = new Map<string, number>();
  for (const e of events) {
    const key = e.kind === 'receive_error' ? e.kind : `${e.kind} ${e.type ?? '?'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts.size === 0 ? 'nothing' : [...counts].map(([k, n]) => `${n}× ${k}`).join(', ');
}

/**
 * Records a consumer's outcomes so a test can `await spy.waitFor({ type, id })` ("event X was
 * handled by this consumer") instead of sleeping, and count handled, duplicate, failed and
 * dead-lettered deliveries afterwards.
 */
export function createConsumerSpy(): ConsumerSpy {
  const events: ConsumerEvent[] = [];
  const waiters = new Set<() => void>();

  const spy: ConsumerSpy = {
    onEvent(event) {
      events.push(event);
      for (const wake of [...waiters]) wake();
    },
    events,
    matching: (filter = {}) => events.filter((e) => matches(e, filter)),
    count: (filter = {}) => spy.matching(filter).length,
    waitFor(filter = {}, options = {}) {
      const want = options.count ?? 1;
      const timeoutMs = options.timeoutMs ?? 10_000;
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = spy.matching(filter);
          if (found.length < want) return false;
          resolve(found);
          return true;
        };
        if (check()) return;
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(
            new TestingError(
              'spy_timeout',
              `waited ${timeoutMs} ms for ${want}× ${describe(filter)}; saw ${spy.count(filter)}. All outcomes: ${summary(events)}.`,
            ),
          );
        }, timeoutMs);
        const wake = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
      });
    },
  };
  return spy;
}

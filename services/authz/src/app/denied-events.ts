/**
 * Sampled denied decisions as `authz.decision.denied` events (authz.md "Decisions at speed": "Denied
 * decisions can be sampled to the audit log").
 *
 * A decision never touches the database, and publishing a sample must not change that for the
 * request: `submit` only appends to an in-memory buffer and returns; a single background writer
 * drains the buffer into the outbox, up to `BATCH` events per INSERT (one statement, so one small
 * transaction of its own — there is no state change to commit with), and the outbox relay publishes
 * them to `authz-events` like every other event of the service.
 *
 * Bounded: at most `maxPending` samples wait (buffered or being written). Beyond that a sample is
 * dropped and counted (`authz_denied_events_total{result="dropped"}`), so a flood of denied checks
 * (an attacker probing, a misconfigured client) or a slow database costs bounded memory and never
 * queues behind the checks. A sample whose write fails is logged and counted (`failed`), not retried:
 * a sample is a sample. `drain()` (at shutdown) waits for the buffered ones.
 */
import { createEvent } from '@authplatform/contracts';
import { enqueueEvents } from '@authplatform/messaging';
import type { DenialReason } from '../domain/model.ts';
import type { AuthzDb } from '../store/model/authz-store.ts';

/** What the request path hands over: plain values, no event building, no validation. */
export interface DeniedDecision {
  decisionId: string;
  subject: string;
  permission: string;
  resource: string | undefined;
  reason: DenialReason | undefined;
  revision: number;
  sampleRate: number;
  /** The check's context (only its keys are published). */
  context: Record<string, unknown> | undefined;
  /** The caller (from its token); never the token itself. */
  actor: { type: 'user' | 'client' | 'admin' | 'system'; id?: string | undefined } | undefined;
  time: Date;
}

export type DeniedEventOutcome = 'enqueued' | 'dropped' | 'failed';

export interface DeniedEventsDeps {
  db: AuthzDb;
  logger: { warn(msg: string, meta?: object): unknown };
  /** Most samples waiting to be written; more are dropped. */
  maxPending: number;
  /** Counts each sample by outcome (metrics). */
  onOutcome?: (outcome: DeniedEventOutcome, count: number) => void;
}

export interface DeniedEvents {
  /** Queues one sample for the outbox; false when it was dropped (too many pending, or stopped). */
  submit(denial: DeniedDecision): boolean;
  /** Samples buffered or being written. */
  pending(): number;
  /** Writes what is buffered, then refuses new samples (shutdown). */
  drain(): Promise<void>;
}

/** Events per INSERT. */
const BATCH = 100;
const CONTEXT_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The event data: identifiers only; the context's keys (sorted), never its values. */
export function deniedEventData(d: DeniedDecision) {
  const keys =
    d.context === undefined
      ? []
      : Object.keys(d.context)
          .filter((k) => CONTEXT_KEY.test(k))
          .sort()
          .slice(0, 64);
  return {
    decision_id: d.decisionId,
    subject: d.subject,
    permission: d.permission,
    ...(d.resource === undefined ? {} : { resource: d.resource }),
    ...(d.reason === undefined ? {} : { reason: d.reason }),
    revision: String(d.revision),
    sample_rate: d.sampleRate,
    ...(keys.length === 0 ? {} : { context_keys: keys }),
    ...(d.actor === undefined
      ? {}
      : {
          actor: d.actor.id === undefined ? { type: d.actor.type } : { type: d.actor.type, id: d.actor.id },
        }),
  };
}

export function createDeniedEvents(deps: DeniedEventsDeps): DeniedEvents {
  const buffer: DeniedDecision[] = [];
  let writing = 0;
  let running: Promise<void> | undefined;
  let stopped = false;
  const count = (outcome: DeniedEventOutcome, n: number) => {
    if (n > 0) deps.onOutcome?.(outcome, n);
  };

  async function writeAll(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.splice(0, BATCH);
      writing = batch.length;
      const events = [];
      for (const denial of batch) {
        try {
          events.push(createEvent('authz.decision.denied', deniedEventData(denial), { time: denial.time }));
        } catch (error) {
          count('failed', 1);
          deps.logger.warn('authz denied-decision event could not be built', {
            decision_id: denial.decisionId,
            err: error,
          });
        }
      }
      try {
        if (events.length > 0) await enqueueEvents(deps.db, events);
        count('enqueued', events.length);
      } catch (error) {
        count('failed', events.length);
        deps.logger.warn('authz denied-decision events could not be written to the outbox', {
          events: events.length,
          err: error,
        });
      } finally {
        writing = 0;
      }
    }
  }

  function start(): void {
    if (running !== undefined) return;
    // Next turn of the event loop: the answer of the request that sampled it goes out first.
    running = new Promise<void>((resolve) => setImmediate(resolve)).then(writeAll).finally(() => {
      running = undefined;
      if (buffer.length > 0 && !stopped) start();
    });
  }

  return {
    submit(denial) {
      if (stopped || buffer.length + writing >= deps.maxPending) {
        count('dropped', 1);
        return false;
      }
      buffer.push(denial);
      start();
      return true;
    },
    pending: () => buffer.length + writing,
    async drain() {
      stopped = true;
      while (running !== undefined) await running;
      if (buffer.length > 0) await writeAll();
    },
  };
}

/**
 * The delivery worker: claims due messages (`FOR UPDATE SKIP LOCKED` plus a lease, so any number of
 * workers and instances share the queue and none sends a message another holds) and sends up to
 * `concurrency` at once. It is woken in-process right after a message is queued (`wakeDelivery`,
 * called after the commit) and polls as a fallback (messages queued by other instances, retries
 * whose backoff ended). A worker that claimed a full batch claims again at once.
 */
import type { Kysely } from 'kysely';
import { claimDueMessages, type MessageRow, messagesDb } from '../../store/messages/messages-store.ts';
import { onDeliveryWake } from './delivery-settings.ts';
import { type SendDeps, type SendResult, sendClaimedMessage } from './send-message.ts';

export interface DeliveryWorkerOptions extends SendDeps {
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  /** Called after each message's outcome is recorded (tests, metrics). */
  onOutcome?: (message: MessageRow, result: SendResult) => void;
}

export interface DeliveryWorker {
  start(): void;
  /** Claims now (the in-process wake-up does this too). */
  wake(): void;
  /** Stops claiming and waits for the sends in flight (their outcomes are recorded). */
  stop(): Promise<void>;
  readonly running: boolean;
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const db = messagesDb(options.db as Kysely<unknown>);
  const inFlight = new Set<Promise<void>>();
  let started = false;
  let stopped = false;
  let claiming = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  const dispatch = (message: MessageRow) => {
    const job = sendClaimedMessage(options, message)
      .then(
        (result) => options.onOutcome?.(message, result),
        (error: unknown) => {
          // Recording failed (database unavailable): the lease ends and the message is claimed again.
          options.logger.error('delivery outcome not recorded', { message_id: message.id, err: error });
        },
      )
      .finally(() => {
        inFlight.delete(job);
        if (!stopped) tick();
      });
    inFlight.add(job);
  };

  const claimLoop = async () => {
    claiming = true;
    try {
      do {
        again = false;
        const free = options.concurrency - inFlight.size;
        if (free <= 0) break;
        const claimed = await claimDueMessages(db, free, options.leaseMs);
        // Claimed even while stopping: they are sent, and stop() waits for them, rather than left
        // leased for a whole lease.
        for (const message of claimed) dispatch(message);
        if (claimed.length === free) again = true;
      } while (again && !stopped);
    } catch (error) {
      options.logger.warn('delivery claim failed; the poll retries', { err: error });
    } finally {
      claiming = false;
    }
  };

  function tick(): void {
    if (!started || stopped) return;
    if (claiming) {
      again = true;
      return;
    }
    void claimLoop();
  }

  return {
    get running() {
      return started && !stopped;
    },
    start() {
      if (started) return;
      started = true;
      unsubscribe = onDeliveryWake(tick);
      timer = setInterval(tick, options.pollIntervalMs);
      timer.unref();
      tick();
    },
    wake: tick,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      unsubscribe?.();
      while (claiming) await new Promise((resolve) => setTimeout(resolve, 10));
      await Promise.all([...inFlight]);
    },
  };
}

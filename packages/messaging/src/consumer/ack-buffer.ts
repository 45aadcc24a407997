import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

interface Pending {
  receiptHandle: string;
  resolve: (deleted: boolean) => void;
}

export interface AckBufferOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** How long a delete waits for others to share its `DeleteMessageBatch`. */
  windowMs: number;
  onError: (err: unknown, failed: number) => void;
}

/** SQS takes at most 10 entries per batch call. */
export const SQS_BATCH_LIMIT = 10;

/**
 * Deletes messages whose handling succeeded with `DeleteMessageBatch`, up to 10 per call: a call
 * goes out as soon as 10 are waiting, or `windowMs` after the first one. Only the successes of a
 * batch are ever given to it, so a failed message of the same receive is left to its backoff.
 */
export class AckBuffer {
  readonly #options: AckBufferOptions;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #sending = new Set<Promise<void>>();

  constructor(options: AckBufferOptions) {
    this.#options = options;
  }

  /** Resolves true once SQS confirmed the delete, false when it failed (the message comes back). */
  delete(receiptHandle: string): Promise<boolean> {
    return new Promise((resolve) => {
      this.#pending.push({ receiptHandle, resolve });
      if (this.#pending.length >= SQS_BATCH_LIMIT) this.#send();
      else this.#timer ??= setTimeout(() => this.#send(), this.#options.windowMs);
    });
  }

  /** Sends what is waiting and resolves when every call made so far has answered. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0) this.#send();
    await Promise.all(this.#sending);
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending.splice(0, SQS_BATCH_LIMIT);
    if (this.#pending.length > 0) this.#timer = setTimeout(() => this.#send(), this.#options.windowMs);
    if (batch.length === 0) return;
    const call = this.#deleteBatch(batch);
    this.#sending.add(call);
    void call.finally(() => this.#sending.delete(call));
  }

  async #deleteBatch(batch: Pending[]): Promise<void> {
    const { sqs, queueUrl, onError } = this.#options;
    try {
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((p, i) => ({ Id: String(i), ReceiptHandle: p.receiptHandle })),
        }),
      );
      const failed = new Set((out.Failed ?? []).map((f) => f.Id));
      if (failed.size > 0)
        onError(new Error(`DeleteMessageBatch refused ${failed.size} entries`), failed.size);
      batch.forEach((p, i) => {
        p.resolve(!failed.has(String(i)));
      });
    } catch (err) {
      onError(err, batch.length);
      for (const p of batch) p.resolve(false);
    }
  }
}

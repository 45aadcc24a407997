import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DEAD_LETTER_ATTRIBUTES, describeError, originalAttributes } from '../consumer/dead-letter.ts';
import { DlqError } from './errors.ts';

export interface DeadLetterQueue {
  sqs: SQSClient;
  /** The dead-letter queue. */
  dlqUrl: string;
  /** The queue it belongs to: where `redrive` sends messages back. */
  queueUrl: string;
}

export interface ScanOptions {
  /** How long scanned messages stay hidden from other readers of the DLQ while a call runs. Default 60 s. */
  scanVisibilitySec?: number;
  /** Long-polling wait of a receive while messages are still expected. Default 1 s. */
  waitTimeSeconds?: number;
}

/** A message in the dead-letter queue, decoded. */
export interface DeadLetter {
  /** SQS message id in the DLQ: what `show` and `redrive` take (the event id works too). */
  sqsMessageId: string;
  /** Event or command id, when the body is JSON with a string `id`. */
  id: string | undefined;
  type: string | undefined;
  /**
   * `invalid_message`, `unknown_type` or `retries_exhausted` when the consumer dead-lettered it;
   * `max_receive_count` when SQS's redrive moved it (no attribute).
   */
  reason: string;
  detail: string | undefined;
  sourceQueueUrl: string | undefined;
  deadLetteredAt: string | undefined;
  /** When the DLQ copy was sent (SQS `SentTimestamp`), ISO. */
  sentAt: string | undefined;
  /** Deliveries on the source queue before it was dead-lettered, when known. */
  receiveCount: number | undefined;
  body: string;
  /** String message attributes. */
  attributes: Record<string, string>;
}

/** Reason of a message that SQS moved by itself after `maxReceiveCount` deliveries. */
export const MAX_RECEIVE_COUNT_REASON = 'max_receive_count';

function parseBody(body: string): { id: string | undefined; type: string | undefined } {
  try {
    const value: unknown = JSON.parse(body);
    if (value === null || typeof value !== 'object') return { id: undefined, type: undefined };
    const { id, type } = value as { id?: unknown; type?: unknown };
    return {
      id: typeof id === 'string' ? id : undefined,
      type: typeof type === 'string' ? type : undefined,
    };
  } catch {
    return { id: undefined, type: undefined };
  }
}

/** Decodes a received DLQ message. */
export function toDeadLetter(message: Message): DeadLetter {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const body = message.Body ?? '';
  const parsed = parseBody(body);
  const sent = Number(message.Attributes?.SentTimestamp);
  const count = Number(attributes[DEAD_LETTER_ATTRIBUTES.receiveCount]);
  return {
    sqsMessageId: message.MessageId ?? '',
    id: parsed.id,
    type: parsed.type ?? attributes.type,
    reason: attributes[DEAD_LETTER_ATTRIBUTES.reason] ?? MAX_RECEIVE_COUNT_REASON,
    detail: attributes[DEAD_LETTER_ATTRIBUTES.detail],
    sourceQueueUrl: attributes[DEAD_LETTER_ATTRIBUTES.source],
    deadLetteredAt: attributes[DEAD_LETTER_ATTRIBUTES.at],
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined,
    receiveCount: Number.isInteger(count) && count > 0 ? count : undefined,
    body,
    attributes,
  };
}

function matchesId(letter: DeadLetter, ids: ReadonlySet<string>): string | undefined {
  if (ids.has(letter.sqsMessageId)) return letter.sqsMessageId;
  if (letter.id !== undefined && ids.has(letter.id)) return letter.id;
  return undefined;
}

async function approximateCount(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

async function release(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    await sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, n) => ({
            Id: String(n),
            ReceiptHandle: m.ReceiptHandle ?? '',
            VisibilityTimeout: 0,
          })),
        }),
      )
      // They come back by themselves when the scan's visibility timeout ends.
      .catch(() => undefined);
  }
}

/**
 * Reads the DLQ 10 messages at a time, handing each new batch to `visit`, which returns the
 * messages it deleted (or moved). Every other message read is made visible again at the end, so
 * reading leaves the DLQ as it was. A receive that brings nothing new ends the scan (it waits
 * `waitTimeSeconds` only while fewer messages than the queue's count have been seen).
 */
async function scan(
  target: Pick<DeadLetterQueue, 'sqs' | 'dlqUrl'>,
  options: ScanOptions & { limit: number },
  visit: (batch: Message[]) => Promise<{ removed: ReadonlySet<Message>; done: boolean }>,
): Promise<void> {
  const { sqs, dlqUrl } = target;
  const visibility = options.scanVisibilitySec ?? 60;
  const wait = options.waitTimeSeconds ?? 1;
  const held: Message[] = [];
  const seen = new Set<string>();
  const unavailable = (err: unknown) =>
    new DlqError('dlq_unavailable', `Reading the dead-letter queue ${dlqUrl} failed.`, { cause: err });
  try {
    const expected = await approximateCount(sqs, dlqUrl).catch((err: unknown) => {
      throw unavailable(err);
    });
    while (seen.size < options.limit) {
      const out = await sqs
        .send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: Math.min(10, options.limit - seen.size),
            VisibilityTimeout: visibility,
            WaitTimeSeconds: seen.size < expected ? wait : 0,
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
            MessageAttributeNames: ['All'],
          }),
        )
        .catch((err: unknown) => {
          throw unavailable(err);
        });
      const batch: Message[] = [];
      for (const message of out.Messages ?? []) {
        const id = message.MessageId ?? '';
        if (seen.has(id)) held.push(message);
        else {
          seen.add(id);
          batch.push(message);
        }
      }
      if (batch.length === 0) break;
      const { removed, done } = await visit(batch);
      for (const message of batch) if (!removed.has(message)) held.push(message);
      if (done) break;
    }
  } finally {
    await release(sqs, dlqUrl, held);
  }
}

export interface ListOptions extends ScanOptions {
  /** At most this many. Default 1,000. */
  limit?: number;
}

/** The messages in the DLQ (oldest first as SQS returns them), without removing any. */
export async function listDeadLetters(
  target: Pick<DeadLetterQueue, 'sqs' | 'dlqUrl'>,
  options: ListOptions = {},
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await scan(target, { ...options, limit: options.limit ?? 1000 }, async (batch) => {
    letters.push(...batch.map(toDeadLetter));
    return { removed: new Set(), done: false };
  });
  return letters;
}

/** One message of the DLQ by its SQS message id or its event id; undefined when it is not there. */
export async function showDeadLetter(
  target: Pick<DeadLetterQueue, 'sqs' | 'dlqUrl'>,
  id: string,
  options: ScanOptions = {},
): Promise<DeadLetter | undefined> {
  let found: DeadLetter | undefined;
  const ids = new Set([id]);
  await scan(target, { ...options, limit: Number.POSITIVE_INFINITY }, async (batch) => {
    found = batch.map(toDeadLetter).find((letter) => matchesId(letter, ids) !== undefined);
    return { removed: new Set(), done: found !== undefined };
  });
  return found;
}

export type RedriveSelection = { all: true } | { ids: readonly string[] };

export interface RedriveOutcome {
  /** Sent back to the source queue and deleted from the DLQ. */
  redriven: DeadLetter[];
  /** Requested ids that are not in the DLQ (already redriven, or never there). */
  missing: string[];
  /** Could not be sent back; they stay in the DLQ. */
  failed: Array<{ letter: DeadLetter; error: string }>;
}

/**
 * Moves messages from the DLQ back to the source queue: a copy is sent (same body, the original
 * `type` and `traceparent` attributes, without the `dead_letter_*` marks), then the DLQ message is
 * deleted. Idempotent: a message already redriven is no longer in the DLQ (it is reported
 * `missing`), and if a copy arrives twice (a crash between send and delete) or the message had in
 * fact been handled, the consumer's inbox makes it a no-op.
 */
export async function redrive(
  target: DeadLetterQueue,
  selection: RedriveSelection,
  options: ScanOptions = {},
): Promise<RedriveOutcome> {
  const { sqs, dlqUrl, queueUrl } = target;
  const outcome: RedriveOutcome = { redriven: [], missing: [], failed: [] };
  const wanted = 'ids' in selection ? new Set(selection.ids) : undefined;
  if (wanted !== undefined && wanted.size === 0) return outcome;
  const found = new Set<string>();
  // With `all`, only what is there now: a message that fails again and comes back is not looped on.
  const limit = wanted === undefined ? await approximateCount(sqs, dlqUrl).catch(() => 1000) : Infinity;

  await scan(target, { ...options, limit: Math.max(limit, 1) }, async (batch) => {
    const chosen = batch.filter((message) => {
      if (wanted === undefined) return true;
      const hit = matchesId(toDeadLetter(message), wanted);
      if (hit !== undefined) found.add(hit);
      return hit !== undefined;
    });
    const removed = new Set<Message>();
    if (chosen.length > 0) {
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chosen.map((message, n) => ({
            Id: String(n),
            MessageBody: message.Body ?? '',
            MessageAttributes: originalAttributes(message),
          })),
        }),
      );
      for (const failure of sent.Failed ?? []) {
        const message = chosen[Number(failure.Id)];
        if (message !== undefined) {
          outcome.failed.push({
            letter: toDeadLetter(message),
            error: `${failure.Code ?? 'error'}: ${failure.Message ?? ''}`,
          });
        }
      }
      const moved = (sent.Successful ?? [])
        .map((s) => chosen[Number(s.Id)])
        .filter((m): m is Message => m !== undefined);
      if (moved.length > 0) {
        const deleted = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlqUrl,
            Entries: moved.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
        const notDeleted = new Set((deleted.Failed ?? []).map((f) => f.Id));
        moved.forEach((message, n) => {
          // Sent back either way; one that could not be deleted stays in the DLQ as well, and a
          // later redrive of it is a duplicate the inbox absorbs.
          outcome.redriven.push(toDeadLetter(message));
          if (!notDeleted.has(String(n))) removed.add(message);
        });
      }
    }
    // With ids, the whole DLQ is read: an event id may match several copies, all are sent back.
    return { removed, done: false };
  }).catch((err: unknown) => {
    throw err instanceof DlqError
      ? err
      : new DlqError('redrive_failed', `Redriving from ${dlqUrl} failed: ${describeError(err)}`, {
          cause: err,
        });
  });

  if (wanted !== undefined) outcome.missing = [...wanted].filter((id) => !found.has(id));
  return outcome;
}

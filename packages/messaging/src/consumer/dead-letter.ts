import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { DeadLetterReason } from './metrics.ts';

/** Message attributes the consumer adds to a message it sends to the DLQ. */
export const DEAD_LETTER_ATTRIBUTES = {
  /** `invalid_message`, `unknown_type` or `retries_exhausted`. */
  reason: 'dead_letter_reason',
  /** The validation error, the missing type, or the handler's last error (at most 1,000 characters). */
  detail: 'dead_letter_detail',
  /** URL of the queue the message came from: where a redrive sends it back. */
  source: 'dead_letter_source',
  /** ISO time it was dead-lettered. */
  at: 'dead_letter_at',
  /** `ApproximateReceiveCount` of the delivery that was dead-lettered. */
  receiveCount: 'dead_letter_receive_count',
} as const;

const OWN = new Set<string>(Object.values(DEAD_LETTER_ATTRIBUTES));
/** SQS accepts at most 10 message attributes. */
const MAX_ATTRIBUTES = 10;
const MAX_DETAIL = 1000;

function copyable(value: MessageAttributeValue): MessageAttributeValue | undefined {
  const { DataType, StringValue, BinaryValue } = value;
  if (DataType === undefined) return undefined;
  if (StringValue !== undefined && StringValue !== '') return { DataType, StringValue };
  if (BinaryValue !== undefined && BinaryValue.length > 0) return { DataType, BinaryValue };
  return undefined;
}

/**
 * The message attributes a message keeps when it is moved by hand (to the DLQ or back): the
 * original ones that SQS lets us send again, `type` and `traceparent` first, without the consumer's
 * own `dead_letter_*` marks.
 */
export function originalAttributes(
  message: Message,
  limit = MAX_ATTRIBUTES,
): Record<string, MessageAttributeValue> {
  const entries = Object.entries(message.MessageAttributes ?? {})
    .filter(([name]) => !OWN.has(name))
    .sort(([a], [b]) => rank(a) - rank(b));
  const out: Record<string, MessageAttributeValue> = {};
  let count = 0;
  for (const [name, value] of entries) {
    if (count >= limit) break;
    const copy = copyable(value);
    if (copy === undefined) continue;
    out[name] = copy;
    count++;
  }
  return out;
}

function rank(name: string): number {
  return name === 'type' ? 0 : name === 'traceparent' ? 1 : 2;
}

/** Attributes of the copy sent to the DLQ: the originals plus the reason and where it came from. */
export function deadLetterAttributes(
  message: Message,
  mark: { reason: DeadLetterReason; detail: string; sourceQueueUrl: string; receiveCount: number; at: Date },
): Record<string, MessageAttributeValue> {
  const own: Record<string, MessageAttributeValue> = {
    [DEAD_LETTER_ATTRIBUTES.reason]: { DataType: 'String', StringValue: mark.reason },
    [DEAD_LETTER_ATTRIBUTES.detail]: {
      DataType: 'String',
      StringValue: (mark.detail === '' ? mark.reason : mark.detail).slice(0, MAX_DETAIL),
    },
    [DEAD_LETTER_ATTRIBUTES.source]: { DataType: 'String', StringValue: mark.sourceQueueUrl },
    [DEAD_LETTER_ATTRIBUTES.at]: { DataType: 'String', StringValue: mark.at.toISOString() },
    [DEAD_LETTER_ATTRIBUTES.receiveCount]: { DataType: 'Number', StringValue: String(mark.receiveCount) },
  };
  return { ...originalAttributes(message, MAX_ATTRIBUTES - Object.keys(own).length), ...own };
}

/** `ApproximateReceiveCount` of a received message (1 when SQS did not say). */
export function receiveCountOf(message: Message): number {
  const value = Number(message.Attributes?.ApproximateReceiveCount);
  return Number.isInteger(value) && value > 0 ? value : 1;
}

/** A one-line description of an error for logs and the `dead_letter_detail` attribute. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${err.name} (${code}): ${err.message}` : `${err.name}: ${err.message}`;
  }
  return String(err);
}

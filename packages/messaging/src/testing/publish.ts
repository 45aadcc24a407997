import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface QueueTarget {
  sqs: SQSClient;
  queueUrl: string;
}

/** A message as the outbox sends it: an id, a type, maybe a trace context, anything else. */
export interface SendableMessage {
  id: string;
  type: string;
  traceparent?: string | undefined;
}

/** The message attributes SNS raw delivery gives a queue: `type` and `traceparent`. */
export function messageAttributes(message: { type?: string; traceparent?: string | undefined }) {
  const attributes: Record<string, MessageAttributeValue> = {};
  if (typeof message.type === 'string' && message.type !== '') {
    attributes.type = { DataType: 'String', StringValue: message.type };
  }
  if (typeof message.traceparent === 'string' && message.traceparent !== '') {
    attributes.traceparent = { DataType: 'String', StringValue: message.traceparent };
  }
  return attributes;
}

/** Sends `message` as JSON straight to the queue, as a raw SNS delivery would arrive. */
export async function sendMessage(target: QueueTarget, message: SendableMessage): Promise<string> {
  const out = await target.sqs.send(
    new SendMessageCommand({
      QueueUrl: target.queueUrl,
      MessageBody: JSON.stringify(message),
      MessageAttributes: messageAttributes(message),
    }),
  );
  return out.MessageId ?? '';
}

/** Sends many messages, 10 per `SendMessageBatch`, in the given order. */
export async function sendMessages(target: QueueTarget, messages: readonly SendableMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    const out = await target.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: target.queueUrl,
        Entries: chunk.map((message, n) => ({
          Id: String(n),
          MessageBody: JSON.stringify(message),
          MessageAttributes: messageAttributes(message),
        })),
      }),
    );
    if ((out.Failed ?? []).length > 0)
      throw new Error(`SendMessageBatch refused ${out.Failed?.length} entries`);
  }
}

/**
 * Sends the same message `copies` times (same body, same id): what SQS's at-least-once delivery, a
 * relay that published twice, or a redrive of a handled message produce. The inbox must make all but
 * one of them no-ops.
 */
export async function publishDuplicate(
  target: QueueTarget,
  message: SendableMessage,
  copies = 2,
): Promise<void> {
  await sendMessages(
    target,
    Array.from({ length: copies }, () => message),
  );
}

/** Ready-made bodies that fail validation. */
export const INVALID_BODIES = {
  /** Not JSON at all (cut in the middle). */
  not_json: '{"specversion":"1.0","id":"0193a5e2-7c1f-7b3e-9d4a',
  /** JSON, but not an envelope. */
  not_an_envelope: '{"hello":"world"}',
  /** JSON of the wrong kind. */
  array: '[1,2,3]',
} as const;

export type InvalidBody = keyof typeof INVALID_BODIES;

/**
 * Sends a body that the consumer's `parse` must reject: one of `INVALID_BODIES`, or any string
 * (e.g. a well-formed envelope whose data breaks its schema). `type` sets the `type` attribute, so
 * the message passes a subscription filter as a real one would.
 */
export async function publishInvalid(
  target: QueueTarget,
  body: InvalidBody | { body: string; type?: string },
): Promise<string> {
  const text = typeof body === 'string' ? INVALID_BODIES[body] : body.body;
  const type = typeof body === 'string' ? undefined : body.type;
  const out = await target.sqs.send(
    new SendMessageCommand({
      QueueUrl: target.queueUrl,
      MessageBody: text,
      MessageAttributes: messageAttributes({ ...(type === undefined ? {} : { type }) }),
    }),
  );
  return out.MessageId ?? '';
}

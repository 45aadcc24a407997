// The attributes of the topology's queues and subscriptions, shared by the bootstrap (SDK) and the
// LocalStack init script, and how to compare what a broker reports with what is wanted.

import type { QueueSpec } from '@authplatform/contracts';
import type { QueueAttributeName } from '@aws-sdk/client-sqs';

export type QueueAttributes = Partial<Record<QueueAttributeName, string>>;

/** Dead-letter queues keep messages for the SQS maximum, 14 days. */
export const DLQ_RETENTION_SEC = 1_209_600;

export const SUBSCRIPTION_ATTRIBUTES = {
  RawMessageDelivery: 'true',
  FilterPolicyScope: 'MessageAttributes',
} as const;

/** Lets SNS deliver to the queue from exactly these topics. */
export function snsDeliveryPolicy(queueArn: string, topicArns: readonly string[]): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowTopicsToDeliver',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': [...topicArns] } },
      },
    ],
  };
}

/** A DLQ: 14-day retention, SSE, and (once its queue exists) a redrive-allow policy for that queue only. */
export function deadLetterAttributes(sourceQueueArn?: string): QueueAttributes {
  return {
    MessageRetentionPeriod: String(DLQ_RETENTION_SEC),
    SqsManagedSseEnabled: 'true',
    ...(sourceQueueArn === undefined
      ? {}
      : {
          RedriveAllowPolicy: JSON.stringify({
            redrivePermission: 'byQueue',
            sourceQueueArns: [sourceQueueArn],
          }),
        }),
  };
}

/**
 * A queue: visibility timeout, SSE, redrive to its DLQ, and (once its own ARN is known and topics
 * deliver to it) the SNS delivery policy.
 */
export function queueAttributes(
  queue: QueueSpec,
  dlqArn: string,
  queueArn?: string,
  sourceTopicArns: readonly string[] = [],
): QueueAttributes {
  return {
    VisibilityTimeout: String(queue.visibilityTimeoutSec),
    SqsManagedSseEnabled: 'true',
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: queue.deadLetter.maxReceiveCount,
    }),
    ...(queueArn === undefined || sourceTopicArns.length === 0
      ? {}
      : { Policy: JSON.stringify(snsDeliveryPolicy(queueArn, sourceTopicArns)) }),
  };
}

const JSON_ATTRIBUTES = new Set([
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'FilterPolicy',
  'DeliveryPolicy',
]);

/**
 * A JSON value in a canonical form: object keys sorted, one-element arrays as their element, arrays
 * of scalars sorted, decimal strings as numbers (brokers write `"maxReceiveCount": 8` or `"8"`).
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    if (items.length === 1) return items[0];
    return items.every((i) => typeof i !== 'object') ? [...items].sort() : items;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  if (typeof value === 'string' && /^[0-9]{1,15}$/.test(value)) return Number(value);
  return value;
}

/** Whether a broker's value of an attribute means the same as the wanted one. */
export function sameAttributeValue(name: string, have: string | undefined, want: string): boolean {
  if (have === undefined) return name === 'FilterPolicyScope' && want === 'MessageAttributes';
  if (!JSON_ATTRIBUTES.has(name)) return have === want;
  try {
    return JSON.stringify(canonical(JSON.parse(have))) === JSON.stringify(canonical(JSON.parse(want)));
  } catch {
    return have === want;
  }
}

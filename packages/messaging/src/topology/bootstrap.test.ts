import {
  buildTopology,
  type EventType,
  eventTypes,
  exampleEvents,
  handledEvents,
  parseEvent,
  physicalName,
  type ServiceName,
  topicOf,
  topology,
} from '@authplatform/contracts';
import { type AwsClients, createAwsClients, type TestBroker, testBroker } from '@authplatform/test-kit';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BootstrapTopologyResult, bootstrapTopology, type TopologyLogger } from './bootstrap.ts';
import { TopologyError } from './errors.ts';

let broker: TestBroker;
let clients: AwsClients;
let prefix: string;
let first: BootstrapTopologyResult;
const logged: string[] = [];
const logger: TopologyLogger = { info: (m) => logged.push(m), warn: (m) => logged.push(`warn: ${m}`) };

async function queueAttributes(url: string): Promise<Record<string, string>> {
  const out = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
  );
  return out.Attributes ?? {};
}

async function subscriptionAttributes(arn: string): Promise<Record<string, string>> {
  const out = await clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
  return out.Attributes ?? {};
}

/** Receives and deletes until `expected` messages came, then checks that no more arrive. */
async function drain(url: string, expected: number): Promise<{ body: string; type: string | undefined }[]> {
  const got: { body: string; type: string | undefined }[] = [];
  for (let empty = 0; empty < 2 && (got.length < expected || empty === 0); ) {
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: got.length < expected ? 2 : 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) {
      empty += 1;
      continue;
    }
    for (const m of messages) got.push({ body: m.Body ?? '', type: m.MessageAttributes?.type?.StringValue });
    await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  return got;
}

beforeAll(async () => {
  broker = testBroker();
  clients = createAwsClients(broker);
  prefix = broker.prefix.replace(/-$/, '');
  first = await bootstrapTopology({ sns: clients.sns, sqs: clients.sqs, prefix, logger });
}, 60_000);

afterAll(async () => {
  await broker?.cleanup();
  clients?.destroy();
});

describe('bootstrapTopology', () => {
  it('creates every topic, queue and dead-letter queue under the prefix and reports them by id', () => {
    expect(Object.keys(first.topicArns).sort()).toEqual(topology.topics.map((t) => t.id).sort());
    expect(Object.keys(first.queueUrls).sort()).toEqual(topology.queues.map((q) => q.id).sort());
    for (const topic of topology.topics) {
      expect(first.topicArns[topic.id]).toMatch(new RegExp(`:${physicalName(prefix, topic.id)}$`));
    }
    for (const queue of topology.queues) {
      expect(first.queueUrls[queue.id]).toMatch(new RegExp(`/${physicalName(prefix, queue.id)}$`));
      expect(first.queueArns[queue.id]).toMatch(new RegExp(`:${physicalName(prefix, queue.id)}$`));
      expect(first.dlqUrls[queue.id]).toMatch(new RegExp(`/${physicalName(prefix, queue.deadLetter.id)}$`));
    }
    expect(Object.keys(first.subscriptionArns)).toHaveLength(topology.subscriptions.length);
    expect(first.changes).toEqual(
      expect.arrayContaining([
        `created topic ${prefix}-identity-events`,
        `created queue ${prefix}-audit-inbox-dlq`,
        `subscribed ${prefix}-identity-events -> ${prefix}-authz-inbox`,
      ]),
    );
    expect(logged).toContain(`topology: ${prefix}: ${first.changes.length} change(s)`);
  });

  it('sets the redrive policy, visibility timeout, SSE and the SNS delivery policy (read back)', async () => {
    for (const queue of topology.queues) {
      const attributes = await queueAttributes(first.queueUrls[queue.id] as string);
      const redrive = JSON.parse(attributes.RedrivePolicy ?? '{}');
      expect(redrive.deadLetterTargetArn).toBe(first.dlqArns[queue.id]);
      expect(Number(redrive.maxReceiveCount)).toBe(8);
      expect(attributes.VisibilityTimeout).toBe(String(queue.visibilityTimeoutSec));
      expect(attributes.SqsManagedSseEnabled).toBe('true');

      const sources = topology.subscriptions
        .filter((s) => s.queue === queue.id)
        .map((s) => first.topicArns[s.topic]);
      if (sources.length === 0) {
        expect(attributes.Policy).toBeUndefined();
      } else {
        const [statement] = JSON.parse(attributes.Policy ?? '{}').Statement;
        expect(statement).toMatchObject({
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: first.queueArns[queue.id],
        });
        expect([statement.Condition.ArnEquals['aws:SourceArn']].flat().sort()).toEqual(sources.sort());
      }

      const dlq = await queueAttributes(first.dlqUrls[queue.id] as string);
      expect(dlq.MessageRetentionPeriod).toBe('1209600');
      expect(JSON.parse(dlq.RedriveAllowPolicy ?? '{}')).toEqual({
        redrivePermission: 'byQueue',
        sourceQueueArns: [first.queueArns[queue.id]],
      });
    }
  });

  it('subscribes with raw delivery and a filter policy on exactly the handled types', async () => {
    for (const s of topology.subscriptions) {
      const attributes = await subscriptionAttributes(
        first.subscriptionArns[`${s.topic} -> ${s.queue}`] as string,
      );
      expect(attributes.RawMessageDelivery).toBe('true');
      expect(attributes.FilterPolicyScope ?? 'MessageAttributes').toBe('MessageAttributes');
      // Provider feedback (SES events, no `type` attribute) is unfiltered: the empty policy `{}`.
      expect(JSON.parse(attributes.FilterPolicy ?? '{}')).toEqual(
        s.types.length === 0 ? {} : { type: s.types },
      );
      expect(attributes.Endpoint).toBe(first.queueArns[s.queue]);
    }
  });

  it('delivers each event type, published with its `type` attribute, to exactly the queues of its consumers', async () => {
    for (const type of eventTypes) {
      const [event] = exampleEvents(type);
      await clients.sns.send(
        new PublishCommand({
          TopicArn: first.topicArns[topicOf(type)],
          Message: JSON.stringify(event),
          MessageAttributes: {
            type: { DataType: 'String', StringValue: type },
            traceparent: { DataType: 'String', StringValue: event?.traceparent ?? '' },
          },
        }),
      );
    }
    const services = Object.keys(handledEvents) as ServiceName[];
    const received = await Promise.all(
      services.map(async (service) => {
        const queue = topology.queues.find((q) => q.consumer === service && q.kind === 'events');
        const messages = await drain(
          first.queueUrls[queue?.id ?? ''] as string,
          handledEvents[service].length,
        );
        return [service, messages] as const;
      }),
    );
    for (const [service, messages] of received) {
      const types = messages.map((m) => m.type).sort();
      expect({ service, types }).toEqual({ service, types: [...handledEvents[service]].sort() });
      for (const message of messages) {
        // Raw delivery: the body is the CloudEvent itself, and it is valid.
        const parsed = parseEvent(message.body);
        expect(parsed).toMatchObject({ ok: true, value: { type: message.type } });
      }
    }
    expect(await drain(first.queueUrls['notifications-commands'] as string, 0)).toEqual([]);
    for (const queue of topology.queues) {
      const dlq = await queueAttributes(first.dlqUrls[queue.id] as string);
      expect(dlq.ApproximateNumberOfMessages).toBe('0');
    }
  }, 60_000);

  it('changes nothing when run again', async () => {
    const second = await bootstrapTopology({ sns: clients.sns, sqs: clients.sqs, prefix, logger });
    expect(second.changes).toEqual([]);
    expect(second).toEqual({ ...first, changes: [] });
    expect(logged).toContain(`topology: ${prefix} is up to date`);
  });

  it('puts back a changed filter policy, raw delivery and queue attributes, and removes stale subscriptions', async () => {
    const key = 'identity-events -> authz-inbox';
    const subscription = first.subscriptionArns[key] as string;
    await clients.sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subscription,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify({ type: ['identity.user.registered'] }),
      }),
    );
    await clients.sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subscription,
        AttributeName: 'RawMessageDelivery',
        AttributeValue: 'false',
      }),
    );
    await clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: first.queueUrls['audit-inbox'],
        Attributes: {
          VisibilityTimeout: '5',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: first.dlqArns['audit-inbox'],
            maxReceiveCount: 2,
          }),
        },
      }),
    );
    // An own queue subscribed where the topology has no subscription (stale), and another team's queue.
    const stale = await clients.sns.send(
      new SubscribeCommand({
        TopicArn: first.topicArns['webhooks-events'],
        Protocol: 'sqs',
        Endpoint: first.queueArns['authz-inbox'],
        ReturnSubscriptionArn: true,
      }),
    );
    const foreignQueue = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: broker.name('billing-events') }),
    );
    const foreignArn = (
      await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: foreignQueue.QueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn as string;
    await clients.sns.send(
      new SubscribeCommand({
        TopicArn: first.topicArns['webhooks-events'],
        Protocol: 'sqs',
        Endpoint: foreignArn,
      }),
    );

    const repaired = await bootstrapTopology({ sns: clients.sns, sqs: clients.sqs, prefix, logger });
    expect([...repaired.changes].sort()).toEqual(
      [
        `removed stale subscription ${prefix}-webhooks-events -> ${prefix}-authz-inbox`,
        `set FilterPolicy of subscription ${prefix}-identity-events -> ${prefix}-authz-inbox`,
        `set RawMessageDelivery of subscription ${prefix}-identity-events -> ${prefix}-authz-inbox`,
        `set RedrivePolicy, VisibilityTimeout of queue ${prefix}-audit-inbox`,
      ].sort(),
    );
    const attributes = await subscriptionAttributes(subscription);
    expect(JSON.parse(attributes.FilterPolicy ?? '{}')).toEqual({
      type: ['identity.user.registered', 'identity.user.deleted'],
    });
    expect(attributes.RawMessageDelivery).toBe('true');
    const audit = await queueAttributes(first.queueUrls['audit-inbox'] as string);
    expect(audit.VisibilityTimeout).toBe('30');
    expect(JSON.parse(audit.RedrivePolicy ?? '{}').maxReceiveCount).toBe(8);

    const left = await clients.sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: first.topicArns['webhooks-events'] }),
    );
    const endpoints = (left.Subscriptions ?? []).map((s) => s.Endpoint);
    expect(endpoints).toContain(foreignArn);
    expect(endpoints).not.toContain(first.queueArns['authz-inbox']);
    expect((left.Subscriptions ?? []).map((s) => s.SubscriptionArn)).not.toContain(stale.SubscriptionArn);

    const again = await bootstrapTopology({ sns: clients.sns, sqs: clients.sqs, prefix, logger });
    expect(again.changes).toEqual([]);
  });

  it('bootstraps any topology, e.g. one with fewer consumers, next to the full one', async () => {
    const small = buildTopology({
      identity: [],
      authz: ['identity.user.registered'],
      notifications: [],
      webhooks: [],
      audit: [],
    } as Record<ServiceName, EventType[]>);
    // Names start with the suite's prefix, so afterAll's cleanup removes them too.
    const result = await bootstrapTopology({
      sns: clients.sns,
      sqs: clients.sqs,
      prefix: `${prefix}-small`,
      topology: small,
    });
    expect(Object.keys(result.queueUrls).sort()).toEqual([
      'authz-inbox',
      'notifications-commands',
      'notifications-ses-events',
    ]);
    expect(Object.keys(result.subscriptionArns)).toEqual([
      'identity-events -> authz-inbox',
      'ses-events -> notifications-ses-events',
    ]);
    expect(result.queueUrls['authz-inbox']).toMatch(new RegExp(`/${prefix}-small-authz-inbox$`));
    // The full topology next to it is untouched.
    expect((await bootstrapTopology({ sns: clients.sns, sqs: clients.sqs, prefix })).changes).toEqual([]);
  });

  it('refuses a bad prefix before touching the broker, and reports an unreachable broker', async () => {
    await expect(
      bootstrapTopology({ sns: clients.sns, sqs: clients.sqs, prefix: 'dev-' }),
    ).rejects.toMatchObject({
      code: 'invalid_prefix',
    });
    const config = {
      endpoint: 'http://127.0.0.1:9',
      region: broker.region,
      credentials: broker.credentials,
      maxAttempts: 1,
    };
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    try {
      const failure = bootstrapTopology({ sns, sqs, prefix: 'dev' });
      await expect(failure).rejects.toBeInstanceOf(TopologyError);
      await expect(failure).rejects.toMatchObject({ code: 'broker_unreachable', cause: expect.anything() });
    } finally {
      sns.destroy();
      sqs.destroy();
    }
  });
});

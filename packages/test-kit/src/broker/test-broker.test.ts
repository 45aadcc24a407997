import { CreateTopicCommand, ListTopicsCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AwsClients, createAwsClients } from './aws-clients.ts';
import { deleteBrokerResources } from './cleanup.ts';
import { type TestBroker, testBroker } from './test-broker.ts';

async function createWiredQueue(clients: AwsClients, broker: TestBroker, base: string) {
  const { TopicArn } = await clients.sns.send(
    new CreateTopicCommand({ Name: broker.name(`${base}-events`) }),
  );
  const { QueueUrl } = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: broker.name(`${base}-inbox`) }),
  );
  if (!TopicArn || !QueueUrl) throw new Error('broker returned no ARN or URL');
  const attrs = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = attrs.Attributes?.QueueArn;
  if (!queueArn) throw new Error('queue has no ARN');
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { TopicArn, QueueUrl };
}

async function topicNames(clients: AwsClients): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.sns.send(new ListTopicsCommand({ NextToken }));
    for (const t of page.Topics ?? []) names.push(t.TopicArn?.split(':').pop() ?? '');
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

describe('testBroker', () => {
  let broker: TestBroker;
  let neighbour: TestBroker;
  let clients: AwsClients;

  beforeAll(() => {
    broker = testBroker();
    neighbour = testBroker();
    clients = createAwsClients(broker);
  });

  afterAll(async () => {
    await broker?.cleanup();
    await neighbour?.cleanup();
    clients?.destroy();
  });

  it('gives each suite its own name prefix', () => {
    expect(broker.prefix).toMatch(/^t[0-9a-f]{10}-$/);
    expect(neighbour.prefix).not.toBe(broker.prefix);
    expect(broker.name('identity-events')).toBe(`${broker.prefix}identity-events`);
    expect(new URL(broker.endpoint).protocol).toMatch(/^https?:$/);
  });

  it('carries a message from an SNS topic to a raw-delivery SQS subscription', async () => {
    const { TopicArn, QueueUrl } = await createWiredQueue(clients, broker, 'fanout');
    const body = JSON.stringify({ specversion: '1.0', type: 'test.thing.happened', id: broker.prefix });
    await clients.sns.send(
      new PublishCommand({
        TopicArn,
        Message: body,
        MessageAttributes: { type: { DataType: 'String', StringValue: 'test.thing.happened' } },
      }),
    );
    const received = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        WaitTimeSeconds: 5,
        MaxNumberOfMessages: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const message = received.Messages?.[0];
    // Raw delivery: the body is the published message itself, not an SNS notification envelope.
    expect(message?.Body).toBe(body);
    expect(message?.MessageAttributes?.type?.StringValue).toBe('test.thing.happened');
  });

  it("cleanup deletes the suite's queues, topics and subscriptions and nothing of other suites", async () => {
    const other = createAwsClients(neighbour);
    try {
      await createWiredQueue(other, neighbour, 'kept');
      await createWiredQueue(clients, broker, 'gone');

      const result = await broker.cleanup();
      expect(result.queues.sort()).toEqual([broker.name('fanout-inbox'), broker.name('gone-inbox')]);
      expect(result.topics.sort()).toEqual([broker.name('fanout-events'), broker.name('gone-events')]);
      expect(result.subscriptions).toBe(2);

      const queues = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: broker.prefix }));
      expect(queues.QueueUrls ?? []).toEqual([]);
      const topics = await topicNames(clients);
      expect(topics.filter((n) => n.startsWith(broker.prefix))).toEqual([]);
      expect(topics).toContain(neighbour.name('kept-events'));
      const neighbourQueues = await other.sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: neighbour.prefix }),
      );
      expect(neighbourQueues.QueueUrls).toHaveLength(1);
    } finally {
      other.destroy();
    }
  });

  it('refuses to clean up with an empty prefix', async () => {
    await expect(deleteBrokerResources(broker, '')).rejects.toThrow(/empty prefix/);
  });
});

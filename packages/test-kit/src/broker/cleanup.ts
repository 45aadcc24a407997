import {
  DeleteTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { DeleteQueueCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { createAwsClients } from './aws-clients.ts';
import type { AwsEndpoint } from './test-broker.ts';

export interface BrokerCleanup {
  queues: string[];
  topics: string[];
  subscriptions: number;
}

/** The last segment of a queue URL or an ARN. */
const resourceName = (urlOrArn: string) =>
  urlOrArn.slice(Math.max(urlOrArn.lastIndexOf('/'), urlOrArn.lastIndexOf(':')) + 1);

/**
 * Deletes every queue and topic whose name starts with `prefix` (default: the suite's), and the
 * subscriptions attached to those topics or delivering to those queues.
 */
export async function deleteBrokerResources(
  broker: AwsEndpoint & { prefix: string },
  prefix: string = broker.prefix,
): Promise<BrokerCleanup> {
  if (prefix.length === 0) throw new Error('Refusing to delete broker resources with an empty prefix.');
  const { sqs, sns, destroy } = createAwsClients(broker);
  try {
    const queueUrls: string[] = [];
    let nextQueues: string | undefined;
    do {
      const page = await sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: prefix, NextToken: nextQueues, MaxResults: 1000 }),
      );
      queueUrls.push(...(page.QueueUrls ?? []).filter((u) => resourceName(u).startsWith(prefix)));
      nextQueues = page.NextToken;
    } while (nextQueues);

    const topicArns: string[] = [];
    let nextTopics: string | undefined;
    do {
      const page = await sns.send(new ListTopicsCommand({ NextToken: nextTopics }));
      for (const t of page.Topics ?? []) {
        if (t.TopicArn && resourceName(t.TopicArn).startsWith(prefix)) topicArns.push(t.TopicArn);
      }
      nextTopics = page.NextToken;
    } while (nextTopics);

    // Collected first and removed afterwards, so that deleting does not shift the pages being read.
    const subscriptionArns: string[] = [];
    let nextSubs: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsCommand({ NextToken: nextSubs }));
      for (const s of page.Subscriptions ?? []) {
        const ours =
          (s.TopicArn !== undefined && resourceName(s.TopicArn).startsWith(prefix)) ||
          (s.Protocol === 'sqs' && s.Endpoint !== undefined && resourceName(s.Endpoint).startsWith(prefix));
        if (ours && s.SubscriptionArn?.startsWith('arn:')) subscriptionArns.push(s.SubscriptionArn);
      }
      nextSubs = page.NextToken;
    } while (nextSubs);

    for (const SubscriptionArn of subscriptionArns)
      await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
    for (const TopicArn of topicArns) await sns.send(new DeleteTopicCommand({ TopicArn }));
    for (const QueueUrl of queueUrls) await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    return {
      queues: queueUrls.map(resourceName),
      topics: topicArns.map(resourceName),
      subscriptions: subscriptionArns.length,
    };
  } finally {
    destroy();
  }
}

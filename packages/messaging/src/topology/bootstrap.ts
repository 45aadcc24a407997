// Creates the platform's SNS/SQS topology (packages/contracts `topology`) on a broker, idempotently:
// a second run with the same topology changes nothing, and a run after drift puts back what changed.

import {
  filterPolicyOf,
  physicalName,
  topology as platformTopology,
  type QueueSpec,
  type SubscriptionSpec,
  type Topology,
} from '@authplatform/contracts';
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SetSubscriptionAttributesCommand,
  type SNSClient as SnsClient,
  SubscribeCommand,
  type Subscription,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient as SqsClient,
} from '@aws-sdk/client-sqs';
import { TopologyError } from './errors.ts';
import {
  deadLetterAttributes,
  type QueueAttributes,
  queueAttributes,
  SUBSCRIPTION_ATTRIBUTES,
  sameAttributeValue,
} from './resources.ts';

/** What the bootstrap logs; a winston logger fits. */
export interface TopologyLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface BootstrapTopologyOptions {
  sns: SnsClient;
  sqs: SqsClient;
  /** Environment prefix of every name (`dev` → `dev-identity-events`); no trailing dash. */
  prefix: string;
  /** Default: the platform's topology from `@authplatform/contracts`. */
  topology?: Topology;
  logger?: TopologyLogger;
  /**
   * Remove subscriptions from the topology's topics to the topology's own queues that the topology
   * no longer has (default true). Subscriptions of other queues (other teams') are never touched.
   */
  prune?: boolean;
}

export interface BootstrapTopologyResult {
  /** Topic id → ARN. */
  topicArns: Record<string, string>;
  /** Queue id → URL. */
  queueUrls: Record<string, string>;
  /** Queue id → ARN. */
  queueArns: Record<string, string>;
  /** Queue id (not the DLQ's id) → URL of its dead-letter queue. */
  dlqUrls: Record<string, string>;
  /** Queue id → ARN of its dead-letter queue. */
  dlqArns: Record<string, string>;
  /** `<topic id> -> <queue id>` → subscription ARN. */
  subscriptionArns: Record<string, string>;
  /** What this run created, changed or removed; empty when everything was already in place. */
  changes: string[];
}

const silent: TopologyLogger = { info() {}, warn() {} };

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

const NETWORK_CODES = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/;

function unreachable(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  // The SDK may wrap a socket error into a plain Error whose message is all that is left of it.
  const message = String((error as { message?: unknown })?.message ?? '');
  return NETWORK_CODES.test(code) || NETWORK_CODES.test(message) || errorName(error) === 'TimeoutError';
}

/** Runs one broker call; failures become `TopologyError` naming the step, with the SDK error as cause. */
async function step<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TopologyError) throw error;
    const code = unreachable(error) ? 'broker_unreachable' : 'bootstrap_failed';
    throw new TopologyError(code, `topology: ${what} failed: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
    });
  }
}

class Run {
  readonly changes: string[] = [];
  /** Becomes false when the broker refuses `SqsManagedSseEnabled` (some emulators do). */
  sse = true;

  readonly sns: SnsClient;
  readonly sqs: SqsClient;
  readonly prefix: string;
  readonly logger: TopologyLogger;

  constructor(sns: SnsClient, sqs: SqsClient, prefix: string, logger: TopologyLogger) {
    this.sns = sns;
    this.sqs = sqs;
    this.prefix = prefix;
    this.logger = logger;
  }

  name(id: string): string {
    return physicalName(this.prefix, id);
  }

  change(message: string, meta: Record<string, unknown>): void {
    this.changes.push(message);
    this.logger.info(`topology: ${message}`, meta);
  }

  async existingTopics(): Promise<Map<string, string>> {
    const byName = new Map<string, string>();
    let NextToken: string | undefined;
    do {
      const page = await step('ListTopics', () => this.sns.send(new ListTopicsCommand({ NextToken })));
      for (const topic of page.Topics ?? []) {
        const arn = topic.TopicArn;
        if (arn) byName.set(arn.slice(arn.lastIndexOf(':') + 1), arn);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return byName;
  }

  async ensureTopic(id: string, existing: Map<string, string>): Promise<string> {
    const name = this.name(id);
    const found = existing.get(name);
    if (found) return found;
    const created = await step(`CreateTopic ${name}`, () =>
      this.sns.send(new CreateTopicCommand({ Name: name })),
    );
    if (!created.TopicArn)
      throw new TopologyError('bootstrap_failed', `topology: CreateTopic ${name} returned no ARN`);
    this.change(`created topic ${name}`, { topic: name });
    return created.TopicArn;
  }

  private withoutSse(attributes: QueueAttributes): QueueAttributes {
    if (this.sse) return attributes;
    const { SqsManagedSseEnabled: _sse, ...rest } = attributes;
    return rest;
  }

  /** Calls `call`; if the broker refuses the SSE attribute, turns SSE off for the run and calls it again. */
  private async sseTolerant<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const refusedSse =
        this.sse &&
        ['InvalidAttributeName', 'InvalidAttributeValue', 'UnsupportedOperation'].includes(
          errorName(error),
        ) &&
        /SqsManagedSse/i.test((error as Error).message);
      if (!refusedSse) throw error;
      this.sse = false;
      this.logger.warn('topology: the broker refuses SqsManagedSseEnabled; queues are created without SSE', {
        cause: (error as Error).message,
      });
      return call();
    }
  }

  /** Finds or creates a queue, then sets every attribute of `wanted` that differs. */
  async ensureQueue(name: string, wanted: QueueAttributes): Promise<{ url: string; arn: string }> {
    let url: string | undefined;
    try {
      url = (await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    } catch (error) {
      if (!['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'].includes(errorName(error))) {
        await step(`GetQueueUrl ${name}`, () => Promise.reject(error));
      }
    }
    if (url === undefined) {
      const created = await step(`CreateQueue ${name}`, () =>
        this.sseTolerant(() =>
          this.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: this.withoutSse(wanted) })),
        ),
      );
      url = created.QueueUrl;
      if (!url) throw new TopologyError('bootstrap_failed', `topology: CreateQueue ${name} returned no URL`);
      this.change(`created queue ${name}`, { queue: name });
    } else {
      await this.updateQueue(name, url, wanted);
    }
    const queueUrl = url;
    const read = await step(`GetQueueAttributes ${name}`, () =>
      this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })),
    );
    const arn = read.Attributes?.QueueArn;
    if (!arn) throw new TopologyError('bootstrap_failed', `topology: queue ${name} has no QueueArn`);
    return { url: queueUrl, arn };
  }

  async updateQueue(name: string, url: string, wanted: QueueAttributes): Promise<void> {
    const current = await step(`GetQueueAttributes ${name}`, () =>
      this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })),
    );
    const have: Record<string, string | undefined> = current.Attributes ?? {};
    const differs = (attributes: QueueAttributes) =>
      Object.fromEntries(
        Object.entries(attributes).filter(([key, value]) => !sameAttributeValue(key, have[key], value)),
      ) as QueueAttributes;
    let update = differs(this.withoutSse(wanted));
    if (Object.keys(update).length === 0) return;
    await step(`SetQueueAttributes ${name}`, () =>
      this.sseTolerant(async () => {
        update = differs(this.withoutSse(wanted));
        if (Object.keys(update).length > 0) {
          await this.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: update }));
        }
      }),
    );
    if (Object.keys(update).length > 0) {
      this.change(`set ${Object.keys(update).sort().join(', ')} of queue ${name}`, { queue: name });
    }
  }

  /** DLQ, queue (redrive, visibility, SSE) and, when topics deliver to it, the queue policy. */
  async ensureQueueWithDlq(
    queue: QueueSpec,
    sourceTopicArns: string[],
  ): Promise<{ url: string; arn: string; dlqUrl: string; dlqArn: string }> {
    const dlqName = this.name(queue.deadLetter.id);
    const queueName = this.name(queue.id);
    const dlq = await this.ensureQueue(dlqName, deadLetterAttributes());
    const main = await this.ensureQueue(queueName, queueAttributes(queue, dlq.arn));
    // Attributes that name the other queue's own ARN are set once both exist.
    await this.updateQueue(queueName, main.url, queueAttributes(queue, dlq.arn, main.arn, sourceTopicArns));
    await this.updateQueue(dlqName, dlq.url, deadLetterAttributes(main.arn));
    return { ...main, dlqUrl: dlq.url, dlqArn: dlq.arn };
  }

  async subscriptionsOf(topicArn: string): Promise<Subscription[]> {
    const all: Subscription[] = [];
    let NextToken: string | undefined;
    do {
      const page = await step(`ListSubscriptionsByTopic ${topicArn}`, () =>
        this.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken })),
      );
      all.push(...(page.Subscriptions ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return all;
  }

  async ensureSubscription(
    topic: { id: string; arn: string },
    queue: { id: string; arn: string },
    types: SubscriptionSpec['types'],
    existing: Subscription[],
  ): Promise<string> {
    const label = `${this.name(topic.id)} -> ${this.name(queue.id)}`;
    const wanted: Record<string, string> = {
      ...SUBSCRIPTION_ATTRIBUTES,
      FilterPolicy: JSON.stringify(filterPolicyOf({ types })),
    };
    const matches = existing.filter(
      (s) => s.Protocol === 'sqs' && s.Endpoint === queue.arn && s.SubscriptionArn?.startsWith('arn:'),
    );
    const [found, ...duplicates] = matches;
    for (const duplicate of duplicates) {
      const arn = duplicate.SubscriptionArn as string;
      await step(`Unsubscribe ${arn}`, () => this.sns.send(new UnsubscribeCommand({ SubscriptionArn: arn })));
      this.change(`removed duplicate subscription ${label}`, { subscription: arn });
    }
    if (found?.SubscriptionArn === undefined) {
      const created = await step(`Subscribe ${label}`, () =>
        this.sns.send(
          new SubscribeCommand({
            TopicArn: topic.arn,
            Protocol: 'sqs',
            Endpoint: queue.arn,
            Attributes: wanted,
            ReturnSubscriptionArn: true,
          }),
        ),
      );
      if (!created.SubscriptionArn)
        throw new TopologyError('bootstrap_failed', `topology: Subscribe ${label} returned no ARN`);
      this.change(`subscribed ${label}`, { subscription: created.SubscriptionArn, types: types.length });
      return created.SubscriptionArn;
    }
    const arn = found.SubscriptionArn;
    const current = await step(`GetSubscriptionAttributes ${label}`, () =>
      this.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn })),
    );
    const have = current.Attributes ?? {};
    // Scope before policy: a policy is read in the scope set at the time it is set.
    for (const name of ['RawMessageDelivery', 'FilterPolicyScope', 'FilterPolicy']) {
      const value = wanted[name] as string;
      if (sameAttributeValue(name, have[name], value)) continue;
      await step(`SetSubscriptionAttributes ${name} ${label}`, () =>
        this.sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: arn,
            AttributeName: name,
            AttributeValue: value,
          }),
        ),
      );
      this.change(`set ${name} of subscription ${label}`, { subscription: arn });
    }
    return arn;
  }
}

/**
 * Creates or updates, under `prefix`, every topic, queue, dead-letter queue, queue policy and
 * subscription of the topology:
 * - topics: standard SNS topics `<prefix>-<id>`;
 * - DLQs: 14-day retention, SSE (`SqsManagedSseEnabled`, when the broker accepts it), and a
 *   `RedriveAllowPolicy` that admits only their queue;
 * - queues: `VisibilityTimeout`, SSE, `RedrivePolicy` (DLQ after `maxReceiveCount`), and a `Policy`
 *   letting `sns.amazonaws.com` send from exactly the topics subscribed to them (`aws:SourceArn`);
 * - subscriptions: `RawMessageDelivery=true`, `FilterPolicyScope=MessageAttributes`,
 *   `FilterPolicy={"type":[...]}`; existing ones (found with ListSubscriptionsByTopic) are updated in
 *   place, duplicates and stale ones to the topology's own queues removed.
 * Running it again changes nothing (`changes` is empty). Throws `TopologyError`.
 */
export async function bootstrapTopology(options: BootstrapTopologyOptions): Promise<BootstrapTopologyResult> {
  const topology = options.topology ?? platformTopology;
  const logger = options.logger ?? silent;
  let run: Run;
  try {
    // Validates the prefix (and every name's length) before anything is created.
    for (const id of [
      ...topology.topics.map((t) => t.id),
      ...topology.queues.flatMap((q) => [q.id, q.deadLetter.id]),
    ]) {
      physicalName(options.prefix, id);
    }
    run = new Run(options.sns, options.sqs, options.prefix, logger);
  } catch (error) {
    throw new TopologyError('invalid_prefix', (error as Error).message, { cause: error });
  }

  const topicsById = new Map(topology.topics.map((t) => [t.id, t]));
  const queuesById = new Map(topology.queues.map((q) => [q.id, q]));
  for (const s of topology.subscriptions) {
    if (!topicsById.has(s.topic) || !queuesById.has(s.queue)) {
      throw new TopologyError(
        'invalid_topology',
        `topology: subscription ${s.topic} -> ${s.queue} names an unknown topic or queue`,
      );
    }
  }

  const existingTopics = await run.existingTopics();
  const topicArns: Record<string, string> = {};
  await Promise.all(
    topology.topics.map(async (topic) => {
      topicArns[topic.id] = await run.ensureTopic(topic.id, existingTopics);
    }),
  );

  const queueUrls: Record<string, string> = {};
  const queueArns: Record<string, string> = {};
  const dlqUrls: Record<string, string> = {};
  const dlqArns: Record<string, string> = {};
  await Promise.all(
    topology.queues.map(async (queue) => {
      const sources = topology.subscriptions
        .filter((s) => s.queue === queue.id)
        .map((s) => topicArns[s.topic] as string)
        .sort();
      const created = await run.ensureQueueWithDlq(queue, sources);
      queueUrls[queue.id] = created.url;
      queueArns[queue.id] = created.arn;
      dlqUrls[queue.id] = created.dlqUrl;
      dlqArns[queue.id] = created.dlqArn;
    }),
  );

  const subscriptionArns: Record<string, string> = {};
  const ownQueueArns = new Set([...Object.values(queueArns), ...Object.values(dlqArns)]);
  await Promise.all(
    topology.topics.map(async (topic) => {
      const topicArn = topicArns[topic.id] as string;
      const existing = await run.subscriptionsOf(topicArn);
      const wanted = topology.subscriptions.filter((s) => s.topic === topic.id);
      for (const s of wanted) {
        const queue = { id: s.queue, arn: queueArns[s.queue] as string };
        subscriptionArns[`${s.topic} -> ${s.queue}`] = await run.ensureSubscription(
          { id: topic.id, arn: topicArn },
          queue,
          s.types,
          existing,
        );
      }
      if (options.prune === false) return;
      const wantedEndpoints = new Set(wanted.map((s) => queueArns[s.queue]));
      for (const stale of existing) {
        const endpoint = stale.Endpoint ?? '';
        const arn = stale.SubscriptionArn ?? '';
        if (stale.Protocol !== 'sqs' || !ownQueueArns.has(endpoint) || wantedEndpoints.has(endpoint))
          continue;
        if (!arn.startsWith('arn:')) continue;
        await step(`Unsubscribe ${arn}`, () =>
          run.sns.send(new UnsubscribeCommand({ SubscriptionArn: arn })),
        );
        run.change(
          `removed stale subscription ${run.name(topic.id)} -> ${endpoint.slice(endpoint.lastIndexOf(':') + 1)}`,
          {
            subscription: arn,
          },
        );
      }
    }),
  );

  logger.info(
    run.changes.length === 0
      ? `topology: ${options.prefix} is up to date`
      : `topology: ${options.prefix}: ${run.changes.length} change(s)`,
    {
      topics: topology.topics.length,
      queues: topology.queues.length,
      subscriptions: topology.subscriptions.length,
      sse: run.sse,
    },
  );
  return {
    topicArns: sortKeys(topicArns),
    queueUrls: sortKeys(queueUrls),
    queueArns: sortKeys(queueArns),
    dlqUrls: sortKeys(dlqUrls),
    dlqArns: sortKeys(dlqArns),
    subscriptionArns: sortKeys(subscriptionArns),
    changes: run.changes,
  };
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

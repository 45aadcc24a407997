// The SNS/SQS topology (events.md, "Topology"): one definition for the embedded broker, LocalStack and CDK.

import { ContractError } from '../errors.ts';
import { type EventType, eventCatalogue, eventTypes, isEventType } from '../events/catalogue.ts';
import { SERVICE_NAMES, type ServiceName } from '../services.ts';

export interface TopicSpec {
  /** Logical id, e.g. `identity-events`; the physical name is `physicalName(prefix, id)`. */
  id: string;
  producer: ServiceName;
  /**
   * `events` (default): the producer's CloudEvents, published from its outbox with the attribute
   * `type`. `provider-feedback`: notifications an outside provider publishes about the producer's
   * messages (SES delivery, bounce and complaint events of the producer's configuration set) — not
   * CloudEvents, no message attributes.
   */
  kind?: 'events' | 'provider-feedback';
}

export interface QueueSpec {
  /** Logical id: `<service>-inbox` or `notifications-commands`. */
  id: string;
  consumer: ServiceName;
  /** `provider-feedback`: a provider's own JSON (e.g. SES events), unfiltered, not CloudEvents. */
  kind: 'events' | 'commands' | 'provider-feedback';
  visibilityTimeoutSec: number;
  deadLetter: { id: string; maxReceiveCount: number };
}

export interface SubscriptionSpec {
  /** Topic id. */
  topic: string;
  /** Queue id. */
  queue: string;
  /**
   * Exactly the types delivered: filter policy `{"type": [...]}` on the message attribute `type`.
   * Empty for a provider-feedback subscription, which takes everything on its topic (filter `{}`).
   */
  types: EventType[];
}

export interface Topology {
  topics: TopicSpec[];
  queues: QueueSpec[];
  subscriptions: SubscriptionSpec[];
}

export const COMMANDS_QUEUE_ID = 'notifications-commands';
export const DEFAULT_MAX_RECEIVE_COUNT = 8;
export const INBOX_VISIBILITY_TIMEOUT_SEC = 30;
export const COMMANDS_VISIBILITY_TIMEOUT_SEC = 60;
/**
 * SES feedback: the notifications service's SES configuration set publishes its delivery, bounce and
 * complaint events to this topic (an SNS event destination), and the queue below receives them.
 */
export const SES_EVENTS_TOPIC_ID = 'ses-events';
export const SES_EVENTS_QUEUE_ID = 'notifications-ses-events';
export const PROVIDER_FEEDBACK_VISIBILITY_TIMEOUT_SEC = 30;
/** SNS allows at most 150 values in one filter policy. */
export const MAX_FILTER_POLICY_VALUES = 150;

export const topicIdOf = (service: ServiceName): string => `${service}-events`;
export const inboxIdOf = (service: ServiceName): string => `${service}-inbox`;
export const deadLetterIdOf = (queueId: string): string => `${queueId}-dlq`;

/**
 * The types each service consumes, from the catalogue's consumer lists plus the rule of events.md:
 * audit receives every type (audit.md: "every event type of every topic"), webhooks every type not
 * marked internal.
 */
function consumedBy(service: ServiceName): EventType[] {
  return eventTypes.filter((type) => {
    const definition = eventCatalogue[type];
    if (service === 'audit') return true;
    if (service === 'webhooks' && !definition.internal) return true;
    return (definition.consumers as readonly ServiceName[]).includes(service);
  });
}

/** The platform's own consumers: per service, the event types it handles (catalogue order). */
export const handledEvents: Readonly<Record<ServiceName, readonly EventType[]>> = Object.freeze(
  Object.fromEntries(SERVICE_NAMES.map((s) => [s, Object.freeze(consumedBy(s))])) as Record<
    ServiceName,
    readonly EventType[]
  >,
);

/** The services that consume `type`. */
export function consumersOf(type: EventType, handled = handledEvents): ServiceName[] {
  return SERVICE_NAMES.filter((s) => handled[s].includes(type));
}

/**
 * The topology for a set of consumers: a topic per producer, an inbox (+ DLQ) per consuming service,
 * one subscription per (topic, inbox) pair carrying a filter on exactly the handled types of that
 * producer, and `notifications-commands` (+ DLQ). Deterministic: same input, same output.
 */
export function buildTopology(
  handled: Readonly<Record<ServiceName, readonly EventType[]>> = handledEvents,
): Topology {
  const topics: TopicSpec[] = SERVICE_NAMES.map((producer) => ({ id: topicIdOf(producer), producer }));
  // Iterated above: only the services' own event topics carry catalogued types.
  const eventTopics = [...topics];
  const queues: QueueSpec[] = [];
  const subscriptions: SubscriptionSpec[] = [];

  for (const consumer of SERVICE_NAMES) {
    const types = handled[consumer] ?? [];
    for (const type of types) {
      if (!isEventType(type)) {
        throw new ContractError(
          'invalid_topology',
          `${consumer} handles "${String(type)}", which is not in the catalogue.`,
        );
      }
    }
    const wanted = new Set<EventType>(types);
    if (wanted.size === 0) continue;
    const queue = inboxIdOf(consumer);
    queues.push({
      id: queue,
      consumer,
      kind: 'events',
      visibilityTimeoutSec: INBOX_VISIBILITY_TIMEOUT_SEC,
      deadLetter: { id: deadLetterIdOf(queue), maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT },
    });
    for (const topic of eventTopics) {
      const fromTopic = eventTypes.filter(
        (t) => wanted.has(t) && eventCatalogue[t].producer === topic.producer,
      );
      if (fromTopic.length === 0) continue;
      if (fromTopic.length > MAX_FILTER_POLICY_VALUES) {
        throw new ContractError(
          'invalid_topology',
          `${queue} would filter ${fromTopic.length} types of ${topic.id}; SNS allows ${MAX_FILTER_POLICY_VALUES}.`,
        );
      }
      subscriptions.push({ topic: topic.id, queue, types: fromTopic });
    }
  }

  queues.push({
    id: COMMANDS_QUEUE_ID,
    consumer: 'notifications',
    kind: 'commands',
    visibilityTimeoutSec: COMMANDS_VISIBILITY_TIMEOUT_SEC,
    deadLetter: { id: deadLetterIdOf(COMMANDS_QUEUE_ID), maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT },
  });

  // SES feedback (notifications.md, "Delivery"): the configuration set's event destination, read by
  // notifications only, raw delivery without a filter (SES publishes no message attributes).
  topics.push({ id: SES_EVENTS_TOPIC_ID, producer: 'notifications', kind: 'provider-feedback' });
  queues.push({
    id: SES_EVENTS_QUEUE_ID,
    consumer: 'notifications',
    kind: 'provider-feedback',
    visibilityTimeoutSec: PROVIDER_FEEDBACK_VISIBILITY_TIMEOUT_SEC,
    deadLetter: { id: deadLetterIdOf(SES_EVENTS_QUEUE_ID), maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT },
  });
  subscriptions.push({ topic: SES_EVENTS_TOPIC_ID, queue: SES_EVENTS_QUEUE_ID, types: [] });
  return { topics, queues, subscriptions };
}

/** The platform's topology. */
export const topology: Topology = buildTopology();

/**
 * The SNS filter policy of a subscription (scope: message attributes). A subscription without types
 * (provider feedback) gets the empty policy `{}`, which SNS treats as "no filter": every message of
 * the topic is delivered.
 */
export function filterPolicyOf(subscription: Pick<SubscriptionSpec, 'types'>): { type?: string[] } {
  return subscription.types.length === 0 ? {} : { type: [...subscription.types] };
}

/** The topic a type is published on. */
export function topicOf(type: EventType): string {
  return topicIdOf(eventCatalogue[type].producer);
}

/** The inbox queue id of a service in a topology, if it consumes anything. */
export function inboxOf(service: ServiceName, of: Topology = topology): QueueSpec | undefined {
  return of.queues.find((q) => q.consumer === service && q.kind === 'events');
}

const PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
/** SQS queue names are at most 80 characters (SNS topic names 256). */
const MAX_QUEUE_NAME = 80;

/** The physical name of a topic or queue: `${prefix}-${id}` (`dev-identity-events`). */
export function physicalName(prefix: string, id: string): string {
  if (!PREFIX_PATTERN.test(prefix) || prefix.endsWith('-')) {
    throw new ContractError(
      'invalid_prefix',
      `Invalid environment prefix ${JSON.stringify(prefix)}: 1-40 letters, digits, '-' or '_', not ending in '-'.`,
    );
  }
  const name = `${prefix}-${id}`;
  if (name.length > MAX_QUEUE_NAME) {
    throw new ContractError('invalid_prefix', `"${name}" is longer than ${MAX_QUEUE_NAME} characters.`);
  }
  return name;
}

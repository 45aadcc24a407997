import { describe, expect, it } from '@jest/globals';
import { type EventType, eventCatalogue, eventTypes, isEventType } from '../events/catalogue.ts';
import { SERVICE_NAMES, type ServiceName } from '../services.ts';
import {
  buildTopology,
  COMMANDS_QUEUE_ID,
  consumersOf,
  filterPolicyOf,
  handledEvents,
  inboxOf,
  physicalName,
  SES_EVENTS_QUEUE_ID,
  SES_EVENTS_TOPIC_ID,
  type SubscriptionSpec,
  topicOf,
  topology,
} from './topology.ts';

/**
 * The "consumers" column of events.md's catalogue table, transcribed row by row ("every service"
 * spelled out: the services other than the producer). The catalogue must grant at least these.
 */
const SPEC_TABLE: [string[], ServiceName[]][] = [
  [['identity.user.registered'], ['notifications', 'authz', 'audit', 'webhooks']],
  [['identity.user.email_verified'], ['audit', 'webhooks']],
  [['identity.user.updated'], ['notifications', 'audit', 'webhooks']],
  [['identity.user.email_changed'], ['notifications', 'audit', 'webhooks']],
  [
    ['identity.user.disabled', 'identity.user.enabled'],
    ['audit', 'webhooks'],
  ],
  [
    ['identity.user.locked', 'identity.user.unlocked'],
    ['notifications', 'audit', 'webhooks'],
  ],
  [['identity.user.deleted'], ['authz', 'notifications', 'webhooks', 'audit']],
  [['identity.login.succeeded'], ['notifications', 'audit']],
  [['identity.login.failed'], ['audit']],
  [['identity.session.revoked'], ['audit', 'webhooks']],
  [['identity.token.reuse_detected'], ['audit', 'notifications']],
  [['identity.password.changed'], ['notifications', 'audit', 'webhooks']],
  [['identity.password.reset_requested'], ['audit']],
  [
    ['identity.mfa.enrolled', 'identity.mfa.removed'],
    ['notifications', 'audit', 'webhooks'],
  ],
  [['identity.client.created', 'identity.client.deleted'], ['audit']],
  [['identity.signing_key.rotated'], ['audit']],
  [
    ['authz.role.created', 'authz.role.updated', 'authz.role.deleted'],
    ['identity', 'audit'],
  ],
  [
    ['authz.role.assigned', 'authz.role.unassigned'],
    ['identity', 'audit', 'webhooks'],
  ],
  [['authz.grant.created', 'authz.grant.deleted'], ['audit']],
  [
    ['authz.group.member_added', 'authz.group.member_removed'],
    ['identity', 'audit'],
  ],
  [
    [
      'notifications.message.sent',
      'notifications.message.delivered',
      'notifications.message.failed',
      'notifications.message.bounced',
    ],
    ['audit'],
  ],
  [['webhooks.endpoint.created', 'webhooks.endpoint.disabled', 'webhooks.endpoint.deleted'], ['audit']],
  [['webhooks.delivery.exhausted'], ['audit', 'notifications']],
  [['audit.security.detected'], ['identity', 'notifications', 'webhooks']],
  [
    ['audit.compliance.export_requested', 'audit.compliance.erasure_requested'],
    ['identity', 'authz', 'notifications', 'webhooks'],
  ],
  [
    ['identity', 'authz', 'notifications', 'webhooks'].flatMap((s) => [
      `${s}.compliance.export_ready`,
      `${s}.compliance.erasure_completed`,
    ]),
    ['audit'],
  ],
  [
    ['audit.compliance.export_completed', 'audit.compliance.erasure_completed'],
    ['webhooks', 'notifications'],
  ],
];

/** SNS semantics of `{"type": [...]}` on a String message attribute: exact string match; `{}` admits all. */
function admits(subscription: SubscriptionSpec, messageType: string): boolean {
  const policy = filterPolicyOf(subscription);
  return policy.type === undefined || policy.type.includes(messageType);
}

describe("events.md's catalogue table", () => {
  it('is in the catalogue row by row, with at least the consumers it names', () => {
    const listed = SPEC_TABLE.flatMap(([types]) => types);
    for (const [types, consumers] of SPEC_TABLE) {
      for (const type of types) {
        expect(isEventType(type)).toBe(true);
        if (!isEventType(type)) continue;
        expect({ type, consumers: consumersOf(type) }).toEqual({
          type,
          consumers: expect.arrayContaining(consumers),
        });
      }
    }
    // Beyond the table: the audit checkpoint event audit.md asks for ("published as an event") and the
    // sampled denied decisions authz.md asks for ("Denied decisions can be sampled to the audit log").
    expect(eventTypes.filter((t) => !listed.includes(t))).toEqual([
      'authz.decision.denied',
      'audit.checkpoint.sealed',
    ]);
    expect(consumersOf('authz.decision.denied')).toEqual(['webhooks', 'audit']);
  });

  it('has audit receive every type and webhooks every type not marked internal', () => {
    expect([...handledEvents.audit]).toEqual([...eventTypes]);
    for (const type of eventTypes) {
      if (!eventCatalogue[type].internal) expect(handledEvents.webhooks).toContain(type);
    }
    expect(handledEvents.webhooks).not.toContain('identity.compliance.export_ready');
  });
});

describe('the topology', () => {
  it('has one topic per producer, an inbox + DLQ per consuming service, and the commands queue', () => {
    expect(topology.topics).toEqual([
      ...SERVICE_NAMES.map((producer) => ({ id: `${producer}-events`, producer })),
      { id: SES_EVENTS_TOPIC_ID, producer: 'notifications', kind: 'provider-feedback' },
    ]);
    expect(topology.queues.map((q) => q.id)).toEqual([
      'identity-inbox',
      'authz-inbox',
      'notifications-inbox',
      'webhooks-inbox',
      'audit-inbox',
      COMMANDS_QUEUE_ID,
      SES_EVENTS_QUEUE_ID,
    ]);
    for (const queue of topology.queues) {
      expect(queue.deadLetter).toEqual({ id: `${queue.id}-dlq`, maxReceiveCount: 8 });
    }
    expect(inboxOf('audit')?.kind).toBe('events');
    expect(topology.queues.find((q) => q.id === COMMANDS_QUEUE_ID)).toMatchObject({
      consumer: 'notifications',
      kind: 'commands',
    });
  });

  it("takes SES feedback for notifications on its own topic and queue, unfiltered (SES sets no 'type')", () => {
    expect(topology.queues.find((q) => q.id === SES_EVENTS_QUEUE_ID)).toEqual({
      id: 'notifications-ses-events',
      consumer: 'notifications',
      kind: 'provider-feedback',
      visibilityTimeoutSec: 30,
      deadLetter: { id: 'notifications-ses-events-dlq', maxReceiveCount: 8 },
    });
    const feedback = topology.subscriptions.filter((s) => s.topic === SES_EVENTS_TOPIC_ID);
    expect(feedback).toEqual([{ topic: 'ses-events', queue: 'notifications-ses-events', types: [] }]);
    expect(filterPolicyOf(feedback[0] as SubscriptionSpec)).toEqual({});
    // No CloudEvents type is ever routed to the feedback queue, and the feedback queue is nobody's inbox.
    expect(topology.subscriptions.filter((s) => s.queue === SES_EVENTS_QUEUE_ID)).toHaveLength(1);
    expect(inboxOf('notifications')?.id).toBe('notifications-inbox');
  });

  it('gives every consumed type a subscription of its consumer, from its producer topic', () => {
    for (const service of SERVICE_NAMES) {
      const inbox = inboxOf(service);
      for (const type of handledEvents[service]) {
        const subscription = topology.subscriptions.find(
          (s) => s.queue === inbox?.id && s.topic === topicOf(type),
        );
        expect({
          service,
          type,
          subscribed: subscription !== undefined && admits(subscription, type),
        }).toEqual({
          service,
          type,
          subscribed: true,
        });
      }
    }
  });

  it('has every subscribed type handled by the queue owner and published on that topic', () => {
    for (const subscription of topology.subscriptions) {
      const consumer = topology.queues.find((q) => q.id === subscription.queue)?.consumer;
      expect(consumer).toBeDefined();
      for (const type of subscription.types) {
        expect(handledEvents[consumer as ServiceName]).toContain(type);
        expect(topicOf(type)).toBe(subscription.topic);
      }
      expect(new Set(subscription.types).size).toBe(subscription.types.length);
    }
  });

  it('routes each type to exactly the queues of the services that handle it', () => {
    for (const type of eventTypes) {
      const delivered = topology.subscriptions
        .filter((s) => s.topic === topicOf(type) && admits(s, type))
        .map((s) => topology.queues.find((q) => q.id === s.queue)?.consumer);
      expect({ type, delivered }).toEqual({ type, delivered: consumersOf(type) });
    }
    // A type nobody handles reaches no queue.
    const nobody = buildTopology({ ...handledEvents, audit: [], webhooks: [] });
    expect(
      nobody.subscriptions.filter((s) => s.topic === 'identity-events' && admits(s, 'identity.login.failed')),
    ).toEqual([]);
  });

  it('builds from any consumer table, and refuses types outside the catalogue', () => {
    const handled = {
      identity: [],
      authz: ['identity.user.registered'],
      notifications: [],
      webhooks: [],
      audit: ['authz.role.created', 'identity.user.deleted'],
    } as Record<ServiceName, EventType[]>;
    expect(buildTopology(handled)).toEqual({
      topics: topology.topics,
      queues: [
        expect.objectContaining({ id: 'authz-inbox' }),
        expect.objectContaining({ id: 'audit-inbox' }),
        expect.objectContaining({ id: COMMANDS_QUEUE_ID }),
        expect.objectContaining({ id: SES_EVENTS_QUEUE_ID }),
      ],
      subscriptions: [
        { topic: 'identity-events', queue: 'authz-inbox', types: ['identity.user.registered'] },
        { topic: 'identity-events', queue: 'audit-inbox', types: ['identity.user.deleted'] },
        { topic: 'authz-events', queue: 'audit-inbox', types: ['authz.role.created'] },
        { topic: SES_EVENTS_TOPIC_ID, queue: SES_EVENTS_QUEUE_ID, types: [] },
      ],
    });
    expect(() => buildTopology({ ...handled, identity: ['identity.user.exploded' as EventType] })).toThrow(
      expect.objectContaining({ code: 'invalid_topology' }),
    );
  });

  it('keeps every filter policy within the SNS limit of 150 values', () => {
    for (const s of topology.subscriptions) {
      expect(filterPolicyOf(s).type?.length ?? 0).toBeLessThanOrEqual(150);
    }
  });
});

describe('physicalName', () => {
  it('prefixes ids with the environment', () => {
    expect(physicalName('dev', 'identity-events')).toBe('dev-identity-events');
    expect(physicalName('t1a2b3c4d5', 'audit-inbox-dlq')).toBe('t1a2b3c4d5-audit-inbox-dlq');
  });

  it('refuses empty, dashed or unsafe prefixes and names over the SQS limit', () => {
    for (const prefix of ['', 'dev-', '-dev', 'dev prod', 'dev/x', 'a'.repeat(41)]) {
      expect(() => physicalName(prefix, 'audit-inbox')).toThrow(
        expect.objectContaining({ code: 'invalid_prefix' }),
      );
    }
    expect(() => physicalName('a'.repeat(40), 'x'.repeat(40))).toThrow(/longer than 80/);
  });
});

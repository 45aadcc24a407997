import {
  type CloudEvent,
  createEvent,
  type EventType,
  exampleEvents,
  handledEvents,
} from '@authplatform/contracts';
import { describe, expect, it } from '@jest/globals';
import { auditFactsOf, userOf } from './record.ts';

const USER = '0193a5e2-6b00-7000-8000-000000000001';

describe('audit facts of an event', () => {
  it('every catalogued example gives a complete record', () => {
    for (const type of handledEvents.audit as readonly EventType[]) {
      for (const event of exampleEvents(type)) {
        const facts = auditFactsOf(event as CloudEvent);
        expect(facts.eventId).toBe(event.id);
        expect(facts.type).toBe(type);
        expect(['identity', 'authz', 'notifications', 'webhooks', 'audit']).toContain(facts.source);
        expect(Number.isNaN(facts.occurredAt.getTime())).toBe(false);
        expect(['success', 'failure']).toContain(facts.outcome);
      }
    }
  });

  it('a failed login is a failure by an anonymous actor about the user, with ip and user agent', () => {
    const [example] = exampleEvents('identity.login.failed');
    if (example === undefined) throw new Error('no example');
    const facts = auditFactsOf(example as CloudEvent);
    expect(facts).toMatchObject({ actorType: 'anonymous', actorId: null, outcome: 'failure' });
    expect(facts.ip).not.toBeNull();
  });

  it('an explicit actor wins (admin actions)', () => {
    const event = createEvent('identity.user.disabled', {
      user_id: USER,
      reason: 'abuse',
      actor: { type: 'admin', id: 'admin-7' },
    }) as CloudEvent;
    expect(auditFactsOf(event)).toMatchObject({ actorType: 'admin', actorId: 'admin-7', userId: USER });
  });

  it('finds the user in data, or in a user subject', () => {
    expect(userOf({ subject: undefined, data: { user_id: USER.toUpperCase() } })).toBe(USER);
    expect(userOf({ subject: `user/${USER}`, data: {} })).toBe(USER);
    expect(userOf({ subject: 'role/editor', data: { subject: `user:${USER}` } })).toBe(USER);
    expect(userOf({ subject: 'role/editor', data: { name: 'editor' } })).toBeNull();
    expect(userOf({ subject: undefined, data: { user_id: 'not-a-uuid' } })).toBeNull();
  });
});

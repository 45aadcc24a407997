import { describe, expect, it } from '@jest/globals';
import { HTTP, CloudEvent as SdkCloudEvent } from 'cloudevents';
import { ContractError } from '../errors.ts';
import { isUuidV7, uuidv7, uuidv7Time } from '../ids.ts';
import { exampleEvents } from '../schemas.ts';
import { type EventData, type EventType, eventCatalogue, eventTypes, producerOf } from './catalogue.ts';
import { type CloudEvent, dataschemaUrl } from './envelope.ts';
import {
  createEvent,
  createEventVersion,
  isEventOf,
  parseEvent,
  validateEventData,
  versionOf,
} from './events.ts';

const userId = '0193a5e2-6b00-7000-8000-000000000001';
const registered: EventData<'identity.user.registered'> = {
  user_id: userId,
  email: 'ada@example.com',
  locale: 'en',
  timezone: 'Europe/London',
  signup_method: 'self_service',
};

function expectRefused(input: unknown, code: string, detail: RegExp) {
  const result = parseEvent(input);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.code).toBe(code);
  expect(result.reason).toMatch(new RegExp(`^${code}: `));
  expect(result.reason).toMatch(detail);
}

describe('the catalogue', () => {
  it('has every type of the events.md v1 catalogue with at least one example each', () => {
    // events.md's table (50 types), audit.checkpoint.sealed and authz.decision.denied.
    expect(eventTypes).toHaveLength(52);
    for (const type of eventTypes) {
      expect(eventCatalogue[type].examples.length).toBeGreaterThan(0);
      expect(type.startsWith(`${producerOf(type)}.`)).toBe(true);
    }
  });

  it('has every example valid against its closed schema, which nothing unlisted passes', () => {
    for (const type of eventTypes) {
      for (const example of eventCatalogue[type].examples) {
        expect({ type, result: validateEventData(type, 1, example, 'closed') }).toEqual({
          type,
          result: { ok: true },
        });
        const extra = validateEventData(type, 1, { ...example, injected: 'x' }, 'closed');
        expect(extra.ok).toBe(false);
      }
    }
  });

  it('creates the concrete compliance part types for every service but audit', () => {
    for (const service of ['identity', 'authz', 'notifications', 'webhooks'] as const) {
      expect(eventTypes).toContain(`${service}.compliance.export_ready`);
      expect(eventTypes).toContain(`${service}.compliance.erasure_completed`);
      expect(eventCatalogue[`${service}.compliance.export_ready`].internal).toBe(true);
    }
    expect(producerOf('authz.compliance.erasure_completed')).toBe('authz');
  });
});

describe('createEvent', () => {
  it('fills the envelope: UUIDv7 id, source, subject from data, dataschema with the version, sequence', () => {
    const before = Date.now();
    const event = createEvent('identity.user.registered', registered, {
      sequence: 42,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(isUuidV7(event.id)).toBe(true);
    expect(uuidv7Time(event.id).getTime()).toBeGreaterThanOrEqual(before);
    expect(event).toEqual({
      specversion: '1.0',
      id: event.id,
      source: '/services/identity',
      type: 'identity.user.registered',
      subject: `user/${userId}`,
      time: event.time,
      datacontenttype: 'application/json',
      dataschema: 'https://schemas.authplatform.dev/identity.user.registered/1.json',
      sequence: '42',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      data: registered,
    });
    expect(new Date(event.time).toISOString()).toBe(event.time);
  });

  it('takes id, time, subject and a bigint or string sequence from the options', () => {
    const id = uuidv7();
    const event = createEvent(
      'authz.role.deleted',
      { name: 'editor' },
      {
        id,
        time: new Date('2026-01-02T03:04:05.006Z'),
        subject: 'role/editor',
        sequence: 12345678901234567890n,
      },
    );
    expect(event).toMatchObject({
      id,
      time: '2026-01-02T03:04:05.006Z',
      subject: 'role/editor',
      sequence: '12345678901234567890',
    });
    expect(createEvent('authz.role.deleted', { name: 'editor' }, { sequence: '7' }).sequence).toBe('7');
  });

  it('leaves out the subject when a field of its template is absent', () => {
    const event = createEvent('identity.login.failed', {
      reason: 'unknown_user',
      ip: '203.0.113.7',
      user_agent: 'curl/8',
      email_hash: 'a'.repeat(64),
    });
    expect('subject' in event).toBe(false);
  });

  it('refuses data that does not match the schema, with a code and the path', () => {
    const bad = { ...registered, email: 'not-an-email' };
    expect(() => createEvent('identity.user.registered', bad)).toThrow(ContractError);
    try {
      createEvent('identity.user.registered', bad);
    } catch (error) {
      expect((error as ContractError).code).toBe('invalid_event_data');
      expect((error as ContractError).message).toMatch(/\/data\/email must match format "email"/);
    }
  });

  it('types data per event type, and refuses at run time what the types refuse at compile time', () => {
    expect(() =>
      // @ts-expect-error signup_method takes only the catalogue's values
      createEvent('identity.user.registered', { ...registered, signup_method: 'carrier_pigeon' }),
    ).toThrow(expect.objectContaining({ code: 'invalid_event_data' }));
    expect(() =>
      // @ts-expect-error identity.user.deleted needs actor and erasure_request_id
      createEvent('identity.user.deleted', { user_id: userId }),
    ).toThrow(/must have required property 'actor'/);
    // @ts-expect-error not a type of the catalogue
    expect(() => createEvent('identity.user.exploded', registered)).toThrow(
      expect.objectContaining({ code: 'unknown_event_type' }),
    );
  });

  it('refuses properties the schema does not list (nothing unlisted reaches a topic)', () => {
    const withToken = { ...registered, token: 'abc' } as EventData<'identity.user.registered'>;
    expect(() => createEvent('identity.user.registered', withToken)).toThrow(/unknown property "token"/);
  });

  it('refuses an unknown type, a bad sequence and a bad traceparent', () => {
    const unknown = 'identity.user.exploded' as EventType;
    expect(() => createEvent(unknown, registered as never)).toThrow(
      expect.objectContaining({ code: 'unknown_event_type' }),
    );
    for (const sequence of [-1, 1.5, '01', 'x', Number.MAX_SAFE_INTEGER + 2]) {
      expect(() => createEvent('authz.role.deleted', { name: 'editor' }, { sequence })).toThrow(
        expect.objectContaining({ code: 'invalid_sequence' }),
      );
    }
    expect(() => createEvent('authz.role.deleted', { name: 'editor' }, { traceparent: 'nope' })).toThrow(
      expect.objectContaining({ code: 'invalid_event' }),
    );
  });

  it('creates events of a previous version only when that version exists', () => {
    expect(() => createEventVersion('authz.role.deleted', 2, { name: 'editor' })).toThrow(
      expect.objectContaining({ code: 'invalid_event_data', message: expect.stringMatching(/no version 2/) }),
    );
    expect(createEventVersion('authz.role.deleted', 1, { name: 'editor' }).dataschema).toBe(
      dataschemaUrl('authz.role.deleted', 1),
    );
  });
});

describe('uuidv7', () => {
  it('is increasing within one process, even within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every(isUuidV7)).toBe(true);
  });
});

describe('parseEvent', () => {
  const good = () => createEvent('identity.user.registered', registered, { sequence: 1 });

  it('accepts an event as an object and as the JSON text of an SQS body', () => {
    const event = good();
    expect(parseEvent(event)).toEqual({ ok: true, value: event });
    expect(parseEvent(JSON.stringify(event))).toEqual({ ok: true, value: event });
    expect(parseEvent(Buffer.from(JSON.stringify(event)))).toEqual({ ok: true, value: event });
  });

  it('accepts every catalogue example as a whole event', () => {
    for (const type of eventTypes) {
      for (const event of exampleEvents(type))
        expect({ type, result: parseEvent(event) }).toMatchObject({ type, result: { ok: true } });
    }
  });

  it('tolerates unknown data properties and CloudEvents extensions (forward compatibility)', () => {
    const event = { ...good(), partitionkey: 'p1', data: { ...registered, nickname: 'ada' } };
    expect(parseEvent(event).ok).toBe(true);
  });

  it('refuses what is not JSON or not an object', () => {
    expectRefused('{"specversion":', 'invalid_json', /JSON/);
    expectRefused('[1,2]', 'invalid_envelope', /must be a JSON object/);
    expectRefused(null, 'invalid_envelope', /must be a JSON object/);
    expectRefused(42, 'invalid_envelope', /must be a JSON object/);
  });

  it('refuses bad envelopes and says which attribute is wrong', () => {
    const { id: _id, ...withoutId } = good();
    expectRefused(withoutId, 'invalid_envelope', /must have required property 'id'/);
    expectRefused(
      { ...good(), specversion: '0.3' },
      'invalid_envelope',
      /\/specversion must be equal to constant/,
    );
    expectRefused(
      { ...good(), id: '6f1c1c9e-2f0a-4d8a-9a41-3b2f3e1d0c55' },
      'invalid_envelope',
      /\/id must match pattern/,
    );
    expectRefused(
      { ...good(), time: 'yesterday' },
      'invalid_envelope',
      /\/time must match format "date-time"/,
    );
    expectRefused({ ...good(), datacontenttype: 'text/xml' }, 'invalid_envelope', /\/datacontenttype/);
    expectRefused({ ...good(), sequence: 42 }, 'invalid_envelope', /\/sequence must be string/);
    expectRefused({ ...good(), data: 'x' }, 'invalid_envelope', /\/data must be object/);
    expectRefused({ ...good(), data_base64: 'eA==' }, 'invalid_envelope', /unknown property "data_base64"/);
    expectRefused(
      { ...good(), source: '/services/billing' },
      'invalid_envelope',
      /\/source must match pattern/,
    );
  });

  it('refuses unknown types, types from the wrong producer, and foreign or unknown schema versions', () => {
    expectRefused({ ...good(), type: 'identity.user.exploded' }, 'unknown_type', /identity\.user\.exploded/);
    expectRefused(
      { ...good(), source: '/services/authz' },
      'invalid_source',
      /comes from \/services\/identity/,
    );
    expectRefused(
      { ...good(), dataschema: dataschemaUrl('identity.user.updated', 1) },
      'invalid_dataschema',
      /not a schema of identity\.user\.registered/,
    );
    expectRefused(
      { ...good(), dataschema: dataschemaUrl('identity.user.registered', 2) },
      'unsupported_version',
      /version 2 is not known \(current: 1\)/,
    );
  });

  it('refuses data that breaks the schema of its type', () => {
    expectRefused(
      { ...good(), data: { ...registered, signup_method: 'carrier_pigeon' } },
      'invalid_data',
      /\/data\/signup_method must be one of/,
    );
    const { email: _email, ...noEmail } = registered;
    expectRefused({ ...good(), data: noEmail }, 'invalid_data', /must have required property 'email'/);
  });

  it('narrows to one type in its current version with isEventOf, and reads the version', () => {
    const parsed = parseEvent(JSON.stringify(good()));
    if (!parsed.ok) throw new Error(parsed.reason);
    const event: CloudEvent = parsed.value;
    expect(versionOf(event)).toBe(1);
    expect(isEventOf(event, 'identity.user.deleted')).toBe(false);
    if (!isEventOf(event, 'identity.user.registered')) throw new Error('not narrowed');
    const email: string = event.data.email;
    expect(email).toBe('ada@example.com');
  });
});

describe('the official CloudEvents SDK', () => {
  it('accepts every example event as a valid CloudEvent 1.0 (strict constructor)', () => {
    for (const type of eventTypes) {
      for (const event of exampleEvents(type)) {
        const sdkEvent = new SdkCloudEvent({ ...event });
        expect(sdkEvent.validate()).toBe(true);
        expect(sdkEvent.specversion).toBe('1.0');
        expect(sdkEvent.type).toBe(type);
        expect(sdkEvent.dataschema).toBe(event.dataschema);
        expect(sdkEvent.sequence).toBe(event.sequence);
      }
    }
  });

  it('reads our JSON as a structured-mode message, and its own structured messages parse with parseEvent', () => {
    const event = createEvent(
      'identity.login.succeeded',
      {
        user_id: userId,
        session_id: '0193a5e2-7000-7000-8000-00000000005e',
        amr: ['pwd'],
        ip: '203.0.113.7',
        user_agent: 'Firefox',
        new_device: false,
      },
      { sequence: 3, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    );

    const received = HTTP.toEvent({
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      body: JSON.stringify(event),
    });
    if (Array.isArray(received)) throw new Error('expected one event');
    expect(received.id).toBe(event.id);
    expect(received.source).toBe('/services/identity');
    expect(received.subject).toBe(`user/${userId}`);
    expect(received.traceparent).toBe(event.traceparent);
    expect(received.data).toEqual(event.data);

    const message = HTTP.structured(received);
    expect(message.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    const reparsed = parseEvent(message.body);
    expect(reparsed).toEqual({ ok: true, value: event });
  });

  it('agrees that an envelope without a source is not a CloudEvent, as parseEvent does', () => {
    const { source: _source, ...incomplete } = exampleEvents('identity.user.registered')[0] ?? {};
    expect(() => new SdkCloudEvent(incomplete)).toThrow();
    expect(parseEvent(incomplete).ok).toBe(false);
  });
});

import {
  type CloudEvent,
  type Command,
  createEvent,
  type EventData,
  exampleCommands,
  exampleEvents,
  parseCommand,
  parseEvent,
  uuidv7,
} from '@authplatform/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { InboxDatabase } from '../inbox/schema.ts';
import { createConsumerSpy, createQueueWithDlq, publishInvalid, sendMessage } from '../testing/index.ts';
import { createConsumer } from './consumer.ts';
import { openSuite, recordingLogger, type Suite } from './test-support.ts';
import type { Consumer, ConsumerOptions } from './types.ts';

// Compile-time: the contracts' parsers and messages fit the consumer as they are.
const eventParse: ConsumerOptions<CloudEvent, InboxDatabase>['parse'] = (body) => parseEvent(body);
const commandParse: ConsumerOptions<Command, InboxDatabase>['parse'] = (body) => parseCommand(body);

let suite: Suite<InboxDatabase>;
const consumers: Consumer[] = [];

beforeAll(async () => {
  suite = await openSuite<InboxDatabase>({}, 'consumer-contracts-test');
});

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await suite.close();
});

describe('the consumer with @authplatform/contracts', () => {
  it('handles catalogued events and dead-letters what parseEvent refuses, with its reason', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('events'),
    });
    const spy = createConsumerSpy();
    const verified: string[] = [];
    const consumer = createConsumer<CloudEvent, InboxDatabase>({
      db: suite.service.db,
      sqs: suite.clients.sqs,
      queueUrl,
      dlqUrl,
      parse: eventParse,
      waitTimeSeconds: 1,
      logger: recordingLogger(),
      onEvent: spy.onEvent,
      handlers: {
        'identity.user.email_verified': async (event) => {
          verified.push((event.data as { email: string }).email);
        },
      },
    });
    consumers.push(consumer);
    consumer.start();

    const [example] = exampleEvents('identity.user.email_verified');
    if (example === undefined)
      throw new Error('the catalogue has no example of identity.user.email_verified');
    const data = example.data as EventData<'identity.user.email_verified'>;
    const event = createEvent('identity.user.email_verified', data, { sequence: 7 });
    const badData = { ...event, id: uuidv7(), data: { ...data, email: 42 } };
    const [locked] = exampleEvents('identity.user.locked');
    const target = { sqs: suite.clients.sqs, queueUrl };
    await sendMessage(target, event);
    await sendMessage(target, badData);
    if (locked !== undefined) await sendMessage(target, { ...locked, id: uuidv7() });
    await publishInvalid(target, {
      body: JSON.stringify({ ...event, id: uuidv7(), type: 'identity.user.teleported' }),
    });

    await spy.waitFor({ id: event.id });
    await spy.waitFor({ kind: 'dead_lettered' }, { count: locked === undefined ? 2 : 3 });
    expect(verified).toEqual([data.email]);
    const dead = spy
      .matching({ kind: 'dead_lettered' })
      .map((e) => (e.kind === 'dead_lettered' ? e : undefined));
    expect(dead.find((e) => e?.id === badData.id)).toMatchObject({
      reason: 'invalid_message',
      detail: expect.stringMatching(/^invalid_data: /),
    });
    expect(dead.find((e) => e?.detail.startsWith('unknown_type: '))).toMatchObject({
      reason: 'invalid_message',
    });
    if (locked !== undefined) {
      // Catalogued, but this consumer has no handler for it.
      expect(dead.find((e) => e?.type === 'identity.user.locked')).toMatchObject({ reason: 'unknown_type' });
    }
  });

  it('gives two commands with one idempotency key one effect when keyed on it', async () => {
    const { queueUrl, dlqUrl } = await createQueueWithDlq(suite.clients.sqs, {
      name: suite.broker.name('commands'),
    });
    const spy = createConsumerSpy();
    const sent: string[] = [];
    const consumer = createConsumer<Command, InboxDatabase>({
      db: suite.service.db,
      sqs: suite.clients.sqs,
      queueUrl,
      dlqUrl,
      parse: commandParse,
      deduplicationKey: (command) => command.idempotency_key,
      waitTimeSeconds: 1,
      logger: recordingLogger(),
      onEvent: spy.onEvent,
      handlers: {
        send_email_verification: async (command) => {
          sent.push(command.id);
        },
      },
    });
    consumers.push(consumer);
    consumer.start();

    const [example] = exampleCommands('send_email_verification');
    if (example === undefined) throw new Error('the catalogue has no example of send_email_verification');
    const first = { ...example, id: uuidv7(), idempotency_key: `verify:${uuidv7()}` };
    const retried = { ...first, id: uuidv7() };
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, first);
    await spy.waitFor({ id: first.id });
    await sendMessage({ sqs: suite.clients.sqs, queueUrl }, retried);
    await spy.waitFor({ kind: 'duplicate', id: retried.id });
    expect(sent).toEqual([first.id]);
  });
});

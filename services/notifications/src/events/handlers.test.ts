import {
  type CloudEvent,
  type Command,
  commandTypes,
  createCommand,
  createEvent,
  type EventType,
  exampleCommands,
  exampleEvents,
  handledEvents,
  parseCommand,
  uuidv7,
} from '@authplatform/contracts';
import { type Consumer, createConsumer, handlerCoverage } from '@authplatform/messaging';
import { createConsumerSpy, createQueueWithDlq, sendMessage } from '@authplatform/messaging/testing';
import { createAwsClients, type TestBroker, testBroker } from '@authplatform/test-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type Kysely, sql } from 'kysely';
import { COMMAND_MESSAGES } from '../domain/routing/messages.ts';
import type { MessagesDatabase } from '../store/messages/schema.ts';
import { deliveryForTests } from './delivery.test-support.ts';
import { type HandlersHarness, silentLog, startHandlersHarness } from './handlers.test-support.ts';
import { CONTACT_WAIT_RECEIVES, createHandlers } from './handlers.ts';

let h: HandlersHarness;
let messagesDb: Kysely<MessagesDatabase>;
const delivery = () => deliveryForTests();
let handlers: ReturnType<typeof createHandlers>;
const broker: TestBroker = testBroker();

beforeAll(async () => {
  h = await startHandlersHarness();
  messagesDb = h.db as unknown as Kysely<MessagesDatabase>;
  handlers = createHandlers({ ...delivery(), defaultLocale: 'en' });
}, 60_000);

afterAll(async () => {
  await broker.cleanup();
  await h?.close();
});

beforeEach(async () => {
  await sql`truncate contacts, preferences, preference_skips, template_overrides, compliance_requests, messages, outbox, inbox cascade`.execute(
    h.db,
  );
});

async function messages() {
  return messagesDb
    .selectFrom('messages')
    .select([
      'source_id',
      'channel',
      'recipient',
      'user_id',
      'template_key',
      'locale',
      'timezone',
      'category',
      'status',
    ])
    .orderBy('created_at')
    .execute();
}

async function register(userId: string, email: string, locale = 'pt-BR', name?: string): Promise<void> {
  await h.deliver(
    handlers,
    createEvent('identity.user.registered', {
      user_id: userId,
      email,
      ...(name === undefined ? {} : { name }),
      locale,
      timezone: 'America/Sao_Paulo',
      signup_method: 'self_service',
    }) as CloudEvent,
  );
}

describe('handlers', () => {
  it('cover exactly the event types notifications consumes, and every command', () => {
    expect(handlerCoverage('notifications', Object.keys(handlers.events))).toEqual({
      missing: [],
      unexpected: [],
    });
    expect(Object.keys(handlers.commands).sort()).toEqual([...commandTypes].sort());
  });

  it('accept every catalogued example of the types they handle (contacts known)', async () => {
    for (const type of handledEvents.notifications as readonly EventType[]) {
      if (type === 'audit.compliance.export_requested') continue;
      for (const event of exampleEvents(type)) {
        const userId =
          (event.data as { user_id?: string; owner_id?: string }).owner_id ??
          (event.data as { user_id?: string }).user_id;
        if (userId !== undefined) await register(userId, `${userId.slice(-6)}@example.test`);
        await h.deliver(handlers, event as CloudEvent);
      }
    }
    for (const type of commandTypes)
      for (const command of exampleCommands(type)) await h.deliver(handlers, command as Command);
    expect((await messages()).length).toBeGreaterThan(commandTypes.length);
  });
});

describe('commands', () => {
  it.each(commandTypes.map((t) => [t]))(
    '%s queues one message with its template, channel and locale',
    async (type) => {
      const [command] = exampleCommands(type);
      if (command === undefined) throw new Error(`no example of ${type}`);
      const data = command.data as {
        recipient: { email?: string; phone?: string; user_id?: string };
        locale: string;
        timezone?: string;
      };
      const plan = COMMAND_MESSAGES[type];
      await h.deliver(handlers, command as Command);
      await h.deliver(handlers, command as Command); // redelivered (had the inbox missed it): still one message
      expect(await messages()).toEqual([
        {
          source_id: command.id,
          channel: plan.channel,
          recipient: (plan.channel === 'sms' ? data.recipient.phone : data.recipient.email)?.toLowerCase(),
          user_id: data.recipient.user_id ?? null,
          template_key: plan.templateKey,
          locale: data.locale,
          timezone: data.timezone ?? null,
          category: plan.category,
          status: 'queued',
        },
      ]);
    },
  );

  it('a command delivered three times through the commands queue makes one message (fauxqs, inbox)', async () => {
    const { sqs } = createAwsClients(broker);
    const { queueUrl, dlqUrl } = await createQueueWithDlq(sqs, {
      name: broker.name('notifications-commands'),
    });
    const spy = createConsumerSpy();
    const consumer: Consumer = createConsumer<Command, never>({
      db: h.db as unknown as Kysely<never>,
      sqs,
      queueUrl,
      dlqUrl,
      parse: (body) => parseCommand(body),
      handlers: handlers.commands as never,
      deduplicationKey: (c) => c.idempotency_key,
      waitTimeSeconds: 1,
      logger: silentLog,
      onEvent: spy.onEvent,
    });
    consumer.start();
    try {
      const command = createCommand(
        'send_password_reset',
        {
          recipient: { user_id: uuidv7(), email: 'Reset.Me@Example.test' },
          locale: 'es',
          template_data: {
            link: 'https://id.example.test/reset?token=abc',
            expires_at: new Date().toISOString(),
          },
        },
        { idempotencyKey: `password-reset:${uuidv7()}` },
      );
      // A sender retrying with a new command id but the same idempotency key is the same request.
      const retried = { ...command, id: uuidv7() };
      for (const copy of [command, command, retried]) await sendMessage({ sqs, queueUrl }, copy);
      await spy.waitFor({ id: command.id });
      await spy.waitFor({ kind: 'duplicate' }, { count: 2 });
      expect(await messages()).toMatchObject([
        {
          source_id: command.id,
          recipient: 'reset.me@example.test',
          template_key: 'password-reset',
          locale: 'es',
        },
      ]);
      const inbox = await sql<{ n: string }>`select count(*) as n from inbox`.execute(h.db);
      expect(Number(inbox.rows[0]?.n)).toBe(1);
    } finally {
      await consumer.stop();
      sqs.destroy();
    }
  }, 30_000);
});

describe('preferences', () => {
  it('skip an opted-out category (recorded, not sent) but never a security message', async () => {
    const owner = uuidv7();
    await register(owner, 'owner@example.test', 'en');
    await h.db
      .insertInto('preferences')
      .values([
        { user_id: owner, category: 'webhooks', channel: 'email', enabled: false },
        // Stored directly (the API refuses it): even then security messages go out.
        { user_id: owner, category: 'security', channel: 'email', enabled: false },
      ])
      .execute();
    const exhausted = createEvent('webhooks.delivery.exhausted', {
      endpoint_id: uuidv7(),
      url_host: 'hooks.example.test',
      owner_id: owner,
      event_id: uuidv7(),
      event_type: 'identity.user.registered',
      attempts: 8,
    });
    const changed = createEvent('identity.password.changed', { user_id: owner, method: 'change' });
    await h.deliver(handlers, exhausted as CloudEvent);
    await h.deliver(handlers, exhausted as CloudEvent);
    await h.deliver(handlers, changed as CloudEvent);
    expect(await messages()).toMatchObject([
      {
        source_id: changed.id,
        template_key: 'security-alert-password-changed',
        category: 'security',
        recipient: 'owner@example.test',
      },
    ]);
    expect(
      await h.db.selectFrom('preference_skips').select(['source_id', 'template_key', 'category']).execute(),
    ).toEqual([{ source_id: exhausted.id, template_key: 'webhook-failing', category: 'webhooks' }]);

    // Opting back in: the next failure is sent.
    await h.db.deleteFrom('preferences').where('user_id', '=', owner).execute();
    const again = createEvent('webhooks.delivery.exhausted', { ...exhausted.data, event_id: uuidv7() });
    await h.deliver(handlers, again as CloudEvent);
    expect((await messages()).map((m) => m.template_key)).toEqual([
      'security-alert-password-changed',
      'webhook-failing',
    ]);
  });
});

describe('alerts', () => {
  it('go to the contact in its locale and time zone; a new-device login only when the device is new', async () => {
    const user = uuidv7();
    await register(user, 'Ada@Example.test', 'pt-BR', 'Ada');
    const base = {
      user_id: user,
      session_id: uuidv7(),
      amr: ['pwd'],
      ip: '203.0.113.7',
      user_agent: 'Firefox',
    };
    await h.deliver(
      handlers,
      createEvent('identity.login.succeeded', { ...base, new_device: false }) as CloudEvent,
    );
    const fresh = createEvent('identity.login.succeeded', { ...base, new_device: true });
    await h.deliver(handlers, fresh as CloudEvent);
    expect(await messages()).toEqual([
      {
        source_id: fresh.id,
        channel: 'email',
        recipient: 'ada@example.test',
        user_id: user,
        template_key: 'new-device-login',
        locale: 'pt-BR',
        timezone: 'America/Sao_Paulo',
        category: 'security',
        status: 'queued',
      },
    ]);
  });

  it('an email change alerts the old address, and later alerts go to the new one', async () => {
    const user = uuidv7();
    await register(user, 'old@example.test');
    const change = createEvent('identity.user.email_changed', {
      user_id: user,
      old_email: 'old@example.test',
      new_email: 'new@example.test',
    });
    await h.deliver(handlers, change as CloudEvent);
    await h.deliver(
      handlers,
      createEvent('identity.mfa.enrolled', { user_id: user, method: 'totp' }) as CloudEvent,
    );
    expect((await messages()).map((m) => [m.template_key, m.recipient])).toEqual([
      ['security-alert-email-changed', 'old@example.test'],
      ['security-alert-mfa-enrolled', 'new@example.test'],
    ]);
  });

  it('wait (retry) for a contact that has not arrived yet, then give up without failing', async () => {
    const user = uuidv7();
    const locked = createEvent('identity.user.locked', { user_id: user, reason: 'too_many_failed_logins' });
    await expect(h.deliver(handlers, locked as CloudEvent, { receiveCount: 1 })).rejects.toMatchObject({
      code: 'contact_not_known_yet',
    });
    await h.deliver(handlers, locked as CloudEvent, { receiveCount: CONTACT_WAIT_RECEIVES });
    expect(await messages()).toEqual([]);
    await register(user, 'late@example.test', 'es');
    await h.deliver(handlers, locked as CloudEvent, { receiveCount: 2 });
    expect(await messages()).toMatchObject([{ template_key: 'security-alert-user-locked', locale: 'es' }]);
  });

  it('send detections to the user and to the security contact', async () => {
    const withContact = createHandlers({
      ...delivery(),
      defaultLocale: 'es',
      securityContactEmail: 'soc@example.test',
    });
    const user = uuidv7();
    await register(user, 'target@example.test', 'en');
    const detection = createEvent('audit.security.detected', {
      detection_id: uuidv7(),
      rule: 'brute_force',
      severity: 'high',
      user_id: user,
      evidence_event_ids: [uuidv7()],
    });
    await h.deliver(withContact, detection as CloudEvent);
    await h.deliver(withContact, detection as CloudEvent);
    expect((await messages()).map((m) => [m.recipient, m.locale, m.user_id]).sort()).toEqual([
      ['soc@example.test', 'es', null],
      ['target@example.test', 'en', user],
    ]);
  });

  it('find the user of a detection from its authz subject when it has no user_id', async () => {
    const user = uuidv7();
    await register(user, 'subject@example.test', 'en');
    const detection = createEvent('audit.security.detected', {
      detection_id: uuidv7(),
      rule: 'mfa_fatigue',
      severity: 'medium',
      subject: `user:${user}`,
      evidence_event_ids: [uuidv7()],
    });
    await h.deliver(handlers, detection as CloudEvent);
    await h.deliver(
      handlers,
      createEvent('audit.security.detected', {
        detection_id: uuidv7(),
        rule: 'password_spraying',
        severity: 'high',
        subject: 'client:billing',
        evidence_event_ids: [uuidv7()],
      }) as CloudEvent,
    );
    expect((await messages()).map((m) => [m.recipient, m.template_key])).toEqual([
      ['subject@example.test', 'security-alert-security-detected'],
    ]);
  });
});

describe('erasure', () => {
  it('removes the contact and preferences, pseudonymises messages, and reports once', async () => {
    const user = uuidv7();
    const other = uuidv7();
    await register(user, 'erase.me@example.test', 'en', 'Erase Me');
    await register(other, 'keep.me@example.test', 'en');
    await h.db
      .insertInto('preferences')
      .values({ user_id: user, category: 'webhooks', channel: 'sms', enabled: false })
      .execute();
    // The user is also an admin who overrode a template: the override stays, its author is forgotten.
    await h.db
      .insertInto('template_overrides')
      .values({
        key: 'password-reset',
        locale: 'en',
        content: JSON.stringify({ subject: 'Reset' }),
        updated_by: user,
      })
      .execute();
    await h.deliver(
      handlers,
      createEvent('identity.password.changed', { user_id: user, method: 'reset' }) as CloudEvent,
    );
    await h.deliver(
      handlers,
      createEvent('identity.password.changed', { user_id: other, method: 'reset' }) as CloudEvent,
    );
    // A message to the address that named no user (sign-up attempt before the account existed).
    await h.deliver(
      handlers,
      createCommand(
        'send_signup_attempt_existing',
        {
          recipient: { email: 'erase.me@example.test' },
          locale: 'en',
          template_data: { attempted_at: new Date().toISOString() },
        },
        { idempotencyKey: uuidv7() },
      ) as Command,
    );

    const requestId = uuidv7();
    await h.deliver(
      handlers,
      createEvent('audit.compliance.erasure_requested', {
        request_id: requestId,
        user_id: user,
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      }) as CloudEvent,
    );
    const contact = await h.db
      .selectFrom('contacts')
      .selectAll()
      .where('user_id', '=', user)
      .executeTakeFirstOrThrow();
    expect(contact).toMatchObject({
      email: null,
      name: null,
      locale: null,
      timezone: null,
      phone: null,
      versions: {},
    });
    expect(contact.erased_at).toBeInstanceOf(Date);
    expect(await h.db.selectFrom('preferences').selectAll().where('user_id', '=', user).execute()).toEqual(
      [],
    );
    expect(await h.db.selectFrom('template_overrides').select(['key', 'updated_by']).execute()).toEqual([
      { key: 'password-reset', updated_by: 'erased' },
    ]);
    const rows = await messages();
    expect(rows.filter((m) => m.recipient.includes('erase.me'))).toEqual([]);
    expect(rows.filter((m) => m.recipient.startsWith('erased:'))).toHaveLength(2);
    expect(rows.filter((m) => m.recipient === 'keep.me@example.test')).toHaveLength(1);

    const outbox = await sql<{
      type: string;
      payload: { data: unknown };
    }>`select type, payload from outbox`.execute(h.db);
    expect(outbox.rows).toEqual([
      {
        type: 'notifications.compliance.erasure_completed',
        payload: expect.objectContaining({
          data: {
            request_id: requestId,
            user_id: user,
            counts: { contacts: 1, preferences: 1, preference_skips: 0, template_overrides: 1, messages: 2 },
          },
        }),
      },
    ]);

    // identity.user.deleted for the same request: nothing left, nothing reported twice.
    await h.deliver(
      handlers,
      createEvent('identity.user.deleted', {
        user_id: user,
        actor: { type: 'user', id: user },
        erasure_request_id: requestId,
      }) as CloudEvent,
    );
    expect((await sql`select type from outbox`.execute(h.db)).rows).toHaveLength(1);
    // A late profile update cannot bring the contact back, and alerts about the user are not sent.
    await h.deliver(
      handlers,
      createEvent('identity.user.updated', { user_id: user, changed: ['name'], name: 'Back' }) as CloudEvent,
    );
    await h.deliver(
      handlers,
      createEvent('identity.mfa.removed', { user_id: user, method: 'totp' }) as CloudEvent,
    );
    expect(
      (await h.db.selectFrom('contacts').select('name').where('user_id', '=', user).executeTakeFirstOrThrow())
        .name,
    ).toBeNull();
    expect(await messages()).toHaveLength(3);
  });
});

/**
 * Test support of delivery: the real notifications service with delivery wired in (config, the
 * `0200_messages` migration, the routes and the plugin; a no-op for each once service.ts, config.ts,
 * the migration index and routes.ts list them), started on its own schema and broker prefix, with
 * SES at the test run's aws-ses-v2-local, SMS at a local Twilio stand-in, and admin tokens from a
 * local test issuer. Retries are shortened (backoff base 20 ms) so retry tests run in milliseconds.
 */
import { createServer } from 'node:net';
import { uuidv7 } from '@authplatform/contracts';
import type { ConsumerEvent } from '@authplatform/messaging';
import type { RunningService, ServiceDefinition } from '@authplatform/service-kit';
import { startServiceForTest, startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import {
  type TestBroker,
  type TestDatabase,
  type TestEmail,
  testBroker,
  testDatabase,
  testEmail,
} from '@authplatform/test-kit';
import { type TProperties, Type } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { config } from '../../config.ts';
import { createTemplateRenderer, type TemplateRenderer } from '../../domain/templates/index.ts';
import { deliveryRoutes } from '../../http/delivery-routes.ts';
import { routes } from '../../http/routes.ts';
import { service } from '../../service.ts';
import * as messagesMigration from '../../store/messages/0200_messages.ts';
import type { MessageRow } from '../../store/messages/messages-store.ts';
import type { MessagesDatabase } from '../../store/messages/schema.ts';
import { migrations } from '../../store/migrations/index.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../testing/twilio-stand-in.ts';
import { deliveryConfig } from './delivery-config.ts';
import { type DeliveryPluginOptions, deliveryPlugin } from './delivery-plugin.ts';
import { wakeDelivery } from './delivery-settings.ts';
import { type QueueMessageInput, type QueueMessageResult, queueMessage } from './queue-message.ts';
import type { SendResult } from './send-message.ts';

export const TEST_AUDIENCE = 'notifications-test';
export const TWILIO_FROM = '+15005550006';

type Context = Parameters<typeof routes>[0];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The service definition with delivery added (whatever of it service.ts already has is replaced). */
export function deliveryService(plugin: DeliveryPluginOptions): ServiceDefinition<TProperties> {
  return {
    ...service,
    config: Type.Object({ ...config.properties, ...deliveryConfig }),
    migrations: { ...migrations, '0200_messages': messagesMigration },
    routes: (context: Context) => {
      const mine = deliveryRoutes(context);
      const ids = new Set(mine.map((r) => r.operationId));
      return [...routes(context).filter((r) => !ids.has(r.operationId)), ...mine];
    },
    plugins: [...(service.plugins ?? []).filter((p) => p.name !== 'delivery'), deliveryPlugin(plugin)],
  } as unknown as ServiceDefinition<TProperties>;
}

export interface OutboxEvent {
  type: string;
  payload: { id: string; type: string; data: Record<string, unknown> };
}

export interface DeliveryHarness {
  url: string;
  running: RunningService<TProperties>;
  database: TestDatabase;
  broker: TestBroker;
  email: TestEmail;
  twilio: TwilioStandIn;
  issuer: TestIssuer;
  renderer: TemplateRenderer;
  db: Kysely<MessagesDatabase>;
  outcomes: Array<{ id: string; result: SendResult }>;
  /** What the SES feedback consumer reported (handled, duplicate, failed, dead_lettered, ...). */
  feedback: ConsumerEvent[];
  /** Queues in one transaction (as a handler would) and wakes the worker after the commit. */
  queue(
    input: Partial<QueueMessageInput> & Pick<QueueMessageInput, 'channel' | 'recipient'>,
  ): Promise<QueueMessageResult>;
  message(id: string): Promise<MessageRow>;
  /** Polls the message until `until` holds (default 10 s). */
  waitForMessage(id: string, until: (m: MessageRow) => boolean, timeoutMs?: number): Promise<MessageRow>;
  events(type?: string): Promise<OutboxEvent[]>;
  adminToken(permissions: string[]): string;
  get(path: string, token?: string): Promise<Response>;
  del(path: string, token?: string): Promise<Response>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Reuse another harness's database (two instances on one database); the first one drops it. */
  database?: TestDatabase;
  broker?: TestBroker;
  twilio?: TwilioStandIn;
  onOutcome?: DeliveryPluginOptions['onOutcome'];
  findOverride?: DeliveryPluginOptions['findOverride'];
}

let sharedRenderer: Promise<TemplateRenderer> | undefined;

export async function startDeliveryService(options: HarnessOptions = {}): Promise<DeliveryHarness> {
  sharedRenderer ??= createTemplateRenderer();
  const renderer = await sharedRenderer;
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await testDatabase());
  const broker = options.broker ?? testBroker();
  const email = testEmail();
  const ownsTwilio = options.twilio === undefined;
  const twilio = options.twilio ?? (await startTwilioStandIn());
  const issuer = await startTestIssuer({ audience: TEST_AUDIENCE });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const outcomes: Array<{ id: string; result: SendResult }> = [];
  const feedback: ConsumerEvent[] = [];
  const running = (await startServiceForTest(
    deliveryService({
      renderer,
      feedbackWaitTimeSeconds: 1,
      ...(options.findOverride === undefined ? {} : { findOverride: options.findOverride }),
      onFeedbackEvent: (event) => feedback.push(event),
      onOutcome: (message, result) => {
        outcomes.push({ id: message.id, result });
        options.onOutcome?.(message, result);
      },
    }),
    { database, broker },
    {
      PORT: String(port),
      TOKEN_ISSUER: issuer.issuer,
      TOKEN_AUDIENCE: TEST_AUDIENCE,
      JWKS_URL: issuer.jwksUrl,
      SES_ENDPOINT_URL: email.endpoint,
      SES_CONFIGURATION_SET: 'authplatform-test',
      EMAIL_FROM: 'Auth Platform <no-reply@example.test>',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM,
      TWILIO_API_BASE_URL: twilio.url,
      TWILIO_STATUS_CALLBACK_URL: `${url}/v1/providers/twilio/status`,
      DELIVERY_RETRY_BASE_MS: '20',
      DELIVERY_RETRY_MAX_MS: '100',
      DELIVERY_POLL_INTERVAL_MS: '100',
      DELIVERY_LEASE_MS: '10000',
      PROVIDER_TIMEOUT_MS: '3000',
      ...options.env,
    },
  )) as unknown as RunningService<TProperties>;
  const raw = running.database.db as Kysely<unknown>;
  const db = running.database.db.withTables<MessagesDatabase>() as unknown as Kysely<MessagesDatabase>;

  const harness: DeliveryHarness = {
    url: running.url,
    running,
    database,
    broker,
    email,
    twilio,
    issuer,
    renderer,
    db,
    outcomes,
    feedback,
    async queue(input) {
      const full: QueueMessageInput = {
        sourceId: uuidv7(),
        templateKey: 'otp-code',
        locale: 'en',
        category: 'security',
        data: { ...renderer.sampleData(input.templateKey ?? 'otp-code') },
        ...input,
      };
      const result = await db.transaction().execute((trx) => queueMessage(trx, full));
      wakeDelivery();
      return result;
    },
    async message(id) {
      return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    },
    async waitForMessage(id, until, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await harness.message(id);
        if (until(row)) return row;
        if (Date.now() > deadline) {
          throw new Error(
            `message ${id} still ${row.status} (attempts ${row.attempts}) after ${timeoutMs} ms`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async events(type) {
      const result =
        await sql<OutboxEvent>`select type, payload from outbox where kind = 'event' order by seq`.execute(
          raw,
        );
      return result.rows.filter((r) => type === undefined || r.type === type);
    },
    adminToken: (permissions) => issuer.sign({ sub: 'admin-1', permissions }),
    get: (path, token) =>
      fetch(`${running.url}${path}`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      }),
    del: (path, token) =>
      fetch(`${running.url}${path}`, {
        method: 'DELETE',
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      }),
    async stop() {
      await running.stop();
      await issuer.close();
      if (ownsTwilio) await twilio.close();
      if (ownsDatabase) {
        await broker.cleanup();
        await database.drop();
      }
    },
  };
  return harness;
}

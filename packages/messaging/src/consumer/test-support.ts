import { createDatabase, type Database, migrateToLatest } from '@authplatform/service-kit';
import {
  type AwsClients,
  createAwsClients,
  type TestBroker,
  type TestDatabase,
  testBroker,
  testDatabase,
} from '@authplatform/test-kit';
import type { Migration } from 'kysely/migration';
import { v7 as uuidv7 } from 'uuid';
import type { InboxDatabase } from '../inbox/schema.ts';
import { inboxMigrations } from '../inbox/schema.ts';
import { createConsumer } from './consumer.ts';
import type { ParseResult } from './contracts.ts';
import type { Consumer, ConsumerLogger, ConsumerOptions } from './types.ts';

/** The CloudEvent shape (structural, until `@authplatform/contracts` exports it). */
export interface TestEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema: string;
  sequence?: string;
  traceparent?: string;
  data: Record<string, unknown>;
}

export function testEvent(
  type: string,
  data: Record<string, unknown> = {},
  extra: { subject?: string; sequence?: number | string; traceparent?: string; id?: string } = {},
): TestEvent {
  const event: TestEvent = {
    specversion: '1.0',
    id: extra.id ?? uuidv7(),
    source: `/services/${type.split('.')[0]}`,
    type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: `https://schemas.authplatform.dev/${type}/1.json`,
    data,
  };
  if (extra.subject !== undefined) event.subject = extra.subject;
  if (extra.sequence !== undefined) event.sequence = String(extra.sequence);
  if (extra.traceparent !== undefined) event.traceparent = extra.traceparent;
  return event;
}

/**
 * Envelope validation standing in for the contracts' `parseEvent` in these tests: JSON, an object,
 * the required CloudEvents attributes as non-empty strings, an object `data`.
 */
export function parseTestEvent(body: string): ParseResult<TestEvent> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `body is not JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  const record = value as Record<string, unknown>;
  if (record.specversion !== '1.0') return { ok: false, reason: 'specversion must be "1.0"' };
  for (const key of ['id', 'source', 'type', 'time', 'dataschema']) {
    const field = record[key];
    if (typeof field !== 'string' || field === '')
      return { ok: false, reason: `${key} must be a non-empty string` };
  }
  if (record.data === null || typeof record.data !== 'object')
    return { ok: false, reason: 'data must be an object' };
  return { ok: true, value: record as unknown as TestEvent };
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  meta: Record<string, unknown>;
}

export function recordingLogger(): ConsumerLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, meta: Record<string, unknown> = {}) => {
      lines.push({ level, message, meta });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Suite<DB> {
  database: TestDatabase;
  broker: TestBroker;
  clients: AwsClients;
  service: Database<DB>;
  close(): Promise<void>;
}

/** A suite's Postgres schema with the inbox (and `extra` migrations) and its broker clients. */
export async function openSuite<DB extends InboxDatabase>(
  extra: Record<string, Migration> = {},
  service = 'consumer-test',
): Promise<Suite<DB>> {
  const database = await testDatabase();
  const broker = testBroker();
  const clients = createAwsClients(broker);
  const opened = await createDatabase<DB>({
    service,
    databaseUrl: database.url,
    dataDir: database.dataDir,
    schema: database.schema,
    poolSize: 20,
  });
  await migrateToLatest(opened, { migrations: { ...inboxMigrations, ...extra } });
  return {
    database,
    broker,
    clients,
    service: opened,
    async close() {
      await opened.close();
      await broker.cleanup();
      clients.destroy();
      await database.drop();
    },
  };
}

const gates = new Set<() => void>();

/** A promise with its resolver outside, to hold a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  gates.add(open);
  return { promise, open };
}

/** Opens every gate of the suite (in `afterAll`, so a failed test leaves no handler hanging). */
export function openAllGates(): void {
  for (const open of gates) open();
  gates.clear();
}

/** Deterministic shuffle (mulberry32) so a failing order can be replayed from its seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

/**
 * A consumer of test events on the suite's database and broker (1 s long polls, a recording logger),
 * added to `running` so the suite can stop every consumer it started.
 */
export function startTestConsumer<DB extends InboxDatabase>(
  suite: Suite<DB>,
  running: Consumer[],
  options: Partial<ConsumerOptions<TestEvent, DB>> &
    Pick<ConsumerOptions<TestEvent, DB>, 'queueUrl' | 'dlqUrl' | 'handlers'>,
): Consumer {
  const c = createConsumer<TestEvent, DB>({
    db: suite.service.db,
    sqs: suite.clients.sqs,
    parse: parseTestEvent,
    waitTimeSeconds: 1,
    logger: recordingLogger(),
    ...options,
  });
  running.push(c);
  return c;
}

import { createHash } from 'node:crypto';
import { type CloudEvent, createEvent, type EventType, exampleEvents, uuidv7 } from '@authplatform/contracts';
import {
  createComplianceExportParts,
  defaultComplianceBucket,
  type HandlerContext,
  type HandlerMap,
  handlerCoverage,
  messagingMigrations,
} from '@authplatform/messaging';
import { type TestConnection, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Kysely, sql } from 'kysely';
import * as accountsMigration from '../store/accounts/0004_accounts.ts';
import { activeLock } from '../store/admin/admin-users-store.ts';
import * as claimsMigration from '../store/claims/0007_claims_projection.ts';
import { claimsFor } from '../store/claims/claims-store.ts';
import * as eventSequencesMigration from '../store/events/0011_event_sequences.ts';
import * as refreshTokensMigration from '../store/sessions/0005_refresh_tokens.ts';
import { createHandlers, type IdentityEventsDatabase } from './handlers.ts';

let database: TestDatabase;
let connection: TestConnection<IdentityEventsDatabase>;
let db: Kysely<IdentityEventsDatabase>;
let handlers: HandlerMap<CloudEvent, IdentityEventsDatabase>;
// Export parts go to the test broker's S3 (fauxqs, or LocalStack when AWS_ENDPOINT_URL is set).
const broker = testBroker();
const s3 = new S3Client({
  endpoint: broker.endpoint,
  region: broker.region,
  credentials: broker.credentials,
  forcePathStyle: true,
});
const bucket = defaultComplianceBucket(broker.prefix);

beforeAll(async () => {
  handlers = createHandlers({
    complianceExports: createComplianceExportParts({ s3, bucket, createMissingBucket: true }),
  });
  database = await testDatabase();
  connection = await database.connect<IdentityEventsDatabase>();
  db = connection.db;
  for (const migration of Object.values(messagingMigrations)) await migration.up(db as never);
  await accountsMigration.up(db as never);
  await refreshTokensMigration.up(db as never);
  await claimsMigration.up(db as never);
  await eventSequencesMigration.up(db as never);
}, 60_000);

afterAll(async () => {
  await connection?.close();
  await database?.drop();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket })).catch(() => undefined);
  const keys = (listed?.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
  if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  if (listed !== undefined) await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  s3.destroy();
});

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Runs one event through its handler in a transaction, as the consumer does (without the inbox). */
async function deliver(event: CloudEvent): Promise<void> {
  const handler = (
    handlers as Record<string, (e: CloudEvent, c: HandlerContext<IdentityEventsDatabase>) => Promise<void>>
  )[event.type];
  if (handler === undefined) throw new Error(`no handler for ${event.type}`);
  await db.transaction().execute((trx) =>
    handler(event, {
      trx,
      log,
      receiveCount: 1,
      sqsMessageId: 'test',
      signal: new AbortController().signal,
      afterCommit: () => undefined,
    }),
  );
}

async function reset(): Promise<void> {
  await sql`truncate claims_roles, claims_assignments, claims_memberships, user_locks, outbox`.execute(db);
  await sql`delete from users`.execute(db);
}

/** mulberry32: a small seeded PRNG, so failures replay. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USERS = [
  '0193a5e2-6b00-7000-8000-000000000001',
  '0193a5e2-6b00-7000-8000-000000000002',
  '0193a5e2-6b00-7000-8000-000000000003',
];
const ROLES = ['viewer', 'editor', 'billing', 'auditor', 'platform-admin'];
const GROUPS = ['finance', 'staff', 'ops'];
const PERMS = [
  'documents:read',
  'documents:write',
  'invoices:read',
  'invoices:*',
  'audit:read',
  'users:read',
];

/** A random but causally ordered stream: a sequence per subject, times increasing. */
function randomStream(seed: number, length: number): CloudEvent[] {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const sequences = new Map<string, number>();
  const next = (subject: string) => {
    const n = (sequences.get(subject) ?? 0) + 1;
    sequences.set(subject, n);
    return n;
  };
  const start = Date.parse('2026-11-28T10:00:00Z');
  const events: CloudEvent[] = [];
  for (let i = 0; i < length; i += 1) {
    const time = new Date(start + i * 1000);
    const kind = rand();
    const subjectOf = () => (rand() < 0.7 ? `user:${pick(USERS)}` : `group:${pick(GROUPS)}`);
    if (kind < 0.3) {
      const name = pick(ROLES.slice(0, 4));
      const type: EventType =
        rand() < 0.15 ? 'authz.role.deleted' : rand() < 0.5 ? 'authz.role.created' : 'authz.role.updated';
      const data =
        type === 'authz.role.deleted'
          ? { name }
          : {
              name,
              permissions: [...new Set([pick(PERMS), pick(PERMS)])],
              includes: rand() < 0.4 ? [pick(ROLES.slice(0, 4).filter((r) => r !== name))] : [],
            };
      events.push(createEvent(type, data as never, { sequence: next(`role/${name}`), time }));
    } else if (kind < 0.7) {
      const subject = subjectOf();
      const type = rand() < 0.65 ? 'authz.role.assigned' : 'authz.role.unassigned';
      const data = { subject, role: pick(ROLES), ...(rand() < 0.2 ? { scope: 'project:42' } : {}) };
      events.push(createEvent(type, data, { sequence: next(subject), time }));
    } else {
      const subject = rand() < 0.8 ? `user:${pick(USERS)}` : `group:${pick(GROUPS)}`;
      const type = rand() < 0.65 ? 'authz.group.member_added' : 'authz.group.member_removed';
      events.push(createEvent(type, { group_id: pick(GROUPS), subject }, { sequence: next(subject), time }));
    }
  }
  return events;
}

async function allClaims(): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const user of USERS) result[user] = await claimsFor(db as Kysely<unknown>, user);
  return result;
}

describe('handlers', () => {
  it('cover exactly the types identity consumes', () => {
    expect(handlerCoverage('identity', Object.keys(handlers))).toEqual({ missing: [], unexpected: [] });
  });

  it('accept every catalogued example of the types they handle', async () => {
    await reset();
    for (const type of Object.keys(handlers) as EventType[]) {
      for (const event of exampleEvents(type)) await deliver(event as CloudEvent);
    }
  });
});

describe('claims projection', () => {
  it('flattens roles through includes and groups (nested), global assignments only', async () => {
    await reset();
    const [u1, u2] = USERS as [string, string];
    const events = [
      createEvent(
        'authz.role.created',
        { name: 'viewer', permissions: ['documents:read'], includes: [] },
        { sequence: 1 },
      ),
      createEvent(
        'authz.role.created',
        { name: 'editor', permissions: ['documents:write'], includes: ['viewer'] },
        { sequence: 1 },
      ),
      createEvent('authz.role.assigned', { subject: `user:${u1}`, role: 'editor' }, { sequence: 1 }),
      createEvent(
        'authz.role.assigned',
        { subject: `user:${u1}`, role: 'billing', scope: 'project:1' },
        { sequence: 2 },
      ),
      createEvent('authz.group.member_added', { group_id: 'staff', subject: `user:${u2}` }, { sequence: 1 }),
      createEvent('authz.group.member_added', { group_id: 'all', subject: 'group:staff' }, { sequence: 1 }),
      createEvent('authz.group.member_added', { group_id: 'staff', subject: 'group:all' }, { sequence: 2 }),
      createEvent('authz.role.assigned', { subject: 'group:all', role: 'platform-admin' }, { sequence: 1 }),
    ];
    for (const e of events) await deliver(e as CloudEvent);
    expect(await claimsFor(db as Kysely<unknown>, u1)).toEqual({
      roles: ['editor'],
      permissions: ['documents:read', 'documents:write'],
    });
    expect(await claimsFor(db as Kysely<unknown>, u2)).toEqual({
      roles: ['platform-admin'],
      permissions: ['*'],
    });
  });

  it('ignores an older event arriving after a newer one, and assignments from before a role deletion', async () => {
    await reset();
    const [u1] = USERS as [string];
    const t = (s: number) => new Date(Date.parse('2026-11-28T10:00:00Z') + s * 1000);
    const assigned = createEvent(
      'authz.role.assigned',
      { subject: `user:${u1}`, role: 'editor' },
      { sequence: 1, time: t(1) },
    );
    const unassigned = createEvent(
      'authz.role.unassigned',
      { subject: `user:${u1}`, role: 'editor' },
      { sequence: 2, time: t(2) },
    );
    await deliver(unassigned as CloudEvent);
    await deliver(assigned as CloudEvent);
    expect((await claimsFor(db as Kysely<unknown>, u1)).roles).toEqual([]);

    await deliver(
      createEvent(
        'authz.role.assigned',
        { subject: `user:${u1}`, role: 'editor' },
        { sequence: 3, time: t(3) },
      ) as CloudEvent,
    );
    await deliver(
      createEvent(
        'authz.role.created',
        { name: 'editor', permissions: ['x:y'], includes: [] },
        { sequence: 1, time: t(0) },
      ) as CloudEvent,
    );
    expect(await claimsFor(db as Kysely<unknown>, u1)).toEqual({ roles: ['editor'], permissions: ['x:y'] });
    // Deleted (with its assignments), then re-created: the old assignment does not come back.
    await deliver(
      createEvent(
        'authz.role.created',
        { name: 'editor', permissions: ['x:z'], includes: [] },
        { sequence: 3, time: t(6) },
      ) as CloudEvent,
    );
    await deliver(
      createEvent('authz.role.deleted', { name: 'editor' }, { sequence: 2, time: t(5) }) as CloudEvent,
    );
    expect(await claimsFor(db as Kysely<unknown>, u1)).toEqual({ roles: [], permissions: [] });
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'a shuffled, duplicated stream gives the ordered stream’s claims (seed %i)',
    async (seed) => {
      const stream = randomStream(seed, 80);
      await reset();
      for (const e of stream) await deliver(e);
      const ordered = await allClaims();

      const rand = prng(seed * 7919);
      const noisy = [...stream, ...stream.filter(() => rand() < 0.4)];
      for (let i = noisy.length - 1; i > 0; i -= 1) {
        const j = Math.floor(rand() * (i + 1));
        [noisy[i], noisy[j]] = [noisy[j] as CloudEvent, noisy[i] as CloudEvent];
      }
      await reset();
      for (const e of noisy) await deliver(e);
      expect(await allClaims()).toEqual(ordered);
      expect(Object.values(ordered).some((c) => (c as { roles: string[] }).roles.length > 0)).toBe(true);
    },
    60_000,
  );
});

describe('audit events', () => {
  async function insertUser(id: string): Promise<void> {
    await db
      .insertInto('users')
      .values({
        id,
        email: `${id}@example.test`,
        password_hash: null,
        name: null,
        locale: 'en',
        timezone: 'UTC',
        email_verified_at: null,
      })
      .execute();
  }

  it('locks a user on a high detection, once, and ignores low ones', async () => {
    await reset();
    const id = uuidv7();
    await insertUser(id);
    const detection = (severity: 'low' | 'high') =>
      createEvent('audit.security.detected', {
        detection_id: uuidv7(),
        rule: 'brute_force',
        severity,
        user_id: id,
        evidence_event_ids: [uuidv7()],
      }) as CloudEvent;
    await deliver(detection('low'));
    expect(await db.selectFrom('user_locks').selectAll().execute()).toHaveLength(0);
    expect(await activeLock(db as Kysely<unknown>, id)).toBeUndefined();
    await deliver(detection('high'));
    await deliver(detection('high'));
    const locks = await db.selectFrom('user_locks').selectAll().execute();
    expect(locks).toMatchObject([{ user_id: id, reason: 'security_detection', locked_until: null }]);
    expect(await activeLock(db as Kysely<unknown>, id)).toEqual({
      reason: 'security_detection',
      lockedUntil: null,
    });
    const events = await sql<{ type: string }>`select type from outbox`.execute(db);
    expect(events.rows.map((r) => r.type)).toEqual(['identity.user.locked']);
  });

  it('erases the account and reports the erasure; refuses exports for now', async () => {
    await reset();
    const id = uuidv7();
    await insertUser(id);
    await deliver(
      createEvent(
        'authz.role.assigned',
        { subject: `user:${id}`, role: 'viewer' },
        { sequence: 1 },
      ) as CloudEvent,
    );
    const requestId = uuidv7();
    const deadline = new Date(Date.now() + 86_400_000).toISOString();
    await deliver(
      createEvent('audit.compliance.erasure_requested', {
        request_id: requestId,
        user_id: id,
        deadline,
      }) as CloudEvent,
    );
    expect(await db.selectFrom('users').selectAll().where('id', '=', id).execute()).toHaveLength(0);
    const events = await sql<{
      type: string;
      payload: { data: Record<string, unknown> };
    }>`select type, payload from outbox`.execute(db);
    expect(events.rows).toMatchObject([
      {
        type: 'identity.compliance.erasure_completed',
        payload: { data: { request_id: requestId, counts: { users: 1, role_assignments: 1 } } },
      },
    ]);
  });
});

describe('compliance export', () => {
  it("stores identity's part (no credential material) and reports where it is", async () => {
    await reset();
    const id = uuidv7();
    await db
      .insertInto('users')
      .values({
        id,
        email: 'export-me@example.com',
        password_hash: '$argon2id$v=19$m=19456,t=2,p=1$secret',
        locale: 'en',
        timezone: 'UTC',
      })
      .execute();
    await db
      .insertInto('sessions')
      .values({ id: uuidv7(), user_id: id, ip: '203.0.113.9', user_agent: 'curl/8' })
      .execute();
    await deliver(
      createEvent(
        'authz.role.assigned',
        { subject: `user:${id}`, role: 'viewer' },
        { sequence: 1 },
      ) as CloudEvent,
    );
    const requestId = uuidv7();
    await deliver(
      createEvent('audit.compliance.export_requested', {
        request_id: requestId,
        user_id: id,
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      }) as CloudEvent,
    );

    const outbox = await sql<{ type: string; payload: { data: Record<string, unknown> } }>`
      select type, payload from outbox`.execute(db);
    expect(outbox.rows).toHaveLength(1);
    const ready = outbox.rows[0];
    expect(ready?.type).toBe('identity.compliance.export_ready');
    const data = ready?.payload.data as { location: string; records: number; bytes: number; sha256: string };
    expect(data).toMatchObject({ request_id: requestId, user_id: id, records: 3 });
    expect(data.location).toBe(`s3://${bucket}/exports/${requestId}/identity.json`);

    const object = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: `exports/${requestId}/identity.json` }),
    );
    const body = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
    expect(body.byteLength).toBe(data.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(data.sha256);
    const archive = JSON.parse(body.toString('utf8'));
    expect(archive.part.account).toMatchObject({ id, email: 'export-me@example.com' });
    expect(archive.part.sessions).toMatchObject([{ ip: '203.0.113.9', user_agent: 'curl/8' }]);
    expect(archive.part.role_assignments).toMatchObject([{ role: 'viewer', active: true }]);
    expect(body.toString('utf8')).not.toContain('argon2id');
    expect(body.toString('utf8')).not.toContain('password');
  });

  it('an export for an unknown user is an empty part, still reported', async () => {
    await reset();
    const requestId = uuidv7();
    await deliver(
      createEvent('audit.compliance.export_requested', {
        request_id: requestId,
        user_id: uuidv7(),
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      }) as CloudEvent,
    );
    const outbox = await sql<{ payload: { data: { records: number } } }>`select payload from outbox`.execute(
      db,
    );
    expect(outbox.rows.map((r) => r.payload.data.records)).toEqual([0]);
  });
});

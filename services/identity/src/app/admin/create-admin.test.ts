import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudEvent, createEvent } from '@authplatform/contracts';
import { messagingMigrations } from '@authplatform/messaging';
import type { RunningService, ServiceDefinition } from '@authplatform/service-kit';
import { startServiceForTest, startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import {
  type TestBroker,
  type TestConnection,
  type TestDatabase,
  testBroker,
  testDatabase,
} from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TProperties, Type } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { runCreateAdmin } from '../../cli/create-admin.ts';
import { verifyPassword } from '../../domain/password/index.ts';
import { projectionHandlers as handlers } from '../../events/handlers.ts';
import { service } from '../../service.ts';
import * as accountsMigration from '../../store/accounts/0004_accounts.ts';
import type { AccountsDatabase } from '../../store/accounts/schema.ts';
import * as claimsProjection from '../../store/claims/0007_claims_projection.ts';
import { claimsFor } from '../../store/claims/claims-store.ts';
import * as eventSequencesMigration from '../../store/events/0011_event_sequences.ts';
import { bootstrapAdmin, bootstrapAdminConfig, bootstrapAdminPlugin } from './bootstrap-admin.ts';
import { CreateAdminError, createAdmin } from './create-admin.ts';

type Registered = { type: string; payload: { data: Record<string, unknown> } };

async function registeredEvents(db: Kysely<unknown>): Promise<Registered[]> {
  return (
    await sql<Registered>`select type, payload from outbox where type = 'identity.user.registered' order by seq`.execute(
      db,
    )
  ).rows;
}

describe('createAdmin', () => {
  let database: TestDatabase;
  let connection: TestConnection<AccountsDatabase>;

  beforeAll(async () => {
    database = await testDatabase();
    connection = await database.connect<AccountsDatabase>();
    for (const m of Object.values(messagingMigrations)) await m.up(connection.db as never);
    await accountsMigration.up(connection.db as never);
    await eventSequencesMigration.up(connection.db as never);
  }, 60_000);

  afterAll(async () => {
    await connection?.close();
    await database?.drop();
  });

  it('creates a verified account once, with a bootstrap_admin registration event', async () => {
    const outcome = await createAdmin(connection.db, {
      email: ' Root@Example.TEST ',
      password: 'correct horse battery staple',
    });
    expect(outcome).toMatchObject({ kind: 'created', email: 'root@example.test' });
    expect(outcome).not.toHaveProperty('generatedPassword');
    const user = await connection.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', 'root@example.test')
      .executeTakeFirstOrThrow();
    expect(user.email_verified_at).not.toBeNull();
    expect(user.status).toBe('active');
    expect((await verifyPassword(user.password_hash as string, 'correct horse battery staple')).ok).toBe(
      true,
    );
    expect(await createAdmin(connection.db, { email: 'root@example.test' })).toEqual({
      kind: 'exists',
      userId: user.id,
      email: 'root@example.test',
    });
    const events = await registeredEvents(connection.db as Kysely<unknown>);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload.data).toMatchObject({ user_id: user.id, signup_method: 'bootstrap_admin' });
    expect(JSON.stringify(events)).not.toContain('correct horse');
  });

  it('refuses a weak password and a bad address', async () => {
    await expect(
      createAdmin(connection.db, { email: 'weak@example.test', password: 'password1234' }),
    ).rejects.toThrow(CreateAdminError);
    await expect(createAdmin(connection.db, { email: 'not an email' })).rejects.toThrow(/valid email/);
  });
});

describe('identity create-admin', () => {
  // A fresh schema: the command migrates it itself.
  let database: TestDatabase;
  let connection: TestConnection<AccountsDatabase>;

  beforeAll(async () => {
    database = await testDatabase();
  }, 60_000);

  afterAll(async () => {
    await connection?.close();
    await database?.drop();
  });

  const users = async () => {
    connection ??= await database.connect<AccountsDatabase>();
    return connection.db;
  };

  const cli = (argv: string[], stdin: string[] = []) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      DATABASE_URL: database.url,
      ...(database.dataDir === undefined ? {} : { DATA_DIR: database.dataDir }),
    };
    return runCreateAdmin([...argv, '--schema', database.schema], {
      env,
      stdin: (async function* () {
        yield* stdin;
      })(),
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    }).then((code) => ({ code, out, err }));
  };

  it('generates and prints the password once when none is given on stdin', async () => {
    const run = await cli(['--email', 'ops@example.test', '--name', 'Ops']);
    expect(run.code).toBe(0);
    const printed = run.out.join('\n').match(/shown once[^:]*: (\S+)/)?.[1];
    expect(printed).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const user = await (await users())
      .selectFrom('users')
      .selectAll()
      .where('email', '=', 'ops@example.test')
      .executeTakeFirstOrThrow();
    expect(user.name).toBe('Ops');
    expect((await verifyPassword(user.password_hash as string, printed as string)).ok).toBe(true);
    // Again: the address is taken, exit code 3, nothing printed on stdout.
    const again = await cli(['--email', 'ops@example.test']);
    expect(again).toMatchObject({ code: 3, out: [] });
  }, 60_000);

  it('reads the password from stdin with --password-stdin', async () => {
    const run = await cli(
      ['--email', 'stdin@example.test', '--password-stdin'],
      ['a long enough pass', 'phrase 42\nignored'],
    );
    expect(run.code).toBe(0);
    expect(run.out.join('\n')).not.toContain('password');
    const user = await (await users())
      .selectFrom('users')
      .selectAll()
      .where('email', '=', 'stdin@example.test')
      .executeTakeFirstOrThrow();
    expect((await verifyPassword(user.password_hash as string, 'a long enough passphrase 42')).ok).toBe(true);
    expect((await cli(['--email', 'x@example.test', '--password-stdin'], ['short\n'])).code).toBe(1);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--emial', 'x'])).code).toBe(2);
  }, 60_000);
});

describe('BOOTSTRAP_ADMIN_EMAIL on start', () => {
  const withBootstrap = {
    ...service,
    config: Type.Object({ ...service.config.properties, ...bootstrapAdminConfig }),
    migrations: { ...service.migrations, '0007_claims_projection': claimsProjection },
    plugins: [...(service.plugins ?? []), bootstrapAdminPlugin()],
  } as unknown as ServiceDefinition<TProperties>;

  let running: RunningService<TProperties>;
  let database: TestDatabase;
  let broker: TestBroker;
  let issuer: TestIssuer;

  beforeAll(async () => {
    database = await testDatabase();
    broker = testBroker();
    issuer = await startTestIssuer();
    running = (await startServiceForTest(
      withBootstrap,
      { database, broker },
      {
        JWKS_URL: issuer.jwksUrl,
        TOKEN_ISSUER: issuer.issuer,
        TOKEN_AUDIENCE: issuer.audience,
        BOOTSTRAP_ADMIN_EMAIL: 'Admin@Example.test',
        BOOTSTRAP_ADMIN_PASSWORD: 'bootstrap pass phrase 9',
      },
    )) as unknown as RunningService<TProperties>;
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    await issuer?.close();
    await broker?.cleanup();
    await database?.drop();
  });

  it('creates the administrator at start, once, and the claims follow authz’s assignment', async () => {
    const db = running.database.db as Kysely<unknown>;
    const users = running.database.db.withTables<AccountsDatabase>();
    const user = await users
      .selectFrom('users')
      .selectAll()
      .where('email', '=', 'admin@example.test')
      .executeTakeFirstOrThrow();
    expect(user.email_verified_at).not.toBeNull();
    expect((await verifyPassword(user.password_hash as string, 'bootstrap pass phrase 9')).ok).toBe(true);

    // A second start (or a second instance) finds it and does nothing.
    await bootstrapAdmin(running as never);
    const events = await registeredEvents(db);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload.data).toMatchObject({ user_id: user.id, signup_method: 'bootstrap_admin' });

    // What authz answers to it, through identity's projection.
    const assigned = createEvent('authz.role.assigned', {
      subject: `user:${user.id}`,
      role: 'platform-admin',
      actor: { type: 'system' },
    }) as CloudEvent;
    const handler = handlers['authz.role.assigned'] as unknown as (
      e: CloudEvent,
      c: unknown,
    ) => Promise<void>;
    await running.database.db.transaction().execute((trx) => handler(assigned, { trx }));
    expect(await claimsFor(db, user.id)).toEqual({ roles: ['platform-admin'], permissions: ['*'] });
  });

  it('writes a generated password to a private file, never to the logs, when BOOTSTRAP_ADMIN_PASSWORD is absent', async () => {
    const warnings: Record<string, unknown>[] = [];
    const logger = {
      info: () => undefined,
      warn: (_m: string, meta: Record<string, unknown>) => warnings.push(meta),
      error: () => undefined,
    };
    const dataDir = await mkdtemp(join(tmpdir(), 'bootstrap-'));
    try {
      await bootstrapAdmin({
        config: {
          ...running.config,
          DATA_DIR: dataDir,
          BOOTSTRAP_ADMIN_EMAIL: 'second@example.test',
          BOOTSTRAP_ADMIN_PASSWORD: undefined,
        },
        database: running.database,
        logger,
      } as never);
      expect(warnings).toHaveLength(1);
      const file = join(dataDir, 'bootstrap-admin-password');
      expect(warnings[0]).toEqual({ email: 'second@example.test', file });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const password = (await readFile(file, 'utf8')).trim();
      const users = running.database.db.withTables<AccountsDatabase>();
      const user = await users
        .selectFrom('users')
        .selectAll()
        .where('email', '=', 'second@example.test')
        .executeTakeFirstOrThrow();
      expect((await verifyPassword(user.password_hash as string, password)).ok).toBe(true);
      expect(JSON.stringify(warnings)).not.toContain(password);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

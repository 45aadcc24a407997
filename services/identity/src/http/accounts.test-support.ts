/**
 * Test support of the accounts routes: the real identity service with the accounts migration,
 * config and routes added (a no-op once `service.ts`, `routes.ts`, `config.ts` and the migration
 * index list them), started with its own JWKS as `JWKS_URL` so bearer routes are served.
 */
import { createServer } from 'node:net';
import type { RunningService, ServiceDefinition } from '@authplatform/service-kit';
import { startServiceForTest } from '@authplatform/service-kit/testing';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import { type TProperties, Type } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { accountsConfig } from '../app/accounts/accounts-config.ts';
import { config } from '../config.ts';
import { service } from '../service.ts';
import * as accountsMigration from '../store/accounts/0004_accounts.ts';
import type { AccountsDatabase } from '../store/accounts/schema.ts';
import { migrations } from '../store/migrations/index.ts';
import { accountsRoutes } from './accounts-routes.ts';
import { routes } from './routes.ts';

export const TEST_AUDIENCE = 'authplatform-test';

// The service's definition with the accounts parts merged in; typed loosely because TypeBox cannot
// relate the merged config object to the original one (the run-time config is a superset).
const accountsService = {
  ...service,
  config: Type.Object({ ...accountsConfig, ...config.properties }),
  migrations: { '0004_accounts': accountsMigration, ...migrations },
  routes: (context: Parameters<typeof routes>[0]) => {
    const base = routes(context);
    const served = new Set(base.map((r) => r.operationId));
    return [...base, ...accountsRoutes(context).filter((r) => !served.has(r.operationId))];
  },
} as unknown as ServiceDefinition<TProperties>;

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

export interface OutboxRow {
  kind: 'event' | 'command';
  type: string;
  payload: { id: string; type: string; subject?: string; data: Record<string, unknown> };
}

export interface AccountsHarness {
  url: string;
  running: RunningService<TProperties>;
  db: Kysely<AccountsDatabase>;
  issuer: string;
  jwksUrl: string;
  outbox(): Promise<OutboxRow[]>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts the service on a port chosen first, so `TOKEN_ISSUER` and `JWKS_URL` can name it. */
export async function startAccountsService(env: Record<string, string> = {}): Promise<AccountsHarness> {
  const database: TestDatabase = await testDatabase();
  const broker: TestBroker = testBroker();
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const jwksUrl = `${issuer}/.well-known/jwks.json`;
  const running = (await startServiceForTest(
    accountsService,
    { database, broker },
    {
      PORT: String(port),
      TOKEN_ISSUER: issuer,
      TOKEN_AUDIENCE: TEST_AUDIENCE,
      JWKS_URL: jwksUrl,
      ACCOUNT_LINK_BASE_URL: 'https://app.example.test',
      ...env,
    },
  )) as unknown as RunningService<TProperties>;
  const raw = running.database.db as Kysely<unknown>;
  return {
    url: running.url,
    running,
    db: running.database.db.withTables<AccountsDatabase>(),
    issuer,
    jwksUrl,
    async outbox() {
      const result = await sql<OutboxRow>`select kind, type, payload from outbox order by seq`.execute(raw);
      return result.rows;
    },
    post(path, body, headers = {}) {
      return fetch(`${running.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    },
    async stop() {
      await running.stop();
      await broker.cleanup();
      await database.drop();
    },
  };
}

let counter = 0;
/** A fresh address per call (suites share nothing, but tests inside one suite must not collide). */
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}.${Date.now().toString(36)}.${counter}@example.test`;
}

/** The token of the newest `send_email_verification` command to `email`. */
export async function verificationTokenFor(h: AccountsHarness, email: string): Promise<string> {
  const rows = (await h.outbox()).filter(
    (r) =>
      r.type === 'send_email_verification' &&
      (r.payload.data.recipient as { email: string }).email === email.toLowerCase(),
  );
  const last = rows.at(-1);
  if (last === undefined) throw new Error(`no verification command for ${email}`);
  const link = new URL((last.payload.data.template_data as { link: string }).link);
  const token = link.searchParams.get('token');
  if (token === null) throw new Error('link without token');
  return token;
}

/** Signs up and verifies an account; returns its id. */
export async function createVerifiedUser(
  h: AccountsHarness,
  email: string,
  password: string,
): Promise<string> {
  const signup = await h.post('/v1/signup', { email, password });
  if (signup.status !== 202) throw new Error(`signup ${signup.status}: ${await signup.text()}`);
  const token = await verificationTokenFor(h, email);
  const confirm = await h.post('/v1/email-verification/confirm', { token });
  if (confirm.status !== 200) throw new Error(`confirm ${confirm.status}: ${await confirm.text()}`);
  const user = await h.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .executeTakeFirstOrThrow();
  return user.id;
}

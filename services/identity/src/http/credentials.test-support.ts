/**
 * Test support of the credentials routes: the real identity service with the credentials migration
 * and routes added (a no-op once `routes.ts` and the migration index list them), started with its
 * own JWKS as `JWKS_URL` so bearer routes are served. The harness is a superset of the accounts
 * one, so `createVerifiedUser` and `uniqueEmail` from `accounts.test-support.ts` work with it.
 */
import { createServer } from 'node:net';
import type { RunningService, ServiceDefinition } from '@authplatform/service-kit';
import { startServiceForTest } from '@authplatform/service-kit/testing';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import type { TProperties } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { type CredentialsDeps, credentialsFor } from '../app/credentials/deps.ts';
import { keysFor } from '../app/keys/keys-module.ts';
import { service } from '../service.ts';
import * as credentialTokens from '../store/credentials/0006_credential_tokens.ts';
import type { CredentialsDatabase } from '../store/credentials/schema.ts';
import { migrations } from '../store/migrations/index.ts';
import type { AccountsHarness, OutboxRow } from './accounts.test-support.ts';
import { credentialsRoutes } from './credentials-routes.ts';
import { routes } from './routes.ts';

export const TEST_AUDIENCE = 'authplatform-test';

// Typed loosely: the definition's generic config type cannot be related to the spread copy.
const credentialsService = {
  ...service,
  migrations: { ...migrations, '0006_credential_tokens': credentialTokens },
  routes: (context: Parameters<typeof routes>[0]) => {
    const base = routes(context);
    const served = new Set(base.map((r) => r.operationId));
    return [...base, ...credentialsRoutes(context).filter((r) => !served.has(r.operationId))];
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

export interface LoggedIn {
  token: string;
  sessionId: string;
}

export interface CredentialsHarness extends AccountsHarness {
  cdb: Kysely<CredentialsDatabase>;
  /** The running service's credentials module (to shorten the reset floor in a test, say). */
  deps(): CredentialsDeps;
  keys(): ReturnType<typeof keysFor>;
  request(method: string, path: string, body?: unknown, token?: string): Promise<Response>;
  login(email: string, password: string, userAgent?: string): Promise<LoggedIn>;
}

export async function startCredentialsService(env: Record<string, string> = {}): Promise<CredentialsHarness> {
  const database: TestDatabase = await testDatabase();
  const broker: TestBroker = testBroker();
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const jwksUrl = `${issuer}/.well-known/jwks.json`;
  const running = (await startServiceForTest(
    credentialsService,
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
  const context = {
    config: running.config,
    database: running.database,
    logger: running.logger,
    lifecycle: { onShutdown: () => undefined },
  };
  const request = (method: string, path: string, body?: unknown, token?: string) =>
    fetch(`${running.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return {
    url: running.url,
    running,
    db: running.database.db.withTables<AccountsHarness['db'] extends Kysely<infer D> ? D : never>(),
    cdb: running.database.db.withTables<CredentialsDatabase>(),
    issuer,
    jwksUrl,
    deps: () => credentialsFor(context as never),
    keys: () => keysFor(context as never),
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
    request,
    async login(email, password, userAgent = 'jest') {
      const res = await fetch(`${running.url}/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': userAgent },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`login ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { access_token: string; session_id: string };
      return { token: body.access_token, sessionId: body.session_id };
    },
    async stop() {
      await running.stop();
      await broker.cleanup();
      await database.drop();
    },
  };
}

/** The `token` of the link in the newest command of `type` to `email`. */
export async function linkTokenFor(h: AccountsHarness, type: string, email: string): Promise<string> {
  const rows = (await h.outbox()).filter(
    (r) =>
      r.kind === 'command' &&
      r.type === type &&
      (r.payload.data.recipient as { email: string }).email === email.toLowerCase(),
  );
  const last = rows.at(-1);
  if (last === undefined) throw new Error(`no ${type} command for ${email}`);
  const token = new URL((last.payload.data.template_data as { link: string }).link).searchParams.get('token');
  if (token === null) throw new Error('link without token');
  return token;
}

/** Every link token in any command of the outbox. */
export async function allCommandTokens(h: AccountsHarness): Promise<string[]> {
  return (await h.outbox())
    .filter((r) => r.kind === 'command')
    .map((r) => (r.payload.data.template_data as { link?: string } | undefined)?.link)
    .filter((link): link is string => typeof link === 'string')
    .map((link) => new URL(link).searchParams.get('token') ?? '')
    .filter((t) => t !== '');
}

/** Live (not revoked) session ids of a user. */
export async function liveSessions(h: CredentialsHarness, userId: string): Promise<string[]> {
  const rows = await h.cdb
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Test support of sessions and refresh tokens: the real identity service with `sessionsConfig`, the
 * `0005_refresh_tokens` migration, the sessions routes and the refresh grant added (a no-op once
 * config.ts, the migration index and routes.ts list them), started with its own JWKS as `JWKS_URL`.
 */
import { createServer } from 'node:net';
import type { RunningService, ServiceDefinition } from '@authplatform/service-kit';
import { startServiceForTest } from '@authplatform/service-kit/testing';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import { type TProperties, Type } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { accountsConfig } from '../app/accounts/accounts-config.ts';
import { clientsFor } from '../app/clients/clients-module.ts';
import { sessionsConfig } from '../app/sessions/sessions-config.ts';
import { refreshGrantFor, sessionsFor } from '../app/sessions/sessions-module.ts';
import { config } from '../config.ts';
import { service } from '../service.ts';
import * as accountsMigration from '../store/accounts/0004_accounts.ts';
import { migrations } from '../store/migrations/index.ts';
import * as refreshTokensMigration from '../store/sessions/0005_refresh_tokens.ts';
import type { SessionsDatabase } from '../store/sessions/schema.ts';
import type { AccountsHarness, OutboxRow } from './accounts.test-support.ts';
import { oauthRoutes } from './oauth-routes.ts';
import { routes } from './routes.ts';
import { sessionsRoutes } from './sessions-routes.ts';

export const TEST_AUDIENCE = 'authplatform-test';

type Context = Parameters<typeof routes>[0];

const REPLACED = new Set(['oauthToken', 'oauthIntrospect', 'oauthRevoke']);

// Typed loosely: TypeBox cannot relate the merged config object to the original one.
const sessionsService = {
  ...service,
  config: Type.Object({ ...accountsConfig, ...sessionsConfig, ...config.properties }),
  migrations: {
    '0004_accounts': accountsMigration,
    ...migrations,
    '0005_refresh_tokens': refreshTokensMigration,
  },
  routes: (context: Context) => {
    const sessions = sessionsFor(context);
    const clients = clientsFor(context);
    const mine = [
      ...oauthRoutes({
        oauth: clients.oauth,
        refresh: refreshGrantFor(sessions, clients.authenticate),
        trustedProxyHops: sessions.trustedProxyHops,
      }),
      ...sessionsRoutes(sessions),
    ];
    const ids = new Set(mine.map((r) => r.operationId));
    return [
      ...routes(context).filter((r) => !REPLACED.has(r.operationId) && !ids.has(r.operationId)),
      ...mine,
    ];
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

export interface SessionsHarness extends Omit<AccountsHarness, 'db'> {
  db: Kysely<SessionsDatabase>;
  /** Raw SQL (test-controlled text only) in the service's schema. */
  exec(text: string): Promise<void>;
  postForm(path: string, params: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  get(path: string, token: string): Promise<Response>;
  del(path: string, token: string): Promise<Response>;
}

export async function startSessionsService(env: Record<string, string> = {}): Promise<SessionsHarness> {
  const database: TestDatabase = await testDatabase();
  const broker: TestBroker = testBroker();
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const jwksUrl = `${issuer}/.well-known/jwks.json`;
  const running = (await startServiceForTest(
    sessionsService,
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
  const url = running.url;
  return {
    url,
    running,
    db: running.database.db.withTables<SessionsDatabase>(),
    issuer,
    jwksUrl,
    async outbox() {
      const result = await sql<OutboxRow>`select kind, type, payload from outbox order by seq`.execute(raw);
      return result.rows;
    },
    async exec(text) {
      await sql.raw(text).execute(raw);
    },
    post(path, body, headers = {}) {
      return fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    },
    postForm(path, params, headers = {}) {
      return fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(params).toString(),
      });
    },
    get(path, token) {
      return fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    },
    del(path, token) {
      return fetch(`${url}${path}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    },
    async stop() {
      await running.stop();
      await broker.cleanup();
      await database.drop();
    },
  };
}

export interface LoginTokens {
  access_token: string;
  refresh_token: string;
  session_id: string;
}

export async function loginTokens(h: SessionsHarness, email: string, password: string): Promise<LoginTokens> {
  const res = await h.post('/v1/login', { email, password });
  if (res.status !== 200) throw new Error(`login ${res.status}: ${await res.text()}`);
  return (await res.json()) as LoginTokens;
}

/** `grant_type=refresh_token` as the public first-party client. */
export function refresh(h: SessionsHarness, refreshToken: string, extra: Record<string, string> = {}) {
  return h.postForm('/oauth2/token', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: 'platform',
    ...extra,
  });
}

/**
 * Test wiring of OAuth 2 clients: the identity service as it is once `clientsConfig`, the
 * `0003_oauth_clients` migration and the client routes are listed in config.ts,
 * store/migrations/index.ts and http/routes.ts (see the report of this change), started for real
 * with a test issuer for admin tokens.
 */
import type { RunningService, ServiceDefinition } from '@authplatform/service-kit';
import { defineService } from '@authplatform/service-kit';
import { startServiceForTest, startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import { type TProperties, Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { clientsConfig, clientsProductionRules } from '../app/clients/clients-config.ts';
import { clientsFor } from '../app/clients/clients-module.ts';
import { keysFor } from '../app/keys/keys-module.ts';
import { config } from '../config.ts';
import { service } from '../service.ts';
import * as oauthClients from '../store/clients/0003_oauth_clients.ts';
import { clientsRoutes } from './clients-routes.ts';
import { oauthRoutes } from './oauth-routes.ts';

export const TEST_PEPPER = Buffer.alloc(32, 7).toString('base64');

type Context = Parameters<typeof clientsFor>[0];

/** `service` plus the client wiring (what service.ts, config.ts, routes.ts and migrations/index.ts will say). */
export const serviceWithClients = defineService({
  ...(service as unknown as ServiceDefinition<TProperties>), // re-typed below with the wider config
  config: Type.Object({ ...config.properties, ...clientsConfig }),
  migrations: { ...service.migrations, '0003_oauth_clients': oauthClients },
  // Written so that it keeps working once service.ts and routes.ts include the wiring themselves.
  productionRules: (cfg) => [
    ...new Set([...(service.productionRules?.(cfg as never) ?? []), ...clientsProductionRules(cfg as never)]),
  ],
  routes: (context) => {
    const base = service.routes(context as never);
    if (base.some((route) => route.path === '/oauth2/token')) return base;
    const clients = clientsFor(context as unknown as Context);
    return [
      ...base,
      ...oauthRoutes({ oauth: clients.oauth }),
      ...clientsRoutes({ clients: clients.clients, admin: context.authenticator !== undefined }),
    ];
  },
});

export interface OAuthHarness {
  url: string;
  running: RunningService<TProperties>;
  database: TestDatabase;
  issuer: TestIssuer;
  /** An admin token from the test issuer with these permissions. */
  adminToken(permissions: string[], sub?: string): string;
  keys(): ReturnType<typeof keysFor>;
  /** Raw SQL (test-controlled text only) in the service's schema. */
  query<T>(text: string): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startOAuthHarness(env: Record<string, string> = {}): Promise<OAuthHarness> {
  const database = await testDatabase();
  const broker: TestBroker = testBroker();
  const issuer = await startTestIssuer();
  const running = (await startServiceForTest(
    serviceWithClients,
    { database, broker },
    {
      JWKS_URL: issuer.jwksUrl,
      TOKEN_ISSUER: issuer.issuer,
      TOKEN_AUDIENCE: issuer.audience,
      CLIENT_SECRET_PEPPER: TEST_PEPPER,
      ...env,
    },
  )) as unknown as RunningService<TProperties>;
  return {
    url: running.url,
    running,
    database,
    issuer,
    adminToken: (permissions, sub = 'admin-1') => issuer.sign({ sub, permissions }),
    keys: () =>
      keysFor({ config: running.config, database: running.database, logger: running.logger } as never),
    query: async <T>(text: string) => (await sql.raw<T>(text).execute(running.database.db)).rows,
    stop: async () => {
      await running.stop();
      await issuer.close();
      await broker.cleanup();
      await database.drop();
    },
  };
}

/** `Authorization: Basic` for a client (RFC 6749 §2.3.1: form-urlencoded id and secret). */
export function basic(clientId: string, secret: string): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export const FORM = 'application/x-www-form-urlencoded';

/** POSTs a form to an OAuth endpoint. */
export function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body: form(params) });
}

export interface CreatedClient {
  client_id: string;
  client_secret: string;
  scopes: string[];
  permissions: string[];
}

export async function createClient(
  harness: OAuthHarness,
  body: Record<string, unknown> = { name: 'Billing service' },
  permissions: string[] = ['clients:write', '*'],
): Promise<CreatedClient> {
  const res = await fetch(`${harness.url}/v1/admin/clients`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${harness.adminToken(permissions)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`createClient: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedClient;
}

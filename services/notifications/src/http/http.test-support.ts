/**
 * Test support of the notifications HTTP API: the real service (config, migrations, routes) started
 * on a suite schema with a local token issuer, without its background plugins (consumers, delivery
 * worker), which the HTTP tests do not need.
 */
import type { RunningService, ServiceDefinition } from '@authplatform/service-kit';
import { startServiceForTest, startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import type { TProperties } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { service } from '../service.ts';
import type { NotificationsDatabase } from '../store/database.ts';

export interface HttpHarness {
  url: string;
  issuer: TestIssuer;
  db: Kysely<NotificationsDatabase>;
  /** A user access token (with a session id) of `userId`, with these permissions. */
  userToken(userId: string, permissions?: string[]): string;
  /** A client-credentials token (no user, no session). */
  clientToken(permissions?: string[]): string;
  request(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startHttpHarness(): Promise<HttpHarness> {
  const database: TestDatabase = await testDatabase();
  const broker: TestBroker = testBroker();
  const issuer = await startTestIssuer({ audience: 'authplatform-test' });
  const definition = { ...service, plugins: [] } as unknown as ServiceDefinition<TProperties>;
  const running: RunningService<TProperties> = await startServiceForTest(
    definition,
    { database, broker },
    { TOKEN_ISSUER: issuer.issuer, TOKEN_AUDIENCE: issuer.audience, JWKS_URL: issuer.jwksUrl },
  );
  return {
    url: running.url,
    issuer,
    db: running.database.db as unknown as Kysely<NotificationsDatabase>,
    userToken: (userId, permissions = []) =>
      issuer.sign({ sub: userId, sid: crypto.randomUUID(), client_id: 'web', permissions }),
    clientToken: (permissions = []) =>
      issuer.sign({ sub: 'billing-service', client_id: 'billing-service', permissions }),
    request(method, path, options = {}) {
      return fetch(`${running.url}${path}`, {
        method,
        headers: {
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    },
    async stop() {
      await running.stop();
      await issuer.close();
      await broker.cleanup();
      await database.drop();
    },
  };
}

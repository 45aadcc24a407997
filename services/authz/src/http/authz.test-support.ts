/**
 * Test support: the real authz service on a test schema and broker prefix, with a local token issuer
 * (JWKS) so the admin and decision endpoints can be called with tokens carrying any permissions.
 * `startSecondInstance` starts another instance on the same database (read-your-writes tests).
 */
import type { RunningService } from '@authplatform/service-kit';
import { startServiceForTest, startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import { type Kysely, sql } from 'kysely';
import type { config } from '../config.ts';
import { service } from '../service.ts';
import type { AuthzDatabase } from '../store/model/schema.ts';

type Running = RunningService<typeof config.properties>;

export const ALL_ADMIN = ['roles:read', 'roles:write', 'grants:write', 'authz:check'];

export interface OutboxRow {
  type: string;
  payload: { id: string; type: string; subject?: string; sequence?: string; data: Record<string, unknown> };
}

export interface Instance {
  url: string;
  running: Running;
  /** Calls the API with a token carrying `permissions` (default: every authz permission); `token: null` sends none. */
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { permissions?: string[]; token?: string | null },
    // biome-ignore lint/suspicious/noExplicitAny: test responses are JSON checked field by field by the tests
  ): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export interface AuthzHarness extends Instance {
  database: TestDatabase;
  broker: TestBroker;
  issuer: TestIssuer;
  db: Kysely<AuthzDatabase>;
  /** Every outbox row in insertion order. */
  outbox(): Promise<OutboxRow[]>;
  /** Row counts of the model's tables and the change log (to assert that nothing changed). */
  counts(): Promise<Record<string, number>>;
  token(permissions?: string[], claims?: Record<string, unknown>): string;
  startSecondInstance(env?: Record<string, string>): Promise<Instance>;
  /** Stops every instance, drops the schema and the broker resources. */
  close(): Promise<void>;
}

function instance(running: Running, issuer: TestIssuer): Instance {
  const url = running.url;
  return {
    url,
    running,
    async call(method, path, body, options = {}) {
      const headers: Record<string, string> = {};
      const token =
        options.token === undefined
          ? issuer.sign({ permissions: options.permissions ?? ALL_ADMIN })
          : options.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${path}`, {
        method: method.toUpperCase(),
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
    },
    stop: () => running.stop(),
  };
}

export async function startAuthz(env: Record<string, string> = {}): Promise<AuthzHarness> {
  const database = await testDatabase();
  const broker = testBroker();
  const issuer = await startTestIssuer();
  const tokenEnv = {
    // Sampled denials write outbox rows (authz.decision.denied) at random; tests that count rows to
    // prove "nothing changed" must not see them. The denied-events tests set a rate.
    AUTHZ_DENIED_SAMPLE_RATE: '0',
    TOKEN_ISSUER: issuer.issuer,
    TOKEN_AUDIENCE: issuer.audience,
    JWKS_URL: issuer.jwksUrl,
    ...env,
  };
  const first = (await startServiceForTest(service, { database, broker }, tokenEnv)) as Running;
  const others: Instance[] = [];
  const raw = first.database.db as Kysely<unknown>;
  const main = instance(first, issuer);
  return {
    ...main,
    database,
    broker,
    issuer,
    db: first.database.db.withTables<AuthzDatabase>() as unknown as Kysely<AuthzDatabase>,
    async outbox() {
      const result = await sql<OutboxRow>`select type, payload from outbox order by seq`.execute(raw);
      return result.rows;
    },
    async counts() {
      const out: Record<string, number> = {};
      for (const table of [
        'roles',
        'assignments',
        'grants',
        'groups',
        'memberships',
        'resource_parents',
        'authz_changes',
        'outbox',
      ]) {
        const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(raw);
        out[table] = r.rows[0]?.n ?? -1;
      }
      return out;
    },
    token: (permissions = ALL_ADMIN, claims = {}) => issuer.sign({ permissions, ...claims }),
    async startSecondInstance(extra = {}) {
      const running = (await startServiceForTest(
        service,
        { database, broker },
        { ...tokenEnv, ...extra },
      )) as Running;
      const second = instance(running, issuer);
      others.push(second);
      return second;
    },
    async close() {
      for (const other of others) await other.stop().catch(() => undefined);
      await first.stop().catch(() => undefined);
      await issuer.close();
      await broker.cleanup().catch(() => undefined);
      await database.drop();
    },
  };
}

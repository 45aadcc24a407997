/**
 * Regression (GitHub issue 4): the refresh grant must never wait for a second pool connection while
 * its transaction holds one. It used to sign inside the transaction, and signing re-read the active
 * key through the pool once the cached key was older than the refresh interval: with every
 * connection held by a refresh, that read waited for a connection that never came, and after
 * pg-pool's 5 s connect timeout every refresh failed.
 *
 * Here: a pool of 2 connections (the service's 5 s connect timeout), 8 refreshes at once, each
 * batch started after the cached signing key went stale, across several key-refresh intervals.
 */
import { randomBytes } from 'node:crypto';
import { uuidv7 } from '@authplatform/contracts';
import { createDatabase, createLogger, type Database, migrateToLatest } from '@authplatform/service-kit';
import { type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';
import { parseKek } from '../../domain/keys/key-material.ts';
import { migrations } from '../../store/migrations/index.ts';
import type { SessionsDatabase } from '../../store/sessions/schema.ts';
import { createAccessTokenIssuer } from '../keys/issue-access-token.ts';
import { createSigningKeys, type SigningKeys } from '../keys/signing-keys.ts';
import type { SessionsDeps } from './deps.ts';
import { issueFirstRefreshToken, type RefreshOutcome, rotateRefreshToken } from './refresh-tokens.ts';

const POOL_SIZE = 2;
const CONCURRENT = 8;
const KEY_REFRESH_MS = 100;

let testDb: TestDatabase;
let database: Database<unknown>;
let db: Kysely<SessionsDatabase>;
let keys: SigningKeys;
let deps: SessionsDeps;

beforeAll(async () => {
  testDb = await testDatabase();
  database = await createDatabase<unknown>({
    service: 'identity',
    databaseUrl: testDb.url,
    schema: testDb.schema,
    poolSize: POOL_SIZE,
    ...(testDb.dataDir === undefined ? {} : { dataDir: testDb.dataDir }),
  });
  await migrateToLatest(database, { migrations });
  db = database.db.withTables<SessionsDatabase>();
  keys = createSigningKeys({
    db: database.db.withTables(),
    kek: parseKek(randomBytes(32).toString('base64')),
    accessTokenTtlSec: 900,
    refreshIntervalMs: KEY_REFRESH_MS,
  });
  await keys.ensureKeys();
  deps = {
    db,
    logger: createLogger({ service: 'identity', silent: true }),
    issueAccessToken: createAccessTokenIssuer({
      keys,
      issuer: 'https://identity.example.test',
      audience: 'authplatform-test',
      ttlSec: 900,
    }),
    idleTtlSec: 3600,
    absoluteTtlSec: 7200,
    reuseGraceSec: 5,
    trustedProxyHops: 0,
  };
}, 60_000);

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

async function newSessionToken(): Promise<string> {
  const userId = uuidv7();
  const sessionId = uuidv7();
  await db
    .insertInto('users')
    .values({
      id: userId,
      email: `pool.${userId}@example.test`,
      password_hash: null,
      name: null,
      locale: 'en',
      timezone: 'UTC',
    } as never) // only the columns the refresh grant reads; the rest keep their defaults
    .execute();
  await db
    .insertInto('sessions')
    .values({
      id: sessionId,
      user_id: userId,
      ip: '127.0.0.1',
      user_agent: 'test',
      revoked_at: null,
      reason: null,
    })
    .execute();
  return issueFirstRefreshToken(deps, {
    sessionId,
    userId,
    clientId: 'platform',
    authTime: Math.floor(Date.now() / 1000),
    amr: ['pwd'],
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('refresh grant under pool exhaustion', () => {
  it('more concurrent refreshes than pool connections, across key-refresh intervals, all succeed', async () => {
    let tokens = await Promise.all(Array.from({ length: CONCURRENT }, () => newSessionToken()));
    for (let round = 0; round < 3; round++) {
      // The cached active key is now older than its refresh interval.
      await sleep(KEY_REFRESH_MS * 2);
      const started = performance.now();
      const outcomes: RefreshOutcome[] = await Promise.all(
        tokens.map((token) =>
          rotateRefreshToken(deps, token, { clientId: 'platform', ip: '127.0.0.1', userAgent: 'test' }),
        ),
      );
      const elapsed = performance.now() - started;
      expect(outcomes.map((o) => (o.ok ? 'ok' : o.reason))).toEqual(Array(CONCURRENT).fill('ok'));
      // Far below pg-pool's 5 s connect timeout: nobody waited for a connection that never came.
      expect(elapsed).toBeLessThan(4_000);
      tokens = outcomes.map((o) => (o.ok ? o.refreshToken : ''));
    }
  }, 60_000);
});

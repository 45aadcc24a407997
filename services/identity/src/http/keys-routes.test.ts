import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messagingMigrations } from '@authplatform/messaging';
import {
  createDatabase,
  createHttpApp,
  createJwksAuthenticator,
  createLogger,
  type Database,
  migrateToLatest,
} from '@authplatform/service-kit';
import { startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import { type TestDatabase, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { sql } from 'kysely';
import { createAccessTokenIssuer, type IssueAccessToken } from '../app/keys/issue-access-token.ts';
import { createSigningKeys, type SigningKeys } from '../app/keys/signing-keys.ts';
import { parseKek } from '../domain/keys/key-material.ts';
import * as signingKeysMigration from '../store/keys/0001_signing_keys.ts';
import type { KeysDatabase } from '../store/keys/schema.ts';
import { JWKS_CACHE_CONTROL, keysRoutes } from './keys-routes.ts';

const AUDIENCE = 'authplatform';
const TTL = 900;

let testDb: TestDatabase;
let database: Database<unknown>;
let server: Server;
let baseUrl: string;
let keys: SigningKeys;
let issue: IssueAccessToken;
let now = new Date();
let foreignIssuer: TestIssuer;

/** Moves the key ring's clock (rotation age checks, retirement expiry); tokens keep real time. */
function advance(seconds: number): void {
  now = new Date(now.getTime() + seconds * 1000);
}

beforeAll(async () => {
  testDb = await testDatabase();
  database = await createDatabase<unknown>({
    service: 'identity',
    databaseUrl: testDb.url,
    schema: testDb.schema,
    ...(testDb.dataDir === undefined ? {} : { dataDir: testDb.dataDir }),
  });
  await migrateToLatest(database, {
    migrations: { ...messagingMigrations, '0001_signing_keys': signingKeysMigration },
  });
  // Listen first: the issuer URL (and so the JWKS URL the authenticator reads) needs the port.
  let handler: ((req: never, res: never) => void) | undefined;
  server = createServer((req, res) => handler?.(req as never, res as never));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  keys = createSigningKeys({
    db: database.db.withTables<KeysDatabase>(),
    kek: parseKek(randomBytes(32).toString('base64')),
    accessTokenTtlSec: TTL,
    now: () => now,
  });
  await keys.ensureKeys();
  issue = createAccessTokenIssuer({ keys, issuer: baseUrl, audience: AUDIENCE, ttlSec: TTL });
  const authenticator = createJwksAuthenticator({
    jwksUrl: `${baseUrl}/.well-known/jwks.json`,
    issuer: baseUrl,
    audience: AUDIENCE,
    // The key ring's clock jumps 331 s per rotation here while real time does not; in production the
    // next key is ≥ 330 s old when it starts signing, longer than the 30 s refetch cooldown.
    cooldownMs: 0,
  });
  const { app } = createHttpApp({
    service: { name: 'identity', version: '0.0.0' },
    routes: keysRoutes({ keys, issuer: baseUrl }),
    logger: createLogger({ service: 'identity', silent: true }),
    authenticator,
  });
  handler = app as unknown as (req: never, res: never) => void; // express apps are request listeners
  foreignIssuer = await startTestIssuer({ audience: AUDIENCE });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await foreignIssuer.close();
  await database.close();
  await testDb.drop();
});

const jwksUrl = () => new URL(`${baseUrl}/.well-known/jwks.json`);

async function verify(token: string) {
  // A fresh key set each time: what a gateway with an empty cache sees now.
  return jwtVerify(token, createRemoteJWKSet(jwksUrl()), {
    issuer: baseUrl,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    typ: 'at+jwt',
  });
}

async function jwksKids(): Promise<string[]> {
  const body = (await (await fetch(jwksUrl())).json()) as { keys: Array<{ kid: string }> };
  return body.keys.map((k) => k.kid);
}

function rotate(token?: string, query = '') {
  return fetch(`${baseUrl}/v1/admin/signing-keys/rotate${query}`, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

const adminToken = async () =>
  (await issue({ sub: 'admin-1', client_id: 'console', permissions: ['keys:rotate'] })).token;

describe('GET /.well-known/jwks.json', () => {
  it('serves public keys only, cacheable, as a JWK Set', async () => {
    const res = await fetch(jwksUrl());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe(JWKS_CACHE_CONTROL);
    expect(res.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    const body = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys.length).toBeGreaterThanOrEqual(2);
    for (const key of body.keys) {
      expect(key).not.toHaveProperty('d');
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
  });
});

describe('GET /.well-known/openid-configuration', () => {
  it('describes the issuer and its endpoints', async () => {
    const res = await fetch(`${baseUrl}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      issuer: baseUrl,
      jwks_uri: `${baseUrl}/.well-known/jwks.json`,
      token_endpoint: `${baseUrl}/oauth2/token`,
      revocation_endpoint: `${baseUrl}/oauth2/revoke`,
      introspection_endpoint: `${baseUrl}/oauth2/introspect`,
      userinfo_endpoint: `${baseUrl}/oauth2/userinfo`,
      id_token_signing_alg_values_supported: ['ES256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
    expect(body.grant_types_supported).toEqual(
      expect.arrayContaining(['client_credentials', 'refresh_token']),
    );
  });
});

describe('issued access tokens', () => {
  it('verify with jose against the served JWKS, with the RFC 9068 header and claims', async () => {
    const issued = await issue({
      sub: 'user-1',
      client_id: 'web',
      sid: 'session-1',
      scope: 'openid profile',
      auth_time: 1_700_000_000,
      amr: ['pwd', 'otp'],
      roles: ['viewer'],
      permissions: ['users:read'],
    });
    const { payload, protectedHeader } = await verify(issued.token);
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: issued.kid });
    expect(payload).toMatchObject({
      iss: baseUrl,
      aud: AUDIENCE,
      sub: 'user-1',
      client_id: 'web',
      sid: 'session-1',
      scope: 'openid profile',
      auth_time: 1_700_000_000,
      amr: ['pwd', 'otp'],
      roles: ['viewer'],
      permissions: ['users:read'],
      jti: issued.jti,
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(TTL);
  });

  it('are refused by jose when tampered with', async () => {
    const { token } = await issue({ sub: 'user-1', client_id: 'web', permissions: [] });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, permissions: ['*'] })).toString('base64url');
    await expect(verify(`${header}.${forged}.${signature}`)).rejects.toThrow();
  });
});

describe('rotation', () => {
  it('never breaks a valid token, and publishes the next key before it signs', async () => {
    const before = await issue({ sub: 'user-2', client_id: 'web' });
    const kidsBefore = await jwksKids();
    advance(331); // the next key has been published longer than the JWKS max-age
    const res = await rotate(await adminToken());
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { kid: string; previous_kid: string; next_kid: string };
    expect(rotated.previous_kid).toBe(before.kid);
    // The key that signs now was published before the rotation.
    expect(kidsBefore).toContain(rotated.kid);
    const after = await issue({ sub: 'user-2', client_id: 'web' });
    expect(decodeProtectedHeader(after.token).kid).toBe(rotated.kid);
    expect(kidsBefore).toContain(after.kid);
    // Both verify: the old token with the retired key, the new one with the promoted key.
    await expect(verify(before.token)).resolves.toBeDefined();
    await expect(verify(after.token)).resolves.toBeDefined();
    expect(await jwksKids()).toEqual(expect.arrayContaining([rotated.kid, rotated.next_kid, before.kid]));
  });

  it('removes a retired key from the JWKS once every token it signed has expired', async () => {
    const old = await issue({ sub: 'user-3', client_id: 'web' });
    advance(331);
    expect((await rotate(await adminToken())).status).toBe(200);
    expect(await jwksKids()).toContain(old.kid);
    advance(TTL);
    expect(await jwksKids()).toContain(old.kid); // the token may still be valid (skew, lagging instances)
    advance(66);
    expect(await jwksKids()).not.toContain(old.kid);
  });

  it('refuses a rotation that would sign with a key published too recently (409, Retry-After)', async () => {
    advance(331);
    expect((await rotate(await adminToken())).status).toBe(200);
    const res = await rotate(await adminToken());
    expect(res.status).toBe(409);
    expect(res.headers.get('retry-after')).toBe('330');
    expect(((await res.json()) as { code: string }).code).toBe('rotation_too_soon');
    const forced = await rotate(await adminToken(), '?force=true');
    expect(forced.status).toBe(200);
  });

  it('writes identity.signing_key.rotated to the outbox', async () => {
    advance(331);
    const res = await rotate(await adminToken());
    const rotated = (await res.json()) as { kid: string; previous_kid: string };
    const rows = await sql<{ payload: { data: unknown } }>`
      select payload from outbox where type = 'identity.signing_key.rotated'
      and payload->'data'->>'kid' = ${rotated.kid}`.execute(database.db);
    expect(rows.rows.map((r) => r.payload.data)).toEqual([
      { kid: rotated.kid, previous_kid: rotated.previous_kid, alg: 'ES256' },
    ]);
  });
});

describe('POST /v1/admin/signing-keys/rotate refuses', () => {
  async function outboxCount(): Promise<number> {
    const rows = await sql<{ n: number }>`select count(*)::int as n from outbox`.execute(database.db);
    return rows.rows[0]?.n ?? -1;
  }

  it('a request without a token (401) and changes nothing', async () => {
    advance(331);
    const before = await outboxCount();
    const kids = await jwksKids();
    const res = await rotate();
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await outboxCount()).toBe(before);
    expect(await jwksKids()).toEqual(kids);
  });

  it('a token without keys:rotate (403)', async () => {
    advance(331);
    const before = await outboxCount();
    const { token } = await issue({
      sub: 'user-4',
      client_id: 'web',
      permissions: ['users:read', 'keys:read'],
    });
    expect((await rotate(token)).status).toBe(403);
    expect(await outboxCount()).toBe(before);
  });

  it('a token signed by another issuer’s key, even with keys:rotate (401)', async () => {
    const forged = foreignIssuer.sign({ iss: baseUrl, aud: AUDIENCE, permissions: ['keys:rotate'] });
    expect((await rotate(forged)).status).toBe(401);
  });

  it('an unsigned (alg none) token claiming keys:rotate (401)', async () => {
    const header = Buffer.from(
      JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: (await jwksKids())[0] }),
    ).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const payload = Buffer.from(
      JSON.stringify({
        iss: baseUrl,
        aud: AUDIENCE,
        sub: 'x',
        iat: exp - 600,
        exp,
        permissions: ['keys:rotate'],
      }),
    ).toString('base64url');
    expect((await rotate(`${header}.${payload}.`)).status).toBe(401);
  });

  it('an expired token (401)', async () => {
    const expired = createAccessTokenIssuer({
      keys,
      issuer: baseUrl,
      audience: AUDIENCE,
      ttlSec: TTL,
      now: () => new Date(Date.now() - 2 * TTL * 1000),
    });
    const { token } = await expired({ sub: 'admin-1', client_id: 'console', permissions: ['keys:rotate'] });
    expect((await rotate(token)).status).toBe(401);
  });
});

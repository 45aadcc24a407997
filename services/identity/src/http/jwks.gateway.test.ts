/**
 * What a gateway team does with our tokens (README, "Validating tokens at a gateway"): verify them
 * offline with `jose` against the running service's JWKS.
 */
import type { RunningService } from '@authplatform/service-kit';
import { startServiceForTest } from '@authplatform/service-kit/testing';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TProperties } from '@sinclair/typebox';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { keysFor } from '../app/keys/keys-module.ts';
import { service } from '../service.ts';

describe('identity tokens at a gateway', () => {
  let database: TestDatabase;
  let broker: TestBroker;
  let running: RunningService<TProperties>;

  beforeAll(async () => {
    database = await testDatabase();
    broker = testBroker();
    running = (await startServiceForTest(service, {
      database,
      broker,
    })) as unknown as RunningService<TProperties>;
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    await broker?.cleanup();
    await database?.drop();
  });

  const keys = () =>
    keysFor({ config: running.config, database: running.database, logger: running.logger } as never);

  it('publishes an active and a next P-256 key, without private parts, cacheable', async () => {
    const res = await fetch(`${running.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const { keys: published } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(published).toHaveLength(2);
    for (const key of published) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('issues access tokens that jose verifies against the served JWKS (ES256, at+jwt, iss, aud)', async () => {
    const module = keys();
    const { token } = await module.issueAccessToken({ sub: 'user-1', client_id: 'console' });
    const jwks = createRemoteJWKSet(new URL(`${running.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: module.issuer,
      audience: module.audience,
      algorithms: ['ES256'],
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.sub).toBe('user-1');
    expect(payload.client_id).toBe('console');
  });

  it('is refused by jose with another audience or issuer', async () => {
    const module = keys();
    const { token } = await module.issueAccessToken({ sub: 'user-1', client_id: 'console' });
    const jwks = createRemoteJWKSet(new URL(`${running.url}/.well-known/jwks.json`));
    await expect(
      jwtVerify(token, jwks, { issuer: module.issuer, audience: 'someone-else' }),
    ).rejects.toThrow();
    await expect(
      jwtVerify(token, jwks, { issuer: 'https://evil.example', audience: module.audience }),
    ).rejects.toThrow();
  });

  it('advertises the JWKS in its discovery document', async () => {
    const res = await fetch(`${running.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { issuer: string; jwks_uri: string };
    expect(doc.issuer).toBe(keys().issuer);
    expect(doc.jwks_uri).toBe(`${keys().issuer}/.well-known/jwks.json`);
  });
});

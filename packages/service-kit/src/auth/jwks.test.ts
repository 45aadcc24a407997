import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { createJwksAuthenticator, type JwksAuthenticatorOptions } from './jwks.ts';
import { rejection, tokenErrorCode } from './testing/expect-problem.ts';
import { startTestIssuer, type TestIssuer } from './testing/test-issuer.ts';

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('JWKS authenticator', () => {
  let issuer: TestIssuer;
  beforeEach(async () => {
    issuer = await startTestIssuer({ audience: 'identity' });
  });
  afterEach(() => issuer.close());

  const authenticator = (options: Partial<JwksAuthenticatorOptions> = {}) =>
    createJwksAuthenticator({
      jwksUrl: issuer.jwksUrl,
      issuer: issuer.issuer,
      audience: issuer.audience,
      ...options,
    });

  async function codeOf(promise: Promise<unknown>) {
    const problem = await rejection(promise);
    expect(problem.status).toBe(401);
    return tokenErrorCode(problem);
  }

  describe('valid tokens', () => {
    it('accepts an ES256 access token and returns its claims', async () => {
      const auth = authenticator();
      const token = issuer.sign({ sub: 'user-42', permissions: ['users:read'], roles: ['support'] });
      const claims = await auth.authenticate(`Bearer ${token}`);
      expect(claims).toMatchObject({
        iss: issuer.issuer,
        aud: 'identity',
        sub: 'user-42',
        permissions: ['users:read'],
        roles: ['support'],
      });
      expect(await auth.verify(token)).toEqual(claims);
    });

    it('accepts the `application/at+jwt` form of typ, a lower-case scheme and an audience list', async () => {
      const auth = authenticator();
      const token = issuer.sign({ aud: ['audit', 'identity'] }, { typ: 'application/at+jwt' });
      await expect(auth.authenticate(`bearer ${token}`)).resolves.toMatchObject({ sub: 'user-1' });
    });

    it('returns frozen claims, so one request cannot alter what the next one sees', async () => {
      const auth = authenticator();
      const claims = await auth.verify(issuer.sign({ permissions: ['users:read'] }));
      expect(Object.isFrozen(claims)).toBe(true);
      expect(Object.isFrozen(claims.permissions)).toBe(true);
    });
  });

  describe('claims and clock', () => {
    it('rejects a token expired beyond the 60 s skew', async () => {
      const token = issuer.sign({ iat: now() - 1000, exp: now() - 90 });
      expect(await codeOf(authenticator().verify(token))).toBe('token_expired');
    });

    it('accepts a token expired within the 60 s skew', async () => {
      const token = issuer.sign({ iat: now() - 1000, exp: now() - 30 });
      await expect(authenticator().verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    });

    it('never allows more than 60 s of skew, whatever it is configured to', async () => {
      const token = issuer.sign({ iat: now() - 1000, exp: now() - 90 });
      expect(await codeOf(authenticator({ clockToleranceSec: 3600 }).verify(token))).toBe('token_expired');
    });

    it('rejects a token that is not valid yet', async () => {
      const token = issuer.sign({ nbf: now() + 300 });
      expect(await codeOf(authenticator().verify(token))).toBe('token_not_yet_valid');
    });

    it('rejects another issuer, including a near miss', async () => {
      const auth = authenticator();
      expect(await codeOf(auth.verify(issuer.sign({ iss: 'https://evil.example' })))).toBe(
        'token_issuer_invalid',
      );
      expect(await codeOf(auth.verify(issuer.sign({ iss: `${issuer.issuer}/` })))).toBe(
        'token_issuer_invalid',
      );
      expect(await codeOf(auth.verify(issuer.sign({ iss: undefined })))).toBe('token_issuer_invalid');
    });

    it('rejects another audience', async () => {
      const auth = authenticator();
      expect(await codeOf(auth.verify(issuer.sign({ aud: 'audit' })))).toBe('token_audience_invalid');
      expect(await codeOf(auth.verify(issuer.sign({ aud: ['audit', 'webhooks'] })))).toBe(
        'token_audience_invalid',
      );
    });

    it('requires exp, iat and sub', async () => {
      const key = issuer.keys[0];
      if (key === undefined) throw new Error('no key');
      const signWithout = (claim: string) => {
        const payload: Record<string, unknown> = {
          iss: issuer.issuer,
          aud: 'identity',
          sub: 'u',
          iat: now(),
          exp: now() + 60,
        };
        delete payload[claim];
        return jwt.sign(payload, key.privateKey, {
          algorithm: 'ES256',
          keyid: key.kid,
          header: { alg: 'ES256', typ: 'at+jwt' },
          noTimestamp: claim === 'iat',
        });
      };
      const auth = authenticator();
      for (const claim of ['exp', 'iat', 'sub']) {
        expect(await codeOf(auth.verify(signWithout(claim)))).toBe('token_claims_invalid');
      }
    });

    it('rejects a permissions claim that is not a list of strings', async () => {
      const token = issuer.sign({ permissions: '*' });
      expect(await codeOf(authenticator().verify(token))).toBe('token_claims_invalid');
    });
  });

  describe('keys', () => {
    it('fetches the JWKS once and reuses it', async () => {
      const auth = authenticator();
      for (let i = 0; i < 5; i++) await auth.verify(issuer.sign({ sub: `user-${i}` }));
      expect(issuer.jwksRequests()).toBe(1);
    });

    it('re-fetches once for a rotated-in key, then accepts it', async () => {
      const auth = authenticator({ cooldownMs: 0 });
      await auth.verify(issuer.sign());
      expect(issuer.jwksRequests()).toBe(1);
      const next = issuer.addKey();
      const token = issuer.sign({ sub: 'after-rotation' }, { kid: next.kid });
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'after-rotation' });
      expect(issuer.jwksRequests()).toBe(2);
      await auth.verify(issuer.sign({}, { kid: next.kid }));
      expect(issuer.jwksRequests()).toBe(2);
    });

    it('rejects an unknown kid after exactly one re-fetch, and accepts it once published and the cooldown passed', async () => {
      const auth = authenticator({ cooldownMs: 300 });
      await auth.verify(issuer.sign());
      await sleep(350); // the initial fetch counts against the cooldown too
      const unpublished = issuer.addKey({ publish: false });
      const token = issuer.sign({}, { kid: unpublished.kid });
      expect(await codeOf(auth.verify(token))).toBe('token_kid_unknown');
      expect(issuer.jwksRequests()).toBe(2);
      // Within the cooldown: refused without another fetch.
      issuer.publish(unpublished.kid);
      expect(await codeOf(auth.verify(token))).toBe('token_kid_unknown');
      expect(issuer.jwksRequests()).toBe(2);
      await sleep(350);
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
      expect(issuer.jwksRequests()).toBe(3);
    });

    it('shares one fetch among concurrent requests with the same unknown kid', async () => {
      const auth = authenticator({ cooldownMs: 0 });
      await auth.verify(issuer.sign());
      const next = issuer.addKey();
      const tokens = Array.from({ length: 25 }, (_, i) => issuer.sign({ sub: `u${i}` }, { kid: next.kid }));
      const results = await Promise.all(tokens.map((t) => auth.verify(t)));
      expect(results).toHaveLength(25);
      expect(issuer.jwksRequests()).toBe(2);
    });

    it('refreshes in the background when Cache-Control max-age has passed, and drops removed keys', async () => {
      issuer.setCacheControl('public, max-age=0');
      const auth = authenticator({ cooldownMs: 200 });
      const first = issuer.keys[0];
      const second = issuer.addKey();
      if (first === undefined) throw new Error('no key');
      const token = issuer.sign({}, { kid: first.kid });
      await auth.verify(token);
      expect(issuer.jwksRequests()).toBe(1);
      issuer.unpublish(first.kid);
      await sleep(250);
      // The stale key set still answers this request, and a refresh starts behind it.
      await auth.verify(token);
      await sleep(100);
      expect(issuer.jwksRequests()).toBe(2);
      // The removed key is gone, even for a token verified (and cached) before.
      expect(await codeOf(auth.verify(token))).toBe('token_kid_unknown');
      await expect(auth.verify(issuer.sign({}, { kid: second.kid }))).resolves.toBeDefined();
    });

    it('keeps only ES256 signing keys from the JWKS', async () => {
      const good = issuer.keys[0];
      if (good === undefined) throw new Error('no key');
      const { jwk } = good;
      issuer.setRawJwks({
        keys: [
          { kty: 'RSA', kid: 'rsa', n: 'AQAB', e: 'AQAB' },
          { ...jwk, kid: 'enc', use: 'enc' },
          { ...jwk, kid: 'es384', alg: 'ES384' },
          { ...jwk, kid: 'p384', crv: 'P-384' },
          { ...jwk, kid: 'ops', key_ops: ['encrypt'] },
          { ...jwk, kid: undefined },
          { ...jwk, kid: 'off-curve', x: 'AAAA', y: 'AAAA' },
          'not an object',
          jwk,
        ],
      });
      const auth = authenticator();
      await auth.refresh();
      expect(auth.stats().keys).toBe(1);
      await expect(auth.verify(issuer.sign({}, { kid: good.kid }))).resolves.toBeDefined();
    });

    it('answers jwks_unavailable while the JWKS cannot be fetched, and recovers', async () => {
      issuer.setStatus(503);
      const auth = authenticator({ cooldownMs: 200 });
      const token = issuer.sign();
      expect(await codeOf(auth.verify(token))).toBe('jwks_unavailable');
      issuer.setStatus(200);
      await sleep(250);
      await expect(auth.verify(token)).resolves.toBeDefined();
    });

    it('answers jwks_unavailable for a document without keys', async () => {
      issuer.setRawJwks({ not: 'a jwks' });
      expect(await codeOf(authenticator().verify(issuer.sign()))).toBe('jwks_unavailable');
      await expect(authenticator().refresh()).rejects.toThrow(/no "keys" array/);
    });

    it('uses the fetch it is given', async () => {
      const urls: string[] = [];
      const counting: typeof fetch = (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      };
      await authenticator({ fetch: counting }).verify(issuer.sign());
      expect(urls).toEqual([issuer.jwksUrl]);
    });
  });

  describe('verified-token cache', () => {
    it('remembers verified tokens, bounded', async () => {
      const auth = authenticator({ verifiedCacheSize: 3 });
      for (let i = 0; i < 5; i++) await auth.verify(issuer.sign({ sub: `u${i}` }));
      expect(auth.stats().cachedTokens).toBe(3);
    });

    it('still expires a cached token on time', async () => {
      const auth = authenticator({ clockToleranceSec: 0 });
      const token = issuer.sign({ exp: now() + 1 });
      await auth.verify(token);
      expect(auth.stats().cachedTokens).toBe(1);
      await sleep(2100);
      expect(await codeOf(auth.verify(token))).toBe('token_expired');
    });

    it('never caches a refused token', async () => {
      const auth = authenticator();
      await rejection(auth.verify(issuer.sign({ aud: 'other' })));
      expect(auth.stats().cachedTokens).toBe(0);
    });
  });
});

import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import type { ProblemError } from '../errors/problem.ts';
import { createJwksAuthenticator, type JwksAuthenticator } from './jwks.ts';
import { rejection, tokenErrorCode } from './testing/expect-problem.ts';
import { createTestKey, startTestIssuer, type TestIssuer, type TestKey } from './testing/test-issuer.ts';

const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A compact JWS built by hand, signed by `sign` over `header.payload`. */
function forge(header: object, payload: object, sign: (input: string) => string = () => ''): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${sign(input)}`;
}

describe('JWKS authenticator under attack', () => {
  let issuer: TestIssuer;
  let key: TestKey;
  let auth: JwksAuthenticator;
  let claims: Record<string, unknown>;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'authz' });
    const first = issuer.keys[0];
    if (first === undefined) throw new Error('no key');
    key = first;
    auth = createJwksAuthenticator({ jwksUrl: issuer.jwksUrl, issuer: issuer.issuer, audience: 'authz' });
    await auth.verify(issuer.sign()); // keys loaded
    claims = {
      iss: issuer.issuer,
      aud: 'authz',
      sub: 'attacker',
      iat: now(),
      exp: now() + 600,
      permissions: ['*'],
    };
  });
  afterAll(() => issuer.close());

  /** Rejects with 401, the expected cause code, and nothing of the token in anything sent or logged. */
  async function refused(token: string, code: string): Promise<ProblemError> {
    const problem = await rejection(auth.authenticate(`Bearer ${token}`));
    expect(problem.status).toBe(401);
    expect(problem.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
    expect(tokenErrorCode(problem)).toBe(code);
    const everything = JSON.stringify({
      body: problem.toBody(),
      message: problem.message,
      cause: problem.cause instanceof Error ? problem.cause.message : problem.cause,
    });
    for (const segment of token.split('.').filter((s) => s.length > 8))
      expect(everything).not.toContain(segment);
    return problem;
  }

  describe('algorithm confusion (RFC 8725 §2.1, §3.1)', () => {
    it.each(['none', 'None', 'NONE', 'nOnE'])('rejects alg %s with an empty signature', async (alg) => {
      await refused(forge({ alg, typ: 'at+jwt', kid: key.kid }, claims), 'token_alg_not_allowed');
    });

    it('rejects alg none even with a signature segment', async () => {
      await refused(
        forge({ alg: 'none', typ: 'at+jwt', kid: key.kid }, claims, () => 'AAAA'),
        'token_alg_not_allowed',
      );
    });

    it('rejects HS256 signed with the public key PEM as HMAC secret', async () => {
      const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      for (const secret of [pem, pem.trim(), JSON.stringify(key.jwk)]) {
        const token = forge({ alg: 'HS256', typ: 'at+jwt', kid: key.kid }, claims, (input) =>
          createHmac('sha256', secret).update(input).digest('base64url'),
        );
        await refused(token, 'token_alg_not_allowed');
      }
    });

    it('rejects RS256, even with the kid of a real key', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = jwt.sign(claims, privateKey, {
        algorithm: 'RS256',
        keyid: key.kid,
        header: { alg: 'RS256', typ: 'at+jwt' },
      });
      await refused(token, 'token_alg_not_allowed');
    });

    it.each(['ES384', 'ES512', 'PS256', 'EdDSA', 'es256'])('rejects alg %s', async (alg) => {
      await refused(
        forge({ alg, typ: 'at+jwt', kid: key.kid }, claims, () => 'c2ln'),
        'token_alg_not_allowed',
      );
    });
  });

  describe('key substitution', () => {
    it('rejects ES256 signed by another key under the kid of a real one', async () => {
      const attacker = createTestKey(key.kid);
      const token = jwt.sign(claims, attacker.privateKey, {
        algorithm: 'ES256',
        keyid: key.kid,
        header: { alg: 'ES256', typ: 'at+jwt' },
      });
      await refused(token, 'token_signature_invalid');
    });

    it('ignores a key embedded in the header (jwk) and keys named by URL (jku, x5u)', async () => {
      const attackerIssuer = await startTestIssuer();
      try {
        const attacker = attackerIssuer.keys[0];
        if (attacker === undefined) throw new Error('no key');
        const token = jwt.sign(claims, attacker.privateKey, {
          algorithm: 'ES256',
          keyid: attacker.kid,
          header: {
            alg: 'ES256',
            typ: 'at+jwt',
            jwk: attacker.jwk,
            jku: attackerIssuer.jwksUrl,
            x5u: attackerIssuer.jwksUrl,
          } as jwt.JwtHeader,
        });
        await refused(token, 'token_kid_unknown');
        expect(attackerIssuer.jwksRequests()).toBe(0);
      } finally {
        await attackerIssuer.close();
      }
    });

    it('rejects a token without kid', async () => {
      const token = jwt.sign(claims, key.privateKey, {
        algorithm: 'ES256',
        header: { alg: 'ES256', typ: 'at+jwt' },
      });
      await refused(token, 'token_kid_missing');
    });
  });

  describe('tampering', () => {
    it('rejects a payload changed after signing (privilege escalation)', async () => {
      const [header, , signature] = issuer.sign({ permissions: ['users:read'] }).split('.');
      const token = `${header}.${b64url({ ...claims, sub: 'user-1', permissions: ['*'] })}.${signature}`;
      await refused(token, 'token_signature_invalid');
    });

    it("rejects one token's signature spliced onto another's payload", async () => {
      const [headerA, payloadA] = issuer.sign({ sub: 'admin', permissions: ['*'] }).split('.');
      const [, , signatureB] = issuer.sign({ sub: 'user-1' }).split('.');
      await refused(`${headerA}.${payloadA}.${signatureB}`, 'token_signature_invalid');
    });

    it('rejects critical header extensions it does not understand', async () => {
      const token = jwt.sign(claims, key.privateKey, {
        algorithm: 'ES256',
        keyid: key.kid,
        header: { alg: 'ES256', typ: 'at+jwt', crit: ['exp'] } as jwt.JwtHeader,
      });
      await refused(token, 'token_malformed');
    });

    it('rejects a non-numeric exp', async () => {
      const es256 = (input: string) =>
        sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString(
          'base64url',
        );
      const header = { alg: 'ES256', typ: 'at+jwt', kid: key.kid };
      // The hand-made signature is right: the same construction with a numeric exp is accepted.
      await expect(auth.verify(forge(header, { ...claims, sub: 'u' }, es256))).resolves.toMatchObject({
        sub: 'u',
      });
      await refused(forge(header, { ...claims, exp: '99999999999' }, es256), 'token_claims_invalid');
    });
  });

  describe('token confusion (RFC 9068 typ)', () => {
    it.each<[string | undefined, string]>([
      ['JWT', 'an ID token or generic JWT'],
      ['id_token+jwt', 'an ID token'],
      ['logout+jwt', 'a logout token'],
      [undefined, 'no typ'],
    ])('rejects typ %s (%s) signed by the real key', async (typ) => {
      const header: Record<string, unknown> = { alg: 'ES256', kid: key.kid };
      if (typ !== undefined) header.typ = typ;
      const token = jwt.sign({ ...claims, sub: 'user-1' }, key.privateKey, {
        algorithm: 'ES256',
        header: header as unknown as jwt.JwtHeader,
      });
      await refused(token, 'token_type_invalid');
    });
  });

  describe('Authorization header parsing', () => {
    it.each([
      [undefined, 'token_missing'],
      ['', 'token_missing'],
      ['   ', 'token_missing'],
      ['Bearer', 'token_malformed'],
      ['Bearer ', 'token_malformed'],
      ['Basic dXNlcjpwYXNz', 'token_malformed'],
      ['Token abc.def.ghi', 'token_malformed'],
      ['Bearer a b', 'token_malformed'],
      ['Bearer abc.def.ghi\u0000', 'token_malformed'],
      ['Bearer not-a-jwt', 'token_malformed'],
      ['Bearer a.b', 'token_malformed'],
      ['Bearer a.b.c.d', 'token_malformed'],
      ['Bearer !!!.???.###', 'token_malformed'],
      [`Bearer ${b64url('not json')}.${b64url('{}')}.c2ln`, 'token_malformed'],
      [`Bearer ${b64url('[1]')}.${b64url('{}')}.c2ln`, 'token_malformed'],
      [`Bearer ${'A'.repeat(100_000)}`, 'token_malformed'],
    ])('answers %j with %s', async (header, code) => {
      const problem = await rejection(auth.authenticate(header));
      expect(problem.status).toBe(401);
      expect(tokenErrorCode(problem)).toBe(code);
    });

    it('answers a missing token without an error code (RFC 6750 §3.1)', async () => {
      const problem = await rejection(auth.authenticate(undefined));
      expect(problem.headers['WWW-Authenticate']).toBe('Bearer');
      expect(problem.toBody()).toMatchObject({ status: 401, code: 'unauthorized' });
    });

    it('rejects a valid payload with a garbage signature', async () => {
      const [header, payload] = issuer.sign().split('.');
      await refused(`${header}.${payload}.${'A'.repeat(86)}`, 'token_signature_invalid');
    });
  });

  describe('JWKS fetch storms', () => {
    it('does not re-fetch for random kids within the cooldown, sequential or concurrent', async () => {
      const guarded = createJwksAuthenticator({
        jwksUrl: issuer.jwksUrl,
        issuer: issuer.issuer,
        audience: 'authz',
        cooldownMs: 30_000,
      });
      await guarded.verify(issuer.sign());
      const before = issuer.jwksRequests();
      const randomKid = () => forge({ alg: 'ES256', typ: 'at+jwt', kid: randomUUID() }, claims, () => 'c2ln');
      for (let i = 0; i < 200; i++) {
        expect(tokenErrorCode(await rejection(guarded.verify(randomKid())))).toBe('token_kid_unknown');
      }
      const burst = await Promise.all(
        Array.from({ length: 500 }, () => rejection(guarded.verify(randomKid()))),
      );
      expect(burst.every((p) => tokenErrorCode(p) === 'token_kid_unknown')).toBe(true);
      expect(issuer.jwksRequests() - before).toBe(0);
    });

    it('fetches at most once per cooldown under a sustained storm', async () => {
      const guarded = createJwksAuthenticator({
        jwksUrl: issuer.jwksUrl,
        issuer: issuer.issuer,
        audience: 'authz',
        cooldownMs: 200,
      });
      const before = issuer.jwksRequests();
      const started = Date.now();
      while (Date.now() - started < 1_000) {
        const token = forge({ alg: 'ES256', typ: 'at+jwt', kid: randomUUID() }, claims, () => 'c2ln');
        await Promise.all(Array.from({ length: 20 }, () => rejection(guarded.verify(token))));
      }
      const fetches = issuer.jwksRequests() - before;
      expect(fetches).toBeGreaterThanOrEqual(2);
      expect(fetches).toBeLessThanOrEqual(1 + Math.ceil((Date.now() - started) / 200));
    });

    it('backs off while the JWKS is down, instead of fetching for every request', async () => {
      const down = await startTestIssuer();
      down.setStatus(500);
      try {
        const guarded = createJwksAuthenticator({
          jwksUrl: down.jwksUrl,
          issuer: down.issuer,
          audience: 'authplatform',
        });
        const started = Date.now();
        let refused = 0;
        while (Date.now() - started < 500) {
          const results = await Promise.all(
            Array.from({ length: 20 }, () => rejection(guarded.verify(down.sign()))),
          );
          refused += results.filter((p) => tokenErrorCode(p) === 'jwks_unavailable').length;
        }
        expect(refused).toBeGreaterThan(100);
        expect(down.jwksRequests()).toBeLessThanOrEqual(1);
      } finally {
        await down.close();
      }
    });
  });
});

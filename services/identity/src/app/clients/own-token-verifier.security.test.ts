/**
 * The verifier's memory of tokens it verified: a remembered token is still refused once it expires
 * or once its key leaves the published keys, and a token that differs by one character (tampered)
 * is verified afresh and refused.
 */
import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { generateSigningKey, type PublicJwk } from '../../domain/keys/key-material.ts';
import { createAccessTokenIssuer } from '../keys/issue-access-token.ts';
import { createOwnTokenVerifier } from './own-token-verifier.ts';

const ISSUER = 'https://identity.example.test';
const AUDIENCE = 'authplatform-test';

function setup(ttlSec = 60) {
  const key = generateSigningKey('k1');
  const privateKey = createPrivateKey({ key: key.privatePkcs8, format: 'der', type: 'pkcs8' });
  const published: { keys: PublicJwk[] } = { keys: [key.publicJwk] };
  const clock = { ms: Date.now() };
  const issue = createAccessTokenIssuer({
    keys: { activeKey: async () => ({ kid: key.kid, privateKey }) },
    issuer: ISSUER,
    audience: AUDIENCE,
    ttlSec,
    now: () => new Date(clock.ms),
  });
  const verify = createOwnTokenVerifier({
    keys: { jwks: async () => published },
    issuer: ISSUER,
    audience: AUDIENCE,
    keysMaxAgeMs: 0, // re-read the published keys on every call
    unknownKidCooldownMs: 0,
    now: () => clock.ms,
  });
  return { issue, verify, published, clock };
}

describe('own token verifier: remembered tokens', () => {
  it('a remembered token is refused once it expires', async () => {
    const { issue, verify, clock } = setup(60);
    const { token } = await issue({ sub: 'cl_1', client_id: 'cl_1' });
    expect((await verify(token)).ok).toBe(true);
    expect((await verify(token)).ok).toBe(true); // remembered
    clock.ms += 61_000;
    expect(await verify(token)).toEqual({ ok: false, reason: 'expired' });
    expect(await verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('a remembered token is refused once its key is no longer published', async () => {
    const { issue, verify, published, clock } = setup();
    const { token } = await issue({ sub: 'cl_1', client_id: 'cl_1' });
    expect((await verify(token)).ok).toBe(true);
    published.keys = [];
    clock.ms += 1; // past keysMaxAgeMs (0): the published keys are read again
    expect(await verify(token)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('a tampered copy of a remembered token is refused', async () => {
    const { issue, verify } = setup();
    const { token } = await issue({ sub: 'cl_1', client_id: 'cl_1', scope: 'read' });
    expect((await verify(token)).ok).toBe(true);
    const [header, payload, signature = ''] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), scope: 'admin' }),
    ).toString('base64url');
    expect((await verify(`${header}.${forgedPayload}.${signature}`)).ok).toBe(false);
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    expect((await verify(`${header}.${payload}.${flipped}`)).ok).toBe(false);
    expect((await verify(token)).ok).toBe(true);
  });
});

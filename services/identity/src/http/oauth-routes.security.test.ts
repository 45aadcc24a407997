/** Attacks on the OAuth endpoints: each checks the answer and that nothing changed. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { createAccessTokenIssuer } from '../app/keys/issue-access-token.ts';
import {
  basic,
  type CreatedClient,
  createClient,
  type OAuthHarness,
  postForm,
  startOAuthHarness,
} from './identity.test-support.ts';

let h: OAuthHarness;
let client: CreatedClient;

beforeAll(async () => {
  h = await startOAuthHarness();
  client = await createClient(h, { name: 'Billing', scopes: ['invoices.read'], permissions: ['users:read'] });
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

const auth = () => ({ authorization: basic(client.client_id, client.client_secret) });
const tokenUrl = () => `${h.url}/oauth2/token`;
const grant = { grant_type: 'client_credentials' };
const introspect = async (t: string) =>
  (await (await postForm(`${h.url}/oauth2/introspect`, { token: t }, auth())).json()) as Record<
    string,
    unknown
  >;

async function accessToken(): Promise<string> {
  const res = await postForm(tokenUrl(), grant, auth());
  return ((await res.json()) as { access_token: string }).access_token;
}

async function revokedCount(): Promise<number> {
  return (await h.query<{ n: number }>('select count(*)::int as n from revoked_tokens'))[0]?.n ?? -1;
}

describe('client authentication', () => {
  const wrongSecret = () => basic(client.client_id, 'A'.repeat(43));
  const unknownClient = () => basic(`cl_${'f'.repeat(32)}`, client.client_secret);

  it('answers a wrong secret and an unknown client with the same 401 invalid_client', async () => {
    const answers = [];
    for (const authorization of [
      wrongSecret(),
      unknownClient(),
      basic('not-an-id', 'x'),
      'Basic %%%',
      'Bearer abc',
    ]) {
      const res = await postForm(tokenUrl(), grant, { authorization });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      answers.push(await res.text());
    }
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0] ?? '')).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication failed.',
    });
  });

  it('refuses client_secret_post with a wrong secret, and a request without credentials (401)', async () => {
    const wrong = await postForm(tokenUrl(), {
      ...grant,
      client_id: client.client_id,
      client_secret: 'nope',
    });
    const none = await postForm(tokenUrl(), grant);
    const idOnly = await postForm(tokenUrl(), { ...grant, client_id: client.client_id });
    for (const res of [wrong, none, idOnly]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    }
  });

  it('refuses two authentication methods at once (400 invalid_request)', async () => {
    const res = await postForm(
      tokenUrl(),
      { ...grant, client_id: client.client_id, client_secret: client.client_secret },
      auth(),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses introspection and revocation without client authentication (401), revoking nothing', async () => {
    const t = await accessToken();
    const before = await revokedCount();
    for (const path of ['/oauth2/introspect', '/oauth2/revoke']) {
      const headerSets: Array<Record<string, string>> = [
        {},
        { authorization: basic(client.client_id, 'wrong') },
      ];
      for (const headers of headerSets) {
        const res = await postForm(`${h.url}${path}`, { token: t }, headers);
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
      }
    }
    expect(await revokedCount()).toBe(before);
    expect((await introspect(t)).active).toBe(true);
  });

  it('never answers problem+json on the OAuth endpoints', async () => {
    const res = await fetch(`${tokenUrl()}?grant_type=client_credentials`, {
      method: 'POST',
      headers: auth(),
    });
    // Query parameters are refused by the kit before the handler (400 problem): the only exception.
    expect(res.status).toBe(400);
    const bad = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('scopes', () => {
  it('refuses a scope the client is not allowed (invalid_scope), issuing nothing', async () => {
    for (const scope of ['admin', 'invoices.read admin', 'invoices.read\u0000', '"quoted"']) {
      const res = await postForm(tokenUrl(), { ...grant, scope }, auth());
      expect(res.status).toBe(400);
      expect((await res.json()) as { error: string; access_token?: string }).toMatchObject({
        error: 'invalid_scope',
      });
    }
  });
});

describe('introspection says inactive for', () => {
  it('an expired token', async () => {
    const module = h.keys();
    const expired = createAccessTokenIssuer({
      keys: module.keys,
      issuer: module.issuer,
      audience: module.audience,
      ttlSec: 60,
      now: () => new Date(Date.now() - 120_000),
    });
    const { token } = await expired({ sub: client.client_id, client_id: client.client_id });
    expect(await introspect(token)).toEqual({ active: false });
  });

  it('a token with a tampered payload or signature', async () => {
    const t = await accessToken();
    const [header, payload, signature = ''] = t.split('.');
    const claims = decodeJwt(t);
    const forged = Buffer.from(JSON.stringify({ ...claims, permissions: ['*'] })).toString('base64url');
    expect(await introspect(`${header}.${forged}.${signature}`)).toEqual({ active: false });
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    expect(await introspect(`${header}.${payload}.${flipped}`)).toEqual({ active: false });
  });

  it('a token for another audience or from another issuer', async () => {
    const module = h.keys();
    for (const [issuer, audience] of [
      [module.issuer, 'someone-else'],
      ['https://evil.example', module.audience],
    ] as const) {
      const other = createAccessTokenIssuer({ keys: module.keys, issuer, audience, ttlSec: 900 });
      const { token } = await other({ sub: client.client_id, client_id: client.client_id });
      expect(await introspect(token)).toEqual({ active: false });
    }
  });

  it('a token signed by a key that is not ours (even with our iss and aud)', async () => {
    const forged = h.issuer.sign({
      iss: h.keys().issuer,
      aud: h.keys().audience,
      client_id: client.client_id,
    });
    expect(await introspect(forged)).toEqual({ active: false });
  });

  it('an unsigned (alg none) token', async () => {
    const t = await accessToken();
    const [, payload] = t.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    expect(await introspect(`${header}.${payload}.`)).toEqual({ active: false });
  });

  it('a revoked token, and the tokens of a deleted client', async () => {
    const victim = await createClient(h, { name: 'Doomed' });
    const res = await postForm(tokenUrl(), grant, {
      authorization: basic(victim.client_id, victim.client_secret),
    });
    const t = ((await res.json()) as { access_token: string }).access_token;
    expect((await introspect(t)).active).toBe(true);
    const del = await fetch(`${h.url}/v1/admin/clients/${victim.client_id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${h.adminToken(['clients:write'])}` },
    });
    expect(del.status).toBe(204);
    expect(await introspect(t)).toEqual({ active: false });
  });
});

describe('revocation', () => {
  it('does not record tokens it cannot verify', async () => {
    const before = await revokedCount();
    const forged = h.issuer.sign({
      iss: h.keys().issuer,
      aud: h.keys().audience,
      client_id: client.client_id,
      jti: 'attacker-chosen',
    });
    const res = await postForm(`${h.url}/oauth2/revoke`, { token: forged }, auth());
    expect(res.status).toBe(200);
    expect(await revokedCount()).toBe(before);
  });
});

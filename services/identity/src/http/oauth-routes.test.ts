import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  basic,
  type CreatedClient,
  createClient,
  FORM,
  form,
  type OAuthHarness,
  postForm,
  startOAuthHarness,
} from './identity.test-support.ts';

let h: OAuthHarness;
let client: CreatedClient;

beforeAll(async () => {
  h = await startOAuthHarness();
  client = await createClient(h, {
    name: 'Billing service',
    scopes: ['invoices.read', 'invoices.write'],
    permissions: ['users:read', 'documents:*'],
  });
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

const auth = () => ({ authorization: basic(client.client_id, client.client_secret) });
const token = (params: Record<string, string>, headers: Record<string, string> = auth()) =>
  postForm(`${h.url}/oauth2/token`, params, headers);

async function accessToken(scope?: string): Promise<string> {
  const res = await token({ grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const introspect = (t: string) => postForm(`${h.url}/oauth2/introspect`, { token: t }, auth());
const revoke = (t: string, headers = auth()) => postForm(`${h.url}/oauth2/revoke`, { token: t }, headers);

describe('POST /oauth2/token (client_credentials)', () => {
  it('issues a token with client_secret_basic: RFC 6749 response, no-store', async () => {
    const res = await token({ grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'invoices.read invoices.write',
    });
    const claims = decodeJwt(String(body.access_token));
    expect(decodeProtectedHeader(String(body.access_token))).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(claims).toMatchObject({
      iss: h.keys().issuer,
      aud: h.keys().audience,
      sub: client.client_id,
      client_id: client.client_id,
      scope: 'invoices.read invoices.write',
      permissions: ['users:read', 'documents:*'],
    });
    expect(typeof claims.jti).toBe('string');
  });

  it('issues a token with client_secret_post', async () => {
    const res = await postForm(`${h.url}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(((await res.json()) as { access_token: string }).access_token).sub).toBe(
      client.client_id,
    );
  });

  it('grants a requested subset of the allowed scopes', async () => {
    const res = await token({ grant_type: 'client_credentials', scope: 'invoices.read' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { scope: string; access_token: string };
    expect(body.scope).toBe('invoices.read');
    expect(decodeJwt(body.access_token).scope).toBe('invoices.read');
  });

  it('omits scope for a client without scopes', async () => {
    const bare = await createClient(h, { name: 'No scopes' });
    const res = await token(
      { grant_type: 'client_credentials' },
      { authorization: basic(bare.client_id, bare.client_secret) },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('scope');
    expect(decodeJwt(String(body.access_token))).not.toHaveProperty('scope');
  });

  it('accepts JSON parameters too', async () => {
    const res = await fetch(`${h.url}/oauth2/token`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(200);
  });

  it('answers an unknown grant type with unsupported_grant_type (400, RFC 6749 JSON)', async () => {
    const res = await token({ grant_type: 'password', username: 'a', password: 'b' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('answers a missing grant_type, a repeated parameter, or another media type with invalid_request', async () => {
    expect(((await (await token({})).json()) as { error: string }).error).toBe('invalid_request');
    const repeated = await fetch(`${h.url}/oauth2/token`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': FORM },
      body: 'grant_type=client_credentials&scope=invoices.read&scope=invoices.write',
    });
    expect(repeated.status).toBe(400);
    expect(((await repeated.json()) as { error: string }).error).toBe('invalid_request');
    const text = await fetch(`${h.url}/oauth2/token`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'text/plain' },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(text.status).toBe(400);
    expect(((await text.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses an oversized body with invalid_request', async () => {
    const res = await token({ grant_type: 'client_credentials', scope: 'x'.repeat(20_000) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('POST /oauth2/introspect', () => {
  it('describes an active token (RFC 7662)', async () => {
    const t = await accessToken('invoices.read');
    const res = await introspect(t);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    const claims = decodeJwt(t);
    expect(body).toMatchObject({
      active: true,
      sub: client.client_id,
      client_id: client.client_id,
      scope: 'invoices.read',
      exp: claims.exp,
      iat: claims.iat,
      iss: h.keys().issuer,
      aud: h.keys().audience,
      token_type: 'Bearer',
      jti: claims.jti,
      permissions: ['users:read', 'documents:*'],
    });
  });

  it('describes user tokens of this issuer too', async () => {
    const { token: t } = await h
      .keys()
      .issueAccessToken({ sub: 'user-1', client_id: 'web', scope: 'openid' });
    const body = (await (await introspect(t)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ active: true, sub: 'user-1', client_id: 'web' });
  });

  it('says inactive for garbage', async () => {
    for (const t of ['x', 'a.b.c', `${'a'.repeat(9000)}`]) {
      expect(await (await introspect(t)).json()).toEqual({ active: false });
    }
  });

  it('requires the token parameter', async () => {
    const res = await postForm(`${h.url}/oauth2/introspect`, {}, auth());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('POST /oauth2/revoke', () => {
  it('revokes an access token: introspection then says inactive; revoking again is 200', async () => {
    const t = await accessToken();
    expect(((await (await introspect(t)).json()) as { active: boolean }).active).toBe(true);
    const res = await revoke(t);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(await (await introspect(t)).json()).toEqual({ active: false });
    expect((await revoke(t)).status).toBe(200);
    const rows = await h.query<{ n: number }>(
      `select count(*)::int as n from revoked_tokens where jti = '${String(decodeJwt(t).jti)}'`,
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('answers 200 for unknown or malformed tokens', async () => {
    expect((await revoke('not-a-token')).status).toBe(200);
    expect(
      (
        await postForm(
          `${h.url}/oauth2/revoke`,
          { token: 'opaque', token_type_hint: 'refresh_token' },
          auth(),
        )
      ).status,
    ).toBe(200);
  });

  it('leaves the token of another client alone (200, still active)', async () => {
    const other = await createClient(h, { name: 'Other' });
    const res = await token(
      { grant_type: 'client_credentials' },
      { authorization: basic(other.client_id, other.client_secret) },
    );
    const t = ((await res.json()) as { access_token: string }).access_token;
    expect((await revoke(t)).status).toBe(200);
    expect(((await (await introspect(t)).json()) as { active: boolean }).active).toBe(true);
  });
});

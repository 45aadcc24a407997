import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  basic,
  createClient,
  type OAuthHarness,
  postForm,
  startOAuthHarness,
  TEST_PEPPER,
} from './identity.test-support.ts';

let h: OAuthHarness;

beforeAll(async () => {
  h = await startOAuthHarness();
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

const admin = (permissions = ['clients:write']) => ({ authorization: `Bearer ${h.adminToken(permissions)}` });

function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  return fetch(`${h.url}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const tokenStatus = async (clientId: string, secret: string) =>
  (
    await postForm(
      `${h.url}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic(clientId, secret) },
    )
  ).status;

describe('POST /v1/admin/clients', () => {
  it('registers a client and shows its 256-bit secret once', async () => {
    const res = await call('POST', '/v1/admin/clients', admin(['clients:write', 'users:read']), {
      name: 'Billing service',
      scopes: ['invoices.read', 'invoices.write'],
      permissions: ['users:read'],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = (await res.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      name: 'Billing service',
      grant_types: ['client_credentials'],
      scopes: ['invoices.read', 'invoices.write'],
      permissions: ['users:read'],
    });
    expect(created.client_id).toMatch(/^cl_[0-9a-f]{32}$/);
    expect(Buffer.from(String(created.client_secret), 'base64url')).toHaveLength(32);

    const read = await call('GET', `/v1/admin/clients/${created.client_id}`, admin());
    expect(read.status).toBe(200);
    const body = (await read.json()) as Record<string, unknown>;
    expect(body.client_id).toBe(created.client_id);
    expect(body).not.toHaveProperty('client_secret');
    expect(JSON.stringify(body)).not.toContain(String(created.client_secret));
  });

  it('stores the secret only as HMAC-SHA256 under the pepper', async () => {
    const { client_id, client_secret } = await createClient(h);
    const rows = await h.query<Record<string, unknown>>(
      `select * from oauth_clients where id = '${client_id}'`,
    );
    expect(rows).toHaveLength(1);
    const dump = JSON.stringify(rows, (_k, v) =>
      v?.type === 'Buffer' ? Buffer.from(v.data as number[]).toString('hex') : v,
    );
    expect(dump).not.toContain(client_secret);
    expect(dump).not.toContain(Buffer.from(client_secret, 'base64url').toString('hex'));
    const expected = createHmac('sha256', Buffer.from(TEST_PEPPER, 'base64')).update(client_secret).digest();
    expect(Buffer.from(rows[0]?.secret_hash as Buffer).equals(expected)).toBe(true);
  });

  it('writes identity.client.created to the outbox', async () => {
    const { client_id } = await createClient(h, { name: 'Reports' });
    const rows = await h.query<{ payload: { data: unknown; subject: string } }>(
      `select payload from outbox where type = 'identity.client.created' and payload->'data'->>'client_id' = '${client_id}'`,
    );
    expect(rows.map((r) => r.payload.data)).toEqual([
      {
        client_id,
        name: 'Reports',
        grant_types: ['client_credentials'],
        actor: { type: 'admin', id: 'admin-1' },
      },
    ]);
    expect(rows[0]?.payload.subject).toBe(`client/${client_id}`);
  });

  it('refuses permissions the caller does not hold (403), and creates nothing', async () => {
    const before = await h.query<{ n: number }>('select count(*)::int as n from oauth_clients');
    const res = await call('POST', '/v1/admin/clients', admin(['clients:write']), {
      name: 'Sneaky',
      permissions: ['keys:rotate'],
    });
    expect(res.status).toBe(403);
    const after = await h.query<{ n: number }>('select count(*)::int as n from oauth_clients');
    expect(after).toEqual(before);
  });

  it('refuses unknown fields, bad scopes and other grant types (400)', async () => {
    for (const body of [
      { name: 'x', secret: 'mine' },
      { name: 'x', scopes: ['has space'] },
      { name: 'x', grant_types: ['authorization_code'] },
      { name: '' },
    ]) {
      expect((await call('POST', '/v1/admin/clients', admin(), body)).status).toBe(400);
    }
  });
});

describe('admin routes refuse', () => {
  const routes: Array<[string, string, unknown?]> = [
    ['POST', '/v1/admin/clients', { name: 'x' }],
    ['GET', '/v1/admin/clients'],
    ['GET', `/v1/admin/clients/cl_${'0'.repeat(32)}`],
    ['DELETE', `/v1/admin/clients/cl_${'0'.repeat(32)}`],
    ['POST', `/v1/admin/clients/cl_${'0'.repeat(32)}/secret`],
  ];

  it('a request without a token (401)', async () => {
    for (const [method, path, body] of routes) expect((await call(method, path, {}, body)).status).toBe(401);
  });

  it('a token without clients:write (403), changing nothing', async () => {
    const before = await h.query<{ n: number }>(
      "select count(*)::int as n from outbox where type like 'identity.client.%'",
    );
    for (const [method, path, body] of routes) {
      expect((await call(method, path, admin(['users:read', 'clients:read']), body)).status).toBe(403);
    }
    const after = await h.query<{ n: number }>(
      "select count(*)::int as n from outbox where type like 'identity.client.%'",
    );
    expect(after).toEqual(before);
  });
});

describe('GET /v1/admin/clients', () => {
  it('pages through clients by cursor', async () => {
    await createClient(h, { name: 'p1' });
    await createClient(h, { name: 'p2' });
    await createClient(h, { name: 'p3' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await call(
        'GET',
        `/v1/admin/clients?limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`,
        admin(),
      );
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Array<{ client_id: string }>; next_cursor?: string };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.client_id));
      cursor = page.next_cursor;
    } while (cursor !== undefined);
    const all = await h.query<{ id: string }>(
      'select id from oauth_clients where deleted_at is null order by id',
    );
    expect(seen).toEqual(all.map((r) => r.id));
  });
});

describe('DELETE /v1/admin/clients/{id}', () => {
  it('deletes: the secret stops working, the event is written, a second delete is 404', async () => {
    const { client_id, client_secret } = await createClient(h);
    expect(await tokenStatus(client_id, client_secret)).toBe(200);
    const res = await call('DELETE', `/v1/admin/clients/${client_id}`, admin());
    expect(res.status).toBe(204);
    expect(await tokenStatus(client_id, client_secret)).toBe(401);
    expect((await call('GET', `/v1/admin/clients/${client_id}`, admin())).status).toBe(404);
    expect((await call('DELETE', `/v1/admin/clients/${client_id}`, admin())).status).toBe(404);
    const events = await h.query<{ n: number }>(
      `select count(*)::int as n from outbox where type = 'identity.client.deleted' and payload->'data'->>'client_id' = '${client_id}'`,
    );
    expect(events).toEqual([{ n: 1 }]);
    const rows = await h.query<{ secret_hash: Buffer | null }>(
      `select secret_hash from oauth_clients where id = '${client_id}'`,
    );
    expect(rows).toEqual([{ secret_hash: null }]);
  });
});

describe('POST /v1/admin/clients/{id}/secret', () => {
  it('rotates: new secret works, the previous one during the grace period', async () => {
    const { client_id, client_secret: first } = await createClient(h);
    const res = await call('POST', `/v1/admin/clients/${client_id}/secret`, admin());
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { client_secret: string; previous_secret_expires_at: string };
    expect(rotated.client_secret).not.toBe(first);
    const graceMs = Date.parse(rotated.previous_secret_expires_at) - Date.now();
    expect(graceMs).toBeGreaterThan(86_000_000);
    expect(await tokenStatus(client_id, rotated.client_secret)).toBe(200);
    expect(await tokenStatus(client_id, first)).toBe(200);
  });

  it('with grace_period_sec=0 ends the previous secret at once (leaked secret)', async () => {
    const { client_id, client_secret: first } = await createClient(h);
    const res = await call('POST', `/v1/admin/clients/${client_id}/secret?grace_period_sec=0`, admin());
    const rotated = (await res.json()) as Record<string, unknown>;
    expect(rotated).not.toHaveProperty('previous_secret_expires_at');
    expect(await tokenStatus(client_id, first)).toBe(401);
    expect(await tokenStatus(client_id, String(rotated.client_secret))).toBe(200);
  });

  it('keeps one previous secret only: a second rotation ends the first secret', async () => {
    const { client_id, client_secret: first } = await createClient(h);
    await call('POST', `/v1/admin/clients/${client_id}/secret`, admin());
    const third = (await (await call('POST', `/v1/admin/clients/${client_id}/secret`, admin())).json()) as {
      client_secret: string;
    };
    expect(await tokenStatus(client_id, first)).toBe(401);
    expect(await tokenStatus(client_id, third.client_secret)).toBe(200);
  });

  it('answers 404 for an unknown client', async () => {
    expect((await call('POST', `/v1/admin/clients/cl_${'a'.repeat(32)}/secret`, admin())).status).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents the client and OAuth routes', async () => {
    const doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/admin/clients',
        '/v1/admin/clients/{id}',
        '/v1/admin/clients/{id}/secret',
        '/oauth2/token',
        '/oauth2/introspect',
        '/oauth2/revoke',
      ]),
    );
  });
});

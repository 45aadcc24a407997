import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ProblemBody } from '../errors/problem.ts';
import { createHttpApp } from './app.ts';
import { RouteDefinitionError } from './errors.ts';
import type { TestApp } from './test-support.ts';
import { KNOWN_USER_ID, RecordingLogger, sendJson, startTestApp, userRoutes } from './test-support.ts';

let api: TestApp;
beforeAll(async () => {
  api = await startTestApp();
});
afterAll(() => api.close());

const userUrl = () => `${api.url}/v1/users/${KNOWN_USER_ID}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('security headers', () => {
  it('sets strict helmet headers and no x-powered-by on API answers', async () => {
    const response = await fetch(`${api.url}/healthz`);
    const h = response.headers;
    expect(h.get('x-powered-by')).toBeNull();
    expect(h.get('content-security-policy')).toBe(
      "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
    );
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('x-frame-options')).toBe('DENY');
    expect(h.get('strict-transport-security')).toMatch(/^max-age=\d+; includeSubDomains$/);
    expect(h.get('referrer-policy')).toBe('no-referrer');
    expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(h.get('cache-control')).toBe('no-store');
  });

  it('sets them on problems too', async () => {
    const response = await fetch(`${api.url}/nope`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});

describe('authentication and permissions', () => {
  it('answers 401 with a Bearer challenge when the token is missing', async () => {
    const response = await fetch(userUrl(), { method: 'DELETE' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="users-test"');
    expect(await response.json()).toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('answers 401 invalid_token when the authenticator rejects the token', async () => {
    const calls = api.authenticator.calls;
    const response = await fetch(userUrl(), { method: 'DELETE', headers: bearer('forged-token') });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(api.authenticator.calls).toBe(calls + 1);
    const basic = await fetch(userUrl(), { method: 'DELETE', headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
  });

  it('answers 403 when the token does not grant the permission', async () => {
    const response = await fetch(userUrl(), { method: 'DELETE', headers: bearer('reader-token') });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope"');
    const problem = (await response.json()) as ProblemBody;
    expect(problem).toMatchObject({ code: 'forbidden', status: 403, required_permission: 'users:delete' });
  });

  it('serves the route when the token grants the permission (wildcards included)', async () => {
    const response = await fetch(userUrl(), { method: 'DELETE', headers: bearer('admin-token') });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('gives handlers the verified claims on routes that only need a token', async () => {
    const response = await fetch(`${api.url}/v1/users/me`, { headers: bearer('nobody-token') });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'nobody' });
  });

  it('authenticates before looking at the body, so anonymous callers learn nothing about it', async () => {
    const invalid = await sendJson(userUrl(), 'PATCH', { email: 'not-an-email', is_admin: true });
    expect(invalid.status).toBe(401);
    const text = JSON.stringify(await invalid.json());
    expect(text).not.toContain('/body');

    const malformed = await fetch(userUrl(), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(malformed.status).toBe(401);

    const wrongType = await fetch(userUrl(), {
      method: 'PATCH',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(wrongType.status).toBe(401);

    const forbidden = await sendJson(userUrl(), 'PATCH', { email: 'not-an-email' }, bearer('reader-token'));
    expect(forbidden.status).toBe(403);
  });

  it('validates the body once the caller is authorized', async () => {
    const invalid = await sendJson(userUrl(), 'PATCH', { email: 'not-an-email' }, bearer('admin-token'));
    expect(invalid.status).toBe(400);
    const valid = await sendJson(userUrl(), 'PATCH', { name: 'Grace' }, bearer('admin-token'));
    expect(valid.status).toBe(200);
    expect(await valid.json()).toMatchObject({ id: KNOWN_USER_ID, name: 'Grace' });
  });

  it('refuses to build an app whose protected routes have no authenticator', () => {
    expect(() =>
      createHttpApp({
        service: { name: 's', version: '1' },
        routes: userRoutes(),
        logger: new RecordingLogger(),
      }),
    ).toThrow(RouteDefinitionError);
  });
});

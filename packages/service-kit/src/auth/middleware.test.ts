import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { ProblemError } from '../errors/problem.ts';
import { createJwksAuthenticator } from './jwks.ts';
import { getAuth, requireAuth, requirePermission } from './middleware.ts';
import type { Authenticator } from './permissions.ts';
import { startTestIssuer, type TestIssuer } from './testing/test-issuer.ts';

describe('requireAuth and requirePermission in a real express app', () => {
  let issuer: TestIssuer;
  let server: Server;
  let base: string;
  let authenticateCalls = 0;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'identity' });
    const jwks = createJwksAuthenticator({
      jwksUrl: issuer.jwksUrl,
      issuer: issuer.issuer,
      audience: 'identity',
    });
    const counted: Authenticator = {
      authenticate: (header) => {
        authenticateCalls += 1;
        return jwks.authenticate(header);
      },
    };

    const app = express();
    app.get('/v1/me', requireAuth(counted), (_req, res) => {
      res.json({ sub: getAuth(res).sub });
    });
    app.get('/v1/users', requirePermission(counted, 'users:read'), (_req, res) => {
      res.json({ items: [], sub: getAuth(res).sub });
    });
    app.post(
      '/v1/keys/rotate',
      requireAuth(counted),
      requirePermission(counted, 'keys:rotate'),
      (_req, res) => {
        res.status(202).json({ ok: true });
      },
    );
    app.get('/v1/unguarded', (_req, res) => {
      res.json({ sub: getAuth(res).sub });
    });
    // A minimal problem+json error handler, as the HTTP layer has.
    app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      const problem =
        error instanceof ProblemError
          ? error
          : new ProblemError({ code: 'internal_error', status: 500, title: 'Internal' });
      res.status(problem.status).set(problem.headers).type('application/problem+json').json(problem.toBody());
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await issuer.close();
  });

  async function call(path: string, token?: string, method = 'GET') {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  it('answers 401 problem+json without a token', async () => {
    const { status, headers, body } = await call('/v1/users');
    expect(status).toBe(401);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(headers.get('www-authenticate')).toBe('Bearer');
    expect(body).toMatchObject({
      status: 401,
      code: 'unauthorized',
      type: expect.stringMatching(/unauthorized$/),
    });
  });

  it('answers 401 for an invalid token, without echoing it', async () => {
    const token = issuer.sign({ aud: 'audit', permissions: ['*'] });
    const { status, headers, body } = await call('/v1/users', token);
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(JSON.stringify(body)).not.toContain(token.split('.')[1]);
    expect(JSON.stringify(body)).not.toContain(token.split('.')[2]);
  });

  it('answers 403 when the token lacks the permission', async () => {
    const { status, headers, body } = await call(
      '/v1/users',
      issuer.sign({ permissions: ['roles:read', 'users:write'] }),
    );
    expect(status).toBe(403);
    expect(headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope"');
    expect(body).toMatchObject({ status: 403, code: 'forbidden', required_permission: 'users:read' });
  });

  it('answers 403 when the token has no permissions claim', async () => {
    expect((await call('/v1/users', issuer.sign())).status).toBe(403);
  });

  it.each([
    [['users:read'], 200],
    [['users:*'], 200],
    [['*'], 200],
    [['roles:*'], 403],
    [['users'], 403],
    [['users:re*'], 403],
    [['*:read'], 403],
    [['user:*'], 403],
  ])('with permissions %j answers %i', async (permissions, expected) => {
    const { status } = await call('/v1/users', issuer.sign({ sub: 'admin-1', permissions }));
    expect(status).toBe(expected);
  });

  it('hands the verified claims to the handler', async () => {
    const { status, body } = await call(
      '/v1/users',
      issuer.sign({ sub: 'admin-7', permissions: ['users:read'] }),
    );
    expect(status).toBe(200);
    expect(body.sub).toBe('admin-7');
    expect((await call('/v1/me', issuer.sign({ sub: 'plain-user' }))).body).toEqual({ sub: 'plain-user' });
  });

  it('authenticates once when requireAuth and requirePermission are chained', async () => {
    const before = authenticateCalls;
    const { status } = await call('/v1/keys/rotate', issuer.sign({ permissions: ['keys:rotate'] }), 'POST');
    expect(status).toBe(202);
    expect(authenticateCalls - before).toBe(1);
  });

  it('getAuth without an auth middleware is a 401, not a crash', async () => {
    expect((await call('/v1/unguarded', issuer.sign())).status).toBe(401);
  });
});

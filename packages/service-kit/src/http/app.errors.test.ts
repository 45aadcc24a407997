import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import type { ProblemBody } from '../errors/problem.ts';
import { ProblemError } from '../errors/problem.ts';
import { defineRoute } from './route.ts';
import type { TestApp } from './test-support.ts';
import { sendJson, startTestApp } from './test-support.ts';

const SECRET = 'password=hunter2 at SELECT * FROM credentials WHERE 1=1';

const failingRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/boom',
    operationId: 'boom',
    summary: 'Throws an unexpected error',
    responses: { 200: { description: 'Never.' } },
    handler: async () => {
      throw new Error(SECRET, { cause: new Error('connection refused') });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/leaky',
    operationId: 'leaky',
    summary: 'Answers a body that breaks its schema',
    responses: { 200: { description: 'A name.', schema: Type.Object({ name: Type.String() }) } },
    // The cast stands for a handler bug the compiler did not catch (e.g. spreading a database row).
    handler: async () => ({
      status: 200,
      body: { name: 'Ada', password_hash: SECRET } as unknown as { name: string },
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/undeclared',
    operationId: 'undeclared',
    summary: 'Answers a status it does not declare',
    responses: { 200: { description: 'OK.' } },
    handler: async () => ({ status: 202 }) as unknown as { status: 200 },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/conflict',
    operationId: 'conflict',
    summary: 'Throws a problem with headers and extensions',
    responses: { 200: { description: 'Never.' }, 409: { description: 'Always.' } },
    handler: async () => {
      throw new ProblemError({
        code: 'email_taken',
        status: 409,
        title: 'Conflict',
        detail: 'That email is in use.',
        extensions: { field: 'email' },
        headers: { 'Retry-After': '5' },
      });
    },
  }),
];

let api: TestApp;
beforeAll(async () => {
  api = await startTestApp({ extraRoutes: failingRoutes, bodyLimit: '1kb' });
});
afterAll(() => api.close());

async function problemOf(response: Response): Promise<ProblemBody> {
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  return (await response.json()) as ProblemBody;
}

describe('routing problems', () => {
  it('answers an unknown path with a 404 problem', async () => {
    const response = await fetch(`${api.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await problemOf(response)).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('matches paths exactly (case and trailing slash)', async () => {
    expect((await fetch(`${api.url}/V1/USERS`)).status).toBe(404);
    expect((await fetch(`${api.url}/v1/users/`)).status).toBe(404);
  });

  it('answers a known path with a wrong method with 405 and an Allow header', async () => {
    const response = await fetch(`${api.url}/v1/users`, { method: 'PUT' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await problemOf(response)).toMatchObject({ code: 'method_not_allowed', status: 405 });

    const item = await fetch(`${api.url}/v1/users/0190a6e2-3c4b-7def-8123-456789abcdef`, { method: 'POST' });
    expect(item.status).toBe(405);
    expect(item.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH');

    const health = await fetch(`${api.url}/healthz`, { method: 'DELETE' });
    expect(health.status).toBe(405);
    expect(health.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers a path that does not URL-decode with a 400 problem', async () => {
    const response = await fetch(`${api.url}/v1/users/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({ code: 'bad_request', status: 400 });
  });

  it('serves HEAD for GET routes without a body', async () => {
    const response = await fetch(`${api.url}/healthz`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('does not answer 304 to conditional requests the routes do not declare', async () => {
    const response = await fetch(`${api.url}/healthz`, { headers: { 'if-none-match': '*' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBeNull();
  });

  it('tries concrete paths before templated ones', async () => {
    // `/v1/users/me` is declared after `/v1/users/{id}`; "me" is not a uuid, so a 400 would mean {id} won.
    const response = await fetch(`${api.url}/v1/users/me`);
    expect(response.status).toBe(401);
    const wrongMethod = await fetch(`${api.url}/v1/users/me`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('body problems', () => {
  it('answers an oversized body with 413', async () => {
    const response = await sendJson(`${api.url}/v1/users`, 'POST', {
      email: 'a@b.co',
      name: 'x'.repeat(2000),
    });
    expect(response.status).toBe(413);
    expect(await problemOf(response)).toMatchObject({
      code: 'payload_too_large',
      detail: 'The request body exceeds 1kb.',
    });
  });

  it('answers 413 to an oversized body sent without a Content-Length', async () => {
    const chunk = new TextEncoder().encode(`{"name":"${'x'.repeat(4000)}"}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(`${api.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.headers.get('content-length')).not.toBeNull();
    expect(response.status).toBe(413);
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const response = await fetch(`${api.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": "a@b.co", ',
    });
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem).toMatchObject({ code: 'malformed_json', status: 400 });
    expect(JSON.stringify(problem)).not.toMatch(/Unexpected|position/);
  });

  it('answers a body that is not JSON with 415', async () => {
    const text = await fetch(`${api.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'email=a@b.co',
    });
    expect(text.status).toBe(415);
    expect(await problemOf(text)).toMatchObject({ code: 'unsupported_media_type' });

    const form = await fetch(`${api.url}/v1/users`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'a@b.co' }),
    });
    expect(form.status).toBe(415);

    const blob = await fetch(`${api.url}/v1/users`, { method: 'POST', body: new Uint8Array([123, 125]) });
    expect(blob.status).toBe(415);
  });
});

describe('server errors', () => {
  it('answers an unexpected error with a generic 500 that reveals nothing, and logs it', async () => {
    const response = await fetch(`${api.url}/v1/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('SELECT');
    expect(text).not.toContain('connection refused');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    const problem = JSON.parse(text) as ProblemBody;
    const requestId = response.headers.get('x-request-id');
    expect(problem).toEqual({
      type: 'https://authplatform.dev/problems/internal_error',
      title: 'Internal server error',
      status: 500,
      code: 'internal_error',
      detail: 'Something went wrong on our side. The request id identifies it in our logs.',
      request_id: requestId,
    });
    const logged = api.logger.entries.find((e) => e.level === 'error' && e.meta.request_id === requestId);
    expect(logged?.meta).toMatchObject({ route: '/v1/boom', status: 500, method: 'GET' });
    expect(logged?.meta.err).toMatchObject({ message: SECRET, cause: { message: 'connection refused' } });
  });

  it('answers 500 when a handler returns a body that breaks its declared schema', async () => {
    const response = await fetch(`${api.url}/v1/leaky`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('password_hash');
    const requestId = response.headers.get('x-request-id');
    const logged = api.logger.entries.find((e) => e.level === 'error' && e.meta.request_id === requestId);
    expect(logged?.meta.err).toMatchObject({
      code: 'ERR_RESPONSE_INVALID',
      message: expect.stringContaining('/response/body/password_hash (additionalProperties)'),
    });
    // The log names where the body broke its schema, never the values.
    expect(JSON.stringify(logged)).not.toContain('hunter2');
  });

  it('answers 500 when a handler returns an undeclared status', async () => {
    const response = await fetch(`${api.url}/v1/undeclared`);
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id');
    const logged = api.logger.entries.find((e) => e.level === 'error' && e.meta.request_id === requestId);
    expect(logged?.meta.err).toMatchObject({
      message: 'undeclared answered 202: the status is not declared',
    });
  });

  it('answers a thrown ProblemError with its status, headers and extensions', async () => {
    const response = await fetch(`${api.url}/v1/conflict`);
    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await problemOf(response)).toMatchObject({
      type: 'https://authplatform.dev/problems/email_taken',
      code: 'email_taken',
      detail: 'That email is in use.',
      field: 'email',
      request_id: response.headers.get('x-request-id'),
    });
  });
});

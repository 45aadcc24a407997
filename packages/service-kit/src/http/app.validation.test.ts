import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ProblemBody } from '../errors/problem.ts';
import type { TestApp } from './test-support.ts';
import { KNOWN_USER_ID, sendJson, startTestApp } from './test-support.ts';

let api: TestApp;
beforeAll(async () => {
  api = await startTestApp();
});
afterAll(() => api.close());

async function problemOf(response: Response): Promise<ProblemBody> {
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  return (await response.json()) as ProblemBody;
}

const validUser = { email: 'ada@example.com', name: 'Ada Lovelace' };

describe('request body validation', () => {
  it('accepts a valid body and answers with the declared response', async () => {
    const response = await sendJson(`${api.url}/v1/users`, 'POST', { ...validUser, age: 36, tags: ['math'] });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/v1/users/${KNOWN_USER_ID}`);
    expect(await response.json()).toEqual({
      id: KNOWN_USER_ID,
      status: 'active',
      ...validUser,
      age: 36,
      tags: ['math'],
    });
  });

  it('reports every field error with a pointer into the body', async () => {
    const response = await sendJson(`${api.url}/v1/users`, 'POST', {
      email: 'not-an-email',
      age: -1,
      tags: [1],
    });
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem).toMatchObject({
      type: 'https://authplatform.dev/problems/validation_failed',
      code: 'validation_failed',
      status: 400,
      title: 'Invalid request',
    });
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/body/email', code: 'format', detail: 'must match format "email"' },
        { pointer: '/body/name', code: 'required', detail: 'This property is required.' },
        { pointer: '/body/age', code: 'minimum', detail: 'must be >= 0' },
        { pointer: '/body/tags/0', code: 'type', detail: 'must be string' },
      ]),
    );
    expect(problem.errors).toHaveLength(4);
  });

  it('rejects unknown properties in the body, pointing at each of them', async () => {
    const response = await sendJson(`${api.url}/v1/users`, 'POST', {
      ...validUser,
      is_admin: true,
      'a/b': 1,
    });
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.errors).toEqual([
      { pointer: '/body/is_admin', code: 'additionalProperties', detail: 'This property is not allowed.' },
      { pointer: '/body/a~1b', code: 'additionalProperties', detail: 'This property is not allowed.' },
    ]);
  });

  it('rejects a body of the wrong JSON type at the root', async () => {
    const response = await sendJson(`${api.url}/v1/users`, 'POST', ['ada@example.com']);
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors).toEqual([
      { pointer: '/body', code: 'type', detail: 'must be object' },
    ]);
  });

  it('requires the body when the route declares one', async () => {
    const response = await fetch(`${api.url}/v1/users`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors).toEqual([
      { pointer: '/body', code: 'required', detail: 'A JSON request body is required.' },
    ]);
  });

  it('accepts application/*+json bodies', async () => {
    const response = await fetch(`${api.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify(validUser),
    });
    expect(response.status).toBe(201);
  });
});

describe('query validation and coercion', () => {
  it('coerces numbers and booleans from the query string and fills defaults', async () => {
    const coerced = await fetch(`${api.url}/v1/users?limit=20&active=true`);
    expect(coerced.status).toBe(200);
    expect(await coerced.json()).toEqual({ items: [], next_cursor: null, echo: { limit: 20, active: true } });

    const defaulted = await fetch(`${api.url}/v1/users`);
    expect(await defaulted.json()).toMatchObject({ echo: { limit: 50 } });
  });

  it('turns one or repeated query keys into arrays for array parameters', async () => {
    const one = await fetch(`${api.url}/v1/users?tag=a`);
    expect(await one.json()).toMatchObject({ echo: { tag: ['a'] } });
    const many = await fetch(`${api.url}/v1/users?tag=a&tag=b`);
    expect(await many.json()).toMatchObject({ echo: { tag: ['a', 'b'] } });
  });

  it('reports query errors with pointers into the query', async () => {
    const response = await fetch(`${api.url}/v1/users?limit=abc&active=maybe`);
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors).toEqual([
      { pointer: '/query/limit', code: 'type', detail: 'must be integer' },
      { pointer: '/query/active', code: 'type', detail: 'must be boolean' },
    ]);
    for (const infinite of ['1e309', 'Infinity', '-1e309']) {
      // ajv coerces these to ±Infinity, which passes integer/minimum/maximum (found by fuzzing).
      const response = await fetch(`${api.url}/v1/users?limit=${infinite}`);
      expect(response.status).toBe(400);
      expect((await problemOf(response)).errors).toEqual([
        { pointer: '/query/limit', code: 'type', detail: 'must be a finite number' },
      ]);
    }
    const tooBig = await fetch(`${api.url}/v1/users?limit=201`);
    expect((await problemOf(tooBig)).errors).toEqual([
      { pointer: '/query/limit', code: 'maximum', detail: 'must be <= 200' },
    ]);
  });

  it('rejects unknown query parameters, also on routes that declare none', async () => {
    const listed = await fetch(`${api.url}/v1/users?limit=5&admin=1`);
    expect(listed.status).toBe(400);
    expect((await problemOf(listed)).errors).toEqual([
      { pointer: '/query/admin', code: 'additionalProperties', detail: 'This property is not allowed.' },
    ]);
    const proto = await fetch(`${api.url}/v1/users?__proto__=1&constructor=2`);
    expect((await problemOf(proto)).errors?.map((e) => e.pointer)).toEqual([
      '/query/__proto__',
      '/query/constructor',
    ]);
    const single = await fetch(`${api.url}/v1/users/${KNOWN_USER_ID}?expand=everything`);
    expect(single.status).toBe(400);
    expect((await problemOf(single)).errors?.[0]?.pointer).toBe('/query/expand');
  });

  it('does not let bracket syntax build objects (the simple query parser is used)', async () => {
    const response = await fetch(`${api.url}/v1/users?limit[$gt]=1`);
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors).toEqual([
      { pointer: '/query/limit[$gt]', code: 'additionalProperties', detail: 'This property is not allowed.' },
    ]);
  });
});

describe('path parameter and header validation', () => {
  it('reports a malformed path parameter with a pointer into params', async () => {
    const response = await fetch(`${api.url}/v1/users/not-a-uuid`);
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors).toEqual([
      { pointer: '/params/id', code: 'format', detail: 'must match format "uuid"' },
    ]);
  });

  it('passes a valid parameter to the handler, whose ProblemError becomes the answer', async () => {
    const found = await fetch(`${api.url}/v1/users/${KNOWN_USER_ID}`);
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ id: KNOWN_USER_ID });
    const missing = await fetch(`${api.url}/v1/users/0190a6e2-3c4b-7def-8123-000000000000`);
    expect(missing.status).toBe(404);
    expect(await problemOf(missing)).toMatchObject({ code: 'not_found', detail: 'No such user.' });
  });

  it('validates declared headers', async () => {
    const response = await sendJson(`${api.url}/v1/users`, 'POST', validUser, { 'Idempotency-Key': 'short' });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors).toEqual([
      {
        pointer: '/headers/idempotency-key',
        code: 'minLength',
        detail: 'must NOT have fewer than 8 characters',
      },
    ]);
  });

  it('collects errors from every part into one problem', async () => {
    const response = await sendJson(
      `${api.url}/v1/users?x=1`,
      'POST',
      { email: 'ada@example.com' },
      {
        'Idempotency-Key': 'short',
      },
    );
    const pointers = (await problemOf(response)).errors?.map((e) => e.pointer);
    expect(pointers).toEqual(['/query/x', '/headers/idempotency-key', '/body/name']);
  });
});

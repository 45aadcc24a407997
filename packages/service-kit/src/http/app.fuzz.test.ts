/**
 * Property-based fuzzing of a body route: whatever arrives (any JSON value, near-valid objects,
 * bytes that are not JSON, odd content types, deep nesting), the answer is 2xx or 4xx, never 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { TestApp } from './test-support.ts';
import { startTestApp } from './test-support.ts';

let api: TestApp;
beforeAll(async () => {
  api = await startTestApp();
});
afterAll(() => api.close());

async function post(body: string | Uint8Array, contentType = 'application/json'): Promise<number> {
  const response = await fetch(`${api.url}/v1/users`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const isClientOrSuccess = (status: number) => status >= 200 && status < 500;

/** Objects shaped like the create-user body, with fields mutated, retyped, added or missing. */
const nearlyValid = fc.record(
  {
    email: fc.oneof(fc.emailAddress(), fc.string(), fc.jsonValue()),
    name: fc.oneof(fc.string({ maxLength: 120 }), fc.jsonValue()),
    age: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double(), fc.jsonValue()),
    tags: fc.oneof(fc.array(fc.string({ maxLength: 25 }), { maxLength: 7 }), fc.jsonValue()),
    __proto__: fc.jsonValue(),
    constructor: fc.jsonValue(),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('POST /v1/users under random input', () => {
  it('answers any JSON value with 2xx or 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        expect(isClientOrSuccess(await post(JSON.stringify(value)))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('answers near-valid objects with 2xx or 4xx, and 201 only for valid ones', async () => {
    await fc.assert(
      fc.asyncProperty(nearlyValid, async (value) => {
        const status = await post(JSON.stringify(value));
        expect(isClientOrSuccess(status)).toBe(true);
        if (status === 201) {
          expect(Object.keys(value).every((k) => ['email', 'name', 'age', 'tags'].includes(k))).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('answers arbitrary bytes and content types with 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.uint8Array({ minLength: 1, maxLength: 2000 })),
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-16',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/vnd.x+json',
        ),
        async (body, contentType) => {
          const status = await post(body, contentType);
          expect(isClientOrSuccess(status)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers deeply nested and oversized input with 4xx', async () => {
    const depth = 40_000;
    expect(await post(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toBe(400);
    expect(await post(`{"tags":${'['.repeat(depth)}${']'.repeat(depth)}}`)).toBe(400);
    expect(await post(`${'{"a":'.repeat(15_000)}1${'}'.repeat(15_000)}`)).toBe(400);
    expect(await post(JSON.stringify({ email: 'a@b.co', name: 'x'.repeat(200_000) }))).toBe(413);
  });
});

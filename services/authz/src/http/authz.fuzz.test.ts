/**
 * Every endpoint's input fuzzed (fast-check): malformed, type-confused, oversized and deeply nested
 * bodies, paths and queries answer 2xx or 4xx, never 5xx, and a refused request changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type AuthzHarness, startAuthz } from './authz.test-support.ts';

let h: AuthzHarness;

beforeAll(async () => {
  h = await startAuthz();
  await h.call('post', '/v1/roles', { name: 'viewer', permissions: ['documents:read'] });
  await h.call('post', '/v1/groups', { id: 'team', name: 'Team' });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const deep = (depth: number): unknown => (depth === 0 ? 'x' : { a: deep(depth - 1) });
const weird = fc.oneof(
  fc.jsonValue(),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    '',
    ':',
    'user:',
    'user:a b',
    '*',
    'documents:*',
    'x'.repeat(5_000),
    '\u0000',
    '../..',
    '%00',
  ),
  fc.integer(),
  fc.constant(null),
  fc.constant(deep(200)),
);
const field = (name: string) => fc.record({ [name]: weird }, { requiredKeys: [] });
const bodies = (fields: string[]) =>
  fc.oneof(
    weird,
    fc.tuple(...fields.map(field)).map((parts) => Object.assign({}, ...parts)),
    fc.dictionary(fc.string({ maxLength: 20 }), weird, { maxKeys: 5 }),
  );
const segment = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('user:ada', 'group:team', 'viewer', 'project:1'),
);

async function expectNo5xxAndNoChangeOn4xx(method: string, path: string, body: unknown): Promise<void> {
  const before = await h.counts();
  const res = await h.call(method, path, body);
  expect([method, path, res.status < 500]).toEqual([method, path, true]);
  if (res.status >= 400) expect(await h.counts()).toEqual(before);
}

describe('fuzzing the authz API', () => {
  const cases: Array<[string, string, string[]]> = [
    ['post', '/v1/roles', ['name', 'permissions', 'includes', 'description']],
    ['patch', '/v1/roles/viewer', ['permissions', 'includes', 'description']],
    ['post', '/v1/groups', ['id', 'name', 'description']],
    ['post', '/v1/grants', ['subject', 'permission', 'resource', 'condition']],
    ['put', '/v1/resources/document:1/parent', ['parent']],
    ['post', '/v1/check', ['subject', 'permission', 'resource', 'context', 'consistency']],
    ['post', '/v1/check/batch', ['checks', 'consistency']],
    [
      'post',
      '/v1/lookup/resources',
      ['subject', 'permission', 'resource_type', 'context', 'cursor', 'limit'],
    ],
    ['post', '/v1/lookup/subjects', ['permission', 'resource', 'include_groups', 'cursor', 'limit']],
    ['post', '/v1/explain', ['subject', 'permission', 'resource', 'context']],
  ];
  for (const [method, path, fields] of cases) {
    it(`${method.toUpperCase()} ${path} never answers 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(bodies(fields), (body) => expectNo5xxAndNoChangeOn4xx(method, path, body)),
        { numRuns: 40 },
      );
    }, 120_000);
  }

  it('path segments and queries never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(segment, segment, fc.string({ maxLength: 80 }), async (a, b, query) => {
        const enc = encodeURIComponent;
        for (const [method, path] of [
          ['put', `/v1/subjects/${enc(a)}/roles/${enc(b)}?scope=${enc(query)}`],
          ['put', `/v1/subjects/${enc(a)}/roles/viewer?condition=${enc(query)}`],
          ['delete', `/v1/subjects/${enc(a)}/roles/${enc(b)}`],
          ['get', `/v1/subjects/${enc(a)}/roles?cursor=${enc(query)}`],
          ['put', `/v1/groups/${enc(a)}/members/${enc(b)}`],
          ['get', `/v1/grants?subject=${enc(a)}&resource=${enc(b)}&limit=${enc(query)}`],
          ['get', `/v1/resources/${enc(a)}/parent`],
          ['delete', `/v1/roles/${enc(a)}`],
        ] as const) {
          await expectNo5xxAndNoChangeOn4xx(method, path, undefined);
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});

/**
 * The fuzz helper on a real service (`sample/test-support.ts`: Postgres, bearer tokens from a real
 * JWKS, idempotency, JSON and form bodies), and on deliberately broken routes to show it catches
 * what it is for.
 */
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { startTestIssuer, type TestIssuer } from '../auth/testing/test-issuer.ts';
import { problems } from '../errors/problem.ts';
import { defineRoute } from '../http/route.ts';
import { startTestApp, type TestApp } from '../http/test-support.ts';
import type { RunningService } from '../service/start-service.ts';
import { describeEndpointFuzzing, type FuzzOperation, fuzzOperation, operationsOf } from './fuzz.ts';
import { notesService } from './sample/test-support.ts';
import { startServiceForTest } from './service-harness.ts';

let database: TestDatabase;
let broker: TestBroker;
let issuer: TestIssuer;
let service: RunningService<Record<string, never>>;

describeEndpointFuzzing({
  name: 'notes service under schema-driven fuzzing',
  start: async () => {
    database = await testDatabase();
    broker = testBroker();
    issuer = await startTestIssuer();
    service = (await startServiceForTest(
      notesService,
      { database, broker },
      { JWKS_URL: issuer.jwksUrl, TOKEN_ISSUER: issuer.issuer, TOKEN_AUDIENCE: issuer.audience },
    )) as unknown as RunningService<Record<string, never>>;
    // One note, so that list and cursor paths have something to walk over.
    await sql`INSERT INTO notes (id, title, tags, priority) VALUES (gen_random_uuid(), 'seed', '{a}', 3)`.execute(
      service.database.db,
    );
    return {
      url: service.url,
      stop: async () => {
        await service.stop();
        await issuer.close();
        await broker.cleanup();
        await database.drop();
      },
    };
  },
  headers: () => ({ authorization: `Bearer ${issuer.sign({ sub: 'fuzzer', permissions: ['notes:*'] })}` }),
  stateProbe: async () => {
    const { rows } = await sql<{ n: string; digest: string | null }>`
      SELECT count(*)::text AS n, md5(string_agg(notes::text, ',' ORDER BY id)) AS digest FROM notes`.execute(
      service.database.db,
    );
    const kept = await sql<{ n: string }>`SELECT count(*)::text AS n FROM service_kit_idempotency`.execute(
      service.database.db,
    );
    return { notes: rows[0], idempotency: kept.rows[0]?.n };
  },
  routes: [
    'POST /v1/notes',
    'POST /v1/notes/import',
    'GET /v1/notes',
    'PATCH /v1/notes/{id}',
    'DELETE /v1/notes/{id}',
  ],
});

describe('the fuzz helper catches', () => {
  let counter = 0;
  let api: TestApp;
  let operations: FuzzOperation[];
  const Open = Type.Object({}, { additionalProperties: true });
  beforeAll(async () => {
    api = await startTestApp({
      extraRoutes: [
        defineRoute({
          method: 'post',
          path: '/v1/crashes',
          operationId: 'crashes',
          summary: 'Trusts its input',
          request: { body: Open },
          responses: { 200: { description: 'ok', schema: Open } },
          handler: async ({ body, reply }) =>
            reply(200, { upper: (body as { name: string }).name.toUpperCase() }),
        }),
        defineRoute({
          method: 'post',
          path: '/v1/leaks',
          operationId: 'leaks',
          summary: 'Changes state, then refuses',
          request: { body: Open },
          responses: { 204: { description: 'ok' } },
          handler: async ({ body }) => {
            counter++;
            if ((body as { ok?: unknown }).ok !== true) throw problems.badRequest('not_ok', 'Not ok.');
            return { status: 204 as const };
          },
        }),
      ],
    });
    const res = await fetch(`${api.url}/openapi.json`);
    operations = operationsOf((await res.json()) as Parameters<typeof operationsOf>[0]);
  });
  afterAll(() => api.close());
  const op = (label: string) => {
    const found = operations.find((o) => o.label === label);
    if (found === undefined) throw new Error(label);
    return found;
  };

  it('a 5xx on malformed input', async () => {
    const failures = await fuzzOperation(api.url, op('POST /v1/crashes'), { numRuns: 30 });
    expect(failures).toEqual([
      expect.objectContaining({
        operation: 'POST /v1/crashes',
        message: expect.stringMatching(/answered 500/),
      }),
    ]);
  });

  it('a refused request that changed state', async () => {
    const failures = await fuzzOperation(api.url, op('POST /v1/leaks'), {
      numRuns: 30,
      stateProbe: async () => counter,
    });
    expect(failures).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/answered 400 but the state changed/) }),
    ]);
  });

  it('nothing on the well-behaved users API', async () => {
    const users = operations.filter((o) => o.path.startsWith('/v1/users'));
    expect(users.length).toBeGreaterThanOrEqual(5);
    for (const operation of users) {
      expect(
        await fuzzOperation(api.url, operation, {
          numRuns: 15,
          headers: () => ({ authorization: 'Bearer admin-token' }),
        }),
      ).toEqual([]);
    }
  });
});

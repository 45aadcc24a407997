/**
 * The behaviour every service shares, as a jest suite a service runs against itself:
 * `describeServiceConformance(service)` in `services/<name>/src/service.test.ts`.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { validate } from '@readme/openapi-parser';
import type { TProperties } from '@sinclair/typebox';
import { ConfigError } from '../config/errors.ts';
import type { ServiceDefinition } from '../service/definition.ts';
import type { RunningService } from '../service/start-service.ts';
import { startServiceForTest } from './service-harness.ts';

export function describeServiceConformance<P extends TProperties>(definition: ServiceDefinition<P>): void {
  describe(`${definition.name}: service conformance`, () => {
    let database: TestDatabase;
    let broker: TestBroker;
    let service: RunningService<P>;
    const exitCodes: number[] = [];
    const extraDirs: string[] = [];
    // A second instance next to the first: on PGlite it needs a folder of its own (one process per folder).
    const ownDataDir = async (): Promise<Record<string, string>> => {
      if (database.kind !== 'pglite') return {};
      const dir = await mkdtemp(join(tmpdir(), 'conformance-'));
      extraDirs.push(dir);
      return { DATA_DIR: dir };
    };

    beforeAll(async () => {
      database = await testDatabase();
      broker = testBroker();
      service = await startServiceForTest(definition, { database, broker }, {}, (code) =>
        exitCodes.push(code),
      );
    }, 120_000);

    afterAll(async () => {
      await service?.stop();
      await broker?.cleanup();
      await database?.drop();
      for (const dir of extraDirs) await rm(dir, { recursive: true, force: true });
    });

    it('answers /healthz', async () => {
      const res = await fetch(`${service.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    });

    it('is ready once its database and broker answer', async () => {
      const res = await fetch(`${service.url}/readyz`);
      const body = (await res.json()) as { checks: Record<string, { ok: boolean }> };
      expect(res.status).toBe(200);
      expect(body.checks.database?.ok).toBe(true);
      expect(body.checks.broker?.ok).toBe(true);
    });

    it('keeps its migration table in its own schema', async () => {
      const { db } = service.database;
      const schemas = await db
        .selectFrom('information_schema.tables' as never)
        .select('table_schema' as never)
        .where('table_name' as never, '=', 'kysely_migration' as never)
        .where('table_schema' as never, 'in', [database.schema, 'public'] as never)
        .execute();
      expect(schemas).toEqual([{ table_schema: database.schema }]);
    });

    it('publishes a valid OpenAPI 3.1 document of its routes', async () => {
      const res = await fetch(`${service.url}/openapi.json`);
      expect(res.status).toBe(200);
      const document = (await res.json()) as { openapi: string; info: { title: string }; paths: object };
      expect(document.openapi).toMatch(/^3\.1\./);
      expect(document.info.title).toContain(definition.name);
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining(['/healthz', '/readyz', '/metrics']),
      );
      const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
      expect(result.valid ? [] : result.errors).toEqual([]);
    });

    it('serves the interactive API reference offline', async () => {
      const res = await fetch(`${service.url}/docs`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)[^"']*\.(js|css)/);
    });

    it('exposes Prometheus metrics labelled by route', async () => {
      await fetch(`${service.url}/healthz`);
      const res = await fetch(`${service.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/http_requests_total\{[^}]*route="\/healthz"[^}]*\} [1-9]/);
    });

    it('answers an unknown path with an RFC 9457 problem', async () => {
      const res = await fetch(`${service.url}/v1/no-such-thing`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 404, code: 'not_found' });
    });

    it('is not ready while the broker is unreachable', async () => {
      const other = await startServiceForTest(
        definition,
        { database, broker },
        { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', ...(await ownDataDir()) },
        () => {},
      );
      try {
        const res = await fetch(`${other.url}/readyz`);
        const body = (await res.json()) as { checks: Record<string, { ok: boolean }> };
        expect(res.status).toBe(503);
        expect(body.checks.broker?.ok).toBe(false);
        expect(body.checks.database?.ok).toBe(true);
      } finally {
        await other.stop();
      }
    });

    it('refuses to start with a bad configuration and names every bad variable', async () => {
      const failure = await startServiceForTest(
        definition,
        { database, broker },
        { PORT: 'not-a-port', LOG_LEVEL: 'loud' },
      ).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).message).toMatch(/PORT/);
      expect((failure as ConfigError).message).toMatch(/LOG_LEVEL/);
    });

    it('stops gracefully: closes its server and exits 0', async () => {
      const other = await startServiceForTest(definition, { database, broker }, {}, (code) =>
        exitCodes.push(code),
      );
      await other.stop();
      expect(other.server.listening).toBe(false);
      expect(exitCodes).toEqual([0]);
    });
  });
}

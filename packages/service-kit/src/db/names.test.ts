import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createDatabase } from './create-database.ts';
import { DatabaseSetupError } from './errors.ts';
import { assertSchemaName } from './names.ts';
import { parseInt8, parseInt8Array } from './type-parsers.ts';

describe('schema names', () => {
  it.each(['identity', 'authz', '_private', 'audit_2026', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(assertSchemaName(name)).toBe(name);
  });

  it.each([
    '',
    'Identity',
    '2fa',
    'web-hooks',
    'a'.repeat(64),
    'x"; drop schema public cascade; --',
    'pg_catalog',
    'identity ',
  ])('refuses %j with invalid_schema_name', (name) => {
    expect(() => assertSchemaName(name)).toThrow(expect.objectContaining({ code: 'invalid_schema_name' }));
  });

  it('createDatabase refuses a bad schema before touching any database', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'names-'));
    try {
      const error = await createDatabase({ service: 'identity', schema: 'bad;name', dataDir }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseSetupError);
      expect((error as DatabaseSetupError).code).toBe('invalid_schema_name');
      expect(existsSync(path.join(dataDir, 'identity'))).toBe(false);
      // The default schema is the service name, so a service name that is no schema name is refused too.
      await expect(
        createDatabase({ service: 'web-hooks', databaseUrl: 'postgres://postgres@127.0.0.1:9/x' }),
      ).rejects.toMatchObject({ code: 'invalid_schema_name' });
      await expect(createDatabase({ service: '../escape', schema: 'ok', dataDir })).rejects.toMatchObject({
        code: 'invalid_service_name',
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('int8 parsing', () => {
  it('returns numbers while they are safe and bigints beyond', () => {
    expect(parseInt8('42')).toBe(42);
    expect(parseInt8('-9007199254740991')).toBe(-9007199254740991);
    expect(parseInt8('9007199254740992')).toBe(9007199254740992n);
    expect(parseInt8('-9223372036854775808')).toBe(-9223372036854775808n);
  });

  it('parses int8[] including NULL, nesting and explicit bounds', () => {
    expect(parseInt8Array('{}')).toEqual([]);
    expect(parseInt8Array('{1,NULL,-3}')).toEqual([1, null, -3]);
    expect(parseInt8Array('{{1,2},{3,9223372036854775807}}')).toEqual([
      [1, 2],
      [3, 9223372036854775807n],
    ]);
    expect(parseInt8Array('[0:1]={5,6}')).toEqual([5, 6]);
    expect(() => parseInt8Array('{1,2')).toThrow(SyntaxError);
  });
});

import { describe, expect, it } from '@jest/globals';
import { MigrationError } from './errors.ts';
import { isOtherSchemaDropped } from './migrate.ts';

const pgError = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('the migration retry on a schema dropped elsewhere', () => {
  it('retries when another schema vanished under kysely’s catalog introspection', () => {
    const cause = pgError('schema "t_391a6af2f522" does not exist', '3F000');
    const error = new MigrationError('Migrating schema t_353bdd0e3ebd failed.', { cause });
    expect(isOtherSchemaDropped(error, 't_353bdd0e3ebd')).toBe(true);
  });

  it('does not retry when the missing schema is our own, or for any other failure', () => {
    const own = pgError('schema "identity" does not exist', '3F000');
    expect(isOtherSchemaDropped(new MigrationError('x', { cause: own }), 'identity')).toBe(false);
    const syntax = pgError('syntax error at or near "tabel"', '42601');
    expect(isOtherSchemaDropped(new MigrationError('x', { cause: syntax }), 'identity')).toBe(false);
    expect(isOtherSchemaDropped(new Error('plain'), 'identity')).toBe(false);
  });
});

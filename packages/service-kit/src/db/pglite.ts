import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { quoteIdent } from './names.ts';
import { INT8_ARRAY_OID, INT8_OID, parseInt8, parseInt8Array } from './type-parsers.ts';

/**
 * Opens (or creates) the embedded database at `<dataDir>/<service>`; files persist across
 * restarts. PGlite is a single session, so `SET search_path` once applies to every query.
 * Only one process may open a given directory at a time.
 */
export async function openPglite(dataDir: string, service: string, schema: string): Promise<PGlite> {
  const dir = path.resolve(dataDir, service);
  await mkdir(dir, { recursive: true });
  // The same value parsing as the pg pool (see type-parsers.ts), stated rather than inherited.
  const pglite = await PGlite.create(dir, {
    parsers: { [INT8_OID]: parseInt8, [INT8_ARRAY_OID]: parseInt8Array },
  });
  try {
    await pglite.exec(
      `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; SET search_path TO ${quoteIdent(schema)};`,
    );
  } catch (err) {
    await pglite.close();
    throw err;
  }
  return pglite;
}

export function pgliteDialect(pglite: PGlite): PGliteDialect {
  return new PGliteDialect(pglite);
}

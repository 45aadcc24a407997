import type { Migration } from 'kysely/migration';

/**
 * The notifications service's migrations, applied in name order to its own schema. Add a file
 * `NNNN_what.ts` exporting `up` (and `down`) and list it here.
 */
export const migrations: Record<string, Migration> = {};

import { messagingMigrations } from '@authplatform/messaging';
import type { Migration } from 'kysely/migration';

/**
 * The notifications service's migrations, applied in name order to its own schema: the messaging tables
 * (outbox, inbox) first, then the service's own. Add a file `NNNN_what.ts` exporting `up` (and
 * `down`) and list it here.
 */
export const migrations: Record<string, Migration> = { ...messagingMigrations };

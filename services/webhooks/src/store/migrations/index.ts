import { messagingMigrations } from '@authplatform/messaging';
import type { Migration } from 'kysely/migration';
import * as webhooks from '../webhooks/0001_webhooks.ts';

/**
 * The webhooks service's migrations, applied in name order to its own schema: the messaging tables
 * (outbox, inbox) first, then the service's own. Add a file `NNNN_what.ts` exporting `up` (and
 * `down`) and list it here.
 */
export const migrations: Record<string, Migration> = {
  ...messagingMigrations,
  '0001_webhooks': webhooks,
};

import { messagingMigrations } from '@authplatform/messaging';
import type { Migration } from 'kysely/migration';
import * as authzModel from '../model/0001_authz_model.ts';
import * as changeLogRetention from '../model/0002_change_log_retention.ts';

/**
 * The authz service's migrations, applied in name order to its own schema: the messaging tables
 * (outbox, inbox) first, then the service's own. Add a file `NNNN_what.ts` exporting `up` (and
 * `down`) and list it here.
 */
export const migrations: Record<string, Migration> = {
  ...messagingMigrations,
  '0001_authz_model': authzModel,
  '0002_change_log_retention': changeLogRetention,
};

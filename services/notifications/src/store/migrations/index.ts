import { messagingMigrations } from '@authplatform/messaging';
import type { Migration } from 'kysely/migration';
import * as complianceRequests from '../compliance/0103_compliance_requests.ts';
import * as contacts from '../contacts/0100_contacts.ts';
import * as messages from '../messages/0200_messages.ts';
import * as preferences from '../preferences/0101_preferences.ts';
import * as templateOverrides from '../templates/0102_template_overrides.ts';

/**
 * The notifications service's migrations, applied in name order to its own schema: the messaging tables
 * (outbox, inbox) first, then the service's own. Add a file `NNNN_what.ts` exporting `up` (and
 * `down`) and list it here.
 */
export const migrations: Record<string, Migration> = {
  ...messagingMigrations,
  '0100_contacts': contacts,
  '0101_preferences': preferences,
  '0102_template_overrides': templateOverrides,
  '0103_compliance_requests': complianceRequests,
  '0200_messages': messages,
};

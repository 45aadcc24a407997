import type { ComplianceDatabase } from './compliance/schema.ts';
import type { ContactsDatabase } from './contacts/schema.ts';
import type { PreferencesDatabase } from './preferences/schema.ts';
import type { TemplatesDatabase } from './templates/schema.ts';

/** The tables of notifications outside delivery's (`store/messages`, which types its own). */
export type NotificationsDatabase = ContactsDatabase &
  PreferencesDatabase &
  TemplatesDatabase &
  ComplianceDatabase;

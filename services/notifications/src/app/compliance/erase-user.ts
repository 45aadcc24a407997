/**
 * Use case: erase what notifications holds about a user (audit.md, "sagas"), on
 * `identity.user.deleted` and on `audit.compliance.erasure_requested`.
 *
 * In the consumer's transaction: the contact becomes a tombstone without personal data (so a late
 * identity event cannot bring it back), the preferences and skip records go, template overrides the
 * user saved as an admin no longer name them, delivery pseudonymises
 * the user's stored messages (recipient replaced by a random pseudonym, no rendered content), and
 * `notifications.compliance.erasure_completed` reports the counts — once per request id. Running it
 * again is harmless: everything is already gone, and nothing is reported twice.
 */
import { createEvent } from '@authplatform/contracts';
import { enqueueEvent } from '@authplatform/messaging';
import type { Kysely, Transaction } from 'kysely';
import { complianceStore } from '../../store/compliance/compliance-store.ts';
import type { ComplianceDatabase } from '../../store/compliance/schema.ts';
import { contactsStore } from '../../store/contacts/contacts-store.ts';
import type { ContactsDatabase } from '../../store/contacts/schema.ts';
import { preferencesStore } from '../../store/preferences/preferences-store.ts';
import type { PreferencesDatabase } from '../../store/preferences/schema.ts';
import { templateOverridesStore } from '../../store/templates/overrides-store.ts';
import type { TemplatesDatabase } from '../../store/templates/schema.ts';

/** Delivery's part: pseudonymise the stored messages of a user (H4a), in the same transaction. */
export type EraseMessages = (
  // biome-ignore lint/suspicious/noExplicitAny: any transaction on the service schema; delivery types its own tables.
  trx: Transaction<any>,
  subject: { userId: string; recipients: string[] },
) => Promise<{ messages: number }>;

export interface ErasureCounts {
  contacts: number;
  preferences: number;
  preference_skips: number;
  /** Overrides this user (an admin) saved: the author becomes "erased". */
  template_overrides: number;
  messages: number;
  [kind: string]: number;
}

export async function eraseUser<DB>(
  trx: Transaction<DB>,
  eraseMessages: EraseMessages,
  request: { requestId: string; userId: string },
): Promise<{ counts: ErasureCounts; reported: boolean }> {
  const db = trx as unknown as Kysely<
    ContactsDatabase & PreferencesDatabase & ComplianceDatabase & TemplatesDatabase
  >;
  const { before, erased } = await contactsStore(db).erase(request.userId);
  const forgotten = await preferencesStore(db).forget(request.userId);
  const overrides = await templateOverridesStore(db).forgetAuthor(request.userId);
  const recipients = [before.values.email, before.values.phone].filter((v): v is string => v !== null);
  const { messages } = await eraseMessages(trx, { userId: request.userId, recipients });
  const counts: ErasureCounts = {
    contacts: erased ? 1 : 0,
    preferences: forgotten.preferences,
    preference_skips: forgotten.skips,
    template_overrides: overrides,
    messages,
  };
  const reported = await complianceStore(db).markReported(
    request.requestId,
    'erasure',
    request.userId,
    counts,
  );
  if (reported) {
    await enqueueEvent(
      trx,
      createEvent('notifications.compliance.erasure_completed', {
        request_id: request.requestId,
        user_id: request.userId,
        counts,
      }),
    );
  }
  return { counts, reported };
}

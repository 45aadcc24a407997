/**
 * Use case: this service's part of a data-subject export (audit.md, "sagas"), on
 * `audit.compliance.export_requested`: what notifications holds about the user — the contact, the
 * preferences, the messages not sent because of them, and the messages sent to the user (template,
 * channel, address, status and times; never the content, which is not kept) — stored as JSON in the
 * compliance bucket, and `notifications.compliance.export_ready` published with its location, size
 * and SHA-256. Stored and reported once per request id (a later delivery of the same
 * request does nothing).
 */
import { createEvent } from '@authplatform/contracts';
import { type ComplianceExportParts, enqueueEvent } from '@authplatform/messaging';
import type { Kysely, Transaction } from 'kysely';
import { complianceStore } from '../../store/compliance/compliance-store.ts';
import type { ComplianceDatabase } from '../../store/compliance/schema.ts';
import { contactsStore } from '../../store/contacts/contacts-store.ts';
import type { ContactsDatabase } from '../../store/contacts/schema.ts';
import type { MessagesDatabase } from '../../store/messages/schema.ts';
import { preferencesStore } from '../../store/preferences/preferences-store.ts';
import type { PreferencesDatabase } from '../../store/preferences/schema.ts';

type Db = ContactsDatabase & PreferencesDatabase & ComplianceDatabase & MessagesDatabase;

export async function exportUser<DB>(
  trx: Transaction<DB>,
  exports: Pick<ComplianceExportParts, 'put'>,
  request: { requestId: string; userId: string },
): Promise<{ reported: boolean; records: number }> {
  const db = trx as unknown as Kysely<Db>;
  const contact = await contactsStore(db).find(request.userId);
  const { preferences, skips } = await preferencesStore(db).exportOf(request.userId);
  const recipients = [contact?.values.email, contact?.values.phone].filter(
    (v): v is string => typeof v === 'string',
  );
  const messages = await db
    .selectFrom('messages')
    .select([
      'id',
      'channel',
      'recipient',
      'template_key',
      'locale',
      'category',
      'status',
      'failure_code',
      'created_at',
      'sent_at',
      'delivered_at',
      'bounced_at',
      'failed_at',
    ])
    .where((eb) =>
      eb.or([
        eb('user_id', '=', request.userId),
        ...(recipients.length === 0
          ? []
          : [
              eb(
                'recipient',
                'in',
                recipients.map((r) => r.toLowerCase()),
              ),
            ]),
      ]),
    )
    .where('erased_at', 'is', null)
    .orderBy('created_at')
    .execute();

  const hasContact = contact !== undefined && contact.erasedAt === null;
  const part = {
    contact: hasContact ? contact.values : null,
    preferences,
    skipped_by_preferences: skips,
    messages,
  };
  const records = (hasContact ? 1 : 0) + preferences.length + skips.length + messages.length;
  // Claimed first, in this transaction: a second delivery of the same request (another event id)
  // waits on this row and then finds it, so it neither overwrites the stored part (whose hash was
  // reported) nor reports again. A failed upload rolls the claim back with everything else.
  const claimed = await complianceStore(db).markReported(request.requestId, 'export', request.userId, {
    records,
  });
  if (!claimed) return { reported: false, records };
  const ready = await exports.put({
    service: 'notifications',
    requestId: request.requestId,
    userId: request.userId,
    records,
    part,
  });
  await enqueueEvent(trx, createEvent('notifications.compliance.export_ready', ready));
  return { reported: true, records };
}

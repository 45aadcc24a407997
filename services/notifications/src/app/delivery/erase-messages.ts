/**
 * Erasure of a user's messages (right to erasure; H4b's erasure handler calls it in its
 * transaction): every message of the user or to one of their addresses keeps its status, times and
 * provider id (delivery statistics, the audit trail of what was sent) but loses what identifies the
 * person: the recipient becomes `erased:<random>` — random per message, not a hash of the address, which
 * anyone knowing the address could recompute to find the person's messages again — the user id is cleared, any pending template data and dev-outbox copy are deleted.
 * Suppression-list entries of those addresses are kept: they are what stops mail to an address
 * that complained, which the person's erasure must not undo (GDPR art. 17(3)(b), legal obligation
 * of the sender under anti-spam law); they hold the address only.
 */
import { randomBytes } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import { normalizeEmail, normalizePhone } from '../../domain/delivery/address.ts';
import { messagesDb } from '../../store/messages/messages-store.ts';

export async function eraseMessagesOf(
  // biome-ignore lint/suspicious/noExplicitAny: the caller's transaction is typed for its own tables.
  trx: Transaction<any> | Kysely<any>,
  subject: { userId: string; recipients: string[] },
): Promise<{ messages: number }> {
  const db = messagesDb(trx);
  const addresses = subject.recipients
    .map((r) => normalizeEmail(r) ?? normalizePhone(r))
    .filter((a): a is string => a !== undefined);
  const matches = await db
    .selectFrom('messages')
    .select(['id', 'recipient'])
    .where((eb) =>
      eb.or([
        eb('user_id', '=', subject.userId),
        ...(addresses.length === 0 ? [] : [eb('recipient', 'in', addresses)]),
      ]),
    )
    .where('erased_at', 'is', null)
    .execute();
  if (matches.length === 0) return { messages: 0 };
  const ids = matches.map((m) => m.id);
  await db.deleteFrom('dev_outbox').where('message_id', 'in', ids).execute();
  for (const match of matches) {
    const pseudonym = `erased:${randomBytes(8).toString('hex')}`;
    await db
      .updateTable('messages')
      .set({
        recipient: pseudonym,
        user_id: null,
        data_ciphertext: null,
        erased_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
        // A message still waiting is not sent to an erased person.
        status: sql`case when status = 'queued' then 'failed' else status end`,
        failure_code: sql`case when status = 'queued' then 'erased' else failure_code end`,
      })
      .where('id', '=', match.id)
      .execute();
  }
  return { messages: matches.length };
}

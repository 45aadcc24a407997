/**
 * Reads and writes of the contact projection. An update locks the user's row (creating it first if
 * needed), merges in memory with the pure rules of `domain/contacts/contact.ts`, and writes back, all
 * in the caller's transaction, so concurrent handlers of the same user take turns and converge.
 */
import type { Kysely, Selectable } from 'kysely';
import {
  applyUpdate,
  type Contact,
  type ContactUpdate,
  erase,
  sameContact,
} from '../../domain/contacts/contact.ts';
import type { OrderKey } from '../../domain/contacts/ordering.ts';
import type { ContactsDatabase, ContactsTable } from './schema.ts';

type Db = Kysely<ContactsDatabase>;

function toContact(row: Selectable<ContactsTable>): Contact {
  return {
    userId: row.user_id,
    values: {
      email: row.email,
      phone: row.phone,
      name: row.name,
      locale: row.locale,
      timezone: row.timezone,
    },
    versions: row.versions,
    erasedAt: row.erased_at,
  };
}

async function lockContact(db: Db, userId: string): Promise<Contact> {
  await db
    .insertInto('contacts')
    .values({
      user_id: userId,
      email: null,
      phone: null,
      name: null,
      locale: null,
      timezone: null,
      versions: '{}',
      erased_at: null,
    })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
  const row = await db
    .selectFrom('contacts')
    .selectAll()
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return toContact(row);
}

async function write(db: Db, contact: Contact): Promise<void> {
  await db
    .updateTable('contacts')
    .set({
      ...contact.values,
      versions: JSON.stringify(contact.versions),
      erased_at: contact.erasedAt,
      updated_at: new Date(),
    })
    .where('user_id', '=', contact.userId)
    .execute();
}

export function contactsStore(db: Db) {
  return {
    /** Applies the fields of one event (its order key decides, field by field). */
    async update(userId: string, update: ContactUpdate, key: OrderKey): Promise<Contact> {
      const current = await lockContact(db, userId);
      const next = applyUpdate(current, update, key);
      if (!sameContact(current, next)) await write(db, next);
      return next;
    },

    /**
     * Erases the contact, leaving a tombstone. Returns the contact as it was (its addresses are
     * needed to pseudonymise messages) and whether there was anything to erase.
     */
    async erase(userId: string, at: Date = new Date()): Promise<{ before: Contact; erased: boolean }> {
      const before = await lockContact(db, userId);
      const hadData = before.erasedAt === null && Object.values(before.values).some((v) => v !== null);
      const after = erase(before, at);
      if (!sameContact(before, after)) await write(db, after);
      return { before, erased: hadData };
    },

    async find(userId: string): Promise<Contact | undefined> {
      const row = await db
        .selectFrom('contacts')
        .selectAll()
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? undefined : toContact(row);
    },
  };
}

export type ContactsStore = ReturnType<typeof contactsStore>;

/**
 * The contact projection: what notifications knows of a user to reach them (email, phone, name,
 * locale, time zone), kept from identity.user.* events.
 *
 * Events carry only the fields that changed (`identity.user.updated`), so every field keeps the order
 * key of the event that last set it, and an update applies field by field only where its key is
 * newer (see `ordering.ts`). Any order and any number of copies of the same events end in the same
 * contact. A deletion (or an erasure) is final — user ids are never reused — and leaves a tombstone
 * without personal data, so a late update cannot bring the contact back.
 */
import { compareKeys, type OrderKey } from './ordering.ts';

export const CONTACT_FIELDS = ['email', 'phone', 'name', 'locale', 'timezone'] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

export type ContactValues = { [F in ContactField]: string | null };
export type ContactVersions = Partial<Record<ContactField, OrderKey>>;

export interface Contact {
  userId: string;
  values: ContactValues;
  versions: ContactVersions;
  /** Set once the user was deleted or erased: the values are gone for good. */
  erasedAt: Date | null;
}

/** Fields an event sets (a `null` value removes it, e.g. a phone number). */
export type ContactUpdate = Partial<ContactValues>;

export function emptyContact(userId: string): Contact {
  return {
    userId,
    values: { email: null, phone: null, name: null, locale: null, timezone: null },
    versions: {},
    erasedAt: null,
  };
}

/** The contact after an update with `key`; unchanged when erased or when every field is newer already. */
export function applyUpdate(contact: Contact, update: ContactUpdate, key: OrderKey): Contact {
  if (contact.erasedAt !== null) return contact;
  const values = { ...contact.values };
  const versions = { ...contact.versions };
  for (const field of CONTACT_FIELDS) {
    if (!Object.hasOwn(update, field)) continue;
    const value = update[field];
    if (value === undefined) continue;
    const current = versions[field];
    if (current !== undefined && compareKeys(current, key) >= 0) continue;
    values[field] = value;
    versions[field] = key;
  }
  return { ...contact, values, versions };
}

/** The tombstone of an erased contact: no personal data, never updated again. */
export function erase(contact: Contact, at: Date): Contact {
  if (contact.erasedAt !== null) return contact;
  return { ...emptyContact(contact.userId), erasedAt: at };
}

/** Whether the contact changed (to skip a needless write). */
export function sameContact(a: Contact, b: Contact): boolean {
  return (
    JSON.stringify([a.values, a.versions, a.erasedAt]) === JSON.stringify([b.values, b.versions, b.erasedAt])
  );
}

import type { ColumnType } from 'kysely';
import type { ContactVersions } from '../../domain/contacts/contact.ts';

type Json<T> = ColumnType<T, string, string>;

export type ContactsTable = {
  user_id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  locale: string | null;
  timezone: string | null;
  versions: Json<ContactVersions>;
  erased_at: Date | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
};

export type ContactsDatabase = { contacts: ContactsTable };
